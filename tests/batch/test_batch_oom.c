/*
 * test_batch_oom.c — a batch when memory runs out: TF_ENOMEM, no crash, no hang.
 *
 * Linked with the allocator wrapped (tests/fail_alloc.h). The bundled rules are compiled
 * first, with memory; then a batch of a few rows of every shape (plain CSV rows, a
 * quoted one, lists of records, a bad row) is run with the n-th allocation of the run
 * failing, for n = 1, 2, 3 ... until a run meets no failure: every earlier run must end
 * with TF_ENOMEM, its threads joined, and the run with its memory must read, evaluate
 * and write every row.
 * Run for the CRS with one worker and with two, and for the entry check. Under `make
 * asan`, also without a leak.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../fail_alloc.h"
#include "batch/batch.h"
#include "check.h"

static const char input[] =
    "id,nationality,birth_date,education,languages.en.clb,languages.fr.clb,work,spouse.accompanying,"
    "trip.to,trip.purpose,trip.entry_date,trip.days,residence.statuses,residence.absences\n"
    "p1,GH,1990-01-11,master,7;6;6;6,,GH:5,,CN,transit,2025-07-09,4,temporary:2017-04-03,"
    "2017-12-23:2018-01-09;2021-01-16:2021-02-10\n"
    "p2,LA,1988-02-10,doctorate,3;4;3;3,,,,PE,business,2025-11-22,7,,\n"
    "\"p3, quoted\",FR,1979-12-31,bachelor,9;9;9;10,7;7;7;7,FR:3;CA:1,true,JP,tourism,2025-01-02,30,,\n"
    "p4,XX,1990-01-11,master,7;6;6;6,,,,CN,transit,2025-07-09,4,,\n"
    "p5,IN,2000-02-29,secondary,,,IN:2,false,GB,work,2025-03-01,90,permanent:2020-02-29,\n";

/* One batch of the input, the n-th allocation failing (0: none): its rc and counts, and
 * whether the failing allocation was made. */
static tf_rc run(const tf_rules *r, batch_kind kind, const char *id, int threads, long n, batch_counts *c,
                 int *reached) {
    FILE *fin = tmpfile(), *fout = tmpfile();
    if (!fin || !fout || fwrite(input, 1, sizeof input - 1, fin) != sizeof input - 1) exit(2);
    fflush(fin);
    lseek(fileno(fin), 0, SEEK_SET);
    tf_date day;
    tf_date_parse("2025-06-01", &day);
    batch_options o = {.ev = {r, kind, id, day}, .threads = threads, .name = "in", .in_fd = fileno(fin), .out = fout};
    char err[256] = "";
    *c = (batch_counts){0};
    fail_alloc_at(n);
    tf_rc rc = batch_run(&o, c, err, sizeof err);
    *reached = fail_alloc_reached();
    fail_alloc_at(0);
    fclose(fin);
    fclose(fout);
    return rc;
}

static void every_allocation_failing(const tf_rules *r, batch_kind kind, const char *id, int threads) {
    long n = 1;
    for (;; n++) {
        batch_counts c;
        int reached;
        tf_rc rc = run(r, kind, id, threads, n, &c, &reached);
        if (!reached) { /* the whole run had its memory */
            CHECK(rc == TF_OK && c.read == 5 && c.evaluated + c.rejected == 5 && c.written == 5,
                  "%s, %d threads, with memory: %s, read %llu written %llu", id ? id : "check", threads,
                  tf_strerror(rc), (unsigned long long)c.read, (unsigned long long)c.written);
            break;
        }
        CHECK(rc == TF_ENOMEM, "%s, %d threads, allocation %ld failing: %s", id ? id : "check",
              threads, n, tf_strerror(rc));
        CHECK(c.read == c.evaluated + c.rejected, "%s, allocation %ld failing: read %llu != %llu + %llu",
              id ? id : "check", n, (unsigned long long)c.read, (unsigned long long)c.evaluated,
              (unsigned long long)c.rejected);
    }
    CHECK(n > 10, "%s: only %ld allocations (is the allocator wrapped?)", id ? id : "check", n);
    printf("%s, %d thread(s): %ld allocations, each failing in turn\n", id ? id : "check", threads, n - 1);
}

int main(void) {
    tf_rules *r = bundled_rules();
    if (!r) return 2;
    alarm(300); /* a run that hangs on a failed allocation fails the test, not CI */
    every_allocation_failing(r, BATCH_SCHEME, "ca.crs", 1);
    every_allocation_failing(r, BATCH_SCHEME, "ca.crs", 2);
    every_allocation_failing(r, BATCH_CHECK, NULL, 1);
    tf_rules_free(r);
    printf("%d checks, %d failed\n", checks, failures);
    return failures ? 1 : 0;
}

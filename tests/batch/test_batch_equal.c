/*
 * test_batch_equal.c — the batch gives what the single evaluation gives, row for row.
 *
 * A property test over a synthetic population (100,000 cases by default; argv[1] sets
 * the number): the population is written as CSV and as JSONL (the same seed gives the
 * same cases), screened by batch_run for the entry check (each trip as of its entry
 * date, and as of one date), every points scheme and every route, and then:
 *
 *   - the output from the CSV input with 2 worker threads and from the JSONL input with
 *     1 is the same, byte for byte (and the CSV output with 1 and 2 threads, for the
 *     entry check);
 *   - every row's result equals tf_check / tf_assess / tf_pathway on the same case,
 *     read by tf_case_parse_json: outcome, deciding rule and latest departure; total,
 *     category and pass; eligibility, earliest date and days counted; or, for a case the
 *     single evaluation refuses, the same message.
 *
 * tf_assess also searches for the next tier, which costs far more than the score: the
 * schemes other than ca.crs are compared on the first 20,000 rows.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "batch/batch.h"
#include "talentflow.h"

static int failures;

#define FAIL(...)                                      \
    do {                                               \
        if (failures++ < 20) fprintf(stderr, __VA_ARGS__); \
    } while (0)

static FILE *tmp_file(void) {
    FILE *f = tmpfile();
    if (!f) {
        perror("tmpfile");
        exit(2);
    }
    return f;
}

/* Runs a batch over the file `in` (rewound) and returns the output as a malloc'd text. */
static char *run(const batch_eval *ev, FILE *in, int threads, batch_format out_fmt, size_t *len) {
    FILE *out = tmp_file();
    rewind(in);
    batch_options o = {.ev = *ev, .threads = threads, .out_format = out_fmt, .name = "synthetic", .in_fd = fileno(in),
                       .out = out};
    lseek(fileno(in), 0, SEEK_SET);
    batch_counts c;
    char err[512];
    tf_rc rc = batch_run(&o, &c, err, sizeof err);
    if (rc) {
        fprintf(stderr, "batch_run: %s (%s)\n", tf_strerror(rc), err);
        exit(2);
    }
    if (c.read != c.evaluated + c.rejected || c.written != c.read) FAIL("counts: read %llu evaluated %llu rejected %llu written %llu\n",
                                                                        (unsigned long long)c.read, (unsigned long long)c.evaluated,
                                                                        (unsigned long long)c.rejected, (unsigned long long)c.written);
    fflush(out);
    long n = ftell(out);
    char *text = malloc((size_t)n + 1);
    rewind(out);
    if (!text || fread(text, 1, (size_t)n, out) != (size_t)n) exit(2);
    text[n] = 0;
    fclose(out);
    *len = (size_t)n;
    return text;
}

static const char *str(json_t *o, const char *k) {
    json_t *v = json_object_get(o, k);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static int same_str(const char *a, const char *b) { return (!a && !b) || (a && b && !strcmp(a, b)); }

/* Compares row `row` of the batch output (a JSON object) with the single evaluation. */
static void compare(const tf_rules *r, const batch_eval *ev, const char *label, long row, json_t *out, const char *doc_text,
                    tf_decision *d, tf_assessment *a, tf_pathway_result *p) {
    char err[512];
    tf_case *c = NULL;
    tf_rc rc = tf_case_parse_json(r, doc_text, strlen(doc_text), &c, err, sizeof err);
    const char *got_err = str(out, "error");
    if (rc) {
        if (!same_str(got_err, err)) FAIL("%s row %ld: the case is refused (%s) but the batch says %s\n", label, row, err, got_err ? got_err : "(no error)");
        return;
    }
    char b[11];
    if (ev->kind == BATCH_CHECK) {
        rc = tf_check(r, c, ev->as_of, d);
        if (rc) {
            if (!same_str(got_err, tf_decision_error(d))) FAIL("%s row %ld: tf_check: %s; batch: %s\n", label, row, tf_decision_error(d), got_err ? got_err : "(no error)");
        } else {
            const char *reg = tf_decision_regime(d);
            tf_date ld = tf_decision_latest_departure(d);
            if (!same_str(str(out, "outcome"), tf_decision_outcome(d)) || !same_str(str(out, "reason"), reg ? reg : "no_rule") ||
                !same_str(str(out, "latest_departure"), ld == TF_DATE_DEFAULT ? NULL : tf_date_format(ld, b)))
                FAIL("%s row %ld: tf_check %s by %s until %s; batch %s by %s until %s\n", label, row, tf_decision_outcome(d),
                     reg ? reg : "-", ld == TF_DATE_DEFAULT ? "-" : tf_date_format(ld, b), str(out, "outcome"), str(out, "reason"),
                     str(out, "latest_departure") ? str(out, "latest_departure") : "-");
        }
    } else if (ev->kind == BATCH_SCHEME) {
        rc = tf_assess(r, c, ev->id, ev->as_of, a);
        double total = json_number_value(json_object_get(out, "total"));
        json_t *pj = json_object_get(out, "passes");
        int passes = json_is_boolean(pj) ? json_is_true(pj) : -1;
        if (rc) FAIL("%s row %ld: tf_assess failed: %s\n", label, row, tf_assessment_error(a));
        else if (got_err || total != tf_assessment_total(a) || !same_str(str(out, "category"), tf_assessment_category(a)) ||
                 passes != tf_assessment_passes(a))
            FAIL("%s row %ld: tf_assess %g %s %d; batch %g %s %d %s\n", label, row, tf_assessment_total(a),
                 tf_assessment_category(a) ? tf_assessment_category(a) : "-", tf_assessment_passes(a), total,
                 str(out, "category") ? str(out, "category") : "-", passes, got_err ? got_err : "");
    } else {
        rc = tf_pathway(r, c, ev->id, ev->as_of, p);
        if (rc) {
            if (!same_str(got_err, tf_pathway_error(p))) FAIL("%s row %ld: tf_pathway: %s; batch: %s\n", label, row, tf_pathway_error(p), got_err ? got_err : "(no error)");
        } else {
            tf_date e = tf_pathway_earliest(p);
            double counted = tf_pathway_counted(p);
            json_t *cj = json_object_get(out, "counted_days");
            double got_counted = json_is_number(cj) ? json_number_value(cj) : NAN;
            int same_counted = (isnan(counted) && isnan(got_counted)) || counted == got_counted;
            if (got_err || json_is_true(json_object_get(out, "eligible")) != (tf_pathway_eligible(p) == 1) ||
                !same_str(str(out, "earliest_date"), e == TF_DATE_DEFAULT ? NULL : tf_date_format(e, b)) || !same_counted)
                FAIL("%s row %ld: tf_pathway %d %s %g; batch %s %s %g %s\n", label, row, tf_pathway_eligible(p),
                     e == TF_DATE_DEFAULT ? "-" : tf_date_format(e, b), counted,
                     json_is_true(json_object_get(out, "eligible")) ? "true" : "false",
                     str(out, "earliest_date") ? str(out, "earliest_date") : "-", got_counted, got_err ? got_err : "");
        }
    }
    tf_case_free(c);
}

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 100000;
    tf_rules *r = NULL;
    tf_diags *dg = NULL;
    if (tf_rules_load_bundled(&r, &dg) != TF_OK) {
        tf_diags_print(dg, stderr);
        return 2;
    }
    tf_diags_free(dg);
    /* the population, as CSV and as JSONL */
    FILE *csv = tmp_file(), *jsonl = tmp_file();
    tf_date today;
    tf_date_parse("2025-06-01", &today);
    synth_options so = {(uint64_t)n, 42, BATCH_FMT_CSV, today, TF_SOURCE_DIR "/data/world/default-world-latest.csv"};
    char err[512];
    if (synth_run(&so, csv, err, sizeof err)) {
        fprintf(stderr, "synth: %s\n", err);
        return 2;
    }
    so.format = BATCH_FMT_JSONL;
    synth_run(&so, jsonl, err, sizeof err);
    fflush(csv);
    fflush(jsonl);
    /* the documents, one per line, without their id (not a field of the case) */
    rewind(jsonl);
    char **docs = calloc((size_t)n + 1, sizeof *docs), line[1 << 14];
    for (long i = 0; i < n && fgets(line, sizeof line, jsonl); i++) {
        json_t *o = json_loads(line, 0, NULL);
        json_object_del(o, "id");
        docs[i] = json_dumps(o, JSON_COMPACT);
        json_decref(o);
    }
    /* what to evaluate */
    batch_eval evs[32];
    const char *labels[32];
    int nev = 0;
    tf_date day;
    tf_date_parse("2025-06-01", &day);
    evs[nev] = (batch_eval){r, BATCH_CHECK, NULL, TF_DATE_DEFAULT}, labels[nev++] = "check";
    evs[nev] = (batch_eval){r, BATCH_CHECK, NULL, day}, labels[nev++] = "check --as-of 2025-06-01";
    const char *ids[16];
    size_t ns = tf_rules_schemes(r, ids, 16);
    for (size_t i = 0; i < ns && nev < 32; i++) evs[nev] = (batch_eval){r, BATCH_SCHEME, ids[i], day}, labels[nev++] = ids[i];
    size_t nr = tf_rules_routes(r, ids, 16);
    for (size_t i = 0; i < nr && nev < 32; i++) evs[nev] = (batch_eval){r, BATCH_ROUTE, ids[i], day}, labels[nev++] = ids[i];
    tf_decision *d = tf_decision_new();
    tf_assessment *a = tf_assessment_new();
    tf_pathway_result *p = tf_pathway_new();
    for (int e = 0; e < nev; e++) {
        /* 2 threads from CSV, 1 thread from JSONL: the same bytes; CSV out for the first two */
        size_t l1, l3, l4 = 0, l5 = 0;
        char *one = run(&evs[e], csv, 2, BATCH_FMT_JSONL, &l1);
        char *from_jsonl = run(&evs[e], jsonl, 1, BATCH_FMT_JSONL, &l3);
        char *csv1 = e < 2 ? run(&evs[e], csv, 1, BATCH_FMT_CSV, &l4) : NULL;
        char *csv2 = e < 2 ? run(&evs[e], csv, 2, BATCH_FMT_CSV, &l5) : NULL;
        if (l1 != l3 || memcmp(one, from_jsonl, l1))
            FAIL("%s: the output from JSONL with 1 thread differs from CSV with 2 threads\n", labels[e]);
        if (l4 != l5 || (csv1 && memcmp(csv1, csv2, l4))) FAIL("%s: the CSV output with 2 threads differs from 1 thread\n", labels[e]);
        long limit = evs[e].kind == BATCH_SCHEME && strcmp(evs[e].id, "ca.crs") ? (n < 20000 ? n : 20000) : n;
        long row = 0;
        for (char *s = one, *nl; row < limit && (nl = strchr(s, '\n')); s = nl + 1, row++) {
            *nl = 0;
            json_t *o = json_loads(s, 0, NULL);
            if (!o || json_integer_value(json_object_get(o, "row")) != row + 1) {
                FAIL("%s: output row %ld is not row %ld\n", labels[e], row + 1, row + 1);
                json_decref(o);
                break;
            }
            compare(r, &evs[e], labels[e], row + 1, o, docs[row], d, a, p);
            json_decref(o);
        }
        if (row < limit) FAIL("%s: %ld output rows, expected %ld\n", labels[e], row, limit);
        printf("%-28s %ld rows compared\n", labels[e], row);
        free(one), free(from_jsonl), free(csv1), free(csv2);
    }
    tf_decision_free(d);
    tf_assessment_free(a);
    tf_pathway_free(p);
    for (long i = 0; i < n; i++) free(docs[i]);
    free(docs);
    tf_rules_free(r);
    printf("%d failed\n", failures);
    return failures ? 1 : 0;
}

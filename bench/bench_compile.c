/*
 * bench_compile.c — how long compiling rulebooks takes, and how much memory the
 * compiled rule set keeps.
 *
 * Two measures, each RUNS times (default 200; `bench_compile RUNS` to change) after a
 * few untimed warm-up runs, every run timed on its own with CLOCK_MONOTONIC:
 *
 *   tf_compile(case + cn/entry)       the China entry rulebook alone, with the case schema
 *                                     it needs, taken from tf_bundled_sources
 *   tf_rules_load_bundled             every rulebook built into the library
 *
 * Freeing the rule set is timed apart (tf_rules_free, in microseconds), and the very
 * first compilation of the process is shown on its own: it alone pays for cold caches
 * and for memory fresh from the kernel, as a one-shot CLI run does. The memory is the
 * `used` of the rule set's arena (struct tf_rules, eval/ir.h): every block it holds,
 * headers included, which is what the rule set costs for as long as it is loaded. The
 * aim this bench checks (docs/performance.md): the China rulebook compiles in under
 * 5 ms (p50).
 * Run by `make bench`; not a test.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/bundled.h"
#include "eval/ir.h"
#include "machine.h"
#include "stats.h"
#include "talentflow.h"

#define DEFAULT_RUNS 200
#define WARMUP_RUNS 5
#define AIM_CN_COMPILE_MS 5.0

/* The bundled source named `name`, or NULL. */
static const tf_source *bundled(const char *name)
{
    for (size_t i = 0; i < tf_bundled_count; i++)
        if (strcmp(tf_bundled_sources[i].name, name) == 0)
            return &tf_bundled_sources[i];
    return NULL;
}

/* One compilation: the bundled set when srcs is NULL, else tf_compile of srcs. Prints
 * the diagnostics and exits when it fails: a broken rulebook has no compile time. */
static tf_rules *compile_once(const tf_source *srcs, size_t n)
{
    tf_rules *r = NULL;
    tf_diags *d = NULL;
    tf_rc rc = srcs ? tf_compile(srcs, n, &r, &d) : tf_rules_load_bundled(&r, &d);
    if (rc != TF_OK) {
        fprintf(stderr, "bench_compile: compilation failed: %s\n", tf_strerror(rc));
        if (d)
            tf_diags_print(d, stderr);
        exit(1);
    }
    tf_diags_free(d);
    return r;
}

static size_t count_lines(const tf_source *srcs, size_t n)
{
    size_t lines = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < srcs[i].len; k++)
            lines += srcs[i].text[k] == '\n';
    return lines;
}

typedef struct {
    stats_summary compile; /* ms */
    stats_summary release; /* us */
    size_t mem_used;   /* the rule set's arena */
    size_t text_bytes; /* of which: the copies of the source texts (len + NUL each), if copied */
} measure;

/* Compiles srcs[0..n) (the bundled set when srcs is NULL) runs times. */
static measure run(const tf_source *srcs, size_t n, int runs)
{
    measure m = {0};
    double *t_compile = calloc((size_t)runs, sizeof *t_compile);
    double *t_free = calloc((size_t)runs, sizeof *t_free);
    if (!t_compile || !t_free) {
        fprintf(stderr, "bench_compile: out of memory\n");
        exit(1);
    }
    for (int i = 0; i < WARMUP_RUNS; i++)
        tf_rules_free(compile_once(srcs, n));
    for (int i = 0; i < runs; i++) {
        uint64_t t0 = bench_now_ns();
        tf_rules *r = compile_once(srcs, n);
        uint64_t t1 = bench_now_ns();
        if (i == 0) {
            m.mem_used = r->mem.used;
            /* tf_compile copies its caller's texts; the bundled set points into the
             * program's own (a text at a source's address is not a copy) */
            for (uint32_t f = 0; f < r->nfiles; f++)
                if (r->files[f].text != (srcs ? srcs : tf_bundled_sources)[f].text)
                    m.text_bytes += r->files[f].len + 1;
        }
        tf_rules_free(r);
        uint64_t t2 = bench_now_ns();
        t_compile[i] = (double)(t1 - t0) / 1e6;
        t_free[i] = (double)(t2 - t1) / 1e3;
    }
    m.compile = stats_compute(t_compile, (size_t)runs);
    m.release = stats_compute(t_free, (size_t)runs);
    free(t_compile);
    free(t_free);
    return m;
}

/* What the China rule set holds, for the reader of the figures. */
static void print_shape(const tf_rules *r)
{
    for (uint32_t b = 0; b < r->nbooks; b++) {
        const ir_rulebook *rb = &r->books[b];
        printf("  rulebook %-10s %3u rules, %4u IR nodes, %3u sets, %2u values, %3u epochs, %3u tests\n",
               rb->id, rb->nrules, rb->nnodes, rb->nsets, rb->nvals, rb->nepochs, rb->ntests);
    }
    printf("  schema: %u inputs, %u enums, %u ports\n", r->ninputs, r->nenums, r->nports);
}

int main(int argc, char **argv)
{
    int runs = argc > 1 ? atoi(argv[1]) : DEFAULT_RUNS;
    if (runs < 1) {
        fprintf(stderr, "usage: bench_compile [RUNS]   (RUNS >= 1, default %d)\n", DEFAULT_RUNS);
        return 2;
    }
    const tf_source *schema = bundled("rulebooks/case.rules");
    const tf_source *cn = bundled("rulebooks/cn/entry.rules");
    if (!schema || !cn) {
        fprintf(stderr, "bench_compile: rulebooks/case.rules or rulebooks/cn/entry.rules is not bundled\n");
        return 1;
    }
    tf_source cn_set[2] = {*schema, *cn};

    machine_print();
    printf("\nbundled rulebooks: %zu files, %zu lines;  China alone: case.rules + cn/entry.rules, %zu lines\n",
           tf_bundled_count, count_lines(tf_bundled_sources, tf_bundled_count), count_lines(cn_set, 2));
    uint64_t t0 = bench_now_ns();
    tf_rules *shape = compile_once(cn_set, 2);
    double cold_ms = (double)(bench_now_ns() - t0) / 1e6;
    print_shape(shape);
    tf_rules_free(shape);
    printf("%d timed runs each, after %d warm-up runs; times in milliseconds\n\n", runs, WARMUP_RUNS);

    measure china = run(cn_set, 2, runs);
    measure all = run(NULL, 0, runs);

    stats_print_header("ms");
    stats_print_row("tf_compile(case + cn/entry)", &china.compile, 3);
    stats_print_row("tf_rules_load_bundled", &all.compile, 3);
    printf("\n");
    stats_print_header("us");
    stats_print_row("tf_rules_free (case + cn/entry)", &china.release, 1);
    stats_print_row("tf_rules_free (bundled)", &all.release, 1);
    printf("\nfirst compilation in this process (case + cn/entry, cold caches and fresh memory): %.3f ms\n",
           cold_ms);

    printf("\nmemory held by the compiled rule set (arena `used`, block headers included)\n");
    printf("  %-32s %9zu bytes (%.1f KiB), of which source texts %zu bytes\n", "bundled", all.mem_used,
           (double)all.mem_used / 1024, all.text_bytes);
    printf("  %-32s %9zu bytes (%.1f KiB), of which source texts %zu bytes\n", "case + cn/entry",
           china.mem_used, (double)china.mem_used / 1024, china.text_bytes);

    printf("\naim: China rulebook compiles in under %.0f ms (p50): %.3f ms, %s\n", AIM_CN_COMPILE_MS,
           china.compile.p50, china.compile.p50 < AIM_CN_COMPILE_MS ? "MET" : "NOT MET");
    return 0;
}

/*
 * percall.h — the per-call timing of the benchmarks that time a library call case by
 * case (bench_assess, bench_pathway): a measure, the samples it leaves, the best of
 * REPEATS calls per case, and the two reference measures every run prints.
 *
 * Each call is timed alone with a CLOCK_MONOTONIC pair (stats.h), so a figure includes
 * one clock read: the "empty iteration" reference shows how much. The "memcpy 4 KiB"
 * reference is a fixed piece of work whose time says how fast the machine runs at the
 * moment, to compare runs and machines. The including file defines REPEATS and includes
 * cases.h (die) and stats.h before this header; it allocates `samples` for samples_cap
 * values before the first measure.
 */
#ifndef TF_BENCH_PERCALL_H
#define TF_BENCH_PERCALL_H

#include <stdint.h>
#include <string.h>

#include "stats.h"

/* A measure: `op` runs one call on case k of the pool (k is 0 for the references). */
typedef struct {
    void (*op)(void *ctx, size_t k);
    void *ctx;
} bench_op;

static double *samples;
static size_t samples_cap;

/* Runs `warm` untimed calls, then `calls` timed ones, each alone (batch 1) or by groups of
 * `batch`, the i-th on case order[i] (order: [warm + calls], or NULL for case 0); leaves
 * the per-call times in ns in samples[0..n), in call order, and returns n = calls / batch. */
static inline size_t time_calls(const bench_op *m, const uint16_t *order, size_t calls, size_t warm, size_t batch)
{
    for (size_t i = 0; i < warm; i++)
        m->op(m->ctx, order ? order[i] : 0);
    size_t n = calls / batch;
    if (n > samples_cap)
        die("more samples than room for them");
    for (size_t k = 0; k < n; k++) {
        const uint16_t *o = order ? order + warm + k * batch : NULL;
        uint64_t t0 = bench_now_ns();
        for (size_t j = 0; j < batch; j++)
            m->op(m->ctx, o ? o[j] : 0);
        uint64_t t1 = bench_now_ns();
        samples[k] = (double)(t1 - t0) / (double)batch;
    }
    return n;
}

/* time_calls, then the summary of the per-call times (which sorts the samples). */
static inline stats_summary measure(const bench_op *m, const uint16_t *order, size_t calls, size_t warm,
                                    size_t batch)
{
    return stats_compute(samples, time_calls(m, order, calls, warm, batch));
}

/* Times every case of the pool REPEATS times in a row and keeps its fastest call: the
 * summary, over the cases, of what each case costs when nothing else interrupts it. A
 * burst of other work rarely spans all the repeats, so its max is the slowest case, not
 * the slowest moment of the machine: what "every call under the aim" is about. */
static inline stats_summary best_per_case(const bench_op *m, size_t ncases)
{
    for (size_t k = 0; k < ncases; k++) {
        double best = 0;
        for (int r = 0; r < REPEATS; r++) {
            uint64_t t0 = bench_now_ns();
            m->op(m->ctx, k);
            uint64_t t1 = bench_now_ns();
            if (r == 0 || (double)(t1 - t0) < best)
                best = (double)(t1 - t0);
        }
        samples[k] = best;
    }
    return stats_compute(samples, ncases);
}

/* ---- the references ----------------------------------------------------------------- */

#define REF_COPY_BYTES 4096

typedef struct {
    unsigned char src[REF_COPY_BYTES], dst[REF_COPY_BYTES];
} bench_ref;

static inline void ref_empty(void *ctx, size_t k)
{
    (void)k;
    bench_clobber(ctx);
}

static inline void ref_memcpy(void *ctx, size_t k)
{
    bench_ref *r = ctx;
    (void)k;
    memcpy(r->dst, r->src, REF_COPY_BYTES);
    bench_clobber(r->dst);
}

#endif

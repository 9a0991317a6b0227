/*
 * stats.h — what every benchmark shares: a monotonic clock, a summary of samples (sort,
 * then percentiles) and a table row to print it.
 *
 * Header-only because CMake builds each bench/bench_*.c as its own executable from that
 * one file (CMakeLists.txt); every function is static inline so a bench that uses only
 * some of them compiles without warnings. Percentiles use the nearest-rank definition:
 * p-th percentile of n sorted samples = the ceil(p/100 * n)-th smallest, so p50 of an
 * even count is the lower middle sample and p100 is the maximum. Nothing is
 * interpolated, so every reported figure is a time that was actually measured.
 */
#ifndef TF_BENCH_STATS_H
#define TF_BENCH_STATS_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* CLOCK_MONOTONIC in nanoseconds. */
static inline uint64_t bench_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Keeps the compiler from deleting or moving work across this point: whatever p points
 * to may have been read or written. */
static inline void bench_clobber(const void *p)
{
    __asm__ volatile("" : : "r"(p) : "memory");
}

typedef struct {
    size_t n;
    double min, p10, p50, p90, p99, max, mean;
} stats_summary;

static inline int stats_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The nearest-rank p-th percentile (0 < p <= 100) of n sorted samples (n > 0). */
static inline double stats_percentile(const double *sorted, size_t n, double p)
{
    double rank = p / 100.0 * (double)n; /* 1-based; ceil without libm */
    size_t k = (size_t)rank;
    if ((double)k < rank)
        k++;
    if (k < 1)
        k = 1;
    if (k > n)
        k = n;
    return sorted[k - 1];
}

/* Sorts v[0..n) in place and summarises it. An empty set gives all zeros. */
static inline stats_summary stats_compute(double *v, size_t n)
{
    stats_summary s = {0};
    if (n == 0)
        return s;
    qsort(v, n, sizeof *v, stats_cmp_double);
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += v[i];
    s.n = n;
    s.min = v[0];
    s.p10 = stats_percentile(v, n, 10);
    s.p50 = stats_percentile(v, n, 50);
    s.p90 = stats_percentile(v, n, 90);
    s.p99 = stats_percentile(v, n, 99);
    s.max = v[n - 1];
    s.mean = sum / (double)n;
    return s;
}

/* The median of v[0..n) (sorts v). Used to combine repeated runs of a whole measure. */
static inline double stats_median(double *v, size_t n)
{
    return n ? stats_compute(v, n).p50 : 0;
}

/* The header and one row of the table every bench prints: `unit` names the unit of the
 * figures ("ns", "ms"), `what` the measure; `decimals` is 1 for ns, 3 for ms. */
static inline void stats_print_header(const char *unit)
{
    printf("%-34s %9s %10s %10s %10s %10s %10s %10s\n", "measure", "samples", "min", "p10", "p50", "p90",
           "p99", "max");
    printf("%-34s %9s %10s %10s %10s %10s %10s %10s\n", "", "", unit, unit, unit, unit, unit, unit);
}

static inline void stats_print_row(const char *what, const stats_summary *s, int decimals)
{
    printf("%-34s %9zu %10.*f %10.*f %10.*f %10.*f %10.*f %10.*f\n", what, s->n, decimals, s->min, decimals,
           s->p10, decimals, s->p50, decimals, s->p90, decimals, s->p99, decimals, s->max);
}

#endif

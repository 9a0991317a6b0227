/*
 * bench_base.c — timings of the base lookups on the hot path of case reading and batch
 * evaluation: country_find (every nationality of every row) and date_parse (every date
 * field). Run by `make bench`; not a test (STYLE.md: measure with benchmarks, never
 * with timed tests). Prints nanoseconds per call.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "base/country.h"
#include "base/date.h"
#include "machine.h"
#include "stats.h"

#define ROUNDS 20000000L

/* Monotonic time in seconds. */
static double now(void)
{
    return (double)bench_now_ns() / 1e9;
}

static void report(const char *what, double seconds, long calls, long check)
{
    printf("%-28s %8.2f ns/call   (%ld calls, check %ld)\n", what, seconds * 1e9 / (double)calls,
           calls, check);
}

static void bench_country_find(void)
{
    static const char codes[] = "FRCNUSNAXKZZDEGBJPBRINHKMOTWfrAA";
    size_t ncodes = (sizeof codes - 1) / 2;
    long hits = 0;
    double t0 = now();
    for (long i = 0; i < ROUNDS; i++) {
        const char *c = codes + 2 * ((size_t)i % ncodes);
        hits += country_find(c, 2) >= 0;
    }
    report("country_find", now() - t0, ROUNDS, hits);
}

static void bench_date_parse(void)
{
    static const char *const dates[] = {"2024-12-17", "1999-02-28", "2025-02-30",
                                        "2000-03-01", "2100-12-31", "1987-07-04"};
    long sum = 0;
    double t0 = now();
    for (long i = 0; i < ROUNDS; i++) {
        int32_t d = 0;
        if (date_parse(dates[i % 6], 10, &d))
            sum += d;
    }
    report("date_parse", now() - t0, ROUNDS, sum);
}

static void bench_date_age(void)
{
    int32_t birth = date_from_ymd(1990, 2, 28);
    long sum = 0;
    double t0 = now();
    for (long i = 0; i < ROUNDS; i++)
        sum += date_age(birth, (int32_t)(18000 + i % 4000));
    report("date_age", now() - t0, ROUNDS, sum);
}

int main(void)
{
    machine_print();
    printf("\n");
    bench_country_find();
    bench_date_parse();
    bench_date_age();
    return 0;
}

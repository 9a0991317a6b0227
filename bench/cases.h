/*
 * cases.h — what the benchmarks that build their own case documents share: a seeded
 * two-stream PRNG and a bounded string builder.
 *
 * splitmix64: small, fast, and the same sequence on every machine. Two streams: one
 * draws the cases, the other the order of the calls, so that a pool does not depend on
 * the number of calls; both restart for each scheme or route from the including file's
 * CASE_SEED and ORDER_SEED mixed with its id (seed_streams), so that neither depends on
 * which ones a run selects. The including file defines CASE_SEED, ORDER_SEED and
 * BENCH_NAME (its program name, for messages) before including this header. Everything
 * here is static inline, so a bench uses what it needs without unused-function warnings.
 */
#ifndef TF_BENCH_CASES_H
#define TF_BENCH_CASES_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static uint64_t case_state, order_state;

static inline uint64_t splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static inline uint64_t prng_next(void) { return splitmix64(&case_state); }

/* Restarts both streams for the scheme or route `id` (FNV-1a of the id, mixed into the
 * seeds). */
static inline void seed_streams(const char *id)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (const char *c = id; *c; c++)
        h = (h ^ (unsigned char)*c) * 0x100000001b3ULL;
    case_state = CASE_SEED ^ h;
    order_state = ORDER_SEED ^ h;
}

static inline uint32_t prng_below(uint32_t n) { return (uint32_t)(prng_next() % n); }
static inline int chance(uint32_t percent) { return prng_below(100) < percent; }
static inline int between(int lo, int hi) { return lo + (int)prng_below((uint32_t)(hi - lo + 1)); }

#define PICK(arr) (arr[prng_below((uint32_t)(sizeof arr / sizeof arr[0]))])

static inline void die(const char *what)
{
    fprintf(stderr, BENCH_NAME ": %s\n", what);
    exit(1);
}

/* A bounded string builder: a document that does not fit is a bug of the bench. */
typedef struct {
    char *buf;
    size_t len, cap;
    int fields; /* fields written into the innermost open object */
} sb;

static inline void put(sb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline void put(sb *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b->buf + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= b->cap - b->len)
        die("a case document does not fit in CASE_TEXT_MAX");
    b->len += (size_t)n;
}

#endif

/*
 * bench_check.c — in-process latency of entry decisions over many varied cases.
 *
 * A pool of POOL_SIZE distinct case documents is built from a fixed-seed PRNG (so every
 * run sees the same cases): nationalities drawn from ~60 codes covering the unilateral
 * exemption, the mutual agreements, transit-only nationalities and nationalities with
 * no exemption; every purpose; entry dates across 2023-2026; 1 to 40 days; a share of
 * transit trips entering at PEK, PVG, CAN, URC (not a designated port) or TYN, with an
 * exit port, where they come from and where they go next (round trips and onward to CN
 * included); some trips given by exit_date instead of days; a few non-ordinary
 * documents. The JSON is parsed once into tf_cases, then each measure draws cases from
 * the pool in a fixed random order:
 *
 *   tf_check             1,000,000 calls (`bench_check CALLS` to change), one tf_decision
 *                        reused as the API intends; plus the same calls with no timer
 *                        inside, for the throughput (median of 10 slices)
 *   tf_check_traced      200,000 calls, with a callback that only counts the lines
 *   tf_decision_json     20,000 calls: the JSON of a decision (computed untimed before),
 *                        freed untimed
 *   tf_case_parse_json   200,000 calls: one case document to a tf_case, freed untimed
 *
 * and, in the same run, two references that let noisy or different machines be
 * compared: an empty iteration of the same timing harness, and a memcpy of 4 KiB of a
 * decision.
 *
 * Timing: every sample is taken with CLOCK_MONOTONIC. By default each call is timed on
 * its own ("per-call"), so p99 and max are true single-call figures, and every figure
 * includes one clock read, whose cost is the "empty iteration" row. When that cost is
 * more than a quarter of a tf_check (a slow clock source), the bench times batches of
 * BATCH calls and divides by BATCH instead: the clock cost is then negligible but the
 * percentiles are those of 16-call means, which hides single slow calls. The bench
 * prints which mode it chose and why; --per-call or --batch forces one. `--only check`
 * (or traced, json, parse) runs the references and that one measure, for a profiler:
 *   perf record -g ./build/bench_check --only json
 * Run by `make bench`; not a test. Aim (docs/performance.md): tf_check p50 under 1 us.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kinds/entry.h"
#include "machine.h"
#include "stats.h"
#include "talentflow.h"

#define POOL_SIZE 1000
#define DEFAULT_CHECK_CALLS 1000000
#define TRACED_CALLS 200000 /* the slower measures need fewer calls */
#define PARSE_CALLS 200000
#define JSON_CALLS 20000
#define BATCH 16          /* also the number of result slots of a measure */
#define WARMUP_CALLS 20000
#define THROUGHPUT_SLICES 10
#define CASE_TEXT_MAX 512
#define REF_COPY_BYTES 4096
#define AIM_CHECK_P50_NS 1000.0

/* ---- the case pool ------------------------------------------------------------------- */

/* splitmix64: small, fast, and the same sequence on every machine. */
static uint64_t prng_state = 0x74616c656e74666cULL; /* "talentfl" */

static uint64_t prng_next(void)
{
    uint64_t z = (prng_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint32_t prng_below(uint32_t n) { return (uint32_t)(prng_next() % n); }

#define PICK(arr) (arr[prng_below((uint32_t)(sizeof arr / sizeof arr[0]))])

/* Nationalities by the regime that concerns them on most dates (cn/entry.rules). */
static const char *const nat_unilateral[] = {"FR", "DE", "IT", "NL", "ES", "CH", "IE", "HU", "AT",
                                             "BE", "LU", "AU", "NZ", "PL", "PT", "GR", "SK", "NO",
                                             "KR", "JP", "BR", "SA", "RU", "SE", "BN", "MY"};
static const char *const nat_mutual[] = {"SG", "TH", "KZ", "GE", "AE", "QA",
                                         "RS", "BY", "EC", "AL", "AM", "MU"};
static const char *const nat_transit_only[] = {"US", "GB", "CA", "MX", "UA", "CZ", "LT", "ID"};
static const char *const nat_none[] = {"IN", "NG", "PK", "BD", "EG", "VN", "PH",
                                       "TR", "ZA", "KE", "ET", "IR", "CO", "LK"};
static const char *const purposes[] = {"business", "tourism", "family", "exchange", "transit",
                                       "work",     "study",   "journalism", "medical"};
static const char *const documents[] = {"diplomatic", "service", "official", "travel_document"};
static const char *const ports[] = {"PEK", "PVG", "CAN", "URC", "TYN"};
static const char *const places[] = {"KR", "JP", "US", "DE", "GB", "HK", "TH", "AU", "SG", "CA", "MO", "TW"};

static const char *pick_nationality(void)
{
    uint32_t k = prng_below(100);
    if (k < 40)
        return PICK(nat_unilateral);
    if (k < 60)
        return PICK(nat_mutual);
    if (k < 80)
        return PICK(nat_transit_only);
    return PICK(nat_none);
}

/* Writes the i-th case document of the pool into buf. */
static void make_case(char *buf, size_t cap, tf_date first, tf_date last)
{
    char entry[11], exit_date[11], doc[48] = "", length[48], transit[160] = "";
    tf_date d = first + (tf_date)prng_below((uint32_t)(last - first + 1));
    int is_transit = prng_below(100) < 30;
    int days = is_transit ? 1 + (int)prng_below(12) : 1 + (int)prng_below(40);
    const char *purpose = is_transit ? (prng_below(10) < 8 ? "transit" : PICK(purposes)) : PICK(purposes);
    const char *nat = pick_nationality();
    tf_date_format(d, entry);
    if (prng_below(100) < 5)
        snprintf(doc, sizeof doc, "\"document\": \"%s\", ", PICK(documents));
    if (prng_below(100) < 10)
        snprintf(length, sizeof length, "\"exit_date\": \"%s\"", tf_date_format(d + days, exit_date));
    else
        snprintf(length, sizeof length, "\"days\": %d", days);
    if (is_transit) {
        const char *in = PICK(ports), *from = PICK(places), *onward = PICK(places);
        uint32_t k = prng_below(100);
        if (k < 10)
            onward = from; /* a round trip */
        else if (k < 15)
            onward = "CN";
        char out[32] = "";
        k = prng_below(100);
        if (k < 60)
            snprintf(out, sizeof out, "\"exit_port\": \"%s\", ", in);
        else if (k < 80)
            snprintf(out, sizeof out, "\"exit_port\": \"%s\", ", PICK(ports));
        snprintf(transit, sizeof transit, ", \"entry_port\": \"%s\", %s\"from\": \"%s\", \"onward\": \"%s\"", in,
                 out, from, onward);
    }
    snprintf(buf, cap,
             "{\"nationality\": \"%s\", %s\"trip\": {\"to\": \"CN\", \"purpose\": \"%s\", "
             "\"entry_date\": \"%s\", %s%s}}",
             nat, doc, purpose, entry, length, transit);
}

/* ---- the harness ------------------------------------------------------------------- */

/* A measure: `op` runs the i-th call using result slot `slot` (0 <= slot < BATCH) and is
 * what is timed; `before` and `after` run untimed around each sample, for the calls
 * first..first+count, to prepare inputs and release outputs. */
typedef struct {
    void (*before)(void *ctx, size_t first, size_t count);
    void (*op)(void *ctx, size_t i, size_t slot);
    void (*after)(void *ctx, size_t count);
    void *ctx;
} bench_op;

typedef struct {
    stats_summary s;
    double total_ns; /* sum of the samples, in ns per call */
} result;

static double *samples; /* [samples_cap], reused by every measure */
static size_t samples_cap;

/* Runs `calls` calls of m, timing each alone (batch 1) or by groups of `batch`;
 * returns the summary of the per-call times in ns. */
static result measure(const bench_op *m, size_t calls, size_t batch)
{
    size_t warm = calls < WARMUP_CALLS ? calls : WARMUP_CALLS;
    for (size_t i = 0; i + batch <= warm; i += batch) {
        if (m->before)
            m->before(m->ctx, i, batch);
        for (size_t j = 0; j < batch; j++)
            m->op(m->ctx, i + j, j);
        if (m->after)
            m->after(m->ctx, batch);
    }
    size_t n = calls / batch;
    double total = 0;
    if (n > samples_cap) {
        fprintf(stderr, "bench_check: %zu samples do not fit in %zu\n", n, samples_cap);
        exit(1);
    }
    for (size_t k = 0; k < n; k++) {
        size_t first = k * batch;
        if (m->before)
            m->before(m->ctx, first, batch);
        uint64_t t0 = bench_now_ns();
        for (size_t j = 0; j < batch; j++)
            m->op(m->ctx, first + j, j);
        uint64_t t1 = bench_now_ns();
        if (m->after)
            m->after(m->ctx, batch);
        samples[k] = (double)(t1 - t0) / (double)batch;
        total += samples[k];
    }
    result r = {stats_compute(samples, n), total};
    return r;
}

/* ---- the measures ------------------------------------------------------------------ */

typedef struct {
    const tf_rules *r;
    tf_case *pool[POOL_SIZE];
    const char *text[POOL_SIZE];
    size_t len[POOL_SIZE];
    uint16_t *order;            /* [calls]: the pool index of the i-th call */
    tf_decision *dec[BATCH];
    char *json[BATCH];
    tf_case *parsed[BATCH];
    size_t json_bytes, json_count;
    unsigned long trace_lines;
    unsigned long errors;
    unsigned char copy_dst[REF_COPY_BYTES];
} bench;

static void op_empty(void *ctx, size_t i, size_t slot)
{
    (void)i;
    (void)slot;
    bench_clobber(ctx);
}

static void op_memcpy(void *ctx, size_t i, size_t slot)
{
    bench *b = ctx;
    (void)i;
    memcpy(b->copy_dst, b->dec[slot], REF_COPY_BYTES);
    bench_clobber(b->copy_dst);
}

static void op_check(void *ctx, size_t i, size_t slot)
{
    bench *b = ctx;
    (void)slot;
    b->errors += tf_check(b->r, b->pool[b->order[i]], TF_DATE_DEFAULT, b->dec[0]) != TF_OK;
}

static void count_line(void *user, const char *line)
{
    (void)line;
    ++*(unsigned long *)user;
}

static void op_check_traced(void *ctx, size_t i, size_t slot)
{
    bench *b = ctx;
    (void)slot;
    b->errors += tf_check_traced(b->r, b->pool[b->order[i]], TF_DATE_DEFAULT, b->dec[0], count_line,
                                 &b->trace_lines) != TF_OK;
}

static void before_json(void *ctx, size_t first, size_t count)
{
    bench *b = ctx;
    for (size_t j = 0; j < count; j++)
        tf_check(b->r, b->pool[b->order[first + j]], TF_DATE_DEFAULT, b->dec[j]);
}

static void op_json(void *ctx, size_t i, size_t slot)
{
    bench *b = ctx;
    (void)i;
    b->json[slot] = tf_decision_json(b->dec[slot]);
}

static void after_json(void *ctx, size_t count)
{
    bench *b = ctx;
    for (size_t j = 0; j < count; j++) {
        if (!b->json[j]) {
            b->errors++;
            continue;
        }
        b->json_bytes += strlen(b->json[j]);
        b->json_count++;
        free(b->json[j]);
        b->json[j] = NULL;
    }
}

static void op_parse(void *ctx, size_t i, size_t slot)
{
    bench *b = ctx;
    size_t k = b->order[i];
    b->errors += tf_case_parse_json(b->r, b->text[k], b->len[k], &b->parsed[slot], NULL, 0) != TF_OK;
}

static void after_parse(void *ctx, size_t count)
{
    bench *b = ctx;
    for (size_t j = 0; j < count; j++) {
        tf_case_free(b->parsed[j]);
        b->parsed[j] = NULL;
    }
}

/* tf_check with no timer inside the loop, in calls per second: the calls are cut into
 * THROUGHPUT_SLICES slices timed each as a whole, and the median slice is reported, so
 * that a burst of other work on the machine during one slice does not weigh on it. */
static double throughput(bench *b, size_t calls)
{
    double rate[THROUGHPUT_SLICES];
    size_t per = calls / THROUGHPUT_SLICES;
    for (size_t k = 0; k < THROUGHPUT_SLICES; k++) {
        uint64_t t0 = bench_now_ns();
        for (size_t i = k * per; i < (k + 1) * per; i++)
            b->errors += tf_check(b->r, b->pool[b->order[i]], TF_DATE_DEFAULT, b->dec[0]) != TF_OK;
        uint64_t t1 = bench_now_ns();
        rate[k] = (double)per / ((double)(t1 - t0) / 1e9);
    }
    return stats_median(rate, THROUGHPUT_SLICES);
}

/* ---- main ---------------------------------------------------------------------------- */

static void die(const char *what)
{
    fprintf(stderr, "bench_check: %s\n", what);
    exit(1);
}

/* Parses the pool and prints how its decisions are spread, so a reader can see the
 * cases are varied (and that none fails to parse). */
static void build_pool(bench *b, char texts[][CASE_TEXT_MAX])
{
    tf_date first, last;
    if (!tf_date_parse("2023-01-01", &first) || !tf_date_parse("2026-12-31", &last))
        die("date_parse");
    size_t counts[8] = {0}, errors = 0, bytes = 0;
    const char *names[8] = {0};
    for (size_t i = 0; i < POOL_SIZE; i++) {
        char err[256];
        make_case(texts[i], CASE_TEXT_MAX, first, last);
        b->text[i] = texts[i];
        b->len[i] = strlen(texts[i]);
        bytes += b->len[i];
        if (tf_case_parse_json(b->r, texts[i], b->len[i], &b->pool[i], err, sizeof err) != TF_OK) {
            fprintf(stderr, "bench_check: case %zu does not parse: %s\n  %s\n", i, err, texts[i]);
            exit(1);
        }
        if (tf_check(b->r, b->pool[i], TF_DATE_DEFAULT, b->dec[0]) != TF_OK) {
            errors++;
            continue;
        }
        const char *o = tf_decision_outcome(b->dec[0]);
        size_t k = 0;
        while (k < 8 && names[k] && strcmp(names[k], o))
            k++;
        if (k < 8) {
            names[k] = o;
            counts[k]++;
        }
    }
    printf("case pool: %d distinct cases, %.0f bytes of JSON each on average; decisions:", POOL_SIZE,
           (double)bytes / POOL_SIZE);
    for (size_t k = 0; k < 8 && names[k]; k++)
        printf(" %s %zu,", names[k], counts[k]);
    printf(" errors %zu\n", errors);
    printf("e.g. %s\n", texts[0]);
}

static void usage(void)
{
    fprintf(stderr, "usage: bench_check [--per-call | --batch] [--only check|traced|json|parse] [CALLS >= %d]\n",
            BATCH * 100);
    exit(2);
}

int main(int argc, char **argv)
{
    size_t calls = DEFAULT_CHECK_CALLS;
    int force = 0; /* 1: per-call, 2: batch */
    const char *only = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--per-call"))
            force = 1;
        else if (!strcmp(argv[i], "--batch"))
            force = 2;
        else if (!strcmp(argv[i], "--only") && i + 1 < argc)
            only = argv[++i];
        else if (atol(argv[i]) >= BATCH * 100)
            calls = (size_t)atol(argv[i]);
        else
            usage();
    }
    if (only && strcmp(only, "check") && strcmp(only, "traced") && strcmp(only, "json") && strcmp(only, "parse"))
        usage();
#define WANT(name) (!only || !strcmp(only, name))
#define AT_MOST(n) (calls < (n) ? calls : (size_t)(n))

    static bench b;
    static char texts[POOL_SIZE][CASE_TEXT_MAX];
    tf_rules *rules = NULL;
    if (tf_rules_load_bundled(&rules, NULL) != TF_OK)
        die("the bundled rulebooks do not compile");
    b.r = rules;
    for (size_t j = 0; j < BATCH; j++)
        if (!(b.dec[j] = tf_decision_new()))
            die("out of memory");
    b.order = malloc(calls * sizeof *b.order);
    samples_cap = calls;
    samples = malloc(samples_cap * sizeof *samples);
    if (!b.order || !samples)
        die("out of memory");

    machine_print();
    build_pool(&b, texts);
    for (size_t i = 0; i < calls; i++)
        b.order[i] = (uint16_t)prng_below(POOL_SIZE);

    /* The clock's own cost decides how to time: see the top of the file. */
    bench_op empty = {NULL, op_empty, NULL, &b};
    result clock1 = measure(&empty, AT_MOST(200000), 1);
    double pilot = 1e9 / throughput(&b, AT_MOST(50000));
    size_t batch = clock1.s.p50 > 0.25 * pilot ? BATCH : 1;
    const char *why = batch == 1 ? "the clock read costs at most a quarter of a tf_check"
                                 : "the clock read costs more than a quarter of a tf_check";
    if (force) {
        batch = force == 1 ? 1 : BATCH;
        why = "forced on the command line";
    }
    printf("timing: %s (clock read %.0f ns, tf_check about %.0f ns: %s)\n",
           batch == 1 ? "per call, one CLOCK_MONOTONIC pair around each call"
                      : "per batch of 16 calls, divided by 16",
           clock1.s.p50, pilot, why);
    printf("sizeof(tf_decision) = %zu bytes; the memcpy reference copies its first %d bytes\n\n",
           sizeof(tf_decision), REF_COPY_BYTES);

    bench_op copy = {before_json, op_memcpy, NULL, &b};
    bench_op check = {NULL, op_check, NULL, &b};
    bench_op traced = {NULL, op_check_traced, NULL, &b};
    bench_op json = {before_json, op_json, after_json, &b};
    bench_op parse = {NULL, op_parse, after_parse, &b};

    result r_empty = measure(&empty, calls, batch);
    result r_copy = measure(&copy, AT_MOST(PARSE_CALLS), batch);
    stats_print_header("ns");
    stats_print_row("reference: empty iteration", &r_empty.s, 1);
    stats_print_row("reference: memcpy 4 KiB", &r_copy.s, 1);
    result r_check = {0}, r_traced = {0}, r_json = {0}, r_parse = {0};
    double tput = 0;
    unsigned long lines = 0;
    if (WANT("check")) {
        r_check = measure(&check, calls, batch);
        tput = throughput(&b, calls);
        stats_print_row("tf_check", &r_check.s, 1);
    }
    if (WANT("traced")) {
        b.trace_lines = 0;
        r_traced = measure(&traced, AT_MOST(TRACED_CALLS), batch);
        lines = b.trace_lines;
        stats_print_row("tf_check_traced (no-op callback)", &r_traced.s, 1);
    }
    if (WANT("json")) {
        r_json = measure(&json, AT_MOST(JSON_CALLS), batch);
        stats_print_row("tf_decision_json", &r_json.s, 1);
    }
    if (WANT("parse")) {
        r_parse = measure(&parse, AT_MOST(PARSE_CALLS), batch);
        stats_print_row("tf_case_parse_json", &r_parse.s, 1);
    }

    printf("\nmeans (ns): empty %.1f, memcpy %.1f, check %.1f, traced %.1f, json %.1f, parse %.1f\n",
           r_empty.s.mean, r_copy.s.mean, r_check.s.mean, r_traced.s.mean, r_json.s.mean,
           r_parse.s.mean);
    if (WANT("check"))
        printf("throughput: tf_check %.0f checks/s (%.1f ns each; no timer in the loop; median of %d slices of %zu calls)\n",
               tput, 1e9 / tput, THROUGHPUT_SLICES, calls / THROUGHPUT_SLICES);
    if (WANT("traced"))
        printf("trace lines per traced check: %.1f\n",
               (double)lines / (double)(AT_MOST(TRACED_CALLS) + AT_MOST(WARMUP_CALLS)));
    if (WANT("json"))
        printf("JSON bytes per decision: %.0f\n",
               b.json_count ? (double)b.json_bytes / (double)b.json_count : 0.0);
    printf("calls that returned an error: %lu (the pool's cases are all complete: expect 0)\n", b.errors);
    if (WANT("check"))
        printf("\naim: tf_check p50 under %.0f ns: %.1f ns, %s\n", AIM_CHECK_P50_NS, r_check.s.p50,
               r_check.s.p50 < AIM_CHECK_P50_NS ? "MET" : "NOT MET");

    for (size_t i = 0; i < POOL_SIZE; i++)
        tf_case_free(b.pool[i]);
    for (size_t j = 0; j < BATCH; j++)
        tf_decision_free(b.dec[j]);
    tf_rules_free(rules);
    free(b.order);
    free(samples);
    return b.errors ? 1 : 0;
}

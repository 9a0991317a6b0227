/*
 * bench_pathway.c — in-process latency of tf_pathway over long residence histories, for
 * every bundled route.
 *
 * For each route tf_rules_routes lists (ca.citizenship, ca.pr_residency, gb.ilr,
 * gb.naturalisation, us.naturalization, cn.permanent_residence today) a pool of POOL_SIZE
 * distinct case documents is built from a fixed-seed PRNG. Each holds a residence
 * history of YEARS years ending at AS_OF, the date every call is evaluated as of:
 *
 *   statuses   the route's first status from the start of the history (for ca.citizenship
 *              "protected" in 15 % of cases, else "temporary"; "student" before
 *              "skilled_worker" for gb.ilr, ...), then its second status from a day 1 to
 *              9 years in, so some have held the status long enough and some not;
 *   absences   ABSENCES trips abroad, sorted and disjoint, spread over the whole history
 *              with random gaps. A trip keeps the person away 1 to 30 whole days
 *              (`returned` is `left` + days + 1); each case has its own mean (1 to 12
 *              days), so the pool runs from a few weeks a year abroad to two
 *              thirds of the time, and 4 % of trips are long ones (15 to 30 days);
 *   and for cn.permanent_residence the salary, the local average wage, the income tax
 *   and the employer's recommendation its conditions read, all met in about a third of
 *   the cases (the others never qualify, whatever the history).
 *
 * A route this file does not know gets "temporary" then "permanent". Eligible and
 * not-eligible cases are both in every pool: for a case not eligible, tf_pathway also
 * searches the earliest date on which it would be (PW_HORIZON_YEARS ahead at most), and
 * that search is most of the work. The JSON is parsed once into tf_cases; then
 *
 *   tf_pathway   CALLS calls per route (`bench_pathway CALLS`, default 20,000), drawn
 *                from the pool in a fixed random order, one tf_pathway_result reused;
 *                reported for all calls, and apart for the eligible and the
 *                not-eligible cases;
 *   per case     each case of the pool called REPEATS times in a row, its fastest call
 *                kept; the row summarises those over the cases. Preemption by other
 *                processes rarely spans all the repeats, so the max of that row is the
 *                slowest case rather than the machine's slowest moment.
 *
 * and, first, two references that let noisy or different machines be compared: an empty
 * iteration of the timing harness (one clock read) and a memcpy of 4 KiB.
 *
 * Timing: every call is timed on its own with a CLOCK_MONOTONIC pair, so p99 and max are
 * single-call figures that include one clock read (the empty-iteration row). `--only ID`
 * runs one route, for a profiler:
 *   valgrind --tool=callgrind --toggle-collect=tf_pathway ./build/bench_pathway --only gb.ilr 2000
 * Run by `make bench`; not a test. Aim (docs/performance.md, "Points and pathways"): a
 * tf_pathway under 20 us, judged on the slowest case of every route.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "machine.h"
#include "stats.h"
#include "talentflow.h"

#define POOL_SIZE 200
#define MAX_ROUTES 16
#define YEARS 10
#define ABSENCES 200
#define DEFAULT_CALLS 20000
#define MAX_CALLS 10000000
#define WARMUP_CALLS 2000
#define REPEATS 15 /* calls per case in the best-per-case measure */
#define CASE_TEXT_MAX 16384
#define AS_OF "2026-06-01"
#define AIM_PATHWAY_NS 20000.0

/* ---- the PRNG and the string builder (cases.h) ---------------------------------- */

#define CASE_SEED 0x7061746877617921ULL /* "pathway!" */
#define ORDER_SEED 0x6f72646572ULL /* "order" */
#define BENCH_NAME "bench_pathway"
#include "cases.h"
#include "percall.h"

/* The statuses of a route's histories: `first` from the start, `then` from a day 1 to 9
 * years in; `first_alt` instead of `first` in alt_pct % of cases. */
typedef struct {
    const char *id, *first, *first_alt, *then;
    int alt_pct;
} route_history;

static const route_history histories[] = {
    {"ca.citizenship", "temporary", "protected", "permanent", 15},
    {"ca.pr_residency", "temporary", NULL, "permanent", 0},
    {"us.naturalization", "temporary", NULL, "permanent", 0},
    {"gb.ilr", "student", NULL, "skilled_worker", 0},
    {"gb.naturalisation", "skilled_worker", NULL, "permanent", 0},
    {"cn.permanent_residence", "student", NULL, "temporary", 0},
};
static const route_history default_history = {NULL, "temporary", NULL, "permanent", 0};

static tf_date as_of_day;

/* Writes one case document for a route with history h; returns the days away in all. */
static long make_case(char *buf, size_t cap, const route_history *h, int cn_fields)
{
    sb b = {buf, 0, cap, 0};
    char d1[11], d2[11];
    tf_date start = as_of_day - (tf_date)(YEARS * 365.25), switch_day = start + between(365, 9 * 365);
    const char *first = h->first_alt && chance((uint32_t)h->alt_pct) ? h->first_alt : h->first;
    put(&b, "{\"residence\": {\"statuses\": [{\"status\": \"%s\", \"from\": \"%s\"}, ", first,
        tf_date_format(start, d1));
    put(&b, "{\"status\": \"%s\", \"from\": \"%s\"}], \"absences\": [", h->then, tf_date_format(switch_day, d1));

    /* the trips' lengths, then the gaps between them: ABSENCES + 1 gaps of at least a day
     * share what the trips leave of the history */
    int days[ABSENCES], mean = between(1, 12);
    long away = 0, extent = 0;
    for (int i = 0; i < ABSENCES; i++) {
        days[i] = chance(4) ? between(15, 30) : between(1, 2 * mean - 1);
        extent += days[i] + 2; /* the day of leaving, the days away, the day of returning */
        away += days[i];
    }
    long span = (long)(as_of_day - 1 - (start + 1)), spare = span - extent - (ABSENCES + 1);
    if (spare < 0)
        die("the trips do not fit in the history");
    uint32_t w[ABSENCES + 1];
    uint64_t wsum = 0;
    for (int i = 0; i <= ABSENCES; i++)
        wsum += w[i] = 1 + prng_below(1000);
    tf_date day = start + 1;
    for (int i = 0; i < ABSENCES; i++) {
        day += 1 + (tf_date)((uint64_t)spare * w[i] / wsum);
        tf_date left = day, returned = left + days[i] + 1;
        put(&b, "%s{\"left\": \"%s\", \"returned\": \"%s\"}", i ? ", " : "", tf_date_format(left, d1),
            tf_date_format(returned, d2));
        day = returned;
    }
    put(&b, "]}");
    if (cn_fields) {
        int wage = 1000 * between(90, 200), salary = 1000 * between(300, 1500);
        put(&b, ", \"CN\": {\"salary_cny\": %d, \"local_average_wage\": %d, \"income_tax_cny\": %d, "
                "\"employer_recommended\": %s}",
            salary, wage, salary / 100 * between(10, 35), chance(85) ? "true" : "false");
    }
    put(&b, "}");
    return away;
}

/* ---- one route ------------------------------------------------------------------------- */

typedef struct {
    const tf_rules *r;
    const char *id;
    tf_case *pool[POOL_SIZE];
    int eligible[POOL_SIZE];
    uint16_t *order; /* [warm + calls]: the pool index of the i-th call */
    tf_pathway_result *p;
    unsigned long errors;
} bench;

static void op_pathway(void *ctx, size_t k)
{
    bench *b = ctx;
    b->errors += tf_pathway(b->r, b->pool[k], b->id, as_of_day, b->p) != TF_OK;
}

typedef struct {
    stats_summary all, yes, no, best;
} route_result;

static route_result run_route(bench *b, size_t calls)
{
    static char text[CASE_TEXT_MAX];
    const route_history *h = &default_history;
    seed_streams(b->id);
    for (size_t k = 0; k < sizeof histories / sizeof histories[0]; k++)
        if (!strcmp(histories[k].id, b->id))
            h = &histories[k];
    size_t bytes = 0, eligible = 0, dated = 0, never = 0;
    double away = 0, wait_days = 0, counted = 0;
    size_t ncounted = 0;
    for (size_t i = 0; i < POOL_SIZE; i++) {
        char err[256];
        away += (double)make_case(text, sizeof text, h, !strcmp(b->id, "cn.permanent_residence"));
        size_t len = strlen(text);
        bytes += len;
        if (tf_case_parse_json(b->r, text, len, &b->pool[i], err, sizeof err) != TF_OK) {
            fprintf(stderr, "bench_pathway: %s case %zu does not parse: %s\n", b->id, i, err);
            exit(1);
        }
        if (tf_pathway(b->r, b->pool[i], b->id, as_of_day, b->p) != TF_OK) {
            fprintf(stderr, "bench_pathway: %s case %zu: %s\n", b->id, i, tf_pathway_error(b->p));
            exit(1);
        }
        b->eligible[i] = tf_pathway_eligible(b->p) == 1;
        tf_date e = tf_pathway_earliest(b->p);
        eligible += (size_t)b->eligible[i];
        if (!b->eligible[i] && e != TF_DATE_DEFAULT) {
            dated++;
            wait_days += e - as_of_day;
        }
        never += !b->eligible[i] && e == TF_DATE_DEFAULT;
        double c = tf_pathway_counted(b->p);
        if (c == c) { /* not NAN: the route has a presence requirement */
            counted += c;
            ncounted++;
        }
    }
    printf("%s: %d cases of %d years and %d absences, %.0f bytes of JSON each; %.0f days away on average;\n"
           "  eligible %zu, not eligible with an earliest date %zu (%.0f days ahead on average), not within the horizon %zu",
           b->id, POOL_SIZE, YEARS, ABSENCES, (double)bytes / POOL_SIZE, away / POOL_SIZE, eligible, dated,
           dated ? wait_days / (double)dated : 0.0, never);
    if (ncounted)
        printf("; %.0f days counted on average", counted / (double)ncounted);
    printf("\n");

    for (size_t i = 0; i < WARMUP_CALLS + calls; i++)
        b->order[i] = (uint16_t)(splitmix64(&order_state) % POOL_SIZE);
    bench_op op = {op_pathway, b};
    time_calls(&op, b->order, calls, WARMUP_CALLS, 1);
    /* split by the case's eligibility before stats_compute sorts the samples */
    if (calls > MAX_CALLS)
        die("too many calls");
    double *yes = malloc(calls * sizeof *yes), *no = malloc(calls * sizeof *no);
    size_t ny = 0, nn = 0;
    if (!yes || !no)
        die("out of memory");
    for (size_t k = 0; k < calls; k++) {
        if (b->eligible[b->order[WARMUP_CALLS + k]])
            yes[ny++] = samples[k];
        else
            no[nn++] = samples[k];
    }
    route_result res = {stats_compute(samples, calls), stats_compute(yes, ny), stats_compute(no, nn), {0}};
    free(yes);
    free(no);
    res.best = best_per_case(&op, POOL_SIZE);
    for (size_t i = 0; i < POOL_SIZE; i++) {
        tf_case_free(b->pool[i]);
        b->pool[i] = NULL;
    }
    return res;
}

/* ---- main ------------------------------------------------------------------------------ */

static void usage(void)
{
    fprintf(stderr, "usage: bench_pathway [--only ROUTE] [CALLS, 1000 to %d]\n", MAX_CALLS);
    exit(2);
}

int main(int argc, char **argv)
{
    size_t calls = DEFAULT_CALLS;
    const char *only = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--only") && i + 1 < argc)
            only = argv[++i];
        else if (atol(argv[i]) >= 1000 && atol(argv[i]) <= MAX_CALLS)
            calls = (size_t)atol(argv[i]);
        else
            usage();
    }
    if (!tf_date_parse(AS_OF, &as_of_day))
        die("AS_OF");
    tf_rules *rules = NULL;
    if (tf_rules_load_bundled(&rules, NULL) != TF_OK)
        die("the bundled rulebooks do not compile");
    const char *ids[MAX_ROUTES];
    size_t nroutes = tf_rules_routes(rules, ids, MAX_ROUTES);
    if (nroutes > MAX_ROUTES)
        nroutes = MAX_ROUTES;

    static bench b;
    b.r = rules;
    b.p = tf_pathway_new();
    b.order = malloc((WARMUP_CALLS + calls) * sizeof *b.order);
    samples_cap = calls > 200000 ? calls : 200000;
    samples = malloc(samples_cap * sizeof *samples);
    if (!b.p || !b.order || !samples)
        die("out of memory");
    static bench_ref ref;
    memset(ref.src, 0x5a, sizeof ref.src);

    machine_print();
    printf("as of %s, histories from %d years before; %zu calls per route after %d untimed; timing per call,\n"
           "one CLOCK_MONOTONIC pair around each call\n\n",
           AS_OF, YEARS, calls, WARMUP_CALLS);

    bench_op empty = {ref_empty, &ref}, copy = {ref_memcpy, &ref};
    stats_summary r_empty = measure(&empty, NULL, 200000, WARMUP_CALLS, 1);
    stats_summary r_copy = measure(&copy, NULL, 200000, WARMUP_CALLS, 1);

    route_result res[MAX_ROUTES] = {0};
    int ran[MAX_ROUTES] = {0};
    for (size_t k = 0; k < nroutes; k++) {
        if (only && strcmp(only, ids[k]))
            continue;
        b.id = ids[k];
        res[k] = run_route(&b, calls);
        ran[k] = 1;
    }

    printf("\n");
    stats_print_header("ns");
    stats_print_row("reference: empty iteration", &r_empty, 1);
    stats_print_row("reference: memcpy 4 KiB", &r_copy, 1);
    for (size_t k = 0; k < nroutes; k++) {
        if (!ran[k])
            continue;
        printf("%s\n", ids[k]);
        stats_print_row("  tf_pathway, all", &res[k].all, 1);
        stats_print_row("  tf_pathway, eligible", &res[k].yes, 1);
        stats_print_row("  tf_pathway, not eligible", &res[k].no, 1);
        stats_print_row("  tf_pathway, per case (best of 15)", &res[k].best, 1);
    }
    printf("\ncalls that returned an error: %lu (expect 0)\n", b.errors);
    printf("\naim: every tf_pathway under %.0f ns: met when the slowest case (best of %d calls) is\n", AIM_PATHWAY_NS,
           REPEATS);
    for (size_t k = 0; k < nroutes; k++)
        if (ran[k])
            printf("  %-24s p50 %9.1f ns, p99 %9.1f ns, slowest case %9.1f ns: %s (%.1fx the aim)\n", ids[k],
                   res[k].all.p50, res[k].all.p99, res[k].best.max, res[k].best.max < AIM_PATHWAY_NS ? "MET" : "NOT MET",
                   res[k].best.max / AIM_PATHWAY_NS);

    tf_pathway_free(b.p);
    tf_rules_free(rules);
    free(b.order);
    free(samples);
    return b.errors ? 1 : 0;
}

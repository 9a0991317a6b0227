/*
 * bench_assess.c — in-process latency of tf_assess, for every bundled points scheme.
 *
 * For each scheme tf_rules_schemes lists (cn.work_permit, ca.crs, jp.hsp,
 * gb.skilled_worker, au.skilled_189 today) a pool of POOL_SIZE distinct case documents is
 * built from a fixed-seed PRNG, with the fields that scheme reads (rulebooks/case.rules
 * and the scheme's rulebook): a birth date (or an age), education, work abroad and at
 * home, language results, a spouse for the CRS, and the scheme's own inputs (salary,
 * job level, sponsor, bonuses, ...) drawn over realistic ranges, a few of them missing.
 * A scheme this file has no generator for is reported and skipped. The JSON is parsed
 * once into tf_cases; every call is as of AS_OF, a fixed date. Per scheme:
 *
 *   tf_assess            CALLS calls (`bench_assess CALLS`, default 20,000), one
 *                        tf_assessment reused: the score (every factor, the total,
 *                        the category, the pass), what a caller that needs no more
 *                        pays, as the rulebook tests and the service's short answers.
 *   tf_assess + gap      the same followed by tf_assessment_next_count, which runs the
 *                        gap search on first use (`next`: every band edge, bool and enum
 *                        member of every input a factor reads, rescored one change at a
 *                        time; `ahead`: the epoch starts and birthdays of the next ten
 *                        years, rescored): what the CLI and the service's full answers
 *                        pay, but for writing the JSON.
 *   points_batch, 1 row  the library's other scorer, that of `talentflow batch --scheme`
 *                        (src/kinds/kinds.h, the column evaluator src/eval/vec.c), on a
 *                        chunk of one row that is the parsed case itself; also checked.
 *   points_batch, per row of 1000   the same over the whole pool as one chunk, per row.
 *
 * For tf_assess and tf_assess + gap, also "per case (best of 15)": each case of the pool
 * called REPEATS times in a row, its fastest call kept; the rows summarise those over
 * the cases. Preemption by other processes rarely spans all the repeats, so the max of
 * that row is the slowest case rather than the machine's slowest moment.
 *
 * and, first, two references that let noisy or different machines be compared: an empty
 * iteration of the timing harness (one clock read) and a memcpy of 4 KiB.
 *
 * Timing: every call is timed on its own with a CLOCK_MONOTONIC pair, so p99 and max are
 * single-call figures that include one clock read (the empty-iteration row); --batch
 * times groups of BATCH calls instead and divides, for a machine with a slow clock.
 * `--only ID` runs one scheme and `--what assess|gap|batch` one kind of measure, for a
 * profiler:
 *   valgrind --tool=callgrind --toggle-collect=tf_assess ./build/bench_assess --only ca.crs --what assess 2000
 * `--dump FILE` (and `--dump-print FILE`) measures nothing: it writes every case's
 * tf_assessment_json (tf_assessment_print) to FILE, for comparing the outputs of two
 * builds byte for byte. It runs the gap search by tf_assessment_next_count first, so
 * that counting instructions over the pools separates the two parts, deterministically:
 *   valgrind --tool=callgrind --toggle-collect=tf_assess ./build/bench_assess --only ca.crs --dump /dev/null
 *   valgrind --tool=callgrind --toggle-collect=tf_assessment_next_count ./build/bench_assess --only ca.crs --dump /dev/null
 * Run by `make bench`; not a test. Aim (docs/performance.md, "Points and pathways"):
 * every tf_assess under 2 us, judged on the slowest case of every scheme.
 */
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "eval/case.h"
#include "eval/vec.h"
#include "kinds/kinds.h"
#include "machine.h"
#include "stats.h"
#include "talentflow.h"

#define POOL_SIZE 1000
#define MAX_SCHEMES 16
#define DEFAULT_CALLS 20000
#define MAX_CALLS 10000000
#define WARMUP_CALLS 2000
#define CHUNK_RUNS 200 /* samples of the pool-chunk measure */
#define REPEATS 15     /* calls per case in the best-per-case measures */
#define BATCH 16
#define CASE_TEXT_MAX 2048
#define AS_OF "2026-06-01"
#define AIM_ASSESS_NS 2000.0

/* ---- the PRNG and the string builder (cases.h) ---------------------------------- */

#define CASE_SEED 0x61737365737321ULL /* "assess!" */
#define ORDER_SEED 0x6f72646572ULL /* "order" */
#define BENCH_NAME "bench_assess"
#include "cases.h"
#include "percall.h"

/* `"name": ` with the comma a field after the first needs. */
static void key(sb *b, const char *name)
{
    put(b, "%s\"%s\": ", b->fields++ ? ", " : "", name);
}

/* Opens the object field `name`; returns what close_object needs. */
static int open_object(sb *b, const char *name)
{
    key(b, name);
    int saved = b->fields;
    b->fields = 0;
    put(b, "{");
    return saved;
}

static void close_object(sb *b, int saved)
{
    put(b, "}");
    b->fields = saved;
}

static tf_date as_of_day;

static const char *const educations[] = {"none",      "secondary",    "post_secondary_1y", "post_secondary_2y",
                                         "bachelor",  "two_or_more",  "master",            "doctorate"};
/* weights of educations[], in percent: most applicants to these schemes hold a degree */
static const int education_weights[] = {1, 7, 5, 10, 37, 8, 25, 7};
static const char *const countries[] = {"IN", "CN", "PH", "NG", "US", "GB", "FR", "DE", "BR", "MX",
                                        "PK", "VN", "KR", "JP", "AU", "CA", "IR", "EG", "TR", "ZA"};

static const char *pick_education(void)
{
    int k = (int)prng_below(100);
    for (size_t i = 0; i < sizeof educations / sizeof educations[0]; i++) {
        if (k < education_weights[i])
            return educations[i];
        k -= education_weights[i];
    }
    return "bachelor";
}

/* The person every scheme reads: a birth date (85 %: age 20 to 56 at AS_OF, mostly 25 to
 * 40) or an age, an education (95 %), and 0 to 3 jobs, in `home` (a country whose work
 * a scheme counts apart: CA, AU) with probability home_pct. */
static void put_person(sb *b, const char *home, int home_pct)
{
    char d[11];
    int age = chance(70) ? between(25, 40) : between(20, 56);
    if (chance(85)) {
        tf_date born = as_of_day - (tf_date)(age * 365.25) - (tf_date)prng_below(365);
        key(b, "birth_date");
        put(b, "\"%s\"", tf_date_format(born, d));
    } else {
        key(b, "age");
        put(b, "%d", age);
    }
    if (chance(95)) {
        key(b, "education");
        put(b, "\"%s\"", pick_education());
    }
    int jobs = (int)prng_below(4);
    if (jobs) {
        key(b, "work");
        put(b, "[");
        for (int j = 0; j < jobs; j++) {
            const char *c = home && chance((uint32_t)home_pct) ? home : PICK(countries);
            int tenths = chance(60) ? 10 * between(0, 8) : between(1, 80);
            put(b, "%s{\"country\": \"%s\", \"years\": %d.%d}", j ? ", " : "", c, tenths / 10, tenths % 10);
        }
        put(b, "]");
    }
}

/* Four CLB results (one per ability) around a level. */
static void put_clb(sb *b, int level)
{
    put(b, "[");
    for (int i = 0; i < 4; i++) {
        int v = level + between(-1, 1);
        put(b, "%s%d", i ? ", " : "", v < 3 ? 3 : v > 12 ? 12 : v);
    }
    put(b, "]");
}

/* cn.work_permit: salary, months, region, extras, Chinese (HSK, former national, taught
 * in Chinese), a provincial bonus; 10 % on the pilot table. */
static void gen_cn(sb *b)
{
    static const char *const regions[] = {"western", "northeast", "poverty_county"};
    static const char *const extras[] = {"top_university", "fortune500", "patent", "five_years_in_china"};
    put_person(b, NULL, 0);
    if (chance(35)) {
        key(b, "languages");
        put(b, "{\"zh\": {\"hsk\": %d}}", between(1, 6));
    }
    int o = open_object(b, "CN");
    if (chance(97)) {
        key(b, "salary_cny");
        put(b, "%d", 1000 * between(40, 1200));
    }
    if (chance(95)) {
        key(b, "months_per_year");
        put(b, "%d", chance(70) ? 12 : between(1, 11));
    }
    if (chance(15)) {
        key(b, "region");
        put(b, "\"%s\"", PICK(regions));
    }
    int n = chance(60) ? 0 : between(1, 3);
    if (n) {
        key(b, "extras");
        put(b, "[");
        for (int i = 0; i < n; i++)
            put(b, "%s\"%s\"", i ? ", " : "", PICK(extras));
        put(b, "]");
    }
    if (chance(5)) {
        key(b, "former_chinese_national");
        put(b, "true");
    }
    if (chance(5)) {
        key(b, "taught_in_chinese");
        put(b, "true");
    }
    if (chance(20)) {
        key(b, "local_bonus");
        put(b, "%d", between(1, 10));
    }
    if (chance(10)) {
        key(b, "points_table");
        put(b, "\"pilot\"");
    }
    close_object(b, o);
}

/* ca.crs: English (and 20 % French) CLBs, a spouse (40 %) with education, languages and
 * work, Canadian work, and the additional factors at their usual rarity. */
static void gen_ca(sb *b)
{
    static const char *const job_offers[] = {"noc_00", "teer_0_3"};
    put_person(b, "CA", 40);
    int o = open_object(b, "languages");
    int fr = chance(20);
    if (chance(92)) {
        int l = open_object(b, "en");
        key(b, "clb");
        put_clb(b, between(5, 10));
        close_object(b, l);
    }
    if (fr) {
        int l = open_object(b, "fr");
        key(b, "clb");
        put_clb(b, between(4, 10));
        close_object(b, l);
    }
    close_object(b, o);
    if (chance(40)) {
        o = open_object(b, "spouse");
        key(b, "accompanying");
        put(b, chance(85) ? "true" : "false");
        if (chance(90)) {
            key(b, "education");
            put(b, "\"%s\"", pick_education());
        }
        if (chance(70)) {
            key(b, "languages");
            put(b, "{\"en\": {\"clb\": ");
            put_clb(b, between(4, 9));
            put(b, "}}");
        }
        if (chance(40)) {
            key(b, "work");
            put(b, "[{\"country\": \"%s\", \"years\": %d}]", chance(50) ? "CA" : PICK(countries), between(1, 6));
        }
        close_object(b, o);
    }
    o = open_object(b, "CA");
    if (chance(10)) {
        key(b, "first_language");
        put(b, fr && chance(60) ? "\"fr\"" : "\"en\"");
    }
    if (chance(5)) {
        key(b, "nomination");
        put(b, "true");
    }
    if (chance(8)) {
        key(b, "sibling");
        put(b, "true");
    }
    if (chance(20)) {
        key(b, "canadian_education");
        put(b, chance(50) ? "\"1_2y\"" : "\"3y_or_more\"");
    }
    if (chance(5)) {
        key(b, "certificate_of_qualification");
        put(b, "true");
    }
    if (chance(10)) {
        key(b, "job_offer");
        put(b, "\"%s\"", PICK(job_offers));
    }
    close_object(b, o);
}

/* jp.hsp: salary (5 % under the JPY 3M floor), MBA, research, qualifications, multiple
 * degrees, bonuses, JLPT. */
static void gen_jp(sb *b)
{
    static const char *const bonuses[] = {"innovation_support", "sme", "sme_rnd", "foreign_qualification",
                                          "japanese_university", "growth_field", "designated_university",
                                          "jica_training", "investment_management"};
    put_person(b, NULL, 0);
    if (chance(30)) {
        key(b, "languages");
        put(b, "{\"ja\": {\"jlpt\": %d}}", between(1, 5));
    }
    int o = open_object(b, "JP");
    if (chance(97)) {
        key(b, "salary_jpy");
        put(b, "%d", 100000 * (chance(5) ? between(20, 29) : between(30, 150)));
    }
    if (chance(40)) {
        key(b, "mba");
        put(b, chance(25) ? "true" : "false");
    }
    if (chance(30)) {
        key(b, "research");
        put(b, chance(50) ? "true" : "false");
    }
    if (chance(30)) {
        key(b, "qualifications");
        put(b, "%d", between(0, 3));
    }
    if (chance(10)) {
        key(b, "multiple_degrees");
        put(b, "true");
    }
    int n = chance(50) ? 0 : between(1, 3);
    if (n) {
        key(b, "bonuses");
        put(b, "[");
        for (int i = 0; i < n; i++)
            put(b, "%s\"%s\"", i ? ", " : "", PICK(bonuses));
        put(b, "]");
    }
    close_object(b, o);
}

/* gb.skilled_worker: sponsor, RQF level, salary and going rate, PhD, ISL, TSL, new
 * entrant, transitional, English. */
static void gen_gb(sb *b)
{
    static const char *const cefr[] = {"A2", "B1", "B1", "B2", "B2", "C1", "C1", "C2"};
    static const char *const phd[] = {"none", "relevant", "stem"};
    put_person(b, NULL, 0);
    int o = open_object(b, "GB");
    key(b, "sponsor");
    put(b, chance(92) ? "true" : "false");
    if (chance(97)) {
        key(b, "job_rqf");
        put(b, "%d", chance(70) ? between(6, 8) : between(2, 5));
    }
    int going = 500 * between(46, 120);
    if (chance(97)) {
        key(b, "salary_gbp");
        put(b, "%d", going * between(70, 180) / 100);
    }
    if (chance(95)) {
        key(b, "going_rate_gbp");
        put(b, "%d", going);
    }
    if (chance(20)) {
        key(b, "phd");
        put(b, "\"%s\"", PICK(phd));
    }
    if (chance(30)) {
        key(b, "isl");
        put(b, chance(50) ? "true" : "false");
    }
    if (chance(15)) {
        key(b, "tsl");
        put(b, "true");
    }
    if (chance(15)) {
        key(b, "new_entrant");
        put(b, "true");
    }
    if (chance(10)) {
        key(b, "transitional");
        put(b, "true");
    }
    if (chance(95)) {
        key(b, "english_cefr");
        put(b, "\"%s\"", PICK(cefr));
    }
    close_object(b, o);
}

/* au.skilled_189: English, qualification, partner, the study and language bonuses;
 * work in Australia (35 %) and abroad. */
static void gen_au(sb *b)
{
    static const char *const english[] = {"competent", "competent", "proficient", "proficient", "superior"};
    static const char *const quals[] = {"doctorate", "bachelor", "bachelor", "bachelor", "diploma", "trade", "award"};
    static const char *const partners[] = {"skilled", "single", "single", "english_only", "other"};
    put_person(b, "AU", 35);
    int o = open_object(b, "AU");
    if (chance(97)) {
        key(b, "english");
        put(b, "\"%s\"", PICK(english));
    }
    if (chance(95)) {
        key(b, "qualification");
        put(b, "\"%s\"", PICK(quals));
    }
    static const char *const flags[] = {"australian_study", "specialist_education", "community_language",
                                        "regional_study", "professional_year"};
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++)
        if (chance(i == 0 ? 30 : 10)) {
            key(b, flags[i]);
            put(b, "true");
        }
    if (chance(95)) {
        key(b, "partner");
        put(b, "\"%s\"", PICK(partners));
    }
    close_object(b, o);
}

typedef struct {
    const char *id;
    void (*gen)(sb *b);
} generator;

static const generator generators[] = {
    {"cn.work_permit", gen_cn}, {"ca.crs", gen_ca}, {"jp.hsp", gen_jp},
    {"gb.skilled_worker", gen_gb}, {"au.skilled_189", gen_au},
};

/* Writes one case document for the scheme with generator gen. */
static void make_case(char *buf, size_t cap, void (*gen)(sb *b))
{
    sb b = {buf, 0, cap, 0};
    put(&b, "{");
    gen(&b);
    put(&b, "}");
}

/* ---- one scheme ------------------------------------------------------------------------ */

typedef struct {
    const tf_rules *r;
    const char *id;
    const ir_rulebook *rb;
    tf_case *pool[POOL_SIZE];
    uint16_t *order; /* [warm + calls]: the pool index of the i-th call */
    tf_assessment *a;
    unsigned long errors;
    /* points_batch */
    kind_scratch ks;
    kind_result res[POOL_SIZE];
    char (*msg)[KIND_MSG];
    vec_rows one[POOL_SIZE]; /* each case as a chunk of one row */
    vec_rows all;            /* the pool as one chunk */
} bench;

static void op_assess(void *ctx, size_t k)
{
    bench *b = ctx;
    b->errors += tf_assess(b->r, b->pool[k], b->id, as_of_day, b->a) != TF_OK;
}

static void op_assess_gap(void *ctx, size_t k)
{
    bench *b = ctx;
    b->errors += tf_assess(b->r, b->pool[k], b->id, as_of_day, b->a) != TF_OK;
    size_t n = tf_assessment_next_count(b->a);
    bench_clobber(&n);
}

static void op_score_row(void *ctx, size_t k)
{
    bench *b = ctx;
    kind_chunk ch = {&b->one[k], 1, NULL, as_of_day, b->res, b->msg};
    b->errors += points_batch(&b->ks, b->rb, &ch) != TF_OK || b->res[0].status != TF_OK;
}

static void op_score_pool(void *ctx, size_t k)
{
    bench *b = ctx;
    (void)k;
    kind_chunk ch = {&b->all, POOL_SIZE, NULL, as_of_day, b->res, b->msg};
    b->errors += points_batch(&b->ks, b->rb, &ch) != TF_OK;
}

/* What the pool's assessments look like, so a reader can see the cases are varied: the
 * range of totals, the categories or passes, and the size of `next` and `ahead`. Also
 * checks that points_batch gives every case the total, category and pass tf_assess
 * gives, and that the counts of `next` and `ahead` are the JSON's; returns the number of
 * disagreements. */
static unsigned long describe_pool(bench *b, size_t bytes)
{
    const ir_points *pt = b->rb->points;
    size_t ncat = pt->ncategories, cats[17] = {0}, pass = 0, fail = 0, incomplete = 0;
    size_t next_steps = 0, ahead_steps = 0;
    double lo = INFINITY, hi = -INFINITY, sum = 0;
    unsigned long mismatch = 0;
    for (size_t i = 0; i < POOL_SIZE; i++) {
        if (tf_assess(b->r, b->pool[i], b->id, as_of_day, b->a) != TF_OK)
            die(tf_assessment_error(b->a));
        double t = tf_assessment_total(b->a);
        const char *cat = tf_assessment_category(b->a);
        int p = tf_assessment_passes(b->a);
        lo = t < lo ? t : lo;
        hi = t > hi ? t : hi;
        sum += t;
        size_t k = ncat;
        for (size_t c = 0; cat && c < ncat && c < 16; c++)
            if (!strcmp(cat, pt->categories[c].name))
                k = c;
        cats[k < 16 ? k : 16]++;
        pass += p == 1;
        fail += p == 0;
        char *js = tf_assessment_json(b->a);
        json_t *o = js ? json_loads(js, 0, NULL) : NULL;
        if (!o)
            die("tf_assessment_json");
        next_steps += tf_assessment_next_count(b->a);
        ahead_steps += tf_assessment_ahead_count(b->a);
        if (json_array_size(json_object_get(o, "next")) != tf_assessment_next_count(b->a) ||
            json_array_size(json_object_get(o, "ahead")) != tf_assessment_ahead_count(b->a))
            mismatch++;
        incomplete += json_is_true(json_object_get(o, "incomplete"));
        json_decref(o);
        free(js);
        kind_chunk ch = {&b->one[i], 1, NULL, as_of_day, b->res, b->msg};
        if (points_batch(&b->ks, b->rb, &ch) != TF_OK || b->res[0].status != TF_OK)
            die("points_batch");
        const kind_result *r = &b->res[0];
        if (!(r->total == t && (r->category < 0 ? cat == NULL : cat && !strcmp(cat, pt->categories[r->category].name)) &&
              r->passes == p))
            mismatch++;
    }
    printf("%s: %d cases, %.0f bytes of JSON each on average; total %.0f to %.0f (mean %.1f); ", b->id, POOL_SIZE,
           (double)bytes / POOL_SIZE, lo, hi, sum / POOL_SIZE);
    for (size_t c = 0; c < ncat && c < 16; c++)
        printf("category %s %zu, ", pt->categories[c].name, cats[c]);
    if (ncat)
        printf("no category %zu, ", cats[ncat < 16 ? ncat : 16]);
    if (pass + fail)
        printf("passes %zu, does not %zu, ", pass, fail);
    printf("incomplete %zu\n", incomplete);
    printf("  per assessment: %.1f next steps, %.1f dated changes ahead; disagreements (points_batch, counts) %lu\n",
           (double)next_steps / POOL_SIZE, (double)ahead_steps / POOL_SIZE, mismatch);
    return mismatch;
}

/* Copies the pool into one chunk of columns (input i of case k at i * POOL_SIZE + k). */
static void pool_chunk(bench *b, rv **vals, uint8_t **known, ev_list **lists)
{
    uint32_t ni = b->r->ninputs;
    *vals = calloc((size_t)ni * POOL_SIZE, sizeof **vals);
    *known = calloc((size_t)ni * POOL_SIZE, 1);
    *lists = calloc((size_t)ni * POOL_SIZE, sizeof **lists);
    if (!*vals || !*known || !*lists)
        die("out of memory");
    for (uint32_t i = 0; i < ni; i++)
        for (size_t k = 0; k < POOL_SIZE; k++) {
            (*vals)[(size_t)i * POOL_SIZE + k] = b->pool[k]->vals[i];
            (*known)[(size_t)i * POOL_SIZE + k] = b->pool[k]->known[i];
            (*lists)[(size_t)i * POOL_SIZE + k] = b->pool[k]->lists[i];
        }
    b->all = (vec_rows){POOL_SIZE, *vals, *known, *lists, NULL};
}

typedef struct {
    stats_summary assess, assess_best, gap, gap_best, row, pool;
} scheme_result;

/* Writes every case's tf_assessment_json (one line each) to json and its
 * tf_assessment_print to text (either may be NULL): the outputs a change to the library
 * must leave byte-identical, compared with `cmp` between two builds. The gap search runs
 * first on its own (tf_assessment_next_count), for a profiler. */
static void dump_pool(bench *b, FILE *json, FILE *text)
{
    for (size_t i = 0; i < POOL_SIZE; i++) {
        if (tf_assess(b->r, b->pool[i], b->id, as_of_day, b->a) != TF_OK)
            die(tf_assessment_error(b->a));
        tf_assessment_next_count(b->a);
        if (json) {
            char *js = tf_assessment_json(b->a);
            if (!js)
                die("tf_assessment_json");
            fprintf(json, "%s\n", js);
            free(js);
        }
        if (text)
            tf_assessment_print(b->a, text);
    }
}

static FILE *dump_json, *dump_text; /* --dump, --dump-print */

static scheme_result run_scheme(bench *b, const char *what, size_t calls, size_t batch, void (*gen)(sb *b))
{
    static char texts[POOL_SIZE][CASE_TEXT_MAX];
    size_t bytes = 0;
    seed_streams(b->id);
    for (size_t i = 0; i < POOL_SIZE; i++) {
        char err[256];
        make_case(texts[i], CASE_TEXT_MAX, gen);
        size_t len = strlen(texts[i]);
        bytes += len;
        if (tf_case_parse_json(b->r, texts[i], len, &b->pool[i], err, sizeof err) != TF_OK) {
            fprintf(stderr, "bench_assess: %s case %zu does not parse: %s\n  %s\n", b->id, i, err, texts[i]);
            exit(1);
        }
        b->one[i] = (vec_rows){1, b->pool[i]->vals, b->pool[i]->known, b->pool[i]->lists, NULL};
    }
    for (size_t i = 0; i < calls + WARMUP_CALLS; i++)
        b->order[i] = (uint16_t)(splitmix64(&order_state) % POOL_SIZE);
    rv *vals;
    uint8_t *known;
    ev_list *lists;
    pool_chunk(b, &vals, &known, &lists);
    if (dump_json || dump_text) {
        dump_pool(b, dump_json, dump_text); /* and nothing else: main passes what "none" */
    } else {
        b->errors += describe_pool(b, bytes);
        printf("  e.g. %s\n", texts[0]);
    }

    scheme_result res = {0};
    bench_op assess = {op_assess, b}, gap = {op_assess_gap, b}, row = {op_score_row, b}, pool = {op_score_pool, b};
    if (!what || !strcmp(what, "assess")) {
        res.assess = measure(&assess, b->order, calls, WARMUP_CALLS, batch);
        res.assess_best = best_per_case(&assess, POOL_SIZE);
    }
    if (!what || !strcmp(what, "gap")) {
        res.gap = measure(&gap, b->order, calls, WARMUP_CALLS, batch);
        res.gap_best = best_per_case(&gap, POOL_SIZE);
    }
    if (!what || !strcmp(what, "batch")) {
        res.row = measure(&row, b->order, calls, WARMUP_CALLS, batch);
        res.pool = measure(&pool, NULL, CHUNK_RUNS, 5, 1);
        /* per row */
        res.pool.min /= POOL_SIZE, res.pool.p10 /= POOL_SIZE, res.pool.p50 /= POOL_SIZE;
        res.pool.p90 /= POOL_SIZE, res.pool.p99 /= POOL_SIZE, res.pool.max /= POOL_SIZE;
        res.pool.mean /= POOL_SIZE;
    }
    for (size_t i = 0; i < POOL_SIZE; i++) {
        tf_case_free(b->pool[i]);
        b->pool[i] = NULL;
    }
    free(vals);
    free(known);
    free(lists);
    return res;
}

/* ---- main ------------------------------------------------------------------------------ */

static void usage(void)
{
    fprintf(stderr, "usage: bench_assess [--batch] [--only SCHEME] [--what assess|gap|batch] [--dump FILE]\n"
                    "                    [--dump-print FILE] [CALLS, %d to %d]\n",
            BATCH * 100, MAX_CALLS);
    exit(2);
}

int main(int argc, char **argv)
{
    size_t calls = DEFAULT_CALLS, batch = 1;
    const char *only = NULL, *what = NULL, *dump_json_path = NULL, *dump_text_path = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--batch"))
            batch = BATCH;
        else if (!strcmp(argv[i], "--only") && i + 1 < argc)
            only = argv[++i];
        else if (!strcmp(argv[i], "--what") && i + 1 < argc)
            what = argv[++i];
        else if (!strcmp(argv[i], "--dump") && i + 1 < argc)
            dump_json_path = argv[++i];
        else if (!strcmp(argv[i], "--dump-print") && i + 1 < argc)
            dump_text_path = argv[++i];
        else if (atol(argv[i]) >= BATCH * 100 && atol(argv[i]) <= MAX_CALLS)
            calls = (size_t)atol(argv[i]);
        else
            usage();
    }
    if (what && strcmp(what, "assess") && strcmp(what, "gap") && strcmp(what, "batch"))
        usage();
    if (!tf_date_parse(AS_OF, &as_of_day))
        die("AS_OF");
    if ((dump_json_path && !(dump_json = fopen(dump_json_path, "w"))) ||
        (dump_text_path && !(dump_text = fopen(dump_text_path, "w"))))
        die("cannot open the --dump file");

    tf_rules *rules = NULL;
    if (tf_rules_load_bundled(&rules, NULL) != TF_OK)
        die("the bundled rulebooks do not compile");
    const char *ids[MAX_SCHEMES];
    size_t nschemes = tf_rules_schemes(rules, ids, MAX_SCHEMES);
    if (nschemes > MAX_SCHEMES)
        nschemes = MAX_SCHEMES;

    static bench b;
    b.r = rules;
    b.a = tf_assessment_new();
    b.order = malloc((calls + WARMUP_CALLS) * sizeof *b.order);
    b.msg = calloc(POOL_SIZE, KIND_MSG);
    samples_cap = calls > 200000 ? calls : 200000;
    samples = malloc(samples_cap * sizeof *samples);
    arena plans_mem, keep;
    arena_init(&plans_mem, (size_t)1 << 20, 0);
    arena_init(&keep, (size_t)16 << 20, 0); /* one block: a chunk needs no more (batch.c) */
    vec_stack stack;
    const vec_plan **plans = arena_array(&plans_mem, rules->nbooks + 1, sizeof *plans);
    for (uint32_t k = 0; plans && k < rules->nbooks; k++)
        if (rules->books[k].points)
            plans[k] = vec_plan_new(&rules->books[k], &plans_mem);
    if (!b.a || !b.order || !b.msg || !samples || !plans || arena_failed(&plans_mem) ||
        vec_stack_init(&stack, (size_t)64 << 20))
        die("out of memory");
    b.ks = (kind_scratch){rules, plans, &stack, &keep, case_new(rules), NULL};
    if (!b.ks.view)
        die("out of memory");
    static bench_ref ref;
    memset(ref.src, 0x5a, sizeof ref.src);

    if (dump_json || dump_text) {
        for (size_t s = 0; s < nschemes; s++) {
            for (size_t g = 0; g < sizeof generators / sizeof generators[0]; g++)
                if (!strcmp(generators[g].id, ids[s]) && (!only || !strcmp(only, ids[s]))) {
                    b.id = ids[s];
                    run_scheme(&b, "none", calls, batch, generators[g].gen);
                }
        }
        if ((dump_json && fclose(dump_json)) || (dump_text && fclose(dump_text)))
            die("cannot write the --dump file");
        return 0;
    }
    machine_print();
    printf("as of %s; %zu calls per measure after %d untimed; timing %s\n", AS_OF, calls, WARMUP_CALLS,
           batch == 1 ? "per call, one CLOCK_MONOTONIC pair around each call" : "per batch of 16 calls, divided by 16");
    printf("tf_assess: the score; + gap: then `next` and `ahead` (tf_assessment_next_count);\n"
           "points_batch: the batch's scoring (the column evaluator), on the case as a chunk of 1 row, and on all\n"
           "%d cases of the pool as one chunk (per row)\n\n", POOL_SIZE);

    bench_op empty = {ref_empty, &ref}, copy = {ref_memcpy, &ref};
    stats_summary r_empty = measure(&empty, NULL, 200000, WARMUP_CALLS, batch);
    stats_summary r_copy = measure(&copy, NULL, 200000, WARMUP_CALLS, batch);

    scheme_result res[MAX_SCHEMES] = {0};
    int ran[MAX_SCHEMES] = {0};
    for (size_t s = 0; s < nschemes; s++) {
        if (only && strcmp(only, ids[s]))
            continue;
        b.id = ids[s];
        b.rb = NULL;
        for (uint32_t k = 0; k < rules->nbooks; k++)
            if (rules->books[k].points && !strcmp(rules->books[k].id, ids[s]))
                b.rb = &rules->books[k];
        void (*gen)(sb *) = NULL;
        for (size_t g = 0; g < sizeof generators / sizeof generators[0]; g++)
            if (!strcmp(generators[g].id, ids[s]))
                gen = generators[g].gen;
        if (!gen) {
            printf("%s: no case generator in bench_assess.c: skipped (add one)\n", ids[s]);
            continue;
        }
        res[s] = run_scheme(&b, what, calls, batch, gen);
        ran[s] = 1;
    }

    printf("\n");
    stats_print_header("ns");
    stats_print_row("reference: empty iteration", &r_empty, 1);
    stats_print_row("reference: memcpy 4 KiB", &r_copy, 1);
    for (size_t s = 0; s < nschemes; s++) {
        if (!ran[s])
            continue;
        printf("%s\n", ids[s]);
        if (res[s].assess.n) {
            stats_print_row("  tf_assess", &res[s].assess, 1);
            stats_print_row("  tf_assess, per case (best of 15)", &res[s].assess_best, 1);
        }
        if (res[s].gap.n) {
            stats_print_row("  tf_assess + gap search", &res[s].gap, 1);
            stats_print_row("  tf_assess + gap search, per case (best of 15)", &res[s].gap_best, 1);
        }
        if (res[s].row.n) {
            stats_print_row("  points_batch, 1 row", &res[s].row, 1);
            stats_print_row("  points_batch, per row of 1000", &res[s].pool, 1);
        }
    }
    printf("\ncalls that returned an error or disagreed: %lu (expect 0)\n", b.errors);
    printf("\naim: every tf_assess under %.0f ns: met when the slowest case (best of %d calls) is; p50 also in\n"
           "units of the memcpy 4 KiB reference (p50 %.1f ns here), to compare machines\n", AIM_ASSESS_NS, REPEATS,
           r_copy.p50);
    for (int g = 0; g < 2; g++) {
        if (what && strcmp(what, g ? "gap" : "assess"))
            continue;
        printf("%s\n", g ? "tf_assess + gap search (the CLI's and the full service answer's cost, but for the output)"
                         : "tf_assess");
        for (size_t s = 0; s < nschemes; s++) {
            if (!ran[s])
                continue;
            const stats_summary *all = g ? &res[s].gap : &res[s].assess, *best = g ? &res[s].gap_best : &res[s].assess_best;
            printf("  %-20s p50 %9.1f ns (%5.1f refs), p99 %9.1f ns, slowest case %9.1f ns: %s (%.2fx the aim)\n",
                   ids[s], all->p50, r_copy.p50 > 0 ? all->p50 / r_copy.p50 : 0, all->p99, best->max,
                   best->max < AIM_ASSESS_NS ? "MET" : "NOT MET", best->max / AIM_ASSESS_NS);
        }
    }

    tf_case_free(b.ks.view);
    tf_assessment_free(b.a);
    tf_rules_free(rules);
    vec_stack_free(&stack);
    arena_free(&keep);
    arena_free(&plans_mem);
    free(b.order);
    free(b.msg);
    free(samples);
    return b.errors ? 1 : 0;
}

/*
 * bench_world.c — what the world pack (rulebooks/world/, 199 generated rulebooks) costs:
 * compile time, memory, and check latency with every pack loaded.
 *
 *   compile   tf_compile of case.rules + every world rulebook, RUNS times
 *             (default 100; `bench_world RUNS`), each timed alone; the same for
 *             tf_rules_load_bundled (everything) and for case.rules + cn/entry.rules
 *   memory    the `used` bytes of the compiled rule set's arena (eval/ir.h) for case
 *             alone, case + world, case + cn and everything; the world pack's share is
 *             (case + world) - (case alone). The arena holds a copy of every rulebook's
 *             text (for diagnostics and explanations), which is shown apart.
 *   check     tf_check per call (one clock read each, as bench_check does), over a pool
 *             of 1,000 tourist trips drawn with a fixed seed: to world destinations with
 *             everything loaded; to CN with case + cn only and with everything loaded,
 *             which shows whether loading the world pack slows the China checks.
 *
 * Aims (issue "the world pack", docs/performance.md): the world pack compiles in under
 * 50 ms (p50); check p50 under 1 us with every pack loaded; the compiled world pack
 * under 2 MB. Run by `make bench`; not a test.
 * The clock, the nearest-rank percentiles, the table and the machine lines are those of
 * every bench (bench/stats.h, bench/machine.h).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/bundled.h"
#include "eval/ir.h"
#include "machine.h"
#include "stats.h"
#include "talentflow.h"

#define DEFAULT_RUNS 100
#define WARMUP_RUNS 3
#define POOL 1000
#define CHECK_CALLS 1000000
#define AIM_COMPILE_MS 50.0
#define AIM_CHECK_NS 1000.0
#define AIM_MEMORY_BYTES (2u << 20)

/* ---- sources ------------------------------------------------------------------------- */

static const tf_source *srcs_world[512], *srcs_cn[2], *srcs_case[1];
static size_t nworld, world_text_bytes;

static void pick_sources(void)
{
    for (size_t i = 0; i < tf_bundled_count; i++) {
        const tf_source *s = &tf_bundled_sources[i];
        if (!strcmp(s->name, "rulebooks/case.rules")) {
            srcs_case[0] = srcs_cn[0] = srcs_world[nworld++] = s;
        } else if (!strcmp(s->name, "rulebooks/cn/entry.rules")) {
            srcs_cn[1] = s;
        } else if (!strncmp(s->name, "rulebooks/world/", 16) && nworld < 512) {
            srcs_world[nworld++] = s;
            world_text_bytes += s->len;
        }
    }
    if (!srcs_case[0] || !srcs_cn[1] || nworld < 2) {
        fprintf(stderr, "bench_world: the bundled rulebooks lack case, cn/entry or world/\n");
        exit(1);
    }
}

/* Compiles the sources (all bundled when ptrs is NULL); exits on failure. */
static tf_rules *compile(const tf_source *const *ptrs, size_t n)
{
    tf_source v[512];
    for (size_t i = 0; ptrs && i < n; i++)
        v[i] = *ptrs[i];
    tf_rules *r = NULL;
    tf_diags *d = NULL;
    tf_rc rc = ptrs ? tf_compile(v, n, &r, &d) : tf_rules_load_bundled(&r, &d);
    if (rc != TF_OK) {
        fprintf(stderr, "bench_world: compilation failed: %s\n", tf_strerror(rc));
        if (d)
            tf_diags_print(d, stderr);
        exit(1);
    }
    tf_diags_free(d);
    return r;
}

static stats_summary time_compile(const tf_source *const *ptrs, size_t n, int runs)
{
    double *ms = malloc((size_t)runs * sizeof *ms);
    if (!ms)
        exit(1);
    for (int i = 0; i < WARMUP_RUNS; i++)
        tf_rules_free(compile(ptrs, n));
    for (int i = 0; i < runs; i++) {
        uint64_t t0 = bench_now_ns();
        tf_rules *r = compile(ptrs, n);
        uint64_t t1 = bench_now_ns();
        bench_clobber(r);
        tf_rules_free(r);
        ms[i] = (double)(t1 - t0) / 1e6;
    }
    stats_summary s = stats_compute(ms, (size_t)runs);
    free(ms);
    return s;
}

/* ---- cases ----------------------------------------------------------------------------- */

static uint64_t prng_state = 0x776f726c64706b21ULL; /* "worldpk!" */
static uint32_t prng_below(uint32_t n)
{
    uint64_t z = (prng_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return (uint32_t)((z ^ (z >> 31)) % n);
}

/* A pool of tourist trips: nationality any of the passports in the data, destination
 * one of `dests` (NULL: any world destination), entry 2024-01-05..2025-12-31, 1-120 days. */
static tf_case **make_pool(const tf_rules *r, const char *dest)
{
    static const char *const nat[] = {
        "AF", "AL", "AR", "AU", "BD", "BR", "CA", "CN", "DE", "EG", "ES", "FR", "GB", "GH", "HK", "ID",
        "IL", "IN", "IR", "JP", "KE", "KR", "MX", "MY", "NA", "NG", "NZ", "PH", "PK", "RU", "SA", "SG",
        "TH", "TR", "TW", "UA", "US", "VN", "XK", "ZA"};
    tf_case **pool = calloc(POOL, sizeof *pool);
    tf_date first, last;
    tf_date_parse("2024-01-05", &first);
    tf_date_parse("2025-12-31", &last);
    for (int i = 0; pool && i < POOL; i++) {
        const char *to = dest;
        char tobuf[3];
        if (!to) {
            /* a random world destination: the country of a random world rulebook */
            const tf_source *s = srcs_world[1 + prng_below((uint32_t)(nworld - 1))];
            const char *base = strrchr(s->name, '/') + 1;
            tobuf[0] = (char)(base[0] - 32), tobuf[1] = (char)(base[1] - 32), tobuf[2] = 0;
            to = tobuf;
        }
        char day[11], json[256], err[200];
        tf_date_format(first + (tf_date)prng_below((uint32_t)(last - first + 1)), day);
        int n = snprintf(json, sizeof json,
                         "{\"nationality\": \"%s\", \"trip\": {\"to\": \"%s\", \"purpose\": \"tourism\", "
                         "\"entry_date\": \"%s\", \"days\": %u}}",
                         nat[prng_below(sizeof nat / sizeof nat[0])], to, day, 1 + prng_below(120));
        if (tf_case_parse_json(r, json, (size_t)n, &pool[i], err, sizeof err) != TF_OK) {
            fprintf(stderr, "bench_world: %s: %s\n", json, err);
            exit(1);
        }
    }
    if (!pool)
        exit(1);
    return pool;
}

static stats_summary time_check(const tf_rules *r, tf_case **pool)
{
    double *ns = malloc(CHECK_CALLS * sizeof *ns);
    tf_decision *d = tf_decision_new();
    if (!ns || !d)
        exit(1);
    for (int i = 0; i < 20000; i++)
        tf_check(r, pool[i % POOL], TF_DATE_DEFAULT, d);
    for (size_t i = 0; i < CHECK_CALLS; i++) {
        const tf_case *c = pool[prng_below(POOL)];
        uint64_t t0 = bench_now_ns();
        tf_rc rc = tf_check(r, c, TF_DATE_DEFAULT, d);
        uint64_t t1 = bench_now_ns();
        if (rc != TF_OK) {
            fprintf(stderr, "bench_world: tf_check: %s: %s\n", tf_strerror(rc), tf_decision_error(d));
            exit(1);
        }
        ns[i] = (double)(t1 - t0);
    }
    stats_summary s = stats_compute(ns, CHECK_CALLS);
    free(ns);
    tf_decision_free(d);
    return s;
}

static double empty_iteration_ns(void)
{
    double *ns = malloc(CHECK_CALLS * sizeof *ns);
    if (!ns)
        exit(1);
    for (size_t i = 0; i < CHECK_CALLS; i++) {
        uint64_t t0 = bench_now_ns();
        uint64_t t1 = bench_now_ns();
        ns[i] = (double)(t1 - t0);
    }
    double p50 = stats_compute(ns, CHECK_CALLS).p50;
    free(ns);
    return p50;
}

static void free_pool(tf_case **pool)
{
    for (int i = 0; i < POOL; i++)
        tf_case_free(pool[i]);
    free(pool);
}

int main(int argc, char **argv)
{
    int runs = argc > 1 ? atoi(argv[1]) : DEFAULT_RUNS;
    if (runs < 1)
        runs = DEFAULT_RUNS;
    machine_print();
    pick_sources();
    printf("world pack: %zu rulebooks, %zu bytes of rulebook text\n\n", nworld - 1, world_text_bytes);

    /* memory */
    tf_rules *r_case = compile(srcs_case, 1), *r_world = compile(srcs_world, nworld),
             *r_cn = compile(srcs_cn, 2), *r_all = compile(NULL, 0);
    size_t m_case = r_case->mem.used, m_world = r_world->mem.used, m_cn = r_cn->mem.used,
           m_all = r_all->mem.used;
    printf("%-44s %12s\n", "compiled rule set (arena bytes)", "bytes");
    printf("%-44s %12zu\n", "case.rules alone", m_case);
    printf("%-44s %12zu\n", "case + cn/entry", m_cn);
    printf("%-44s %12zu\n", "case + world/*", m_world);
    printf("%-44s %12zu\n", "everything bundled", m_all);
    size_t world_only = m_world - m_case;
    printf("%-44s %12zu  (%.2f MB; aim < 2 MB: %s)\n", "world pack = (case + world) - case", world_only,
           (double)world_only / (1 << 20), world_only < AIM_MEMORY_BYTES ? "met" : "MISSED");
    printf("%-44s %12zu\n", "  of which the retained rulebook text", world_text_bytes + nworld - 1);
    printf("(arena blocks double from 64 KiB up to 1 MiB: `used` is what the rule set holds from\n"
           " malloc, a little above the bytes handed out)\n");
    printf("\n");

    /* compile */
    stats_print_header("ms");
    stats_summary s_world = time_compile(srcs_world, nworld, runs);
    stats_print_row("tf_compile(case + world/*)", &s_world, 3);
    stats_summary s_all = time_compile(NULL, 0, runs);
    stats_print_row("tf_rules_load_bundled (everything)", &s_all, 3);
    stats_summary s_cn = time_compile(srcs_cn, 2, runs);
    stats_print_row("tf_compile(case + cn/entry)", &s_cn, 3);
    printf("aim: world pack compiles in under %.0f ms (p50): %s\n\n", AIM_COMPILE_MS,
           s_world.p50 < AIM_COMPILE_MS ? "met" : "MISSED");

    /* check */
    tf_case **p_world = make_pool(r_all, NULL), **p_cn_all = make_pool(r_all, "CN"),
            **p_cn_only = make_pool(r_cn, "CN");
    double empty = empty_iteration_ns();
    stats_print_header("ns");
    printf("%-34s %9s %10s %10s %10.1f\n", "empty iteration (clock read)", "", "", "", empty);
    stats_summary c_world = time_check(r_all, p_world);
    stats_print_row("tf_check world dest, all loaded", &c_world, 1);
    stats_summary c_cn_all = time_check(r_all, p_cn_all);
    stats_print_row("tf_check CN, all loaded", &c_cn_all, 1);
    stats_summary c_cn_only = time_check(r_cn, p_cn_only);
    stats_print_row("tf_check CN, case + cn only", &c_cn_only, 1);
    printf("aim: tf_check p50 under %.0f ns with every pack loaded: %s\n",
           AIM_CHECK_NS, c_world.p50 < AIM_CHECK_NS && c_cn_all.p50 < AIM_CHECK_NS ? "met" : "MISSED");

    free_pool(p_world);
    free_pool(p_cn_all);
    free_pool(p_cn_only);
    tf_rules_free(r_case);
    tf_rules_free(r_world);
    tf_rules_free(r_cn);
    tf_rules_free(r_all);
    return 0;
}

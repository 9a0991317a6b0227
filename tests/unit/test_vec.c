/*
 * test_vec.c — the column evaluator (src/eval/vec.c) against the single-case one (eval.c).
 *
 * vec.c reads many shapes of expression by special paths (an if read by a table of its
 * branches, bands read by table, an aggregate read in place, a conversion to a number
 * fused into the table it converts, an age from a table of birthdays ...), each chosen
 * by what the rows of a chunk hold. Every path must give what eval_node gives for each
 * row on its own, at the edges above all: a band boundary, an unknown value (an input
 * not given, a dated value with no version in force), an empty list, a leap day.
 *
 * The population: the cases of every points scheme's rulebook tests and case documents
 * that sit on those edges, shuffled into chunks of several sizes (1 row, a few, a few
 * hundred: the paths differ by size and by whether the rows mix both branches of an if),
 * read whole and as a subset (sel), as of dates in every epoch of ca.crs and on and
 * around leap days. Every factor, every maximum and every derived value of every scheme
 * is evaluated over the chunk and compared with eval_node row by row: known and the value
 * bit for bit. The fused paths over lists have a rulebook of their own besides
 * (test_fused_lists).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/bundled.h"
#include "eval/case.h"
#include "eval/eval.h"
#include "eval/vec.h"
#include "talentflow.h"

#define MAX_CASES 4096

static tf_rules *rules;
static tf_case *cases[MAX_CASES];
static uint32_t ncases;

/* Case documents on the edges of ca.crs's paths (and of the other schemes' inputs). */
static const char *const docs[] = {
    /* ages on band boundaries, given as a number: 17/18, 29/30, 44/45 */
    "{\"age\": 17, \"education\": \"bachelor\"}",
    "{\"age\": 18, \"education\": \"secondary\", \"spouse\": {\"accompanying\": true}}",
    "{\"age\": 29, \"education\": \"post_secondary_1y\", \"languages\": {\"en\": {\"clb\": [9, 9, 9, 9]}}}",
    "{\"age\": 30, \"education\": \"two_or_more\", \"spouse\": {\"accompanying\": true, \"education\": \"master\"}}",
    "{\"age\": 44, \"education\": \"doctorate\", \"spouse\": {\"accompanying\": false}}",
    "{\"age\": 45, \"education\": \"master\"}",
    /* leap-day and year-end birth dates (years_since by the table of birthdays) */
    "{\"birth_date\": \"1996-02-29\", \"education\": \"bachelor\"}",
    "{\"birth_date\": \"1996-03-01\", \"education\": \"bachelor\", \"spouse\": {\"accompanying\": true}}",
    "{\"birth_date\": \"1996-02-28\", \"education\": \"bachelor\"}",
    "{\"birth_date\": \"2000-02-29\"}",
    "{\"birth_date\": \"1980-12-31\", \"education\": \"master\"}",
    "{\"birth_date\": \"1981-01-01\", \"education\": \"master\"}",
    "{\"birth_date\": \"2026-06-01\"}",
    "{\"birth_date\": \"1900-01-01\"}",
    /* nothing given: every input unknown */
    "{}",
    /* empty lists, short lists, lists at band edges */
    "{\"age\": 25, \"languages\": {\"en\": {\"clb\": []}, \"fr\": {\"clb\": []}}, \"work\": []}",
    "{\"age\": 25, \"languages\": {\"en\": {\"clb\": [4, 5, 6]}}, \"work\": [{\"country\": \"CA\", \"years\": 0.99}]}",
    "{\"age\": 25, \"languages\": {\"en\": {\"clb\": [3, 4, 5, 6]}, \"fr\": {\"clb\": [3, 4, 5, 6]}}}",
    "{\"age\": 25, \"languages\": {\"en\": {\"clb\": [7, 7, 7, 7]}, \"fr\": {\"clb\": [7, 7, 7, 7]}}, "
    "\"spouse\": {\"accompanying\": true, \"languages\": {\"en\": {\"clb\": [5, 5, 5, 5]}, \"fr\": {\"clb\": [5, 5, 5, 5]}}}}",
    "{\"age\": 25, \"languages\": {\"en\": {\"clb\": [10, 10, 10, 10]}, \"fr\": {\"clb\": [9, 10, 10, 10]}}, "
    "\"spouse\": {\"accompanying\": true, \"languages\": {\"fr\": {\"clb\": [4, 6, 8, 10]}}, \"work\": []}}",
    "{\"age\": 25, \"education\": \"bachelor\", \"work\": [{\"country\": \"CA\", \"years\": 1}, {\"country\": \"CA\", "
    "\"years\": 1}, {\"country\": \"FR\", \"years\": 3}, {\"country\": \"US\", \"years\": 0}]}",
    "{\"age\": 25, \"education\": \"master\", \"work\": [{\"country\": \"FR\", \"years\": 2.999}], "
    "\"spouse\": {\"accompanying\": true, \"work\": [{\"country\": \"CA\", \"years\": 5}, {\"country\": \"CA\", \"years\": 4}]}}",
    /* whole-number elements outside the small ones a map reads by themselves (agg_direct:
     * 0 to 63), and on its edges */
    "{\"age\": 25, \"languages\": {\"en\": {\"clb\": [-1, 0, 63, 64]}, \"fr\": {\"clb\": [100, 12, 10, 4]}}, "
    "\"spouse\": {\"accompanying\": true, \"languages\": {\"en\": {\"clb\": [-5, 64, 9, 5]}}}}",
    "{\"age\": 25, \"languages\": {\"en\": {\"clb\": [9, 9, 9, 70]}, \"fr\": {\"clb\": [9, 9, 9, 9]}}, "
    "\"spouse\": {\"accompanying\": true, \"languages\": {\"fr\": {\"clb\": [4, 5, 6, 1000]}}}}",
    /* block D: every value of the nested ifs, given and not */
    "{\"age\": 31, \"languages\": {\"fr\": {\"clb\": [7, 7, 7, 7]}, \"en\": {\"clb\": [5, 5, 5, 5]}}, \"CA\": "
    "{\"canadian_education\": \"3y_or_more\", \"job_offer\": \"noc_00\", \"nomination\": true, \"sibling\": true}}",
    "{\"age\": 32, \"languages\": {\"fr\": {\"clb\": [7, 7, 7, 7]}, \"en\": {\"clb\": [5, 5, 4, 5]}}, \"CA\": "
    "{\"canadian_education\": \"1_2y\", \"job_offer\": \"teer_0_3\", \"nomination\": false, \"sibling\": false}}",
    "{\"age\": 33, \"languages\": {\"fr\": {\"clb\": [6, 7, 7, 7]}}, \"CA\": {\"first_language\": \"en\", "
    "\"certificate_of_qualification\": true}}",
    "{\"age\": 34, \"languages\": {\"en\": {\"clb\": [5, 5, 5, 5]}}, \"CA\": {\"first_language\": \"fr\", "
    "\"certificate_of_qualification\": true}}",
    "{\"age\": 35, \"languages\": {\"en\": {\"clb\": [7, 7, 7, 7]}}, \"CA\": {\"certificate_of_qualification\": false}}",
};

static int setup(void **state) {
    (void)state;
    if (tf_rules_load_bundled(&rules, NULL) != TF_OK) return -1;
    for (uint32_t b = 0; b < rules->nbooks; b++) {
        const ir_rulebook *rb = &rules->books[b];
        if (!rb->points) continue;
        for (uint32_t t = 0; t < rb->ntests && ncases < MAX_CASES; t++) {
            const ir_test *it = &rb->tests[t];
            tf_case *c = case_new(rules);
            if (!c) return -1;
            for (uint32_t i = 0; i < it->ngivens; i++) {
                const ir_given *g = &it->givens[i];
                if (g->is_list) c->lists[g->input] = (ev_list){g->n, g->nfields, g->items};
                else case_set(c, g->input, g->val, g->text);
            }
            case_apply_defaults(c);
            cases[ncases++] = c;
        }
    }
    for (size_t d = 0; d < sizeof docs / sizeof docs[0] && ncases < MAX_CASES; d++) {
        char err[256];
        if (tf_case_parse_json(rules, docs[d], strlen(docs[d]), &cases[ncases], err, sizeof err) != TF_OK) {
            fprintf(stderr, "doc %zu: %s\n", d, err);
            return -1;
        }
        ncases++;
    }
    return 0;
}

static int teardown(void **state) {
    (void)state;
    for (uint32_t i = 0; i < ncases; i++) tf_case_free(cases[i]);
    tf_rules_free(rules);
    return 0;
}

/* What a column evaluation of one rulebook needs besides its rows: a scratch stack, the
 * rulebook's plan (in `plans`) and an arena for the values it keeps. */
typedef struct {
    vec_stack stack;
    arena plans, keep;
    vec_plan *plan;
} evaluator;

static void evaluator_open(evaluator *e, const ir_rulebook *rb, size_t stack_bytes) {
    assert_int_equal(vec_stack_init(&e->stack, stack_bytes), 0);
    arena_init(&e->plans, 1 << 16, 0);
    arena_init(&e->keep, 1 << 20, 0);
    e->plan = vec_plan_new(rb, &e->plans);
    assert_non_null(e->plan);
}

static void evaluator_close(evaluator *e) {
    arena_free(&e->keep);
    arena_free(&e->plans);
    vec_stack_free(&e->stack);
}

/* Row j of a chunk is case order[j]: the inputs of the chunk as columns, each input
 * said to be a list or not (vec_rows.is_list), as the batch says. */
typedef struct {
    vec_rows rows;
    rv *vals;
    uint8_t *known;
    ev_list *lists;
    uint8_t *is_list;
} chunk;

static void chunk_build(chunk *ch, const uint32_t *order, uint32_t n) {
    uint32_t ni = rules->ninputs;
    ch->vals = calloc((size_t)ni * n + 1, sizeof(rv));
    ch->known = calloc((size_t)ni * n + 1, 1);
    ch->lists = calloc((size_t)ni * n + 1, sizeof(ev_list));
    ch->is_list = calloc((size_t)ni + 1, 1);
    assert_true(ch->vals && ch->known && ch->lists && ch->is_list);
    for (uint32_t i = 0; i < ni; i++) ch->is_list[i] = TYPE_BASE(rules->inputs[i].type) == TY_LIST;
    for (uint32_t i = 0; i < ni; i++)
        for (uint32_t j = 0; j < n; j++) {
            const tf_case *c = cases[order[j]];
            ch->vals[(size_t)i * n + j] = c->vals[i];
            ch->known[(size_t)i * n + j] = c->known[i];
            ch->lists[(size_t)i * n + j] = c->lists[i];
        }
    ch->rows = (vec_rows){n, ch->vals, ch->known, ch->lists, ch->is_list};
}

static void chunk_free(chunk *ch) {
    free(ch->is_list);
    free(ch->vals);
    free(ch->known);
    free(ch->lists);
}

static uint64_t seed = 0x243F6A8885A308D3ull;
static uint32_t rnd(uint32_t n) {
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)((seed >> 33) % n);
}

static int checked;

/* Evaluates every factor, maximum and derived value of scheme rb over the chunk's rows
 * sel[0..m) (sel NULL: all n) as of day, and compares each row with eval_node. */
static void compare(const ir_rulebook *rb, const vec_plan *plan, vec_stack *stack, const chunk *ch,
                    const uint32_t *order, const uint32_t *sel, uint32_t m, int32_t day) {
    arena keep;
    arena_init(&keep, (size_t)1 << 20, 0);
    vec_ctx x = {.rb = rb, .plan = plan, .rows = &ch->rows, .sel = sel, .n = m, .ep = ir_epoch_at(rb, day),
                 .as_of = day, .has_frame = 1, .stack = stack, .keep = &keep};
    assert_int_equal(vec_begin(&x), 0);
    const ir_points *pt = rb->points;
    uint32_t nodes[1024], nn = 0;
    for (uint32_t i = 0; i < pt->nitems && nn < 1000; i++) {
        if (pt->items[i].max != NODE_NONE) nodes[nn++] = pt->items[i].max;
        if (!pt->items[i].is_group) nodes[nn++] = pt->items[i].node;
    }
    for (uint32_t l = 0; l < rb->nlets && nn < 1020; l++) nodes[nn++] = rb->lets[l].node;
    rv *out = calloc(m + 1, sizeof(rv));
    uint8_t *known = calloc(m + 1, 1);
    assert_true(out && known);
    for (uint32_t q = 0; q < nn; q++) {
        assert_int_equal(vec_eval(&x, nodes[q], out, known), 0);
        for (uint32_t k = 0; k < m; k++) {
            const tf_case *c = cases[order[sel ? sel[k] : k]];
            ev_frame fr = {0};
            ev_ctx e = {.rb = rb, .ep = ir_epoch_at(rb, day), .in = c->vals, .known = c->known, .lists = c->lists,
                        .as_of = day, .fr = &fr};
            rv v = {0};
            int kv = eval_node(&e, nodes[q], &v);
            if (kv != (known[k] != 0) || (kv && memcmp(&v, &out[k], sizeof v)))
                fail_msg("%s node %u, row %u (case %u) as of %d: eval %d %016llx, vec %d %016llx", rb->id, nodes[q],
                         k, order[sel ? sel[k] : k], day, kv, (unsigned long long)v.i, known[k],
                         (unsigned long long)out[k].i);
            checked++;
        }
    }
    free(out);
    free(known);
    arena_free(&keep);
}

static void test_vec_equals_eval(void **state) {
    (void)state;
    static const char *const days[] = {"2014-12-31", "2015-01-01", "2016-11-19", "2017-06-05", "2020-10-27",
                                       "2024-02-28", "2024-02-29", "2025-03-01", "2025-06-01", "2026-02-28",
                                       "2026-03-01", "2026-06-01"};
    static const uint32_t sizes[] = {1, 3, 31, 64, 700};
    vec_stack stack;
    assert_int_equal(vec_stack_init(&stack, (size_t)64 << 20), 0);
    arena plans;
    arena_init(&plans, 1 << 16, 0);
    uint32_t *order = calloc(1024, sizeof *order), *sel = calloc(1024, sizeof *sel);
    assert_true(order && sel && ncases > 40);
    for (uint32_t b = 0; b < rules->nbooks; b++) {
        const ir_rulebook *rb = &rules->books[b];
        if (!rb->points) continue;
        vec_plan *plan = vec_plan_new(rb, &plans);
        assert_non_null(plan);
        for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
            uint32_t n = sizes[s];
            for (uint32_t j = 0; j < n; j++) order[j] = rnd(ncases);
            chunk ch;
            chunk_build(&ch, order, n);
            uint32_t m = 0;
            for (uint32_t j = 0; j < n; j++)
                if (rnd(3)) sel[m++] = j;
            for (size_t d = 0; d < sizeof days / sizeof days[0]; d++) {
                tf_date day;
                assert_true(tf_date_parse(days[d], &day));
                compare(rb, plan, &stack, &ch, order, NULL, n, day);
                if (m) compare(rb, plan, &stack, &ch, order, sel, m, day);
            }
            chunk_free(&ch);
        }
    }
    free(order);
    free(sel);
    arena_free(&plans);
    vec_stack_free(&stack);
    printf("%d row values compared\n", checked);
    assert_true(checked > 100000);
}

/* years_since by the table of birthdays: every birth date of 160 years before each as-of
 * date (and a year after it) against eval_node, as of leap days, the days around them,
 * the turn of a year, and in the century years 1900 (common) and 2000 (leap). */
static void test_years_since_table(void **state) {
    (void)state;
    static const char *const days[] = {"2024-02-28", "2024-02-29", "2024-03-01", "2025-02-28", "2025-03-01",
                                       "2025-12-31", "2026-01-01", "1900-02-28", "1900-03-01", "2000-02-29",
                                       "2100-02-28", "2100-03-01", "1001-06-30"};
    const ir_rulebook *rb = NULL;
    uint32_t node = NODE_NONE;
    for (uint32_t b = 0; b < rules->nbooks && node == NODE_NONE; b++)
        for (uint32_t n = 0; n < rules->books[b].nnodes; n++)
            if (rules->books[b].nodes[n].op == OP_YEARS_SINCE &&
                rules->books[b].nodes[rules->books[b].nodes[n].a].op == OP_INPUT) {
                rb = &rules->books[b];
                node = n;
                break;
            }
    assert_non_null(rb);
    uint32_t input = (uint32_t)rb->nodes[rb->nodes[node].a].a, ni = rules->ninputs, n = 1024;
    rv *vals = calloc((size_t)ni * n, sizeof(rv)), out[1024];
    uint8_t *known = calloc((size_t)ni * n, 1), ko[1024];
    assert_true(vals && known);
    vec_rows rows = {n, vals, known, NULL, NULL};
    evaluator ev;
    evaluator_open(&ev, rb, (size_t)16 << 20);
    tf_case *c = case_new(rules);
    assert_non_null(c);
    long compared = 0;
    for (size_t d = 0; d < sizeof days / sizeof days[0]; d++) {
        tf_date day;
        assert_true(tf_date_parse(days[d], &day));
        for (int32_t b0 = day - 160 * 366; b0 < day + 366; b0 += (int32_t)n) {
            for (uint32_t j = 0; j < n; j++) {
                vals[(size_t)input * n + j].i = b0 + (int32_t)j;
                known[(size_t)input * n + j] = j % 97 != 5; /* and some not given */
            }
            arena_reset(&ev.keep);
            vec_ctx x = {.rb = rb, .plan = ev.plan, .rows = &rows, .n = n, .ep = ir_epoch_at(rb, day), .as_of = day,
                         .has_frame = 1, .stack = &ev.stack, .keep = &ev.keep};
            assert_int_equal(vec_begin(&x), 0);
            assert_int_equal(vec_eval(&x, node, out, ko), 0);
            for (uint32_t j = 0; j < n; j++) {
                case_clear(c);
                if (known[(size_t)input * n + j]) case_set(c, input, vals[(size_t)input * n + j], NULL);
                ev_ctx e = {.rb = rb, .ep = x.ep, .in = c->vals, .known = c->known, .lists = c->lists, .as_of = day};
                rv v = {0};
                int kv = eval_node(&e, node, &v);
                if (kv != ko[j] || (kv && v.i != out[j].i))
                    fail_msg("born %d, as of %s: eval %d %lld, vec %d %lld", b0 + (int)j, days[d], kv, (long long)v.i,
                             ko[j], (long long)out[j].i);
                compared++;
            }
        }
    }
    assert_true(compared > 500000);
    tf_case_free(c);
    evaluator_close(&ev);
    free(vals);
    free(known);
}

/* The fused paths over lists, on a rulebook of their own: an if guarded by an aggregate
 * of a list (agg_guarded: every function, the constant on either side, each branch an
 * aggregate or a constant), a sum of bands over small whole numbers (agg_shaped's
 * sum read by table, with a band whose value is unknown before 2020 and elements
 * outside the table) and a comparison whose tie aggregates break (ev_tiebreak: rows
 * decided by the comparison, by the tie's absence, by the aggregates; a side unknown on
 * the left, an aggregate unknown on the right; the = either way round), each row of lists of 0, 1, 3, 4 and 5 items against eval_node,
 * whole and as a subset, and a few values stated outright. */
static const char fuse_rules[] =
    "rulebook t.fuse \"fused paths\"\n"
    "source s \"s\" 2024-01-01\n"
    "  url \"https://example.org\"\n"
    "value late \"a value from 2020\" 3 from 2020-01-01 cite s\n"
    "let g_min \"m\" = if count(languages.en.clb) = 4 then min(languages.en.clb) else 0\n"
    "let g_max \"x\" = if 2 < count(languages.fr.clb) then max(languages.fr.clb) else sum(languages.fr.clb)\n"
    "let g_sum \"s\" = if sum(languages.en.clb) >= 20 then 1 else count(languages.en.clb)\n"
    "let g_low \"l\" = if min(languages.en.clb) != 5 then 0 - 1 else sum(languages.en.clb)\n"
    "let g_le \"e\" = if count(languages.en.clb) <= 1 then max(languages.en.clb) else min(languages.en.clb)\n"
    "let lo_fr \"f\" = min(languages.fr.clb)\n"
    "let c_fr \"cf\" = count(languages.fr.clb)\n"
    "let c_en \"ce\" = count(languages.en.clb)\n"
    "let t_first \"t1\" = lo_fr > g_min or (lo_fr = g_min and sum(languages.fr.clb) > sum(languages.en.clb))\n"
    "let t_tie \"t2\" = c_fr > c_en or (c_fr = c_en and sum(languages.fr.clb) > sum(languages.en.clb))\n"
    "let t_swap \"t3\" = c_en < c_fr or (c_fr = c_en and max(languages.fr.clb) >= min(languages.en.clb))\n"
    "points t \"t\"\n"
    "  factor a \"a\" = g_min + g_max + g_sum + g_low + g_le\n"
    "    cite s\n"
    "  factor b \"b\" = sum(bands x { < 4: 0, 4 to 5: 6, 6: late, >= 7: 10 } for x in languages.en.clb)\n"
    "    cite s\n"
    "  factor c \"c\" = if count(languages.fr.clb) > 3 then min(languages.fr.clb) else 7\n"
    "    cite s\n"
    "  factor d \"d\" = if t_first then 1 else if t_tie then 2 else if t_swap then 3 else 4\n"
    "    cite s\n";

static const char *const fuse_docs[] = {
    "{}",
    "{\"languages\": {\"en\": {\"clb\": []}, \"fr\": {\"clb\": []}}}",
    "{\"languages\": {\"en\": {\"clb\": [5]}, \"fr\": {\"clb\": [9]}}}",
    "{\"languages\": {\"en\": {\"clb\": [5, 5, 5]}, \"fr\": {\"clb\": [1, 2, 3]}}}",
    "{\"languages\": {\"en\": {\"clb\": [5, 6, 7, 8]}, \"fr\": {\"clb\": [4, 9, 2, 7]}}}",
    "{\"languages\": {\"en\": {\"clb\": [9, 9, 9, 9, 9]}, \"fr\": {\"clb\": [10, 10, 10, 10, 10]}}}",
    "{\"languages\": {\"en\": {\"clb\": [3, 4, 6, 64]}, \"fr\": {\"clb\": [-1, 0, 63, 64]}}}",
    "{\"languages\": {\"en\": {\"clb\": [-2, 5, 6, 7]}}}",
    "{\"languages\": {\"fr\": {\"clb\": [7, 7, 7, 7]}}}",
};

static void test_fused_lists(void **state) {
    (void)state;
    tf_source srcs[2] = {tf_bundled_sources[0], {"t.rules", fuse_rules, strlen(fuse_rules)}};
    tf_rules *r = NULL;
    tf_diags *dg = NULL;
    assert_int_equal(tf_compile(srcs, 2, &r, &dg), TF_OK);
    tf_diags_free(dg);
    const ir_rulebook *rb = NULL;
    for (uint32_t b = 0; b < r->nbooks; b++)
        if (r->books[b].points) rb = &r->books[b];
    assert_non_null(rb);
    enum { N = sizeof fuse_docs / sizeof fuse_docs[0], ROWS = 3 * N };
    tf_case *c[N];
    for (uint32_t i = 0; i < N; i++) {
        char err[256];
        assert_int_equal(tf_case_parse_json(r, fuse_docs[i], strlen(fuse_docs[i]), &c[i], err, sizeof err), TF_OK);
    }
    /* rows: the documents three times over, in a mixed order */
    uint32_t ni = r->ninputs, order[ROWS], sel[ROWS], m = 0;
    for (uint32_t j = 0; j < ROWS; j++) order[j] = (j * 7) % N;
    for (uint32_t j = 0; j < ROWS; j++)
        if (j % 3 != 1) sel[m++] = j;
    rv *vals = calloc((size_t)ni * ROWS, sizeof(rv));
    uint8_t *known = calloc((size_t)ni * ROWS, 1);
    ev_list *lists = calloc((size_t)ni * ROWS, sizeof(ev_list));
    assert_true(vals && known && lists);
    for (uint32_t i = 0; i < ni; i++)
        for (uint32_t j = 0; j < ROWS; j++) {
            vals[(size_t)i * ROWS + j] = c[order[j]]->vals[i];
            known[(size_t)i * ROWS + j] = c[order[j]]->known[i];
            lists[(size_t)i * ROWS + j] = c[order[j]]->lists[i];
        }
    vec_rows rows = {ROWS, vals, known, lists, NULL};
    evaluator ev;
    evaluator_open(&ev, rb, (size_t)4 << 20);
    uint32_t nodes[64], nn = 0;
    for (uint32_t l = 0; l < rb->nlets; l++) nodes[nn++] = rb->lets[l].node;
    for (uint32_t i = 0; i < rb->points->nitems; i++) nodes[nn++] = rb->points->items[i].node;
    static const char *const days[] = {"2019-12-31", "2020-01-01"};
    int compared = 0;
    for (int d = 0; d < 2; d++) {
        tf_date day;
        assert_true(tf_date_parse(days[d], &day));
        for (int sub = 0; sub < 2; sub++) {
            arena_reset(&ev.keep);
            uint32_t n = sub ? m : ROWS;
            vec_ctx x = {.rb = rb, .plan = ev.plan, .rows = &rows, .sel = sub ? sel : NULL, .n = n,
                         .ep = ir_epoch_at(rb, day), .as_of = day, .has_frame = 1, .stack = &ev.stack, .keep = &ev.keep};
            assert_int_equal(vec_begin(&x), 0);
            for (uint32_t q = 0; q < nn; q++) {
                rv out[ROWS];
                uint8_t ko[ROWS];
                assert_int_equal(vec_eval(&x, nodes[q], out, ko), 0);
                for (uint32_t k = 0; k < n; k++) {
                    const tf_case *cs = c[order[sub ? sel[k] : k]];
                    ev_frame fr = {0};
                    ev_ctx e = {.rb = rb, .ep = x.ep, .in = cs->vals, .known = cs->known, .lists = cs->lists,
                                .as_of = day, .fr = &fr};
                    rv v = {0};
                    int kv = eval_node(&e, nodes[q], &v);
                    if (kv != ko[k] || (kv && memcmp(&v, &out[k], sizeof v)))
                        fail_msg("node %u, row %u (doc %u) as of %s: eval %d %lld, vec %d %lld", nodes[q], k,
                                 order[sub ? sel[k] : k], days[d], kv, (long long)v.i, ko[k], (long long)out[k].i);
                    compared++;
                }
            }
            if (sub) continue;
            /* values stated outright, row by row of the documents (rows 0..N-1 are each
             * document once: 7 is prime to N) */
            rv out[ROWS];
            uint8_t ko[ROWS];
            int64_t want_min[N] = {0, 0, 0, 0, 5, 0, 3, -2, 0}, want_le[N] = {0, 0, 5, 5, 5, 9, 3, -2, 0};
            int want_low_known[N] = {0, 0, 1, 1, 1, 1, 1, 1, 0};
            double want_b[2][N] = {{0, 0, 6, 18, 6 + 0 + 10 + 10, 50, 0 + 6 + 0 + 10, 6 + 0 + 10, 0},
                                   {0, 0, 6, 18, 6 + 3 + 10 + 10, 50, 0 + 6 + 3 + 10, 6 + 3 + 10, 0}};
            int want_b_known[2][N] = {{1, 1, 1, 1, 0, 1, 0, 0, 1}, {1, 1, 1, 1, 1, 1, 1, 1, 1}};
            assert_int_equal(vec_eval(&x, rb->lets[0].node, out, ko), 0);
            for (uint32_t j = 0; j < ROWS; j++) assert_true(ko[j] && out[j].i == want_min[order[j]]);
            assert_int_equal(vec_eval(&x, rb->lets[4].node, out, ko), 0);
            for (uint32_t j = 0; j < ROWS; j++)
                if (order[j] > 1 && order[j] < 8) assert_true(ko[j] && out[j].i == want_le[order[j]]);
                else assert_false(ko[j]); /* the max of an empty list */
            assert_int_equal(vec_eval(&x, rb->lets[3].node, out, ko), 0);
            for (uint32_t j = 0; j < ROWS; j++) assert_int_equal(ko[j], want_low_known[order[j]]);
            /* the tie-breaks, row by row of the documents: -1 where unknown */
            static const int want_tie[3][N] = {{-1, -1, 1, 1, 0, 1, 0, -1, 1},
                                               {0, 0, 1, 0, 0, 1, 1, 0, 1},
                                               {-1, -1, 1, 0, 1, 1, 1, 0, 1}};
            for (int t = 0; t < 3; t++) {
                assert_int_equal(vec_eval(&x, rb->lets[8 + t].node, out, ko), 0);
                for (uint32_t j = 0; j < ROWS; j++) {
                    int w = want_tie[t][order[j]];
                    assert_int_equal(ko[j], w >= 0);
                    if (w >= 0) assert_int_equal(out[j].i, w);
                }
            }
            assert_int_equal(vec_eval(&x, rb->points->items[1].node, out, ko), 0);
            for (uint32_t j = 0; j < ROWS; j++) {
                assert_int_equal(ko[j], want_b_known[d][order[j]]);
                if (ko[j]) assert_true(out[j].d == want_b[d][order[j]]);
            }
        }
    }
    assert_true(compared > 300);
    for (uint32_t i = 0; i < N; i++) tf_case_free(c[i]);
    evaluator_close(&ev);
    free(vals);
    free(known);
    free(lists);
    tf_rules_free(r);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vec_equals_eval),
        cmocka_unit_test(test_years_since_table),
        cmocka_unit_test(test_fused_lists),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

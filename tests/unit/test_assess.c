/*
 * test_assess.c — tf_assess and its gap search (src/kinds/points.c), and the cache of
 * derived values it scores with (src/eval/eval.c).
 *
 * The cases are those of the bundled rulebooks' points tests (built from their givens as
 * `talentflow test` builds them, src/kinds/ruletest.c), and a few case documents that
 * give what those tests do not (a spouse, French, a list of jobs). Checked:
 *   - the cache: every factor, maximum, category, requirement and pass mark of every
 *     scheme evaluates to the same value with one cache shared by all of them (as a
 *     scoring shares it) as without, and tf_assess's total is the test's expected one;
 *   - the gap search on demand: the JSON and the text of an assessment are the same
 *     whether `next` and `ahead` were computed before them (by the counts) or by them,
 *     after the assessment was reused for another case, and after the case was freed
 *     (the assessment keeps its own copy);
 *   - the checker's guarantee the cache rests on: a derived value cannot read the points
 *     or an aggregate's element.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "base/bundled.h"
#include "eval/case.h"
#include "eval/eval.h"
#include "talentflow.h"

#define MAX_LETS 4096

static tf_rules *rules;

static int setup(void **state)
{
    (void)state;
    return tf_rules_load_bundled(&rules, NULL) == TF_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    tf_rules_free(rules);
    return 0;
}

/* The case of a rulebook test, as ruletest.c builds it (the givens, then the defaults). */
static tf_case *test_case(const ir_test *t)
{
    tf_case *c = case_new(rules);
    assert_non_null(c);
    for (uint32_t i = 0; i < t->ngivens; i++) {
        const ir_given *g = &t->givens[i];
        if (g->is_list)
            c->lists[g->input] = (ev_list){g->n, g->nfields, g->items};
        else
            case_set(c, g->input, g->val, g->text);
    }
    case_apply_defaults(c);
    return c;
}

/* Evaluates node n of rb for case c as of day, with the cache (cached: one shared by
 * every call for this case) or without; returns known, the value in *out. */
static int eval_in(const ir_rulebook *rb, const tf_case *c, int32_t day, const double *points, uint32_t n,
                   rv *let_val, uint8_t *let_state, rv *out)
{
    ev_frame fr = {.points = points};
    ev_ctx x = {.rb = rb, .ep = ir_epoch_at(rb, day), .in = c->vals, .known = c->known, .lists = c->lists,
                .as_of = day, .fr = &fr, .let_val = let_val, .let_state = let_state};
    return eval_node(&x, n, out);
}

/* Every node a scoring evaluates, with and without the cache: the same known and value. */
static void check_cache(const ir_rulebook *rb, const tf_case *c, int32_t day)
{
    const ir_points *pt = rb->points;
    static rv let_val[MAX_LETS];
    static uint8_t let_state[MAX_LETS];
    static double points[1 + 256];
    assert_true(rb->nlets <= MAX_LETS && pt->nitems < 256);
    memset(let_state, EV_LET_UNSET, rb->nlets);
    for (uint32_t i = 0; i <= pt->nitems; i++)
        points[i] = 7.0 * i; /* any points: categories read them, no let may */
    uint32_t nodes[1024], n = 0;
    for (uint32_t i = 0; i < pt->nitems && n < 1000; i++) {
        nodes[n++] = pt->items[i].max;
        if (!pt->items[i].is_group)
            nodes[n++] = pt->items[i].node;
    }
    for (uint32_t i = 0; i < pt->ncategories && n < 1020; i++)
        nodes[n++] = pt->categories[i].node;
    for (uint32_t i = 0; i < pt->nrequires && n < 1020; i++)
        nodes[n++] = pt->requires[i].node;
    nodes[n++] = pt->pass;
    for (uint32_t k = 0; k < n; k++) {
        if (nodes[k] == NODE_NONE)
            continue;
        rv plain = {0}, cached = {0};
        int kp = eval_in(rb, c, day, points, nodes[k], NULL, NULL, &plain);
        int kc = eval_in(rb, c, day, points, nodes[k], let_val, let_state, &cached);
        assert_int_equal(kp, kc);
        if (kp)
            assert_memory_equal(&plain, &cached, sizeof plain);
    }
}

/* The text tf_assessment_print writes, malloc'd. */
static char *printed(const tf_assessment *a)
{
    FILE *f = tmpfile();
    assert_non_null(f);
    tf_assessment_print(a, f);
    long len = ftell(f);
    assert_true(len >= 0);
    char *s = calloc((size_t)len + 1, 1);
    assert_non_null(s);
    rewind(f);
    assert_int_equal(fread(s, 1, (size_t)len, f), (size_t)len);
    fclose(f);
    return s;
}

/* Assesses c under scheme four ways: outputs first, counts first, after the assessment
 * served another case (other), and with the case freed before the outputs (c is freed
 * here). All four must give the same JSON and text. */
static void check_on_demand(tf_case *c, const tf_case *other, const char *scheme, int32_t day)
{
    tf_assessment *a = tf_assessment_new(), *b = tf_assessment_new();
    assert_non_null(a);
    assert_non_null(b);
    assert_int_equal(tf_assess(rules, c, scheme, day, a), TF_OK);
    char *json = tf_assessment_json(a), *text = printed(a);
    assert_non_null(json);
    size_t nnext = tf_assessment_next_count(a), nahead = tf_assessment_ahead_count(a);

    assert_int_equal(tf_assess(rules, c, scheme, day, a), TF_OK);
    assert_int_equal(tf_assessment_next_count(a), nnext);
    assert_int_equal(tf_assessment_ahead_count(a), nahead);
    char *json2 = tf_assessment_json(a), *text2 = printed(a);
    assert_string_equal(json, json2);
    assert_string_equal(text, text2);
    free(json2);
    free(text2);

    /* the assessment reused: another case first (its search run), then this one */
    assert_int_equal(tf_assess(rules, other, scheme, day, b), TF_OK);
    free(tf_assessment_json(b));
    assert_int_equal(tf_assess(rules, c, scheme, day, b), TF_OK);
    tf_case_free(c); /* the search below runs on b's copy */
    json2 = tf_assessment_json(b);
    assert_string_equal(json, json2);
    free(json2);
    text2 = printed(b);
    assert_string_equal(text, text2);
    free(text2);

    free(json);
    free(text);
    tf_assessment_free(a);
    tf_assessment_free(b);
}

/* Every points test of every bundled rulebook: the expected total with the cache, the
 * cache against no cache node by node, and the outputs on demand. */
static void test_rulebook_points_tests(void **state)
{
    (void)state;
    int tests = 0;
    tf_assessment *a = tf_assessment_new();
    assert_non_null(a);
    for (uint32_t b = 0; b < rules->nbooks; b++) {
        const ir_rulebook *rb = &rules->books[b];
        if (!rb->points)
            continue;
        tf_case *other = NULL;
        for (uint32_t k = 0; k < rb->ntests; k++) {
            const ir_test *t = &rb->tests[k];
            if (!t->is_points)
                continue;
            tf_case *c = test_case(t);
            assert_int_equal(tf_assess(rules, c, rb->id, t->as_of, a), TF_OK);
            if (tf_assessment_total(a) != t->total)
                fail_msg("%s test \"%s\": total %g, expected %g", rb->id, t->name, tf_assessment_total(a), t->total);
            check_cache(rb, c, t->as_of);
            if (!other) {
                other = c;
                continue;
            }
            check_on_demand(c, other, rb->id, t->as_of);
            tests++;
        }
        tf_case_free(other);
    }
    tf_assessment_free(a);
    assert_true(tests >= 20);
}

/* Case documents with what the rulebook tests give little of. */
static const struct {
    const char *scheme, *json;
} docs[] = {
    {"ca.crs", "{\"birth_date\": \"1990-03-01\", \"education\": \"master\", \"work\": [{\"country\": \"CA\", \"years\": 2.5}, "
               "{\"country\": \"IN\", \"years\": 4}], \"languages\": {\"en\": {\"clb\": [9, 8, 9, 10]}, \"fr\": {\"clb\": [7, 7, 6, "
               "8]}}, \"spouse\": {\"accompanying\": true, \"education\": \"bachelor\", \"languages\": {\"en\": {\"clb\": [6, 7, "
               "6, 6]}}, \"work\": [{\"country\": \"CA\", \"years\": 1}]}, \"CA\": {\"sibling\": true}}"},
    {"ca.crs", "{\"age\": 44, \"education\": \"two_or_more\", \"languages\": {\"fr\": {\"clb\": [10, 10, 9, 10]}}, "
               "\"CA\": {\"first_language\": \"fr\", \"job_offer\": \"teer_0_3\"}}"},
    {"jp.hsp", "{\"birth_date\": \"1992-02-29\", \"education\": \"doctorate\", \"languages\": {\"ja\": {\"jlpt\": 2}}, "
               "\"JP\": {\"salary_jpy\": 6500000, \"research\": true, \"bonuses\": [\"sme\", \"growth_field\"]}}"},
    {"gb.skilled_worker", "{\"birth_date\": \"2001-07-10\", \"GB\": {\"sponsor\": true, \"job_rqf\": 4, \"salary_gbp\": 31000, "
                          "\"going_rate_gbp\": 33000, \"new_entrant\": true, \"english_cefr\": \"B1\"}}"},
    {"cn.work_permit", "{\"birth_date\": \"1988-11-30\", \"education\": \"master\", \"work\": [{\"country\": \"US\", \"years\": "
                       "6}], \"CN\": {\"salary_cny\": 420000, \"months_per_year\": 12, \"extras\": [\"patent\"]}}"},
    {"au.skilled_189", "{\"birth_date\": \"1994-05-05\", \"education\": \"bachelor\", \"work\": [{\"country\": \"AU\", "
                       "\"years\": 3.2}], \"AU\": {\"english\": \"proficient\", \"qualification\": \"bachelor\", "
                       "\"partner\": \"single\"}}"},
};

static void test_case_documents(void **state)
{
    (void)state;
    tf_date day;
    assert_true(tf_date_parse("2026-06-01", &day));
    size_t n = sizeof docs / sizeof docs[0];
    for (size_t i = 0; i < n; i++) {
        char err[256];
        tf_case *c = NULL, *other = NULL;
        if (tf_case_parse_json(rules, docs[i].json, strlen(docs[i].json), &c, err, sizeof err) != TF_OK)
            fail_msg("case %zu: %s", i, err);
        const char *next = docs[(i + 1) % n].json;
        assert_int_equal(tf_case_parse_json(rules, next, strlen(next), &other, err, sizeof err), TF_OK);
        const ir_rulebook *rb = NULL;
        for (uint32_t b = 0; b < rules->nbooks; b++)
            if (rules->books[b].points && !strcmp(rules->books[b].id, docs[i].scheme))
                rb = &rules->books[b];
        assert_non_null(rb);
        check_cache(rb, c, day);
        check_on_demand(c, other, docs[i].scheme, day);
        tf_case_free(other);
    }
}

/* A derived value reads only the case, the date and other derived values: the points
 * and an aggregate's element are not in scope in its body (check.c, check_decl_type),
 * which is what lets one cached value serve every use within a scoring. */
static void test_let_scope(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "rulebook t.a \"t\"\nsource s \"s\" 2024-01-01\nlet t = total\n"
        "points p \"p\"\n  factor f \"f\" = t\n  category A when total >= 1\n  cite s\n",
        "rulebook t.b \"t\"\nsource s \"s\" 2024-01-01\nlet y = work.years * 2\n"
        "points p \"p\"\n  factor f \"f\" = sum(work.years where y > 1)\n  cite s\n",
        "rulebook t.c \"t\"\nsource s \"s\" 2024-01-01\nlet v = x + 1\n"
        "points p \"p\"\n  factor f \"f\" = sum(v for x in languages.en.clb)\n  cite s\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        tf_source srcs[2] = {tf_bundled_sources[0], {"t.rules", bad[i], strlen(bad[i])}};
        tf_rules *r = NULL;
        tf_diags *d = NULL;
        assert_int_equal(tf_compile(srcs, 2, &r, &d), TF_ERULES);
        assert_null(r);
        tf_diags_free(d);
    }
}

/* A case whose points alone give a category but whose hard requirement fails aims its
 * `next` at that category, not at the top one: Japan's (i)(b) with doctorate 30, ten
 * years' experience 20, age 32 10 and research 15 = 75 points (hsp_70 by the points)
 * and a salary of JPY 2.9M, under the JPY 3M floor (rulebooks/jp/hsp.rules). */
static void test_next_tier_after_failed_requirement(void **state)
{
    (void)state;
    static const char doc[] = "{\"education\": \"doctorate\", \"work\": [{\"country\": \"US\", \"years\": 10}], "
                              "\"age\": 32, \"JP\": {\"research\": true, \"salary_jpy\": 2900000}}";
    char err[256];
    tf_case *c = NULL;
    assert_int_equal(tf_case_parse_json(rules, doc, strlen(doc), &c, err, sizeof err), TF_OK);
    tf_date day;
    assert_true(tf_date_parse("2025-06-01", &day));
    tf_assessment *a = tf_assessment_new();
    assert_int_equal(tf_assess(rules, c, "jp.hsp", day, a), TF_OK);
    assert_true(tf_assessment_total(a) == 75);
    assert_null(tf_assessment_category(a));
    assert_int_equal(tf_assessment_passes(a), 0);
    char *js = tf_assessment_json(a);
    assert_non_null(js);
    json_error_t je;
    json_t *o = json_loads(js, 0, &je);
    assert_non_null(o);
    assert_string_equal(json_string_value(json_object_get(o, "next_tier")), "hsp_70");
    json_t *first = json_array_get(json_object_get(o, "next"), 0);
    assert_string_equal(json_string_value(json_object_get(first, "change")), "JP.salary_jpy 2900000 -> 3000000");
    assert_true(json_is_true(json_object_get(first, "reaches")));
    json_decref(o);
    free(js);
    tf_assessment_free(a);
    tf_case_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rulebook_points_tests),
        cmocka_unit_test(test_case_documents),
        cmocka_unit_test(test_let_scope),
        cmocka_unit_test(test_next_tier_after_failed_requirement),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

/*
 * test_check.c — unit tests of the checker (src/lang/check.c) and of evaluation edge
 * cases, through the public API.
 *
 * Each check test compiles a snippet beside the bundled case schema (tf_bundled_sources[0],
 * rulebooks/case.rules) with tf_compile and asserts the exact diagnostics: how many,
 * where (line:col in the snippet) and their text, read from struct tf_diags
 * (src/base/diag.h). The evaluation tests compile a small rulebook for CN, read cases
 * with tf_case_parse_json and decide them with tf_check into one reused tf_decision:
 * three-valued logic when an input is missing, how a stay is counted (from the entry day
 * or from the next midnight), an exit time one minute over the stay, and which rule
 * decides when several admit.
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
#include "base/diag.h"
#include "talentflow.h"

/* ---- compiling snippets ------------------------------------------------------------- */

/* Compiles the case schema and snippet (as "t.rules"); *rules is NULL on errors. */
static tf_diags *compile(const char *snippet, tf_rules **rules)
{
    assert_true(tf_bundled_count > 0);
    tf_source srcs[2] = {tf_bundled_sources[0], {"t.rules", snippet, strlen(snippet)}};
    tf_diags *d = NULL;
    *rules = NULL;
    tf_rc rc = tf_compile(srcs, 2, rules, &d);
    assert_non_null(d);
    assert_int_equal(rc == TF_OK, tf_diags_errors(d) == 0);
    return d;
}

/* "line:col: message" of diagnostic i, which must point into the snippet. */
static const char *where_msg(const tf_diags *d, size_t i, const char *snippet)
{
    static char buf[512];
    const diag *g = &d->v[i];
    if (g->at.file != 1)
        fail_msg("diagnostic %zu (%s) points into file %u, not the snippet", i, g->msg, g->at.file);
    int line, col;
    diag_line_col(snippet, strlen(snippet), g->at.off, &line, &col);
    snprintf(buf, sizeof buf, "%d:%d: %s", line, col, g->msg);
    return buf;
}

/* Compiles snippet and expects exactly the errors want[0..n), in order. */
static void expect_errors_n(const char *snippet, const char *const *want, size_t n)
{
    tf_rules *r;
    tf_diags *d = compile(snippet, &r);
    for (size_t i = 0; i < d->n && i < n; i++)
        if (strcmp(where_msg(d, i, snippet), want[i]) != 0)
            fail_msg("diagnostic %zu:\n  got  %s\n  want %s", i, where_msg(d, i, snippet), want[i]);
    if (d->n != n)
        fail_msg("%zu diagnostics, want %zu; first unexpected: %s", d->n, n,
                 d->n > n ? where_msg(d, n, snippet) : "(none)");
    assert_int_equal(tf_diags_errors(d), n);
    assert_null(r);
    tf_diags_free(d);
}

#define EXPECT_ERRORS(snippet, ...)                                                        \
    do {                                                                                   \
        static const char *const w_[] = {__VA_ARGS__};                                     \
        expect_errors_n((snippet), w_, sizeof w_ / sizeof w_[0]);                          \
    } while (0)

/* The note of diagnostic i: "line:col: note". */
static const char *note_of(const tf_diags *d, size_t i, const char *snippet)
{
    static char buf[512];
    const diag *g = &d->v[i];
    assert_non_null(g->note);
    assert_int_equal(g->note_at.file, 1);
    int line, col;
    diag_line_col(snippet, strlen(snippet), g->note_at.off, &line, &col);
    snprintf(buf, sizeof buf, "%d:%d: %s", line, col, g->note);
    return buf;
}

/* A snippet that is fine compiles, with no diagnostic at all. */
static void test_valid_snippet(void **state)
{
    (void)state;
    static const char text[] = "rulebook t \"T\"\n"
                               "  destination CN\n"
                               "source s \"S\" 2024-01-01\n"
                               "set schengen = {AT BE FR}\n"
                               "value max_stay = 30 days\n"
                               "entry e \"E\"\n"
                               "  cite s\n"
                               "  require nationality in schengen and trip.purpose = business\n"
                               "  stay max_stay\n";
    tf_rules *r;
    tf_diags *d = compile(text, &r);
    assert_int_equal(d->n, 0);
    assert_non_null(r);
    tf_rules_free(r);
    tf_diags_free(d);
}

/* ---- names -------------------------------------------------------------------------- */

static void test_unknown_name(void **state)
{
    (void)state;
    EXPECT_ERRORS("rulebook t\n"
                  "source s \"S\" 2024-01-01\n"
                  "entry e \"E\"\n"
                  "  cite s\n"
                  "  require nationality in schengen\n"
                  "  require trip.purpos = business\n"
                  "  require trip.to = zz_top\n",
                  "5:26: unknown name schengen",
                  "6:11: unknown name trip.purpos (did you mean trip.purpose?)",
                  "7:21: unknown name zz_top");
}

static void test_unknown_country(void **state)
{
    (void)state;
    EXPECT_ERRORS("rulebook t\n"
                  "  destination ZZ\n"
                  "set s = {FR ZZ DE}\n",
                  "2:15: unknown country code ZZ",
                  "3:13: unknown country code ZZ");
}

/* In a rule, beside an input of type country. */
static void test_unknown_country_in_rule(void **state)
{
    (void)state;
    EXPECT_ERRORS("rulebook t\n"
                  "source s \"S\" 2024-01-01\n"
                  "entry e \"E\"\n"
                  "  cite s\n"
                  "  require trip.to = ZZ\n",
                  "5:21: unknown country code ZZ");
}

static void test_unknown_port(void **state)
{
    (void)state;
    EXPECT_ERRORS("rulebook t\n"
                  "source s \"S\" 2024-01-01\n"
                  "port PEK \"Beijing\"\n"
                  "transit t \"T\"\n"
                  "  cite s\n"
                  "  ports {PEK PVG}\n",
                  "6:14: unknown port PVG (ports are declared with 'port')");
}

/* ---- types -------------------------------------------------------------------------- */

static void test_type_errors(void **state)
{
    (void)state;
    EXPECT_ERRORS("rulebook t\n"
                  "source s \"S\" 2024-01-01\n"
                  "entry e \"E\"\n"
                  "  cite s\n"
                  "  require nationality = 3\n"
                  "  require trip.days in {FR}\n"
                  "  require trip.entry_date + 3\n"
                  "  require trip.days\n"
                  "  stay trip.days\n",
                  "5:11: cannot apply '=' to country and int",
                  "6:11: trip.days is an int: only a country, a port or a member can be in a set",
                  "7:11: cannot apply '+' to date and int",
                  "8:11: a requirement must be a bool, not an int",
                  "9:8: a stay must be a duration, not an int");
    /* an enumeration's name is its declared name; money names its currency */
    EXPECT_ERRORS("rulebook t\n"
                  "value a = trip.purpose\n"
                  "value b = if true then 1 else business\n"
                  "value c = CN.salary_cny + 1\n",
                  "2:11: trip.purpose is an input: sets and values may depend only on constants",
                  "3:11: the branches of 'if' differ: int and purpose",
                  "4:11: CN.salary_cny is an input: sets and values may depend only on constants");
}

/* ---- dated items -------------------------------------------------------------------- */

static void test_value_overlap(void **state)
{
    (void)state;
    static const char text[] = "rulebook t\n"
                               "value max_stay\n"
                               "  15 days from 2023-07-26 until 2024-11-30\n"
                               "  30 days from 2024-11-30\n"
                               "value open\n"
                               "  1 until 2024-12-31\n"
                               "  2 from 2024-06-01 until 2024-06-30\n";
    EXPECT_ERRORS(text,
                  "4:3: two versions of value max_stay are in force on 2024-11-30",
                  "7:3: two versions of value open are in force from 2024-06-01 to 2024-06-30");
    tf_rules *r;
    tf_diags *d = compile(text, &r);
    assert_string_equal(note_of(d, 0, text), "3:3: the other version");
    tf_diags_free(d);
    /* versions that meet without overlapping are fine */
    d = compile("rulebook t\nvalue v\n  15 days until 2024-11-29\n  30 days from 2024-11-30\n", &r);
    assert_int_equal(d->n, 0);
    tf_rules_free(r);
    tf_diags_free(d);
}

static void test_set_member_twice(void **state)
{
    (void)state;
    static const char text[] = "rulebook t\n"
                               "set unilateral\n"
                               "  {FR DE} from 2023-12-01 until 2025-12-31\n"
                               "  {IT DE} from 2025-06-01\n"
                               "  {DE} from 2026-01-01\n";
    EXPECT_ERRORS(text, "4:7: DE is already a member of set unilateral from 2025-06-01 to 2025-12-31",
                  "5:4: DE is already a member of set unilateral from 2026-01-01 on");
    tf_rules *r;
    tf_diags *d = compile(text, &r);
    assert_string_equal(note_of(d, 0, text), "3:7: listed here too");
    assert_string_equal(note_of(d, 1, text), "4:7: listed here too");
    tf_diags_free(d);
    /* twice in one literal */
    EXPECT_ERRORS("rulebook t\nset s = {FR DE FR}\n", "2:16: FR is listed twice in this set");
}

static void test_period_backwards(void **state)
{
    (void)state;
    EXPECT_ERRORS("rulebook t\n"
                  "source s \"S\" 2024-01-01\n"
                  "set x = {FR} from 2024-12-01 until 2024-11-30\n"
                  "entry e \"E\"\n"
                  "  cite s\n"
                  "  from 2025-01-01\n"
                  "  until 2024-12-31\n",
                  "3:36: this period ends (2024-11-30) before it begins (2024-12-01)",
                  "7:9: this period ends (2024-12-31) before it begins (2025-01-01)");
}

static void test_set_cycle(void **state)
{
    (void)state;
    EXPECT_ERRORS("rulebook t\nset c = c + {FR}\n", "2:5: set c refers to itself");
    EXPECT_ERRORS("rulebook t\nset a = b + {FR}\nset b = a - {DE}\n", "2:5: set a refers to itself");
    EXPECT_ERRORS("rulebook t\nvalue v = w + 1\nvalue w = v * 2\n", "2:7: value v refers to itself");
}

static void test_impossible_dates(void **state)
{
    (void)state;
    EXPECT_ERRORS("rulebook t\n"
                  "source s \"S\" 2025-02-30\n"
                  "set x = {FR} from 2024-02-29 until 2025-02-29\n"
                  "value v = 2025-13-01\n"
                  "value w = 12:60\n",
                  "2:14: 2025-02-30 is not a date",
                  "3:36: 2025-02-29 is not a date",
                  "4:11: 2025-13-01 is not a date",
                  "5:11: 12:60 is not a time of day (00:00 to 23:59)");
}

/* ---- citations ---------------------------------------------------------------------- */

static void test_rule_without_cite(void **state)
{
    (void)state;
    EXPECT_ERRORS("rulebook t\n"
                  "entry e \"E\"\n"
                  "  stay 30 days\n",
                  "2:7: rule e cites no source: add 'cite' and a source id");
    /* a cite on the line after a require is the require's: the note says so */
    static const char text[] = "rulebook t\n"
                               "source s \"S\" 2024-01-01\n"
                               "entry e \"E\"\n"
                               "  require nationality = FR\n"
                               "  cite s\n";
    EXPECT_ERRORS(text, "3:7: rule e cites no source: add 'cite' and a source id");
    tf_rules *r;
    tf_diags *d = compile(text, &r);
    assert_string_equal(note_of(d, 0, text),
                        "5:8: this 'cite' is the citation of the 'require' before it, not of the rule");
    tf_diags_free(d);
}

static void test_unknown_source(void **state)
{
    (void)state;
    EXPECT_ERRORS("rulebook t\n"
                  "source s \"S\" 2024-01-01\n"
                  "set x = {FR} cite nope\n"
                  "entry e \"E\"\n"
                  "  require nationality = DE cite t\n"
                  "  cite s, u\n",
                  "3:19: unknown source nope (sources are declared with 'source')",
                  "5:33: unknown source t (sources are declared with 'source')",
                  "6:11: unknown source u (sources are declared with 'source')");
}

/* ---- enumerations ------------------------------------------------------------------- */

static void test_ambiguous_member(void **state)
{
    (void)state;
    static const char types[] = "rulebook t\n"
                                "type level = one of basic, advanced\n"
                                "type skill = one of basic, expert\n";
    char text[512];
    snprintf(text, sizeof text, "%sset s = {basic}\n", types);
    EXPECT_ERRORS(text, "4:10: basic is a member of 2 enumerations (level, skill); compare it with a value "
                        "of the one you mean");
    /* where the context fixes the enumeration, the member is not ambiguous */
    snprintf(text, sizeof text,
             "%sinput x.level: level\ninput x.skill: skill\n"
             "source s \"S\" 2024-01-01\n"
             "entry e \"E\"\n  cite s\n  require x.level = basic and x.skill in {basic expert}\n",
             types);
    tf_rules *r;
    tf_diags *d = compile(text, &r);
    if (d->n)
        fail_msg("unexpected: %s", d->v[0].msg);
    tf_rules_free(r);
    tf_diags_free(d);
    /* a member of no enumeration */
    EXPECT_ERRORS("rulebook t\nsource s \"S\" 2024-01-01\nentry e \"E\"\n  cite s\n"
                  "  require trip.purpose = holiday\n",
                  "5:26: unknown name holiday");
}

/* ---- found by fuzzing (fuzz/corpus/regress-*, fuzz/corpus-case/regress-*) ------------ */

/* A rulebook with no declaration compiles to no IR nodes: nothing is copied from NULL
 * (UB that only UBSan sees: run under `make asan`). */
static void test_empty_rulebook(void **state)
{
    (void)state;
    tf_rules *r;
    tf_diags *d = compile("rulebook cr", &r);
    assert_int_equal(d->n, 0);
    assert_non_null(r);
    tf_rules_free(r);
    tf_diags_free(d);
}

/* A number too large for an integer was converted to one anyway (UB): now an error. */
static void test_huge_numbers(void **state)
{
    (void)state;
    EXPECT_ERRORS("rulebook t\n"
                  "value a = 777777777777777777777777777777777777777777777777777777777777777\n"
                  "value b = 99999999999999999999 days\n"
                  "value c = 1000000000000001 CNY\n"
                  "value d = 1000000000000000 + 0.5\n",
                  "2:11: 777777777777777777777777777777777777777777777777777777777777777 is too large a number "
                  "(at most 10^15)",
                  "3:11: 99999999999999999999 days is too large (at most 10^15)",
                  "4:11: 1000000000000001 CNY is too large (at most 10^15)");
}

/* A case document need not be NUL-terminated: white space only is an empty case, and
 * nothing past len is read (strspn did: a case of one newline, under ASan). */
static void test_case_not_terminated(void **state)
{
    (void)state;
    tf_rules *r;
    tf_diags *d = compile("rulebook t\n", &r);
    tf_diags_free(d);
    assert_non_null(r);
    static const char buf[] = "\n\t  {\"nationality\": \"FR\"}";
    tf_case *c = NULL;
    char err[128];
    assert_int_equal(tf_case_parse_json(r, buf, 4, &c, err, sizeof err), TF_ECASE);
    assert_null(c);
    assert_string_equal(err, "the case is empty");
    assert_int_equal(tf_case_parse_json(r, buf, sizeof buf - 1, &c, err, sizeof err), TF_OK);
    tf_case_free(c);
    tf_rules_free(r);
}

/* ---- evaluation --------------------------------------------------------------------- */

/* A rulebook for CN in which the nationality selects the rule under test. */
static const char eval_rules[] =
    "rulebook t \"Evaluation edge cases\"\n"
    "  destination CN\n"
    "source s \"S\" 2024-01-01\n"
    "entry day6 \"Six days, the entry day counted\"\n"
    "  cite s\n  require nationality = FR\n  stay 6 days counted from entry_day\n"
    "entry mid30 \"Thirty days from the next midnight\"\n"
    "  cite s\n  require nationality = DE\n  stay 30 days counted from next midnight\n"
    "transit h240 \"240 hours\"\n"
    "  cite s\n  require nationality = US\n  stay 240 hours\n"
    "entry h36 \"36 hours: the stay ends at noon\"\n"
    "  cite s\n  require nationality = GB\n  stay 36 hours\n"
    "entry tie1 \"A tie, written first\"\n"
    "  cite s\n  require nationality = IT\n  stay 30 days\n"
    "entry tie2 \"A tie, written second\"\n"
    "  cite s\n  require nationality = IT\n  stay 30 days\n"
    "entry short \"Shorter, written first\"\n"
    "  cite s\n  require nationality = ES\n  stay 15 days\n"
    "entry long \"Longer, written second\"\n"
    "  cite s\n  require nationality = ES\n  stay 30 days\n";

typedef struct {
    tf_rules *rules;
    tf_decision *d;
} eval_fixture;

static int eval_setup(void **state)
{
    eval_fixture *f = calloc(1, sizeof *f);
    tf_diags *d = compile(eval_rules, &f->rules);
    if (d->n)
        fprintf(stderr, "eval rules: %s\n", d->v[0].msg);
    tf_diags_free(d);
    f->d = tf_decision_new();
    *state = f;
    return f->rules && f->d ? 0 : -1;
}

static int eval_teardown(void **state)
{
    eval_fixture *f = *state;
    tf_decision_free(f->d);
    tf_rules_free(f->rules);
    free(f);
    return 0;
}

/* Decides the case whose JSON is given, as of its entry date; returns the rc. */
static tf_rc decide(tf_rules *r, tf_decision *d, const char *json)
{
    tf_case *c = NULL;
    char err[256];
    tf_rc rc = tf_case_parse_json(r, json, strlen(json), &c, err, sizeof err);
    if (rc != TF_OK)
        fail_msg("case %s: %s", json, err);
    rc = tf_check(r, c, TF_DATE_DEFAULT, d);
    tf_case_free(c);
    return rc;
}

static tf_date day(const char *s)
{
    tf_date d;
    assert_true(tf_date_parse(s, &d));
    return d;
}

/* Expects the decision: outcome, regime (NULL: none) and latest departure (NULL: none). */
static void expect_decision(tf_decision *d, const char *outcome, const char *regime, const char *latest)
{
    assert_string_equal(tf_decision_outcome(d), outcome);
    if (regime)
        assert_string_equal(tf_decision_regime(d), regime);
    else
        assert_null(tf_decision_regime(d));
    if (latest)
        assert_int_equal(tf_decision_latest_departure(d), day(latest));
    else
        assert_int_equal(tf_decision_latest_departure(d), TF_DATE_DEFAULT);
}

#define TRIP(nat, extra) "{\"nationality\":\"" nat "\",\"trip\":{\"to\":\"CN\",\"purpose\":\"business\"," extra "}}"

/* From the entry day, 6 days from 2025-03-10 end on 2025-03-15; from the next midnight,
 * 30 days from 2025-03-10 end on 2025-04-09 and 240 hours from 2025-01-01 on 2025-01-11
 * (the examples of docs/language.md). */
static void test_stay_counting(void **state)
{
    eval_fixture *f = *state;
    assert_int_equal(decide(f->rules, f->d, TRIP("FR", "\"entry_date\":\"2025-03-10\",\"days\":5")), TF_OK);
    expect_decision(f->d, "visa_free", "t.day6", "2025-03-15");
    /* a sixth night is one too many when the entry day counts */
    assert_int_equal(decide(f->rules, f->d, TRIP("FR", "\"entry_date\":\"2025-03-10\",\"days\":6")), TF_OK);
    expect_decision(f->d, "visa_required", NULL, NULL);

    assert_int_equal(decide(f->rules, f->d, TRIP("DE", "\"entry_date\":\"2025-03-10\",\"days\":25")), TF_OK);
    expect_decision(f->d, "visa_free", "t.mid30", "2025-04-09");
    /* leaving on the last day, 2025-04-09, is within the stay; a day later is not */
    assert_int_equal(decide(f->rules, f->d, TRIP("DE", "\"entry_date\":\"2025-03-10\",\"days\":30")), TF_OK);
    expect_decision(f->d, "visa_free", "t.mid30", "2025-04-09");
    assert_int_equal(decide(f->rules, f->d, TRIP("DE", "\"entry_date\":\"2025-03-10\",\"days\":31")), TF_OK);
    expect_decision(f->d, "visa_required", NULL, NULL);

    assert_int_equal(decide(f->rules, f->d, TRIP("US", "\"entry_date\":\"2025-01-01\",\"days\":10")), TF_OK);
    expect_decision(f->d, "transit_visa_free", "t.h240", "2025-01-11");
}

/* 36 hours from the next midnight after 2025-01-01 end at 12:00 on 2025-01-03. */
static void test_exit_time(void **state)
{
    eval_fixture *f = *state;
    assert_int_equal(decide(f->rules, f->d,
                            TRIP("GB", "\"entry_date\":\"2025-01-01\",\"exit_date\":\"2025-01-03\",\"exit_time\":\"12:00\"")),
                     TF_OK);
    expect_decision(f->d, "visa_free", "t.h36", "2025-01-03");
    /* one minute over */
    assert_int_equal(decide(f->rules, f->d,
                            TRIP("GB", "\"entry_date\":\"2025-01-01\",\"exit_date\":\"2025-01-03\",\"exit_time\":\"12:01\"")),
                     TF_OK);
    expect_decision(f->d, "visa_required", NULL, NULL);
    /* without a time the trip ends at the end of its exit day: over as well */
    assert_int_equal(decide(f->rules, f->d, TRIP("GB", "\"entry_date\":\"2025-01-01\",\"exit_date\":\"2025-01-03\"")),
                     TF_OK);
    expect_decision(f->d, "visa_required", NULL, NULL);
    assert_int_equal(decide(f->rules, f->d,
                            TRIP("GB", "\"entry_date\":\"2025-01-01\",\"exit_date\":\"2025-01-02\",\"exit_time\":\"23:59\"")),
                     TF_OK);
    expect_decision(f->d, "visa_free", "t.h36", "2025-01-03");
}

/* The longest stay decides; of equal stays, the rule written first. */
static void test_best_regime(void **state)
{
    eval_fixture *f = *state;
    assert_int_equal(decide(f->rules, f->d, TRIP("IT", "\"entry_date\":\"2025-03-10\",\"days\":5")), TF_OK);
    expect_decision(f->d, "visa_free", "t.tie1", "2025-04-09");
    /* the other is listed in `applies` */
    char *json = tf_decision_json(f->d);
    assert_non_null(json);
    json_t *o = json_loads(json, 0, NULL);
    assert_non_null(o);
    json_t *applies = json_object_get(o, "applies");
    assert_int_equal(json_array_size(applies), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(applies, 0), "regime")), "t.tie2");
    json_decref(o);
    free(json);

    assert_int_equal(decide(f->rules, f->d, TRIP("ES", "\"entry_date\":\"2025-03-10\",\"days\":5")), TF_OK);
    expect_decision(f->d, "visa_free", "t.long", "2025-04-09");
}

/* The JSON reasons of the decision in f->d, parsed; the caller decrefs. */
static json_t *reasons_of(tf_decision *d, json_t **root)
{
    char *json = tf_decision_json(d);
    assert_non_null(json);
    *root = json_loads(json, 0, NULL);
    free(json);
    assert_non_null(*root);
    json_t *rs = json_object_get(*root, "reasons");
    assert_true(json_is_array(rs));
    return rs;
}

/* A missing input makes a clause unknown, and an unknown require fails; and/or follow
 * three-valued logic: false and unknown is false, true or unknown is true. */
static void test_three_valued(void **state)
{
    (void)state;
    static const char text[] = "rulebook t\n"
                               "  destination CN\n"
                               "source s \"S\" 2024-01-01\n"
                               "entry round \"Not a round trip\"\n"
                               "  cite s\n  require trip.onward != trip.from\n"
                               "entry both \"German and onward to Japan\"\n"
                               "  cite s\n  require nationality = DE and trip.onward = JP\n";
    tf_rules *r;
    tf_diags *diags = compile(text, &r);
    assert_int_equal(diags->n, 0);
    tf_diags_free(diags);
    tf_decision *d = tf_decision_new();
    assert_int_equal(decide(r, d, TRIP("FR", "\"entry_date\":\"2025-03-10\",\"days\":5")), TF_OK);
    expect_decision(d, "visa_required", NULL, NULL);
    json_t *root;
    json_t *rs = reasons_of(d, &root);
    assert_int_equal(json_array_size(rs), 2);
    json_t *round = json_array_get(rs, 0), *both = json_array_get(rs, 1);
    assert_string_equal(json_string_value(json_object_get(round, "rule")), "t.round");
    assert_true(json_is_false(json_object_get(round, "holds")));
    assert_true(json_is_true(json_object_get(round, "unknown")));
    assert_string_equal(json_string_value(json_object_get(round, "missing")), "trip.onward");
    /* false and unknown: known to fail */
    assert_string_equal(json_string_value(json_object_get(both, "rule")), "t.both");
    assert_true(json_is_false(json_object_get(both, "holds")));
    assert_null(json_object_get(both, "unknown"));
    json_decref(root);

    /* given the inputs, the same clauses are known */
    assert_int_equal(decide(r, d, TRIP("DE", "\"entry_date\":\"2025-03-10\",\"days\":5,"
                                             "\"from\":\"KR\",\"onward\":\"JP\"")),
                     TF_OK);
    expect_decision(d, "visa_free", "t.round", NULL);
    tf_decision_free(d);
    tf_rules_free(r);

    /* true or unknown: holds, and the rule admits */
    diags = compile("rulebook t\n  destination CN\nsource s \"S\" 2024-01-01\n"
                    "entry either \"French, or onward to Japan\"\n"
                    "  cite s\n  require nationality = FR or trip.onward = JP\n",
                    &r);
    assert_int_equal(diags->n, 0);
    tf_diags_free(diags);
    d = tf_decision_new();
    assert_int_equal(decide(r, d, TRIP("FR", "\"entry_date\":\"2025-03-10\",\"days\":5")), TF_OK);
    expect_decision(d, "visa_free", "t.either", NULL);
    /* and unknown or false: unknown, so the require fails */
    assert_int_equal(decide(r, d, TRIP("DE", "\"entry_date\":\"2025-03-10\",\"days\":5")), TF_OK);
    expect_decision(d, "visa_required", NULL, NULL);
    rs = reasons_of(d, &root);
    assert_int_equal(json_array_size(rs), 1);
    assert_true(json_is_true(json_object_get(json_array_get(rs, 0), "unknown")));
    json_decref(root);
    tf_decision_free(d);
    tf_rules_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_snippet),
        cmocka_unit_test(test_unknown_name),
        cmocka_unit_test(test_unknown_country),
        cmocka_unit_test(test_unknown_country_in_rule),
        cmocka_unit_test(test_unknown_port),
        cmocka_unit_test(test_type_errors),
        cmocka_unit_test(test_value_overlap),
        cmocka_unit_test(test_set_member_twice),
        cmocka_unit_test(test_period_backwards),
        cmocka_unit_test(test_set_cycle),
        cmocka_unit_test(test_impossible_dates),
        cmocka_unit_test(test_rule_without_cite),
        cmocka_unit_test(test_unknown_source),
        cmocka_unit_test(test_ambiguous_member),
        cmocka_unit_test(test_empty_rulebook),
        cmocka_unit_test(test_huge_numbers),
        cmocka_unit_test(test_case_not_terminated),
        cmocka_unit_test(test_three_valued),
        cmocka_unit_test_setup_teardown(test_stay_counting, eval_setup, eval_teardown),
        cmocka_unit_test_setup_teardown(test_exit_time, eval_setup, eval_teardown),
        cmocka_unit_test_setup_teardown(test_best_regime, eval_setup, eval_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

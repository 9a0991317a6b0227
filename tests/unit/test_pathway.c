/*
 * test_pathway.c — the pathway searches of src/kinds/pathway.c against a day-by-day
 * reference, through the public API.
 *
 * pathway.c never walks days: it counts over absence intervals, jumps over dates a bound
 * proves to fail ("each of the last N years present at least M days") and keeps the
 * ends of the 12-month windows worth trying once per history ("absent at most N days in
 * any 12 months"). Those shortcuts must give what the plain reading of the requirement
 * gives. This file holds that plain reading: a day array of presence for the history,
 * prefix sums over it, every window of every date tried in turn, and the first date on
 * or after the as-of date on which the requirement holds (no absence after the last one
 * listed, trips planned after the as-of date included). Small routes, compiled beside the bundled case schema, hold the
 * two requirements under both day-counting conventions (days of leaving and returning
 * present or absent; periods ending with the date or the day before), and a route with
 * both, whose earliest date is where both hold at once.
 *
 * Histories are drawn from a fixed-seed PRNG to sit on the edges: as-of dates and trips
 * around 29 February, trips long enough to span a window's edge or to breach a rolling
 * limit, trips with no whole day away, and first statuses after some windows start.
 * Each case compares, per requirement, the value as of the date, whether it holds and
 * its earliest date, and the route's earliest date.
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
#include "base/date.h"
#include "talentflow.h"

#define CASES_PER_ROUTE 1000
#define HORIZON_YEARS 30 /* pathway.c's PW_HORIZON_YEARS */
#define MAX_TRIPS 120
#define DAYS 16384 /* the reference's day array, from BASE */

/* ---- the routes ------------------------------------------------------------------------ */

typedef struct {
    int each_years, each_days;       /* 0 years: no WC_EACH_YEAR requirement */
    int rolling_days, rolling_years; /* 0 years: no WC_ABSENT_ROLLING requirement */
    int departure_present, return_present, inclusive;
} route;

static const route routes[] = {
    {4, 183, 0, 0, 0, 0, 0},   /* cn.permanent_residence's reading */
    {4, 183, 0, 0, 1, 1, 1},
    {1, 300, 0, 0, 1, 0, 0},
    {3, 100, 0, 0, 0, 1, 1},
    {0, 0, 180, 5, 1, 1, 0},   /* gb.ilr's reading */
    {0, 0, 180, 5, 0, 0, 1},
    {0, 0, 30, 2, 1, 0, 1},
    {2, 200, 90, 3, 0, 0, 0},  /* both: the earliest date is where both hold */
};
#define NROUTES (sizeof routes / sizeof routes[0])

/* The text of route i, as rulebook "p<i>". */
static void route_text(size_t i, char *buf, size_t cap)
{
    const route *r = &routes[i];
    int n = snprintf(buf, cap,
                     "rulebook p%zu \"test route %zu\"\n"
                     "source s \"test\" 2020-01-01\n"
                     "pathway p%zu \"test route %zu\"\n"
                     "  departure day counts as %s\n"
                     "  return day counts as %s\n"
                     "  periods end %s\n",
                     i, i, i, i, r->departure_present ? "present" : "absent", r->return_present ? "present" : "absent",
                     r->inclusive ? "with the date" : "the day before the date");
    if (r->each_years)
        n += snprintf(buf + n, cap - (size_t)n, "  require each of the last %d years present at least %d days\n",
                      r->each_years, r->each_days);
    if (r->rolling_years)
        n += snprintf(buf + n, cap - (size_t)n, "  require absent at most %d days in any 12 months of the last %d years\n",
                      r->rolling_days, r->rolling_years);
    snprintf(buf + n, cap - (size_t)n, "  cite s\n");
}

/* ---- the PRNG --------------------------------------------------------------------------- */

static uint64_t prng_state = 0x70617468776179ULL;

static uint32_t below(uint32_t n)
{
    uint64_t z = (prng_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return (uint32_t)((z ^ (z >> 31)) % n);
}

static int between(int lo, int hi) { return lo + (int)below((uint32_t)(hi - lo + 1)); }

/* ---- a history ---------------------------------------------------------------------------- */

typedef struct {
    int32_t status_from;
    int32_t left[MAX_TRIPS], returned[MAX_TRIPS];
    int ntrips;
    int32_t as_of;
} history;

static int32_t base_day; /* day 0 of the reference's array: 2000-01-01 */

/* A 29 February near d, moved by a day or two either way. */
static int32_t near_leap_day(int32_t d)
{
    int y, m, dd;
    date_to_ymd(d, &y, &m, &dd);
    while (!date_is_leap(y))
        y++;
    return date_from_ymd(y, 2, 29) + between(-2, 2);
}

/* A history of 4 to 9 years, drawn to sit on the edges, and an as-of date in it or
 * just after it: the trips after the as-of date are planned ones, which can make a
 * requirement hold, fail and hold again. */
static void draw(history *h)
{
    int32_t start = base_day + 3000 + between(0, 1500), end = start + 365 * between(4, 9);
    h->status_from = start + (below(4) == 0 ? between(0, 1200) : 0);
    int style = between(0, 3), n = between(0, MAX_TRIPS);
    int32_t day = start - between(0, 100);
    h->ntrips = 0;
    for (int i = 0; i < n && day < end; i++) {
        day += style == 0 ? between(0, 40) : style == 1 ? between(0, 200) : between(0, 90);
        if (below(8) == 0) {
            int32_t leap = near_leap_day(day);
            if (leap > day)
                day = leap;
        }
        int len;
        switch (below(10)) {
        case 0: len = between(-1, 0); break;           /* no whole day away */
        case 1: case 2: len = between(60, 200); break; /* spans a window's edge, breaches */
        default: len = between(1, style == 3 ? 40 : 15);
        }
        int32_t left = day, ret = left + len + 1;
        if (ret < left)
            ret = left;
        h->left[h->ntrips] = left;
        h->returned[h->ntrips] = ret;
        h->ntrips++;
        day = ret;
    }
    if (day > end)
        end = day;
    switch (below(4)) {
    case 0: h->as_of = near_leap_day(end - between(0, 1000)); break;
    case 1: h->as_of = end + between(0, 30); break;
    default: h->as_of = end - between(0, 1500);
    }
}

/* The case document of h. */
static void to_json(const history *h, char *buf, size_t cap)
{
    char d1[11], d2[11];
    size_t n = (size_t)snprintf(buf, cap, "{\"residence\": {\"statuses\": [{\"status\": \"temporary\", \"from\": \"%s\"}], "
                                          "\"absences\": [",
                                date_format(h->status_from, d1));
    for (int i = 0; i < h->ntrips; i++)
        n += (size_t)snprintf(buf + n, cap - n, "%s{\"left\": \"%s\", \"returned\": \"%s\"}", i ? ", " : "",
                              date_format(h->left[i], d1), date_format(h->returned[i], d2));
    snprintf(buf + n, cap - n, "]}}");
}

/* ---- the reference -------------------------------------------------------------------------- */

/* Prefix sums over the days from base_day: present[k] and absent[k] count the days
 * before base_day + k. After the array every day is present (no further absence). */
static int32_t present_sum[DAYS + 1], absent_sum[DAYS + 1];

static void ref_days(const route *r, const history *h)
{
    static unsigned char away[DAYS];
    memset(away, 0, sizeof away);
    for (int i = 0; i < h->ntrips; i++)
        for (int32_t d = h->left[i] + r->departure_present; d <= h->returned[i] - r->return_present; d++)
            away[d - base_day] = 1;
    present_sum[0] = absent_sum[0] = 0;
    for (int k = 0; k < DAYS; k++) {
        absent_sum[k + 1] = absent_sum[k] + away[k];
        present_sum[k + 1] = present_sum[k] + (!away[k] && base_day + k >= h->status_from);
    }
}

static int32_t index_of(int32_t d)
{
    if (d < base_day)
        fail_msg("a window starts before the reference's days");
    return d - base_day;
}

/* Days present, and absent, in [x, y]; past the array, every day is present. */
static int32_t present(int32_t x, int32_t y)
{
    if (y < x)
        return 0;
    int32_t n = 0;
    if (y >= base_day + DAYS) {
        int32_t from = x > base_day + DAYS ? x : base_day + DAYS;
        n += y - from + 1;
        y = base_day + DAYS - 1;
    }
    return x <= y ? n + present_sum[index_of(y) + 1] - present_sum[index_of(x)] : n;
}

static int32_t absent(int32_t x, int32_t y)
{
    if (y >= base_day + DAYS)
        y = base_day + DAYS - 1;
    return x <= y ? absent_sum[index_of(y) + 1] - absent_sum[index_of(x)] : 0;
}

/* d less k years (k < 0: plus), 29 February in a common year going back to 28 February
 * and forward to 1 March; d less 12 months is d less a year. */
static int32_t years_from(int32_t d, int k)
{
    int y, m, dd;
    date_to_ymd(d, &y, &m, &dd);
    y -= k;
    if (m == 2 && dd == 29 && !date_is_leap(y))
        return k > 0 ? date_from_ymd(y, 2, 28) : date_from_ymd(y, 3, 1);
    return date_from_ymd(y, m, dd);
}

/* The fewest days present in one of the last r->each_years years before D. */
static int32_t ref_each_year(const route *r, int32_t D)
{
    int32_t end = r->inclusive ? D : D - 1, fewest = INT32_MAX;
    for (int k = 1; k <= r->each_years; k++) {
        int32_t p = present(years_from(end, k) + 1, years_from(end, k - 1));
        if (p < fewest)
            fewest = p;
    }
    return fewest;
}

/* year_start[k]: the first day of the 12 months ending on base_day + k (set once). */
static int32_t year_start[DAYS];

/* The most days absent in any 12 months that end within the last r->rolling_years years
 * before D, each window clipped to those years: every end, one by one. Stops early once
 * over `stop`. */
static int32_t ref_rolling(const route *r, int32_t D, int32_t stop)
{
    int32_t lo = years_from(D, r->rolling_years) + r->inclusive, hi = r->inclusive ? D : D - 1, worst = 0;
    int32_t first = years_from(lo, -1) - 1;
    if (first > hi)
        first = hi;
    for (int32_t e = first; e <= hi && worst <= stop; e++) {
        int32_t s = e < base_day + DAYS ? year_start[index_of(e)] : years_from(e, 1) + 1;
        int32_t v = absent(s < lo ? lo : s, e);
        if (v > worst)
            worst = v;
    }
    return worst;
}

static int ref_holds(const route *r, int which, int32_t D)
{
    return which == 0 ? ref_each_year(r, D) >= r->each_days : ref_rolling(r, D, r->rolling_days) <= r->rolling_days;
}

/* The first date from D to the horizon on which requirement `which` holds (0: each
 * year, 1: rolling; -1: all of the route's), or DATE_NONE. */
static int32_t ref_earliest(const route *r, int which, int32_t D)
{
    int32_t horizon = years_from(D, -HORIZON_YEARS);
    for (int32_t d = D; d <= horizon; d++) {
        int ok = 1;
        if ((which == 0 || which == -1) && r->each_years)
            ok &= ref_holds(r, 0, d);
        if (ok && (which == 1 || which == -1) && r->rolling_years)
            ok &= ref_holds(r, 1, d);
        if (ok)
            return d;
    }
    return DATE_NONE;
}

/* The route's earliest date, given each requirement's (DATE_NONE: never). All hold on a
 * date only once each does, so the day loop starts at the latest of them. */
static int32_t ref_route_earliest(const route *r, int32_t each, int32_t rolling)
{
    if (each == DATE_NONE || rolling == DATE_NONE)
        return DATE_NONE;
    return ref_earliest(r, -1, each > rolling ? each : rolling);
}

/* ---- the comparison ------------------------------------------------------------------------- */

/* The date of a JSON value ("YYYY-MM-DD" or null: DATE_NONE). */
static int32_t json_date(const json_t *v)
{
    int32_t d = DATE_NONE;
    if (json_is_null(v))
        return DATE_NONE;
    assert_true(json_is_string(v));
    assert_true(date_parse(json_string_value(v), json_string_length(v), &d));
    return d;
}

static void expect_date(int32_t got, int32_t want, const char *what, size_t route_i, int case_i, int32_t as_of,
                        const char *doc)
{
    char g[11] = "none", w[11] = "none", a[11];
    if (got != want)
        fail_msg("route p%zu case %d as of %s: %s is %s, the reference says %s\n%s", route_i, case_i,
                 date_format(as_of, a), what, got == DATE_NONE ? g : date_format(got, g),
                 want == DATE_NONE ? w : date_format(want, w), doc);
}

static void check_case(const tf_rules *rules, size_t ri, int ci, const history *h, tf_pathway_result *p)
{
    static char doc[16384];
    const route *r = &routes[ri];
    char id[16];
    snprintf(id, sizeof id, "p%zu", ri);
    to_json(h, doc, sizeof doc);
    tf_case *c = NULL;
    char err[256];
    if (tf_case_parse_json(rules, doc, strlen(doc), &c, err, sizeof err) != TF_OK)
        fail_msg("case %d does not parse: %s\n%s", ci, err, doc);
    assert_int_equal(tf_pathway(rules, c, id, h->as_of, p), TF_OK);
    char *text = tf_pathway_json(p);
    json_t *o = json_loads(text, 0, NULL);
    assert_non_null(o);
    ref_days(r, h);

    const json_t *reqs = json_object_get(o, "requirements");
    size_t k = 0;
    int32_t earliest[2] = {INT32_MIN + 1, INT32_MIN + 1}; /* a requirement the route lacks: any date */
    for (int which = 0; which < 2; which++) {
        if (which == 0 ? !r->each_years : !r->rolling_years)
            continue;
        const json_t *q = json_array_get(reqs, k++);
        assert_non_null(q);
        int32_t want_value = which == 0 ? ref_each_year(r, h->as_of) : ref_rolling(r, h->as_of, INT32_MAX);
        json_int_t got_value = json_integer_value(json_object_get(q, "value"));
        if (got_value != want_value)
            fail_msg("route p%zu case %d: requirement %d measures %lld, the reference %d\n%s", ri, ci, which,
                     (long long)got_value, want_value, doc);
        assert_int_equal(json_is_true(json_object_get(q, "holds")), ref_holds(r, which, h->as_of));
        earliest[which] = ref_earliest(r, which, h->as_of);
        expect_date(json_date(json_object_get(q, "earliest_date")), earliest[which], "a requirement's earliest date",
                    ri, ci, h->as_of, doc);
    }
    expect_date(json_date(json_object_get(o, "earliest_date")), ref_route_earliest(r, earliest[0], earliest[1]),
                "the earliest date", ri, ci, h->as_of, doc);
    json_decref(o);
    free(text);
    tf_case_free(c);
}

static void test_against_day_by_day(void **state)
{
    (void)state;
    char texts[NROUTES][1024];
    tf_source srcs[NROUTES + 1];
    srcs[0] = tf_bundled_sources[0];
    for (size_t i = 0; i < NROUTES; i++) {
        route_text(i, texts[i], sizeof texts[i]);
        srcs[i + 1] = (tf_source){"t.rules", texts[i], strlen(texts[i])};
    }
    tf_rules *rules = NULL;
    tf_diags *diags = NULL;
    if (tf_compile(srcs, NROUTES + 1, &rules, &diags) != TF_OK) {
        tf_diags_print(diags, stderr);
        fail_msg("the test routes do not compile");
    }
    tf_diags_free(diags);
    base_day = date_from_ymd(2000, 1, 1);
    for (int32_t k = 0; k < DAYS; k++)
        year_start[k] = years_from(base_day + k, 1) + 1;
    tf_pathway_result *p = tf_pathway_new();
    assert_non_null(p);
    history h;
    for (size_t ri = 0; ri < NROUTES; ri++)
        for (int ci = 0; ci < CASES_PER_ROUTE; ci++) {
            draw(&h);
            check_case(rules, ri, ci, &h, p);
        }
    tf_pathway_free(p);
    tf_rules_free(rules);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_against_day_by_day),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

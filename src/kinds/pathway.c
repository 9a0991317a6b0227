/*
 * pathway.c — the pathway kind: presence and residence requirements over a history.
 *
 * The case's residence is read into two sorted lists: status segments (each status from
 * its date to the day before the next) and absence intervals (the days away, after the
 * route's day-counting convention decides whether the day of leaving and the day of
 * returning count). Every count a requirement needs — days present in a window, by
 * status and weight, days absent, the worst rolling 12 months — is computed from those
 * intervals with binary searches, never by walking days, so a ten-year history with
 * hundreds of trips costs microseconds.
 *
 * The earliest date is found by assuming no further absence: each requirement gives the
 * first date on or after a candidate on which it holds (a closed form, a jump over an
 * absence, a binary search over a quantity that only improves with time, or, for one
 * that does not, jumps over the dates proven to fail), the candidate moves to the latest
 * of them, and this repeats until all hold at once. What does not depend on the date
 * evaluated — the ends of the 12-month windows worth trying and their counts — is
 * computed once per history.
 */
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/date.h"
#include "eval/case.h"
#include "eval/eval.h"
#include "kinds/kinds.h"

#define PW_MAX_CLAUSES 32
#define PW_MAX_SEGMENTS 256
#define PW_MAX_ABSENCES 10000
#define PW_HORIZON_YEARS 30

typedef struct {
    int holds;
    double value;         /* what was measured: days counted, days absent, ... */
    int32_t earliest;     /* first date >= as_of on which it holds; DATE_NONE: never */
} clause_result;

struct tf_pathway_result {
    const tf_rules *r;
    const ir_rulebook *rb;
    const ir_pathway *pw;
    tf_rc rc;
    char error[256];
    int32_t as_of;
    int eligible;
    int32_t earliest;     /* DATE_NONE: not within the horizon */
    int binding;          /* the clause that binds, or -1 */
    clause_result res[PW_MAX_CLAUSES];
};

/* The history, as intervals. */
typedef struct {
    int32_t from[PW_MAX_SEGMENTS];
    const char *status[PW_MAX_SEGMENTS];
    uint32_t nseg;
    int32_t *a, *b;       /* absent days [a[i], b[i]], sorted, disjoint */
    int64_t *cum;         /* cum[i]: absent days in intervals before i */
    uint32_t nabs;
    /* For a WC_ABSENT_ROLLING requirement (rolling_ends), else nend == 0: the days a
     * 12-month window may end on to hold the most absent days, sorted; the first day of
     * the 12 months ending on each; the days absent in those 12 months. */
    int32_t *end, *start;
    int64_t *worst;
    uint32_t nend;
    int inclusive;
    const ir_rulebook *rb;
    const tf_case *c;
} history;

tf_pathway_result *tf_pathway_new(void) { return calloc(1, sizeof(tf_pathway_result)); }
void tf_pathway_free(tf_pathway_result *p) { free(p); }

static tf_rc fail(tf_pathway_result *p, tf_rc rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static tf_rc fail(tf_pathway_result *p, tf_rc rc, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->error, sizeof p->error, fmt, ap);
    va_end(ap);
    p->rc = rc;
    return rc;
}

size_t tf_rules_routes(const tf_rules *r, const char **ids, size_t max) {
    size_t n = 0;
    for (uint32_t b = 0; b < r->nbooks; b++)
        if (r->books[b].pathway) {
            if (n < max) ids[n] = r->books[b].id;
            n++;
        }
    return n;
}

/* ---- dates ------------------------------------------------------------------------ */

/* The date y-m-dd, where dd may be a day the month lacks (29 February in a common year):
 * going forward that is the first of the next month, going back the month's last day.
 * A year outside 1000..9999 gives DATE_MIN or DATE_MAX. */
static int32_t date_resolved(int y, int m, int dd, int forward) {
    if (y < 1000) return DATE_MIN;
    if (y > 9999) return DATE_MAX;
    int last = date_days_in_month(y, m);
    if (dd > last) return forward ? date_from_ymd(y, m, last) + 1 : date_from_ymd(y, m, last);
    return date_from_ymd(y, m, dd);
}

/* d moved by k units ('y', 'm', 'd'). A day the target month lacks (29 February in a
 * common year) is, going forward, the first of the next month — an anniversary of 29
 * February falls on 1 March, as a birthday does (date_age) — and, going back, the
 * month's last day. */
static int32_t add_period(int32_t d, int k, char unit) {
    if (unit == 'd') return d + k;
    int y, m, dd;
    date_to_ymd(d, &y, &m, &dd);
    int months = y * 12 + (m - 1) + (unit == 'y' ? 12 * k : k);
    return date_resolved(months / 12, months % 12 + 1, dd, k > 0);
}

/* The window of `len` units before date D: [*lo, *hi]. By default the days from D less
 * `len` to the day before D ("the five years immediately before the date": before
 * 2021-03-01, from 2016-03-01). When the route's periods end with the date, the period
 * ending with D, which begins the day after D less `len` ("the five years ending with
 * 2029-02-28" begin on 2024-02-29). The two differ only around 29 February. */
static void window(const history *h, int32_t D, int len, char unit, int32_t *lo, int32_t *hi) {
    *hi = h->inclusive ? D : D - 1;
    *lo = add_period(D, -len, unit) + (h->inclusive ? 1 : 0);
}

/* ---- counting over intervals ------------------------------------------------------ */

/* The first absence interval that ends on or after x (h->nabs when none does). */
static uint32_t first_ending(const history *h, int32_t x) {
    uint32_t lo = 0, hi = h->nabs;
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;
        if (h->b[mid] < x) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

/* Days absent in [x, y]. */
static int64_t absent_in(const history *h, int32_t x, int32_t y) {
    if (y < x || !h->nabs) return 0;
    uint32_t first = first_ending(h, x), lo, hi;
    /* first interval starting after y */
    lo = first, hi = h->nabs;
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;
        if (h->a[mid] <= y) lo = mid + 1;
        else hi = mid;
    }
    uint32_t last = lo; /* intervals [first, last) overlap [x, y] */
    if (first >= last) return 0;
    int64_t n = h->cum[last] - h->cum[first];
    if (h->a[first] < x) n -= x - h->a[first];
    if (h->b[last - 1] > y) n -= h->b[last - 1] - y;
    return n;
}

/* The n-th absent day (n >= 1) on or after x. The caller guarantees there are n. */
static int32_t nth_absent(const history *h, int32_t x, int64_t n) {
    uint32_t first = first_ending(h, x), lo = first, hi = h->nabs - 1;
    int64_t target = h->cum[first] + (h->a[first] < x ? x - h->a[first] : 0) + n;
    /* the interval holding absent day number `target` (counted from 1): cum[i] < target <= cum[i + 1] */
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;
        if (h->cum[mid + 1] < target) lo = mid + 1;
        else hi = mid;
    }
    return h->a[lo] + (int32_t)(target - h->cum[lo]) - 1;
}

static int in_list(const char *s, const char *const *list, uint32_t n) {
    for (uint32_t i = 0; i < n; i++)
        if (!strcmp(s, list[i])) return 1;
    return 0;
}

/* Days present in [x, y] while holding a status of `list` (all statuses when n == 0). */
static int64_t present_in(const history *h, int32_t x, int32_t y, const char *const *list, uint32_t n) {
    int64_t days = 0;
    for (uint32_t k = 0; k < h->nseg; k++) {
        if (n && !in_list(h->status[k], list, n)) continue;
        int32_t s = h->from[k] > x ? h->from[k] : x;
        int32_t e = k + 1 < h->nseg ? h->from[k + 1] - 1 : DATE_MAX;
        if (e > y) e = y;
        if (e < s) continue;
        days += (int64_t)(e - s + 1) - absent_in(h, s, e);
    }
    return days;
}

/* The first day holding a status of `list` (any status when n == 0), or DATE_NONE. */
static int32_t first_day(const history *h, const char *const *list, uint32_t n) {
    for (uint32_t k = 0; k < h->nseg; k++)
        if (!n || in_list(h->status[k], list, n)) return h->from[k];
    return DATE_NONE;
}

/* Weighted present days in the window for a WC_PRESENT clause. */
static double counted(const history *h, const ir_wclause *w, int32_t D) {
    int32_t lo, hi;
    window(h, D, w->len, w->unit, &lo, &hi);
    if (w->prospective) {
        /* held for less than the window: its first years count, days ahead as present */
        const char *all[64];
        uint32_t n = 0;
        for (uint32_t g = 0; g < w->nweights; g++)
            for (uint32_t k = 0; k < w->weights[g].n && n < 64; k++) all[n++] = w->weights[g].statuses[k];
        int32_t f = first_day(h, all, n);
        if (f != DATE_NONE && lo < f) {
            lo = f;
            hi = add_period(f, w->len, w->unit) - 1;
        }
    }
    if (!w->nweights) return (double)present_in(h, lo, hi, NULL, 0);
    double total = 0;
    for (uint32_t g = 0; g < w->nweights; g++) {
        const ir_weight *wt = &w->weights[g];
        double v = wt->weight * (double)present_in(h, lo, hi, wt->statuses, wt->n);
        if (wt->cap > 0 && v > wt->cap) v = wt->cap;
        total += v;
    }
    return total;
}

/* The first day of the 12 months ending on e. */
static int32_t year_ending(int32_t e) { return add_period(e, -12, 'm') + 1; }

/* The most days absent in 12 months, of a window that ends on e and starts no earlier
 * than p0. */
static int64_t absent_12_months(const history *h, int32_t p0, int32_t e) {
    int32_t s = year_ending(e);
    return absent_in(h, s < p0 ? p0 : s, e);
}

/* The 29 Februaries from some day on, for days asked in order: leap_day(l, x) is the
 * first on or after x, and x must not decrease from one call to the next. leap_start
 * readies l for days from x on. */
typedef struct {
    int y;       /* the year of day */
    int32_t day; /* a 29 February */
} leap_days;

static void leap_next(leap_days *l) {
    do l->y++;
    while (!date_is_leap(l->y));
    l->day = date_from_ymd(l->y, 2, 29);
}

static void leap_start(leap_days *l, int32_t x) {
    int m, d;
    date_to_ymd(x, &l->y, &m, &d);
    l->y--;
    leap_next(l);
}

static inline int32_t leap_day(leap_days *l, int32_t x) {
    while (l->day < x) leap_next(l);
    return l->day;
}

/* Days absent before x, for days asked in order: *i is where the previous call left the
 * first interval ending on or after x (0 for the first call). */
static inline int64_t absent_before(const history *h, uint32_t *i, int32_t x) {
    uint32_t k = *i;
    while (k < h->nabs && h->b[k] < x) k++;
    *i = k;
    return h->cum[k] + (k < h->nabs && h->a[k] < x ? x - h->a[k] : 0);
}

/* The last day of the 12 months from a, a included: add_period(a, 12, 'm') - 1. */
static int32_t end_from_leaving(leap_days *l, int32_t a) {
    if (a < DATE_MIN + 400 || a > DATE_MAX - 400) return add_period(a, 12, 'm') - 1;
    return a + 364 + (leap_day(l, a) <= a + 365);
}

/* The first day of the 12 months ending on e: year_ending(e). */
static int32_t start_of_ending(leap_days *l, int32_t e) {
    if (e < DATE_MIN + 800 || e > DATE_MAX - 400) return year_ending(e);
    return e - 364 - (leap_day(l, e - 365) <= e);
}

/* Fills h->end, h->start and h->worst (room for 2 * h->nabs each) with the ends from
 * `from` on. The most days absent in a 12-month window falls where the window ends with
 * an absence (on a day of returning) or begins with one (12 months after a day of
 * leaving, less a day); those ends do not depend on the date evaluated, so they and
 * their counts are computed once per history, from the first end that the first date
 * evaluated asks for (rolling_range). b[] and the 12-month ends of a[] are each sorted:
 * they are merged, then walked in order for the leap days and the counts. The 12 months
 * from (or to) a day, that day included, are 366 days when the 366 days from (to) it
 * hold a 29 February and 365 otherwise, as add_period counts them; dates near DATE_MIN
 * or DATE_MAX, where it clamps, are left to it. */
static void rolling_ends(history *h, int32_t from) {
    uint32_t i = first_ending(h, from), j = first_ending(h, from - 366), n = 0;
    h->nend = 0;
    if (j >= h->nabs) return;
    /* the intervals before j end before from - 366: 12 months from them end before from */
    leap_days la, ls;
    leap_start(&la, h->a[j]);
    leap_start(&ls, from - 366);
    int32_t next_a = end_from_leaving(&la, h->a[j]);
    while (i < h->nabs || j < h->nabs) {
        if (j >= h->nabs || (i < h->nabs && h->b[i] <= next_a)) {
            h->end[n++] = h->b[i++];
        } else {
            if (next_a >= from) h->end[n++] = next_a;
            if (++j < h->nabs) next_a = end_from_leaving(&la, h->a[j]);
        }
    }
    if (!n) return;
    for (uint32_t k = 0; k < n; k++) h->start[k] = start_of_ending(&ls, h->end[k]);
    uint32_t is = first_ending(h, h->start[0]), ie = is;
    for (uint32_t k = 0; k < n; k++)
        h->worst[k] = absent_before(h, &ie, h->end[k] + 1) - absent_before(h, &is, h->start[k]);
    h->nend = n;
}

/* The 12-month windows of the rolling requirement w for the date D: those ending within
 * [*e1, *e2], clipped to start no earlier than *p0. e1 only grows with D. */
static void rolling_range(const history *h, const ir_wclause *w, int32_t D, int32_t *p0, int32_t *e1, int32_t *e2) {
    window(h, D, w->len, w->unit, p0, e2);
    *e1 = add_period(*p0, 12, 'm') - 1;
    if (*e1 > *e2) *e1 = *e2;
}

/* The most days absent in any 12 months ending within [e1, e2] (windows clipped to
 * start no earlier than p0). The maximum falls at e1, at e2 or at one of the ends
 * rolling_ends found; only the windows p0 clips are counted again. */
static int64_t worst_12_months(const history *h, int32_t p0, int32_t e1, int32_t e2) {
    if (e2 < e1) return 0;
    int64_t worst = absent_12_months(h, p0, e1), v = absent_12_months(h, p0, e2);
    if (v > worst) worst = v;
    uint32_t lo = 0, hi = h->nend;
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;
        if (h->end[mid] < e1) lo = mid + 1;
        else hi = mid;
    }
    /* the first days grow with the ends: the clipped windows come first */
    for (; lo < h->nend && h->end[lo] <= e2 && h->start[lo] < p0; lo++)
        if ((v = absent_in(h, p0, h->end[lo])) > worst) worst = v;
    for (; lo < h->nend && h->end[lo] <= e2; lo++)
        if (h->worst[lo] > worst) worst = h->worst[lo];
    return worst;
}

/* WC_EACH_YEAR: the fewest days present in one of the w->len years before D (year k is
 * D less k years, plus a day, to D less k - 1 years, both less a day unless the route's
 * periods end with the date). When skip is not NULL, *skip is set to a number of days,
 * at least 1, such that the requirement fails on every date from D to D + *skip - 1:
 * the next date worth trying. Each year that falls short bounds it two ways:
 *  - by its shortfall. A year's first and last days move by one day a date, by two
 *    where one steps over a 29 February and by none where two dates map to the same
 *    28 February. Within a year of dates the last day gains at most one extra step, so
 *    in t days a year gains at most t + 1 present days;
 *  - by the days it must lose. A year holds only if its days not present (absent, or
 *    before the first status) are at most its length, at most 366, less the days
 *    required. The days not present from its first day x to its current last day only
 *    grow with the dates to come, so x must first pass the first of those that is more
 *    than allowed; within a year of dates the first day moves at most t + 1 days in t.
 * Years outside 1000..9999 (DATE_MIN bounds) give a skip of 1. */
static double each_year(const history *h, const ir_wclause *w, int32_t D, int32_t *skip) {
    int32_t e = h->inclusive ? D : D - 1, f = h->from[0];
    int y, m, dd;
    date_to_ymd(e, &y, &m, &dd);
    double fewest = INFINITY, need = ceil(w->n), allowed = 366 - need;
    int32_t most = 1;
    int bounded = 1;
    for (int k = 1; k <= w->len; k++) {
        int32_t b = date_resolved(y - k, m, dd, 0), s = b + 1; /* year k is [s, e] */
        double p = (double)present_in(h, s, e, NULL, 0);
        if (p < fewest) fewest = p;
        if (skip && p < w->n && bounded) {
            if (b == DATE_MIN) {
                bounded = 0;
            } else if (allowed < 0) {
                most = 1 << 24; /* never: no year is that long */
            } else {
                /* the days not present in [s, e] beyond those allowed; the first day
                 * must pass them all, the days before the first status first */
                int64_t over = (int64_t)(e - s + 1) - (int64_t)p - (int64_t)allowed, x;
                int64_t before = s < f ? (f <= e ? f : e + 1) - s : 0;
                if (need - p - 1 > most) most = (int32_t)(need - p - 1);
                if (over > 0) {
                    x = over <= before ? s + over : nth_absent(h, s > f ? s : f, over - before) + 1;
                    if (x - s - 1 > most) most = (int32_t)(x - s - 1);
                }
            }
        }
        e = b;
    }
    if (skip) *skip = bounded ? most : 1;
    return fewest;
}

/* ---- one requirement ---------------------------------------------------------------- */

/* Evaluates clause w for the date D; returns whether it holds, its measure in *value. */
static int holds_at(const history *h, const ir_pathway *pw, const ir_wclause *w, int32_t D, double *value) {
    int32_t lo, hi;
    double v = 0;
    int ok = 0;
    switch (w->kind) {
    case WC_PRESENT:
        v = counted(h, w, D);
        ok = v >= w->n;
        break;
    case WC_ABSENT:
        window(h, D, w->len, w->unit, &lo, &hi);
        v = (double)absent_in(h, lo, hi);
        ok = v <= w->n;
        break;
    case WC_ABSENT_ROLLING: {
        int32_t first_end;
        rolling_range(h, w, D, &lo, &first_end, &hi);
        v = (double)worst_12_months(h, lo, first_end, hi);
        ok = v <= w->n;
        break;
    }
    case WC_LONGEST:
        window(h, D, w->len, w->unit, &lo, &hi);
        for (uint32_t i = 0; i < h->nabs; i++)
            if (h->a[i] <= hi && h->b[i] >= lo && (double)(h->b[i] - h->a[i] + 1) > v) v = (double)(h->b[i] - h->a[i] + 1);
        ok = v <= w->n;
        break;
    case WC_ON_DAY: {
        window(h, D, w->len, w->unit, &lo, &hi);
        int32_t f = first_day(h, NULL, 0);
        ok = f != DATE_NONE && lo >= f && absent_in(h, lo, lo) == 0;
        v = lo;
        break;
    }
    case WC_HELD: {
        int32_t f = first_day(h, w->statuses, w->nstatuses);
        if (f == DATE_NONE) break;
        int32_t due = add_period(f, w->len, w->unit) - (int32_t)w->early;
        v = D - f;
        ok = D >= due;
        break;
    }
    case WC_EACH_YEAR:
        v = each_year(h, w, D, NULL);
        ok = v >= w->n;
        break;
    case WC_EXPR: {
        ev_frame fr = {0};
        ev_ctx x = {.rb = h->rb, .ep = ir_epoch_at(h->rb, D), .in = h->c->vals, .known = h->c->known,
                    .lists = h->c->lists, .as_of = D, .fr = &fr};
        rv out;
        ok = eval_node(&x, w->node, &out) && out.i;
        v = ok;
        break;
    }
    }
    (void)pw;
    *value = v;
    return ok;
}

/* Collects the dates a condition names (and the days after them) within (D, horizon]. */
static void date_constants(const ir_rulebook *rb, uint32_t n, int32_t D, int32_t horizon, int32_t *out, uint32_t *k,
                           uint32_t cap, int depth) {
    if (n == NODE_NONE || depth > 64 || *k + 2 > cap) return;
    const ir_node *nd = &rb->nodes[n];
    if (nd->op == OP_CONST) {
        if (TYPE_BASE(nd->type) == TY_DATE)
            for (int32_t d = (int32_t)nd->k.i; d <= (int32_t)nd->k.i + 1; d++)
                if (d > D && d <= horizon) out[(*k)++] = d;
        return;
    }
    if (nd->op == OP_LET) {
        date_constants(rb, rb->lets[nd->a].node, D, horizon, out, k, cap, depth + 1);
        return;
    }
    if (nd->op == OP_INPUT || nd->op == OP_VALUE || nd->op == OP_LIST || nd->op == OP_ASOF || nd->op == OP_GIVEN ||
        nd->op == OP_ELEM || nd->op == OP_LOOPVAR || nd->op == OP_POINTS)
        return;
    date_constants(rb, nd->a, D, horizon, out, k, cap, depth + 1);
    if (nd->op != OP_IN && nd->op != OP_BANDS && nd->op != OP_AGG) date_constants(rb, nd->b, D, horizon, out, k, cap, depth + 1);
    if (nd->op == OP_IF) date_constants(rb, nd->c, D, horizon, out, k, cap, depth + 1);
}

/* The first date >= D on which w holds if no further absence occurs; DATE_NONE when not
 * within the horizon. */
static int32_t earliest_from(const history *h, const ir_pathway *pw, const ir_wclause *w, int32_t D, int32_t horizon) {
    double v;
    if (w->kind == WC_EACH_YEAR) {
        /* not monotone (a year loses old days as it gains new ones): step forward over
         * the dates each_year proves to fail */
        int32_t skip;
        for (int32_t d = D;; d += skip) {
            if (each_year(h, w, d, &skip) >= w->n) return d;
            if (skip > horizon - d) return DATE_NONE;
        }
    }
    if (holds_at(h, pw, w, D, &v)) return D;
    switch (w->kind) {
    case WC_HELD: {
        int32_t f = first_day(h, w->statuses, w->nstatuses);
        if (f == DATE_NONE) return DATE_NONE;
        int32_t due = add_period(f, w->len, w->unit) - (int32_t)w->early;
        return due > D ? due : D;
    }
    case WC_EXPR: {
        /* a condition changes only where the rules do (an epoch starts) or on a date it
         * names: try those, in order */
        int32_t cand[512];
        uint32_t n = 0;
        for (uint32_t e = 0; e < h->rb->nepochs && n < 256; e++)
            if (h->rb->epoch_start[e] > D && h->rb->epoch_start[e] <= horizon) cand[n++] = h->rb->epoch_start[e];
        date_constants(h->rb, w->node, D, horizon, cand, &n, 512, 0);
        int32_t best = DATE_NONE;
        for (uint32_t i = 0; i < n; i++)
            if ((best == DATE_NONE || cand[i] < best) && holds_at(h, pw, w, cand[i], &v)) best = cand[i];
        return best;
    }
    case WC_PRESENT: {
        /* a day adds at most one counted day, so the first date it can hold is at least
         * the shortfall away: jump by it, and again, until it holds */
        int32_t d = D;
        double got = v;
        while (d <= horizon) {
            double gap = w->n - got;
            d += gap > 1 ? (int32_t)ceil(gap) : 1;
            if (d > horizon) break;
            if (holds_at(h, pw, w, d, &got)) return d;
        }
        return DATE_NONE;
    }
    case WC_ON_DAY:
        /* not monotone: step forward, jumping over the days before the first status */
        for (int32_t d = D + 1; d <= horizon; d++) {
            if (holds_at(h, pw, w, d, &v)) return d;
            int32_t lo, hi;
            window(h, d, w->len, w->unit, &lo, &hi);
            int32_t f = first_day(h, NULL, 0);
            if (f != DATE_NONE && lo < f) d += (f - lo) - 1 > 0 ? (f - lo) - 1 : 0;
        }
        return DATE_NONE;
    default: {
        /* absence only ages out once no absence is added: after the last absent day a
         * requirement that holds holds for good, and a binary search finds its first
         * day. Before it (an absence planned after D) the requirement can hold, fail
         * and hold again: try each day up to the day after the last absence. */
        int32_t last = h->nabs ? h->b[h->nabs - 1] + 1 : D;
        if (last > horizon) last = horizon;
        for (int32_t d = D + 1; d <= last; d++)
            if (holds_at(h, pw, w, d, &v)) return d;
        if (!holds_at(h, pw, w, horizon, &v)) return DATE_NONE;
        int32_t lo = last > D ? last : D, hi = horizon;
        while (hi - lo > 1) {
            int32_t mid = lo + (hi - lo) / 2;
            if (holds_at(h, pw, w, mid, &v)) hi = mid;
            else lo = mid;
        }
        return hi;
    }
    }
}

/* ---- reading the history ------------------------------------------------------------ */

static int field_of(const ir_input *in, const char *name) {
    for (uint32_t f = 0; f < in->nfields; f++)
        if (!strcmp(in->fields[f], name)) return (int)f;
    return -1;
}

/* Builds the intervals from the case; TF_ECASE with a message naming the field. */
static tf_rc read_history(tf_pathway_result *p, const tf_case *c, history *h) {
    const tf_rules *r = p->r;
    char b1[11], b2[11];
    if (r->in_statuses < 0 || r->in_absences < 0)
        return fail(p, TF_ERULES, "the case schema does not declare residence.statuses and residence.absences");
    const ir_input *si = &r->inputs[r->in_statuses], *ai = &r->inputs[r->in_absences];
    int fs = field_of(si, "status"), ff = field_of(si, "from"), fl = field_of(ai, "left"), fr = field_of(ai, "returned");
    if (fs < 0 || ff < 0 || fl < 0 || fr < 0)
        return fail(p, TF_ERULES, "the case schema's residence lists lack status/from or left/returned");
    const ev_list *sl = &c->lists[r->in_statuses], *al = &c->lists[r->in_absences];
    if (!sl->n) return fail(p, TF_ECASE, "residence.statuses: missing (a pathway needs at least one status)");
    if (sl->n > PW_MAX_SEGMENTS) return fail(p, TF_ELIMIT, "residence.statuses: more than %d statuses", PW_MAX_SEGMENTS);
    if (al->n > PW_MAX_ABSENCES) return fail(p, TF_ELIMIT, "residence.absences: more than %d absences", PW_MAX_ABSENCES);
    for (uint32_t i = 0; i < sl->n; i++) {
        h->from[i] = (int32_t)sl->v[i * sl->nfields + ff].i;
        h->status[i] = sl->v[i * sl->nfields + fs].s;
        if (i && h->from[i] <= h->from[i - 1])
            return fail(p, TF_ECASE, "residence.statuses[%u].from: \"%s\" is not after the status before it (\"%s\")", i,
                        date_format(h->from[i], b1), date_format(h->from[i - 1], b2));
    }
    h->nseg = sl->n;
    if (!h->a) return fail(p, TF_ENOMEM, "out of memory");
    const ir_pathway *pw = p->pw;
    int32_t prev_ret = DATE_MIN;
    h->nabs = 0;
    h->cum[0] = 0;
    for (uint32_t i = 0; i < al->n; i++) {
        int32_t left = (int32_t)al->v[i * al->nfields + fl].i, ret = (int32_t)al->v[i * al->nfields + fr].i;
        if (ret < left)
            return fail(p, TF_ECASE, "residence.absences[%u].returned: \"%s\" is before left \"%s\"", i,
                        date_format(ret, b1), date_format(left, b2));
        if (left < prev_ret)
            return fail(p, TF_ECASE, "residence.absences[%u].left: \"%s\" is before the return from the absence before it (\"%s\"); list absences in order, without overlaps",
                        i, date_format(left, b1), date_format(prev_ret, b2));
        prev_ret = ret;
        int32_t a = pw->departure_present ? left + 1 : left, b = pw->return_present ? ret - 1 : ret;
        if (b < a) continue; /* a trip with no whole day away */
        if (h->nabs && a <= h->b[h->nabs - 1] + 1 && a <= h->b[h->nabs - 1]) a = h->b[h->nabs - 1] + 1;
        if (b < a) continue;
        h->a[h->nabs] = a;
        h->b[h->nabs] = b;
        h->cum[h->nabs + 1] = h->cum[h->nabs] + (b - a + 1);
        h->nabs++;
    }
    return TF_OK;
}

/* Whether the route has a WC_ABSENT_ROLLING requirement, for which a history keeps the
 * ends of its 12-month windows (rolling_ends). */
static int has_rolling(const ir_pathway *pw) {
    for (uint32_t i = 0; i < pw->nclauses; i++)
        if (pw->clauses[i].kind == WC_ABSENT_ROLLING) return 1;
    return 0;
}

/* The bytes of the buffers of a history of up to n absences: a, b and cum of n + 1
 * entries; for a route with a rolling requirement, end, start and worst of 2n. */
#define HISTORY_ROOM(n, rolling)                                                              \
    (((size_t)(n) + 1) * (2 * sizeof(int32_t) + sizeof(int64_t)) +                           \
     ((rolling) ? 2 * (size_t)(n) * (2 * sizeof(int32_t) + sizeof(int64_t)) : 0))

/* Points h's buffers into room, of HISTORY_ROOM(n, rolling) bytes (aligned for int64_t):
 * the 64-bit arrays first. */
static void history_carve(history *h, void *room, size_t n, int rolling) {
    int64_t *w = room;
    h->cum = w;
    w += n + 1;
    h->worst = rolling ? w : NULL;
    w += rolling ? 2 * n : 0;
    int32_t *d = (int32_t *)w;
    h->a = d;
    h->b = d + n + 1;
    h->end = rolling ? d + 2 * (n + 1) : NULL;
    h->start = rolling ? h->end + 2 * n : NULL;
}

/* Evaluates the case's history under the route of p->rb as of p->as_of (p set up by
 * start()), in the caller's room for the history: HISTORY_ROOM(n, has_rolling(p->pw))
 * bytes for n >= the case's absences, or NULL when its allocation failed (TF_ENOMEM).
 * Shared by tf_pathway and pathway_batch. */
static tf_rc evaluate(tf_pathway_result *p, const tf_case *c, void *room, size_t n) {
    history h = {.inclusive = p->pw->period_inclusive, .rb = p->rb, .c = c};
    if (room) history_carve(&h, room, n, has_rolling(p->pw));
    tf_rc rc = read_history(p, c, &h);
    if (rc == TF_OK) {
        const ir_pathway *pw = p->pw;
        int32_t horizon = add_period(p->as_of, PW_HORIZON_YEARS, 'y');
        if (h.end) {
            /* every date evaluated is on or after as_of */
            int32_t from = DATE_MAX, p0, e1, e2;
            for (uint32_t i = 0; i < pw->nclauses; i++)
                if (pw->clauses[i].kind == WC_ABSENT_ROLLING) {
                    rolling_range(&h, &pw->clauses[i], p->as_of, &p0, &e1, &e2);
                    if (e1 < from) from = e1;
                }
            rolling_ends(&h, from);
        }
        p->eligible = 1;
        for (uint32_t i = 0; i < pw->nclauses; i++) {
            clause_result *cr = &p->res[i];
            cr->holds = holds_at(&h, pw, &pw->clauses[i], p->as_of, &cr->value);
            cr->earliest = cr->holds ? p->as_of : earliest_from(&h, pw, &pw->clauses[i], p->as_of, horizon);
            p->eligible &= cr->holds;
        }
        /* the earliest date on which all hold: move to the latest, until all agree */
        int32_t D = p->as_of;
        for (int round = 0; round < 64; round++) {
            int32_t next = D;
            int bind = -1;
            for (uint32_t i = 0; i < pw->nclauses; i++) {
                /* round 0 asks what the loop above just answered */
                int32_t e = round ? earliest_from(&h, pw, &pw->clauses[i], D, horizon) : p->res[i].earliest;
                if (e == DATE_NONE) {
                    next = DATE_NONE;
                    bind = (int)i;
                    break;
                }
                if (e > next) {
                    next = e;
                    bind = (int)i;
                }
            }
            if (next == DATE_NONE) {
                p->binding = bind;
                break;
            }
            if (next == D) {
                p->earliest = D;
                break;
            }
            p->binding = bind;
            D = next;
        }
        if (p->eligible) p->binding = -1;
    }
    return rc;
}

/* Readies p for an evaluation of the route of rb as of as_of. */
static tf_rc start(tf_pathway_result *p, const tf_rules *r, const ir_rulebook *rb, tf_date as_of) {
    memset(p, 0, offsetof(tf_pathway_result, res));
    p->r = r;
    p->binding = -1;
    p->earliest = DATE_NONE;
    p->rb = rb;
    p->pw = rb->pathway;
    p->as_of = as_of == TF_DATE_DEFAULT ? date_today() : as_of;
    if (p->pw->nclauses > PW_MAX_CLAUSES)
        return fail(p, TF_ELIMIT, "route %s has more than %d requirements", rb->id, PW_MAX_CLAUSES);
    return TF_OK;
}

tf_rc tf_pathway(const tf_rules *r, const tf_case *c, const char *route, tf_date as_of, tf_pathway_result *p) {
    const ir_rulebook *rb = NULL;
    for (uint32_t b = 0; b < r->nbooks; b++)
        if (r->books[b].pathway && !strcmp(r->books[b].id, route)) rb = &r->books[b];
    if (!rb) {
        memset(p, 0, offsetof(tf_pathway_result, res));
        p->r = r;
        p->binding = -1;
        p->earliest = DATE_NONE;
        return fail(p, TF_ENOTFOUND, "no pathway \"%s\"", route);
    }
    tf_rc rc = start(p, r, rb, as_of);
    if (rc) return rc;
    size_t n = r->in_absences >= 0 ? c->lists[r->in_absences].n : 0;
    void *room = malloc(HISTORY_ROOM(n, has_rolling(p->pw)));
    rc = evaluate(p, c, room, n);
    free(room);
    return rc;
}

int tf_pathway_eligible(const tf_pathway_result *p) { return p->rc ? -1 : p->eligible; }
tf_date tf_pathway_earliest(const tf_pathway_result *p) {
    return p->rc || p->earliest == DATE_NONE ? TF_DATE_DEFAULT : p->earliest;
}
const char *tf_pathway_error(const tf_pathway_result *p) { return p->error; }

/* The first presence requirement: what `counted_days` and `required_days` report. */
static int main_clause(const ir_pathway *pw) {
    for (uint32_t i = 0; i < pw->nclauses; i++)
        if (pw->clauses[i].kind == WC_PRESENT) return (int)i;
    return -1;
}

double tf_pathway_counted(const tf_pathway_result *p) {
    int m = p->rc ? -1 : main_clause(p->pw);
    return m < 0 ? NAN : p->res[m].value;
}

static const char *const kind_names[] = {"present",  "absent_rolling", "absent", "longest_absence",
                                         "present_on_day", "held", "each_year", "condition"};

static json_t *jnum(double v) {
    return v == floor(v) && fabs(v) < 1e15 ? json_integer((json_int_t)v) : json_real(v);
}

static json_t *jdate(int32_t d) {
    char b[11];
    return d == DATE_NONE ? json_null() : json_string(date_format(d, b));
}

char *tf_pathway_json(const tf_pathway_result *p) {
    json_t *o;
    char where[300];
    if (p->rc) {
        o = json_pack("{s:s,s:s}", "error", tf_strerror(p->rc), "message", p->error);
    } else {
        const ir_pathway *pw = p->pw;
        o = json_pack("{s:s,s:s,s:o,s:b}", "route", p->rb->id, "title", pw->title, "as_of", jdate(p->as_of), "eligible",
                      p->eligible);
        int m = main_clause(pw);
        json_object_set_new(o, "counted_days", m >= 0 ? jnum(p->res[m].value) : json_null());
        json_object_set_new(o, "required_days", m >= 0 ? jnum(pw->clauses[m].n) : json_null());
        json_object_set_new(o, "earliest_date", jdate(p->earliest));
        json_object_set_new(o, "binding", p->binding >= 0 ? json_string(pw->clauses[p->binding].label) : json_null());
        json_t *rq = json_array();
        for (uint32_t i = 0; i < pw->nclauses; i++) {
            const ir_wclause *w = &pw->clauses[i];
            const clause_result *cr = &p->res[i];
            json_t *j = json_pack("{s:s,s:s,s:b}", "requirement", w->label, "kind", kind_names[w->kind], "holds", cr->holds);
            if (w->kind == WC_ON_DAY) json_object_set_new(j, "day", jdate((int32_t)cr->value));
            else if (w->kind != WC_EXPR) json_object_set_new(j, "value", jnum(cr->value));
            if (w->kind != WC_ON_DAY && w->kind != WC_EXPR && w->kind != WC_HELD)
                json_object_set_new(j, "limit", jnum(w->n));
            json_object_set_new(j, "earliest_date", jdate(cr->earliest));
            if (w->ncites) {
                const ir_source *s = &p->rb->sources[w->cites[0]];
                json_t *src = json_pack("{s:s,s:s,s:s}", "id", s->id, "title", s->title, "date", s->date);
                if (s->nurls) json_object_set_new(src, "url", json_string(s->urls[0]));
                json_object_set_new(j, "source", src);
            }
            json_object_set_new(j, "at", json_string(ir_where(p->r, w->sp, where, sizeof where)));
            json_array_append_new(rq, j);
        }
        json_object_set_new(o, "requirements", rq);
        json_object_set_new(o, "version", json_string(p->r->version));
    }
    char *s = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(o);
    return s;
}

void tf_pathway_print(const tf_pathway_result *p, FILE *out) {
    char b1[11], b2[11], where[300];
    if (p->rc) {
        fprintf(out, "error: %s\n", p->error);
        return;
    }
    const ir_pathway *pw = p->pw;
    fprintf(out, "%s: %s as of %s\n", p->rb->id, p->eligible ? "eligible" : "not eligible", date_format(p->as_of, b1));
    fprintf(out, "  %s, version %s\n", pw->title, p->r->version);
    if (!p->eligible) {
        if (p->earliest != DATE_NONE)
            fprintf(out, "  earliest date if no further absence: %s (bound by %s)\n", date_format(p->earliest, b2),
                    p->binding >= 0 ? pw->clauses[p->binding].label : "-");
        else
            fprintf(out, "  not reachable within %d years (bound by %s)\n", PW_HORIZON_YEARS,
                    p->binding >= 0 ? pw->clauses[p->binding].label : "-");
    }
    for (uint32_t i = 0; i < pw->nclauses; i++) {
        const ir_wclause *w = &pw->clauses[i];
        const clause_result *cr = &p->res[i];
        fprintf(out, "  %-5s %s", cr->holds ? "holds" : "FAILS", w->label);
        if (w->kind == WC_ON_DAY) fprintf(out, ": %s", date_format((int32_t)cr->value, b1));
        else if (w->kind == WC_HELD) fprintf(out, ": %g days so far", cr->value);
        else if (w->kind != WC_EXPR) fprintf(out, ": %g (limit %g)", cr->value, w->n);
        if (!cr->holds && cr->earliest != DATE_NONE) fprintf(out, ", from %s", date_format(cr->earliest, b2));
        fprintf(out, "\n        at %s", ir_where(p->r, w->sp, where, sizeof where));
        if (w->ncites) fprintf(out, " [%s]", p->rb->sources[w->cites[0]].id);
        fputc('\n', out);
    }
}

/* ---- a chunk of rows (kinds.h) --------------------------------------------------------- */

typedef struct {
    tf_pathway_result p;
    int64_t room[HISTORY_ROOM(PW_MAX_ABSENCES, 1) / sizeof(int64_t)];
} pw_scratch;

void *pathway_scratch_new(void) { return malloc(sizeof(pw_scratch)); }
void pathway_scratch_free(void *p) { free(p); }

const char *pathway_label(const ir_rulebook *rb, int i) {
    return rb->pathway && i >= 0 && (uint32_t)i < rb->pathway->nclauses ? rb->pathway->clauses[i].label : "";
}

/* A history is intervals and binary searches over them: each row is evaluated by the
 * code tf_pathway runs, on the row copied into the thread's case view. */
tf_rc pathway_batch(const kind_scratch *s, const ir_rulebook *rb, const kind_chunk *ch) {
    pw_scratch *w = s->pathway_scratch;
    if (!w) return TF_ENOMEM;
    for (uint32_t k = 0; k < ch->n; k++) {
        kind_result *res = &ch->res[k];
        kind_result_clear(res);
        if (ch->skip && ch->skip[k]) continue;
        kind_row_case(s->r, ch->rows, k, s->view);
        tf_rc rc = start(&w->p, s->r, rb, ch->as_of);
        if (!rc) rc = evaluate(&w->p, s->view, w->room, PW_MAX_ABSENCES);
        res->as_of = w->p.as_of;
        if (rc) {
            res->status = (uint8_t)rc;
            snprintf(ch->msg[k], KIND_MSG, "%s", w->p.error);
            continue;
        }
        res->passes = (int8_t)w->p.eligible;
        res->date = w->p.earliest == DATE_NONE ? TF_DATE_DEFAULT : w->p.earliest;
        res->total = tf_pathway_counted(&w->p);
        res->missing = (int16_t)w->p.binding;
    }
    return TF_OK;
}

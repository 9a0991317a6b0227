/*
 * entry.c — evaluating entry and transit rules for one trip.
 *
 * The rulebook is the one whose destination is the trip's `to`. As of the evaluation
 * date (by default the entry date) its epoch says which rules are in force and what
 * every set and value holds; each rule in force is evaluated clause by clause, all
 * clauses, so that the explanation can say everything that held or failed. A rule
 * admits the trip when every clause holds and the trip ends within the rule's stay:
 *
 *   counted from next midnight: the stay runs from 00:00 of the day after entry
 *   counted from entry_day:     the stay runs from 00:00 of the entry day
 *
 * and the trip ends at trip.exit_time on its exit day, or at the end of that day when no
 * time is given. The best of the admitting rules is the one with the longest stay (the
 * first written wins a tie); a rule with no stated stay counts as the longest. Nothing
 * here allocates: the decision's arrays are filled in place.
 */
#include "kinds/entry.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/country.h"
#include "base/date.h"
#include "eval/eval.h"
#include "kinds/kinds.h"

tf_decision *tf_decision_new(void) { return calloc(1, sizeof(tf_decision)); }
void tf_decision_free(tf_decision *d) { free(d); }

static tf_rc fail(tf_decision *d, tf_rc rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static tf_rc fail(tf_decision *d, tf_rc rc, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->error, sizeof d->error, fmt, ap);
    va_end(ap);
    d->rc = rc;
    return rc;
}

typedef struct {
    tf_trace_fn fn;
    void *user;
} tracer;

static void trace_line(const tracer *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void trace_line(const tracer *t, const char *fmt, ...) {
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    t->fn(t->user, line);
}

/* A trace line; its arguments (dates formatted, values written) are computed only when
 * someone is tracing: a plain check pays one test. */
#define trace(t, ...)                                  \
    do {                                               \
        if ((t)->fn) trace_line((t), __VA_ARGS__);     \
    } while (0)

/* The first input under node n that the case does not give, or -1. */
static int missing_input(const ir_rulebook *rb, const tf_case *c, uint32_t n, int depth) {
    const ir_node *nd = &rb->nodes[n];
    if (nd->op == OP_INPUT) return c->known[nd->a] ? -1 : (int)nd->a;
    if (nd->op == OP_CONST || nd->op == OP_VALUE || depth > 64) return -1;
    int m = missing_input(rb, c, nd->a, depth + 1);
    if (m < 0 && nd->op != OP_IN && nd->op != OP_NOT && nd->op != OP_NEG_I && nd->op != OP_NEG_D &&
        nd->op != OP_I2D && nd->op != OP_D2I && nd->op != OP_DAYS2MIN)
        m = missing_input(rb, c, nd->b, depth + 1);
    if (m < 0 && nd->op == OP_IF) m = missing_input(rb, c, nd->c, depth + 1);
    return m;
}

/* Writes "name=value" for every input a clause reads, for the trace. */
static void input_values(const tf_rules *r, const ir_rulebook *rb, const tf_case *c, uint32_t n, char *buf,
                         size_t cap, size_t *len, int depth) {
    const ir_node *nd = &rb->nodes[n];
    if (depth > 64 || *len + 64 > cap) return;
    if (nd->op == OP_INPUT) {
        const ir_input *in = &r->inputs[nd->a];
        char v[64];
        if (!c->known[nd->a]) snprintf(v, sizeof v, "(not given)");
        else if (c->text[nd->a]) snprintf(v, sizeof v, "%s", c->text[nd->a]);
        else switch (TYPE_BASE(in->type)) {
            case TY_COUNTRY: case TY_PORT: case TY_ENUM:
                snprintf(v, sizeof v, "%s", ir_member_name(r, in->type, (uint32_t)c->vals[nd->a].i));
                break;
            case TY_DATE: date_format((int32_t)c->vals[nd->a].i, v); break;
            case TY_NUMBER: case TY_MONEY: snprintf(v, sizeof v, "%g", c->vals[nd->a].d); break;
            case TY_STRING: snprintf(v, sizeof v, "\"%s\"", c->vals[nd->a].s); break;
            default: snprintf(v, sizeof v, "%lld", (long long)c->vals[nd->a].i); break;
            }
        *len += (size_t)snprintf(buf + *len, cap - *len, "%s%s=%s", *len ? ", " : "", in->name, v);
        return;
    }
    if (nd->op == OP_CONST || nd->op == OP_VALUE) return;
    input_values(r, rb, c, nd->a, buf, cap, len, depth + 1);
    if (nd->op == OP_IN) return; /* b is a set index, not a node */
    if (nd->op != OP_NOT && nd->op != OP_NEG_I && nd->op != OP_NEG_D && nd->op != OP_I2D && nd->op != OP_D2I &&
        nd->op != OP_DAYS2MIN)
        input_values(r, rb, c, nd->b, buf, cap, len, depth + 1);
    if (nd->op == OP_IF) input_values(r, rb, c, nd->c, buf, cap, len, depth + 1);
}

static void add_reason(tf_decision *d, reason rs) {
    if (d->nreasons < ENTRY_MAX_REASONS) d->reasons[d->nreasons++] = rs;
    else d->truncated = 1;
}

static const char *const result_word[] = {"fails", "holds", "unknown"};

/* The trip as an entry check reads it. */
typedef struct {
    int32_t entry, exit;
    int64_t exit_min;     /* the instant of leaving, in minutes since 1970 */
} trip;

static tf_rc trip_fail(char *err, size_t errlen, tf_rc rc, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static tf_rc trip_fail(char *err, size_t errlen, tf_rc rc, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return rc;
}

/* Reads the trip: dates, length, exit instant, from the inputs of one case (input i at
 * vals[i * stride], known[i * stride]: a case, or a row of a chunk). Reports the field
 * that is missing or inconsistent in err. */
static tf_rc read_trip(const tf_rules *r, const rv *vals, const uint8_t *known, size_t stride, trip *t, char *err,
                       size_t errlen) {
    static const struct {
        size_t off;
        const char *name;
    } need[] = {{offsetof(tf_rules, in_to), "trip.to"},
                {offsetof(tf_rules, in_entry_date), "trip.entry_date"},
                {offsetof(tf_rules, in_purpose), "trip.purpose"},
                {offsetof(tf_rules, in_nationality), "nationality"}};
#define GIVEN(in) ((in) >= 0 && known[(size_t)(in) * stride])
#define VAL(in) (vals[(size_t)(in) * stride])
    for (size_t i = 0; i < sizeof need / sizeof need[0]; i++) {
        int in = *(const int *)((const char *)r + need[i].off);
        if (in < 0) return trip_fail(err, errlen, TF_ERULES, "the case schema does not declare %s", need[i].name);
        if (!GIVEN(in)) return trip_fail(err, errlen, TF_ECASE, "%s: missing (an entry check needs it)", need[i].name);
    }
    t->entry = (int32_t)VAL(r->in_entry_date).i;
    int has_days = GIVEN(r->in_days), has_exit = GIVEN(r->in_exit_date);
    if (!has_days && !has_exit)
        return trip_fail(err, errlen, TF_ECASE, "trip.days: missing (an entry check needs trip.days or trip.exit_date)");
    char b1[11], b2[11];
    if (has_days) {
        int64_t days = VAL(r->in_days).i;
        if (days < 0 || days > 100000)
            return trip_fail(err, errlen, TF_ECASE, "trip.days: %lld is not a number of days (0 to 100000)", (long long)days);
        t->exit = t->entry + (int32_t)days;
        if (has_exit && VAL(r->in_exit_date).i != t->exit)
            return trip_fail(err, errlen, TF_ECASE, "trip.exit_date: \"%s\" does not match trip.days (%lld days from %s)",
                             date_format((int32_t)VAL(r->in_exit_date).i, b1), (long long)days, date_format(t->entry, b2));
    } else {
        t->exit = (int32_t)VAL(r->in_exit_date).i;
        if (t->exit < t->entry)
            return trip_fail(err, errlen, TF_ECASE, "trip.exit_date: \"%s\" is before trip.entry_date \"%s\"",
                             date_format(t->exit, b1), date_format(t->entry, b2));
    }
    t->exit_min = (int64_t)t->exit * 1440 + (GIVEN(r->in_exit_time) ? VAL(r->in_exit_time).i : 1440);
#undef GIVEN
#undef VAL
    return TF_OK;
}

/* The rulebook that decides for destination `to`, or NULL with the message in err. */
static const ir_rulebook *book_for(const tf_rules *r, int to, char *err, size_t errlen) {
    if (r->dest_book[to] >= 0) return &r->books[r->dest_book[to]];
    trip_fail(err, errlen, TF_ENOTFOUND, "trip.to: no rulebook for \"%s\" (%s)", country_at(to)->code, country_at(to)->name);
    return NULL;
}

/* ---- the per-row logic of a decision, shared by tf_check and entry_batch ------------- */

/* The result of a clause whose node evaluated to v (known or not). An exit-port clause
 * holds where the case gives no exit port: the exit port is checked only where given. */
static int clause_result(const ir_clause *cl, int known, rv v, int exit_port_given) {
    if (known) return v.i ? R_HOLDS : R_FAILS;
    if (cl->kind == RC_EXIT_PORTS && !exit_port_given) return R_HOLDS;
    return R_UNKNOWN;
}

/* The result of a rule's stay for the trip, the stay being `stay` minutes (known or
 * not); records the stay and the latest departure in rr. */
static int stay_result(const ir_rule *ru, const trip *t, int known, rv stay, rule_result *rr) {
    if (!known) return R_UNKNOWN;
    int64_t start = (int64_t)(ru->counting == 0 ? t->entry + 1 : t->entry) * 1440;
    int64_t deadline = start + stay.i;
    rr->has_stay = 1;
    rr->stay_min = stay.i;
    rr->latest = (int32_t)((deadline - 1) / 1440);
    return t->exit_min <= deadline ? R_HOLDS : R_FAILS;
}

/* True when an admitting rule with result rr is better than the best so far: the
 * longest stay wins (no stated stay counts as the longest), the first written a tie. */
static int better(const rule_result *rr, int64_t *best_stay) {
    int64_t s = rr->has_stay ? rr->stay_min : INT64_MAX;
    if (s <= *best_stay) return 0;
    *best_stay = s;
    return 1;
}

/* Clears d for a new decision by r. */
static void reset(const tf_rules *r, tf_decision *d) {
    d->r = r;
    d->rb = NULL;
    d->overrides = NULL;
    d->rc = TF_OK;
    d->error[0] = 0;
    d->best = -1;
    d->nreasons = 0;
    d->truncated = 0;
}

static tf_rc decide(const tf_rules *r, const ir_rulebook *rb, const tf_case *c, tf_date as_of, tf_decision *d,
                    const tracer *t);

/* Reads the case's trip into d; on failure d holds the status and the message. */
static tf_rc read_trip_of(const tf_rules *r, const tf_case *c, tf_decision *d) {
    trip tr;
    tf_rc rc = read_trip(r, c->vals, c->known, 1, &tr, d->error, sizeof d->error);
    if (rc) return d->rc = rc;
    d->entry = tr.entry;
    d->exit = tr.exit;
    d->exit_min = tr.exit_min;
    return TF_OK;
}

static tf_rc check(const tf_rules *r, const tf_case *c, tf_date as_of, tf_decision *d, const tracer *t) {
    reset(r, d);
    tf_rc rc = read_trip_of(r, c, d);
    if (rc) return rc;
    int to = (int)c->vals[r->in_to].i;
    const ir_rulebook *rb = book_for(r, to, d->error, sizeof d->error);
    if (!rb) return d->rc = TF_ENOTFOUND;
    if (r->dest_fallback[to] >= 0) d->overrides = &r->books[r->dest_fallback[to]];
    return decide(r, rb, c, as_of, d, t);
}

tf_rc entry_decide(const tf_rules *r, const ir_rulebook *rb, const tf_case *c, tf_date as_of, tf_decision *d) {
    tracer t = {NULL, NULL};
    reset(r, d);
    tf_rc rc = read_trip_of(r, c, d);
    return rc ? rc : decide(r, rb, c, as_of, d, &t);
}

/* Evaluates every rule of rb in force as of the date; d holds the trip already. */
static tf_rc decide(const tf_rules *r, const ir_rulebook *rb, const tf_case *c, tf_date as_of, tf_decision *d,
                    const tracer *t) {
    int to = rb->dest;
    d->rb = rb;
    if (rb->nrules > ENTRY_MAX_RULES) return fail(d, TF_ELIMIT, "rulebook %s has more than %d rules", rb->id, ENTRY_MAX_RULES);
    d->as_of = as_of == TF_DATE_DEFAULT ? d->entry : as_of;
    d->nationality = (int)c->vals[r->in_nationality].i;
    d->port = r->in_entry_port >= 0 && c->known[r->in_entry_port] ? (int)c->vals[r->in_entry_port].i : -1;
    d->port_text = d->port >= 0 ? c->text[r->in_entry_port] : NULL;
    d->out = rb->otherwise;
    const ir_epoch *ep = ir_epoch_at(rb, d->as_of);
    ev_ctx x = {.rb = rb, .ep = ep, .in = c->vals, .known = c->known, .lists = c->lists, .as_of = d->as_of};
    char b1[11], b2[11];
    if (d->overrides) trace(t, "rulebook %s takes precedence over the fallback %s", rb->id, d->overrides->id);
    trace(t, "rulebook %s (%s) for destination %s, as of %s: epoch from %s", rb->id, rb->title,
          to >= 0 ? country_at(to)->code : "-", date_format(d->as_of, b1), ep->start == DATE_MIN ? "the beginning" : date_format(ep->start, b2));
    int64_t best_stay = -1;
    int exit_port_given = r->in_exit_port >= 0 && c->known[r->in_exit_port];
    const trip tr = {d->entry, d->exit, d->exit_min};
    for (uint32_t i = 0; i < rb->nrules; i++) {
        const ir_rule *ru = &rb->rules[i];
        rule_result *rr = &d->res[i];
        memset(rr, 0, sizeof *rr);
        rr->latest = TF_DATE_DEFAULT;
        if (!ep->rule_on[i]) {
            trace(t, "rule %s: not in force", ru->name);
            continue;
        }
        rr->first_reason = d->nreasons;
        int ok = 1;
        trace(t, "rule %s: %s", ru->name, ru->title);
        for (uint32_t k = 0; k < ru->nclauses; k++) {
            const ir_clause *cl = &ru->clauses[k];
            rv v;
            reason rs = {(uint16_t)i, (uint16_t)k, RK_CLAUSE, R_HOLDS, -1};
            int known = eval_node(&x, cl->node, &v);
            rs.result = (uint8_t)clause_result(cl, known, v, exit_port_given);
            if (rs.result == R_UNKNOWN) rs.missing = (int16_t)missing_input(rb, c, cl->node, 0);
            ok &= rs.result == R_HOLDS;
            add_reason(d, rs);
            if (t->fn) {
                char vals[400];
                size_t len = 0;
                vals[0] = 0;
                input_values(r, rb, c, cl->node, vals, sizeof vals, &len, 0);
                trace(t, "  %s: %s  [%s]", cl->text, result_word[rs.result], vals);
            }
        }
        /* the stay */
        rv sv;
        if (ru->stay != NODE_NONE) {
            reason rs = {(uint16_t)i, 0, RK_STAY, R_HOLDS, -1};
            int known = eval_node(&x, ru->stay, &sv);
            rs.result = (uint8_t)stay_result(ru, &tr, known, sv, rr);
            ok &= rs.result == R_HOLDS;
            add_reason(d, rs);
            trace(t, "  stay %s: up to %lld minutes, leave by %s: %s", ru->counting == 0 ? "from next midnight" : "from the entry day",
                  (long long)rr->stay_min, rr->latest == TF_DATE_DEFAULT ? "?" : date_format(rr->latest, b1),
                  result_word[rs.result]);
        }
        if (ru->limit != NODE_NONE && eval_node(&x, ru->limit, &sv)) {
            rr->limit_min = sv.i;
            if (eval_node(&x, ru->limit_window, &sv)) rr->window_min = sv.i;
        }
        rr->nreasons = d->nreasons - rr->first_reason;
        rr->admitted = (uint8_t)ok;
        trace(t, "rule %s: %s", ru->name, ok ? "admits the trip" : "does not admit the trip");
        if (ok && better(rr, &best_stay)) d->best = (int)i;
    }
    if (d->best >= 0) d->out = rb->rules[d->best].out;
    trace(t, "decision: %s%s%s", outcome_names[d->out], d->best >= 0 ? " by " : "", d->best >= 0 ? rb->rules[d->best].id : "");
    return TF_OK;
}

tf_rc tf_check(const tf_rules *r, const tf_case *c, tf_date as_of, tf_decision *d) {
    tracer t = {NULL, NULL};
    return check(r, c, as_of, d, &t);
}

tf_rc tf_check_traced(const tf_rules *r, const tf_case *c, tf_date as_of, tf_decision *d, tf_trace_fn fn,
                      void *user) {
    tracer t = {fn, user};
    return check(r, c, as_of, d, &t);
}

const char *tf_decision_outcome(const tf_decision *d) { return d->rc ? NULL : outcome_names[d->out]; }
const char *tf_decision_regime(const tf_decision *d) {
    return d->rc || d->best < 0 ? NULL : d->rb->rules[d->best].id;
}
tf_date tf_decision_latest_departure(const tf_decision *d) {
    return d->rc || d->best < 0 ? TF_DATE_DEFAULT : d->res[d->best].latest;
}
const char *tf_decision_error(const tf_decision *d) { return d->error; }

/* ---- a chunk of rows (kinds.h) --------------------------------------------------------- */

/* Decides rows g[0..m) of the chunk, all by rulebook rb: the rules' clauses and stays
 * through the column evaluator, then per row the same folding as decide(). */
static tf_rc entry_group(const kind_scratch *s, const kind_chunk *ch, const ir_rulebook *rb, const vec_plan *plan,
                         const uint32_t *g, uint32_t m, const trip *trips, void *const *tmp) {
    const tf_rules *r = s->r;
    const vec_rows *rows = ch->rows;
    rv *cv = tmp[0];
    uint8_t *ck = tmp[1], *ok = tmp[2];
    int32_t *best = tmp[3], *latest = tmp[4], *as_of = tmp[5];
    int64_t *best_stay = tmp[6];
    const ir_epoch **ep_row = tmp[7];
    int same_date = 1;
    for (uint32_t k = 0; k < m; k++) {
        as_of[k] = ch->as_of == TF_DATE_DEFAULT ? trips[g[k]].entry : ch->as_of;
        same_date &= as_of[k] == as_of[0];
        /* one binary search per run of equal dates: rows of a batch mostly share one */
        ep_row[k] = k && as_of[k] == as_of[k - 1] ? ep_row[k - 1] : ir_epoch_at(rb, as_of[k]);
        best[k] = -1;
        best_stay[k] = -1;
        latest[k] = TF_DATE_DEFAULT;
    }
    int same_epoch = 1;
    for (uint32_t k = 1; k < m && same_epoch; k++) same_epoch = ep_row[k] == ep_row[0];
    vec_ctx x = {.rb = rb, .plan = plan, .rows = rows, .sel = g, .n = m, .ep = same_epoch ? ep_row[0] : NULL,
                 .ep_row = ep_row, .as_of = as_of[0], .as_of_row = same_date ? NULL : as_of, .stack = s->stack,
                 .keep = s->keep};
    if (vec_begin(&x)) return TF_ENOMEM;
    int xp = r->in_exit_port;
    for (uint32_t i = 0; i < rb->nrules; i++) {
        const ir_rule *ru = &rb->rules[i];
        uint32_t live = 0;
        for (uint32_t k = 0; k < m; k++) live += ok[k] = ep_row[k]->rule_on[i];
        for (uint32_t c = 0; c < ru->nclauses && live; c++) {
            const ir_clause *cl = &ru->clauses[c];
            if (vec_eval(&x, cl->node, cv, ck)) return TF_ENOMEM;
            live = 0;
            for (uint32_t k = 0; k < m; k++) {
                if (!ok[k]) continue;
                int given = xp >= 0 && rows->known[(size_t)xp * rows->stride + g[k]];
                ok[k] = clause_result(cl, ck[k], cv[k], given) == R_HOLDS;
                live += ok[k];
            }
        }
        if (!live) continue;
        if (ru->stay != NODE_NONE && vec_eval(&x, ru->stay, cv, ck)) return TF_ENOMEM;
        for (uint32_t k = 0; k < m; k++) {
            if (!ok[k]) continue;
            rule_result rr = {.latest = TF_DATE_DEFAULT};
            if (ru->stay != NODE_NONE && stay_result(ru, &trips[g[k]], ck[k], cv[k], &rr) != R_HOLDS) continue;
            if (better(&rr, &best_stay[k])) {
                best[k] = (int32_t)i;
                latest[k] = rr.latest;
            }
        }
    }
    for (uint32_t k = 0; k < m; k++) {
        kind_result *res = &ch->res[g[k]];
        res->book = (int16_t)(rb - r->books);
        res->rule = best[k];
        res->outcome = (int8_t)(best[k] >= 0 ? rb->rules[best[k]].out : rb->otherwise);
        res->date = latest[k];
        res->as_of = as_of[k];
    }
    return TF_OK;
}

tf_rc entry_batch(const kind_scratch *s, const kind_chunk *ch) {
    const tf_rules *r = s->r;
    const vec_rows *rows = ch->rows;
    uint32_t n = ch->n, nb = r->nbooks;
    arena_reset(s->keep);
    trip *trips = arena_array(s->keep, n + 1, sizeof(trip));
    int16_t *book = arena_array(s->keep, n + 1, sizeof(int16_t));
    uint32_t *start = arena_array(s->keep, nb + 1, sizeof(uint32_t)), *sel = arena_array(s->keep, n + 1, sizeof(uint32_t));
    void *tmp[8] = {arena_array(s->keep, n + 1, sizeof(rv)), arena_array(s->keep, n + 1, 1),
                    arena_array(s->keep, n + 1, 1), arena_array(s->keep, n + 1, sizeof(int32_t)),
                    arena_array(s->keep, n + 1, sizeof(int32_t)), arena_array(s->keep, n + 1, sizeof(int32_t)),
                    arena_array(s->keep, n + 1, sizeof(int64_t)), arena_array(s->keep, n + 1, sizeof(ir_epoch *))};
    if (arena_failed(s->keep)) return TF_ENOMEM;
    /* the trip of each row, and the rulebook that decides it */
    for (uint32_t k = 0; k < n; k++) {
        kind_result *res = &ch->res[k];
        kind_result_clear(res);
        book[k] = -1;
        if (ch->skip && ch->skip[k]) continue;
        tf_rc rc = read_trip(r, rows->vals + k, rows->known + k, rows->stride, &trips[k], ch->msg[k], KIND_MSG);
        const ir_rulebook *rb = NULL;
        if (!rc) {
            rb = book_for(r, (int)rows->vals[(size_t)r->in_to * rows->stride + k].i, ch->msg[k], KIND_MSG);
            rc = rb ? TF_OK : TF_ENOTFOUND;
        }
        if (!rc && rb->nrules > ENTRY_MAX_RULES) {
            snprintf(ch->msg[k], KIND_MSG, "rulebook %s has more than %d rules", rb->id, ENTRY_MAX_RULES);
            rc = TF_ELIMIT;
        }
        if (rc) {
            res->status = (uint8_t)rc;
            continue;
        }
        book[k] = (int16_t)(rb - r->books);
        start[book[k] + 1]++;
    }
    /* rows grouped by rulebook, each group in input order */
    for (uint32_t b = 0; b < nb; b++) start[b + 1] += start[b];
    for (uint32_t k = 0; k < n; k++)
        if (book[k] >= 0) sel[start[book[k]]++] = k;
    uint32_t from = 0;
    for (uint32_t b = 0; b < nb; b++) {
        uint32_t to = start[b]; /* start[b] is now the end of group b */
        if (to > from) {
            const ir_rulebook *rb = &r->books[b];
            const vec_plan *plan = s->plans ? s->plans[b] : NULL;
            if (!plan) return TF_ENOMEM;
            tf_rc rc = entry_group(s, ch, rb, plan, sel + from, to - from, trips, tmp);
            if (rc) return rc;
        }
        from = to;
    }
    return TF_OK;
}

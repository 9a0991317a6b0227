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

static void trace(const tracer *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void trace(const tracer *t, const char *fmt, ...) {
    if (!t->fn) return;
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    t->fn(t->user, line);
}

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

/* Reads the trip: dates, length, exit instant. Reports the field that is missing. */
static tf_rc read_trip(const tf_rules *r, const tf_case *c, tf_decision *d) {
    static const struct {
        size_t off;
        const char *name;
    } need[] = {{offsetof(tf_rules, in_to), "trip.to"},
                {offsetof(tf_rules, in_entry_date), "trip.entry_date"},
                {offsetof(tf_rules, in_purpose), "trip.purpose"},
                {offsetof(tf_rules, in_nationality), "nationality"}};
    for (size_t i = 0; i < sizeof need / sizeof need[0]; i++) {
        int in = *(const int *)((const char *)r + need[i].off);
        if (in < 0) return fail(d, TF_ERULES, "the case schema does not declare %s", need[i].name);
        if (!c->known[in]) return fail(d, TF_ECASE, "%s: missing (an entry check needs it)", need[i].name);
    }
    d->entry = (int32_t)c->vals[r->in_entry_date].i;
    int has_days = r->in_days >= 0 && c->known[r->in_days];
    int has_exit = r->in_exit_date >= 0 && c->known[r->in_exit_date];
    if (!has_days && !has_exit)
        return fail(d, TF_ECASE, "trip.days: missing (an entry check needs trip.days or trip.exit_date)");
    char b1[11], b2[11];
    if (has_days) {
        int64_t days = c->vals[r->in_days].i;
        if (days < 0 || days > 100000)
            return fail(d, TF_ECASE, "trip.days: %lld is not a number of days (0 to 100000)", (long long)days);
        d->exit = d->entry + (int32_t)days;
        if (has_exit && c->vals[r->in_exit_date].i != d->exit)
            return fail(d, TF_ECASE, "trip.exit_date: \"%s\" does not match trip.days (%lld days from %s)",
                        date_format((int32_t)c->vals[r->in_exit_date].i, b1), (long long)days,
                        date_format(d->entry, b2));
    } else {
        d->exit = (int32_t)c->vals[r->in_exit_date].i;
        if (d->exit < d->entry)
            return fail(d, TF_ECASE, "trip.exit_date: \"%s\" is before trip.entry_date \"%s\"", date_format(d->exit, b1),
                        date_format(d->entry, b2));
    }
    int has_time = r->in_exit_time >= 0 && c->known[r->in_exit_time];
    d->exit_min = (int64_t)d->exit * 1440 + (has_time ? c->vals[r->in_exit_time].i : 1440);
    return TF_OK;
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

static tf_rc check(const tf_rules *r, const tf_case *c, tf_date as_of, tf_decision *d, const tracer *t) {
    reset(r, d);
    tf_rc rc = read_trip(r, c, d);
    if (rc) return rc;
    int to = (int)c->vals[r->in_to].i;
    if (r->dest_book[to] < 0)
        return fail(d, TF_ENOTFOUND, "trip.to: no rulebook for \"%s\" (%s)", country_at(to)->code, country_at(to)->name);
    if (r->dest_fallback[to] >= 0) d->overrides = &r->books[r->dest_fallback[to]];
    return decide(r, &r->books[r->dest_book[to]], c, as_of, d, t);
}

tf_rc entry_decide(const tf_rules *r, const ir_rulebook *rb, const tf_case *c, tf_date as_of, tf_decision *d) {
    tracer t = {NULL, NULL};
    reset(r, d);
    tf_rc rc = read_trip(r, c, d);
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
            if (eval_node(&x, cl->node, &v)) {
                rs.result = v.i ? R_HOLDS : R_FAILS;
            } else if (cl->kind == RC_EXIT_PORTS && r->in_exit_port >= 0 && !c->known[r->in_exit_port]) {
                rs.result = R_HOLDS; /* the exit port is checked only where given */
            } else {
                rs.result = R_UNKNOWN;
                rs.missing = (int16_t)missing_input(rb, c, cl->node, 0);
            }
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
            if (eval_node(&x, ru->stay, &sv)) {
                int64_t start = (int64_t)(ru->counting == 0 ? d->entry + 1 : d->entry) * 1440;
                int64_t deadline = start + sv.i;
                rr->has_stay = 1;
                rr->stay_min = sv.i;
                rr->latest = (int32_t)((deadline - 1) / 1440);
                rs.result = d->exit_min <= deadline ? R_HOLDS : R_FAILS;
            } else {
                rs.result = R_UNKNOWN;
            }
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
        if (ok) {
            int64_t s = rr->has_stay ? rr->stay_min : INT64_MAX;
            if (s > best_stay) {
                best_stay = s;
                d->best = (int)i;
            }
        }
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

/*
 * eval.c — the expression evaluator.
 *
 * A recursive walk over the node array; the checker has already proved every operand
 * has the type its opcode expects, so nothing is checked here. Division by zero gives
 * an unknown value rather than a trap. Comparisons of doubles are exact: money and
 * numbers in rulebooks are decimal constants compared with case values parsed the same
 * way. A derived value is evaluated at each use, or once per evaluation where the
 * context holds a cache for them (eval.h, ev_ctx.let_state).
 */
#include "eval/eval.h"

#include <string.h>

#include "base/date.h"

/* A derived value: the override's value when the gap search changes it, else the
 * cached value when the context holds one, else its node evaluated (and cached). */
static inline int eval_let(const ev_ctx *x, const ir_node *nd, rv *out) {
    if (x->ovr && x->ovr->kind == OVR_LET && x->ovr->index == nd->a) return *out = x->ovr->val, 1;
    if (!x->let_state) return eval_node(x, x->rb->lets[nd->a].node, out);
    uint8_t *st = &x->let_state[nd->a];
    if (*st != EV_LET_UNSET) {
        if (*st == EV_LET_KNOWN) *out = x->let_val[nd->a];
        return *st == EV_LET_KNOWN;
    }
    int k = eval_node(x, x->rb->lets[nd->a].node, out);
    *st = k ? EV_LET_KNOWN : EV_LET_UNKNOWN;
    if (k) x->let_val[nd->a] = *out;
    return k;
}

/* eval_node for an operand, which is most often a constant or a derived value (a band's
 * subject, bound or value, an `if`'s condition and branches, an operator's operands):
 * those are read in place, without a call. */
static inline int eval_operand(const ev_ctx *x, uint32_t n, rv *out) {
    const ir_node *nd = &x->rb->nodes[n];
    if (nd->op == OP_CONST) return *out = nd->k, 1;
    if (nd->op == OP_LET) return eval_let(x, nd, out);
    return eval_node(x, n, out);
}

/* The value of one element of a list (its field `field`, or the element itself). */
static rv elem_at(const ev_list *l, uint32_t j, uint32_t field) { return l->v[(size_t)j * l->nfields + field]; }

/* An aggregate over a list: sum, min, max, count, all, any, with an optional filter
 * (`where`) and map (`for`). Sums and extremes are in doubles when the node's type is a
 * number, else in integers (ev_agg_step, shared with the column evaluator). */
static int eval_agg(const ev_ctx *x, const ir_node *nd, rv *out) {
    rv lv;
    if (!eval_node(x, nd->a, &lv)) return 0;
    uint32_t input = (uint32_t)(lv.i >> 8), field1 = (uint32_t)(lv.i & 0xff);
    const ev_list *l = x->lists ? &x->lists[input] : NULL;
    uint32_t n = l ? l->n : 0;
    int fn = (int)nd->c, dbl = TYPE_BASE(nd->type) == TY_NUMBER || TYPE_BASE(nd->type) == TY_MONEY;
    const ir_node *ln = &x->rb->nodes[nd->a];
    int elem_dbl = TYPE_ELEM(ln->type) == TY_NUMBER || TYPE_ELEM(ln->type) == TY_MONEY;
    uint32_t map = (uint32_t)nd->k.i;
    ev_frame *fr = x->fr, saved = fr ? *fr : (ev_frame){0};
    ev_agg g;
    ev_agg_init(&g);
    for (uint32_t j = 0; j < n; j++) {
        rv v = elem_at(l, j, field1 ? field1 - 1 : 0);
        if (x->ovr && x->ovr->kind == OVR_LIST_FLOOR && x->ovr->index == input) {
            if (elem_dbl ? v.d < x->ovr->val.d : v.i < x->ovr->val.i) v = x->ovr->val;
        }
        if (fr) {
            fr->elem = &l->v[(size_t)j * l->nfields];
            fr->var = v;
        }
        int keep = 1, known = 1;
        if (nd->b != NODE_NONE) {
            rv k;
            keep = fr && eval_node(x, nd->b, &k) ? k.i != 0 : -1;
        }
        if (keep == 1 && map != NODE_NONE) known = fr && eval_node(x, map, &v);
        ev_agg_step(&g, fn, dbl, keep, known, map != NODE_NONE ? dbl : elem_dbl, v);
    }
    if (fr) *fr = saved;
    return ev_agg_end(&g, fn, dbl, out);
}

/* The value of the first band that holds the subject. */
static int eval_bands(const ev_ctx *x, const ir_node *nd, rv *out) {
    rv s;
    if (!eval_operand(x, nd->a, &s)) return 0;
    int dbl = nd->pad;
    for (uint32_t i = 0; i < nd->c; i++) {
        const ir_band *b = &x->rb->bands[nd->b + i];
        rv lo = {0}, hi = {0};
        if (b->op != BAND_ELSE) {
            if (!eval_operand(x, b->lo, &lo)) return 0;
            if (b->op == BAND_TO && !eval_operand(x, b->hi, &hi)) return 0;
        }
        if (ev_band_holds(b->op, dbl ? s.d : (double)s.i, dbl ? lo.d : (double)lo.i, dbl ? hi.d : (double)hi.i))
            return eval_operand(x, b->val, out);
    }
    return 0;
}

int eval_node(const ev_ctx *x, uint32_t n, rv *out) {
    const ir_node *nd = &x->rb->nodes[n];
    rv a, b;
    int ka, kb;
    switch ((opcode)nd->op) {
    case OP_CONST: *out = nd->k; return 1;
    case OP_INPUT:
        if (x->ovr && x->ovr->kind == OVR_INPUT && x->ovr->index == nd->a) return *out = x->ovr->val, 1;
        if (!x->in || !x->known[nd->a]) return 0;
        *out = x->in[nd->a];
        return 1;
    case OP_VALUE:
        if (!x->ep->val_known[nd->a]) return 0;
        *out = x->ep->vals[nd->a];
        return 1;
    case OP_IN:
        if (!eval_operand(x, nd->a, &a)) return 0;
        out->i = bits_has(&x->ep->sets[nd->b], (uint32_t)a.i) ^ (int)nd->c;
        return 1;
    case OP_AND:
        ka = eval_operand(x, nd->a, &a);
        if (ka && !a.i) return out->i = 0, 1;
        kb = eval_operand(x, nd->b, &b);
        if (kb && !b.i) return out->i = 0, 1;
        if (!ka || !kb) return 0;
        return out->i = 1, 1;
    case OP_OR:
        ka = eval_operand(x, nd->a, &a);
        if (ka && a.i) return out->i = 1, 1;
        kb = eval_operand(x, nd->b, &b);
        if (kb && b.i) return out->i = 1, 1;
        if (!ka || !kb) return 0;
        return out->i = 0, 1;
    case OP_IF:
        if (!eval_operand(x, nd->a, &a)) return 0;
        return eval_operand(x, a.i ? nd->b : nd->c, out);
    case OP_LET: return eval_let(x, nd, out);
    case OP_ASOF: out->i = x->as_of; return 1;
    case OP_GIVEN:
        /* a change the gap search tries gives the input */
        out->i = (x->ovr && x->ovr->index == nd->a && (x->ovr->kind == OVR_INPUT || x->ovr->kind == OVR_LIST_FLOOR)) ||
                 (x->known && (x->known[nd->a] || (x->lists && x->lists[nd->a].n)));
        return 1;
    case OP_LIST: out->i = ((int64_t)nd->a << 8) | nd->b; return 1;
    case OP_AGG: return eval_agg(x, nd, out);
    case OP_ELEM:
        if (!x->fr || !x->fr->elem) return 0;
        *out = x->fr->elem[nd->b];
        return 1;
    case OP_LOOPVAR:
        if (!x->fr) return 0;
        *out = x->fr->var;
        return 1;
    case OP_BANDS: return eval_bands(x, nd, out);
    case OP_POINTS:
        if (!x->fr || !x->fr->points) return 0;
        out->d = x->fr->points[nd->a];
        return 1;
    case OP_YEARS_SINCE:
        if (!eval_operand(x, nd->a, &a)) return 0;
        out->i = date_age((int32_t)a.i, x->as_of);
        return 1;
    default: break;
    }
    /* unary and binary operators: operands first */
    if (!eval_operand(x, nd->a, &a)) return 0;
    rv o;
    switch ((opcode)nd->op) {
#define EV_UN_CASE(op, result) \
    case op: result; *out = o; return 1;
        EV_UNARY(EV_UN_CASE)
#undef EV_UN_CASE
    default: break;
    }
    if (!eval_operand(x, nd->b, &b)) return 0;
    switch ((opcode)nd->op) {
#define EV_BIN_CASE(op, result, defined) \
    case op:                             \
        if (!(defined)) return 0;        \
        result;                          \
        break;
        EV_BINARY(EV_BIN_CASE)
#undef EV_BIN_CASE
    default: return 0;
    }
    *out = o;
    return 1;
}

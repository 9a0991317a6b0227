/*
 * eval.h — evaluating IR expressions (prefix eval_).
 *
 * One function walks an expression's nodes for one record as of one epoch. It touches
 * no allocator. Unknown values (an input the case does not give, a value with no
 * version in force) propagate, with three-valued logic for and/or/not.
 */
#ifndef TF_EVAL_H
#define TF_EVAL_H

#include <string.h>

#include "eval/ir.h"

/* A list input of a case: n elements of nfields values each (1 for a list of scalars). */
typedef struct {
    uint32_t n, nfields;
    rv *v;
} ev_list;

/* Mutable state of one evaluation: the current element of an aggregate, the points of
 * a scheme once computed. */
typedef struct {
    const rv *elem;        /* the fields of the current element (`where`) */
    rv var;                /* the current element (`for`) */
    const double *points;  /* [1 + items]: total, then each factor and group */
} ev_frame;

/* A change to one input or derived value, for the gap search: the subject takes `val`,
 * or, for a list, every element at least `val`. */
typedef struct {
    enum { OVR_NONE, OVR_INPUT, OVR_LET, OVR_LIST_FLOOR } kind;
    uint32_t index;
    rv val;
} ev_override;

/* The states of a cached derived value (ev_ctx.let_state). */
enum { EV_LET_UNSET = 0, EV_LET_KNOWN = 1, EV_LET_UNKNOWN = 2 };

typedef struct {
    const ir_rulebook *rb;
    const ir_epoch *ep;
    const rv *in;          /* input values by input index (NULL: no inputs) */
    const uint8_t *known;  /* 1 where the input is given */
    const ev_list *lists;  /* list inputs by input index (NULL: none) */
    int32_t as_of;
    ev_frame *fr;          /* NULL where no aggregate or points condition is evaluated */
    const ev_override *ovr;
    /* A cache of derived values (`let`), or NULL: [rb->nlets] each. The first use of
     * let i evaluates it and sets let_state[i] (EV_LET_KNOWN, let_val[i] holding the
     * value, or EV_LET_UNKNOWN); later uses read it. One value serves every use because
     * a let reads only the case, the epoch, as_of, the override and other lets: the
     * checker resolves its body with no element, loop variable or points in scope
     * (check.c, check_decl_type), so the frame cannot change it. Whoever changes any of
     * those, or fr from NULL to not NULL, sets let_state to EV_LET_UNSET first. */
    rv *let_val;
    uint8_t *let_state;
} ev_ctx;

/* Evaluates node n into *out. Returns 1 when the value is known, 0 when unknown. */
int eval_node(const ev_ctx *x, uint32_t n, rv *out);

/* ---- semantics shared by the scalar and the column evaluator (vec.c) -------------------
 *
 * Each operator's meaning is written once, here: eval.c applies it to one value, vec.c
 * to a column, so the two cannot drift apart. */

/* Binary operators: X(op, result, defined). `result` sets o from a and b (rv); where
 * `defined` is false the result is unknown (division by zero; the one quotient that
 * overflows). */
#define EV_BINARY(X)                                                        \
    X(OP_EQ_I, o.i = a.i == b.i, 1) X(OP_NE_I, o.i = a.i != b.i, 1)         \
    X(OP_LT_I, o.i = a.i < b.i, 1) X(OP_LE_I, o.i = a.i <= b.i, 1)          \
    X(OP_GT_I, o.i = a.i > b.i, 1) X(OP_GE_I, o.i = a.i >= b.i, 1)          \
    X(OP_EQ_D, o.i = a.d == b.d, 1) X(OP_NE_D, o.i = a.d != b.d, 1)         \
    X(OP_LT_D, o.i = a.d < b.d, 1) X(OP_LE_D, o.i = a.d <= b.d, 1)          \
    X(OP_GT_D, o.i = a.d > b.d, 1) X(OP_GE_D, o.i = a.d >= b.d, 1)          \
    X(OP_EQ_S, o.i = strcmp(a.s, b.s) == 0, 1)                              \
    X(OP_NE_S, o.i = strcmp(a.s, b.s) != 0, 1)                              \
    X(OP_ADD_I, o.i = (int64_t)((uint64_t)a.i + (uint64_t)b.i), 1)          \
    X(OP_SUB_I, o.i = (int64_t)((uint64_t)a.i - (uint64_t)b.i), 1)          \
    X(OP_MUL_I, o.i = (int64_t)((uint64_t)a.i * (uint64_t)b.i), 1)          \
    X(OP_DIV_I, o.i = a.i / b.i, b.i != 0 && !(b.i == -1 && a.i == INT64_MIN)) \
    X(OP_ADD_D, o.d = a.d + b.d, 1) X(OP_SUB_D, o.d = a.d - b.d, 1)         \
    X(OP_MUL_D, o.d = a.d * b.d, 1) X(OP_DIV_D, o.d = a.d / b.d, b.d != 0)  \
    X(OP_DATE_ADD, o.i = a.i + b.i / 1440, 1)                               \
    X(OP_DATE_SUB, o.i = a.i - b.i / 1440, 1)

/* A double rounded to the nearest integer; out of range (or not a number) it saturates,
 * so that the conversion is never undefined behaviour. */
static inline int64_t ev_d2i(double d) {
    if (!(d > -9.2e18)) return d != d ? 0 : INT64_MIN;
    if (d >= 9.2e18) return INT64_MAX;
    return (int64_t)(d < 0 ? d - 0.5 : d + 0.5);
}

/* Unary operators: X(op, result), from a into o; always defined. */
#define EV_UNARY(X)                                                         \
    X(OP_NOT, o.i = !a.i)                                                   \
    X(OP_NEG_I, o.i = (int64_t)(0 - (uint64_t)a.i)) X(OP_NEG_D, o.d = -a.d) \
    X(OP_I2D, o.d = (double)a.i)                                            \
    X(OP_D2I, o.i = ev_d2i(a.d))                                             \
    X(OP_DAYS2MIN, o.i = a.i * 1440)

/* Whether a band `op lo [to hi]` holds for the subject s (all as doubles). */
static inline int ev_band_holds(band_op op, double s, double lo, double hi) {
    switch (op) {
    case BAND_ELSE: return 1;
    case BAND_LT: return s < lo;
    case BAND_LE: return s <= lo;
    case BAND_GT: return s > lo;
    case BAND_GE: return s >= lo;
    case BAND_EQ: return s == lo;
    default: return s >= lo && s <= hi;
    }
}

/* The running state of an aggregate (sum, min, max, count, all, any) over one list. */
typedef struct {
    int64_t si;
    double sd;
    int have, count, all, any, known;
} ev_agg;

static inline void ev_agg_init(ev_agg *g) { *g = (ev_agg){0, 0, 0, 0, 1, 0, 1}; }

/* Adds one element: `keep` is 1 when the element passes the filter (or there is none),
 * 0 when it does not, -1 when the filter is unknown; `known` says whether its value v is
 * (vdbl: v is a double). An unknown filter or value makes the aggregate unknown, except
 * an `any` that some element makes true. fn: FN_*; dbl: the aggregate's type is a
 * number. */
static inline void ev_agg_step(ev_agg *g, int fn, int dbl, int keep, int known, int vdbl, rv v) {
    if (keep < 0 || (keep && !known)) {
        g->known = 0;
        return;
    }
    if (!keep) return;
    g->count++;
    if (fn == FN_ALL) g->all &= v.i != 0;
    else if (fn == FN_ANY) g->any |= v.i != 0;
    else if (dbl) {
        double d = vdbl ? v.d : (double)v.i;
        if (fn == FN_SUM) g->sd += d;
        else if (!g->have || (fn == FN_MIN ? d < g->sd : d > g->sd)) g->sd = d;
    } else {
        if (fn == FN_SUM) g->si += v.i;
        else if (!g->have || (fn == FN_MIN ? v.i < g->si : v.i > g->si)) g->si = v.i;
    }
    g->have = 1;
}

/* The aggregate's value; returns 1 when known. */
static inline int ev_agg_end(const ev_agg *g, int fn, int dbl, rv *out) {
    switch (fn) {
    case FN_COUNT: out->i = g->count; return g->known;
    case FN_ALL: out->i = g->all; return g->known;
    case FN_ANY: out->i = g->any; return g->known || g->any;
    case FN_SUM:
        if (dbl) out->d = g->sd;
        else out->i = g->si;
        return g->known;
    default: /* min, max: unknown over an empty list */
        if (!g->have) return 0;
        if (dbl) out->d = g->sd;
        else out->i = g->si;
        return g->known;
    }
}

#endif

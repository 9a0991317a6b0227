/*
 * eval.h — evaluating IR expressions (prefix eval_).
 *
 * One function walks an expression's nodes for one record as of one epoch. It touches
 * no allocator. Unknown values (an input the case does not give, a value with no
 * version in force) propagate, with three-valued logic for and/or/not.
 */
#ifndef TF_EVAL_H
#define TF_EVAL_H

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

typedef struct {
    const ir_rulebook *rb;
    const ir_epoch *ep;
    const rv *in;          /* input values by input index (NULL: no inputs) */
    const uint8_t *known;  /* 1 where the input is given */
    const ev_list *lists;  /* list inputs by input index (NULL: none) */
    int32_t as_of;
    ev_frame *fr;          /* NULL where no aggregate or points condition is evaluated */
    const ev_override *ovr;
} ev_ctx;

/* Evaluates node n into *out. Returns 1 when the value is known, 0 when unknown. */
int eval_node(const ev_ctx *x, uint32_t n, rv *out);

#endif

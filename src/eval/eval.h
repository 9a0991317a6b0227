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

typedef struct {
    const ir_rulebook *rb;
    const ir_epoch *ep;
    const rv *in;          /* input values by input index (NULL: no inputs) */
    const uint8_t *known;  /* 1 where the input is given */
} ev_ctx;

/* Evaluates node n into *out. Returns 1 when the value is known, 0 when unknown. */
int eval_node(const ev_ctx *x, uint32_t n, rv *out);

#endif

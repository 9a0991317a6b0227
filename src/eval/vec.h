/*
 * vec.h — evaluating IR expressions over column chunks (prefix vec_).
 *
 * The batch evaluator: the same compiled IR and the same semantics as eval.c, applied to
 * a chunk of rows at a time (about a thousand) one node at a time, each node's result a
 * column. Inputs come as a struct of arrays (vec_rows): per input a column of values, a
 * column of "given" bytes and a column of per-row lists. Derived values (`let`) are
 * computed once per chunk and kept; what is the same for every row (constants, dated
 * values when the chunk has one epoch) is computed once and never spread into a column.
 * Nothing is allocated per row: temporaries live on a scratch stack that each node
 * releases after use, and derived values in an arena that the caller resets per chunk.
 *
 * Where an operator is inherently per row — bands (the first that holds), aggregates over
 * a row's list — it loops per row inside the operator, through the helpers of eval.h that
 * eval.c uses too, so that a batch and a single evaluation cannot disagree.
 */
#ifndef TF_VEC_H
#define TF_VEC_H

#include "base/arena.h"
#include "eval/eval.h"

/* The input columns of a chunk: input i of row j is vals[i * stride + j] (known[...]
 * likewise; lists[...] for list inputs, n == 0 when the row gives none). is_list[i]: 1
 * for a list input, 0 for another, whose lists are then all empty (NULL: not said, any
 * input's may hold a list). */
typedef struct {
    uint32_t stride;
    const rv *vals;
    const uint8_t *known;
    const ev_list *lists;
    const uint8_t *is_list;
} vec_rows;

/* What the column evaluator knows of a rulebook beyond its IR: per node, whether its
 * value depends on the element of an enclosing aggregate or on a scheme's points. Built
 * once per rulebook and run; read-only, shared between threads. */
typedef struct vec_plan vec_plan;

/* The plan of rb, allocated in a (NULL when out of memory). */
vec_plan *vec_plan_new(const ir_rulebook *rb, arena *a);

/* The scratch stack of one thread: temporaries of an evaluation. */
typedef struct {
    unsigned char *buf;
    size_t top, cap;
} vec_stack;

/* A result: a column (v, k) of n values, or one value for every row (uni). */
typedef struct {
    rv *v;
    uint8_t *k;
    rv u;
    uint8_t uk, uni;
} vec_val;

typedef struct vec_ctx vec_ctx;
struct vec_ctx {
    const ir_rulebook *rb;
    const vec_plan *plan;
    const vec_rows *rows;
    const uint32_t *sel;            /* [n] rows of `rows` evaluated, or NULL: rows 0..n-1 */
    uint32_t n;
    const ir_epoch *ep;             /* every row's epoch, or NULL: ep_row[k] */
    const ir_epoch *const *ep_row;  /* [n] */
    int32_t as_of;                  /* every row's evaluation date, unless as_of_row */
    const int32_t *as_of_row;       /* [n], or NULL */
    int has_frame;                  /* as ev_ctx.fr != NULL: aggregates may filter and map */
    const double *const *points;    /* [1 + items] columns once a scheme is scored, or NULL */
    vec_stack *stack;
    arena *keep;                    /* the columns of derived values; reset by the caller */
    vec_val *lets;                  /* [rb->nlets] cache, set up by vec_begin */
    uint8_t *let_done;
    int failed;                     /* sticky: the scratch stack overflowed, or out of memory */
    struct vec_split *splits;       /* [rb->nlets]: the rows each branch of an `if let` takes */
    /* a context inside another: an element context (inside an aggregate), whose "rows"
     * are the list elements, or (subset) the rows of `up` that take one branch of an `if` */
    const vec_ctx *up;
    const uint32_t *up_row;         /* [n] the position of each element's (or row's) row in up */
    int subset;
    const rv *var;                  /* [n] the element's value (`for x in`) */
    const rv *const *elem;          /* [n] the element's fields (`where`) */
};

/* Readies x (whose fields above `stack` are set by the caller) for a chunk: empties the
 * cache of derived values, allocated in x->keep. Returns 0, or -1 when out of memory. */
int vec_begin(vec_ctx *x);

/* Evaluates node over the context's n rows into out[n] and known[n] (1 where known).
 * Returns 0, or -1 when the scratch stack is exhausted (x->failed). */
int vec_eval(vec_ctx *x, uint32_t node, rv *out, uint8_t *known);

/* As vec_eval, without spreading a value common to every row into a column: *res may
 * point into the stack above `mark` (vec_mark) until vec_release. */
int vec_eval_val(vec_ctx *x, uint32_t node, vec_val *res);
size_t vec_mark(const vec_ctx *x);
void vec_release(vec_ctx *x, size_t mark);

/* A scratch stack of cap bytes (its pages are touched only as it grows). */
int vec_stack_init(vec_stack *s, size_t cap);
void vec_stack_free(vec_stack *s);

#endif

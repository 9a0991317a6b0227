/*
 * kinds.h — the rule kinds over a chunk of rows (entry_batch, points_batch,
 * pathway_batch).
 *
 * Each kind's batch function decides every row of a chunk (vec.h's columns) and writes
 * one kind_result per row, without allocating: the expressions go through the column
 * evaluator, the per-row logic around them (which rule is best, how points add up under
 * caps, when a history qualifies) is the very code tf_check, tf_assess and tf_pathway
 * run, factored so that both paths call it. A row the kind cannot decide (a trip without
 * an entry date, an inconsistent history) gets a status and a message naming the field,
 * the message tf_check would give.
 */
#ifndef TF_KINDS_H
#define TF_KINDS_H

#include "eval/case.h"
#include "eval/vec.h"

/* One row's result. Fields not used by a kind are left as kind_result_clear sets them. */
typedef struct {
    int32_t rule;       /* entry: the deciding rule's index in its rulebook, or -1 */
    int32_t date;       /* entry: latest departure; pathway: earliest date; or TF_DATE_DEFAULT */
    int32_t as_of;      /* the date the row was decided as of */
    double total;       /* points: the total; pathway: the days counted by the first presence requirement (NAN: none) */
    int16_t book;       /* entry: the rulebook's index in r->books, or -1 */
    int16_t category;   /* points: the category's index, or -1 */
    int16_t missing;    /* points: an input an unknown factor lacks, or -1; pathway: the binding requirement, or -1 */
    uint8_t status;     /* TF_OK, or the tf_rc of a row that could not be decided (see msg) */
    int8_t outcome;     /* entry: the outcome */
    int8_t passes;      /* points: 1 passes, 0 does not, -1 no pass mark; pathway: 1 eligible, 0 not */
    uint8_t complete;   /* points: every factor known */
} kind_result;

#define KIND_MSG 256

/* What a batch function needs besides the chunk: the thread's scratch. */
typedef struct {
    const tf_rules *r;
    const vec_plan *const *plans; /* [r->nbooks]: the plans of the rulebooks used, or NULL */
    vec_stack *stack;
    arena *keep;                  /* reset by the batch function, per group of rows */
    tf_case *view;                /* a case one row is copied into, for per-row code */
    void *pathway_scratch;        /* pathway_scratch_new() */
} kind_scratch;

/* A chunk of rows to decide: rows 0..n-1 of `rows`, except those with skip[k] set. */
typedef struct {
    const vec_rows *rows;
    uint32_t n;
    const uint8_t *skip;
    tf_date as_of;        /* TF_DATE_DEFAULT: each kind's default (entry date, today) */
    kind_result *res;     /* [n] */
    char (*msg)[KIND_MSG];/* [n]: the message of a row whose status is not TF_OK */
} kind_chunk;

void kind_result_clear(kind_result *res);

/* Copies row k of rows into the case view (every input; lists point into the chunk). */
void kind_row_case(const tf_rules *r, const vec_rows *rows, uint32_t k, tf_case *view);

/* Entry checks of every row (each by the rulebook of its trip.to), as tf_check.
 * Returns TF_OK, or TF_ENOMEM when the scratch is exhausted. */
tf_rc entry_batch(const kind_scratch *s, const kind_chunk *ch);

/* Scores every row under the scheme of rulebook rb (rb->points != NULL), as tf_assess
 * scores (total, category, passes; not the gap search). */
tf_rc points_batch(const kind_scratch *s, const ir_rulebook *rb, const kind_chunk *ch);

/* Evaluates every row's history under the route of rb (rb->pathway != NULL), as
 * tf_pathway. */
tf_rc pathway_batch(const kind_scratch *s, const ir_rulebook *rb, const kind_chunk *ch);

/* Per-thread buffers of pathway_batch (the intervals of one history). */
void *pathway_scratch_new(void);
void pathway_scratch_free(void *p);

/* The label of requirement i of a route, for a reason code. */
const char *pathway_label(const ir_rulebook *rb, int i);

#endif

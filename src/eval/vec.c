/*
 * vec.c — the column evaluator: eval.c's semantics over a chunk of rows.
 *
 * One recursive walk per node, as in eval.c, but each call produces a column: children
 * first, then one tight loop over the rows. The operators' meanings come from eval.h
 * (EV_BINARY, EV_UNARY, ev_band_holds, ev_agg_step), never restated here. Three-valued
 * logic is kept exactly: a "known" byte travels with every value, and and/or/not/if
 * follow eval.c row by row. Evaluating a branch that eval.c would skip is harmless —
 * evaluation has no side effects and no traps (a division by zero is unknown) — so an
 * `if` whose rows take both branches evaluates branches that cost little over every row
 * and blends them (light), reads bands branches by table (ev_if_bands), or else splits
 * the rows: each costly branch over the subset of rows that take it, a branch that costs
 * nothing read in place. A binary operator computes its result on every row and clears
 * it where an operand is unknown (BIN_GUARDED names the few that must not see an unknown
 * operand's value). Per-row operators work from tables where they can: a band by its
 * subject, a map of bands over small whole numbers by the element (agg_direct), bands
 * nested in bands in one pass (bands_nested). A comparison whose tie aggregates of the
 * row's lists break (`X > Y or (X = Y and sum(L1) > sum(L2))`) is read in one pass that
 * computes the aggregates only on the rows the comparison leaves undecided
 * (ev_tiebreak), as eval.c skips them.
 *
 * The loops over the rows read their columns, the row count and any table from locals:
 * the known bytes they store are of a character type, which for the compiler may alias
 * anything, so a field read through a vec_val, a band_set or the context would be read
 * again after every row.
 *
 * Memory: a node allocates its result, marks the scratch stack, evaluates its children
 * above the mark and releases them when it is done, so the stack holds one path of the
 * expression tree at a time. Derived values (`let`) are evaluated once per context and
 * kept in the caller's arena. Aggregates with a filter or a map evaluate them over the
 * list elements of a range of rows as an "element context", whose row-level parts
 * (anything that does not read the element) are evaluated over the rows and gathered.
 */
#include "eval/vec.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/date.h"

enum { F_ELEM = 1, F_POINTS = 2, F_DONE = 4 };

/* The rows of a context split by a derived condition (`if with_spouse then ...`): kept
 * per chunk, since the same condition splits many factors. */
struct vec_split {
    uint32_t *pos[2], *rows[2], m[2];
    uint8_t done;
};

struct vec_plan {
    uint8_t *flags; /* [nnodes] */
    uint8_t *let_flags;
    uint8_t *let_once_d; /* [nlets] 1 where the rulebook reads the let once, converted to a number */
    uint8_t *let_local;  /* [nlets] 1 where every read of the let lies in one branch of one if */
    int any_local;
    uint8_t *guarded;    /* [nnodes] 1 for an if that agg_guarded reads (plan_guarded) */
    uint8_t *tiebreak;   /* [nnodes] 1 for an or that ev_tiebreak reads (plan_tiebreak) */
};

/* ---- the plan --------------------------------------------------------------------------- */

static uint8_t plan_node(const ir_rulebook *rb, vec_plan *p, uint32_t n, int depth);

static uint8_t plan_let(const ir_rulebook *rb, vec_plan *p, uint32_t l, int depth) {
    if (!(p->let_flags[l] & F_DONE)) {
        p->let_flags[l] = F_DONE; /* a cycle (there is none after the checker) ends here */
        p->let_flags[l] = (uint8_t)(F_DONE | (plan_node(rb, p, rb->lets[l].node, depth + 1) & F_POINTS));
    }
    return p->let_flags[l] & F_POINTS;
}

static uint8_t plan_node(const ir_rulebook *rb, vec_plan *p, uint32_t n, int depth) {
    if (n == NODE_NONE || n >= rb->nnodes || depth > 200) return 0;
    if (p->flags[n] & F_DONE) return p->flags[n] & (F_ELEM | F_POINTS);
    const ir_node *nd = &rb->nodes[n];
    uint8_t f = 0;
    switch ((opcode)nd->op) {
    case OP_CONST: case OP_INPUT: case OP_VALUE: case OP_ASOF: case OP_GIVEN: case OP_LIST: break;
    case OP_ELEM: case OP_LOOPVAR: f = F_ELEM; break;
    case OP_POINTS: f = F_POINTS; break;
    case OP_LET: f = plan_let(rb, p, nd->a, depth); break;
    case OP_IN: case OP_YEARS_SINCE: f = plan_node(rb, p, nd->a, depth + 1); break;
    case OP_AGG:
        /* the filter and the map read the aggregate's own elements: the aggregate as a
         * whole is a row-level value */
        f = (plan_node(rb, p, nd->a, depth + 1) | plan_node(rb, p, nd->b, depth + 1) |
             plan_node(rb, p, (uint32_t)nd->k.i, depth + 1)) & F_POINTS;
        break;
    case OP_BANDS:
        f = plan_node(rb, p, nd->a, depth + 1);
        for (uint32_t i = 0; i < nd->c; i++) {
            const ir_band *b = &rb->bands[nd->b + i];
            if (b->op != BAND_ELSE) f |= plan_node(rb, p, b->lo, depth + 1);
            if (b->op == BAND_TO) f |= plan_node(rb, p, b->hi, depth + 1);
            f |= plan_node(rb, p, b->val, depth + 1);
        }
        break;
    case OP_IF: f = plan_node(rb, p, nd->c, depth + 1); /* fall through */
    default:
        f |= plan_node(rb, p, nd->a, depth + 1);
        if (nd->op != OP_NOT && nd->op != OP_NEG_I && nd->op != OP_NEG_D && nd->op != OP_I2D &&
            nd->op != OP_D2I && nd->op != OP_DAYS2MIN)
            f |= plan_node(rb, p, nd->b, depth + 1);
        break;
    }
    p->flags[n] = (uint8_t)(f | F_DONE);
    return f;
}

/* True when node n is an aggregate agg_guarded computes on each row in place: one
 * without filter or map over a list input (OP_LIST), count, or sum, min or max of whole
 * numbers. */
static int row_agg(const ir_rulebook *rb, uint32_t n) {
    const ir_node *nd = &rb->nodes[n];
    if (nd->op != OP_AGG || nd->b != NODE_NONE || (uint32_t)nd->k.i != NODE_NONE) return 0;
    const ir_node *ln = &rb->nodes[nd->a];
    int dbl = TYPE_BASE(nd->type) == TY_NUMBER || TYPE_BASE(nd->type) == TY_MONEY;
    int elem_dbl = TYPE_ELEM(ln->type) == TY_NUMBER || TYPE_ELEM(ln->type) == TY_MONEY;
    if (ln->op != OP_LIST || dbl) return 0;
    return nd->c == FN_COUNT || (!elem_dbl && (nd->c == FN_SUM || nd->c == FN_MIN || nd->c == FN_MAX));
}

/* True when node n is a row_agg over the list input and field of list node `list`. */
static int row_agg_of(const ir_rulebook *rb, uint32_t n, const ir_node *list) {
    const ir_node *ln = &rb->nodes[rb->nodes[n].a];
    return row_agg(rb, n) && ln->a == list->a && ln->b == list->b;
}

/* True when node n is an if that agg_guarded reads: `if A cmp k then B else C` (the CRS's
 * `if count(languages.en.clb) = 4 then min(languages.en.clb) else 0`), A a row_agg of a
 * list, cmp a comparison of whole numbers, k a constant, B and C each a row_agg of the
 * same list or a constant, one of them at least an aggregate. */
static int plan_guarded(const ir_rulebook *rb, uint32_t n) {
    const ir_node *nd = &rb->nodes[n];
    if (nd->op != OP_IF) return 0;
    const ir_node *cn = &rb->nodes[nd->a];
    if (cn->op < OP_EQ_I || cn->op > OP_GE_I) return 0;
    uint32_t a = cn->a, k = cn->b;
    if (!row_agg(rb, a)) a = cn->b, k = cn->a;
    if (!row_agg(rb, a) || rb->nodes[k].op != OP_CONST) return 0;
    const ir_node *list = &rb->nodes[rb->nodes[a].a];
    int aggs = 0;
    for (int b = 0; b < 2; b++) {
        uint32_t br = b ? nd->b : nd->c;
        if (row_agg_of(rb, br, list)) aggs++;
        else if (rb->nodes[br].op != OP_CONST) return 0;
    }
    return aggs > 0;
}

/* True when nodes m and n read the same value: one node, or two reads of one derived
 * value or one input. */
static int same_read(const ir_rulebook *rb, uint32_t m, uint32_t n) {
    const ir_node *a = &rb->nodes[m], *b = &rb->nodes[n];
    return m == n || ((a->op == OP_LET || a->op == OP_INPUT) && a->op == b->op && a->a == b->a);
}

/* True when node n is an or that ev_tiebreak reads: `X cmp Y or (X = Y and S1 cmp2 S2)`
 * (the CRS's `fr_low > en_low or (fr_low = en_low and sum(languages.fr.clb) >
 * sum(languages.en.clb))`), cmp and cmp2 comparisons of whole numbers, X and Y read the
 * same on both sides (either way round in the =), S1 and S2 each a row_agg. */
static int plan_tiebreak(const ir_rulebook *rb, uint32_t n) {
    const ir_node *nd = &rb->nodes[n];
    if (nd->op != OP_OR) return 0;
    const ir_node *c1 = &rb->nodes[nd->a], *an = &rb->nodes[nd->b];
    if (c1->op < OP_EQ_I || c1->op > OP_GE_I || an->op != OP_AND) return 0;
    const ir_node *eq = &rb->nodes[an->a], *c2 = &rb->nodes[an->b];
    if (eq->op != OP_EQ_I || c2->op < OP_EQ_I || c2->op > OP_GE_I) return 0;
    if (!(same_read(rb, eq->a, c1->a) && same_read(rb, eq->b, c1->b)) &&
        !(same_read(rb, eq->a, c1->b) && same_read(rb, eq->b, c1->a)))
        return 0;
    return row_agg(rb, c2->a) && row_agg(rb, c2->b);
}

/* Where the reads of each let lie (plan_reads): in one branch of one if (its node << 1 |
 * branch), nowhere yet, or in more than one place or outside every branch. */
#define READ_NONE UINT32_MAX
#define READ_ANY (UINT32_MAX - 1)

/* Records where node n's reads of lets lie, n being in branch `at` (a READ_ code or an
 * if's node << 1 | branch): an if's branches are in their own. */
static void plan_reads(const ir_rulebook *rb, uint32_t *let_at, uint32_t n, uint32_t at, int depth) {
    if (n == NODE_NONE || n >= rb->nnodes || depth > 200) return;
    const ir_node *nd = &rb->nodes[n];
    if (nd->op == OP_LET) {
        if (nd->a < rb->nlets) let_at[nd->a] = let_at[nd->a] == READ_NONE || let_at[nd->a] == at ? at : READ_ANY;
        return;
    }
    if (nd->op == OP_IF) {
        plan_reads(rb, let_at, nd->a, at, depth + 1);
        plan_reads(rb, let_at, nd->b, n << 1 | 1, depth + 1);
        plan_reads(rb, let_at, nd->c, n << 1, depth + 1);
        return;
    }
    uint32_t kid;
    for (uint32_t i = 0; ir_kid(rb, nd, i, &kid); i++) plan_reads(rb, let_at, kid, at, depth + 1);
}

vec_plan *vec_plan_new(const ir_rulebook *rb, arena *a) {
    vec_plan *p = arena_alloc(a, sizeof *p);
    if (!p) return NULL;
    p->flags = arena_array(a, rb->nnodes + 1, 1);
    p->let_flags = arena_array(a, rb->nlets + 1, 1);
    if (!p->flags || !p->let_flags) return NULL;
    p->guarded = arena_array(a, rb->nnodes + 1, 1);
    p->tiebreak = arena_array(a, rb->nnodes + 1, 1);
    if (!p->guarded || !p->tiebreak) return NULL;
    for (uint32_t n = 0; n < rb->nnodes; n++) plan_node(rb, p, n, 0);
    for (uint32_t n = 0; n < rb->nnodes; n++) {
        p->guarded[n] = (uint8_t)plan_guarded(rb, n);
        p->tiebreak[n] = (uint8_t)plan_tiebreak(rb, n);
    }
    for (uint32_t l = 0; l < rb->nlets; l++) plan_let(rb, p, l, 0);
    /* each let's reads (its OP_LET nodes) and those that convert it (an OP_I2D's operand):
     * one read, converted, gives let_once_d (core_max, second_language_max) */
    uint32_t *reads = arena_array(a, rb->nlets + 1, sizeof(uint32_t));
    p->let_once_d = arena_array(a, rb->nlets + 1, 1);
    if (!reads || !p->let_once_d) return NULL;
    for (uint32_t n = 0; n < rb->nnodes; n++)
        if (rb->nodes[n].op == OP_LET && rb->nodes[n].a < rb->nlets) reads[rb->nodes[n].a]++;
    for (uint32_t n = 0; n < rb->nnodes; n++) {
        const ir_node *nd = &rb->nodes[n];
        if (nd->op == OP_I2D && nd->a < rb->nnodes && rb->nodes[nd->a].op == OP_LET) {
            uint32_t l = rb->nodes[nd->a].a;
            if (l < rb->nlets && reads[l] == 1) p->let_once_d[l] = 1;
        }
    }
    /* lets read in one branch of one if only (the CRS's spouse_clb and the spouse's
     * languages under `if with_spouse`): a subset taking that branch evaluates them over
     * its own rows (let_local). Every root is read outside any branch; a let's body where
     * the let is read, until nothing changes. */
    uint32_t *let_at = arena_array(a, rb->nlets + 1, sizeof(uint32_t));
    p->let_local = arena_array(a, rb->nlets + 1, 1);
    if (!let_at || !p->let_local) return NULL;
    for (uint32_t l = 0; l < rb->nlets; l++) let_at[l] = READ_NONE;
    const ir_points *pt = rb->points;
    for (uint32_t i = 0; pt && i < pt->nitems; i++) {
        plan_reads(rb, let_at, pt->items[i].node, READ_ANY, 0);
        plan_reads(rb, let_at, pt->items[i].max, READ_ANY, 0);
    }
    for (uint32_t i = 0; pt && i < pt->ncategories; i++) plan_reads(rb, let_at, pt->categories[i].node, READ_ANY, 0);
    for (uint32_t i = 0; pt && i < pt->nrequires; i++) plan_reads(rb, let_at, pt->requires[i].node, READ_ANY, 0);
    if (pt) plan_reads(rb, let_at, pt->pass, READ_ANY, 0);
    for (uint32_t l = 0; !pt && l < rb->nlets; l++) let_at[l] = READ_ANY; /* (only schemes are read so) */
    for (uint32_t pass = 0; pass <= rb->nlets; pass++) {
        uint32_t before = 0, after = 0;
        for (uint32_t l = 0; l < rb->nlets; l++) before += let_at[l] == READ_ANY;
        for (uint32_t l = 0; l < rb->nlets; l++)
            plan_reads(rb, let_at, rb->lets[l].node, let_at[l] == READ_NONE ? READ_ANY : let_at[l], 0);
        for (uint32_t l = 0; l < rb->nlets; l++) after += let_at[l] == READ_ANY;
        if (before == after && pass > 0) break;
    }
    for (uint32_t l = 0; l < rb->nlets; l++) {
        p->let_local[l] = let_at[l] != READ_ANY && let_at[l] != READ_NONE && !(p->let_flags[l] & F_POINTS);
        p->any_local |= p->let_local[l];
    }
    return p;
}

/* ---- memory ------------------------------------------------------------------------------ */

int vec_stack_init(vec_stack *s, size_t cap) {
    s->buf = malloc(cap);
    s->top = 0;
    s->cap = s->buf ? cap : 0;
    return s->buf ? 0 : -1;
}

void vec_stack_free(vec_stack *s) {
    free(s->buf);
    s->buf = NULL;
    s->cap = s->top = 0;
}

size_t vec_mark(const vec_ctx *x) { return x->stack->top; }
void vec_release(vec_ctx *x, size_t mark) { x->stack->top = mark; }

static void *push(vec_ctx *x, size_t bytes) {
    vec_stack *s = x->stack;
    size_t at = (s->top + 15) & ~(size_t)15;
    if (x->failed || at + bytes > s->cap) {
        x->failed = 1;
        return NULL;
    }
    s->top = at + bytes;
    return s->buf + at;
}

/* Gives r a column of x->n values (not uniform). */
static int column(vec_ctx *x, vec_val *r) {
    r->uni = 0;
    r->v = push(x, (size_t)x->n * sizeof(rv) + 1);
    r->k = push(x, (size_t)x->n + 1);
    return r->v && r->k ? 0 : -1;
}

static void uniform(vec_val *r, rv u, int known) {
    r->uni = 1;
    r->u = u;
    r->uk = (uint8_t)known;
    r->v = NULL;
    r->k = NULL;
}

int vec_begin(vec_ctx *x) {
    x->failed = 0;
    uint32_t nl = x->rb->nlets ? x->rb->nlets : 1;
    x->lets = arena_array(x->keep, nl, sizeof(vec_val));
    x->let_done = arena_array(x->keep, nl, 1);
    x->splits = arena_array(x->keep, nl, sizeof(struct vec_split));
    return x->lets && x->let_done && x->splits ? 0 : -1;
}

/* ---- evaluation ------------------------------------------------------------------------- */

static int ev(vec_ctx *x, uint32_t n, vec_val *r);
static int ev_as(vec_ctx *x, uint32_t n, vec_val *r, int dbl);

/* OP_I2D of EV_UNARY applied to a (known: k): the whole number as a double, or 0 where
 * unknown. The fused paths (ev_as) convert a table's entries with it instead of a
 * result's every row. */
static inline rv i2d(rv a, uint8_t k) {
    rv o = {0};
#define VEC_I2D(op_, result) \
    if (op_ == OP_I2D && k) result;
    EV_UNARY(VEC_I2D)
#undef VEC_I2D
    return o;
}

/* With dbl, converts the n entries of a table of values (tv, known tk) by i2d. */
static void conv_table(rv *tv, const uint8_t *tk, uint32_t n, int dbl) {
    for (uint32_t i = 0; dbl && i < n; i++) tv[i] = i2d(tv[i], tk[i]);
}

/* The row of `rows` at position k of a root context. */
static inline uint32_t row_at(const vec_ctx *x, uint32_t k) { return x->sel ? x->sel[k] : k; }
/* The epoch and the date of position k (an element's or a subset's are its row's). */
static const ir_epoch *epoch_at(const vec_ctx *x, uint32_t k) {
    while (!x->ep && x->up) k = x->up_row[k], x = x->up;
    return x->ep ? x->ep : x->ep_row[k];
}
static int32_t as_of_at(const vec_ctx *x, uint32_t k) {
    while (x->up && x->as_of_row) k = x->up_row[k], x = x->up;
    return x->as_of_row ? x->as_of_row[k] : x->as_of;
}

/* A row-level node inside an element context (a derived value or the points inside a
 * subset): evaluated over the rows of the enclosing context, then each element (row)
 * takes its row's value. */
static int from_rows(vec_ctx *x, uint32_t n, vec_val *r) {
    if (column(x, r)) return -1;
    size_t mark = vec_mark(x);
    vec_val p;
    if (ev((vec_ctx *)x->up, n, &p)) return -1;
    if (p.uni) {
        vec_release(x, mark);
        uniform(r, p.u, p.uk);
        return 0;
    }
    const uint32_t *up = x->up_row;
    const rv *pv = p.v;
    const uint8_t *pk = p.k;
    rv *ov = r->v;
    uint8_t *ok = r->k;
    for (uint32_t e = 0, ne = x->n; e < ne; e++) ov[e] = pv[up[e]], ok[e] = pk[up[e]];
    vec_release(x, mark);
    return 0;
}

static int ev_input(vec_ctx *x, const ir_node *nd, vec_val *r) {
    const vec_rows *rows = x->rows;
    if (!rows || !rows->vals) {
        uniform(r, (rv){0}, 0);
        return 0;
    }
    const rv *v = rows->vals + (size_t)nd->a * rows->stride;
    const uint8_t *k = rows->known + (size_t)nd->a * rows->stride;
    if (!x->sel) { /* the input's own column: no copy */
        r->uni = 0;
        r->v = (rv *)v;
        r->k = (uint8_t *)k;
        return 0;
    }
    if (column(x, r)) return -1;
    const uint32_t *sel = x->sel;
    rv *ov = r->v;
    uint8_t *ok = r->k;
    for (uint32_t i = 0, nr = x->n; i < nr; i++) ov[i] = v[sel[i]], ok[i] = k[sel[i]];
    return 0;
}

static int ev_given(vec_ctx *x, const ir_node *nd, vec_val *r) {
    const vec_rows *rows = x->rows;
    if (!rows || !rows->known) {
        uniform(r, (rv){.i = 0}, 1);
        return 0;
    }
    if (column(x, r)) return -1;
    const uint8_t *k = rows->known + (size_t)nd->a * rows->stride;
    const ev_list *l = rows->lists && (!rows->is_list || rows->is_list[nd->a]) ? rows->lists + (size_t)nd->a * rows->stride
                                                                              : NULL;
    memset(r->k, 1, x->n);
    rv *ov = r->v;
    if (!x->sel && !l) { /* a scalar input's own column: its given bytes, widened */
        for (uint32_t i = 0, nr = x->n; i < nr; i++) ov[i].i = k[i] != 0;
        return 0;
    }
    if (!x->sel && l) { /* the input's own columns, without a branch a row */
        for (uint32_t i = 0, nr = x->n; i < nr; i++) ov[i].i = (k[i] != 0) | (l[i].n != 0);
        return 0;
    }
    for (uint32_t i = 0, nr = x->n; i < nr; i++) {
        uint32_t j = row_at(x, i);
        r->v[i].i = k[j] || (l && l[j].n);
    }
    return 0;
}

static int ev_unary(vec_ctx *x, const ir_node *nd, vec_val *r) {
    vec_val A;
    int un = 0;
    if (ev(x, nd->a, &A)) return -1;
    if (A.uni) un = 1;
    rv *out;
    uint8_t *ko;
    if (un) {
        r->uni = 1;
        out = &r->u;
        ko = &r->uk;
    } else {
        /* the result may be written over a temporary operand, never over a kept column */
        if (column(x, r)) return -1;
        out = r->v;
        ko = r->k;
    }
    uint32_t n = un ? 1 : x->n;
    const rv *pa = A.uni ? &A.u : A.v;
    const uint8_t *ka = A.uni ? &A.uk : A.k;
    switch ((opcode)nd->op) {
#define VEC_UN(op_, result)                 \
    case op_:                               \
        for (uint32_t i = 0; i < n; i++) {  \
            rv a = pa[i], o = {0};          \
            if (ka[i]) result;              \
            out[i] = o;                     \
            ko[i] = ka[i];                  \
        }                                   \
        break;
        EV_UNARY(VEC_UN)
#undef VEC_UN
    default: break;
    }
    return 0;
}

/* True for the binary operators whose result must not be computed from an unknown
 * operand's value (a string's pointer, a date that may overflow): the others are
 * computed for every row and then cleared where unknown, without a branch. */
#define BIN_GUARDED(op) ((op) == OP_EQ_S || (op) == OP_NE_S || (op) == OP_DATE_ADD || (op) == OP_DATE_SUB)

/* Binary operator op over n rows of A (pa, ka: a column when sa is 1, one value when 0)
 * and B (pb, kb, sb) into out and ko: EV_BINARY's result where both are known and it
 * is defined, else 0 and unknown. sa and sb are constants where ev_binary calls it, so
 * that each case compiles to a loop of its own. */
static inline __attribute__((always_inline)) void bin_rows(int op, uint32_t n, const rv *restrict pa,
                                                           const uint8_t *restrict ka, size_t sa,
                                                           const rv *restrict pb, const uint8_t *restrict kb,
                                                           size_t sb, rv *restrict out, uint8_t *restrict ko) {
    switch ((opcode)op) {
#define VEC_BIN(op_, result, defined)                                  \
    case op_:                                                          \
        for (uint32_t i = 0; i < n; i++) {                             \
            rv a = pa[i * sa], b = pb[i * sb], o = {0};                \
            uint8_t k = ka[i * sa] & kb[i * sb];                       \
            if (BIN_GUARDED(op_)) {                                    \
                if (k && (defined)) result;                            \
                else k = 0;                                            \
            } else {                                                   \
                if (defined) result;                                   \
                else k = 0;                                            \
                o.i &= 0 - (int64_t)(k != 0);                          \
            }                                                          \
            out[i] = o;                                                \
            ko[i] = k;                                                 \
        }                                                              \
        break;
        EV_BINARY(VEC_BIN)
#undef VEC_BIN
    default:
        for (uint32_t i = 0; i < n; i++) out[i] = (rv){0}, ko[i] = 0;
        break;
    }
}

static int ev_binary(vec_ctx *x, const ir_node *nd, vec_val *r) {
    if (column(x, r)) return -1;
    size_t mark = vec_mark(x);
    vec_val A, B;
    if (ev(x, nd->a, &A) || ev(x, nd->b, &B)) return -1;
    const rv *pa = A.uni ? &A.u : A.v, *pb = B.uni ? &B.u : B.v;
    const uint8_t *ka = A.uni ? &A.uk : A.k, *kb = B.uni ? &B.uk : B.k;
    if (A.uni && B.uni) {
        rv o;
        uint8_t ko;
        bin_rows(nd->op, 1, pa, ka, 0, pb, kb, 0, &o, &ko);
        uniform(r, o, ko);
    } else if (A.uni) {
        bin_rows(nd->op, x->n, pa, ka, 0, pb, kb, 1, r->v, r->k);
    } else if (B.uni) {
        bin_rows(nd->op, x->n, pa, ka, 1, pb, kb, 0, r->v, r->k);
    } else {
        bin_rows(nd->op, x->n, pa, ka, 1, pb, kb, 1, r->v, r->k);
    }
    vec_release(x, mark);
    return 0;
}

/* One row of and / or (is_and) as eval.c: a known false (true) operand decides alone,
 * else the result is known where both operands are. The result's value into *out;
 * returns 1 when known. Without a branch. */
static inline __attribute__((always_inline)) uint8_t logic_one(int is_and, uint8_t a_known, int64_t av,
                                                               uint8_t b_known, int64_t bv, int64_t *out) {
    int ak = a_known != 0, bk = b_known != 0;
    int a = ak & (av != 0), b = bk & (bv != 0);
    int decided = is_and ? (ak & !a) | (bk & !b) : a | b; /* known false (and), true (or) */
    *out = is_and ? !decided : decided;
    return (uint8_t)(decided | (ak & bk));
}

/* and / or over n rows of A (pa, ka, stride sa: 1 a column, 0 one value) and B, by
 * logic_one; is_and, sa and sb are constants where ev_logic calls it. */
static inline __attribute__((always_inline)) void logic_rows(int is_and, uint32_t n, const rv *restrict pa,
                                                             const uint8_t *restrict ka, size_t sa,
                                                             const rv *restrict pb, const uint8_t *restrict kb,
                                                             size_t sb, rv *restrict out, uint8_t *restrict ko) {
    for (uint32_t i = 0; i < n; i++) ko[i] = logic_one(is_and, ka[i * sa], pa[i * sa].i, kb[i * sb], pb[i * sb].i, &out[i].i);
}

static int ev_logic(vec_ctx *x, const ir_node *nd, vec_val *r) {
    int is_and = nd->op == OP_AND;
    if (column(x, r)) return -1;
    size_t mark = vec_mark(x);
    vec_val A, B;
    if (ev(x, nd->a, &A)) return -1;
    if (A.uni && A.uk && (is_and ? !A.u.i : A.u.i)) { /* decided for every row */
        vec_release(x, mark);
        uniform(r, (rv){.i = !is_and}, 1);
        return 0;
    }
    if (ev(x, nd->b, &B)) return -1;
    const rv *pa = A.uni ? &A.u : A.v, *pb = B.uni ? &B.u : B.v;
    const uint8_t *ka = A.uni ? &A.uk : A.k, *kb = B.uni ? &B.uk : B.k;
    uint32_t n = x->n;
    if (is_and) {
        if (!A.uni && !B.uni) logic_rows(1, n, pa, ka, 1, pb, kb, 1, r->v, r->k);
        else logic_rows(1, n, pa, ka, !A.uni, pb, kb, !B.uni, r->v, r->k);
    } else {
        if (!A.uni && !B.uni) logic_rows(0, n, pa, ka, 1, pb, kb, 1, r->v, r->k);
        else logic_rows(0, n, pa, ka, !A.uni, pb, kb, !B.uni, r->v, r->k);
    }
    vec_release(x, mark);
    return 0;
}

/* Whether x is an element context (its rows are the elements of a list, inside an
 * aggregate), where the fused paths that read a row's lists in place do not apply. */
static inline int element_context(const vec_ctx *x) { return x->up && !x->subset; }

/* True when node n is had over every row of x at no cost: a constant, a list name, a
 * dated value with one epoch, an input read in place, a derived value kept once for
 * all rows. */
static int cheap(const vec_ctx *x, uint32_t n) {
    const ir_node *nd = &x->rb->nodes[n];
    switch ((opcode)nd->op) {
    case OP_CONST: case OP_LIST: return 1;
    case OP_VALUE: return x->ep != NULL;
    case OP_INPUT: return !x->sel;
    case OP_LET: return x->lets && !(x->plan->let_flags[nd->a] & F_POINTS) && x->let_done[nd->a];
    default: return 0;
    }
}

static int ev_if_bands(vec_ctx *x, const ir_node *nd, const vec_val *C, vec_val *r, int dbl);
static int agg_guarded(vec_ctx *x, const ir_node *nd, vec_val *r, int dbl);

/* True when node n costs little more over every row of x than over some: what is cheap,
 * or an aggregate without filter or map over a list input (read in place, agg_plain). An
 * if whose branches are light is evaluated over every row and blended, rather than split
 * (`if count(languages.en.clb) = 4 then min(languages.en.clb) else 0`). */
static int light(const vec_ctx *x, uint32_t n) {
    const ir_node *nd = &x->rb->nodes[n];
    if (cheap(x, n)) return 1;
    return nd->op == OP_AGG && nd->b == NODE_NONE && (uint32_t)nd->k.i == NODE_NONE && !x->sel &&
           x->rb->nodes[nd->a].op == OP_LIST;
}

/* Each of the n rows of an if from the branch it takes, by its condition (cv, ck): E
 * (false) or B (true), each a column or one value (NULL: a branch no row reads), or none
 * where the condition is unknown; into ov and ok, without a branch. */
static void blend(uint32_t n, const uint8_t *ck, const rv *cv, const vec_val *E, const vec_val *B, rv *ov,
                  uint8_t *ok) {
    static const rv none = {0};
    static const uint8_t none_k = 0;
    const rv *sv[3] = {&none, !E ? &none : E->uni ? &E->u : E->v, !B ? &none : B->uni ? &B->u : B->v};
    const uint8_t *sk[3] = {&none_k, !E ? &none_k : E->uni ? &E->uk : E->k, !B ? &none_k : B->uni ? &B->uk : B->k};
    size_t sm[3] = {0, !E || E->uni ? 0 : SIZE_MAX, !B || B->uni ? 0 : SIZE_MAX};
    for (uint32_t i = 0; i < n; i++) {
        uint32_t at = (uint32_t)(ck[i] != 0) << (cv[i].i != 0);
        size_t j = i & sm[at];
        ov[i] = sv[at][j], ok[i] = sk[at][j];
    }
}

/* `if` node nd (its index n, or NODE_NONE for a node made here), into r; with dbl, its
 * value converted as OP_I2D would (ev_as). */
static int ev_if(vec_ctx *x, const ir_node *nd, uint32_t n, vec_val *r, int dbl) {
    ir_node swapped;
    if (x->rb->nodes[nd->a].op == OP_NOT) {
        /* `if not c then a else b` is `if c then b else a` (unknown where c is): without
         * the pass of the not */
        swapped = *nd;
        swapped.a = x->rb->nodes[nd->a].a, swapped.b = nd->c, swapped.c = nd->b;
        return ev_if(x, &swapped, NODE_NONE, r, dbl);
    }
    if (n != NODE_NONE && x->plan->guarded[n] && !element_context(x))
        return agg_guarded(x, nd, r, dbl);
    size_t mark0 = vec_mark(x);
    vec_val C;
    if (ev(x, nd->a, &C)) return -1;
    if (C.uni) {
        if (!C.uk) {
            vec_release(x, mark0);
            uniform(r, (rv){0}, 0);
            return 0;
        }
        /* one branch for every row: its result is ours (it may lie above mark0, which
         * the caller releases only after reading it) */
        return ev_as(x, C.u.i ? nd->b : nd->c, r, dbl);
    }
    /* the columns in locals: the compiler reads a field again after each store of a byte */
    const uint8_t *ck = C.k;
    const rv *cv = C.v;
    int any_t = 0, any_f = 0, any_u = 0; /* (usually both within the first rows) */
    for (uint32_t i = 0, nr = x->n; i < nr && !(any_t && any_f); i++) {
        any_t |= ck[i] && cv[i].i;
        any_f |= ck[i] && !cv[i].i;
        any_u |= !ck[i];
    }
    if (!any_u && any_t != any_f) /* every row known and taking one branch: as above */
        return ev_as(x, any_t ? nd->b : nd->c, r, dbl);
    vec_val res;
    if (column(x, &res)) return -1;
    rv *ov = res.v;
    uint8_t *ok = res.k;
    size_t mark = vec_mark(x);
    if (any_t && any_f) {
        int done = ev_if_bands(x, nd, &C, &res, dbl);
        if (done < 0) return -1;
        if (done) {
            vec_release(x, mark);
            *r = res;
            return 0;
        }
    }
    if (any_t && any_f && x->n >= 32 && x->rows && !(light(x, nd->b) && light(x, nd->c))) {
        /* (not inside an element context, and not for branches that cost little over
         * every row: light) */
        /* each branch over the rows that take it only: a subset context per branch, whose
         * derived values come from this context's (kept once for all rows) */
        const ir_node *cn = &x->rb->nodes[nd->a];
        struct vec_split one = {0}, *sp = &one;
        if (x->splits && cn->op == OP_LET && !x->up && !(x->plan->let_flags[cn->a] & F_POINTS))
            sp = &x->splits[cn->a]; /* kept for the chunk */
        /* a branch that costs nothing over every row (cheap) is read in place, in the pass
         * that marks the rows where C is unknown (blend); the others (sub) each over the
         * subset of its rows, whose lists a split kept for the chunk holds for both */
        int sub_b[2] = {!cheap(x, nd->c), !cheap(x, nd->b)};
        vec_val W[2] = {{0}, {0}};
        for (int b = 0; b < 2; b++)
            if (!sub_b[b] && ev_as(x, b ? nd->b : nd->c, &W[b], dbl)) return -1;
        if (!sp->done) {
            arena *mem = sp == &one ? NULL : x->keep;
            const uint32_t *sel = x->rows ? x->sel : NULL;
            for (int b = 0; b < 2; b++) {
                size_t bytes = (size_t)x->n * sizeof(uint32_t) + 4;
                sp->m[b] = 0;
                sp->pos[b] = sp->rows[b] = NULL;
                if (sp == &one && !sub_b[b]) continue;
                sp->pos[b] = mem ? arena_array_raw(mem, bytes, 1) : push(x, bytes); /* written before read */
                /* the rows of `rows` are the positions unless x reads a selection of them */
                sp->rows[b] = !sel ? sp->pos[b] : mem ? arena_array_raw(mem, bytes, 1) : push(x, bytes);
                if (!sp->pos[b] || !sp->rows[b]) return x->failed = 1, -1;
            }
            /* without a branch on the condition (it is data): each row is written at the
             * end of the lists, and the list it belongs to grows */
            uint32_t *p0 = sp->pos[0], *p1 = sp->pos[1], *r0 = sp->rows[0], *r1 = sp->rows[1], m0 = 0, m1 = 0;
            if (p0 && p1 && sel) {
                for (uint32_t i = 0, nr = x->n; i < nr; i++) {
                    uint32_t j = sel[i], k = ck[i] != 0, b = cv[i].i != 0;
                    p0[m0] = p1[m1] = i;
                    r0[m0] = r1[m1] = j;
                    m0 += k & !b;
                    m1 += k & b;
                }
            } else if (p0 && p1) {
                for (uint32_t i = 0, nr = x->n; i < nr; i++) {
                    uint32_t k = ck[i] != 0, b = cv[i].i != 0;
                    p0[m0] = p1[m1] = i;
                    m0 += k & !b;
                    m1 += k & b;
                }
            } else { /* one branch's list: b (its rows, r1, when sel) */
                int64_t want = p1 != NULL;
                uint32_t *p = want ? p1 : p0, *rr = want ? r1 : r0;
                for (uint32_t i = 0, nr = x->n; i < nr; i++) {
                    p[m0] = i;
                    if (sel) rr[m0] = sel[i];
                    m0 += (ck[i] != 0) & ((cv[i].i != 0) == want);
                }
                m1 = want ? m0 : 0, m0 = want ? 0 : m0;
            }
            sp->m[0] = m0;
            sp->m[1] = m1;
            sp->done = sp != &one;
        }
        if (sub_b[0] && sub_b[1]) { /* the rows where C is unknown only */
            for (uint32_t i = 0, nr = x->n; i < nr; i++)
                if (!ck[i]) ov[i] = (rv){0}, ok[i] = 0;
        } else {
            blend(x->n, ck, cv, sub_b[0] ? NULL : &W[0], sub_b[1] ? NULL : &W[1], ov, ok);
        }
        for (int branch = 1; branch >= 0; branch--) {
            if (!sub_b[branch]) continue;
            uint32_t m = sp->m[branch], *pos = sp->pos[branch], *rows = sp->rows[branch];
            vec_ctx sub = *x;
            sub.n = m;
            sub.sel = x->rows ? rows : NULL;
            sub.up = x;
            sub.up_row = pos;
            sub.subset = 1;
            sub.var = NULL;
            sub.elem = NULL;
            sub.lets = NULL;
            sub.let_done = NULL;
            sub.splits = NULL;
            if (x->plan->any_local) { /* a cache of its own for the lets it reads alone */
                uint32_t nl = x->rb->nlets ? x->rb->nlets : 1;
                sub.lets = arena_array(x->keep, nl, sizeof(vec_val));
                sub.let_done = arena_array(x->keep, nl, 1);
                if (!sub.lets || !sub.let_done) return x->failed = 1, -1;
            }
            if (!x->ep) sub.ep_row = NULL;
            size_t m2 = vec_mark(x);
            vec_val V;
            if (ev_as(&sub, branch ? nd->b : nd->c, &V, dbl)) return x->failed = 1, -1;
            if (V.uni) {
                rv u = V.u; /* in locals, as the columns */
                uint8_t uk = V.uk;
                for (uint32_t k = 0; k < m; k++) ov[pos[k]] = u, ok[pos[k]] = uk;
            } else {
                const rv *vv = V.v;
                const uint8_t *vk = V.k;
                for (uint32_t k = 0; k < m; k++) ov[pos[k]] = vv[k], ok[pos[k]] = vk[k];
            }
            vec_release(x, m2);
        }
        vec_release(x, mark);
        *r = res;
        return 0;
    }
    vec_val B = {0}, E = {0};
    if (any_t && ev(x, nd->b, &B)) return -1;
    if (any_f && ev(x, nd->c, &E)) return -1;
    if ((!any_t || B.uni) && (!any_f || E.uni)) { /* two values (`if with_spouse then 460 else 500`): by table */
        rv tv[3] = {{0}, E.u, B.u};
        uint8_t tk[3] = {0, any_f && E.uk, any_t && B.uk};
        conv_table(tv, tk, 3, dbl);
        for (uint32_t i = 0, nr = x->n; i < nr; i++) {
            uint32_t at = ck[i] ? 1 + (cv[i].i != 0) : 0;
            ov[i] = tv[at], ok[i] = tk[at];
        }
        vec_release(x, mark);
        *r = res;
        return 0;
    }
    blend(x->n, ck, cv, any_f ? &E : NULL, any_t ? &B : NULL, ov, ok);
    for (uint32_t i = 0, nr = dbl ? x->n : 0; i < nr; i++) ov[i] = i2d(ov[i], ok[i]);
    vec_release(x, mark);
    *r = res;
    return 0;
}

static int ev_let(vec_ctx *x, const ir_node *nd, vec_val *r) {
    uint32_t l = nd->a;
    if (x->plan->let_flags[l] & F_POINTS || !x->lets) /* depends on the points: never kept */
        return ev(x, x->rb->lets[l].node, r);
    if (x->let_done[l]) {
        *r = x->lets[l];
        return 0;
    }
    size_t mark = vec_mark(x);
    vec_val v;
    if (ev(x, x->rb->lets[l].node, &v)) return -1;
    if (!v.uni) {
        rv *cv = arena_dup(x->keep, v.v, (size_t)x->n * sizeof(rv));
        uint8_t *ck = arena_dup(x->keep, v.k, x->n);
        if (!cv || !ck) {
            x->failed = 1;
            return -1;
        }
        v.v = cv;
        v.k = ck;
    }
    vec_release(x, mark);
    x->lets[l] = v;
    x->let_done[l] = 1;
    *r = v;
    return 0;
}

/* The band a subject value picked, in a band_set's table of recent subjects. */
#define BAND_MEMO_BITS 7
#define BAND_MEMO (1 << BAND_MEMO_BITS)
struct band_memo {
    uint64_t bits; /* the subject as a double's bits */
    int16_t pick;  /* its band, or -1 */
    uint8_t set;
};

#define BAND_SMALL 64
#define BAND_UNSET INT16_MIN

/* The bounds of a bands node evaluated over a context, and the picks made so far: per
 * band its bound values L and H; when every bound is the same known value for every row
 * (flat), each band as a closed interval [lo_d, hi_d] of doubles, and the band of each
 * subject already met (subjects repeat from row to row: an age, a level, years of work),
 * by value below BAND_SMALL, else in a small table keyed by the subject's bits. */
typedef struct {
    const ir_node *nd;
    uint32_t nb;
    int dbl, flat;
    vec_val *L, *H;
    double *lo_d, *hi_d;
    uint8_t *used; /* [nb] 1 where some row picked the band */
    int16_t *fast; /* small when flat and of whole numbers, else NULL: band_find's first look */
    int16_t small[BAND_SMALL];
    struct band_memo memo[BAND_MEMO];
} band_set;

/* The first of the nb flat bands [lo_d, hi_d] that holds sv, or -1; marks it used (every
 * pick of a flat band_set is made here, once per distinct subject of a chunk). */
static inline int16_t band_pick(const double *lo_d, const double *hi_d, uint32_t nb, double sv, uint8_t *used) {
    uint32_t bi = 0;
    while (bi < nb && !(sv >= lo_d[bi] && sv <= hi_d[bi])) bi++;
    if (bi == nb) return -1;
    used[bi] = 1;
    return (int16_t)bi;
}

/* Evaluates the bounds of bands node nd over x into a band_set, pushed on the scratch
 * stack (the caller releases it with the bounds). Returns it, or NULL on failure. */
static band_set *band_setup(vec_ctx *x, const ir_node *nd) {
    const ir_rulebook *rb = x->rb;
    uint32_t nb = nd->c;
    band_set *bs = push(x, sizeof *bs);
    if (!bs) return NULL;
    bs->nd = nd;
    bs->nb = nb;
    bs->dbl = nd->pad;
    bs->L = push(x, (nb + 1) * sizeof(vec_val)), bs->H = push(x, (nb + 1) * sizeof(vec_val));
    bs->lo_d = push(x, (nb + 1) * sizeof(double)), bs->hi_d = push(x, (nb + 1) * sizeof(double));
    bs->used = push(x, nb + 1);
    if (!bs->L || !bs->H || !bs->lo_d || !bs->hi_d || !bs->used) return NULL;
    int dbl = bs->dbl, flat = 1;
    for (uint32_t bi = 0; bi < nb; bi++) {
        const ir_band *b = &rb->bands[nd->b + bi];
        vec_val *L = &bs->L[bi], *H = &bs->H[bi];
        bs->used[bi] = 0;
        *L = *H = (vec_val){.uni = 1, .uk = 1};
        if (b->op != BAND_ELSE && ev(x, b->lo, L)) return NULL;
        if (b->op == BAND_TO && ev(x, b->hi, H)) return NULL;
        flat &= L->uni && L->uk && H->uni && H->uk;
        bs->lo_d[bi] = dbl ? L->u.d : (double)L->u.i;
        bs->hi_d[bi] = dbl ? H->u.d : (double)H->u.i;
    }
    bs->flat = flat;
    bs->fast = flat && !dbl ? bs->small : NULL;
    if (!flat) return bs;
    /* every band as a closed interval [lo_d, hi_d] of doubles: `< n` is up to the double
     * before n, `> n` from the one after, else everything; the first interval that holds
     * the subject wins, as ev_band_holds decides (a NaN subject, which no interval holds,
     * takes band_scan) */
    for (uint32_t bi = 0; bi < nb; bi++) {
        const ir_band *b = &rb->bands[nd->b + bi];
        double lo = bs->lo_d[bi], *lo_d = &bs->lo_d[bi], *hi_d = &bs->hi_d[bi];
        switch (b->op) {
        case BAND_LT: *lo_d = -INFINITY, *hi_d = nextafter(lo, -INFINITY); break;
        case BAND_LE: *lo_d = -INFINITY, *hi_d = lo; break;
        case BAND_GT: *lo_d = nextafter(lo, INFINITY), *hi_d = INFINITY; break;
        case BAND_GE: *hi_d = INFINITY; break;
        case BAND_EQ: *hi_d = lo; break;
        case BAND_ELSE: *lo_d = -INFINITY, *hi_d = INFINITY; break;
        default: break;
        }
    }
    memset(bs->memo, 0, sizeof bs->memo);
    for (uint32_t v = 0; v < BAND_SMALL; v++) bs->small[v] = BAND_UNSET;
    return bs;
}

/* The first band of bs that holds the known subject s of row i, band by band as
 * ev_band_holds decides (bounds that vary by row, a NaN subject); -1 when none does or,
 * as in eval.c, when a bound before it is unknown. Marks the band used. */
static __attribute__((noinline)) int16_t band_scan(band_set *bs, const ir_rulebook *rb, uint32_t i, rv s) {
    int dbl = bs->dbl;
    double sv = dbl ? s.d : (double)s.i;
    for (uint32_t bi = 0; bi < bs->nb; bi++) {
        const ir_band *b = &rb->bands[bs->nd->b + bi];
        const vec_val *l = &bs->L[bi], *h = &bs->H[bi];
        if (b->op != BAND_ELSE && (!(l->uni ? l->uk : l->k[i]) || (b->op == BAND_TO && !(h->uni ? h->uk : h->k[i]))))
            break;
        rv lv = l->uni ? l->u : l->v[i], hv = h->uni ? h->u : h->v[i];
        if (ev_band_holds(b->op, sv, dbl ? lv.d : (double)lv.i, dbl ? hv.d : (double)hv.i)) {
            bs->used[bi] = 1;
            return (int16_t)bi;
        }
    }
    return -1;
}

/* The band of row i's known subject s: by the tables of a flat band_set, else by
 * band_scan; -1 when none holds. fast is bs->fast, read by the caller before its loop
 * (the loop's stores of known bytes would have the compiler read it again every row). */
static inline __attribute__((always_inline)) int16_t band_find(band_set *bs, int16_t *fast, const ir_rulebook *rb,
                                                               uint32_t i, rv s) {
    if (fast && (uint64_t)s.i < BAND_SMALL) {
        int16_t p = fast[s.i];
        if (p == BAND_UNSET) p = fast[s.i] = band_pick(bs->lo_d, bs->hi_d, bs->nb, (double)s.i, bs->used);
        return p;
    }
    if (bs->flat) {
        double sv = bs->dbl ? s.d : (double)s.i;
        if (sv == sv) {
            uint64_t bits;
            memcpy(&bits, &sv, sizeof bits);
            struct band_memo *m = &bs->memo[(bits * 0x9E3779B97F4A7C15ull) >> (64 - BAND_MEMO_BITS)];
            if (!m->set || m->bits != bits) *m = (struct band_memo){bits, band_pick(bs->lo_d, bs->hi_d, bs->nb, sv, bs->used), 1};
            return m->pick;
        }
    }
    return band_scan(bs, rb, i, s);
}

static int bands_nested(vec_ctx *x, const ir_node *nd, band_set *bs, const vec_val *S, vec_val *r, int dbl);

/* The first band that holds, row by row: the bounds first (usually constants, then
 * compared as doubles once per distinct subject), then the value of each band some row
 * chose (usually constants too, then read from a table). With dbl, the value converted as
 * OP_I2D would (ev_as): in the table where there is one. */
static int ev_bands(vec_ctx *x, const ir_node *nd, vec_val *r, int dbl) {
    const ir_rulebook *rb = x->rb;
    uint32_t nb = nd->c;
    if (column(x, r)) return -1;
    int16_t *pick = push(x, (size_t)x->n * sizeof(int16_t) + 1);
    vec_val *V = push(x, (nb + 1) * sizeof(vec_val));
    if (!pick || !V) return -1;
    size_t mark = vec_mark(x);
    vec_val S;
    if (ev(x, nd->a, &S)) return -1;
    band_set *bs = band_setup(x, nd);
    if (!bs) return -1;
    size_t mark2 = vec_mark(x);
    int nested = bands_nested(x, nd, bs, &S, r, dbl);
    if (nested) {
        if (nested > 0) vec_release(x, mark);
        return nested > 0 ? 0 : -1;
    }
    vec_release(x, mark2);
    int16_t *fast = bs->fast;
    const rv *sv = S.uni ? &S.u : S.v; /* row i's subject at i & sm */
    const uint8_t *sk = S.uni ? &S.uk : S.k;
    size_t sm = S.uni ? 0 : SIZE_MAX;
    for (uint32_t i = 0, nr = x->n; i < nr; i++)
        pick[i] = sk[i & sm] ? band_find(bs, fast, rb, i, sv[i & sm]) : -1;
    int table = nb < 64; /* every value some row picked is the same for every row */
    for (uint32_t bi = 0; bi < nb; bi++) {
        if (bs->used[bi] && ev(x, rb->bands[nd->b + bi].val, &V[bi])) return -1;
        if (bs->used[bi]) table &= V[bi].uni;
    }
    if (table) { /* then a row's result is read from a table by its pick (-1: none) */
        rv tv[65];
        uint8_t tk[65];
        tv[0] = (rv){0}, tk[0] = 0;
        for (uint32_t bi = 0; bi < nb; bi++) {
            tv[bi + 1] = bs->used[bi] ? V[bi].u : (rv){0};
            tk[bi + 1] = bs->used[bi] ? V[bi].uk : 0;
        }
        conv_table(tv, tk, nb + 1, dbl);
        rv *ov = r->v;
        uint8_t *ok = r->k;
        for (uint32_t i = 0, nr = x->n; i < nr; i++) ov[i] = tv[pick[i] + 1], ok[i] = tk[pick[i] + 1];
        vec_release(x, mark);
        return 0;
    }
    rv *ov = r->v;
    uint8_t *ok = r->k;
    for (uint32_t i = 0, nr = x->n; i < nr; i++) {
        if (pick[i] < 0) {
            ov[i] = (rv){0}, ok[i] = 0;
            continue;
        }
        const vec_val *v = &V[pick[i]];
        ov[i] = v->uni ? v->u : v->v[i];
        ok[i] = v->uni ? v->uk : v->k[i];
    }
    for (uint32_t i = 0, nr = dbl ? x->n : 0; i < nr; i++) ov[i] = i2d(ov[i], ok[i]);
    vec_release(x, mark);
    return 0;
}

/* True when node n is the same known-or-not value for every row of any context whose
 * epoch is one: a constant, a dated value, a conversion of one. */
static int constant(const vec_ctx *x, uint32_t n) {
    const ir_node *nd = &x->rb->nodes[n];
    switch ((opcode)nd->op) {
    case OP_CONST: return 1;
    case OP_VALUE: return x->ep != NULL;
    case OP_NEG_I: case OP_NEG_D: case OP_I2D: case OP_D2I: case OP_DAYS2MIN: return constant(x, nd->a);
    default: return 0;
    }
}

/* True when bands node n's bounds and values are constants (at most 63 bands): once its
 * bounds are flat (band_setup), a row's value is read from a table by its band. */
static int const_bands(const vec_ctx *x, uint32_t n) {
    const ir_node *nd = &x->rb->nodes[n];
    if (nd->op != OP_BANDS || nd->c >= 64) return 0;
    for (uint32_t bi = 0; bi < nd->c; bi++) {
        const ir_band *b = &x->rb->bands[nd->b + bi];
        if ((b->op != BAND_ELSE && !constant(x, b->lo)) || (b->op == BAND_TO && !constant(x, b->hi)) ||
            !constant(x, b->val))
            return 0;
    }
    return 1;
}

/* The values of a flat band_set's bands by pick + 1 (0: no band, unknown), from its
 * constant values (const_bands); with dbl converted by i2d. Returns 0, or -1 on failure. */
static int band_values(vec_ctx *x, const band_set *bs, rv *tv, uint8_t *tk, int dbl) {
    tv[0] = (rv){0}, tk[0] = 0;
    for (uint32_t bi = 0; bi < bs->nb; bi++) {
        vec_val v;
        if (ev(x, x->rb->bands[bs->nd->b + bi].val, &v)) return -1;
        tv[bi + 1] = v.u, tk[bi + 1] = v.uk;
    }
    conv_table(tv, tk, bs->nb + 1, dbl);
    return 0;
}

/* True when node n is a bands node that ev_if_bands reads by table: const_bands, over a
 * subject had over every row of x at no cost beyond its own (cheap, or a derived value
 * this context keeps once computed). */
static int table_bands(const vec_ctx *x, uint32_t n) {
    const ir_node *nd = &x->rb->nodes[n];
    if (!const_bands(x, n)) return 0;
    const ir_node *s = &x->rb->nodes[nd->a];
    return cheap(x, nd->a) || (s->op == OP_LET && x->lets && !(x->plan->let_flags[s->a] & F_POINTS));
}

/* Bands whose values are constants or bands read by table themselves (the CRS's
 * transferability: `>= two_or_more: bands first_low {...}`), S their subject over x
 * (bs: their bounds, flat or not): each row's band found and its value read in the
 * table of that band in one pass, where every inner bands node would be evaluated over
 * every row; with dbl, converted by i2d in the tables. Returns 1 when done (r set), 0
 * when the values have not that shape, -1 on failure. */
static int bands_nested(vec_ctx *x, const ir_node *nd, band_set *bs, const vec_val *S, vec_val *r, int dbl) {
    const ir_rulebook *rb = x->rb;
    uint32_t nb = nd->c;
    int any = 0;
    if (nb >= 64) return 0;
    for (uint32_t bi = 0; bi < nb; bi++) {
        uint32_t v = rb->bands[nd->b + bi].val;
        if (table_bands(x, v)) any = 1;
        else if (!constant(x, v)) return 0;
    }
    if (!any) return 0;
    band_set **in = push(x, nb * sizeof *in);
    const rv **isv = push(x, nb * sizeof *isv); /* band bi's inner subject, row i's at i & im[bi] */
    const uint8_t **isk = push(x, nb * sizeof *isk);
    size_t *im = push(x, nb * sizeof *im);
    rv *tv = push(x, (size_t)nb * 65 * sizeof(rv));
    uint8_t *tk = push(x, (size_t)nb * 65);
    if (!in || !isv || !isk || !im || !tv || !tk) return -1;
    for (uint32_t bi = 0; bi < nb; bi++) {
        uint32_t v = rb->bands[nd->b + bi].val;
        in[bi] = NULL;
        if (!table_bands(x, v)) { /* a constant */
            vec_val c;
            if (ev(x, v, &c)) return -1;
            tv[bi * 65] = c.u, tk[bi * 65] = c.uk;
            conv_table(&tv[bi * 65], &tk[bi * 65], 1, dbl);
            continue;
        }
        const ir_node *vn = &rb->nodes[v];
        vec_val *is = push(x, sizeof *is);
        if (!is || ev(x, vn->a, is) || !(in[bi] = band_setup(x, vn))) return -1;
        if (!in[bi]->flat) return 0;
        if (band_values(x, in[bi], &tv[bi * 65], &tk[bi * 65], dbl)) return -1;
        isv[bi] = is->uni ? &is->u : is->v, isk[bi] = is->uni ? &is->uk : is->k, im[bi] = is->uni ? 0 : SIZE_MAX;
    }
    int16_t *fast = bs->fast;
    const rv *sv = S->uni ? &S->u : S->v; /* row i's subject at i & sm */
    const uint8_t *sk = S->uni ? &S->uk : S->k;
    size_t sm = S->uni ? 0 : SIZE_MAX;
    rv *ov = r->v;
    uint8_t *ok = r->k;
    for (uint32_t i = 0, nr = x->n; i < nr; i++) {
        int p = sk[i & sm] ? band_find(bs, fast, rb, i, sv[i & sm]) : -1;
        rv v = {0};
        uint8_t k = 0;
        if (p >= 0 && !in[p]) v = tv[p * 65], k = tk[p * 65];
        else if (p >= 0 && isk[p][i & im[p]]) {
            int16_t q = band_find(in[p], in[p]->fast, rb, i, isv[p][i & im[p]]);
            v = tv[p * 65 + q + 1], k = tk[p * 65 + q + 1];
        }
        ov[i] = v, ok[i] = k;
    }
    return 1;
}

/* `if C then bands S1 {...} else bands S2 {...}` (the CRS's "with a spouse, else" tables),
 * where each branch is a bands node read by table (table_bands) or a value that costs
 * nothing (cheap), and the rows of C take both: each row's result in one pass, from the
 * table of the branch it takes, where a split would gather each branch's rows and
 * scatter its results back. C is the condition's column, r the result's (both over x);
 * with dbl, the values converted by i2d (in the tables). Returns 1 when done, 0 when the
 * shape does not fit (r untouched), -1 on failure. */
static int ev_if_bands(vec_ctx *x, const ir_node *nd, const vec_val *C, vec_val *r, int dbl) {
    const ir_rulebook *rb = x->rb;
    uint32_t br[2] = {nd->c, nd->b};
    int tab[2];
    for (int b = 0; b < 2; b++) {
        tab[b] = table_bands(x, br[b]);
        if (!tab[b] && !cheap(x, br[b])) return 0;
    }
    if (!tab[0] && !tab[1]) return 0;
    size_t mark = vec_mark(x);
    band_set *bs[2] = {NULL, NULL};
    vec_val S[2], V[2];
    rv tv[2][65];
    uint8_t tk[2][65];
    for (int b = 0; b < 2; b++) {
        const ir_node *bn = &rb->nodes[br[b]];
        if (!tab[b]) {
            if (ev(x, br[b], &V[b])) return -1;
            continue;
        }
        if (ev(x, bn->a, &S[b]) || !(bs[b] = band_setup(x, bn))) return -1;
        if (!bs[b]->flat) { /* a bound unknown in this epoch: the usual way */
            vec_release(x, mark);
            return 0;
        }
        if (band_values(x, bs[b], tv[b], tk[b], dbl)) return -1;
    }
    /* each branch's subject (a table's) or value, row i's at i & sm[b] */
    int16_t *fast[2] = {bs[0] ? bs[0]->fast : NULL, bs[1] ? bs[1]->fast : NULL};
    const rv *sv[2];
    const uint8_t *sk[2];
    size_t sm[2];
    for (int b = 0; b < 2; b++) {
        const vec_val *u = tab[b] ? &S[b] : &V[b];
        sv[b] = u->uni ? &u->u : u->v, sk[b] = u->uni ? &u->uk : u->k, sm[b] = u->uni ? 0 : SIZE_MAX;
    }
    const uint8_t *ck = C->k;
    const rv *cv = C->v;
    rv *ov = r->v;
    uint8_t *ok = r->k;
    for (uint32_t i = 0, nr = x->n; i < nr; i++) {
        rv v = {0};
        uint8_t k = 0;
        if (ck[i]) {
            int b = cv[i].i != 0;
            size_t j = i & sm[b];
            if (!tab[b]) {
                v = sv[b][j], k = sk[b][j];
                if (dbl) v = i2d(v, k);
            } else if (sk[b][j]) {
                int16_t p = band_find(bs[b], fast[b], rb, i, sv[b][j]);
                v = tv[b][p + 1], k = tk[b][p + 1];
            }
        }
        ov[i] = v, ok[i] = k;
    }
    vec_release(x, mark);
    return 1;
}

/* Elements per element context: bounds the scratch a chunk needs. Above the longest list
 * a case may give (10000 items, case.c and the batch reader), so one row always fits. */
#define AGG_MAX_ELEMS 16384

/* The lists of x's rows (none: NULL), kept in locals by a loop over them (the compiler
 * reads a field again after each store of a byte). */
typedef struct {
    const ev_list *lists;
    size_t stride;
    const uint32_t *sel;
} row_lists;

static inline row_lists lists_of(const vec_ctx *x) {
    const vec_rows *rows = x->rows;
    return (row_lists){rows ? rows->lists : NULL, rows ? rows->stride : 0, x->sel};
}

/* The list of row position k named by the list value lv (input << 8 | field + 1). */
static inline const ev_list *list_at(row_lists rl, uint32_t k, int64_t lv) {
    if (!rl.lists) return NULL;
    return &rl.lists[(size_t)(lv >> 8) * rl.stride + (rl.sel ? rl.sel[k] : k)];
}

static const ev_list *list_of(const vec_ctx *x, uint32_t k, int64_t lv) { return list_at(lists_of(x), k, lv); }

/* The aggregate fn without filter or map over list l (NULL: empty), its field f, into
 * *out: the steps of ev_agg_step. Returns 1 when the value is known. */
static inline __attribute__((always_inline)) int agg_list(const ev_list *l, uint32_t f, int fn, int dbl,
                                                           int elem_dbl, rv *out) {
    uint32_t cnt = l ? l->n : 0, nf = l ? l->nfields : 1;
    ev_agg g;
    ev_agg_init(&g);
    if (fn == FN_COUNT) g.count = (int)cnt;
    else
        for (uint32_t j = 0; j < cnt; j++) ev_agg_step(&g, fn, dbl, 1, 1, elem_dbl, l->v[(size_t)j * nf + f]);
    return ev_agg_end(&g, fn, dbl, out);
}

/* An aggregate without filter or map, over the lists L names, into r: agg_list per row,
 * with fn and the types as constants where the caller passes them, so that each use
 * compiles to a loop of its own (an int sum, a min ...) instead of deciding the function
 * and the types at every element. */
static inline __attribute__((always_inline)) void agg_plain(const vec_ctx *x, const vec_val *L, vec_val *r, int fn,
                                                            int dbl, int elem_dbl) {
    const vec_rows *rows = x->rows;
    if (L->uni && L->uk && rows && rows->lists && !x->sel) { /* one list input, row by row: the usual case */
        const ev_list *lists = &rows->lists[(size_t)(L->u.i >> 8) * rows->stride];
        uint32_t f = (uint32_t)(L->u.i & 0xff);
        f = f ? f - 1 : 0;
        rv *ov = r->v;
        uint8_t *ok = r->k;
        for (uint32_t i = 0, nr = x->n; i < nr; i++) ok[i] = (uint8_t)agg_list(&lists[i], f, fn, dbl, elem_dbl, &ov[i]);
        return;
    }
    row_lists rl = lists_of(x);
    const rv *lvv = L->uni ? &L->u : L->v; /* row i's list value at i & lm */
    const uint8_t *lvk = L->uni ? &L->uk : L->k;
    size_t lm = L->uni ? 0 : SIZE_MAX;
    rv *ov = r->v;
    uint8_t *ok = r->k;
    for (uint32_t i = 0, nr = x->n; i < nr; i++) {
        if (!lvk[i & lm]) {
            ov[i] = (rv){0}, ok[i] = 0;
            continue;
        }
        int64_t lv = lvv[i & lm].i;
        uint32_t f = (uint32_t)(lv & 0xff);
        ok[i] = (uint8_t)agg_list(list_at(rl, i, lv), f ? f - 1 : 0, fn, dbl, elem_dbl, &ov[i]);
    }
}

/* The shapes of filter and map an aggregate reads without an element context: a filter
 * `element.field = constant` (or !=, either way round), a map of bands read by table over
 * the element (`sum(bands x {...} for x in clb)`). */
typedef struct {
    int filter, ne;       /* a filter, and whether it is != */
    uint32_t ffield;      /* the element's field it compares */
    rv fval;              /* with this value */
    uint8_t fknown;       /* known (else every element's filter is unknown) */
    band_set *map;        /* the map's bands, or NULL */
    rv tv[65];            /* the map's values by pick + 1 (band_values) */
    uint8_t tk[65];
    /* with a map over whole numbers (map->fast), the value of each small element by the
     * element itself (agg_direct) */
    rv dv[BAND_SMALL];
    uint8_t dk[BAND_SMALL];
} agg_shape;

/* Fills sh->dv and dk for a flat map over whole numbers: each small element's value is
 * that of the first band whose interval [lo_d, hi_d] holds it, as band_pick picks, for
 * all of them at once: band by band, the whole numbers it holds that no band before
 * took; none holds the others (unknown, as tv[0]). */
static void agg_direct(agg_shape *sh) {
    const band_set *bs = sh->map;
    uint8_t taken[BAND_SMALL] = {0};
    for (uint32_t e = 0; e < BAND_SMALL; e++) sh->dv[e] = sh->tv[0], sh->dk[e] = sh->tk[0];
    for (uint32_t bi = 0; bi < bs->nb; bi++) {
        double lo = ceil(bs->lo_d[bi]), hi = floor(bs->hi_d[bi]);
        if (!(lo <= BAND_SMALL - 1 && hi >= 0 && lo <= hi)) continue;
        for (int e = lo > 0 ? (int)lo : 0, e1 = hi < BAND_SMALL - 1 ? (int)hi : BAND_SMALL - 1; e <= e1; e++)
            if (!taken[e]) taken[e] = 1, sh->dv[e] = sh->tv[bi + 1], sh->dk[e] = sh->tk[bi + 1];
    }
}

/* Fills *sh for aggregate nd when its filter and map have the shapes above. Returns 1,
 * 0 when they have not (nothing kept), -1 on failure. The map's band_set lies above the
 * caller's mark. */
static int agg_shape_of(vec_ctx *x, const ir_node *nd, agg_shape *sh) {
    const ir_rulebook *rb = x->rb;
    uint32_t filter = nd->b, map = (uint32_t)nd->k.i;
    sh->filter = filter != NODE_NONE;
    sh->map = NULL;
    if (sh->filter) {
        const ir_node *fn = &rb->nodes[filter];
        if (fn->op != OP_EQ_I && fn->op != OP_NE_I) return 0;
        uint32_t e = fn->a, c = fn->b;
        if (rb->nodes[e].op != OP_ELEM) e = fn->b, c = fn->a;
        if (rb->nodes[e].op != OP_ELEM || !constant(x, c)) return 0;
        vec_val C;
        if (ev(x, c, &C)) return -1;
        sh->ne = fn->op == OP_NE_I;
        sh->ffield = rb->nodes[e].b;
        sh->fval = C.u;
        sh->fknown = C.uk;
    }
    if (map != NODE_NONE) {
        if (!const_bands(x, map) || rb->nodes[rb->nodes[map].a].op != OP_LOOPVAR) return 0;
        if (!(sh->map = band_setup(x, &rb->nodes[map]))) return -1;
        if (!sh->map->flat) return 0;
        if (band_values(x, sh->map, sh->tv, sh->tk, 0)) return -1;
        if (sh->map->fast) agg_direct(sh);
    }
    return 1;
}

/* An aggregate whose filter and map have the shapes of agg_shape, over the lists L
 * names, into r: per row the steps of ev_agg_step, each element's filter and map read
 * in place (a small whole number's value by itself, agg_direct; another's by its band);
 * fn, the types and whether there is a filter and a map are constants where the caller
 * passes them (agg_plain). */
static inline __attribute__((always_inline)) void agg_shaped(vec_ctx *x, const vec_val *L, agg_shape *sh,
                                                             vec_val *r, int fn, int dbl, int elem_dbl, int filter,
                                                             int map) {
    const ir_rulebook *rb = x->rb;
    const vec_rows *rows = x->rows;
    int vdbl = map ? dbl : elem_dbl;
    int16_t *fast = map ? sh->map->fast : NULL;
    /* one list input for every row (the usual case): its lists by row, read in place */
    const ev_list *lists = L->uni && L->uk && rows && rows->lists && !x->sel
                               ? &rows->lists[(size_t)(L->u.i >> 8) * rows->stride] : NULL;
    /* the shape, the list values and the result's columns in locals (the compiler reads a
     * field again after each store of a byte) */
    const rv *lvv = L->uni ? &L->u : L->v;
    const uint8_t *lvk = L->uni ? &L->uk : L->k;
    size_t lm = L->uni ? 0 : SIZE_MAX;
    int ne = sh->ne, fknown = sh->fknown;
    uint32_t ffield = sh->ffield;
    int64_t fval = sh->fval.i;
    const rv *dv = sh->dv;
    const uint8_t *dk = sh->dk;
    row_lists rl = lists_of(x);
    rv *ov = r->v;
    uint8_t *ok = r->k;
    for (uint32_t i = 0, nr = x->n; i < nr; i++) {
        if (!lists && !lvk[i & lm]) {
            ov[i] = (rv){0}, ok[i] = 0;
            continue;
        }
        int64_t lv = lvv[i & lm].i;
        const ev_list *l = lists ? &lists[i] : list_at(rl, i, lv);
        uint32_t cnt = l ? l->n : 0, nf = l ? l->nfields : 1, f = (uint32_t)(lv & 0xff);
        const rv *els = l ? l->v : NULL;
        f = f ? f - 1 : 0;
        if (fn == FN_SUM && !dbl && !filter && map && fast) {
            /* a sum of whole numbers each read by itself (agg_direct), as ev_agg_step adds
             * them: an unknown one adds nothing and makes the sum unknown; an element
             * outside the table (rare) takes the steps below */
            int64_t sum = 0;
            uint8_t known = 1;
            uint32_t j = 0;
            for (; j < cnt; j++) {
                int64_t e = els[(size_t)j * nf + f].i;
                if ((uint64_t)e >= BAND_SMALL) break;
                sum += dv[e].i & (0 - (int64_t)dk[e]);
                known &= dk[e];
            }
            if (j == cnt) {
                ov[i].i = sum, ok[i] = known;
                continue;
            }
        }
        ev_agg g;
        ev_agg_init(&g);
        for (uint32_t j = 0; j < cnt; j++) {
            const rv *el = &els[(size_t)j * nf];
            int keep = 1, known = 1;
            rv v = el[f];
            if (filter) keep = fknown ? (el[ffield].i == fval) != ne : -1;
            if (map && fast && (uint64_t)v.i < BAND_SMALL) {
                known = dk[v.i], v = dv[v.i];
            } else if (map) {
                int16_t p = band_find(sh->map, fast, rb, 0, v);
                v = sh->tv[p + 1], known = sh->tk[p + 1];
            }
            ev_agg_step(&g, fn, dbl, keep, known, vdbl, v);
        }
        ok[i] = (uint8_t)ev_agg_end(&g, fn, dbl, &ov[i]);
    }
}

static int ev_aggregate(vec_ctx *x, const ir_node *nd, vec_val *r) {
    const ir_rulebook *rb = x->rb;
    int fn = (int)nd->c, dbl = TYPE_BASE(nd->type) == TY_NUMBER || TYPE_BASE(nd->type) == TY_MONEY;
    const ir_node *ln = &rb->nodes[nd->a];
    int elem_dbl = TYPE_ELEM(ln->type) == TY_NUMBER || TYPE_ELEM(ln->type) == TY_MONEY;
    uint32_t map = (uint32_t)nd->k.i, filter = nd->b;
    int scoped = filter != NODE_NONE || map != NODE_NONE;
    if (column(x, r)) return -1;
    size_t mark = vec_mark(x);
    vec_val L;
    if (ev(x, nd->a, &L)) return -1;
    if (!scoped) {
        /* the common cases, each its own loop */
        if (fn == FN_COUNT) agg_plain(x, &L, r, FN_COUNT, dbl, elem_dbl);
        else if (fn == FN_SUM && !dbl && !elem_dbl) agg_plain(x, &L, r, FN_SUM, 0, 0);
        else if (fn == FN_MIN && !dbl && !elem_dbl) agg_plain(x, &L, r, FN_MIN, 0, 0);
        else if (fn == FN_MAX && !dbl && !elem_dbl) agg_plain(x, &L, r, FN_MAX, 0, 0);
        else if (fn == FN_SUM && dbl && elem_dbl) agg_plain(x, &L, r, FN_SUM, 1, 1);
        else agg_plain(x, &L, r, fn, dbl, elem_dbl);
        vec_release(x, mark);
        return 0;
    }
    if (!x->has_frame) {
        /* the elements themselves; without a frame a filter or map is unknown (eval.c) */
        for (uint32_t i = 0, nr = x->n; i < nr; i++) {
            if (!(L.uni ? L.uk : L.k[i])) {
                r->v[i] = (rv){0}, r->k[i] = 0;
                continue;
            }
            int64_t lv = L.uni ? L.u.i : L.v[i].i;
            const ev_list *l = list_of(x, i, lv);
            uint32_t cnt = l ? l->n : 0, f = (uint32_t)(lv & 0xff);
            f = f ? f - 1 : 0;
            ev_agg g;
            ev_agg_init(&g);
            if (fn == FN_COUNT && !scoped) g.count = (int)cnt;
            else
                for (uint32_t j = 0; j < cnt; j++)
                    ev_agg_step(&g, fn, dbl, filter != NODE_NONE ? -1 : 1, map == NODE_NONE, elem_dbl,
                                l->v[(size_t)j * l->nfields + f]);
            r->k[i] = (uint8_t)ev_agg_end(&g, fn, dbl, &r->v[i]);
        }
        vec_release(x, mark);
        return 0;
    }
    agg_shape *sh = push(x, sizeof *sh);
    if (!sh) return -1;
    int shaped = agg_shape_of(x, nd, sh);
    if (shaped < 0) return -1;
    if (shaped) {
        if (fn == FN_SUM && dbl && elem_dbl && sh->filter && !sh->map) agg_shaped(x, &L, sh, r, FN_SUM, 1, 1, 1, 0);
        else if (fn == FN_SUM && !dbl && !elem_dbl && !sh->filter && sh->map)
            agg_shaped(x, &L, sh, r, FN_SUM, 0, 0, 0, 1);
        else agg_shaped(x, &L, sh, r, fn, dbl, elem_dbl, sh->filter, sh->map != NULL);
        vec_release(x, mark);
        return 0;
    }
    /* element contexts over ranges of rows of at most AGG_MAX_ELEMS elements */
    rv *var = push(x, AGG_MAX_ELEMS * sizeof(rv));
    const rv **elem = push(x, AGG_MAX_ELEMS * sizeof(rv *));
    uint32_t *up_row = push(x, AGG_MAX_ELEMS * sizeof(uint32_t));
    if (!var || !elem || !up_row) return -1;
    uint32_t i0 = 0;
    while (i0 < x->n) {
        /* rows [i0, i1) whose elements fit (a row with more is taken alone, in parts of
         * its own below: the range holds it only if it fits) */
        uint32_t i1 = i0, ne = 0;
        while (i1 < x->n) {
            uint32_t cnt = 0;
            if (L.uni ? L.uk : L.k[i1]) {
                const ev_list *l = list_of(x, i1, L.uni ? L.u.i : L.v[i1].i);
                cnt = l ? l->n : 0;
            }
            if (ne + cnt > AGG_MAX_ELEMS && i1 > i0) break;
            if (cnt > AGG_MAX_ELEMS) { /* one row too long for the scratch: evaluate it alone */
                x->failed = 1;
                return -1;
            }
            ne += cnt;
            i1++;
        }
        uint32_t e = 0;
        for (uint32_t i = i0; i < i1; i++) {
            if (!(L.uni ? L.uk : L.k[i])) continue;
            int64_t lv = L.uni ? L.u.i : L.v[i].i;
            const ev_list *l = list_of(x, i, lv);
            uint32_t cnt = l ? l->n : 0, f = (uint32_t)(lv & 0xff);
            f = f ? f - 1 : 0;
            for (uint32_t j = 0; j < cnt; j++, e++) {
                elem[e] = &l->v[(size_t)j * l->nfields];
                var[e] = elem[e][f];
                up_row[e] = i;
            }
        }
        vec_ctx sub = *x;
        sub.sel = NULL;
        sub.rows = NULL;
        sub.n = e;
        sub.up = x;
        sub.up_row = up_row;
        sub.var = var;
        sub.elem = elem;
        sub.lets = NULL;
        sub.let_done = NULL;
        sub.splits = NULL;
        size_t m2 = vec_mark(x);
        vec_val F = {0}, M = {0};
        if (e && filter != NODE_NONE && ev(&sub, filter, &F)) return x->failed = 1, -1;
        if (e && map != NODE_NONE && ev(&sub, map, &M)) return x->failed = 1, -1;
        e = 0;
        for (uint32_t i = i0; i < i1; i++) {
            if (!(L.uni ? L.uk : L.k[i])) {
                r->v[i] = (rv){0}, r->k[i] = 0;
                continue;
            }
            const ev_list *l = list_of(x, i, L.uni ? L.u.i : L.v[i].i);
            uint32_t cnt = l ? l->n : 0;
            ev_agg g;
            ev_agg_init(&g);
            for (uint32_t j = 0; j < cnt; j++, e++) {
                int keep = 1, known = 1;
                rv v = var[e];
                if (filter != NODE_NONE) {
                    int fk = F.uni ? F.uk : F.k[e];
                    keep = fk ? (F.uni ? F.u.i : F.v[e].i) != 0 : -1;
                }
                if (map != NODE_NONE) {
                    known = M.uni ? M.uk : M.k[e];
                    v = M.uni ? M.u : M.v[e];
                }
                ev_agg_step(&g, fn, dbl, keep, known, map != NODE_NONE ? dbl : elem_dbl, v);
            }
            r->k[i] = (uint8_t)ev_agg_end(&g, fn, dbl, &r->v[i]);
        }
        vec_release(x, m2);
        i0 = i1;
    }
    vec_release(x, mark);
    return 0;
}

/* Aggregate fn (a row_agg's: count, or sum, min or max of whole numbers) over field f of
 * list l (NULL: empty) into *v, as ev_agg_step and ev_agg_end make it; returns 1 when
 * known (a min or max of an empty list is not). fn is a constant where agg_guarded_rows
 * calls it. */
static inline __attribute__((always_inline)) int row_agg_at(const ev_list *l, uint32_t f, int fn, int64_t *v) {
    uint32_t cnt = l ? l->n : 0;
    *v = fn == FN_COUNT ? cnt : 0;
    if (fn == FN_COUNT) return 1;
    if (!cnt) return fn == FN_SUM;
    const rv *e = &l->v[f];
    size_t nf = l->nfields;
    int64_t a = e[0].i;
    for (uint32_t j = 1; j < cnt; j++) {
        int64_t y = e[j * nf].i;
        if (fn == FN_SUM) a += y;
        else if (fn == FN_MIN) a = y < a ? y : a;
        else a = y > a ? y : a;
    }
    *v = a;
    return 1;
}

/* The orders of a and b for which comparison op (OP_EQ_I .. OP_GE_I) holds, as
 * EV_BINARY decides: bits 1 a < b, 2 a = b, 4 a > b (order_holds). */
static unsigned order_mask(int op) {
    static const unsigned masks[] = {2, 5, 1, 3, 4, 6}; /* eq ne lt le gt ge */
    return masks[op - OP_EQ_I];
}

/* The order_mask of a comparison with its operands swapped: a < b and a > b trade places. */
static unsigned order_flipped(unsigned mask) { return (mask & 2) | (mask & 1) << 2 | (mask & 4) >> 2; }

/* Whether a comparison whose order_mask is mask holds for a and b. */
static inline int order_holds(unsigned mask, int64_t a, int64_t b) { return (int)(mask >> (1 + (a > b) - (a < b))) & 1; }

/* The parts of agg_guarded: the condition's aggregate (cfn), compared with ck (mask: the
 * bits of the orders for which it holds, 1 a < ck, 2 a = ck, 4 a > ck), and each
 * branch's aggregate, or -1 and its constant (then and else: fn[1], fn[0]). */
typedef struct {
    const ev_list *lists; /* by row of `rows` (NULL: every list empty) */
    const uint32_t *sel;
    uint32_t field;
    int cfn;
    unsigned mask;
    int64_t ck;
    int fn[2];
    rv k[2];
} guard;

/* agg_guarded over n rows into ov and ok; cfn, fn0 and fn1 are g's (constants where
 * agg_guarded calls it for the common shapes, so that each compiles to a loop of its
 * own). */
static inline __attribute__((always_inline)) void agg_guarded_rows(const guard *g, uint32_t n, int cfn, int fn0,
                                                                   int fn1, int dbl, rv *restrict ov,
                                                                   uint8_t *restrict ok) {
    const ev_list *lists = g->lists;
    const uint32_t *sel = g->sel;
    uint32_t f = g->field;
    unsigned mask = g->mask;
    int64_t ck = g->ck;
    rv k0 = g->k[0], k1 = g->k[1];
    for (uint32_t i = 0; i < n; i++) {
        const ev_list *l = lists ? &lists[sel ? sel[i] : i] : NULL;
        int64_t a;
        rv v = {0};
        uint8_t k = 0;
        if (row_agg_at(l, f, cfn, &a)) {
            int t = order_holds(mask, a, ck), fn = t ? fn1 : fn0;
            if (fn < 0) v = t ? k1 : k0, k = 1;
            else if (fn == fn1) k = (uint8_t)row_agg_at(l, f, fn1, &v.i);
            else k = (uint8_t)row_agg_at(l, f, fn0, &v.i);
            if (!k) v.i = 0;
        }
        ov[i] = dbl ? i2d(v, k) : v, ok[i] = k;
    }
}

/* An if that plan_guarded found (`if count(L) = 4 then min(L) else 0`) into r, in one
 * pass: per row, the condition's aggregate of the list, then the branch's, from the
 * row's list in place, where the aggregates, the comparison and the blend would each be
 * a pass and a column over every row; with dbl, converted as OP_I2D would. Returns 0, -1
 * on failure. */
static int agg_guarded(vec_ctx *x, const ir_node *nd, vec_val *r, int dbl) {
    const ir_rulebook *rb = x->rb;
    const ir_node *cn = &rb->nodes[nd->a];
    int left = row_agg(rb, cn->a);
    const ir_node *an = &rb->nodes[left ? cn->a : cn->b], *ln = &rb->nodes[an->a];
    const vec_rows *rows = x->rows;
    guard g = {.lists = rows && rows->lists ? &rows->lists[(size_t)ln->a * rows->stride] : NULL,
               .sel = x->sel,
               .field = ln->b ? ln->b - 1 : 0,
               .cfn = (int)an->c,
               .mask = left ? order_mask(cn->op) : order_flipped(order_mask(cn->op)), /* the constant left */
               .ck = rb->nodes[left ? cn->b : cn->a].k.i};
    for (int b = 0; b < 2; b++) {
        const ir_node *bn = &rb->nodes[b ? nd->b : nd->c];
        g.fn[b] = bn->op == OP_CONST ? -1 : (int)bn->c;
        g.k[b] = bn->op == OP_CONST ? bn->k : (rv){0};
    }
    if (column(x, r)) return -1;
    uint32_t n = x->n;
    if (g.cfn == FN_COUNT && g.fn[1] == FN_MIN && g.fn[0] < 0) agg_guarded_rows(&g, n, FN_COUNT, -1, FN_MIN, dbl, r->v, r->k);
    else if (g.cfn == FN_COUNT && g.fn[1] == FN_MAX && g.fn[0] < 0) agg_guarded_rows(&g, n, FN_COUNT, -1, FN_MAX, dbl, r->v, r->k);
    else if (g.cfn == FN_COUNT && g.fn[1] == FN_SUM && g.fn[0] < 0) agg_guarded_rows(&g, n, FN_COUNT, -1, FN_SUM, dbl, r->v, r->k);
    else agg_guarded_rows(&g, n, g.cfn, g.fn[0], g.fn[1], dbl, r->v, r->k);
    return 0;
}

/* An or that plan_tiebreak found (`X cmp Y or (X = Y and S1 cmp2 S2)`) into r, in one
 * pass: per row X and Y compared, and only where they leave the result undecided (X or
 * Y unknown, or X = Y while X cmp Y does not hold) the aggregates S1 and S2 of the row's
 * lists in place, where eval.c skips them too; the and and the or combined by
 * logic_one, so that unknowns give what eval.c gives. Returns 0, -1 on failure. */
static int ev_tiebreak(vec_ctx *x, const ir_node *nd, vec_val *r) {
    const ir_rulebook *rb = x->rb;
    const ir_node *c1 = &rb->nodes[nd->a], *an = &rb->nodes[nd->b], *c2 = &rb->nodes[an->b];
    if (column(x, r)) return -1;
    size_t mark = vec_mark(x);
    vec_val X, Y;
    if (ev(x, c1->a, &X) || ev(x, c1->b, &Y)) return -1;
    const vec_rows *rows = x->rows;
    const ev_list *lists[2];
    uint32_t field[2];
    int fn[2];
    for (int j = 0; j < 2; j++) {
        const ir_node *sn = &rb->nodes[j ? c2->b : c2->a], *ln = &rb->nodes[sn->a];
        lists[j] = rows && rows->lists ? &rows->lists[(size_t)ln->a * rows->stride] : NULL;
        field[j] = ln->b ? ln->b - 1 : 0;
        fn[j] = (int)sn->c;
    }
    /* in locals (the compiler reads a field again after each store of a byte) */
    const ev_list *l0 = lists[0], *l1 = lists[1];
    uint32_t f0 = field[0], f1 = field[1];
    int fn0 = fn[0], fn1 = fn[1];
    unsigned m1 = order_mask(c1->op), m2 = order_mask(c2->op);
    const uint32_t *sel = x->sel;
    const rv *xv = X.uni ? &X.u : X.v, *yv = Y.uni ? &Y.u : Y.v; /* row i's at i & xm, i & ym */
    const uint8_t *xk = X.uni ? &X.uk : X.k, *yk = Y.uni ? &Y.uk : Y.k;
    size_t xm = X.uni ? 0 : SIZE_MAX, ym = Y.uni ? 0 : SIZE_MAX;
    rv *ov = r->v;
    uint8_t *ok = r->k;
    for (uint32_t i = 0, nr = x->n; i < nr; i++) {
        uint8_t kxy = xk[i & xm] & yk[i & ym];
        int64_t a = xv[i & xm].i, b = yv[i & ym].i, c = order_holds(m1, a, b), eq = a == b, t = 0, andv;
        uint8_t kt = 0;
        if (!kxy || (!c && eq)) { /* undecided: the tie broken by the aggregates */
            uint32_t row = sel ? sel[i] : i;
            int64_t s0, s1;
            kt = (uint8_t)(row_agg_at(l0 ? &l0[row] : NULL, f0, fn0, &s0) & row_agg_at(l1 ? &l1[row] : NULL, f1, fn1, &s1));
            t = kt && order_holds(m2, s0, s1);
        }
        uint8_t kand = logic_one(1, kxy, eq, kt, t, &andv);
        ok[i] = logic_one(0, kxy, c, kand, andv, &ov[i].i);
    }
    vec_release(x, mark);
    return 0;
}

/* Ages read from a table of birthdays (ev_dated): up to this many years. */
#define AGE_YEARS 150

/* The table of birthdays as of oy-om-od: t[a] (a = 0..AGE_YEARS) is the last birth date
 * on which one is a years old or more on that date, one year older on each birthday as
 * date_age_on counts: the same month and day a years back, or the last of February
 * where that is a 29 February the year has not (born on 28 February, one is a years
 * old on 29 February; born on 1 March, not yet). */
static void birthdays(int oy, int om, int od, int32_t *t) {
    for (int a = 0; a <= AGE_YEARS; a++) {
        int y = oy - a, dim = date_days_in_month(y, om);
        t[a] = date_from_ymd(y, om, od < dim ? od : dim);
    }
}

/* The age on day `on` (oy-om-od, its table of birthdays t) of one born on day b, as
 * date_age_on: the largest a with b <= t[a], searched from the estimate by the mean
 * Gregorian year (off by one at most); date_age_on itself outside the table. */
static inline int64_t age_by_table(const int32_t *t, int32_t on, int32_t b, int oy, int om, int od) {
    int64_t days = (int64_t)on - b;
    if (days < 0 || days >= (int64_t)AGE_YEARS * 365) return date_age_on(b, oy, om, od);
    int a = (int)(days * 400 / 146097);
    while (a > 0 && b > t[a]) a--;
    while (a < AGE_YEARS && b <= t[a + 1]) a++;
    return a;
}

/* The operators of one operand that read the row's epoch or date: membership of a set
 * (dated, in the epoch) and years since a date (to the evaluation date: by a table of
 * birthdays when every row has the same, as a chunk usually has). */
static int ev_dated(vec_ctx *x, const ir_node *nd, vec_val *r) {
    if (column(x, r)) return -1;
    size_t mark = vec_mark(x);
    vec_val A;
    if (ev(x, nd->a, &A)) return -1;
    if (nd->op == OP_YEARS_SINCE && !x->as_of_row) {
        int32_t t[AGE_YEARS + 1];
        int oy, om, od;
        date_to_ymd(x->as_of, &oy, &om, &od);
        birthdays(oy, om, od, t);
        const rv *av = A.uni ? &A.u : A.v; /* row i's at i & am */
        const uint8_t *ak = A.uni ? &A.uk : A.k;
        size_t am = A.uni ? 0 : SIZE_MAX;
        int32_t on = x->as_of;
        rv *ov = r->v;
        uint8_t *ok = r->k;
        for (uint32_t i = 0, nr = x->n; i < nr; i++) {
            uint8_t k = ak[i & am];
            ok[i] = k;
            ov[i].i = k ? age_by_table(t, on, (int32_t)av[i & am].i, oy, om, od) : 0;
        }
        vec_release(x, mark);
        return 0;
    }
    int32_t on = 0; /* the evaluation date split last (usually every row's) */
    int oy = 0, om = 0, od = 0, split = 0;
    for (uint32_t i = 0, nr = x->n; i < nr; i++) {
        uint8_t k = A.uni ? A.uk : A.k[i];
        int64_t a = A.uni ? A.u.i : A.v[i].i;
        r->k[i] = k;
        if (!k) r->v[i].i = 0;
        else if (nd->op == OP_IN) r->v[i].i = bits_has(&epoch_at(x, i)->sets[nd->b], (uint32_t)a) ^ (int)nd->c;
        else {
            int32_t d = as_of_at(x, i);
            if (!split || d != on) date_to_ymd(on = d, &oy, &om, &od), split = 1;
            r->v[i].i = date_age_on((int32_t)a, oy, om, od);
        }
    }
    vec_release(x, mark);
    return 0;
}

static int ev(vec_ctx *x, uint32_t n, vec_val *r) {
    if (x->failed) return -1;
    const ir_node *nd = &x->rb->nodes[n];
    /* a subset reads the lets of its context, but those read in its branch alone, which it
     * evaluates over its own rows (let_local) */
    if (x->up && (x->subset ? (nd->op == OP_LET && !(x->lets && x->plan->let_local[nd->a])) || nd->op == OP_POINTS
                            : !(x->plan->flags[n] & F_ELEM)))
        return from_rows(x, n, r);
    switch ((opcode)nd->op) {
    case OP_CONST: uniform(r, nd->k, 1); return 0;
    case OP_INPUT: return ev_input(x, nd, r);
    case OP_VALUE:
        if (x->ep) {
            uniform(r, x->ep->vals[nd->a], x->ep->val_known[nd->a]);
            return 0;
        }
        if (column(x, r)) return -1;
        for (uint32_t i = 0, nr = x->n; i < nr; i++) {
            const ir_epoch *ep = epoch_at(x, i);
            r->v[i] = ep->vals[nd->a];
            r->k[i] = ep->val_known[nd->a];
        }
        return 0;
    case OP_IN: case OP_YEARS_SINCE: return ev_dated(x, nd, r);
    case OP_OR:
        if (x->plan->tiebreak[n] && !element_context(x))
            return ev_tiebreak(x, nd, r);
        return ev_logic(x, nd, r);
    case OP_AND: return ev_logic(x, nd, r);
    case OP_IF: return ev_if(x, nd, n, r, 0);
    case OP_LET: return ev_let(x, nd, r);
    case OP_ASOF:
        if (!x->as_of_row) {
            uniform(r, (rv){.i = x->as_of}, 1);
            return 0;
        }
        if (column(x, r)) return -1;
        for (uint32_t i = 0, nr = x->n; i < nr; i++) r->v[i].i = as_of_at(x, i), r->k[i] = 1;
        return 0;
    case OP_GIVEN: return ev_given(x, nd, r);
    case OP_LIST: uniform(r, (rv){.i = ((int64_t)nd->a << 8) | nd->b}, 1); return 0;
    case OP_AGG: return ev_aggregate(x, nd, r);
    case OP_ELEM:
        if (!x->up) { /* outside an aggregate: no current element (eval.c) */
            uniform(r, (rv){0}, 0);
            return 0;
        }
        if (column(x, r)) return -1;
        for (uint32_t i = 0, nr = x->n; i < nr; i++) r->v[i] = x->elem[i][nd->b], r->k[i] = 1;
        return 0;
    case OP_LOOPVAR:
        if (!x->up) {
            uniform(r, (rv){0}, x->has_frame);
            return 0;
        }
        r->uni = 0;
        r->v = (rv *)x->var;
        r->k = push(x, x->n + 1);
        if (!r->k) return -1;
        memset(r->k, 1, x->n);
        return 0;
    case OP_BANDS: return ev_bands(x, nd, r, 0);
    case OP_POINTS:
        if (!x->points) {
            uniform(r, (rv){0}, 0);
            return 0;
        }
        if (column(x, r)) return -1;
        for (uint32_t i = 0, nr = x->n; i < nr; i++) r->v[i].d = x->points[nd->a][i], r->k[i] = 1;
        return 0;
    case OP_I2D: return ev_as(x, nd->a, r, 1);
    case OP_NOT: case OP_NEG_I: case OP_NEG_D: case OP_D2I: case OP_DAYS2MIN:
        return ev_unary(x, nd, r);
    default: return ev_binary(x, nd, r);
    }
}

/* Node n into r, with dbl converted as OP_I2D would: an `if` or bands node converts the
 * entries of the tables it reads its values from (the points of a factor are whole
 * numbers converted so), any other node its result after. */
static int ev_as(vec_ctx *x, uint32_t n, vec_val *r, int dbl) {
    const ir_node *nd = &x->rb->nodes[n];
    if (dbl && !element_context(x)) { /* (in an element context, ev decides: from_rows) */
        if (nd->op == OP_IF) return ev_if(x, nd, n, r, 1);
        if (nd->op == OP_BANDS) return ev_bands(x, nd, r, 1);
    }
    if (dbl && !x->up && nd->op == OP_LET && x->plan->let_once_d[nd->a])
        /* a derived value read here only: its body converted (in its tables), where its
         * value kept and then converted would take two passes */
        return ev_as(x, x->rb->lets[nd->a].node, r, 1);
    int rc = ev(x, n, r);
    if (rc || !dbl) return rc;
    if (r->uni) {
        r->u = i2d(r->u, r->uk);
        return 0;
    }
    const rv *av = r->v; /* perhaps a kept column (an input, a derived value): into a new one */
    const uint8_t *ak = r->k;
    if (column(x, r)) return -1;
    rv *ov = r->v;
    uint8_t *ok = r->k;
    for (uint32_t i = 0, nr = x->n; i < nr; i++) ov[i] = i2d(av[i], ak[i]), ok[i] = ak[i];
    return 0;
}

int vec_eval_val(vec_ctx *x, uint32_t node, vec_val *res) {
    if (ev(x, node, res)) {
        x->failed = 1;
        return -1;
    }
    return 0;
}

int vec_eval(vec_ctx *x, uint32_t node, rv *out, uint8_t *known) {
    size_t mark = vec_mark(x);
    vec_val v;
    if (vec_eval_val(x, node, &v)) {
        vec_release(x, mark);
        return -1;
    }
    if (v.uni) {
        for (uint32_t i = 0, nr = x->n; i < nr; i++) out[i] = v.u, known[i] = v.uk;
    } else {
        memcpy(out, v.v, (size_t)x->n * sizeof(rv));
        memcpy(known, v.k, x->n);
    }
    vec_release(x, mark);
    return 0;
}

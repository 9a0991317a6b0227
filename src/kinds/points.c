/*
 * points.c — the points kind: a case's score under a scheme, and the gap to the next tier.
 *
 * Scoring evaluates every factor (capped at its maximum), sums groups bottom-up (capped
 * at theirs), and sums the items that belong to no group into the total; then the
 * categories, the pass mark and the hard requirements are evaluated with the points
 * visible by name. A factor whose value is unknown (an input it needs is missing and no
 * band applies) scores 0 and is reported as unknown, never guessed. A derived value is
 * evaluated once per scoring (eval.h, the let cache).
 *
 * The gap search reads the rules, not a table written per scheme: it walks the nodes of
 * every factor (through derived values) for the subjects of `bands` and tries each band
 * edge, each bool input set true and each member of an enumeration input, one change at
 * a time, rescoring with the change applied as an override. The dates ahead are every
 * epoch boundary, and every birthday when the score can move on other days, in the next
 * ten years, rescored as of that date. A rescoring evaluates again only the items that
 * read what changed (the subject, or the date within one epoch); the others keep their
 * values from the first score, and the folding and the conditions are done again whole.
 *
 * tf_assess scores; the gap search runs on first use, by the outputs and the counts,
 * over the assessment's own copy of the case, so that the caller's may be gone by then.
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

#define PTS_MAX_ITEMS 128
#define PTS_MAX_REQ 16
#define PTS_MAX_NEXT 24
#define PTS_MAX_AHEAD 24
#define PTS_MAX_SUBJECTS 64 /* a set of subjects is a uint64_t */

/* A change in `next`, kept as values: its text is written only by the outputs. */
typedef struct {
    const char *name;     /* the subject: an input or a derived value (owned by the rules) */
    type_t type;
    int list_floor;       /* every element of a list at least `to` */
    double to;
    int has_cur;          /* cur holds the subject's value in the case */
    rv cur;
    double gain;
    int reaches;
} next_step;

typedef struct {
    int32_t date;
    double before, after;
    char what[160];
} ahead_step;

typedef struct {
    double pts[1 + PTS_MAX_ITEMS];   /* total, then each item */
    uint8_t known[1 + PTS_MAX_ITEMS];
    int category;                    /* index, or -1 */
    int points_category;             /* the category the points alone give */
    int passes;                      /* -1 no pass mark or requirement */
    uint8_t req_ok[PTS_MAX_REQ];
    int pass_ok;                     /* the pass mark alone: -1 none */
} score;

/* What a scoring evaluates per item before folding: a factor's points as its node gives
 * them (before its cap) and whether they are known; every item's maximum and whether it
 * is known. A rescoring starts from these and evaluates again only some items. */
typedef struct {
    double pts[PTS_MAX_ITEMS], mx[PTS_MAX_ITEMS];
    uint8_t known[PTS_MAX_ITEMS], mk[PTS_MAX_ITEMS];
} item_values;

/* A set of items (factors and groups), by index. */
typedef struct {
    uint64_t w[PTS_MAX_ITEMS / 64];
} item_set;

static int item_in(const item_set *s, uint32_t i) { return (s->w[i >> 6] >> (i & 63)) & 1; }
static void item_add(item_set *s, uint32_t i) { s->w[i >> 6] |= (uint64_t)1 << (i & 63); }

struct tf_assessment {
    /* set by every tf_assess */
    const tf_rules *r;
    const ir_rulebook *rb;
    const ir_points *pt;
    tf_rc rc;
    char error[256];
    int32_t as_of;
    score s;
    int16_t missing[1 + PTS_MAX_ITEMS]; /* per item: an input an unknown factor lacks, or -1 */
    item_values base;                   /* the score's items before folding */
    /* the gap search, computed on first use (gap_search) */
    int searched;
    next_step next[PTS_MAX_NEXT];
    uint32_t nnext;
    const char *target;              /* the tier the next steps aim at */
    ahead_step ahead[PTS_MAX_AHEAD];
    uint32_t nahead;
    /* kept from one tf_assess to the next */
    tf_case *c;                      /* the copy of the case scored */
    uint32_t c_inputs;               /* the inputs c has room for */
    void *scratch;                   /* one block for the arrays below */
    uint32_t scratch_lets, scratch_inputs;
    rv *let_val;                     /* [nlets] the let cache of a scoring (eval.h) */
    uint8_t *let_state;              /* [nlets] */
    uint64_t *let_memo;              /* [nlets] a walk's result for each let (reads, date_use) */
    uint8_t *let_seen;               /* [nlets] let_memo[i] is set */
    uint64_t *let_subjects;          /* [nlets] the gap search's subjects that are that let */
    uint64_t *input_subjects;        /* [ninputs] the subjects that change that input */
};

tf_assessment *tf_assessment_new(void) { return calloc(1, sizeof(tf_assessment)); }

void tf_assessment_free(tf_assessment *a) {
    if (!a) return;
    tf_case_free(a->c);
    free(a->scratch);
    free(a);
}

static tf_rc fail(tf_assessment *a, tf_rc rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static tf_rc fail(tf_assessment *a, tf_rc rc, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(a->error, sizeof a->error, fmt, ap);
    va_end(ap);
    a->rc = rc;
    return rc;
}

/* Gives a the room rb's derived values and r's inputs need (the scratch arrays) and a
 * case of r to copy into; kept for the next tf_assess. TF_ENOMEM when out of memory. */
static tf_rc reserve(tf_assessment *a, const tf_rules *r, const ir_rulebook *rb) {
    if (!a->c || a->c->r != r || a->c_inputs < r->ninputs) {
        tf_case_free(a->c);
        a->c_inputs = r->ninputs;
        if (!(a->c = case_new(r))) return TF_ENOMEM;
    }
    if (a->scratch && a->scratch_lets >= rb->nlets && a->scratch_inputs >= r->ninputs) return TF_OK;
    size_t nl = rb->nlets > a->scratch_lets ? rb->nlets : a->scratch_lets;
    size_t ni = r->ninputs > a->scratch_inputs ? r->ninputs : a->scratch_inputs;
    /* the 8-byte arrays first, then the bytes: every array aligned */
    char *p = malloc((nl * 3 + ni) * 8 + nl * 2 + 1);
    if (!p) return TF_ENOMEM;
    free(a->scratch);
    a->scratch = p;
    a->scratch_lets = (uint32_t)nl;
    a->scratch_inputs = (uint32_t)ni;
    a->let_val = (rv *)p;
    a->let_memo = (uint64_t *)(p + nl * 8);
    a->let_subjects = (uint64_t *)(p + nl * 16);
    a->input_subjects = (uint64_t *)(p + nl * 24);
    a->let_state = (uint8_t *)(p + nl * 24 + ni * 8);
    a->let_seen = a->let_state + nl;
    return TF_OK;
}

size_t tf_rules_schemes(const tf_rules *r, const char **ids, size_t max) {
    size_t n = 0;
    for (uint32_t b = 0; b < r->nbooks; b++)
        if (r->books[b].points) {
            if (n < max) ids[n] = r->books[b].id;
            n++;
        }
    return n;
}

/* The first input under node n that the case lacks, or -1 (for the explanation). */
static int missing_under(const ir_rulebook *rb, const tf_case *c, uint32_t n, int depth) {
    if (n == NODE_NONE || depth > 64) return -1;
    const ir_node *nd = &rb->nodes[n];
    switch (nd->op) {
    case OP_INPUT: return c->known[nd->a] ? -1 : (int)nd->a;
    case OP_LET: return missing_under(rb, c, rb->lets[nd->a].node, depth + 1);
    case OP_CONST: case OP_VALUE: case OP_ASOF: case OP_GIVEN: case OP_LIST: case OP_ELEM:
    case OP_LOOPVAR: case OP_POINTS:
        return -1;
    case OP_BANDS: return missing_under(rb, c, nd->a, depth + 1);
    case OP_IN: case OP_NOT: case OP_NEG_I: case OP_NEG_D: case OP_I2D: case OP_D2I: case OP_DAYS2MIN:
    case OP_YEARS_SINCE: case OP_AGG:
        return missing_under(rb, c, nd->a, depth + 1);
    default: {
        int m = missing_under(rb, c, nd->a, depth + 1);
        if (m < 0) m = missing_under(rb, c, nd->b, depth + 1);
        if (m < 0 && nd->op == OP_IF) m = missing_under(rb, c, nd->c, depth + 1);
        return m;
    }
    }
}

/* ---- the per-row logic of a score, shared by tf_assess and points_batch ------------ */

/* The columns fold_points folds, n rows each: pts[0] the total, pts[1 + i] item i's
 * points (known[...] 0 or 1 each); mx[i] and mk[i] the value of item i's maximum where
 * it has one (mk: known), unless mx_one (NULL: never) says it is one value for every
 * row, mx1[i] (known mk1[i]), and its columns are not read. */
typedef struct {
    uint32_t n;
    double *const *pts;
    uint8_t *const *known;
    double *const *mx;
    uint8_t *const *mk;
    const uint8_t *mx_one;
    const double *mx1;
    const uint8_t *mk1;
} fold_cols;

enum { CAP_NONE, CAP_ONE, CAP_ROWS };

/* How item i is capped: CAP_NONE (no maximum), CAP_ONE (one for every row), CAP_ROWS. */
static int cap_of(const ir_points *pt, const fold_cols *fc, uint32_t i) {
    if (pt->items[i].max == NODE_NONE) return CAP_NONE;
    return fc->mx_one && fc->mx_one[i] ? CAP_ONE : CAP_ROWS;
}

/* gk (1 to begin with when first) AND the m known columns pk, over n rows: eight rows at
 * a time, since every known byte of the folding is 0 or 1 (eval_points, score_at). */
static void fold_known(uint32_t n, uint8_t *gk, const uint8_t *const *pk, int m, int first) {
    uint32_t k = 0;
    for (; k + 8 <= n; k += 8) {
        uint64_t g = 0x0101010101010101ull, w;
        if (!first) memcpy(&g, gk + k, sizeof g);
        for (int j = 0; j < m; j++) memcpy(&w, pk[j] + k, sizeof w), g &= w;
        memcpy(gk + k, &g, sizeof g);
    }
    for (; k < n; k++) {
        uint8_t g = first ? 1 : gk[k];
        for (int j = 0; j < m; j++) g &= pk[j][k];
        gk[k] = g;
    }
}

/* One pass over the rows of a sum: to sum (0 when first) the m (1 to 4) columns p in
 * order, then with cap the sum capped at item i's maximum. Each row's additions are
 * those of a sum member by member, so that a pass of four or four of one give the same.
 * m, first and cap are constants where fold_sum calls it: each use compiles to a loop of
 * its own. Whether the sum is known is fold_known's. */
static inline __attribute__((always_inline)) void fold_pass(const fold_cols *fc, uint32_t i, double *restrict sum,
                                                            const double *const *p, int m, int first, int cap) {
    const double *restrict p0 = p[0], *restrict p1 = p[m > 1], *restrict p2 = p[m > 2 ? 2 : 0],
                          *restrict p3 = p[m > 3 ? 3 : 0];
    const double *restrict cr = cap == CAP_ROWS ? fc->mx[i] : NULL;
    const uint8_t *restrict ckr = cap == CAP_ROWS ? fc->mk[i] : NULL;
    /* an unknown maximum caps nothing: the sum is never above +infinity (and a NaN sum
     * stays as it is), without a test of the known byte every row */
    double c = cap == CAP_ONE && fc->mk1[i] ? fc->mx1[i] : INFINITY;
    uint32_t n = fc->n, k0 = 0;
#define FOLD_ROW(k)                                                         \
    do {                                                                    \
        double s = (first ? 0.0 : sum[k]) + p0[k];                          \
        if (m > 1) s += p1[k];                                              \
        if (m > 2) s += p2[k];                                              \
        if (m > 3) s += p3[k];                                              \
        if (cap == CAP_ONE) s = s > c ? c : s;                              \
        if (cap == CAP_ROWS) s = ckr[k] && s > cr[k] ? cr[k] : s;           \
        sum[k] = s;                                                         \
    } while (0)
    /* eight rows at a time, a count the compiler's cheapest vectorisation takes */
    for (; k0 + 8 <= n; k0 += 8)
        for (uint32_t k = k0; k < k0 + 8; k++) FOLD_ROW(k);
    for (uint32_t k = k0; k < n; k++) FOLD_ROW(k);
#undef FOLD_ROW
}

/* fold_pass with m, first and cap as constants, and fold_known. */
static void fold_sum(const fold_cols *fc, uint32_t i, double *sum, uint8_t *gk, const double *const *p,
                     const uint8_t *const *pk, int m, int first, int cap) {
    fold_known(fc->n, gk, pk, m, first);
#define FOLD_CAP(M, F)                                                  \
    if (cap == CAP_ONE) fold_pass(fc, i, sum, p, M, F, CAP_ONE);        \
    else if (cap == CAP_ROWS) fold_pass(fc, i, sum, p, M, F, CAP_ROWS); \
    else fold_pass(fc, i, sum, p, M, F, CAP_NONE);
#define FOLD_M(M)             \
    case M:                   \
        if (first) {          \
            FOLD_CAP(M, 1)    \
        } else {              \
            FOLD_CAP(M, 0)    \
        }                     \
        break;
    switch (m) {
        FOLD_M(1)
        FOLD_M(2)
        FOLD_M(3)
        FOLD_M(4)
    default: break;
    }
#undef FOLD_M
#undef FOLD_CAP
}

/* Sums the items list[0..m) into column `to` (0 + each in order) four at a time, the
 * last pass capped as cap says for item i (the group summed; the total: CAP_NONE). */
static void fold_items(const fold_cols *fc, uint32_t to, const uint32_t *list, uint32_t m, uint32_t i, int cap) {
    double *sum = fc->pts[to];
    uint8_t *gk = fc->known[to];
    for (uint32_t k = 0; !m && k < fc->n; k++) { /* nothing to sum: 0, capped */
        double s = 0, c = cap == CAP_ONE ? fc->mx1[i] : cap == CAP_ROWS ? fc->mx[i][k] : 0;
        uint8_t ck = cap == CAP_ONE ? fc->mk1[i] : cap == CAP_ROWS ? fc->mk[i][k] : 0;
        sum[k] = ck && s > c ? c : s, gk[k] = 1;
    }
    for (uint32_t m0 = 0; m0 < m; m0 += 4) {
        const double *p[4];
        const uint8_t *pk[4];
        uint32_t cnt = m - m0 < 4 ? m - m0 : 4;
        for (uint32_t j = 0; j < cnt; j++) p[j] = fc->pts[1 + list[m0 + j]], pk[j] = fc->known[1 + list[m0 + j]];
        fold_sum(fc, i, sum, gk, p, pk, (int)cnt, m0 == 0, m0 + cnt == m ? cap : CAP_NONE);
    }
}

/* Sums group g of fold_points into its row values, once every member that is itself a
 * group has been summed, and caps it at its maximum: fold_items over its members. done[i]
 * says item i is final. */
static void fold_group(const ir_points *pt, const fold_cols *fc, uint32_t g, uint8_t *done) {
    const ir_item *it = &pt->items[g];
    done[g] = 1; /* groups nest as a tree (each item has one owner): no member comes back */
    for (uint32_t m = 0; m < it->nmembers; m++)
        if (!done[it->members[m]]) fold_group(pt, fc, it->members[m], done);
    fold_items(fc, 1 + g, it->members, it->nmembers, g, cap_of(pt, fc, g));
}

/* Caps every factor at its maximum, sums the groups bottom-up (capped at theirs) and the
 * items that belong to no group into the total, for fc->n rows at once (one for
 * tf_assess, a chunk for points_batch). On entry fc's columns hold each factor's points
 * (0 where unknown) and every maximum. On return pts[0][k] is the total and known[0][k]
 * says whether every item that counts was known. With only (NULL: every item), the items
 * outside it hold their folded values already and are left as they are: only must hold
 * every group that holds one of its items. */
static void fold_points(const ir_points *pt, const fold_cols *fc, const item_set *only) {
    uint32_t ni = pt->nitems, top[PTS_MAX_ITEMS], ntop = 0;
    uint8_t done[PTS_MAX_ITEMS];
    for (uint32_t i = 0; i < ni; i++) {
        const ir_item *it = &pt->items[i];
        done[i] = !it->is_group || (only && !item_in(only, i));
        if (it->owner < 0) top[ntop++] = i;
        if ((only && !item_in(only, i)) || it->is_group) continue;
        double *restrict p = fc->pts[1 + i];
        int cap = cap_of(pt, fc, i);
        if (cap == CAP_ONE) {
            double c = fc->mx1[i];
            if (fc->mk1[i])
                for (uint32_t k = 0; k < fc->n; k++) p[k] = p[k] > c ? c : p[k];
        } else if (cap == CAP_ROWS) {
            const double *restrict c = fc->mx[i];
            const uint8_t *restrict ck = fc->mk[i];
            for (uint32_t k = 0; k < fc->n; k++) p[k] = ck[k] && p[k] > c[k] ? c[k] : p[k];
        }
    }
    /* groups, innermost first: a group's members are summed once all are done */
    for (uint32_t i = 0; i < ni; i++)
        if (!done[i]) fold_group(pt, fc, i, done);
    fold_items(fc, 0, top, ntop, 0, CAP_NONE);
}

/* The tier from the conditions evaluated with the points visible: cat[i] (category i's
 * condition holds), pass (the pass mark's, -1 without one), req[i] (each hard
 * requirement's). The first category that holds, none when a requirement fails; the
 * category the points alone give in points_category either way. */
static void fold_tier(const ir_points *pt, const uint8_t *cat, int pass, const uint8_t *req, score *s) {
    s->category = -1;
    for (uint32_t i = 0; i < pt->ncategories; i++)
        if (cat[i]) {
            s->category = (int)i;
            break;
        }
    s->pass_ok = pass;
    int reqs_ok = 1;
    for (uint32_t i = 0; i < pt->nrequires && i < PTS_MAX_REQ; i++) {
        s->req_ok[i] = req[i];
        reqs_ok &= req[i];
    }
    s->points_category = s->category;
    if (!reqs_ok) s->category = -1;
    s->passes = pt->pass == NODE_NONE && !pt->nrequires ? -1 : (s->pass_ok != 0) && reqs_ok;
}

/* Scores a's case as of `day`, with one override (or none), into s; v receives the
 * items' values before folding. With redo, a rescoring of the score tf_assess made
 * (a->base, a->s): only the items in redo are evaluated again, and folded again with the
 * groups that hold them; the others keep their values from that score. The caller
 * vouches that nothing the others read has changed (the subject of an override, the
 * date within the same epoch). The let cache starts empty: the day, the epoch or the
 * override may differ from the last scoring's. */
static void score_at(const tf_assessment *a, int32_t day, const ev_override *ovr, const item_set *redo, item_values *v,
                     score *s) {
    const ir_rulebook *rb = a->rb;
    const ir_points *pt = a->pt;
    const tf_case *c = a->c;
    ev_frame fr = {0};
    ev_ctx x = {.rb = rb, .ep = ir_epoch_at(rb, day), .in = c->vals, .known = c->known, .lists = c->lists,
                .as_of = day, .fr = &fr, .ovr = ovr, .let_val = a->let_val, .let_state = a->let_state};
    memset(a->let_state, EV_LET_UNSET, rb->nlets);
    uint32_t n = pt->nitems;
    item_set refold = {{0}}; /* with redo: the items in it and the groups above them */
    if (redo) {
        memcpy(v->pts, a->base.pts, n * sizeof(double));
        memcpy(v->mx, a->base.mx, n * sizeof(double));
        memcpy(v->known, a->base.known, n);
        memcpy(v->mk, a->base.mk, n);
        memcpy(s->pts + 1, a->s.pts + 1, n * sizeof(double));
        memcpy(s->known + 1, a->s.known + 1, n);
    }
    for (uint32_t i = 0; i < n; i++) {
        const ir_item *it = &pt->items[i];
        if (redo && !item_in(redo, i)) continue;
        rv r;
        v->mk[i] = (uint8_t)(it->max != NODE_NONE && eval_node(&x, it->max, &r));
        v->mx[i] = v->mk[i] ? r.d : 0;
        v->known[i] = (uint8_t)(it->is_group || eval_node(&x, it->node, &r));
        v->pts[i] = v->known[i] && !it->is_group ? r.d : 0;
        s->pts[1 + i] = v->pts[i], s->known[1 + i] = v->known[i];
        if (redo)
            for (int o = (int)i; o >= 0; o = pt->items[o].owner) item_add(&refold, (uint32_t)o);
    }
    double *pp[1 + PTS_MAX_ITEMS], *mxp[PTS_MAX_ITEMS];
    uint8_t *kp[1 + PTS_MAX_ITEMS], *mkp[PTS_MAX_ITEMS];
    pp[0] = &s->pts[0], kp[0] = &s->known[0];
    for (uint32_t i = 0; i < n; i++) {
        pp[1 + i] = &s->pts[1 + i], kp[1 + i] = &s->known[1 + i];
        mxp[i] = &v->mx[i], mkp[i] = &v->mk[i];
    }
    fold_cols fc = {.n = 1, .pts = pp, .known = kp, .mx = mxp, .mk = mkp};
    fold_points(pt, &fc, redo ? &refold : NULL);
    /* no let reads the points (check.c), so the cache stays valid with them visible */
    fr.points = s->pts;
    uint8_t cat[PTS_MAX_ITEMS], req[PTS_MAX_REQ];
    rv r;
    for (uint32_t i = 0; i < pt->ncategories && i < PTS_MAX_ITEMS; i++)
        cat[i] = (uint8_t)(eval_node(&x, pt->categories[i].node, &r) && r.i);
    for (uint32_t i = 0; i < pt->nrequires && i < PTS_MAX_REQ; i++)
        req[i] = (uint8_t)(eval_node(&x, pt->requires[i].node, &r) && r.i);
    int pass = pt->pass == NODE_NONE ? -1 : eval_node(&x, pt->pass, &r) && r.i;
    fold_tier(pt, cat, pass, req, s);
}

/* ---- what a change can move ------------------------------------------------------ */

/* The gap search's subjects (a bit each) that node n reads, directly or through derived
 * values: an input's value, whether it is given or its list (what an override of the
 * input or a floor of the list changes), a derived value (what an override of it
 * changes). a->input_subjects and a->let_subjects map inputs and lets to subjects;
 * a->let_memo holds each let's result once a->let_seen says so. Too deep a node
 * counts as reading every subject, which is safe. */
static uint64_t reads(const tf_assessment *a, uint32_t n, int depth) {
    if (n == NODE_NONE) return 0;
    if (depth > 200) return ~(uint64_t)0;
    const ir_node *nd = &a->rb->nodes[n];
    switch (nd->op) {
    case OP_INPUT: case OP_GIVEN: case OP_LIST: return a->input_subjects[nd->a];
    case OP_LET:
        if (!a->let_seen[nd->a]) {
            a->let_memo[nd->a] = reads(a, a->rb->lets[nd->a].node, depth + 1);
            a->let_seen[nd->a] = 1;
        }
        return a->let_memo[nd->a] | a->let_subjects[nd->a];
    default: {
        uint64_t m = 0;
        uint32_t k;
        for (uint32_t i = 0; ir_kid(a->rb, nd, i, &k); i++) m |= reads(a, k, depth + 1);
        return m;
    }
    }
}

/* How node n depends on the evaluation date, as a->let_memo holds it per let. */
enum {
    DATE_READ = 1,  /* it reads as_of (directly or by years_since) */
    DATE_MOVES = 2, /* its value may change within the window on a day that starts no epoch */
};

/* The DATE_* flags of node n over the window of days [lo, hi]. A comparison of as_of
 * with a constant date t changes value only on t or the day after, so it moves only
 * when t is in the window; any other use of the date may move on any day. */
static unsigned date_use(const tf_assessment *a, uint32_t n, int32_t lo, int32_t hi, int depth) {
    if (n == NODE_NONE) return 0;
    if (depth > 200) return DATE_READ | DATE_MOVES;
    const ir_node *nd = &a->rb->nodes[n];
    switch (nd->op) {
    case OP_ASOF: case OP_YEARS_SINCE: return DATE_READ | DATE_MOVES;
    case OP_LT_I: case OP_LE_I: case OP_GT_I: case OP_GE_I: case OP_EQ_I: case OP_NE_I: {
        const ir_node *l = &a->rb->nodes[nd->a], *k = &a->rb->nodes[nd->b];
        if (l->op == OP_CONST) {
            const ir_node *t = l;
            l = k, k = t;
        }
        if (l->op == OP_ASOF && k->op == OP_CONST)
            return DATE_READ | (k->k.i >= lo && k->k.i <= hi ? DATE_MOVES : 0);
        return date_use(a, nd->a, lo, hi, depth + 1) | date_use(a, nd->b, lo, hi, depth + 1);
    }
    case OP_LET:
        if (!a->let_seen[nd->a]) {
            a->let_memo[nd->a] = date_use(a, a->rb->lets[nd->a].node, lo, hi, depth + 1);
            a->let_seen[nd->a] = 1;
        }
        return (unsigned)a->let_memo[nd->a];
    default: {
        unsigned u = 0;
        uint32_t k;
        for (uint32_t i = 0; ir_kid(a->rb, nd, i, &k); i++) u |= date_use(a, k, lo, hi, depth + 1);
        return u;
    }
    }
}

/* ---- the gap to the next tier ----------------------------------------------------- */

typedef struct {
    ev_override o;        /* kind and index; val unused */
    type_t type;          /* the subject's type (the element's, for a list) */
    const char *name;
    double edges[32];
    uint32_t nedges;
    int enum_members;     /* try every member of the enumeration */
} subject;

typedef struct {
    subject v[PTS_MAX_SUBJECTS];
    uint32_t n;
} subjects;

static subject *subject_of(subjects *ss, int kind, uint32_t index, type_t t, const char *name) {
    for (uint32_t i = 0; i < ss->n; i++)
        if ((int)ss->v[i].o.kind == kind && ss->v[i].o.index == index) return &ss->v[i];
    if (ss->n == PTS_MAX_SUBJECTS) return NULL;
    subject *s = &ss->v[ss->n++];
    memset(s, 0, sizeof *s);
    s->o.kind = kind;
    s->o.index = index;
    s->type = t;
    s->name = name;
    return s;
}

static void add_edge(subject *s, double e) {
    for (uint32_t i = 0; i < s->nedges; i++)
        if (s->edges[i] == e) return;
    if (s->nedges < 32) s->edges[s->nedges++] = e;
}

/* Collects the subjects under node n. `loop_list` is the list node of the enclosing
 * `for` (its elements are what a loop variable in a band stands for), or NODE_NONE.
 * seen[i] marks let i walked: a second walk of it would find the same subjects and
 * edges again, in the same order, and add none (a let's body holds no loop variable
 * of an enclosing `for`: check.c), so it is skipped. (The depth limit is a guard no
 * rulebook comes near.) */
static void collect(const tf_rules *r, const ir_rulebook *rb, const ev_ctx *x, uint32_t n, uint32_t loop_list,
                    subjects *ss, uint8_t *seen, int depth) {
    if (n == NODE_NONE || depth > 64) return;
    const ir_node *nd = &rb->nodes[n];
    switch (nd->op) {
    case OP_LET:
        if (!rb->lets[nd->a].on_date && !seen[nd->a]) {
            seen[nd->a] = 1;
            collect(r, rb, x, rb->lets[nd->a].node, loop_list, ss, seen, depth + 1);
        }
        return;
    case OP_INPUT: {
        type_t t = r->inputs[nd->a].type;
        if (!r->inputs[nd->a].setting && (TYPE_BASE(t) == TY_BOOL || TYPE_BASE(t) == TY_ENUM)) {
            subject *s = subject_of(ss, OVR_INPUT, nd->a, t, r->inputs[nd->a].name);
            if (s) s->enum_members = 1;
        }
        return;
    }
    case OP_BANDS: {
        const ir_node *sj = &rb->nodes[nd->a];
        if (sj->op == OP_I2D) sj = &rb->nodes[sj->a];
        subject *s = NULL;
        if (sj->op == OP_INPUT && TYPE_BASE(sj->type) != TY_DATE && !r->inputs[sj->a].setting)
            s = subject_of(ss, OVR_INPUT, sj->a, sj->type, r->inputs[sj->a].name);
        else if (sj->op == OP_LET && !rb->lets[sj->a].on_date) {
            /* the least of a list (`min(languages.en.clb)`) moves when every element
             * reaches the edge: change the list, not the derived value alone, so that
             * every factor reading the list sees the change */
            const ir_node *ln = &rb->nodes[rb->lets[sj->a].node];
            rv lv;
            if (ln->op == OP_AGG && ln->c == FN_MIN && ln->b == NODE_NONE && (uint32_t)ln->k.i == NODE_NONE &&
                eval_node(x, ln->a, &lv) && (lv.i & 0xff) == 0)
                s = subject_of(ss, OVR_LIST_FLOOR, (uint32_t)(lv.i >> 8), TYPE(TYPE_ELEM(rb->nodes[ln->a].type), 0, 0),
                               r->inputs[lv.i >> 8].name);
            else
                s = subject_of(ss, OVR_LET, sj->a, rb->lets[sj->a].type, rb->lets[sj->a].name);
        }
        else if (sj->op == OP_LOOPVAR && loop_list != NODE_NONE) {
            rv lv;
            if (eval_node(x, loop_list, &lv)) {
                uint32_t input = (uint32_t)(lv.i >> 8);
                if ((lv.i & 0xff) == 0)
                    s = subject_of(ss, OVR_LIST_FLOOR, input, TYPE(TYPE_ELEM(rb->nodes[loop_list].type), 0, 0),
                                   r->inputs[input].name);
            }
        }
        for (uint32_t i = 0; s && i < nd->c; i++) {
            const ir_band *b = &rb->bands[nd->b + i];
            rv lo;
            if (b->op == BAND_ELSE || !eval_node(x, b->lo, &lo)) continue;
            double e = nd->pad ? lo.d : (double)lo.i;
            /* the least value in the band, or, for `< n` and `<= n`, the least beyond it:
             * where the next band begins */
            double step = nd->pad ? 0.01 : 1;
            add_edge(s, b->op == BAND_GT || b->op == BAND_LE ? e + step : e);
        }
        collect(r, rb, x, nd->a, loop_list, ss, seen, depth + 1);
        for (uint32_t i = 0; i < nd->c; i++) collect(r, rb, x, rb->bands[nd->b + i].val, loop_list, ss, seen, depth + 1);
        return;
    }
    case OP_GE_I: case OP_GT_I: case OP_LE_I: case OP_LT_I: case OP_EQ_I:
    case OP_GE_D: case OP_GT_D: case OP_LE_D: case OP_LT_D: case OP_EQ_D: {
        /* a threshold on an input or derived value (`JP.salary_jpy >= 3000000 JPY`):
         * the threshold is a value the subject could move to */
        const ir_node *l = &rb->nodes[nd->a], *k = &rb->nodes[nd->b];
        if (l->op == OP_I2D) l = &rb->nodes[l->a];
        if (k->op == OP_I2D) k = &rb->nodes[k->a];
        subject *s = NULL;
        if (l->op == OP_INPUT && !r->inputs[l->a].setting && TYPE_BASE(l->type) != TY_DATE &&
            TYPE_BASE(l->type) != TY_ENUM && TYPE_BASE(l->type) != TY_BOOL)
            s = subject_of(ss, OVR_INPUT, l->a, l->type, r->inputs[l->a].name);
        else if (l->op == OP_LET && !rb->lets[l->a].on_date && TYPE_BASE(rb->lets[l->a].type) != TY_LIST)
            s = subject_of(ss, OVR_LET, l->a, rb->lets[l->a].type, rb->lets[l->a].name);
        rv kv;
        if (s && (k->op == OP_CONST || k->op == OP_VALUE) && eval_node(x, (uint32_t)(k - rb->nodes), &kv)) {
            int kd = TYPE_BASE(k->type) == TY_NUMBER || TYPE_BASE(k->type) == TY_MONEY;
            double e = kd ? kv.d : (double)kv.i, step = kd ? 0.01 : 1;
            add_edge(s, nd->op == OP_GT_I || nd->op == OP_GT_D ? e + step : nd->op == OP_LT_I || nd->op == OP_LT_D ? e - step : e);
        }
        collect(r, rb, x, nd->a, loop_list, ss, seen, depth + 1);
        collect(r, rb, x, nd->b, loop_list, ss, seen, depth + 1);
        return;
    }
    case OP_AGG:
        collect(r, rb, x, nd->a, loop_list, ss, seen, depth + 1);
        if ((uint32_t)nd->k.i != NODE_NONE) collect(r, rb, x, (uint32_t)nd->k.i, nd->a, ss, seen, depth + 1);
        return;
    case OP_CONST: case OP_VALUE: case OP_ASOF: case OP_GIVEN: case OP_LIST: case OP_ELEM: case OP_LOOPVAR:
    case OP_POINTS: case OP_YEARS_SINCE:
        return;
    case OP_IN: case OP_NOT: case OP_NEG_I: case OP_NEG_D: case OP_I2D: case OP_D2I: case OP_DAYS2MIN:
        collect(r, rb, x, nd->a, loop_list, ss, seen, depth + 1);
        return;
    default:
        collect(r, rb, x, nd->a, loop_list, ss, seen, depth + 1);
        collect(r, rb, x, nd->b, loop_list, ss, seen, depth + 1);
        if (nd->op == OP_IF) collect(r, rb, x, nd->c, loop_list, ss, seen, depth + 1);
        return;
    }
}

static int is_dbl_type(type_t t) { return TYPE_BASE(t) == TY_NUMBER || TYPE_BASE(t) == TY_MONEY; }

/* True when s reaches the target tier: a category at index <= target, or the pass. */
static int reaches(const ir_points *pt, const score *s, int target_cat, int target_pass) {
    if (target_cat >= 0) return s->category >= 0 && s->category <= target_cat;
    if (target_pass) return s->passes == 1;
    (void)pt;
    return 0;
}

static void fmt_num(double v, char *b, size_t n) {
    if (v == floor(v) && fabs(v) < 1e15) snprintf(b, n, "%.0f", v);
    else snprintf(b, n, "%g", v);
}

/* Appends the change of subject s to v, with its gain, to the next steps. */
static void add_step(tf_assessment *a, const subject *s, double v, double gain, int reaches, int has_cur, rv cur) {
    if (a->nnext >= PTS_MAX_NEXT) return;
    a->next[a->nnext++] = (next_step){.name = s->name, .type = s->type, .list_floor = s->o.kind == OVR_LIST_FLOOR,
                                      .to = v, .has_cur = has_cur, .cur = cur, .gain = gain, .reaches = reaches};
}

/* The text of a next step, "SUBJECT FROM -> TO" (or "LIST all >= TO"), into b. */
static const char *step_text(const tf_assessment *a, const next_step *ns, char *b, size_t n) {
    char from[64], to[64];
    if (TYPE_BASE(ns->type) == TY_ENUM || TYPE_BASE(ns->type) == TY_BOOL) {
        rv bv = {.i = (int64_t)ns->to};
        ir_format_value(a->r, ns->type, bv, to, sizeof to);
        if (ns->has_cur) ir_format_value(a->r, ns->type, ns->cur, from, sizeof from);
    } else {
        fmt_num(ns->to, to, sizeof to);
        if (ns->has_cur) fmt_num(is_dbl_type(ns->type) ? ns->cur.d : (double)ns->cur.i, from, sizeof from);
    }
    if (!ns->has_cur) snprintf(from, sizeof from, "(not given)");
    if (ns->list_floor) snprintf(b, n, "%s all >= %s", ns->name, to);
    else snprintf(b, n, "%s %s -> %s", ns->name, from, to);
    return b;
}

/* For each subject k of ss, the items whose points or maximum read it (redo[k]): the
 * items a change of that subject must evaluate again. */
static void items_reading(tf_assessment *a, const subjects *ss, item_set *redo) {
    const ir_rulebook *rb = a->rb;
    const ir_points *pt = a->pt;
    memset(a->input_subjects, 0, a->r->ninputs * sizeof(uint64_t));
    memset(a->let_subjects, 0, rb->nlets * sizeof(uint64_t));
    memset(a->let_seen, 0, rb->nlets);
    for (uint32_t k = 0; k < ss->n; k++) {
        uint64_t bit = (uint64_t)1 << k;
        if (ss->v[k].o.kind == OVR_LET) a->let_subjects[ss->v[k].o.index] |= bit;
        else a->input_subjects[ss->v[k].o.index] |= bit;
        redo[k] = (item_set){{0}};
    }
    for (uint32_t i = 0; i < pt->nitems; i++) {
        const ir_item *it = &pt->items[i];
        uint64_t m = reads(a, it->max, 0);
        if (!it->is_group) m |= reads(a, it->node, 0);
        for (uint32_t k = 0; k < ss->n; k++)
            if ((m >> k) & 1) item_add(&redo[k], i);
    }
}

static void find_next(tf_assessment *a) {
    const tf_rules *r = a->r;
    const ir_rulebook *rb = a->rb;
    const ir_points *pt = a->pt;
    const tf_case *c = a->c;
    int target_cat = -1, target_pass = 0;
    if (pt->ncategories) {
        target_cat = a->s.category < 0 ? (int)pt->ncategories - 1 : a->s.category - 1;
        if (a->s.category < 0 && a->s.passes == 0 && pt->nrequires)
            target_cat = a->s.points_category >= 0 ? a->s.points_category : (int)pt->ncategories - 1;
        if (target_cat >= 0) a->target = pt->categories[target_cat].name;
    }
    if (target_cat < 0 && a->s.passes == 0) {
        target_pass = 1;
        a->target = "pass";
    }
    /* with no tier to reach (at the top, or a scheme without categories or a pass mark,
     * as Canada's CRS), the search still reports what each change would gain */
    ev_frame fr = {0};
    ev_ctx x = {.rb = rb, .ep = ir_epoch_at(rb, a->as_of), .in = c->vals, .known = c->known, .lists = c->lists,
                .as_of = a->as_of, .fr = &fr};
    subjects ss; /* not zero-filled: 19 KB, of which the search uses ss.n entries */
    ss.n = 0;
    memset(a->let_seen, 0, rb->nlets);
    for (uint32_t i = 0; i < pt->nitems; i++)
        if (!pt->items[i].is_group) collect(r, rb, &x, pt->items[i].node, NODE_NONE, &ss, a->let_seen, 0);
    for (uint32_t i = 0; i < pt->nrequires; i++)
        collect(r, rb, &x, pt->requires[i].node, NODE_NONE, &ss, a->let_seen, 0);
    item_set redo[PTS_MAX_SUBJECTS];
    items_reading(a, &ss, redo);
    score trial;
    item_values tv;
    for (uint32_t k = 0; k < ss.n && a->nnext < PTS_MAX_NEXT; k++) {
        subject *s = &ss.v[k];
        /* the current value */
        rv cur = {0};
        int has_cur = 0;
        if (s->o.kind == OVR_INPUT) has_cur = c->known[s->o.index], cur = c->vals[s->o.index];
        else if (s->o.kind == OVR_LET) has_cur = eval_node(&x, rb->lets[s->o.index].node, &cur);
        int dbl = is_dbl_type(s->type);
        double cv = has_cur ? (dbl ? cur.d : (double)cur.i) : -INFINITY;
        /* candidates: edges above the current value, nearest first; bools; members */
        double cand[64];
        uint32_t nc = 0;
        if (s->enum_members) {
            if (TYPE_BASE(s->type) == TY_BOOL) {
                if (!has_cur || !cur.i) cand[nc++] = 1;
            } else {
                const ir_enum *e = &r->enums[TYPE_ARG(s->type)];
                for (uint32_t m = 0; m < e->nmembers && nc < 64; m++)
                    if (!has_cur || cur.i != (int64_t)m) cand[nc++] = m;
            }
        } else {
            /* every edge but the current value, nearest first: a higher value is not
             * always better (JLPT N1 is level 1) */
            for (uint32_t i = 0; i < s->nedges; i++)
                if (s->edges[i] != cv || s->o.kind == OVR_LIST_FLOOR) cand[nc++] = s->edges[i];
            for (uint32_t i = 1; i < nc; i++) /* insertion sort by distance */
                for (uint32_t j = i; j > 0 && fabs(cand[j] - cv) < fabs(cand[j - 1] - cv); j--) {
                    double t = cand[j];
                    cand[j] = cand[j - 1];
                    cand[j - 1] = t;
                }
        }
        /* the first candidate that reaches the tier; failing that, the nearest that gains
         * anything and the one that gains most */
        double best_gain = 0, best_v = 0, near_gain = 0, near_v = 0;
        int found = 0, near = 0;
        for (uint32_t i = 0; i < nc; i++) {
            ev_override o = s->o;
            if (dbl) o.val.d = cand[i];
            else o.val.i = (int64_t)cand[i];
            score_at(a, a->as_of, &o, &redo[k], &tv, &trial);
            double gain = trial.pts[0] - a->s.pts[0];
            if (reaches(pt, &trial, target_cat, target_pass)) {
                best_gain = gain;
                best_v = cand[i];
                found = 1;
                break;
            }
            if (gain > 0 && !near) {
                near = 1;
                near_gain = gain;
                near_v = cand[i];
            }
            if (gain > best_gain) {
                best_gain = gain;
                best_v = cand[i];
            }
        }
        if (!found && best_gain <= 0) continue;
        if (!found && near && near_v != best_v) add_step(a, s, near_v, near_gain, 0, has_cur, cur);
        add_step(a, s, best_v, best_gain, found, has_cur, cur);
    }
    /* those that reach the tier first, then by gain */
    for (uint32_t i = 1; i < a->nnext; i++)
        for (uint32_t j = i; j > 0; j--) {
            next_step *p = &a->next[j - 1], *q = &a->next[j];
            if (p->reaches > q->reaches || (p->reaches == q->reaches && p->gain >= q->gain)) break;
            next_step t = *p;
            *p = *q;
            *q = t;
        }
}

/* ---- the dates ahead ------------------------------------------------------------- */

static int cmp_i32(const void *p, const void *q) {
    int32_t a = *(const int32_t *)p, b = *(const int32_t *)q;
    return (a > b) - (a < b);
}

static void find_ahead(tf_assessment *a) {
    const tf_rules *r = a->r;
    const ir_rulebook *rb = a->rb;
    const ir_points *pt = a->pt;
    const tf_case *c = a->c;
    int32_t dates[256];
    uint32_t n = 0;
    int32_t horizon = a->as_of + 3653;
    /* the items that read the date, and whether anything moves on a day that starts no
     * epoch: without that, a birthday scores as the epoch it falls in and adds nothing */
    item_set dated = {{0}};
    unsigned use = 0;
    memset(a->let_seen, 0, rb->nlets);
    for (uint32_t i = 0; i < pt->nitems; i++) {
        unsigned u = date_use(a, pt->items[i].max, a->as_of, horizon, 0);
        if (!pt->items[i].is_group) u |= date_use(a, pt->items[i].node, a->as_of, horizon, 0);
        if (u & DATE_READ) item_add(&dated, i);
        use |= u;
    }
    for (uint32_t i = 0; i < pt->ncategories; i++) use |= date_use(a, pt->categories[i].node, a->as_of, horizon, 0);
    for (uint32_t i = 0; i < pt->nrequires; i++) use |= date_use(a, pt->requires[i].node, a->as_of, horizon, 0);
    use |= date_use(a, pt->pass, a->as_of, horizon, 0);
    for (uint32_t e = 0; e < rb->nepochs && n < 200; e++)
        if (rb->epoch_start[e] > a->as_of && rb->epoch_start[e] <= horizon) dates[n++] = rb->epoch_start[e];
    if ((use & DATE_MOVES) && r->in_birth_date >= 0 && c->known[r->in_birth_date]) {
        int y, m, d, y0, m0, d0;
        date_to_ymd((int32_t)c->vals[r->in_birth_date].i, &y, &m, &d);
        date_to_ymd(a->as_of, &y0, &m0, &d0);
        for (int k = 0; k <= 11 && n < 256; k++) {
            int yy = y0 + k;
            int dd = d, mm = m;
            if (mm == 2 && dd == 29 && !date_is_leap(yy)) mm = 3, dd = 1;
            if (!date_valid(yy, mm, dd)) continue;
            int32_t bd = date_from_ymd(yy, mm, dd);
            if (bd > a->as_of && bd <= horizon) dates[n++] = bd;
        }
    }
    qsort(dates, n, sizeof *dates, cmp_i32);
    const ir_epoch *ep0 = ir_epoch_at(rb, a->as_of);
    score prev = a->s, cur;
    item_values tv;
    for (uint32_t i = 0; i < n && a->nahead < PTS_MAX_AHEAD; i++) {
        if (i && dates[i] == dates[i - 1]) continue;
        /* within the first epoch only the items that read the date can differ */
        int same_epoch = ir_epoch_at(rb, dates[i]) == ep0;
        score_at(a, dates[i], NULL, same_epoch ? &dated : NULL, &tv, &cur);
        if (cur.pts[0] == prev.pts[0] && cur.category == prev.category && cur.passes == prev.passes) continue;
        ahead_step *st = &a->ahead[a->nahead++];
        st->date = dates[i];
        st->before = prev.pts[0];
        st->after = cur.pts[0];
        size_t len = 0;
        st->what[0] = 0;
        for (uint32_t k = 0; k < pt->nitems; k++) {
            if (pt->items[k].is_group || cur.pts[1 + k] == prev.pts[1 + k]) continue;
            char b1[32], b2[32];
            fmt_num(prev.pts[1 + k], b1, sizeof b1);
            fmt_num(cur.pts[1 + k], b2, sizeof b2);
            if (len + 64 < sizeof st->what)
                len += (size_t)snprintf(st->what + len, sizeof st->what - len, "%s%s %s -> %s", len ? ", " : "",
                                        pt->items[k].id, b1, b2);
        }
        if (cur.category != prev.category && len + 64 < sizeof st->what)
            len += (size_t)snprintf(st->what + len, sizeof st->what - len, "%scategory %s -> %s", len ? ", " : "",
                                    prev.category >= 0 ? pt->categories[prev.category].name : "none",
                                    cur.category >= 0 ? pt->categories[cur.category].name : "none");
        if (cur.passes != prev.passes && cur.passes >= 0 && len + 32 < sizeof st->what)
            len += (size_t)snprintf(st->what + len, sizeof st->what - len, "%s%s", len ? ", " : "",
                                    cur.passes ? "now passes" : "no longer passes");
        prev = cur;
    }
}

/* Computes `next` and `ahead` once after a successful tf_assess, for the outputs and the
 * counts. They take a const assessment: what this computes the first time is stored, and
 * every later call sees the same. */
static void gap_search(const tf_assessment *ca) {
    if (ca->rc || !ca->pt || ca->searched) return;
    tf_assessment *a = (tf_assessment *)ca; /* allocated writable by tf_assessment_new */
    find_next(a);
    find_ahead(a);
    a->searched = 1;
}

tf_rc tf_assess(const tf_rules *r, const tf_case *c, const char *scheme, tf_date as_of, tf_assessment *a) {
    a->r = r;
    a->rb = NULL;
    a->pt = NULL;
    a->rc = TF_OK;
    a->error[0] = 0;
    a->as_of = 0;
    a->searched = 0;
    a->nnext = a->nahead = 0;
    a->target = NULL;
    a->s.pts[0] = NAN;
    for (uint32_t b = 0; b < r->nbooks && !a->rb; b++) /* ids are unique (check.c) */
        if (r->books[b].points && !strcmp(r->books[b].id, scheme)) a->rb = &r->books[b];
    if (!a->rb) return fail(a, TF_ENOTFOUND, "no points scheme \"%s\"", scheme);
    a->pt = a->rb->points;
    if (a->pt->nitems > PTS_MAX_ITEMS || a->pt->nrequires > PTS_MAX_REQ)
        return fail(a, TF_ELIMIT, "scheme %s has more than %d factors or %d requirements", scheme, PTS_MAX_ITEMS, PTS_MAX_REQ);
    a->as_of = as_of == TF_DATE_DEFAULT ? date_today() : as_of;
    if (reserve(a, r, a->rb) != TF_OK || case_copy(a->c, c) != TF_OK) return fail(a, TF_ENOMEM, "out of memory");
    score_at(a, a->as_of, NULL, NULL, &a->base, &a->s);
    for (uint32_t i = 0; i < a->pt->nitems; i++) {
        const ir_item *it = &a->pt->items[i];
        a->missing[1 + i] = it->is_group || a->s.known[1 + i] ? -1 : (int16_t)missing_under(a->rb, a->c, it->node, 0);
    }
    return TF_OK;
}

double tf_assessment_total(const tf_assessment *a) { return a->rc ? NAN : a->s.pts[0]; }
const char *tf_assessment_category(const tf_assessment *a) {
    return a->rc || !a->pt || a->s.category < 0 ? NULL : a->pt->categories[a->s.category].name;
}
int tf_assessment_passes(const tf_assessment *a) { return a->rc ? -1 : a->s.passes; }
const char *tf_assessment_error(const tf_assessment *a) { return a->error; }
size_t tf_assessment_next_count(const tf_assessment *a) {
    gap_search(a);
    return a->rc ? 0 : a->nnext;
}
size_t tf_assessment_ahead_count(const tf_assessment *a) {
    gap_search(a);
    return a->rc ? 0 : a->nahead;
}

/* ---- output ---------------------------------------------------------------------- */

static json_t *jnum(double v) {
    return v == floor(v) && fabs(v) < 1e15 ? json_integer((json_int_t)v) : json_real(v);
}

static json_t *jsource(const ir_rulebook *rb, const uint16_t *cites, uint32_t n) {
    if (!n) return json_null();
    const ir_source *s = &rb->sources[cites[0]];
    json_t *o = json_pack("{s:s,s:s,s:s}", "id", s->id, "title", s->title, "date", s->date);
    if (s->nurls) json_object_set_new(o, "url", json_string(s->urls[0]));
    return o;
}

char *tf_assessment_json(const tf_assessment *a) {
    json_t *o;
    char b[11], where[300], change[192];
    gap_search(a);
    if (a->rc) {
        o = json_pack("{s:s,s:s}", "error", tf_strerror(a->rc), "message", a->error);
    } else {
        const ir_points *pt = a->pt;
        o = json_pack("{s:s,s:s,s:s}", "scheme", a->rb->id, "title", pt->title, "as_of", date_format(a->as_of, b));
        json_object_set_new(o, "total", jnum(a->s.pts[0]));
        json_object_set_new(o, "category", a->s.category >= 0 ? json_string(pt->categories[a->s.category].name) : json_null());
        json_object_set_new(o, "passes", a->s.passes < 0 ? json_null() : json_boolean(a->s.passes));
        if (!a->s.known[0]) json_object_set_new(o, "incomplete", json_true());
        json_t *fs = json_array();
        for (uint32_t i = 0; i < pt->nitems; i++) {
            const ir_item *it = &pt->items[i];
            json_t *f = json_pack("{s:s,s:s,s:o}", "id", it->id, "title", it->title, "points", jnum(a->s.pts[1 + i]));
            if (it->is_group) json_object_set_new(f, "group", json_true());
            if (it->owner >= 0) json_object_set_new(f, "in", json_string(pt->items[it->owner].id));
            if (!a->s.known[1 + i]) json_object_set_new(f, "unknown", json_true());
            if (a->missing[1 + i] >= 0) json_object_set_new(f, "missing", json_string(a->r->inputs[a->missing[1 + i]].name));
            json_object_set_new(f, "source", jsource(a->rb, it->cites, it->ncites));
            json_object_set_new(f, "at", json_string(ir_where(a->r, it->sp, where, sizeof where)));
            json_array_append_new(fs, f);
        }
        json_object_set_new(o, "factors", fs);
        json_t *rq = json_array();
        for (uint32_t i = 0; i < pt->nrequires; i++) {
            const ir_require *q = &pt->requires[i];
            json_t *j = json_pack("{s:s,s:b}", "clause", q->text, "holds", a->s.req_ok[i]);
            if (q->because) json_object_set_new(j, "because", json_string(q->because));
            json_object_set_new(j, "source", jsource(a->rb, q->cites, q->ncites));
            json_object_set_new(j, "at", json_string(ir_where(a->r, q->sp, where, sizeof where)));
            json_array_append_new(rq, j);
        }
        json_object_set_new(o, "requirements", rq);
        json_t *nx = json_array();
        for (uint32_t i = 0; i < a->nnext; i++)
            json_array_append_new(nx, json_pack("{s:s,s:o,s:b}", "change", step_text(a, &a->next[i], change, sizeof change),
                                                "gain", jnum(a->next[i].gain),
                                                "reaches", a->next[i].reaches));
        json_object_set_new(o, "next_tier", a->target ? json_string(a->target) : json_null());
        json_object_set_new(o, "next", nx);
        json_t *ah = json_array();
        for (uint32_t i = 0; i < a->nahead; i++)
            json_array_append_new(ah, json_pack("{s:s,s:o,s:o,s:o,s:s}", "date", date_format(a->ahead[i].date, b), "total",
                                                jnum(a->ahead[i].after), "change",
                                                jnum(a->ahead[i].after - a->ahead[i].before), "before",
                                                jnum(a->ahead[i].before), "what", a->ahead[i].what));
        json_object_set_new(o, "ahead", ah);
        json_object_set_new(o, "version", json_string(a->r->version));
    }
    char *s = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(o);
    return s;
}

void tf_assessment_print(const tf_assessment *a, FILE *out) {
    char b[11], n1[32], n2[32], where[300], change[192];
    gap_search(a);
    if (a->rc) {
        fprintf(out, "error: %s\n", a->error);
        return;
    }
    const ir_points *pt = a->pt;
    fmt_num(a->s.pts[0], n1, sizeof n1);
    fprintf(out, "%s: %s points", a->rb->id, n1);
    if (a->s.category >= 0) fprintf(out, ", category %s", pt->categories[a->s.category].name);
    else if (pt->ncategories) fprintf(out, ", no category");
    if (a->s.passes >= 0) fprintf(out, ", %s", a->s.passes ? "passes" : "does not pass");
    fprintf(out, "%s\n  %s, as of %s, version %s\n", a->s.known[0] ? "" : " (incomplete: some factors unknown)", pt->title,
            date_format(a->as_of, b), a->r->version);
    for (uint32_t i = 0; i < pt->nitems; i++) {
        const ir_item *it = &pt->items[i];
        int depth = 0;
        for (int o = it->owner; o >= 0; o = pt->items[o].owner) depth++;
        fmt_num(a->s.pts[1 + i], n1, sizeof n1);
        fprintf(out, "  %*s%-*s %6s%s", depth * 2, "", 40 - depth * 2, it->title, n1, it->is_group ? "  (group)" : "");
        if (!a->s.known[1 + i]) fprintf(out, "  unknown");
        if (a->missing[1 + i] >= 0) fprintf(out, " (%s is not given)", a->r->inputs[a->missing[1 + i]].name);
        if (!it->is_group && it->ncites)
            fprintf(out, "  [%s] %s", a->rb->sources[it->cites[0]].id, ir_where(a->r, it->sp, where, sizeof where));
        fputc('\n', out);
    }
    for (uint32_t i = 0; i < pt->nrequires; i++)
        fprintf(out, "  requirement %s: %s%s%s\n", a->s.req_ok[i] ? "holds" : "FAILS", pt->requires[i].text,
                pt->requires[i].because ? " — " : "", pt->requires[i].because ? pt->requires[i].because : "");
    if (a->nnext) {
        if (a->target) fprintf(out, "to reach %s\n", a->target);
        else fprintf(out, "single changes that add points\n");
        for (uint32_t i = 0; i < a->nnext; i++) {
            fmt_num(a->next[i].gain, n1, sizeof n1);
            fprintf(out, "  %s: %s%s%s\n", step_text(a, &a->next[i], change, sizeof change), a->next[i].gain >= 0 ? "+" : "", n1,
                    a->target && !a->next[i].reaches ? " (not enough alone)" : "");
        }
    }
    if (a->nahead) {
        fprintf(out, "ahead, if nothing else changes\n");
        for (uint32_t i = 0; i < a->nahead; i++) {
            fmt_num(a->ahead[i].after, n1, sizeof n1);
            fmt_num(a->ahead[i].after - a->ahead[i].before, n2, sizeof n2);
            fprintf(out, "  %s: total %s (%s%s)%s%s\n", date_format(a->ahead[i].date, b), n1,
                    a->ahead[i].after >= a->ahead[i].before ? "+" : "", n2, a->ahead[i].what[0] ? ": " : "", a->ahead[i].what);
        }
    }
}

/* ---- a chunk of rows (kinds.h) --------------------------------------------------------- */

/* Evaluates number node over x's rows into p[n] (0 where unknown, as score_at takes a
 * factor's points) and known[n] (0 or 1); with one (not NULL), a value that is the same
 * for every row into *one = 1, *p and *known instead. Returns 0, or -1 when the
 * evaluator's scratch is exhausted. */
static int eval_points(vec_ctx *x, uint32_t node, double *restrict p, uint8_t *restrict known, uint8_t *one) {
    size_t mark = vec_mark(x);
    vec_val v;
    if (vec_eval_val(x, node, &v)) {
        vec_release(x, mark);
        return -1;
    }
    if (one) *one = v.uni;
    if (v.uni && one) {
        *p = v.uk ? v.u.d : 0, *known = v.uk != 0;
    } else if (v.uni) {
        double d = v.uk ? v.u.d : 0;
        for (uint32_t k = 0; k < x->n; k++) p[k] = d, known[k] = v.uk;
    } else {
        const rv *restrict vv = v.v;
        const uint8_t *restrict vk = v.k;
        for (uint32_t k0 = 0; k0 < x->n; k0 += 8) {
            uint32_t k1 = x->n - k0 < 8 ? x->n : k0 + 8;
            uint64_t w = 0;
            if (k1 == k0 + 8) memcpy(&w, vk + k0, sizeof w);
            if (w == 0x0101010101010101ull) { /* eight rows known: copied as they are */
                memcpy(p + k0, vv + k0, 8 * sizeof *p);
                memcpy(known + k0, &w, sizeof w);
                continue;
            }
            for (uint32_t k = k0; k < k1; k++) { /* without a branch: the value's bits, or 0 (+0.0) */
                uint64_t bits;
                memcpy(&bits, &vv[k].d, sizeof bits);
                bits &= 0 - (uint64_t)(vk[k] != 0);
                memcpy(&p[k], &bits, sizeof bits);
                known[k] = vk[k] != 0;
            }
        }
    }
    vec_release(x, mark);
    return 0;
}

tf_rc points_batch(const kind_scratch *s, const ir_rulebook *rb, const kind_chunk *ch) {
    const ir_points *pt = rb->points;
    const vec_plan *plan = s->plans ? s->plans[rb - s->r->books] : NULL;
    uint32_t n = ch->n, ni = pt->nitems;
    int too_big = ni > PTS_MAX_ITEMS || pt->nrequires > PTS_MAX_REQ || pt->ncategories > PTS_MAX_ITEMS;
    int32_t as_of = ch->as_of == TF_DATE_DEFAULT ? date_today() : ch->as_of;
    arena *keep = s->keep;
    arena_reset(keep);
    uint32_t *sel = arena_array_raw(keep, n + 1, sizeof(uint32_t)), m = 0;
    for (uint32_t k = 0; k < n; k++) {
        kind_result_clear(&ch->res[k]);
        ch->res[k].as_of = as_of;
        if (ch->skip && ch->skip[k]) continue;
        if (too_big) {
            ch->res[k].status = TF_ELIMIT;
            snprintf(ch->msg[k], KIND_MSG, "scheme %s has more than %d factors or %d requirements", rb->id,
                     PTS_MAX_ITEMS, PTS_MAX_REQ);
            continue;
        }
        if (sel) sel[m++] = k;
    }
    if (!sel || !plan) return TF_ENOMEM;
    if (!m) return TF_OK;
    /* columns: the points of every item (what `points` reads), whether known, and the
     * value of every maximum; not zero-filled, since each is written before it is read
     * (eval_points, fold_points; mx[i] is read only where mk[i] is 1, and not at all
     * where the maximum is one value for every row: mx_one[i], mx1[i], mk1[i]) */
    double **pts = arena_array(keep, ni + 1, sizeof(double *)), **mx = arena_array(keep, ni + 1, sizeof(double *));
    uint8_t **kn = arena_array(keep, ni + 1, sizeof(uint8_t *)), **mk = arena_array(keep, ni + 1, sizeof(uint8_t *));
    rv *tv = arena_array_raw(keep, m, sizeof(rv));
    uint8_t *mx_one = arena_array(keep, ni + 1, 1), *mk1 = arena_array(keep, ni + 1, 1);
    double *mx1 = arena_array(keep, ni + 1, sizeof(double));
    uint8_t *tk = arena_array_raw(keep, m, 1);
    for (uint32_t i = 0; pts && mx && kn && mk && i <= ni; i++) {
        pts[i] = arena_array_raw(keep, m, sizeof(double));
        kn[i] = arena_array_raw(keep, m, 1);
        mx[i] = arena_array_raw(keep, m, sizeof(double));
        mk[i] = arena_array_raw(keep, m, 1);
    }
    if (arena_failed(keep)) return TF_ENOMEM;
    vec_ctx x = {.rb = rb, .plan = plan, .rows = ch->rows, .sel = m == n ? NULL : sel, .n = m,
                 .ep = ir_epoch_at(rb, as_of), .as_of = as_of, .has_frame = 1, .stack = s->stack, .keep = keep};
    if (vec_begin(&x)) return TF_ENOMEM;
    for (uint32_t i = 0; i < ni; i++) {
        const ir_item *it = &pt->items[i];
        if (it->max != NODE_NONE && eval_points(&x, it->max, mx[i], mk[i], &mx_one[i])) return TF_ENOMEM;
        if (mx_one[i]) mx1[i] = mx[i][0], mk1[i] = mk[i][0];
        if (!it->is_group && eval_points(&x, it->node, pts[1 + i], kn[1 + i], NULL)) return TF_ENOMEM;
    }
    /* the same folding as score_at, over the chunk's columns (a group's are written by
     * fold_group) */
    fold_cols fc = {m, pts, kn, mx, mk, mx_one, mx1, mk1};
    fold_points(pt, &fc, NULL);
    x.points = (const double *const *)pts;
    /* the tier, with the points visible: category, pass mark and requirement conditions */
    uint32_t nc = pt->ncategories, nr = pt->nrequires;
    uint8_t **cond = arena_array(keep, nc + nr + 2, sizeof(uint8_t *));
    for (uint32_t c = 0; cond && c < nc + nr + 1; c++) cond[c] = arena_array_raw(keep, m, 1); /* read only where written */
    if (arena_failed(keep)) return TF_ENOMEM;
    for (uint32_t c = 0; c < nc + nr + 1; c++) {
        uint32_t node = c < nc ? pt->categories[c].node : c < nc + nr ? pt->requires[c - nc].node : pt->pass;
        if (node == NODE_NONE) continue;
        if (vec_eval(&x, node, tv, tk)) return TF_ENOMEM;
        for (uint32_t k = 0; k < m; k++) cond[c][k] = tk[k] && tv[k].i;
    }
    /* without conditions (no category, requirement or pass mark) every row's tier is the
     * same: folded once */
    int per_row = nc || nr || pt->pass != NODE_NONE;
    uint8_t cat[PTS_MAX_ITEMS] = {0}, req[PTS_MAX_REQ] = {0};
    score sc = {.category = -1, .passes = -1}; /* (set by fold_tier before it is read) */
    if (!per_row) fold_tier(pt, cat, -1, req, &sc);
    for (uint32_t k = 0; k < m; k++) {
        for (uint32_t c = 0; c < nc; c++) cat[c] = cond[c][k];
        for (uint32_t c = 0; c < nr; c++) req[c] = cond[nc + c][k];
        if (per_row) fold_tier(pt, cat, pt->pass == NODE_NONE ? -1 : cond[nc + nr][k], req, &sc);
        kind_result *res = &ch->res[sel[k]];
        res->total = pts[0][k];
        res->complete = kn[0][k];
        res->category = (int16_t)sc.category;
        res->passes = (int8_t)sc.passes;
        if (!res->complete) { /* name the input a factor lacks, as tf_assess does */
            kind_row_case(s->r, ch->rows, sel[k], s->view);
            for (uint32_t i = 0; i < ni && res->missing < 0; i++)
                if (!pt->items[i].is_group && !kn[1 + i][k])
                    res->missing = (int16_t)missing_under(rb, s->view, pt->items[i].node, 0);
        }
    }
    return TF_OK;
}


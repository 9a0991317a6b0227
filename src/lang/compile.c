/*
 * compile.c — from checked syntax trees to the immutable IR.
 *
 * For each rulebook: sources, sets and values get dense indices; every expression a
 * rule evaluates at run time becomes nodes in one array (a set operand of `in` that is
 * not a plain set name is hoisted into an anonymous set); then the epochs are built:
 * every date at which a set item, a value version or a rule starts or stops splits
 * time, and for each interval every set is computed as a bitset, every value
 * evaluated, and every rule marked in force or not. After this nothing dated is ever
 * resolved again. Everything is allocated in the rule set's arena; the syntax trees
 * are not referenced afterwards.
 */
#include <stdlib.h>
#include <string.h>

#include "base/country.h"
#include "base/date.h"
#include "eval/eval.h"
#include "lang/lex.h"
#include "lang/sema.h"

typedef struct {
    ast_expr *e;         /* a hoisted set expression */
} hoist;

typedef struct {
    sema *s;
    sema_book *bk;
    ir_rulebook *ib;
    arena *m;            /* the rule set's arena */
    ir_node *nodes;      /* malloc'd while building */
    uint32_t nnodes, cap;
    uint32_t *set_of;    /* decl index -> set index */
    uint32_t *val_of;    /* decl index -> value index */
    uint32_t *src_of;    /* decl index -> source index */
    uint32_t *rule_of;   /* decl index -> rule index */
    ast_expr **hoisted;  /* set index - named count -> expression */
    uint32_t nhoisted, hcap;
    uint32_t nnamed;     /* named sets */
    uint32_t **val_item_node; /* per value, per item: node */
    uint32_t *let_of;    /* decl index -> let index */
    ir_band *bands;      /* malloc'd while building */
    uint32_t nbands, bcap;
    int oom;
} cc;

static uint32_t node(cc *c, opcode op, type_t t, uint32_t a, uint32_t b, span sp) {
    if (c->nnodes == c->cap) {
        uint32_t cap = c->cap ? c->cap * 2 : 256;
        ir_node *nn = realloc(c->nodes, cap * sizeof *nn);
        if (!nn) {
            c->oom = 1;
            return 0;
        }
        c->nodes = nn;
        c->cap = cap;
    }
    ir_node *n = &c->nodes[c->nnodes];
    memset(n, 0, sizeof *n);
    n->op = (uint16_t)op;
    n->type = t;
    n->a = a;
    n->b = b;
    n->sp = sp;
    return c->nnodes++;
}

static uint32_t konst(cc *c, type_t t, rv k, span sp) {
    uint32_t n = node(c, OP_CONST, t, 0, 0, sp);
    if (!c->oom) c->nodes[n].k = k;
    return n;
}

static int is_dbl(type_t t) { return TYPE_BASE(t) == TY_NUMBER || TYPE_BASE(t) == TY_MONEY; }

static uint32_t emit(cc *c, ast_expr *e);
static uint32_t emit_bands(cc *c, ast_expr *e);
static uint32_t emit_call(cc *c, ast_expr *e);

/* Emits e converted to a double when its type is an integer kind. */
static uint32_t emit_dbl(cc *c, ast_expr *e) {
    uint32_t n = emit(c, e);
    if (is_dbl(e->type)) return n;
    return node(c, OP_I2D, TYPE(TY_NUMBER, 0, 0), n, 0, e->sp);
}

/* The set index of a set-typed expression: a named set, or a new hoisted one. */
static uint32_t set_index(cc *c, ast_expr *e) {
    if (e->kind == EX_NAME && e->ref == REF_SET) return c->set_of[e->ref_index];
    if (c->nhoisted == c->hcap) {
        uint32_t cap = c->hcap ? c->hcap * 2 : 16;
        ast_expr **nh = realloc(c->hoisted, cap * sizeof *nh);
        if (!nh) {
            c->oom = 1;
            return 0;
        }
        c->hoisted = nh;
        c->hcap = cap;
    }
    c->hoisted[c->nhoisted] = e;
    return c->nnamed + c->nhoisted++;
}

static uint32_t emit_binary(cc *c, ast_expr *e) {
    type_t ta = e->a->type, tb = e->b->type;
    ty_base ba = TYPE_BASE(ta), bb = TYPE_BASE(tb);
    int op = e->op;
    if (op == KW_AND || op == KW_OR) {
        uint32_t a = emit(c, e->a), b = emit(c, e->b);
        return node(c, op == KW_AND ? OP_AND : OP_OR, e->type, a, b, e->sp);
    }
    if (op == TK_EQ || op == TK_NE || op == TK_LT || op == TK_LE || op == TK_GT || op == TK_GE) {
        static const opcode oi[] = {OP_EQ_I, OP_NE_I, OP_LT_I, OP_LE_I, OP_GT_I, OP_GE_I};
        static const opcode od[] = {OP_EQ_D, OP_NE_D, OP_LT_D, OP_LE_D, OP_GT_D, OP_GE_D};
        int k = op == TK_EQ ? 0 : op == TK_NE ? 1 : op == TK_LT ? 2 : op == TK_LE ? 3 : op == TK_GT ? 4 : 5;
        if (ba == TY_STRING) {
            uint32_t a = emit(c, e->a), b = emit(c, e->b);
            return node(c, k == 0 ? OP_EQ_S : OP_NE_S, e->type, a, b, e->sp);
        }
        if (is_dbl(ta) || is_dbl(tb)) {
            uint32_t a = emit_dbl(c, e->a), b = emit_dbl(c, e->b);
            return node(c, od[k], e->type, a, b, e->sp);
        }
        uint32_t a = emit(c, e->a), b = emit(c, e->b);
        return node(c, oi[k], e->type, a, b, e->sp);
    }
    /* arithmetic */
    if (ba == TY_DATE && bb == TY_DURATION) {
        uint32_t a = emit(c, e->a), b = emit(c, e->b);
        return node(c, op == TK_PLUS ? OP_DATE_ADD : OP_DATE_SUB, e->type, a, b, e->sp);
    }
    if (ba == TY_DATE && bb == TY_DATE) {
        uint32_t a = emit(c, e->a), b = emit(c, e->b);
        uint32_t d = node(c, OP_SUB_I, TYPE(TY_INT, 0, 0), a, b, e->sp);
        return node(c, OP_DAYS2MIN, e->type, d, 0, e->sp);
    }
    opcode oi = op == TK_PLUS ? OP_ADD_I : op == TK_MINUS ? OP_SUB_I : op == TK_STAR ? OP_MUL_I : OP_DIV_I;
    opcode od = op == TK_PLUS ? OP_ADD_D : op == TK_MINUS ? OP_SUB_D : op == TK_STAR ? OP_MUL_D : OP_DIV_D;
    if (TYPE_BASE(e->type) == TY_DURATION && (ba == TY_NUMBER || bb == TY_NUMBER)) {
        /* a duration scaled by a fraction: computed in doubles, rounded to a minute */
        uint32_t a = emit_dbl(c, e->a), b = emit_dbl(c, e->b);
        uint32_t m = node(c, OP_MUL_D, TYPE(TY_NUMBER, 0, 0), a, b, e->sp);
        return node(c, OP_D2I, e->type, m, 0, e->sp);
    }
    if (is_dbl(e->type)) {
        uint32_t a = emit_dbl(c, e->a), b = emit_dbl(c, e->b);
        return node(c, od, e->type, a, b, e->sp);
    }
    uint32_t a = emit(c, e->a), b = emit(c, e->b);
    return node(c, oi, e->type, a, b, e->sp);
}

/* Emits e as a double when `dbl`, else as it is. */
static uint32_t emit_as(cc *c, ast_expr *e, int dbl) { return dbl ? emit_dbl(c, e) : emit(c, e); }

/* bands: the subject, then a band table entry per band; compared in doubles when the
 * subject or any edge is a number. */
static uint32_t emit_bands(cc *c, ast_expr *e) {
    int dbl = is_dbl(e->a->type);
    for (uint32_t i = 0; i < e->nbands; i++) {
        if (e->bands[i].lo && is_dbl(e->bands[i].lo->type)) dbl = 1;
        if (e->bands[i].hi && is_dbl(e->bands[i].hi->type)) dbl = 1;
    }
    int vdbl = is_dbl(e->type);
    uint32_t subj = emit_as(c, e->a, dbl);
    ir_band *tmp = calloc(e->nbands ? e->nbands : 1, sizeof *tmp);
    if (!tmp) {
        c->oom = 1;
        return 0;
    }
    for (uint32_t i = 0; i < e->nbands; i++) {
        ast_band *b = &e->bands[i];
        tmp[i].op = b->op;
        tmp[i].lo = b->lo ? emit_as(c, b->lo, dbl) : NODE_NONE;
        tmp[i].hi = b->hi ? emit_as(c, b->hi, dbl) : NODE_NONE;
        tmp[i].val = emit_as(c, b->val, vdbl);
    }
    /* the bands of one expression are contiguous */
    if (c->nbands + e->nbands > c->bcap) {
        uint32_t cap = (c->bcap + e->nbands) * 2;
        ir_band *nb = realloc(c->bands, cap * sizeof *nb);
        if (!nb) {
            free(tmp);
            c->oom = 1;
            return 0;
        }
        c->bands = nb;
        c->bcap = cap;
    }
    uint32_t first = c->nbands;
    memcpy(c->bands + first, tmp, e->nbands * sizeof *tmp);
    c->nbands += e->nbands;
    free(tmp);
    uint32_t n = node(c, OP_BANDS, e->type, subj, first, e->sp);
    if (!c->oom) {
        c->nodes[n].c = e->nbands;
        c->nodes[n].pad = (uint16_t)dbl;
    }
    return n;
}

/* Built-in calls. An aggregate's node: a the list, b the filter, c the function, k.i
 * the map; its type says whether it sums integers or doubles. */
static uint32_t emit_call(cc *c, ast_expr *e) {
    switch ((builtin_fn)e->fn) {
    case FN_GIVEN: {
        ast_expr *a = e->a;
        return node(c, OP_GIVEN, e->type, a->ref_index, 0, e->sp);
    }
    case FN_YEARS_SINCE: return node(c, OP_YEARS_SINCE, e->type, emit(c, e->a), 0, e->sp);
    default: break;
    }
    ast_expr *list = e->agg_for ? e->c : e->a;
    uint32_t l = emit(c, list);
    uint32_t filter = e->b ? emit(c, e->b) : NODE_NONE;
    uint32_t map = e->agg_for ? emit_as(c, e->a, is_dbl(e->type)) : NODE_NONE;
    uint32_t n = node(c, OP_AGG, e->type, l, filter, e->sp);
    if (!c->oom) {
        c->nodes[n].c = (uint32_t)e->fn;
        c->nodes[n].k.i = map;
    }
    return n;
}

/* Emits the nodes of a checked scalar expression; returns the root's index. */
static uint32_t emit(cc *c, ast_expr *e) {
    rv k = {0};
    switch (e->kind) {
    case EX_NAME:
        switch (e->ref) {
        case REF_INPUT:
            if (TYPE_BASE(e->type) == TY_LIST) return node(c, OP_LIST, e->type, e->ref_index, 0, e->sp);
            return node(c, OP_INPUT, e->type, e->ref_index, 0, e->sp);
        case REF_FIELD: return node(c, OP_LIST, e->type, e->ref_index, e->ref_field + 1, e->sp);
        case REF_ELEM: return node(c, OP_ELEM, e->type, 0, e->ref_field, e->sp);
        case REF_LOOPVAR: return node(c, OP_LOOPVAR, e->type, 0, 0, e->sp);
        case REF_ASOF: return node(c, OP_ASOF, e->type, 0, 0, e->sp);
        case REF_POINTS: return node(c, OP_POINTS, e->type, e->ref_index, 0, e->sp);
        case REF_LET: return node(c, OP_LET, e->type, c->let_of[e->ref_index], 0, e->sp);
        case REF_VALUE: return node(c, OP_VALUE, e->type, c->val_of[e->ref_index], 0, e->sp);
        default: k.i = e->ref_index; return konst(c, e->type, k, e->sp);
        }
    case EX_NUMBER:
    case EX_MONEY:
        if (TYPE_BASE(e->type) == TY_INT) k.i = (int64_t)e->num;
        else k.d = e->num;
        return konst(c, e->type, k, e->sp);
    case EX_STRING: k.s = sema_string_lit(c->s, e->sp); return konst(c, e->type, k, e->sp);
    case EX_DATE:
    case EX_TIME:
    case EX_DURATION:
    case EX_BOOL: k.i = e->ival; return konst(c, e->type, k, e->sp);
    case EX_SETLIT: return 0; /* sets are never scalar operands; see set_index */
    case EX_BINARY: return emit_binary(c, e);
    case EX_UNARY: {
        if (e->op == KW_NOT) return node(c, OP_NOT, e->type, emit(c, e->a), 0, e->sp);
        uint32_t a = emit(c, e->a);
        return node(c, is_dbl(e->type) ? OP_NEG_D : OP_NEG_I, e->type, a, 0, e->sp);
    }
    case EX_IN: {
        uint32_t a = emit(c, e->a);
        uint32_t n = node(c, OP_IN, e->type, a, set_index(c, e->b), e->sp);
        if (!c->oom) c->nodes[n].c = (uint32_t)e->op;
        return n;
    }
    case EX_BANDS: return emit_bands(c, e);
    case EX_CALL: return emit_call(c, e);
    case EX_IF: {
        uint32_t cond = emit(c, e->a);
        uint32_t a = is_dbl(e->type) ? emit_dbl(c, e->b) : emit(c, e->b);
        uint32_t b = is_dbl(e->type) ? emit_dbl(c, e->c) : emit(c, e->c);
        uint32_t n = node(c, OP_IF, e->type, cond, a, e->sp);
        if (!c->oom) c->nodes[n].c = b;
        return n;
    }
    }
    return 0;
}

/* ---- sources, sets, values ---------------------------------------------------- */

static uint16_t *cites_of(cc *c, const ast_cites *ac, uint32_t *n) {
    *n = 0;
    if (!ac->n) return NULL;
    uint16_t *v = arena_array(c->m, ac->n, sizeof(uint16_t));
    if (!v) return NULL;
    ast_rulebook *rb = c->bk->ast;
    for (uint32_t i = 0; i < ac->n; i++)
        for (uint32_t d = 0; d < rb->ndecls; d++)
            if (rb->decls[d].kind == D_SOURCE && rb->decls[d].name.len == ac->ids[i].len &&
                !memcmp(c->s->texts[ac->ids[i].file] + ac->ids[i].off,
                        c->s->texts[rb->decls[d].name.file] + rb->decls[d].name.off, ac->ids[i].len)) {
                v[(*n)++] = (uint16_t)c->src_of[d];
                break;
            }
    return v;
}

static ir_period *periods_of(cc *c, ast_decl *d) {
    ir_period *p = arena_array(c->m, d->nitems ? d->nitems : 1, sizeof *p);
    if (!p) return NULL;
    for (uint32_t i = 0; i < d->nitems; i++) {
        p[i].from = d->items[i].from;
        p[i].until = d->items[i].until;
        p[i].sp = d->items[i].sp;
        p[i].cites = cites_of(c, &d->items[i].cites, &p[i].ncites);
    }
    return p;
}

static int active(int32_t from, int32_t until, int32_t day) {
    return (from == DATE_NONE || from <= day) && (until == DATE_NONE || day <= until);
}

/* Computes a constant set expression as of epoch ep (whose earlier sets are filled). */
static void eval_set(cc *c, const ast_expr *e, const ir_epoch *ep, bits256 *out) {
    memset(out, 0, sizeof *out);
    switch (e->kind) {
    case EX_SETLIT:
        for (uint32_t i = 0; i < e->nelems; i++)
            if (e->elems[i].ref_index < 256) bits_add(out, e->elems[i].ref_index);
        return;
    case EX_NAME: *out = ep->sets[c->set_of[e->ref_index]]; return;
    case EX_BINARY: {
        bits256 a, b;
        eval_set(c, e->a, ep, &a);
        eval_set(c, e->b, ep, &b);
        for (int w = 0; w < 4; w++)
            out->w[w] = e->op == TK_PLUS ? a.w[w] | b.w[w] : e->op == TK_MINUS ? a.w[w] & ~b.w[w] : a.w[w] & b.w[w];
        return;
    }
    case EX_IF: /* constant condition over sets and values */
    default: return;
    }
}

/* ---- rules ---------------------------------------------------------------------- */

static const char *span_text(cc *c, span sp) { return sema_str(c->s, sp); }

static void compile_rule(cc *c, ast_decl *d, ir_rule *r) {
    sema *s = c->s;
    r->name = sema_str(s, d->name);
    size_t n = strlen(c->ib->id) + 1 + strlen(r->name) + 1;
    char *id = arena_alloc(c->m, n);
    if (id) {
        strcpy(id, c->ib->id);
        strcat(id, ".");
        strcat(id, r->name);
    }
    r->id = id;
    r->title = sema_string_lit(s, d->title);
    r->is_transit = d->kind == D_TRANSIT;
    r->out = r->is_transit ? OUT_TRANSIT_VISA_FREE : OUT_VISA_FREE;
    r->from = r->until = DATE_NONE;
    r->stay = r->limit = r->limit_window = NODE_NONE;
    r->sp = d->name;
    r->cites = cites_of(c, &d->cites, &r->ncites);
    uint32_t nreq = 0;
    for (uint32_t i = 0; i < d->nclauses; i++) {
        cl_kind k = d->clauses[i].kind;
        nreq += k == CL_REQUIRE || k == CL_PORTS || k == CL_EXIT_PORTS;
    }
    r->clauses = arena_array(c->m, nreq ? nreq : 1, sizeof(ir_clause));
    if (!r->clauses) return;
    for (uint32_t i = 0; i < d->nclauses; i++) {
        ast_clause *ac = &d->clauses[i];
        switch (ac->kind) {
        case CL_FROM: date_parse(s->texts[ac->name.file] + ac->name.off, ac->name.len, &r->from); break;
        case CL_UNTIL: date_parse(s->texts[ac->name.file] + ac->name.off, ac->name.len, &r->until); break;
        case CL_OUTCOME: r->out = (outcome)outcome_find(s->texts[ac->name.file] + ac->name.off, ac->name.len); break;
        case CL_STAY:
            r->stay = emit(c, ac->e);
            r->counting = ac->counting;
            break;
        case CL_LIMIT:
            r->limit = emit(c, ac->e);
            r->limit_window = emit(c, ac->e2);
            break;
        case CL_REQUIRE:
        case CL_PORTS:
        case CL_EXIT_PORTS: {
            ir_clause *cl = &r->clauses[r->nclauses++];
            cl->sp = ac->sp;
            if (ac->kind == CL_REQUIRE) {
                cl->kind = RC_REQUIRE;
                cl->node = emit(c, ac->e);
                cl->text = span_text(c, ac->e->sp);
            } else {
                int exitp = ac->kind == CL_EXIT_PORTS;
                cl->kind = exitp ? RC_EXIT_PORTS : RC_PORTS;
                int in = exitp ? s->r->in_exit_port : s->r->in_entry_port;
                if (in < 0) {
                    diag_error(s->d, ac->sp, "'ports' needs the input %s", exitp ? "trip.exit_port" : "trip.entry_port");
                    break;
                }
                uint32_t a = node(c, OP_INPUT, TYPE(TY_PORT, 0, 0), (uint32_t)in, 0, ac->sp);
                cl->node = node(c, OP_IN, TYPE(TY_BOOL, 0, 0), a, set_index(c, ac->e), ac->sp);
                const char *set = span_text(c, ac->e->sp);
                const char *lhs = exitp ? "trip.exit_port in " : "trip.entry_port in ";
                char *t = arena_alloc(c->m, strlen(lhs) + strlen(set) + 1);
                if (t) {
                    strcpy(t, lhs);
                    strcat(t, set);
                }
                cl->text = t;
            }
            cl->because = ac->because.len ? sema_string_lit(s, ac->because) : NULL;
            cl->cites = cites_of(c, &ac->cites, &cl->ncites);
            if (!cl->ncites) {
                cl->cites = r->cites;
                cl->ncites = r->ncites;
            }
            break;
        }
        }
    }
}

/* ---- derived values and points ----------------------------------------------------- */

/* True when e depends on the evaluation date: as_of, years_since, or a let that does. */
static int on_date(cc *c, const ast_expr *e, int depth) {
    if (!e || depth > 200) return 0;
    if (e->kind == EX_NAME) {
        if (e->ref == REF_ASOF) return 1;
        if (e->ref == REF_LET) return on_date(c, c->bk->ast->decls[e->ref_index].e, depth + 1);
        return 0;
    }
    if (e->kind == EX_CALL && e->fn == FN_YEARS_SINCE) return 1;
    if (on_date(c, e->a, depth + 1) || on_date(c, e->b, depth + 1) || on_date(c, e->c, depth + 1)) return 1;
    for (uint32_t i = 0; i < e->nbands; i++)
        if (on_date(c, e->bands[i].lo, depth + 1) || on_date(c, e->bands[i].hi, depth + 1) ||
            on_date(c, e->bands[i].val, depth + 1))
            return 1;
    return 0;
}

static void compile_points(cc *c, ast_decl *d) {
    sema *s = c->s;
    ir_points *pt = arena_alloc(c->m, sizeof *pt);
    if (!pt) return;
    c->ib->points = pt;
    pt->name = sema_str(s, d->name);
    size_t n = strlen(c->ib->id) + strlen(pt->name) + 2;
    char *id = arena_alloc(c->m, n);
    if (id) snprintf(id, n, "%s.%s", c->ib->id, pt->name);
    pt->id = id;
    pt->title = sema_string_lit(s, d->title);
    pt->sp = d->name;
    pt->pass = NODE_NONE;
    pt->cites = cites_of(c, &d->cites, &pt->ncites);
    uint32_t ni = 0, nc = 0, nr = 0;
    for (uint32_t i = 0; i < d->npclauses; i++) {
        pc_kind k = d->pclauses[i].kind;
        ni += k <= PC_GROUP;
        nc += k == PC_CATEGORY;
        nr += k == PC_REQUIRE;
    }
    pt->items = arena_array(c->m, ni ? ni : 1, sizeof(ir_item));
    pt->categories = arena_array(c->m, nc ? nc : 1, sizeof(ir_cond));
    pt->requires = arena_array(c->m, nr ? nr : 1, sizeof(ir_require));
    if (!pt->items || !pt->categories || !pt->requires) return;
    for (uint32_t i = 0; i < d->npclauses; i++) {
        ast_pclause *pc = &d->pclauses[i];
        switch (pc->kind) {
        case PC_FACTOR:
        case PC_GROUP: {
            ir_item *it = &pt->items[pt->nitems++];
            it->id = sema_str(s, pc->name);
            it->title = sema_string_lit(s, pc->title);
            it->is_group = pc->kind == PC_GROUP;
            it->node = pc->e ? emit_dbl(c, pc->e) : NODE_NONE;
            it->max = pc->max ? emit_dbl(c, pc->max) : NODE_NONE;
            it->owner = -1;
            it->sp = pc->name;
            it->cites = cites_of(c, &pc->cites, &it->ncites);
            if (!it->ncites) {
                it->cites = pt->cites;
                it->ncites = pt->ncites;
            }
            break;
        }
        case PC_CATEGORY:
            pt->categories[pt->ncategories++] = (ir_cond){sema_str(s, pc->name), emit(c, pc->e), pc->sp};
            break;
        case PC_PASS:
            pt->pass = emit(c, pc->e);
            pt->pass_sp = pc->sp;
            break;
        case PC_REQUIRE: {
            ir_require *rq = &pt->requires[pt->nrequires++];
            rq->node = emit(c, pc->e);
            rq->text = sema_str(s, pc->e->sp);
            rq->because = pc->because.len ? sema_string_lit(s, pc->because) : NULL;
            rq->sp = pc->sp;
            rq->cites = cites_of(c, &pc->cites, &rq->ncites);
            if (!rq->ncites) {
                rq->cites = pt->cites;
                rq->ncites = pt->ncites;
            }
            break;
        }
        }
    }
    /* group membership, by id (the checker has verified every member exists once) */
    uint32_t k = 0;
    for (uint32_t i = 0; i < d->npclauses; i++) {
        ast_pclause *pc = &d->pclauses[i];
        if (pc->kind > PC_GROUP) continue;
        ir_item *g = &pt->items[k];
        if (pc->kind == PC_GROUP) {
            g->members = arena_array(c->m, pc->nmembers ? pc->nmembers : 1, sizeof(uint32_t));
            if (!g->members) return;
            for (uint32_t m = 0; m < pc->nmembers; m++)
                for (uint32_t j = 0; j < pt->nitems; j++)
                    if (sema_is(s, pc->members[m], pt->items[j].id)) {
                        g->members[g->nmembers++] = j;
                        pt->items[j].owner = (int)k;
                    }
        }
        k++;
    }
}

static void compile_pathway(cc *c, ast_decl *d) {
    sema *s = c->s;
    ir_pathway *pw = arena_alloc(c->m, sizeof *pw);
    if (!pw) return;
    c->ib->pathway = pw;
    pw->name = sema_str(s, d->name);
    size_t n = strlen(c->ib->id) + strlen(pw->name) + 2;
    char *id = arena_alloc(c->m, n);
    if (id) snprintf(id, n, "%s.%s", c->ib->id, pw->name);
    pw->id = id;
    pw->title = sema_string_lit(s, d->title);
    pw->sp = d->name;
    pw->departure_present = d->departure_present;
    pw->return_present = d->return_present;
    pw->period_inclusive = d->period_inclusive;
    pw->cites = cites_of(c, &d->cites, &pw->ncites);
    pw->clauses = arena_array(c->m, d->nwclauses ? d->nwclauses : 1, sizeof(ir_wclause));
    if (!pw->clauses) return;
    for (uint32_t i = 0; i < d->nwclauses; i++) {
        ast_wclause *a = &d->wclauses[i];
        ir_wclause *w = &pw->clauses[pw->nclauses++];
        w->kind = (pathway_kind)a->kind;
        w->n = a->n;
        w->len = a->len;
        w->unit = a->unit;
        w->early = a->early;
        w->prospective = a->prospective;
        w->sp = a->sp;
        w->node = a->e ? emit(c, a->e) : NODE_NONE;
        w->label = a->label.len ? sema_string_lit(s, a->label) : a->e ? sema_str(s, a->e->sp) : sema_str(s, a->sp);
        w->cites = cites_of(c, &a->cites, &w->ncites);
        if (!w->ncites) {
            w->cites = pw->cites;
            w->ncites = pw->ncites;
        }
        w->weights = arena_array(c->m, a->nweights ? a->nweights : 1, sizeof(ir_weight));
        w->statuses = arena_array(c->m, a->nstatuses ? a->nstatuses : 1, sizeof(char *));
        if (!w->weights || !w->statuses) return;
        for (uint32_t k = 0; k < a->nweights; k++) {
            ir_weight *wt = &w->weights[w->nweights++];
            wt->weight = a->weights[k].weight;
            wt->cap = a->weights[k].cap;
            wt->statuses = arena_array(c->m, a->weights[k].n ? a->weights[k].n : 1, sizeof(char *));
            if (!wt->statuses) return;
            for (uint32_t j = 0; j < a->weights[k].n; j++) wt->statuses[wt->n++] = sema_str(s, a->weights[k].statuses[j]);
        }
        for (uint32_t k = 0; k < a->nstatuses; k++) w->statuses[w->nstatuses++] = sema_str(s, a->statuses[k]);
    }
}

/* ---- tests ---------------------------------------------------------------------- */

/* The value of a constant given (checked by the checker) as a case would hold it. */
static void given_rv(cc *c, ast_expr *v, type_t want, rv *out, const char **text) {
    *text = NULL;
    if (v->ref == REF_PORT && v->ref_index == PORT_UNDESIGNATED) {
        out->i = PORT_UNDESIGNATED;
        *text = sema_str(c->s, v->sp);
    } else if (v->kind == EX_NAME || v->kind == EX_DATE || v->kind == EX_TIME || v->kind == EX_BOOL ||
               v->kind == EX_DURATION) {
        out->i = v->kind == EX_NAME ? (int64_t)v->ref_index : v->ival;
    } else if (v->kind == EX_STRING) {
        out->s = sema_string_lit(c->s, v->sp);
    } else {
        double num = v->kind == EX_UNARY && v->a ? -v->a->num : v->num; /* numbers, maybe negated */
        if (is_dbl(want)) out->d = num;
        else out->i = (int64_t)num;
    }
}

static void compile_test(cc *c, ast_decl *d, ir_test *t) {
    sema *s = c->s;
    t->name = sema_string_lit(s, d->name);
    t->sp = d->sp;
    t->as_of = t->until = TF_DATE_DEFAULT;
    t->by = -1;
    if (d->as_of.len) date_parse(s->texts[d->as_of.file] + d->as_of.off, d->as_of.len, &t->as_of);
    if (d->until.len) date_parse(s->texts[d->until.file] + d->until.off, d->until.len, &t->until);
    t->passes = -1;
    if (!d->expect_total && d->expect_eligible < 0) t->expect = (outcome)outcome_find(s->texts[d->expect.file] + d->expect.off, d->expect.len);
    if (d->by.len) {
        ast_rulebook *rb = c->bk->ast;
        for (uint32_t i = 0; i < rb->ndecls; i++)
            if ((rb->decls[i].kind == D_ENTRY || rb->decls[i].kind == D_TRANSIT) && rb->decls[i].name.len == d->by.len &&
                !memcmp(s->texts[d->by.file] + d->by.off, s->texts[rb->decls[i].name.file] + rb->decls[i].name.off,
                        d->by.len))
                t->by = (int)c->rule_of[i];
    }
    t->givens = arena_array(c->m, d->ngivens ? d->ngivens : 1, sizeof(ir_given));
    if (!t->givens) return;
    t->ngivens = d->ngivens;
    for (uint32_t i = 0; i < d->ngivens; i++) {
        ast_given *g = &d->givens[i];
        ir_given *o = &t->givens[i];
        const ir_input *def = &s->r->inputs[g->input];
        o->input = g->input;
        if (!g->is_list) {
            given_rv(c, g->val, def->type, &o->val, &o->text);
            continue;
        }
        o->is_list = 1;
        o->n = g->nitems;
        o->nfields = def->nfields ? def->nfields : 1;
        o->items = arena_array(c->m, (size_t)o->n * o->nfields + 1, sizeof(rv));
        if (!o->items) return;
        for (uint32_t k = 0; k < g->nitems; k++) {
            const char *text;
            if (g->items) {
                given_rv(c, g->items[k], def->elem, &o->items[k], &text);
                continue;
            }
            ast_record *rc = &g->records[k];
            for (uint32_t j = 0; j < rc->n; j++)
                for (uint32_t f = 0; f < def->nfields; f++)
                    if (sema_is(s, rc->fields[j], def->fields[f]))
                        given_rv(c, rc->vals[j], def->ftypes[f], &o->items[k * o->nfields + f], &text);
        }
    }
    if (d->expect_eligible >= 0) {
        t->is_pathway = 1;
        t->eligible = d->expect_eligible;
        if (d->expect_earliest.len) {
            t->has_earliest = 1;
            if (sema_is(s, d->expect_earliest, "none")) t->earliest_none = 1;
            else date_parse(s->texts[d->expect_earliest.file] + d->expect_earliest.off, d->expect_earliest.len, &t->earliest);
        }
        if (d->expect_counted) {
            t->has_counted = 1;
            t->counted = d->expect_counted->num;
        }
    }
    if (d->expect_total) {
        t->is_points = 1;
        t->total = d->expect_total->kind == EX_UNARY ? -d->expect_total->a->num : d->expect_total->num;
        t->passes = d->expect_passes;
        if (d->expect_category.len) {
            if (sema_is(s, d->expect_category, "no")) t->no_category = 1;
            else t->category = sema_str(s, d->expect_category);
        }
    }
}

/* ---- epochs --------------------------------------------------------------------- */

static int cmp_i32(const void *a, const void *b) {
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

static void add_bound(int32_t *v, uint32_t *n, int32_t from, int32_t until) {
    if (from != DATE_NONE) v[(*n)++] = from;
    if (until != DATE_NONE && until < DATE_MAX) v[(*n)++] = until + 1;
}

static void build_epochs(cc *c) {
    ir_rulebook *ib = c->ib;
    ast_rulebook *rb = c->bk->ast;
    uint32_t cap = 1;
    for (uint32_t i = 0; i < rb->ndecls; i++) cap += 2 * (rb->decls[i].nitems + 1);
    int32_t *b = malloc(cap * sizeof *b);
    if (!b) {
        c->oom = 1;
        return;
    }
    uint32_t n = 0;
    b[n++] = DATE_MIN;
    for (uint32_t i = 0; i < rb->ndecls; i++) {
        ast_decl *d = &rb->decls[i];
        if (d->kind == D_SET || d->kind == D_VALUE)
            for (uint32_t j = 0; j < d->nitems; j++) add_bound(b, &n, d->items[j].from, d->items[j].until);
    }
    for (uint32_t i = 0; i < ib->nrules; i++) add_bound(b, &n, ib->rules[i].from, ib->rules[i].until);
    qsort(b, n, sizeof *b, cmp_i32);
    uint32_t u = 0;
    for (uint32_t i = 0; i < n; i++)
        if (!u || b[i] != b[u - 1]) b[u++] = b[i];
    ib->nepochs = u;
    ib->epoch_start = arena_array(c->m, u, sizeof(int32_t));
    ib->epochs = arena_array(c->m, u, sizeof(ir_epoch));
    if (!ib->epoch_start || !ib->epochs) {
        free(b);
        return;
    }
    memcpy(ib->epoch_start, b, u * sizeof *b);
    free(b);
    for (uint32_t e = 0; e < u; e++) {
        ir_epoch *ep = &ib->epochs[e];
        int32_t day = ib->epoch_start[e];
        ep->start = day;
        ep->sets = arena_array(c->m, ib->nsets ? ib->nsets : 1, sizeof(bits256));
        ep->vals = arena_array(c->m, ib->nvals ? ib->nvals : 1, sizeof(rv));
        ep->val_known = arena_array(c->m, ib->nvals ? ib->nvals : 1, 1);
        ep->rule_on = arena_array(c->m, ib->nrules ? ib->nrules : 1, 1);
        if (!ep->sets || !ep->vals || !ep->val_known || !ep->rule_on) return;
        ev_ctx x = {.rb = ib, .ep = ep, .as_of = day};
        /* named sets first (dependencies first), then hoisted sets, which read named
         * ones, then values, which may read either */
        for (int pass = 0; pass < 2; pass++) {
            for (uint32_t k = 0; k < c->bk->norder; k++) {
                ast_decl *d = &rb->decls[c->bk->order[k]];
                if ((d->kind == D_SET) != (pass == 0)) continue;
                for (uint32_t j = 0; j < d->nitems; j++) {
                    if (!active(d->items[j].from, d->items[j].until, day)) continue;
                    if (d->kind == D_SET) {
                        bits256 item;
                        eval_set(c, d->items[j].e, ep, &item);
                        bits256 *dst = &ep->sets[c->set_of[c->bk->order[k]]];
                        for (int w = 0; w < 4; w++) dst->w[w] |= item.w[w];
                    } else {
                        uint32_t vi = c->val_of[c->bk->order[k]];
                        rv out;
                        if (eval_node(&x, c->val_item_node[vi][j], &out)) {
                            ep->vals[vi] = out;
                            ep->val_known[vi] = 1;
                        }
                    }
                }
            }
            if (pass == 0)
                for (uint32_t h = 0; h < c->nhoisted; h++) eval_set(c, c->hoisted[h], ep, &ep->sets[c->nnamed + h]);
        }
        for (uint32_t r = 0; r < ib->nrules; r++) ep->rule_on[r] = (uint8_t)active(ib->rules[r].from, ib->rules[r].until, day);
    }
}

/* ---- one rulebook --------------------------------------------------------------- */

static void compile_book(sema *s, uint32_t bi) {
    sema_book *bk = &s->books[bi];
    ast_rulebook *rb = bk->ast;
    ir_rulebook *ib = &s->r->books[bi];
    cc c = {.s = s, .bk = bk, .ib = ib, .m = &s->r->mem};
    uint32_t nsrc = 0, nval = 0, nrule = 0, ntest = 0, nlet = 0; /* before the first goto out */
    uint32_t nd = rb->ndecls ? rb->ndecls : 1;
    c.let_of = calloc(nd, sizeof(uint32_t));
    c.set_of = calloc(nd, sizeof(uint32_t));
    c.val_of = calloc(nd, sizeof(uint32_t));
    c.src_of = calloc(nd, sizeof(uint32_t));
    c.rule_of = calloc(nd, sizeof(uint32_t));
    if (!c.set_of || !c.val_of || !c.src_of || !c.rule_of || !c.let_of) {
        c.oom = 1; /* out of memory outside the arena: said as the arena would */
        goto out;
    }

    ib->id = sema_str(s, rb->id);
    ib->title = rb->title.len ? sema_string_lit(s, rb->title) : ib->id;
    ib->file = rb->file;
    ib->dest = -1;
    ib->fallback = rb->fallback;
    if (rb->destination.len) ib->dest = country_find(s->texts[rb->file] + rb->destination.off, rb->destination.len);
    ib->otherwise = rb->otherwise.len
                        ? (outcome)outcome_find(s->texts[rb->file] + rb->otherwise.off, rb->otherwise.len)
                        : OUT_VISA_REQUIRED;
    for (uint32_t i = 0; i < rb->ndecls; i++) {
        switch (rb->decls[i].kind) {
        case D_SOURCE: c.src_of[i] = nsrc++; break;
        case D_SET: c.set_of[i] = c.nnamed++; break;
        case D_VALUE: c.val_of[i] = nval++; break;
        case D_ENTRY:
        case D_TRANSIT: c.rule_of[i] = nrule++; break;
        case D_TEST: ntest++; break;
        case D_LET: c.let_of[i] = nlet++; break;
        default: break;
        }
    }
    ib->lets = arena_array(c.m, nlet ? nlet : 1, sizeof(ir_let));
    if (!ib->lets) goto out;
    ib->nlets = nlet;
    /* lets first: rules and values may use them, and their nodes may be emitted in any
     * order since nodes refer to lets by index */
    for (uint32_t i = 0; i < rb->ndecls; i++) {
        ast_decl *d = &rb->decls[i];
        if (d->kind != D_LET) continue;
        ir_let *l = &ib->lets[c.let_of[i]];
        l->name = sema_str(s, d->name);
        l->title = d->title.len ? sema_string_lit(s, d->title) : NULL;
        l->type = bk->dtype[i];
        l->sp = d->name;
        l->node = TYPE_BASE(l->type) == TY_LIST ? emit(&c, d->e) : emit_as(&c, d->e, is_dbl(l->type));
        l->on_date = on_date(&c, d->e, 0);
    }
    ib->sources = arena_array(c.m, nsrc ? nsrc : 1, sizeof(ir_source));
    ib->vals = arena_array(c.m, nval ? nval : 1, sizeof(ir_value));
    ib->rules = arena_array(c.m, nrule ? nrule : 1, sizeof(ir_rule));
    ib->tests = arena_array(c.m, ntest ? ntest : 1, sizeof(ir_test));
    c.val_item_node = calloc(nval ? nval : 1, sizeof(uint32_t *));
    if (!ib->sources || !ib->vals || !ib->rules || !ib->tests || !c.val_item_node) {
        c.oom = 1;
        goto out;
    }
    ib->nvals = nval;
    for (uint32_t i = 0; i < rb->ndecls; i++) {
        ast_decl *d = &rb->decls[i];
        if (d->kind == D_SOURCE) {
            ir_source *src = &ib->sources[ib->nsources++];
            src->id = sema_str(s, d->name);
            src->title = sema_string_lit(s, d->title);
            src->date = sema_str(s, d->date);
            src->urls = arena_array(c.m, d->nurls ? d->nurls : 1, sizeof(char *));
            if (src->urls)
                for (uint32_t u = 0; u < d->nurls; u++) src->urls[src->nurls++] = sema_string_lit(s, d->urls[u]);
        } else if (d->kind == D_VALUE) {
            uint32_t vi = c.val_of[i];
            ir_value *v = &ib->vals[vi];
            v->name = sema_str(s, d->name);
            v->title = d->title.len ? sema_string_lit(s, d->title) : NULL;
            v->type = bk->dtype[i];
            v->sp = d->name;
            v->items = periods_of(&c, d);
            v->nitems = d->nitems;
            c.val_item_node[vi] = calloc(d->nitems ? d->nitems : 1, sizeof(uint32_t));
            if (!c.val_item_node[vi]) {
                c.oom = 1;
                goto out;
            }
            for (uint32_t j = 0; j < d->nitems; j++)
                c.val_item_node[vi][j] = is_dbl(v->type) ? emit_dbl(&c, d->items[j].e) : emit(&c, d->items[j].e);
        }
    }
    for (uint32_t i = 0; i < rb->ndecls; i++)
        if (rb->decls[i].kind == D_ENTRY || rb->decls[i].kind == D_TRANSIT)
            compile_rule(&c, &rb->decls[i], &ib->rules[ib->nrules++]);
    for (uint32_t i = 0; i < rb->ndecls; i++) {
        if (rb->decls[i].kind == D_POINTS) compile_points(&c, &rb->decls[i]);
        if (rb->decls[i].kind == D_PATHWAY) compile_pathway(&c, &rb->decls[i]);
    }
    for (uint32_t i = 0; i < rb->ndecls; i++)
        if (rb->decls[i].kind == D_TEST) compile_test(&c, &rb->decls[i], &ib->tests[ib->ntests++]);
    /* sets: named, then hoisted */
    ib->nsets = c.nnamed + c.nhoisted;
    ib->sets = arena_array(c.m, ib->nsets ? ib->nsets : 1, sizeof(ir_set));
    if (!ib->sets) goto out;
    for (uint32_t i = 0; i < rb->ndecls; i++) {
        ast_decl *d = &rb->decls[i];
        if (d->kind != D_SET) continue;
        ir_set *st = &ib->sets[c.set_of[i]];
        st->name = sema_str(s, d->name);
        st->title = d->title.len ? sema_string_lit(s, d->title) : NULL;
        st->type = bk->dtype[i];
        st->sp = d->name;
        st->items = periods_of(&c, d);
        st->nitems = d->nitems;
    }
    for (uint32_t h = 0; h < c.nhoisted; h++) {
        ir_set *st = &ib->sets[c.nnamed + h];
        st->type = c.hoisted[h]->type;
        st->sp = c.hoisted[h]->sp;
        st->title = span_text(&c, c.hoisted[h]->sp);
    }
    if (c.oom) goto out;
    ib->nodes = arena_array(c.m, c.nnodes ? c.nnodes : 1, sizeof(ir_node));
    if (!ib->nodes) goto out;
    if (c.nnodes) memcpy(ib->nodes, c.nodes, c.nnodes * sizeof(ir_node)); /* c.nodes is NULL when 0 */
    ib->nnodes = c.nnodes;
    ib->bands = arena_array(c.m, c.nbands ? c.nbands : 1, sizeof(ir_band));
    if (!ib->bands) goto out;
    if (c.nbands) memcpy(ib->bands, c.bands, c.nbands * sizeof(ir_band));
    ib->nbands = c.nbands;
    build_epochs(&c);
out:
    if (c.oom) s->r->mem.failed = true;
    if (c.val_item_node)
        for (uint32_t i = 0; i < nval; i++) free(c.val_item_node[i]);
    free(c.val_item_node);
    free(c.nodes);
    free(c.bands);
    free(c.let_of);
    free(c.hoisted);
    free(c.set_of);
    free(c.val_of);
    free(c.src_of);
    free(c.rule_of);
}

/* The entry kind reads these inputs by name; find them once. */
static void bind_kind_inputs(tf_rules *r) {
#define BIND(field, name) r->field = ir_input_find(r, name, strlen(name))
    BIND(in_nationality, "nationality");
    BIND(in_document, "document");
    BIND(in_to, "trip.to");
    BIND(in_purpose, "trip.purpose");
    BIND(in_entry_date, "trip.entry_date");
    BIND(in_days, "trip.days");
    BIND(in_exit_date, "trip.exit_date");
    BIND(in_exit_time, "trip.exit_time");
    BIND(in_entry_port, "trip.entry_port");
    BIND(in_exit_port, "trip.exit_port");
    BIND(in_from, "trip.from");
    BIND(in_onward, "trip.onward");
    BIND(in_birth_date, "birth_date");
    BIND(in_age, "age");
    BIND(in_statuses, "residence.statuses");
    BIND(in_absences, "residence.absences");
#undef BIND
}

/* Input defaults: constants evaluated once. */
static void compile_defaults(sema *s) {
    for (uint32_t i = 0; i < s->r->ninputs; i++) {
        ast_expr *e = s->input_decls[i]->deflt;
        if (!e) continue;
        ir_input *in = &s->r->inputs[i];
        in->has_default = 1;
        if (e->kind == EX_NAME) in->deflt.i = e->ref_index;
        else if (is_dbl(in->type)) in->deflt.d = e->kind == EX_UNARY ? -e->a->num : e->num;
        else if (e->kind == EX_NUMBER) in->deflt.i = (int64_t)e->num;
        else if (e->kind == EX_STRING) in->deflt.s = sema_string_lit(s, e->sp);
        else in->deflt.i = e->ival;
    }
}

void compile_all(sema *s) {
    tf_rules *r = s->r;
    bind_kind_inputs(r);
    compile_defaults(s);
    r->books = arena_array(&r->mem, s->nbooks ? s->nbooks : 1, sizeof(ir_rulebook));
    if (!r->books) return;
    r->nbooks = s->nbooks;
    for (int i = 0; i < 256; i++) r->dest_book[i] = r->dest_fallback[i] = -1;
    for (uint32_t b = 0; b < s->nbooks; b++) compile_book(s, b);
    /* a rulebook written for a destination takes precedence over a fallback for it */
    for (uint32_t b = 0; b < s->nbooks; b++) {
        int dest = r->books[b].dest;
        if (dest < 0) continue;
        int16_t *slot = r->books[b].fallback ? &r->dest_fallback[dest] : &r->dest_book[dest];
        if (*slot >= 0) {
            diag_error(s->d, s->books[b].ast->destination, "rulebooks %s and %s both decide for destination %s%s",
                       r->books[*slot].id, r->books[b].id, country_at(dest)->code,
                       r->books[b].fallback ? " as fallbacks" : "");
            continue;
        }
        *slot = (int16_t)b;
    }
    for (int i = 0; i < 256; i++)
        if (r->dest_book[i] < 0) {
            r->dest_book[i] = r->dest_fallback[i];
            r->dest_fallback[i] = -1;
        }
}

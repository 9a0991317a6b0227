/*
 * check.c — names, types and dates: everything that must hold before compilation.
 *
 * Runs over the syntax trees of all rulebooks of a compilation. First the global names:
 * types, inputs (the case document) and ports, which every rulebook sees. Then each
 * rulebook on its own: sources, sets, values, rules and tests. Sets and values are typed
 * lazily, on first use, which both allows declarations in any order and finds cycles
 * (a set that refers to itself). The checker reports, and never stops at the first
 * error: every unknown name, type mismatch, impossible date, overlap of dated versions
 * and period that ends before it begins is reported in one run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/country.h"
#include "base/date.h"
#include "lang/lex.h"
#include "lang/parse.h"
#include "lang/sema.h"

/* ---- small helpers shared with compile.c ----------------------------------------- */

const char *sema_str(sema *s, span sp) {
    return arena_strndup(&s->r->mem, s->texts[sp.file] + sp.off, sp.len);
}

const char *sema_string_lit(sema *s, span sp) {
    if (sp.len < 2) return arena_strndup(&s->r->mem, "", 0);
    const char *t = s->texts[sp.file] + sp.off + 1;
    size_t n = sp.len - 2;
    char *out = arena_alloc(&s->r->mem, n + 1);
    if (!out) return "";
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        /* the run of bytes up to the next escape, in one copy: most strings have none */
        const char *esc = memchr(t + i, '\\', n - i);
        size_t run = esc ? (size_t)(esc - (t + i)) : n - i;
        memcpy(out + j, t + i, run);
        j += run;
        i += run;
        if (i == n) break;
        char c = t[i];
        if (i + 1 < n) {
            c = t[++i];
            if (c == 'n') c = '\n';
        }
        out[j++] = c;
    }
    out[j] = 0;
    return out;
}

int sema_is(const sema *s, span sp, const char *w) {
    size_t n = strlen(w);
    return sp.len == n && memcmp(s->texts[sp.file] + sp.off, w, n) == 0;
}

static int span_eq(const sema *s, span a, span b) {
    return a.len == b.len && memcmp(s->texts[a.file] + a.off, s->texts[b.file] + b.off, a.len) == 0;
}

#define SP(s, sp) (int)(sp).len, (s)->texts[(sp).file] + (sp).off

/* A readable name for a type, in a static rotating buffer (for messages). */
static const char *type_name(const sema *s, type_t t) {
    static char bufs[4][96];
    static int next;
    char *b = bufs[next++ & 3];
    static const char *const base[] = {"(error)", "bool", "int", "number", "money", "date",
                                       "time", "duration", "country", "port", "string",
                                       "enum", "set", "list"};
    ty_base k = TYPE_BASE(t);
    if (k == TY_ENUM) {
        uint32_t e = TYPE_ARG(t);
        snprintf(b, 96, "%s", e < s->r->nenums ? s->r->enums[e].name : "enum");
    } else if (k == TY_SET) {
        type_t el = TYPE_SET_ELEM(t);
        snprintf(b, 96, "set of %s", TYPE_BASE(el) == TY_ENUM ? type_name(s, el) : base[TYPE_BASE(el)]);
    } else if (k == TY_MONEY) {
        uint32_t c = TYPE_ARG(t);
        snprintf(b, 96, "money %c%c%c", 'A' + (int)(c / 676), 'A' + (int)(c / 26 % 26), 'A' + (int)(c % 26));
    } else {
        snprintf(b, 96, "%s", k <= TY_LIST ? base[k] : "?");
    }
    return b;
}

/* A type's name with its article ("an int", "a set of country"), for messages; in a
 * static rotating buffer like type_name. */
static const char *a_type(const sema *s, type_t t) {
    static char bufs[4][104];
    static int next;
    char *b = bufs[next++ & 3];
    const char *n = type_name(s, t);
    snprintf(b, sizeof bufs[0], "%s %s", n[0] && strchr("aeiouAEIOU", n[0]) ? "an" : "a", n);
    return b;
}

/* Every outcome, comma-separated, for the message about an unknown one. */
static const char *outcome_list(void) {
    static char buf[256];
    if (!buf[0])
        for (int i = 0; i < OUT__COUNT; i++)
            snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s%s", i ? ", " : "", outcome_names[i]);
    return buf;
}

/* Edit distance between a[0..na) and b[0..nb), for names of at most 63 bytes (64 beyond). */
static int edit_distance(const char *a, size_t na, const char *b, size_t nb) {
    if (na > 63 || nb > 63) return 64;
    int row[64];
    for (size_t j = 0; j <= nb; j++) row[j] = (int)j;
    for (size_t i = 1; i <= na; i++) {
        int dg = row[0];
        row[0] = (int)i;
        for (size_t j = 1; j <= nb; j++) {
            int up = row[j];
            int best = dg + (a[i - 1] != b[j - 1]);
            if (up + 1 < best) best = up + 1;
            if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
            row[j] = best;
            dg = up;
        }
    }
    return row[nb];
}

/* ---- dates ------------------------------------------------------------------------- */

/* Parses a date token; reports an impossible date. Returns DATE_NONE for an empty span. */
static int32_t check_date(sema *s, span sp) {
    if (!sp.len) return DATE_NONE;
    int32_t d;
    if (!date_parse(s->texts[sp.file] + sp.off, sp.len, &d)) {
        diag_error(s->d, sp, "%.*s is not a date", SP(s, sp));
        return DATE_NONE;
    }
    return d;
}

/* Reports a period that ends before it begins. */
static void check_period(sema *s, int32_t from, int32_t until, span from_sp, span until_sp) {
    if (from != DATE_NONE && until != DATE_NONE && until < from) {
        diag_error(s->d, until_sp, "this period ends (%.*s) before it begins (%.*s)", SP(s, until_sp),
                   SP(s, from_sp));
    }
}

static int periods_overlap(int32_t f1, int32_t u1, int32_t f2, int32_t u2) {
    int32_t lo1 = f1 == DATE_NONE ? DATE_MIN : f1, hi1 = u1 == DATE_NONE ? DATE_MAX : u1;
    int32_t lo2 = f2 == DATE_NONE ? DATE_MIN : f2, hi2 = u2 == DATE_NONE ? DATE_MAX : u2;
    return lo1 <= hi2 && lo2 <= hi1;
}

/* The days two overlapping periods share, for a message: "on D", "from D to E",
 * "from D on", "until E" or "at all times"; in buf. */
static const char *shared_days(int32_t f1, int32_t u1, int32_t f2, int32_t u2, char buf[40]) {
    int32_t lo = f1 == DATE_NONE ? f2 : f2 == DATE_NONE ? f1 : f1 > f2 ? f1 : f2;
    int32_t hi = u1 == DATE_NONE ? u2 : u2 == DATE_NONE ? u1 : u1 < u2 ? u1 : u2;
    char a[11], b[11];
    if (lo != DATE_NONE && lo == hi) snprintf(buf, 40, "on %s", date_format(lo, a));
    else if (lo != DATE_NONE && hi != DATE_NONE) snprintf(buf, 40, "from %s to %s", date_format(lo, a), date_format(hi, b));
    else if (lo != DATE_NONE) snprintf(buf, 40, "from %s on", date_format(lo, a));
    else if (hi != DATE_NONE) snprintf(buf, 40, "until %s", date_format(hi, b));
    else snprintf(buf, 40, "at all times");
    return buf;
}

/* ---- global names: types, inputs, ports ------------------------------------------ */

static int find_enum_member(const ir_enum *e, const char *t, size_t n) {
    for (uint32_t i = 0; i < e->nmembers; i++)
        if (strlen(e->members[i]) == n && !memcmp(e->members[i], t, n)) return (int)i;
    return -1;
}

/* Registers an enumeration; returns its type. */
static type_t new_enum(sema *s, const char *name, const ast_type *at) {
    tf_rules *r = s->r;
    ir_enum *ne = arena_grow(&r->mem, r->enums, r->nenums * sizeof *ne, (r->nenums + 1) * sizeof *ne);
    if (!ne) return TY_ERR;
    r->enums = ne;
    ir_enum *e = &r->enums[r->nenums];
    e->name = name;
    e->members = arena_array(&r->mem, at->nmembers, sizeof(char *));
    if (!e->members) return TY_ERR;
    for (uint32_t i = 0; i < at->nmembers; i++) {
        span m = at->members[i];
        if (find_enum_member(e, s->texts[m.file] + m.off, m.len) >= 0) {
            diag_error(s->d, m, "%.*s is listed twice in this enumeration", SP(s, m));
            continue;
        }
        e->members[e->nmembers++] = sema_str(s, m);
    }
    if (e->nmembers > 256) {
        diag_error(s->d, at->sp, "an enumeration may have at most 256 members");
        return TY_ERR;
    }
    return TYPE(TY_ENUM, 0, r->nenums++);
}

static type_t lookup_type_name(sema *s, span name, span arg) {
    static const struct {
        const char *n;
        ty_base b;
    } builtin[] = {{"bool", TY_BOOL},         {"int", TY_INT},         {"number", TY_NUMBER},
                   {"money", TY_MONEY},       {"date", TY_DATE},       {"time", TY_TIME},
                   {"duration", TY_DURATION}, {"country", TY_COUNTRY}, {"port", TY_PORT},
                   {"string", TY_STRING}};
    for (size_t i = 0; i < sizeof builtin / sizeof builtin[0]; i++) {
        if (!sema_is(s, name, builtin[i].n)) continue;
        if (builtin[i].b != TY_MONEY) return TYPE(builtin[i].b, 0, 0);
        const char *c = s->texts[arg.file] + arg.off;
        if (arg.len != 3 || c[0] < 'A' || c[0] > 'Z' || c[1] < 'A' || c[1] > 'Z' || c[2] < 'A' || c[2] > 'Z') {
            diag_error(s->d, arg, "%.*s is not a currency code (three capital letters)", SP(s, arg));
            return TY_ERR;
        }
        return TYPE(TY_MONEY, 0, (uint32_t)((c[0] - 'A') * 676 + (c[1] - 'A') * 26 + (c[2] - 'A')));
    }
    for (uint32_t i = 0; i < s->ntypes; i++)
        if (span_eq(s, s->types[i].name, name)) return s->types[i].type;
    diag_error(s->d, name, "unknown type %.*s", SP(s, name));
    return TY_ERR;
}

/* Resolves a syntactic type. Lists are allowed only at the top of an input (in), where
 * the element's record fields are stored. */
static type_t resolve_type(sema *s, const ast_type *at, const char *enum_name, ir_input *in) {
    if (!at) return TY_ERR;
    switch (at->kind) {
    case AT_NAME: return lookup_type_name(s, at->name, at->arg);
    case AT_ENUM: return new_enum(s, enum_name, at);
    case AT_RECORD:
        diag_error(s->d, at->sp, "a record type may appear only inside 'list of'");
        return TY_ERR;
    case AT_LIST: {
        if (!in) {
            diag_error(s->d, at->sp, "a list type may appear only as an input's type");
            return TY_ERR;
        }
        const ast_type *el = at->elem;
        if (el->kind == AT_RECORD) {
            in->nfields = el->nfields;
            in->fields = arena_array(&s->r->mem, el->nfields, sizeof(char *));
            in->ftypes = arena_array(&s->r->mem, el->nfields, sizeof(type_t));
            if (!in->fields || !in->ftypes) return TY_ERR;
            for (uint32_t i = 0; i < el->nfields; i++) {
                in->fields[i] = sema_str(s, el->fields[i]);
                in->ftypes[i] = resolve_type(s, el->ftypes[i], in->fields[i], NULL);
            }
            in->elem = TY_ERR;
        } else {
            in->elem = resolve_type(s, el, enum_name, NULL);
        }
        return TYPE(TY_LIST, 0, 0);
    }
    }
    return TY_ERR;
}

static void register_port(sema *s, ast_decl *d) {
    tf_rules *r = s->r;
    if (!d->name.len) return;
    if (ir_port_find(r, s->texts[d->name.file] + d->name.off, d->name.len) >= 0) {
        diag_error(s->d, d->name, "port %.*s is declared twice", SP(s, d->name));
        return;
    }
    if (r->nports >= 256) {
        diag_error(s->d, d->name, "too many ports: a rule set may declare at most 256");
        return;
    }
    ir_port *np = arena_grow(&r->mem, r->ports, r->nports * sizeof *np, (r->nports + 1) * sizeof *np);
    if (!np) return;
    r->ports = np;
    ir_port *p = &r->ports[r->nports++];
    p->code = sema_str(s, d->name);
    p->name = sema_string_lit(s, d->title);
    p->area = d->area.len ? sema_string_lit(s, d->area) : NULL;
}

static void check_globals(sema *s) {
    tf_rules *r = s->r;
    /* types first, in order: a type may name a type declared before it */
    for (uint32_t b = 0; b < s->nbooks; b++) {
        ast_rulebook *rb = s->books[b].ast;
        for (uint32_t i = 0; i < rb->ndecls; i++) {
            ast_decl *d = &rb->decls[i];
            if (d->kind == D_PORT) register_port(s, d);
            if (d->kind != D_TYPE || !d->name.len) continue;
            for (uint32_t j = 0; j < s->ntypes; j++)
                if (span_eq(s, s->types[j].name, d->name)) {
                    diag_error(s->d, d->name, "type %.*s is declared twice", SP(s, d->name));
                    diag_note(s->d, s->types[j].name, "first declared here");
                    goto next_type;
                }
            {
                type_t t = resolve_type(s, d->ty, sema_str(s, d->name), NULL);
                named_type *nt = arena_grow(s->tmp, s->types, s->ntypes * sizeof *nt, (s->ntypes + 1) * sizeof *nt);
                if (!nt) return;
                s->types = nt;
                s->types[s->ntypes++] = (named_type){d->name, t};
            }
        next_type:;
        }
    }
    /* inputs */
    uint32_t n = 0;
    for (uint32_t b = 0; b < s->nbooks; b++)
        for (uint32_t i = 0; i < s->books[b].ast->ndecls; i++) n += s->books[b].ast->decls[i].kind == D_INPUT;
    r->inputs = arena_array(&r->mem, n ? n : 1, sizeof(ir_input));
    s->input_decls = arena_array(s->tmp, n ? n : 1, sizeof(ast_decl *));
    if (!r->inputs || !s->input_decls) return;
    for (uint32_t b = 0; b < s->nbooks; b++) {
        ast_rulebook *rb = s->books[b].ast;
        for (uint32_t i = 0; i < rb->ndecls; i++) {
            ast_decl *d = &rb->decls[i];
            if (d->kind != D_INPUT || !d->name.len) continue;
            int prev = ir_input_find(r, s->texts[d->name.file] + d->name.off, d->name.len);
            if (prev >= 0) {
                diag_error(s->d, d->name, "input %.*s is declared twice", SP(s, d->name));
                diag_note(s->d, s->input_decls[prev]->name, "first declared here");
                continue;
            }
            ir_input *in = &r->inputs[r->ninputs];
            in->name = sema_str(s, d->name);
            in->type = resolve_type(s, d->ty, in->name, in);
            in->required = d->required;
            in->setting = d->setting;
            s->input_decls[r->ninputs] = d;
            ir_input_add(r, r->ninputs++);
        }
    }
    /* an input path may not also be the parent of another (trip and trip.to) */
    for (uint32_t i = 0; i < r->ninputs; i++)
        for (uint32_t j = 0; j < r->ninputs; j++) {
            size_t li = strlen(r->inputs[i].name);
            if (i != j && !strncmp(r->inputs[i].name, r->inputs[j].name, li) && r->inputs[j].name[li] == '.')
                diag_error(s->d, s->input_decls[j]->name, "input %s is inside input %s, which is not a record",
                           r->inputs[j].name, r->inputs[i].name);
        }
}

/* ---- expressions ------------------------------------------------------------------- */

typedef struct {
    sema *s;
    sema_book *bk;
    uint32_t book;
    int allow_inputs;   /* 0 inside sets and values */
    int where_input;    /* inside `where`: the record list whose fields name the element; -1 */
    span loopvar;       /* inside `for`: the element's name (len 0 outside) */
    type_t loopvar_type;
    ast_decl *points;   /* inside a points condition: total, factors and groups are names */
} ectx;

static const char *const builtin_names[FN__COUNT] = {"given", "years_since", "sum", "min", "max", "count", "all", "any"};

static type_t check_decl_type(ectx *x, uint32_t decl);

static int is_numeric(ty_base b) { return b == TY_INT || b == TY_NUMBER; }

/* ---- the declarations of a rulebook, by name ------------------------------------ */

/* A hash of a name from its length and its first and last two bytes: names are looked
 * up for every name in an expression and every citation, and a collision costs only a
 * comparison. */
static uint32_t name_hash(const char *t, uint32_t n) {
    const unsigned char *u = (const unsigned char *)t;
    uint32_t h = n;
    if (n) h = h * 31 + u[0] + (u[n - 1] << 8);
    if (n > 1) h = h * 31 + u[1] + (u[n - 2] << 8);
    h ^= h >> 15;
    h *= 0x2c1b3c6du;
    return h ^ h >> 12;
}

/* Builds bk's index of declarations by name (sema_book.by_name), every declaration
 * included, nameless ones too (all under the empty name). Returns -1 when out of memory. */
static int index_names(sema *s, sema_book *bk) {
    const ast_rulebook *rb = bk->ast;
    uint32_t slots = 16;
    while (slots < 2 * rb->ndecls) slots *= 2;
    bk->by_name = arena_array(s->tmp, slots, sizeof(sema_name_slot));
    bk->next_same = arena_array_raw(s->tmp, rb->ndecls ? rb->ndecls : 1, sizeof(uint32_t));
    if (!bk->by_name || !bk->next_same) return -1;
    bk->name_mask = slots - 1;
    /* last to first, so each name's chain runs in the declarations' order */
    for (uint32_t i = rb->ndecls; i-- > 0;) {
        span n = rb->decls[i].name;
        uint32_t hash = name_hash(s->texts[n.file] + n.off, n.len), h = hash & bk->name_mask;
        bk->next_same[i] = UINT32_MAX;
        for (; bk->by_name[h].decl; h = (h + 1) & bk->name_mask)
            if (bk->by_name[h].hash == hash && span_eq(s, rb->decls[bk->by_name[h].decl - 1].name, n)) {
                bk->next_same[i] = bk->by_name[h].decl - 1;
                break;
            }
        bk->by_name[h] = (sema_name_slot){i + 1, hash};
    }
    return 0;
}

/* The first declaration of bk named `name`, or UINT32_MAX; the next of that name are
 * along bk->next_same. */
static uint32_t first_named(const sema *s, const sema_book *bk, span name) {
    if (!bk->by_name) return UINT32_MAX; /* out of memory, which tf_compile reports */
    uint32_t hash = name_hash(s->texts[name.file] + name.off, name.len);
    for (uint32_t h = hash & bk->name_mask; bk->by_name[h].decl; h = (h + 1) & bk->name_mask) {
        const sema_name_slot *slot = &bk->by_name[h];
        if (slot->hash == hash && span_eq(s, bk->ast->decls[slot->decl - 1].name, name)) return slot->decl - 1;
    }
    return UINT32_MAX;
}

/* Finds the first declaration of the current rulebook named `name` of kind want_kind, or
 * when want_kind is -1 the first set, value or let; -1 when none. */
static int find_local(const ectx *x, span name, int want_kind) {
    const ast_rulebook *rb = x->bk->ast;
    for (uint32_t i = first_named(x->s, x->bk, name); i != UINT32_MAX; i = x->bk->next_same[i]) {
        const ast_decl *d = &rb->decls[i];
        if (want_kind < 0 ? (d->kind == D_SET || d->kind == D_VALUE || d->kind == D_LET) : (int)d->kind == want_kind)
            return (int)i;
    }
    return -1;
}

static int is_country_shape(const char *t, size_t n) {
    return n == 2 && t[0] >= 'A' && t[0] <= 'Z' && t[1] >= 'A' && t[1] <= 'Z';
}

/* What a name resolves to: the fields of ast_expr that check_name sets, apart, so that
 * a set literal's members (ast_member) resolve as a name expression does. */
typedef struct {
    ref_kind ref;
    uint32_t ref_index;
    uint32_t ref_field;
    int is_const;
} name_ref;

/* Resolves the name spelt by span sp in expression position, given the type the context
 * expects (TY_ERR when none). Returns its type; sets in *out what the name refers to and
 * leaves the fields it has no cause to set as they were (on an error, often all of
 * them but is_const). */
static type_t check_name(ectx *x, span sp, name_ref *out, type_t want) {
    sema *s = x->s;
    const char *t = s->texts[sp.file] + sp.off;
    size_t n = sp.len;
    out->is_const = 1;
    /* 0. names bound by the context: a loop variable, an element's field, the points */
    if (x->loopvar.len && span_eq(s, x->loopvar, sp)) {
        out->ref = REF_LOOPVAR;
        out->is_const = 0;
        return x->loopvar_type;
    }
    if (x->where_input >= 0) {
        const ir_input *in = &s->r->inputs[x->where_input];
        size_t l = strlen(in->name);
        if (n > l + 1 && !memcmp(t, in->name, l) && t[l] == '.')
            for (uint32_t f = 0; f < in->nfields; f++)
                if (strlen(in->fields[f]) == n - l - 1 && !memcmp(t + l + 1, in->fields[f], n - l - 1)) {
                    out->ref = REF_ELEM;
                    out->ref_field = f;
                    out->is_const = 0;
                    return in->ftypes[f];
                }
    }
    if (n == 5 && !memcmp(t, "as_of", 5)) {
        out->ref = REF_ASOF;
        out->is_const = 0;
        if (!x->allow_inputs) {
            diag_error(s->d, sp, "as_of depends on the case: sets and values may depend only on constants");
            return TY_ERR;
        }
        return TYPE(TY_DATE, 0, 0);
    }
    if (x->points) {
        if (n == 5 && !memcmp(t, "total", 5)) {
            out->ref = REF_POINTS;
            out->ref_index = 0;
            out->is_const = 0;
            return TYPE(TY_NUMBER, 0, 0);
        }
        uint32_t k = 0;
        for (uint32_t i = 0; i < x->points->npclauses; i++) {
            ast_pclause *c = &x->points->pclauses[i];
            if (c->kind != PC_FACTOR && c->kind != PC_GROUP) continue;
            if (span_eq(s, c->name, sp)) {
                out->ref = REF_POINTS;
                out->ref_index = 1 + k;
                out->is_const = 0;
                return TYPE(TY_NUMBER, 0, 0);
            }
            k++;
        }
    }
    /* 1. a member of the enumeration the context expects */
    if (TYPE_BASE(want) == TY_ENUM && TYPE_ARG(want) < s->r->nenums) {
        int m = find_enum_member(&s->r->enums[TYPE_ARG(want)], t, n);
        if (m >= 0) {
            out->ref = REF_MEMBER;
            out->ref_index = (uint32_t)m;
            return want;
        }
    }
    /* 2. a set or value of this rulebook */
    int dl = find_local(x, sp, -1);
    if (dl >= 0) {
        decl_kind k = x->bk->ast->decls[dl].kind;
        out->ref = k == D_SET ? REF_SET : k == D_VALUE ? REF_VALUE : REF_LET;
        out->ref_index = (uint32_t)dl; /* a declaration index until compilation */
        if (k == D_LET) {
            out->is_const = 0;
            if (!x->allow_inputs) {
                diag_error(s->d, sp, "%.*s is a derived value of the case: sets and values may depend only on constants",
                           (int)n, t);
                return TY_ERR;
            }
        }
        return check_decl_type(x, (uint32_t)dl);
    }
    /* 3. an input */
    int in = ir_input_find(s->r, t, n);
    if (in >= 0) {
        if (!x->allow_inputs) {
            diag_error(s->d, sp, "%.*s is an input: sets and values may depend only on constants",
                       (int)n, t);
            return TY_ERR;
        }
        out->ref = REF_INPUT;
        out->ref_index = (uint32_t)in;
        out->is_const = 0;
        const ir_input *def = &s->r->inputs[in];
        if (TYPE_BASE(def->type) == TY_LIST) {
            if (def->nfields) {
                diag_error(s->d, sp, "%.*s is a list of records: name one of its fields (e.g. %.*s.%s)", (int)n, t,
                           (int)n, t, def->fields[0]);
                return TY_ERR;
            }
            return TYPE(TY_LIST, TYPE_BASE(def->elem), TYPE_ARG(def->elem));
        }
        return def->type;
    }
    /* 3b. a field of a list of records, as a list: work.years */
    const char *dot = NULL;
    for (size_t i = n; i > 0 && !dot; i--)
        if (t[i - 1] == '.') dot = t + i - 1;
    if (dot) {
        int li = ir_input_find(s->r, t, (size_t)(dot - t));
        if (li >= 0 && s->r->inputs[li].nfields) {
            const ir_input *def = &s->r->inputs[li];
            size_t fl = n - (size_t)(dot - t) - 1;
            for (uint32_t f = 0; f < def->nfields; f++)
                if (strlen(def->fields[f]) == fl && !memcmp(dot + 1, def->fields[f], fl)) {
                    if (!x->allow_inputs) {
                        diag_error(s->d, sp, "%.*s is an input: sets and values may depend only on constants", (int)n, t);
                        return TY_ERR;
                    }
                    out->ref = REF_FIELD;
                    out->ref_index = (uint32_t)li;
                    out->ref_field = f;
                    out->is_const = 0;
                    return TYPE(TY_LIST, TYPE_BASE(def->ftypes[f]), TYPE_ARG(def->ftypes[f]));
                }
        }
    }
    /* 4. a country code */
    if (is_country_shape(t, n)) {
        int c = country_find(t, n);
        if (c < 0) {
            diag_error(s->d, sp, "unknown country code %.*s", (int)n, t);
            return TY_ERR;
        }
        out->ref = REF_COUNTRY;
        out->ref_index = (uint32_t)c;
        return TYPE(TY_COUNTRY, 0, 0);
    }
    /* 5. a port */
    int p = ir_port_find(s->r, t, n);
    if (p >= 0) {
        out->ref = REF_PORT;
        out->ref_index = (uint32_t)p;
        return TYPE(TY_PORT, 0, 0);
    }
    /* 6. a member of exactly one enumeration */
    int found = -1, count = 0;
    for (uint32_t i = 0; i < s->r->nenums; i++) {
        int m = find_enum_member(&s->r->enums[i], t, n);
        if (m >= 0) {
            if (found < 0) {
                found = (int)i;
                out->ref_index = (uint32_t)m;
            }
            count++;
        }
    }
    if (count == 1) {
        out->ref = REF_MEMBER;
        return TYPE(TY_ENUM, 0, (uint32_t)found);
    }
    if (count > 1) {
        char names[160] = "";
        for (uint32_t i = 0; i < s->r->nenums; i++)
            if (find_enum_member(&s->r->enums[i], t, n) >= 0 && strlen(names) < sizeof names - 1)
                snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", names[0] ? ", " : "",
                         s->r->enums[i].name);
        diag_error(s->d, sp,
                   "%.*s is a member of %d enumerations (%s); compare it with a value of the one you mean",
                   (int)n, t, count, names);
        return TY_ERR;
    }
    if (want == TYPE(TY_PORT, 0, 0) || TYPE_ELEM(want) == TY_PORT) {
        diag_error(s->d, sp, "unknown port %.*s (ports are declared with 'port')", (int)n, t);
        return TY_ERR;
    }
    /* a misspelt input, set or value: suggest the closest name within two edits */
    const char *best = NULL;
    int best_len = 0, best_d = 3;
    for (uint32_t i = 0; i < s->r->ninputs; i++) {
        const char *c = s->r->inputs[i].name;
        int dist = edit_distance(t, n, c, strlen(c));
        if (dist < best_d) best = c, best_len = (int)strlen(c), best_d = dist;
    }
    for (uint32_t i = 0; i < x->bk->ast->ndecls; i++) {
        ast_decl *d = &x->bk->ast->decls[i];
        if (d->kind != D_SET && d->kind != D_VALUE) continue;
        int dist = edit_distance(t, n, s->texts[d->name.file] + d->name.off, d->name.len);
        if (dist < best_d) best = s->texts[d->name.file] + d->name.off, best_len = (int)d->name.len, best_d = dist;
    }
    if (best && (size_t)best_d < n)
        diag_error(s->d, sp, "unknown name %.*s (did you mean %.*s?)", (int)n, t, best_len, best);
    else
        diag_error(s->d, sp, "unknown name %.*s", (int)n, t);
    return TY_ERR;
}

static type_t check_expr(ectx *x, ast_expr *e, type_t want);
static type_t unify(type_t a, type_t b);
static int is_ordered(ty_base b);

/* ---- set literals: members by what they name ----------------------------------------
 *
 * Two checks ask whether a member names what another does: a member listed twice in one
 * literal, and a member of two versions of a set in force together. Both compare what the
 * members name (ref and ref_index), not their spelling. Rather than compare each member
 * with every other (the world rulebooks' literals list up to ~200 countries each), they
 * index members by what they name: a member that belongs in a set — a country, a port or
 * an enumeration's member — has an index below 256 (COUNTRY_MAX; at most 256 ports; at
 * most 256 members in an enumeration), so each of those three kinds has 256 slots. Any
 * other reference (a set, a value, ...: an error in a literal, reported as such) shares
 * one more slot, whose members are told apart by comparing what they name. */

enum { MEMBER_KINDS = 3, MEMBER_SLOTS = MEMBER_KINDS * 256 + 1 };

/* m's kind of member, 0 to MEMBER_KINDS - 1: a country, a port or an enumeration's
 * member; -1 for any other reference. */
static int member_kind(const ast_member *m) {
    if (m->ref_index >= 256) return -1;
    return m->ref == REF_COUNTRY ? 0 : m->ref == REF_PORT ? 1 : m->ref == REF_MEMBER ? 2 : -1;
}

/* m's slot in a member index: one per country, port and enumeration member, and the last
 * one shared by every other reference. */
static uint32_t member_slot(const ast_member *m) {
    int k = member_kind(m);
    return k < 0 ? MEMBER_SLOTS - 1 : (uint32_t)k * 256 + m->ref_index;
}

static int same_member(const ast_member *a, const ast_member *b) {
    return a->ref == b->ref && a->ref_index == b->ref_index;
}

/* Fills the member index `first` (MEMBER_SLOTS entries, all 0) from literal lit: each
 * slot holds 1 + the position of the first member of lit in it. */
static void members_index(uint32_t *first, const ast_expr *lit) {
    for (uint32_t q = lit->nelems; q-- > 0;) first[member_slot(&lit->elems[q])] = q + 1;
}

/* Empties the slots members_index filled from lit, leaving `first` all 0 again. */
static void members_unindex(uint32_t *first, const ast_expr *lit) {
    for (uint32_t q = 0; q < lit->nelems; q++) first[member_slot(&lit->elems[q])] = 0;
}

/* The position of the first member of lit, at `from` or after, that names what m names;
 * lit->nelems when none. `first` is lit's member index. */
static uint32_t members_find(const uint32_t *first, const ast_expr *lit, const ast_member *m, uint32_t from) {
    uint32_t q = first[member_slot(m)];
    if (!q) return lit->nelems;
    for (q = q - 1 > from ? q - 1 : from; q < lit->nelems; q++)
        if (same_member(&lit->elems[q], m)) return q;
    return lit->nelems;
}

/* Checks a set literal's members: each a country, a port or a member, all of one type,
 * none listed twice. Returns the set's type (TY_ERR after an error, or when the type of
 * an empty set cannot be known); `want` is the type the context expects, a hint. */
static type_t check_setlit(ectx *x, ast_expr *e, type_t want) {
    e->is_const = 1;
    type_t el = TYPE_BASE(want) == TY_SET ? TYPE_SET_ELEM(want) : TY_ERR;
    /* what the members before the current one of the set's type name, by kind (see
     * member_kind; the members of one enumeration are numbered apart from another's, so
     * only members of the one type are comparable): on the stack, not in a member index,
     * since resolving a member may check another literal */
    bits256 seen[MEMBER_KINDS];
    memset(seen, 0, sizeof seen);
    for (uint32_t i = 0; i < e->nelems; i++) {
        ast_member *m = &e->elems[i];
        name_ref r = {m->ref, m->ref_index, 0, 0};
        type_t t = check_name(x, m->sp, &r, el);
        m->ref = r.ref;
        m->ref_index = r.ref_index;
        if (t == TY_ERR) continue;
        ty_base b = TYPE_BASE(t);
        if (m->ref != REF_COUNTRY && m->ref != REF_PORT && m->ref != REF_MEMBER) {
            diag_error(x->s->d, m->sp, "a set literal lists countries, ports or members; %.*s is %s",
                       SP(x->s, m->sp), a_type(x->s, t));
            continue;
        }
        if (el == TY_ERR) {
            el = t;
        } else if (t != el) {
            diag_error(x->s->d, m->sp, "%.*s is %s, but this set holds %s values", SP(x->s, m->sp),
                       a_type(x->s, t), type_name(x->s, el));
            continue;
        }
        (void)b;
        /* m names a country, port or member of the set's type here (so kind >= 0 but for
         * an index past the limits member_kind assumes), and `seen` is exact */
        int kind = member_kind(m);
        if (kind < 0) continue;
        if (bits_has(&seen[kind], m->ref_index))
            diag_error(x->s->d, m->sp, "%.*s is listed twice in this set", SP(x->s, m->sp));
        bits_add(&seen[kind], m->ref_index);
    }
    if (el == TY_ERR) {
        if (!e->nelems) diag_error(x->s->d, e->sp, "the type of an empty set cannot be known here");
        return TY_ERR;
    }
    return TYPE_SET_OF(el);
}

/* The common type of a and b for arithmetic and comparison (int widens to number). */
static type_t unify(type_t a, type_t b) {
    if (a == b) return a;
    if (is_numeric(TYPE_BASE(a)) && is_numeric(TYPE_BASE(b))) return TYPE(TY_NUMBER, 0, 0);
    return TY_ERR;
}

static type_t mismatch(ectx *x, ast_expr *e, type_t a, type_t b) {
    diag_error(x->s->d, e->sp, "cannot apply %s to %s and %s", lex_kind_name(e->op), type_name(x->s, a),
               type_name(x->s, b));
    return TY_ERR;
}

static type_t check_binary(ectx *x, ast_expr *e) {
    int op = e->op;
    type_t want_a = TY_ERR;
    /* a bare member on the right takes the left side's type */
    type_t a = check_expr(x, e->a, want_a);
    type_t b = check_expr(x, e->b, a);
    e->is_const = e->a->is_const && e->b->is_const;
    if (a == TY_ERR || b == TY_ERR) return TY_ERR;
    ty_base ba = TYPE_BASE(a), bb = TYPE_BASE(b);
    switch (op) {
    case KW_AND:
    case KW_OR:
        if (ba != TY_BOOL || bb != TY_BOOL) return mismatch(x, e, a, b);
        return TYPE(TY_BOOL, 0, 0);
    case TK_EQ:
    case TK_NE:
        if (unify(a, b) == TY_ERR || ba == TY_SET || ba == TY_LIST) return mismatch(x, e, a, b);
        return TYPE(TY_BOOL, 0, 0);
    case TK_LT: case TK_LE: case TK_GT: case TK_GE: {
        type_t u = unify(a, b);
        ty_base bu = TYPE_BASE(u);
        if (u == TY_ERR || !is_ordered(bu)) return mismatch(x, e, a, b);
        return TYPE(TY_BOOL, 0, 0);
    }
    case TK_PLUS:
    case TK_MINUS:
        if (ba == TY_SET && a == b) return a;
        if (ba == TY_DATE && bb == TY_DURATION) return a;
        if (op == TK_MINUS && ba == TY_DATE && bb == TY_DATE) return TYPE(TY_DURATION, 0, 0);
        if (ba == TY_DURATION && bb == TY_DURATION) return a;
        if (ba == TY_MONEY && a == b) return a;
        if (is_numeric(ba) && is_numeric(bb)) return unify(a, b);
        return mismatch(x, e, a, b);
    case TK_AMP:
        if (ba == TY_SET && a == b) return a;
        return mismatch(x, e, a, b);
    case TK_STAR:
        if (is_numeric(ba) && is_numeric(bb)) return unify(a, b);
        if ((ba == TY_MONEY || ba == TY_DURATION) && is_numeric(bb)) return a;
        if (is_numeric(ba) && (bb == TY_MONEY || bb == TY_DURATION)) return b;
        return mismatch(x, e, a, b);
    case TK_SLASH:
        if (is_numeric(ba) && is_numeric(bb)) return TYPE(TY_NUMBER, 0, 0);
        if (ba == TY_MONEY && a == b) return TYPE(TY_NUMBER, 0, 0); /* a ratio of amounts */
        if (ba == TY_MONEY && is_numeric(bb)) return a;
        return mismatch(x, e, a, b);
    default:
        return TY_ERR;
    }
}

/* Ordered types: numbers, money, dates, times, durations, and enumerations, whose
 * members are ordered as declared. */
static int is_ordered(ty_base b) {
    return is_numeric(b) || b == TY_MONEY || b == TY_DATE || b == TY_TIME || b == TY_DURATION || b == TY_ENUM;
}

/* bands SUBJECT { ... }: an ordered subject; bounds of its type; values of one type. */
static type_t check_bands(ectx *x, ast_expr *e) {
    sema *s = x->s;
    type_t subj = check_expr(x, e->a, TY_ERR);
    e->is_const = e->a->is_const;
    if (subj != TY_ERR && !is_ordered(TYPE_BASE(subj))) {
        diag_error(s->d, e->a->sp, "bands need a number, money, date, duration or enumeration, not %s", a_type(s, subj));
        subj = TY_ERR;
    }
    type_t t = TY_ERR;
    int ok = 1;
    for (uint32_t i = 0; i < e->nbands; i++) {
        ast_band *b = &e->bands[i];
        ast_expr *bounds[2] = {b->lo, b->hi};
        for (int k = 0; k < 2; k++) {
            if (!bounds[k]) continue;
            type_t bt = check_expr(x, bounds[k], subj);
            if (bt != TY_ERR && subj != TY_ERR && unify(bt, subj) == TY_ERR) {
                diag_error(s->d, bounds[k]->sp, "this band's edge is %s, but the subject is %s", a_type(s, bt),
                           a_type(s, subj));
                ok = 0;
            }
            e->is_const &= bounds[k]->is_const;
        }
        if (b->op == BAND_ELSE && i + 1 != e->nbands)
            diag_error(s->d, b->sp, "'else' must be the last band");
        type_t vt = check_expr(x, b->val, t);
        e->is_const &= b->val->is_const;
        if (vt == TY_ERR) {
            ok = 0;
            continue;
        }
        if (t == TY_ERR) t = vt;
        else if (unify(t, vt) == TY_ERR) {
            diag_error(s->d, b->val->sp, "this band's value is %s, but the first is %s", a_type(s, vt), a_type(s, t));
            ok = 0;
        } else t = unify(t, vt);
    }
    if (!e->nbands) diag_error(s->d, e->sp, "bands need at least one band");
    return ok && subj != TY_ERR ? t : TY_ERR;
}

/* A built-in call: given, years_since, and the aggregates over lists. */
static type_t check_call(ectx *x, ast_expr *e) {
    sema *s = x->s;
    e->fn = -1;
    for (int i = 0; i < FN__COUNT; i++)
        if (sema_is(s, (span){e->sp.file, e->sp.off, (uint32_t)strlen(builtin_names[i])}, builtin_names[i]) &&
            s->texts[e->sp.file][e->sp.off + strlen(builtin_names[i])] == '(')
            e->fn = i;
    if (e->fn < 0) {
        size_t n = 0;
        while (n < e->sp.len && s->texts[e->sp.file][e->sp.off + n] != '(') n++;
        diag_error(s->d, (span){e->sp.file, e->sp.off, (uint32_t)n},
                   "unknown function %.*s (given, years_since, sum, min, max, count, all, any)", (int)n,
                   s->texts[e->sp.file] + e->sp.off);
        return TY_ERR;
    }
    e->is_const = 0;
    if (!x->allow_inputs) {
        diag_error(s->d, e->sp, "%s() depends on the case: sets and values may depend only on constants", builtin_names[e->fn]);
        return TY_ERR;
    }
    if (e->fn == FN_GIVEN) {
        check_expr(x, e->a, TY_ERR);
        if (e->a->kind != EX_NAME || (e->a->ref != REF_INPUT && e->a->ref != REF_FIELD)) {
            diag_error(s->d, e->a->sp, "given() takes an input, e.g. given(birth_date)");
            return TY_ERR;
        }
        return TYPE(TY_BOOL, 0, 0);
    }
    if (e->fn == FN_YEARS_SINCE) {
        type_t a = check_expr(x, e->a, TY_ERR);
        if (a != TY_ERR && TYPE_BASE(a) != TY_DATE) {
            diag_error(s->d, e->a->sp, "years_since() takes a date, not %s", a_type(s, a));
            return TY_ERR;
        }
        return a == TY_ERR ? TY_ERR : TYPE(TY_INT, 0, 0);
    }
    /* aggregates */
    ast_expr *list = e->agg_for ? e->c : e->a;
    type_t lt = check_expr(x, list, TY_ERR);
    if (lt == TY_ERR) return TY_ERR;
    if (TYPE_BASE(lt) != TY_LIST) {
        diag_error(s->d, list->sp, "%s() needs a list, not %s", builtin_names[e->fn], a_type(s, lt));
        return TY_ERR;
    }
    type_t el = TYPE(TYPE_ELEM(lt), 0, TYPE_ARG(lt));
    type_t vt = el;
    if (e->agg_for) {
        ectx inner = *x;
        inner.loopvar = e->var;
        inner.loopvar_type = el;
        vt = check_expr(&inner, e->a, TY_ERR);
        if (vt == TY_ERR) return TY_ERR;
    } else if (e->b) {
        if (list->kind != EX_NAME || list->ref != REF_FIELD) {
            diag_error(s->d, list->sp, "'where' filters a field of a list of records, e.g. sum(work.years where work.country = CA)");
            return TY_ERR;
        }
        ectx inner = *x;
        inner.where_input = (int)list->ref_index;
        type_t ct = check_expr(&inner, e->b, TY_ERR);
        if (ct != TY_ERR && TYPE_BASE(ct) != TY_BOOL) {
            diag_error(s->d, e->b->sp, "a 'where' condition must be a bool, not %s", a_type(s, ct));
            return TY_ERR;
        }
    } else if (e->fn == FN_ALL || e->fn == FN_ANY) {
        diag_error(s->d, e->sp, "%s() takes a condition: %s(x >= 9 for x in languages.en.clb)", builtin_names[e->fn],
                   builtin_names[e->fn]);
        return TY_ERR;
    }
    switch (e->fn) {
    case FN_COUNT: return TYPE(TY_INT, 0, 0);
    case FN_ALL:
    case FN_ANY:
        if (TYPE_BASE(vt) != TY_BOOL) {
            diag_error(s->d, e->a->sp, "%s() needs a bool for each element, not %s", builtin_names[e->fn], a_type(s, vt));
            return TY_ERR;
        }
        return vt;
    default:
        if (!is_numeric(TYPE_BASE(vt)) && TYPE_BASE(vt) != TY_MONEY && !(e->fn != FN_SUM && is_ordered(TYPE_BASE(vt)))) {
            diag_error(s->d, e->sp, "%s() needs numbers, not %s values", builtin_names[e->fn], type_name(s, vt));
            return TY_ERR;
        }
        return vt;
    }
}

/* Checks e, returns its type and sets e->type. `want` guides bare members and set
 * literals; it is a hint, not a requirement. */
static type_t check_expr(ectx *x, ast_expr *e, type_t want) {
    if (!e) return TY_ERR;
    sema *s = x->s;
    type_t t = TY_ERR;
    switch (e->kind) {
    case EX_NAME: {
        name_ref r = {e->ref, e->ref_index, e->ref_field, e->is_const};
        t = check_name(x, e->sp, &r, want);
        e->ref = r.ref;
        e->ref_index = r.ref_index;
        e->ref_field = r.ref_field;
        e->is_const = r.is_const;
        break;
    }
    case EX_NUMBER:
        e->is_const = 1;
        if (!(e->num <= PARSE_MAX_NUMBER)) {
            /* also keeps the conversions below and in the compiler defined */
            diag_error(s->d, e->sp, "%.*s is too large a number (at most 10^15)", SP(s, e->sp));
            break;
        }
        t = TYPE(e->num == (double)(int64_t)e->num && !memchr(s->texts[e->sp.file] + e->sp.off, '.', e->sp.len)
                     ? TY_INT
                     : TY_NUMBER,
                 0, 0);
        break;
    case EX_STRING: e->is_const = 1; t = TYPE(TY_STRING, 0, 0); break;
    case EX_DATE: {
        e->is_const = 1;
        int32_t d = check_date(s, e->sp);
        e->ival = d;
        t = d == DATE_NONE ? TY_ERR : TYPE(TY_DATE, 0, 0);
        break;
    }
    case EX_TIME: {
        e->is_const = 1;
        int32_t m;
        if (!time_parse(s->texts[e->sp.file] + e->sp.off, e->sp.len, &m)) {
            diag_error(s->d, e->sp, "%.*s is not a time of day (00:00 to 23:59)", SP(s, e->sp));
            break;
        }
        e->ival = m;
        t = TYPE(TY_TIME, 0, 0);
        break;
    }
    case EX_DURATION:
    case EX_MONEY:
        e->is_const = 1;
        if (!(e->num <= PARSE_MAX_NUMBER)) {
            diag_error(s->d, e->sp, "%.*s is too large (at most 10^15)", SP(s, e->sp));
            break;
        }
        t = e->kind == EX_DURATION ? TYPE(TY_DURATION, 0, 0) : TYPE(TY_MONEY, 0, (uint32_t)e->ival);
        break;
    case EX_BOOL: e->is_const = 1; t = TYPE(TY_BOOL, 0, 0); break;
    case EX_SETLIT: t = check_setlit(x, e, want); break;
    case EX_BINARY: t = check_binary(x, e); break;
    case EX_UNARY: {
        type_t a = check_expr(x, e->a, TY_ERR);
        e->is_const = e->a->is_const;
        if (a == TY_ERR) break;
        ty_base b = TYPE_BASE(a);
        if (e->op == KW_NOT) {
            if (b != TY_BOOL) diag_error(s->d, e->sp, "'not' needs a bool, not %s", a_type(s, a));
            else t = a;
        } else {
            if (!is_numeric(b) && b != TY_MONEY && b != TY_DURATION)
                diag_error(s->d, e->sp, "cannot negate %s", a_type(s, a));
            else t = a;
        }
        break;
    }
    case EX_IN: {
        type_t a = check_expr(x, e->a, TY_ERR);
        /* sets hold countries, ports and members only: say so about the left side rather
         * than report the members of a literal on the right as being of the wrong type */
        ty_base ba = TYPE_BASE(a);
        int member = ba == TY_COUNTRY || ba == TY_PORT || ba == TY_ENUM;
        if (a != TY_ERR && !member)
            diag_error(s->d, e->a->sp, "%.*s is %s: only a country, a port or a member can be in a set",
                       SP(s, e->a->sp), a_type(s, a));
        type_t b = check_expr(x, e->b, member ? TYPE_SET_OF(a) : TY_ERR);
        e->is_const = e->a->is_const && e->b->is_const;
        if (a == TY_ERR || b == TY_ERR || !member) break;
        if (TYPE_BASE(b) != TY_SET) {
            diag_error(s->d, e->b->sp, "'in' needs a set on its right, not %s", a_type(s, b));
            break;
        }
        if (TYPE_SET_ELEM(b) != a) {
            diag_error(s->d, e->sp, "%.*s is %s, but %.*s is %s", SP(s, e->a->sp), a_type(s, a),
                       SP(s, e->b->sp), a_type(s, b));
            break;
        }
        t = TYPE(TY_BOOL, 0, 0);
        break;
    }
    case EX_BANDS: t = check_bands(x, e); break;
    case EX_CALL: t = check_call(x, e); break;
    case EX_IF: {
        type_t c = check_expr(x, e->a, TY_ERR);
        type_t a = check_expr(x, e->b, want);
        type_t b = check_expr(x, e->c, a);
        e->is_const = e->a->is_const && e->b->is_const && e->c->is_const;
        if (c != TY_ERR && TYPE_BASE(c) != TY_BOOL)
            diag_error(s->d, e->a->sp, "the condition of 'if' must be a bool, not %s", a_type(s, c));
        else if (a != TY_ERR && b != TY_ERR) {
            t = unify(a, b);
            if (t == TY_ERR)
                diag_error(s->d, e->sp, "the branches of 'if' differ: %s and %s", type_name(s, a), type_name(s, b));
        }
        break;
    }
    }
    e->type = t;
    return t;
}

/* ---- sources, sets and values ------------------------------------------------------ */

static int find_source(const ectx *x, span id) { return find_local(x, id, D_SOURCE); }

static void check_cites(ectx *x, const ast_cites *c) {
    for (uint32_t i = 0; i < c->n; i++)
        if (find_source(x, c->ids[i]) < 0)
            diag_error(x->s->d, c->ids[i], "unknown source %.*s (sources are declared with 'source')",
                       SP(x->s, c->ids[i]));
}

static void check_items(ectx *x, ast_decl *d, type_t *out) {
    sema *s = x->s;
    type_t t = TY_ERR;
    int saved = x->allow_inputs;
    x->allow_inputs = 0;
    for (uint32_t i = 0; i < d->nitems; i++) {
        ast_item *it = &d->items[i];
        it->from = check_date(s, it->from_sp);
        it->until = check_date(s, it->until_sp);
        check_period(s, it->from, it->until, it->from_sp, it->until_sp);
        check_cites(x, &it->cites);
        type_t ti = check_expr(x, it->e, t);
        if (ti == TY_ERR) continue;
        if (d->kind == D_SET && TYPE_BASE(ti) != TY_SET) {
            diag_error(s->d, it->e->sp, "a set's item must be a set, not %s", a_type(s, ti));
            continue;
        }
        if (d->kind == D_VALUE && (TYPE_BASE(ti) == TY_SET)) {
            diag_error(s->d, it->e->sp, "a value cannot be a set; declare it with 'set'");
            continue;
        }
        if (t == TY_ERR) t = ti;
        else if (unify(t, ti) == TY_ERR) diag_error(s->d, it->e->sp, "this item is %s, but the first is %s",
                                                     a_type(s, ti), a_type(s, t));
        else t = unify(t, ti);
    }
    x->allow_inputs = saved;
    *out = t;
    /* overlapping versions of a value; a set member listed twice in overlapping periods */
    for (uint32_t i = 0; i < d->nitems; i++)
        for (uint32_t j = 0; j < i; j++) {
            ast_item *a = &d->items[j], *b = &d->items[i];
            if (!periods_overlap(a->from, a->until, b->from, b->until)) continue;
            char days[40];
            shared_days(a->from, a->until, b->from, b->until, days);
            if (d->kind == D_VALUE) {
                diag_error(s->d, b->sp, "two versions of value %.*s are in force %s", SP(s, d->name), days);
                diag_note(s->d, a->sp, "the other version");
                continue;
            }
            if (a->e->kind != EX_SETLIT || b->e->kind != EX_SETLIT) continue;
            /* every member of b against every member of a naming the same, in order */
            if (!s->member_first) s->member_first = arena_array(s->tmp, MEMBER_SLOTS, sizeof(uint32_t));
            if (!s->member_first) return; /* out of memory: tf_compile reports it */
            members_index(s->member_first, a->e);
            for (uint32_t p = 0; p < b->e->nelems; p++) {
                const ast_member *mp = &b->e->elems[p];
                if (mp->ref == REF_NONE) continue;
                for (uint32_t q = members_find(s->member_first, a->e, mp, 0); q < a->e->nelems;
                     q = members_find(s->member_first, a->e, mp, q + 1)) {
                    diag_error(s->d, mp->sp, "%.*s is already a member of set %.*s %s", SP(s, mp->sp), SP(s, d->name),
                               days);
                    diag_note(s->d, a->e->elems[q].sp, "listed here too");
                }
            }
            members_unindex(s->member_first, a->e);
        }
}

/* Types a set or value declaration on first use; finds cycles. */
static type_t check_decl_type(ectx *x, uint32_t di) {
    sema_book *bk = x->bk;
    ast_decl *d = &bk->ast->decls[di];
    if (bk->state[di] == 2) return bk->dtype[di];
    if (bk->state[di] == 1) {
        diag_error(x->s->d, d->name, "%s %.*s refers to itself",
                   d->kind == D_SET ? "set" : d->kind == D_VALUE ? "value" : "derived value",
                   SP(x->s, d->name));
        bk->dtype[di] = TY_ERR;
        return TY_ERR;
    }
    bk->state[di] = 1;
    type_t t;
    if (d->kind == D_LET) {
        ectx inner = *x;
        inner.allow_inputs = 1;
        inner.where_input = -1;
        inner.loopvar.len = 0;
        inner.points = NULL;
        t = check_expr(&inner, d->e, TY_ERR);
        if (t != TY_ERR && TYPE_BASE(t) == TY_SET) {
            diag_error(x->s->d, d->e->sp, "a derived value cannot be a set; declare it with 'set'");
            t = TY_ERR;
        }
    } else {
        check_items(x, d, &t);
    }
    if (bk->state[di] == 1) {
        bk->dtype[di] = t;
        bk->order[bk->norder++] = di;
    }
    bk->state[di] = 2;
    return bk->dtype[di];
}

/* ---- rules and tests --------------------------------------------------------------- */

static void want_type(ectx *x, ast_expr *e, type_t got, ty_base want, const char *what) {
    if (got != TY_ERR && TYPE_BASE(got) != want)
        diag_error(x->s->d, e->sp, "%s must be a %s, not %s", what,
                   want == TY_BOOL ? "bool" : want == TY_DURATION ? "duration" : "set of ports",
                   a_type(x->s, got));
}

static void check_rule(ectx *x, ast_decl *d) {
    sema *s = x->s;
    int nstay = 0, nports = 0, nexit = 0, nout = 0;
    int32_t from = DATE_NONE, until = DATE_NONE;
    span from_sp = {0}, until_sp = {0};
    for (uint32_t i = 0; i < d->nclauses; i++) {
        ast_clause *c = &d->clauses[i];
        switch (c->kind) {
        case CL_FROM: from = check_date(s, c->name); from_sp = c->name; break;
        case CL_UNTIL: until = check_date(s, c->name); until_sp = c->name; break;
        case CL_REQUIRE:
            want_type(x, c->e, check_expr(x, c->e, TY_ERR), TY_BOOL, "a requirement");
            check_cites(x, &c->cites);
            break;
        case CL_PORTS:
        case CL_EXIT_PORTS: {
            type_t t = check_expr(x, c->e, TYPE_SET_OF(TYPE(TY_PORT, 0, 0)));
            if (t != TY_ERR && t != TYPE_SET_OF(TYPE(TY_PORT, 0, 0)))
                diag_error(s->d, c->e->sp, "'ports' needs a set of ports, not %s", a_type(s, t));
            if (c->kind == CL_PORTS ? nports++ : nexit++)
                diag_error(s->d, c->sp, "a rule has at most one '%sports' clause", c->kind == CL_PORTS ? "" : "exit ");
            break;
        }
        case CL_STAY:
            want_type(x, c->e, check_expr(x, c->e, TY_ERR), TY_DURATION, "a stay");
            if (nstay++) diag_error(s->d, c->sp, "a rule has at most one 'stay' clause");
            break;
        case CL_LIMIT:
            want_type(x, c->e, check_expr(x, c->e, TY_ERR), TY_DURATION, "a limit");
            want_type(x, c->e2, check_expr(x, c->e2, TY_ERR), TY_DURATION, "a limit's window");
            break;
        case CL_OUTCOME:
            if (outcome_find(s->texts[c->name.file] + c->name.off, c->name.len) < 0)
                diag_error(s->d, c->name, "unknown outcome %.*s (outcomes: %s)", SP(s, c->name), outcome_list());
            if (nout++) diag_error(s->d, c->sp, "a rule has at most one 'outcome' clause");
            break;
        }
    }
    check_period(s, from, until, from_sp, until_sp);
    check_cites(x, &d->cites);
    if (!d->cites.n) {
        diag_error(s->d, d->name, "rule %.*s cites no source: add 'cite' and a source id", SP(s, d->name));
        /* line breaks mean nothing to the grammar: a `cite` written on the line after a
         * `require` is that clause's own, the commonest way to lose the rule's */
        for (uint32_t i = d->nclauses; i-- > 0;)
            if (d->clauses[i].kind == CL_REQUIRE && d->clauses[i].cites.n) {
                diag_note(s->d, d->clauses[i].cites.ids[0],
                          "this 'cite' is the citation of the 'require' before it, not of the rule");
                break;
            }
    }
    /* two rules of one name */
    int first = find_local(x, d->name, D_ENTRY);
    int first_t = find_local(x, d->name, D_TRANSIT);
    if (first_t >= 0 && (first < 0 || first_t < first)) first = first_t;
    if (first >= 0 && &x->bk->ast->decls[first] != d) {
        diag_error(s->d, d->name, "rule %.*s is declared twice", SP(s, d->name));
        diag_note(s->d, x->bk->ast->decls[first].name, "first declared here");
    }
}

/* Checks one given value against the type `want`, as a case document's field would be. */
static void check_given_value(ectx *x, span path, ast_expr *v, type_t want) {
    sema *s = x->s;
    /* a well-formed port code that no rule names is a valid, undesignated port */
    if (TYPE_BASE(want) == TY_PORT && v->kind == EX_NAME &&
        ir_port_find(s->r, s->texts[v->sp.file] + v->sp.off, v->sp.len) < 0) {
        const char *t = s->texts[v->sp.file] + v->sp.off;
        int ok = v->sp.len == 3;
        for (uint32_t k = 0; k < v->sp.len && ok; k++) ok = t[k] >= 'A' && t[k] <= 'Z';
        if (!ok) diag_error(s->d, v->sp, "%.*s: %.*s is not a port code", SP(s, path), SP(s, v->sp));
        v->ref = REF_PORT;
        v->ref_index = PORT_UNDESIGNATED;
        v->type = want;
        return;
    }
    type_t t = check_expr(x, v, want);
    if (t == TY_ERR) return;
    if (!v->is_const) {
        diag_error(s->d, v->sp, "a given value must be a constant");
        return;
    }
    if (t != want && !(TYPE_BASE(want) == TY_NUMBER && TYPE_BASE(t) == TY_INT) &&
        !(TYPE_BASE(want) == TY_MONEY && is_numeric(TYPE_BASE(t))))
        diag_error(s->d, v->sp, "%.*s is %s, but %.*s is %s", SP(s, path), a_type(s, want), SP(s, v->sp), a_type(s, t));
}

/* Checks a test's given values as a case document's fields would be. */
static void check_test(ectx *x, ast_decl *d) {
    sema *s = x->s;
    for (uint32_t i = 0; i < d->ngivens; i++) {
        ast_given *g = &d->givens[i];
        int in = ir_input_find(s->r, s->texts[g->path.file] + g->path.off, g->path.len);
        if (in < 0) {
            diag_error(s->d, g->path, "unknown input %.*s", SP(s, g->path));
            continue;
        }
        g->input = (uint32_t)in;
        for (uint32_t j = 0; j < i; j++)
            if (d->givens[j].input == g->input && span_eq(s, d->givens[j].path, g->path))
                diag_error(s->d, g->path, "%.*s is given twice", SP(s, g->path));
        const ir_input *def = &s->r->inputs[in];
        if (g->is_list != (TYPE_BASE(def->type) == TY_LIST)) {
            diag_error(s->d, g->path, g->is_list ? "%.*s is not a list" : "%.*s is a list: give it as [...]",
                       SP(s, g->path));
            continue;
        }
        if (!g->is_list) {
            check_given_value(x, g->path, g->val, def->type);
            continue;
        }
        if (g->records && !def->nfields) {
            diag_error(s->d, g->path, "%.*s is a list of values, not of records", SP(s, g->path));
            continue;
        }
        if (g->items && def->nfields) {
            diag_error(s->d, g->path, "%.*s is a list of records: give each as {field = value, ...}", SP(s, g->path));
            continue;
        }
        for (uint32_t k = 0; g->items && k < g->nitems; k++) check_given_value(x, g->path, g->items[k], def->elem);
        for (uint32_t k = 0; g->records && k < g->nitems; k++) {
            ast_record *rc = &g->records[k];
            for (uint32_t f = 0; f < def->nfields; f++) {
                uint32_t j = 0;
                while (j < rc->n && !sema_is(s, rc->fields[j], def->fields[f])) j++;
                if (j == rc->n) diag_error(s->d, rc->sp, "%.*s: this record lacks the field %s", SP(s, g->path), def->fields[f]);
            }
            for (uint32_t j = 0; j < rc->n; j++) {
                uint32_t f = 0;
                while (f < def->nfields && !sema_is(s, rc->fields[j], def->fields[f])) f++;
                if (f == def->nfields) {
                    diag_error(s->d, rc->fields[j], "%.*s has no field %.*s", SP(s, g->path), SP(s, rc->fields[j]));
                    continue;
                }
                check_given_value(x, rc->fields[j], rc->vals[j], def->ftypes[f]);
            }
        }
    }
    /* a pathway test */
    if (d->expect_eligible >= 0) {
        int has = 0;
        for (uint32_t i = 0; i < x->bk->ast->ndecls; i++) has |= x->bk->ast->decls[i].kind == D_PATHWAY;
        if (!has) diag_error(s->d, d->expect, "'expect eligible' tests a pathway, and this rulebook has none");
        if (!d->as_of.len) diag_error(s->d, d->expect, "a pathway test must say 'as of DATE'");
        else check_date(s, d->as_of);
        if (d->expect_earliest.len && !sema_is(s, d->expect_earliest, "none")) check_date(s, d->expect_earliest);
        if (d->expect_counted) {
            type_t t = check_expr(x, d->expect_counted, TY_ERR);
            if (t != TY_ERR && !is_numeric(TYPE_BASE(t)))
                diag_error(s->d, d->expect_counted->sp, "counted days are a number, not %s", a_type(s, t));
        }
        return;
    }
    /* a points test */
    if (d->expect_total) {
        ast_decl *pts = NULL;
        for (uint32_t i = 0; i < x->bk->ast->ndecls; i++)
            if (x->bk->ast->decls[i].kind == D_POINTS) pts = &x->bk->ast->decls[i];
        if (!pts) {
            diag_error(s->d, d->expect, "'expect total' tests a points scheme, and this rulebook has none");
            return;
        }
        type_t t = check_expr(x, d->expect_total, TY_ERR);
        if (t != TY_ERR && !is_numeric(TYPE_BASE(t)))
            diag_error(s->d, d->expect_total->sp, "a total is a number, not %s", a_type(s, t));
        if (d->expect_category.len && !sema_is(s, d->expect_category, "no")) {
            int found = 0;
            for (uint32_t i = 0; i < pts->npclauses; i++)
                found |= pts->pclauses[i].kind == PC_CATEGORY && span_eq(s, pts->pclauses[i].name, d->expect_category);
            if (!found) diag_error(s->d, d->expect_category, "the scheme has no category %.*s", SP(s, d->expect_category));
        }
        if (!d->as_of.len) diag_error(s->d, d->expect, "a points test must say 'as of DATE' (ages change with it)");
        else check_date(s, d->as_of);
        return;
    }
    if (d->as_of.len) check_date(s, d->as_of);
    if (d->until.len) check_date(s, d->until);
    if (d->expect.len && outcome_find(s->texts[d->expect.file] + d->expect.off, d->expect.len) < 0)
        diag_error(s->d, d->expect, "unknown outcome %.*s (outcomes: %s)", SP(s, d->expect), outcome_list());
    if (d->by.len && find_local(x, d->by, D_ENTRY) < 0 && find_local(x, d->by, D_TRANSIT) < 0)
        diag_error(s->d, d->by, "unknown rule %.*s", SP(s, d->by));
}

/* A pathway: its requirements' conditions, windows, labels and sources. */
static void check_pathway(ectx *x, ast_decl *d) {
    sema *s = x->s;
    ast_rulebook *rb = x->bk->ast;
    for (uint32_t i = 0; i < rb->ndecls; i++)
        if ((rb->decls[i].kind == D_PATHWAY || rb->decls[i].kind == D_POINTS) && &rb->decls[i] != d) {
            if (&rb->decls[i] < d) {
                diag_error(s->d, d->sp, "a rulebook holds one 'points' or 'pathway' declaration");
                diag_note(s->d, rb->decls[i].sp, "the first is here");
            }
            break;
        }
    check_cites(x, &d->cites);
    int any_cite = d->cites.n > 0;
    for (uint32_t i = 0; i < d->nwclauses; i++) {
        ast_wclause *c = &d->wclauses[i];
        check_cites(x, &c->cites);
        any_cite |= c->cites.n > 0;
        if (c->kind == WC_EXPR) {
            type_t t = check_expr(x, c->e, TY_ERR);
            if (t != TY_ERR && TYPE_BASE(t) != TY_BOOL)
                diag_error(s->d, c->e->sp, "a requirement must be a bool, not %s", a_type(s, t));
            continue;
        }
        if (c->kind != WC_HELD && c->len <= 0) diag_error(s->d, c->sp, "a window must be at least one day long");
        for (uint32_t w = 0; w < c->nweights; w++)
            if (c->weights[w].weight < 0 || c->weights[w].weight > 1)
                diag_error(s->d, c->sp, "a day counts between 0 and 1, not %g", c->weights[w].weight);
    }
    if (!any_cite) diag_error(s->d, d->name, "route %.*s cites no source: add 'cite' and a source id", SP(s, d->name));
}

/* A points declaration: factors and groups, categories, the pass mark, requirements. */
static void check_points(ectx *x, ast_decl *d) {
    sema *s = x->s;
    ast_rulebook *rb = x->bk->ast;
    for (uint32_t i = 0; i < rb->ndecls; i++)
        if (rb->decls[i].kind == D_POINTS && &rb->decls[i] != d) {
            if (&rb->decls[i] < d) {
                diag_error(s->d, d->sp, "a rulebook holds one 'points' declaration");
                diag_note(s->d, rb->decls[i].sp, "the first is here");
            }
            break;
        }
    check_cites(x, &d->cites);
    uint32_t nitems = 0;
    for (uint32_t i = 0; i < d->npclauses; i++) nitems += d->pclauses[i].kind <= PC_GROUP;
    ast_pclause **items = arena_array(s->tmp, nitems ? nitems : 1, sizeof *items);
    int *owner = arena_array(s->tmp, nitems ? nitems : 1, sizeof *owner);
    if (!items || !owner) return;
    uint32_t k = 0;
    for (uint32_t i = 0; i < d->npclauses; i++)
        if (d->pclauses[i].kind <= PC_GROUP) {
            for (uint32_t j = 0; j < k; j++)
                if (span_eq(s, items[j]->name, d->pclauses[i].name)) {
                    diag_error(s->d, d->pclauses[i].name, "%.*s is declared twice in this scheme", SP(s, d->pclauses[i].name));
                    diag_note(s->d, items[j]->name, "first declared here");
                }
            owner[k] = -1;
            items[k++] = &d->pclauses[i];
        }
    ectx inner = *x;
    for (uint32_t i = 0; i < d->npclauses; i++) {
        ast_pclause *c = &d->pclauses[i];
        check_cites(x, &c->cites);
        if (c->max) {
            type_t mt = check_expr(x, c->max, TY_ERR);
            if (mt != TY_ERR && !is_numeric(TYPE_BASE(mt)))
                diag_error(s->d, c->max->sp, "a maximum must be a number, not %s", a_type(s, mt));
        }
        switch (c->kind) {
        case PC_FACTOR: {
            type_t t = check_expr(x, c->e, TY_ERR);
            if (t != TY_ERR && !is_numeric(TYPE_BASE(t)))
                diag_error(s->d, c->e->sp, "a factor's points must be a number, not %s", a_type(s, t));
            break;
        }
        case PC_GROUP:
            for (uint32_t m = 0; m < c->nmembers; m++) {
                uint32_t j = 0;
                while (j < nitems && !span_eq(s, items[j]->name, c->members[m])) j++;
                if (j == nitems) {
                    diag_error(s->d, c->members[m], "unknown factor or group %.*s", SP(s, c->members[m]));
                    continue;
                }
                if (items[j] == c) {
                    diag_error(s->d, c->members[m], "group %.*s contains itself", SP(s, c->name));
                    continue;
                }
                if (owner[j] >= 0) {
                    diag_error(s->d, c->members[m], "%.*s already belongs to group %.*s", SP(s, c->members[m]),
                               SP(s, items[owner[j]]->name));
                    continue;
                }
                uint32_t me = 0;
                while (items[me] != c) me++;
                /* a group may not contain, through others, the group that contains it */
                for (int up = (int)me; up >= 0; up = owner[up])
                    if ((uint32_t)up == j) {
                        diag_error(s->d, c->members[m], "groups %.*s and %.*s contain each other", SP(s, c->name),
                                   SP(s, c->members[m]));
                        goto next_member;
                    }
                owner[j] = (int)me;
            next_member:;
            }
            break;
        case PC_CATEGORY:
        case PC_PASS:
        case PC_REQUIRE: {
            inner.points = d;
            type_t t = check_expr(&inner, c->e, TY_ERR);
            if (t != TY_ERR && TYPE_BASE(t) != TY_BOOL)
                diag_error(s->d, c->e->sp, "a condition must be a bool, not %s", a_type(s, t));
            break;
        }
        }
    }
    if (!d->cites.n) {
        int any = 0;
        for (uint32_t i = 0; i < d->npclauses; i++) any |= d->pclauses[i].cites.n > 0;
        if (!any) diag_error(s->d, d->name, "scheme %.*s cites no source: add 'cite' and a source id", SP(s, d->name));
    }
}

static void check_book(sema *s, uint32_t b) {
    sema_book *bk = &s->books[b];
    ast_rulebook *rb = bk->ast;
    ectx x = {.s = s, .bk = bk, .book = b, .allow_inputs = 1, .where_input = -1};
    uint32_t n = rb->ndecls ? rb->ndecls : 1;
    bk->state = arena_array(s->tmp, n, 1);
    bk->dtype = arena_array(s->tmp, n, sizeof(type_t));
    bk->order = arena_array(s->tmp, n, sizeof(uint32_t));
    if (!bk->state || !bk->dtype || !bk->order || index_names(s, bk) < 0) return;
    for (uint32_t j = 0; j < b; j++)
        if (span_eq(s, s->books[j].ast->id, rb->id)) {
            diag_error(s->d, rb->id, "rulebook %.*s is defined twice", SP(s, rb->id));
            diag_note(s->d, s->books[j].ast->id, "first defined here");
        }
    if (rb->destination.len) {
        const char *t = s->texts[rb->destination.file] + rb->destination.off;
        if (country_find(t, rb->destination.len) < 0)
            diag_error(s->d, rb->destination, "unknown country code %.*s", SP(s, rb->destination));
    }
    if (rb->otherwise.len && outcome_find(s->texts[rb->file] + rb->otherwise.off, rb->otherwise.len) < 0)
        diag_error(s->d, rb->otherwise, "unknown outcome %.*s (outcomes: %s)", SP(s, rb->otherwise), outcome_list());
    for (uint32_t i = 0; i < rb->ndecls; i++) {
        ast_decl *d = &rb->decls[i];
        if (!d->name.len) continue;
        /* one namespace for sources, sets, values and rules */
        if (d->kind == D_SOURCE || d->kind == D_SET || d->kind == D_VALUE || d->kind == D_LET || d->kind == D_ENTRY ||
            d->kind == D_TRANSIT) {
            for (uint32_t j = first_named(s, bk, d->name); j < i; j = bk->next_same[j]) {
                ast_decl *o = &rb->decls[j];
                int same_ns = (o->kind == D_SET || o->kind == D_VALUE || o->kind == D_LET) ==
                                  (d->kind == D_SET || d->kind == D_VALUE || d->kind == D_LET) &&
                              (o->kind == D_SOURCE) == (d->kind == D_SOURCE) &&
                              (o->kind == D_ENTRY || o->kind == D_TRANSIT) == (d->kind == D_ENTRY || d->kind == D_TRANSIT);
                if (same_ns && o->name.len && span_eq(s, o->name, d->name) &&
                    (d->kind == D_SOURCE || d->kind == D_SET || d->kind == D_VALUE || d->kind == D_LET)) {
                    diag_error(s->d, d->name, "%.*s is declared twice", SP(s, d->name));
                    diag_note(s->d, o->name, "first declared here");
                    break;
                }
            }
        }
        switch (d->kind) {
        case D_SOURCE: check_date(s, d->date); break;
        case D_SET:
        case D_VALUE:
        case D_LET: check_decl_type(&x, i); break;
        case D_POINTS: check_points(&x, d); break;
        case D_PATHWAY: check_pathway(&x, d); break;
        case D_ENTRY:
        case D_TRANSIT: check_rule(&x, d); break;
        case D_TEST: check_test(&x, d); break;
        default: break;
        }
    }
}

/* Default values of inputs: constants of the input's type. */
static void check_defaults(sema *s) {
    for (uint32_t i = 0; i < s->r->ninputs; i++) {
        ast_decl *d = s->input_decls[i];
        if (!d->deflt) continue;
        uint32_t b = 0;
        while (b < s->nbooks && s->books[b].ast->file != d->name.file) b++;
        if (b == s->nbooks) continue;
        ectx x = {.s = s, .bk = &s->books[b], .book = b, .where_input = -1};
        type_t t = check_expr(&x, d->deflt, s->r->inputs[i].type);
        if (t != TY_ERR && unify(t, s->r->inputs[i].type) == TY_ERR)
            diag_error(s->d, d->deflt->sp, "the default of %s must be %s, not %s", s->r->inputs[i].name,
                       a_type(s, s->r->inputs[i].type), a_type(s, t));
    }
}

void check_all(sema *s) {
    check_globals(s);
    for (uint32_t b = 0; b < s->nbooks; b++) check_book(s, b);
    check_defaults(s);
}

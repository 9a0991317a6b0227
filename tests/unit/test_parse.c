/*
 * test_parse.c — unit tests of the parser (src/lang/parse.c).
 *
 * The shape of the syntax tree for valid snippets — the precedence of or, and, not,
 * comparisons and in, + and -, * / and &, unary minus; `not in`; if/then/else; the
 * items of sets and values with from/until/cite; every clause of a rule; a test's
 * given/as of/expect/by/until — shown as S-expressions so a test reads like the grammar.
 * Then syntax errors, by exact message and position: one per broken declaration, with
 * recovery at the next declaration; and nesting beyond PARSE_MAX_DEPTH reported as an
 * error, however deep, rather than overflowing the stack of the parser or of the
 * checker after it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/arena.h"
#include "base/diag.h"
#include "lang/ast.h"
#include "lang/lex.h"
#include "lang/parse.h"

/* ---- helpers ------------------------------------------------------------------------ */

typedef struct {
    arena a;
    tf_diags *d;
    ast_rulebook *rb;
    const char *text;
    size_t len;
} parsed;

static void parse_n(parsed *p, const char *text, size_t len)
{
    arena_init(&p->a, 4096, 0);
    p->d = diags_new();
    assert_non_null(p->d);
    assert_int_equal(diags_add_file(p->d, "t.rules", text, len), 0);
    p->text = text;
    p->len = len;
    p->rb = parse_file(&p->a, p->d, 0, text, (uint32_t)len);
}

static void parse(parsed *p, const char *text) { parse_n(p, text, strlen(text)); }

static void done(parsed *p)
{
    arena_free(&p->a);
    tf_diags_free(p->d);
}

/* Parses text, which must have no syntax error; fails the test with the first one. */
static void parse_ok(parsed *p, const char *text)
{
    parse(p, text);
    if (p->d->n)
        fail_msg("unexpected syntax error: %s", p->d->v[0].msg);
    assert_non_null(p->rb);
}

/* The text of span sp, in a rotating static buffer. */
static const char *txt(const parsed *p, span sp)
{
    static char bufs[4][256];
    static int next;
    char *b = bufs[next++ & 3];
    snprintf(b, 256, "%.*s", (int)sp.len, p->text + sp.off);
    return b;
}

/* An operator's spelling: the token's printable name without its quotes. */
static void op_name(int op, char *out, size_t n)
{
    const char *name = lex_kind_name((tok_kind)op);
    size_t l = strlen(name);
    if (l >= 2 && name[0] == '\'')
        snprintf(out, n, "%.*s", (int)(l - 2), name + 1);
    else
        snprintf(out, n, "%s", name);
}

/* Appends e as an S-expression: (op a b), (not a), (- a), (in a S), (not-in a S),
 * (if c a b), {A B}, or a leaf's text. */
static void sexpr(const parsed *p, const ast_expr *e, char *out, size_t n)
{
    size_t l = strlen(out);
    char op[32];
    if (!e) {
        snprintf(out + l, n - l, "NULL");
        return;
    }
    switch (e->kind) {
    case EX_BINARY:
        op_name(e->op, op, sizeof op);
        snprintf(out + l, n - l, "(%s ", op);
        sexpr(p, e->a, out, n);
        strncat(out, " ", n - strlen(out) - 1);
        sexpr(p, e->b, out, n);
        strncat(out, ")", n - strlen(out) - 1);
        return;
    case EX_UNARY:
        snprintf(out + l, n - l, "(%s ", e->op == KW_NOT ? "not" : "-");
        sexpr(p, e->a, out, n);
        strncat(out, ")", n - strlen(out) - 1);
        return;
    case EX_IN:
        snprintf(out + l, n - l, "(%s ", e->op ? "not-in" : "in");
        sexpr(p, e->a, out, n);
        strncat(out, " ", n - strlen(out) - 1);
        sexpr(p, e->b, out, n);
        strncat(out, ")", n - strlen(out) - 1);
        return;
    case EX_IF:
        snprintf(out + l, n - l, "(if ");
        sexpr(p, e->a, out, n);
        strncat(out, " ", n - strlen(out) - 1);
        sexpr(p, e->b, out, n);
        strncat(out, " ", n - strlen(out) - 1);
        sexpr(p, e->c, out, n);
        strncat(out, ")", n - strlen(out) - 1);
        return;
    case EX_SETLIT:
        strncat(out, "{", n - strlen(out) - 1);
        for (uint32_t i = 0; i < e->nelems; i++) {
            if (i)
                strncat(out, " ", n - strlen(out) - 1);
            strncat(out, txt(p, e->elems[i].sp), n - strlen(out) - 1);
        }
        strncat(out, "}", n - strlen(out) - 1);
        return;
    default:
        snprintf(out + l, n - l, "%.*s", (int)e->sp.len, p->text + e->sp.off);
        return;
    }
}

/* The S-expression of the first item of the first declaration of `decl`, which must
 * be a `value` or `set` declaration that parses cleanly. */
static void expect_tree(const char *decl, const char *want)
{
    char text[1024];
    snprintf(text, sizeof text, "rulebook t\n%s\n", decl);
    parsed p;
    parse_ok(&p, text);
    assert_true(p.rb->ndecls >= 1);
    assert_true(p.rb->decls[0].nitems >= 1);
    char got[1024] = "";
    sexpr(&p, p.rb->decls[0].items[0].e, got, sizeof got);
    if (strcmp(got, want) != 0)
        fail_msg("%s\n  got  %s\n  want %s", decl, got, want);
    done(&p);
}

/* "line:col: message" of diagnostic i. */
static const char *where_msg(const parsed *p, size_t i)
{
    static char buf[512];
    int line, col;
    diag_line_col(p->text, p->len, p->d->v[i].at.off, &line, &col);
    snprintf(buf, sizeof buf, "%d:%d: %s", line, col, p->d->v[i].msg);
    return buf;
}

/* Parses text and expects exactly the errors want[0..n) ("line:col: message"). */
static void expect_errors_n(const char *text, size_t len, const char *const *want, size_t n)
{
    parsed p;
    parse_n(&p, text, len);
    for (size_t i = 0; i < p.d->n && i < n; i++)
        if (strcmp(where_msg(&p, i), want[i]) != 0)
            fail_msg("error %zu:\n  got  %s\n  want %s", i, where_msg(&p, i), want[i]);
    if (p.d->n != n)
        fail_msg("%zu errors, want %zu (first: %s)", p.d->n, n, p.d->n ? where_msg(&p, 0) : "none");
    assert_int_equal(p.d->errors, n);
    done(&p);
}

#define EXPECT_ERRORS(text, ...)                                                           \
    do {                                                                                   \
        static const char *const w_[] = {__VA_ARGS__};                                     \
        expect_errors_n((text), strlen(text), w_, sizeof w_ / sizeof w_[0]);               \
    } while (0)

/* ---- expressions -------------------------------------------------------------------- */

/* Loosest first: if, or, and, not, comparisons and in, + -, * / &, unary -. */
static void test_precedence(void **state)
{
    (void)state;
    expect_tree("value v = a or b and not c = d + e * f", "(or a (and b (not (= c (+ d (* e f))))))");
    expect_tree("value v = f * e + d = c and not b or a", "(or (and (= (+ (* f e) d) c) (not b)) a)");
    /* chains associate left */
    expect_tree("value v = a - b + c", "(+ (- a b) c)");
    expect_tree("value v = a / b * c", "(* (/ a b) c)");
    expect_tree("value v = a or b or c", "(or (or a b) c)");
    expect_tree("value v = a and b and c", "(and (and a b) c)");
    /* & binds like * : tighter than + and - */
    expect_tree("set s = A + B & C - D", "(- (+ A (& B C)) D)");
    /* unary minus binds tightest; not is looser than comparisons */
    expect_tree("value v = -a * b", "(* (- a) b)");
    expect_tree("value v = - - a", "(- (- a))");
    expect_tree("value v = not not a", "(not (not a))");
    expect_tree("value v = not a < b", "(not (< a b))");
    /* every comparison */
    expect_tree("value v = a != b", "(!= a b)");
    expect_tree("value v = a <= b", "(<= a b)");
    expect_tree("value v = a >= b", "(>= a b)");
    expect_tree("value v = a > b", "(> a b)");
    /* parentheses */
    expect_tree("value v = (a or b) and c", "(and (or a b) c)");
    expect_tree("value v = a * (b + c)", "(* a (+ b c))");
}

static void test_in_and_not_in(void **state)
{
    (void)state;
    expect_tree("value v = x in S", "(in x S)");
    expect_tree("value v = x not in {work study journalism}", "(not-in x {work study journalism})");
    expect_tree("value v = x not in S and y in {FR DE}", "(and (not-in x S) (in y {FR DE}))");
    /* the set side of `in` is a sum */
    expect_tree("value v = x in A + B - {LI}", "(in x (- (+ A B) {LI}))");
    /* `not x in S` negates the membership */
    expect_tree("value v = not x in S", "(not (in x S))");
    /* set literal members may be separated by commas, and be keywords */
    expect_tree("set s = {transit, port entry}", "{transit port entry}");
}

static void test_if_then_else(void **state)
{
    (void)state;
    expect_tree("value v = if a then b else c", "(if a b c)");
    expect_tree("value v = if a then b else if c then d else e", "(if a b (if c d e))");
    expect_tree("value v = if a or b then 1 else 2 + 3", "(if (or a b) 1 (+ 2 3))");
    expect_tree("value v = (if a then 1 else 2) * 3", "(* (if a 1 2) 3)");
}

/* Leaves: their kinds, values and spans. */
static void test_leaves(void **state)
{
    (void)state;
    parsed p;
    parse_ok(&p, "rulebook t\nvalue v = (30 days + 240 hours) * 2.5 + 1 day + 12 hour\n"
                 "value w = \"s\" = \"t\" and 2024-02-29 < 2025-01-01 and 12:30 > 00:00 and true != false\n");
    ast_expr *e = p.rb->decls[0].items[0].e;
    /* (+ (+ (* (30 days + 240 hours) 2.5) (1 day)) (12 hour)) */
    assert_int_equal(e->kind, EX_BINARY);
    assert_string_equal(txt(&p, e->sp), "(30 days + 240 hours) * 2.5 + 1 day + 12 hour");
    ast_expr *hour12 = e->b;
    assert_int_equal(hour12->kind, EX_DURATION);
    assert_int_equal(hour12->ival, 12 * 60);
    assert_string_equal(txt(&p, hour12->sp), "12 hour");
    ast_expr *day1 = e->a->b;
    assert_int_equal(day1->kind, EX_DURATION);
    assert_int_equal(day1->ival, 1440);
    ast_expr *mul = e->a->a;
    assert_int_equal(mul->op, TK_STAR);
    assert_int_equal(mul->b->kind, EX_NUMBER);
    assert_true(mul->b->num == 2.5);
    /* a parenthesised expression spans its parentheses */
    assert_string_equal(txt(&p, mul->a->sp), "(30 days + 240 hours)");
    assert_int_equal(mul->a->a->ival, 30 * 1440);
    assert_int_equal(mul->a->b->ival, 240 * 60);

    char got[512] = "";
    sexpr(&p, p.rb->decls[1].items[0].e, got, sizeof got);
    assert_string_equal(got, "(and (and (and (= \"s\" \"t\") (< 2024-02-29 2025-01-01)) (> 12:30 00:00)) "
                             "(!= true false))");
    ast_expr *w = p.rb->decls[1].items[0].e;
    assert_int_equal(w->b->a->kind, EX_BOOL);
    assert_int_equal(w->b->a->ival, 1);
    assert_int_equal(w->b->b->ival, 0);
    assert_int_equal(w->a->b->a->kind, EX_TIME);
    assert_int_equal(w->a->a->b->a->kind, EX_DATE);
    assert_int_equal(w->a->a->a->a->kind, EX_STRING);
    done(&p);
}

/* ---- declarations ------------------------------------------------------------------- */

static void test_header(void **state)
{
    (void)state;
    parsed p;
    parse_ok(&p, "# comment\nrulebook cn.entry \"China\"\n  destination CN\n  otherwise visa_required\n");
    assert_string_equal(txt(&p, p.rb->id), "cn.entry");
    assert_string_equal(txt(&p, p.rb->title), "\"China\"");
    assert_string_equal(txt(&p, p.rb->destination), "CN");
    assert_string_equal(txt(&p, p.rb->otherwise), "visa_required");
    assert_string_equal(txt(&p, p.rb->kw), "rulebook");
    assert_int_equal(p.rb->ndecls, 0);
    done(&p);

    /* the title, destination and otherwise are optional */
    parse_ok(&p, "rulebook case");
    assert_int_equal(p.rb->title.len, 0);
    assert_int_equal(p.rb->destination.len, 0);
    done(&p);
}

static void test_sources_and_ports(void **state)
{
    (void)state;
    parsed p;
    parse_ok(&p, "rulebook t\n"
                 "source u-b6 \"Title\" 2024-11-22\n  url \"https://a.example/\"\n  url \"https://b.example/\"\n"
                 "port PEK \"Beijing Capital\" area \"Beijing\"\n"
                 "port tianjin-seaport \"Tianjin seaport\"\n");
    assert_int_equal(p.rb->ndecls, 3);
    ast_decl *s = &p.rb->decls[0];
    assert_int_equal(s->kind, D_SOURCE);
    assert_string_equal(txt(&p, s->name), "u-b6");
    assert_string_equal(txt(&p, s->title), "\"Title\"");
    assert_string_equal(txt(&p, s->date), "2024-11-22");
    assert_int_equal(s->nurls, 2);
    assert_string_equal(txt(&p, s->urls[1]), "\"https://b.example/\"");
    ast_decl *pek = &p.rb->decls[1];
    assert_int_equal(pek->kind, D_PORT);
    assert_string_equal(txt(&p, pek->name), "PEK");
    assert_string_equal(txt(&p, pek->area), "\"Beijing\"");
    assert_int_equal(p.rb->decls[2].area.len, 0);
    done(&p);
}

static void test_types_and_inputs(void **state)
{
    (void)state;
    parsed p;
    parse_ok(&p, "rulebook t\n"
                 "type purpose = one of business, tourism, transit\n"
                 "input nationality: country required\n"
                 "input document: one of ordinary, diplomatic default ordinary\n"
                 "input work: list of {country: country, years: number}\n"
                 "input CN.salary_cny: money CNY\n");
    assert_int_equal(p.rb->ndecls, 5);
    ast_type *t = p.rb->decls[0].ty;
    assert_int_equal(t->kind, AT_ENUM);
    assert_int_equal(t->nmembers, 3);
    assert_string_equal(txt(&p, t->members[2]), "transit"); /* a keyword as a member */
    assert_true(p.rb->decls[1].required);
    assert_string_equal(txt(&p, p.rb->decls[1].ty->name), "country");
    assert_non_null(p.rb->decls[2].deflt);
    assert_string_equal(txt(&p, p.rb->decls[2].deflt->sp), "ordinary");
    ast_type *w = p.rb->decls[3].ty;
    assert_int_equal(w->kind, AT_LIST);
    assert_int_equal(w->elem->kind, AT_RECORD);
    assert_int_equal(w->elem->nfields, 2);
    assert_string_equal(txt(&p, w->elem->fields[1]), "years");
    assert_string_equal(txt(&p, w->elem->ftypes[1]->name), "number");
    assert_string_equal(txt(&p, p.rb->decls[4].ty->arg), "CNY");
    done(&p);
}

/* Set and value items: an expression, then from/until/cite in any order. */
static void test_items(void **state)
{
    (void)state;
    parsed p;
    parse_ok(&p, "rulebook t\n"
                 "set s \"Title\"\n"
                 "  {FR DE} from 2024-01-01 until 2024-12-31 cite a, b\n"
                 "  {IT} cite c until 2025-06-30\n"
                 "  A - {LI}\n"
                 "set short = {SG}\n  {NO} from 2023-11-17\n"
                 "value v = 15 days from 2023-07-26 until 2024-11-29\n");
    assert_int_equal(p.rb->ndecls, 3);
    ast_decl *s = &p.rb->decls[0];
    assert_int_equal(s->kind, D_SET);
    assert_string_equal(txt(&p, s->title), "\"Title\"");
    assert_int_equal(s->nitems, 3);
    assert_string_equal(txt(&p, s->items[0].from_sp), "2024-01-01");
    assert_string_equal(txt(&p, s->items[0].until_sp), "2024-12-31");
    assert_int_equal(s->items[0].cites.n, 2);
    assert_string_equal(txt(&p, s->items[0].cites.ids[0]), "a");
    assert_string_equal(txt(&p, s->items[0].cites.ids[1]), "b");
    /* an item spans its expression and its dates and citations */
    assert_string_equal(txt(&p, s->items[0].sp), "{FR DE} from 2024-01-01 until 2024-12-31 cite a, b");
    assert_int_equal(s->items[1].from_sp.len, 0);
    assert_string_equal(txt(&p, s->items[1].until_sp), "2025-06-30");
    assert_string_equal(txt(&p, s->items[1].cites.ids[0]), "c");
    char got[128] = "";
    sexpr(&p, s->items[2].e, got, sizeof got);
    assert_string_equal(got, "(- A {LI})");
    /* the short form is one item; more may follow */
    assert_int_equal(p.rb->decls[1].nitems, 2);
    assert_int_equal(p.rb->decls[1].title.len, 0);
    ast_decl *v = &p.rb->decls[2];
    assert_int_equal(v->kind, D_VALUE);
    assert_int_equal(v->nitems, 1);
    assert_int_equal(v->items[0].e->kind, EX_DURATION);
    done(&p);
}

static void test_rule_clauses(void **state)
{
    (void)state;
    parsed p;
    parse_ok(&p, "rulebook t\n"
                 "entry r \"Title\"\n"
                 "  from 2024-01-01\n"
                 "  until 2025-12-31\n"
                 "  require nationality in s because \"why\" cite a, b\n"
                 "  ports {PEK}\n"
                 "  exit ports {PEK PVG}\n"
                 "  stay 30 days counted from entry_day\n"
                 "  limit 90 days in 180 days\n"
                 "  outcome visa_on_arrival\n"
                 "  cite c\n"
                 "transit t \"Transit\"\n"
                 "  cite c\n"
                 "  stay 240 hours\n"
                 "  stay 1 day counted from next midnight\n");
    assert_int_equal(p.rb->ndecls, 2);
    ast_decl *r = &p.rb->decls[0];
    assert_int_equal(r->kind, D_ENTRY);
    assert_string_equal(txt(&p, r->name), "r");
    assert_string_equal(txt(&p, r->title), "\"Title\"");
    static const cl_kind kinds[] = {CL_FROM, CL_UNTIL, CL_REQUIRE, CL_PORTS, CL_EXIT_PORTS,
                                    CL_STAY, CL_LIMIT, CL_OUTCOME};
    assert_int_equal(r->nclauses, sizeof kinds / sizeof kinds[0]);
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        assert_int_equal(r->clauses[i].kind, kinds[i]);
    assert_string_equal(txt(&p, r->clauses[0].name), "2024-01-01");
    assert_string_equal(txt(&p, r->clauses[1].name), "2025-12-31");
    ast_clause *req = &r->clauses[2];
    assert_string_equal(txt(&p, req->sp), "require nationality in s because \"why\" cite a, b");
    assert_string_equal(txt(&p, req->because), "\"why\"");
    assert_int_equal(req->cites.n, 2);
    assert_string_equal(txt(&p, r->clauses[4].e->sp), "{PEK PVG}");
    assert_int_equal(r->clauses[5].counting, COUNT_ENTRY_DAY);
    assert_string_equal(txt(&p, r->clauses[6].e->sp), "90 days");
    assert_string_equal(txt(&p, r->clauses[6].e2->sp), "180 days");
    assert_string_equal(txt(&p, r->clauses[7].name), "visa_on_arrival");
    assert_int_equal(r->cites.n, 1);
    assert_string_equal(txt(&p, r->cites.ids[0]), "c");

    ast_decl *t = &p.rb->decls[1];
    assert_int_equal(t->kind, D_TRANSIT);
    assert_int_equal(t->nclauses, 2); /* the parser keeps both stays; the checker refuses */
    assert_int_equal(t->clauses[0].counting, COUNT_NEXT_MIDNIGHT); /* the default */
    assert_int_equal(t->clauses[1].counting, COUNT_NEXT_MIDNIGHT);
    assert_int_equal(t->cites.n, 1);
    done(&p);

    /* line breaks mean nothing: a `cite` right after a `require` is the clause's own */
    parse_ok(&p, "rulebook t\nentry r \"T\"\n  require x\n  cite c\n");
    assert_int_equal(p.rb->decls[0].nclauses, 1);
    assert_int_equal(p.rb->decls[0].clauses[0].cites.n, 1);
    assert_int_equal(p.rb->decls[0].cites.n, 0);
    done(&p);
}

static void test_tests(void **state)
{
    (void)state;
    parsed p;
    parse_ok(&p, "rulebook t\n"
                 "test \"a French visitor\"\n"
                 "  given nationality = FR, trip.days = 25,\n"
                 "        trip.entry_date = 2025-03-10, trip.purpose = business\n"
                 "  as of 2025-03-11\n"
                 "  expect visa_free by unilateral until 2025-04-09\n"
                 "test \"minimal\" expect visa_required\n");
    assert_int_equal(p.rb->ndecls, 2);
    ast_decl *t = &p.rb->decls[0];
    assert_int_equal(t->kind, D_TEST);
    assert_string_equal(txt(&p, t->name), "\"a French visitor\"");
    assert_int_equal(t->ngivens, 4);
    assert_string_equal(txt(&p, t->givens[0].path), "nationality");
    assert_string_equal(txt(&p, t->givens[0].val->sp), "FR");
    assert_int_equal(t->givens[1].val->kind, EX_NUMBER);
    assert_string_equal(txt(&p, t->givens[2].path), "trip.entry_date");
    assert_int_equal(t->givens[2].val->kind, EX_DATE);
    assert_string_equal(txt(&p, t->as_of), "2025-03-11");
    assert_string_equal(txt(&p, t->expect), "visa_free");
    assert_string_equal(txt(&p, t->by), "unilateral");
    assert_string_equal(txt(&p, t->until), "2025-04-09");
    ast_decl *m = &p.rb->decls[1];
    assert_int_equal(m->ngivens, 0);
    assert_int_equal(m->as_of.len, 0);
    assert_int_equal(m->by.len, 0);
    assert_int_equal(m->until.len, 0);
    assert_string_equal(txt(&p, m->expect), "visa_required");
    done(&p);
}

/* ---- syntax errors ------------------------------------------------------------------ */

static void test_errors_exact(void **state)
{
    (void)state;
    EXPECT_ERRORS("", "1:1: expected 'rulebook' at the start of the file, found end of file");
    EXPECT_ERRORS("source s \"t\" 2024-01-01",
                  "1:1: expected 'rulebook' at the start of the file, found keyword 'source'");
    EXPECT_ERRORS("rulebook \"China\"", "1:10: expected the rulebook's id (e.g. cn.entry), found '\"China\"'");
    EXPECT_ERRORS("rulebook t\nsource s \"t\"", "2:13: expected the source's date (YYYY-MM-DD), found end of file");
    EXPECT_ERRORS("rulebook t\nsource s \"never closed 2024-01-01\n",
                  "2:10: unterminated string: a string ends on the line it starts");
    EXPECT_ERRORS("rulebook t\nvalue stay = 3", "2:7: expected a value name, found keyword 'stay'");
    EXPECT_ERRORS("rulebook t\nset s = {FR} ; {DE}", "2:14: invalid character ';'");
    EXPECT_ERRORS("rulebook t\nset s = {FR} \xe2\x86\x92 {DE}", "2:14: invalid character U+2192 '\xe2\x86\x92'");
    EXPECT_ERRORS("rulebook t\nsource s \xe2\x80\x9ct\xe2\x80\x9d 2024-01-01",
                  "2:10: invalid character U+201C '\xe2\x80\x9c' (a typographic quote: strings take straight "
                  "quotes \")");
    EXPECT_ERRORS("rulebook t\nset s = {FR}\xc2\xa0", "2:13: invalid character U+00A0 '\xc2\xa0' (an invisible "
                                                      "space: use a plain space)");
    EXPECT_ERRORS("rulebook t\n\xff\xfe", "2:1: invalid UTF-8 (bytes FF): a rulebook is UTF-8 text");
    EXPECT_ERRORS("rulebook t\n\xc3\x28", "2:1: invalid UTF-8 (bytes C3): a rulebook is UTF-8 text");
    EXPECT_ERRORS("rulebook t\n\x01", "2:1: invalid control character 0x01");
    EXPECT_ERRORS("rulebook t\nset s = {FR}\nrequire x",
                  "3:1: expected a new declaration or the end of the file, found keyword 'require'");
    EXPECT_ERRORS("rulebook t\nentry r \"T\"\n  require nationality in\n  cite s",
                  "4:3: expected an expression, found keyword 'cite'");
    EXPECT_ERRORS("rulebook t\nentry r \"T\"\n  stay 30 days counted from arrival",
                  "3:29: expected 'next midnight' or 'entry_day', found 'arrival'");
    EXPECT_ERRORS("rulebook t\ntest \"x\" given nationality = FR visa_free",
                  "2:33: expected 'expect' and the outcome, found 'visa_free'");
    EXPECT_ERRORS("rulebook t\ninput x: {a: int}",
                  "2:10: expected a type (a record {field: type, ...} may stand only after 'list of'), "
                  "found '{'");
    /* a long token is quoted in part, cut on a character boundary */
    EXPECT_ERRORS("rulebook t\nsource s \"t\" \"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
                  "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
                  "\xc3\xa9\xc3\xa9\xc3\xa9\"",
                  "2:14: expected the source's date (YYYY-MM-DD), found '\"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
                  "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
                  "\xc3\xa9\xc3\xa9'...");
}

/* An error message carries a note where something was opened. */
static void test_error_notes(void **state)
{
    (void)state;
    parsed p;
    parse(&p, "rulebook t\nentry r \"T\"\n  require (a or b\n  stay 3 days\n");
    assert_int_equal(p.d->n, 1);
    assert_string_equal(where_msg(&p, 0), "4:3: expected ')', found keyword 'stay'");
    assert_non_null(p.d->v[0].note);
    assert_string_equal(p.d->v[0].note, "the parenthesis opened here");
    assert_int_equal(p.d->v[0].note_at.off, strlen("rulebook t\nentry r \"T\"\n  require "));
    done(&p);

    /* an unclosed set that runs into the next declaration points at its keyword */
    parse(&p, "rulebook t\nset s = {AT BE\n\nentry r \"T\"\n  cite c\n");
    assert_int_equal(p.d->n, 1);
    assert_string_equal(where_msg(&p, 0), "4:1: expected '}' closing the set before 'entry'");
    assert_string_equal(p.d->v[0].note, "the set opened here");
    assert_int_equal(p.d->v[0].note_at.off, strlen("rulebook t\nset s = "));
    done(&p);

    /* a second header points at the first */
    parse(&p, "# c\nrulebook first\nrulebook second\n");
    assert_int_equal(p.d->n, 1);
    assert_string_equal(where_msg(&p, 0), "3:1: a second 'rulebook' header: a file holds one rulebook");
    assert_string_equal(p.d->v[0].note, "the file's rulebook first begins here");
    assert_int_equal(p.d->v[0].note_at.off, 4);
    done(&p);
}

/* One error per broken declaration; the parser goes on at the next declaration. */
static void test_recovery(void **state)
{
    (void)state;
    EXPECT_ERRORS("rulebook t\n"
                  "source s \"A source\"\n"
                  "\n"
                  "port PEK area \"Beijing\"\n"
                  "\n"
                  "set ok = {FR}\n",
                  "4:1: expected the source's date (YYYY-MM-DD), found keyword 'port'",
                  "4:10: expected the port's name (a string), found keyword 'area'");
    /* the good declarations are kept */
    parsed p;
    parse(&p, "rulebook t\nsource s \"t\"\nset ok = {FR}\nset bad = {FR\nset ok2 = {DE}\n");
    assert_int_equal(p.d->n, 2);
    assert_non_null(p.rb);
    int sets = 0;
    for (uint32_t i = 0; i < p.rb->ndecls; i++)
        sets += p.rb->decls[i].kind == D_SET && p.rb->decls[i].nitems == 1;
    assert_int_equal(sets, 2);
    done(&p);
    /* a header error stops the file: without a header there is no tree */
    parse(&p, "set s = {FR}\n");
    assert_null(p.rb);
    assert_int_equal(p.d->n, 1);
    done(&p);
}

/* ---- nesting ------------------------------------------------------------------------ */

/* "rulebook t\nvalue v = " + prefix * n + middle + suffix * n, in a malloc'd buffer. */
static char *nested(const char *prefix, size_t n, const char *middle, const char *suffix, size_t *len)
{
    size_t lp = strlen(prefix), ls = strlen(suffix);
    const char *head = "rulebook t\nvalue v = ";
    size_t cap = strlen(head) + n * (lp + ls) + strlen(middle) + 2;
    char *s = malloc(cap);
    assert_non_null(s);
    char *w = s;
    w += sprintf(w, "%s", head);
    for (size_t i = 0; i < n; i++, w += lp)
        memcpy(w, prefix, lp);
    w += sprintf(w, "%s", middle);
    for (size_t i = 0; i < n; i++, w += ls)
        memcpy(w, suffix, ls);
    *w++ = '\n';
    *w = 0;
    *len = (size_t)(w - s);
    return s;
}

/* Parses the nested text; returns the number of errors, and checks the message. */
static size_t nesting_errors(const char *prefix, size_t n, const char *middle, const char *suffix)
{
    size_t len;
    char *s = nested(prefix, n, middle, suffix, &len);
    parsed p;
    parse_n(&p, s, len);
    size_t errors = p.d->n;
    for (size_t i = 0; i < p.d->n; i++)
        assert_string_equal(p.d->v[i].msg, "expression nested too deeply (more than 200 levels)");
    done(&p);
    free(s);
    return errors;
}

static void test_nesting_limit(void **state)
{
    (void)state;
    assert_int_equal(PARSE_MAX_DEPTH, 200);
    /* an atom inside N parentheses takes N + 1 levels */
    assert_int_equal(nesting_errors("(", PARSE_MAX_DEPTH - 1, "1", ")"), 0);
    assert_int_equal(nesting_errors("(", PARSE_MAX_DEPTH, "1", ")"), 1);
    /* the error is at the first token past the limit */
    size_t len;
    char *s = nested("(", 250, "1", ")", &len);
    parsed p;
    parse_n(&p, s, len);
    assert_int_equal(p.d->n, 1);
    assert_int_equal(p.d->v[0].at.off, strlen("rulebook t\nvalue v = ") + PARSE_MAX_DEPTH);
    done(&p);
    free(s);
    /* every way to nest, far past the limit: one error, no crash */
    assert_int_equal(nesting_errors("(", 100000, "1", ")"), 1);
    assert_int_equal(nesting_errors("not ", 100000, "true", ""), 1);
    assert_int_equal(nesting_errors("- ", 100000, "1", ""), 1);
    assert_int_equal(nesting_errors("if true then 1 else ", 10000, "1", ""), 1);
    assert_int_equal(nesting_errors("if ", 10000, "true", " then 1 else 2"), 1);
    /* a long chain builds a tree as deep as it is long: limited the same way */
    assert_int_equal(nesting_errors("1 + ", PARSE_MAX_DEPTH - 1, "1", ""), 0);
    assert_int_equal(nesting_errors("1 + ", 100000, "1", ""), 1);
    assert_int_equal(nesting_errors("1 * ", 100000, "1", ""), 1);
    assert_int_equal(nesting_errors("a or ", 100000, "b", ""), 1);
    assert_int_equal(nesting_errors("a and ", 100000, "b", ""), 1);
    /* deep types */
    char *t = malloc(8 * 100000 + 64);
    assert_non_null(t);
    char *w = t + sprintf(t, "rulebook t\ninput x: ");
    for (int i = 0; i < 100000; i++, w += 8)
        memcpy(w, "list of ", 8);
    strcpy(w, "int\n");
    parse(&p, t);
    assert_int_equal(p.d->n, 1);
    assert_string_equal(p.d->v[0].msg, "expression nested too deeply (more than 200 levels)");
    done(&p);
    free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_precedence),
        cmocka_unit_test(test_in_and_not_in),
        cmocka_unit_test(test_if_then_else),
        cmocka_unit_test(test_leaves),
        cmocka_unit_test(test_header),
        cmocka_unit_test(test_sources_and_ports),
        cmocka_unit_test(test_types_and_inputs),
        cmocka_unit_test(test_items),
        cmocka_unit_test(test_rule_clauses),
        cmocka_unit_test(test_tests),
        cmocka_unit_test(test_errors_exact),
        cmocka_unit_test(test_error_notes),
        cmocka_unit_test(test_recovery),
        cmocka_unit_test(test_nesting_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * parse.c — the rulebook grammar, one function per production.
 *
 * Each function is headed by the production it parses, so this file is also the
 * grammar's reference (docs/language.md explains it). One token of lookahead. On a
 * syntax error the parser reports it, skips to the next token that can start a
 * declaration and goes on; the checker does not run on a file with syntax errors.
 * Lists are gathered in a growing buffer and copied into the arena once complete.
 */
#include "lang/parse.h"

#include <stdlib.h>
#include <string.h>

#include "base/date.h"
#include "lang/lex.h"

typedef struct {
    arena *a;
    tf_diags *d;
    uint32_t file;
    const char *text;
    lexer lx;
    token tok;      /* the current token */
    token prev;     /* the token consumed last */
    int depth;
    int panic;      /* an error was reported in this declaration: skip further reports */
} parser;

/* A growable list of fixed-size elements, in malloc'd memory until finished. */
typedef struct {
    void *v;
    uint32_t n, cap;
    size_t size;
    int oom;
} vec;

static void *vec_push(vec *v) {
    if (v->n == v->cap) {
        uint32_t cap = v->cap ? v->cap * 2 : 8;
        void *nv = realloc(v->v, (size_t)cap * v->size);
        if (!nv) {
            v->oom = 1;
            return NULL;
        }
        v->v = nv;
        v->cap = cap;
    }
    void *e = (char *)v->v + (size_t)v->n++ * v->size;
    memset(e, 0, v->size);
    return e;
}

/* Moves the list into the arena; returns the array (NULL when empty) and frees the buffer. */
static void *vec_finish(parser *p, vec *v, uint32_t *n) {
    void *out = NULL;
    *n = 0;
    if (v->n && !v->oom) {
        out = arena_array_raw(p->a, v->n, v->size); /* every byte is copied below */
        if (out) {
            memcpy(out, v->v, (size_t)v->n * v->size);
            *n = v->n;
        }
    }
    if (v->oom) p->a->failed = true;
    free(v->v);
    v->v = NULL;
    v->n = v->cap = 0;
    return out;
}

static span sp_of(const parser *p, token t) { return (span){p->file, t.off, t.len}; }

static span sp_join(span a, span b) {
    uint32_t end = b.off + b.len;
    if (end < a.off) return a;
    return (span){a.file, a.off, end - a.off};
}

static void advance(parser *p) {
    p->prev = p->tok;
    p->tok = lex_next(&p->lx);
}

static int check(const parser *p, tok_kind k) { return p->tok.kind == k; }

static int accept(parser *p, tok_kind k) {
    if (!check(p, k)) return 0;
    advance(p);
    return 1;
}

/* Decodes the UTF-8 sequence s[0..n) into *cp; false when it is not exactly one
 * well-formed, shortest-form code point. */
static int utf8_one(const unsigned char *s, uint32_t n, uint32_t *cp) {
    static const uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
    uint32_t need = s[0] >= 0xF0 ? 4 : s[0] >= 0xE0 ? 3 : s[0] >= 0xC0 ? 2 : 1;
    if (n != need || need == 1 || s[0] > 0xF4) return 0;
    uint32_t c = s[0] & (0x7F >> need);
    for (uint32_t i = 1; i < n; i++) c = c << 6 | (s[i] & 0x3F);
    if (c < min[need] || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) return 0;
    *cp = c;
    return 1;
}

/* Reports the TK_ERROR token t. A character that is not ASCII is named by its code point
 * as well, since it often looks like one the language knows (rulebooks are written
 * against legal texts, whose quotes, dashes and spaces come pasted from word processors);
 * bytes that are not UTF-8 are shown in hex, never copied into the message. */
static void error_char(parser *p, token t) {
    const unsigned char *s = (const unsigned char *)p->text + t.off;
    uint32_t cp;
    span sp = sp_of(p, t);
    if (t.len == 1 && s[0] > 0x20 && s[0] < 0x7F) {
        diag_error(p->d, sp, "invalid character '%c'", s[0]);
    } else if (t.len == 1 && s[0] < 0x80) {
        diag_error(p->d, sp, "invalid control character 0x%02X", s[0]);
    } else if (utf8_one(s, t.len, &cp)) {
        const char *hint = "";
        if (cp == 0x201C || cp == 0x201D || cp == 0x2018 || cp == 0x2019 || cp == 0x00AB || cp == 0x00BB)
            hint = " (a typographic quote: strings take straight quotes \")";
        else if (cp == 0x2010 || cp == 0x2011 || cp == 0x2012 || cp == 0x2013 || cp == 0x2014 || cp == 0x2212)
            hint = " (a dash: the minus sign is '-')";
        else if (cp == 0x00A0 || cp == 0x2007 || cp == 0x202F || cp == 0xFEFF || (cp >= 0x2000 && cp <= 0x200B))
            hint = " (an invisible space: use a plain space)";
        diag_error(p->d, sp, "invalid character U+%04X '%.*s'%s", (unsigned)cp, (int)t.len, (const char *)s, hint);
    } else {
        char hex[3 * 8 + 1] = "";
        for (uint32_t i = 0; i < t.len && i < 8; i++) snprintf(hex + 3 * i, 4, "%s%02X", i ? " " : "", s[i]);
        diag_error(p->d, sp, "invalid UTF-8 (bytes %s%s): a rulebook is UTF-8 text", hex, t.len > 8 ? " ..." : "");
    }
}

/* Reports a syntax error at the current token (once per declaration). */
static void error_here(parser *p, const char *what) {
    if (p->panic) return;
    p->panic = 1;
    token t = p->tok;
    if (t.kind == TK_EOF) {
        diag_error(p->d, sp_of(p, t), "expected %s, found end of file", what);
    } else if (t.kind == TK_BADSTRING) {
        diag_error(p->d, sp_of(p, t), "unterminated string: a string ends on the line it starts");
    } else if (t.kind == TK_ERROR) {
        error_char(p, t); /* what the character is matters more than what was expected */
    } else {
        /* quote at most 40 bytes, cut on a character boundary */
        uint32_t n = t.len;
        if (n > 40) {
            n = 40;
            while (n > 0 && ((unsigned char)p->text[t.off + n] & 0xC0) == 0x80) n--;
        }
        diag_error(p->d, sp_of(p, t), "expected %s, found %s'%.*s'%s", what,
                   lex_is_keyword(t.kind) ? "keyword " : "", (int)n, p->text + t.off, n < t.len ? "..." : "");
    }
}

static int expect(parser *p, tok_kind k, const char *what) {
    if (accept(p, k)) return 1;
    error_here(p, what);
    return 0;
}

static int starts_decl(tok_kind k) {
    switch (k) {
    case KW_RULEBOOK: case KW_SOURCE: case KW_PORT: case KW_TYPE: case KW_INPUT:
    case KW_SET: case KW_VALUE: case KW_ENTRY: case KW_TRANSIT: case KW_TEST:
    case KW_LET: case KW_POINTS: case KW_PATHWAY:
        return 1;
    default:
        return 0;
    }
}

/* Skips to the next token that can start a declaration. */
static void recover(parser *p) {
    while (!check(p, TK_EOF) && !starts_decl(p->tok.kind)) advance(p);
    p->panic = 0;
}

/* ---- expressions --------------------------------------------------------------- */

static ast_expr *new_expr(parser *p, ex_kind k, span sp) {
    ast_expr *e = arena_alloc(p->a, sizeof *e);
    if (!e) return NULL;
    e->kind = k;
    e->sp = sp;
    return e;
}

static ast_expr *parse_expr(parser *p);
static ast_expr *parse_unary(parser *p);
static ast_expr *parse_call(parser *p, token name);
static ast_expr *parse_bands(parser *p);
static void parse_cites(parser *p, ast_cites *c);

/* Words the language reserves that may still stand where a name is expected: a member
 * such as `transit`, a type such as `port`. Operators and the words that end an item
 * (from, until, cite, because) never do. */
static int is_name(tok_kind k) {
    switch (k) {
    case TK_IDENT: return 1;
    case KW_AND: case KW_OR: case KW_NOT: case KW_IN: case KW_IF: case KW_THEN: case KW_ELSE:
    case KW_TRUE: case KW_FALSE: case KW_FROM: case KW_UNTIL: case KW_CITE: case KW_BECAUSE:
    case KW_BANDS: case KW_TO: case KW_WHERE: case KW_FOR: case KW_WHEN:
        return 0;
    default: return lex_is_keyword(k);
    }
}

static int starts_expr(tok_kind k) {
    switch (k) {
    case TK_IDENT: case TK_NUMBER: case TK_STRING: case TK_DATE: case TK_TIME:
    case TK_LBRACE: case TK_LPAREN: case TK_MINUS: case KW_NOT: case KW_IF:
    case KW_TRUE: case KW_FALSE: case KW_BANDS:
        return 1;
    default:
        return 0;
    }
}

/* setlit := '{' IDENT* '}' */
static ast_expr *parse_setlit(parser *p) {
    token open = p->tok;
    advance(p);
    vec v = {.size = sizeof(ast_member)};
    token decl_kw = {TK_EOF, 0, 0}; /* the first member spelt like a declaration keyword */
    while (is_name(p->tok.kind)) {
        if (decl_kw.kind == TK_EOF && starts_decl(p->tok.kind)) decl_kw = p->tok;
        ast_member *slot = vec_push(&v);
        if (slot) slot->sp = sp_of(p, p->tok);
        advance(p);
        accept(p, TK_COMMA); /* commas between members are allowed, not needed */
    }
    ast_expr *s = new_expr(p, EX_SETLIT, sp_of(p, open));
    if (!check(p, TK_RBRACE)) {
        if (!p->panic && decl_kw.kind != TK_EOF) {
            /* keywords may be members, so an unclosed set runs on into the next
             * declaration: point at where that declaration starts, not past it */
            p->panic = 1;
            diag_error(p->d, sp_of(p, decl_kw), "expected '}' closing the set before '%.*s'",
                       (int)decl_kw.len, p->text + decl_kw.off);
            diag_note(p->d, sp_of(p, open), "the set opened here");
            /* and recover there, so that declaration is parsed rather than skipped: the
             * lexer's state is its position, so going back is setting it */
            p->tok = decl_kw;
            p->lx.pos = decl_kw.off + decl_kw.len;
        } else if (!p->panic) {
            error_here(p, "a country, port or member, or '}'");
            diag_note(p->d, sp_of(p, open), "the set opened here");
        }
        free(v.v);
        return NULL;
    }
    advance(p);
    if (!s) {
        free(v.v);
        return NULL;
    }
    s->elems = vec_finish(p, &v, &s->nelems);
    s->sp = sp_join(s->sp, sp_of(p, p->prev));
    return s;
}

/* call := IDENT '(' expr [ 'where' expr | 'for' IDENT 'in' expr ] ')' */
static ast_expr *parse_call(parser *p, token name) {
    advance(p); /* ( */
    ast_expr *e = new_expr(p, EX_CALL, sp_of(p, name));
    ast_expr *a = parse_expr(p);
    if (!e || !a) return NULL;
    e->fn = -1;
    e->a = a;
    if (accept(p, KW_WHERE)) {
        if (!(e->b = parse_expr(p))) return NULL;
    } else if (accept(p, KW_FOR)) {
        e->agg_for = 1;
        e->var = sp_of(p, p->tok);
        if (!expect(p, TK_IDENT, "a name for each element after 'for'")) return NULL;
        if (!expect(p, KW_IN, "'in' and a list")) return NULL;
        if (!(e->c = parse_expr(p))) return NULL;
    }
    if (!check(p, TK_RPAREN)) {
        if (!p->panic) {
            error_here(p, "')' closing the call");
            diag_note(p->d, sp_of(p, name), "the call starts here");
        }
        return NULL;
    }
    advance(p);
    e->sp = sp_join(e->sp, sp_of(p, p->prev));
    return e;
}

/* bands := 'bands' unary '{' [band (',' band)*] '}'
 * band  := ('<' | '<=' | '>' | '>=') unary ':' expr | unary ['to' unary] ':' expr
 *        | 'else' ':' expr */
static ast_expr *parse_bands(parser *p) {
    token kw = p->tok;
    advance(p);
    ast_expr *subj = parse_unary(p);
    if (!subj) return NULL;
    token open = p->tok;
    if (!expect(p, TK_LBRACE, "'{' and the bands")) return NULL;
    vec v = {.size = sizeof(ast_band)};
    while (!check(p, TK_RBRACE) && !p->panic) {
        ast_band b = {.sp = sp_of(p, p->tok)};
        tok_kind k = p->tok.kind;
        if (k == TK_LT || k == TK_LE || k == TK_GT || k == TK_GE) {
            advance(p);
            b.op = k == TK_LT ? BAND_LT : k == TK_LE ? BAND_LE : k == TK_GT ? BAND_GT : BAND_GE;
            b.lo = parse_unary(p);
        } else if (accept(p, KW_ELSE)) {
            b.op = BAND_ELSE;
        } else {
            b.op = BAND_EQ;
            b.lo = parse_unary(p);
            if (b.lo && accept(p, KW_TO)) {
                b.op = BAND_TO;
                b.hi = parse_unary(p);
                if (!b.hi) break;
            }
        }
        if (b.op != BAND_ELSE && !b.lo) break;
        if (!expect(p, TK_COLON, "':' and the band's value")) break;
        if (!(b.val = parse_expr(p))) break;
        b.sp = sp_join(b.sp, sp_of(p, p->prev));
        ast_band *slot = vec_push(&v);
        if (slot) *slot = b;
        if (!accept(p, TK_COMMA)) break;
    }
    if (p->panic) {
        free(v.v);
        return NULL;
    }
    if (!check(p, TK_RBRACE)) {
        error_here(p, "',' or '}' in the bands");
        diag_note(p->d, sp_of(p, open), "the bands open here");
        free(v.v);
        return NULL;
    }
    advance(p);
    ast_expr *e = new_expr(p, EX_BANDS, sp_join(sp_of(p, kw), sp_of(p, p->prev)));
    if (!e) {
        free(v.v);
        return NULL;
    }
    e->a = subj;
    e->bands = vec_finish(p, &v, &e->nbands);
    return e;
}

/* primary := IDENT | NUMBER [unit] | STRING | DATE | TIME | 'true' | 'false'
 *          | setlit | '(' expr ')' */
static ast_expr *parse_atom(parser *p);
static int enter(parser *p);

/* A primary takes one level of nesting: every way an expression nests — parentheses, a
 * call's argument, bands — passes through here (see enter). */
static ast_expr *parse_primary(parser *p) {
    if (!enter(p)) return NULL;
    ast_expr *e = parse_atom(p);
    p->depth--;
    return e;
}

/* The productions of primary, above. */
static ast_expr *parse_atom(parser *p) {
    token t = p->tok;
    ast_expr *e = NULL;
    if (t.kind != TK_IDENT && is_name(t.kind)) {
        advance(p);
        if (check(p, TK_LPAREN)) return parse_call(p, t); /* given(...) */
        return new_expr(p, EX_NAME, sp_of(p, t));
    }
    switch (t.kind) {
    case TK_IDENT:
        advance(p);
        if (check(p, TK_LPAREN)) return parse_call(p, t);
        return new_expr(p, EX_NAME, sp_of(p, t));
    case KW_BANDS: return parse_bands(p);
    case TK_NUMBER: {
        advance(p);
        char buf[64];
        size_t n = t.len < sizeof buf - 1 ? t.len : sizeof buf - 1;
        memcpy(buf, p->text + t.off, n);
        buf[n] = 0;
        double num = strtod(buf, NULL);
        if (check(p, TK_IDENT)) {
            const char *u = p->text + p->tok.off;
            uint32_t ul = p->tok.len;
            int64_t per = 0;
            if ((ul == 4 && !memcmp(u, "days", 4)) || (ul == 3 && !memcmp(u, "day", 3))) per = 1440;
            if ((ul == 5 && !memcmp(u, "hours", 5)) || (ul == 4 && !memcmp(u, "hour", 4))) per = 60;
            if (per) {
                advance(p);
                e = new_expr(p, EX_DURATION, sp_join(sp_of(p, t), sp_of(p, p->prev)));
                if (e) {
                    e->num = num;
                    /* the checker reports a number too large; meanwhile convert none */
                    if (num <= PARSE_MAX_NUMBER) e->ival = (int64_t)(num * (double)per + 0.5);
                }
                return e;
            }
            /* a currency code: three capital letters */
            if (ul == 3 && u[0] >= 'A' && u[0] <= 'Z' && u[1] >= 'A' && u[1] <= 'Z' && u[2] >= 'A' && u[2] <= 'Z') {
                advance(p);
                e = new_expr(p, EX_MONEY, sp_join(sp_of(p, t), sp_of(p, p->prev)));
                if (e) {
                    e->num = num;
                    e->ival = (u[0] - 'A') * 676 + (u[1] - 'A') * 26 + (u[2] - 'A');
                }
                return e;
            }
        }
        e = new_expr(p, EX_NUMBER, sp_of(p, t));
        if (e) e->num = num;
        return e;
    }
    case TK_STRING: advance(p); return new_expr(p, EX_STRING, sp_of(p, t));
    case TK_DATE: advance(p); return new_expr(p, EX_DATE, sp_of(p, t));
    case TK_TIME: advance(p); return new_expr(p, EX_TIME, sp_of(p, t));
    case KW_TRUE:
    case KW_FALSE:
        advance(p);
        e = new_expr(p, EX_BOOL, sp_of(p, t));
        if (e) e->ival = t.kind == KW_TRUE;
        return e;
    case TK_LBRACE: return parse_setlit(p);
    case TK_LPAREN: {
        advance(p);
        e = parse_expr(p);
        if (!e) return NULL;
        if (!check(p, TK_RPAREN)) {
            if (!p->panic) {
                error_here(p, "')'");
                diag_note(p->d, sp_of(p, t), "the parenthesis opened here");
            }
            return NULL;
        }
        advance(p);
        e->sp = sp_join(sp_of(p, t), sp_of(p, p->prev));
        return e;
    }
    default:
        error_here(p, "an expression");
        return NULL;
    }
}

static ast_expr *binary(parser *p, int op, ast_expr *a, ast_expr *b) {
    if (!a || !b) return NULL;
    ast_expr *e = new_expr(p, EX_BINARY, sp_join(a->sp, b->sp));
    if (e) {
        e->op = op;
        e->a = a;
        e->b = b;
    }
    return e;
}

/* Guards recursion. Every cycle of the grammar passes through parse_primary, a prefix
 * 'not' or '-', or an 'if', which take a level each; so does every operator of a chain
 * (a + b + c ...) for as long as the chain goes on, since the tree it builds is as deep
 * as it is long and the checker, compiler and evaluator walk it recursively. So depth
 * bounds the depth of the syntax tree, and of every recursion over it. */
static int enter(parser *p) {
    if (++p->depth > PARSE_MAX_DEPTH) {
        if (!p->panic) {
            diag_error(p->d, sp_of(p, p->tok), "expression nested too deeply (more than %d levels)",
                       PARSE_MAX_DEPTH);
            p->panic = 1;
        }
        return 0;
    }
    return 1;
}

/* unary := '-' unary | primary */
static ast_expr *parse_unary(parser *p) {
    if (!check(p, TK_MINUS)) return parse_primary(p);
    if (!enter(p)) return NULL;
    token t = p->tok;
    advance(p);
    ast_expr *a = parse_unary(p);
    ast_expr *e = a ? new_expr(p, EX_UNARY, sp_join(sp_of(p, t), a->sp)) : NULL;
    if (e) {
        e->op = TK_MINUS;
        e->a = a;
    }
    p->depth--;
    return e;
}

/* One level of left-associative binary operators: operand (op operand)*, for the
 * operators listed in ops (ended by TK_EOF). Each operator of a chain counts as a level
 * of nesting (PARSE_MAX_DEPTH): the tree a chain builds is as deep as the chain is long,
 * and the checker walks it recursively. */
static ast_expr *parse_left(parser *p, ast_expr *(*operand)(parser *), const tok_kind *ops) {
    ast_expr *e = operand(p);
    int levels = 0;
    for (;;) {
        const tok_kind *k = ops;
        while (*k != TK_EOF && *k != p->tok.kind) k++;
        if (!e || *k == TK_EOF) break;
        if (!enter(p)) {
            e = NULL;
            break;
        }
        levels++;
        advance(p);
        e = binary(p, *k, e, operand(p));
    }
    p->depth -= levels;
    return e;
}

/* term := unary (('*' | '/' | '&') unary)* */
static ast_expr *parse_term(parser *p) {
    static const tok_kind ops[] = {TK_STAR, TK_SLASH, TK_AMP, TK_EOF};
    return parse_left(p, parse_unary, ops);
}

/* sum := term (('+' | '-') term)* */
static ast_expr *parse_sum(parser *p) {
    static const tok_kind ops[] = {TK_PLUS, TK_MINUS, TK_EOF};
    return parse_left(p, parse_term, ops);
}

/* compare := sum [('=' | '!=' | '<' | '<=' | '>' | '>=') sum | ['not'] 'in' sum] */
static ast_expr *parse_compare(parser *p) {
    ast_expr *e = parse_sum(p);
    if (!e) return NULL;
    switch (p->tok.kind) {
    case TK_EQ: case TK_NE: case TK_LT: case TK_LE: case TK_GT: case TK_GE: {
        int op = p->tok.kind;
        advance(p);
        return binary(p, op, e, parse_sum(p));
    }
    case KW_NOT:
    case KW_IN: {
        int neg = accept(p, KW_NOT);
        if (!expect(p, KW_IN, "'in' after 'not'")) return NULL;
        ast_expr *s = parse_sum(p);
        if (!s) return NULL;
        ast_expr *in = new_expr(p, EX_IN, sp_join(e->sp, s->sp));
        if (in) {
            in->op = neg;
            in->a = e;
            in->b = s;
        }
        return in;
    }
    default:
        return e;
    }
}

/* negation := 'not' negation | compare */
static ast_expr *parse_not(parser *p) {
    if (!check(p, KW_NOT)) return parse_compare(p);
    if (!enter(p)) return NULL;
    token t = p->tok;
    advance(p);
    ast_expr *a = parse_not(p);
    ast_expr *e = a ? new_expr(p, EX_UNARY, sp_join(sp_of(p, t), a->sp)) : NULL;
    if (e) {
        e->op = KW_NOT;
        e->a = a;
    }
    p->depth--;
    return e;
}

/* conj := negation ('and' negation)* */
static ast_expr *parse_and(parser *p) {
    static const tok_kind ops[] = {KW_AND, TK_EOF};
    return parse_left(p, parse_not, ops);
}

/* disj := conj ('or' conj)* */
static ast_expr *parse_or(parser *p) {
    static const tok_kind ops[] = {KW_OR, TK_EOF};
    return parse_left(p, parse_and, ops);
}

/* expr := 'if' expr 'then' expr 'else' expr | disj */
static ast_expr *parse_expr(parser *p) {
    if (!check(p, KW_IF)) return parse_or(p);
    if (!enter(p)) return NULL;
    token t = p->tok;
    advance(p);
    ast_expr *c = parse_expr(p), *a = NULL, *b = NULL;
    if (c && expect(p, KW_THEN, "'then'")) a = parse_expr(p);
    if (a && expect(p, KW_ELSE, "'else'")) b = parse_expr(p);
    ast_expr *e = b ? new_expr(p, EX_IF, sp_join(sp_of(p, t), b->sp)) : NULL;
    if (e) {
        e->a = c;
        e->b = a;
        e->c = b;
    }
    p->depth--;
    return e;
}

/* ---- declarations -------------------------------------------------------------- */

/* cites := 'cite' IDENT (',' IDENT)* */
static void parse_cites(parser *p, ast_cites *c) {
    vec v = {.size = sizeof(span)};
    do {
        if (!check(p, TK_IDENT)) {
            error_here(p, "a source id after 'cite'");
            break;
        }
        span *s = vec_push(&v);
        if (s) *s = sp_of(p, p->tok);
        advance(p);
    } while (accept(p, TK_COMMA));
    /* a rule may cite in several places: append */
    if (c->n && v.n && !v.oom) {
        span *all = arena_array(p->a, c->n + v.n, sizeof(span));
        if (all) {
            memcpy(all, c->ids, c->n * sizeof(span));
            memcpy(all + c->n, v.v, v.n * sizeof(span));
            c->ids = all;
            c->n += v.n;
        }
        free(v.v);
        return;
    }
    if (!c->n) c->ids = vec_finish(p, &v, &c->n);
    else free(v.v);
}

static span expect_string(parser *p, const char *what) {
    span s = sp_of(p, p->tok);
    if (!expect(p, TK_STRING, what)) s.len = 0;
    return s;
}

static span optional_string(parser *p) {
    span s = {p->file, p->tok.off, 0};
    if (check(p, TK_STRING)) {
        s = sp_of(p, p->tok);
        advance(p);
    }
    return s;
}

/* source := 'source' IDENT STRING DATE ('url' STRING)* */
static void parse_source(parser *p, ast_decl *d) {
    if (!check(p, TK_IDENT)) return error_here(p, "a source id");
    d->name = sp_of(p, p->tok);
    advance(p);
    d->title = expect_string(p, "the source's title (a string)");
    d->date = sp_of(p, p->tok);
    if (!expect(p, TK_DATE, "the source's date (YYYY-MM-DD)")) return;
    vec v = {.size = sizeof(span)};
    while (accept(p, KW_URL)) {
        span s = expect_string(p, "a URL (a string)");
        span *slot = vec_push(&v);
        if (slot) *slot = s;
    }
    d->urls = vec_finish(p, &v, &d->nurls);
}

/* port := 'port' IDENT STRING ['area' STRING] */
static void parse_port(parser *p, ast_decl *d) {
    if (!check(p, TK_IDENT)) return error_here(p, "a port code");
    d->name = sp_of(p, p->tok);
    advance(p);
    d->title = expect_string(p, "the port's name (a string)");
    if (accept(p, KW_AREA)) d->area = expect_string(p, "the stay area (a string)");
}

static ast_type *parse_type(parser *p);

/* field names may be words the language reserves (a record's `from`) */
static int is_word(tok_kind k) { return k == TK_IDENT || lex_is_keyword(k); }

/* record := '{' field ':' type (',' field ':' type)* '}' */
static ast_type *parse_record(parser *p, ast_type *t) {
    advance(p);
    vec f = {.size = sizeof(span)}, ft = {.size = sizeof(ast_type *)};
    do {
        if (!is_word(p->tok.kind)) {
            error_here(p, "a field name");
            break;
        }
        span *s = vec_push(&f);
        if (s) *s = sp_of(p, p->tok);
        advance(p);
        if (!expect(p, TK_COLON, "':' after the field name")) break;
        ast_type **slot = vec_push(&ft);
        ast_type *sub = parse_type(p);
        if (slot) *slot = sub;
        if (!sub) break;
    } while (accept(p, TK_COMMA));
    expect(p, TK_RBRACE, "'}' closing the record");
    t->kind = AT_RECORD;
    uint32_t n2;
    t->fields = vec_finish(p, &f, &t->nfields);
    t->ftypes = vec_finish(p, &ft, &n2);
    if (n2 != t->nfields) return NULL;
    return t;
}

/* type := 'one' 'of' IDENT (',' IDENT)* | 'list' 'of' (type | record) | IDENT [IDENT] */
static ast_type *parse_type(parser *p) {
    if (!enter(p)) return NULL;
    ast_type *t = arena_alloc(p->a, sizeof *t);
    if (!t) return NULL;
    t->sp = sp_of(p, p->tok);
    if (accept(p, KW_ONE)) {
        if (!expect(p, KW_OF, "'of' after 'one'")) goto fail;
        vec v = {.size = sizeof(span)};
        do {
            if (!is_name(p->tok.kind)) {
                error_here(p, "a member of the enumeration");
                break;
            }
            span *s = vec_push(&v);
            if (s) *s = sp_of(p, p->tok);
            advance(p);
        } while (accept(p, TK_COMMA));
        t->kind = AT_ENUM;
        t->members = vec_finish(p, &v, &t->nmembers);
        if (!t->nmembers) {
            error_here(p, "the members of the enumeration");
            goto fail;
        }
    } else if (accept(p, KW_LIST)) {
        if (!expect(p, KW_OF, "'of' after 'list'")) goto fail;
        t->kind = AT_LIST;
        if (check(p, TK_LBRACE)) {
            ast_type *r = arena_alloc(p->a, sizeof *r);
            if (!r) goto fail;
            r->sp = sp_of(p, p->tok);
            t->elem = parse_record(p, r);
        } else {
            t->elem = parse_type(p);
        }
        if (!t->elem) goto fail;
    } else if (is_name(p->tok.kind)) {
        t->kind = AT_NAME;
        t->name = sp_of(p, p->tok);
        advance(p);
        /* money takes a currency: `money CNY` */
        if (t->name.len == 5 && !memcmp(p->text + t->name.off, "money", 5)) {
            if (!check(p, TK_IDENT)) {
                error_here(p, "a currency code after 'money' (e.g. money CNY)");
                goto fail;
            }
            t->arg = sp_of(p, p->tok);
            advance(p);
        }
    } else {
        error_here(p, check(p, TK_LBRACE) ? "a type (a record {field: type, ...} may stand only after 'list of')"
                                          : "a type");
        goto fail;
    }
    p->depth--;
    return t;
fail:
    p->depth--;
    return NULL;
}

/* typedecl := 'type' IDENT '=' type */
static void parse_typedecl(parser *p, ast_decl *d) {
    if (!check(p, TK_IDENT)) return error_here(p, "a type name");
    d->name = sp_of(p, p->tok);
    advance(p);
    if (!expect(p, TK_EQ, "'=' after the type name")) return;
    d->ty = parse_type(p);
}

/* input := 'input' IDENT ':' type ('required' | 'setting' | 'default' primary)* */
static void parse_input(parser *p, ast_decl *d) {
    if (!check(p, TK_IDENT)) return error_here(p, "an input name (its path, e.g. trip.to)");
    d->name = sp_of(p, p->tok);
    advance(p);
    if (!expect(p, TK_COLON, "':' and the input's type")) return;
    d->ty = parse_type(p);
    for (;;) {
        if (accept(p, KW_REQUIRED))
            d->required = 1;
        else if (accept(p, KW_SETTING))
            d->setting = 1;
        else if (accept(p, KW_DEFAULT))
            d->deflt = parse_unary(p);
        else
            break;
    }
}

/* item := expr ['from' DATE] ['until' DATE] [cites] */
static void parse_items(parser *p, ast_decl *d) {
    vec v = {.size = sizeof(ast_item)};
    while (starts_expr(p->tok.kind) && !p->panic) {
        token start = p->tok;
        ast_expr *e = parse_expr(p);
        if (!e) break;
        ast_item *it = vec_push(&v);
        if (!it) break;
        it->e = e;
        it->sp = sp_of(p, start);
        for (;;) {
            if (accept(p, KW_FROM)) {
                it->from_sp = sp_of(p, p->tok);
                if (!expect(p, TK_DATE, "a date after 'from' (YYYY-MM-DD)")) break;
            } else if (accept(p, KW_UNTIL)) {
                it->until_sp = sp_of(p, p->tok);
                if (!expect(p, TK_DATE, "a date after 'until' (YYYY-MM-DD)")) break;
            } else if (accept(p, KW_CITE)) {
                parse_cites(p, &it->cites);
            } else {
                break;
            }
        }
        it->sp = sp_join(it->sp, sp_of(p, p->prev));
    }
    d->items = vec_finish(p, &v, &d->nitems);
}

/* setdecl := 'set' IDENT [STRING] ['=' item] item*     (also 'value') */
static void parse_setvalue(parser *p, ast_decl *d) {
    if (!check(p, TK_IDENT)) return error_here(p, d->kind == D_SET ? "a set name" : "a value name");
    d->name = sp_of(p, p->tok);
    advance(p);
    d->title = optional_string(p);
    accept(p, TK_EQ);
    parse_items(p, d);
    if (!d->nitems && !p->panic) error_here(p, d->kind == D_SET ? "the set's members" : "the value");
}

/* rule := ('entry' | 'transit') IDENT STRING clause*
 * clause := 'from' DATE | 'until' DATE
 *         | 'require' expr ['because' STRING] [cites]
 *         | ['exit'] 'ports' expr
 *         | 'stay' expr ['counted' 'from' ('next' 'midnight' | 'entry_day')]
 *         | 'limit' expr 'in' expr | 'outcome' IDENT | cites */
static void parse_rule(parser *p, ast_decl *d) {
    if (!check(p, TK_IDENT)) return error_here(p, "the rule's name");
    d->name = sp_of(p, p->tok);
    advance(p);
    d->title = expect_string(p, "the rule's title (a string)");
    vec v = {.size = sizeof(ast_clause)};
    ast_cites rulecites = {0};
    while (!p->panic) {
        token t = p->tok;
        ast_clause c = {.sp = sp_of(p, t)};
        if (accept(p, KW_FROM) || accept(p, KW_UNTIL)) {
            c.kind = t.kind == KW_FROM ? CL_FROM : CL_UNTIL;
            c.name = sp_of(p, p->tok);
            if (!expect(p, TK_DATE, "a date (YYYY-MM-DD)")) break;
        } else if (accept(p, KW_REQUIRE)) {
            c.kind = CL_REQUIRE;
            c.e = parse_expr(p);
            if (!c.e) break;
            if (accept(p, KW_BECAUSE)) c.because = expect_string(p, "the reason (a string)");
            if (accept(p, KW_CITE)) parse_cites(p, &c.cites);
        } else if (accept(p, KW_PORTS)) {
            c.kind = CL_PORTS;
            if (!(c.e = parse_expr(p))) break;
        } else if (accept(p, KW_EXIT)) {
            c.kind = CL_EXIT_PORTS;
            if (!expect(p, KW_PORTS, "'ports' after 'exit'")) break;
            if (!(c.e = parse_expr(p))) break;
        } else if (accept(p, KW_STAY)) {
            c.kind = CL_STAY;
            if (!(c.e = parse_expr(p))) break;
            if (accept(p, KW_COUNTED)) {
                if (!expect(p, KW_FROM, "'from' after 'counted'")) break;
                if (accept(p, KW_NEXT)) {
                    if (!expect(p, KW_MIDNIGHT, "'midnight' after 'next'")) break;
                    c.counting = COUNT_NEXT_MIDNIGHT;
                } else if (accept(p, KW_ENTRY_DAY)) {
                    c.counting = COUNT_ENTRY_DAY;
                } else {
                    error_here(p, "'next midnight' or 'entry_day'");
                    break;
                }
            }
        } else if (accept(p, KW_LIMIT)) {
            c.kind = CL_LIMIT;
            if (!(c.e = parse_sum(p))) break;
            if (!expect(p, KW_IN, "'in' (as in: limit 90 days in 180 days)")) break;
            if (!(c.e2 = parse_sum(p))) break;
        } else if (accept(p, KW_OUTCOME)) {
            c.kind = CL_OUTCOME;
            c.name = sp_of(p, p->tok);
            if (!expect(p, TK_IDENT, "an outcome (e.g. visa_free)")) break;
        } else if (accept(p, KW_CITE)) {
            parse_cites(p, &rulecites);
            continue;
        } else {
            break;
        }
        c.sp = sp_join(c.sp, sp_of(p, p->prev));
        ast_clause *slot = vec_push(&v);
        if (slot) *slot = c;
    }
    d->clauses = vec_finish(p, &v, &d->nclauses);
    d->cites = rulecites;
}

/* let := 'let' IDENT [STRING] '=' expr */
static void parse_let(parser *p, ast_decl *d) {
    if (!check(p, TK_IDENT)) return error_here(p, "the name of the derived value");
    d->name = sp_of(p, p->tok);
    advance(p);
    d->title = optional_string(p);
    if (!expect(p, TK_EQ, "'=' and an expression")) return;
    d->e = parse_expr(p);
}

/* points  := 'points' IDENT STRING pclause*
 * pclause := 'factor' IDENT STRING [max NUMBER] '=' expr [cites]
 *          | 'group' IDENT STRING [max NUMBER] '=' IDENT (',' IDENT)*
 *          | 'category' IDENT 'when' expr | 'pass' 'when' expr
 *          | 'require' expr ['because' STRING] [cites] | cites */
static void parse_points(parser *p, ast_decl *d) {
    if (!check(p, TK_IDENT)) return error_here(p, "the scheme's name");
    d->name = sp_of(p, p->tok);
    advance(p);
    d->title = expect_string(p, "the scheme's title (a string)");
    vec v = {.size = sizeof(ast_pclause)};
    while (!p->panic) {
        token t = p->tok;
        ast_pclause c = {.sp = sp_of(p, t)};
        if (accept(p, KW_FACTOR) || accept(p, KW_GROUP)) {
            c.kind = t.kind == KW_FACTOR ? PC_FACTOR : PC_GROUP;
            c.name = sp_of(p, p->tok);
            if (!expect(p, TK_IDENT, c.kind == PC_FACTOR ? "the factor's id" : "the group's id")) break;
            c.title = expect_string(p, "the title (a string)");
            if (check(p, TK_IDENT) && p->tok.len == 3 && !memcmp(p->text + p->tok.off, "max", 3)) {
                advance(p);
                if (!(c.max = parse_unary(p))) break;
            }
            if (!expect(p, TK_EQ, "'=' and the points")) break;
            if (c.kind == PC_FACTOR) {
                if (!(c.e = parse_expr(p))) break;
                if (accept(p, KW_CITE)) parse_cites(p, &c.cites);
            } else {
                vec m = {.size = sizeof(span)};
                do {
                    span *s = vec_push(&m);
                    if (s) *s = sp_of(p, p->tok);
                    if (!expect(p, TK_IDENT, "a factor or group id")) break;
                } while (accept(p, TK_COMMA));
                c.members = vec_finish(p, &m, &c.nmembers);
            }
        } else if (accept(p, KW_CATEGORY)) {
            c.kind = PC_CATEGORY;
            c.name = sp_of(p, p->tok);
            if (!is_name(p->tok.kind)) {
                error_here(p, "the category's name");
                break;
            }
            advance(p);
            if (!expect(p, KW_WHEN, "'when' and a condition")) break;
            if (!(c.e = parse_expr(p))) break;
        } else if (accept(p, KW_PASS)) {
            c.kind = PC_PASS;
            if (!expect(p, KW_WHEN, "'when' and a condition")) break;
            if (!(c.e = parse_expr(p))) break;
        } else if (accept(p, KW_REQUIRE)) {
            c.kind = PC_REQUIRE;
            if (!(c.e = parse_expr(p))) break;
            if (accept(p, KW_BECAUSE)) c.because = expect_string(p, "the reason (a string)");
            if (accept(p, KW_CITE)) parse_cites(p, &c.cites);
        } else if (accept(p, KW_CITE)) {
            parse_cites(p, &d->cites);
            continue;
        } else {
            break;
        }
        c.sp = sp_join(c.sp, sp_of(p, p->prev));
        ast_pclause *slot = vec_push(&v);
        if (slot) *slot = c;
    }
    d->pclauses = vec_finish(p, &v, &d->npclauses);
}

/* True when the current token spells w (a name or a keyword); consumes it. */
static int word(parser *p, const char *w) {
    size_t n = strlen(w);
    if (p->tok.kind == TK_NUMBER || p->tok.kind == TK_STRING || p->tok.len != n ||
        memcmp(p->text + p->tok.off, w, n) != 0)
        return 0;
    advance(p);
    return 1;
}

static int expect_word(parser *p, const char *w, const char *what) {
    if (word(p, w)) return 1;
    error_here(p, what);
    return 0;
}

static int number(parser *p, double *out) {
    if (!check(p, TK_NUMBER)) {
        error_here(p, "a number");
        return 0;
    }
    char buf[64];
    size_t n = p->tok.len < sizeof buf - 1 ? p->tok.len : sizeof buf - 1;
    memcpy(buf, p->text + p->tok.off, n);
    buf[n] = 0;
    *out = strtod(buf, NULL);
    advance(p);
    return 1;
}

/* period := NUMBER ('years' | 'year' | 'months' | 'month' | 'days' | 'day')
 * The expression parser would read `5 days` as a duration; a period is read here. */
static int period(parser *p, int *len, char *unit) {
    double n;
    if (!number(p, &n)) return 0;
    *len = (int)n;
    if (word(p, "years") || word(p, "year")) *unit = 'y';
    else if (word(p, "months") || word(p, "month")) *unit = 'm';
    else if (word(p, "days") || word(p, "day")) *unit = 'd';
    else {
        error_here(p, "'years', 'months' or 'days'");
        return 0;
    }
    return 1;
}

static int days(parser *p, double *out) {
    if (!number(p, out)) return 0;
    if (!word(p, "days") && !word(p, "day")) {
        error_here(p, "'days'");
        return 0;
    }
    return 1;
}

/* statuses := NAME (',' NAME)* */
static span *statuses(parser *p, uint32_t *n) {
    vec v = {.size = sizeof(span)};
    do {
        if (!is_name(p->tok.kind)) {
            error_here(p, "a status (e.g. permanent)");
            break;
        }
        span *s = vec_push(&v);
        if (s) *s = sp_of(p, p->tok);
        advance(p);
    } while (accept(p, TK_COMMA));
    return vec_finish(p, &v, n);
}

/* the last Y (years|months|days) */
static int last(parser *p, ast_wclause *c) {
    return expect(p, KW_IN, "'in the last ...'") && expect_word(p, "the", "'the last ...'") &&
           expect_word(p, "last", "'last'") && period(p, &c->len, &c->unit);
}

/* pathway := 'pathway' IDENT STRING wclause*
 * wclause := ('departure' | 'return') 'day' 'counts' 'as' ('present' | 'absent')
 *          | 'periods' 'end' ('with' 'the' 'date' | 'the' 'day' 'before' 'the' 'date')
 *          | 'require' requirement ['as' STRING] [cites] | cites
 * requirement := 'present' 'at' 'least' N 'days' 'in' 'the' 'last' period
 *                    ('counting' statuses 'at' NUMBER ['up' 'to' N 'days'])* ['prospectively']
 *              | 'present' 'on' 'the' 'day' period 'before'
 *              | 'absent' 'at' 'most' N 'days' 'in' ('any' '12' 'months' 'of' 'the' 'last' period
 *                                                 | 'the' 'last' period)
 *              | 'no' 'absence' 'longer' 'than' N 'days' 'in' 'the' 'last' period
 *              | 'held' statuses 'for' 'at' 'least' period ['early' N 'days']
 *              | 'each' 'of' 'the' 'last' N 'years' 'present' 'at' 'least' N 'days'
 *              | expr */
static void parse_pathway(parser *p, ast_decl *d) {
    if (!check(p, TK_IDENT)) return error_here(p, "the route's name");
    d->name = sp_of(p, p->tok);
    advance(p);
    d->title = expect_string(p, "the route's title (a string)");
    vec v = {.size = sizeof(ast_wclause)};
    while (!p->panic) {
        token t = p->tok;
        if (word(p, "departure") || word(p, "return")) {
            int dep = p->prev.len == 9;
            if (!expect_word(p, "day", "'day'") || !expect_word(p, "counts", "'counts as'") ||
                !expect(p, KW_AS, "'as'"))
                break;
            int present = word(p, "present");
            if (!present && !expect_word(p, "absent", "'present' or 'absent'")) break;
            if (dep) d->departure_present = present;
            else d->return_present = present;
            continue;
        }
        if (word(p, "periods")) {
            /* periods end (with the date | the day before the date) */
            if (!expect_word(p, "end", "'end'")) break;
            if (word(p, "with")) {
                if (!expect_word(p, "the", "'the date'") || !expect_word(p, "date", "'date'")) break;
                d->period_inclusive = 1;
            } else if (!expect_word(p, "the", "'with the date' or 'the day before the date'") ||
                       !expect_word(p, "day", "'day'") || !expect_word(p, "before", "'before'") ||
                       !expect_word(p, "the", "'the'") || !expect_word(p, "date", "'date'")) {
                break;
            }
            continue;
        }
        if (accept(p, KW_CITE)) {
            parse_cites(p, &d->cites);
            continue;
        }
        if (!accept(p, KW_REQUIRE)) break;
        ast_wclause c = {.sp = sp_of(p, t)};
        if (word(p, "present")) {
            if (word(p, "on")) {
                c.kind = WC_ON_DAY;
                if (!expect_word(p, "the", "'the day ... before'") || !expect_word(p, "day", "'day'") ||
                    !period(p, &c.len, &c.unit) || !expect_word(p, "before", "'before'"))
                    break;
            } else {
                c.kind = WC_PRESENT;
                if (!expect_word(p, "at", "'at least'") || !expect_word(p, "least", "'least'") || !days(p, &c.n) ||
                    !last(p, &c))
                    break;
                vec w = {.size = sizeof(ast_weight)};
                while (word(p, "counting")) {
                    ast_weight wt = {0};
                    wt.statuses = statuses(p, &wt.n);
                    if (!expect_word(p, "at", "'at' and a weight") || !number(p, &wt.weight)) break;
                    if (word(p, "up")) {
                        if (!expect(p, KW_TO, "'to'") || !days(p, &wt.cap)) break;
                    }
                    ast_weight *slot = vec_push(&w);
                    if (slot) *slot = wt;
                }
                c.weights = vec_finish(p, &w, &c.nweights);
                if (word(p, "prospectively")) c.prospective = 1;
            }
        } else if (word(p, "absent")) {
            if (!expect_word(p, "at", "'at most'") || !expect_word(p, "most", "'most'") || !days(p, &c.n) ||
                !expect(p, KW_IN, "'in'"))
                break;
            if (word(p, "any")) {
                c.kind = WC_ABSENT_ROLLING;
                double twelve;
                if (!number(p, &twelve) || twelve != 12 || !expect_word(p, "months", "'12 months'") ||
                    !expect(p, KW_OF, "'of the last ...'") || !expect_word(p, "the", "'the'") ||
                    !expect_word(p, "last", "'last'") || !period(p, &c.len, &c.unit))
                    break;
            } else {
                c.kind = WC_ABSENT;
                if (!expect_word(p, "the", "'the last ...'") || !expect_word(p, "last", "'last'") ||
                    !period(p, &c.len, &c.unit))
                    break;
            }
        } else if (word(p, "no")) {
            c.kind = WC_LONGEST;
            if (!expect_word(p, "absence", "'absence longer than'") || !expect_word(p, "longer", "'longer'") ||
                !expect_word(p, "than", "'than'") || !days(p, &c.n) || !last(p, &c))
                break;
        } else if (word(p, "held")) {
            c.kind = WC_HELD;
            c.statuses = statuses(p, &c.nstatuses);
            if (!expect(p, KW_FOR, "'for at least ...'") || !expect_word(p, "at", "'at least'") ||
                !expect_word(p, "least", "'least'") || !period(p, &c.len, &c.unit))
                break;
            if (word(p, "early") && !days(p, &c.early)) break;
        } else if (word(p, "each")) {
            c.kind = WC_EACH_YEAR;
            double years;
            if (!expect(p, KW_OF, "'of the last N years'") || !expect_word(p, "the", "'the'") ||
                !expect_word(p, "last", "'last'") || !number(p, &years) ||
                !expect_word(p, "years", "'years'") || !expect_word(p, "present", "'present at least'") ||
                !expect_word(p, "at", "'at'") || !expect_word(p, "least", "'least'") || !days(p, &c.n))
                break;
            c.len = (int)years;
            c.unit = 'y';
        } else {
            c.kind = WC_EXPR;
            if (!(c.e = parse_expr(p))) break;
        }
        if (accept(p, KW_AS)) c.label = expect_string(p, "the requirement's name (a string)");
        if (accept(p, KW_CITE)) parse_cites(p, &c.cites);
        c.sp = sp_join(c.sp, sp_of(p, p->prev));
        ast_wclause *slot = vec_push(&v);
        if (slot) *slot = c;
    }
    d->wclauses = vec_finish(p, &v, &d->nwclauses);
}

/* givenlist := '[' [item (',' item)*] ']'
 * item      := unary | '{' IDENT '=' unary (',' IDENT '=' unary)* '}' */
static int parse_given_list(parser *p, ast_given *g) {
    token open = p->tok;
    advance(p);
    g->is_list = 1;
    vec items = {.size = sizeof(ast_expr *)}, recs = {.size = sizeof(ast_record)};
    while (!check(p, TK_RBRACKET) && !p->panic) {
        if (check(p, TK_LBRACE)) {
            ast_record rec = {.sp = sp_of(p, p->tok)};
            advance(p);
            vec f = {.size = sizeof(span)}, v = {.size = sizeof(ast_expr *)};
            do {
                if (!is_name(p->tok.kind) && !lex_is_keyword(p->tok.kind)) {
                    error_here(p, "a field name");
                    break;
                }
                span *fs = vec_push(&f);
                if (fs) *fs = sp_of(p, p->tok);
                advance(p);
                if (!expect(p, TK_EQ, "'=' and the field's value")) break;
                ast_expr **vs = vec_push(&v);
                ast_expr *e = parse_unary(p);
                if (vs) *vs = e;
                if (!e) break;
            } while (accept(p, TK_COMMA));
            expect(p, TK_RBRACE, "'}' closing the record");
            uint32_t nv;
            rec.fields = vec_finish(p, &f, &rec.n);
            rec.vals = vec_finish(p, &v, &nv);
            if (nv != rec.n) break;
            ast_record *slot = vec_push(&recs);
            if (slot) *slot = rec;
        } else {
            ast_expr *e = parse_unary(p);
            if (!e) break;
            ast_expr **slot = vec_push(&items);
            if (slot) *slot = e;
        }
        if (!accept(p, TK_COMMA)) break;
    }
    uint32_t ni, nr;
    g->items = vec_finish(p, &items, &ni);
    g->records = vec_finish(p, &recs, &nr);
    if (p->panic) return 0;
    if (ni && nr) {
        diag_error(p->d, sp_of(p, open), "a list holds values or records, not both");
        p->panic = 1;
        return 0;
    }
    g->nitems = ni + nr;
    if (!check(p, TK_RBRACKET)) {
        error_here(p, "',' or ']' in the list");
        diag_note(p->d, sp_of(p, open), "the list opens here");
        return 0;
    }
    advance(p);
    return 1;
}

/* test := 'test' STRING ['given' IDENT '=' (unary | givenlist) (',' ...)*] ['as' 'of' DATE]
 *         'expect' (IDENT ['by' IDENT] ['until' DATE]
 *                  | 'total' unary ['category' IDENT | 'no' 'category'] ['passes' | 'fails']) */
static void parse_test(parser *p, ast_decl *d) {
    d->name = expect_string(p, "the test's name (a string)");
    if (!d->name.len) return;
    vec v = {.size = sizeof(ast_given)};
    if (accept(p, KW_GIVEN)) {
        do {
            if (!check(p, TK_IDENT)) {
                error_here(p, "an input name (e.g. trip.to)");
                break;
            }
            ast_given g = {.path = sp_of(p, p->tok)};
            advance(p);
            if (!expect(p, TK_EQ, "'=' and a value")) break;
            if (check(p, TK_LBRACKET)) {
                if (!parse_given_list(p, &g)) break;
            } else if (!(g.val = parse_unary(p))) {
                break;
            }
            ast_given *slot = vec_push(&v);
            if (slot) *slot = g;
        } while (accept(p, TK_COMMA));
    }
    d->givens = vec_finish(p, &v, &d->ngivens);
    if (p->panic) return;
    if (accept(p, KW_AS)) {
        if (!expect(p, KW_OF, "'of' after 'as'")) return;
        d->as_of = sp_of(p, p->tok);
        if (!expect(p, TK_DATE, "a date after 'as of'")) return;
    }
    if (!expect(p, KW_EXPECT, "'expect' and the outcome")) return;
    d->expect_passes = -1;
    d->expect_eligible = -1;
    if (check(p, TK_IDENT) && p->tok.len == 5 && !memcmp(p->text + p->tok.off, "total", 5)) {
        /* a points test: expect total N [category NAME | no category] [passes | fails] */
        d->expect = sp_of(p, p->tok);
        advance(p);
        if (!(d->expect_total = parse_unary(p))) return;
        if (accept(p, KW_CATEGORY)) {
            d->expect_category = sp_of(p, p->tok);
            if (!is_name(p->tok.kind)) return error_here(p, "the category's name");
            advance(p);
        } else if (check(p, TK_IDENT) && p->tok.len == 2 && !memcmp(p->text + p->tok.off, "no", 2)) {
            d->expect_category = sp_of(p, p->tok);
            advance(p);
            if (!expect(p, KW_CATEGORY, "'category' after 'no'")) return;
        }
        if (check(p, TK_IDENT) && p->tok.len == 6 && !memcmp(p->text + p->tok.off, "passes", 6)) {
            d->expect_passes = 1;
            advance(p);
        } else if (check(p, TK_IDENT) && p->tok.len == 5 && !memcmp(p->text + p->tok.off, "fails", 5)) {
            d->expect_passes = 0;
            advance(p);
        }
        return;
    }
    if (check(p, TK_IDENT) && (word(p, "eligible") || word(p, "ineligible"))) {
        /* a pathway test: expect (eligible | ineligible) [earliest (DATE | none)] [counted N] */
        d->expect = p->prev.kind == TK_IDENT ? sp_of(p, p->prev) : d->expect;
        d->expect_eligible = p->prev.len == 8;
        if (word(p, "earliest")) {
            d->expect_earliest = sp_of(p, p->tok);
            if (!check(p, TK_DATE) && !(check(p, TK_IDENT) && p->tok.len == 4 && !memcmp(p->text + p->tok.off, "none", 4)))
                return error_here(p, "a date or 'none' after 'earliest'");
            advance(p);
        }
        if (word(p, "counted")) d->expect_counted = parse_unary(p);
        return;
    }
    d->expect = sp_of(p, p->tok);
    if (!expect(p, TK_IDENT, "an outcome after 'expect' (e.g. visa_free)")) return;
    if (accept(p, KW_BY)) {
        d->by = sp_of(p, p->tok);
        if (!expect(p, TK_IDENT, "a rule name after 'by'")) return;
    }
    if (accept(p, KW_UNTIL)) {
        d->until = sp_of(p, p->tok);
        expect(p, TK_DATE, "a date after 'until'");
    }
}

/* file := 'rulebook' IDENT [STRING] ('destination' IDENT | 'otherwise' IDENT | 'fallback')* decl* */
ast_rulebook *parse_file(arena *a, tf_diags *d, uint32_t file, const char *text, uint32_t len) {
    parser p = {.a = a, .d = d, .file = file, .text = text};
    lex_init(&p.lx, text, len);
    advance(&p);
    ast_rulebook *rb = arena_alloc(a, sizeof *rb);
    if (!rb) return NULL;
    rb->file = file;
    rb->kw = sp_of(&p, p.tok);
    if (!expect(&p, KW_RULEBOOK, "'rulebook' at the start of the file")) return NULL;
    rb->id = sp_of(&p, p.tok);
    if (!expect(&p, TK_IDENT, "the rulebook's id (e.g. cn.entry)")) return NULL;
    rb->title = optional_string(&p);
    for (;;) {
        if (accept(&p, KW_DESTINATION)) {
            rb->destination = sp_of(&p, p.tok);
            if (!expect(&p, TK_IDENT, "a country code after 'destination'")) break;
        } else if (accept(&p, KW_FALLBACK)) {
            rb->fallback = 1;
        } else if (accept(&p, KW_OTHERWISE)) {
            rb->otherwise = sp_of(&p, p.tok);
            if (!expect(&p, TK_IDENT, "an outcome after 'otherwise'")) break;
        } else {
            break;
        }
    }
    vec v = {.size = sizeof(ast_decl)};
    for (;;) {
        if (p.panic) recover(&p);
        if (check(&p, TK_EOF)) break;
        token t = p.tok;
        if (t.kind == KW_RULEBOOK) {
            diag_error(d, sp_of(&p, t), "a second 'rulebook' header: a file holds one rulebook");
            diag_note(d, rb->kw, "the file's rulebook %.*s begins here", (int)rb->id.len, text + rb->id.off);
            advance(&p);
            p.panic = 1;
            continue;
        }
        if (!starts_decl(t.kind)) {
            error_here(&p, "a declaration (source, port, type, input, set, value, let, entry, transit, points, pathway or test)");
            continue;
        }
        advance(&p);
        ast_decl *dc = vec_push(&v);
        ast_decl scratch;
        if (!dc) dc = &scratch;
        memset(dc, 0, sizeof *dc);
        dc->sp = sp_of(&p, t);
        switch (t.kind) {
        case KW_SOURCE: dc->kind = D_SOURCE; parse_source(&p, dc); break;
        case KW_PORT: dc->kind = D_PORT; parse_port(&p, dc); break;
        case KW_TYPE: dc->kind = D_TYPE; parse_typedecl(&p, dc); break;
        case KW_INPUT: dc->kind = D_INPUT; parse_input(&p, dc); break;
        case KW_SET: dc->kind = D_SET; parse_setvalue(&p, dc); break;
        case KW_VALUE: dc->kind = D_VALUE; parse_setvalue(&p, dc); break;
        case KW_ENTRY: dc->kind = D_ENTRY; parse_rule(&p, dc); break;
        case KW_TRANSIT: dc->kind = D_TRANSIT; parse_rule(&p, dc); break;
        case KW_LET: dc->kind = D_LET; parse_let(&p, dc); break;
        case KW_POINTS: dc->kind = D_POINTS; parse_points(&p, dc); break;
        case KW_PATHWAY: dc->kind = D_PATHWAY; parse_pathway(&p, dc); break;
        default: dc->kind = D_TEST; parse_test(&p, dc); break;
        }
        /* a declaration ends where the next one starts */
        if (!p.panic && !check(&p, TK_EOF) && !starts_decl(p.tok.kind))
            error_here(&p, "a new declaration or the end of the file");
    }
    rb->decls = vec_finish(&p, &v, &rb->ndecls);
    if (arena_failed(a)) return NULL;
    return rb;
}

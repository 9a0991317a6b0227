/*
 * lex.c — the rulebook lexer.
 *
 * Hand-written and table-free apart from the keywords (a list, and its index by hash):
 * the rulebook language has few token shapes, and each is recognised by its first byte.
 * Dates (YYYY-MM-DD) and times (HH:MM) are recognised by shape here and validated by the
 * checker, so that an impossible date is reported as such rather than as a syntax error.
 * The lexer keeps no state but a position, so it cannot loop: every call consumes at
 * least one byte or returns TK_EOF.
 */
#include "lang/lex.h"

#include <pthread.h>
#include <string.h>

static const struct {
    const char *spelling;
    const char *name;
} tok_info[] = {
#define TK_INFO(k, s, n) {s, n},
    TOKENS(TK_INFO)
#undef TK_INFO
};

void lex_init(lexer *lx, const char *src, uint32_t len) {
    lx->src = src;
    lx->len = len;
    lx->pos = 0;
}

const char *lex_kind_name(tok_kind k) { return k < TK__COUNT ? tok_info[k].name : "?"; }

int lex_is_keyword(tok_kind k) { return k >= KW_RULEBOOK && k < TK__COUNT; }

/* The keywords by a hash of their spelling (every run compiles the bundled rulebooks, and
 * lex_keyword is asked of every word of them): a slot holds a keyword's offset from
 * KW_RULEBOOK + 1 and its length, 0 when empty; a word's probe runs from its hash to the
 * first empty slot. Built once, on first use. */
enum { KW_SLOTS = 512 };
static uint8_t kw_slot[KW_SLOTS], kw_len[KW_SLOTS];
static pthread_once_t kw_once = PTHREAD_ONCE_INIT;

static unsigned kw_hash(const char *s, size_t len) {
    const unsigned char *u = (const unsigned char *)s;
    return (u[0] * 31u + u[len - 1] * 7u + (unsigned)len * 131u + (len > 2 ? u[2] * 17u : 0)) & (KW_SLOTS - 1);
}

static void kw_build(void) {
    for (int k = KW_RULEBOOK; k < TK__COUNT; k++) {
        const char *sp = tok_info[k].spelling;
        size_t len = strlen(sp);
        unsigned h = kw_hash(sp, len);
        while (kw_slot[h]) h = (h + 1) & (KW_SLOTS - 1);
        kw_slot[h] = (uint8_t)(k - KW_RULEBOOK + 1);
        kw_len[h] = (uint8_t)len;
    }
}

tok_kind lex_keyword(const char *s, size_t len) {
    _Static_assert(TK__COUNT - KW_RULEBOOK < 255 && KW_SLOTS > 2 * (TK__COUNT - KW_RULEBOOK), "keyword slots");
    /* every keyword starts with a small letter (test_lex lexes each one), and half the
     * words of the bundled rulebooks are country codes, which never do */
    if (!len || len > UINT8_MAX || s[0] < 'a' || s[0] > 'z') return TK_IDENT;
    pthread_once(&kw_once, kw_build);
    for (unsigned h = kw_hash(s, len); kw_slot[h]; h = (h + 1) & (KW_SLOTS - 1)) {
        int k = KW_RULEBOOK + kw_slot[h] - 1;
        if (kw_len[h] == len && !memcmp(tok_info[k].spelling, s, len)) return (tok_kind)k;
    }
    return TK_IDENT;
}

/* The class of each byte: the lexer's loops run over every byte of the bundled
 * rulebooks at every start-up, so each test is one look-up. */
enum {
    CH_ALPHA = 1, /* starts or continues an identifier: a letter or '_' */
    CH_DIGIT = 2,
    CH_SPACE = 4, /* ' ', \t, \n, \v, \f, \r */
    CH_STOP = 8,  /* ends a run of a string's ordinary bytes: '"', '\\', \n */
};
#define A CH_ALPHA
#define D CH_DIGIT
#define S CH_SPACE
#define Q CH_STOP
static const uint8_t ch_class[256] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, S, S | Q, S, S, S, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    S, 0, Q, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    D, D, D, D, D, D, D, D, D, D, 0, 0, 0, 0, 0, 0,
    0, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A,
    A, A, A, A, A, A, A, A, A, A, A, 0, Q, 0, 0, A,
    0, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A,
    A, A, A, A, A, A, A, A, A, A, A, 0, 0, 0, 0, 0,
    /* 128 to 255: none (a byte outside ASCII is an error token, or inside a string) */
};
#undef A
#undef D
#undef S
#undef Q

/* Tests of a byte, c in 0 to 255. */
static int is_digit(int c) { return ch_class[c] & CH_DIGIT; }
static int is_alpha(int c) { return ch_class[c] & CH_ALPHA; }
static int is_alnum(int c) { return ch_class[c] & (CH_ALPHA | CH_DIGIT); }
static int is_space(int c) { return ch_class[c] & CH_SPACE; }

/* The byte at position i, or 0 past the end. */
static int at(const lexer *lx, uint32_t i) { return i < lx->len ? (unsigned char)lx->src[i] : 0; }

/* Continues an identifier from position p: letters, digits and '_', and '-' or '.'
 * when a letter or digit follows at once. Returns the end position. */
static uint32_t ident_end(const lexer *lx, uint32_t p) {
    const unsigned char *s = (const unsigned char *)lx->src;
    for (;;) {
        while (p < lx->len && is_alnum(s[p])) p++;
        if (p + 1 < lx->len && (s[p] == '-' || s[p] == '.') && is_alnum(s[p + 1]))
            p += 2;
        else
            return p;
    }
}

/* True when n digits start at p. */
static int digits(const lexer *lx, uint32_t p, int n) {
    for (int i = 0; i < n; i++)
        if (!is_digit(at(lx, p + (uint32_t)i))) return 0;
    return 1;
}

token lex_next(lexer *lx) {
    /* skip white space and comments */
    while (lx->pos < lx->len) {
        int c = (unsigned char)lx->src[lx->pos];
        if (is_space(c)) {
            lx->pos++;
        } else if (c == '#') {
            const char *nl = memchr(lx->src + lx->pos, '\n', lx->len - lx->pos);
            lx->pos = nl ? (uint32_t)(nl - lx->src) : lx->len;
        } else {
            break;
        }
    }
    token t = {TK_EOF, lx->pos, 0};
    if (lx->pos >= lx->len) return t;
    uint32_t p = lx->pos;
    int c = at(lx, p);
    tok_kind k = TK_ERROR;
    uint32_t end = p + 1;

    if (is_alpha(c)) {
        end = ident_end(lx, p + 1);
        k = lex_keyword(lx->src + p, end - p);
    } else if (is_digit(c)) {
        if (digits(lx, p, 4) && at(lx, p + 4) == '-' && digits(lx, p + 5, 2) &&
            at(lx, p + 7) == '-' && digits(lx, p + 8, 2) && !is_alnum(at(lx, p + 10))) {
            k = TK_DATE;
            end = p + 10;
        } else if (digits(lx, p, 2) && at(lx, p + 2) == ':' && digits(lx, p + 3, 2) &&
                   !is_alnum(at(lx, p + 5))) {
            k = TK_TIME;
            end = p + 5;
        } else {
            end = p;
            while (is_digit(at(lx, end))) end++;
            if (is_alpha(at(lx, end))) {
                k = TK_IDENT; /* 1_2y, 3y_or_more */
                end = ident_end(lx, end);
            } else {
                k = TK_NUMBER;
                if (at(lx, end) == '.' && is_digit(at(lx, end + 1))) {
                    end++;
                    while (is_digit(at(lx, end))) end++;
                }
            }
        }
    } else if (c == '"') {
        end = p + 1;
        k = TK_BADSTRING;
        while (end < lx->len) {
            while (end < lx->len && !(ch_class[(unsigned char)lx->src[end]] & CH_STOP)) end++;
            if (end == lx->len) break;
            int d = (unsigned char)lx->src[end];
            if (d == '\n') break;
            if (d == '\\' && end + 1 < lx->len && lx->src[end + 1] != '\n') {
                end += 2;
                continue;
            }
            end++;
            if (d == '"') {
                k = TK_STRING;
                break;
            }
        }
    } else {
        switch (c) {
        case '{': k = TK_LBRACE; break;
        case '}': k = TK_RBRACE; break;
        case '(': k = TK_LPAREN; break;
        case ')': k = TK_RPAREN; break;
        case '[': k = TK_LBRACKET; break;
        case ']': k = TK_RBRACKET; break;
        case ',': k = TK_COMMA; break;
        case ':': k = TK_COLON; break;
        case '=': k = TK_EQ; break;
        case '+': k = TK_PLUS; break;
        case '-': k = TK_MINUS; break;
        case '*': k = TK_STAR; break;
        case '/': k = TK_SLASH; break;
        case '&': k = TK_AMP; break;
        case '<':
            k = TK_LT;
            if (at(lx, p + 1) == '=') k = TK_LE, end++;
            break;
        case '>':
            k = TK_GT;
            if (at(lx, p + 1) == '=') k = TK_GE, end++;
            break;
        case '!':
            if (at(lx, p + 1) == '=') k = TK_NE, end++;
            break;
        default:
            /* one whole UTF-8 sequence becomes one error token */
            if (c >= 0xC0)
                while (end < lx->len && (at(lx, end) & 0xC0) == 0x80) end++;
            break;
        }
    }
    t.kind = k;
    t.len = end - p;
    lx->pos = end;
    return t;
}

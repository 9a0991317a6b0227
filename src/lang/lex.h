/*
 * lex.h — the rulebook lexer (prefix lex_).
 *
 * Turns rulebook text into tokens on demand. A token is a kind and a span into the
 * retained source; nothing is copied. The lexer never fails: a byte it cannot start a
 * token with becomes a TK_ERROR token that the parser reports. Token kinds, keyword
 * spellings and printable names come from one table, TOKENS below.
 */
#ifndef TF_LEX_H
#define TF_LEX_H

#include <stddef.h>
#include <stdint.h>

#include "base/diag.h"

/* X(kind, spelling, printable name). Keywords have their spelling; others NULL. */
#define TOKENS(X)                                       \
    X(TK_EOF, NULL, "end of file")                      \
    X(TK_ERROR, NULL, "invalid character")              \
    X(TK_IDENT, NULL, "a name")                         \
    X(TK_NUMBER, NULL, "a number")                      \
    X(TK_STRING, NULL, "a string")                      \
    X(TK_BADSTRING, NULL, "an unterminated string")     \
    X(TK_DATE, NULL, "a date")                          \
    X(TK_TIME, NULL, "a time")                          \
    X(TK_LBRACE, NULL, "'{'")                           \
    X(TK_RBRACE, NULL, "'}'")                           \
    X(TK_LPAREN, NULL, "'('")                           \
    X(TK_RPAREN, NULL, "')'")                           \
    X(TK_LBRACKET, NULL, "'['")                         \
    X(TK_RBRACKET, NULL, "']'")                         \
    X(TK_COMMA, NULL, "','")                            \
    X(TK_COLON, NULL, "':'")                            \
    X(TK_EQ, NULL, "'='")                               \
    X(TK_NE, NULL, "'!='")                              \
    X(TK_LT, NULL, "'<'")                               \
    X(TK_LE, NULL, "'<='")                              \
    X(TK_GT, NULL, "'>'")                               \
    X(TK_GE, NULL, "'>='")                              \
    X(TK_PLUS, NULL, "'+'")                             \
    X(TK_MINUS, NULL, "'-'")                            \
    X(TK_STAR, NULL, "'*'")                             \
    X(TK_SLASH, NULL, "'/'")                            \
    X(TK_AMP, NULL, "'&'")                              \
    X(KW_RULEBOOK, "rulebook", "'rulebook'")            \
    X(KW_DESTINATION, "destination", "'destination'")   \
    X(KW_OTHERWISE, "otherwise", "'otherwise'")         \
    X(KW_FALLBACK, "fallback", "'fallback'")            \
    X(KW_SOURCE, "source", "'source'")                  \
    X(KW_URL, "url", "'url'")                           \
    X(KW_PORT, "port", "'port'")                        \
    X(KW_AREA, "area", "'area'")                        \
    X(KW_TYPE, "type", "'type'")                        \
    X(KW_INPUT, "input", "'input'")                     \
    X(KW_ONE, "one", "'one'")                           \
    X(KW_OF, "of", "'of'")                              \
    X(KW_LIST, "list", "'list'")                        \
    X(KW_SET, "set", "'set'")                           \
    X(KW_VALUE, "value", "'value'")                     \
    X(KW_ENTRY, "entry", "'entry'")                     \
    X(KW_TRANSIT, "transit", "'transit'")               \
    X(KW_FROM, "from", "'from'")                        \
    X(KW_UNTIL, "until", "'until'")                     \
    X(KW_CITE, "cite", "'cite'")                        \
    X(KW_REQUIRE, "require", "'require'")               \
    X(KW_BECAUSE, "because", "'because'")               \
    X(KW_STAY, "stay", "'stay'")                        \
    X(KW_COUNTED, "counted", "'counted'")               \
    X(KW_NEXT, "next", "'next'")                        \
    X(KW_MIDNIGHT, "midnight", "'midnight'")            \
    X(KW_ENTRY_DAY, "entry_day", "'entry_day'")         \
    X(KW_LIMIT, "limit", "'limit'")                     \
    X(KW_IN, "in", "'in'")                              \
    X(KW_PORTS, "ports", "'ports'")                     \
    X(KW_EXIT, "exit", "'exit'")                        \
    X(KW_OUTCOME, "outcome", "'outcome'")               \
    X(KW_TEST, "test", "'test'")                        \
    X(KW_GIVEN, "given", "'given'")                     \
    X(KW_AS, "as", "'as'")                              \
    X(KW_EXPECT, "expect", "'expect'")                  \
    X(KW_BY, "by", "'by'")                              \
    X(KW_AND, "and", "'and'")                           \
    X(KW_OR, "or", "'or'")                              \
    X(KW_NOT, "not", "'not'")                           \
    X(KW_IF, "if", "'if'")                              \
    X(KW_THEN, "then", "'then'")                        \
    X(KW_ELSE, "else", "'else'")                        \
    X(KW_TRUE, "true", "'true'")                        \
    X(KW_FALSE, "false", "'false'")                     \
    X(KW_DEFAULT, "default", "'default'")               \
    X(KW_REQUIRED, "required", "'required'")           \
    X(KW_LET, "let", "'let'")                           \
    X(KW_BANDS, "bands", "'bands'")                     \
    X(KW_TO, "to", "'to'")                              \
    X(KW_WHERE, "where", "'where'")                     \
    X(KW_FOR, "for", "'for'")                           \
    X(KW_POINTS, "points", "'points'")                  \
    X(KW_FACTOR, "factor", "'factor'")                  \
    X(KW_GROUP, "group", "'group'")                     \
    X(KW_CATEGORY, "category", "'category'")            \
    X(KW_WHEN, "when", "'when'")                        \
    X(KW_PASS, "pass", "'pass'")                        \
    X(KW_SETTING, "setting", "'setting'")               \
    X(KW_PATHWAY, "pathway", "'pathway'")

typedef enum {
#define TK_ENUM(k, s, n) k,
    TOKENS(TK_ENUM)
#undef TK_ENUM
        TK__COUNT
} tok_kind;

typedef struct {
    tok_kind kind;
    uint32_t off, len;
} token;

typedef struct {
    const char *src;
    uint32_t len;
    uint32_t pos;
} lexer;

/* Starts lexing src[0..len). Sources longer than UINT32_MAX - 1 bytes are not supported;
 * the caller rejects them. */
void lex_init(lexer *lx, const char *src, uint32_t len);
/* The next token; TK_EOF forever at the end. */
token lex_next(lexer *lx);
/* "a name", "'rulebook'", ... for messages. */
const char *lex_kind_name(tok_kind k);
/* True for keyword kinds. */
int lex_is_keyword(tok_kind k);
/* The keyword kind spelled by s[0..len), or TK_IDENT. */
tok_kind lex_keyword(const char *s, size_t len);

#endif

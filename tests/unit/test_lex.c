/*
 * test_lex.c — unit tests of the rulebook lexer (src/lang/lex.c).
 *
 * Every token kind with its exact span; the shapes that share a first byte — dates,
 * times, numbers and identifiers that start with digits (1_2y); the rule that a '-' or
 * '.' belongs to an identifier only when a letter or digit follows (u-b6, trip.to, but
 * a - b); strings with escapes and unterminated ones; comments; invalid bytes, a UTF-8
 * sequence being one error token; every keyword of the table; and that the lexer always
 * makes progress and returns TK_EOF forever at the end, whatever the bytes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lang/lex.h"

/* One expected token: its kind and text. */
typedef struct {
    tok_kind kind;
    const char *text;
} tok_want;

/* Lexes src (len bytes) and checks the tokens against want[0..n), then TK_EOF. */
static void expect_tokens_n(const char *src, size_t len, const tok_want *want, size_t n)
{
    lexer lx;
    lex_init(&lx, src, (uint32_t)len);
    for (size_t i = 0; i < n; i++) {
        token t = lex_next(&lx);
        if (t.kind != want[i].kind || t.len != strlen(want[i].text) ||
            memcmp(src + t.off, want[i].text, t.len) != 0)
            fail_msg("token %zu of \"%s\": got %s \"%.*s\", want %s \"%s\"", i, src, lex_kind_name(t.kind),
                     (int)t.len, src + t.off, lex_kind_name(want[i].kind), want[i].text);
    }
    token t = lex_next(&lx);
    if (t.kind != TK_EOF)
        fail_msg("after %zu tokens of \"%s\": got %s \"%.*s\", want end of file", n, src, lex_kind_name(t.kind),
                 (int)t.len, src + t.off);
    assert_int_equal(t.off, len);
    assert_int_equal(t.len, 0);
}

/* Lexes src and expects nothing but the end. */
static void expect_nothing(const char *src)
{
    expect_tokens_n(src, strlen(src), NULL, 0);
}

#define EXPECT(src, ...)                                                        \
    do {                                                                        \
        static const tok_want w_[] = {__VA_ARGS__};                             \
        expect_tokens_n((src), strlen(src), w_, sizeof w_ / sizeof w_[0]);      \
    } while (0)

static void test_punctuation(void **state)
{
    (void)state;
    EXPECT("{ } ( ) [ ] , : = != < <= > >= + - * / &",
           {TK_LBRACE, "{"}, {TK_RBRACE, "}"}, {TK_LPAREN, "("}, {TK_RPAREN, ")"},
           {TK_LBRACKET, "["}, {TK_RBRACKET, "]"}, {TK_COMMA, ","}, {TK_COLON, ":"},
           {TK_EQ, "="}, {TK_NE, "!="}, {TK_LT, "<"}, {TK_LE, "<="}, {TK_GT, ">"}, {TK_GE, ">="},
           {TK_PLUS, "+"}, {TK_MINUS, "-"}, {TK_STAR, "*"}, {TK_SLASH, "/"}, {TK_AMP, "&"});
    /* no white space needed between punctuation; '<' '=' with a space are two tokens */
    EXPECT("a<=b!=c< =d", {TK_IDENT, "a"}, {TK_LE, "<="}, {TK_IDENT, "b"}, {TK_NE, "!="},
           {TK_IDENT, "c"}, {TK_LT, "<"}, {TK_EQ, "="}, {TK_IDENT, "d"});
    /* a lone '!' is no token of the language */
    EXPECT("!x", {TK_ERROR, "!"}, {TK_IDENT, "x"});
}

/* Dates, times, numbers and identifiers that start with digits. */
static void test_numbers_dates_times(void **state)
{
    (void)state;
    EXPECT("42 3.5 0 007", {TK_NUMBER, "42"}, {TK_NUMBER, "3.5"}, {TK_NUMBER, "0"}, {TK_NUMBER, "007"});
    EXPECT("2024-02-29", {TK_DATE, "2024-02-29"});
    /* the shape makes a date; whether it exists is the checker's business */
    EXPECT("2025-02-30 9999-99-99", {TK_DATE, "2025-02-30"}, {TK_DATE, "9999-99-99"});
    EXPECT("12:30 00:00 99:99", {TK_TIME, "12:30"}, {TK_TIME, "00:00"}, {TK_TIME, "99:99"});
    /* not quite a date: a subtraction of numbers */
    EXPECT("2024-2-29", {TK_NUMBER, "2024"}, {TK_MINUS, "-"}, {TK_NUMBER, "2"}, {TK_MINUS, "-"},
           {TK_NUMBER, "29"});
    EXPECT("2024-02-2", {TK_NUMBER, "2024"}, {TK_MINUS, "-"}, {TK_NUMBER, "02"}, {TK_MINUS, "-"},
           {TK_NUMBER, "2"});
    /* a date glued to a letter or digit is no date */
    EXPECT("2024-02-290", {TK_NUMBER, "2024"}, {TK_MINUS, "-"}, {TK_NUMBER, "02"}, {TK_MINUS, "-"},
           {TK_NUMBER, "290"});
    EXPECT("2024-02-29x", {TK_NUMBER, "2024"}, {TK_MINUS, "-"}, {TK_NUMBER, "02"}, {TK_MINUS, "-"},
           {TK_IDENT, "29x"});
    /* a date followed by punctuation is still a date */
    EXPECT("2024-02-29,", {TK_DATE, "2024-02-29"}, {TK_COMMA, ","});
    /* digits then a letter or '_': an identifier (enumeration members such as 1_2y) */
    EXPECT("1_2y 3y_or_more 30days", {TK_IDENT, "1_2y"}, {TK_IDENT, "3y_or_more"}, {TK_IDENT, "30days"});
    /* a number with a unit is two tokens; the parser makes the duration */
    EXPECT("30 days", {TK_NUMBER, "30"}, {TK_IDENT, "days"});
    /* a '.' needs a digit after it to be part of a number */
    EXPECT("3.", {TK_NUMBER, "3"}, {TK_ERROR, "."});
    EXPECT("3.5.1", {TK_NUMBER, "3.5"}, {TK_ERROR, "."}, {TK_NUMBER, "1"});
    EXPECT("-3", {TK_MINUS, "-"}, {TK_NUMBER, "3"});
}

/* A '-' or '.' belongs to an identifier only when a letter or digit follows at once. */
static void test_identifiers(void **state)
{
    (void)state;
    EXPECT("u-b6 trip.to cn.entry tianjin-seaport _x a1",
           {TK_IDENT, "u-b6"}, {TK_IDENT, "trip.to"}, {TK_IDENT, "cn.entry"}, {TK_IDENT, "tianjin-seaport"},
           {TK_IDENT, "_x"}, {TK_IDENT, "a1"});
    EXPECT("a - b", {TK_IDENT, "a"}, {TK_MINUS, "-"}, {TK_IDENT, "b"});
    EXPECT("a -b", {TK_IDENT, "a"}, {TK_MINUS, "-"}, {TK_IDENT, "b"});
    EXPECT("a- b", {TK_IDENT, "a"}, {TK_MINUS, "-"}, {TK_IDENT, "b"});
    EXPECT("a-b", {TK_IDENT, "a-b"});  /* so write spaces around a minus sign */
    EXPECT("a-1", {TK_IDENT, "a-1"});
    EXPECT("x--y", {TK_IDENT, "x"}, {TK_MINUS, "-"}, {TK_MINUS, "-"}, {TK_IDENT, "y"});
    EXPECT("trip.", {TK_IDENT, "trip"}, {TK_ERROR, "."});
    EXPECT("trip..x", {TK_IDENT, "trip"}, {TK_ERROR, "."}, {TK_ERROR, "."}, {TK_IDENT, "x"});
    /* '-' and '.' never start an identifier */
    EXPECT(".x -y", {TK_ERROR, "."}, {TK_IDENT, "x"}, {TK_MINUS, "-"}, {TK_IDENT, "y"});
}

static void test_strings(void **state)
{
    (void)state;
    EXPECT("\"\"", {TK_STRING, "\"\""});
    EXPECT("\"China: entry without a visa\"", {TK_STRING, "\"China: entry without a visa\""});
    /* escapes: \" does not end the string, \\ is one backslash, \n a newline */
    EXPECT("\"a \\\"quoted\\\" word\"", {TK_STRING, "\"a \\\"quoted\\\" word\""});
    EXPECT("\"back\\\\\" x", {TK_STRING, "\"back\\\\\""}, {TK_IDENT, "x"});
    EXPECT("\"two\\nlines\"", {TK_STRING, "\"two\\nlines\""});
    /* UTF-8 inside a string is just bytes */
    EXPECT("\"Zürich → 北京\"", {TK_STRING, "\"Zürich → 北京\""});
    /* unterminated: at the end of the file, and at the end of the line */
    EXPECT("\"abc", {TK_BADSTRING, "\"abc"});
    EXPECT("\"abc\nd", {TK_BADSTRING, "\"abc"}, {TK_IDENT, "d"});
    EXPECT("\"ends with an escaped quote\\\"", {TK_BADSTRING, "\"ends with an escaped quote\\\""});
    /* a backslash before the newline escapes nothing: the string still ends there */
    EXPECT("\"a\\\nb\"", {TK_BADSTRING, "\"a\\"}, {TK_IDENT, "b"}, {TK_BADSTRING, "\""});
}

static void test_comments_and_space(void **state)
{
    (void)state;
    EXPECT("# a comment\nx # trailing { \" \n\t\r\f\vy#", {TK_IDENT, "x"}, {TK_IDENT, "y"});
    expect_nothing("#");
    expect_nothing("");
    expect_nothing("  \n\n  # only a comment");
    /* '#' inside a string is not a comment */
    EXPECT("\"#1\"", {TK_STRING, "\"#1\""});
}

/* A byte that starts no token is one TK_ERROR; a UTF-8 sequence is one, whole. */
static void test_invalid_bytes(void **state)
{
    (void)state;
    EXPECT("@ $ ; ? ` ~ ^ | \\ '", {TK_ERROR, "@"}, {TK_ERROR, "$"}, {TK_ERROR, ";"}, {TK_ERROR, "?"},
           {TK_ERROR, "`"}, {TK_ERROR, "~"}, {TK_ERROR, "^"}, {TK_ERROR, "|"}, {TK_ERROR, "\\"},
           {TK_ERROR, "'"});
    EXPECT("é", {TK_ERROR, "é"});           /* 2 bytes */
    EXPECT("a→b", {TK_IDENT, "a"}, {TK_ERROR, "→"}, {TK_IDENT, "b"}); /* 3 bytes */
    EXPECT("“x”", {TK_ERROR, "“"}, {TK_IDENT, "x"}, {TK_ERROR, "”"});
    EXPECT("😀", {TK_ERROR, "😀"});         /* 4 bytes */
    EXPECT("\x80z", {TK_ERROR, "\x80"}, {TK_IDENT, "z"}); /* a lone continuation byte */
    EXPECT("\xff\x80\x80", {TK_ERROR, "\xff\x80\x80"});    /* not UTF-8: still one token */
    EXPECT("\x01", {TK_ERROR, "\x01"});
    /* a NUL byte is an invalid character, not the end of the text */
    lexer lx;
    lex_init(&lx, "a\0b", 3);
    token t = lex_next(&lx);
    assert_int_equal(t.kind, TK_IDENT);
    assert_int_equal(t.len, 1);
    t = lex_next(&lx);
    assert_int_equal(t.kind, TK_ERROR);
    assert_int_equal(t.off, 1);
    assert_int_equal(t.len, 1);
    t = lex_next(&lx);
    assert_int_equal(t.kind, TK_IDENT);
    assert_int_equal(t.off, 2);
    assert_int_equal(lex_next(&lx).kind, TK_EOF);
}

/* Every keyword of the table lexes as itself, and only as a whole word. */
static void test_keywords(void **state)
{
    (void)state;
    int n = 0;
    for (int k = 0; k < TK__COUNT; k++) {
        if (!lex_is_keyword((tok_kind)k))
            continue;
        n++;
        /* the printable name is the spelling in quotes: 'rulebook' */
        const char *name = lex_kind_name((tok_kind)k);
        size_t len = strlen(name);
        assert_true(len > 2 && name[0] == '\'' && name[len - 1] == '\'');
        char word[64];
        assert_true(len - 2 < sizeof word - 2);
        memcpy(word, name + 1, len - 2);
        word[len - 2] = 0;
        assert_int_equal(lex_keyword(word, len - 2), k);

        lexer lx;
        lex_init(&lx, word, (uint32_t)(len - 2));
        token t = lex_next(&lx);
        assert_int_equal(t.kind, k);
        assert_int_equal(t.len, len - 2);
        /* longer words, and keywords inside a dotted name, are identifiers */
        char longer[4 * sizeof word + 16];
        snprintf(longer, sizeof longer, "%sx %s.rules %s-b x%s", word, word, word, word);
        lex_init(&lx, longer, (uint32_t)strlen(longer));
        for (int i = 0; i < 4; i++)
            assert_int_equal(lex_next(&lx).kind, TK_IDENT);
        assert_int_equal(lex_next(&lx).kind, TK_EOF);
    }
    /* at least the words of docs/language.md's list */
    assert_true(n >= 59);
    assert_int_equal(lex_keyword("Rulebook", 8), TK_IDENT); /* case matters */
    assert_int_equal(lex_keyword("in", 1), TK_IDENT);       /* a prefix is not the word */
    assert_int_equal(lex_keyword("entry_day", 9), KW_ENTRY_DAY);
    assert_false(lex_is_keyword(TK_IDENT));
    assert_false(lex_is_keyword(TK_EOF));
    EXPECT("rulebook cn.entry \"t\"", {KW_RULEBOOK, "rulebook"}, {TK_IDENT, "cn.entry"}, {TK_STRING, "\"t\""});
    EXPECT("not in", {KW_NOT, "not"}, {KW_IN, "in"});
}

/* Names for messages: every kind has one. */
static void test_kind_names(void **state)
{
    (void)state;
    for (int k = 0; k < TK__COUNT; k++) {
        const char *name = lex_kind_name((tok_kind)k);
        assert_non_null(name);
        assert_true(name[0] != 0);
    }
    assert_string_equal(lex_kind_name(TK_EOF), "end of file");
    assert_string_equal(lex_kind_name(TK_NE), "'!='");
    assert_string_equal(lex_kind_name(TK__COUNT), "?");
}

/* At the end, TK_EOF again and again, at the end offset. */
static void test_eof_repeated(void **state)
{
    (void)state;
    lexer lx;
    lex_init(&lx, "x # c", 5);
    assert_int_equal(lex_next(&lx).kind, TK_IDENT);
    for (int i = 0; i < 5; i++) {
        token t = lex_next(&lx);
        assert_int_equal(t.kind, TK_EOF);
        assert_int_equal(t.off, 5);
        assert_int_equal(t.len, 0);
    }
    /* a length shorter than the buffer is the end: nothing past it is read */
    lex_init(&lx, "abc def", 3);
    token t = lex_next(&lx);
    assert_int_equal(t.kind, TK_IDENT);
    assert_int_equal(t.len, 3);
    assert_int_equal(lex_next(&lx).kind, TK_EOF);
}

/* Whatever the bytes: tokens are in order, inside the text, never empty, and the end
 * comes within len + 1 calls. A fixed-seed generator keeps the test reproducible. */
static void test_random_bytes(void **state)
{
    (void)state;
    uint32_t seed = 12345;
    static const char alphabet[] = "ab_Z09-.:\"\\#{}()[],=!<>+*/&@ \n\t\x80\xc3\xa9\xe2\xff";
    for (int round = 0; round < 2000; round++) {
        char buf[64];
        uint32_t len = (uint32_t)(round % 64);
        for (uint32_t i = 0; i < len; i++) {
            seed = seed * 1103515245u + 12345u;
            buf[i] = alphabet[(seed >> 16) % (sizeof alphabet - 1)];
        }
        lexer lx;
        lex_init(&lx, buf, len);
        uint32_t prev_end = 0, calls = 0;
        for (;;) {
            token t = lex_next(&lx);
            assert_true(++calls <= len + 1);
            if (t.kind == TK_EOF) {
                assert_int_equal(t.off, len);
                break;
            }
            assert_true(t.off >= prev_end);
            assert_true(t.len >= 1);
            assert_true(t.off + t.len <= len);
            prev_end = t.off + t.len;
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_punctuation),
        cmocka_unit_test(test_numbers_dates_times),
        cmocka_unit_test(test_identifiers),
        cmocka_unit_test(test_strings),
        cmocka_unit_test(test_comments_and_space),
        cmocka_unit_test(test_invalid_bytes),
        cmocka_unit_test(test_keywords),
        cmocka_unit_test(test_kind_names),
        cmocka_unit_test(test_eof_repeated),
        cmocka_unit_test(test_random_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

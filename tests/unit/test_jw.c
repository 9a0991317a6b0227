/*
 * test_jw.c — unit tests of src/base/jw.c, the JSON writer.
 *
 * The writer promises jansson's compact text byte for byte (the library's decisions
 * moved from one to the other without a changed byte), so strings with every escape and
 * control character, non-ASCII text and nested containers are compared with
 * json_dumps(JSON_COMPACT | JSON_PRESERVE_ORDER) of the same values. Then what jansson
 * refuses and the writer must still turn into valid JSON (bytes that are not UTF-8),
 * and the sticky failure past the maximum.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "base/jw.h"

static char *dump(json_t *v)
{
    char *s = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
    json_decref(v);
    return s;
}

static void test_strings_as_jansson(void **state)
{
    (void)state;
    char all[40];
    for (int i = 1; i < 32; i++)
        all[i - 1] = (char)i;
    strcpy(all + 31, "\"\\/~\x7f");
    const char *cases[] = {"", "plain", "quote \" and backslash \\", "a/b", all,
                           "\xc3\xa9t\xc3\xa9 \xe4\xb8\xad\xe5\x9b\xbd \xf0\x9f\x98\x80",
                           "line\nbreak\ttab\r\b\f"};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        jw w;
        jw_init(&w, 4, 0); /* small: grows several times */
        jw_str(&w, cases[i]);
        size_t n = 0;
        char *mine = jw_finish(&w, &n);
        char *theirs = dump(json_string(cases[i]));
        assert_non_null(mine);
        assert_non_null(theirs);
        assert_string_equal(mine, theirs);
        assert_int_equal(n, strlen(theirs));
        free(mine);
        free(theirs);
    }
}

static void test_containers_as_jansson(void **state)
{
    (void)state;
    jw w;
    jw_init(&w, 0, 0);
    jw_obj_begin(&w);
    jw_key(&w, "a");
    jw_int(&w, -42);
    jw_key(&w, "b");
    jw_arr_begin(&w);
    jw_bool(&w, true);
    jw_bool(&w, false);
    jw_null(&w);
    jw_obj_begin(&w);
    jw_obj_end(&w);
    jw_arr_begin(&w);
    jw_arr_end(&w);
    jw_obj_begin(&w);
    jw_key(&w, "k\"");
    jw_str(&w, "v");
    jw_obj_end(&w);
    jw_arr_end(&w);
    jw_key(&w, "c");
    jw_int(&w, 9007199254740993LL);
    jw_obj_end(&w);
    char *mine = jw_finish(&w, NULL);
    char *theirs = dump(json_pack("{s:i,s:[b,b,n,{},[],{s:s}],s:I}", "a", -42, "b", 1, 0,
                                  "k\"", "v", "c", (json_int_t)9007199254740993LL));
    assert_non_null(mine);
    assert_string_equal(mine, theirs);
    free(mine);
    free(theirs);
}

/* jansson refuses these strings; the writer replaces each bad byte with U+FFFD, so a
 * message cut inside a character still gives valid JSON. */
static void test_not_utf8(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"cut \xe4\xb8", "\"cut \xef\xbf\xbd\xef\xbf\xbd\""},
        {"\xff", "\"\xef\xbf\xbd\""},
        {"\xc0\xaf", "\"\xef\xbf\xbd\xef\xbf\xbd\""},       /* overlong '/' */
        {"\xed\xa0\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\""}, /* a surrogate */
        {"\xf4\x90\x80\x80x", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbdx\""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        jw w;
        jw_init(&w, 0, 0);
        jw_str(&w, cases[i].in);
        char *mine = jw_finish(&w, NULL);
        assert_non_null(mine);
        assert_string_equal(mine, cases[i].out);
        json_t *back = json_loads(mine, JSON_DECODE_ANY, NULL);
        assert_non_null(back);
        json_decref(back);
        free(mine);
    }
}

/* jw_escape, for writers with their own buffer, hands out in pieces exactly the inside
 * of what jw_str writes. */
static void append(void *ctx, const char *s, size_t n)
{
    char *buf = ctx;
    size_t len = strlen(buf);
    assert_true(n > 0);
    assert_true(len + n < 256);
    memcpy(buf + len, s, n);
    buf[len + n] = '\0';
}

static void test_escape_in_pieces(void **state)
{
    (void)state;
    static const char *const in[] = {"", "plain", "a\x01b\\c\"q\x1f", "\n\r\t\b\f/", "cut \xe4\xb8",
                                     "caf\xc3\xa9 \xff end"};
    for (size_t i = 0; i < sizeof in / sizeof in[0]; i++) {
        char pieces[256] = "\"";
        jw_escape(in[i], strlen(in[i]), append, pieces);
        append(pieces, "\"", 1);
        jw w;
        jw_init(&w, 0, 0);
        jw_str(&w, in[i]);
        char *whole = jw_finish(&w, NULL);
        assert_non_null(whole);
        assert_string_equal(pieces, whole);
        free(whole);
    }
    char one[256] = "";
    jw_escape("a\x01", 2, append, one);
    assert_string_equal(one, "a\\u0001");
}

static void test_limit_is_sticky(void **state)
{
    (void)state;
    jw w;
    jw_init(&w, 8, 20);
    jw_arr_begin(&w);
    jw_str(&w, "0123456789");
    jw_str(&w, "0123456789"); /* past 20 bytes */
    jw_arr_end(&w);
    assert_true(w.failed);
    assert_null(jw_finish(&w, NULL));
    /* finished, the writer is empty and usable again */
    jw_init(&w, 8, 20);
    jw_int(&w, 7);
    char *s = jw_finish(&w, NULL);
    assert_string_equal(s, "7");
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strings_as_jansson),
        cmocka_unit_test(test_containers_as_jansson),
        cmocka_unit_test(test_not_utf8),
        cmocka_unit_test(test_limit_is_sticky),
        cmocka_unit_test(test_escape_in_pieces),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_arena.c — unit tests of src/base/arena.c.
 *
 * Alignment and zero-filling of every allocation (also after a reset, when the memory is
 * reused), arena_grow in place and by copy, allocations larger than a block, overflow of
 * arena_array, and the limit that makes failure sticky until a reset.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/arena.h"

static bool all_zero(const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i] != 0)
            return false;
    return true;
}

static void test_alignment(void **state)
{
    (void)state;
    arena a;
    arena_init(&a, 256, 0);
    static const size_t sizes[] = {1, 3, 16, 17, 0, 5, 100, 255, 7, 1000, 2, 31, 4096, 9};
    for (int round = 0; round < 20; round++) {
        for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
            void *p = arena_alloc(&a, sizes[i]);
            assert_non_null(p);
            assert_int_equal((uintptr_t)p % 16, 0);
        }
    }
    assert_false(arena_failed(&a));
    arena_free(&a);
}

/* Memory is reused after a reset and must still come back zeroed. */
static void test_zeroing(void **state)
{
    (void)state;
    arena a;
    arena_init(&a, 1024, 0);
    unsigned char *p = arena_alloc(&a, 500);
    assert_non_null(p);
    assert_true(all_zero(p, 500));
    memset(p, 0xff, 500);
    arena_reset(&a);
    unsigned char *q = arena_alloc(&a, 500);
    assert_ptr_equal(p, q); /* the first block is kept */
    assert_true(all_zero(q, 500));

    int *xs = arena_array(&a, 100, sizeof(int));
    assert_non_null(xs);
    assert_true(all_zero(xs, 100 * sizeof(int)));
    arena_free(&a);
}

/* Allocations spread over many blocks keep their contents and never overlap. */
static void test_many_blocks(void **state)
{
    (void)state;
    arena a;
    arena_init(&a, 64, 0);
    enum { N = 2000 };
    unsigned char *ps[N];
    for (int i = 0; i < N; i++) {
        size_t n = (size_t)(i % 97) + 1;
        ps[i] = arena_alloc(&a, n);
        assert_non_null(ps[i]);
        memset(ps[i], i & 0xff, n);
    }
    for (int i = 0; i < N; i++) {
        size_t n = (size_t)(i % 97) + 1;
        for (size_t j = 0; j < n; j++)
            assert_int_equal(ps[i][j], i & 0xff);
    }
    /* larger than any block so far */
    unsigned char *big = arena_alloc(&a, 3u << 20);
    assert_non_null(big);
    assert_true(all_zero(big, 3u << 20));
    assert_int_equal((uintptr_t)big % 16, 0);
    arena_free(&a);
}

static void test_grow(void **state)
{
    (void)state;
    arena a;
    arena_init(&a, 4096, 0);

    /* the last allocation grows in place, keeps its bytes, and the new ones are zero */
    char *p = arena_alloc(&a, 10);
    memcpy(p, "abcdefghij", 10);
    char *q = arena_grow(&a, p, 10, 100);
    assert_ptr_equal(p, q);
    assert_memory_equal(q, "abcdefghij", 10);
    assert_true(all_zero(q + 10, 90));
    /* and shrinks in place: the next allocation follows it */
    q = arena_grow(&a, q, 100, 20);
    assert_ptr_equal(p, q);
    char *r = arena_alloc(&a, 1);
    assert_true(r >= q + 20 && r < q + 20 + 16);

    /* no longer the last allocation: copied */
    char *s = arena_grow(&a, q, 20, 200);
    assert_non_null(s);
    assert_ptr_not_equal(s, q);
    assert_memory_equal(s, "abcdefghij", 10);
    assert_true(all_zero(s + 20, 180));

    /* the last allocation, but the block is full: copied into a new block */
    char *t = arena_grow(&a, s, 200, 10000);
    assert_non_null(t);
    assert_ptr_not_equal(t, s);
    assert_memory_equal(t, "abcdefghij", 10);
    assert_true(all_zero(t + 200, 10000 - 200));

    /* NULL grows into a fresh allocation */
    char *u = arena_grow(&a, NULL, 0, 32);
    assert_non_null(u);
    assert_true(all_zero(u, 32));

    /* in place over memory dirtied before a reset: the extension is still zero */
    arena_reset(&a);
    char *v = arena_alloc(&a, 8);
    memset(v, 0x55, 8);
    arena_reset(&a);
    char *w = arena_alloc(&a, 4);
    memset(w, 0xaa, 4);
    char *x = arena_grow(&a, w, 4, 64);
    assert_ptr_equal(w, x);
    assert_true(all_zero(x + 4, 60));

    /* a string built by growing, as a string builder would */
    char *sb = arena_alloc(&a, 1);
    size_t len = 0, cap = 1;
    for (int i = 0; i < 1000; i++) {
        if (len + 2 > cap) {
            sb = arena_grow(&a, sb, cap, cap * 2);
            assert_non_null(sb);
            cap *= 2;
        }
        sb[len++] = (char)('a' + i % 26);
        sb[len] = '\0';
    }
    assert_int_equal(strlen(sb), 1000);
    assert_int_equal(sb[999], 'a' + 999 % 26);
    assert_false(arena_failed(&a));
    arena_free(&a);
}

static void test_strndup(void **state)
{
    (void)state;
    arena a;
    arena_init(&a, 0, 0);
    char *s = arena_strndup(&a, "hello, world", 5);
    assert_string_equal(s, "hello");
    char *e = arena_strndup(&a, "", 0);
    assert_string_equal(e, "");
    assert_ptr_not_equal(s, e);
    arena_free(&a);
}

static void test_overflow(void **state)
{
    (void)state;
    arena a;
    arena_init(&a, 0, 0);
    assert_null(arena_array(&a, SIZE_MAX / 2 + 1, 2));
    assert_true(arena_failed(&a));
    assert_null(arena_alloc(&a, 1)); /* sticky */
    arena_reset(&a);
    assert_false(arena_failed(&a));
    assert_null(arena_alloc(&a, SIZE_MAX - 8));
    assert_true(arena_failed(&a));
    arena_free(&a);
}

/* The limit bounds the bytes of all blocks; passing it fails, and keeps failing. */
static void test_limit(void **state)
{
    (void)state;
    arena a;
    arena_init(&a, 256, 4096);
    int n = 0;
    while (arena_alloc(&a, 100) != NULL) {
        n++;
        assert_true(n < 100);
    }
    assert_true(n >= 20); /* 4096 bytes hold at least twenty 100-byte allocations... */
    assert_true(n <= 40); /* ...and not many more */
    assert_true(arena_failed(&a));
    assert_true(a.used <= a.limit);
    assert_null(arena_alloc(&a, 1));       /* sticky, even when it would fit */
    assert_null(arena_strndup(&a, "x", 1));
    assert_null(arena_array(&a, 1, 1));
    char buf[8] = {0};
    assert_null(arena_grow(&a, buf, 8, 16));
    assert_true(arena_failed(&a));

    /* a single request beyond the limit */
    arena b;
    arena_init(&b, 256, 1000);
    assert_null(arena_alloc(&b, 2000));
    assert_true(arena_failed(&b));
    assert_null(arena_alloc(&b, 1));

    /* a reset arena starts afresh within the same limit */
    arena_reset(&a);
    assert_false(arena_failed(&a));
    assert_non_null(arena_alloc(&a, 100));
    arena_free(&a);
    arena_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alignment), cmocka_unit_test(test_zeroing),
        cmocka_unit_test(test_many_blocks), cmocka_unit_test(test_grow),
        cmocka_unit_test(test_strndup),     cmocka_unit_test(test_overflow),
        cmocka_unit_test(test_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

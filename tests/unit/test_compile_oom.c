/*
 * test_compile_oom.c — compiling when memory runs out: TF_ENOMEM, never a crash, never
 * "the rules are wrong".
 *
 * The test is linked with the allocator wrapped (-Wl,--wrap=malloc and the others, see
 * tests/CMakeLists.txt): every allocation the library makes passes through a counter
 * here, which makes the n-th fail. tf_compile of the China entry set (case.rules and
 * cn/entry.rules) is run with n = 1, 2, 3 ... until it succeeds: each earlier run must
 * return TF_ENOMEM with no rule set, and then the run that has its memory must compile.
 * Under `make asan` the same loop also shows that no failure path leaks or reads freed
 * memory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/bundled.h"
#include "talentflow.h"

/* The allocation that fails: the fail_at-th from when fail_at was set (0: none). */
static long fail_at, counted;

static int failing(void) { return fail_at && ++counted == fail_at; }

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
void *__real_aligned_alloc(size_t align, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);
void *__wrap_aligned_alloc(size_t align, size_t n);

void *__wrap_malloc(size_t n) { return failing() ? NULL : __real_malloc(n); }
void *__wrap_calloc(size_t n, size_t size) { return failing() ? NULL : __real_calloc(n, size); }
void *__wrap_realloc(void *p, size_t n) { return failing() ? NULL : __real_realloc(p, n); }
void *__wrap_aligned_alloc(size_t align, size_t n) { return failing() ? NULL : __real_aligned_alloc(align, n); }

/* The bundled source called name. */
static tf_source source(const char *name) {
    for (size_t i = 0; i < tf_bundled_count; i++)
        if (!strcmp(tf_bundled_sources[i].name, name)) return tf_bundled_sources[i];
    fail_msg("no bundled %s", name);
    return (tf_source){0};
}

static void test_every_allocation_failing(void **state) {
    (void)state;
    tf_source set[2] = {source("rulebooks/case.rules"), source("rulebooks/cn/entry.rules")};
    long n = 1;
    for (;; n++) {
        tf_rules *r = NULL;
        tf_diags *d = NULL;
        counted = 0, fail_at = n;
        tf_rc rc = tf_compile(set, 2, &r, &d);
        fail_at = 0;
        int reached = counted >= n; /* the n-th allocation happened, and failed */
        tf_diags_free(d);
        if (!reached) { /* every allocation succeeded: the compilation must have */
            assert_int_equal(rc, TF_OK);
            assert_non_null(r);
            tf_rules_free(r);
            break;
        }
        if (rc != TF_ENOMEM || r) fail_msg("allocation %ld failing: %s, rules %p", n, tf_strerror(rc), (void *)r);
    }
    assert_true(n > 20); /* the compilation allocates (a sanity check of the wrapping) */
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_allocation_failing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_compile_oom.c — compiling when memory runs out: TF_ENOMEM, never a crash, never
 * "the rules are wrong".
 *
 * The test is linked with the allocator wrapped (tests/fail_alloc.h), which makes the
 * n-th allocation the library makes fail. tf_compile of the China entry set (case.rules
 * and cn/entry.rules) is run with n = 1, 2, 3 ... until it succeeds: each earlier run
 * must return TF_ENOMEM with no rule set, and then the run that has its memory must
 * compile.
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

#include "../fail_alloc.h"
#include "base/bundled.h"
#include "talentflow.h"

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
        fail_alloc_at(n);
        tf_rc rc = tf_compile(set, 2, &r, &d);
        int reached = fail_alloc_reached();
        fail_alloc_at(0);
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

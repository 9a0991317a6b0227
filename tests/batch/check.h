/*
 * check.h — the batch tests' check: a failed condition is reported with its place and
 * a message, and counted; the test goes on, and exits non-zero at the end if any failed.
 */
#ifndef TF_TEST_BATCH_CHECK_H
#define TF_TEST_BATCH_CHECK_H

#include <stdio.h>

#include "talentflow.h"

static int failures, checks;

#define CHECK(cond, ...)                                    \
    do {                                                    \
        checks++;                                           \
        if (!(cond)) {                                      \
            failures++;                                     \
            fprintf(stderr, "%s:%d: ", __FILE__, __LINE__); \
            fprintf(stderr, __VA_ARGS__);                   \
            fputc('\n', stderr);                            \
        }                                                   \
    } while (0)

/* The bundled rules, or NULL with their diagnostics printed (the test then exits 2). */
static inline tf_rules *bundled_rules(void) {
    tf_rules *r = NULL;
    tf_diags *d = NULL;
    if (tf_rules_load_bundled(&r, &d) != TF_OK) {
        tf_diags_print(d, stderr);
        r = NULL;
    }
    tf_diags_free(d);
    return r;
}

#endif

/*
 * check.h — the batch tests' check: a failed condition is reported with its place and
 * a message, and counted; the test goes on, and exits non-zero at the end if any failed.
 */
#ifndef TF_TEST_BATCH_CHECK_H
#define TF_TEST_BATCH_CHECK_H

#include <stdio.h>

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

#endif

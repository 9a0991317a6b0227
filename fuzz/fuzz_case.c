/*
 * fuzz_case.c — libFuzzer target for the case reader and the entry decision.
 *
 * Each input is read as a case document (JSON) with tf_case_parse_json against the
 * bundled rulebooks, compiled once; a case that reads is decided with tf_check, as of its
 * own entry date and as of a fixed date, into one tf_decision reused for every input (as
 * a server would), and the decision is rendered as JSON and as text. Whatever the bytes,
 * the result must be a case or one error message, then a decision or one error: never a
 * crash, a leak, an out-of-bounds access or undefined behaviour (ASan and UBSan are on).
 * The input is passed as libFuzzer gives it, not NUL-terminated, as the API allows.
 * Built only with -DTF_FUZZ=ON and clang:
 *
 *   ./build-fuzz/fuzz_case -max_total_time=300 fuzz/corpus-case
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "talentflow.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static tf_rules *rules;
static tf_decision *decision;
static FILE *devnull;

/* The shared state, made on the first input; kept for the life of the process. */
static void setup(void)
{
    if (rules)
        return;
    tf_diags *diags = NULL;
    if (tf_rules_load_bundled(&rules, &diags) != TF_OK) {
        tf_diags_print(diags, stderr);
        abort(); /* the bundled rulebooks must compile */
    }
    tf_diags_free(diags);
    decision = tf_decision_new();
    devnull = fopen("/dev/null", "w");
    if (!decision || !devnull)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    setup();
    tf_case *c = NULL;
    char err[256];
    tf_rc rc = tf_case_parse_json(rules, (const char *)data, size, &c, err, sizeof err);
    if (rc != TF_OK) {
        if (c != NULL || memchr(err, 0, sizeof err) == NULL)
            abort(); /* a failed read leaves no case and a terminated message */
        return 0;
    }
    tf_date fixed;
    if (!tf_date_parse("2025-03-10", &fixed))
        abort();
    const tf_date dates[] = {TF_DATE_DEFAULT, fixed};
    for (size_t i = 0; i < sizeof dates / sizeof dates[0]; i++) {
        rc = tf_check(rules, c, dates[i], decision);
        if (rc == TF_OK) {
            if (tf_decision_outcome(decision) == NULL)
                abort();
            char *json = tf_decision_json(decision);
            free(json);
            tf_decision_print(decision, devnull);
        } else if (tf_decision_error(decision) == NULL) {
            abort();
        }
    }
    tf_case_free(c);
    return 0;
}

/*
 * fuzz_parse.c — libFuzzer target for the front end (lexer, parser, checker, compiler).
 *
 * Each input is compiled as one more rulebook beside the bundled case schema
 * (rulebooks/case.rules), through the public tf_compile, so every phase a user's file
 * reaches is exercised. Any input must end in a rule set or in diagnostics: never a
 * crash, a leak, an out-of-bounds access or undefined behaviour (ASan and UBSan are on).
 * Built only with -DTF_FUZZ=ON and clang; run by `make fuzz`.
 */
#include <stddef.h>
#include <stdint.h>

#include "base/bundled.h"
#include "talentflow.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tf_source srcs[2];
    size_t n = 0;
    if (tf_bundled_count > 0)
        srcs[n++] = tf_bundled_sources[0];
    srcs[n++] = (tf_source){"fuzz.rules", (const char *)data, size};

    tf_rules *rules = NULL;
    tf_diags *diags = NULL;
    tf_compile(srcs, n, &rules, &diags);
    if (rules != NULL)
        tf_rules_free(rules);
    if (diags != NULL)
        tf_diags_free(diags);
    return 0;
}

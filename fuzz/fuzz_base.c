/*
 * fuzz_base.c — libFuzzer target for the strict parsers of src/base: date_parse,
 * time_parse and country_find on arbitrary bytes. Whatever they accept must format back
 * to the same text (dates) or be in range (times, countries). Built only with
 * -DTF_FUZZ=ON and clang: ./build-fuzz/fuzz_base -max_total_time=60
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/country.h"
#include "base/date.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    int32_t d;
    if (date_parse(s, size, &d)) {
        char buf[11];
        if (d < DATE_MIN || d > DATE_MAX || memcmp(date_format(d, buf), s, 10) != 0)
            abort();
    }
    int32_t t;
    if (time_parse(s, size, &t) && (t < 0 || t >= 24 * 60))
        abort();
    int c = country_find(s, size);
    if (c >= 0 && memcmp(country_at(c)->code, s, 2) != 0)
        abort();
    return 0;
}

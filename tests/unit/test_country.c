/*
 * test_country.c — unit tests of src/base/country.c and its generated table.
 *
 * The table's size, the traps named in the data's README (Namibia is "NA"; Kosovo "XK"
 * is added), the territories that visa rules name separately (Hong Kong, Macao, Taiwan),
 * the sorted order that makes an index stable, and what country_find refuses.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/country.h"

static void expect_country(const char *code, const char *name, const char *iso3)
{
    int i = country_find(code, strlen(code));
    if (i < 0)
        fail_msg("%s not found", code);
    const country_info *c = country_at(i);
    assert_non_null(c);
    assert_string_equal(c->code, code);
    assert_string_equal(c->name, name);
    assert_string_equal(c->iso3, iso3);
}

static void test_count(void **state)
{
    (void)state;
    assert_true(country_count() >= 250);
    assert_true(country_count() <= COUNTRY_MAX);
}

static void test_known(void **state)
{
    (void)state;
    expect_country("NA", "Namibia", "NAM");
    expect_country("XK", "Kosovo", "XKX");
    expect_country("HK", "Hong Kong", "HKG");
    expect_country("MO", "Macao", "MAC");
    expect_country("TW", "Taiwan", "TWN");
    expect_country("CN", "China", "CHN");
    expect_country("FR", "France", "FRA");
    expect_country("AD", "Andorra", "AND");
    expect_country("ZW", "Zimbabwe", "ZWE");
}

static void test_not_found(void **state)
{
    (void)state;
    assert_int_equal(country_find("ZZ", 2), -1);
    assert_int_equal(country_find("fr", 2), -1);
    assert_int_equal(country_find("Fr", 2), -1);
    assert_int_equal(country_find("FRA", 3), -1);
    assert_int_equal(country_find("F", 1), -1);
    assert_int_equal(country_find("", 0), -1);
    assert_int_equal(country_find(NULL, 2), -1);
    assert_int_equal(country_find("@A", 2), -1);
    assert_int_equal(country_find("A[", 2), -1);
    assert_int_equal(country_find("\xc3\x85X", 2), -1);
    /* only len bytes count */
    assert_int_equal(country_find("FRA", 2), country_find("FR", 2));
    assert_null(country_at(-1));
    assert_null(country_at(country_count()));
}

/* Sorted strictly by code, well-formed, and country_find is the inverse of country_at. */
static void test_index_order(void **state)
{
    (void)state;
    int n = country_count();
    for (int i = 0; i < n; i++) {
        const country_info *c = country_at(i);
        assert_non_null(c);
        assert_int_equal(strlen(c->code), 2);
        assert_true(c->code[0] >= 'A' && c->code[0] <= 'Z');
        assert_true(c->code[1] >= 'A' && c->code[1] <= 'Z');
        assert_int_equal(strlen(c->iso3), 3);
        assert_true(strlen(c->name) > 0);
        assert_int_equal(country_find(c->code, 2), i);
        if (i > 0)
            assert_true(strcmp(country_at(i - 1)->code, c->code) < 0);
    }
    /* every two-letter code not in the table is refused */
    int found = 0;
    for (char x = 'A'; x <= 'Z'; x++) {
        for (char y = 'A'; y <= 'Z'; y++) {
            char code[2] = {x, y};
            int i = country_find(code, 2);
            if (i >= 0) {
                assert_memory_equal(country_at(i)->code, code, 2);
                found++;
            }
        }
    }
    assert_int_equal(found, n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_count),
        cmocka_unit_test(test_known),
        cmocka_unit_test(test_not_found),
        cmocka_unit_test(test_index_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_rulebooks.c — describing a rule set's rulebooks (tf_rules_rulebook,
 * tf_rules_citation), over the bundled rule set.
 *
 * Every rulebook is numbered and described (kind, destination, counts); a rulebook's
 * sources come back in the order declared, each with every URL; indexes past the last
 * are refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "talentflow.h"

static void test_bundled_catalog(void **state)
{
    (void)state;
    tf_rules *r = NULL;
    assert_int_equal(tf_rules_load_bundled(&r, NULL), TF_OK);
    size_t n = tf_rules_rulebook_count(r);
    assert_true(n > 10);
    bool cn = false, crs = false, ilr = false;
    for (size_t i = 0; i < n; i++) {
        tf_rulebook rb;
        assert_true(tf_rules_rulebook(r, i, &rb));
        assert_non_null(rb.id);
        assert_non_null(rb.title);
        assert_non_null(rb.file);
        assert_true((rb.destination != NULL) == (strcmp(rb.kind, "entry") == 0) ||
                    strcmp(rb.kind, "points") == 0 || strcmp(rb.kind, "pathway") == 0);
        size_t j = 0;
        tf_citation c;
        for (; tf_rules_citation(r, i, j, &c); j++) {
            assert_non_null(c.id);
            assert_non_null(c.title);
            assert_non_null(c.date);
            for (size_t u = 0; u < c.nurls; u++)
                assert_non_null(c.urls[u]);
        }
        assert_int_equal(j, rb.nsources);
        if (strcmp(rb.id, "cn.entry") == 0) {
            cn = true;
            assert_string_equal(rb.kind, "entry");
            assert_string_equal(rb.destination, "CN");
            assert_string_equal(rb.file, "rulebooks/cn/entry.rules");
            assert_non_null(rb.otherwise);
            assert_true(rb.nrules > 0);
            /* the first source declared in rulebooks/cn/entry.rules */
            assert_true(tf_rules_citation(r, i, 0, &c));
            assert_string_equal(c.id, "u-sgbn");
            assert_string_equal(c.date, "2023-07-23");
            assert_true(c.nurls >= 2);
            assert_memory_equal(c.urls[0], "https://", 8);
        }
        if (strcmp(rb.id, "ca.crs") == 0) {
            crs = true;
            assert_string_equal(rb.kind, "points");
        }
        if (strcmp(rb.id, "gb.ilr") == 0) {
            ilr = true;
            assert_string_equal(rb.kind, "pathway");
        }
    }
    assert_true(cn && crs && ilr);
    tf_rulebook rb = {.id = "untouched"};
    tf_citation c;
    assert_false(tf_rules_rulebook(r, n, &rb));
    assert_string_equal(rb.id, "untouched");
    assert_false(tf_rules_citation(r, n, 0, &c));
    assert_false(tf_rules_citation(r, 0, 100000, &c));
    tf_rules_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bundled_catalog),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

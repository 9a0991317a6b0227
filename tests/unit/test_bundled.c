/*
 * test_bundled.c — the rulebooks embedded by cmake/embed.cmake.
 *
 * The generated table must hold every .rules file under rulebooks/, byte for byte, each
 * NUL-terminated, named relative to the repository root, rulebooks/case.rules first and
 * the rest in name order. The files are read back from TF_SOURCE_DIR (set by
 * tests/CMakeLists.txt) and compared with what was compiled in. The set without the
 * world pack (tf_rules_load_bundled_without_world) is the whole set less that pack; the
 * set of some rulebooks (tf_rules_load_bundled_only) is case.rules and those, found by
 * their paths, which every bundled rulebook's ID matches; all three have one version.
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

#ifndef TF_SOURCE_DIR
#error "TF_SOURCE_DIR must be the repository root"
#endif

/* The whole file at TF_SOURCE_DIR/rel, malloc'd; *len is its size. NULL if unreadable. */
static char *read_source(const char *rel, size_t *len)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", TF_SOURCE_DIR, rel);
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    size_t got;
    while (buf != NULL && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            char *bigger = realloc(buf, cap * 2);
            if (bigger == NULL) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = bigger;
            cap *= 2;
        }
    }
    fclose(f);
    *len = n;
    return buf;
}

static void test_case_rules_first(void **state)
{
    (void)state;
    assert_true(tf_bundled_count >= 1);
    assert_string_equal(tf_bundled_sources[0].name, "rulebooks/case.rules");
}

static void test_order_and_names(void **state)
{
    (void)state;
    for (size_t i = 0; i < tf_bundled_count; i++) {
        const char *name = tf_bundled_sources[i].name;
        assert_non_null(name);
        assert_int_equal(strncmp(name, "rulebooks/", 10), 0);
        size_t n = strlen(name);
        assert_true(n > 6 && strcmp(name + n - 6, ".rules") == 0);
        if (i >= 2)
            assert_true(strcmp(tf_bundled_sources[i - 1].name, name) < 0);
    }
}

static void test_bytes_match_files(void **state)
{
    (void)state;
    for (size_t i = 0; i < tf_bundled_count; i++) {
        const tf_source *s = &tf_bundled_sources[i];
        size_t len = 0;
        char *text = read_source(s->name, &len);
        if (text == NULL)
            fail_msg("cannot read %s/%s", TF_SOURCE_DIR, s->name);
        assert_int_equal(s->len, len);
        assert_memory_equal(s->text, text, len);
        assert_int_equal(s->text[s->len], '\0');
        free(text);
    }
}

/* tf_rules_load_bundled_without_world: every rulebook of the whole set but those of
 * rulebooks/world/, in the same order and of the same kinds — every scheme and route
 * among them, and cn/entry.rules with its ports — and nothing of the world pack. */
static void test_without_world(void **state)
{
    (void)state;
    tf_rules *all = NULL, *some = NULL;
    assert_int_equal(tf_rules_load_bundled(&all, NULL), TF_OK);
    assert_int_equal(tf_rules_load_bundled_without_world(&some, NULL), TF_OK);
    size_t j = 0, world = 0, kept_entry = 0;
    for (size_t i = 0; i < tf_rules_rulebook_count(all); i++) {
        tf_rulebook a, b;
        assert_true(tf_rules_rulebook(all, i, &a));
        if (!strncmp(a.file, "rulebooks/world/", 16)) {
            world++;
            continue;
        }
        assert_true(tf_rules_rulebook(some, j++, &b));
        assert_string_equal(a.id, b.id);
        assert_string_equal(a.kind, b.kind);
        assert_string_equal(a.file, b.file);
        kept_entry += !strcmp(a.kind, "entry");
    }
    assert_int_equal(j, tf_rules_rulebook_count(some));
    assert_true(world > 150);    /* the pack was there to leave out */
    assert_true(kept_entry > 0); /* the countries' own entry rulebooks stay (cn.entry's ports) */
    assert_string_equal(tf_rules_version(all), tf_rules_version(some));
    tf_rules_free(all);
    tf_rules_free(some);
}

/* Every bundled rulebook's ID is its path under rulebooks/ with '.' for '/', as
 * tf_rules_load_bundled_only finds it (the schema, case.rules, included). */
static void test_ids_are_paths(void **state)
{
    (void)state;
    tf_rules *all = NULL;
    assert_int_equal(tf_rules_load_bundled(&all, NULL), TF_OK);
    assert_int_equal(tf_rules_rulebook_count(all), tf_bundled_count);
    for (size_t i = 0; i < tf_rules_rulebook_count(all); i++) {
        tf_rulebook b;
        assert_true(tf_rules_rulebook(all, i, &b));
        char want[256];
        snprintf(want, sizeof want, "rulebooks/%s.rules", b.id);
        for (char *p = want + 10; *p && strcmp(p, ".rules"); p++)
            if (*p == '.') *p = '/';
        assert_string_equal(b.file, want);
    }
    tf_rules_free(all);
}

/* tf_rules_load_bundled_only: the rulebooks named, in the table's order, whatever the
 * order asked; an ID that names none is left out (and so is a prefix of a path, and
 * "world", a folder); none at all is case.rules alone. The version is the whole set's. */
static void test_only(void **state)
{
    (void)state;
    tf_rules *all = NULL, *some = NULL;
    assert_int_equal(tf_rules_load_bundled(&all, NULL), TF_OK);
    const char *ids[] = {"gb.ilr", "ca.crs", "xx.nothing", "ca", "world", "ca.cr", "world.fr"};
    assert_int_equal(tf_rules_load_bundled_only(ids, 7, &some, NULL), TF_OK);
    assert_int_equal(tf_rules_rulebook_count(some), 4);
    const char *want[][2] = {{"case", "other"}, {"ca.crs", "points"}, {"gb.ilr", "pathway"}, {"world.fr", "entry"}};
    for (size_t i = 0; i < 4; i++) {
        tf_rulebook b;
        assert_true(tf_rules_rulebook(some, i, &b));
        assert_string_equal(b.id, want[i][0]);
        assert_string_equal(b.kind, want[i][1]);
    }
    assert_string_equal(tf_rules_version(all), tf_rules_version(some));
    tf_rules_free(some);
    some = NULL;
    assert_int_equal(tf_rules_load_bundled_only(NULL, 0, &some, NULL), TF_OK);
    assert_int_equal(tf_rules_rulebook_count(some), 1); /* case.rules */
    assert_string_equal(tf_rules_version(all), tf_rules_version(some));
    tf_rules_free(some);
    tf_rules_free(all);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_case_rules_first),
        cmocka_unit_test(test_order_and_names),
        cmocka_unit_test(test_bytes_match_files),
        cmocka_unit_test(test_without_world),
        cmocka_unit_test(test_ids_are_paths),
        cmocka_unit_test(test_only),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

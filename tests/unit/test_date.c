/*
 * test_date.c — unit tests of src/base/date.c.
 *
 * Leap years, the validity of calendar dates, day numbers checked against values
 * computed independently (Python's datetime: (date(y, m, d) - date(1970, 1, 1)).days),
 * a round trip over every day from 1900 to 2100, ages around birthdays, and the strict
 * parsing of dates and times.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "base/date.h"

static void test_leap_years(void **state)
{
    (void)state;
    assert_false(date_is_leap(1900));
    assert_true(date_is_leap(2000));
    assert_true(date_is_leap(2024));
    assert_false(date_is_leap(2025));
    assert_false(date_is_leap(2100));
    assert_int_equal(date_days_in_month(1900, 2), 28);
    assert_int_equal(date_days_in_month(2000, 2), 29);
    assert_int_equal(date_days_in_month(2024, 2), 29);
    assert_int_equal(date_days_in_month(2025, 2), 28);
    assert_int_equal(date_days_in_month(2025, 4), 30);
    assert_int_equal(date_days_in_month(2025, 12), 31);
    assert_int_equal(date_days_in_month(2025, 0), 0);
    assert_int_equal(date_days_in_month(2025, 13), 0);
}

static void test_valid(void **state)
{
    (void)state;
    assert_true(date_valid(2024, 2, 29));
    assert_false(date_valid(2025, 2, 29));
    assert_false(date_valid(2025, 2, 30));
    assert_false(date_valid(1900, 2, 29));
    assert_true(date_valid(2000, 2, 29));
    assert_false(date_valid(2025, 4, 31));
    assert_false(date_valid(2025, 0, 1));
    assert_false(date_valid(2025, 13, 1));
    assert_false(date_valid(2025, 1, 0));
    assert_true(date_valid(1000, 1, 1));
    assert_true(date_valid(9999, 12, 31));
    assert_false(date_valid(999, 12, 31));
    assert_false(date_valid(10000, 1, 1));
}

/* Expected values computed with Python's datetime, not with this code. */
static void test_known_day_numbers(void **state)
{
    (void)state;
    assert_int_equal(date_from_ymd(1970, 1, 1), 0);
    assert_int_equal(date_from_ymd(1969, 12, 31), -1);
    assert_int_equal(date_from_ymd(2000, 3, 1), 11017);
    assert_int_equal(date_from_ymd(2024, 12, 17), 20074);
    assert_int_equal(date_from_ymd(2025, 3, 10), 20157);
    assert_int_equal(date_from_ymd(1900, 1, 1), -25567);
    assert_int_equal(date_from_ymd(2100, 12, 31), 47846);
    assert_int_equal(date_from_ymd(1000, 1, 1), DATE_MIN);
    assert_int_equal(date_from_ymd(9999, 12, 31), DATE_MAX);

    int y, m, d;
    date_to_ymd(20074, &y, &m, &d);
    assert_int_equal(y, 2024);
    assert_int_equal(m, 12);
    assert_int_equal(d, 17);
    date_to_ymd(-1, &y, &m, &d);
    assert_int_equal(y, 1969);
    assert_int_equal(m, 12);
    assert_int_equal(d, 31);
}

/* Walks the calendar day by day with date_days_in_month and checks every conversion
 * against the walk: from_ymd, to_ymd, format and parse agree on all 73,414 days. */
static void test_round_trip_1900_2100(void **state)
{
    (void)state;
    int32_t day = -25567; /* 1900-01-01 */
    int count = 0;
    for (int y = 1900; y <= 2100; y++) {
        for (int m = 1; m <= 12; m++) {
            for (int d = 1; d <= date_days_in_month(y, m); d++) {
                assert_true(date_valid(y, m, d));
                assert_int_equal(date_from_ymd(y, m, d), day);
                int yy, mm, dd;
                date_to_ymd(day, &yy, &mm, &dd);
                assert_int_equal(yy, y);
                assert_int_equal(mm, m);
                assert_int_equal(dd, d);
                char buf[11];
                date_format(day, buf);
                assert_int_equal(strlen(buf), 10);
                int32_t back = 0;
                assert_true(date_parse(buf, 10, &back));
                assert_int_equal(back, day);
                day++;
                count++;
            }
        }
    }
    assert_int_equal(day - 1, 47846); /* 2100-12-31 */
    assert_int_equal(count, 73414);
}

/* date_parse counts days its own way (one way for 1901..2099, another for the other
 * years), date_from_ymd by era arithmetic: the two agree on every day of years
 * 1000..9999, and date_parse refuses exactly what date_valid refuses (month 0 and 13, day
 * 0, a 29 February outside leap years — 1900 and 2100 among them —, day 32 ...). */
static void test_parse_every_day(void **state)
{
    (void)state;
    char buf[16];
    for (int y = 1000; y <= 9999; y++)
        for (int m = 0; m <= 13; m++)
            for (int d = 0; d <= 32; d++) {
                snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
                int32_t got = 0;
                bool ok = date_parse(buf, 10, &got);
                assert_int_equal(ok, date_valid(y, m, d));
                if (ok)
                    assert_int_equal(got, date_from_ymd(y, m, d));
            }
    int32_t d;
    assert_false(date_parse("0999-12-31", 10, &d));
    assert_false(date_parse("2025-1a-01", 10, &d));
    assert_false(date_parse("2025-01-0 ", 10, &d));
    assert_false(date_parse("2025/01/01", 10, &d));
    assert_false(date_parse("+025-01-01", 10, &d));
}

/* The reading the fast date_parse must equal: each byte on its own. */
static bool parse_plain(const char *s, int32_t *out)
{
    for (int i = 0; i < 10; i++)
        if (i == 4 || i == 7 ? s[i] != '-' : s[i] < '0' || s[i] > '9')
            return false;
    int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    int m = (s[5] - '0') * 10 + (s[6] - '0'), d = (s[8] - '0') * 10 + (s[9] - '0');
    if (!date_valid(y, m, d))
        return false;
    *out = date_from_ymd(y, m, d);
    return true;
}

/* Every byte value at every position of dates at the edges (a leap day, the ends of the
 * range, a month's last day): date_parse reads the ten bytes at once, and no byte may be
 * taken for a digit or a dash that is not one (0x3A-0x3F, 0x2F, 0xB0 ...). */
static void test_parse_every_byte(void **state)
{
    (void)state;
    static const char *const dates[] = {"2024-02-29", "1000-01-01", "9999-12-31", "1999-09-30", "2000-02-29"};
    for (size_t i = 0; i < sizeof dates / sizeof dates[0]; i++)
        for (int at = 0; at < 10; at++)
            for (int b = 0; b < 256; b++) {
                char buf[11];
                memcpy(buf, dates[i], 11);
                buf[at] = (char)b;
                int32_t got = -1, want = -1;
                bool ok = date_parse(buf, 10, &got), ok_plain = parse_plain(buf, &want);
                if (ok != ok_plain || got != (ok ? want : -1))
                    fail_msg("date_parse(\"%s\" with byte %d = 0x%02X): %d %d, want %d %d", dates[i], at, b, ok,
                             got, ok_plain, want);
            }
}

static void test_parse(void **state)
{
    (void)state;
    int32_t d = 0;
    assert_true(date_parse("2024-02-29", 10, &d));
    assert_int_equal(d, date_from_ymd(2024, 2, 29));
    assert_true(date_parse("2024-12-17", 10, &d));
    assert_int_equal(d, 20074);
    assert_true(date_parse("1000-01-01", 10, &d));
    assert_int_equal(d, DATE_MIN);
    assert_true(date_parse("9999-12-31", 10, &d));
    assert_int_equal(d, DATE_MAX);
    /* only the first len bytes are read */
    assert_true(date_parse("2025-01-01x", 10, &d));
    assert_int_equal(d, date_from_ymd(2025, 1, 1));

    static const char *const bad[] = {
        "2025-02-29", "2025-02-30", "1900-02-29", "2025-04-31", "2025-13-01",
        "2025-00-10", "2025-01-00", "2025-01-32", "0999-12-31", "2025-1-01",
        "2025-01-1",  "25-01-01",   "2025/01/01", "2025-01-01x", " 2025-01-0",
        "+025-01-01", "2025-0a-01", "2025--1-01", "",           "2025-01-01 ",
        "20250101",   "2025-01-01T00:00",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int32_t out = 12345;
        if (date_parse(bad[i], strlen(bad[i]), &out))
            fail_msg("date_parse accepted \"%s\"", bad[i]);
        assert_int_equal(out, 12345); /* untouched */
    }
    int32_t out = 12345;
    assert_false(date_parse("2025-01-01", 9, &out));
    assert_false(date_parse("2025-01-01", 11, &out));
    assert_false(date_parse(NULL, 10, &out));
    assert_false(date_parse("2025-01-\0001", 10, &out));
    assert_int_equal(out, 12345);
}

static void test_format(void **state)
{
    (void)state;
    char buf[11];
    assert_string_equal(date_format(0, buf), "1970-01-01");
    assert_string_equal(date_format(11017, buf), "2000-03-01");
    assert_string_equal(date_format(DATE_MIN, buf), "1000-01-01");
    assert_string_equal(date_format(DATE_MAX, buf), "9999-12-31");
    assert_string_equal(date_format(DATE_NONE, buf), "?\?\?\?-\?\?-\?\?");
    assert_string_equal(date_format(INT32_MAX, buf), "?\?\?\?-\?\?-\?\?");
}

static void test_time_parse(void **state)
{
    (void)state;
    int32_t t = -1;
    assert_true(time_parse("23:59", 5, &t));
    assert_int_equal(t, 23 * 60 + 59);
    assert_true(time_parse("00:00", 5, &t));
    assert_int_equal(t, 0);
    assert_true(time_parse("12:30", 5, &t));
    assert_int_equal(t, 750);

    static const char *const bad[] = {"24:00", "12:60", "1:00",  "12:0",  "12-00",
                                      "ab:cd", "12:00 ", " 1:00", "",     "-1:00"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int32_t out = 777;
        if (time_parse(bad[i], strlen(bad[i]), &out))
            fail_msg("time_parse accepted \"%s\"", bad[i]);
        assert_int_equal(out, 777);
    }
}

static void test_age(void **state)
{
    (void)state;
    int32_t birth = date_from_ymd(2000, 6, 15);
    assert_int_equal(date_age(birth, birth), 0);
    assert_int_equal(date_age(birth, date_from_ymd(2025, 6, 14)), 24);
    assert_int_equal(date_age(birth, date_from_ymd(2025, 6, 15)), 25);
    assert_int_equal(date_age(birth, date_from_ymd(2025, 6, 16)), 25);
    assert_int_equal(date_age(birth, date_from_ymd(2001, 6, 14)), 0);
    assert_int_equal(date_age(birth, date_from_ymd(2001, 6, 15)), 1);
    assert_true(date_age(birth, birth - 1) < 0);
    assert_true(date_age(birth, date_from_ymd(1999, 12, 31)) < 0);

    /* born on 29 February: a year older on 1 March in common years */
    int32_t leap = date_from_ymd(2004, 2, 29);
    assert_int_equal(date_age(leap, date_from_ymd(2025, 2, 28)), 20);
    assert_int_equal(date_age(leap, date_from_ymd(2025, 3, 1)), 21);
    assert_int_equal(date_age(leap, date_from_ymd(2024, 2, 28)), 19);
    assert_int_equal(date_age(leap, date_from_ymd(2024, 2, 29)), 20);
    assert_int_equal(date_age(leap, date_from_ymd(2005, 2, 28)), 0);
    assert_int_equal(date_age(leap, date_from_ymd(2005, 3, 1)), 1);

    /* born on 31 December, 1 January */
    assert_int_equal(date_age(date_from_ymd(1990, 12, 31), date_from_ymd(2025, 12, 30)), 34);
    assert_int_equal(date_age(date_from_ymd(1990, 12, 31), date_from_ymd(2025, 12, 31)), 35);
    assert_int_equal(date_age(date_from_ymd(1991, 1, 1), date_from_ymd(2025, 12, 31)), 34);
}

static void test_today(void **state)
{
    (void)state;
    int32_t t = date_today();
    assert_true(t >= 19723); /* 2024-01-01: this code was written later */
    assert_true(t <= DATE_MAX);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_leap_years),
        cmocka_unit_test(test_valid),
        cmocka_unit_test(test_known_day_numbers),
        cmocka_unit_test(test_round_trip_1900_2100),
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_parse_every_day),
        cmocka_unit_test(test_parse_every_byte),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_time_parse),
        cmocka_unit_test(test_age),
        cmocka_unit_test(test_today),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

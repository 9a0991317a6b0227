/*
 * date.c — civil dates as day numbers, and times of day as minutes.
 *
 * Every date the engine handles — a rule's from/until, a case's birth and entry dates,
 * the as-of date of a query — passes through here once, when it is read, and is an
 * int32_t from then on. The conversions use the closed-form civil calendar algorithms
 * (H. Hinnant, "chrono-Compatible Low-Level Date Algorithms"): no tables, no loops, no
 * dependence on the C library's time zone or locale. Parsing is strict because a date
 * that is silently "corrected" (2025-02-30 read as 2025-03-02) would move a rule's start
 * without anyone noticing; a rulebook or case with such a date must be rejected instead.
 */
#include "base/date.h"

#include <string.h>

#include <time.h>

/* Floor division, for day and era arithmetic on negative numbers. */
static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0)))
        q--;
    return q;
}

bool date_is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* The number of days in month m (1..12) of year y; 0 for a month out of range. */
int date_days_in_month(int y, int m)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12)
        return 0;
    if (m == 2 && date_is_leap(y))
        return 29;
    return days[m - 1];
}

bool date_valid(int y, int m, int d)
{
    if (y < 1000 || y > 9999)
        return false;
    if (m < 1 || m > 12)
        return false;
    return d >= 1 && d <= date_days_in_month(y, m);
}

/* Days since 1970-01-01 of y-m-d. Counts years from 1 March so that the leap day is
 * the last day of the counted year; an era is the 400-year Gregorian cycle of 146097
 * days. Correct for any valid proleptic Gregorian date, not only 1000..9999. */
int32_t date_from_ymd(int y, int m, int d)
{
    int64_t yy = (int64_t)y - (m <= 2);
    int64_t era = floor_div(yy, 400);
    int64_t yoe = yy - era * 400;                                  /* [0, 399] */
    int64_t mp = (m + 9) % 12;                                     /* March = 0 */
    int64_t doy = (153 * mp + 2) / 5 + d - 1;                      /* [0, 365] */
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;           /* [0, 146096] */
    return (int32_t)(era * 146097 + doe - 719468);
}

/* The inverse of date_from_ymd, for any day number. */
void date_to_ymd(int32_t day, int *y, int *m, int *d)
{
    int64_t z = (int64_t)day + 719468;
    int64_t era = floor_div(z, 146097);
    int64_t doe = z - era * 146097;                                       /* [0, 146096] */
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);                /* [0, 365] */
    int64_t mp = (5 * doy + 2) / 153;                                     /* [0, 11] */
    int64_t dd = doy - (153 * mp + 2) / 5 + 1;
    int64_t mm = mp < 10 ? mp + 3 : mp - 9;
    *y = (int)(yoe + era * 400 + (mm <= 2));
    *m = (int)mm;
    *d = (int)dd;
}

/* The value of n decimal digits at s, or -1 when any of them is not a digit. */
static int parse_digits(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

/* date_parse is defined in date.h (inline: the batch reads millions of dates); its
 * one external definition: */
extern inline bool date_parse(const char *s, size_t len, int32_t *out);

/* Writes n decimal digits of v (0 <= v < 10^n) at p. */
static void put_digits(char *p, int v, int n)
{
    for (int i = n - 1; i >= 0; i--) {
        p[i] = (char)('0' + v % 10);
        v /= 10;
    }
}

/* A day whose year does not fit in four digits (DATE_NONE among them) is written as
 * YYYY-MM-DD with a question mark for every digit, so the buffer never overflows and the
 * text is never mistaken for a date. (The literal escapes its question marks because
 * "??-" is a trigraph in standard C.) */
char *date_format(int32_t day, char buf[11])
{
    int y, m, d;
    date_to_ymd(day, &y, &m, &d);
    if (day == DATE_NONE || y < 0 || y > 9999) {
        static const char unknown[] = "?\?\?\?-\?\?-\?\?";
        for (size_t i = 0; i < sizeof unknown; i++)
            buf[i] = unknown[i];
        return buf;
    }
    put_digits(buf, y, 4);
    buf[4] = '-';
    put_digits(buf + 5, m, 2);
    buf[7] = '-';
    put_digits(buf + 8, d, 2);
    buf[10] = '\0';
    return buf;
}

bool time_parse(const char *s, size_t len, int32_t *out_minutes)
{
    if (s == NULL || len != 5 || s[2] != ':')
        return false;
    int h = parse_digits(s, 2);
    int m = parse_digits(s + 3, 2);
    if (h < 0 || h > 23 || m < 0 || m > 59)
        return false;
    *out_minutes = h * 60 + m;
    return true;
}

/* POSIX time_t counts seconds since 1970-01-01 00:00 UTC without leap seconds, so the
 * day number is a floor division; no gmtime, hence no time zone and no shared state. */
int32_t date_today(void)
{
    time_t now = time(NULL);
    return (int32_t)floor_div((int64_t)now, 86400);
}

/* The month-and-day comparison makes a 29 February birthday fall after 28 February and
 * before 1 March, which gives the common-year rule of the header without a special case.
 * Negative exactly when `on` is before `birth`. */
int date_age(int32_t birth, int32_t on)
{
    int oy, om, od;
    date_to_ymd(on, &oy, &om, &od);
    return date_age_on(birth, oy, om, od);
}

int date_age_on(int32_t birth, int oy, int om, int od)
{
    int by, bm, bd;
    date_to_ymd(birth, &by, &bm, &bd);
    int age = oy - by;
    if (om < bm || (om == bm && od < bd))
        age--;
    return age;
}

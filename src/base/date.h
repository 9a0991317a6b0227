/*
 * date.h — civil dates and times of day as plain integers.
 *
 * A date is the number of days since 1970-01-01 in the proleptic Gregorian calendar
 * (negative before it); a time of day is minutes since 00:00. Integers make dates cheap
 * to compare, subtract and store in columns. Parsing is strict: only YYYY-MM-DD with a
 * real day of a real month (leap years included), years 1000..9999.
 */
#ifndef TF_DATE_H
#define TF_DATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define DATE_NONE INT32_MIN /* "no date": open end of a period */
#define DATE_MIN (-354285)  /* 1000-01-01 */
#define DATE_MAX 2932896    /* 9999-12-31 */

/* The day number of y-m-d. Caller guarantees a valid date (see date_valid). */
int32_t date_from_ymd(int y, int m, int d);
/* Splits a day number into year, month, day. */
void date_to_ymd(int32_t day, int *y, int *m, int *d);
/* True when y-m-d is a real calendar date with 1000 <= y <= 9999. */
bool date_valid(int y, int m, int d);
bool date_is_leap(int y);
int date_days_in_month(int y, int m);

/* Parses exactly `len` bytes as YYYY-MM-DD. Returns false, leaving *out untouched, on
 * any malformed or impossible date ("2025-02-30").
 *
 * Inline: it reads every date of a batch (millions). The day number is counted rather
 * than by date_from_ymd's era arithmetic: the days before year y (a count of whole years
 * and their leap days) plus the days before the month (a table) plus the day. For years
 * 1000..9999, the only ones date_valid admits, both give the same number
 * (tests/unit/test_date.c compares them on every day, across both ways of counting). */
inline __attribute__((always_inline)) bool date_parse(const char *s, size_t len, int32_t *out)
{
    static const int16_t before[2][13] = {
        {0, 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334},
        {0, 0, 31, 60, 91, 121, 152, 182, 213, 244, 274, 305, 335}};
    static const int8_t days[2][13] = {{0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31},
                                       {0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}};
    if (s == NULL || len != 10)
        return false;
    /* "YYYY-MM-" as eight bytes (byte i of x is s[i]) and "DD" as two: the dashes in
     * place, every other byte a digit (high nibble 3, and still 3 after adding 6), then the
     * digits paired by one multiply: byte i of t is 10 * digit i + digit i + 1 */
    const unsigned char *u = (const unsigned char *)s;
    uint64_t x;
    memcpy(&x, s, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    x = __builtin_bswap64(x);
#endif
    const uint64_t dashes = 0xFF0000FF00000000ull, ones = 0x0101010101010101ull;
    if ((x & dashes) != 0x2D00002D00000000ull)
        return false;
    uint64_t dg = (x & ~dashes) | 0x3000003000000000ull; /* the dashes read as zeros */
    if ((dg & ones * 0xF0) != ones * 0x30 || ((dg + ones * 6) & ones * 0xF0) != ones * 0x30)
        return false;
    unsigned d0 = u[8] - 48u, d1 = u[9] - 48u;
    if ((d0 > 9) | (d1 > 9))
        return false;
    uint64_t v = dg - ones * 0x30, t = v * 10 + (v >> 8);
    unsigned y = (unsigned)(t & 0xFF) * 100 + (unsigned)((t >> 16) & 0xFF), m = (unsigned)((t >> 40) & 0xFF),
             d = d0 * 10 + d1;
    if (y < 1000 || m < 1 || m > 12 || d < 1)
        return false;
    /* the day number of y's 1 January, and whether y is leap. From 1901 to 2099 (nearly
     * every date read) no century year breaks the rule of four: the leap years before y
     * since 1970 are (y - 1) / 4 - 492, and y is leap when a multiple of four. Else from py
     * whole years before y and its centuries c (one division for both the leap rule and the
     * leap days): y is a century's year when py ends in 99, and then y / 100 is c + 1;
     * 719162 is the days from 0001-01-01 to 1970-01-01. */
    int32_t jan1;
    unsigned leap;
    if (y - 1901 < 199) {
        jan1 = 365 * ((int32_t)y - 1970) + (int32_t)((y - 1) >> 2) - 492;
        leap = (y & 3) == 0;
    } else {
        unsigned py = y - 1, c = py / 100;
        jan1 = (int32_t)(365 * py + py / 4 - c + c / 4) - 719162;
        leap = ((y & 3) == 0) & ((py - 100 * c != 99) | (((c + 1) & 3) == 0));
    }
    if (d > (unsigned)days[leap][m])
        return false;
    *out = jan1 + before[leap][m] + (int32_t)d - 1;
    return true;
}
/* Writes YYYY-MM-DD and a NUL into buf (at least 11 bytes). Returns buf. */
char *date_format(int32_t day, char buf[11]);

/* Parses exactly `len` bytes as HH:MM (00:00..23:59) into minutes since midnight. */
bool time_parse(const char *s, size_t len, int32_t *out_minutes);

/* Today's date in UTC. */
int32_t date_today(void);

/* The age in whole years on `on` of someone born on `birth` (a person born on 29
 * February turns a year older on 1 March in common years). */
int date_age(int32_t birth, int32_t on);
/* The same, with `on` given as its year, month and day (date_to_ymd): a column of birth
 * dates against one date splits that date once. */
int date_age_on(int32_t birth, int oy, int om, int od);

#endif

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
 * any malformed or impossible date ("2025-02-30"). */
bool date_parse(const char *s, size_t len, int32_t *out);
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

/*
 * country.c — lookups in the bundled country table.
 *
 * The table (country_table.inc) is generated from the country-codes data set by
 * tools/gen-countries.py and committed; see data/README.md for its source and licence.
 * A country's index is its row in code order, stable for a given table, and is what
 * rule sets store: a set of countries is a COUNTRY_MAX-bit bitset over these indexes.
 * country_find sits on the hot path of case reading and batch evaluation (every
 * nationality of every row), so it is one bounds check and one table lookup.
 */
#include "base/country.h"

#include "base/country_table.inc"

_Static_assert(COUNTRY_TABLE_SIZE <= COUNTRY_MAX, "a country set is a COUNTRY_MAX-bit bitset");

int country_count(void)
{
    return COUNTRY_TABLE_SIZE;
}

/* NULL when i is out of range, so a stale index cannot read past the table. */
const country_info *country_at(int i)
{
    if (i < 0 || i >= COUNTRY_TABLE_SIZE)
        return NULL;
    return &COUNTRY_TABLE[i];
}

/* Only two capital ASCII letters can match: "fr", "FRA" and "F" are not found. */
int country_find(const char *s, size_t len)
{
    if (s == NULL || len != 2)
        return -1;
    unsigned a = (unsigned char)s[0] - 'A';
    unsigned b = (unsigned char)s[1] - 'A';
    if (a >= 26 || b >= 26)
        return -1;
    return COUNTRY_INDEX[a * 26 + b];
}

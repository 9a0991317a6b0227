/*
 * country.c — lookups in the bundled country table.
 *
 * The table (country_table.inc) is generated from the country-codes data set by
 * tools/gen-countries.py and committed; see data/README.md for its source and licence.
 * A country's index is its row in code order, stable for a given table, and is what
 * rule sets store: a set of countries is a COUNTRY_MAX-bit bitset over these indexes.
 * country_find (inline, in country.h) reads the table of codes through country_index.
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

const int16_t *const country_index = COUNTRY_INDEX;

/* country_find is defined in country.h; its one external definition: */
extern inline int country_find(const char *s, size_t len);

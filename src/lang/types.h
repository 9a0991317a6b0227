/*
 * types.h — the types of the rulebook language, packed in 32 bits.
 *
 * A type is a base kind, an element kind (for sets and lists) and a 16-bit argument: the
 * enumeration's index for an enum (or a set of one), the currency (three letters packed
 * base 26) for money, the list-schema index for a list. Packing keeps types comparable
 * with == and cheap to store on every expression node.
 */
#ifndef TF_TYPES_H
#define TF_TYPES_H

#include <stdint.h>

typedef enum {
    TY_ERR,      /* after an error: accepted everywhere, reports nothing more */
    TY_BOOL,
    TY_INT,
    TY_NUMBER,
    TY_MONEY,
    TY_DATE,
    TY_TIME,
    TY_DURATION,
    TY_COUNTRY,
    TY_PORT,
    TY_STRING,
    TY_ENUM,
    TY_SET,
    TY_LIST,
} ty_base;

typedef uint32_t type_t;

#define TYPE(base, elem, arg) ((type_t)(base) | ((type_t)(elem) << 8) | ((type_t)(arg) << 16))
#define TYPE_BASE(t) ((ty_base)((t)&0xff))
#define TYPE_ELEM(t) ((ty_base)(((t) >> 8) & 0xff))
#define TYPE_ARG(t) ((uint32_t)((t) >> 16))

/* The element type of a set type. */
#define TYPE_SET_ELEM(t) TYPE(TYPE_ELEM(t), 0, TYPE_ARG(t))
/* The set type whose elements are of type t. */
#define TYPE_SET_OF(t) TYPE(TY_SET, TYPE_BASE(t), TYPE_ARG(t))

/* Built-in functions, by the order of their names in check.c. */
typedef enum { FN_GIVEN, FN_YEARS_SINCE, FN_SUM, FN_MIN, FN_MAX, FN_COUNT, FN_ALL, FN_ANY, FN__COUNT } builtin_fn;

/* The test of one band of `bands`: < <= > >= a value, equal to it, in a range, else. */
typedef enum { BAND_LT, BAND_LE, BAND_GT, BAND_GE, BAND_EQ, BAND_TO, BAND_ELSE } band_op;

/* The requirements of a pathway. */
typedef enum {
    WC_PRESENT,        /* present at least N days in the last Y [counting ...] */
    WC_ABSENT_ROLLING, /* absent at most N days in any 12 months of the last Y */
    WC_ABSENT,         /* absent at most N days in the last Y */
    WC_LONGEST,        /* no absence longer than N days in the last Y */
    WC_ON_DAY,         /* present on the day Y before */
    WC_HELD,           /* held S for at least Y [early N days] */
    WC_EACH_YEAR,      /* each of the last Y years present at least N days */
    WC_EXPR,           /* require EXPR */
} pathway_kind;

#endif

/*
 * ast.h — the syntax tree of a rulebook file.
 *
 * The parser builds it in the compile arena; the checker annotates it in place (types
 * and what each name refers to); the compiler reads it to build the IR and then the
 * whole arena is thrown away. Every node carries the span of its text. Lists are
 * arrays with a count, allocated once their length is known.
 */
#ifndef TF_AST_H
#define TF_AST_H

#include <stdint.h>

#include "base/diag.h"
#include "lang/types.h"

typedef enum {
    EX_NAME,     /* an identifier: input, set, value, member, country or port */
    EX_NUMBER,   /* 42, 3.5 */
    EX_STRING,   /* "text" */
    EX_DATE,     /* 2024-12-17 */
    EX_TIME,     /* 23:59 */
    EX_DURATION, /* 30 days, 240 hours */
    EX_MONEY,    /* 450000 CNY: num, and the currency in ival (packed base 26) */
    EX_BOOL,     /* true, false */
    EX_SETLIT,   /* {A B C} */
    EX_BINARY,   /* a OP b; op is the operator's token kind */
    EX_UNARY,    /* not a, -a; op is KW_NOT or TK_MINUS */
    EX_IN,       /* a in b; negated for `not in` */
    EX_IF,       /* if a then b else c */
    EX_BANDS,    /* bands a { ... } */
    EX_CALL,     /* fn(a [where b | for var in c]) */
} ex_kind;

/* One band of `bands`. */
typedef struct {
    band_op op;
    struct ast_expr *lo, *hi, *val;
    span sp;
} ast_band;


/* What a name refers to, set by the checker. */
typedef enum {
    REF_NONE, REF_INPUT, REF_SET, REF_VALUE, REF_MEMBER, REF_COUNTRY, REF_PORT,
    REF_LET,        /* a `let` (ref_index: its declaration) */
    REF_FIELD,      /* a field of a list of records, as a list: work.years (input, field) */
    REF_ELEM,       /* inside `where`: the current element's field (field) */
    REF_LOOPVAR,    /* inside `for`: the current element */
    REF_ASOF,       /* the evaluation date */
    REF_POINTS,     /* inside `points`: total (ref_index 0) or a factor/group (1 + index) */
} ref_kind;

/* A member of a set literal: a name, and what the checker resolves it to. Kept small
 * and apart from ast_expr because the bundled world rulebooks list tens of thousands of
 * members, and a member needs none of an expression's other fields. */
typedef struct {
    span sp;
    ref_kind ref;         /* as ast_expr: set by the checker, REF_NONE until then */
    uint32_t ref_index;
} ast_member;

typedef struct ast_expr {
    ex_kind kind;
    int op;            /* EX_BINARY/EX_UNARY: operator token; EX_IN: 1 when negated */
    span sp;           /* the whole expression */
    struct ast_expr *a, *b, *c;
    ast_member *elems;       /* EX_SETLIT */
    uint32_t nelems;
    ast_band *bands;         /* EX_BANDS */
    uint32_t nbands;
    int fn;                  /* EX_CALL: builtin_fn; -1 until checked */
    int agg_for;             /* EX_CALL: 1 for `for var in c`, 0 for `where b` or plain */
    span var;                /* EX_CALL: the loop variable */
    double num;        /* EX_NUMBER; EX_DURATION: the amount */
    int64_t ival;      /* EX_DURATION: minutes; EX_DATE: day; EX_TIME: minutes; EX_BOOL */
    /* filled by the checker */
    type_t type;
    ref_kind ref;
    uint32_t ref_index;   /* input, set, value, port index; enum member; country index */
    uint32_t ref_field;   /* REF_FIELD, REF_ELEM: the field's index */
    int is_const;         /* depends on no input */
} ast_expr;

typedef struct {
    span *ids;
    uint32_t n;
} ast_cites;

/* One dated item of a set or value: EXPR [from D] [until D] [cite ...]. */
typedef struct {
    span sp;
    ast_expr *e;
    span from_sp, until_sp; /* len 0 when absent */
    int32_t from, until;    /* day numbers, set by the checker; DATE_NONE when open */
    ast_cites cites;
} ast_item;

typedef enum { CL_REQUIRE, CL_PORTS, CL_EXIT_PORTS, CL_STAY, CL_LIMIT, CL_OUTCOME, CL_FROM, CL_UNTIL } cl_kind;
typedef enum { COUNT_NEXT_MIDNIGHT, COUNT_ENTRY_DAY } count_kind;

typedef struct {
    cl_kind kind;
    span sp;
    ast_expr *e, *e2;  /* CL_LIMIT: e in e2 */
    span because;      /* a string token, len 0 when absent */
    ast_cites cites;
    count_kind counting;
    span name;         /* CL_OUTCOME: the outcome; CL_FROM/CL_UNTIL: the date */
} ast_clause;

/* A syntactic type: one of, list of, record, or a name (with a currency for money). */
typedef struct ast_type {
    enum { AT_NAME, AT_ENUM, AT_LIST, AT_RECORD } kind;
    span sp;
    span name, arg;          /* AT_NAME: type name and optional argument (money CUR) */
    span *members;           /* AT_ENUM */
    uint32_t nmembers;
    struct ast_type *elem;   /* AT_LIST */
    span *fields;            /* AT_RECORD: field names */
    struct ast_type **ftypes;
    uint32_t nfields;
} ast_type;

/* A record of a list given in a test: {field = value, ...}. */
typedef struct {
    span *fields;
    ast_expr **vals;
    uint32_t n;
    span sp;
} ast_record;

typedef struct {
    span path;
    ast_expr *val;       /* a scalar; NULL for a list */
    int is_list;
    ast_expr **items;    /* a list of scalars */
    ast_record *records; /* or a list of records */
    uint32_t nitems;
    uint32_t input;      /* set by the checker */
} ast_given;

typedef enum { D_SOURCE, D_PORT, D_TYPE, D_INPUT, D_SET, D_VALUE, D_ENTRY, D_TRANSIT, D_TEST, D_LET, D_POINTS, D_PATHWAY } decl_kind;

/* A `counting` line of a presence requirement: statuses, their weight, a cap. */
typedef struct {
    span *statuses;
    uint32_t n;
    double weight;
    double cap;          /* in days; 0: none */
} ast_weight;

/* A requirement of a pathway (see pathway_kind in types.h). */
typedef struct {
    int kind;
    span sp;
    double n;            /* the limit in days (or, for each-year, the days per year) */
    int len;             /* the window: len units */
    char unit;           /* 'y', 'm' or 'd' */
    ast_weight *weights;
    uint32_t nweights;
    span *statuses;      /* held S, ... */
    uint32_t nstatuses;
    double early;        /* days */
    int prospective;
    ast_expr *e;         /* require EXPR */
    span label;
    ast_cites cites;
} ast_wclause;

typedef enum { PC_FACTOR, PC_GROUP, PC_CATEGORY, PC_PASS, PC_REQUIRE } pc_kind;

/* A clause of a `points` declaration. */
typedef struct {
    pc_kind kind;
    span sp;
    span name, title;     /* PC_FACTOR, PC_GROUP: id and title; PC_CATEGORY: the category */
    ast_expr *e;          /* the points, or the condition */
    ast_expr *max;        /* NULL when uncapped */
    span *members;        /* PC_GROUP */
    uint32_t nmembers;
    span because;
    ast_cites cites;
} ast_pclause;

typedef struct {
    decl_kind kind;
    span sp;        /* the keyword */
    span name;      /* the declared name; D_TEST: its title string */
    span title;     /* string token, len 0 when absent */
    /* D_SOURCE */
    span date;
    span *urls;
    uint32_t nurls;
    /* D_PORT */
    span area;
    /* D_TYPE, D_INPUT */
    ast_type *ty;
    int required;
    int setting;    /* an input that chooses how to evaluate, not a fact of the person */
    ast_expr *deflt;
    /* D_SET, D_VALUE */
    ast_item *items;
    uint32_t nitems;
    /* D_ENTRY, D_TRANSIT */
    ast_clause *clauses;
    uint32_t nclauses;
    ast_cites cites;   /* the rule's own sources */
    /* D_LET: the expression */
    ast_expr *e;
    /* D_POINTS */
    ast_pclause *pclauses;
    uint32_t npclauses;
    /* D_PATHWAY */
    ast_wclause *wclauses;
    uint32_t nwclauses;
    int departure_present, return_present;
    int period_inclusive;  /* `periods end with the date` (else: the day before) */
    /* D_TEST */
    ast_given *givens;
    uint32_t ngivens;
    span as_of, expect, by, until; /* len 0 when absent */
    ast_expr *expect_total;        /* points tests: `expect total N` */
    span expect_category;          /* `category NAME`, or `no category` (the word `no`) */
    int expect_passes;             /* -1 not stated, 0 `fails`, 1 `passes` */
    int expect_eligible;           /* pathway tests: -1 not stated, 0 `ineligible`, 1 `eligible` */
    span expect_earliest;          /* `earliest DATE`, or `earliest none` */
    ast_expr *expect_counted;      /* `counted N` */
} ast_decl;

typedef struct {
    uint32_t file;
    span kw;          /* the `rulebook` keyword */
    span id, title;
    span destination; /* len 0 when absent */
    span otherwise;
    int fallback;     /* `fallback`: used only where no other rulebook has the destination */
    ast_decl *decls;
    uint32_t ndecls;
} ast_rulebook;

#endif

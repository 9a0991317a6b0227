/*
 * ir.h — the compiled rule set (struct tf_rules) and its intermediate representation.
 *
 * Everything here is built once by the compiler (src/lang/compile.c) in the rule set's
 * own arena and never changes afterwards, so any number of threads may evaluate against
 * it at once. Expressions are flat arrays of nodes that refer to their operands by
 * index. All dated content — sets, values, which rules are in force — is resolved at
 * compile time into *epochs*: the intervals between the dates at which anything
 * changes. Evaluating as of a date is a binary search for its epoch, then plain reads.
 */
#ifndef TF_IR_H
#define TF_IR_H

#include <stdint.h>

#include "base/arena.h"
#include "base/diag.h"
#include "lang/types.h"
#include "talentflow.h"

/* Outcomes of an entry decision, in PROFILE.md's spelling. */
#define OUTCOMES(X)                                  \
    X(OUT_VISA_FREE, "visa_free")                    \
    X(OUT_TRANSIT_VISA_FREE, "transit_visa_free")    \
    X(OUT_VISA_ON_ARRIVAL, "visa_on_arrival")        \
    X(OUT_ETA, "eta")                                \
    X(OUT_E_VISA, "e_visa")                          \
    X(OUT_VISA_REQUIRED, "visa_required")            \
    X(OUT_NO_ADMISSION, "no_admission")

typedef enum {
#define OUT_ENUM(k, s) k,
    OUTCOMES(OUT_ENUM)
#undef OUT_ENUM
        OUT__COUNT
} outcome;

extern const char *const outcome_names[OUT__COUNT];
/* The outcome spelled s[0..len), or -1. */
int outcome_find(const char *s, size_t len);

typedef struct {
    uint64_t w[4];
} bits256;

static inline int bits_has(const bits256 *b, uint32_t i) {
    return i < 256 && (b->w[i >> 6] >> (i & 63)) & 1;
}
static inline void bits_add(bits256 *b, uint32_t i) { b->w[i >> 6] |= (uint64_t)1 << (i & 63); }
int bits_count(const bits256 *b);

/* A scalar at run time: ints, dates (day numbers), times and durations (minutes),
 * countries, ports and enum members (indices), bools in i; numbers and money in d;
 * strings as a pointer in s. */
typedef union {
    int64_t i;
    double d;
    const char *s;
} rv;

#define PORT_UNDESIGNATED 0xFFFF /* a well-formed port code no rulebook declares */
#define NODE_NONE UINT32_MAX

/* Opcodes: X(op, name, operand count). _I works on integers, _D on doubles. */
#define OPCODES(X)                                                                         \
    X(OP_CONST, "const", 0)   /* k */                                                       \
    X(OP_INPUT, "input", 0)   /* a: input index */                                          \
    X(OP_VALUE, "value", 0)   /* a: value index, resolved in the epoch */                   \
    X(OP_IN, "in", 1)         /* a: element node, b: set index, c: 1 when negated */        \
    X(OP_NOT, "not", 1) X(OP_AND, "and", 2) X(OP_OR, "or", 2) X(OP_IF, "if", 3)             \
    X(OP_EQ_I, "eq.i", 2) X(OP_NE_I, "ne.i", 2) X(OP_LT_I, "lt.i", 2) X(OP_LE_I, "le.i", 2)  \
    X(OP_GT_I, "gt.i", 2) X(OP_GE_I, "ge.i", 2)                                             \
    X(OP_EQ_D, "eq.d", 2) X(OP_NE_D, "ne.d", 2) X(OP_LT_D, "lt.d", 2) X(OP_LE_D, "le.d", 2)  \
    X(OP_GT_D, "gt.d", 2) X(OP_GE_D, "ge.d", 2)                                             \
    X(OP_EQ_S, "eq.s", 2) X(OP_NE_S, "ne.s", 2)                                             \
    X(OP_ADD_I, "add.i", 2) X(OP_SUB_I, "sub.i", 2) X(OP_MUL_I, "mul.i", 2)                 \
    X(OP_DIV_I, "div.i", 2) X(OP_NEG_I, "neg.i", 1)                                         \
    X(OP_ADD_D, "add.d", 2) X(OP_SUB_D, "sub.d", 2) X(OP_MUL_D, "mul.d", 2)                 \
    X(OP_DIV_D, "div.d", 2) X(OP_NEG_D, "neg.d", 1) X(OP_I2D, "i2d", 1) X(OP_D2I, "d2i", 1)     \
    X(OP_DAYS2MIN, "days2min", 1) /* date difference (days) to a duration (minutes) */      \
    X(OP_DATE_ADD, "date.add", 2) /* date + duration: whole days of the duration */         \
    X(OP_DATE_SUB, "date.sub", 2)                                                           \
    X(OP_LET, "let", 0)           /* a: let index */                                        \
    X(OP_ASOF, "as_of", 0)                                                                  \
    X(OP_GIVEN, "given", 0)       /* a: input index */                                      \
    X(OP_YEARS_SINCE, "years_since", 1)                                                     \
    X(OP_LIST, "list", 0)         /* a: input, b: field + 1 (0: a list of scalars) */       \
    X(OP_AGG, "agg", 1)           /* a: list node, b: filter node, c: agg, k.i: map node */ \
    X(OP_ELEM, "elem", 0)         /* b: field of the current element */                     \
    X(OP_LOOPVAR, "loopvar", 0)                                                             \
    X(OP_BANDS, "bands", 1)       /* a: subject, b: first band, c: count; pad: 1 doubles */ \
    X(OP_POINTS, "points", 0)     /* a: 0 total, 1 + item */

typedef enum {
#define OP_ENUM(op, name, n) op,
    OPCODES(OP_ENUM)
#undef OP_ENUM
        OP__COUNT
} opcode;

extern const char *const op_names[OP__COUNT];
extern const unsigned char op_arity[OP__COUNT]; /* the operand count of each opcode */

typedef struct {
    uint16_t op;
    uint16_t pad;
    type_t type;
    uint32_t a, b, c;
    rv k;
    span sp;
} ir_node;

typedef struct {
    int32_t from, until; /* DATE_NONE when open */
    uint16_t *cites;
    uint32_t ncites;
    span sp;
} ir_period;

typedef struct {
    const char *name;  /* NULL for a set hoisted out of a clause */
    const char *title;
    type_t type;       /* the set type */
    ir_period *items;  /* for the dump and the diff's citations */
    uint32_t nitems;
    span sp;
} ir_set;

typedef struct {
    const char *name;
    const char *title;
    type_t type;
    ir_period *items;
    uint32_t nitems;
    span sp;
} ir_value;

typedef struct {
    const char *id, *title, *date;
    const char **urls;
    uint32_t nurls;
} ir_source;

typedef enum { RC_REQUIRE, RC_PORTS, RC_EXIT_PORTS } rclause_kind;

typedef struct {
    rclause_kind kind;
    uint32_t node;       /* a bool node; for ports, the membership test */
    const char *text;    /* the clause's source text, e.g. "nationality in unilateral" */
    const char *because; /* NULL or the analyst's reason */
    uint16_t *cites;     /* own citations, or the rule's */
    uint32_t ncites;
    span sp;
} ir_clause;

typedef struct {
    const char *name;   /* "unilateral" */
    const char *id;     /* "cn.entry.unilateral" */
    const char *title;
    int is_transit;
    outcome out;
    int32_t from, until;
    ir_clause *clauses;
    uint32_t nclauses;
    uint32_t stay;       /* duration node, or NODE_NONE: no limit stated */
    int counting;        /* COUNT_NEXT_MIDNIGHT or COUNT_ENTRY_DAY */
    uint32_t limit, limit_window; /* duration nodes, or NODE_NONE */
    uint16_t *cites;
    uint32_t ncites;
    span sp;
} ir_rule;

typedef struct {
    uint32_t input;
    rv val;
    const char *text;  /* an undesignated port's code */
    int is_list;
    rv *items;         /* a list: n elements of nfields values */
    uint32_t n, nfields;
} ir_given;

typedef struct {
    band_op op;
    uint32_t lo, hi;     /* nodes, or NODE_NONE */
    uint32_t val;        /* node */
} ir_band;

typedef struct {
    const char *name, *title;
    type_t type;
    uint32_t node;
    int on_date;         /* depends on the evaluation date (as_of, years_since) */
    span sp;
} ir_let;

/* A factor or a group of a points scheme. */
typedef struct {
    const char *id, *title;
    int is_group;
    uint32_t node;       /* a factor's points */
    uint32_t max;        /* node, or NODE_NONE */
    int owner;           /* the group it belongs to, or -1 */
    uint32_t *members;   /* a group's items */
    uint32_t nmembers;
    uint16_t *cites;
    uint32_t ncites;
    span sp;
} ir_item;

typedef struct {
    const char *name;    /* a category, or NULL for the pass mark */
    uint32_t node;
    span sp;
} ir_cond;

typedef struct {
    uint32_t node;
    const char *text, *because;
    uint16_t *cites;
    uint32_t ncites;
    span sp;
} ir_require;

typedef struct {
    const char **statuses;
    uint32_t n;
    double weight, cap; /* cap in days, 0: none */
} ir_weight;

typedef struct {
    pathway_kind kind;
    double n;            /* the limit in days */
    int len;             /* the window: len units */
    char unit;           /* 'y', 'm', 'd' */
    ir_weight *weights;  /* WC_PRESENT; none: every status counts 1 */
    uint32_t nweights;
    const char **statuses; /* WC_HELD */
    uint32_t nstatuses;
    double early;
    int prospective;
    uint32_t node;       /* WC_EXPR */
    const char *label;
    uint16_t *cites;
    uint32_t ncites;
    span sp;
} ir_wclause;

typedef struct {
    const char *name, *id, *title;
    int departure_present, return_present;
    int period_inclusive;  /* windows end with the date itself, not the day before */
    ir_wclause *clauses;
    uint32_t nclauses;
    uint16_t *cites;
    uint32_t ncites;
    span sp;
} ir_pathway;

typedef struct {
    const char *name, *id, *title;
    ir_item *items;
    uint32_t nitems;
    ir_cond *categories;
    uint32_t ncategories;
    uint32_t pass;       /* node, or NODE_NONE */
    span pass_sp;
    ir_require *requires;
    uint32_t nrequires;
    uint16_t *cites;
    uint32_t ncites;
    span sp;
} ir_points;

typedef struct {
    const char *name;
    ir_given *givens;
    uint32_t ngivens;
    int32_t as_of;       /* TF_DATE_DEFAULT when not given */
    outcome expect;
    int by;              /* rule index, or -1 */
    int32_t until;       /* TF_DATE_DEFAULT when not given */
    int is_points;       /* expect total N [category C | no category] [passes | fails] */
    double total;
    const char *category; /* NULL: not stated */
    int no_category;
    int passes;          /* -1 not stated */
    int is_pathway;      /* expect eligible | ineligible [earliest D | none] [counted N] */
    int eligible;
    int has_earliest, earliest_none;
    int32_t earliest;
    int has_counted;
    double counted;
    span sp;
} ir_test;

typedef struct {
    int32_t start;       /* first day of the epoch */
    bits256 *sets;       /* [nsets] */
    rv *vals;            /* [nvals] */
    uint8_t *val_known;  /* [nvals] */
    uint8_t *rule_on;    /* [nrules] */
} ir_epoch;

typedef struct {
    const char *id, *title;
    uint32_t file;
    int dest;            /* country index, or -1 */
    int fallback;        /* used only where no other rulebook has the destination */
    outcome otherwise;
    ir_node *nodes;
    uint32_t nnodes;
    ir_set *sets;
    uint32_t nsets;
    ir_value *vals;
    uint32_t nvals;
    ir_rule *rules;
    uint32_t nrules;
    ir_source *sources;
    uint32_t nsources;
    ir_test *tests;
    uint32_t ntests;
    ir_let *lets;
    uint32_t nlets;
    ir_band *bands;
    uint32_t nbands;
    ir_points *points;    /* NULL when the rulebook has no scheme */
    ir_pathway *pathway;  /* NULL when the rulebook has no route */
    ir_epoch *epochs;
    int32_t *epoch_start; /* [nepochs], ascending; epoch_start[0] == DATE_MIN */
    uint32_t nepochs;
} ir_rulebook;

typedef struct {
    const char *name;
    uint32_t nmembers;
    const char **members;
} ir_enum;

typedef struct {
    const char *name;     /* "trip.entry_date" */
    type_t type;
    int required;
    int setting;          /* chooses how to evaluate (a table version): never a gap-search change */
    int has_default;
    rv deflt;
    /* TY_LIST: the element (a scalar type, or a record) */
    type_t elem;
    uint32_t nfields;
    const char **fields;
    type_t *ftypes;
} ir_input;

typedef struct {
    const char *code, *name, *area;
} ir_port;

typedef struct {
    const char *name;
    const char *text;
    size_t len;
    uint32_t *lines;     /* byte offset of the start of each line, for ir_where */
    uint32_t nlines;
} ir_file;

/* The slots of the index of inputs by name: a power of two, at least twice the inputs
 * (past IR_INPUT_SLOTS / 2 inputs, ir_input_find reads them in order). */
#define IR_INPUT_SLOTS 1024

struct tf_rules {
    arena mem;
    ir_file *files;
    uint32_t nfiles;
    ir_input *inputs;
    uint32_t ninputs;
    uint16_t input_slot[IR_INPUT_SLOTS]; /* an input + 1 by the hash of its name, 0: none
                                          * (ir_input_add, ir_input_find) */
    ir_enum *enums;
    uint32_t nenums;
    ir_port *ports;
    uint32_t nports;
    ir_rulebook *books;
    uint32_t nbooks;
    int16_t dest_book[256];     /* the rulebook that decides for a destination, or -1 */
    int16_t dest_fallback[256]; /* a fallback rulebook it takes precedence over, or -1 */
    /* inputs the entry kind reads, or -1 when the schema lacks them */
    int in_nationality, in_document, in_to, in_purpose, in_entry_date, in_days, in_exit_date,
        in_exit_time, in_entry_port, in_exit_port, in_from, in_onward, in_birth_date, in_age,
        in_statuses, in_absences;
    char version[128];
};

/* The i-th node (0-based) that node nd evaluates: its operands a, b, c up to the
 * opcode's operand count, then an aggregate's filter and map, then each band's lower
 * bound, upper bound and value. Returns 0 past the last; *kid is NODE_NONE for one that
 * is absent (no filter, an open band). A let's body is not among them: OP_LET's a is
 * the let's index, and a walk that goes through lets does so itself. Inline: the walks
 * of the gap search call it for every node. */
static inline int ir_kid(const ir_rulebook *rb, const ir_node *nd, uint32_t i, uint32_t *kid) {
    uint32_t n = op_arity[nd->op];
    if (i < n) {
        *kid = i == 0 ? nd->a : i == 1 ? nd->b : nd->c;
        return 1;
    }
    i -= n;
    if (nd->op == OP_AGG) {
        if (i >= 2) return 0;
        *kid = i == 0 ? nd->b : (uint32_t)nd->k.i;
        return 1;
    }
    if (nd->op != OP_BANDS || i >= 3 * nd->c) return 0;
    const ir_band *b = &rb->bands[nd->b + i / 3];
    *kid = i % 3 == 0 ? b->lo : i % 3 == 1 ? b->hi : b->val;
    return 1;
}
/* The epoch of `day` in rb (binary search). */
const ir_epoch *ir_epoch_at(const ir_rulebook *rb, int32_t day);
/* Index of the input named s[0..len), or -1. */
int ir_input_find(const tf_rules *r, const char *s, size_t len);
/* Enters r->inputs[i] (its name set) in the index ir_input_find reads. */
void ir_input_add(tf_rules *r, uint32_t i);
/* Index of the port with code s[0..len), or -1. */
int ir_port_find(const tf_rules *r, const char *s, size_t len);
/* "file:line:col" of a span, into buf. */
const char *ir_where(const tf_rules *r, span sp, char *buf, size_t n);
/* A scalar of type t as text ("2024-12-17", "30 days", "FR", "3.5"), into buf. */
const char *ir_format_value(const tf_rules *r, type_t t, rv v, char *buf, size_t n);
/* The text of a set member of type elem (a country code, port code or member name). */
const char *ir_member_name(const tf_rules *r, type_t elem, uint32_t i);

#endif

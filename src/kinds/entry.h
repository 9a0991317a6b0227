/*
 * entry.h — the entry kind: is a trip admitted without a visa, under which rule, for
 * how long (prefix entry_).
 *
 * The decision holds, besides the outcome, the result of every clause of every rule in
 * force — the material of the explanation — in fixed arrays, so that a decision is
 * allocated once and reused for any number of checks.
 */
#ifndef TF_ENTRY_H
#define TF_ENTRY_H

#include "eval/case.h"
#include "eval/ir.h"

#define ENTRY_MAX_RULES 256
#define ENTRY_MAX_REASONS 2048

typedef enum { R_FAILS = 0, R_HOLDS = 1, R_UNKNOWN = 2 } reason_result;
typedef enum { RK_CLAUSE, RK_STAY } reason_kind;

typedef struct {
    uint16_t rule;
    uint16_t clause;     /* RK_CLAUSE: index in the rule's clauses */
    uint8_t kind;
    uint8_t result;
    int16_t missing;     /* an input the clause needed and the case lacks, or -1 */
} reason;

typedef struct {
    uint8_t admitted;
    uint8_t has_stay;
    int64_t stay_min;     /* the stay the rule allows, in minutes */
    int32_t latest;       /* latest departure date */
    int64_t limit_min, window_min; /* a cumulative limit, or 0 */
    uint32_t first_reason, nreasons;
} rule_result;

struct tf_decision {
    const tf_rules *r;
    const ir_rulebook *rb;
    const ir_rulebook *overrides; /* a fallback rulebook for the destination that rb overrode */
    tf_rc rc;
    char error[256];
    int32_t as_of, entry, exit;
    int64_t exit_min;     /* the instant of leaving, in minutes since 1970 */
    int nationality, port;
    const char *port_text;
    int best;             /* rule index, or -1 */
    outcome out;
    rule_result res[ENTRY_MAX_RULES];
    reason reasons[ENTRY_MAX_REASONS];
    uint32_t nreasons;
    int truncated;        /* more reasons than fit were dropped */
};

/* Decides the case's trip by the rules of rb (whatever the trip's destination), as
 * tf_check does. Used to compare rulebooks pair by pair. */
tf_rc entry_decide(const tf_rules *r, const ir_rulebook *rb, const tf_case *c, tf_date as_of, tf_decision *d);

#endif

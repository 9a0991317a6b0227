/*
 * case.h — a case document as input values (prefix case_).
 *
 * A case holds one value slot per declared input of the rule set, with a flag for
 * whether the document gave it. Lists (work, absences, ...) are validated and kept as
 * the parsed JSON for the kinds that read them. The reader checks every field against
 * its declared type and stops at the first problem with one message that names the
 * field and the value.
 */
#ifndef TF_CASE_H
#define TF_CASE_H

#include <jansson.h>

#include "eval/eval.h"
#include "eval/ir.h"

struct tf_case {
    const tf_rules *r;
    ev_list *lists;        /* [r->ninputs]: the elements of list inputs (n = 0 otherwise) */
    rv *vals;              /* [r->ninputs] */
    uint8_t *known;        /* [r->ninputs] */
    const char **text;     /* [r->ninputs]: the code of an undesignated port, else NULL */
    json_t *doc;           /* the document, for list inputs; NULL for a built case */
    arena mem;
};

/* An empty case (no field given) for r; NULL when out of memory. */
tf_case *case_new(const tf_rules *r);
/* Gives input i the value v (text: an undesignated port's code, or NULL). */
void case_set(tf_case *c, uint32_t i, rv v, const char *text);
/* Applies the declared defaults to inputs the case does not give. */
void case_apply_defaults(tf_case *c);

#endif

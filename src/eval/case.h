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
/* Empties c for another document (keeps its memory: a batch reuses one case per thread). */
void case_clear(tf_case *c);
/* Makes dst, a case of the same rule set as src, a copy of src that shares no memory
 * with it: the values, the lists, the strings they hold and the codes of undesignated
 * ports. The document is not copied (dst->doc is NULL): nothing evaluates it. Reuses
 * dst's memory. TF_ENOMEM leaves dst partial. */
tf_rc case_copy(tf_case *dst, const tf_case *src);
/* Reads the case document doc (a JSON object) into the empty case c, as
 * tf_case_parse_json does; doc stays the caller's. TF_ECASE with the message in err. */
tf_rc case_read_doc(tf_case *c, const json_t *doc, char *err, size_t errlen);
/* The value of s[0..n) when it is 1 to 12 plain digits (how a CSV writes a whole
 * number), else -1: then case_text_value's decimal reader decides. Below 1e12, so a
 * valid whole number. Inline: the batch reader calls it for most numeric fields. */
static inline int64_t case_plain_digits(const char *s, size_t n) {
    if (!n || n > 12) return -1;
    uint64_t v = 0; /* unsigned: a bad byte's garbage wraps, it does not overflow */
    unsigned bad = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned d = (unsigned)(unsigned char)s[i] - '0';
        bad |= d > 9;
        v = v * 10 + d;
    }
    return bad ? -1 : (int64_t)v;
}

/* Converts the text s[0..len) (a CSV field) to a value of the scalar type t, with the
 * checks and the messages of the JSON reader ("path: \"x\" is not a date ..."): true
 * and false for a bool, a decimal number, a day count for a duration, a code or member
 * name otherwise. A string is left to the caller (it keeps the text). Sets
 * *undesignated for a well-formed port code no rulebook declares. Returns 0, or -1
 * with the message in err. */
int case_text_value(const tf_rules *r, const char *path, type_t t, const char *s, size_t len, rv *out, int *undesignated,
                    char *err, size_t errlen);

#endif

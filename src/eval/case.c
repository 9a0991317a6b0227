/*
 * case.c — reading a case document (JSON) against the declared inputs.
 *
 * The declared inputs are the schema: an object key is either an input's path, the
 * parent of some input's path (an object to descend into), or an unknown field. Values
 * are checked by type: a date must be a real calendar date, a country one of the table,
 * a port a declared port or a well-formed IATA code (three capital letters: a code no
 * rule names is valid, it is simply not designated), a member one of its enumeration.
 * The first problem ends the read with one message: `path: "value" is not ...`.
 */
#include "eval/case.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/country.h"
#include "base/date.h"

#define MAX_CASE_BYTES (16u << 20)
#define MAX_DEPTH 8

tf_case *case_new(const tf_rules *r) {
    tf_case *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->r = r;
    arena_init(&c->mem, 4096, 0);
    size_t n = r->ninputs ? r->ninputs : 1;
    /* the slots live outside the arena, so that case_clear can reset it */
    c->vals = calloc(n, sizeof(rv));
    c->lists = calloc(n, sizeof(ev_list));
    c->known = calloc(n, 1);
    c->text = calloc(n, sizeof(char *));
    if (!c->vals || !c->lists || !c->known || !c->text) {
        tf_case_free(c);
        return NULL;
    }
    return c;
}

void case_clear(tf_case *c) {
    size_t n = c->r->ninputs ? c->r->ninputs : 1;
    memset(c->vals, 0, n * sizeof(rv));
    memset(c->lists, 0, n * sizeof(ev_list));
    memset(c->known, 0, n);
    memset(c->text, 0, n * sizeof(char *));
    json_decref(c->doc);
    c->doc = NULL;
    arena_reset(&c->mem);
}

/* A copy of s in c's arena, or NULL for NULL. */
static const char *copy_str(tf_case *c, const char *s) { return s ? arena_strndup(&c->mem, s, strlen(s)) : NULL; }

tf_rc case_copy(tf_case *dst, const tf_case *src) {
    const tf_rules *r = src->r;
    size_t n = r->ninputs ? r->ninputs : 1;
    json_decref(dst->doc);
    dst->doc = NULL;
    arena_reset(&dst->mem);
    memcpy(dst->vals, src->vals, n * sizeof(rv));
    memcpy(dst->lists, src->lists, n * sizeof(ev_list));
    memcpy(dst->known, src->known, n);
    memcpy(dst->text, src->text, n * sizeof(char *));
    /* what points into src's arena: strings, list elements (and their strings), codes;
     * the arrays in locals, read once per input, as tf_assess copies every case it
     * scores */
    const ev_list *lists = src->lists;
    const char *const *text = src->text;
    const uint8_t *known = src->known;
    const ir_input *inputs = r->inputs;
    for (uint32_t i = 0, ni = r->ninputs; i < ni; i++) {
        const ev_list *l = &lists[i];
        if (text[i]) dst->text[i] = copy_str(dst, text[i]);
        if (l->n) {
            const ir_input *in = &inputs[i];
            size_t nv = (size_t)l->n * l->nfields;
            rv *v = arena_array(&dst->mem, nv + 1, sizeof(rv));
            if (!v) break;
            memcpy(v, l->v, nv * sizeof(rv));
            for (uint32_t f = 0; f < l->nfields; f++)
                if (TYPE_BASE(in->nfields ? in->ftypes[f] : in->elem) == TY_STRING)
                    for (uint32_t k = 0; k < l->n; k++)
                        v[(size_t)k * l->nfields + f].s = copy_str(dst, l->v[(size_t)k * l->nfields + f].s);
            dst->lists[i].v = v;
        } else if (known[i] && TYPE_BASE(inputs[i].type) == TY_STRING) {
            dst->vals[i].s = copy_str(dst, src->vals[i].s);
        }
    }
    return arena_failed(&dst->mem) ? TF_ENOMEM : TF_OK;
}

void case_set(tf_case *c, uint32_t i, rv v, const char *text) {
    c->vals[i] = v;
    c->known[i] = 1;
    c->text[i] = text;
}

void case_apply_defaults(tf_case *c) {
    for (uint32_t i = 0; i < c->r->ninputs; i++)
        if (!c->known[i] && c->r->inputs[i].has_default) case_set(c, i, c->r->inputs[i].deflt, NULL);
}

void tf_case_free(tf_case *c) {
    if (!c) return;
    json_decref(c->doc);
    arena_free(&c->mem);
    free(c->vals);
    free(c->lists);
    free(c->known);
    free(c->text);
    free(c);
}

typedef struct {
    tf_case *c;
    const tf_rules *r;
    char *err;
    size_t errlen;
} reader;

static int fail(reader *rd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(reader *rd, const char *fmt, ...) {
    if (rd->errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(rd->err, rd->errlen, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* The JSON text of v, shortened to fit a message. */
static const char *shown(const json_t *v, char buf[80]) {
    char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
    if (!s) return "(value)";
    size_t n = strlen(s);
    if (n > 60) snprintf(buf, 80, "%.57s...", s);
    else snprintf(buf, 80, "%s", s);
    free(s);
    return buf;
}

static const char *enum_list(const ir_enum *e, char *buf, size_t n) {
    size_t k = 0;
    buf[0] = 0;
    for (uint32_t i = 0; i < e->nmembers && k + 4 < n; i++)
        k += (size_t)snprintf(buf + k, n - k, "%s%s", i ? ", " : "", e->members[i]);
    return buf;
}

/* Converts the text s[0..len) of a value of type t, for the types whose JSON form is a
 * string (date, time, country, port, member); `shown` is how the value is quoted in a
 * message. Returns 0, or -1 after writing the message. Inlined where it is called:
 * a batch converts millions of fields, and the call was a good part of the cost. */
static inline __attribute__((always_inline)) int from_text(reader *rd, const char *path, type_t t, const char *s,
                                                           size_t sl, const char *shown, rv *out, const char **text) {
    const tf_rules *r = rd->r;
    *text = NULL;
    switch (TYPE_BASE(t)) {
    case TY_DATE: {
        int32_t d;
        if (!s || !date_parse(s, sl, &d)) return fail(rd, "%s: %s is not a date (YYYY-MM-DD)", path, shown);
        out->i = d;
        return 0;
    }
    case TY_TIME: {
        int32_t m;
        if (!s || !time_parse(s, sl, &m)) return fail(rd, "%s: %s is not a time of day (HH:MM)", path, shown);
        out->i = m;
        return 0;
    }
    case TY_COUNTRY: {
        int c = s ? country_find(s, sl) : -1;
        if (c < 0) return fail(rd, "%s: %s is not a country code (ISO 3166-1 alpha-2)", path, shown);
        out->i = c;
        return 0;
    }
    case TY_PORT: {
        int p = s ? ir_port_find(r, s, sl) : -1;
        if (p >= 0) {
            out->i = p;
            return 0;
        }
        int ok = s && sl == 3;
        for (size_t i = 0; ok && i < 3; i++) ok = s[i] >= 'A' && s[i] <= 'Z';
        if (!ok) return fail(rd, "%s: %s is not a port code (an IATA code such as PEK, or a declared port id)", path, shown);
        out->i = PORT_UNDESIGNATED;
        *text = s;
        return 0;
    }
    case TY_ENUM: {
        const ir_enum *e = &r->enums[TYPE_ARG(t)];
        for (uint32_t i = 0; s && i < e->nmembers; i++)
            if (e->members[i][0] == (sl ? s[0] : 0) && strnlen(e->members[i], sl + 1) == sl && !memcmp(e->members[i], s, sl)) {
                out->i = i;
                return 0;
            }
        char list[512];
        return fail(rd, "%s: %s is not one of %s", path, shown, enum_list(e, list, sizeof list));
    }
    default: return fail(rd, "%s: this field cannot be read", path);
    }
}

/* Converts one scalar JSON value of type t; on failure writes the message. */
static int scalar(reader *rd, const char *path, type_t t, const json_t *v, rv *out, const char **text) {
    char b[80];
    const char *s = json_is_string(v) ? json_string_value(v) : NULL;
    size_t sl = s ? json_string_length(v) : 0;
    *text = NULL;
    switch (TYPE_BASE(t)) {
    case TY_BOOL:
        if (!json_is_boolean(v)) return fail(rd, "%s: %s is not true or false", path, shown(v, b));
        out->i = json_is_true(v);
        return 0;
    case TY_INT: {
        double d = json_is_integer(v) ? (double)json_integer_value(v) : json_is_real(v) ? json_real_value(v) : NAN;
        if (!json_is_number(v) || d != floor(d) || fabs(d) > 1e12)
            return fail(rd, "%s: %s is not a whole number", path, shown(v, b));
        out->i = (int64_t)d;
        return 0;
    }
    case TY_NUMBER:
    case TY_MONEY:
        if (!json_is_number(v) || !isfinite(json_number_value(v)) || fabs(json_number_value(v)) > 1e15)
            return fail(rd, "%s: %s is not a number", path, shown(v, b));
        out->d = json_number_value(v);
        return 0;
    case TY_DURATION:
        if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 1000000)
            return fail(rd, "%s: %s is not a number of days", path, shown(v, b));
        out->i = json_integer_value(v) * 1440;
        return 0;
    case TY_STRING:
        if (!s) return fail(rd, "%s: %s is not a string", path, shown(v, b));
        out->s = arena_strndup(&rd->c->mem, s, sl);
        return 0;
    default:
        if (from_text(rd, path, t, s, sl, shown(v, b), out, text)) return -1;
        if (*text) *text = arena_strndup(&rd->c->mem, s, sl);
        return 0;
    }
}

/* ---- values as text (a CSV field) -------------------------------------------------- */

/* A decimal number without exponent, exactly as strtod reads it: digits with at most
 * one point and a sign; false when the text is not one (then strtod decides). Exact
 * because a mantissa below 2^53 and a power of ten up to 1e22 are both exact doubles
 * and one division rounds correctly. */
static bool fast_decimal(const char *s, size_t n, double *out) {
    size_t i = 0;
    int neg = 0, point = -1, digits = 0;
    uint64_t m = 0;
    if (i < n && (s[i] == '-' || s[i] == '+')) neg = s[i++] == '-';
    for (; i < n; i++) {
        if (s[i] == '.' && point < 0) point = digits;
        else if (s[i] >= '0' && s[i] <= '9' && digits < 15) m = m * 10 + (uint64_t)(s[i] - '0'), digits++;
        else return false;
    }
    if (!digits) return false;
    static const double p10[] = {1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
    double d = (double)m;
    if (point >= 0) d /= p10[digits - point];
    *out = neg ? -d : d;
    return true;
}

/* The number in s[0..n), or false when the text is not a finite number. */
static bool text_number(const char *s, size_t n, double *out) {
    if (fast_decimal(s, n, out)) return true;
    char buf[64];
    if (!n || n >= sizeof buf) return false;
    memcpy(buf, s, n);
    buf[n] = 0;
    char *end;
    double d = strtod(buf, &end);
    if (end != buf + n || !isfinite(d)) return false;
    *out = d;
    return true;
}

int case_text_value(const tf_rules *r, const char *path, type_t t, const char *s, size_t len, rv *out, int *undesignated,
                    char *err, size_t errlen) {
    reader rd = {NULL, r, err, errlen};
    char b[80];
    /* the value as a message quotes it; written only when the value is bad */
#define SHOWN (len > 60 ? snprintf(b, sizeof b, "\"%.56s...\"", s) : snprintf(b, sizeof b, "\"%.*s\"", (int)len, s), b)
    double d;
    const char *text = NULL;
    *undesignated = 0;
    switch (TYPE_BASE(t)) {
    case TY_BOOL:
        if (len == 4 && !memcmp(s, "true", 4)) out->i = 1;
        else if (len == 5 && !memcmp(s, "false", 5)) out->i = 0;
        else return fail(&rd, "%s: %s is not true or false", path, SHOWN);
        return 0;
    case TY_INT:
        if ((out->i = case_plain_digits(s, len)) >= 0) return 0;
        if (!text_number(s, len, &d) || d != floor(d) || fabs(d) > 1e12)
            return fail(&rd, "%s: %s is not a whole number", path, SHOWN);
        out->i = (int64_t)d;
        return 0;
    case TY_NUMBER:
    case TY_MONEY:
        if (!text_number(s, len, &d) || fabs(d) > 1e15) return fail(&rd, "%s: %s is not a number", path, SHOWN);
        out->d = d;
        return 0;
    case TY_DURATION:
        if ((out->i = case_plain_digits(s, len)) >= 0 && out->i <= 1000000) {
            out->i *= 1440;
            return 0;
        }
        if (!text_number(s, len, &d) || d != floor(d) || d < 0 || d > 1000000)
            return fail(&rd, "%s: %s is not a number of days", path, SHOWN);
        out->i = (int64_t)d * 1440;
        return 0;
    case TY_STRING: return 0; /* the caller keeps the text */
    default: { /* a block: C11 puts no declaration right after a label (clang refuses it) */
        reader quiet = {NULL, r, err, 0}; /* no message yet */
        if (from_text(&quiet, path, t, s, len, "", out, &text)) {
            /* the conversion failed: say it again, with the value quoted */
            from_text(&rd, path, t, s, len, SHOWN, out, &text);
            return -1;
        }
        *undesignated = text != NULL;
        return 0;
    }
    }
#undef SHOWN
}

/* Reads a list input: an array of scalars, or of records with the declared fields, into
 * the case's list for input `index`. */
static int list(reader *rd, const char *path, uint32_t index, const ir_input *in, const json_t *v) {
    char b[80], p[256];
    if (!json_is_array(v)) return fail(rd, "%s: %s is not a list", path, shown(v, b));
    if (json_array_size(v) > 10000) return fail(rd, "%s: a list of more than 10000 items", path);
    ev_list *l = &rd->c->lists[index];
    l->nfields = in->nfields ? in->nfields : 1;
    l->n = (uint32_t)json_array_size(v);
    l->v = arena_array(&rd->c->mem, (size_t)l->n * l->nfields + 1, sizeof(rv));
    if (!l->v) return fail(rd, "%s: out of memory", path);
    size_t i;
    json_t *el;
    json_array_foreach(v, i, el) {
        rv out;
        const char *text;
        snprintf(p, sizeof p, "%s[%zu]", path, i);
        if (!in->nfields) {
            if (scalar(rd, p, in->elem, el, &out, &text)) return -1;
            l->v[i] = out;
            continue;
        }
        if (!json_is_object(el)) return fail(rd, "%s: %s is not an object", p, shown(el, b));
        const char *key;
        json_t *fv;
        json_object_foreach((json_t *)el, key, fv) {
            uint32_t f = 0;
            while (f < in->nfields && strcmp(in->fields[f], key)) f++;
            if (f == in->nfields) return fail(rd, "%s.%s: unknown field", p, key);
            char fp[300];
            snprintf(fp, sizeof fp, "%s.%s", p, key);
            if (scalar(rd, fp, in->ftypes[f], fv, &out, &text)) return -1;
            l->v[i * l->nfields + f] = out;
        }
        for (uint32_t f = 0; f < in->nfields; f++)
            if (!json_object_get(el, in->fields[f])) return fail(rd, "%s.%s: missing", p, in->fields[f]);
    }
    return 0;
}

/* True when some input's path starts with `path` followed by a dot. */
static int is_parent(const tf_rules *r, const char *path, size_t n) {
    for (uint32_t i = 0; i < r->ninputs; i++)
        if (!strncmp(r->inputs[i].name, path, n) && r->inputs[i].name[n] == '.') return 1;
    return 0;
}

static int object(reader *rd, const json_t *obj, char *path, size_t plen, int depth) {
    const tf_rules *r = rd->r;
    const char *key;
    json_t *v;
    char b[80];
    json_object_foreach((json_t *)obj, key, v) {
        size_t kl = strlen(key);
        if (plen + 1 + kl + 1 > 256) return fail(rd, "%.*s: a field name is too long", (int)plen, path);
        size_t n = plen;
        if (plen) path[n++] = '.';
        memcpy(path + n, key, kl + 1);
        n += kl;
        if (json_is_null(v)) {
            path[plen] = 0;
            continue; /* null: the same as leaving the field out */
        }
        int in = ir_input_find(r, path, n);
        if (in >= 0) {
            const ir_input *def = &r->inputs[in];
            if (TYPE_BASE(def->type) == TY_LIST) {
                if (list(rd, path, (uint32_t)in, def, v)) return -1;
            } else {
                rv out;
                const char *text;
                if (scalar(rd, path, def->type, v, &out, &text)) return -1;
                case_set(rd->c, (uint32_t)in, out, text);
            }
        } else if (is_parent(r, path, n)) {
            if (!json_is_object(v)) return fail(rd, "%s: %s is not an object", path, shown(v, b));
            if (depth >= MAX_DEPTH || object(rd, v, path, n, depth + 1)) return -1;
        } else {
            return fail(rd, "%s: unknown field", path);
        }
        path[plen] = 0;
    }
    return 0;
}

/* True when text[0..len) is nothing but white space. The text need not be NUL-terminated
 * (strspn would read past it: found by fuzz/fuzz_case.c with a case of one newline). */
static int all_space(const char *text, size_t len) {
    for (size_t i = 0; i < len; i++)
        if (text[i] != ' ' && text[i] != '\t' && text[i] != '\r' && text[i] != '\n') return 0;
    return 1;
}

tf_rc case_read_doc(tf_case *c, const json_t *doc, char *err, size_t errlen) {
    const tf_rules *r = c->r;
    reader rd = {c, r, err, errlen};
    if (errlen) err[0] = 0;
    if (!json_is_object(doc)) {
        fail(&rd, "the case must be a JSON object");
        return TF_ECASE;
    }
    char path[256] = "";
    if (object(&rd, doc, path, 0, 0)) return TF_ECASE;
    for (uint32_t i = 0; i < r->ninputs; i++)
        if (r->inputs[i].required && !c->known[i]) {
            fail(&rd, "%s: missing", r->inputs[i].name);
            return TF_ECASE;
        }
    case_apply_defaults(c);
    return arena_failed(&c->mem) ? TF_ENOMEM : TF_OK;
}

tf_rc tf_case_parse_json(const tf_rules *r, const char *text, size_t len, tf_case **out, char *err,
                         size_t errlen) {
    *out = NULL;
    if (errlen) err[0] = 0;
    reader rd = {NULL, r, err, errlen};
    if (len > MAX_CASE_BYTES) {
        fail(&rd, "the case is larger than %u MiB", MAX_CASE_BYTES >> 20);
        return TF_ELIMIT;
    }
    json_error_t je;
    json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (!doc) {
        if (all_space(text, len)) fail(&rd, "the case is empty");
        else fail(&rd, "invalid JSON at line %d, column %d: %s", je.line, je.column, je.text);
        return TF_ECASE;
    }
    tf_case *c = case_new(r);
    if (!c) {
        json_decref(doc);
        return TF_ENOMEM;
    }
    c->doc = doc;
    tf_rc rc = case_read_doc(c, doc, err, errlen);
    if (rc != TF_OK) {
        tf_case_free(c);
        return rc;
    }
    *out = c;
    return TF_OK;
}

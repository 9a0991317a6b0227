/*
 * emit.c — the results of a chunk as output rows (CSV or JSONL), and reason codes.
 *
 * One output row per input row, in input order: the row number, the row's id, the
 * result columns of each kind evaluated and a reason code; a row that could not be read
 * or decided has empty result columns, the reason E:<field> and its message in `error`.
 * The reason codes are documented in docs/batch.md:
 *
 *   check   the deciding rule's id (cn.entry.unilateral), or no_rule (the rulebook's
 *           `otherwise` outcome: no rule admits the trip)
 *   scheme  the category reached (A), `none` (a scheme with categories, none reached),
 *           `pass` / `fail` (a pass mark or requirements), `scored` (only a total);
 *           `incomplete:<input>` when a factor is unknown for lack of that input
 *   route   `eligible`, `binding:<requirement>` (not yet; the requirement that sets the
 *           earliest date), `never:<requirement>` (not within 30 years)
 *   error   E:<field> (E:row for the row as a whole)
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/date.h"
#include "base/jw.h"
#include "batch/batch_int.h"

int buf_put(char **b, size_t *len, size_t *cap, const char *s, size_t n) {
    if (*len + n + 1 > *cap) {
        size_t c = *cap ? *cap : 1 << 16;
        while (c < *len + n + 1) c *= 2;
        char *p = realloc(*b, c);
        if (!p) return -1;
        *b = p;
        *cap = c;
    }
    memcpy(*b + *len, s, n);
    *len += n;
    return 0;
}

/* A growable output with a sticky failure. */
typedef struct {
    char **b;
    size_t *len, *cap;
    int failed;
} out_t;

static inline void put(out_t *o, const char *s, size_t n) {
    if (o->failed) return;
    if (*o->len + n + 1 <= *o->cap) { /* the usual case, without a call: there is room */
        memcpy(*o->b + *o->len, s, n);
        *o->len += n;
    } else if (buf_put(o->b, o->len, o->cap, s, n)) {
        o->failed = 1;
    }
}
static void puts_(out_t *o, const char *s) { put(o, s, strlen(s)); }

static void put_piece(void *o, const char *s, size_t n) { put(o, s, n); }

/* A JSON string, escaped as the library's JSON writer escapes (base/jw.h). */
static void put_json_str(out_t *o, const char *s, size_t n) {
    put(o, "\"", 1);
    jw_escape(s, n, put_piece, o);
    put(o, "\"", 1);
}

/* v in decimal into b (at least 21 bytes), NUL-terminated; returns the end (the NUL). */
static char *fmt_u64(uint64_t v, char *b) {
    /* two digits at a time, from the right, in place: the digits counted first */
    static const char pairs[201] = "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
                                   "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
                                   "8081828384858687888990919293949596979899";
    int n = 1;
    for (uint64_t t = 10; n < 20 && v >= t; t *= 10) n++;
    char *p = b + n;
    *p = 0;
    while (v >= 10) {
        unsigned d = (unsigned)(v % 100);
        v /= 100;
        *--p = pairs[2 * d + 1];
        *--p = pairs[2 * d];
    }
    if (p > b) *--p = (char)('0' + v);
    return b + n;
}

/* The decimal number num[0..n) plus one, in place (num has room for one more digit and
 * its NUL); returns its length. */
static size_t dec_next(char *num, size_t n) {
    size_t i = n;
    while (i > 0 && num[i - 1] == '9') num[--i] = '0';
    if (i > 0) {
        num[i - 1]++;
        return n;
    }
    memmove(num + 1, num, n + 1); /* 999 -> 1000 */
    num[0] = '1';
    return n + 1;
}

/* A number as the single-case JSON writes it: whole numbers without a point. Returns
 * its length (0 for NaN: no text). */
static size_t fmt_num(double v, char *b, size_t n) {
    if (isnan(v)) return b[0] = 0, 0;
    if (v == floor(v) && fabs(v) < 1e15) {
        char *p = b;
        if (v < 0) *p++ = '-', v = -v;
        return (size_t)(fmt_u64((uint64_t)v, p) - b);
    }
    int len = snprintf(b, n, "%g", v);
    return len < 0 ? 0 : (size_t)len < n ? (size_t)len : n - 1;
}

/* The field a message names: the text before its first ": ", when it looks like a path. */
static size_t msg_field(const char *msg, const char **field) {
    const char *colon = strstr(msg, ": ");
    size_t n = colon ? (size_t)(colon - msg) : 0;
    for (size_t i = 0; i < n; i++)
        if (msg[i] == ' ' || msg[i] == '"') n = 0;
    *field = n ? msg : "row";
    return n ? n : 3;
}

const char *emit_decision(const tf_rules *r, const batch_part *p, const kind_result *res, char *buf, size_t n) {
    if (res->status) return "";
    switch (p->kind) {
    case BATCH_CHECK: return res->outcome >= 0 ? outcome_names[res->outcome] : "";
    case BATCH_SCHEME:
        if (res->category >= 0) return p->rb->points->categories[res->category].name;
        if (res->passes >= 0) return res->passes ? "pass" : "fail";
        if (p->rb->points->ncategories) return "none";
        fmt_num(res->total, buf, n);
        return buf;
    default: (void)r; return res->passes > 0 ? "eligible" : "not_eligible";
    }
}

const char *emit_reason(const tf_rules *r, const batch_part *p, const kind_result *res, const char *msg, char *buf,
                        size_t n) {
    if (res->status) {
        const char *f;
        size_t fl = msg_field(msg, &f);
        snprintf(buf, n, "E:%.*s", (int)fl, f);
        return buf;
    }
    switch (p->kind) {
    case BATCH_CHECK: return res->rule >= 0 ? r->books[res->book].rules[res->rule].id : "no_rule";
    case BATCH_SCHEME: {
        const ir_points *pt = p->rb->points;
        if (!res->complete) {
            snprintf(buf, n, "incomplete:%s", res->missing >= 0 ? r->inputs[res->missing].name : "?");
            return buf;
        }
        if (res->category >= 0) return pt->categories[res->category].name;
        if (pt->ncategories) return "none";
        if (res->passes >= 0) return res->passes ? "pass" : "fail";
        return "scored";
    }
    default:
        if (res->passes > 0) return "eligible";
        snprintf(buf, n, "%s:%s", res->date == TF_DATE_DEFAULT ? "never" : "binding", pathway_label(p->rb, res->missing));
        return buf;
    }
}

void emit_header(FILE *out, batch_format fmt, const batch_part *parts, int nparts, int all) {
    if (fmt != BATCH_FMT_CSV) return;
    fputs("row,id", out);
    for (int i = 0; i < nparts; i++) {
        const batch_part *p = &parts[i];
        if (all) {
            fprintf(out, ",%s,%s.reason", p->label, p->label);
            continue;
        }
        switch (p->kind) {
        case BATCH_CHECK: fputs(",outcome,latest_departure,reason", out); break;
        case BATCH_SCHEME: fputs(",total,category,passes,reason", out); break;
        default: fputs(",eligible,earliest_date,counted_days,reason", out); break;
        }
    }
    fputs(",error\n", out);
}

/* A result column of an output row: its name (JSON), its text (NULL: none; JSON null)
 * and whether JSON writes it as a string. */
typedef struct {
    const char *name;
    const char *s;
    size_t n;
    int str;
} field_t;

/* Room for the texts of a row's fields. */
typedef struct {
    char b1[32], b2[32], rb[300], d[11], key[200];
} field_buf;

static void field(field_t **f, const char *name, const char *s, int str) {
    **f = (field_t){name, s && *s ? s : NULL, s ? strlen(s) : 0, str};
    ++*f;
}

/* A number's field, its text just written into b by fmt_num (len bytes): its length
 * taken from fmt_num, since strlen's wide reads of bytes stored one at a time a moment
 * before would wait for the stores. */
static void num_field(field_t **f, const char *name, const char *b, size_t len, int ok) {
    **f = (field_t){name, ok && len ? b : NULL, ok ? len : 0, 0};
    ++*f;
}

/* The result columns of part p for a row (res, and its message msg): at most 4, into f;
 * returns their number. Their texts live in b or in the rules. */
static int part_fields(field_t *f, field_buf *b, const tf_rules *r, const batch_part *p, const kind_result *res,
                       const char *msg, int all) {
    field_t *f0 = f;
    int ok = !res->status;
    const char *reason = emit_reason(r, p, res, msg, b->rb, sizeof b->rb);
    if (all) {
        const char *dec = emit_decision(r, p, res, b->b1, sizeof b->b1);
        if (p->kind == BATCH_SCHEME && ok) fmt_num(res->total, b->b2, sizeof b->b2), dec = b->b2;
        field(&f, p->label, ok ? dec : NULL, p->kind != BATCH_SCHEME);
        snprintf(b->key, sizeof b->key, "%s.reason", p->label);
        field(&f, b->key, reason, 1);
        return (int)(f - f0);
    }
    switch (p->kind) {
    case BATCH_CHECK:
        field(&f, "outcome", ok ? emit_decision(r, p, res, b->b1, sizeof b->b1) : NULL, 1);
        field(&f, "latest_departure", ok && res->date != TF_DATE_DEFAULT ? date_format(res->date, b->d) : NULL, 1);
        break;
    case BATCH_SCHEME:
        num_field(&f, "total", b->b1, fmt_num(res->total, b->b1, sizeof b->b1), ok);
        field(&f, "category", ok && res->category >= 0 ? p->rb->points->categories[res->category].name : NULL, 1);
        field(&f, "passes", ok && res->passes >= 0 ? (res->passes ? "true" : "false") : NULL, 0);
        break;
    default:
        field(&f, "eligible", ok ? (res->passes > 0 ? "true" : "false") : NULL, 0);
        field(&f, "earliest_date", ok && res->date != TF_DATE_DEFAULT ? date_format(res->date, b->d) : NULL, 1);
        num_field(&f, "counted_days", b->b2, fmt_num(res->total, b->b2, sizeof b->b2), ok);
        break;
    }
    field(&f, "reason", reason, 1);
    return (int)(f - f0);
}

/* The fields as JSON members. */
static void put_json_fields(out_t *o, const field_t *f, int n) {
    for (int i = 0; i < n; i++) {
        puts_(o, ",\"");
        puts_(o, f[i].name);
        puts_(o, "\":");
        if (!f[i].s) puts_(o, "null");
        else if (f[i].str) put_json_str(o, f[i].s, f[i].n);
        else put(o, f[i].s, f[i].n);
    }
}

/* Room for n more bytes at the end of o: where they go, or NULL (out of memory). */
static char *room(out_t *o, size_t n) {
    if (o->failed) return NULL;
    if (*o->len + n + 1 > *o->cap) {
        size_t c = *o->cap ? *o->cap : 1 << 16;
        while (c < *o->len + n + 1) c *= 2;
        char *p = realloc(*o->b, c);
        if (!p) return o->failed = 1, NULL;
        *o->b = p;
        *o->cap = c;
    }
    return *o->b + *o->len;
}

/* The CSV field s[0..n) at p, which has room for 2n + 2 bytes (a quote doubled, and the
 * two around): quoted when it holds a delimiter, a quote or a line break. Returns the
 * end. */
static char *csv_at(char *p, const char *s, size_t n) {
    /* the bytes that make a field quoted, looked up without a branch (fields are short) */
    static const uint8_t special[256] = {[','] = 1, ['"'] = 1, ['\n'] = 1, ['\r'] = 1};
    int quote = 0;
    for (size_t i = 0; i < n; i++) quote |= special[(unsigned char)s[i]];
    if (!quote) return (char *)memcpy(p, s, n) + n;
    *p++ = '"';
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"') *p++ = '"';
        *p++ = s[i];
    }
    *p++ = '"';
    return p;
}

/* The short text s[0..n) (a number, just written a byte at a time) at p, a byte at a
 * time: memcpy's wide reads of bytes stored a moment before would wait for the stores.
 * Returns the end. */
static inline char *put_short(char *p, const char *s, size_t n) {
    for (size_t i = 0; i < n; i++) p[i] = s[i];
    return p + n;
}

/* A CSV row: its number, its id (or none), the fields and the error message (or none). */
static void put_csv_row(out_t *o, const char *num, size_t numn, const char *id, size_t idn, const field_t *f, int nf,
                        const char *err) {
    size_t errn = err ? strlen(err) : 0, need = numn + 2 * idn + 2 * errn + 8;
    for (int i = 0; i < nf; i++) need += 2 * f[i].n + 3;
    char *p = room(o, need), *start = p;
    if (!p) return;
    p = put_short(p, num, numn);
    *p++ = ',';
    if (id) p = csv_at(p, id, idn);
    for (int i = 0; i < nf; i++) {
        *p++ = ',';
        if (!f[i].s) continue;
        if (f[i].str) p = csv_at(p, f[i].s, f[i].n);
        else p = put_short(p, f[i].s, f[i].n); /* a number, true, false: never quoted */
    }
    *p++ = ',';
    if (err) p = csv_at(p, err, errn);
    *p++ = '\n';
    *o->len += (size_t)(p - start);
}

int emit_chunk(batch_slot *s, const batch_chunk *ch, batch_format fmt, const batch_part *parts, int nparts, int all,
               kind_result *const *res, char (*const *msg)[KIND_MSG]) {
    out_t o = {&s->out, &s->out_len, &s->out_cap, 0};
    const tf_rules *r = ch->sc->r;
    int json = fmt == BATCH_FMT_JSONL;
    s->nbad = 0;
    s->first_msg[0] = 0;
    field_t fields[4 * BATCH_PARTS_MAX];
    field_buf bufs[BATCH_PARTS_MAX];
    char num[32]; /* the row's number in decimal, counted up from the block's first */
    size_t numn = (size_t)(fmt_u64(s->first_row, num) - num);
    for (uint32_t k = 0; k < ch->n; k++, numn = dec_next(num, numn)) {
        /* a row is rejected when it could not be read, or (one kind alone) decided */
        const char *err = ch->skip[k] ? ch->msg[k] : NULL;
        if (!err && !all && res[0][k].status) err = msg[0][k];
        s->bad[k] = err != NULL;
        if (err && !s->nbad++) snprintf(s->first_msg, sizeof s->first_msg, "row %s: %s", num, err);
        int nf = 0;
        if (ch->skip[k]) {
            /* the row was not read: empty results and the reason (JSON: the first part's) */
            kind_result none;
            kind_result_clear(&none);
            none.status = TF_ECASE;
            for (int p = 0; p < nparts && !(json && p); p++) {
                const char *rsn = emit_reason(r, &parts[p], &none, err, bufs[p].rb, sizeof bufs[p].rb);
                int empty = json ? 0 : all ? 1 : parts[p].kind == BATCH_CHECK ? 2 : 3;
                for (int c = 0; c < empty; c++) fields[nf++] = (field_t){NULL, NULL, 0, 0};
                field_t *f = &fields[nf++];
                field(&f, "reason", rsn, 1);
            }
        } else {
            for (int p = 0; p < nparts; p++)
                nf += part_fields(&fields[nf], &bufs[p], r, &parts[p], &res[p][k], msg[p][k], all);
        }
        if (json) {
            puts_(&o, "{\"row\":");
            put(&o, num, numn);
            if (ch->id[k]) {
                puts_(&o, ",\"id\":");
                put_json_str(&o, ch->id[k], ch->id_len[k]);
            }
            put_json_fields(&o, fields, nf);
            if (err) {
                puts_(&o, ",\"error\":");
                put_json_str(&o, err, strlen(err));
            }
            puts_(&o, "}\n");
        } else {
            put_csv_row(&o, num, numn, ch->id[k], ch->id_len[k], fields, nf, err);
        }
        s->row_end[k] = (uint32_t)s->out_len;
    }
    return o.failed ? -1 : 0;
}

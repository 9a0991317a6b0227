/*
 * fill.c — a block of rows into a chunk of columns: the worker's reading.
 *
 * CSV rows are parsed by libcsv, one row at a time (the reader has found where each
 * ends), and every field is converted where it lands: an empty field is a value not
 * given; a scalar goes through case_text_value, the conversion and the messages of the
 * JSON reader; a list field is `;`-separated items, and a list of records `:`-separated
 * fields in their declared order (`work` = `FR:3;CA:1`). JSONL rows are read by the case
 * reader itself (case_read_doc) into one reusable case and copied into the columns.
 * Either way a row that cannot be read is marked skip with one message that names the
 * field, and the rows around it are read as usual. Declared defaults are applied last,
 * and a required input that is missing is an error, as for a single case.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch/batch_int.h"

/* ---- the chunk's storage ---------------------------------------------------------------- */

int chunk_init(batch_chunk *ch, const batch_schema *sc) {
    memset(ch, 0, sizeof *ch);
    ch->sc = sc;
    const tf_rules *r = sc->r;
    size_t cells = (size_t)(r->ninputs ? r->ninputs : 1) * BATCH_ROWS;
    ch->vals = calloc(cells, sizeof(rv));
    ch->known = calloc(cells, 1);
    ch->lists = calloc(cells, sizeof(ev_list));
    ch->list_off = calloc(cells, sizeof(uint32_t));
    ch->pool_cap = 1 << 16;
    ch->pool = malloc(ch->pool_cap * sizeof(rv));
    arena_init(&ch->strs, 1 << 16, 0);
    ch->jcase = case_new(r);
    if (csv_init(&ch->csv, 0)) ch->failed = 1;
    ch->rows = (vec_rows){BATCH_ROWS, ch->vals, ch->known, ch->lists};
    return ch->vals && ch->known && ch->lists && ch->list_off && ch->pool && ch->jcase && !ch->failed ? 0 : -1;
}

void chunk_free(batch_chunk *ch) {
    free(ch->vals);
    free(ch->known);
    free(ch->lists);
    free(ch->list_off);
    free(ch->pool);
    arena_free(&ch->strs);
    tf_case_free(ch->jcase);
    csv_free(&ch->csv);
}

/* Marks row k rejected with a message (the first problem of a row wins). */
static void reject(batch_chunk *ch, uint32_t k, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void reject(batch_chunk *ch, uint32_t k, const char *fmt, ...) {
    if (ch->skip[k]) return;
    ch->skip[k] = 1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ch->msg[k], KIND_MSG, fmt, ap);
    va_end(ap);
}

/* Room for n more list elements. */
static int pool_room(batch_chunk *ch, size_t n) {
    if (ch->npool + n <= ch->pool_cap) return 0;
    size_t cap = ch->pool_cap;
    while (cap < ch->npool + n) cap *= 2;
    rv *p = realloc(ch->pool, cap * sizeof(rv));
    if (!p) return ch->failed = 1, -1;
    ch->pool = p;
    ch->pool_cap = cap;
    return 0;
}

/* The first invalid UTF-8 byte of s[0..n), or -1. */
static long bad_utf8(const unsigned char *s, size_t n) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8) { /* ASCII, eight bytes at a time */
        uint64_t w;
        memcpy(&w, s + i, 8);
        if (w & 0x8080808080808080ull) break;
    }
    while (i < n) {
        if (s[i] < 0x80) {
            i++;
            continue;
        }
        size_t len = s[i] >= 0xF0 && s[i] <= 0xF4 ? 4 : s[i] >= 0xE0 ? 3 : s[i] >= 0xC2 && s[i] < 0xE0 ? 2 : 0;
        if (!len || i + len > n) return (long)i;
        for (size_t k = 1; k < len; k++)
            if ((s[i + k] & 0xC0) != 0x80) return (long)i;
        unsigned c1 = s[i + 1];
        if ((s[i] == 0xE0 && c1 < 0xA0) || (s[i] == 0xED && c1 > 0x9F) || (s[i] == 0xF0 && c1 < 0x90) ||
            (s[i] == 0xF4 && c1 > 0x8F))
            return (long)i; /* overlong, surrogate, above U+10FFFF */
        i += len;
    }
    return -1;
}

/* ---- CSV ---------------------------------------------------------------------------------- */

/* The first byte c of p[0..end), or end: eight bytes at a time, since fields and list
 * items are a few bytes long and a call to memchr would cost more than the search. */
static inline const char *find_byte(const char *p, const char *end, char c) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    const uint64_t ones = 0x0101010101010101ull, low7 = 0x7F7F7F7F7F7F7F7Full;
    const uint64_t pattern = ones * (unsigned char)c;
    while (end - p >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        w ^= pattern;                                      /* the bytes c are now zero */
        uint64_t zero = ~(((w & low7) + low7) | w | low7); /* exactly their high bits */
        if (zero) return p + (__builtin_ctzll(zero) >> 3);
        p += 8;
    }
#endif
    while (p < end && *p != c) p++;
    return p;
}

/* The list field text[0..len) of input `in` into row k's list. */
static void csv_list(batch_chunk *ch, uint32_t k, int in, const char *text, size_t len) {
    const tf_rules *r = ch->sc->r;
    const ir_input *def = &r->inputs[in];
    uint32_t nf = def->nfields ? def->nfields : 1;
    size_t items = len + 1; /* at most: the items are counted only when they might be too many */
    if (items > BATCH_MAX_ITEMS) {
        items = 1;
        for (size_t i = 0; i < len; i++) items += text[i] == ';';
    }
    if (items > BATCH_MAX_ITEMS) {
        reject(ch, k, "%s: a list of more than %d items", def->name, BATCH_MAX_ITEMS);
        return;
    }
    if (pool_room(ch, items * nf)) return;
    size_t at = ch->npool;
    uint32_t count = 0;
    const char *p = text, *end = text + len;
    char err[KIND_MSG];
    while (p <= end) {
        const char *ie = find_byte(p, end, ';'), *semi = ie < end ? ie : NULL;
        const char *f = p;
        for (uint32_t fi = 0; fi < nf; fi++) {
            const char *fe = ie;
            if (fi + 1 < nf && (fe = find_byte(f, ie, ':')) == ie) fe = NULL;
            if (!fe) {
                reject(ch, k, "%s[%u]: \"%.*s\" has %u of the %u fields %s", def->name, count, (int)(ie - p > 60 ? 60 : ie - p),
                       p, fi + 1, nf, "(name:value:..., in declared order)");
                return;
            }
            if (fi + 1 == nf && nf > 1 && find_byte(f, ie, ':') < ie) {
                reject(ch, k, "%s[%u]: \"%.*s\" has more than the %u fields", def->name, count,
                       (int)(ie - p > 60 ? 60 : ie - p), p, nf);
                return;
            }
            type_t t = def->nfields ? def->ftypes[fi] : def->elem;
            rv v = {0};
            int und;
            size_t fl = (size_t)(fe - f);
            if (TYPE_BASE(t) == TY_STRING) {
                v.s = arena_strndup(&ch->strs, f, fl);
                if (!v.s) return (void)(ch->failed = 1);
            } else if (case_text_value(r, def->name, t, f, fl, &v, &und, err, sizeof err)) {
                char path[160];
                if (def->nfields) snprintf(path, sizeof path, "%s[%u].%s", def->name, count, def->fields[fi]);
                else snprintf(path, sizeof path, "%s[%u]", def->name, count);
                case_text_value(r, path, t, f, fl, &v, &und, ch->msg[k], KIND_MSG);
                ch->skip[k] = 1;
                return;
            }
            ch->pool[ch->npool++] = v;
            f = fe + 1;
        }
        count++;
        if (!semi) break;
        p = semi + 1;
    }
    size_t cell = (size_t)in * BATCH_ROWS + k;
    ch->lists[cell] = (ev_list){count, nf, NULL};
    ch->list_off[cell] = (uint32_t)at;
}

/* libcsv: one field of the row being read. */
static void csv_field(void *field, size_t len, void *user) {
    batch_chunk *ch = user;
    uint32_t k = ch->cur, col = ch->field++;
    ch->row_fields++;
    const batch_schema *sc = ch->sc;
    if (ch->skip[k]) return;
    if (col >= sc->ncols) {
        reject(ch, k, "row: more fields than the header's %u", sc->ncols);
        return;
    }
    const batch_col *c = &sc->cols[col];
    const char *text = field ? field : "";
    long bad = ch->row_utf8 ? -1 : bad_utf8((const unsigned char *)text, len);
    if (bad >= 0) {
        reject(ch, k, "%s: invalid UTF-8 (byte 0x%02X at offset %ld of the field)", c->name,
               (unsigned)(unsigned char)text[bad], bad);
        return;
    }
    if (c->is_id) {
        ch->id[k] = arena_strndup(&ch->strs, text, len);
        ch->id_len[k] = (uint32_t)len;
        if (!ch->id[k]) ch->failed = 1;
        return;
    }
    if (!len) return; /* an empty field: not given */
    const tf_rules *r = sc->r;
    const ir_input *def = &r->inputs[c->input];
    if (TYPE_BASE(def->type) == TY_LIST) {
        csv_list(ch, k, c->input, text, len);
        return;
    }
    size_t cell = (size_t)c->input * BATCH_ROWS + k;
    int und;
    if (TYPE_BASE(def->type) == TY_STRING) {
        ch->vals[cell].s = arena_strndup(&ch->strs, text, len);
        if (!ch->vals[cell].s) ch->failed = 1;
    } else if (case_text_value(r, def->name, def->type, text, len, &ch->vals[cell], &und, ch->msg[k], KIND_MSG)) {
        ch->skip[k] = 1;
        return;
    }
    ch->known[cell] = 1;
}

static void csv_row(int term, void *user) {
    (void)term;
    batch_chunk *ch = user;
    ch->rows_seen++;
}

static void fill_csv(batch_chunk *ch, uint32_t k, const char *text, uint32_t len) {
    ch->cur = k;
    ch->field = 0;
    ch->row_fields = 0;
    ch->rows_seen = 0;
    /* a field is a run of the row's bytes cut at ASCII delimiters (less its quotes): when
     * the row is valid UTF-8 so is every field, and the check is made once; else each
     * field is checked, for the message that names the field */
    ch->row_utf8 = bad_utf8((const unsigned char *)text, len) < 0;
    if (!memchr(text, '"', len)) {
        /* without a quote a row is its fields between commas, each trimmed of spaces and
         * tabs as libcsv trims them: split it here, at memchr's speed */
        const char *p = text, *end = text + len;
        for (;;) {
            const char *c = find_byte(p, end, ',');
            if (c == end) c = NULL;
            const char *fe = c ? c : end, *fs = p;
            while (fs < fe && (*fs == ' ' || *fs == '\t')) fs++;
            while (fe > fs && (fe[-1] == ' ' || fe[-1] == '\t')) fe--;
            csv_field((void *)fs, (size_t)(fe - fs), ch);
            if (!c) break;
            p = c + 1;
        }
    } else {
        csv_parse(&ch->csv, text, len, csv_field, csv_row, ch);
        csv_fini(&ch->csv, csv_field, csv_row, ch);
    }
    if (csv_error(&ch->csv) == CSV_ENOMEM) ch->failed = 1;
    if (!ch->skip[k] && ch->row_fields < ch->sc->ncols)
        reject(ch, k, "row: %u fields, the header has %u", ch->row_fields, ch->sc->ncols);
}

/* ---- JSONL -------------------------------------------------------------------------------- */

/* The string values of row k's case are in the case's arena: copy them into the chunk. */
static const char *keep_str(batch_chunk *ch, const char *s) {
    const char *c = s ? arena_strndup(&ch->strs, s, strlen(s)) : NULL;
    if (s && !c) ch->failed = 1;
    return c;
}

static void fill_jsonl(batch_chunk *ch, uint32_t k, const char *text, uint32_t len) {
    const tf_rules *r = ch->sc->r;
    long bad = bad_utf8((const unsigned char *)text, len);
    if (bad >= 0) {
        reject(ch, k, "row: invalid UTF-8 (byte 0x%02X at offset %ld)", (unsigned)(unsigned char)text[bad], bad);
        return;
    }
    json_error_t je;
    json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (!doc) {
        reject(ch, k, "row: invalid JSON at column %d: %s", je.column, je.text);
        return;
    }
    json_t *id = json_object_get(doc, "id");
    if (id) {
        char num[32];
        const char *s = json_is_string(id) ? json_string_value(id) : NULL;
        size_t n = s ? json_string_length(id) : 0;
        if (json_is_integer(id)) n = (size_t)snprintf(num, sizeof num, "%lld", (long long)json_integer_value(id)), s = num;
        if (!s) {
            reject(ch, k, "id: is not a string or a whole number");
            json_decref(doc);
            return;
        }
        ch->id[k] = arena_strndup(&ch->strs, s, n);
        ch->id_len[k] = (uint32_t)n;
        json_object_del(doc, "id");
    }
    tf_case *c = ch->jcase;
    case_clear(c);
    tf_rc rc = case_read_doc(c, doc, ch->msg[k], KIND_MSG);
    json_decref(doc);
    if (rc == TF_ENOMEM) ch->failed = 1;
    if (rc) {
        ch->skip[k] = 1;
        return;
    }
    for (uint32_t i = 0; i < r->ninputs; i++) {
        size_t cell = (size_t)i * BATCH_ROWS + k;
        const ir_input *def = &r->inputs[i];
        if (c->known[i]) {
            ch->known[cell] = 1;
            ch->vals[cell] = c->vals[i];
            if (TYPE_BASE(def->type) == TY_STRING) ch->vals[cell].s = keep_str(ch, c->vals[i].s);
        }
        const ev_list *l = &c->lists[i];
        if (!l->n) continue;
        size_t nv = (size_t)l->n * l->nfields;
        if (pool_room(ch, nv)) return;
        for (size_t j = 0; j < nv; j++) {
            rv v = l->v[j];
            type_t t = def->nfields ? def->ftypes[j % l->nfields] : def->elem;
            if (TYPE_BASE(t) == TY_STRING) v.s = keep_str(ch, v.s);
            ch->pool[ch->npool + j] = v;
        }
        ch->lists[cell] = (ev_list){l->n, l->nfields, NULL};
        ch->list_off[cell] = (uint32_t)ch->npool;
        ch->npool += nv;
    }
}

/* ---- a block ---------------------------------------------------------------------------- */

void chunk_fill(batch_chunk *ch, const batch_slot *s, batch_format fmt) {
    const tf_rules *r = ch->sc->r;
    uint32_t n = s->nrec;
    ch->n = n;
    ch->npool = 0;
    arena_reset(&ch->strs);
    for (uint32_t i = 0; i < r->ninputs; i++) {
        size_t at = (size_t)i * BATCH_ROWS;
        memset(ch->known + at, 0, n);
        if (TYPE_BASE(r->inputs[i].type) == TY_LIST) memset(ch->lists + at, 0, n * sizeof(ev_list));
    }
    for (uint32_t k = 0; k < n; k++) {
        const batch_rec *rec = &s->recs[k];
        ch->skip[k] = 0;
        ch->msg[k][0] = 0;
        ch->id[k] = NULL;
        ch->id_len[k] = 0;
        if (rec->err == REC_TOO_LONG) {
            const batch_col *c = rec->field < ch->sc->ncols ? &ch->sc->cols[rec->field] : NULL;
            reject(ch, k, "%s: the row is longer than %zu bytes", c ? c->name : "row", BATCH_MAX_ROW);
            continue;
        }
        if (rec->err == REC_TRUNCATED) {
            reject(ch, k, "row: the input ends inside a quoted field (truncated?)");
            continue;
        }
        if (fmt == BATCH_FMT_JSONL) fill_jsonl(ch, k, s->buf + rec->off, rec->len);
        else fill_csv(ch, k, s->buf + rec->off, rec->len);
    }
    /* list pointers (the pool has stopped moving), defaults and required inputs */
    for (uint32_t i = 0; i < r->ninputs; i++) {
        const ir_input *def = &r->inputs[i];
        size_t at = (size_t)i * BATCH_ROWS;
        if (TYPE_BASE(def->type) == TY_LIST)
            for (uint32_t k = 0; k < n; k++)
                if (ch->lists[at + k].n) ch->lists[at + k].v = ch->pool + ch->list_off[at + k];
        if (def->has_default)
            for (uint32_t k = 0; k < n; k++)
                if (!ch->known[at + k]) ch->vals[at + k] = def->deflt, ch->known[at + k] = 1;
        if (def->required)
            for (uint32_t k = 0; k < n; k++)
                if (!ch->known[at + k]) reject(ch, k, "%s: missing", def->name);
    }
}

/*
 * fill.c — a block of rows into a chunk of columns: the worker's reading.
 *
 * CSV rows are cut at their commas here (the reader has found where each ends). The
 * common row — ASCII, without quotes, spaces, tabs or other control bytes, with the
 * header's count of fields — is cut in one pass (cut_plain), and the block's common rows
 * are then read column by column, a loop per converter (fill_plain); any other row is
 * read field by field (fill_csv: split at its commas and trimmed as libcsv trims, or
 * parsed by libcsv when it has a quote). Either way every field is converted where it lands, by the same code
 * (put_value): an empty field is a value not given; a scalar by the converter chosen for
 * its column once, from the header (fill_plan): a date, a code of the country table, a
 * declared port (an index by code), a member, plain digits are read in place, and any
 * other text goes to case_text_value, the conversion and the messages of the JSON
 * reader, which decides it (the converters never accept what it refuses, nor read a
 * value otherwise); a list field is `;`-separated items, and a list of records
 * `:`-separated fields in their declared order (`work` = `FR:3;CA:1`). JSONL rows are
 * read by the case reader itself (case_read_doc) into one reusable case and copied into
 * the columns.
 * Either way a row that cannot be read is marked skip with one message that names the
 * field, and the rows around it are read as usual. Declared defaults are applied last,
 * and a required input that is missing is an error, as for a single case.
 */
#include <jansson.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/country.h"
#include "base/date.h"
#include "batch/batch_int.h"

/* ---- converters ---------------------------------------------------------------------------- */

enum { CONV_SLOW, CONV_ID, CONV_LIST, CONV_STRING, CONV_BOOL, CONV_INT, CONV_NUMBER, CONV_DURATION, CONV_DATE,
       CONV_COUNTRY, CONV_PORT, CONV_ENUM };

/* The slot of a member's text s[0..n) (n > 0) in an enum's table: its length and its
 * first and last two bytes, which tell apart the members of the rulebooks' enums
 * (post_secondary_1y, post_secondary_2y); members that share a slot are compared in order. */
static inline uint32_t member_slot(const char *s, size_t n) {
    const unsigned char *u = (const unsigned char *)s;
    return (uint32_t)(n * 37 + u[0] * 11 + u[n - 1] * 3 + (n > 1 ? u[n - 2] : 0)) % ENUM_SLOTS;
}

/* Whether a[0..n) and b[0..n) are the same bytes (n > 0), read a word at a time, the
 * last word overlapping: a member's text is a few bytes, and a call to memcmp would cost
 * more than the comparison. Reads nothing outside the two ranges. */
static inline int same_bytes(const char *a, const char *b, size_t n) {
    if (n >= 8) {
        uint64_t x, y;
        for (size_t i = 0; i + 8 < n; i += 8) {
            memcpy(&x, a + i, 8), memcpy(&y, b + i, 8);
            if (x != y) return 0;
        }
        memcpy(&x, a + n - 8, 8), memcpy(&y, b + n - 8, 8);
        return x == y;
    }
    if (n >= 4) {
        uint32_t x, y, x2, y2;
        memcpy(&x, a, 4), memcpy(&y, b, 4), memcpy(&x2, a + n - 4, 4), memcpy(&y2, b + n - 4, 4);
        return x == y && x2 == y2;
    }
    for (size_t i = 0; i < n; i++)
        if (a[i] != b[i]) return 0;
    return 1;
}

/* Whether member m (NUL-terminated) is the text s[0..n). */
static inline int member_is(const char *m, const char *s, size_t n) {
    size_t j = 0;
    while (j < n && m[j] && m[j] == s[j]) j++;
    return j == n && !m[n];
}

/* The converter of a scalar of type t. */
static uint8_t conv_of(type_t t) {
    switch (TYPE_BASE(t)) {
    case TY_STRING: return CONV_STRING;
    case TY_BOOL: return CONV_BOOL;
    case TY_INT: return CONV_INT;
    case TY_NUMBER: case TY_MONEY: return CONV_NUMBER;
    case TY_DURATION: return CONV_DURATION;
    case TY_DATE: return CONV_DATE;
    case TY_COUNTRY: return CONV_COUNTRY;
    case TY_PORT: return CONV_PORT;
    case TY_ENUM: return CONV_ENUM;
    default: return CONV_SLOW;
    }
}

tf_rc fill_plan(batch_schema *sc) {
    const tf_rules *r = sc->r;
    for (uint32_t i = 0; i < sc->ncols; i++) {
        batch_col *c = &sc->cols[i];
        memset(c->fconv, CONV_SLOW, sizeof c->fconv);
        if (c->is_id || c->input < 0) {
            c->conv = c->is_id ? CONV_ID : CONV_SLOW;
            continue;
        }
        const ir_input *def = &r->inputs[c->input];
        c->conv = TYPE_BASE(def->type) == TY_LIST ? CONV_LIST : conv_of(def->type);
        if (c->conv != CONV_LIST) continue;
        if (!def->nfields) c->fconv[0] = conv_of(def->elem);
        for (uint32_t f = 0; f < def->nfields && f < COL_FIELDS; f++) c->fconv[f] = conv_of(def->ftypes[f]);
    }
    sc->is_list = arena_array(&sc->mem, r->ninputs + 1, 1);
    if (!sc->is_list) return TF_ENOMEM;
    for (uint32_t i = 0; i < r->ninputs; i++) sc->is_list[i] = TYPE_BASE(r->inputs[i].type) == TY_LIST;
    /* every enum's members by the hash of their text (member_slot) */
    sc->members = r->nenums ? arena_array(&sc->mem, r->nenums, sizeof *sc->members) : NULL;
    if (r->nenums && !sc->members) return TF_ENOMEM;
    for (uint32_t e = 0; e < r->nenums; e++) {
        batch_members *t = &sc->members[e];
        t->pad = arena_array(&sc->mem, r->enums[e].nmembers + 1, sizeof *t->pad);
        if (!t->pad) return TF_ENOMEM;
        for (uint32_t m = 0; m < r->enums[e].nmembers; m++) {
            const char *name = r->enums[e].members[m];
            size_t n = strlen(name);
            if (!n) continue;
            if (n <= sizeof t->pad[m]) memcpy(t->pad[m], name, n);
            uint32_t h = member_slot(name, n);
            t->slot[h] = t->slot[h] || m + 1 >= ENUM_SCAN || n > UINT8_MAX ? ENUM_SCAN : (uint8_t)(m + 1);
            t->len[h] = (uint8_t)n;
        }
    }
    /* a port code is three capital letters (or a declared id of another form, which
     * case_text_value finds): the first declared port of each code, as ir_port_find;
     * no index (every port to case_text_value) when the indexes do not fit */
    sc->ports = NULL;
    if (r->nports > INT16_MAX) return TF_OK;
    sc->ports = arena_array(&sc->mem, 26 * 26 * 26, sizeof(int16_t));
    if (!sc->ports) return TF_ENOMEM;
    memset(sc->ports, 0xff, 26 * 26 * 26 * sizeof(int16_t));
    for (uint32_t p = r->nports; p-- > 0;) {
        const char *code = r->ports[p].code;
        if (strlen(code) == 3 && code[0] >= 'A' && code[0] <= 'Z' && code[1] >= 'A' && code[1] <= 'Z' &&
            code[2] >= 'A' && code[2] <= 'Z')
            sc->ports[(code[0] - 'A') * 676 + (code[1] - 'A') * 26 + (code[2] - 'A')] = (int16_t)p;
    }
    return TF_OK;
}

/* Whether the text s[0..n) (0 < n <= 16, with 16 bytes readable from s, none of them a
 * NUL before n) is the member whose padded text is pad: one comparison of sixteen bytes,
 * those of s after n read as zeros, without a branch on the length (the enums' members
 * have lengths that vary from row to row). A member of another length differs in a byte
 * below 16: a zero against a byte of s, or a byte of its own against a zero. */
static inline int member_is_padded(const uint8_t pad[16], const char *s, size_t n) {
#ifdef __SSE2__
    static const int8_t iota[16] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
    __m128i in = _mm_cmplt_epi8(_mm_loadu_si128((const __m128i *)(const void *)iota), _mm_set1_epi8((char)n));
    __m128i w = _mm_and_si128(_mm_loadu_si128((const __m128i *)(const void *)s), in);
    return _mm_movemask_epi8(_mm_cmpeq_epi8(w, _mm_loadu_si128((const __m128i *)(const void *)pad))) == 0xFFFF;
#else
    return n <= 16 && !memcmp(pad, s, n) && (n == 16 || !pad[n]);
#endif
}

/* The value of the text s[0..n) (not empty) for converter conv of type t, when the text
 * has the common form the converter reads in place: 1 with *out. Else 0, and
 * case_text_value decides: the value, or the message. A converter never accepts a text
 * that case_text_value refuses, nor reads one differently. `padded`: 16 bytes are
 * readable from s, and none of the text's is a NUL (a plain row's field). */
static inline __attribute__((always_inline)) int conv_fast(const batch_schema *sc, uint8_t conv, type_t t,
                                                           const char *s, size_t n, rv *out, int padded) {
    switch (conv) {
    case CONV_BOOL:
        if (n == 4 && !memcmp(s, "true", 4)) return out->i = 1, 1;
        if (n == 5 && !memcmp(s, "false", 5)) return out->i = 0, 1;
        return 0;
    case CONV_INT: {
        int64_t v = case_plain_digits(s, n);
        if (v < 0) return 0;
        out->i = v;
        return 1;
    }
    case CONV_NUMBER: { /* plain digits: the double the decimal reader makes of them */
        int64_t v = case_plain_digits(s, n);
        if (v < 0) return 0;
        out->d = (double)v;
        return 1;
    }
    case CONV_DURATION: {
        int64_t v = case_plain_digits(s, n);
        if (v < 0 || v > 1000000) return 0;
        out->i = v * 1440;
        return 1;
    }
    case CONV_DATE: {
        int32_t d;
        if (!date_parse(s, n, &d)) return 0;
        out->i = d;
        return 1;
    }
    case CONV_COUNTRY: {
        int c = country_find(s, n);
        if (c < 0) return 0;
        out->i = c;
        return 1;
    }
    case CONV_PORT: {
        if (n != 3 || !sc->ports) return 0;
        unsigned a = (unsigned)(unsigned char)s[0] - 'A', b = (unsigned)(unsigned char)s[1] - 'A',
                 c = (unsigned)(unsigned char)s[2] - 'A';
        if (a >= 26 || b >= 26 || c >= 26) return 0;
        int p = sc->ports[a * 676 + b * 26 + c];
        out->i = p >= 0 ? p : PORT_UNDESIGNATED;
        return 1;
    }
    case CONV_ENUM: {
        const ir_enum *e = &sc->r->enums[TYPE_ARG(t)];
        const batch_members *tab = &sc->members[TYPE_ARG(t)];
        uint32_t h = member_slot(s, n);
        if (padded && n <= 16 && tab->slot[h] != ENUM_SCAN) { /* the one member of its slot */
            if (!tab->slot[h] || !member_is_padded(tab->pad[tab->slot[h] - 1], s, n)) return 0;
            return out->i = tab->slot[h] - 1, 1;
        }
        if (tab->slot[h] != ENUM_SCAN) { /* the one member of its slot, of length len[h] */
            if (!tab->slot[h] || tab->len[h] != n || !same_bytes(e->members[tab->slot[h] - 1], s, n)) return 0;
            return out->i = tab->slot[h] - 1, 1;
        }
        for (uint32_t i = 0; i < e->nmembers; i++)
            if (member_is(e->members[i], s, n)) return out->i = i, 1;
        return 0;
    }
    default: return 0;
    }
}

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
    ch->cuts = malloc(((size_t)sc->ncols + 1) * CUT_STRIDE * sizeof(uint32_t));
    ch->pool_cap = 1 << 16;
    ch->pool = malloc(ch->pool_cap * sizeof(rv));
    arena_init(&ch->strs, 1 << 16, 0);
    ch->jcase = case_new(r);
    if (csv_init(&ch->csv, 0)) ch->failed = 1;
    ch->rows = (vec_rows){BATCH_ROWS, ch->vals, ch->known, ch->lists, sc->is_list};
    /* every input's default in every row: an input that is not a column keeps it */
    for (uint32_t i = 0; ch->vals && ch->known && i < r->ninputs; i++)
        if (r->inputs[i].has_default)
            for (size_t k = 0; k < BATCH_ROWS; k++)
                ch->vals[(size_t)i * BATCH_ROWS + k] = r->inputs[i].deflt, ch->known[(size_t)i * BATCH_ROWS + k] = 1;
    return ch->vals && ch->known && ch->lists && ch->list_off && ch->cuts && ch->pool && ch->jcase && !ch->failed ? 0 : -1;
}

void chunk_free(batch_chunk *ch) {
    free(ch->vals);
    free(ch->known);
    free(ch->lists);
    free(ch->list_off);
    free(ch->cuts);
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

/* Grows the pool for n more list elements (pool_room). */
static int pool_grow(batch_chunk *ch, size_t n) {
    size_t cap = ch->pool_cap;
    while (cap < ch->npool + n) cap *= 2;
    rv *p = realloc(ch->pool, cap * sizeof(rv));
    if (!p) return ch->failed = 1, -1;
    ch->pool_moved |= p != ch->pool;
    ch->pool = p;
    ch->pool_cap = cap;
    return 0;
}

/* Room for n more values in the chunk's list pool: 0, or -1 when it cannot grow. Inline
 * for the common case, room already there (every list of every row asks). */
static inline int pool_room(batch_chunk *ch, size_t n) {
    return ch->npool + n <= ch->pool_cap ? 0 : pool_grow(ch, n);
}

/* Row k's list of input `in`: n items of nf values from pool[off] on. Its pointer is
 * set again at the end of the chunk if the pool moves (pool_moved). */
static inline void set_list(batch_chunk *ch, int in, uint32_t k, uint32_t n, uint32_t nf, size_t off) {
    size_t cell = (size_t)in * BATCH_ROWS + k;
    ch->lists[cell] = (ev_list){n, nf, ch->pool + off};
    ch->list_off[cell] = (uint32_t)off;
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

/* The positions of bytes c and c2 (not NUL; c2 may be c) among the 64 bytes from p: bit
 * i is p[i] == c || p[i] == c2. Reads the 64 bytes in place when lim (the end of what may
 * be read) allows, else a copy of those before lim; bits past the caller's end are the
 * caller's to clear (below). A row's commas, and a list's separators, are found 64
 * bytes at a time, where a search per field would start over for each field. */
static inline uint64_t byte_mask64(const char *p, const char *lim, char c, char c2) {
    char tail[64];
    if (lim - p < 64) { /* never read past lim */
        memset(tail, 0, sizeof tail);
        memcpy(tail, p, (size_t)(lim - p));
        p = tail;
    }
    uint64_t m = 0;
#ifdef __SSE2__
    const __m128i pattern = _mm_set1_epi8(c), pattern2 = _mm_set1_epi8(c2);
    for (int i = 0; i < 4; i++) {
        __m128i w = _mm_loadu_si128((const __m128i *)(const void *)(p + 16 * i));
        __m128i eq = _mm_or_si128(_mm_cmpeq_epi8(w, pattern), _mm_cmpeq_epi8(w, pattern2));
        m |= (uint64_t)(uint16_t)_mm_movemask_epi8(eq) << (16 * i);
    }
#else
    const uint64_t ones = 0x0101010101010101ull, low7 = 0x7F7F7F7F7F7F7F7Full;
    for (int i = 0; i < 8; i++) {
        uint64_t w, w2;
        memcpy(&w, p + 8 * i, 8);
        w2 = w ^ ones * (unsigned char)c2;
        w ^= ones * (unsigned char)c;                                        /* the bytes c are now zero */
        uint64_t zero = ~(((w & low7) + low7) | w | low7) | ~(((w2 & low7) + low7) | w2 | low7);
        uint64_t bits = (zero * 0x0002040810204081ull) >> 56;                /* one bit a byte, in order */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
        bits = 0;
        for (int j = 0; j < 8; j++) bits |= (uint64_t)(p[8 * i + j] == c || p[8 * i + j] == c2) << j;
#endif
        m |= bits << (8 * i);
    }
#endif
    return m;
}

/* The number of bits set in m (without a call: x86-64's baseline has no popcnt). */
static inline uint32_t pop64(uint64_t m) {
    m -= (m >> 1) & 0x5555555555555555ull;
    m = (m & 0x3333333333333333ull) + ((m >> 2) & 0x3333333333333333ull);
    m = (m + (m >> 4)) & 0x0F0F0F0F0F0F0F0Full;
    return (uint32_t)((m * 0x0101010101010101ull) >> 56);
}

/* The bits of the first n bytes of a 64-byte mask (all of them from 64 on). */
static inline uint64_t below(ptrdiff_t n) { return n >= 64 ? ~0ull : (1ull << n) - 1; }

/* A list of whole numbers in plain digits (`9;9;8;10`), the common list, read in one
 * pass into row k's list of input `in`: 1, or 0 when some item is not 1 to 12 digits
 * (then csv_list reads the field, with its message). */
static int csv_int_list(batch_chunk *ch, uint32_t k, int in, const char *text, size_t len) {
    if (len > BATCH_MAX_ITEMS || pool_room(ch, len / 2 + 1)) return 0;
    rv *out = ch->pool + ch->npool;
    uint32_t count = 0;
    const char *p = text, *end = text + len;
    for (;;) { /* an item at p: its digits, then `;` and another item, or the end */
        unsigned d = (unsigned)(unsigned char)*p - '0';
        if (d > 9) return 0;
        uint64_t v = d;
        const char *q = p + 1;
        for (; q < end && (d = (unsigned)(unsigned char)*q - '0') <= 9; q++) v = v * 10 + d;
        if (q - p > 12) return 0;
        out[count++].i = (int64_t)v;
        if (q == end) break;
        if (*q != ';' || q + 1 == end) return 0;
        p = q + 1;
    }
    set_list(ch, in, k, count, 1, ch->npool);
    ch->npool += count;
    return 1;
}

/* A list of records (`2017-12-23:2018-01-09;2021-01-16:2021-02-10`, `FR:3;CA:1`) whose
 * every field has the common form its converter reads in place, read in one pass into row
 * k's list of input `in` (records of nf fields, at most COL_FIELDS): a field's end is
 * found by its width (a date's ten bytes, a code's two) or at the next separator, and the
 * separator after it checked (`:` inside a record, `;` between records). Returns 1, or 0
 * having kept nothing: csv_list reads the field, with its messages. */
static int record_list(batch_chunk *ch, uint32_t k, const batch_col *col, int in, uint32_t nf, const char *text,
                       size_t len) {
    if (len > BATCH_MAX_ITEMS || pool_room(ch, len + 1)) return 0; /* a value and its separator: a byte at least */
    rv *out = ch->pool + ch->npool, *o = out;
    uint32_t count = 0;
    const char *p = text, *end = text + len;
    for (;;) { /* a record at p */
        for (uint32_t fi = 0; fi < nf; fi++) {
            uint8_t conv = col->fconv[fi];
            const char *q;
            switch (conv) {
            case CONV_DATE: {
                int32_t d;
                q = p + 10;
                if (q > end || !date_parse(p, 10, &d)) return 0;
                o->i = d;
                break;
            }
            case CONV_COUNTRY: {
                q = p + 2;
                int c = q > end ? -1 : country_find(p, 2);
                if (c < 0) return 0;
                o->i = c;
                break;
            }
            case CONV_INT: case CONV_NUMBER: {
                uint64_t v = 0;
                for (q = p; q < end && (unsigned)(unsigned char)*q - '0' <= 9; q++) v = v * 10 + (unsigned)(*q - '0');
                if (q == p || q - p > 12) return 0;
                if (conv == CONV_INT) o->i = (int64_t)v;
                else o->d = (double)v;
                break;
            }
            case CONV_STRING:
                for (q = p; q < end && *q != ';' && *q != ':'; q++) {}
                if (!(o->s = arena_strndup(&ch->strs, p, (size_t)(q - p)))) return ch->failed = 1, 0;
                break;
            default: return 0;
            }
            o++;
            /* the separator after the field: `:` before the record's last field, then `;`
             * or the end */
            if (fi + 1 < nf) {
                if (q >= end || *q != ':') return 0;
            } else if (q < end && *q != ';') {
                return 0;
            }
            p = q + 1;
        }
        count++;
        if (p > end) break;       /* the last record ended at the field's end */
        if (p == end) return 0;   /* a `;` at the end: an empty record */
    }
    set_list(ch, in, k, count, nf, ch->npool);
    ch->npool += (size_t)(o - out);
    return 1;
}

/* The list field text[0..len) of column col (input `in`) into row k's list; its bytes may
 * be read up to lim (>= text + len). */
static void csv_list(batch_chunk *ch, uint32_t k, const batch_col *col, int in, const char *text, size_t len,
                     const char *lim) {
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
    /* the separators (`;` between items, `:` between a record's fields), found 64 bytes
     * at a time as the fields are read: one search for the whole field */
    char fsep = nf > 1 ? ':' : ';';
    const char *p = text, *end = text + len, *base = text;
    uint64_t seps = byte_mask64(base, lim, ';', fsep) & below(end - base);
    char err[KIND_MSG];
    for (;;) { /* the item from p */
        const char *f = p, *fe = end;
        for (uint32_t fi = 0; fi < nf; fi++) {
            while (!seps && end - base > 64) base += 64, seps = byte_mask64(base, lim, ';', fsep) & below(end - base);
            fe = seps ? base + __builtin_ctzll(seps) : end;
            seps &= seps - 1;
            if (fi + 1 < nf && (fe == end || *fe == ';')) { /* fe: the item's end */
                reject(ch, k, "%s[%u]: \"%.*s\" has %u of the %u fields %s", def->name, count, (int)(fe - p > 60 ? 60 : fe - p),
                       p, fi + 1, nf, "(name:value:..., in declared order)");
                return;
            }
            if (fi + 1 == nf && fe < end && *fe == ':') {
                const char *ie = find_byte(fe, end, ';');
                reject(ch, k, "%s[%u]: \"%.*s\" has more than the %u fields", def->name, count,
                       (int)(ie - p > 60 ? 60 : ie - p), p, nf);
                return;
            }
            type_t t = def->nfields ? def->ftypes[fi] : def->elem;
            uint8_t conv = fi < COL_FIELDS ? col->fconv[fi] : CONV_SLOW;
            rv v = {0};
            int und;
            size_t fl = (size_t)(fe - f);
            if (TYPE_BASE(t) == TY_STRING) {
                v.s = arena_strndup(&ch->strs, f, fl);
                if (!v.s) return (void)(ch->failed = 1);
            } else if ((!fl || !conv_fast(ch->sc, conv, t, f, fl, &v, 0)) &&
                       case_text_value(r, def->name, t, f, fl, &v, &und, err, sizeof err)) {
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
        if (fe == end) break;
        p = fe + 1;
    }
    set_list(ch, in, k, count, nf, at);
}

/* The valid UTF-8 text[0..len) of column c, row k, read by converter conv (c's): into
 * its column, or row k rejected (then returns 1, else 0).
 * `stable`: the text stays where it is while the chunk is in use (the block's bytes, with
 * BATCH_PAD readable bytes after the row), so that the id need not be copied. */
static inline __attribute__((always_inline)) int put_value(batch_chunk *ch, uint32_t k, const batch_col *c,
                                                           uint8_t conv, const char *text, size_t len, int stable) {
    const batch_schema *sc = ch->sc;
    if (conv == CONV_ID) {
        ch->id[k] = stable ? text : arena_strndup(&ch->strs, text, len);
        ch->id_len[k] = (uint32_t)len;
        if (!ch->id[k]) ch->failed = 1;
        return 0;
    }
    if (!len) return 0; /* an empty field: not given */
    if (conv == CONV_LIST) {
        const ir_input *def = &sc->r->inputs[c->input];
        int done = def->nfields ? def->nfields <= COL_FIELDS && record_list(ch, k, c, c->input, def->nfields, text, len)
                 : c->fconv[0] == CONV_INT && csv_int_list(ch, k, c->input, text, len);
        if (!done) csv_list(ch, k, c, c->input, text, len, stable ? text + len + BATCH_PAD : text + len);
        return ch->skip[k];
    }
    const tf_rules *r = sc->r;
    const ir_input *def = &r->inputs[c->input];
    size_t cell = (size_t)c->input * BATCH_ROWS + k;
    int und;
    if (conv == CONV_STRING) {
        ch->vals[cell].s = arena_strndup(&ch->strs, text, len);
        if (!ch->vals[cell].s) ch->failed = 1;
    } else if (!conv_fast(sc, conv, def->type, text, len, &ch->vals[cell], 0) &&
               case_text_value(r, def->name, def->type, text, len, &ch->vals[cell], &und, ch->msg[k], KIND_MSG)) {
        return ch->skip[k] = 1;
    }
    ch->known[cell] = 1;
    return 0;
}

/* Field `col` of row k, text[0..len): into its column, or row k rejected (the first
 * problem of a row wins: a field after it is not read). `stable` as put_value's. */
static inline __attribute__((always_inline)) void put_field(batch_chunk *ch, uint32_t k, uint32_t col,
                                                            const char *text, size_t len, int stable) {
    const batch_schema *sc = ch->sc;
    if (ch->skip[k]) return;
    if (col >= sc->ncols) {
        reject(ch, k, "row: more fields than the header's %u", sc->ncols);
        return;
    }
    const batch_col *c = &sc->cols[col];
    long bad = ch->row_utf8 ? -1 : bad_utf8((const unsigned char *)text, len);
    if (bad >= 0) {
        reject(ch, k, "%s: invalid UTF-8 (byte 0x%02X at offset %ld of the field)", c->name,
               (unsigned)(unsigned char)text[bad], bad);
        return;
    }
    put_value(ch, k, c, c->conv, text, len, stable);
}

/* libcsv: one field of the row being read (a row with quotes). */
static void csv_field(void *field, size_t len, void *user) {
    batch_chunk *ch = user;
    uint32_t col = ch->field++;
    ch->row_fields++;
    put_field(ch, ch->cur, col, field ? field : "", len, 0);
}

static void csv_row(int term, void *user) {
    (void)term;
    batch_chunk *ch = user;
    ch->rows_seen++;
}

/* The common row — ASCII, without quotes, spaces, tabs or other control bytes, with as
 * many fields as the header — cut at its commas, found 64 bytes at a time with the bytes
 * that would need more (a quote, a space or a tab to trim, a byte of UTF-8 to check): row k's fields' starts
 * into cuts (text is at offset off of the block; BATCH_PAD readable bytes after it).
 * Returns 1, else 0 for any other row (fill_csv reads it field by field). */
static int cut_plain(batch_chunk *ch, uint32_t k, const char *text, uint32_t off, uint32_t len) {
#ifdef __SSE2__
    enum { BLOCKS = 16 }; /* rows of up to 1,024 bytes */
    uint32_t ncols = ch->sc->ncols;
    if (len > 64 * BLOCKS) return 0;
    uint64_t commas[BLOCKS];
    uint32_t nblocks = (len + 63) / 64, nc = 0;
    /* a byte that needs more is a quote, or below '!' as a signed byte: a space, a tab
     * or another control byte (the field-by-field reading decides those), or one of UTF-8 */
    const __m128i comma = _mm_set1_epi8(','), quote = _mm_set1_epi8('"'), bang = _mm_set1_epi8('!');
    for (uint32_t b = 0; b < nblocks; b++) {
        uint64_t cm = 0, odd = 0;
        for (int i = 0; i < 4; i++) {
            __m128i w = _mm_loadu_si128((const __m128i *)(const void *)(text + 64 * b + 16 * i));
            __m128i o = _mm_or_si128(_mm_cmpeq_epi8(w, quote), _mm_cmplt_epi8(w, bang));
            cm |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(w, comma)) << (16 * i);
            odd |= (uint64_t)(uint16_t)_mm_movemask_epi8(o) << (16 * i);
        }
        uint64_t in = below((ptrdiff_t)len - 64 * (ptrdiff_t)b);
        if (odd & in) return 0;
        commas[b] = cm & in;
        nc += pop64(commas[b]);
    }
    if (nc + 1 != ncols) return 0;
    uint32_t *cut = ch->cuts + k;
    *cut = off;
    for (uint32_t b = 0; b < nblocks; b++)
        for (uint64_t m = commas[b]; m; m &= m - 1) *(cut += CUT_STRIDE) = off + 64 * b + (uint32_t)__builtin_ctzll(m) + 1;
    cut[CUT_STRIDE] = off + len + 1;
    return 1;
#else
    (void)ch, (void)k, (void)text, (void)off, (void)len;
    return 0;
#endif
}

/* Column j of the plain rows of block buf, read by converter conv (the column's, a
 * constant where this is inlined, so that each converter has a loop of its own). Returns
 * whether a row was rejected. */
static inline __attribute__((always_inline)) int plain_column(batch_chunk *ch, uint32_t j, const char *buf,
                                                              uint8_t conv) {
    const batch_col *c = &ch->sc->cols[j];
    const uint32_t *at = ch->cuts + (size_t)j * CUT_STRIDE, *next = at + CUT_STRIDE;
    const uint16_t *plain = ch->plain;
    uint32_t nplain = ch->nplain;
    int rejected = 0;
    if (conv == CONV_ID || conv == CONV_LIST || conv == CONV_STRING || conv == CONV_SLOW) {
        for (uint32_t i = 0; i < nplain; i++) {
            uint32_t k = plain[i];
            rejected |= put_value(ch, k, c, conv, buf + at[k], next[k] - at[k] - 1, 1);
        }
        return rejected;
    }
    /* a scalar read in place: what the loop needs held in locals, since its stores into
     * the columns could otherwise alias the chunk's fields and have them read again */
    const batch_schema *sc = ch->sc;
    type_t t = sc->r->inputs[c->input].type;
    rv *restrict vals = ch->vals + (size_t)c->input * BATCH_ROWS;
    uint8_t *restrict known = ch->known + (size_t)c->input * BATCH_ROWS;
    /* row K's field: into vals[K] and known[K], or the row rejected; the same body for
     * the usual block, every row plain (row k is the k-th), and for any other */
#define PLAIN_SCALAR(K)                                                                                     \
    do {                                                                                                     \
        uint32_t k = (K);                                                                                    \
        size_t n = next[k] - at[k] - 1;                                                                      \
        if (!n) break; /* an empty field: not given */                                                       \
        if (conv_fast(sc, conv, t, buf + at[k], n, &vals[k], 1)) known[k] = 1;                               \
        else rejected |= put_value(ch, k, c, conv, buf + at[k], n, 1); /* the slow reading decides */        \
    } while (0)
    if (nplain == ch->n)
        for (uint32_t i = 0; i < nplain; i++) PLAIN_SCALAR(i);
    else
        for (uint32_t i = 0; i < nplain; i++) PLAIN_SCALAR(plain[i]);
#undef PLAIN_SCALAR
    return rejected;
}

/* The columns of the plain rows of block buf, one column at a time. A rejected row is
 * not read further (the list of plain rows is cut after the column that rejects it): the
 * first problem of a row is its message, in the order of its fields, as when a row is
 * read field by field. */
static void fill_plain(batch_chunk *ch, const char *buf) {
    for (uint32_t j = 0; j < ch->sc->ncols && ch->nplain; j++) {
        int rejected;
        switch (ch->sc->cols[j].conv) {
#define CONV_CASE(k) case k: rejected = plain_column(ch, j, buf, k); break;
            CONV_CASE(CONV_ID) CONV_CASE(CONV_LIST) CONV_CASE(CONV_STRING) CONV_CASE(CONV_BOOL) CONV_CASE(CONV_INT)
            CONV_CASE(CONV_NUMBER) CONV_CASE(CONV_DURATION) CONV_CASE(CONV_DATE) CONV_CASE(CONV_COUNTRY)
            CONV_CASE(CONV_PORT) CONV_CASE(CONV_ENUM)
#undef CONV_CASE
        default: rejected = plain_column(ch, j, buf, CONV_SLOW); break;
        }
        if (!rejected) continue;
        uint32_t n = 0;
        for (uint32_t i = 0; i < ch->nplain; i++)
            if (!ch->skip[ch->plain[i]]) ch->plain[n++] = ch->plain[i];
        ch->nplain = n;
    }
}

/* Row k of a CSV block, text[0..len) (in the block's bytes, BATCH_PAD readable after
 * them), into the chunk's columns. */
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
        const char *p = text, *end = text + len, *base = text, *lim = end + BATCH_PAD;
        uint64_t commas = byte_mask64(base, lim, ',', ',') & below(end - base);
        uint32_t col = 0;
        for (;; col++) {
            while (!commas && end - base > 64) base += 64, commas = byte_mask64(base, lim, ',', ',') & below(end - base);
            const char *c = commas ? base + __builtin_ctzll(commas) : NULL;
            commas &= commas - 1;
            const char *fe = c ? c : end, *fs = p;
            while (fs < fe && (*fs == ' ' || *fs == '\t')) fs++;
            while (fe > fs && (fe[-1] == ' ' || fe[-1] == '\t')) fe--;
            put_field(ch, k, col, fs, (size_t)(fe - fs), 1);
            if (!c) break;
            p = c + 1;
        }
        ch->field = ch->row_fields = col + 1;
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
        set_list(ch, (int)i, k, l->n, l->nfields, ch->npool);
        ch->npool += nv;
    }
}

/* ---- a block ---------------------------------------------------------------------------- */

void chunk_fill(batch_chunk *ch, const batch_slot *s, batch_format fmt) {
    const tf_rules *r = ch->sc->r;
    uint32_t n = s->nrec;
    ch->n = n;
    ch->nplain = 0;
    ch->npool = 0;
    ch->pool_moved = 0;
    arena_reset(&ch->strs);
    /* the columns rows write into are emptied: with CSV, the header's (the others keep
     * what the first chunk left, nothing or their default); with JSONL, every input's */
    int csv = fmt != BATCH_FMT_JSONL;
    uint32_t ncols = csv ? ch->sc->ncols : r->ninputs;
    for (uint32_t j = 0; j < ncols; j++) {
        int i = csv ? ch->sc->cols[j].input : (int)j;
        if (i < 0) continue;
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
        else if (cut_plain(ch, k, s->buf + rec->off, rec->off, rec->len)) ch->plain[ch->nplain++] = (uint16_t)k;
        else fill_csv(ch, k, s->buf + rec->off, rec->len);
    }
    fill_plain(ch, s->buf);
    /* list pointers (if the pool moved; it has stopped now) and defaults, in the columns rows wrote
     * (the others keep their default from chunk_init); then the required inputs */
    for (uint32_t j = 0; j < ncols; j++) {
        int i = csv ? ch->sc->cols[j].input : (int)j;
        if (i < 0) continue;
        const ir_input *def = &r->inputs[i];
        size_t at = (size_t)i * BATCH_ROWS;
        if (TYPE_BASE(def->type) == TY_LIST && ch->pool_moved)
            for (uint32_t k = 0; k < n; k++)
                if (ch->lists[at + k].n) ch->lists[at + k].v = ch->pool + ch->list_off[at + k];
        if (def->has_default)
            for (uint32_t k = 0; k < n; k++)
                if (!ch->known[at + k]) ch->vals[at + k] = def->deflt, ch->known[at + k] = 1;
    }
    for (uint32_t i = 0; i < r->ninputs; i++) {
        if (!r->inputs[i].required) continue;
        size_t at = (size_t)i * BATCH_ROWS;
        for (uint32_t k = 0; k < n; k++)
            if (!ch->known[at + k]) reject(ch, k, "%s: missing", r->inputs[i].name);
    }
}

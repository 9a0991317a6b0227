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
 *
 * Writing a row is a few hundred instructions, a tenth of a row's evaluation, so it is
 * written straight into the slot's output: room for the whole row is made once (the
 * row's bound: its id and message six times over, the worst of JSON's escapes, and a
 * fixed budget per column), and each column is then written at a cursor without a check
 * of its own; only a text longer than a column's budget makes room for itself. The
 * columns of a part are told once (part_columns) for both formats: the writer's calls
 * (put_text, put_num, ...) write a CSV field or a JSON member; emit_rows is compiled
 * once per format, so that no column asks which. A text is copied and searched at once,
 * eight or sixteen bytes at a time, for the bytes that may need CSV quoting or JSON
 * escaping; when one is found (rarely: ids and reason codes are plain) the text is
 * written again by the exact, byte-at-a-time rules. A reason that joins two texts
 * (incomplete:<input>) is written as its two pieces, never put together by snprintf;
 * numbers are formatted in place, the row's number counted up from the block's first.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "base/date.h"
#include "base/jw.h"
#include "batch/batch_int.h"

/* The row loop's helpers are inlined into it (the format is a constant there); the rare
 * paths are kept out of it. */
#define INLINE static inline __attribute__((always_inline))
#define SLOW static __attribute__((noinline, cold))

/* ---- texts --------------------------------------------------------------------------- */

/* A text of an output row: a[0..an) then b[0..bn) (b is "" for a text of one piece). */
typedef struct {
    const char *a, *b;
    size_t an, bn;
} text_t;

#define TEXT_LIT(s) ((text_t){s, "", sizeof s - 1, 0})
#define TEXT_NONE ((text_t){"", "", 0, 0})

/* The text of the NUL-terminated s. */
static text_t text_of(const char *s) { return (text_t){s, "", strlen(s), 0}; }

/* Reasons of two pieces were once written by snprintf into a 300-byte buffer, and cut at
 * 299 bytes: they still are, so that no output changes. */
#define REASON_MAX 299

/* The reason "<a><b>" (a: ASCII, so that the pieces split no character), cut as it was. */
static text_t text_join(const char *a, size_t an, const char *b) {
    size_t bn = strlen(b);
    return (text_t){a, b, an, bn < REASON_MAX - an ? bn : REASON_MAX - an};
}

/* ---- numbers ------------------------------------------------------------------------- */

/* The two digits of 0..99, each at twice its value. */
static const char digit_pairs[201] = "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
                                     "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
                                     "8081828384858687888990919293949596979899";

/* fmt_u64 of any v: the digits counted from v's bit length (1233 / 4096 ~ log10 2), then
 * written two at a time from the right. */
static char *fmt_u64_any(uint64_t v, char *b) {
    /* pow10[0] is 0 so that 0 has a digit */
    static const uint64_t pow10[20] = {0,
                                       10u,
                                       100u,
                                       1000u,
                                       10000u,
                                       100000u,
                                       1000000u,
                                       10000000u,
                                       100000000u,
                                       1000000000u,
                                       10000000000u,
                                       100000000000u,
                                       1000000000000u,
                                       10000000000000u,
                                       100000000000000u,
                                       1000000000000000u,
                                       10000000000000000u,
                                       100000000000000000u,
                                       1000000000000000000u,
                                       10000000000000000000u};
    unsigned t = (unsigned)(64 - __builtin_clzll(v | 1)) * 1233 >> 12;
    int n = (int)t + (v >= pow10[t]);
    char *p = b + n;
    *p = 0;
    while (v >= 100) {
        unsigned d = (unsigned)(v % 100);
        v /= 100;
        p -= 2;
        memcpy(p, digit_pairs + 2 * d, 2);
    }
    if (v >= 10) memcpy(p - 2, digit_pairs + 2 * v, 2);
    else p[-1] = (char)('0' + v);
    return b + n;
}

/* v in decimal into b (at least 21 bytes), NUL-terminated; returns the end (the NUL).
 * Up to four digits (nearly every total and count of days) without a loop: a pair of
 * digits or one, then a pair. */
INLINE char *fmt_u64(uint64_t v, char *b) {
    if (v >= 10000) return fmt_u64_any(v, b);
    unsigned hi = (unsigned)v / 100, lo = (unsigned)v % 100;
    char *p = b;
    if (hi >= 10) memcpy(p, digit_pairs + 2 * hi, 2), p += 2;
    else if (hi) *p++ = (char)('0' + hi);
    if (hi || lo >= 10) memcpy(p, digit_pairs + 2 * lo, 2), p += 2;
    else *p++ = (char)('0' + lo);
    *p = 0;
    return p;
}

/* dec_next past a last digit 9: the carry. */
SLOW size_t dec_carry(char *num, size_t n) {
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

/* The decimal number num[0..n) plus one, in place (num has room for one more digit and
 * its NUL); returns its length. */
INLINE size_t dec_next(char *num, size_t n) {
    if (__builtin_expect(num[n - 1] == '9', 0)) return dec_carry(num, n);
    num[n - 1]++;
    return n;
}

/* Bytes a number's text may take (fmt_num). */
#define NUM_MAX 32

/* fmt_num of a number not whole, or too large for an integer. */
SLOW size_t fmt_g(double v, char *b) {
    if (isnan(v)) return b[0] = 0, 0;
    int len = snprintf(b, NUM_MAX, "%g", v);
    return len < 0 ? 0 : len < NUM_MAX ? (size_t)len : NUM_MAX - 1;
}

/* A number as the single-case JSON writes it: whole numbers without a point. Into b
 * (NUM_MAX bytes), NUL-terminated; returns its length (0 for NaN: no text). */
INLINE size_t fmt_num(double v, char *b) {
    if (fabs(v) < 1e15) { /* whole: the same after a round trip through an integer (NaN fails the test) */
        int64_t i = (int64_t)v;
        if ((double)i == v) {
            char *p = b;
            if (i < 0) *p++ = '-';
            return (size_t)(fmt_u64(i < 0 ? 0 - (uint64_t)i : (uint64_t)i, p) - b);
        }
    }
    return fmt_g(v, b);
}

/* ---- reasons and decisions ----------------------------------------------------------- */

/* The field a message names: the text before its first ": ", when it looks like a path
 * (no space or quote before it). One pass: the first space or quote is that ": "'s, or
 * the message names no field. msg is a message's KIND_MSG buffer (ch->msg, a kind's
 * msg), searched sixteen bytes at a time up to the block of its NUL, never past its end:
 * an undecided row of --all has a message for each part. */
static size_t msg_field(const char *msg, const char **field) {
#ifdef __SSE2__
    _Static_assert(KIND_MSG % 16 == 0, "a message buffer is whole blocks of 16 bytes");
    size_t n = 0;
    for (;; n += 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(msg + n));
        __m128i hit = _mm_or_si128(_mm_cmpeq_epi8(x, _mm_setzero_si128()),
                                   _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8(' ')), _mm_cmpeq_epi8(x, _mm_set1_epi8('"'))));
        unsigned m = (unsigned)_mm_movemask_epi8(hit);
        if (m) {
            n += (size_t)__builtin_ctz(m);
            break;
        }
    }
#else
    size_t n = strcspn(msg, " \"");
#endif
    if (msg[n] == ' ' && n > 1 && msg[n - 1] == ':') return *field = msg, n - 1;
    *field = "row";
    return 3;
}

/* The decision of a decided result (emit_decision), its length from outcomen (the
 * lengths of outcome_names) when given; a scheme's text is {NULL}: its total alone. */
INLINE text_t decision_text(const batch_part *p, const kind_result *res, const size_t *outcomen) {
    switch (p->kind) {
    case BATCH_CHECK:
        if (res->outcome < 0) return TEXT_NONE;
        return outcomen ? (text_t){outcome_names[res->outcome], "", outcomen[res->outcome], 0}
                        : text_of(outcome_names[res->outcome]);
    case BATCH_SCHEME:
        if (res->category >= 0) return text_of(p->rb->points->categories[res->category].name);
        if (res->passes >= 0) return res->passes ? TEXT_LIT("pass") : TEXT_LIT("fail");
        if (p->rb->points->ncategories) return TEXT_LIT("none");
        return (text_t){NULL, "", 0, 0};
    default: return res->passes > 0 ? TEXT_LIT("eligible") : TEXT_LIT("not_eligible");
    }
}

const char *emit_decision(const tf_rules *r, const batch_part *p, const kind_result *res, char *buf, size_t n) {
    (void)r;
    if (res->status) return "";
    text_t t = decision_text(p, res, NULL);
    if (t.a) return t.a;
    if (n >= NUM_MAX) fmt_num(res->total, buf);
    else if (n) buf[0] = 0;
    return buf;
}

/* The reason code of a result ("cn.entry.unilateral", "E:trip.to", ...); msg is the
 * message of a result that has a status, in its KIND_MSG buffer (msg_field). The text
 * lives in the rules, msg or literals. */
INLINE text_t reason_text(const tf_rules *r, const batch_part *p, const kind_result *res, const char *msg) {
    if (res->status) {
        const char *f;
        size_t fl = msg_field(msg, &f);
        return (text_t){"E:", f, 2, fl < REASON_MAX - 2 ? fl : REASON_MAX - 2};
    }
    switch (p->kind) {
    case BATCH_CHECK: return res->rule >= 0 ? text_of(r->books[res->book].rules[res->rule].id) : TEXT_LIT("no_rule");
    case BATCH_SCHEME: {
        const ir_points *pt = p->rb->points;
        if (!res->complete)
            return text_join("incomplete:", sizeof "incomplete:" - 1, res->missing >= 0 ? r->inputs[res->missing].name : "?");
        if (res->category >= 0) return text_of(pt->categories[res->category].name);
        if (pt->ncategories) return TEXT_LIT("none");
        if (res->passes >= 0) return res->passes ? TEXT_LIT("pass") : TEXT_LIT("fail");
        return TEXT_LIT("scored");
    }
    default:
        if (res->passes > 0) return TEXT_LIT("eligible");
        if (res->date == TF_DATE_DEFAULT) return text_join("never:", sizeof "never:" - 1, pathway_label(p->rb, res->missing));
        return text_join("binding:", sizeof "binding:" - 1, pathway_label(p->rb, res->missing));
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

/* ---- copying and searching a text ---------------------------------------------------- */

#define ONES 0x0101010101010101ull
#define HIGHS 0x8080808080808080ull

/* The high bit of each byte of w below c (c <= 128), and perhaps of bytes above such a
 * byte (a borrow): nonzero exactly when a byte of w is below c. bytes_eq: equal to c. */
static inline uint64_t bytes_below(uint64_t w, unsigned c) { return (w - ONES * c) & ~w & HIGHS; }
static inline uint64_t bytes_eq(uint64_t w, unsigned c) { return bytes_below(w ^ (ONES * c), 1); }

/* Nonzero when a byte of w may need CSV quoting (, " CR LF), or JSON escaping (", \,
 * a control character, a byte past ASCII, which the slow path validates as UTF-8). A
 * byte caught wrongly only sends the text to the exact rules: for CSV, every byte below
 * '-' is caught (the four are, and the short texts searched this way, ids and codes,
 * rarely have a space or a sign), in one test rather than three; for JSON, every byte
 * below '#' (a space too). */
static inline uint64_t csv_suspect(uint64_t w) { return bytes_below(w, '-'); }
static inline uint64_t json_suspect(uint64_t w) {
    return bytes_below(w, '"' + 1) | bytes_eq(w, '\\') | (w & HIGHS);
}

#ifdef __SSE2__
/* The tests sixteen bytes at a time, exact (a byte's mask is set when it needs quoting,
 * or escaping or a UTF-8 check: the signed comparison takes the bytes past ASCII, as
 * negative, for below 0x20): longer texts (messages, route reasons) have spaces. */
static inline __m128i csv_suspect16(__m128i x) {
    __m128i a = _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8(',')), _mm_cmpeq_epi8(x, _mm_set1_epi8('"')));
    __m128i b = _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('\n')), _mm_cmpeq_epi8(x, _mm_set1_epi8('\r')));
    return _mm_or_si128(a, b);
}
static inline __m128i json_suspect16(__m128i x) {
    __m128i a = _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('"')), _mm_cmpeq_epi8(x, _mm_set1_epi8('\\')));
    return _mm_or_si128(a, _mm_cmplt_epi8(x, _mm_set1_epi8(0x20)));
}
#endif

/* Copies s[0..n) to p, sixteen or eight bytes at a time (the last block, or two halves,
 * overlapping the one before: nothing is read or written outside s[0..n) and p[0..n)),
 * and returns nonzero when a byte may need quoting or escaping (json: JSON's tests, else
 * CSV's). */
INLINE uint64_t copy_scan(char *p, const char *s, size_t n, int json) {
    uint64_t w, bad = 0;
#ifdef __SSE2__
    if (n >= 16) { /* messages, route reasons, long ids */
        __m128i x, acc = _mm_setzero_si128();
        for (size_t i = 0; i + 16 < n; i += 16) {
            x = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
            _mm_storeu_si128((__m128i *)(void *)(p + i), x);
            acc = _mm_or_si128(acc, json ? json_suspect16(x) : csv_suspect16(x));
        }
        x = _mm_loadu_si128((const __m128i *)(const void *)(s + n - 16));
        _mm_storeu_si128((__m128i *)(void *)(p + n - 16), x);
        acc = _mm_or_si128(acc, json ? json_suspect16(x) : csv_suspect16(x));
        return (uint64_t)_mm_movemask_epi8(acc);
    }
#endif
    if (n >= 8) {
        for (size_t i = 0; i + 8 < n; i += 8) {
            memcpy(&w, s + i, 8);
            memcpy(p + i, &w, 8);
            bad |= json ? json_suspect(w) : csv_suspect(w);
        }
        memcpy(&w, s + n - 8, 8);
        memcpy(p + n - 8, &w, 8);
    } else if (n >= 4) {
        uint32_t x, y;
        memcpy(&x, s, 4);
        memcpy(&y, s + n - 4, 4);
        memcpy(p, &x, 4);
        memcpy(p + n - 4, &y, 4);
        w = x | (uint64_t)y << 32;
    } else if (n) {
        unsigned char x = (unsigned char)s[0], y = (unsigned char)s[n / 2], z = (unsigned char)s[n - 1];
        p[0] = (char)x, p[n / 2] = (char)y, p[n - 1] = (char)z;
        w = x | (uint64_t)y << 8 | (uint64_t)z << 16 | (ONES * 'a' << 24); /* and plain bytes */
    } else {
        return bad;
    }
    return bad | (json ? json_suspect(w) : csv_suspect(w));
}

/* csv_text's slow path: t, already copied to p, had a suspect byte. */
SLOW char *csv_quoted(char *p, const text_t *t) {
    static const uint8_t special[256] = {[','] = 1, ['"'] = 1, ['\n'] = 1, ['\r'] = 1};
    int quote = 0;
    for (size_t i = 0; i < t->an; i++) quote |= special[(unsigned char)t->a[i]];
    for (size_t i = 0; i < t->bn; i++) quote |= special[(unsigned char)t->b[i]];
    if (!quote) return p + t->an + t->bn; /* a false alarm: the copy stands */
    *p++ = '"';
    for (int piece = 0; piece < 2; piece++) {
        const char *s = piece ? t->b : t->a;
        size_t n = piece ? t->bn : t->an;
        for (size_t i = 0; i < n; i++) {
            if (s[i] == '"') *p++ = '"';
            *p++ = s[i];
        }
    }
    *p++ = '"';
    return p;
}

/* The CSV field t at p, which has room for twice its length and two: quoted when it
 * holds a delimiter, a quote or a line break. Returns the end. */
INLINE char *csv_text(char *p, text_t t) {
    if (__builtin_expect(copy_scan(p, t.a, t.an, 0) | copy_scan(p + t.an, t.b, t.bn, 0), 0)) return csv_quoted(p, &t);
    return p + t.an + t.bn;
}

/* jw_escape's output, at a cursor (char **) into room already made. */
static void put_at(void *cursor, const char *s, size_t n) {
    char **p = cursor;
    memcpy(*p, s, n);
    *p += n;
}

/* json_text's slow path: t escaped at p (the pieces split no character: text_join). */
SLOW char *json_escaped(char *p, const text_t *t) {
    jw_escape(t->a, t->an, put_at, &p);
    jw_escape(t->b, t->bn, put_at, &p);
    return p;
}

/* The JSON string t at p, which has room for six times its length and two, escaped as
 * the library's JSON writer escapes (base/jw.h). Returns the end. */
INLINE char *json_text(char *p, text_t t) {
    *p++ = '"';
    if (__builtin_expect(copy_scan(p, t.a, t.an, 1) | copy_scan(p + t.an, t.b, t.bn, 1), 0)) p = json_escaped(p, &t);
    else p += t.an + t.bn;
    *p++ = '"';
    return p;
}

/* ---- the writer ---------------------------------------------------------------------- */

/* A column's budget in a row's room: a JSON member whose name and text together are at
 * most TEXT_SHORT bytes (the text escaped six times over) or a number. A longer text
 * makes room for itself (put_text). */
#define TEXT_SHORT 48
#define COL_MAX (6 * TEXT_SHORT + NUM_MAX + 8)
/* The most columns of a part, and a row's bytes besides its id, message and columns. */
#define PART_COLS 4
#define ROW_FIXED 64

/* What the writer needs besides its cursor (which the writing functions take and return,
 * to keep it in a register): the slot whose output it writes and the room made at the
 * start of the row. `json` is a constant wherever it is read (emit_rows). */
typedef struct {
    batch_slot *s;
    size_t row;
    int failed;
} wr;

/* The cursor p, with room for n more bytes after it (and a NUL): the output moved if
 * need be. When out of memory, p unchanged and w->failed. */
SLOW char *wr_grow(wr *w, char *p, size_t n) {
    batch_slot *s = w->s;
    size_t len = (size_t)(p - s->out);
    if (slot_grow(&s->out, &s->out_cap, &s->out_lent, len, len + n + 1)) return w->failed = 1, p;
    return s->out + len;
}

/* The cursor p with room for n more bytes after it (wr_grow when there is not). */
INLINE char *wr_room(wr *w, char *p, size_t n) {
    return (size_t)(p - w->s->out) + n + 1 <= w->s->out_cap ? p : wr_grow(w, p, n);
}

/* A column's start: CSV its comma, JSON its name ("total", or a --all label and perhaps
 * ".reason"). */
INLINE char *put_name(char *p, int json, text_t name) {
    if (!json) return *p++ = ',', p;
    memcpy(p, ",\"", 2);
    p += 2;
    memcpy(p, name.a, name.an);
    memcpy(p + name.an, name.b, name.bn);
    p += name.an + name.bn;
    memcpy(p, "\":", 2);
    return p + 2;
}

/* An empty column: CSV nothing, JSON null. */
INLINE char *put_none(char *p, int json, text_t name) {
    p = put_name(p, json, name);
    if (json) memcpy(p, "null", 4), p += 4;
    return p;
}

/* A text column (a JSON string); an empty text is none. A text longer than a column's
 * budget makes room for itself and for the row's columns after it (whose budget it may
 * use); out of memory, it is left out (w->failed). */
INLINE char *put_text(wr *w, char *p, int json, text_t name, text_t t) {
    if (!t.an && !t.bn) return put_none(p, json, name);
    size_t n = name.an + name.bn + t.an + t.bn;
    if (__builtin_expect(n > TEXT_SHORT, 0)) {
        p = wr_room(w, p, 6 * n + COL_MAX + w->row);
        if (w->failed) return p;
    }
    p = put_name(p, json, name);
    return json ? json_text(p, t) : csv_text(p, t);
}

/* A word written as it is, never quoted (true, false). */
INLINE char *put_word(char *p, int json, text_t name, text_t word) {
    p = put_name(p, json, name);
    memcpy(p, word.a, word.an);
    return p + word.an;
}

/* A number column (fmt_num), written in place; NaN is none. */
INLINE char *put_num(char *p, int json, text_t name, double v) {
    if (isnan(v)) return put_none(p, json, name);
    p = put_name(p, json, name);
    return p + fmt_num(v, p);
}

/* A date column (a JSON string); TF_DATE_DEFAULT is none. */
INLINE char *put_date(char *p, int json, text_t name, int32_t day) {
    if (day == TF_DATE_DEFAULT) return put_none(p, json, name);
    p = put_name(p, json, name);
    if (json) *p++ = '"';
    date_format(day, p);
    p += 10;
    if (json) *p++ = '"';
    return p;
}

/* What the columns of a chunk's rows name, found once a chunk: the lengths of the
 * parts' labels (--all) and of the outcomes' names. */
typedef struct {
    const tf_rules *r;
    int all;
    size_t outcomen[OUT__COUNT];
    size_t labeln[BATCH_PARTS_MAX];
} names;

/* The result columns of part pi for a row (res, and its message msg), at most PART_COLS,
 * at the cursor o; under --all two, named by the part's label. Returns the cursor. */
INLINE char *part_columns(wr *w, char *o, int json, const names *nm, const batch_part *p, int pi,
                          const kind_result *res, const char *msg) {
    const tf_rules *r = nm->r;
    int ok = !res->status;
    text_t reason = reason_text(r, p, res, msg);
    if (nm->all) {
        text_t name = {p->label, "", nm->labeln[pi], 0};
        if (!ok) o = put_none(o, json, name);
        else if (p->kind == BATCH_SCHEME) o = put_num(o, json, name, res->total);
        else o = put_text(w, o, json, name, decision_text(p, res, nm->outcomen));
        name.b = ".reason", name.bn = sizeof ".reason" - 1;
        return put_text(w, o, json, name, reason);
    }
    switch (p->kind) {
    case BATCH_CHECK:
        o = put_text(w, o, json, TEXT_LIT("outcome"), ok ? decision_text(p, res, nm->outcomen) : TEXT_NONE);
        o = put_date(o, json, TEXT_LIT("latest_departure"), ok ? res->date : TF_DATE_DEFAULT);
        break;
    case BATCH_SCHEME:
        o = put_num(o, json, TEXT_LIT("total"), ok ? res->total : NAN);
        o = put_text(w, o, json, TEXT_LIT("category"),
                     ok && res->category >= 0 ? text_of(p->rb->points->categories[res->category].name) : TEXT_NONE);
        if (ok && res->passes >= 0)
            o = put_word(o, json, TEXT_LIT("passes"), res->passes ? TEXT_LIT("true") : TEXT_LIT("false"));
        else o = put_none(o, json, TEXT_LIT("passes"));
        break;
    default:
        if (ok) o = put_word(o, json, TEXT_LIT("eligible"), res->passes > 0 ? TEXT_LIT("true") : TEXT_LIT("false"));
        else o = put_none(o, json, TEXT_LIT("eligible"));
        o = put_date(o, json, TEXT_LIT("earliest_date"), ok ? res->date : TF_DATE_DEFAULT);
        o = put_num(o, json, TEXT_LIT("counted_days"), ok ? res->total : NAN);
        break;
    }
    return put_text(w, o, json, TEXT_LIT("reason"), reason);
}

/* emit_chunk in one format: json is a constant in each of its two copies, so that no
 * column asks it again. */
INLINE int emit_rows(batch_slot *s, const batch_chunk *ch, int json, const batch_part *parts, int nparts, int all,
                     kind_result *const *res, char (*const *msg)[KIND_MSG]) {
    const tf_rules *r = ch->sc->r;
    if (!s->out && slot_put(s, "", 0)) return -1; /* a buffer to point into */
    wr w = {s, 0, 0};
    char *o = s->out + s->out_len;
    s->nbad = 0;
    s->first_msg[0] = 0;
    names nm = {r, all, {0}, {0}};
    for (int i = 0; i < OUT__COUNT; i++) nm.outcomen[i] = strlen(outcome_names[i]);
    size_t cols = ROW_FIXED + (size_t)nparts * PART_COLS * COL_MAX; /* a row's room but for its id and message */
    for (int p = 0; p < nparts; p++) {
        nm.labeln[p] = strlen(parts[p].label);
        cols += 2 * nm.labeln[p]; /* the label as JSON names under --all, of any length */
    }
    char num[32] = {0}; /* the row's number in decimal, counted up from the block's first */
    size_t numn = (size_t)(fmt_u64(s->first_row, num) - num);
    for (uint32_t k = 0; k < ch->n; k++) {
        /* a row is rejected when it could not be read, or (one kind alone) decided */
        const char *err = ch->skip[k] ? ch->msg[k] : NULL;
        if (!err && !all && res[0][k].status) err = msg[0][k];
        s->bad[k] = err != NULL;
        size_t errn = 0;
        if (err) {
            errn = strlen(err);
            if (!s->nbad++) snprintf(s->first_msg, sizeof s->first_msg, "row %s: %s", num, err);
        }
        text_t id = ch->id[k] ? (text_t){ch->id[k], "", ch->id_len[k], 0} : TEXT_NONE;
        w.row = cols + 6 * (id.an + errn);
        o = wr_room(&w, o, w.row);
        if (w.failed) return -1;
        if (json) memcpy(o, "{\"row\":", 7), o += 7;
        memcpy(o, num, 24); /* the number and what follows it, overwritten */
        o += numn;
        numn = dec_next(num, numn); /* the next row's, a row's work before it is read */
        if (!json) *o++ = ',', o = csv_text(o, id);
        else if (ch->id[k]) memcpy(o, ",\"id\":", 6), o = json_text(o + 6, id);
        if (ch->skip[k]) {
            /* the row was not read: empty results and the reason (JSON: the first part's) */
            kind_result none;
            kind_result_clear(&none);
            none.status = TF_ECASE;
            for (int p = 0; p < nparts && !(json && p); p++) {
                int empty = json ? 0 : all ? 1 : parts[p].kind == BATCH_CHECK ? 2 : 3;
                for (int c = 0; c < empty; c++) o = put_none(o, json, TEXT_NONE);
                o = put_text(&w, o, json, TEXT_LIT("reason"), reason_text(r, &parts[p], &none, err));
            }
        } else if (nparts == 1) { /* one kind: the loop's bookkeeping spared */
            o = part_columns(&w, o, json, &nm, parts, 0, &res[0][k], msg[0][k]);
        } else {
            for (int p = 0; p < nparts; p++)
                o = part_columns(&w, o, json, &nm, &parts[p], p, &res[p][k], msg[p][k]);
        }
        if (w.failed) return -1;
        text_t e = {err, "", errn, 0};
        if (!json) {
            *o++ = ',';
            if (err) o = csv_text(o, e);
            *o++ = '\n';
        } else {
            if (err) memcpy(o, ",\"error\":", 9), o = json_text(o + 9, e);
            memcpy(o, "}\n", 2), o += 2;
        }
        s->row_end[k] = (uint32_t)(o - s->out);
    }
    s->out_len = (size_t)(o - s->out);
    return 0;
}

int emit_chunk(batch_slot *s, const batch_chunk *ch, batch_format fmt, const batch_part *parts, int nparts, int all,
               kind_result *const *res, char (*const *msg)[KIND_MSG]) {
    if (fmt == BATCH_FMT_JSONL) return emit_rows(s, ch, 1, parts, nparts, all, res, msg);
    return emit_rows(s, ch, 0, parts, nparts, all, res, msg);
}

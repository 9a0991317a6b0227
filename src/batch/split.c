/*
 * split.c — the reader's side of a batch: cutting the input into rows, and the header.
 *
 * The reader does not parse values; it only finds where each row ends, which for CSV
 * means knowing whether a line break is inside a quoted field. Its scanner follows the
 * quoting rules of libcsv, which parses the rows afterwards (fill.c): a field that
 * begins with a quote (after spaces) is quoted until a quote followed by a delimiter or
 * a line break ("" is a quote inside it); a quote anywhere else is an ordinary
 * character; CR, LF or CRLF ends a row outside quotes; empty lines are not rows. JSONL
 * rows are lines. The common CSV rows — an LF before any quote, CR or other control
 * byte — are found many at once, 64 bytes a step (reader_plain); the scanner
 * (reader_next) takes each of the others, and whatever reader_plain leaves.
 *
 * Bounds: a row longer than BATCH_MAX_ROW is not kept — the reader skips to its end and
 * hands on an error record naming the field where the limit was passed — so memory
 * stays bounded whatever the input. The end of the input inside a quoted field is a
 * truncated row, reported as such.
 */
#include <errno.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/pages.h"
#include "batch/batch_int.h"

#define READ_CHUNK ((size_t)1 << 20)

enum { ST_FIELD, ST_PLAIN, ST_QUOTED, ST_QUOTE };

int reader_init(batch_reader *rd, int fd) {
    memset(rd, 0, sizeof *rd);
    rd->fd = fd;
    /* room for the longest row and two reads, in huge pages: the first read's faults
     * are one, not 256 */
    rd->cap = (BATCH_MAX_ROW + 2 * READ_CHUNK + PAGES_HUGE - 1) / PAGES_HUGE * PAGES_HUGE;
    rd->buf = pages_alloc(rd->cap);
    rd->at_start = 1;
    return rd->buf ? 0 : -1;
}

void reader_free(batch_reader *rd) { free(rd->buf); }

/* Reads more input after what is kept, READ_CHUNK bytes at most; 0 at the end, -1 on
 * error. What is kept (the start of a row) goes to the front of the buffer first when it
 * is short, or when there is no room after it: so a run touches little more than one
 * chunk's pages of the buffer, each of which costs a page fault the first time. */
static ssize_t fill_more(batch_reader *rd) {
    if (rd->start > 0 && (rd->len - rd->start <= READ_CHUNK / 16 || rd->cap - rd->len < READ_CHUNK)) {
        memmove(rd->buf, rd->buf + rd->start, rd->len - rd->start);
        rd->len -= rd->start;
        rd->pos -= rd->start;
        rd->start = 0;
    }
    if (rd->cap - rd->len < READ_CHUNK) { /* a long record being skipped: drop what was scanned */
        rd->skipped += rd->pos - rd->start;
        rd->len = rd->start;
        rd->pos = rd->start;
    }
    for (;;) {
        ssize_t got = read(rd->fd, rd->buf + rd->len, READ_CHUNK);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) {
            rd->io_error = errno;
            return -1;
        }
        rd->len += (size_t)got;
        rd->bytes += (size_t)got;
        if (got == 0) rd->eof = 1;
        return got;
    }
}

int reader_sniff(batch_reader *rd, batch_format *fmt) {
    while (rd->len < 3 && !rd->eof)
        if (fill_more(rd) < 0) return -2;
    if (rd->len >= 3 && (unsigned char)rd->buf[0] == 0xEF && (unsigned char)rd->buf[1] == 0xBB &&
        (unsigned char)rd->buf[2] == 0xBF)
        rd->start = rd->pos = 3;
    for (;;) {
        for (size_t i = rd->pos; i < rd->len; i++) {
            char c = rd->buf[i];
            if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
            if (*fmt == BATCH_FMT_AUTO) *fmt = c == '{' ? BATCH_FMT_JSONL : BATCH_FMT_CSV;
            rd->fmt = *fmt;
            return 0;
        }
        if (rd->eof) return -1;
        if (fill_more(rd) < 0) return -2;
    }
}

#ifdef __SSE2__
/* The bytes of b[0..16) that end or complicate a CSV row, as bits: a quote, or one up to
 * CR (unsigned) — an LF, a CR, a tab, another control byte. */
static inline uint32_t row_odd16(const char *b) {
    const __m128i quote = _mm_set1_epi8('"'), cr = _mm_set1_epi8('\r');
    __m128i w = _mm_loadu_si128((const __m128i *)(const void *)b);
    __m128i low = _mm_cmpeq_epi8(_mm_min_epu8(w, cr), w);
    return (uint32_t)(uint16_t)_mm_movemask_epi8(_mm_or_si128(low, _mm_cmpeq_epi8(w, quote)));
}
#endif

/* The end of the common CSV row from b[i] (b[0..n) read): the offset of its first LF
 * when no quote and no CR comes before it, else n (the scanner below decides; it may
 * also be n when a tab or another control byte comes first). One pass, sixteen bytes at
 * a time, where three searches (LF, then a quote and a CR before it) read the row three
 * times. */
static size_t plain_row_end(const char *b, size_t i, size_t n) {
#ifdef __SSE2__
    /* one test finds the first byte that matters, which is the LF sought, or a quote, a
     * CR, a tab or another control byte (the scan decides) */
    for (; i + 16 <= n; i += 16) {
        uint32_t hit = row_odd16(b + i);
        if (hit) {
            size_t at = i + (unsigned)__builtin_ctz(hit);
            return b[at] == '\n' ? at : n;
        }
    }
#endif
    for (; i < n; i++) {
        if (b[i] == '\n') return i;
        if (b[i] == '"' || b[i] == '\r') return n;
    }
    return n;
}

uint32_t reader_plain(batch_reader *rd, batch_rec *recs, uint32_t max, size_t max_bytes, uint32_t at, size_t *from,
                      size_t *bytes) {
    uint32_t k = 0;
#ifdef __SSE2__
    if (rd->fmt != BATCH_FMT_CSV || rd->state != ST_FIELD || rd->pos != rd->start || rd->skipping) return 0;
    const char *b = rd->buf;
    size_t start = rd->start, row = start, end = start, n = rd->len;
    /* 64 bytes at a time, where all of them were read: the bytes that matter (a quote,
     * or one up to CR, unsigned); each that is an LF is a row's end, and any other stops
     * the run (the scanner decides that row) */
    for (size_t p = start; p + 64 <= n; p += 64) {
        uint64_t odd = (uint64_t)row_odd16(b + p) | (uint64_t)row_odd16(b + p + 16) << 16 |
                       (uint64_t)row_odd16(b + p + 32) << 32 | (uint64_t)row_odd16(b + p + 48) << 48;
        for (; odd; odd &= odd - 1) {
            size_t e = p + (unsigned)__builtin_ctzll(odd);
            if (b[e] != '\n') goto done;
            if (e > row) { /* an empty line is no row */
                recs[k++] = (batch_rec){at + (uint32_t)(row - start), (uint32_t)(e - row), REC_OK, 0};
                end = e;
            }
            row = e + 1;
            if (k == max || end - start >= max_bytes) goto done;
        }
    }
done:
    rd->start = rd->pos = row;
    *from = start;
    *bytes = end - start;
#else
    (void)rd, (void)recs, (void)max, (void)max_bytes, (void)at, (void)from, (void)bytes;
#endif
    return k;
}

/* Scans from rd->pos for the end of the record that began at rd->start. Returns 1 when
 * it ends before rd->pos (which is then past the line break), 0 at the end of what was
 * read. */
static int scan(batch_reader *rd, size_t *end) {
    const char *b = rd->buf;
    size_t i = rd->pos, n = rd->len;
    if (rd->fmt == BATCH_FMT_JSONL) {
        const char *nl = memchr(b + i, '\n', n - i);
        if (!nl) {
            rd->pos = n;
            return 0;
        }
        *end = (size_t)(nl - b);
        rd->pos = *end + 1;
        return 1;
    }
    int st = rd->state;
    uint32_t field = rd->field;
    if (st == ST_FIELD && i == rd->start) {
        /* the common row: no quote and no CR before its LF */
        size_t nl = plain_row_end(b, i, n);
        if (nl < n) {
            *end = nl;
            rd->pos = nl + 1;
            return 1;
        }
    }
    for (; i < n; i++) {
        char c = b[i];
        switch (st) {
        case ST_FIELD:
            if (c == '"') st = ST_QUOTED;
            else if (c == ',') field++;
            else if (c == '\n' || c == '\r') goto end;
            else if (c != ' ' && c != '\t') st = ST_PLAIN;
            break;
        case ST_PLAIN: {
            /* the common case: run to the next delimiter or line break */
            while (i < n && b[i] != ',' && b[i] != '\n' && b[i] != '\r') i++;
            if (i == n) goto more;
            c = b[i];
            if (c == ',') st = ST_FIELD, field++;
            else goto end;
            break;
        }
        case ST_QUOTED: {
            const char *q = memchr(b + i, '"', n - i);
            if (!q) {
                i = n;
                goto more;
            }
            i = (size_t)(q - b);
            st = ST_QUOTE;
            break;
        }
        case ST_QUOTE:
            if (c == '"') st = ST_QUOTED;
            else if (c == ',') st = ST_FIELD, field++;
            else if (c == '\n' || c == '\r') goto end;
            else if (c != ' ' && c != '\t') st = ST_QUOTED; /* libcsv keeps the quote */
            break;
        }
    }
more:
    rd->pos = n;
    rd->state = st;
    rd->field = field;
    return 0;
end:
    *end = i;
    rd->pos = i + 1;
    rd->state = ST_FIELD;
    rd->field = 0;
    return 1;
}

int reader_next(batch_reader *rd, batch_rec *rec, const char **text) {
    for (;;) {
        size_t end;
        if (scan(rd, &end)) {
            size_t len = end - rd->start, at = rd->start;
            if (rd->fmt == BATCH_FMT_JSONL && len && rd->buf[end - 1] == '\r') len--;
            rd->start = rd->pos;
            if (rd->skipping) {
                rd->skipping = 0;
                rd->skipped = 0;
                *rec = (batch_rec){0, 0, REC_TOO_LONG, rd->skip_field};
                *text = rd->buf;
                return 1;
            }
            int blank = rd->fmt == BATCH_FMT_JSONL; /* a JSONL line of spaces and tabs is empty too */
            for (size_t k = 0; k < len && blank; k++) blank = rd->buf[at + k] == ' ' || rd->buf[at + k] == '\t';
            if (!len || blank) continue; /* an empty line is no row */
            *rec = (batch_rec){0, (uint32_t)len, REC_OK, 0};
            *text = rd->buf + at;
            return 1;
        }
        if (!rd->skipping && rd->pos - rd->start > BATCH_MAX_ROW) {
            rd->skipping = 1;
            rd->skip_field = rd->field;
        }
        if (rd->eof) {
            if (rd->start == rd->len && !rd->skipping) return 0;
            /* the last row has no line break */
            size_t at = rd->start, len = rd->len - rd->start;
            int quoted = rd->fmt == BATCH_FMT_CSV && rd->state == ST_QUOTED;
            rd->start = rd->pos = rd->len;
            rd->state = ST_FIELD;
            if (rd->skipping) {
                rd->skipping = 0;
                *rec = (batch_rec){0, 0, REC_TOO_LONG, rd->skip_field};
                *text = rd->buf;
                return 1;
            }
            if (rd->fmt == BATCH_FMT_JSONL && len && rd->buf[at + len - 1] == '\r') len--;
            int blank = 1;
            for (size_t k = 0; k < len && blank; k++) blank = strchr(" \t\r\n", rd->buf[at + k]) != NULL;
            if (!len || blank) return 0;
            *rec = (batch_rec){0, (uint32_t)len, quoted ? REC_TRUNCATED : REC_OK, rd->field};
            *text = rd->buf + at;
            return 1;
        }
        if (fill_more(rd) < 0) return -1;
    }
}

/* ---- the schema: columns and plans ------------------------------------------------------ */

tf_rc schema_init(batch_schema *sc, const tf_rules *r) {
    memset(sc, 0, sizeof *sc);
    sc->r = r;
    arena_init(&sc->mem, 1 << 16, 0);
    sc->plans = arena_array(&sc->mem, r->nbooks + 1, sizeof(vec_plan *));
    for (uint32_t b = 0; sc->plans && b < r->nbooks; b++) sc->plans[b] = vec_plan_new(&r->books[b], &sc->mem);
    return arena_failed(&sc->mem) ? TF_ENOMEM : TF_OK;
}

void schema_free(batch_schema *sc) { arena_free(&sc->mem); }

void schema_plain(batch_schema *sc) {
    sc->cols = NULL;
    sc->ncols = 0;
    sc->has_id = 1;
}

typedef struct {
    batch_schema *sc;
    char *err;
    size_t errlen;
    tf_rc rc;
    uint32_t cap;
} header_reader;

static void header_field(void *field, size_t len, void *user) {
    header_reader *h = user;
    batch_schema *sc = h->sc;
    if (h->rc) return;
    if (sc->ncols == h->cap) {
        uint32_t cap = h->cap ? h->cap * 2 : 32;
        batch_col *cols = arena_array(&sc->mem, cap, sizeof *cols);
        if (!cols) {
            h->rc = TF_ENOMEM;
            return;
        }
        if (sc->ncols) memcpy(cols, sc->cols, sc->ncols * sizeof *cols);
        sc->cols = cols;
        h->cap = cap;
    }
    const char *name = arena_strndup(&sc->mem, field ? field : "", len);
    batch_col *c = &sc->cols[sc->ncols];
    uint32_t at = ++sc->ncols;
    c->name = name;
    c->input = -1;
    c->is_id = 0;
    if (!name) {
        h->rc = TF_ENOMEM;
        return;
    }
    if (!len) {
        snprintf(h->err, h->errlen, "header: column %u has no name", at);
        h->rc = TF_ECASE;
        return;
    }
    if (!strcmp(name, "id")) {
        c->is_id = 1;
        if (sc->has_id) {
            snprintf(h->err, h->errlen, "header: column %u: \"id\" is repeated", at);
            h->rc = TF_ECASE;
        }
        sc->has_id = 1;
        return;
    }
    c->input = ir_input_find(sc->r, name, len);
    if (c->input < 0) {
        snprintf(h->err, h->errlen, "header: column %u: \"%.80s\": unknown field (the case document's fields: docs/batch.md)",
                 at, name);
        h->rc = TF_ECASE;
        return;
    }
    for (uint32_t i = 0; i + 1 < sc->ncols; i++)
        if (sc->cols[i].input == c->input) {
            snprintf(h->err, h->errlen, "header: column %u: \"%.80s\" is repeated (column %u)", at, name, i + 1);
            h->rc = TF_ECASE;
            return;
        }
}

static void header_row(int term, void *user) {
    (void)term;
    (void)user;
}

tf_rc schema_header(batch_schema *sc, const char *text, size_t len, char *err, size_t errlen) {
    struct csv_parser p;
    header_reader h = {sc, err, errlen, TF_OK, 0};
    sc->ncols = 0;
    sc->has_id = 0;
    if (csv_init(&p, CSV_APPEND_NULL)) return TF_ENOMEM;
    csv_parse(&p, text, len, header_field, header_row, &h);
    csv_fini(&p, header_field, header_row, &h);
    csv_free(&p);
    if (!h.rc && !sc->ncols) {
        snprintf(err, errlen, "header: no columns");
        h.rc = TF_ECASE;
    }
    return h.rc ? h.rc : fill_plan(sc);
}

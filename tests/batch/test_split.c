/*
 * test_split.c — the reader's two ways of cutting rows agree (split.c).
 *
 * A white-box test of reader_plain, which finds the common CSV rows many at once, against
 * reader_next, the scanner, which finds every row one at a time. Each input is read twice
 * from a file: by reader_next alone, and as the batch's reader thread reads it
 * (batch.c: reader_plain first, reader_next for what it leaves, with the limits of a
 * block); both must give the same records — the same bytes, the same length, the same
 * error and field. The inputs are made here from a fixed seed: plain rows of every
 * length from 0 (an empty line) to 300 bytes, among rows that stop reader_plain — a
 * quoted field with a line break inside, a CRLF ending, a tab, a lone CR, another
 * control byte — over several megabytes, so that rows straddle the reader's 1 MB reads;
 * a last row without its line break, and one cut off inside quotes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "batch/batch_int.h"

#include "check.h"

typedef struct {
    char *buf;
    size_t len, cap;
} text;

static void put(text *t, const char *s, size_t n) {
    if (t->len + n > t->cap) {
        t->cap = (t->len + n) * 2;
        if (!(t->buf = realloc(t->buf, t->cap))) exit(2);
    }
    memcpy(t->buf + t->len, s, n);
    t->len += n;
}

static uint64_t seed = 88172645463325252u;
static uint32_t rnd(uint32_t n) { /* xorshift64, 0..n-1 */
    seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
    return (uint32_t)(seed % n);
}

/* A plain row of len bytes (no quote, no control byte; commas among letters and digits). */
static void plain_row(text *t, size_t len) {
    static const char alphabet[] = "abcXYZ019:;-_.,";
    for (size_t i = 0; i < len; i++) put(t, &alphabet[rnd(sizeof alphabet - 1)], 1);
    put(t, "\n", 1);
}

/* One row that reader_plain must leave to the scanner, of kind k. */
static void odd_row(text *t, int k) {
    static const char *const rows[] = {
        "a,\"quoted, with\na line break\",b\n", /* a line break inside quotes */
        "a,b,c\r\n",                             /* CRLF */
        "a,\tb,c\n",                             /* a tab */
        "a,b\rc,d\n",                            /* a lone CR: it ends the row */
        "a,\x01,c\n",                            /* another control byte */
        "\"a\"\"b\",c\n",                        /* a doubled quote */
        "a,b\"c,d\n",                            /* a quote inside a plain field */
        "\n\n\n",                                /* empty lines */
    };
    const char *r = rows[k % (int)(sizeof rows / sizeof rows[0])];
    put(t, r, strlen(r));
}

typedef struct {
    text bytes;      /* all records' bytes, back to back */
    batch_rec *recs; /* off: into bytes */
    size_t n, cap;
} records;

static void keep(records *r, const batch_rec *rec, const char *bytes) {
    if (r->n == r->cap) {
        r->cap = r->cap ? 2 * r->cap : 1024;
        if (!(r->recs = realloc(r->recs, r->cap * sizeof *r->recs))) exit(2);
    }
    batch_rec k = *rec;
    k.off = (uint32_t)r->bytes.len;
    r->recs[r->n++] = k;
    put(&r->bytes, bytes, rec->len);
}

/* The records of `in`, read from a file by reader_next alone or (`plain`) as the reader
 * thread reads them. */
static records read_all(const text *in, int plain) {
    records out = {0};
    FILE *f = tmpfile();
    if (!f || fwrite(in->buf, 1, in->len, f) != in->len || fflush(f)) exit(2);
    lseek(fileno(f), 0, SEEK_SET);
    batch_reader rd;
    if (reader_init(&rd, fileno(f))) exit(2);
    batch_format fmt = BATCH_FMT_CSV;
    CHECK(reader_sniff(&rd, &fmt) == 0, "sniff");
    batch_rec *recs = malloc(BATCH_ROWS * sizeof *recs);
    if (!recs) exit(2);
    for (;;) {
        if (plain) { /* a block's worth at most, as batch.c asks */
            size_t from, bytes;
            uint32_t n = reader_plain(&rd, recs, 1 + rnd(BATCH_ROWS), 1 + rnd(1 << 20), 0, &from, &bytes);
            for (uint32_t i = 0; i < n; i++) {
                CHECK(recs[i].off + recs[i].len <= bytes, "a row past the run: %u + %u > %zu", recs[i].off, recs[i].len,
                      bytes);
                keep(&out, &recs[i], rd.buf + from + recs[i].off);
            }
            if (n) continue;
        }
        const char *bytes;
        int got = reader_next(&rd, &recs[0], &bytes);
        CHECK(got >= 0, "read error");
        if (got <= 0) break;
        keep(&out, &recs[0], bytes);
    }
    free(recs);
    reader_free(&rd);
    fclose(f);
    return out;
}

static void same(const char *what, const text *in) {
    records a = read_all(in, 0), b = read_all(in, 1);
    CHECK(a.n == b.n, "%s: %zu rows by the scanner, %zu with reader_plain", what, a.n, b.n);
    for (size_t i = 0; i < a.n && i < b.n; i++) {
        const batch_rec *x = &a.recs[i], *y = &b.recs[i];
        int ok = x->len == y->len && x->err == y->err && x->field == y->field &&
                 !memcmp(a.bytes.buf + x->off, b.bytes.buf + y->off, x->len);
        CHECK(ok, "%s: row %zu differs: %u bytes (err %d) against %u (err %d)", what, i + 1, x->len, x->err, y->len,
              y->err);
        if (!ok) break;
    }
    free(a.bytes.buf), free(a.recs), free(b.bytes.buf), free(b.recs);
}

int main(void) {
    text in = {0};
    put(&in, "id,a,b\n", 7);
    size_t plain = 0;
    while (in.len < (5u << 20)) {
        if (rnd(20) == 0) odd_row(&in, (int)rnd(8));
        else plain_row(&in, rnd(301)), plain++;
    }
    CHECK(plain > 30000, "only %zu plain rows", plain);
    same("mixed rows", &in);

    size_t n = in.len;
    put(&in, "last,row,unended", 16);
    same("a last row without its line break", &in);

    in.len = n;
    put(&in, "a,\"cut off", 10);
    same("a last row cut off inside quotes", &in);

    in.len = 7; /* only plain rows, and a byte-order mark */
    for (int i = 0; i < 20000; i++) plain_row(&in, 20 + rnd(200));
    text bom = {0};
    put(&bom, "\xEF\xBB\xBF", 3);
    put(&bom, in.buf, in.len);
    same("plain rows after a byte-order mark", &bom);

    free(in.buf);
    free(bom.buf);
    printf("test_split: %d checks, %d failed\n", checks, failures);
    return failures != 0;
}

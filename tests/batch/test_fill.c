/*
 * test_fill.c — the batch's CSV converters read every value as the single-case reader.
 *
 * A white-box test of fill.c: for every scalar input of the case document, a block of
 * rows `id,<input>` whose field is each text of a list made for its type — every member
 * of an enum and near misses (a byte changed at the end or inside, one less, one more,
 * capitalised), dates at the edges (29 February, month 13, day 0), codes in and out of
 * the tables, digits with and without leading zeros or past twelve, decimals, signs —
 * read by chunk_fill, each cell compared with case_text_value on the same text: the same
 * value, or the row rejected with the same message. Each text is read in a plain row (the
 * column-by-column path) and again with a space before it (the field-by-field path,
 * libcsv's trimming).
 * Lists (languages.en.clb = 9;9;8;10, work = FR:3;CA:1, residence.absences, ...) are read
 * likewise and compared with a splitting of their text done here, each item or field read
 * by case_text_value.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch/batch_int.h"
#include "talentflow.h"

#include "check.h"

/* The texts tried for every input, whatever its type (each also for the types it is not). */
static const char *const common[] = {
    "2024-02-29", "2023-02-29", "2000-02-29", "1900-02-29", "1999-13-01", "1999-00-10", "1999-01-00", "0999-12-31",
    "9999-12-31", "2025-1-01",  "FR",         "fr",         "ZZ",         "XK",         "GB",         "PEK",
    "pek",        "ZZZ",        "TAO",        "true",       "false",      "True",       "yes",        "0",
    "007",        "12",         "999999999999", "1234567890123", "1.5",   "-3",         "1e3",        "+4",
    "x",          "noc_00",     "master",     "transit",    "é",          "1000001",    "1000000",    ";",
};

typedef struct {
    char *buf;
    size_t len, cap;
    batch_rec recs[BATCH_ROWS];
    uint32_t n;
    const char *text[BATCH_ROWS];
} block;

static void add_row(block *b, const char *id, const char *pre, const char *text) {
    if (b->n == BATCH_ROWS) return;
    size_t need = b->len + strlen(id) + strlen(pre) + strlen(text) + 2 + BATCH_PAD;
    if (need > b->cap) {
        b->cap = need * 2;
        b->buf = realloc(b->buf, b->cap);
        if (!b->buf) exit(2);
    }
    int n = sprintf(b->buf + b->len, "%s,%s%s", id, pre, text);
    b->recs[b->n] = (batch_rec){(uint32_t)b->len, (uint32_t)n, REC_OK, 0};
    b->text[b->n++] = text;
    b->len += (size_t)n + 1; /* and a byte between rows, as the reader leaves them */
}

/* The rows of block b under the header "id,<name>", read by chunk_fill into f's chunk. */
typedef struct {
    batch_schema sc;
    batch_chunk ch;
} filled;

static void read_block(filled *f, const tf_rules *r, const char *name, block *b) {
    char err[256], header[200];
    CHECK(schema_init(&f->sc, r) == TF_OK, "schema_init");
    int hn = snprintf(header, sizeof header, "id,%s", name);
    CHECK(schema_header(&f->sc, header, (size_t)hn, err, sizeof err) == TF_OK, "header %s: %s", header, err);
    CHECK(chunk_init(&f->ch, &f->sc) == 0, "chunk_init");
    memset(b->buf + b->len, 0, BATCH_PAD);
    batch_slot *s = calloc(1, sizeof *s);
    if (!s) exit(2);
    s->buf = b->buf, s->len = b->len, s->cap = b->cap, s->nrec = b->n;
    memcpy(s->recs, b->recs, b->n * sizeof *b->recs);
    chunk_fill(&f->ch, s, BATCH_FMT_CSV);
    free(s);
}

static void filled_free(filled *f) {
    chunk_free(&f->ch);
    schema_free(&f->sc);
}

/* Every text of the block for input i (the header "id,<name>") read by chunk_fill and
 * compared with case_text_value. */
static void check_block(const tf_rules *r, uint32_t i, block *b) {
    const ir_input *def = &r->inputs[i];
    filled f;
    read_block(&f, r, def->name, b);
    const batch_chunk *ch = &f.ch;
    for (uint32_t k = 0; k < b->n; k++) {
        const char *t = b->text[k];
        size_t cell = (size_t)i * BATCH_ROWS + k;
        rv want = {0};
        int und = 0;
        char msg[KIND_MSG] = "";
        if (!*t) {
            CHECK(!ch->skip[k] && ch->known[cell] == def->has_default, "%s = \"\": known %d", def->name, ch->known[cell]);
            continue;
        }
        int bad = case_text_value(r, def->name, def->type, t, strlen(t), &want, &und, msg, sizeof msg) != 0;
        if (bad) {
            CHECK(ch->skip[k] && !strcmp(ch->msg[k], msg), "%s = \"%s\": rejected %d \"%s\", want \"%s\"", def->name, t,
                  ch->skip[k], ch->msg[k], msg);
            continue;
        }
        CHECK(!ch->skip[k] && ch->known[cell], "%s = \"%s\": not read (%s)", def->name, t, ch->msg[k]);
        if (TYPE_BASE(def->type) == TY_NUMBER || TYPE_BASE(def->type) == TY_MONEY)
            CHECK(ch->vals[cell].d == want.d, "%s = \"%s\": %g, want %g", def->name, t, ch->vals[cell].d, want.d);
        else
            CHECK(ch->vals[cell].i == want.i, "%s = \"%s\": %lld, want %lld", def->name, t, (long long)ch->vals[cell].i,
                  (long long)want.i);
    }
    filled_free(&f);
}

/* The texts tried for every list of whole numbers (languages.en.clb = 9;9;8;10). */
static const char *const numbers[] = {
    "9;9;8;10", "7", "007;1", "9;;9", ";9", "9;", "123456789012", "1234567890123", "9;123456789012;1",
    "9:9", "x", "9;x", "1.5;2", "-1;2", "9;9;9;9;9;9;9;9;9;9;9;9;9;9;9;9", "0;0;0;0", "12;11;10;9",
    /* single digits, the usual list, and near misses at each place */
    "7;6;6;6", "1;2;3;4;5;6;7;8", "9;8;7;6;5;4;3;2;1", "7;6;6;6;", "7;6;6;66", "7;6;6;/", "7;6;6;:",
    "7;6:6;6", "7.6;6;6", "7;6;6;6;5;4;3;x", "7;6;6;6;5;4;3:2", "x;6;6;6", "7;6;6;6x", "7;;6;6", "0;0",
};

/* The texts tried for every list of records, whatever its fields. */
static const char *const records[] = {
    "FR:3;CA:1",          "GH:5",                  "FR:0.5;CA:12",         "FR:3;",               ";FR:3",
    "FR:3;;CA:1",         "FR:3:1",                "FR",                   "FR:",                 ":3",
    "fr:3",               "ZZ:1",                  "FR:1234567890123",     "FR:007",              "FR:-1",
    "2017-12-23:2018-01-09;2021-01-16:2021-02-10", "2024-02-29:2024-03-01", "2023-02-29:2023-03-01",
    "2017-12-23:2018-01-0", "2017-12-23:2018-01-099", "2017-12-23x:2018-01-09", "temporary:2017-04-03;permanent:2019-12-18",
    "temporary:2017-04-03;:2019-12-18", "::",     ":;:",                  "temporary:2019-02-29", "a:b:c;d:e",
    "permanent:2019-12-18;temporary:2017-04-03;visitor:2010-01-01", "GH:5;GH:5;GH:5;GH:5;GH:5;GH:5;GH:5;GH:5",
};

/* A record list's text read as the JSON reader reads each field (case_text_value), split
 * here at `;` and `:` on its own: the values (n records of nf fields), or -1 when it
 * does not read. */
static int records_plain(const tf_rules *r, const ir_input *def, const char *t, rv *out, uint32_t *n) {
    uint32_t nf = def->nfields ? def->nfields : 1, fi = 0;
    const type_t *types = def->nfields ? def->ftypes : &def->elem;
    *n = 0;
    const char *p = t;
    for (;;) {
        size_t fl = strcspn(p, ";:");
        char sep = p[fl];
        if (sep == ':' ? fi + 1 >= nf : fi + 1 != nf) return -1;
        rv v = {0};
        int und;
        char msg[KIND_MSG];
        type_t ft = types[fi];
        if (TYPE_BASE(ft) == TY_STRING) v.s = NULL; /* compared as text below */
        else if (case_text_value(r, def->name, ft, p, fl, &v, &und, msg, sizeof msg)) return -1;
        out[*n * nf + fi] = v;
        if (++fi == nf) fi = 0, ++*n;
        if (!sep) return 0;
        p += fl + 1;
    }
}

/* Every text into list input i (work, residence.absences, languages.en.clb ...): the
 * values of the batch's list equal records_plain's, or both refuse the text. */
static void check_records(const tf_rules *r, uint32_t i, const char *const *texts, size_t ntexts) {
    const ir_input *def = &r->inputs[i];
    uint32_t nf = def->nfields ? def->nfields : 1;
    const type_t *types = def->nfields ? def->ftypes : &def->elem;
    block b = {0};
    for (int pass = 0; pass < 2; pass++) {
        char id[32];
        for (size_t c = 0; c < ntexts; c++) snprintf(id, sizeof id, "r%zu", c), add_row(&b, id, pass ? " " : "", texts[c]);
    }
    filled f;
    read_block(&f, r, def->name, &b);
    const batch_chunk *ch = &f.ch;
    for (uint32_t k = 0; k < b.n; k++) {
        rv want[64];
        uint32_t n = 0;
        int bad = records_plain(r, def, b.text[k], want, &n);
        const ev_list *l = &ch->lists[(size_t)i * BATCH_ROWS + k];
        if (bad) {
            CHECK(ch->skip[k] && !strncmp(ch->msg[k], def->name, strlen(def->name)), "%s = \"%s\": rejected %d \"%s\"",
                  def->name, b.text[k], ch->skip[k], ch->msg[k]);
            continue;
        }
        CHECK(!ch->skip[k] && l->n == n && l->nfields == nf, "%s = \"%s\": %u records (%s), want %u", def->name, b.text[k],
              l->n, ch->msg[k], n);
        if (ch->skip[k] || l->n != n) continue;
        for (uint32_t v = 0; v < n * nf; v++) {
            type_t ft = types[v % nf];
            if (TYPE_BASE(ft) == TY_STRING) continue;
            int same = TYPE_BASE(ft) == TY_NUMBER ? l->v[v].d == want[v].d : l->v[v].i == want[v].i;
            CHECK(same, "%s = \"%s\": value %u differs", def->name, b.text[k], v);
        }
    }
    filled_free(&f);
    free(b.buf);
}

int main(void) {
    tf_rules *r = bundled_rules();
    if (!r) return 2;
    uint32_t tried = 0;
    for (uint32_t i = 0; i < r->ninputs; i++) {
        const ir_input *def = &r->inputs[i];
        type_t base = TYPE_BASE(def->type);
        if (base == TY_LIST || base == TY_STRING) continue;
        block b = {0};
        char variants[64][80];
        int nv = 0;
        if (base == TY_ENUM) { /* every member and its near misses */
            const ir_enum *e = &r->enums[TYPE_ARG(def->type)];
            for (uint32_t m = 0; m < e->nmembers && nv + 6 <= 64; m++) {
                const char *name = e->members[m];
                size_t n = strlen(name);
                snprintf(variants[nv++], 80, "%s", name);
                snprintf(variants[nv++], 80, "%sx", name);
                snprintf(variants[nv++], 80, "%.*s", (int)(n - 1), name);
                snprintf(variants[nv], 80, "%s", name);
                variants[nv][n - 1] = (char)(variants[nv][n - 1] == 'y' ? 'z' : 'y');
                variants[nv][0] = (char)(variants[nv][0] >= 'a' && variants[nv][0] <= 'z' ? variants[nv][0] - 32 : variants[nv][0]);
                nv++;
                /* a byte changed inside, where the member's hash does not look (its length,
                 * first and last two bytes): only the comparison of the bytes tells */
                size_t inside[2] = {n / 2, n - 3};
                for (int j = 0; j < 2 && n >= 5; j++) {
                    if (j && inside[1] == inside[0]) continue;
                    snprintf(variants[nv], 80, "%s", name);
                    variants[nv][inside[j]] = (char)(variants[nv][inside[j]] == 'q' ? 'k' : 'q');
                    nv++;
                }
            }
        }
        for (int pass = 0; pass < 2; pass++) { /* plain rows, then rows read field by field */
            const char *pre = pass ? " " : "";
            char id[32];
            for (int v = 0; v < nv; v++) snprintf(id, sizeof id, "v%d", v), add_row(&b, id, pre, variants[v]);
            for (size_t c = 0; c < sizeof common / sizeof common[0]; c++)
                snprintf(id, sizeof id, "c%zu", c), add_row(&b, id, pre, common[c]);
            add_row(&b, "empty", "", "");
        }
        check_block(r, i, &b);
        tried += b.n;
        free(b.buf);
    }
    uint32_t lists = 0;
    for (uint32_t i = 0; i < r->ninputs; i++) {
        const ir_input *def = &r->inputs[i];
        if (TYPE_BASE(def->type) != TY_LIST) continue;
        if (def->nfields >= 2) check_records(r, i, records, sizeof records / sizeof records[0]), lists++;
        else if (!def->nfields && TYPE_BASE(def->elem) == TY_INT)
            check_records(r, i, numbers, sizeof numbers / sizeof numbers[0]), lists++;
    }
    CHECK(tried > 1000 && lists >= 8, "only %u texts and %u lists tried", tried, lists);
    tf_rules_free(r);
    printf("%d passed, %d failed (%u texts)\n", checks - failures, failures, tried);
    return failures ? 1 : 0;
}

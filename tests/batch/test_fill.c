/*
 * test_fill.c — the batch's CSV converters read every value as the single-case reader.
 *
 * A white-box test of fill.c: for every scalar input of the case document, a block of
 * rows `id,<input>` whose field is each text of a list made for its type — every member
 * of an enum and near misses (a byte changed, one less, one more, capitalised), dates at
 * the edges (29 February, month 13, day 0), codes in and out of the tables, digits with
 * and without leading zeros or past twelve, decimals, signs — read by chunk_fill, each
 * cell compared with case_text_value on the same text: the same value, or the row
 * rejected with the same message. Each text is read in a plain row (the column-by-column
 * path) and again with a space before it (the field-by-field path, libcsv's trimming).
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

/* Every text of the block for input i (the header "id,<name>") read by chunk_fill and
 * compared with case_text_value. */
static void check_block(const tf_rules *r, uint32_t i, block *b) {
    const ir_input *def = &r->inputs[i];
    batch_schema sc;
    char err[256], header[200];
    CHECK(schema_init(&sc, r) == TF_OK, "schema_init");
    int hn = snprintf(header, sizeof header, "id,%s", def->name);
    CHECK(schema_header(&sc, header, (size_t)hn, err, sizeof err) == TF_OK, "header %s: %s", header, err);
    batch_chunk ch;
    CHECK(chunk_init(&ch, &sc) == 0, "chunk_init");
    memset(b->buf + b->len, 0, BATCH_PAD);
    batch_slot *s = calloc(1, sizeof *s);
    if (!s) exit(2);
    s->buf = b->buf;
    s->len = b->len;
    s->cap = b->cap;
    s->nrec = b->n;
    memcpy(s->recs, b->recs, b->n * sizeof *b->recs);
    chunk_fill(&ch, s, BATCH_FMT_CSV);
    for (uint32_t k = 0; k < b->n; k++) {
        const char *t = b->text[k];
        size_t cell = (size_t)i * BATCH_ROWS + k;
        rv want = {0};
        int und = 0;
        char msg[KIND_MSG] = "";
        if (!*t) {
            CHECK(!ch.skip[k] && ch.known[cell] == def->has_default, "%s = \"\": known %d", def->name, ch.known[cell]);
            continue;
        }
        int bad = case_text_value(r, def->name, def->type, t, strlen(t), &want, &und, msg, sizeof msg) != 0;
        if (bad) {
            CHECK(ch.skip[k] && !strcmp(ch.msg[k], msg), "%s = \"%s\": rejected %d \"%s\", want \"%s\"", def->name, t,
                  ch.skip[k], ch.msg[k], msg);
            continue;
        }
        CHECK(!ch.skip[k] && ch.known[cell], "%s = \"%s\": not read (%s)", def->name, t, ch.msg[k]);
        if (TYPE_BASE(def->type) == TY_NUMBER || TYPE_BASE(def->type) == TY_MONEY)
            CHECK(ch.vals[cell].d == want.d, "%s = \"%s\": %g, want %g", def->name, t, ch.vals[cell].d, want.d);
        else
            CHECK(ch.vals[cell].i == want.i, "%s = \"%s\": %lld, want %lld", def->name, t, (long long)ch.vals[cell].i,
                  (long long)want.i);
    }
    free(s);
    chunk_free(&ch);
    schema_free(&sc);
}

int main(void) {
    tf_rules *r = NULL;
    tf_diags *d = NULL;
    if (tf_rules_load_bundled(&r, &d) != TF_OK) {
        tf_diags_print(d, stderr);
        return 2;
    }
    tf_diags_free(d);
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
            for (uint32_t m = 0; m < e->nmembers && nv + 4 <= 64; m++) {
                const char *name = e->members[m];
                size_t n = strlen(name);
                snprintf(variants[nv++], 80, "%s", name);
                snprintf(variants[nv++], 80, "%sx", name);
                snprintf(variants[nv++], 80, "%.*s", (int)(n - 1), name);
                snprintf(variants[nv], 80, "%s", name);
                variants[nv][n - 1] = (char)(variants[nv][n - 1] == 'y' ? 'z' : 'y');
                variants[nv][0] = (char)(variants[nv][0] >= 'a' && variants[nv][0] <= 'z' ? variants[nv][0] - 32 : variants[nv][0]);
                nv++;
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
    CHECK(tried > 1000, "only %u texts tried", tried);
    tf_rules_free(r);
    printf("%d passed, %d failed (%u texts)\n", checks - failures, failures, tried);
    return failures ? 1 : 0;
}

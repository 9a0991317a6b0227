/*
 * batch.c — the batch pipeline: a reader thread, worker threads, the writer.
 *
 * A ring of blocks (slots) is the only memory that scales with the work in flight, and
 * its size is fixed (two per worker and two more), so a run of ten million rows holds
 * no more than a run of ten. The reader fills the free slot of the next sequence
 * number; any worker takes the next filled one, reads it into its chunk of columns,
 * evaluates it and formats its output into the slot; the calling thread writes the
 * slots strictly by sequence number, so the output follows the input whatever the
 * workers' pace. One mutex and one condition variable coordinate them: they are
 * touched once per block of a thousand rows, never per row.
 *
 * Every row read is either evaluated or rejected, and every row read is written (as a
 * result or an error row), so the summary always has read = evaluated + rejected; with
 * --strict the run stops at the first rejected row and writes what came before it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/pages.h"
#include "batch/batch_int.h"

enum { SLOT_FREE, SLOT_FILLED, SLOT_DONE };
#define BLOCK_BYTES ((size_t)1 << 20) /* a block is cut at this many bytes, or BATCH_ROWS rows */
/* Each slot's first buffers, in the slot region: its rows (1,024 rows of up to 250 bytes,
 * a synthetic row being 121) and its output (128 bytes a row: CSV and JSONL but for --all) */
#define SLOT_IN ((size_t)256 << 10)
#define SLOT_OUT ((size_t)128 << 10)

typedef struct {
    const batch_options *o;
    batch_format in_fmt, out_fmt;
    int diff;                       /* batch_diff: two evaluations per row */
    int nsc;                        /* schemas: 1, or 2 for two rule sets */
    batch_schema sc[2];
    batch_eval ev[2];
    batch_part parts[2][BATCH_PARTS_MAX];
    int nparts[2], all;
    batch_reader rd;
    batch_slot *slots;
    int nslots;
    char *region;                   /* the slots' first buffers, in huge pages */
    pthread_mutex_t m;
    /* one condition per waiter, so that a hand-off wakes only the thread it concerns:
     * workers wait for a filled block, the writer for a done one, the reader for a free
     * slot */
    pthread_cond_t work_cv, done_cv, free_cv;
    uint64_t filled, next_work;
    uint64_t freed;                 /* slots the writer has written and freed */
    uint64_t reader_want;           /* the reader sleeps until freed + nslots reaches this
                                     * (half the ring free), or 0 */
    uint64_t writer_at;             /* the slot the writer waits for, with the half ring after
                                     * it (writer_ready) */
    int writer_waits;
    int reader_done, abort;
    tf_rc reader_rc;
} run_ctx;

/* ---- the slots' memory ---------------------------------------------------------------------
 *
 * Every slot's first buffers lie in one region of huge pages (pages.h), made at the start
 * of a run: the ring's blocks are written once each before they are reused, and as
 * separate buffers their first writes took about a thousand page faults a run, at about
 * 10 µs each in a virtual machine — the largest part of a run's cost that did not depend
 * on its rows. A buffer that outgrows its place moves into memory of its own. */

/* n rounded up to a whole number of huge pages */
static size_t huge_round(size_t n) { return (n + PAGES_HUGE - 1) / PAGES_HUGE * PAGES_HUGE; }

int slot_grow(char **b, size_t *cap, bool *lent, size_t len, size_t need) {
    if (need <= *cap) return 0;
    size_t c = *cap ? *cap : (size_t)1 << 16;
    while (c < need) c *= 2;
    char *p = *lent ? malloc(c) : realloc(*b, c);
    if (!p) return -1;
    if (*lent) memcpy(p, *b, len);
    *b = p;
    *cap = c;
    *lent = false;
    return 0;
}

int slot_put(batch_slot *s, const char *text, size_t n) {
    if (slot_grow(&s->out, &s->out_cap, &s->out_lent, s->out_len, s->out_len + n + 1)) return -1;
    memcpy(s->out + s->out_len, text, n);
    s->out_len += n;
    return 0;
}

/* x's ring of nslots slots, in huge pages too (30 KB each, of records and row ends), and
 * the slot region: their first buffers. TF_OK or TF_ENOMEM. */
static tf_rc slots_place(run_ctx *x) {
    size_t sbytes = huge_round((size_t)x->nslots * sizeof *x->slots);
    if (!(x->slots = pages_alloc(sbytes))) return TF_ENOMEM;
    memset(x->slots, 0, sbytes);
    size_t per = SLOT_IN + SLOT_OUT;
    if (!(x->region = pages_alloc(huge_round(per * (size_t)x->nslots)))) return TF_ENOMEM;
    for (int i = 0; i < x->nslots; i++) {
        batch_slot *s = &x->slots[i];
        s->buf = x->region + (size_t)i * per;
        s->cap = SLOT_IN;
        s->out = s->buf + SLOT_IN;
        s->out_cap = SLOT_OUT;
        s->buf_lent = s->out_lent = true;
    }
    return TF_OK;
}

/* ---- the parts a row is evaluated by ------------------------------------------------------- */

static tf_rc find_parts(run_ctx *x, int e, char *err, size_t errlen) {
    const batch_eval *ev = &x->ev[e];
    const tf_rules *r = ev->r;
    batch_part *p = x->parts[e];
    int n = 0;
    if (ev->kind == BATCH_CHECK || ev->kind == BATCH_ALL) p[n++] = (batch_part){BATCH_CHECK, NULL, "entry"};
    for (uint32_t b = 0; b < r->nbooks && n < BATCH_PARTS_MAX; b++) {
        const ir_rulebook *rb = &r->books[b];
        if (rb->points && (ev->kind == BATCH_ALL || (ev->kind == BATCH_SCHEME && !strcmp(rb->id, ev->id))))
            p[n++] = (batch_part){BATCH_SCHEME, rb, rb->id};
    }
    for (uint32_t b = 0; b < r->nbooks && n < BATCH_PARTS_MAX; b++) {
        const ir_rulebook *rb = &r->books[b];
        if (rb->pathway && (ev->kind == BATCH_ALL || (ev->kind == BATCH_ROUTE && !strcmp(rb->id, ev->id))))
            p[n++] = (batch_part){BATCH_ROUTE, rb, rb->id};
    }
    if (!n) {
        snprintf(err, errlen, "no %s \"%s\"", ev->kind == BATCH_SCHEME ? "points scheme" : "route", ev->id ? ev->id : "");
        return TF_ENOTFOUND;
    }
    x->nparts[e] = n;
    return TF_OK;
}

/* ---- a worker ----------------------------------------------------------------------------- */

typedef struct {
    batch_chunk ch[2];
    kind_scratch ks[2];
    vec_stack stack;
    arena keep;
    kind_result *res[2][BATCH_PARTS_MAX];
    char (*msg[2][BATCH_PARTS_MAX])[KIND_MSG];
} worker;

static void worker_free(run_ctx *x, worker *w) {
    for (int s = 0; s < x->nsc; s++) {
        chunk_free(&w->ch[s]);
        tf_case_free(w->ks[s].view);
        pathway_scratch_free(w->ks[s].pathway_scratch);
    }
    for (int e = 0; e < 2; e++)
        for (int p = 0; p < BATCH_PARTS_MAX; p++) {
            free(w->res[e][p]);
            free(w->msg[e][p]);
        }
    vec_stack_free(&w->stack);
    arena_free(&w->keep);
}

static int worker_init(run_ctx *x, worker *w) {
    memset(w, 0, sizeof *w);
    int bad = vec_stack_init(&w->stack, (size_t)64 << 20);
    arena_init(&w->keep, (size_t)16 << 20, 0); /* one block: a chunk needs no more */
    for (int s = 0; s < x->nsc; s++) {
        bad |= chunk_init(&w->ch[s], &x->sc[s]);
        w->ks[s] = (kind_scratch){x->sc[s].r, (const vec_plan *const *)x->sc[s].plans, &w->stack, &w->keep,
                                  case_new(x->sc[s].r), pathway_scratch_new()};
        bad |= !w->ks[s].view || !w->ks[s].pathway_scratch;
    }
    for (int e = 0; e < (x->diff ? 2 : 1); e++)
        for (int p = 0; p < x->nparts[e]; p++) {
            w->res[e][p] = calloc(BATCH_ROWS, sizeof(kind_result));
            w->msg[e][p] = calloc(BATCH_ROWS, KIND_MSG);
            bad |= !w->res[e][p] || !w->msg[e][p];
        }
    return bad ? -1 : 0;
}

/* Evaluates part p of evaluation e over the chunk. */
static tf_rc run_part(worker *w, const batch_eval *ev, const batch_part *p, int s, kind_result *res,
                      char (*msg)[KIND_MSG]) {
    batch_chunk *ch = &w->ch[s];
    kind_chunk kc = {&ch->rows, ch->n, ch->skip, ev->as_of, res, msg};
    switch (p->kind) {
    case BATCH_CHECK: return entry_batch(&w->ks[s], &kc);
    case BATCH_SCHEME: return points_batch(&w->ks[s], p->rb, &kc);
    default: return pathway_batch(&w->ks[s], p->rb, &kc);
    }
}

/* The decision key of a row for a diff: one text per decision. */
static const char *diff_key(const run_ctx *x, int e, const kind_result *res, char *buf, size_t n) {
    return emit_decision(x->ev[e].r, &x->parts[e][0], res, buf, n);
}

static void process(run_ctx *x, worker *w, batch_slot *s) {
    s->rc = TF_OK;
    s->out_len = 0;
    for (int sc = 0; sc < x->nsc; sc++) {
        chunk_fill(&w->ch[sc], s, x->in_fmt);
        if (w->ch[sc].failed) {
            s->rc = TF_ENOMEM;
            return;
        }
    }
    int nev = x->diff ? 2 : 1;
    for (int e = 0; e < nev; e++) {
        int sc = e < x->nsc ? e : 0;
        for (int p = 0; p < x->nparts[e]; p++) {
            tf_rc rc = run_part(w, &x->ev[e], &x->parts[e][p], sc, w->res[e][p], w->msg[e][p]);
            if (rc) {
                s->rc = rc;
                return;
            }
        }
    }
    if (!x->diff) {
        if (emit_chunk(s, &w->ch[0], x->out_fmt, x->parts[0], x->nparts[0], x->all, w->res[0],
                       (char (*const *)[KIND_MSG])w->msg[0]))
            s->rc = TF_ENOMEM;
        return;
    }
    /* a diff: the changed rows as "from \t to \t id \n" */
    s->nbad = 0;
    for (uint32_t k = 0; k < s->nrec; k++) {
        const kind_result *a = &w->res[0][0][k], *b = &w->res[1][0][k];
        int bad = 0;
        for (int sc = 0; sc < x->nsc; sc++) bad |= w->ch[sc].skip[k];
        bad |= a->status || b->status;
        s->bad[k] = (uint8_t)bad;
        if (bad && !s->nbad++) {
            const char *m = w->ch[0].skip[k] ? w->ch[0].msg[k] : x->nsc > 1 && w->ch[1].skip[k] ? w->ch[1].msg[k]
                          : a->status ? w->msg[0][0][k] : w->msg[1][0][k];
            snprintf(s->first_msg, sizeof s->first_msg, "row %llu: %s", (unsigned long long)(s->first_row + k), m);
        }
        if (!bad) {
            char b1[64], b2[64];
            const char *ka = diff_key(x, 0, a, b1, sizeof b1), *kb = diff_key(x, 1, b, b2, sizeof b2);
            if (strcmp(ka, kb)) {
                char num[32];
                const char *id = w->ch[0].id[k];
                size_t idl = w->ch[0].id_len[k];
                if (!id) idl = (size_t)snprintf(num, sizeof num, "row %llu", (unsigned long long)(s->first_row + k)), id = num;
                if (slot_put(s, ka, strlen(ka)) ||
                    slot_put(s, "\t", 1) ||
                    slot_put(s, kb, strlen(kb)) ||
                    slot_put(s, "\t", 1) ||
                    slot_put(s, id, idl) ||
                    slot_put(s, "\n", 1))
                    s->rc = TF_ENOMEM;
            }
        }
        s->row_end[k] = (uint32_t)s->out_len;
    }
}

typedef struct {
    run_ctx *x;
    worker w;
    int ok;
} worker_arg;

/* Whether the writer may go on (under x->m): its slot and the half ring after it are done,
 * or as many as there will be. The writer sleeps until then, and a worker wakes it only
 * then, rather than for each slot. */
static int writer_ready(const run_ctx *x) {
    uint64_t upto = x->writer_at + (uint64_t)x->nslots / 2;
    if (x->reader_done && upto > x->filled) upto = x->filled;
    if (x->writer_at >= upto) return 1; /* the end of the input */
    for (uint64_t q = x->writer_at; q < upto; q++) {
        const batch_slot *s = &x->slots[q % (uint64_t)x->nslots];
        if (s->state != SLOT_DONE || s->seq != q) return 0;
    }
    return 1;
}

static void *worker_main(void *arg) {
    worker_arg *wa = arg;
    run_ctx *x = wa->x;
    for (;;) {
        pthread_mutex_lock(&x->m);
        while (!x->abort && x->next_work >= x->filled && !x->reader_done) pthread_cond_wait(&x->work_cv, &x->m);
        if (x->abort || x->next_work >= x->filled) {
            pthread_mutex_unlock(&x->m);
            break;
        }
        batch_slot *s = &x->slots[x->next_work++ % (uint64_t)x->nslots];
        pthread_mutex_unlock(&x->m);
        process(x, &wa->w, s);
        pthread_mutex_lock(&x->m);
        s->state = SLOT_DONE;
        if (x->writer_waits && writer_ready(x)) pthread_cond_signal(&x->done_cv);
        pthread_mutex_unlock(&x->m);
    }
    return NULL;
}

/* ---- the reader ---------------------------------------------------------------------------- */

/* Room in s's block for n more bytes and the padding: 0, or -1 out of memory (and the
 * run's reader_rc set). */
static int slot_room(run_ctx *x, batch_slot *s, size_t n) {
    if (s->len + n + BATCH_PAD <= s->cap) return 0;
    if (!slot_grow(&s->buf, &s->cap, &s->buf_lent, s->len, s->len + n + BATCH_PAD)) return 0;
    x->reader_rc = TF_ENOMEM;
    return -1;
}

static void *reader_main(void *arg) {
    run_ctx *x = arg;
    uint64_t rows = 0;
    int end = 0;
    for (uint64_t seq = 0; !end; seq++) {
        batch_slot *s = &x->slots[seq % (uint64_t)x->nslots];
        pthread_mutex_lock(&x->m);
        if (!x->abort && s->state != SLOT_FREE) {
            /* the ring is full: sleep until half of it is free (slots seq to seq + nslots/2
             * - 1), rather than wake for each slot: a hand-off costs a futex call and a
             * switch on each side. The writer frees every slot filled before seq, so the
             * wait ends. */
            x->reader_want = seq + (uint64_t)x->nslots / 2;
            while (!x->abort && x->freed + (uint64_t)x->nslots < x->reader_want) pthread_cond_wait(&x->free_cv, &x->m);
            x->reader_want = 0;
        }
        int stop = x->abort;
        pthread_mutex_unlock(&x->m);
        if (stop) break;
        s->nrec = 0;
        s->len = 0;
        s->seq = seq;
        s->first_row = rows + 1;
        while (s->nrec < BATCH_ROWS && s->len < BLOCK_BYTES) {
            /* the common rows, many at once, copied in one piece */
            size_t from, bytes;
            uint32_t many = reader_plain(&x->rd, &s->recs[s->nrec], BATCH_ROWS - s->nrec, BLOCK_BYTES - s->len,
                                         (uint32_t)s->len, &from, &bytes);
            if (many) {
                if (slot_room(x, s, bytes)) {
                    end = 1;
                    break;
                }
                memcpy(s->buf + s->len, x->rd.buf + from, bytes);
                s->len += bytes;
                s->nrec += many;
                continue;
            }
            batch_rec *rec = &s->recs[s->nrec]; /* written in place: a copy from the stack stalls */
            const char *text;
            int got = reader_next(&x->rd, rec, &text);
            if (got < 0) {
                x->reader_rc = TF_EIO;
                end = 1;
                break;
            }
            if (!got) {
                end = 1;
                break;
            }
            if (slot_room(x, s, rec->len)) {
                end = 1;
                break;
            }
            memcpy(s->buf + s->len, text, rec->len);
            rec->off = (uint32_t)s->len;
            s->len += rec->len;
            s->nrec++;
        }
        if (s->buf) memset(s->buf + s->len, 0, BATCH_PAD);
        rows += s->nrec;
        s->bytes_end = x->rd.bytes;
        if (!s->nrec) break;
        pthread_mutex_lock(&x->m);
        s->state = SLOT_FILLED;
        x->filled = seq + 1;
        pthread_cond_signal(&x->work_cv);
        pthread_mutex_unlock(&x->m);
    }
    pthread_mutex_lock(&x->m);
    x->reader_done = 1;
    pthread_cond_broadcast(&x->work_cv);
    pthread_cond_signal(&x->done_cv);
    pthread_mutex_unlock(&x->m);
    return NULL;
}

/* ---- the diff's tally ----------------------------------------------------------------------- */

typedef struct {
    char *from, *to;
    uint64_t count;
    char **sample;
    int nsample;
} transition;

typedef struct {
    transition *t;
    size_t n, cap;
    int samples;
    uint64_t changed;
} tally;

static int tally_add(tally *ty, const char *from, size_t fl, const char *to, size_t tl, const char *id, size_t il) {
    transition *t = NULL;
    for (size_t i = 0; i < ty->n && !t; i++)
        if (strlen(ty->t[i].from) == fl && !memcmp(ty->t[i].from, from, fl) && strlen(ty->t[i].to) == tl &&
            !memcmp(ty->t[i].to, to, tl))
            t = &ty->t[i];
    if (!t) {
        if (ty->n == ty->cap) {
            size_t cap = ty->cap ? ty->cap * 2 : 16;
            transition *p = realloc(ty->t, cap * sizeof *p);
            if (!p) return -1;
            ty->t = p;
            ty->cap = cap;
        }
        t = &ty->t[ty->n++];
        memset(t, 0, sizeof *t);
        t->from = strndup(from, fl);
        t->to = strndup(to, tl);
        t->sample = calloc((size_t)ty->samples + 1, sizeof(char *));
        if (!t->from || !t->to || !t->sample) return -1;
    }
    t->count++;
    ty->changed++;
    if (t->nsample < ty->samples && !(t->sample[t->nsample++] = strndup(id, il))) return -1;
    return 0;
}

static int tally_line(tally *ty, const char *p, const char *end) {
    const char *t1 = memchr(p, '\t', (size_t)(end - p));
    const char *t2 = t1 ? memchr(t1 + 1, '\t', (size_t)(end - t1 - 1)) : NULL;
    if (!t2) return 0;
    return tally_add(ty, p, (size_t)(t1 - p), t1 + 1, (size_t)(t2 - t1 - 1), t2 + 1, (size_t)(end - t2 - 1));
}

static void tally_free(tally *ty) {
    for (size_t i = 0; i < ty->n; i++) {
        free(ty->t[i].from);
        free(ty->t[i].to);
        for (int k = 0; k < ty->t[i].nsample; k++) free(ty->t[i].sample[k]);
        free(ty->t[i].sample);
    }
    free(ty->t);
}

static int by_count(const void *a, const void *b) {
    const transition *p = a, *q = b;
    if (p->count != q->count) return p->count < q->count ? 1 : -1;
    int c = strcmp(p->from, q->from);
    return c ? c : strcmp(p->to, q->to);
}

/* 12345678 as "12,345,678". */
static const char *grouped(uint64_t v, char buf[32]) {
    char tmp[32];
    int n = snprintf(tmp, sizeof tmp, "%llu", (unsigned long long)v), k = 0;
    for (int i = 0; i < n; i++) {
        if (i && (n - i) % 3 == 0) buf[k++] = ',';
        buf[k++] = tmp[i];
    }
    buf[k] = 0;
    return buf;
}

static void json_str(FILE *out, const char *s) {
    fputc('"', out);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') fprintf(out, "\\%c", *s);
        else if ((unsigned char)*s < 0x20) fprintf(out, "\\u%04x", (unsigned char)*s);
        else fputc(*s, out);
    }
    fputc('"', out);
}

static void tally_print(tally *ty, const batch_counts *c, const run_ctx *x, FILE *out) {
    qsort(ty->t, ty->n, sizeof *ty->t, by_count);
    char b1[32], b2[32], b3[32], b4[32];
    const char *what = x->parts[0][0].kind == BATCH_CHECK ? "entry decision" : x->parts[0][0].label;
    if (x->o->json) {
        fprintf(out, "{\"decision\":");
        json_str(out, what);
        fprintf(out, ",\"read\":%llu,\"evaluated\":%llu,\"rejected\":%llu,\"changed\":%llu,\"transitions\":[",
                (unsigned long long)c->read, (unsigned long long)c->evaluated, (unsigned long long)c->rejected,
                (unsigned long long)ty->changed);
        for (size_t i = 0; i < ty->n; i++) {
            fprintf(out, "%s{\"from\":", i ? "," : "");
            json_str(out, ty->t[i].from);
            fprintf(out, ",\"to\":");
            json_str(out, ty->t[i].to);
            fprintf(out, ",\"count\":%llu,\"sample\":[", (unsigned long long)ty->t[i].count);
            for (int k = 0; k < ty->t[i].nsample; k++) {
                if (k) fputc(',', out);
                json_str(out, ty->t[i].sample[k]);
            }
            fprintf(out, "]}");
        }
        fprintf(out, "]}\n");
        return;
    }
    fprintf(out, "%s: %s rows read, %s evaluated, %s rejected; %s changed\n", what, grouped(c->read, b1),
            grouped(c->evaluated, b2), grouped(c->rejected, b3), grouped(ty->changed, b4));
    for (size_t i = 0; i < ty->n; i++) {
        fprintf(out, "  %s \u2192 %s: %s", ty->t[i].from, ty->t[i].to, grouped(ty->t[i].count, b1));
        for (int k = 0; k < ty->t[i].nsample; k++) fprintf(out, "%s%s", k ? ", " : "  e.g. ", ty->t[i].sample[k]);
        fputc('\n', out);
    }
}

/* ---- the run ------------------------------------------------------------------------------- */

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static tf_rc run(const batch_options *o, int diff, batch_counts *counts, char *err, size_t errlen) {
    run_ctx *x = calloc(1, sizeof *x);
    memset(counts, 0, sizeof *counts);
    if (!x) return TF_ENOMEM;
    x->o = o;
    x->diff = diff;
    x->ev[0] = o->ev;
    x->ev[1] = diff ? *o->vs : o->ev;
    x->all = o->ev.kind == BATCH_ALL;
    x->nsc = diff && o->vs->r != o->ev.r ? 2 : 1;
    x->in_fmt = o->in_format;
    tf_rc rc = TF_OK;
    int threads = o->threads < 1 ? 1 : o->threads > 256 ? 256 : o->threads, started = 0, reader_started = 0;
    pthread_t reader, *tids = calloc((size_t)threads, sizeof *tids);
    /* the workers' own memory, half a megabyte each, in huge pages (see "the slots' memory") */
    size_t wbytes = huge_round((size_t)threads * sizeof(worker_arg));
    worker_arg *wargs = pages_alloc(wbytes);
    if (wargs) memset(wargs, 0, wbytes);
    tally ty = {.samples = o->samples};
    pthread_mutex_init(&x->m, NULL);
    pthread_cond_init(&x->work_cv, NULL);
    pthread_cond_init(&x->done_cv, NULL);
    pthread_cond_init(&x->free_cv, NULL);
    if (!tids || !wargs || reader_init(&x->rd, o->in_fd)) {
        rc = TF_ENOMEM;
        goto done;
    }
    for (int e = 0; e < (diff ? 2 : 1) && !rc; e++) rc = find_parts(x, e, err, errlen);
    for (int s = 0; s < x->nsc && !rc; s++) rc = schema_init(&x->sc[s], x->ev[s].r);
    if (rc) goto done;
    /* the format, and a CSV's header */
    int sn = reader_sniff(&x->rd, &x->in_fmt);
    if (sn == -2) {
        snprintf(err, errlen, "cannot read: %s", strerror(x->rd.io_error));
        rc = TF_EIO;
        goto done;
    }
    if (sn < 0) {
        snprintf(err, errlen, "the input is empty (%s)",
                 x->in_fmt == BATCH_FMT_JSONL ? "no case" : "a CSV input needs a header row");
        rc = TF_ECASE;
        goto done;
    }
    x->out_fmt = o->out_format == BATCH_FMT_AUTO ? x->in_fmt : o->out_format;
    if (x->in_fmt == BATCH_FMT_CSV) {
        batch_rec rec;
        const char *text;
        int got = reader_next(&x->rd, &rec, &text);
        if (got <= 0 || rec.err) {
            snprintf(err, errlen, got < 0 ? "cannot read: %s" : "the header row cannot be read",
                     got < 0 ? strerror(x->rd.io_error) : "");
            rc = got < 0 ? TF_EIO : TF_ECASE;
            goto done;
        }
        for (int s = 0; s < x->nsc && !rc; s++) rc = schema_header(&x->sc[s], text, rec.len, err, errlen);
        if (rc) goto done;
    } else {
        for (int s = 0; s < x->nsc; s++) schema_plain(&x->sc[s]);
    }
    if (!diff) emit_header(o->out, x->out_fmt, x->parts[0], x->nparts[0], x->all);
    /* hand-offs every half ring (reader_want, writer_ready): sixteen blocks or more, as a
     * wake-up costs tens of microseconds of CPU on a virtual machine (2 threads: CPU a row
     * -2% against a ring of 2 x threads + 6) */
    x->nslots = 2 * threads + 30;
    if (slots_place(x)) {
        rc = TF_ENOMEM;
        goto done;
    }
    for (int t = 0; t < threads; t++) {
        wargs[t].x = x;
        if (worker_init(x, &wargs[t].w)) {
            worker_free(x, &wargs[t].w);
            rc = TF_ENOMEM;
            goto stop;
        }
        wargs[t].ok = 1;
        if (pthread_create(&tids[t], NULL, worker_main, &wargs[t])) {
            rc = TF_ENOMEM;
            goto stop;
        }
        started++;
    }
    if (pthread_create(&reader, NULL, reader_main, x)) {
        rc = TF_ENOMEM;
        goto stop;
    }
    reader_started = 1;
    /* the writer: slots in sequence order */
    double last = now_s();
    for (uint64_t seq = 0;; seq++) {
        batch_slot *s = &x->slots[seq % (uint64_t)x->nslots];
        pthread_mutex_lock(&x->m);
        if (!(s->state == SLOT_DONE && s->seq == seq)) {
            x->writer_at = seq;
            x->writer_waits = 1;
            while (!x->abort && !writer_ready(x)) pthread_cond_wait(&x->done_cv, &x->m);
            x->writer_waits = 0;
        }
        int end = s->state != SLOT_DONE || s->seq != seq;
        pthread_mutex_unlock(&x->m);
        if (end) break;
        if (s->rc) {
            rc = s->rc;
            snprintf(err, errlen, "out of memory while evaluating rows %llu to %llu", (unsigned long long)s->first_row,
                     (unsigned long long)(s->first_row + s->nrec - 1));
            break;
        }
        uint32_t upto = s->nrec;
        if (o->strict && s->nbad) {
            upto = 0;
            while (!s->bad[upto]) upto++;
        }
        size_t bytes = upto ? s->row_end[upto - 1] : 0;
        if (diff) {
            const char *p = s->out, *e = s->out + bytes;
            while (p < e) {
                const char *nl = memchr(p, '\n', (size_t)(e - p));
                if (tally_line(&ty, p, nl)) rc = TF_ENOMEM;
                p = nl + 1;
            }
        } else if (bytes && fwrite(s->out, 1, bytes, o->out) != bytes) {
            snprintf(err, errlen, "cannot write the output: %s", strerror(errno));
            rc = TF_EIO;
            break;
        }
        uint32_t nbad = 0;
        for (uint32_t k = 0; k < upto; k++) nbad += s->bad[k];
        counts->read += upto;
        counts->rejected += nbad;
        counts->evaluated += upto - nbad;
        counts->written += diff ? 0 : upto;
        counts->bytes = s->bytes_end;
        if (upto < s->nrec) { /* --strict: the bad row ends the run */
            counts->read++;
            counts->rejected++;
            snprintf(err, errlen, "%s", s->first_msg);
            rc = TF_ECASE;
            break;
        }
        pthread_mutex_lock(&x->m);
        s->state = SLOT_FREE;
        x->freed = seq + 1;
        if (x->reader_want && x->freed + (uint64_t)x->nslots >= x->reader_want) pthread_cond_signal(&x->free_cv);
        pthread_mutex_unlock(&x->m);
        if (o->progress && now_s() - last > 0.2) {
            last = now_s();
            o->progress(o->user, counts, 0);
        }
    }
    if (!rc && x->reader_rc) {
        rc = x->reader_rc;
        snprintf(err, errlen, rc == TF_EIO ? "cannot read: %s" : "out of memory", strerror(x->rd.io_error));
    }
stop:
    pthread_mutex_lock(&x->m);
    x->abort = 1;
    pthread_cond_broadcast(&x->work_cv);
    pthread_cond_broadcast(&x->done_cv);
    pthread_cond_broadcast(&x->free_cv);
    pthread_mutex_unlock(&x->m);
    if (reader_started) pthread_join(reader, NULL);
    for (int t = 0; t < started; t++) pthread_join(tids[t], NULL);
    for (int t = 0; t < threads; t++)
        if (wargs[t].ok) worker_free(x, &wargs[t].w);
    if (diff && (!rc || rc == TF_ECASE) && counts->read) tally_print(&ty, counts, x, o->out);
    if (o->progress) o->progress(o->user, counts, 1);
done:
    tally_free(&ty);
    for (int i = 0; x->slots && i < x->nslots; i++) {
        if (!x->slots[i].buf_lent) free(x->slots[i].buf);
        if (!x->slots[i].out_lent) free(x->slots[i].out);
    }
    free(x->slots);
    free(x->region);
    for (int s = 0; s < x->nsc; s++) schema_free(&x->sc[s]);
    reader_free(&x->rd);
    pthread_mutex_destroy(&x->m);
    pthread_cond_destroy(&x->work_cv);
    pthread_cond_destroy(&x->done_cv);
    pthread_cond_destroy(&x->free_cv);
    free(tids);
    free(wargs);
    free(x);
    return rc;
}

tf_rc batch_run(const batch_options *o, batch_counts *counts, char *err, size_t errlen) {
    return run(o, 0, counts, err, errlen);
}

tf_rc batch_diff(const batch_options *o, batch_counts *counts, char *err, size_t errlen) {
    return run(o, 1, counts, err, errlen);
}

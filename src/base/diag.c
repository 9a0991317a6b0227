/*
 * diag.c — collecting and printing diagnostics.
 *
 * A diagnostic prints as
 *
 *     rulebooks/cn/entry.rules:12:9: error: unknown country code "ZZ"
 *        12 |   {FR ZZ} from 2024-01-01
 *           |       ^~
 *
 * with an optional note in the same form. The format is pinned by golden tests.
 */
#include "base/diag.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

tf_diags *diags_new(void) { return calloc(1, sizeof(tf_diags)); }

/* Registers a file whose text is `text` itself when copy is 0, else a copy of it. */
static int add_file(tf_diags *d, const char *name, const char *text, size_t len, int copy) {
    if (d->nfiles == d->files_cap) {
        size_t cap = d->files_cap ? 2 * d->files_cap : 16;
        diag_file *nf = realloc(d->files, cap * sizeof *nf);
        if (!nf) return -1;
        d->files = nf;
        d->files_cap = cap;
    }
    diag_file *f = &d->files[d->nfiles];
    f->name = strdup(name);
    char *own = copy ? malloc(len + 1) : NULL;
    if (!f->name || (copy && !own)) {
        free(f->name);
        free(own);
        return -1;
    }
    if (copy) {
        memcpy(own, text, len);
        own[len] = 0;
    }
    f->text = copy ? own : text;
    f->owned = copy;
    f->len = len;
    return (int)d->nfiles++;
}

int diags_add_file(tf_diags *d, const char *name, const char *text, size_t len) {
    return add_file(d, name, text, len, 1);
}

int diags_add_static_file(tf_diags *d, const char *name, const char *text, size_t len) {
    return add_file(d, name, text, len, 0);
}

static char *vfmt(const char *fmt, va_list ap) {
    char small[512];
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(small, sizeof small, fmt, ap2);
    va_end(ap2);
    if (n < 0) return NULL;
    char *s = malloc((size_t)n + 1);
    if (!s) return NULL;
    if ((size_t)n < sizeof small)
        memcpy(s, small, (size_t)n + 1);
    else
        vsnprintf(s, (size_t)n + 1, fmt, ap);
    return s;
}

static void add(tf_diags *d, diag_sev sev, span at, const char *fmt, va_list ap) {
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 16;
        diag *nv = realloc(d->v, cap * sizeof *nv);
        if (!nv) {
            d->oom = 1;
            if (sev == SEV_ERROR) d->errors++;
            return;
        }
        d->v = nv;
        d->cap = cap;
    }
    diag *g = &d->v[d->n++];
    memset(g, 0, sizeof *g);
    g->sev = sev;
    g->at = at;
    g->msg = vfmt(fmt, ap);
    if (sev == SEV_ERROR) d->errors++;
}

void diag_error(tf_diags *d, span at, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    add(d, SEV_ERROR, at, fmt, ap);
    va_end(ap);
}

void diag_warning(tf_diags *d, span at, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    add(d, SEV_WARNING, at, fmt, ap);
    va_end(ap);
}

void diag_note(tf_diags *d, span at, const char *fmt, ...) {
    if (!d->n) return;
    diag *g = &d->v[d->n - 1];
    if (g->note) return;
    va_list ap;
    va_start(ap, fmt);
    g->note = vfmt(fmt, ap);
    va_end(ap);
    g->note_at = at;
}

void diag_line_col(const char *text, size_t len, size_t off, int *line, int *col) {
    int l = 1, c = 1;
    if (off > len) off = len;
    for (size_t i = 0; i < off; i++) {
        if (text[i] == '\n') {
            l++;
            c = 1;
        } else if (((unsigned char)text[i] & 0xC0) != 0x80) {
            c++; /* a column per character: UTF-8 continuation bytes take none */
        }
    }
    *line = l;
    *col = c;
}

/* Prints "name:line:col: sev: msg", the source line and a caret line under `at`. */
static void print_one(const tf_diags *d, FILE *out, const char *sev, span at, const char *msg) {
    if (at.file >= d->nfiles) {
        fprintf(out, "%s: %s\n", sev, msg ? msg : "(out of memory)");
        return;
    }
    const diag_file *f = &d->files[at.file];
    int line, col;
    diag_line_col(f->text, f->len, at.off, &line, &col);
    fprintf(out, "%s:%d:%d: %s: %s\n", f->name, line, col, sev, msg ? msg : "(out of memory)");
    size_t bol = at.off > f->len ? f->len : at.off;
    while (bol > 0 && f->text[bol - 1] != '\n') bol--;
    size_t eol = bol;
    while (eol < f->len && f->text[eol] != '\n') eol++;
    fprintf(out, "%5d | ", line);
    for (size_t i = bol; i < eol; i++) fputc(f->text[i] == '\t' ? ' ' : f->text[i], out);
    /* the caret line counts characters, not bytes: a UTF-8 continuation byte (10xxxxxx)
     * takes no column of its own */
    fputs("\n      | ", out);
    size_t start = at.off < eol ? at.off : eol;
    for (size_t i = bol; i < start; i++)
        if (((unsigned char)f->text[i] & 0xC0) != 0x80) fputc(' ', out);
    fputc('^', out);
    size_t end = at.off + at.len < eol ? at.off + at.len : eol;
    int first = 1;
    for (size_t i = start; i < end; i++) {
        if (((unsigned char)f->text[i] & 0xC0) == 0x80) continue;
        if (!first) fputc('~', out);
        first = 0;
    }
    fputc('\n', out);
}

size_t tf_diags_count(const tf_diags *d) { return d ? d->n : 0; }
size_t tf_diags_errors(const tf_diags *d) { return d ? d->errors : 0; }

void tf_diags_print(const tf_diags *d, FILE *out) {
    if (!d) return;
    static const char *const sevs[] = {"error", "warning", "note"};
    for (size_t i = 0; i < d->n; i++) {
        print_one(d, out, sevs[d->v[i].sev], d->v[i].at, d->v[i].msg);
        if (d->v[i].note) print_one(d, out, "note", d->v[i].note_at, d->v[i].note);
    }
    if (d->oom) fputs("error: out of memory while collecting diagnostics\n", out);
}

void tf_diags_free(tf_diags *d) {
    if (!d) return;
    for (size_t i = 0; i < d->n; i++) {
        free(d->v[i].msg);
        free(d->v[i].note);
    }
    free(d->v);
    for (size_t i = 0; i < d->nfiles; i++) {
        free(d->files[i].name);
        if (d->files[i].owned) free((char *)d->files[i].text);
    }
    free(d->files);
    free(d);
}

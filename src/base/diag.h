/*
 * diag.h — diagnostics as values.
 *
 * Every phase of the front end reports problems by appending a diagnostic (severity, a
 * span into a retained source file, a message and an optional note with its own span) to
 * a tf_diags list; nothing is printed until the caller asks. Line and column are computed
 * only when a diagnostic is printed. The list owns copies of the source texts it points
 * into, so it outlives the compilation that produced it (texts embedded in the program
 * are not copied: they outlive everything).
 */
#ifndef TF_DIAG_H
#define TF_DIAG_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "talentflow.h"

/* A byte range in one source file of a compilation. */
typedef struct {
    uint32_t file; /* index of the file in the compilation */
    uint32_t off;  /* byte offset of the first byte */
    uint32_t len;  /* length in bytes */
} span;

typedef enum { SEV_ERROR, SEV_WARNING, SEV_NOTE } diag_sev;

typedef struct {
    diag_sev sev;
    span at;
    char *msg;
    char *note;   /* NULL, or a second message shown at note_at */
    span note_at;
} diag;

typedef struct {
    char *name;
    const char *text;
    size_t len;
    int owned;    /* text is the list's own copy, freed with it */
} diag_file;

struct tf_diags {
    diag *v;
    size_t n, cap;
    size_t errors;
    diag_file *files;
    size_t nfiles, files_cap;
    int oom; /* set when a diagnostic could not be stored */
};

tf_diags *diags_new(void);
/* Registers a source file (copied); returns its index, or -1 when out of memory. */
int diags_add_file(tf_diags *d, const char *name, const char *text, size_t len);
/* As diags_add_file for a text that lives as long as the program (a bundled rulebook,
 * embedded in it): the list points into it instead of copying it. */
int diags_add_static_file(tf_diags *d, const char *name, const char *text, size_t len);
/* Appends an error (or warning) at `at`, printf-style. */
void diag_error(tf_diags *d, span at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void diag_warning(tf_diags *d, span at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Adds a note with its own location to the most recent diagnostic. */
void diag_note(tf_diags *d, span at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* 1-based line and column of byte offset off in text; the column counts characters
 * (UTF-8 code points), as an editor shows them. */
void diag_line_col(const char *text, size_t len, size_t off, int *line, int *col);

#endif

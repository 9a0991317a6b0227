/*
 * jw.h — a JSON writer: compact JSON text appended to one growable buffer.
 *
 * The library's answers (a decision, an error) are written straight from its own data
 * with this writer instead of being built as a jansson tree and then dumped: no node
 * per value, no hash table per object, one buffer. The text is what jansson's
 * json_dumps(JSON_COMPACT | JSON_PRESERVE_ORDER) gives for the same values, byte for
 * byte (the same escapes: \" \\ \b \f \n \r \t and \u00XX in upper case for the other
 * control characters; '/' and non-ASCII are written as they are), so callers can move
 * from one to the other without changing their output.
 *
 * The writer places the commas: a key or a value written after a value in the same
 * object or array is preceded by one. It does not check that keys and values alternate;
 * the caller writes well-formed sequences. Failure is sticky: after the buffer cannot
 * grow (out of memory, or past the writer's maximum) every later call does nothing and
 * jw_finish returns NULL, so a sequence of writes needs one check at its end.
 */
#ifndef TF_JW_H
#define TF_JW_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

typedef struct {
    char *buf;       /* malloc'd; NUL-terminated by jw_finish */
    size_t len, cap;
    size_t max;      /* the largest text allowed (0: no limit but memory) */
    bool more;       /* a value was just written: the next key or value needs a comma */
    bool failed;     /* sticky */
} jw;

/* Starts an empty text with room for about hint bytes (grown as needed) and at most
 * max bytes (0: no limit). Allocates nothing until the first write. */
void jw_init(jw *w, size_t hint, size_t max);
/* The text (malloc'd, NUL-terminated; the caller frees it) and its length in *len (if
 * len is not NULL); NULL when a write failed. The writer is left empty. */
char *jw_finish(jw *w, size_t *len);
/* Frees the text of a writer that will not be finished. */
void jw_discard(jw *w);

/* Appends n bytes as they are (for text that is already JSON). */
void jw_raw(jw *w, const char *s, size_t n);

void jw_obj_begin(jw *w);
void jw_obj_end(jw *w);
void jw_arr_begin(jw *w);
void jw_arr_end(jw *w);
/* A key of the object being written, with its colon; its value comes next. */
void jw_key(jw *w, const char *key);

/* Values. s must be UTF-8; a byte that does not begin or continue a valid sequence is
 * written as U+FFFD, so the output is always valid JSON. */
void jw_str(jw *w, const char *s);
void jw_strn(jw *w, const char *s, size_t n);
void jw_int(jw *w, long long v);
/* The inside of a JSON string for the n bytes at s — the escapes above, a byte that is
 * not valid UTF-8 as U+FFFD, no quotes — handed to out(ctx, piece, length) in pieces, in
 * order: for a writer with its own buffer (the batch's JSONL) that must give the same
 * text as jw_strn. */
void jw_escape(const char *s, size_t n, void (*out)(void *ctx, const char *s, size_t n), void *ctx);
void jw_bool(jw *w, bool v);
void jw_null(jw *w);

#endif

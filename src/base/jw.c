/*
 * jw.c — the JSON writer (jw.h): compact JSON into one growable buffer.
 *
 * Strings are the only part with any work in them: runs of bytes that need no escape
 * are copied with one memcpy, and UTF-8 is checked as it goes (a decision's texts come
 * from rulebooks and case documents, both already checked, but an error message cut at
 * a fixed length may end inside a character).
 */
#include "base/jw.h"

#include <stdio.h>
#include <stdlib.h>

void jw_init(jw *w, size_t hint, size_t max)
{
    *w = (jw){.cap = hint ? hint : 256, .max = max};
}

/* Makes room for n more bytes and the final NUL; false (and failed) when it cannot. */
static bool room(jw *w, size_t n)
{
    if (w->failed)
        return false;
    if (w->buf && w->len + n + 1 <= w->cap)
        return true;
    size_t cap = w->cap;
    while (cap < w->len + n + 1)
        cap *= 2;
    if (w->max && w->len + n > w->max) {
        w->failed = true;
        return false;
    }
    char *b = realloc(w->buf, cap);
    if (!b) {
        w->failed = true;
        return false;
    }
    w->buf = b;
    w->cap = cap;
    return true;
}

static inline void put(jw *w, const char *s, size_t n)
{
    if (room(w, n)) {
        memcpy(w->buf + w->len, s, n);
        w->len += n;
    }
}

static inline void put1(jw *w, char c)
{
    if (room(w, 1))
        w->buf[w->len++] = c;
}

/* The comma before a key or a value that follows a value. */
static inline void sep(jw *w)
{
    if (w->more)
        put1(w, ',');
}

char *jw_finish(jw *w, size_t *len)
{
    char *s = NULL;
    if (!w->failed && room(w, 0)) {
        w->buf[w->len] = '\0';
        s = w->buf;
        if (len)
            *len = w->len;
    } else {
        free(w->buf);
    }
    w->buf = NULL;
    w->len = 0;
    w->more = false;
    return s;
}

void jw_discard(jw *w)
{
    free(w->buf);
    w->buf = NULL;
    w->len = 0;
}

void jw_raw(jw *w, const char *s, size_t n)
{
    put(w, s, n);
}

void jw_obj_begin(jw *w)
{
    sep(w);
    put1(w, '{');
    w->more = false;
}

void jw_obj_end(jw *w)
{
    put1(w, '}');
    w->more = true;
}

void jw_arr_begin(jw *w)
{
    sep(w);
    put1(w, '[');
    w->more = false;
}

void jw_arr_end(jw *w)
{
    put1(w, ']');
    w->more = true;
}

void jw_key(jw *w, const char *key)
{
    jw_str(w, key);
    put1(w, ':');
    w->more = false;
}

/* The length of the valid UTF-8 sequence that starts at s (at most n bytes), or 0 when
 * it is not one: overlong forms, surrogates and code points past U+10FFFF are refused,
 * as jansson refuses them. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t k;
    unsigned cp;
    if (c >= 0xC2 && c <= 0xDF)
        k = 2, cp = c & 0x1F;
    else if (c >= 0xE0 && c <= 0xEF)
        k = 3, cp = c & 0x0F;
    else if (c >= 0xF0 && c <= 0xF4)
        k = 4, cp = c & 0x07;
    else
        return 0;
    if (n < k)
        return 0;
    for (size_t i = 1; i < k; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if ((k == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
        (k == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
        return 0;
    return k;
}

void jw_escape(const char *s, size_t n, void (*out)(void *ctx, const char *s, size_t n), void *ctx)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t from = 0, i = 0;
    while (i < n) {
        unsigned char c = p[i];
        if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
            i++;
            continue;
        }
        if (c >= 0x80) {
            size_t k = utf8_len(p + i, n - i);
            if (k) {
                i += k;
                continue;
            }
        }
        if (i > from)
            out(ctx, s + from, i - from);
        char esc[8];
        const char *e = esc;
        switch (c) {
        case '"': e = "\\\""; break;
        case '\\': e = "\\\\"; break;
        case '\b': e = "\\b"; break;
        case '\f': e = "\\f"; break;
        case '\n': e = "\\n"; break;
        case '\r': e = "\\r"; break;
        case '\t': e = "\\t"; break;
        default:
            if (c < 0x20)
                snprintf(esc, sizeof esc, "\\u%04X", c);
            else
                e = "\xEF\xBF\xBD"; /* not UTF-8: U+FFFD */
        }
        out(ctx, e, strlen(e));
        from = ++i;
    }
    if (n > from)
        out(ctx, s + from, n - from);
}

static void put_piece(void *ctx, const char *s, size_t n)
{
    put(ctx, s, n);
}

void jw_strn(jw *w, const char *s, size_t n)
{
    sep(w);
    put1(w, '"');
    jw_escape(s, n, put_piece, w);
    put1(w, '"');
    w->more = true;
}

void jw_str(jw *w, const char *s)
{
    jw_strn(w, s, strlen(s));
}

void jw_int(jw *w, long long v)
{
    char b[24];
    int n = snprintf(b, sizeof b, "%lld", v);
    sep(w);
    put(w, b, (size_t)n);
    w->more = true;
}

void jw_bool(jw *w, bool v)
{
    sep(w);
    if (v)
        put(w, "true", 4);
    else
        put(w, "false", 5);
    w->more = true;
}

void jw_null(jw *w)
{
    sep(w);
    put(w, "null", 4);
    w->more = true;
}

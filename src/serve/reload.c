/*
 * reload.c — the rule set in force, swapped atomically on reload.
 *
 * A request takes a reference to the current serve_rules when it starts and gives it
 * back when it ends, and uses only that set in between: every decision of a request,
 * its version header and its log record come from one rule set, whatever reloads
 * happen meanwhile. A reload compiles the new set completely (on the caller's thread,
 * with no lock held), then swaps the pointer under a mutex held for two instructions;
 * the old set keeps its requests' references and is freed by the last of them. A set
 * that fails to compile is never published: the old one stays in force.
 *
 * The mutex guards only "read the pointer and take a reference" against "swap the
 * pointer and drop the current reference": without it, a request could read the pointer,
 * lose the CPU while a reload frees the old set, and then count a reference on freed
 * memory. Taking an uncontended mutex costs tens of nanoseconds, next to the
 * microseconds of a decision.
 *
 * What /v1/rulebooks shows is derived once per load, here, from the public API only:
 * the header lines of tf_rules_dump (id, title, file, destination, counts),
 * tf_rules_schemes and tf_rules_routes (the kind, and the schemes and routes the dump
 * leaves out, whose title and file come from their `rulebook` line), tf_rules_diff over
 * all dates (the dated changes), and a hash of each rulebook's text (its own version, so
 * a client sees which rulebook a reload changed). The texts are read here (the bundled table, or the
 * files under --rules DIR, walked as tf_rules_load_dir walks them) and compiled with
 * tf_compile, so the hashes are of exactly the texts compiled.
 */
#define _GNU_SOURCE /* asprintf */
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "base/bundled.h"
#include "serve/serve.h"

#define RULES_FILE_MAX ((size_t)16 << 20)
#define RULES_DIR_DEPTH 16

static pthread_mutex_t current_lock = PTHREAD_MUTEX_INITIALIZER;
static serve_rules *current;
static pthread_mutex_t reload_lock = PTHREAD_MUTEX_INITIALIZER; /* one reload at a time */
static const char *rules_dir;
static uint64_t generation;
static atomic_ullong reloads_ok, reloads_failed;

/* ---- reading the rulebook texts -------------------------------------------------------- */

typedef struct {
    tf_source *v;
    size_t n, cap;
    bool owned; /* the texts and names were malloc'd here */
} source_list;

static void sources_free(source_list *l)
{
    if (l->owned)
        for (size_t i = 0; i < l->n; i++) {
            free((char *)l->v[i].name);
            free((char *)l->v[i].text);
        }
    free(l->v);
    memset(l, 0, sizeof *l);
}

static bool sources_push(source_list *l, const char *name, const char *text, size_t len)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        tf_source *v = realloc(l->v, cap * sizeof *v);
        if (!v)
            return false;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = (tf_source){name, text, len};
    return true;
}

/* Reads the whole file at path (at most RULES_FILE_MAX bytes), malloc'd. */
static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap + 1);
    while (buf) {
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap || cap >= RULES_FILE_MAX)
            break;
        char *nb = realloc(buf, cap * 2 + 1);
        if (!nb) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = nb;
        cap *= 2;
    }
    bool bad = ferror(f) || (buf && n == cap && cap >= RULES_FILE_MAX);
    fclose(f);
    if (bad) {
        free(buf);
        return NULL;
    }
    if (buf)
        buf[n] = '\0';
    *len = n;
    return buf;
}

/* Collects the paths of *.rules files under dir, recursively (hidden names skipped). */
static int walk(const char *dir, source_list *paths, int depth)
{
    if (depth > RULES_DIR_DEPTH)
        return 0;
    DIR *dh = opendir(dir);
    if (!dh)
        return -1;
    int rc = 0;
    for (struct dirent *e; rc == 0 && (e = readdir(dh));) {
        if (e->d_name[0] == '.')
            continue;
        size_t n = strlen(dir) + strlen(e->d_name) + 2, l = strlen(e->d_name);
        char *p = malloc(n);
        if (!p) {
            rc = -1;
            break;
        }
        snprintf(p, n, "%s/%s", dir, e->d_name);
        struct stat st;
        if (stat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
            rc = walk(p, paths, depth + 1);
        } else if (stat(p, &st) == 0 && S_ISREG(st.st_mode) && l > 6 &&
                   strcmp(e->d_name + l - 6, ".rules") == 0) {
            if (sources_push(paths, p, NULL, 0))
                continue; /* kept */
            rc = -1;
        }
        free(p);
    }
    closedir(dh);
    return rc;
}

static int compare_sources(const void *a, const void *b)
{
    return strcmp(((const tf_source *)a)->name, ((const tf_source *)b)->name);
}

static bool is_schema(const char *name)
{
    const char *base = strrchr(name, '/');
    return strcmp(base ? base + 1 : name, "case.rules") == 0;
}

/* The texts to compile: the bundled table, or every *.rules under dir in name order,
 * with the bundled case schema first when dir has none (as tf_rules_load_dir does). */
static tf_rc read_sources(const char *dir, source_list *out, char **err)
{
    memset(out, 0, sizeof *out);
    if (!dir) {
        for (size_t i = 0; i < tf_bundled_count; i++)
            if (!sources_push(out, tf_bundled_sources[i].name, tf_bundled_sources[i].text,
                              tf_bundled_sources[i].len))
                return TF_ENOMEM;
        return TF_OK;
    }
    out->owned = true;
    source_list files = {0};
    files.owned = true;
    if (walk(dir, &files, 0) < 0) {
        if (asprintf(err, "%s: cannot open: %s", dir, strerror(errno)) < 0)
            *err = NULL;
        sources_free(&files);
        return TF_EIO;
    }
    qsort(files.v, files.n, sizeof *files.v, compare_sources);
    bool has_schema = false;
    for (size_t i = 0; i < files.n; i++)
        has_schema = has_schema || is_schema(files.v[i].name);
    tf_rc rc = TF_OK;
    if (!has_schema && tf_bundled_count > 0) {
        char *name = strdup(tf_bundled_sources[0].name), *text = malloc(tf_bundled_sources[0].len + 1);
        if (!name || !text || !sources_push(out, name, text, tf_bundled_sources[0].len)) {
            free(name);
            free(text);
            rc = TF_ENOMEM;
        } else {
            memcpy(text, tf_bundled_sources[0].text, tf_bundled_sources[0].len + 1);
        }
    }
    for (size_t i = 0; rc == TF_OK && i < files.n; i++) {
        size_t len = 0;
        char *text = read_file(files.v[i].name, &len);
        if (!text) {
            if (asprintf(err, "%s: cannot read: %s", files.v[i].name, strerror(errno)) < 0)
                *err = NULL;
            rc = TF_EIO;
            break;
        }
        if (!sources_push(out, files.v[i].name, text, len)) {
            free(text);
            rc = TF_ENOMEM;
            break;
        }
        files.v[i].name = NULL; /* now owned by out */
    }
    sources_free(&files);
    if (rc != TF_OK)
        sources_free(out);
    return rc;
}

/* ---- the catalog: GET /v1/rulebooks ------------------------------------------------------ */

/* FNV-1a, 32 bits: the version of one rulebook's text, as 8 hex digits. */
static void text_version(const char *text, size_t len, char out[9])
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)text[i];
        h *= 16777619u;
    }
    snprintf(out, 9, "%08x", h);
}

static bool in_list(const char *const *ids, size_t n, const char *id)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(ids[i], id) == 0)
            return true;
    return false;
}

/* Writes what fn writes to a FILE into a malloc'd string. */
typedef void (*write_fn)(const tf_rules *r, void *arg, FILE *out);

static char *capture(const tf_rules *r, write_fn fn, void *arg, size_t *len)
{
    char *text = NULL;
    size_t n = 0;
    FILE *mem = open_memstream(&text, &n);
    if (!mem)
        return NULL;
    fn(r, arg, mem);
    if (fclose(mem) != 0) {
        free(text);
        return NULL;
    }
    if (len)
        *len = n;
    return text;
}

static void write_dump(const tf_rules *r, void *arg, FILE *out)
{
    (void)arg;
    tf_rules_dump(r, out);
}

static void write_all_changes(const tf_rules *r, void *arg, FILE *out)
{
    (void)arg;
    tf_date from, to;
    tf_date_parse("1900-01-01", &from);
    tf_date_parse("2200-01-01", &to);
    tf_rules_diff(r, from, to, true, out);
}

/* Parses one header of tf_rules_dump:
 *   rulebook ID "TITLE" (FILE)
 *     destination CC, otherwise OUTCOME
 *     N sources, N sets, N values, N rules, N tests, ...
 * into a JSON object; NULL when the line is not a header. */
static json_t *parse_header(char *line, char *dest_line, char *count_line)
{
    if (strncmp(line, "rulebook ", 9) != 0)
        return NULL;
    char *id = line + 9, *sp = strchr(id, ' ');
    char *open = sp ? strchr(sp, '"') : NULL, *paren = strrchr(line, '(');
    if (!sp || !open || !paren || paren < open)
        return NULL;
    *sp = '\0';
    char *close = paren - 1;
    while (close > open && *close != '"')
        close--;
    char *file = paren + 1, *end = strrchr(file, ')');
    if (close <= open || !end)
        return NULL;
    *close = '\0';
    *end = '\0';
    json_t *o = json_pack("{s:s,s:s,s:s}", "id", id, "title", open + 1, "file", file);
    if (!o)
        return NULL;
    if (dest_line && strncmp(dest_line, "  destination ", 14) == 0) {
        char *d = dest_line + 14, *comma = strchr(d, ',');
        if (comma)
            *comma = '\0';
        json_object_set_new(o, "destination", strcmp(d, "-") == 0 ? json_null() : json_string(d));
        const char *otherwise = comma ? strstr(comma + 1, "otherwise ") : NULL;
        if (otherwise && strcmp(d, "-") != 0)
            json_object_set_new(o, "otherwise", json_string(otherwise + 10));
    }
    static const char *const counts[] = {"sources", "sets", "values", "rules", "tests"};
    json_t *c = json_object();
    for (size_t i = 0; count_line && i < sizeof counts / sizeof counts[0]; i++) {
        char key[32];
        snprintf(key, sizeof key, " %s", counts[i]);
        char *at = strstr(count_line, key);
        if (!at)
            continue;
        char *num = at;
        while (num > count_line && num[-1] >= '0' && num[-1] <= '9')
            num--;
        json_object_set_new(c, counts[i], json_integer(strtol(num, NULL, 10)));
    }
    json_object_set_new(o, "counts", c);
    return o;
}

/* The catalog entry of a rulebook that tf_rules_dump does not show: its id, and the
 * file and title of its header line, `rulebook ID "TITLE"` at the start of a line of one
 * of the texts compiled (docs/language.md). */
static json_t *describe_unlisted(const char *id, const source_list *srcs)
{
    json_t *o = json_pack("{s:s,s:n,s:{}}", "id", id, "destination", "counts");
    size_t idlen = strlen(id);
    for (size_t k = 0; o && k < srcs->n; k++) {
        const char *text = srcs->v[k].text, *end = text + srcs->v[k].len;
        for (const char *line = text; line && line < end;) {
            if ((size_t)(end - line) > 9 + idlen && strncmp(line, "rulebook ", 9) == 0 &&
                strncmp(line + 9, id, idlen) == 0 && line[9 + idlen] == ' ') {
                const char *q = memchr(line + 9 + idlen, '"', (size_t)(end - line) - 9 - idlen);
                const char *nl = memchr(line, '\n', (size_t)(end - line));
                const char *q2 = q ? memchr(q + 1, '"', (size_t)((nl ? nl : end) - q - 1)) : NULL;
                if (q2)
                    json_object_set_new(o, "title", json_stringn(q + 1, (size_t)(q2 - q - 1)));
                json_object_set_new(o, "file", json_string(srcs->v[k].name));
                return o;
            }
            const char *nl = memchr(line, '\n', (size_t)(end - line));
            line = nl ? nl + 1 : NULL;
        }
    }
    return o;
}

/* Builds the catalog JSON of s (its rules, schemes and routes set) from the texts, and
 * the same without the changes into *brief. */
static char *build_catalog(const serve_rules *s, const source_list *srcs, size_t *len,
                           char **brief, size_t *brief_len)
{
    char *dump = capture(s->rules, write_dump, NULL, NULL);
    char *diff = capture(s->rules, write_all_changes, NULL, NULL);
    json_t *changes = diff ? json_loads(diff, 0, NULL) : NULL;
    json_t *books = json_array(), *root = NULL;
    char *out = NULL;
    if (!dump || !changes || !books)
        goto done;
    json_t *all = json_object_get(changes, "changes");

    for (char *line = dump; line && *line;) {
        char *nl = strchr(line, '\n'), *l2 = NULL, *l3 = NULL;
        if (nl) {
            *nl = '\0';
            l2 = nl + 1;
            char *nl2 = strchr(l2, '\n');
            if (nl2) {
                *nl2 = '\0';
                l3 = nl2 + 1;
                char *nl3 = strchr(l3, '\n');
                if (nl3)
                    *nl3 = '\0';
                json_t *b = parse_header(line, l2, l3);
                if (nl3)
                    *nl3 = '\n';
                *nl2 = '\n';
                if (b) {
                    json_array_append_new(books, b);
                    line = nl3 ? nl3 + 1 : NULL;
                    continue;
                }
            } else {
                json_t *b = parse_header(line, l2, NULL);
                if (b)
                    json_array_append_new(books, b);
            }
        }
        line = nl ? nl + 1 : NULL;
    }

    /* tf_rules_dump leaves out rulebooks with no rule, set or value (most points schemes
     * and routes): add every scheme and route it did not list. */
    for (int list = 0; list < 2; list++) {
        const char *const *ids = list == 0 ? s->schemes : s->routes;
        size_t n = list == 0 ? s->nschemes : s->nroutes;
        for (size_t k = 0; k < n; k++) {
            bool listed = false;
            size_t j;
            json_t *b;
            json_array_foreach(books, j, b) listed = listed || strcmp(json_string_value(json_object_get(b, "id")), ids[k]) == 0;
            if (!listed)
                json_array_append_new(books, describe_unlisted(ids[k], srcs));
        }
    }

    size_t i;
    json_t *b;
    json_array_foreach(books, i, b) {
        const char *id = json_string_value(json_object_get(b, "id"));
        const char *file = json_string_value(json_object_get(b, "file"));
        if (!file)
            file = "";
        const char *kind = in_list(s->schemes, s->nschemes, id)  ? "points"
                           : in_list(s->routes, s->nroutes, id) ? "pathway"
                           : json_is_string(json_object_get(b, "destination")) ? "entry"
                                                                               : "other";
        json_object_set_new(b, "kind", json_string(kind));
        for (size_t k = 0; k < srcs->n; k++)
            if (strcmp(srcs->v[k].name, file) == 0) {
                char v[9];
                text_version(srcs->v[k].text, srcs->v[k].len, v);
                json_object_set_new(b, "version", json_string(v));
                json_object_set_new(b, "bytes", json_integer((json_int_t)srcs->v[k].len));
                break;
            }
        json_t *mine = json_array(), *ch;
        size_t j;
        json_array_foreach(all, j, ch) {
            const char *rb = json_string_value(json_object_get(ch, "rulebook"));
            if (rb && strcmp(rb, id) == 0)
                json_array_append(mine, ch);
        }
        json_object_set_new(b, "changes", mine);
    }
    root = json_pack("{s:s,s:I,s:s,s:s,s:I,s:O}", "version", s->version, "generation",
                     (json_int_t)s->generation, "loaded_at", s->loaded_at, "source",
                     rules_dir ? rules_dir : "bundled", "count",
                     (json_int_t)json_array_size(books), "rulebooks", books);
    if (root)
        out = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (out && len)
        *len = strlen(out);
    json_array_foreach(books, i, b) json_object_del(b, "changes");
    *brief = root ? json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    *brief_len = *brief ? strlen(*brief) : 0;
    if (!*brief) {
        free(out);
        out = NULL;
    }
done:
    json_decref(root);
    json_decref(books);
    json_decref(changes);
    free(dump);
    free(diff);
    return out;
}

/* ---- loading and swapping ---------------------------------------------------------------- */

static void rules_free(serve_rules *s)
{
    if (!s)
        return;
    tf_rules_free(s->rules);
    free(s->catalog);
    free(s->catalog_brief);
    free(s->schemes);
    free(s->routes);
    free(s);
}

/* The diagnostics of a failed compilation, as text (malloc'd). */
static char *diags_text(const tf_diags *d, tf_rc rc)
{
    char *text = NULL;
    size_t n = 0;
    FILE *mem = d && tf_diags_count(d) ? open_memstream(&text, &n) : NULL;
    if (mem) {
        tf_diags_print(d, mem);
        fclose(mem);
    }
    if (!text && asprintf(&text, "cannot load the rulebooks: %s", tf_strerror(rc)) < 0)
        text = NULL;
    return text;
}

/* Compiles and derives a complete serve_rules. */
static tf_rc load(serve_rules **out, char **err)
{
    *out = NULL;
    *err = NULL;
    source_list srcs;
    tf_rc rc = read_sources(rules_dir, &srcs, err);
    if (rc != TF_OK) {
        if (!*err && asprintf(err, "cannot load the rulebooks: %s", tf_strerror(rc)) < 0)
            *err = NULL;
        return rc;
    }
    serve_rules *s = calloc(1, sizeof *s);
    tf_diags *diags = NULL;
    if (!s) {
        rc = TF_ENOMEM;
        goto done;
    }
    rc = tf_compile(srcs.v, srcs.n, &s->rules, &diags);
    if (rc != TF_OK) {
        *err = diags_text(diags, rc);
        goto done;
    }
    s->version = tf_rules_version(s->rules);
    s->nschemes = tf_rules_schemes(s->rules, NULL, 0);
    s->nroutes = tf_rules_routes(s->rules, NULL, 0);
    s->schemes = calloc(s->nschemes + 1, sizeof *s->schemes);
    s->routes = calloc(s->nroutes + 1, sizeof *s->routes);
    if (!s->schemes || !s->routes) {
        rc = TF_ENOMEM;
        goto done;
    }
    tf_rules_schemes(s->rules, s->schemes, s->nschemes);
    tf_rules_routes(s->rules, s->routes, s->nroutes);
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(s->loaded_at, sizeof s->loaded_at, "%Y-%m-%dT%H:%M:%SZ", &tm);
    s->generation = generation + 1;
    if (!(s->catalog = build_catalog(s, &srcs, &s->catalog_len, &s->catalog_brief,
                                     &s->catalog_brief_len)))
        rc = TF_ENOMEM;
done:
    if (rc == TF_ENOMEM && !*err && asprintf(err, "out of memory") < 0)
        *err = NULL;
    tf_diags_free(diags);
    sources_free(&srcs);
    if (rc != TF_OK) {
        rules_free(s);
        return rc;
    }
    atomic_init(&s->refs, 1); /* the reference of being current */
    *out = s;
    return TF_OK;
}

tf_rc reload_init(const char *dir, char **err)
{
    rules_dir = dir;
    serve_rules *s;
    tf_rc rc = load(&s, err);
    if (rc == TF_OK) {
        generation = s->generation;
        current = s;
    }
    return rc;
}

serve_rules *reload_acquire(void)
{
    pthread_mutex_lock(&current_lock);
    serve_rules *s = current;
    if (s)
        atomic_fetch_add_explicit(&s->refs, 1, memory_order_relaxed);
    pthread_mutex_unlock(&current_lock);
    return s;
}

void reload_release(serve_rules *s)
{
    /* acq_rel: the last holder must see every other holder's reads finished before it
     * frees the set. */
    if (s && atomic_fetch_sub_explicit(&s->refs, 1, memory_order_acq_rel) == 1)
        rules_free(s);
}

tf_rc reload_now(char **err)
{
    pthread_mutex_lock(&reload_lock);
    serve_rules *s;
    tf_rc rc = load(&s, err);
    if (rc == TF_OK) {
        generation = s->generation;
        pthread_mutex_lock(&current_lock);
        serve_rules *old = current;
        current = s;
        pthread_mutex_unlock(&current_lock);
        reload_release(old);
        atomic_fetch_add(&reloads_ok, 1);
    } else {
        atomic_fetch_add(&reloads_failed, 1);
    }
    pthread_mutex_unlock(&reload_lock);
    return rc;
}

void reload_shutdown(void)
{
    pthread_mutex_lock(&current_lock);
    serve_rules *old = current;
    current = NULL;
    pthread_mutex_unlock(&current_lock);
    reload_release(old);
}

void reload_counts(uint64_t *ok, uint64_t *failed)
{
    *ok = atomic_load(&reloads_ok);
    *failed = atomic_load(&reloads_failed);
}

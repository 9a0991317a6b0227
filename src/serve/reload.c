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
 * tf_rules_rulebook (id, title, file, kind, destination, counts) and tf_rules_citation
 * (the sources each one cites) for every rulebook, tf_rules_diff over all dates (the
 * dated changes), and a hash of each rulebook's text (its own version, so a client sees
 * which rulebook a reload changed). The texts are read here (the bundled table, or the
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

static void write_all_changes(const tf_rules *r, void *arg, FILE *out)
{
    (void)arg;
    tf_date from, to;
    tf_date_parse("1900-01-01", &from);
    tf_date_parse("2200-01-01", &to);
    tf_rules_diff(r, from, to, true, out);
}

/* A rulebook's entry in the catalog (tf_rules_rulebook, tf_rules_citation): what it is,
 * its counts, the version and size of its file's text, and the sources it cites. */
static json_t *describe(const tf_rules *r, size_t i, const source_list *srcs)
{
    tf_rulebook rb;
    if (!tf_rules_rulebook(r, i, &rb))
        return NULL;
    json_t *o = json_pack("{s:s,s:s,s:s,s:s?}", "id", rb.id, "title", rb.title, "file", rb.file,
                          "destination", rb.destination);
    if (!o)
        return NULL;
    if (rb.otherwise)
        json_object_set_new(o, "otherwise", json_string(rb.otherwise));
    json_object_set_new(o, "counts",
                        json_pack("{s:I,s:I,s:I,s:I,s:I}", "sources", (json_int_t)rb.nsources,
                                  "sets", (json_int_t)rb.nsets, "values", (json_int_t)rb.nvalues,
                                  "rules", (json_int_t)rb.nrules, "tests", (json_int_t)rb.ntests));
    json_object_set_new(o, "kind", json_string(rb.kind));
    for (size_t k = 0; k < srcs->n; k++)
        if (strcmp(srcs->v[k].name, rb.file) == 0) {
            char v[9];
            text_version(srcs->v[k].text, srcs->v[k].len, v);
            json_object_set_new(o, "version", json_string(v));
            json_object_set_new(o, "bytes", json_integer((json_int_t)srcs->v[k].len));
            break;
        }
    json_t *sources = json_array();
    tf_citation src;
    for (size_t j = 0; tf_rules_citation(r, i, j, &src); j++) {
        json_t *urls = json_array();
        for (size_t u = 0; u < src.nurls; u++)
            json_array_append_new(urls, json_string(src.urls[u]));
        json_array_append_new(sources, json_pack("{s:s,s:s,s:s,s:o}", "id", src.id, "title",
                                                 src.title, "date", src.date, "urls", urls));
    }
    json_object_set_new(o, "sources", sources);
    return o;
}

/* Builds the catalog JSON of s from its rule set and the texts, in its four forms:
 * s->catalog[c][k] with each rulebook's dated changes when c, its sources when k. False
 * when out of memory. */
static bool build_catalog(serve_rules *s, const source_list *srcs)
{
    char *diff = capture(s->rules, write_all_changes, NULL, NULL);
    json_t *changes = diff ? json_loads(diff, 0, NULL) : NULL;
    json_t *books = json_array(), *root = NULL;
    bool ok = false;
    if (!changes || !books)
        goto done;
    json_t *all = json_object_get(changes, "changes");
    size_t n = tf_rules_rulebook_count(s->rules);
    for (size_t i = 0; i < n; i++) {
        json_t *b = describe(s->rules, i, srcs);
        if (!b)
            goto done;
        const char *id = json_string_value(json_object_get(b, "id"));
        json_t *mine = json_array(), *ch;
        size_t j;
        json_array_foreach(all, j, ch) {
            const char *rb = json_string_value(json_object_get(ch, "rulebook"));
            if (rb && strcmp(rb, id) == 0)
                json_array_append(mine, ch);
        }
        json_object_set_new(b, "changes", mine);
        json_array_append_new(books, b);
    }
    root = json_pack("{s:s,s:I,s:s,s:s,s:I,s:O}", "version", s->version, "generation",
                     (json_int_t)s->generation, "loaded_at", s->loaded_at, "source",
                     rules_dir ? rules_dir : "bundled", "count",
                     (json_int_t)json_array_size(books), "rulebooks", books);
    if (!root)
        goto done;
    ok = true;
    for (int c = 0; c < 2; c++)
        for (int k = 0; k < 2; k++) {
            json_t *form = json_deep_copy(root), *b;
            size_t i;
            json_array_foreach(json_object_get(form, "rulebooks"), i, b) {
                if (!c)
                    json_object_del(b, "changes");
                if (!k)
                    json_object_del(b, "sources");
            }
            s->catalog[c][k] = form ? json_dumps(form, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
            s->catalog_len[c][k] = s->catalog[c][k] ? strlen(s->catalog[c][k]) : 0;
            ok = ok && s->catalog[c][k];
            json_decref(form);
        }
done:
    json_decref(root);
    json_decref(books);
    json_decref(changes);
    free(diff);
    return ok;
}

/* ---- loading and swapping ---------------------------------------------------------------- */

static void rules_free(serve_rules *s)
{
    if (!s)
        return;
    tf_rules_free(s->rules);
    for (int c = 0; c < 2; c++)
        for (int k = 0; k < 2; k++)
            free(s->catalog[c][k]);
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
    if (!build_catalog(s, &srcs))
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

/*
 * front.c — the front end's driver: text in, a compiled rule set or diagnostics out.
 *
 * tf_compile runs the phases in order — parse every file, check, compile — and stops
 * after a phase that reported errors, so later phases never see a broken tree (as jq
 * does). The syntax trees live in a compile arena thrown away at the end; the rule set
 * keeps copies of the source texts, so explanations can quote them and point into them
 * (the bundled rulebooks' texts, embedded in the program, it points into without a copy).
 * Loading a folder and the bundled rulebooks are thin layers over tf_compile; a caller
 * that evaluates some bundled rulebooks only compiles those (with case.rules), and the
 * result still carries the whole bundled set's version.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#define XXH_STATIC_LINKING_ONLY /* XXH3_state_t on the stack (xxhash.h documents it) */
#include <xxhash.h>

#include "base/bundled.h"
#include "base/date.h"
#include "lang/parse.h"
#include "lang/sema.h"

const char *tf_strerror(tf_rc rc) {
    switch (rc) {
#define TF_RC_TEXT(name, num, text) \
    case name: return text;
        TF_RC_LIST(TF_RC_TEXT)
#undef TF_RC_TEXT
    }
    return "unknown status";
}

bool tf_date_parse(const char *text, tf_date *out) { return text && date_parse(text, strlen(text), out); }
char *tf_date_format(tf_date d, char buf[11]) { return date_format(d, buf); }

#define MAX_SOURCE_BYTES (64u << 20) /* one rulebook file */

/* The version of a rule set is its content: XXH3 (libxxhash) over the texts of srcs, in
 * order, each after its length — not its name, so that the same files in another folder
 * are the same version — folded to 32 bits, as 8 hex digits. */
static void set_version(tf_rules *r, const tf_source *srcs, size_t n) {
    XXH3_state_t st;
    XXH3_64bits_reset(&st);
    for (size_t i = 0; i < n; i++) {
        uint64_t len = srcs[i].len;
        XXH3_64bits_update(&st, &len, sizeof len);
        XXH3_64bits_update(&st, srcs[i].text, srcs[i].len);
    }
    uint64_t h = XXH3_64bits_digest(&st);
    snprintf(r->version, sizeof r->version, "%08x", (unsigned)(uint32_t)(h ^ (h >> 32)));
}

/* Records where each line of f begins, so that explanations find a span's line by
 * binary search instead of scanning the file (ir_where). -1 when out of memory. */
static int index_lines(arena *a, ir_file *f) {
    /* the line breaks found by memchr (every run indexes the bundled rulebooks), counted
     * first for the array's size, then recorded */
    const char *end = f->len ? f->text + f->len : f->text; /* (a text may be NULL when empty) */
    uint32_t n = 1;
    for (const char *p = f->text; p < end && (p = memchr(p, '\n', (size_t)(end - p))) != NULL; p++) n++;
    f->lines = arena_array(a, n, sizeof(uint32_t));
    if (!f->lines) return -1;
    f->lines[0] = 0;
    f->nlines = 1;
    for (const char *p = f->text; p < end && (p = memchr(p, '\n', (size_t)(end - p))) != NULL; p++)
        f->lines[f->nlines++] = (uint32_t)(p + 1 - f->text);
    return 0;
}

/* tf_compile's work. `lasting`: the texts live as long as the program (the bundled
 * rulebooks, embedded in it), so the rule set and the diagnostics point into them instead
 * of copying them — a megabyte of text, copied twice, at every start-up. The version is
 * that of whole[0..nwhole), the set srcs is part of (srcs itself for tf_compile). */
static tf_rc compile_sources(const tf_source *srcs, size_t n, bool lasting, const tf_source *whole, size_t nwhole,
                             tf_rules **out, tf_diags **diags) {
    *out = NULL;
    if (diags) *diags = NULL;
    tf_diags *d = diags_new();
    tf_rules *r = calloc(1, sizeof *r);
    arena tmp;
    arena_init(&tmp, 1 << 16, 0);
    const char **texts = calloc(n ? n : 1, sizeof *texts);
    sema s = {.tmp = &tmp, .d = d, .r = r, .texts = texts};
    tf_rc rc = TF_ENOMEM;
    if (!d || !r || !texts) goto done;
    arena_init(&r->mem, 1 << 16, 0);
    r->files = arena_array(&r->mem, n ? n : 1, sizeof(ir_file));
    s.books = arena_array(&tmp, n ? n : 1, sizeof(sema_book));
    if (!r->files || !s.books) goto done;
    for (size_t i = 0; i < n; i++) {
        if (srcs[i].len > MAX_SOURCE_BYTES) {
            if (diags_add_file(d, srcs[i].name, "", 0) < 0) goto done;
            diag_error(d, (span){(uint32_t)i, 0, 0}, "file is larger than %u MiB", MAX_SOURCE_BYTES >> 20);
            continue;
        }
        const char *copy = lasting ? srcs[i].text : arena_strndup(&r->mem, srcs[i].text, srcs[i].len);
        const char *name = arena_strndup(&r->mem, srcs[i].name, strlen(srcs[i].name));
        int added = lasting ? diags_add_static_file(d, srcs[i].name, srcs[i].text, srcs[i].len)
                            : diags_add_file(d, srcs[i].name, srcs[i].text, srcs[i].len);
        if (!copy || !name || added < 0) goto done;
        r->files[i] = (ir_file){name, copy, srcs[i].len, NULL, 0};
        if (index_lines(&r->mem, &r->files[i]) < 0) goto done;
        texts[i] = copy;
    }
    r->nfiles = (uint32_t)n;
    if (d->errors) {
        rc = TF_ERULES;
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        ast_rulebook *rb = parse_file(&tmp, d, (uint32_t)i, texts[i], (uint32_t)srcs[i].len);
        if (rb) s.books[s.nbooks++].ast = rb;
        else if (arena_failed(&tmp)) goto done;
    }
    if (arena_failed(&tmp)) goto done;
    rc = TF_ERULES;
    if (d->errors) goto done;
    /* memory first: a checker or compiler out of memory may also report what it could
     * not look up, and the caller must hear that memory ran out, not that the rules are
     * wrong */
    check_all(&s);
    rc = TF_ENOMEM;
    if (arena_failed(&tmp) || arena_failed(&r->mem)) goto done;
    rc = TF_ERULES;
    if (d->errors) goto done;
    compile_all(&s);
    rc = TF_ENOMEM;
    if (arena_failed(&tmp) || arena_failed(&r->mem)) goto done;
    rc = TF_ERULES;
    if (d->errors) goto done;
    set_version(r, whole, nwhole);
    *out = r;
    r = NULL;
    rc = TF_OK;
done:
    if (r) {
        arena_free(&r->mem);
        free(r);
    }
    arena_free(&tmp);
    free(texts);
    if (d && d->oom && rc == TF_OK) rc = TF_ENOMEM;
    if (diags) *diags = d;
    else tf_diags_free(d);
    return rc;
}

tf_rc tf_compile(const tf_source *srcs, size_t n, tf_rules **out, tf_diags **diags) {
    return compile_sources(srcs, n, false, srcs, n, out, diags);
}

void tf_rules_free(tf_rules *r) {
    if (!r) return;
    arena_free(&r->mem);
    free(r);
}

const char *tf_rules_version(const tf_rules *r) { return r->version; }

size_t tf_rules_rulebook_count(const tf_rules *r) { return r->nbooks; }

bool tf_rules_rulebook(const tf_rules *r, size_t i, tf_rulebook *out) {
    if (i >= r->nbooks) return false;
    const ir_rulebook *rb = &r->books[i];
    const char *dest = rb->dest >= 0 ? ir_member_name(r, TYPE(TY_COUNTRY, 0, 0), (uint32_t)rb->dest) : NULL;
    *out = (tf_rulebook){
        .id = rb->id,
        .title = rb->title,
        .file = r->files[rb->file].name,
        .kind = rb->points ? "points" : rb->pathway ? "pathway" : dest ? "entry" : "other",
        .destination = dest,
        .otherwise = dest ? outcome_names[rb->otherwise] : NULL,
        .nsources = rb->nsources,
        .nsets = rb->nsets,
        .nvalues = rb->nvals,
        .nrules = rb->nrules,
        .ntests = rb->ntests,
    };
    return true;
}

bool tf_rules_citation(const tf_rules *r, size_t i, size_t j, tf_citation *out) {
    if (i >= r->nbooks || j >= r->books[i].nsources) return false;
    const ir_source *src = &r->books[i].sources[j];
    *out = (tf_citation){.id = src->id, .title = src->title, .date = src->date, .urls = (const char *const *)src->urls, .nurls = src->nurls};
    return true;
}

/* ---- loading ---------------------------------------------------------------------- */

typedef struct {
    char **paths;
    size_t n, cap;
} pathlist;

static int push_path(pathlist *pl, const char *p) {
    if (pl->n == pl->cap) {
        size_t cap = pl->cap ? pl->cap * 2 : 16;
        char **np = realloc(pl->paths, cap * sizeof *np);
        if (!np) return -1;
        pl->paths = np;
        pl->cap = cap;
    }
    if (!(pl->paths[pl->n] = strdup(p))) return -1;
    pl->n++;
    return 0;
}

/* Collects *.rules files under dir, recursively. Returns -1 on an I/O error. */
static int walk(const char *dir, pathlist *pl, int depth) {
    if (depth > 16) return 0;
    DIR *dh = opendir(dir);
    if (!dh) return -1;
    struct dirent *e;
    int rc = 0;
    while ((e = readdir(dh)) && rc == 0) {
        if (e->d_name[0] == '.') continue;
        size_t n = strlen(dir) + strlen(e->d_name) + 2;
        char *p = malloc(n);
        if (!p) {
            rc = -1;
            break;
        }
        snprintf(p, n, "%s/%s", dir, e->d_name);
        struct stat st;
        if (stat(p, &st) == 0) {
            size_t l = strlen(e->d_name);
            if (S_ISDIR(st.st_mode)) rc = walk(p, pl, depth + 1);
            else if (S_ISREG(st.st_mode) && l > 6 && !strcmp(e->d_name + l - 6, ".rules")) rc = push_path(pl, p);
        }
        free(p);
    }
    closedir(dh);
    return rc;
}

static int cmp_path(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *read_all(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (n < cap) break;
        if (cap > MAX_SOURCE_BYTES) break;
        char *nb = realloc(buf, cap * 2);
        if (!nb) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = nb;
        cap *= 2;
    }
    int err = ferror(f);
    fclose(f);
    if (err) {
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}

tf_rc tf_rules_load_dir(const char *dir, tf_rules **out, tf_diags **diags) {
    *out = NULL;
    if (diags) *diags = NULL;
    pathlist pl = {0};
    if (walk(dir, &pl, 0) < 0) {
        for (size_t i = 0; i < pl.n; i++) free(pl.paths[i]);
        free(pl.paths);
        return TF_EIO;
    }
    qsort(pl.paths, pl.n, sizeof *pl.paths, cmp_path);
    /* a folder without its own case schema uses the bundled one */
    int has_schema = 0;
    for (size_t i = 0; i < pl.n; i++) {
        const char *b = strrchr(pl.paths[i], '/');
        if (!strcmp(b ? b + 1 : pl.paths[i], "case.rules")) has_schema = 1;
    }
    size_t total = pl.n + !has_schema;
    tf_source *srcs = calloc(total ? total : 1, sizeof *srcs);
    tf_rc rc = TF_ENOMEM;
    size_t k = 0;
    if (!srcs) goto done;
    if (!has_schema) srcs[k++] = tf_bundled_sources[0];
    for (size_t i = 0; i < pl.n; i++) {
        size_t len;
        char *text = read_all(pl.paths[i], &len);
        if (!text) {
            rc = TF_EIO;
            goto done;
        }
        srcs[k++] = (tf_source){pl.paths[i], text, len};
    }
    rc = tf_compile(srcs, k, out, diags);
done:
    for (size_t i = has_schema ? 0 : 1; i < k; i++) free((char *)srcs[i].text);
    free(srcs);
    for (size_t i = 0; i < pl.n; i++) free(pl.paths[i]);
    free(pl.paths);
    return rc;
}

tf_rc tf_rules_load_bundled(tf_rules **out, tf_diags **diags) {
    return compile_sources(tf_bundled_sources, tf_bundled_count, true, tf_bundled_sources, tf_bundled_count, out,
                           diags);
}

/* Which bundled files a partial load keeps (bundled_part). */
typedef struct {
    bool but_world;         /* every file but the world pack's; else case.rules and: */
    const char *const *ids; /* the rulebooks of these IDs */
    size_t nids;
} bundled_pick;

/* Whether the bundled file named `name` names the rulebook `id`: name is "rulebooks/"
 * then id with '/' for '.', then ".rules". */
static bool names_rulebook(const char *name, const char *id) {
    static const char dir[] = "rulebooks/", ext[] = ".rules";
    if (strncmp(name, dir, sizeof dir - 1) != 0) return false;
    name += sizeof dir - 1;
    for (; *id; id++, name++)
        if (*name != (*id == '.' ? '/' : *id)) return false;
    return !strcmp(name, ext);
}

static bool picked(const bundled_pick *pick, const char *name) {
    static const char world[] = "rulebooks/world/";
    if (pick->but_world) return strncmp(name, world, sizeof world - 1) != 0;
    if (!strcmp(name, tf_bundled_sources[0].name)) return true; /* case.rules, first */
    for (size_t i = 0; i < pick->nids; i++)
        if (pick->ids[i] && names_rulebook(name, pick->ids[i])) return true;
    return false;
}

/* Compiles the bundled files pick keeps, in the table's order, with the whole set's version. */
static tf_rc bundled_part(const bundled_pick *pick, tf_rules **out, tf_diags **diags) {
    tf_source *srcs = malloc((tf_bundled_count ? tf_bundled_count : 1) * sizeof *srcs);
    if (!srcs) {
        *out = NULL;
        if (diags) *diags = NULL;
        return TF_ENOMEM;
    }
    size_t n = 0;
    for (size_t i = 0; i < tf_bundled_count; i++)
        if (picked(pick, tf_bundled_sources[i].name)) srcs[n++] = tf_bundled_sources[i];
    tf_rc rc = compile_sources(srcs, n, true, tf_bundled_sources, tf_bundled_count, out, diags);
    free(srcs);
    return rc;
}

tf_rc tf_rules_load_bundled_without_world(tf_rules **out, tf_diags **diags) {
    return bundled_part(&(bundled_pick){true, NULL, 0}, out, diags);
}

tf_rc tf_rules_load_bundled_only(const char *const *ids, size_t nids, tf_rules **out, tf_diags **diags) {
    return bundled_part(&(bundled_pick){false, ids, ids ? nids : 0}, out, diags);
}

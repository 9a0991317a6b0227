/*
 * talentflow.h — the public interface of the talentflow engine.
 *
 * talentflow answers questions about the rules of talent mobility from rulebooks written
 * as dated, cited text. The life of a query:
 *
 *   tf_rules_load_bundled / tf_rules_load_dir / tf_compile   rulebook text -> tf_rules
 *   tf_case_parse_json                                         case document -> tf_case
 *   tf_check                                                   tf_case + date -> tf_decision
 *   tf_decision_json / tf_decision_text                        tf_decision -> output
 *
 * Ownership: every object returned through an out-parameter belongs to the caller and is
 * released by its own *_free function. A tf_rules is immutable once compiled and may be
 * shared by any number of threads without locking; a tf_case and a tf_decision belong to
 * one thread at a time. Functions named for an action return a tf_rc; tf_strerror names
 * it. The library never aborts and never prints, except through a trace callback.
 */
#ifndef TALENTFLOW_H
#define TALENTFLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TF_VERSION "0.1.0"

/* Status codes. Append-only: a code's number never changes. */
#define TF_RC_LIST(X)                                                  \
    X(TF_OK, 0, "success")                                             \
    X(TF_ENOMEM, 1, "out of memory")                                   \
    X(TF_EIO, 2, "cannot read input")                                  \
    X(TF_ERULES, 3, "the rulebooks have errors")                       \
    X(TF_ECASE, 4, "the case is invalid")                              \
    X(TF_ENOTFOUND, 5, "no rulebook for that destination or id")       \
    X(TF_EARG, 6, "invalid argument")                                  \
    X(TF_ETEST, 7, "a rulebook test failed")                           \
    X(TF_ELIMIT, 8, "input exceeds a limit")

typedef enum {
#define TF_RC_ENUM(name, num, text) name = num,
    TF_RC_LIST(TF_RC_ENUM)
#undef TF_RC_ENUM
} tf_rc;

/* A static, human-readable text for rc ("unknown status" for a number not in the list). */
const char *tf_strerror(tf_rc rc);

/* ---- dates -------------------------------------------------------------------------- */

/* A date is a day number: days since 1970-01-01 (proleptic Gregorian). */
typedef int32_t tf_date;
#define TF_DATE_DEFAULT INT32_MIN /* "use the case's own default date" */

/* Parses a NUL-terminated YYYY-MM-DD; false if it is not a real calendar date. */
bool tf_date_parse(const char *text, tf_date *out);
/* Writes YYYY-MM-DD (10 characters and a NUL) into buf; returns buf. */
char *tf_date_format(tf_date d, char buf[11]);

/* ---- diagnostics -------------------------------------------------------------------- */

typedef struct tf_diags tf_diags;

/* Number of diagnostics (errors and warnings) collected. */
size_t tf_diags_count(const tf_diags *d);
size_t tf_diags_errors(const tf_diags *d);
/* Writes every diagnostic as  file:line:col: error: message, the source line and a
 * caret under the offending text, to out. */
void tf_diags_print(const tf_diags *d, FILE *out);
void tf_diags_free(tf_diags *d);

/* ---- rule sets ---------------------------------------------------------------------- */

typedef struct tf_rules tf_rules;

typedef struct {
    const char *name; /* shown in diagnostics and explanations: "rulebooks/cn/entry.rules" */
    const char *text; /* the rulebook text; copied */
    size_t len;
} tf_source;

/* Compiles n rulebook texts into one rule set. The case schema (types and inputs) must
 * be among them. On success *out is the rule set; on TF_ERULES *out is NULL and *diags
 * (when diags is not NULL) holds the errors, and it is set on success too (warnings).
 * The caller frees both. */
tf_rc tf_compile(const tf_source *srcs, size_t n, tf_rules **out, tf_diags **diags);

/* Compiles every *.rules file under dir (recursively, in name order). */
tf_rc tf_rules_load_dir(const char *dir, tf_rules **out, tf_diags **diags);

/* Compiles the rulebooks built into the library. */
tf_rc tf_rules_load_bundled(tf_rules **out, tf_diags **diags);

/* Compiles the rulebooks built into the library but the world pack (rulebooks/world/:
 * entry by passport for every destination, from open data; docs/world.md): everything a
 * points scheme or a residence route reads — they read no entry rulebook, and the pack
 * declares no input, type or port — for a quarter of the work. Its version
 * (tf_rules_version) is the whole bundled set's, as for tf_rules_load_bundled_only. */
tf_rc tf_rules_load_bundled_without_world(tf_rules **out, tf_diags **diags);

/* Compiles rulebooks/case.rules and the bundled rulebooks whose IDs are ids[0..nids),
 * nothing else: enough to evaluate those, since a rulebook reads only its own names and
 * case.rules' (docs/language.md). A bundled rulebook's ID is its path under rulebooks/
 * with '.' for '/' (rulebooks/ca/crs.rules is ca.crs; test_bundled holds every one to
 * it). An ID no bundled rulebook has is left out, so the rule set lacks it as the whole
 * set would. Its version is the whole bundled set's: the same content, whatever part of
 * it is compiled. */
tf_rc tf_rules_load_bundled_only(const char *const *ids, size_t nids, tf_rules **out, tf_diags **diags);

void tf_rules_free(tf_rules *r);

/* The version of the rule set: a hash of the texts it was compiled from (for the bundled
 * rulebooks, of all of them, whichever are compiled), as 8 hex digits ("3f2a9c1e"); every
 * decision reports it. Owned by r. */
const char *tf_rules_version(const tf_rules *r);

/* Writes the compiled IR of every rulebook in a readable form. */
void tf_rules_dump(const tf_rules *r, FILE *out);

/* What a rulebook of a rule set is: for catalogs (the service's /v1/rulebooks) and
 * tools. Every string is owned by the rule set. */
typedef struct {
    const char *id, *title;
    const char *file;        /* the file it was compiled from, as named when loaded */
    const char *kind;        /* "entry" (it decides entry to `destination`), "points" (a
                                scheme), "pathway" (a route) or "other" (the case schema) */
    const char *destination; /* ISO 3166-1 alpha-2 code of an entry rulebook, else NULL */
    const char *otherwise;   /* an entry rulebook's outcome when no rule admits, else NULL */
    size_t nsources, nsets, nvalues, nrules, ntests;
} tf_rulebook;

/* A source a rulebook declares (`source ID "TITLE" DATE "URL"...`), as cited by its
 * decisions. Owned by the rule set. */
typedef struct {
    const char *id, *title;
    const char *date;        /* as written: the announcement or effective date */
    const char *const *urls;
    size_t nurls;
} tf_citation;

/* The number of rulebooks in r; they are numbered from 0, in the order compiled. */
size_t tf_rules_rulebook_count(const tf_rules *r);
/* Describes rulebook i into *out; false (and *out untouched) when i is past the last. */
bool tf_rules_rulebook(const tf_rules *r, size_t i, tf_rulebook *out);
/* Source j of rulebook i, in the order declared, into *out; false when either is past
 * the last. */
bool tf_rules_citation(const tf_rules *r, size_t i, size_t j, tf_citation *out);

/* Runs the tests written inside the rulebooks whose file name is among `files` (all
 * when nfiles is 0). Writes a line per failure and a summary to out; *passed and
 * *failed count the tests. Returns TF_OK when all passed, TF_ETEST otherwise. */
tf_rc tf_rules_test(const tf_rules *r, const char *const *files, size_t nfiles, bool verbose,
                    FILE *out, int *passed, int *failed);

/* Writes what changed in the rules of every rulebook between the dates `from` and `to`
 * (from < to): rules started or ended, set members added or removed, values changed.
 * As JSON when json is true. */
void tf_rules_diff(const tf_rules *r, tf_date from, tf_date to, bool json, FILE *out);

/* Compares the entry decisions of every rulebook with a destination (or only those whose
 * id starts with `prefix`, when not NULL) for every nationality, as of `from` and as of
 * `to`, for a one-day tourist visit entering on each date. Writes the number of pairs
 * (nationality, destination) whose deciding rule changed, counted by transition
 * ("visa_free_90 -> e_visa: 120"), and every changed pair; as JSON when json is true.
 * Returns the number of changed pairs, or -1 when out of memory. */
long tf_rules_diff_pairs(const tf_rules *r, tf_date from, tf_date to, const char *prefix, bool json, FILE *out);

/* ---- cases -------------------------------------------------------------------------- */

typedef struct tf_case tf_case;

/* Reads a case document (PROFILE.md) checked against the rule set's declared inputs.
 * On TF_ECASE, err (when errlen > 0) holds one message naming the field and the value,
 * e.g.  trip.entry_date: "2025-02-30" is not a date. */
tf_rc tf_case_parse_json(const tf_rules *r, const char *text, size_t len, tf_case **out,
                         char *err, size_t errlen);
void tf_case_free(tf_case *c);

/* ---- entry decisions ---------------------------------------------------------------- */

typedef struct tf_decision tf_decision;

typedef enum {
    TF_TRACE_NONE = 0,
    TF_TRACE_ON = 1,
} tf_trace_mode;

/* A callback that receives the trace of an evaluation, one line at a time (no newline). */
typedef void (*tf_trace_fn)(void *user, const char *line);

tf_decision *tf_decision_new(void);
void tf_decision_free(tf_decision *d);

/* Decides whether the case's trip is admitted without a visa, as of `as_of`
 * (TF_DATE_DEFAULT: the trip's entry date). Uses the rulebook whose destination is the
 * case's trip.to. Never allocates: d is filled in place and may be reused.
 * TF_ECASE: the case lacks what an entry check needs (trip.to, trip.entry_date,
 * trip.purpose, trip.days or trip.exit_date, nationality); TF_ENOTFOUND: no rulebook for
 * trip.to. tf_decision_error then names the field. */
tf_rc tf_check(const tf_rules *r, const tf_case *c, tf_date as_of, tf_decision *d);

/* As tf_check, calling trace for every step of the evaluation. */
tf_rc tf_check_traced(const tf_rules *r, const tf_case *c, tf_date as_of, tf_decision *d,
                      tf_trace_fn trace, void *user);

/* The outcome: "visa_free", "transit_visa_free", "visa_required", ... Owned by r. */
const char *tf_decision_outcome(const tf_decision *d);
/* The id of the deciding rule ("cn.entry.unilateral"), or NULL when none admitted. */
const char *tf_decision_regime(const tf_decision *d);
/* The latest departure date allowed by the deciding rule, or TF_DATE_DEFAULT. */
tf_date tf_decision_latest_departure(const tf_decision *d);
/* The message of a TF_ECASE or TF_ENOTFOUND from tf_check. */
const char *tf_decision_error(const tf_decision *d);

/* The decision as one JSON object (PROFILE.md), NUL-terminated, malloc'd; the caller
 * frees it. NULL when out of memory. */
char *tf_decision_json(const tf_decision *d);
/* The decision and its explanation as readable text. */
void tf_decision_print(const tf_decision *d, FILE *out);

/* ---- points schemes ---------------------------------------------------------------- */

typedef struct tf_assessment tf_assessment;

tf_assessment *tf_assessment_new(void);
void tf_assessment_free(tf_assessment *a);

/* The ids of the points schemes in r ("ca.crs", ...), in rulebook order: writes up to
 * max of them to ids (owned by r) and returns how many there are. */
size_t tf_rules_schemes(const tf_rules *r, const char **ids, size_t max);

/* Scores the case under the scheme `scheme` (a rulebook id such as "ca.crs") as of
 * `as_of` (TF_DATE_DEFAULT: today): every factor's points with the clause and source
 * behind them, the total, the category, whether the pass mark and the hard
 * requirements are met. TF_ENOTFOUND: no such scheme; TF_ENOMEM.
 *
 * The gap search is not run here: the smallest single changes that reach the next tier
 * (`next`) and the dated changes ahead (`ahead`) cost many rescorings, and are computed
 * on first use by tf_assessment_json, tf_assessment_print or the counts below, then
 * kept until the next tf_assess. So a caller that needs only the total, the category
 * and the pass does not pay for them. For that search a keeps its own copy of the case
 * (c may be freed or reused as soon as tf_assess returns); it refers to r, which must
 * outlive a's use, as for every output of the library. Computing them the first time
 * writes into a, which is one thread's object like any other. */
tf_rc tf_assess(const tf_rules *r, const tf_case *c, const char *scheme, tf_date as_of, tf_assessment *a);

/* The total; NAN before a successful tf_assess. */
double tf_assessment_total(const tf_assessment *a);
/* The category ("A"), or NULL when the scheme has none or none applies. */
const char *tf_assessment_category(const tf_assessment *a);
/* 1 passes, 0 does not, -1 the scheme has no pass mark and no requirement. */
int tf_assessment_passes(const tf_assessment *a);
const char *tf_assessment_error(const tf_assessment *a);
/* The number of changes in `next` and of dated changes in `ahead` (0 after a failed
 * tf_assess); the first of these, of the outputs, runs the gap search. */
size_t tf_assessment_next_count(const tf_assessment *a);
size_t tf_assessment_ahead_count(const tf_assessment *a);
/* PROFILE.md's points object, malloc'd; the caller frees it. With `next` and `ahead`. */
char *tf_assessment_json(const tf_assessment *a);
/* The assessment as readable text, with `next` and `ahead`. */
void tf_assessment_print(const tf_assessment *a, FILE *out);

/* ---- residence pathways --------------------------------------------------------------- */

typedef struct tf_pathway_result tf_pathway_result;

tf_pathway_result *tf_pathway_new(void);
void tf_pathway_free(tf_pathway_result *p);

/* The ids of the pathways in r ("ca.citizenship", ...); as tf_rules_schemes. */
size_t tf_rules_routes(const tf_rules *r, const char **ids, size_t max);

/* Evaluates the case's residence history under the route `route` as of `as_of`
 * (TF_DATE_DEFAULT: today): whether every requirement holds, the days counted and
 * required, and the earliest date on or after as_of on which the person qualifies if no
 * further absence occurs, with the binding requirement. TF_ENOTFOUND: no such route;
 * TF_ECASE: the history is inconsistent (tf_pathway_error names the field). */
tf_rc tf_pathway(const tf_rules *r, const tf_case *c, const char *route, tf_date as_of, tf_pathway_result *p);

/* 1 eligible, 0 not, -1 after a failed evaluation. */
int tf_pathway_eligible(const tf_pathway_result *p);
/* The earliest date, or TF_DATE_DEFAULT when it is not within 30 years. */
tf_date tf_pathway_earliest(const tf_pathway_result *p);
/* The days counted by the first presence requirement (NAN when there is none). */
double tf_pathway_counted(const tf_pathway_result *p);
const char *tf_pathway_error(const tf_pathway_result *p);
/* PROFILE.md's pathway object, malloc'd; the caller frees it. */
char *tf_pathway_json(const tf_pathway_result *p);
void tf_pathway_print(const tf_pathway_result *p, FILE *out);

#ifdef __cplusplus
}
#endif

#endif

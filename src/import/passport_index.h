/*
 * passport_index.h — the world pack's importer: the passport-index visa-requirement
 * matrix turned into rulebooks (prefix pi_).
 *
 * The data set (ilyankou/passport-index-dataset, MIT licence) states, for every passport
 * and destination, what a short tourist visit needs. Its "tidy ISO2" file is a CSV with
 * the header `Passport,Destination,Requirement` and one row per pair. Several snapshots
 * (one file each, with the date the data was taken) are read into one pi_data; each is
 * in force from its date until the day before the next snapshot's date, the last one
 * open-ended. pi_write_rulebook then writes, for one destination, a `fallback` rulebook
 * `world.xx` with one dated set and one entry rule per requirement (docs/world.md).
 *
 * Every error names the row: "FILE:ROW: Passport "ZZ" is not a country code", where ROW
 * is the line number in the file (the header is line 1). Output is deterministic: the
 * same snapshots give the same bytes.
 */
#ifndef TF_PASSPORT_INDEX_H
#define TF_PASSPORT_INDEX_H

#include <stdio.h>

#include "talentflow.h"

#define PI_MAX_SNAPSHOTS 16
#define PI_MAX_FIELD 64 /* bytes in one field: the longest value is "visa on arrival" */

typedef struct pi_data pi_data;

/* A new, empty set of snapshots; NULL when out of memory. */
pi_data *pi_new(void);
void pi_free(pi_data *d);

/* Reads one snapshot: the CSV text[0..len) of the file `name` (used in messages and in
 * the generated files' header), taken on `date`. Codes are read as text (NA is Namibia,
 * never a missing value). TF_ECASE when a row is invalid — an unknown code or value, a
 * pair listed twice, -1 off the diagonal, a malformed or empty file — with the message in
 * err; TF_EARG when a snapshot of that date was read already or there are too many;
 * TF_ENOMEM. On failure d is unchanged. */
tf_rc pi_read(pi_data *d, const char *name, const char *text, size_t len, tf_date date, char *err,
              size_t errlen);

/* The number of destinations read, and the i-th of them (a country index, ascending). */
int pi_destinations(const pi_data *d);
int pi_destination_at(const pi_data *d, int i);

/* The file name of destination dest's rulebook, "fr.rules" (lower case), into buf. */
const char *pi_file_name(int dest, char buf[16]);

/* Writes the rulebook of destination dest (a country index among pi_destinations) to out.
 * `command` (may be NULL) is quoted in the header as the command that regenerates it.
 * Returns TF_EIO when the output cannot be written. */
tf_rc pi_write_rulebook(const pi_data *d, int dest, const char *command, FILE *out);

/* Writes every destination's rulebook as DIR/xx.rules, creating DIR (not its parents)
 * when it does not exist. Existing files of those names are replaced; no other file is
 * touched. TF_EIO with the path and reason in err when a file cannot be written. */
tf_rc pi_write_dir(const pi_data *d, const char *dir, const char *command, char *err, size_t errlen);

#endif

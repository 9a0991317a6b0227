/*
 * parse.h — the recursive-descent parser (prefix parse_).
 */
#ifndef TF_PARSE_H
#define TF_PARSE_H

#include "base/arena.h"
#include "base/diag.h"
#include "lang/ast.h"

/* Parses one rulebook file into a syntax tree allocated in `a`. Syntax errors go to d;
 * the parser recovers at the next declaration keyword, so one run reports every broken
 * declaration. Returns NULL when the file has no usable `rulebook` header or memory ran
 * out; otherwise the tree, which is complete only when d gained no errors. Never reads
 * past text[len], never recurses deeper than PARSE_MAX_DEPTH. */
ast_rulebook *parse_file(arena *a, tf_diags *d, uint32_t file, const char *text, uint32_t len);

#define PARSE_MAX_DEPTH 200

/* The largest magnitude of a number written in a rulebook (as the case reader allows for
 * a case's numbers). The checker reports a larger one; below it a number converts to an
 * integer, and a duration to minutes, without overflow. */
#define PARSE_MAX_NUMBER 1e15

#endif

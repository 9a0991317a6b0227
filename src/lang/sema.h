/*
 * sema.h — state shared by the checker and the compiler of one compilation.
 *
 * The checker (check.c) resolves every name and types every expression of every
 * rulebook's syntax tree, annotating the tree in place, and registers the rule set's
 * global tables (types, inputs, ports) in the tf_rules being built. The compiler
 * (compile.c) then turns the annotated trees into IR. Both report to one tf_diags.
 */
#ifndef TF_SEMA_H
#define TF_SEMA_H

#include "base/arena.h"
#include "base/diag.h"
#include "eval/ir.h"
#include "lang/ast.h"

typedef struct {
    span name;
    type_t type;
} named_type;

/* A slot of a rulebook's index of declarations by name (check.c, index_names). */
typedef struct {
    uint32_t decl;       /* 1 + the first declaration of a name; 0: an empty slot */
    uint32_t hash;       /* the name's hash, compared before the name itself */
} sema_name_slot;

/* Per-rulebook checking state: lazily typed sets and values, with a topological order
 * (dependencies first) that the compiler resolves epochs in. */
typedef struct {
    ast_rulebook *ast;
    uint8_t *state;      /* per decl: 0 unvisited, 1 being checked, 2 done */
    type_t *dtype;       /* per decl: the type of a set or value */
    uint32_t *order;     /* decl indices of sets and values, dependencies first */
    uint32_t norder;
    /* the declarations by name (check.c, index_names), since every name in an expression
     * is looked up among them: an open-addressed table of the first declaration of each
     * name, and per declaration the next one of the same name */
    sema_name_slot *by_name;
    uint32_t name_mask;  /* the table's size - 1 */
    uint32_t *next_same; /* [ndecls]: a later declaration of the same name, or UINT32_MAX */
} sema_book;

typedef struct {
    arena *tmp;          /* the compile arena: syntax trees and scratch */
    tf_diags *d;
    tf_rules *r;         /* being built */
    const char **texts;  /* source text by file index */
    sema_book *books;
    uint32_t nbooks;
    named_type *types;
    uint32_t ntypes;
    ast_decl **input_decls; /* [r->ninputs] */
    uint32_t *member_first; /* the checker's index of a set literal's members, all 0 between
                             * uses (check.c, members_index); allocated on first use */
} sema;

/* Checks every rulebook; fills r's inputs, enums and ports. Errors go to s->d. */
void check_all(sema *s);

/* Compiles the checked trees into r's rulebooks. Call only when check_all reported no
 * error. Errors (e.g. too many ports) go to s->d. */
void compile_all(sema *s);

/* The text of a span as a NUL-terminated copy in the rule set's arena. */
const char *sema_str(sema *s, span sp);
/* A string token's value (quotes removed, escapes decoded) in the rule set's arena. */
const char *sema_string_lit(sema *s, span sp);
/* True when span sp spells the NUL-terminated word w. */
int sema_is(const sema *s, span sp, const char *w);

#endif

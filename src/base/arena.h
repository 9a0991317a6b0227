/*
 * arena.h — region allocation.
 *
 * Everything a compiled rule set owns lives in one arena and is freed in one call; the
 * front end's AST lives in a compile arena thrown away after compilation; an evaluation
 * scratch arena is reset between cases. Failure is sticky: after the first failed
 * allocation every later one fails too, so a sequence of allocations needs one check
 * (arena_failed) at its end.
 */
#ifndef TF_ARENA_H
#define TF_ARENA_H

#include <stdbool.h>
#include <stddef.h>

typedef struct arena_block arena_block;
typedef struct {
    arena_block *head;   /* current block; earlier blocks are chained behind it */
    size_t block_size;   /* size of the next block to allocate */
    size_t limit;        /* total bytes this arena may hold (0: unlimited) */
    size_t used;         /* total bytes handed out or reserved in blocks */
    bool failed;         /* sticky: an allocation has failed */
} arena;

void arena_init(arena *a, size_t first_block, size_t limit);
/* size bytes aligned to 16, zero-filled; NULL on failure (and from then on). */
void *arena_alloc(arena *a, size_t size);
/* An array of n elements of `size`; NULL when n * size overflows or on failure. */
void *arena_array(arena *a, size_t n, size_t size);
/* As arena_array, not zero-filled: for an array whose every element is written before
 * it is read. */
void *arena_array_raw(arena *a, size_t n, size_t size);
/* A copy of size bytes of src (aligned as arena_alloc, not zero-filled first). */
void *arena_dup(arena *a, const void *src, size_t size);
/* A NUL-terminated copy of len bytes of s. */
char *arena_strndup(arena *a, const char *s, size_t len);
/* Resize the most recent allocation p (or allocate anew); contents are kept. */
void *arena_grow(arena *a, void *p, size_t old_size, size_t new_size);
/* Forget every allocation but keep the first block for reuse. */
void arena_reset(arena *a);
void arena_free(arena *a);
bool arena_failed(const arena *a);

#endif

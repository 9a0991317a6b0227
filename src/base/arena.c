/*
 * arena.c — region allocation in chained blocks.
 *
 * An arena hands out memory from the current block by moving an offset; when a request
 * does not fit, a new block (twice the last, up to ARENA_BLOCK_MAX — a huge page, see
 * pages.h —, or as big as the request) becomes the current one and the old block is chained behind it, so nothing
 * already handed out ever moves. Nothing is freed one by one: arena_reset forgets every
 * allocation and arena_free returns every block to malloc. This is what lets a compiled
 * rule set be freed in one call and an evaluation run without touching the allocator.
 *
 * Every allocation is aligned to ARENA_ALIGN and zero-filled. The first failure — malloc
 * failing, or the arena's limit reached — sets a sticky flag: every later allocation
 * fails too, so a caller checks arena_failed once after a sequence of allocations.
 * `used` counts the bytes of every block the arena holds (headers included), and that is
 * what `limit` bounds.
 */
#include "base/arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/pages.h"

#define ARENA_ALIGN 16
#define ARENA_BLOCK_DEFAULT 4096
#define ARENA_BLOCK_MAX (PAGES_HUGE - sizeof(arena_block)) /* a full block: a huge page */

struct arena_block {
    arena_block *prev;   /* the block that was current before this one */
    size_t cap;          /* bytes of data[] */
    size_t off;          /* first free byte of data[] */
    size_t last;         /* start of the most recent allocation in data[] */
    unsigned char data[];
};

void arena_init(arena *a, size_t first_block, size_t limit)
{
    a->head = NULL;
    a->block_size = first_block ? first_block : ARENA_BLOCK_DEFAULT;
    a->limit = limit;
    a->used = 0;
    a->failed = false;
}

bool arena_failed(const arena *a)
{
    return a->failed;
}

/* Padding needed to bring data + off up to the alignment. The block's own address is
 * used, not its offset, so alignment holds whatever malloc's alignment is. */
static size_t pad_for(const arena_block *b, size_t off)
{
    uintptr_t p = (uintptr_t)(b->data + off);
    return (size_t)((ARENA_ALIGN - (p % ARENA_ALIGN)) % ARENA_ALIGN);
}

/* A block of `bytes`: a full-size one (an arena's blocks grow to a huge page) in a huge
 * page (pages_alloc), one page fault for its 2 MB instead of 512 — most of what compiling
 * the bundled rulebooks cost at start-up —, any other from malloc. */
static arena_block *new_block(size_t bytes)
{
    return bytes == PAGES_HUGE ? pages_alloc(bytes) : malloc(bytes);
}

/* Chains a new current block able to hold `size` bytes at any alignment. Returns false,
 * and sets the sticky flag, when the size overflows, the limit would be passed, or
 * malloc fails. The block is at least block_size unless that would pass the limit, in
 * which case it is only as big as the request needs. */
static bool add_block(arena *a, size_t size)
{
    if (size > SIZE_MAX - sizeof(arena_block) - ARENA_ALIGN) {
        a->failed = true;
        return false;
    }
    size_t need = size + ARENA_ALIGN - 1;
    size_t cap = a->block_size > need ? a->block_size : need;
    if (a->limit) {
        size_t room = a->limit > a->used ? a->limit - a->used : 0;
        if (sizeof(arena_block) + cap > room)
            cap = need;
        if (sizeof(arena_block) + cap > room) {
            a->failed = true;
            return false;
        }
    }
    arena_block *b = new_block(sizeof(arena_block) + cap);
    if (b == NULL) {
        a->failed = true;
        return false;
    }
    b->prev = a->head;
    b->cap = cap;
    b->off = 0;
    b->last = 0;
    a->head = b;
    a->used += sizeof(arena_block) + cap;
    if (a->block_size < ARENA_BLOCK_MAX)
        a->block_size = a->block_size * 2 < ARENA_BLOCK_MAX ? a->block_size * 2 : ARENA_BLOCK_MAX;
    return true;
}

/* size bytes, not yet filled. A zero-size request still gets a distinct byte, so that
 * NULL always means failure. */
static void *take(arena *a, size_t size)
{
    if (a->failed)
        return NULL;
    if (size == 0)
        size = 1;
    arena_block *b = a->head;
    if (b == NULL || b->cap - b->off < pad_for(b, b->off) ||
        b->cap - b->off - pad_for(b, b->off) < size) {
        if (!add_block(a, size))
            return NULL;
        b = a->head;
    }
    size_t start = b->off + pad_for(b, b->off);
    b->last = start;
    b->off = start + size;
    return b->data + start;
}

void *arena_alloc(arena *a, size_t size)
{
    void *p = take(a, size);
    if (p != NULL)
        memset(p, 0, size ? size : 1);
    return p;
}

void *arena_dup(arena *a, const void *src, size_t size)
{
    void *p = take(a, size);
    if (p != NULL && size)
        memcpy(p, src, size);
    return p;
}

void *arena_array(arena *a, size_t n, size_t size)
{
    if (size != 0 && n > SIZE_MAX / size) {
        a->failed = true;
        return NULL;
    }
    return arena_alloc(a, n * size);
}

void *arena_array_raw(arena *a, size_t n, size_t size)
{
    if (size != 0 && n > SIZE_MAX / size) {
        a->failed = true;
        return NULL;
    }
    return take(a, n * size);
}

char *arena_strndup(arena *a, const char *s, size_t len)
{
    if (len == SIZE_MAX) {
        a->failed = true;
        return NULL;
    }
    char *p = take(a, len + 1); /* every byte is written below */
    if (p == NULL)
        return NULL;
    if (len)
        memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

/* In place when p is the most recent allocation of the current block and the block has
 * room (or the size shrinks); otherwise a new allocation with the first old_size bytes
 * copied (the old one stays valid until reset). Bytes past old_size are zero. On failure
 * NULL is returned and p is left as it was. */
void *arena_grow(arena *a, void *p, size_t old_size, size_t new_size)
{
    if (a->failed)
        return NULL;
    if (p == NULL)
        return arena_alloc(a, new_size);
    if (new_size == 0)
        new_size = 1;
    arena_block *b = a->head;
    if (b != NULL && (unsigned char *)p == b->data + b->last && new_size <= b->cap - b->last) {
        if (new_size > old_size)
            memset(b->data + b->last + old_size, 0, new_size - old_size);
        b->off = b->last + new_size;
        return p;
    }
    if (new_size <= old_size)
        return p;
    void *q = arena_alloc(a, new_size);
    if (q == NULL)
        return NULL;
    memcpy(q, p, old_size);
    return q;
}

/* Keeps the oldest block, the one arena_init's first_block sized, since a scratch arena
 * reset between cases usually needs no more. Clears the sticky flag: a reset arena is a
 * fresh start. */
void arena_reset(arena *a)
{
    arena_block *b = a->head;
    if (b == NULL) {
        a->failed = false;
        return;
    }
    while (b->prev != NULL) {
        arena_block *prev = b->prev;
        a->used -= sizeof(arena_block) + b->cap;
        free(b);
        b = prev;
    }
    b->off = 0;
    b->last = 0;
    a->head = b;
    a->failed = false;
}

void arena_free(arena *a)
{
    arena_block *b = a->head;
    while (b != NULL) {
        arena_block *prev = b->prev;
        free(b);
        b = prev;
    }
    a->head = NULL;
    a->used = 0;
    a->failed = false;
}

/*
 * fail_alloc.h — making the library's n-th allocation fail, for the out-of-memory tests.
 *
 * A test that includes this file is linked with the allocator wrapped
 * (-Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=aligned_alloc; see
 * tests/CMakeLists.txt): every allocation made by the library's objects (not libc's own,
 * nor jansson's) passes through the wrappers below. fail_alloc_at(n) makes the n-th
 * allocation from then fail, and every later one succeed; fail_alloc_reached() says
 * whether the n-th has happened, that is, whether the run met the failure at all. The
 * count is atomic: a batch allocates from several threads.
 */
#ifndef TF_TEST_FAIL_ALLOC_H
#define TF_TEST_FAIL_ALLOC_H

#include <stdatomic.h>
#include <stddef.h>

static atomic_long fail_alloc_n, fail_alloc_counted;

/* Makes the n-th allocation from now fail (0: none). */
static inline void fail_alloc_at(long n) {
    atomic_store(&fail_alloc_counted, 0);
    atomic_store(&fail_alloc_n, n);
}

/* Whether the allocation set to fail has been made (and failed). */
static inline int fail_alloc_reached(void) {
    long n = atomic_load(&fail_alloc_n);
    return n && atomic_load(&fail_alloc_counted) >= n;
}

static inline int fail_alloc_now(void) {
    long n = atomic_load(&fail_alloc_n);
    return n && atomic_fetch_add(&fail_alloc_counted, 1) + 1 == n;
}

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
void *__real_aligned_alloc(size_t align, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);
void *__wrap_aligned_alloc(size_t align, size_t n);

void *__wrap_malloc(size_t n) { return fail_alloc_now() ? NULL : __real_malloc(n); }
void *__wrap_calloc(size_t n, size_t size) { return fail_alloc_now() ? NULL : __real_calloc(n, size); }
void *__wrap_realloc(void *p, size_t n) { return fail_alloc_now() ? NULL : __real_realloc(p, n); }
void *__wrap_aligned_alloc(size_t align, size_t n) { return fail_alloc_now() ? NULL : __real_aligned_alloc(align, n); }

#endif

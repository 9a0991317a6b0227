/*
 * pages.h — large buffers in huge pages, where the kernel gives them.
 *
 * A page fault costs microseconds (about 10 µs in the virtual machine of
 * docs/performance.md, where a 4 KB page of a huge one costs 0.25), and a buffer of a few
 * megabytes written once takes one for every 4 KB page. A buffer from pages_alloc is
 * aligned to a huge page (2 MB) and advised to the kernel as one to back with huge
 * pages (Linux's transparent huge pages, "madvise" mode or "always"): a fault for each
 * 2 MB instead of 512. Where the kernel does not, it is an ordinary buffer. Used for the
 * arenas' full-size blocks (compiling the bundled rulebooks), the batch's memory that
 * every run writes — the reader's buffer, the ring's slots and their first buffers, the
 * workers — and the CLI's output buffer.
 */
#ifndef TF_PAGES_H
#define TF_PAGES_H

#include <stddef.h>

#define PAGES_HUGE ((size_t)2 << 20) /* a huge page of x86-64 and arm64 */

/* bytes (a multiple of PAGES_HUGE) aligned to PAGES_HUGE, not filled; NULL when out
 * of memory. Freed with free(). */
void *pages_alloc(size_t bytes);

#endif

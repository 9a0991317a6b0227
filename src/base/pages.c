/*
 * pages.c — large buffers in huge pages, where the kernel gives them (see pages.h).
 */
#define _DEFAULT_SOURCE /* madvise and MADV_HUGEPAGE (Linux), which POSIX does not name */
#include "base/pages.h"

#include <stdlib.h>
#include <sys/mman.h>

void *pages_alloc(size_t bytes)
{
    void *p = aligned_alloc(PAGES_HUGE, bytes);
#ifdef MADV_HUGEPAGE
    if (p != NULL)
        (void)madvise(p, bytes, MADV_HUGEPAGE); /* advice only: refused, the pages are 4 KB */
#endif
    return p;
}

/*
 * cact_alloc.h: the NumPy memory handler (NEP 49) of the large arrays the
 * kernels return.  A new large array costs the kernel's page faults: the
 * operating system maps and zeroes every page on its first write, which for
 * a cheap kernel takes longer than the kernel itself.  This handler keeps up
 * to CACT_CACHE_SLOTS freed blocks of at least cact_cache_min bytes (at most
 * cact_cache_cap bytes in all) and hands one out again for a request of at
 * least half its size, pages already mapped: the repeated calls of a
 * training loop on arrays of one shape reuse their memory.
 *
 * Each block carries its capacity in a header of CACT_ALLOC_HEAD bytes before
 * the data (realloc is not given the old size).  Blocks come from the C
 * library's malloc, with huge pages advised from 4 MiB on, as NumPy's own
 * handler does on Linux.  The handler is only installed around the kernels'
 * own allocations (cact_new_array); NumPy calls its functions for the arrays
 * made with it (NumPy keeps the handler with each array), always with the GIL
 * held, which guards the cache.
 */
#ifndef CACT_ALLOC_H
#define CACT_ALLOC_H
#include <Python.h>
#include <numpy/arrayobject.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif

#define CACT_ALLOC_HEAD 64
#define CACT_CACHE_SLOTS 4
/* smaller blocks: not cached.  glibc's malloc maps blocks from 128 KiB on
   and trims the heap once its free top exceeds twice the size of the last
   mapped block freed, so that the freed outputs of a call (two of 781 KiB,
   say) can go back to the system and fault their pages in again on the next
   call. */
static size_t cact_cache_min = (size_t)1 << 16;
static size_t cact_cache_cap = (size_t)256 << 20;  /* bytes held in all, at most */
static char *cact_cache_block[CACT_CACHE_SLOTS];   /* the headers, oldest first */
static size_t cact_cache_held;

static size_t cact_block_size(const char *h)
{
    size_t n;
    memcpy(&n, h, sizeof n);
    return n;
}

static void *cact_block_new(size_t size, int zero)
{
    char *h;
    if (size > SIZE_MAX - CACT_ALLOC_HEAD)
        return NULL;
    h = zero ? (char *)calloc(1, size + CACT_ALLOC_HEAD) : (char *)malloc(size + CACT_ALLOC_HEAD);
    if (h == NULL)
        return NULL;
    memcpy(h, &size, sizeof size);
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    if (size >= ((size_t)1 << 22)) {
        uintptr_t a = ((uintptr_t)h + 4095u) & ~(uintptr_t)4095u;
        uintptr_t e = ((uintptr_t)h + CACT_ALLOC_HEAD + size) & ~(uintptr_t)4095u;
        if (e > a)
            madvise((void *)a, e - a, MADV_HUGEPAGE);
    }
#endif
    return h + CACT_ALLOC_HEAD;
}

/* takes block i out of the cache (the later ones move down a slot) */
static char *cact_cache_take(int i)
{
    char *h = cact_cache_block[i];
    for (; i + 1 < CACT_CACHE_SLOTS; i++)
        cact_cache_block[i] = cact_cache_block[i + 1];
    cact_cache_block[CACT_CACHE_SLOTS - 1] = NULL;
    cact_cache_held -= cact_block_size(h);
    return h;
}

static void *cact_alloc_malloc(void *ctx, size_t size)
{
    int i;
    (void)ctx;
    if (size >= cact_cache_min) {
        for (i = CACT_CACHE_SLOTS - 1; i >= 0; i--) {      /* the newest first */
            char *h = cact_cache_block[i];
            size_t n = h ? cact_block_size(h) : 0;
            if (h && n >= size && n / 2 <= size)
                return cact_cache_take(i) + CACT_ALLOC_HEAD;
        }
    }
    return cact_block_new(size, 0);
}

static void *cact_alloc_calloc(void *ctx, size_t nelem, size_t elsize)
{
    (void)ctx;
    if (elsize != 0 && nelem > SIZE_MAX / elsize)
        return NULL;
    return cact_block_new(nelem * elsize, 1);
}

static void *cact_alloc_realloc(void *ctx, void *ptr, size_t size)
{
    char *h;
    (void)ctx;
    if (ptr == NULL)
        return cact_block_new(size, 0);
    if (size > SIZE_MAX - CACT_ALLOC_HEAD)
        return NULL;
    h = (char *)realloc((char *)ptr - CACT_ALLOC_HEAD, size + CACT_ALLOC_HEAD);
    if (h == NULL)
        return NULL;
    memcpy(h, &size, sizeof size);
    return h + CACT_ALLOC_HEAD;
}

static void cact_alloc_free(void *ctx, void *ptr, size_t size)
{
    char *h;
    size_t n;
    int i;
    (void)ctx;
    (void)size;                        /* the header has the capacity */
    if (ptr == NULL)
        return;
    h = (char *)ptr - CACT_ALLOC_HEAD;
    n = cact_block_size(h);
    if (n < cact_cache_min || n > cact_cache_cap) {
        free(h);
        return;
    }
    /* make room: the oldest blocks go first (n <= cap: the cache can empty) */
    while (cact_cache_block[CACT_CACHE_SLOTS - 1] != NULL || cact_cache_held + n > cact_cache_cap)
        free(cact_cache_take(0));
    for (i = 0; i < CACT_CACHE_SLOTS && cact_cache_block[i] != NULL; i++)
        ;
    cact_cache_block[i] = h;           /* (a slot is free: see the loop above) */
    cact_cache_held += n;
}

/* frees every cached block; returns the bytes released */
static size_t cact_cache_release(void)
{
    size_t held = cact_cache_held;
    int i;
    for (i = 0; i < CACT_CACHE_SLOTS; i++) {
        free(cact_cache_block[i]);
        cact_cache_block[i] = NULL;
    }
    cact_cache_held = 0;
    return held;
}

static PyDataMem_Handler cact_alloc_handler = {
    "cactivations_cache",
    1,
    {NULL, cact_alloc_malloc, cact_alloc_calloc, cact_alloc_realloc, cact_alloc_free},
};

#endif /* CACT_ALLOC_H */

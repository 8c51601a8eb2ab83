/* Internal: how much memory a new workspace, or a whole job, may take, and the allocator of
 * the simulations' large arrays. */
#ifndef DEQ_CORE_MEM_H
#define DEQ_CORE_MEM_H

#include <stddef.h>

/* A job may use at most this fraction of the available memory (the rest is left to the
 * system, the output and the other programs). */
#define DEQ_MEM_FRACTION 0.8

/* Bytes available for a new allocation: MemAvailable from /proc/meminfo where it
 * exists (Linux), otherwise the physical memory (sysconf), otherwise +infinity. */
double deq_mem_available(void);

/* Whether a whole job fits: `bytes` is the total of everything that will be allocated at
 * the same time by all `workers` workers together (not one workspace), compared once,
 * before anything is allocated or touched, with DEQ_MEM_FRACTION x deq_mem_available().
 * On failure DEQ_ENOMEM is reported once as
 *   "<what>: needs X GiB for K workers (X/K GiB each), more than the limit of 80% of the
 *    Y GiB available (Z GiB)"   (for one worker: "... for 1 worker, more than ...").
 * DEQ_EINVAL for bytes NaN or negative, workers 0 or what NULL. */
int deq_mem_check_job(double bytes, size_t workers, const char *what);

/* The largest k in 1..max_workers with k x per_worker within the limit; 1 when not even one
 * worker fits (deq_mem_check_job then reports it).  No report. */
size_t deq_mem_fit_workers(double per_worker, size_t max_workers);

/* Alignment of every array from deq_mem_alloc (a cache line, what the BLAS kernels prefer). */
#define DEQ_MEM_ALIGN 64
/* Arrays of at least DEQ_MEM_HUGE_MIN bytes are aligned to DEQ_MEM_HUGE_ALIGN (one x86-64
 * transparent huge page) and advised MADV_HUGEPAGE where the system has it, so that the
 * kernel can back them by 2 MiB pages (512 times fewer page faults and TLB entries). */
#define DEQ_MEM_HUGE_ALIGN ((size_t) 2 << 20)
#define DEQ_MEM_HUGE_MIN ((size_t) 4 << 20)

/* An array of `bytes` bytes (bytes >= 1), aligned as above; NULL if the allocation fails
 * (no report: the caller names what it was for).  Release builds (NDEBUG) do NOT touch the
 * memory: every page is faulted in once, by its first real write.  Debug builds (NDEBUG not
 * defined, e.g. meson -Db_ndebug=false or buildtype=debug) poison it with all-ones bytes,
 * a NaN in every double, so that a read of an unwritten entry shows up as a non-finite
 * value.  Free with deq_mem_free. */
void *deq_mem_alloc(size_t bytes);
void deq_mem_free(void *p);

/* deq_mem_alloc of count doubles (count >= 1; NULL if count x 8 overflows). */
double *deq_mem_doubles(size_t count);

#endif

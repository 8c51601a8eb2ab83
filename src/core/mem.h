/* Internal: how much memory a new workspace, or a whole job, may take. */
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
 *   "<what>: needs X GiB for K workers, Y GiB available, limit 80% of available (Z GiB)".
 * DEQ_EINVAL for bytes NaN or negative, workers 0 or what NULL. */
int deq_mem_check_job(double bytes, size_t workers, const char *what);

/* The largest k in 1..max_workers with k x per_worker within the limit; 1 when not even one
 * worker fits (deq_mem_check_job then reports it).  No report. */
size_t deq_mem_fit_workers(double per_worker, size_t max_workers);

#endif

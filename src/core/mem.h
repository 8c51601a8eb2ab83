/* Internal: how much memory a new workspace may take. */
#ifndef DEQ_CORE_MEM_H
#define DEQ_CORE_MEM_H

/* Bytes available for a new allocation: MemAvailable from /proc/meminfo where it
 * exists (Linux), otherwise the physical memory (sysconf), otherwise +infinity. */
double deq_mem_available(void);

#endif

/* Memory available for a new workspace (sizes are checked before allocating), and the
 * aligned allocator of large arrays. */
#define _DEFAULT_SOURCE   /* madvise and MADV_HUGEPAGE (Linux) next to _XOPEN_SOURCE */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "core/mem.h"
#include "core/check.h"

#define GIB (1024.0 * 1024.0 * 1024.0)

static double meminfo_available(void)
{
  FILE *f = fopen("/proc/meminfo", "r");
  char line[256];
  double kib = -1.0;
  if (f == NULL)
    return -1.0;
  while (fgets(line, sizeof line, f) != NULL)
    if (sscanf(line, "MemAvailable: %lf kB", &kib) == 1)
      break;
  fclose(f);
  return kib >= 0 ? 1024.0 * kib : -1.0;
}

double deq_mem_available(void)
{
  double bytes = meminfo_available();
  long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGE_SIZE);
  if (bytes >= 0)
    return bytes;
  if (pages > 0 && size > 0)
    return (double) pages * (double) size;
  return INFINITY;
}

int deq_mem_check_job(double bytes, size_t workers, const char *what)
{
  DEQ_CHECK_NULL(what, "what");
  DEQ_CHECK(bytes >= 0 && workers >= 1, "%s: memory check needs bytes >= 0 and workers >= 1, "
            "got %g bytes for %zu workers", what, bytes, workers);
  double have = deq_mem_available(), limit = DEQ_MEM_FRACTION * have;
  char each[64] = "";
  if (workers > 1)
    snprintf(each, sizeof each, "s (%.3g GiB each)", bytes / (double) workers / GIB);
  if (!(bytes <= limit))
    DEQ_ERRORF(DEQ_ENOMEM, "%s: needs %.3g GiB for %zu worker%s, more than the limit of %.0f%% "
               "of the %.3g GiB available (%.3g GiB)", what, bytes / GIB, workers, each,
               100.0 * DEQ_MEM_FRACTION, have / GIB, limit / GIB);
  return DEQ_SUCCESS;
}

size_t deq_mem_fit_workers(double per_worker, size_t max_workers)
{
  double limit = DEQ_MEM_FRACTION * deq_mem_available();
  size_t k = max_workers;
  while (k > 1 && !(per_worker * (double) k <= limit))
    k--;
  return k < 1 ? 1 : k;
}

/* Ask for transparent huge pages over the whole pages inside [p, p + bytes). */
static void advise_huge(void *p, size_t bytes)
{
#ifdef MADV_HUGEPAGE
  long page = sysconf(_SC_PAGESIZE);
  size_t len = page > 0 ? bytes - bytes % (size_t) page : 0;
  if (len > 0)
    (void) madvise(p, len, MADV_HUGEPAGE);   /* advice only: failure changes nothing */
#else
  (void) p, (void) bytes;
#endif
}

void *deq_mem_alloc(size_t bytes)
{
  int huge = bytes >= DEQ_MEM_HUGE_MIN;
  void *p = NULL;
  if (bytes == 0 || posix_memalign(&p, huge ? DEQ_MEM_HUGE_ALIGN : DEQ_MEM_ALIGN, bytes) != 0)
    return NULL;
  if (huge)
    advise_huge(p, bytes);
#ifndef NDEBUG
  memset(p, 0xff, bytes);
#endif
  return p;
}

void deq_mem_free(void *p)
{
  free(p);
}

double *deq_mem_doubles(size_t count)
{
  if (count == 0 || count > SIZE_MAX / sizeof(double))
    return NULL;
  return deq_mem_alloc(count * sizeof(double));
}

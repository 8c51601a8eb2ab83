/* Memory available for a new workspace (sizes are checked before allocating). */
#include <math.h>
#include <stdio.h>
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
  if (!(bytes <= limit))
    DEQ_ERRORF(DEQ_ENOMEM, "%s: needs %.3g GiB for %zu worker%s, %.3g GiB available, limit "
               "%.0f%% of available (%.3g GiB)", what, bytes / GIB, workers,
               workers == 1 ? "" : "s", have / GIB, 100.0 * DEQ_MEM_FRACTION, limit / GIB);
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

/* Memory available for a new workspace (sizes are checked before allocating). */
#include <math.h>
#include <stdio.h>
#include <unistd.h>
#include "core/mem.h"

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

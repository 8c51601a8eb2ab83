/* OpenBLAS's kernels for the CPU it runs on.  Its DYNAMIC_ARCH build (Debian's) picks them
 * from the CPU model; a virtual machine that reports a generic model ("Intel(R) Xeon(R)
 * Processor") gets the Prescott (SSE3) kernels although the CPU has AVX2 or AVX-512: dgemm runs
 * 3-4 times slower (bench_train: 12.6 s against 3.9 s with SkylakeX kernels, docs/network.md).
 * OpenBLAS reads OPENBLAS_CORETYPE once, when it is loaded, so the fix is to run the program
 * again with it set; the user's own setting always wins. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <cblas.h>
#include "cli/cli.h"
#include "deqnn/command.h"

static const char *best_core(void)
{
#if defined(__x86_64__) && defined(__GNUC__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f"))
    return "SkylakeX";
  if (__builtin_cpu_supports("avx2"))
    return "Haswell";
  if (__builtin_cpu_supports("avx"))
    return "Sandybridge";
#endif
  return NULL;
}

const char *deq_command_blas_core(void)
{
  if (getenv("OPENBLAS_CORETYPE") != NULL)
    return NULL;
  const char *core = openblas_get_corename(), *want = best_core();
  return core == NULL || want == NULL || strcasecmp(core, "prescott") != 0 ? NULL : want;
}

void cli_blas_core(char **argv)
{
  const char *want = deq_command_blas_core();
  if (want == NULL)
    return;
  if (setenv("OPENBLAS_CORETYPE", want, 1) == 0)
    execv("/proc/self/exe", argv);   /* on failure: go on with the slow kernels */
  unsetenv("OPENBLAS_CORETYPE");
}

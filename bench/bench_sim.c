/* Benchmark of the network simulation: wall time of draw + Gram matrix + eigenvalues
 * (deq_network_spectrum), and the share spent inside BLAS/LAPACK calls (deq_network_timing).
 *   CK : n = 2000, L = 3, tanh, d = (2400, 1800, 2200, 2600), Gaussian input.
 *   NTK: n = 1200, L = 2, tanh, d = (1440, 1080, 1320), Gaussian input and read-out. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "deqnn/network.h"
#ifdef DEQ_HAVE_OPENBLAS_THREADS
#include <cblas.h>
#endif

#define REPS 4

static double now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double) ts.tv_sec + 1e-9 * (double) ts.tv_nsec;
}

/* One replicate: draw, Gram matrix, eigenvalues; prints the split, returns the status and
 * the total seconds and BLAS/LAPACK seconds in t[0], t[1]. */
static int one_rep(deq_network *net, size_t n, int r, int ntk, double *K, double *ev, double *t)
{
  double t0 = now(), t1, t2, t3;
  deq_network_timing_reset(net);
  int status = deq_network_draw(net, 1, (uint64_t) r);
  t1 = now();
  if (status == DEQ_SUCCESS)
    status = ntk ? deq_network_ntk(net, K) : deq_network_ck(net, K);
  t2 = now();
  if (status == DEQ_SUCCESS)
    status = deq_network_spectrum(net, K, ev);
  t3 = now();
  deq_network_timing(net, &t[1], &t[0]);
  printf("  rep %d: draw %.3f s, %s %.3f s, eigvals %.3f s | total %.3f s, BLAS/LAPACK "
         "%.3f s = %.1f%% (wall %.3f s), lambda_max %.4f\n", r, t1 - t0, ntk ? "ntk" : "ck",
         t2 - t1, t3 - t2, t[0], t[1], 100.0 * t[1] / t[0], t3 - t0, ev[n - 1]);
  return status;
}

static int bench(const char *label, size_t n, size_t L, const size_t *d, int ntk)
{
  deq_network_spec s;
  memset(&s, 0, sizeof s);
  s.n = n, s.L = L;
  memcpy(s.d, d, (L + 1) * sizeof(size_t));
  deq_act_parse("tanh", "act", &s.act);
  deq_network *net = NULL;
  double *K = malloc(n * n * sizeof(double)), *ev = malloc(n * sizeof(double));
  double t[2], best[2] = { INFINITY, 0.0 };
  int status = K == NULL || ev == NULL ? DEQ_ENOMEM : deq_network_alloc(&s, NULL, &net);
  printf("%s: n = %zu, L = %zu, workspace %.2f GiB\n", label, n, L,
         deq_network_bytes(&s) / (1024.0 * 1024.0 * 1024.0));
  for (int r = 0; r < REPS && status == DEQ_SUCCESS; r++)
    if ((status = one_rep(net, n, r, ntk, K, ev, t)) == DEQ_SUCCESS && t[0] < best[0])
      best[0] = t[0], best[1] = t[1];
  if (status == DEQ_SUCCESS)
    printf("  best of %d: %.3f s, BLAS/LAPACK share %.1f%%\n", REPS, best[0],
           100.0 * best[1] / best[0]);
  else
    printf("  failed: %s\n", deq_strerror(status));
  deq_network_free(net);
  free(K);
  free(ev);
  return status;
}

int main(void)
{
#ifdef DEQ_HAVE_OPENBLAS_THREADS
  printf("%s, %d threads\n", openblas_get_config(), openblas_get_num_threads());
#endif
  const size_t dck[] = { 2400, 1800, 2200, 2600 }, dntk[] = { 1440, 1080, 1320 };
  int status = bench("CK", 2000, 3, dck, 0);
  status = deq_status_merge(status, bench("NTK", 1200, 2, dntk, 1));
  return status == DEQ_SUCCESS ? 0 : 1;
}

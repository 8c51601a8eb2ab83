/* Benchmark of the two-layer Monte Carlo (rf_onestep S10): d = 600, width ratio
 * psi1 = 2.385 (N = 1431), sample ratios psi2 = psi_g = 1.7 (n = n_g = 1020),
 * n_test = 6000, tanh student, teacher poly:0,1,0.5, tau^2 = 0.09, eta = 2.5,
 * lambda = 0.02.  One replicate = draw + step + fit; the first one also pays the
 * first touch of the workspace's pages, so a second replicate is timed as well.
 * Prints wall-clock seconds per operation and the share inside BLAS/LAPACK, and for the
 * whole process (allocation, two replicates, release) the wall time and the peak resident
 * memory (getrusage ru_maxrss) next to the workspace size deq_twolayer_bytes predicts. */
#include <stdio.h>
#include <sys/resource.h>
#include <time.h>
#include "deqnn/twolayer.h"

static double now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double) ts.tv_sec + 1e-9 * (double) ts.tv_nsec;
}

static int replicate(deq_twolayer *tl, uint64_t rep)
{
  deq_twolayer_times t0, t1;
  deq_twolayer_result res;
  double w[4];
  int status;
  deq_twolayer_timing(tl, &t0);
  w[0] = now();
  status = deq_twolayer_draw(tl, 1000, rep);
  w[1] = now();
  if (status == DEQ_SUCCESS)
    status = deq_twolayer_step(tl, 2.5, 0);
  w[2] = now();
  if (status == DEQ_SUCCESS)
    status = deq_twolayer_fit(tl, 0.02, &res);
  w[3] = now();
  deq_twolayer_timing(tl, &t1);
  if (status != DEQ_SUCCESS) {
    printf("replicate %llu: %s\n", (unsigned long long) rep, deq_strerror(status));
    return status;
  }
  double total = t1.total - t0.total, blas = t1.blas - t0.blas, rng = t1.rng - t0.rng;
  printf("replicate %llu: draw %.3f s, step %.3f s, fit %.3f s; total %.3f s, "
         "BLAS/LAPACK %.3f s (%.0f%%), rng %.3f s (%.0f%%), other %.3f s (%.0f%%)\n",
         (unsigned long long) rep, w[1] - w[0], w[2] - w[1], w[3] - w[2], total, blas,
         100 * blas / total, rng, 100 * rng / total, total - blas - rng,
         100 * (total - blas - rng) / total);
  printf("  R = %.5f, T = %.5f, cos2(G0, beta) = %.4f, cos2(W1, beta) = %.4f\n", res.risk,
         res.train_error, res.align_grad, res.align_w1);
  return DEQ_SUCCESS;
}

int main(void)
{
  double start = now();
  deq_twolayer_spec spec;
  deq_twolayer *tl;
  deq_twolayer_spec_init(&spec);
  spec.d = 600;
  spec.N = 1431;
  spec.n = spec.n_g = 1020;
  spec.noise = 0.09;
  if (deq_act_parse("tanh", "act", &spec.act) != DEQ_SUCCESS
      || deq_act_parse("poly:0,1,0.5", "teacher", &spec.teacher) != DEQ_SUCCESS
      || deq_twolayer_alloc(&spec, &tl) != DEQ_SUCCESS)
    return 1;
  printf("twolayer: d = %zu, N = %zu, n = n_g = %zu, n_test = %zu\n", spec.d, spec.N,
         spec.n, spec.n_test);
  int status = replicate(tl, 0);
  if (status == DEQ_SUCCESS)
    status = replicate(tl, 1);
  deq_twolayer_free(tl);
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  printf("whole process: %.3f s, peak RSS %.1f MiB (workspace %.1f MiB)\n", now() - start,
         (double) ru.ru_maxrss / 1024.0, deq_twolayer_bytes(&spec) / (1024.0 * 1024.0));
  return status == DEQ_SUCCESS ? 0 : 1;
}

/* Benchmark of the spiked-RF / one-step network Monte Carlo (spiked_rf S10): d = 500,
 * p = 600, n = 750, n_test = 4000, tanh, teacher poly:0,1,0.7071; spiked mode r = 1.3,
 * c = 1.2, gamma = 0.8, lambda = 0.05; network mode eta_t = 2, n0 = 6 d.  Three
 * replicates per mode (the first also pays the first touch of the workspace's pages),
 * and in network mode a learning-rate sweep on a held draw (no redraw).  Prints
 * wall-clock seconds per replicate. */
#include <complex.h>
#include <stdio.h>
#include <time.h>
#include "deqnn/srfsim.h"

static double now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double) ts.tv_sec + 1e-9 * (double) ts.tv_nsec;
}

static int bench(deq_srfsim_mode mode, const char *name)
{
  deq_srfsim_spec s;
  deq_srfsim *ws;
  deq_srfsim_result res;
  int status;
  deq_srfsim_spec_init(&s);
  s.mode = mode;
  s.d = 500, s.p = 600, s.n = 750, s.n_test = 4000;
  s.noise = 0.1, s.lambda = 0.05;
  s.r = 1.3, s.c = 1.2, s.gamma = 0.8;
  s.eta = 2.0, s.n0 = 6 * s.d;
  s.nz = 1, s.z[0] = 1.0 + 0.3 * I;
  if (deq_act_parse("tanh", "act", &s.act) != DEQ_SUCCESS
      || deq_act_parse("poly:0,1,0.70710678118654752", "teacher", &s.teacher) != DEQ_SUCCESS)
    return 1;
  printf("%s: workspace %.1f MiB\n", name, deq_srfsim_bytes(&s) / 1048576.0);
  if ((status = deq_srfsim_alloc(&s, &ws)) != DEQ_SUCCESS)
    return status;
  for (uint64_t r = 0; r < 3; r++) {
    double t0 = now();
    status = deq_srfsim_run(ws, 1000, r, &res, NULL);
    if (status != DEQ_SUCCESS)
      break;
    printf("  replicate %llu: %.3f s  (test %.4f, train %.4f, lambda1 %.2f, lambda2 %.3f)\n",
           (unsigned long long) r, now() - t0, res.test_error, res.train_error, res.lambda1,
           res.lambda2);
  }
  if (status == DEQ_SUCCESS && mode == DEQ_SRFSIM_NETWORK) {
    double t0 = now();
    deq_srfsim_set_eta(ws, 1.0);
    status = deq_srfsim_run(ws, 1000, 2, &res, NULL);
    printf("  same replicate, eta_t = 1 (draw held): %.3f s  (test %.4f)\n", now() - t0,
           res.test_error);
  }
  deq_srfsim_free(ws);
  return status;
}

int main(void)
{
  int status = bench(DEQ_SRFSIM_SPIKED, "spiked");
  if (status == DEQ_SUCCESS)
    status = bench(DEQ_SRFSIM_NETWORK, "network");
  if (status != DEQ_SUCCESS)
    printf("failed: %s\n", deq_strerror(status));
  return status != DEQ_SUCCESS;
}

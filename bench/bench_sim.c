/* Benchmark of the network simulation, per replicate and as a whole process.
 *   CK : the CLI's default network (3-layer tanh, ratios n/d_l = 0.5, 0.8, 1.2, 1.71,
 *        Gaussian input), n = 1000, 2000, 4000, a CK-only workspace as `deqnn ck` uses;
 *   NTK: n = 1200, L = 2, tanh, d = (1440, 1080, 1320), Gaussian input and read-out, an
 *        NTK-only workspace as `deqnn ntk` uses.
 * Each case runs in a child process (fork), which reports
 *   - per replicate: draw, Gram, eigenvalues (deq_network_spectrum) and the share of the
 *     time inside BLAS/LAPACK (deq_network_timing); the first replicate also pays the first
 *     touch of the workspace's pages;
 *   - whole process: the allocation (workspace; + K for the NTK), the wall time from the start of the
 *     child to the release of the workspace, and its peak resident memory (getrusage
 *     ru_maxrss), next to the workspace size deq_network_bytes predicts.
 * `bench_sim N...` runs the CK case for the given n only, `bench_sim ntk N...` the NTK of the
 * CLI's default network (the CK's sizes) at the given n. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "deqnn/network.h"
#ifdef DEQ_HAVE_OPENBLAS_THREADS
#include <cblas.h>
#endif

#define REPS 2
#define MIB (1024.0 * 1024.0)
#define CK_L 3

static const double ck_ratios[CK_L + 1] = { 0.5, 0.8, 1.2, 1.71 };

static double now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double) ts.tv_sec + 1e-9 * (double) ts.tv_nsec;
}

static double peak_rss_mib(void)
{
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double) ru.ru_maxrss / 1024.0;   /* Linux: kilobytes */
}

/* One replicate as the CLI runs it: draw, then the NTK into K and its eigenvalues, or the
 * CK and its eigenvalues inside the workspace (deq_network_ck_spectrum, K unused); prints
 * the split; t = {total, BLAS}. */
static int one_rep(deq_network *net, size_t n, int r, int ntk, double *K, double *ev, double *t)
{
  double t0 = now(), t1, t2, t3;
  deq_network_timing_reset(net);
  int status = deq_network_draw(net, 1, (uint64_t) r);
  t1 = now();
  if (status == DEQ_SUCCESS && ntk)
    status = deq_network_ntk(net, K);
  t2 = now();
  if (status == DEQ_SUCCESS)
    status = ntk ? deq_network_spectrum(net, K, ev) : deq_network_ck_spectrum(net, ev);
  t3 = now();
  deq_network_timing(net, &t[1], &t[0]);
  printf("  rep %d: draw %.3f s, %s %.3f s | total %.3f s, BLAS/LAPACK %.3f s = %.1f%%, "
         "lambda_max %.4f\n", r, t1 - t0, ntk ? "ntk, eigvals" : "ck + eigvals",
         ntk ? t3 - t1 : t3 - t2, t[0], t[1], 100.0 * t[1] / t[0], ev[n - 1]);
  return status;
}

/* The whole process of one case: allocate, REPS replicates, free. */
static int run_case(const char *label, const deq_network_spec *s, int ntk)
{
  double start = now(), best[2] = { INFINITY, 0.0 }, t[2];
  size_t n = s->n;
  deq_network *net = NULL;
  double *K = ntk ? malloc(n * n * sizeof(double)) : NULL, *ev = malloc(n * sizeof(double));
  int status = (ntk && K == NULL) || ev == NULL ? DEQ_ENOMEM : deq_network_alloc(s, NULL, &net);
  double talloc = now() - start;
  printf("%s: n = %zu, L = %zu, d = %zu", label, n, s->L, s->d[0]);
  for (size_t l = 1; l <= s->L; l++)
    printf(",%zu", s->d[l]);
  printf("; workspace %.1f MiB%s, allocated in %.4f s\n", deq_network_bytes(s) / MIB,
         ntk ? " + K" : " (K inside)", talloc);
  for (int r = 0; r < REPS && status == DEQ_SUCCESS; r++)
    if ((status = one_rep(net, n, r, ntk, K, ev, t)) == DEQ_SUCCESS && t[0] < best[0])
      best[0] = t[0], best[1] = t[1];
  deq_network_free(net);
  free(K);
  free(ev);
  if (status != DEQ_SUCCESS) {
    printf("  failed: %s\n", deq_strerror(status));
    return 1;
  }
  printf("  best replicate %.3f s (BLAS/LAPACK %.1f%%); whole process %.3f s for %d "
         "replicates, peak RSS %.1f MiB\n", best[0], 100.0 * best[1] / best[0], now() - start,
         REPS, peak_rss_mib());
  return 0;
}

/* Run one case in a child process, so that its peak RSS is its own. */
static int in_child(const char *label, const deq_network_spec *s, int ntk)
{
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    int rc = run_case(label, s, ntk);
    fflush(stdout);
    _exit(rc);
  }
  int wstatus = 0;
  if (pid < 0 || waitpid(pid, &wstatus, 0) != pid)
    return 1;
  return WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 1;
}

static deq_network_spec spec_of(size_t n, size_t L, const size_t *d, int ck_only)
{
  /* ck_only: a CK-only workspace, else an NTK-only one (what the CLI allocates) */
  deq_network_spec s;
  memset(&s, 0, sizeof s);
  s.n = n, s.L = L;
  memcpy(s.d, d, (L + 1) * sizeof(size_t));
  deq_act_parse("tanh", "act", &s.act);
  s.need = ck_only ? DEQ_NETWORK_CK_ONLY : DEQ_NETWORK_NTK_ONLY;
  return s;
}

/* The CLI's default network at n (d_l = round(n / ratio_l)): its CK, or its NTK. */
static int default_case(size_t n, int ntk)
{
  size_t d[CK_L + 1];
  for (size_t l = 0; l <= CK_L; l++)
    d[l] = (size_t) lround((double) n / ck_ratios[l]);
  deq_network_spec s = spec_of(n, CK_L, d, !ntk);
  return in_child(ntk ? "NTK" : "CK", &s, ntk);
}

int main(int argc, char **argv)
{
#ifdef DEQ_HAVE_OPENBLAS_THREADS
  printf("%s, %d threads\n", openblas_get_config(), openblas_get_num_threads());
#endif
  int rc = 0;
  if (argc > 1) {
    int ntk = strcmp(argv[1], "ntk") == 0;
    for (int i = 1 + ntk; i < argc; i++)
      rc |= default_case((size_t) atol(argv[i]), ntk);
    return rc;
  }
  const size_t ns[] = { 1000, 2000, 4000 }, dntk[] = { 1440, 1080, 1320 };
  for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++)
    rc |= default_case(ns[i], 0);
  deq_network_spec s = spec_of(1200, 2, dntk, 0);
  rc |= in_child("NTK", &s, 1);
  return rc;
}

/* Benchmark: theory curves.  A 400-point density of the 3-layer tanh CK and of the
 * 2-layer tanh NTK (issues: under 5 ms each), and 50 resolvent traces m(-lambda).
 * Reports the median over repetitions of the whole evaluation (continuation included,
 * pencil object built once outside the timed region, as a user would). */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "deqnn/ck.h"
#include "deqnn/ntk.h"

static double now(void)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double) t.tv_sec + 1e-9 * (double) t.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

static double median_density(deq_pencil *pen, double lo, double hi, int reps, int *bad)
{
  enum { N = 400 };
  double x[N], t[64];
  deq_result rho[N];
  int st[N];
  for (int i = 0; i < N; i++)
    x[i] = lo + (hi - lo) * (i + 0.5) / N;
  for (int r = 0; r < reps; r++) {
    double t0 = now();
    deq_pencil_density(pen, N, x, rho, st);
    t[r] = now() - t0;
  }
  *bad = 0;
  for (int i = 0; i < N; i++)
    *bad += st[i] != 0;
  qsort(t, (size_t) reps, sizeof *t, cmp);
  return t[reps / 2];
}

int main(void)
{
  deq_act act;
  deq_input_law in = { DEQ_DATA_GAUSSIAN, 0, NULL, NULL };
  deq_pencil *ck, *ntk;
  double g3[4] = { 0.5, 0.8, 1.2, 1.71 }, g2[3] = { 0.8, 1.2, 1.71 };
  int bad;
  deq_act_parse("tanh", "act", &act);
  if (deq_ck_alloc(&act, 3, g3, &in, NULL, &ck) || deq_ntk_alloc(&act, 2, g2, &in, NULL, &ntk))
    return 1;
  double tck = median_density(ck, 0.0, 12.0, 31, &bad);
  printf("CK  L=3 tanh, 400-point density: %.3f ms (median of 31), %d points not ok\n", 1e3 * tck, bad);
  double tntk = median_density(ntk, 0.0, 19.0, 31, &bad);
  printf("NTK L=2 tanh, 400-point density: %.3f ms (median of 31), %d points not ok\n", 1e3 * tntk, bad);
  double t0 = now();
  for (int k = 0; k < 50; k++) {
    deq_cresult m;
    deq_pencil_stieltjes(ck, -0.01 * (k + 1), &m, NULL);
  }
  printf("CK  L=3 tanh, 50 resolvent traces m(-lambda): %.3f ms\n", 1e3 * (now() - t0));
  deq_pencil_free(ck);
  deq_pencil_free(ntk);
  return 0;
}

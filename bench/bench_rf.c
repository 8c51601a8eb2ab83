/* Benchmark: 1000-point risk curves of the rf module (target: < 2 ms per curve).
 * Curves: a lambda log-grid 1e-4..10 at width_ratio 2.385, sample_ratio 1.7; a ridgeless
 * width_ratio log-grid 0.1..10 through the interpolation threshold; the one-step risk on
 * an eta grid 0..5.  tanh features, teacher poly:0,1,0.5, noise 0.09.  Best of 20 runs. */
#include <stdio.h>
#include <time.h>
#include "deqnn/grid.h"
#include "deqnn/onestep.h"

enum { NPOINTS = 1000, NRUNS = 20 };

static double now_ms(void)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return 1e3 * (double) t.tv_sec + 1e-6 * (double) t.tv_nsec;
}

/* One curve: which = 0 lambda, 1 width (ridgeless), 2 eta.  Returns the number of points
 * that failed with something other than DEQ_EDIVERGE. */
static int curve(deq_rf_model *m, const deq_grid *g, int which, double *sum)
{
  int bad = 0;
  for (size_t i = 0; i < g->n; i++) {
    deq_onestep_params p = { 2.385, 1.7, 1.7, 0.02, 0.09, 0.0 };
    deq_rf_result r;
    if (which == 0)
      p.lambda = g->x[i];
    else if (which == 1)
      p.width_ratio = g->x[i], p.lambda = 0.0;
    else
      p.eta = g->x[i];
    int s = which == 2 ? deq_onestep_risk(m, &p, NULL, &r)
                       : deq_rf_risk(m, &(deq_rf_params){ p.width_ratio, p.sample_ratio,
                                                           p.lambda, p.noise }, NULL, &r);
    bad += s != DEQ_SUCCESS && s != DEQ_EDIVERGE;
    *sum += s == DEQ_SUCCESS ? r.risk.val : 0.0;
  }
  return bad;
}

int main(void)
{
  deq_act act, teacher;
  deq_rf_model *m;
  deq_grid *g[3];
  const char *name[3] = { "lambda 1e-4..10", "width_ratio 0.1..10, ridgeless", "eta 0..5, one step" };
  if (deq_act_parse("tanh", "act", &act) || deq_act_parse("poly:0,1,0.5", "teacher", &teacher)
      || deq_rf_model_alloc(&act, &teacher, NULL, &m))
    return 1;
  if (deq_grid_logspace(1e-4, 10.0, NPOINTS, &g[0]) || deq_grid_logspace(0.1, 10.0, NPOINTS, &g[1])
      || deq_grid_linspace(0.0, 5.0, NPOINTS, &g[2]))
    return 1;
  int bad = 0;
  for (int c = 0; c < 3; c++) {
    double best = 1e30, sum = 0.0;
    for (int run = 0; run < NRUNS; run++) {
      double t0 = now_ms();
      bad += curve(m, g[c], c, &sum);
      double t = now_ms() - t0;
      best = t < best ? t : best;
    }
    printf("rf bench: %-32s %d points: %.3f ms (%.2f us/point; checksum %.6g)\n", name[c],
           NPOINTS, best, 1e3 * best / NPOINTS, sum / NRUNS);
    deq_grid_free(g[c]);
  }
  deq_rf_model_free(m);
  return bad != 0;
}

/* Benchmark of the training simulation (training_spectra section 9, issue 9's target): the
 * spec's P1 shape n = 800, d0 = 500, d1 = 1000, tanh, full-batch GD at lr 0.3 for 60 steps,
 * with 3 recorded steps (0, 20, 60), each measuring the losses and the spectra of M^T M, CK and
 * NTK.  Prints the wall-clock split: allocation and draw, the 60 steps, the 3 measurements. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "deqnn/trainsim.h"

static double now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double) ts.tv_sec + 1e-9 * (double) ts.tv_nsec;
}

int main(void)
{
  deq_trainsim_spec s;
  deq_trainsim *ws;
  deq_trainsim_stats st;
  deq_trainsim_spec_init(&s);
  s.n = 800, s.d0 = 500, s.d1 = 1000, s.noise = 0.09;
  double *ev = malloc((s.d0 + 2 * s.n) * sizeof *ev);
  double t0 = now(), tstep = 0, tmeas = 0;
  if (ev == NULL || deq_trainsim_alloc(&s, &ws) != DEQ_SUCCESS || deq_trainsim_init(ws, 1, 0))
    return 1;
  double talloc = now() - t0;
  for (int t = 0; t <= 60; t++) {
    if (t == 0 || t == 20 || t == 60) {
      double a = now();
      if (deq_trainsim_measure(ws, &st, ev, ev + s.d0, ev + s.d0 + s.n))
        return 1;
      tmeas += now() - a;
    }
    if (t < 60) {
      double a = now();
      if (deq_trainsim_step(ws))
        return 1;
      tstep += now() - a;
    }
  }
  printf("train P1 (n = 800, d0 = 500, d1 = 1000), 60 GD steps, 3 records: total %.2f s = "
         "alloc+draw %.2f s + steps %.2f s (%.1f ms/step) + records %.2f s (%.2f s each); "
         "workspace %.1f MiB; train loss %.3g\n", now() - t0, talloc, tstep, 1e3 * tstep / 60,
         tmeas, tmeas / 3, deq_trainsim_bytes(&s) / 1048576.0, st.train_loss);
  deq_trainsim_free(ws);
  free(ev);
  return 0;
}

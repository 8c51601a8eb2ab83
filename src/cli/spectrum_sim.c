/* deqnn mp / ck / ntk --simulate: the finite network over seeds, through compare/. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli/spectrum.h"
#include "deqnn/network.h"

static int network_spec(const spec_job *job, deq_network_spec *ns)
{
  memset(ns, 0, sizeof *ns);
  ns->n = (size_t) job->n;
  if (strcmp(job->kind, "mp") == 0) {  /* MP = linear CK of orthonormal X (n x n) */
    ns->L = 1;
    ns->d[0] = (size_t) job->n;
    ns->d[1] = job->d[0];
    deq_act_parse("linear", "--act", &ns->act);
    ns->input = DEQ_INPUT_ORTHONORMAL;
  } else {
    ns->L = job->L;
    memcpy(ns->d, job->d, (job->L + 1) * sizeof *ns->d);
    ns->act = job->act;
    ns->input = job->input.kind == DEQ_DATA_ORTHONORMAL ? DEQ_INPUT_ORTHONORMAL : DEQ_INPUT_GAUSSIAN;
  }
  ns->readout = job->rademacher ? DEQ_READOUT_RADEMACHER : DEQ_READOUT_GAUSSIAN;
  return CLI_EXIT_OK;
}

/* The statistics of one replicate's sorted eigenvalues. */
static void measure(spec_job *job, size_t r, const double *ev, const deq_cdf *cdf, double *hist)
{
  size_t n = (size_t) job->n;
  for (size_t k = 0; k < job->nstat; k++) {
    spec_stat *s = &job->stat[k];
    double v;
    if (strcmp(s->name, "trK/n") == 0)
      v = deq_spec_moment(n, ev, 1);
    else if (strcmp(s->name, "trK2/n") == 0)
      v = deq_spec_moment(n, ev, 2);
    else if (strcmp(s->name, "atom") == 0)
      v = deq_spec_zero_fraction(n, ev);
    else if (strcmp(s->name, "KS") == 0)
      v = deq_spec_ks(n, ev, cdf);
    else
      v = deq_spec_resolvent(n, ev, s->lambda);
    s->sample[r] = v;
  }
  if (job->grid != NULL)
    deq_spec_histogram(n, ev, job->grid->n, job->grid->x, hist);
}

static int alloc_samples(spec_job *job)
{
  for (size_t k = 0; k < job->nstat; k++)
    if ((job->stat[k].sample = calloc((size_t) job->seeds, sizeof(double))) == NULL)
      return CLI_EXIT_FAIL;
  return CLI_EXIT_OK;
}

static void finish(spec_job *job, double *hall)
{
  size_t m = job->grid ? job->grid->n : 0, S = (size_t) job->seeds;
  for (size_t k = 0; k < job->nstat; k++) {
    spec_stat *s = &job->stat[k];
    deq_sample_stats st;
    deq_stats_compute(s->sample, S, &st);
    deq_verdict_eval(s->theory.val, s->theory.err, &st, s->B, (size_t) job->n, &s->verdict);
  }
  for (size_t i = 0; i < m; i++) {
    deq_sample_stats st;
    double col[SPEC_MAXSEEDS];
    for (size_t r = 0; r < S; r++)
      col[r] = hall[r * m + i];
    deq_stats_compute(col, S, &st);
    job->hist[i] = st.mean;
    job->hist_se[i] = st.se;
  }
}

static int run_seeds(spec_job *job, deq_network *net, const deq_cdf *cdf, double *K,
                     double *ev, double *hall)
{
  int ntk = strcmp(job->kind, "ntk") == 0;
  size_t m = job->grid ? job->grid->n : 0;
  for (long r = 0; r < job->seeds; r++) {
    cli_progress("simulating", (size_t) r, (size_t) job->seeds);
    int s = deq_network_draw(net, (uint64_t) job->seed, (uint64_t) r);
    if (!s)
      s = ntk ? deq_network_ntk(net, K) : deq_network_ck(net, K);
    if (!s)
      s = deq_network_eigvals((size_t) job->n, K, ev);
    if (s) {
      cli_errorf("simulation failed at replicate %ld: %s", r, deq_strerror(s));
      return CLI_EXIT_FAIL;
    }
    measure(job, (size_t) r, ev, cdf, hall + (size_t) r * m);
  }
  cli_progress("simulating", (size_t) job->seeds, (size_t) job->seeds);
  return CLI_EXIT_OK;
}

int spec_simulate(spec_job *job)
{
  deq_network_spec ns;
  deq_network *net = NULL;
  deq_cdf *cdf = NULL;
  size_t n = (size_t) job->n, m = job->grid ? job->grid->n : 0;
  network_spec(job, &ns);
  double need = 8.0 * (double) n * (double) (n + 1);
  double have = (double) sysconf(_SC_PHYS_PAGES) * (double) sysconf(_SC_PAGESIZE);
  if (have > 0 && need > 0.5 * have) {
    cli_errorf("--n: the n x n Gram matrix needs %.1f GiB, more than half of the %.1f GiB of "
               "memory", need / 1073741824.0, have / 1073741824.0);
    return CLI_EXIT_USAGE;
  }
  if (deq_network_alloc(&ns, NULL, &net))
    return CLI_EXIT_USAGE;
  int rc = alloc_samples(job);
  if (deq_pencil_cdf(job->pen, &cdf) != DEQ_SUCCESS && cdf == NULL)
    rc = CLI_EXIT_FAIL;
  double *K = malloc(n * n * sizeof *K), *ev = malloc(n * sizeof *ev);
  double *hall = calloc(m * (size_t) job->seeds + 1, sizeof *hall);
  job->hist = calloc(m + 1, sizeof *job->hist);
  job->hist_se = calloc(m + 1, sizeof *job->hist_se);
  if (!K || !ev || !hall || !job->hist || !job->hist_se)
    rc = CLI_EXIT_FAIL;
  if (!rc)
    rc = run_seeds(job, net, cdf, K, ev, hall);
  if (!rc) {
    finish(job, hall);
    job->simulated = 1;
  }
  free(K), free(ev), free(hall);
  deq_cdf_free(cdf);
  deq_network_free(net);
  for (size_t k = 0; !rc && k < job->nstat; k++)
    rc = job->stat[k].verdict.pass ? rc : CLI_EXIT_FAIL;
  return rc;
}

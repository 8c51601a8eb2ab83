/* deqnn mp / ck / ntk --simulate: the finite network over seeds, through compare/. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/spectrum.h"
#include "core/mem.h"
#include "deqnn/network.h"
#ifdef DEQ_HAVE_MPI
#include <mpi.h>
#endif

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
  if (job->input_file != NULL) {   /* the preprocessed data (n x d0 row-major = X_0) */
    ns->input = DEQ_INPUT_FIXED;
    ns->d[0] = job->ds->d;
    ns->x0 = job->ds->x;
  }
  ns->readout = job->rademacher ? DEQ_READOUT_RADEMACHER : DEQ_READOUT_GAUSSIAN;
  ns->need = strcmp(job->kind, "ntk") == 0 ? DEQ_NETWORK_ALL : DEQ_NETWORK_CK_ONLY;
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

typedef struct {
  deq_network *net;
  double *K, *ev;
} worker_state;

typedef struct {
  spec_job *job;
  const deq_cdf *cdf;
  double *hall;
} shared_state;

/* The replicates of this rank: r = rank + i ranks, i = 0, 1, ... (all of them without MPI). */
static size_t local_replicates(const spec_job *job)
{
  size_t S = (size_t) job->seeds, rank = (size_t) job->rank, ranks = (size_t) job->ranks;
  return rank < S ? (S - rank + ranks - 1) / ranks : 0;
}

/* The i-th replicate of this rank. */
static int one_replicate(void *state, size_t i, void *shared)
{
  worker_state *w = state;
  shared_state *sh = shared;
  spec_job *job = sh->job;
  size_t m = job->grid ? job->grid->n : 0, r = (size_t) job->rank + i * (size_t) job->ranks;
  int s = deq_network_draw(w->net, (uint64_t) job->seed, (uint64_t) r);
  if (!s && w->K != NULL)
    s = deq_network_ntk(w->net, w->K);
  if (!s)
    s = w->K != NULL ? deq_network_spectrum(w->net, w->K, w->ev)
                     : deq_network_ck_spectrum(w->net, w->ev);   /* K inside the workspace */
  if (s) {
    cli_errorf("simulation failed at replicate %zu: %s", r, deq_strerror(s));
    return s;
  }
  measure(job, r, w->ev, sh->cdf, sh->hall + r * m);
  return 0;
}

static void free_workers(worker_state *w, size_t nt)
{
  for (size_t t = 0; t < nt; t++) {
    deq_network_free(w[t].net);
    deq_mem_free(w[t].K);
    free(w[t].ev);
  }
}

/* The n x n NTK of a worker, outside its workspace (a CK is formed inside it). */
static int needs_k(const deq_network_spec *ns)
{
  return ns->need == DEQ_NETWORK_ALL;
}

/* nt workspaces (the memory of all of them was checked together); 0 if one fails. */
static size_t alloc_workers(const deq_network_spec *ns, worker_state *w, size_t nt)
{
  size_t n = ns->n;
  for (size_t t = 0; t < nt; t++) {
    w[t].K = needs_k(ns) ? deq_mem_doubles(n * n) : NULL;   /* untouched until written */
    w[t].ev = malloc(n * sizeof *w[t].ev);
    if (deq_network_alloc(ns, NULL, &w[t].net) || (needs_k(ns) && !w[t].K) || !w[t].ev) {
      free_workers(w, t + 1);
      return 0;
    }
  }
  return nt;
}

/* Bytes of one worker: its network workspace, its eigenvalues and, for the NTK, its n x n
 * Gram matrix. */
static double worker_bytes(const spec_job *job, deq_network_spec *ns)
{
  double n = (double) job->n;
  network_spec(job, ns);
  return deq_network_bytes(ns) + 8.0 * n * (needs_k(ns) ? n + 1.0 : 1.0);
}

/* min(replicates of this rank, threads) workers, fewer if their workspaces do not fit
 * together; 0 (reported: what was compared) if not even one does, or if the rank has no
 * replicate. */
static size_t job_workers(const spec_job *job, deq_network_spec *ns)
{
  size_t nloc = local_replicates(job);
  double per = worker_bytes(job, ns);
  return nloc == 0 ? 0 : cli_workers(per, nloc, "--n: the simulation");
}

int spec_simulate_check(const spec_job *job)
{
  deq_network_spec ns;
  return local_replicates(job) > 0 && job_workers(job, &ns) == 0 ? CLI_EXIT_USAGE : CLI_EXIT_OK;
}

/* MPI: every rank filled the samples and histograms of its own replicates and left zeros
 * elsewhere, so sums over the ranks are the values themselves, exactly: afterwards every
 * rank holds what one process would have computed.  The worst status is everyone's. */
static int gather(spec_job *job, double *hall, size_t m, int rc)
{
#ifdef DEQ_HAVE_MPI
  if (job->ranks < 2)
    return rc;
  int S = (int) job->seeds;
  MPI_Allreduce(MPI_IN_PLACE, &rc, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  for (size_t k = 0; rc == 0 && k < job->nstat; k++)
    MPI_Allreduce(MPI_IN_PLACE, job->stat[k].sample, S, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
  for (int r = 0; rc == 0 && m > 0 && r < S; r++)   /* one histogram row per call: m fits an int */
    MPI_Allreduce(MPI_IN_PLACE, hall + (size_t) r * m, (int) m, MPI_DOUBLE, MPI_SUM,
                  MPI_COMM_WORLD);
#else
  (void) job, (void) hall, (void) m;
#endif
  return rc;
}

int spec_simulate(spec_job *job)
{
  deq_network_spec ns;
  deq_cdf *cdf = NULL;
  worker_state w[64] = { { 0 } };
  size_t m = job->grid ? job->grid->n : 0;
  size_t nloc = local_replicates(job), nt = job_workers(job, &ns);
  if (nloc > 0 && nt == 0)
    return CLI_EXIT_USAGE;
  int rc = CLI_EXIT_OK;
  if (nt > 0 && alloc_workers(&ns, w, nt) == 0) {
    nt = 0;
    rc = CLI_EXIT_FAIL;   /* the memory was checked: an allocation failure is a failure */
  }
  rc = cli_exit_merge(rc, alloc_samples(job));
  if (deq_pencil_cdf(job->pen, &cdf) != DEQ_SUCCESS && cdf == NULL)
    rc = CLI_EXIT_FAIL;
  double *hall = calloc(m * (size_t) job->seeds + 1, sizeof *hall);
  job->hist = calloc(m + 1, sizeof *job->hist);
  job->hist_se = calloc(m + 1, sizeof *job->hist_se);
  if (!hall || !job->hist || !job->hist_se)
    rc = CLI_EXIT_FAIL;
  void *states[64];
  for (size_t t = 0; t < nt; t++)
    states[t] = &w[t];
  shared_state sh = { job, cdf, hall };
  if (!rc && nloc > 0 && cli_run_replicates("simulating", nloc, nt, states, one_replicate, &sh))
    rc = CLI_EXIT_FAIL;
  rc = gather(job, hall, m, rc);
  if (!rc) {
    finish(job, hall);
    job->simulated = 1;
  }
  free(hall);
  deq_cdf_free(cdf);
  free_workers(w, nt);
  for (size_t k = 0; !rc && k < job->nstat; k++)
    rc = job->stat[k].verdict.pass || !job->stat[k].applies ? rc : CLI_EXIT_FAIL;
  return rc;
}

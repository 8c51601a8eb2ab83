/* deqnn train: the training runs over seeds (trainsim) and their statistics against the
 * theory's limit laws (compare/). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/train.h"
#include "deqnn/compare.h"

/* S12 holds for every finite matrix; a violation beyond rounding is a bug. */
static const double s12_round = 1e-12;

typedef struct {
  deq_trainsim *ws;
  double *ev[3];      /* M^T M (d0), CK (n), NTK (n) */
} worker;

typedef struct {
  train_job *job;
  double *hseed;      /* per seed: [matrix][first|last][TRAIN_HIST] */
} shared_state;

static double per_worker(const train_job *job)
{
  const deq_trainsim_spec *s = &job->spec;
  return deq_trainsim_bytes(s) + 8.0 * (double) (s->d0 + 2 * s->n);
}

/* The zero rule of ck_ntk section 9 (training_spectra S19): |lambda| <= 1e-9 max |lambda| is an
 * exact zero, negative round-off included (it would otherwise sit left of the atom). */
static void exact_zeros(size_t n, double *ev)
{
  double top = fmax(fabs(ev[0]), fabs(ev[n - 1]));
  for (size_t i = 0; i < n; i++)
    if (fabs(ev[i]) <= 1e-9 * top)
      ev[i] = 0.0;
}

/* Statistics of one recorded step from the measured stats and spectra. */
static void statistics(const train_job *job, const deq_trainsim_stats *st, double *const ev[3],
                       double *v)
{
  const deq_trainsim_spec *s = &job->spec;
  size_t N[3] = { s->d0, s->n, s->n };
  for (int m = 0; m < 3; m++)
    exact_zeros(N[m], ev[m]);
  v[T_TRAIN] = st->train_loss, v[T_TEST] = st->test_loss;
  for (int m = 0; m < 3; m++) {
    v[T_KS_W + m] = deq_spec_ks(N[m], ev[m], job->cdf[m]);
    v[T_W1_W + m] = deq_spec_w1(N[m], ev[m], job->cdf[m]);
  }
  v[T_M2_W] = deq_spec_moment(N[0], ev[0], 2);
  v[T_M2_CK] = deq_spec_moment(N[1], ev[1], 2);
  v[T_M1_NTK] = deq_spec_moment(N[2], ev[2], 1);
  v[T_M2_NTK] = deq_spec_moment(N[2], ev[2], 2);
  v[T_TOP_W] = st->top_w, v[T_OV_BETA] = st->overlap_beta, v[T_OV_V] = st->overlap_v;
  v[T_OV_RHAT] = st->overlap_rhat, v[T_TOP_CK] = st->top_ck, v[T_TOP_NTK] = st->top_ntk;
  size_t nz = 0;   /* S18 needs 11 (Clauset: 20) non-zero eigenvalues: else NaN, unreported */
  for (size_t i = 0; i < N[0]; i++)
    nz += ev[0][i] > 1e-9 * ev[0][N[0] - 1];
  v[T_HILL] = nz >= 11 ? deq_spec_hill(N[0], ev[0]) : NAN;
  v[T_HILL_KS] = nz >= 20 ? deq_spec_hill_ks(N[0], ev[0], NULL) : NAN;
  v[T_S12L] = st->s12_lhs, v[T_S12R] = st->s12_rhs;
}

static int record(shared_state *sh, worker *w, size_t i, size_t r)
{
  train_job *job = sh->job;
  deq_trainsim_stats st;
  int s = deq_trainsim_measure(w->ws, &st, w->ev[0], w->ev[1], w->ev[2]);
  if (s)
    return s;
  if (st.s12_lhs > st.s12_rhs * (1 + s12_round) + s12_round * sqrt(st.top_w)) {
    cli_errorf("internal error: S12 fails at step %ld, replicate %zu (%.17g > %.17g); please "
               "report", job->rec[i], r, st.s12_lhs, st.s12_rhs);
    return DEQ_EBADFUNC;
  }
  statistics(job, &st, w->ev, job->res + (i * (size_t) job->seeds + r) * T_N);
  if (i == 0 || i + 1 == job->nrec)
    for (int m = 0; m < 3; m++) {
      size_t N = m == 0 ? job->spec.d0 : job->spec.n;
      double *h = sh->hseed + ((r * 3 + (size_t) m) * 2 + (i == 0 ? 0 : 1)) * TRAIN_HIST;
      deq_spec_histogram(N, w->ev[m], TRAIN_HIST, job->hx[m], h);
      if (job->nrec == 1)
        memcpy(h + TRAIN_HIST, h, TRAIN_HIST * sizeof *h);
    }
  return DEQ_SUCCESS;
}

static int one_replicate(void *state, size_t r, void *shared)
{
  worker *w = state;
  shared_state *sh = shared;
  train_job *job = sh->job;
  int s = deq_trainsim_init(w->ws, (uint64_t) job->seed, (uint64_t) r);
  size_t i = 0;
  for (long t = 0; !s && i < job->nrec; t++) {
    if (t == job->rec[i])
      s = record(sh, w, i++, r);
    if (!s && i < job->nrec)
      s = deq_trainsim_step(w->ws);
  }
  if (s)
    cli_errorf("simulation failed at replicate %zu, step %zu: %s", r,
               deq_trainsim_steps(w->ws), deq_strerror(s));
  return s;
}

/* This rank's replicates, then every replicate's results on every rank. */
static int run(train_job *job, shared_state *sh)
{
  worker w[64];
  void *states[64];
  memset(w, 0, sizeof w);
  size_t S = (size_t) job->seeds, nloc = cli_rank_count(&job->mp, 0, S);
  size_t nt = nloc == 0 ? 0 : cli_workers(per_worker(job), nloc, "--n: the simulation");
  int s = nloc > 0 && nt == 0 ? DEQ_ENOMEM : DEQ_SUCCESS;
  for (size_t t = 0; !s && t < nt; t++) {
    w[t].ev[0] = malloc(job->spec.d0 * sizeof(double));
    w[t].ev[1] = malloc(job->spec.n * sizeof(double));
    w[t].ev[2] = malloc(job->spec.n * sizeof(double));
    if (w[t].ev[0] == NULL || w[t].ev[1] == NULL || w[t].ev[2] == NULL ||
        deq_trainsim_alloc(&job->spec, &w[t].ws) != DEQ_SUCCESS)
      s = t == 0 ? DEQ_ENOMEM : (nt = t, DEQ_SUCCESS);   /* fewer threads when memory is short */
    states[t] = &w[t];
  }
  if (!s)
    s = cli_run_replicates(&job->mp, 0, "training", S, nt, states, one_replicate, sh);
  for (size_t t = 0; t < 64; t++) {
    deq_trainsim_free(w[t].ws);
    for (int m = 0; m < 3; m++)
      free(w[t].ev[m]);
  }
  s = cli_ranks_worst(&job->mp, s);
  if (!s) {
    cli_ranks_sum(&job->mp, job->res, job->nrec * S * T_N);
    cli_ranks_sum(&job->mp, sh->hseed, S * 3 * 2 * TRAIN_HIST);
  }
  return s;
}

int train_simulate_check(const train_job *job)
{
  size_t nloc = cli_rank_count(&job->mp, 0, (size_t) job->seeds);
  return nloc > 0 && cli_workers(per_worker(job), nloc, "--n: the simulation") == 0
         ? CLI_EXIT_USAGE : CLI_EXIT_OK;
}

int train_simulate(train_job *job)
{
  size_t S = (size_t) job->seeds, H = 3 * 2 * TRAIN_HIST;
  job->res = calloc(job->nrec * S * T_N, sizeof *job->res);
  job->hist = calloc(H, sizeof *job->hist);
  shared_state sh = { job, calloc(S * H, sizeof(double)) };
  if (job->res == NULL || job->hist == NULL || sh.hseed == NULL) {
    free(sh.hseed);
    return CLI_EXIT_FAIL;
  }
  int s = run(job, &sh);
  for (size_t r = 0; !s && r < S; r++)
    for (size_t k = 0; k < H; k++)
      job->hist[k] += sh.hseed[r * H + k] / (double) S;
  free(sh.hseed);
  job->simulated = !s;
  return s ? CLI_EXIT_FAIL : CLI_EXIT_OK;
}

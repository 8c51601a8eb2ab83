/* deqnn onestep --large: the network after one maximal-learning-rate step (spiked_rf
 * section 6) as spiked random features.  Theory: the weights (r, c, gamma) of spiked_rf S21,
 * then the sRF test and training errors (S14-S20, docs/spiked.md T1).  Simulation: the same
 * network (srfsim, network mode: constant read-out a_j = 1/sqrt(N), neurons on the unit
 * sphere), paired across learning rates, with the verdicts of spiked_rf section 10. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/risk.h"
#include "cli/spiked.h"
#include "deqnn/compare.h"
#include "deqnn/srfsim.h"

/* spiked_rf section 10, network level: the finite-batch bulk model sqrt(c) W0 of S21 is an
 * approximation with "about 3% risk bias" at batch_ratio >= 6; added to the sRF's own
 * finite-size allowance for eta > 0 (at eta = 0 the network is the sRF at r = 0 exactly). */
static const double network_bias_rel = 0.03;

enum { L_TEST, L_TRAIN, L_N };

typedef struct {
  const risk_job *job;
  const deq_act *teacher;
} probe_arg;

/* The map for a unit step on an infinite batch: refuses what S21 does not cover. */
static int probe(void *arg)
{
  const probe_arg *a = arg;
  deq_srf_weights w;
  double err[3];
  memset(&w, 0, sizeof w);
  return deq_srf_from_network(&a->job->act, a->teacher, 0.0, 1.0, INFINITY, NULL, &w, err);
}

int risk_large_check(const risk_job *job)
{
  probe_arg a = { job, &job->act };   /* an odd sigma is its own centred teacher */
  int rc = cli_quiet(probe, &a, "--act (onestep --large)");
  if (rc)
    return rc;
  a.teacher = &job->teacher;
  if ((rc = cli_quiet(probe, &a, "--teacher (onestep --large)")))
    return rc;
  for (size_t i = 0; i < cli_sweep_rows(&job->sw); i++) {
    double p[P_N];
    risk_row_params(job, i, p);
    if (!(p[P_LAMBDA] > 0)) {
      cli_errorf("--lambda: onestep --large needs lambda > 0 (the spiked theory does not "
                 "cover the ridgeless limit), got %g", p[P_LAMBDA]);
      return CLI_EXIT_USAGE;
    }
  }
  return CLI_EXIT_OK;
}

/* A read-out law abar (spiked_finite_support section 1): the step moves neuron j by abar_j, so
 * the spike is u_j = r abar_j and its bulk variance c_j = 1 + abar_j^2 (c - 1).  One c for all
 * groups when the |abar_k| are equal (exact); otherwise the mean 1 + E abar^2 (c - 1), which is
 * not derived (job->law_approx: no verdict). */
static void apply_law(const risk_job *job, deq_srf_weights *w, double *err)
{
  double m2 = 0;
  if (job->ngroups == 0)
    return;
  w->groups = job->ngroups;
  for (size_t k = 0; k < job->ngroups; k++) {
    w->support[k] = job->support[k];
    w->weights[k] = job->weights[k];
    m2 += job->weights[k] * job->support[k] * job->support[k];
  }
  w->bulk_variance = 1 + m2 * (w->bulk_variance - 1);
  err[1] *= m2;
}

/* Whether the read-out law's |abar_k| differ (groups of positive weight). */
int risk_large_law_approx(const risk_job *job)
{
  for (size_t k = 1; k < job->ngroups; k++)
    if (fabs(job->support[k]) != fabs(job->support[0]))
      return 1;
  return 0;
}

/* Row r (parameters r->p set): the weights, a plan when they changed, the risk. */
int risk_large_row(risk_job *job, risk_row *r)
{
  int s = deq_srf_from_network(&job->act, &job->teacher, r->p[P_NOISE], r->p[P_ETA],
                               r->p[P_BATCH], NULL, &r->w, r->w_err);
  if (!s)
    apply_law(job, &r->w, r->w_err);
  if (!s && (job->plan == NULL || memcmp(&job->plan_w, &r->w, sizeof r->w) != 0)) {
    deq_srf_plan_free(job->plan);
    job->plan = NULL;
    s = deq_srf_plan_alloc(&job->act, &job->teacher, &r->w, NULL, &job->plan);
    job->plan_w = r->w;
  }
  deq_srf_params q = { r->p[P_WIDTH], r->p[P_SAMPLE], r->p[P_LAMBDA], r->p[P_NOISE] };
  deq_srf_risk sr;
  if (!s)
    s = deq_srf_risk_eval(job->plan, &q, NULL, &sr);
  if (s) {
    r->th.risk = r->th.train_error = (deq_result) { NAN, INFINITY };
    return s;
  }
  r->th.risk = sr.test_error;
  r->th.train_error = sr.train_error;
  return s;
}

/* The network of row parameters p (realised or not: the sizes are round(ratio d)). */
static void make_spec(const risk_job *job, const double *p, deq_srfsim_spec *spec)
{
  double q[P_N];
  deq_srfsim_spec_init(spec);
  spec->mode = DEQ_SRFSIM_NETWORK;
  risk_realise(job, p, q, &spec->p, &spec->n, &spec->n0);
  spec->d = (size_t) job->d;
  spec->n_test = (size_t) job->n_test;
  spec->act = job->act;
  spec->teacher = job->teacher;
  spec->noise = p[P_NOISE];
  spec->lambda = p[P_LAMBDA];
  spec->eta = p[P_ETA];
  spec->groups = job->ngroups;
  for (size_t k = 0; k < job->ngroups; k++)
    spec->support[k] = job->support[k], spec->weights[k] = job->weights[k];
}

int risk_large_simulate_check(const risk_job *job)
{
  for (size_t i = 0; i < cli_sweep_rows(&job->sw); i++) {
    double p[P_N];
    deq_srfsim_spec spec;
    risk_row_params(job, i, p);
    make_spec(job, p, &spec);
    if (cli_workers(deq_srfsim_bytes(&spec), (size_t) job->seeds, "--d: the simulation") == 0)
      return CLI_EXIT_USAGE;
  }
  return CLI_EXIT_OK;
}

typedef struct {
  const risk_job *job;
  size_t row0, row1;     /* rows [row0, row1) differ in eta only: one draw per replicate */
  double *res;           /* res[(row * seeds + r) * L_N + k] */
} shared_state;

static int one_replicate(void *state, size_t r, void *shared)
{
  deq_srfsim *ws = *(deq_srfsim **) state;
  const shared_state *sh = shared;
  const risk_job *job = sh->job;
  int s = DEQ_SUCCESS;
  for (size_t i = sh->row0; !s && i < sh->row1; i++) {
    deq_srfsim_result out;
    double *v = sh->res + (i * (size_t) job->seeds + r) * L_N;
    s = deq_srfsim_set_eta(ws, job->rows[i].p[P_ETA]);
    if (!s)
      s = deq_srfsim_run(ws, (uint64_t) job->seed, (uint64_t) r, &out, NULL);
    if (!s)
      v[L_TEST] = out.test_error, v[L_TRAIN] = out.train_error;
  }
  if (s)
    cli_errorf("simulation failed at replicate %zu: %s", r, deq_strerror(s));
  return s;
}

/* Rows [row0, row1) over this rank's replicates (items row0 seeds + r of the run). */
static int run_group(const risk_job *job, size_t row0, size_t row1, double *res)
{
  deq_srfsim_spec spec;
  deq_srfsim *ws[64] = { NULL };
  void *states[64];
  size_t S = (size_t) job->seeds, first = row0 * S;
  size_t nloc = cli_rank_count(&job->mp, first, S);
  if (nloc == 0)
    return DEQ_SUCCESS;
  make_spec(job, job->rows[row0].p, &spec);
  size_t nt = cli_workers(deq_srfsim_bytes(&spec), nloc, "--d: the simulation");
  int s = nt == 0 ? DEQ_ENOMEM : deq_srfsim_alloc(&spec, &ws[0]);
  for (size_t t = 1; !s && t < nt; t++)
    if (deq_srfsim_alloc(&spec, &ws[t]) != DEQ_SUCCESS)
      nt = t;   /* fewer threads when memory is short */
  for (size_t t = 0; t < nt; t++)
    states[t] = &ws[t];
  shared_state sh = { job, row0, row1, res };
  if (!s)
    s = cli_run_replicates(&job->mp, first, "simulating", S, nt, states, one_replicate, &sh);
  for (size_t t = 0; t < 64; t++)
    deq_srfsim_free(ws[t]);
  return s;
}

/* Mean and SE over seeds of quantity k of row i, minus row 0's (paired) when diff. */
static void stats_of(const risk_job *job, const double *res, size_t i, int k, int diff,
                     double *out)
{
  double x[RISK_MAXSEEDS];
  size_t S = (size_t) job->seeds;
  deq_sample_stats st;
  for (size_t r = 0; r < S; r++)
    x[r] = res[(i * S + r) * L_N + k] - (diff ? res[r * L_N + k] : 0.0);
  deq_stats_compute(x, S, &st);
  out[0] = st.mean;
  out[1] = st.se;
}

static int verdict(const risk_job *job, risk_row *r)
{
  srf_simrow sr = { { r->sim[0][0], r->sim[0][1] }, { r->sim[1][0], r->sim[1][1] }, 0, 0, 0, 0 };
  deq_srf_risk th;
  memset(&th, 0, sizeof th);
  th.test_error = r->th.risk;
  th.train_error = r->th.train_error;
  double n = round(r->p[P_SAMPLE] * (double) job->d), eta = r->p[P_ETA];
  srf_risk_verdict(&th, r->status, (size_t) job->seeds, n, eta != 0 ? network_bias_rel : 0.0,
                   &sr);
  /* below batch_ratio 6 the bias of S21's bulk model is not measured: no verdict */
  r->verdict_applies = r->status == DEQ_SUCCESS &&
                       (eta == 0 || (r->p[P_BATCH] >= RISK_LARGE_BATCH_MIN &&
                                     !risk_large_law_approx(job)));
  r->pass = sr.pass;
  r->bound = sr.bound, r->z = sr.z, r->train_bound = sr.train_bound;
  return !r->verdict_applies || r->pass;
}

int risk_large_simulate(risk_job *job)
{
  size_t S = (size_t) job->seeds;
  int paired = job->sw.sweep < 0 || job->sw.sweep == P_ETA;
  double *res = calloc(job->nrows * S * L_N, sizeof *res);
  if (res == NULL)
    return CLI_EXIT_FAIL;
  if (!paired)
    cli_progress_begin("rows", job->nrows);   /* a unit: a row's seeds */
  int s = paired ? run_group(job, 0, job->nrows, res) : DEQ_SUCCESS;
  for (size_t i = 0; !paired && !s && i < job->nrows; i++)
    s = run_group(job, i, i + 1, res);
  if (!paired)
    cli_progress_end();
  s = cli_ranks_worst(&job->mp, s);   /* MPI: every replicate's results on every rank */
  if (!s)
    cli_ranks_sum(&job->mp, res, job->nrows * S * L_N);
  if (s) {   /* the options were validated: a failure of the run itself is exit 1 */
    free(res);
    return CLI_EXIT_FAIL;
  }
  int all = 1;
  for (size_t i = 0; i < job->nrows; i++) {
    risk_row *r = &job->rows[i];
    stats_of(job, res, i, L_TEST, 0, r->sim[0]);
    stats_of(job, res, i, L_TRAIN, 0, r->sim[1]);
    if (job->sw.sweep == P_ETA)
      stats_of(job, res, i, L_TEST, 1, r->sim[4]);
    r->simulated = 1;
    all &= verdict(job, r);
  }
  job->res = res;   /* test and training error per replicate (L_TEST, L_TRAIN = risk, train) */
  job->res_stride = L_N;
  return all ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}

/* deqnn rf / onestep --simulate: the two-layer network over seeds (rf_onestep §10).
 * Rows that share sizes and noise (sweeps in eta or lambda, or no sweep) are paired: one
 * draw per replicate, then a step and a fit per row, so R(eta) - R(eta_0) has a small SE. */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/risk.h"
#include "core/mem.h"
#include "deqnn/compare.h"
#include "deqnn/twolayer.h"

enum { M_RISK, M_TRAIN, M_AG, M_AW, M_TOP, M_N };

typedef struct {
  risk_job *job;
  size_t row0, row1;     /* rows [row0, row1) share one draw per replicate */
  double *res;           /* res[(row * seeds + r) * M_N + k] */
} shared_state;

static int fit_row(const risk_job *job, deq_twolayer *tl, const risk_row *row, double *out)
{
  int s = DEQ_SUCCESS;
  if (job->onestep)
    s = deq_twolayer_step(tl, row->p[P_ETA], job->large);
  if (!s && job->onestep) {
    deq_twolayer_result res;
    s = deq_twolayer_fit(tl, row->p[P_LAMBDA], &res);
    out[M_RISK] = res.risk, out[M_TRAIN] = res.train_error;
    out[M_AG] = res.align_grad, out[M_AW] = res.align_w1, out[M_TOP] = res.top_w1;
    return s;
  }
  if (!s)
    s = deq_twolayer_ridge(tl, row->p[P_LAMBDA], &out[M_TRAIN]);
  if (!s)
    s = deq_twolayer_test(tl, &out[M_RISK]);
  out[M_AG] = out[M_AW] = out[M_TOP] = 0.0;
  return s;
}

static int one_replicate(void *state, size_t r, void *shared)
{
  deq_twolayer *tl = *(deq_twolayer **) state;
  shared_state *sh = shared;
  risk_job *job = sh->job;
  int s = deq_twolayer_draw(tl, (uint64_t) job->seed, (uint64_t) r);
  for (size_t i = sh->row0; !s && i < sh->row1; i++)
    s = fit_row(job, tl, &job->rows[i], sh->res + (i * (size_t) job->seeds + r) * M_N);
  if (s)
    cli_errorf("simulation failed at replicate %zu: %s", r, deq_strerror(s));
  return s;
}

static int group_pairs(const risk_job *job)
{
  return job->sw.sweep < 0 || job->sw.sweep == P_ETA || job->sw.sweep == P_LAMBDA;
}

/* Rows [row0, row1) over this rank's replicates (items row0 seeds + r of the run). */
static int run_group(risk_job *job, size_t row0, size_t row1, double *res)
{
  deq_twolayer_spec spec;
  deq_twolayer *tl[64] = { NULL };
  void *states[64];
  double q[P_N];
  size_t S = (size_t) job->seeds, first = row0 * S;
  size_t nloc = cli_rank_count(&job->mp, first, S);
  if (nloc == 0)
    return DEQ_SUCCESS;
  deq_twolayer_spec_init(&spec);
  risk_realise(job, job->rows[row0].p, q, &spec.N, &spec.n, &spec.n_g);
  spec.d = (size_t) job->d;
  spec.n_test = (size_t) job->n_test;
  spec.act = job->act;
  spec.teacher = job->teacher;
  spec.noise = job->rows[row0].p[P_NOISE];
  size_t nt = cli_workers(deq_twolayer_bytes(&spec), nloc, "--d: the simulation");
  int s = nt == 0 ? DEQ_EINVAL : DEQ_SUCCESS;
  if (!s)
    s = deq_twolayer_alloc(&spec, &tl[0]);
  for (size_t t = 1; !s && t < nt; t++)
    if (deq_twolayer_alloc(&spec, &tl[t]) != DEQ_SUCCESS)
      nt = t;   /* fewer threads when memory is short */
  for (size_t t = 0; t < nt; t++)
    states[t] = &tl[t];
  shared_state sh = { job, row0, row1, res };
  if (!s)
    s = cli_run_replicates(&job->mp, first, "simulating", S, nt, states, one_replicate, &sh);
  for (size_t t = 0; t < 64; t++)
    deq_twolayer_free(tl[t]);
  return s;
}

/* Finite-size allowance of rf_onestep §10 as a fraction of R. */
static double allowance(const risk_row *r)
{
  if (fabs(r->p[P_WIDTH] - r->p[P_SAMPLE]) < 0.3 && r->p[P_LAMBDA] < 0.01)
    return 0.10;                      /* near the interpolation threshold */
  return r->p[P_ETA] != 0.0 ? 0.03 : 0.0;
}

static void stats_of(const risk_job *job, const double *res, size_t i, int k, const double *base,
                     double *out)
{
  double x[RISK_MAXSEEDS];
  deq_sample_stats st;
  size_t S = (size_t) job->seeds;
  for (size_t r = 0; r < S; r++)
    x[r] = res[(i * S + r) * M_N + k] - (base ? base[r * M_N + k] : 0.0);
  deq_stats_compute(x, S, &st);
  out[0] = st.mean;
  out[1] = st.se;
}

static int verdict(const risk_job *job, risk_row *r)
{
  deq_sample_stats st = { (size_t) job->seeds, r->sim[0][0], 0, r->sim[0][1] };
  deq_verdict v, vt;
  r->verdict_applies = r->status == DEQ_SUCCESS;
  if (!r->verdict_applies)
    return 1;
  double a = allowance(r);
  deq_verdict_eval(r->th.risk.val, r->th.risk.err, &st, a * r->th.risk.val, 1, &v);
  st.mean = r->sim[1][0], st.se = r->sim[1][1];
  /* Round-off floor: an interpolating fit (theory T = 0) has a sampled T of ~1e-28, not 0. */
  double floor_t = 1e-9 * (r->th.risk.val + r->p[P_NOISE]);
  deq_verdict_eval(r->th.train_error.val, r->th.train_error.err, &st,
                   a * r->th.train_error.val + floor_t, 1, &vt);
  r->pass = v.pass && vt.pass;
  for (int k = 2; job->onestep && k < 4; k++) {   /* overlaps: +0.01..0.02 at d = 600 */
    deq_verdict va;
    const deq_result *th = k == 2 ? &r->align_grad : &r->align_w1;
    deq_sample_stats sa = { (size_t) job->seeds, r->sim[k][0], 0, r->sim[k][1] };
    deq_verdict_eval(th->val, th->err, &sa, 12.0, (size_t) job->d, &va);
    r->pass = r->pass && va.pass;
  }
  r->bound = v.bound;
  r->z = v.z;
  return r->pass;
}

static void summarise(risk_job *job, const double *res)
{
  size_t S = (size_t) job->seeds;
  for (size_t i = 0; i < job->nrows; i++) {
    risk_row *r = &job->rows[i];
    for (int k = 0; k < M_TOP; k++)
      stats_of(job, res, i, k, NULL, r->sim[k]);
    if (job->sw.sweep == P_ETA && group_pairs(job))
      stats_of(job, res, i, M_RISK, res, r->sim[4]);
    stats_of(job, res, i, M_TOP, NULL, r->sim[5]);
    r->simulated = 1;
    (void) S;
  }
}

/* Bytes of the two-layer workspace (twolayer.h: 8 x [3 d N + (n_g + n + n_test) d
 * + (n_g + n + max(n_g, n, n_test)) N + m^2 + min(d, N)^2]), per thread. */
static double twolayer_bytes(double d, double N, double n, double ng, double nt)
{
  double m = fmin(N, n), rows = fmax(fmax(ng, n), nt);
  return 8.0 * (3 * d * N + (ng + n + nt) * d + (ng + n + rows) * N + m * m + fmin(d, N) * fmin(d, N));
}

int risk_simulate_check(const risk_job *job)
{
  if (job->large)
    return risk_large_simulate_check(job);
  size_t nrows = cli_sweep_rows(&job->sw);
  double have = 0.8 * (double) deq_mem_available(), d = (double) job->d;
  for (size_t i = 0; i < nrows; i++) {
    double p[P_N], q[P_N];
    size_t N, n, ng;
    risk_row_params(job, i, p);
    risk_realise(job, p, q, &N, &n, &ng);
    double need = twolayer_bytes(d, (double) N, (double) n, (double) ng, (double) job->n_test);
    if (need > have || fmax(fmax((double) N, (double) n), (double) ng) > (double) INT_MAX) {
      cli_errorf("--d: with --width-ratio %g, --sample-ratio %g%s the simulation has N = %zu, "
                 "n = %zu, n_g = %zu at d = %ld: %.3g GiB (%.3g GiB available) or more than "
                 "the BLAS integers hold", p[P_WIDTH], p[P_SAMPLE], job->onestep ?
                 ", --batch-ratio" : "", N, n, ng, job->d, need / 1073741824.0,
                 have / 1073741824.0);
      return CLI_EXIT_USAGE;
    }
  }
  return CLI_EXIT_OK;
}

int risk_simulate(risk_job *job)
{
  if (job->large)
    return risk_large_simulate(job);
  size_t S = (size_t) job->seeds;
  double *res = calloc(job->nrows * S * M_N, sizeof *res);
  if (res == NULL)
    return CLI_EXIT_FAIL;
  int s = DEQ_SUCCESS, rows = !group_pairs(job);
  if (rows)
    cli_progress_begin("rows", job->nrows);   /* a unit: a row's seeds */
  if (!rows)
    s = run_group(job, 0, job->nrows, res);
  for (size_t i = 0; rows && !s && i < job->nrows; i++)
    s = run_group(job, i, i + 1, res);
  if (rows)
    cli_progress_end();
  s = cli_ranks_worst(&job->mp, s);   /* MPI: every replicate's results on every rank */
  if (!s)
    cli_ranks_sum(&job->mp, res, job->nrows * S * M_N);
  if (s) {   /* the options were validated: a failure of the run itself is exit 1 */
    free(res);
    return CLI_EXIT_FAIL;
  }
  summarise(job, res);
  job->res = res;   /* freed with the job */
  job->res_stride = M_N;
  int all = 1;
  for (size_t i = 0; i < job->nrows; i++)
    all &= verdict(job, &job->rows[i]);
  return all ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}

int risk_seeds_table(risk_job *job, cli_ctx *ctx)
{
  static const char *const names[] = { "row", "replicate", "risk", "train_error", "align_grad",
                                       "align_w1", "top_w1" };
  size_t k = job->onestep && !job->large ? M_N : 2, S = (size_t) job->seeds, m = job->nrows * S;
  if (job->res == NULL)
    return CLI_EXIT_OK;
  for (size_t i = 0; i < m; i++)   /* rf, --large: the first two values, packed in place */
    memmove(job->res + i * k, job->res + i * job->res_stride, k * sizeof *job->res);
  ctx->seeds = cli_seeds_table(ctx, "seeds", job->nrows, S, k, names, job->res);
  return ctx->seeds == NULL ? CLI_EXIT_FAIL : CLI_EXIT_OK;
}

/* deqnn spiked --simulate: the spiked random-feature model over seeds (srfsim), compared with
 * the theory through compare/ (spiked_rf section 10). */
#include <complex.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/spiked.h"
#include "deqnn/compare.h"
#include "deqnn/srfsim.h"

/* Per replicate: the test and training errors (risk); Re, Im m(z_k), lambda_2, lambda_1 and
 * the histogram (spectrum). */
enum { R_TEST, R_TRAIN, R_N };

typedef struct {
  deq_srfsim *ws;
  double *eig;
} worker;

typedef struct {
  srf_job *job;
  size_t stride;   /* values per replicate */
  size_t p;        /* eigenvalues per replicate */
  double *res;     /* res[r * stride + k] */
} shared_state;

void srf_realise(const srf_job *job, double *p)
{
  double d = (double) job->d;
  if (!job->simulate)
    return;
  p[SRF_WIDTH] = fmax(1.0, round(p[SRF_WIDTH] * d)) / d;
  p[SRF_SAMPLE] = fmax(1.0, round(p[SRF_SAMPLE] * d)) / d;
}

void srf_law_weights(const srf_job *job, const double *p, double *w)
{
  deq_srfsim_spec spec;
  size_t sizes[DEQ_SRFSIM_MAXGROUPS];
  memcpy(w, job->weights, job->ngroups * sizeof *w);
  if (!job->simulate || job->ngroups < 2)
    return;
  deq_srfsim_spec_init(&spec);
  spec.p = (size_t) fmax(1.0, round(p[SRF_WIDTH] * (double) job->d));
  spec.groups = job->ngroups;
  memcpy(spec.weights, job->weights, sizeof job->weights);
  if (deq_srfsim_group_sizes(&spec, sizes) == DEQ_SUCCESS)
    for (size_t k = 0; k < job->ngroups; k++)
      w[k] = (double) sizes[k] / (double) spec.p;
}

static void make_spec(const srf_job *job, const double *p, deq_srfsim_spec *spec)
{
  deq_srfsim_spec_init(spec);
  spec->d = (size_t) job->d;
  spec->p = (size_t) fmax(1.0, round(p[SRF_WIDTH] * (double) job->d));
  spec->n = (size_t) fmax(1.0, round(p[SRF_SAMPLE] * (double) job->d));
  spec->n_test = (size_t) job->n_test;
  spec->act = job->act;
  spec->teacher = job->teacher;
  spec->r = p[SRF_SPIKE], spec->c = p[SRF_BULK], spec->gamma = p[SRF_ALIGN];
  if (job->mode == SRF_RISK)
    spec->lambda = p[SRF_LAMBDA], spec->noise = p[SRF_NOISE];
  spec->nz = job->mode == SRF_DENSITY ? SRF_NZ : 0;
  memcpy(spec->z, job->z, sizeof job->z);
  spec->groups = job->ngroups;
  memcpy(spec->support, job->support, sizeof job->support);
  memcpy(spec->weights, job->weights, sizeof job->weights);
}

static size_t row_count(const srf_job *job)
{
  return job->mode == SRF_RISK ? cli_sweep_rows(&job->sw) : 1;
}

static void row_params(const srf_job *job, size_t i, double *p)
{
  memcpy(p, job->p, sizeof job->p);
  if (job->mode == SRF_RISK)
    cli_sweep_row(&job->sw, i, p);
}

int srf_simulate_check(const srf_job *job)
{
  for (size_t i = 0; i < row_count(job); i++) {
    double p[SRF_N];
    deq_srfsim_spec spec;
    row_params(job, i, p);
    make_spec(job, p, &spec);
    double per = deq_srfsim_bytes(&spec) + 8.0 * (double) spec.p;
    size_t nloc = cli_rank_count(&job->mp, i * (size_t) job->seeds, (size_t) job->seeds);
    if (nloc > 0 && cli_workers(per, nloc, "--d: the simulation") == 0)
      return CLI_EXIT_USAGE;
  }
  return CLI_EXIT_OK;
}

static int one_replicate(void *state, size_t r, void *shared)
{
  worker *w = state;
  shared_state *sh = shared;
  srf_job *job = sh->job;
  double *v = sh->res + r * sh->stride;
  deq_srfsim_result res;
  int s = deq_srfsim_run(w->ws, (uint64_t) job->seed, (uint64_t) r, &res, w->eig);
  if (s) {
    cli_errorf("simulation failed at replicate %zu: %s", r, deq_strerror(s));
    return s;
  }
  if (job->mode == SRF_RISK) {
    v[R_TEST] = res.test_error, v[R_TRAIN] = res.train_error;
    return s;
  }
  for (int k = 0; k < SRF_NZ; k++)
    v[2 * k] = creal(res.m[k]), v[2 * k + 1] = cimag(res.m[k]);
  v[SRF_ST_L2] = res.lambda2, v[SRF_ST_L1] = res.lambda1;
  if (job->ngroups > 1)   /* the top of the bulk below the nmean mean outliers (F11) */
    v[SRF_ST_L2] = sh->p > (size_t) job->nmean ? w->eig[sh->p - 1 - (size_t) job->nmean] : NAN;
  deq_spec_histogram(sh->p, w->eig, job->x->n, job->x->x, v + SRF_NSTAT);
  return s;
}

/* The seeds of one spec, items first + r of the run spread over the ranks: res[r * stride + k]
 * filled, r < seeds, on every rank (zeroed, then each rank's replicates summed over them). */
static int run_spec(srf_job *job, const deq_srfsim_spec *spec, size_t first, size_t stride,
                    double *res)
{
  worker w[64] = { { NULL, NULL } };
  void *states[64];
  size_t S = (size_t) job->seeds, nloc = cli_rank_count(&job->mp, first, S);
  size_t nt = nloc == 0 ? 0 : cli_workers(deq_srfsim_bytes(spec) + 8.0 * (double) spec->p,
                                          nloc, "--d: the simulation");
  int s = nloc > 0 && nt == 0 ? DEQ_ENOMEM : DEQ_SUCCESS;
  memset(res, 0, S * stride * sizeof *res);
  for (size_t t = 0; !s && t < nt; t++) {
    w[t].eig = malloc(spec->p * sizeof *w[t].eig);
    if (w[t].eig == NULL || deq_srfsim_alloc(spec, &w[t].ws) != DEQ_SUCCESS)
      s = t == 0 ? DEQ_ENOMEM : (nt = t, DEQ_SUCCESS);   /* fewer threads when memory is short */
    states[t] = &w[t];
  }
  shared_state sh = { job, stride, spec->p, res };
  if (!s)
    s = cli_run_replicates(&job->mp, first, "simulating", S, nt, states, one_replicate, &sh);
  for (size_t t = 0; t < 64; t++) {
    deq_srfsim_free(w[t].ws);
    free(w[t].eig);
  }
  s = cli_ranks_worst(&job->mp, s);
  if (!s)
    cli_ranks_sum(&job->mp, res, S * stride);
  return s;
}

/* Mean and SE of column k of res (stride values per replicate). */
static void column_stats(const srf_job *job, const double *res, size_t stride, size_t k,
                         double *mean, double *se)
{
  double x[SRF_MAXSEEDS];
  deq_sample_stats st;
  for (size_t r = 0; r < (size_t) job->seeds; r++)
    x[r] = res[r * stride + k];
  deq_stats_compute(x, (size_t) job->seeds, &st);
  *mean = st.mean, *se = st.se;
}

/* Test error: 4 SE + (2 % + extra) of the theory (spiked_rf section 10); training error the
 * same + 1/sqrt(n) (its O(1/sqrt n) bias, measured in tests/test_spiked_slow.c).  extra is
 * the relative bias of an approximate model (0 for the sRF itself). */
void srf_risk_verdict(const deq_srf_risk *th, int status, size_t seeds, double n, double extra,
                      srf_simrow *sr)
{
  deq_sample_stats st = { seeds, sr->test[0], 0, sr->test[1] };
  deq_verdict v, vt;
  double a = SRF_RISK_REL + extra;
  /* |.|: a theory at round-off (linear sigma and teacher: 0) may be -1e-19 */
  deq_verdict_eval(th->test_error.val, th->test_error.err, &st, a * fabs(th->test_error.val),
                   1, &v);
  st.mean = sr->train[0], st.se = sr->train[1];
  deq_verdict_eval(th->train_error.val, th->train_error.err, &st,
                   a * fabs(th->train_error.val) + 1.0 / sqrt(n), 1, &vt);
  sr->bound = v.bound, sr->z = v.z, sr->train_bound = vt.bound;
  sr->pass = status == DEQ_SUCCESS && v.pass && vt.pass;
}

static void risk_verdict(const srf_job *job, size_t i)
{
  double n = round(job->rowp[i][SRF_SAMPLE] * (double) job->d);
  srf_risk_verdict(&job->risk[i], job->status[i], (size_t) job->seeds, n, 0.0, &job->sim[i]);
}

static int simulate_risk(srf_job *job)
{
  size_t S = (size_t) job->seeds;
  double *res = calloc(S * R_N, sizeof *res);
  job->seed_res = calloc(job->nrows * S * 2 + 1, sizeof *job->seed_res);
  int s = res == NULL || job->seed_res == NULL ? DEQ_ENOMEM : DEQ_SUCCESS, all = 1;
  cli_progress_begin("rows", job->nrows);   /* a unit: a row's seeds */
  for (size_t i = 0; !s && i < job->nrows; i++) {
    deq_srfsim_spec spec;
    make_spec(job, job->rowp[i], &spec);
    s = run_spec(job, &spec, i * S, R_N, res);
    for (size_t r = 0; r < S; r++)
      job->seed_res[(i * S + r) * 2] = res[r * R_N + R_TEST],
      job->seed_res[(i * S + r) * 2 + 1] = res[r * R_N + R_TRAIN];
    column_stats(job, res, R_N, R_TEST, &job->sim[i].test[0], &job->sim[i].test[1]);
    column_stats(job, res, R_N, R_TRAIN, &job->sim[i].train[0], &job->sim[i].train[1]);
    risk_verdict(job, i);
    all &= job->sim[i].pass;
  }
  cli_progress_end();
  free(res);
  job->simulated = !s;
  return s ? CLI_EXIT_FAIL : all ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}

/* The theory side of the spectrum statistics: m at the z of spiked_rf section 10, the edge,
 * S13's mean outlier at the simulated width p. */
static int spectrum_stats_theory(srf_job *job, double p)
{
  deq_srf_params q = { job->p[SRF_WIDTH], job->p[SRF_SAMPLE], job->p[SRF_LAMBDA], 0 };
  const double complex z[SRF_NZ] = { 0.5 * job->edge.val + 0.3 * I,
                                     0.25 * job->edge.val + 0.1 * I,
                                     1.1 * job->edge.val + 0.05 * I };
  int s = job->edge_status;
  for (int k = 0; !s && k < SRF_NZ; k++) {
    deq_srf_bulk b;
    job->z[k] = z[k];
    s = deq_srf_stieltjes(job->plan, &q, z[k], NULL, &b);
    double am = cabs(b.m.val);
    srf_simstat *re = &job->stat[2 * k], *im = &job->stat[2 * k + 1];
    snprintf(re->name, sizeof re->name, "Re m(%.3g%+.3gi)", creal(z[k]), cimag(z[k]));
    snprintf(im->name, sizeof im->name, "Im m(%.3g%+.3gi)", creal(z[k]), cimag(z[k]));
    re->theory = creal(b.m.val), im->theory = cimag(b.m.val);
    re->lo = im->lo = 2e-3 * am + b.m.err;   /* the allowance, until the bounds are set */
  }
  srf_simstat *l2 = &job->stat[SRF_ST_L2], *l1 = &job->stat[SRF_ST_L1];
  l2->theory = job->edge.val;
  deq_srf_mean m;
  if (!s)
    s = deq_srf_mean_outlier(job->plan, &q, p, NULL, &m);
  job->nmean = !s && m.exists ? m.count : 0;
  snprintf(l2->name, sizeof l2->name, "lambda_%d (edge)", job->ngroups > 1 ? job->nmean + 1 : 2);
  snprintf(l1->name, sizeof l1->name, "lambda_1");
  l1->theory = !s && m.exists ? m.x.val : NAN;
  l1->lo = !s && m.exists ? m.x.err : NAN;
  return s;
}

static void spectrum_verdicts(srf_job *job, const double *res, size_t stride)
{
  for (int k = 0; k < SRF_NSTAT; k++) {
    srf_simstat *st = &job->stat[k];
    column_stats(job, res, stride, (size_t) k, &st->mean, &st->se);
    if (k == SRF_ST_L2) {   /* below the edge by O(n^-2/3), more for a thin tail */
      st->lo = 0.94 * st->theory, st->hi = 1.02 * st->theory;
    } else {                /* 4 SE + allowance (in lo until here) */
      double b = 4.0 * st->se + st->lo;
      st->lo = st->theory - b, st->hi = st->theory + b;
    }
    st->pass = st->mean >= st->lo && st->mean <= st->hi;   /* NAN theory: fails */
  }
  size_t m = job->x->n;
  for (size_t i = 0; i < m; i++)
    column_stats(job, res, stride, SRF_NSTAT + i, &job->hist[i], &job->hist_se[i]);
}

static int simulate_spectrum(srf_job *job)
{
  deq_srfsim_spec spec;
  size_t m = job->x->n, stride = SRF_NSTAT + m;
  make_spec(job, job->p, &spec);
  if (spectrum_stats_theory(job, (double) spec.p)) {
    cli_errorf("spiked --simulate: the edge, m(z) or the mean outlier of the theory failed");
    return CLI_EXIT_FAIL;
  }
  make_spec(job, job->p, &spec);   /* with the z of the edge */
  double *res = calloc((size_t) job->seeds * stride, sizeof *res);
  job->hist = calloc(m, sizeof *job->hist);
  job->hist_se = calloc(m, sizeof *job->hist_se);
  int s = !res || !job->hist || !job->hist_se ? DEQ_ENOMEM : run_spec(job, &spec, 0, stride, res);
  if (!s)
    spectrum_verdicts(job, res, stride);
  job->seed_res = calloc((size_t) job->seeds * SRF_NSTAT + 1, sizeof *job->seed_res);
  for (size_t r = 0; !s && job->seed_res && r < (size_t) job->seeds; r++)
    memcpy(job->seed_res + r * SRF_NSTAT, res + r * stride, SRF_NSTAT * sizeof *res);
  free(res);
  job->simulated = !s;
  int all = 1;
  for (int k = 0; k < SRF_NSTAT; k++)
    all &= job->stat[k].pass;
  return s ? CLI_EXIT_FAIL : all ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}

int srf_simulate(srf_job *job)
{
  if (job->mode == SRF_RISK && (job->sim = calloc(job->nrows, sizeof *job->sim)) == NULL)
    return CLI_EXIT_FAIL;
  return job->mode == SRF_RISK ? simulate_risk(job) : simulate_spectrum(job);
}

void srf_print_summary(const srf_job *job)
{
  const char *few = job->seeds < 10 ? " (fewer than 10 seeds)" : "";
  if (job->mode == SRF_DENSITY) {
    fprintf(stderr, "%-24s %12s %12s %10s %12s %12s  %s\n", "statistic", "theory", "sim", "SE",
            "low", "high", "verdict");
    for (int k = 0; k < SRF_NSTAT; k++) {
      const srf_simstat *s = &job->stat[k];
      fprintf(stderr, "%-24s %12.6g %12.6g %10.3g %12.6g %12.6g  %s%s\n", s->name, s->theory,
              s->mean, s->se, s->lo, s->hi, s->pass ? "pass" : "FAIL", few);
    }
    return;
  }
  const char *name = job->sw.sweep >= 0 ? srf_param_names[job->sw.sweep] : "row";
  fprintf(stderr, "%-12s %-6s %12s %12s %10s %10s  %s\n", name, "error", "theory", "sim", "SE",
          "bound", "verdict");
  for (size_t i = 0; i < job->nrows; i++) {
    const srf_simrow *s = &job->sim[i];
    double x = job->sw.sweep >= 0 ? job->rowp[i][job->sw.sweep] : (double) i;
    fprintf(stderr, "%-12.6g %-6s %12.6g %12.6g %10.3g %10.3g\n", x, "test",
            job->risk[i].test_error.val, s->test[0], s->test[1], s->bound);
    fprintf(stderr, "%-12.6g %-6s %12.6g %12.6g %10.3g %10.3g  %s%s\n", x, "train",
            job->risk[i].train_error.val, s->train[0], s->train[1], s->train_bound,
            s->pass ? "pass" : "FAIL", few);
  }
}

int srf_seeds_table(const srf_job *job, cli_ctx *ctx)
{
  const char *names[2 + SRF_NSTAT] = { "row", "replicate", "test_error", "train_error" };
  size_t S = (size_t) job->seeds;
  if (job->seed_res == NULL)
    return CLI_EXIT_OK;
  if (job->mode == SRF_RISK)
    ctx->seeds = cli_seeds_table(ctx, "seeds", job->nrows, S, 2, names, job->seed_res);
  else {
    for (int k = 0; k < SRF_NSTAT; k++)
      names[2 + k] = job->stat[k].name;
    ctx->seeds = cli_seeds_table(ctx, "seeds", 1, S, SRF_NSTAT, names, job->seed_res);
  }
  return ctx->seeds == NULL ? CLI_EXIT_FAIL : CLI_EXIT_OK;
}

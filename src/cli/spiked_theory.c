/* deqnn spiked: theory values per row and the output tables. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/spiked.h"
#include "core/mem.h"

int srf_plan(srf_job *job, const double *p)
{
  deq_srf_weights w = { .spike = p[SRF_SPIKE], .bulk_variance = p[SRF_BULK],
                        .alignment = p[SRF_ALIGN], .groups = job->ngroups };
  memcpy(w.support, job->support, sizeof w.support);
  srf_law_weights(job, p, w.weights);
  deq_srf_plan_free(job->plan);
  job->plan = NULL;
  return deq_srf_plan_alloc(&job->act, &job->teacher, &w, NULL, &job->plan);
}

static deq_srf_params point(const double *p)
{
  return (deq_srf_params) { p[SRF_WIDTH], p[SRF_SAMPLE], p[SRF_LAMBDA], p[SRF_NOISE] };
}

/* Row i of the risk curve: a new plan when the sweep moves the weights. */
static int risk_row(srf_job *job, size_t i)
{
  double *p = job->rowp[i];
  memcpy(p, job->p, sizeof job->p);
  cli_sweep_row(&job->sw, i, p);
  srf_realise(job, p);
  int s = DEQ_SUCCESS;
  int realised = job->simulate && job->ngroups > 1 && job->sw.sweep == SRF_WIDTH;
  if (i > 0 && (job->sw.sweep < SRF_PLAN_N || realised))   /* realised: p_k/p moves with p */
    s = srf_plan(job, p);
  deq_srf_params q = point(p);
  if (!s)
    s = deq_srf_risk_eval(job->plan, &q, NULL, &job->risk[i]);
  else
    job->risk[i] = (deq_srf_risk) { { NAN, INFINITY }, { NAN, INFINITY }, 0, 0, 0, 0, 0, 0, 0, s };
  return job->status[i] = s;
}

static int risk_theory(srf_job *job)
{
  int rc = CLI_EXIT_OK;
  cli_progress_begin("theory rows", job->nrows);
  for (size_t i = 0; i < job->nrows && rc != CLI_EXIT_USAGE; i++, cli_progress_add(1)) {
    int s = risk_row(job, i);
    rc = s == DEQ_EINVAL ? CLI_EXIT_USAGE : s != DEQ_SUCCESS ? CLI_EXIT_FAIL : rc;
  }
  cli_progress_end();
  return rc;
}

/* The edge, the outliers right of it, and the leading order of the mean outlier. */
static int spectrum_theory(srf_job *job)
{
  deq_srf_params q = point(job->p);
  int rc = CLI_EXIT_OK;
  cli_progress_begin("theory points", job->nrows);
  for (size_t i = 0; i < job->nrows; i++, cli_progress_add(1)) {   /* a status per row */
    job->status[i] = deq_srf_density(job->plan, &q, 1, &job->x->x[i], NULL, &job->val[i]);
    if (job->status[i])
      rc = CLI_EXIT_FAIL;
  }
  cli_progress_end();
  job->edge_status = deq_srf_edge(job->plan, &q, NULL, &job->edge);
  job->outliers_status = deq_srf_outliers(job->plan, &q, NULL, &job->outliers);
  job->mean_status = deq_srf_mean_outlier(job->plan, &q, SRF_MEAN_P1, NULL, &job->mean[0]);
  job->mean_status = deq_status_merge(job->mean_status, deq_srf_mean_outlier(job->plan, &q,
                                      SRF_MEAN_P2, NULL, &job->mean[1]));
  if (job->edge_status || job->outliers_status)
    rc = CLI_EXIT_FAIL;
  return rc;
}

static int stats_theory(srf_job *job)
{
  deq_srf_params q = point(job->p);
  int rc = CLI_EXIT_OK;
  for (size_t k = 0; k < job->nlam; k++) {
    deq_srf_bulk b;
    job->status[k] = deq_srf_stieltjes(job->plan, &q, -job->lambda[k], NULL, &b);
    job->val[k] = (deq_result) { creal(b.m.val), b.m.err };
    if (job->status[k])
      rc = CLI_EXIT_FAIL;
  }
  return rc;
}

/* Bytes per row besides the row's results: an output row of at most 12 cells of a double and
 * a text pointer, counted 3 times (growth by doubling: old and new block), a status copy. */
#define SRF_TABLE_ROW_BYTES (3.0 * 12.0 * (double) (sizeof(double) + sizeof(char *)) + 32.0)

static int alloc_rows(srf_job *job)
{
  job->nrows = job->mode == SRF_DENSITY ? job->x->n : job->mode == SRF_STATS
               ? job->nlam : cli_sweep_rows(&job->sw);
  double per_row = (double) (sizeof *job->risk + sizeof *job->rowp + sizeof *job->val + sizeof(int))
                   + SRF_TABLE_ROW_BYTES;
  if (deq_mem_check_job((double) job->nrows * per_row, 1, "spiked: the theory grid") != DEQ_SUCCESS)
    return CLI_EXIT_USAGE;
  job->status = calloc(job->nrows, sizeof *job->status);
  job->val = calloc(job->nrows, sizeof *job->val);
  if (job->mode == SRF_RISK) {
    job->risk = calloc(job->nrows, sizeof *job->risk);
    job->rowp = calloc(job->nrows, sizeof *job->rowp);
  }
  int risk_ok = job->mode != SRF_RISK || (job->risk != NULL && job->rowp != NULL);
  return job->status != NULL && job->val != NULL && risk_ok ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}

int srf_theory(srf_job *job)
{
  int rc = alloc_rows(job);
  if (rc)
    return rc;
  rc = job->mode == SRF_RISK ? risk_theory(job) : job->mode == SRF_DENSITY ? spectrum_theory(job)
                                                                           : stats_theory(job);
  if (rc == CLI_EXIT_FAIL)
    cli_errorf("spiked: the solver failed at some rows (flagged in 'status')");
  return rc;
}

/* ---- tables ------------------------------------------------------------------------------ */

/* The spike law as used (with --simulate: the realised fractions of the first row). */
static int add_law(const srf_job *job, deq_table *t)
{
  char a[512] = "", b[512] = "";
  double w[DEQ_SRF_MAXGROUPS], p[SRF_N];
  size_t u = 0, v = 0;
  memcpy(p, job->p, sizeof p);
  cli_sweep_row(&job->sw, 0, p);
  srf_realise(job, p);
  srf_law_weights(job, p, w);
  for (size_t k = 0; k < job->ngroups; k++) {
    u += (size_t) snprintf(a + u, sizeof a - u, "%s%.17g", k ? "," : "", job->support[k]);
    v += (size_t) snprintf(b + v, sizeof b - v, "%s%.17g", k ? "," : "", w[k]);
  }
  return deq_table_add_comment(t, "spike law: support = %s; weights = %s%s (K = %zu; %s)", a, b,
                               job->simulate && job->ngroups > 1 ? " (realised p_k/p)" : "",
                               job->ngroups, job->ngroups == 1 && job->support[0] == 1.0
                               ? "the constant spike of spiked_rf" : "spiked_finite_support");
}

static int add_model(const srf_job *job, deq_table *t)
{
  char buf[512] = "";
  size_t u = 0;
  int last = job->mode == SRF_RISK ? SRF_N : SRF_SAMPLE + 1;
  for (int k = 0; k < last; k++)
    if (k != job->sw.sweep && (job->mode == SRF_RISK || k != SRF_ALIGN))
      u += (size_t) snprintf(buf + u, sizeof buf - u, "%s%s = %.17g", u ? ", " : "",
                             srf_param_names[k], job->p[k]);
  int s = deq_table_add_comment(t, "activation: %s (as given: not centred, not divided by "
                                "sqrt(p))%s%s", job->actname, job->mode == SRF_RISK ?
                                "; teacher: " : "", job->mode == SRF_RISK ? job->teachername : "");
  s = deq_status_merge(s, deq_table_add_comment(t, "model: %s", buf));
  s = deq_status_merge(s, add_law(job, t));
  return deq_status_merge(s, deq_table_add_comment(t, "sweep: %s", job->sw.sweep >= 0 ?
                          srf_param_names[job->sw.sweep] : "none"));
}

/* K >= 2: the mean outliers of F9 at p = SRF_MEAN_P1 and their F11 slopes. */
static int add_group_means(const deq_srf_mean *m, deq_table *t)
{
  char buf[1024] = "";
  size_t u = 0;
  for (int j = 0; j < m[0].count && u < sizeof buf; j++)
    u += (size_t) snprintf(buf + u, sizeof buf - u, "%s%.10g (F11: %.10g p)", j ? ", " : "",
                           m[0].all[j].val, m[0].all_leading[j].val / SRF_MEAN_P1);
  return deq_table_add_comment(t, "mean outliers (F9, F11): %d at p = %g: %s", m[0].count,
                               SRF_MEAN_P1, buf);
}

static int add_outliers(const srf_job *job, deq_table *t)
{
  const deq_srf_outlier_search *o = &job->outliers;
  const char *eq = job->ngroups > 1 ? "F10" : "S12";
  int s;
  if (job->outliers_status)
    s = deq_table_add_comment(t, "outliers (%s): not found (%s)", eq,
                              deq_status_name(job->outliers_status));
  else if (o->count == 0)
    s = deq_table_add_comment(t, "outliers (%s): none (left side of %s >= %.6g right of the "
                              "edge)", eq, eq, o->lhs_min);
  else
    s = deq_table_add_comment(t, "outliers (%s): %d at %.17g +- %.2g", eq, o->count, o->x.val,
                              o->x.err);
  const deq_srf_mean *m = job->mean;
  if (!job->mean_status && m[0].exists && job->ngroups > 1)
    return deq_status_merge(s, add_group_means(m, t));
  if (job->mean_status || !m[0].exists)
    return deq_status_merge(s, deq_table_add_comment(t, "mean outlier (S13): %s", job->mean_status
                            ? deq_status_name(job->mean_status) : "none (E mu0^2 = 0)"));
  double A = (m[1].leading.val - m[0].leading.val) / (SRF_MEAN_P2 - SRF_MEAN_P1);
  double B = m[0].leading.val - A * SRF_MEAN_P1;
  return deq_status_merge(s, deq_table_add_comment(t, "mean outlier (S13): lambda_1 = %.10g p + "
                          "%.10g to leading order in the width p (E mu0^2 = %.10g); at p = %g: "
                          "%.10g", A, B, A, SRF_MEAN_P1, m[0].x.val));
}

static int add_spectrum(const srf_job *job, deq_table *t)
{
  int s = job->edge_status ? deq_table_add_comment(t, "edge: not found (%s)",
                                                   deq_status_name(job->edge_status))
                           : deq_table_add_comment(t, "edge: %.17g +- %.2g", job->edge.val,
                                                   job->edge.err);
  return deq_status_merge(s, add_outliers(job, t));
}

static int header(const srf_job *job, cli_ctx *ctx, deq_table *t)
{
  static const char *const kind[] = { "spiked", "spiked-density", "spiked-stats" };
  static const char *const errcols[] = { "test_error:err,train_error:train_error_err",
                                         "density:err", "theory:err" };
  ctx->error_cols = errcols[job->mode];
  int rc = cli_table_header(ctx, t, kind[job->mode]);
  int s = add_model(job, t);
  if (job->mode == SRF_DENSITY)
    s = deq_status_merge(s, add_spectrum(job, t));
  return cli_exit_merge(rc, cli_exit_status(s));
}

static int add_simulation(const srf_job *job, deq_table *t)
{
  int s = deq_table_add_comment(t, "simulation: d = %ld, seeds = %ld, master seed = %ld, "
                                "n_test = %ld, ranks = %d; ratios above are the realised "
                                "round(ratio d)/d", job->d, job->seeds, job->seed, job->n_test,
                                job->mp.ranks);
  for (int k = 0; job->mode == SRF_DENSITY && k < SRF_NSTAT; k++) {
    const srf_simstat *st = &job->stat[k];
    s = deq_status_merge(s, deq_table_add_comment(t, "sim %s: theory %.10g, sim %.10g +- %.3g "
                         "(SE), pass if in [%.10g, %.10g]: %s", st->name, st->theory, st->mean,
                         st->se, st->lo, st->hi, st->pass ? "pass" : "fail"));
  }
  return s;
}

/* Row i's numbers: the parameters and the errors (risk), x and rho (density), lambda and m
 * (stats); then the simulation's. */
static size_t row_values(const srf_job *job, size_t i, double *v)
{
  if (job->mode == SRF_DENSITY) {
    double d[] = { job->x->x[i], job->val[i].val, job->val[i].err };
    memcpy(v, d, sizeof d);
    return 3;
  }
  if (job->mode == SRF_STATS) {
    double d[] = { job->lambda[i], job->val[i].val, job->val[i].err };
    memcpy(v, d, sizeof d);
    return 3;
  }
  const deq_srf_risk *r = &job->risk[i];
  memcpy(v, job->rowp[i], SRF_N * sizeof *v);
  double d[] = { r->test_error.val, r->test_error.err, r->train_error.val, r->train_error.err };
  memcpy(v + SRF_N, d, sizeof d);
  if (!job->simulated)
    return SRF_N + 4;
  const srf_simrow *sr = &job->sim[i];
  double e[] = { sr->test[0], sr->test[1], sr->train[0], sr->train[1], sr->bound,
                 isnan(sr->z) ? 0.0 : sr->z };
  memcpy(v + SRF_N + 4, e, sizeof e);
  return SRF_N + 10;
}

static deq_table *table_alloc(const srf_job *job)
{
  const char *risk[] = { "spike", "bulk_variance", "alignment", "width_ratio", "sample_ratio",
                         "lambda", "noise", "test_error", "err", "train_error",
                         "train_error_err", "sim_test_error", "sim_test_error_se",
                         "sim_train_error", "sim_train_error_se", "sim_bound", "sim_z" };
  const char *density[] = { "x", "density", "err", "status", "sim_density", "sim_density_se" };
  const char *stats[] = { "stat", "lambda", "theory", "err", "status" };
  const char *names[20];
  int types[20];
  for (size_t k = 0; k < 20; k++)
    types[k] = DEQ_COL_NUM;
  if (job->mode == SRF_DENSITY) {
    types[3] = DEQ_COL_TEXT;
    return deq_table_alloc(job->simulated ? 6 : 4, density, types);
  }
  if (job->mode == SRF_STATS)
    return types[0] = types[4] = DEQ_COL_TEXT, deq_table_alloc(5, stats, types);
  size_t nnum = job->simulated ? 17 : 11, nc = nnum;
  memcpy(names, risk, nnum * sizeof *names);
  names[nc] = "status", types[nc++] = DEQ_COL_TEXT;
  if (job->simulated)
    names[nc] = "sim_verdict", types[nc++] = DEQ_COL_TEXT;
  return deq_table_alloc(nc, names, types);
}

/* Row i of the density table with the simulation: x, rho, err, status, histogram, SE. */
static int density_sim_row(const srf_job *job, deq_table *t, size_t i)
{
  double row[6] = { job->x->x[i], job->val[i].val, job->val[i].err, 0, job->hist[i],
                    job->hist_se[i] };
  const char *txt[6] = { NULL, NULL, NULL, deq_status_name(job->status[i]), NULL, NULL };
  return deq_table_add_row(t, row, txt);
}

int srf_table(const srf_job *job, cli_ctx *ctx, deq_table **out)
{
  deq_table *t = table_alloc(job);
  *out = t;
  if (t == NULL || header(job, ctx, t) || (job->simulated && add_simulation(job, t)))
    return CLI_EXIT_FAIL;
  int stats = job->mode == SRF_STATS;
  for (size_t i = 0; i < job->nrows; i++) {
    double v[20], row[20] = { 0 };
    const char *txt[20] = { NULL };
    char name[32];
    if (job->simulated && job->mode == SRF_DENSITY) {
      if (density_sim_row(job, t, i))
        return CLI_EXIT_FAIL;
      continue;
    }
    size_t n = row_values(job, i, v);
    memcpy(row + stats, v, n * sizeof *v);
    snprintf(name, sizeof name, "res(%g)", stats ? job->lambda[i] : 0.0);
    txt[0] = stats ? name : NULL;
    txt[n + (size_t) stats] = deq_status_name(job->status[i]);
    if (job->simulated)
      txt[n + 1] = job->sim[i].pass ? "pass" : "fail";
    if (deq_table_add_row(t, row, txt))
      return CLI_EXIT_FAIL;
  }
  return CLI_EXIT_OK;
}

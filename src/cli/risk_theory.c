/* deqnn rf / onestep: theory values per row and the output table. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/risk.h"
#include "core/mem.h"

/* Parameters of row i: the scalars, the swept one replaced; batch follows sample. */
void risk_row_params(const risk_job *job, size_t i, double *p)
{
  memcpy(p, job->p, sizeof job->p);
  cli_sweep_row(&job->sw, i, p);
  if (!job->batch_given)
    p[P_BATCH] = p[P_SAMPLE];
  if (!job->onestep)
    p[P_ETA] = 0.0;
}

static size_t round_size(double ratio, long d)
{
  double v = floor(ratio * (double) d + 0.5);
  return v < 1 ? 1 : (size_t) v;
}

/* With a simulation the theory is evaluated at the realised ratios round(ratio d)/d. */
void risk_realise(const risk_job *job, const double *p, double *q, size_t *N, size_t *n, size_t *ng)
{
  memcpy(q, p, P_N * sizeof *q);
  *N = round_size(p[P_WIDTH], job->d);
  *n = round_size(p[P_SAMPLE], job->d);
  *ng = round_size(p[P_BATCH], job->d);
  if (!job->simulate)
    return;
  q[P_WIDTH] = (double) *N / (double) job->d;
  q[P_SAMPLE] = (double) *n / (double) job->d;
  q[P_BATCH] = (double) *ng / (double) job->d;
}

static int row_onestep(risk_job *job, risk_row *r, const deq_onestep_params *op,
                       const deq_rf_params *rp)
{
  deq_onestep_baselines base;
  int s = deq_onestep_baselines_eval(job->model, rp, NULL, &base);
  r->rf_risk = base.rf.risk;
  r->best_linear = base.best_linear;
  r->lin_opt = base.linear_ridge_opt;
  r->kernel = base.kernel_limit;
  s = deq_status_merge(s, deq_onestep_gradient_alignment(job->model, op, &r->align_grad));
  if (job->large)
    return deq_status_merge(s, risk_large_row(job, r));
  s = deq_status_merge(s, deq_onestep_risk(job->model, op, NULL, &r->th));
  s = deq_status_merge(s, deq_onestep_weight_alignment(job->model, op, &r->align_w1));
  return deq_status_merge(s, deq_onestep_bbp_eval(job->model, op, &r->bbp));
}

static int row_theory(risk_job *job, size_t i)
{
  risk_row *r = &job->rows[i];
  double p[P_N];
  size_t N, n, ng;
  risk_row_params(job, i, p);
  risk_realise(job, p, r->p, &N, &n, &ng);
  deq_rf_params rp = { r->p[P_WIDTH], r->p[P_SAMPLE], r->p[P_LAMBDA], r->p[P_NOISE] };
  deq_onestep_params op = { r->p[P_WIDTH], r->p[P_SAMPLE], r->p[P_BATCH], r->p[P_LAMBDA],
                            r->p[P_NOISE], r->p[P_ETA] };
  int s = job->onestep ? row_onestep(job, r, &op, &rp) : deq_rf_risk(job->model, &rp, NULL, &r->th);
  r->status = s;
  return s;
}

/* Bytes per grid point besides the row itself: a row of the output table, at most 48 cells
 * of a double and a text pointer, counted 3 times (the table grows by doubling, and a
 * realloc holds the old block and the new one), and two text copies of at most 32 bytes. */
#define THEORY_TABLE_ROW_BYTES (3.0 * 48.0 * (double) (sizeof(double) + sizeof(char *)) + 64.0)

int risk_theory(risk_job *job)
{
  job->nrows = cli_sweep_rows(&job->sw);
  if (deq_mem_check_job((double) job->nrows * ((double) sizeof *job->rows + THEORY_TABLE_ROW_BYTES),
                        1, "risk: the theory grid") != DEQ_SUCCESS)
    return CLI_EXIT_USAGE;
  job->rows = calloc(job->nrows, sizeof *job->rows);
  if (job->rows == NULL)
    return CLI_EXIT_FAIL;
  int rc = CLI_EXIT_OK;
  cli_progress_begin("theory rows", job->nrows);
  for (size_t i = 0; i < job->nrows; i++, cli_progress_add(1)) {
    int s = row_theory(job, i);
    if (s == DEQ_EINVAL) {
      cli_progress_end();
      return CLI_EXIT_USAGE;
    }
    if (s != DEQ_SUCCESS && s != DEQ_EDIVERGE)
      rc = CLI_EXIT_FAIL;
  }
  cli_progress_end();
  for (size_t i = 0; job->onestep && job->sw.sweep == P_ETA && i < job->nrows; i++) {
    risk_row *r = &job->rows[i];   /* R(eta) - R(eta_0), paired in the simulation */
    r->diff.val = r->th.risk.val - job->rows[0].th.risk.val;
    r->diff.err = r->th.risk.err + job->rows[0].th.risk.err;
  }
  if (rc)
    cli_errorf("%s: the solver failed at some rows (flagged in 'status')", job->onestep ? "onestep" : "rf");
  return rc;
}

/* Column list, built once: name, pointer-free accessor index. */
enum { C_PARAM0, C_RISK = C_PARAM0 + P_N, C_ERR, C_TRAIN, C_TRAIN_ERR, C_BIAS, C_BIAS_ERR, C_VAR,
       C_VAR_ERR, C_KAPPA, C_SPK, C_SPK_ERR, C_BV, C_BV_ERR, C_AL, C_AL_ERR, C_AG, C_AW, C_BBPO, C_BBPT, C_RF, C_RF_ERR, C_BL, C_LO, C_KL, C_DIFF,
       C_DIFF_ERR, C_SR, C_SRSE, C_ST, C_STSE, C_SAG, C_SAGSE, C_SAW, C_SAWSE, C_SD, C_SDSE,
       C_STOP, C_STOPSE, C_SB, C_SZ, C_NNUM };

static const char *const colname[C_NNUM] = {
  "width_ratio", "sample_ratio", "batch_ratio", "lambda", "noise", "eta", "risk", "err",
  "train_error", "train_error_err", "bias", "bias_err", "variance", "variance_err", "kappa",
  "spike", "spike_err", "bulk_variance", "bulk_variance_err", "alignment", "alignment_err",
  "align_grad", "align_w1", "bbp_outlier", "bbp_theta", "rf_risk", "rf_risk_err", "best_linear",
  "linear_ridge_opt", "kernel_limit", "risk_diff", "risk_diff_err", "sim_risk", "sim_risk_se",
  "sim_train_error", "sim_train_error_se", "sim_align_grad", "sim_align_grad_se",
  "sim_align_w1", "sim_align_w1_se", "sim_risk_diff", "sim_risk_diff_se", "sim_top_w1",
  "sim_top_w1_se", "sim_bound", "sim_z" };

static int column_used(const risk_job *job, int c, int sim)
{
  int small = job->onestep && !job->large, diff = job->onestep && job->sw.sweep == P_ETA;
  if (c == P_BATCH || c == P_ETA)
    return job->onestep;
  if (c <= C_TRAIN_ERR)
    return 1;
  if (c >= C_BIAS && c <= C_KAPPA)
    return !job->large;
  if (c >= C_SPK && c <= C_AL_ERR)
    return job->large;
  if (c == C_AG)
    return job->onestep;
  if (c >= C_AW && c <= C_BBPT)
    return small;
  if (c >= C_RF && c <= C_KL)
    return job->onestep;
  if (c == C_DIFF || c == C_DIFF_ERR)
    return diff;
  if (c >= C_SR && c <= C_STSE)
    return sim;
  if (c >= C_SAG && c <= C_SAWSE)
    return sim && small;
  if (c == C_SD || c == C_SDSE)
    return sim && diff;
  if (c == C_STOP || c == C_STOPSE)
    return sim && small;
  return sim;   /* bound, z */
}

static void row_values(const risk_job *job, const risk_row *r, double *v)
{
  memcpy(v, r->p, P_N * sizeof *v);
  double th[] = { r->th.risk.val, r->th.risk.err, r->th.train_error.val, r->th.train_error.err,
                  r->th.bias.val, r->th.bias.err, r->th.variance.val, r->th.variance.err,
                  r->th.kappa.val, r->w.spike, r->w_err[0], r->w.bulk_variance, r->w_err[1],
                  r->w.alignment, r->w_err[2], r->align_grad.val, r->align_w1.val, r->bbp.outlier,
                  r->bbp.theta.val, r->rf_risk.val, r->rf_risk.err, r->best_linear.val,
                  r->lin_opt.val, r->kernel.val, r->diff.val, r->diff.err };
  memcpy(v + C_RISK, th, sizeof th);
  for (int k = 0; k < 6; k++) {
    v[C_SR + 2 * k] = r->sim[k][0];
    v[C_SR + 2 * k + 1] = r->sim[k][1];
  }
  v[C_SB] = r->bound;
  v[C_SZ] = isnan(r->z) ? 0.0 : r->z;
  (void) job;
}

/* --large: the model and, below batch_ratio 6, that the theory is approximate. */
static int large_comments(const risk_job *job, deq_table *t)
{
  int s = deq_table_add_comment(t, "large step (spiked_rf section 6): read-out a_j = 1/sqrt(N), "
                                "neurons on the unit sphere, teacher direction e1, step eta N on "
                                "the batch; risk and train_error from the spiked random features "
                                "(spike, bulk_variance, alignment) of spiked_rf S21");
  if (job->ngroups > 0) {
    char law[512];
    size_t u = 0;
    for (size_t k = 0; k < job->ngroups && u < sizeof law; k++)
      u += (size_t) snprintf(law + u, sizeof law - u, "%s%.17g (%.17g)", k ? ", " : "",
                             job->support[k], job->weights[k]);
    s = deq_status_merge(s, deq_table_add_comment(t, "read-out law: abar (weight) %s; spike "
                         "u_j = r abar_j (spiked_finite_support)%s", law,
                         risk_large_law_approx(job) ? "; approximate: the |abar| differ, so "
                         "the bulk variance differs between groups, which is not derived; "
                         "bulk_variance is the mean 1 + E abar^2 (c - 1) and rows with eta > 0 "
                         "get no verdict" : ""));
  }
  for (size_t i = 0; i < job->nrows; i++)
    if (job->rows[i].p[P_ETA] != 0 && job->rows[i].p[P_BATCH] < RISK_LARGE_BATCH_MIN)
      return deq_status_merge(s, deq_table_add_comment(t, "approximate: batch_ratio < %g at "
                              "some rows; S21's bulk model sqrt(c) W0 has an unmeasured bias "
                              "there (spiked_rf section 10), so those rows get no verdict",
                              RISK_LARGE_BATCH_MIN));
  return s;
}

static int add_comments(const risk_job *job, cli_ctx *ctx, deq_table *t)
{
  ctx->error_cols = job->large ? "risk:err,train_error:train_error_err,spike:spike_err,"
                                 "bulk_variance:bulk_variance_err,alignment:alignment_err,"
                                 "rf_risk:rf_risk_err,risk_diff:risk_diff_err"
                               : "risk:err,train_error:train_error_err,bias:bias_err,"
                                 "variance:variance_err,rf_risk:rf_risk_err,risk_diff:risk_diff_err";
  int rc = cli_table_header(ctx, t, job->onestep ? (job->large ? "onestep-large" : "onestep") : "rf");
  int s = deq_table_add_comment(t, "student: %s, teacher: %s (rf_onestep.md conventions: sigma as "
                                "given, excess risk without label noise)", job->actname, job->teachername);
  s = deq_status_merge(s, deq_table_add_comment(t, "sweep: %s", job->sw.sweep >= 0 ?
                                                risk_param_names[job->sw.sweep] : "none"));
  if (job->large)
    s = deq_status_merge(s, large_comments(job, t));
  if (job->simulate)
    s = deq_status_merge(s, deq_table_add_comment(t, "simulation: d = %ld, seeds = %ld, master "
                         "seed = %ld, n_test = %ld, ranks = %d; ratios above are the realised "
                         "round(ratio d)/d", job->d, job->seeds, job->seed, job->n_test,
                         job->mp.ranks));
  return cli_exit_merge(rc, cli_exit_status(s));   /* statuses and exit codes kept apart */
}

int risk_table(const risk_job *job, cli_ctx *ctx, deq_table **out)
{
  const char *names[C_NNUM + 2];
  int types[C_NNUM + 2], idx[C_NNUM], sim = job->simulate && !ctx->dry;
  size_t nc = 0;
  for (int c = 0; c < C_NNUM; c++)
    if (column_used(job, c, sim)) {
      idx[nc] = c;
      types[nc] = DEQ_COL_NUM;
      names[nc++] = colname[c];
    }
  size_t status_col = nc, verdict_col = nc + 1;
  names[nc] = "status", types[nc++] = DEQ_COL_TEXT;
  if (sim)
    names[nc] = "sim_verdict", types[nc++] = DEQ_COL_TEXT;
  deq_table *t = deq_table_alloc(nc, names, types);
  *out = t;
  if (t == NULL || add_comments(job, ctx, t))
    return CLI_EXIT_FAIL;
  for (size_t i = 0; i < job->nrows; i++) {
    const risk_row *r = &job->rows[i];
    double v[C_NNUM], row[C_NNUM + 2] = { 0 };
    const char *txt[C_NNUM + 2] = { NULL };
    row_values(job, r, v);
    for (size_t k = 0; k < status_col; k++)
      row[k] = v[idx[k]];
    txt[status_col] = deq_status_name(r->status);
    if (verdict_col < nc)
      txt[verdict_col] = !r->verdict_applies ? "n/a" : r->pass ? "pass" : "fail";
    deq_table_add_row(t, row, txt);
  }
  return CLI_EXIT_OK;
}

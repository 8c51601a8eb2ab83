/* deqnn rf / onestep: ridge risk on random features and after one gradient step. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/risk.h"

#define PLOT_LOGY_SPAN 100.0   /* max/min of the plotted risk above which the y axis is log */

const char *const risk_param_names[P_N] = { "width_ratio", "sample_ratio", "batch_ratio",
                                            "lambda", "noise", "eta" };
static const char *const flags[P_N] = { "--width-ratio", "--sample-ratio", "--batch-ratio",
                                        "--lambda", "--noise", "--eta" };

enum { O_ACT, O_TEACHER, O_WIDTH, O_SAMPLE, O_BATCH, O_LAMBDA, O_NOISE, O_ETA, O_LARGE,
       O_RSUPPORT, O_RWEIGHTS, O_OUT, O_PLOT, O_SIM, O_D, O_SEEDS, O_SEED, O_NTEST, O_NOPT };

static void options(cli_opt *o, int onestep)
{
  cli_opt def[O_NOPT] = {
    { "--act", 1, "tanh", "student activation sigma", 0, 0 },
    { "--teacher", 1, "poly:0,1,0.5", "teacher sigma_*: an activation or poly:c0,c1,c2,c3 (Hermite)", 0, 0 },
    { "--width-ratio", 1, "2.385", "N/d (value, A:B:K, A:B:K:log or list)", 0, 0 },
    { "--sample-ratio", 1, "1.7", "n/d of the ridge batch", 0, 0 },
    { "--batch-ratio", 1, NULL, "(onestep) n_g/d of the gradient batch [default: the sample ratio]", 0, 0 },
    { "--lambda", 1, "0.02", "ridge penalty >= 0 (0: ridgeless limit)", 0, 0 },
    { "--noise", 1, "0.09", "label-noise variance tau^2 >= 0", 0, 0 },
    { "--eta", 1, onestep ? "2.5" : NULL, "(onestep) learning rate: W1 = W0 + eta sqrt(N) G0", 0, 0 },
    { "--large", 0, NULL, "(onestep) large step W1 = W0 + eta N G0, read-out 1/sqrt(N): spiked RF theory (S21)", 0, 0 },
    { "--readout-support", 1, NULL, "(onestep --large) read-out law: values abar_1,..,abar_K of a_j = abar_j/sqrt(N) [default: 1]", 0, 0 },
    { "--readout-weights", 1, NULL, "(onestep --large) weights of the read-out law [default: equal]", 0, 0 },
    { "--out", 1, "-", "output CSV file ('-' = stdout)", 0, 0 },
    { "--plot", 1, NULL, "figure FILE.png|svg|pdf (gnuplot script kept beside it as FILE.png.gp)", 0, 0 },
    { "--simulate", 0, NULL, "simulate the two-layer network and compare", 0, 0 },
    { "--d", 1, "600", "simulation: input dimension d (N, n, n_g = round(ratio d))", 0, 0 },
    { "--seeds", 1, "20", "simulation: independent replicates (>= 20 for verdicts)", 0, 0 },
    { "--seed", 1, "1", "simulation: master seed", 0, 0 },
    { "--n-test", 1, "6000", "simulation: test samples", 0, 0 },
  };
  memcpy(o, def, sizeof def);
  const int onestep_only[] = { O_BATCH, O_ETA, O_LARGE, O_RSUPPORT, O_RWEIGHTS };
  for (size_t k = 0; !onestep && k < sizeof onestep_only / sizeof *onestep_only; k++)
    o[onestep_only[k]].help = NULL;   /* refused by parse_job, not listed by --help */
}

static int check_value(int k, double v)
{
  if (k <= P_BATCH)
    return cli_range(flags[k], v, CLI_RATIO_MIN, CLI_RATIO_MAX, 0);
  return cli_range(flags[k], v, 0.0, CLI_PARAM_MAX, 0);
}

static int check_values(const risk_job *job)
{
  for (int k = 0; k < P_N; k++) {
    if ((k == P_BATCH && !job->batch_given) || (k == P_ETA && !job->onestep))
      continue;
    if (cli_sweep_check(&job->sw, k, job->p[k], check_value))
      return CLI_EXIT_USAGE;
  }
  return CLI_EXIT_OK;
}

static int parse_job(risk_job *job, cli_opt *o)
{
  int opt[P_N] = { O_WIDTH, O_SAMPLE, O_BATCH, O_LAMBDA, O_NOISE, O_ETA }, rc;
  if ((rc = cli_act(o[O_ACT].value, "--act", 0, &job->act)) ||
      (rc = cli_act(o[O_TEACHER].value, "--teacher", 0, &job->teacher)))
    return rc;
  deq_act_name(&job->act, job->actname, sizeof job->actname);
  snprintf(job->act_text, sizeof job->act_text, "%s", o[O_ACT].value);
  snprintf(job->teacher_text, sizeof job->teacher_text, "%s", o[O_TEACHER].value);
  deq_act_name(&job->teacher, job->teachername, sizeof job->teachername);
  cli_sweep_init(&job->sw);
  job->batch_given = o[O_BATCH].value != NULL;
  for (int k = 0; k < P_N; k++) {
    const char *v = o[opt[k]].value;
    if ((k == P_BATCH || k == P_ETA) && !job->onestep && o[opt[k]].seen) {
      cli_errorf("%s: only for deqnn onestep", flags[k]);
      return CLI_EXIT_USAGE;
    }
    if (v != NULL && (rc = cli_sweep_parse(&job->sw, flags, k, v, &job->p[k])))
      return rc;
  }
  job->large = o[O_LARGE].seen;
  if (job->large && !job->onestep) {
    cli_errorf("--large: only for deqnn onestep");
    return CLI_EXIT_USAGE;
  }
  if ((o[O_RSUPPORT].seen || o[O_RWEIGHTS].seen) && !job->large) {
    cli_errorf("%s: only with onestep --large", o[O_RSUPPORT].seen ? "--readout-support"
                                                                  : "--readout-weights");
    return CLI_EXIT_USAGE;
  }
  if (o[O_RWEIGHTS].seen && !o[O_RSUPPORT].seen) {
    cli_errorf("--readout-weights: needs --readout-support");
    return CLI_EXIT_USAGE;
  }
  if (o[O_RSUPPORT].seen &&
      (rc = cli_law_parse("--readout-support", o[O_RSUPPORT].value, "--readout-weights",
                          o[O_RWEIGHTS].value, job->support, job->weights, &job->ngroups)))
    return rc;
  if (job->large && (rc = risk_large_check(job)))
    return rc;
  cli_sim_opts so = { &job->simulate, &job->d, &job->seeds, &job->seed, &job->n_test };
  if ((rc = cli_sim_sizes(o, O_NOPT, "--simulate", RISK_MAXSEEDS, &so)))
    return rc;
  if ((rc = check_values(job)))
    return rc;
  return job->simulate ? risk_simulate_check(job) : CLI_EXIT_OK;
}

static void job_free(risk_job *job)
{
  cli_sweep_free(&job->sw);
  deq_rf_model_free(job->model);
  deq_srf_plan_free(job->plan);
  free(job->rows);
  free(job->res);
}

static void print_summary(const risk_job *job)
{
  const char *name = job->sw.sweep >= 0 ? risk_param_names[job->sw.sweep] : "row";
  fprintf(stderr, "%-12s %12s %12s %10s %10s %8s  %s\n", name, "R theory", "R sim", "SE",
          "bound", "z", "verdict");
  for (size_t i = 0; i < job->nrows; i++) {
    const risk_row *r = &job->rows[i];
    char z[16] = "-", th[24];
    snprintf(th, sizeof th, "%.6g", r->th.risk.val);
    if (r->verdict_applies && !isnan(r->z))
      snprintf(z, sizeof z, "%.2f", r->z);
    fprintf(stderr, "%-12.6g %12s %12.6g %10.3g %10.3g %8s  %s%s\n",
            job->sw.sweep >= 0 ? job->sw.grid->x[i] : (double) i, th, r->sim[0][0], r->sim[0][1],
            r->bound, z, !r->verdict_applies ? "n/a" : r->pass ? "pass" : "FAIL",
            job->seeds < 20 && r->verdict_applies ? " (fewer than 20 seeds)" : "");
  }
}

static int plot_risk(const void *arg, const char *csv, const char *plot)
{
  const risk_job *job = arg;
  const char *x = job->sw.sweep >= 0 ? risk_param_names[job->sw.sweep] : risk_param_names[P_WIDTH];
  size_t k = 0;
  const char *y[7], *st[7], *ti[7];
  y[k] = "risk", st[k] = "lines lw 2 lc rgb '#1f4e9e'", ti[k++] = job->large ?
         "test risk (theory: spiked RF, S21)" : "test risk (theory)";
  y[k] = "train_error", st[k] = "lines lw 1.5 dt 2 lc rgb '#1f4e9e'", ti[k++] = "training error (theory)";
  if (job->onestep) {
    y[k] = "rf_risk", st[k] = "lines lw 1 lc rgb '#7f7f7f'", ti[k++] = "random features (eta = 0)";
    y[k] = "kernel_limit", st[k] = "lines lw 1 dt 4 lc rgb '#2ca02c'", ti[k++] = "rotation-invariant kernel";
    y[k] = "best_linear", st[k] = "lines lw 1 dt 3 lc rgb '#000000'", ti[k++] = "best linear";
  }
  char simti[160];
  snprintf(simti, sizeof simti, "test risk (simulation, d = %ld, %ld seeds, +- SE)", job->d,
           job->seeds);
  if (job->simulate) {
    y[k] = "sim_risk':'sim_risk_se", st[k] = "yerrorbars pt 7 ps 0.6 lc rgb '#d95f02'";
    ti[k++] = simti;
  }
  char title[1024], key[1536];
  /* the fixed parameters on the title's second line */
  size_t len = (size_t) snprintf(title, sizeof title, "%s: student %s, teacher %s\n",
                                 job->onestep ? (job->large ? "one large step" :
                                 "one gradient step") : "random features", job->act_text,
                                 job->teacher_text);
  int first = 1;
  for (int q = 0; q < P_N && len < sizeof title; q++)
    if (q != job->sw.sweep && (job->onestep || (q != P_BATCH && q != P_ETA))) {
      len += (size_t) snprintf(title + len, sizeof title - len, "%s%s = %g", first ? "" : ", ",
                               risk_param_names[q], q == P_BATCH && !job->batch_given ?
                               job->p[P_SAMPLE] : job->p[q]);
      first = 0;
    }
  key[0] = '\0';
  len = 0;
  if (job->simulate && len < sizeof key)   /* points at the ends keep their error bars */
    len += (size_t) snprintf(key + len, sizeof key - len, "set offsets graph 0.02, graph 0.02, 0, 0\n");
  /* a risk spanning more than two decades (the ridgeless peak) on a log axis */
  double lo = INFINITY, hi = 0.0;
  for (size_t i = 0; i < job->nrows; i++) {
    double v = job->rows[i].th.risk.val;
    if (isfinite(v) && v > 0)
      lo = v < lo ? v : lo, hi = v > hi ? v : hi;
  }
  if (hi > PLOT_LOGY_SPAN * lo && len < sizeof key)
    len += (size_t) snprintf(key + len, sizeof key - len, "set logscale y\n");
  /* ridgeless: the interpolation threshold N = n (width_ratio = sample_ratio) */
  int ws = job->sw.sweep == P_WIDTH || job->sw.sweep == P_SAMPLE;
  if (!job->onestep && ws && job->p[P_LAMBDA] == 0.0 && len < sizeof key)
    snprintf(key + len, sizeof key - len, "set arrow from %.17g, graph 0 to %.17g, graph 1 "
             "nohead dt 2 lc rgb '#7f7f7f'\nset label 'interpolation threshold N = n' at "
             "%.17g, graph 0.04 left offset 0.5,0 tc rgb '#7f7f7f' noenhanced\n",
             job->p[job->sw.sweep == P_WIDTH ? P_SAMPLE : P_WIDTH],
             job->p[job->sw.sweep == P_WIDTH ? P_SAMPLE : P_WIDTH],
             job->p[job->sw.sweep == P_WIDTH ? P_SAMPLE : P_WIDTH]);
  return cli_plot(csv, plot, title, x, "excess risk", x, y, st, ti, k, job->sw.logx, key);
}

static int write_outputs(risk_job *job, cli_ctx *ctx, const char *out, const char *plot)
{
  deq_table *t = NULL;
  int rc = risk_table(job, ctx, &t);
  if (t == NULL)
    return CLI_EXIT_FAIL;
  return cli_exit_merge(cli_emit(ctx, t, out, plot, plot_risk, job), rc);
}

static int model_alloc(void *arg)
{
  risk_job *job = arg;
  return deq_rf_model_alloc(&job->act, &job->teacher, NULL, &job->model);
}

int cli_cmd_risk(cli_ctx *ctx, int onestep, int argc, char **argv)
{
  cli_opt o[O_NOPT];
  risk_job job;
  memset(&job, 0, sizeof job);
  job.onestep = onestep;
  job.mp = cli_ctx_ranks(ctx);
  options(o, onestep);
  const char *cmd = onestep ? "onestep" : "rf";
  int rc = cli_parse(cmd, argc, argv, o, O_NOPT);
  if (rc)
    return rc < 0 ? CLI_EXIT_OK : rc;
  if ((rc = parse_job(&job, o)) ||
      (cli_writes(ctx) && (rc = cli_outputs_check(o[O_OUT].value, o[O_PLOT].value, 0))) ||
      (ctx->rank != 0 && !job.simulate)) {   /* MPI: a theory runs on rank 0 alone */
    job_free(&job);
    return rc;
  }
  if ((rc = cli_quiet(model_alloc, &job, "--act"))) {
    job_free(&job);
    return rc;
  }
  rc = risk_theory(&job);
  if (rc == CLI_EXIT_USAGE) {
    job_free(&job);
    return rc;
  }
  if (job.simulate && !ctx->dry) {
    int src = risk_simulate(&job);
    if (src == CLI_EXIT_USAGE || !job.rows[0].simulated) {
      job_free(&job);
      return src ? src : CLI_EXIT_FAIL;
    }
    if (cli_writes(ctx) && ctx->rank == 0)
      print_summary(&job);
    if (ctx->capture)
      src = cli_exit_merge(src, risk_seeds_table(&job, ctx));
    rc = cli_exit_merge(rc, src);
  }
  if (ctx->rank == 0)   /* MPI: rank 0 reports and writes the outputs */
    rc = cli_exit_merge(rc, write_outputs(&job, ctx, o[O_OUT].value, o[O_PLOT].value));
  job_free(&job);
  return rc;
}

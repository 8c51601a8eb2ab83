/* deqnn spiked: spiked random features after one large gradient step (spiked_rf). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/spiked.h"

const char *const srf_param_names[SRF_N] = { "spike", "bulk_variance", "alignment",
                                             "width_ratio", "sample_ratio", "lambda", "noise" };
const char *const srf_flags[SRF_N] = { "--spike", "--bulk-variance", "--alignment",
                                       "--width-ratio", "--sample-ratio", "--lambda", "--noise" };

enum { O_ACT, O_TEACHER, O_SPIKE, O_BULK, O_ALIGN, O_WIDTH, O_SAMPLE, O_LAMBDA, O_NOISE, O_X,
       O_STATS, O_OUT, O_PLOT, O_SIM, O_D, O_SEEDS, O_SEED, O_NTEST, O_SUPPORT, O_SWEIGHTS,
       O_NOPT };

static void options(cli_opt *o)
{
  cli_opt def[O_NOPT] = {
    { "--act", 1, "tanh", "activation sigma (used as given): linear relu tanh erf sigmoid softplus he2 poly:c0,..", 0, 0 },
    { "--teacher", 1, "poly:0,1,0.5", "teacher f*: an activation or poly:c0,c1,c2,c3 (Hermite)", 0, 0 },
    { "--spike", 1, "1", "spike r >= 0 of W = sqrt(c) W0 + r 1 v^T (value, A:B:K, A:B:K:log or list)", 0, 0 },
    { "--bulk-variance", 1, "1", "bulk variance c >= 1", 0, 0 },
    { "--alignment", 1, "1", "alignment gamma = <theta, v> in [0, 1] (risk only)", 0, 0 },
    { "--width-ratio", 1, "1.2", "p/d", 0, 0 },
    { "--sample-ratio", 1, "1.5", "n/d (as in deqnn rf); the spec's psi = p/n", 0, 0 },
    { "--lambda", 1, "0.05", "ridge penalty > 0 (risk only)", 0, 0 },
    { "--noise", 1, "0", "label-noise variance Delta >= 0 of the training labels (risk only)", 0, 0 },
    { "--x", 1, NULL, "grid A:B:K, A:B:K:log or x1,..: the bulk density of S = F^T F/n instead of the risk", 0, 0 },
    { "--stats", 1, NULL, "lambda1,..: (1/p) tr (S + lambda)^-1 = m(-lambda) instead of the risk", 0, 0 },
    { "--out", 1, "-", "output CSV file ('-' = stdout)", 0, 0 },
    { "--plot", 1, NULL, "figure FILE.png|svg|pdf (gnuplot script kept beside it as FILE.png.gp)", 0, 0 },
    { "--simulate", 0, NULL, "simulate the spiked model (risk table or --x) and compare", 0, 0 },
    { "--d", 1, "1000", "simulation: input dimension d (p, n = round(ratio d))", 0, 0 },
    { "--seeds", 1, "10", "simulation: independent replicates (>= 10 for verdicts)", 0, 0 },
    { "--seed", 1, "1", "simulation: master seed", 0, 0 },
    { "--n-test", 1, "4000", "simulation: test samples", 0, 0 },
    { "--spike-support", 1, "1", "spike law: the values a1,..,aK of abar (u_j = r abar_j; K <= 16, distinct, finite), or 'gaussian' (abar ~ N(0,1): the bulk only (--x, --stats), approximate)", 0, 0 },
    { "--spike-weights", 1, NULL, "spike law: probabilities p1,..,pK of a1,..,aK (>= 0, normalised) [default: equal]", 0, 0 },
  };
  memcpy(o, def, sizeof def);
}

static int check_value(int k, double v)
{
  static const double lo[SRF_N] = { 0, 1, 0, CLI_RATIO_MIN, CLI_RATIO_MIN, 0, 0 };
  static const double hi[SRF_N] = { CLI_PARAM_MAX, CLI_PARAM_MAX, 1, CLI_RATIO_MAX,
                                    CLI_RATIO_MAX, CLI_PARAM_MAX, CLI_PARAM_MAX };
  return cli_range(srf_flags[k], v, lo[k], hi[k], k == SRF_LAMBDA);
}

/* The spectrum does not read the ridge, the labels or the alignment: refused, not recorded. */
static int check_mode(const srf_job *job, const cli_opt *o)
{
  const int risk_only[] = { O_TEACHER, O_ALIGN, O_LAMBDA, O_NOISE };
  if (o[O_X].seen && o[O_STATS].seen) {
    cli_errorf("--stats: not with --x (one table per run)");
    return CLI_EXIT_USAGE;
  }
  if (job->mode == SRF_STATS && o[O_PLOT].seen) {
    cli_errorf("--plot: draws a curve; it does not apply with --stats");
    return CLI_EXIT_USAGE;
  }
  for (size_t k = 0; job->mode != SRF_RISK && k < sizeof risk_only / sizeof *risk_only; k++)
    if (o[risk_only[k]].seen) {
      cli_errorf("%s: enters the risk only; it does not apply with %s", o[risk_only[k]].name,
                 job->mode == SRF_DENSITY ? "--x" : "--stats");
      return CLI_EXIT_USAGE;
    }
  if (job->mode != SRF_RISK && job->sw.sweep >= 0) {
    cli_errorf("%s: a grid is for the risk table; with %s give one value", srf_flags[job->sw.sweep],
               job->mode == SRF_DENSITY ? "--x" : "--stats");
    return CLI_EXIT_USAGE;
  }
  return CLI_EXIT_OK;
}

/* mu1(r kappa)^2 or mus2 unbounded in kappa (polynomial sigma of degree >= 2, r > 0): the
 * density has a thin tail and no edge (spiked_rf section 3). */
static int check_profile(const srf_job *job)
{
  int poly2 = job->act.kind == DEQ_ACT_HE2 ||
              (job->act.kind == DEQ_ACT_POLY && (job->act.c[2] != 0 || job->act.c[3] != 0));
  if (job->mode != SRF_DENSITY || !poly2 || job->p[SRF_SPIKE] == 0)
    return CLI_EXIT_OK;
  cli_errorf("--act: %s with spike %g > 0 has an unbounded variance profile: the bulk has no edge "
             "and a finite sample stops far below the limit's tail (spiked_rf section 3); the "
             "risk (without --x) and --stats hold", job->actname, job->p[SRF_SPIKE]);
  return CLI_EXIT_USAGE;
}

/* --spike-support gaussian: the continuous second layer of spiked_finite_support section 7.
 * Its K-group quadrature converges for the bulk (F19) but not for the outliers and the risk
 * (K -> infinity does not commute with p -> infinity): the risk, the simulation and the
 * weights are refused; the bulk is computed with SRF_GAUSS_GROUPS groups and the difference
 * to half as many is added to err. */
static int parse_gaussian(srf_job *job, const cli_opt *o)
{
  if (o[O_SWEIGHTS].seen) {
    cli_errorf("--spike-weights: not with --spike-support gaussian (the law is N(0, 1))");
    return CLI_EXIT_USAGE;
  }
  if (job->mode == SRF_RISK) {
    cli_errorf("--spike-support gaussian: the test and training errors are not available for "
               "a continuous second layer: the K-group quadrature converges for the bulk only "
               "(spiked_finite_support section 7: the outliers and the risk need the "
               "intermediate spikes of the continuous mean kernel); use --x (density) or "
               "--stats (m(-lambda)), labelled approximate, or a finite --spike-support");
    return CLI_EXIT_USAGE;
  }
  if (o[O_SIM].seen) {
    cli_errorf("--simulate: not with --spike-support gaussian (the bulk is approximate, "
               "~1.4%% against simulation: docs/spiked.md, section 'Gaussian second layer')");
    return CLI_EXIT_USAGE;
  }
  job->gaussian = 1;
  int s = deq_srf_law_gaussian(&job->act, SRF_GAUSS_GROUPS, job->support, job->weights,
                               &job->ngroups);
  s = deq_status_merge(s, deq_srf_law_gaussian(&job->act, SRF_GAUSS_GROUPS / 2, job->support_h,
                                               job->weights_h, &job->ngroups_h));
  return cli_exit_status(s);
}

/* --spike-support and --spike-weights (spiked_finite_support section 1). */
static int parse_law(srf_job *job, const cli_opt *o)
{
  if (strcmp(o[O_SUPPORT].value, "gaussian") == 0)
    return parse_gaussian(job, o);
  return cli_law_parse("--spike-support", o[O_SUPPORT].value, "--spike-weights",
                       o[O_SWEIGHTS].value, job->support, job->weights, &job->ngroups);
}

static int parse_params(srf_job *job, const cli_opt *o)
{
  int rc;
  cli_sweep_init(&job->sw);
  for (int k = 0; k < SRF_N; k++)
    if ((rc = cli_sweep_parse(&job->sw, srf_flags, k, o[O_SPIKE + k].value, &job->p[k])))
      return rc;
  for (int k = 0; k < SRF_N; k++)
    if (cli_sweep_check(&job->sw, k, job->p[k], check_value))
      return CLI_EXIT_USAGE;
  return CLI_EXIT_OK;
}

/* --simulate and its sizes, the memory of the whole job checked before any work. */
static int parse_sim(srf_job *job, const cli_opt *o)
{
  int rc;
  cli_sim_opts so = { &job->simulate, &job->d, &job->seeds, &job->seed, &job->n_test };
  if ((rc = cli_sim_sizes(o, O_NOPT, "--simulate", SRF_MAXSEEDS, &so)))
    return rc;
  if (!job->simulate)
    return CLI_EXIT_OK;
  if (job->mode == SRF_STATS) {
    cli_errorf("--simulate: the risk table or --x; it does not apply with --stats");
    return CLI_EXIT_USAGE;
  }
  srf_realise(job, job->p);
  return srf_simulate_check(job);
}

static int parse_job(srf_job *job, const cli_opt *o)
{
  int rc;
  if ((rc = cli_act(o[O_ACT].value, "--act", 0, &job->act)) ||
      (rc = cli_act(o[O_TEACHER].value, "--teacher", 0, &job->teacher)))
    return rc;
  deq_act_name(&job->act, job->actname, sizeof job->actname);
  deq_act_name(&job->teacher, job->teachername, sizeof job->teachername);
  job->mode = o[O_X].seen ? SRF_DENSITY : o[O_STATS].seen ? SRF_STATS : SRF_RISK;
  if ((rc = parse_law(job, o)) || (rc = parse_params(job, o)) || (rc = check_mode(job, o)) ||
      (rc = check_profile(job)))
    return rc;
  if (job->mode == SRF_STATS)
    return (rc = parse_sim(job, o)) ? rc
           : cli_stats_parse(o[O_STATS].value, job->lambda, SRF_MAXLAM, &job->nlam);
  if (job->mode == SRF_DENSITY && deq_grid_parse(o[O_X].value, "--x", &job->x))
    return CLI_EXIT_USAGE;
  return parse_sim(job, o);
}

static void job_free(srf_job *job)
{
  cli_sweep_free(&job->sw);
  deq_grid_free(job->x);
  deq_srf_plan_free(job->plan);
  deq_srf_plan_free(job->plan_h);
  free(job->risk);
  free(job->rowp);
  free(job->val);
  free(job->status);
  free(job->sim);
  free(job->hist);
  free(job->hist_se);
  free(job->seed_res);
}

/* "r = 1, c = 1, ..." for the first np parameters, the swept one left out. */
static void key_params(const srf_job *job, int np, char *buf, size_t n)
{
  static const char *const sym[SRF_N] = { "r", "c", "γ", "p/d", "n/d", "λ", "Δ" };
  size_t u = 0;
  buf[0] = '\0';
  for (int k = 0; k < np && u < n; k++)
    if (k != job->sw.sweep)
      u += (size_t) snprintf(buf + u, n - u, "%s%s = %g", u ? ", " : "", sym[k], job->p[k]);
}

/* The spike law for a title, " (ā: 0 (0.5), 1 (0.5))"; empty for the constant spike. */
static void law_text(const srf_job *job, char *buf, size_t n)
{
  size_t u = 0;
  buf[0] = '\0';
  if (job->ngroups == 1 && job->support[0] == 1.0)
    return;
  if (job->gaussian) {
    snprintf(buf, n, " (ā ~ N(0,1), approximate)");
    return;
  }
  for (size_t k = 0; k < job->ngroups && u < n; k++)
    u += (size_t) snprintf(buf + u, n - u, "%s%g (%.3g)", k ? ", " : " (ā: ", job->support[k],
                           job->weights[k]);
  if (u < n)
    snprintf(buf + u, n - u, ")");
}

static int plot_density(const void *arg, const char *csv, const char *plot)
{
  const srf_job *job = arg;
  char key[256], ti0[320], ti1[320], title[1024], edge[256] = "";
  key_params(job, SRF_SAMPLE + 1, key, sizeof key);
  snprintf(ti0, sizeof ti0, "bulk density (%s)", key);
  const srf_simstat *l1 = &job->stat[SRF_ST_L1];
  if (job->simulated)   /* the mean outlier is O(p): off scale, noted in the key */
    snprintf(ti1, sizeof ti1, "eigenvalues of S, d = %ld, %ld seeds; top eigenvalue %.4g ± %.2g "
             "(S13: %.4g), off scale", job->d, job->seeds, l1->mean, l1->se, l1->theory);
  /* the simulation first, the theory drawn over it */
  const char *y[] = { "sim_density", "density" }, *ti[] = { ti1, ti0 };
  const char *st[] = { "histeps lw 1.2 lc rgb '#d95f02'", "lines lw 2 lc rgb '#1f4e9e'" };
  if (job->edge_status == DEQ_SUCCESS)
    snprintf(edge, sizeof edge, "set arrow from %.17g, graph 0 to %.17g, graph 1 nohead dt 2 "
             "lw 1.5 lc rgb '#b2182b'\nset label 'edge %.5g' at %.17g, graph 0.85 right offset "
             "-0.5,0 tc rgb '#b2182b'", job->edge.val, job->edge.val, job->edge.val, job->edge.val);
  char law[320];
  law_text(job, law, sizeof law);
  snprintf(title, sizeof title, "spiked random features: spectrum of S = F^T F/n, sigma %s%s",
           job->actname, law);
  int k0 = job->simulated ? 0 : 1;
  return cli_plot(csv, plot, title, "eigenvalue x", "density", "x", y + k0, st + k0, ti + k0,
                  (size_t) (2 - k0), 0, edge[0] ? edge : NULL);
}

static int plot_risk(const void *arg, const char *csv, const char *plot)
{
  const srf_job *job = arg;
  const char *x = srf_param_names[job->sw.sweep >= 0 ? job->sw.sweep : SRF_WIDTH];
  const char *y[] = { "test_error", "train_error", "sim_test_error':'sim_test_error_se",
                      "sim_train_error':'sim_train_error_se" };
  const char *st[] = { "lines lw 2 lc rgb '#1f4e9e'", "lines lw 1.5 dt 2 lc rgb '#1f4e9e'",
                       "yerrorbars pt 7 ps 0.6 lc rgb '#d95f02'",
                       "yerrorbars pt 6 ps 0.6 lc rgb '#d95f02'" };
  const char *ti[] = { "test error (noiseless labels)", "training error",
                       "test error (simulation, +- SE)", "training error (simulation, +- SE)" };
  char title[1024], key[256], law[320];
  key_params(job, SRF_N, key, sizeof key);
  law_text(job, law, sizeof law);
  snprintf(title, sizeof title, "spiked random features: sigma %s%s, teacher %s, %s",
           job->actname, law, job->teachername, key);
  return cli_plot(csv, plot, title, x, "error", x, y, st, ti, job->simulated ? 4 : 2,
                  job->sw.logx, NULL);
}

/* The plan of the first row, before any work: an activation the theory cannot use (constant
 * on the Gaussian, moments that overflow) is bad input. */
static int first_plan(void *arg)
{
  srf_job *job = arg;
  double p[SRF_N];
  memcpy(p, job->p, sizeof p);
  cli_sweep_row(&job->sw, 0, p);
  return srf_plan(job, p);
}

int cli_cmd_spiked(cli_ctx *ctx, int argc, char **argv)
{
  cli_opt o[O_NOPT];
  srf_job job;
  memset(&job, 0, sizeof job);
  job.mp = cli_ctx_ranks(ctx);
  options(o);
  int rc = cli_parse("spiked", argc, argv, o, O_NOPT);
  if (rc)
    return rc < 0 ? CLI_EXIT_OK : rc;
  cli_sweep_init(&job.sw);
  if ((rc = parse_job(&job, o)) ||
      (cli_writes(ctx) && (rc = cli_outputs_check(o[O_OUT].value, o[O_PLOT].value, 0))) ||
      (ctx->rank != 0 && !job.simulate) ||   /* MPI: a theory runs on rank 0 alone */
      (rc = cli_quiet(first_plan, &job, "--act, --teacher"))) {
    job_free(&job);
    return rc;
  }
  rc = srf_theory(&job);
  if (rc != CLI_EXIT_USAGE && job.simulate && !ctx->dry) {
    int src = srf_simulate(&job);
    if (job.simulated && cli_writes(ctx) && ctx->rank == 0)
      srf_print_summary(&job);
    if (job.simulated && ctx->capture)
      src = cli_exit_merge(src, srf_seeds_table(&job, ctx));
    rc = cli_exit_merge(rc, src);
  }
  if (rc != CLI_EXIT_USAGE && ctx->rank == 0) {   /* MPI: rank 0 writes the outputs */
    deq_table *t = NULL;
    int trc = srf_table(&job, ctx, &t);
    rc = cli_exit_merge(rc, t == NULL ? CLI_EXIT_FAIL : trc);
    if (t != NULL)
      rc = cli_exit_merge(rc, cli_emit(ctx, t, o[O_OUT].value, o[O_PLOT].value,
                                       job.mode == SRF_DENSITY ? plot_density : plot_risk, &job));
  }
  job_free(&job);
  return rc;
}

/* deqnn train: spectra of a two-layer network during training, with theory overlays
 * (training_spectra.md). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/train.h"
#include "deqnn/grid.h"

enum { O_ACT, O_TEACHER, O_NOISE, O_SAMPLE, O_WIDTH, O_OPT, O_LR, O_STEPS, O_RECORD, O_BATCH,
       O_CENTRED, O_READOUT, O_N, O_NTEST, O_SEED, O_SEEDS, O_OUT, O_PLOT, O_SUMMARY, O_NOPT };

static void options(cli_opt *o)
{
  cli_opt def[O_NOPT] = {
    { "--act", 1, "tanh", "student activation (normalised: E sigma = 0, E sigma^2 = 1)", 0, 0 },
    { "--teacher", 1, "tanh", "teacher sigma_t (as given): an activation or poly:c0,c1,c2,c3", 0, 0 },
    { "--noise", 1, "0.09", "label-noise variance tau^2 >= 0", 0, 0 },
    { "--sample-ratio", 1, "1.6", "n/d0", 0, 0 },
    { "--width-ratio", 1, "2", "d1/d0", 0, 0 },
    { "--opt", 1, "gd", "optimiser: gd, sgd (batches without replacement) or adam", 0, 0 },
    { "--lr", 1, "0.3", "learning rate: theta_lr for gd/sgd (eta = theta_lr n), the step size for adam", 0, 0 },
    { "--steps", 1, "20", "optimiser steps K", 0, 0 },
    { "--record", 1, NULL, "steps t1,t2,.. to record (each in [0, K]) [default: 0,1,K]", 0, 0 },
    { "--batch", 1, NULL, "(sgd) batch size B in [1, n] [default: n/8]", 0, 0 },
    { "--centred", 0, NULL, "train f_W - f_W0 (the one-step spike experiments, S13-S15)", 0, 0 },
    { "--readout", 1, "gaussian", "second layer a: gaussian or rademacher", 0, 0 },
    { "--n", 1, "800", "samples n (d0 = round(n/sample_ratio), d1 = round(width_ratio d0))", 0, 0 },
    { "--n-test", 1, "1000", "test samples", 0, 0 },
    { "--seed", 1, "1", "master seed (replicate r: stream (seed, r))", 0, 0 },
    { "--seeds", 1, "3", "independent replicates", 0, 0 },
    { "--out", 1, "-", "output CSV (one row per recorded step and seed; FILE.summary.csv beside it)", 0, 0 },
    { "--plot", 1, NULL, "figure FILE.png|svg|pdf: spectra over the theory, statistics against the step", 0, 0 },
    { "--summary", 0, NULL, "write the summary table (theory, mean, SE, verdicts) to --out instead", 0, 0 },
  };
  memcpy(o, def, sizeof def);
}

static int parse_opt(const char *text, deq_train_opt *opt)
{
  static const char *const names[] = { "gd", "sgd", "adam" };
  for (int k = 0; k < 3; k++)
    if (strcmp(text, names[k]) == 0) {
      *opt = (deq_train_opt) k;
      return CLI_EXIT_OK;
    }
  cli_errorf("--opt: '%s' is not an optimiser (gd, sgd or adam)", text);
  return CLI_EXIT_USAGE;
}

/* --record: integers in [0, K], increasing, at most TRAIN_MAXREC. */
static int parse_record(train_job *job, const char *text)
{
  double v[TRAIN_MAXREC];
  size_t n = 0;
  if (text == NULL) {
    long def[3] = { 0, 1, job->steps };
    for (int k = 0; k < 3; k++)
      if (job->nrec == 0 || def[k] > job->rec[job->nrec - 1])
        job->rec[job->nrec++] = def[k];
    return CLI_EXIT_OK;
  }
  if (deq_parse_list(text, "--record", v, TRAIN_MAXREC, &n))
    return CLI_EXIT_USAGE;
  for (size_t k = 0; k < n; k++) {
    if (v[k] != floor(v[k]) || v[k] < 0 || v[k] > (double) job->steps) {
      cli_errorf("--record: step %g is not an integer in [0, --steps %ld]", v[k], job->steps);
      return CLI_EXIT_USAGE;
    }
    job->rec[job->nrec++] = (long) v[k];
  }
  return CLI_EXIT_OK;
}

static size_t round_size(double v)
{
  double r = floor(v + 0.5);
  return r < 1 ? 1 : (size_t) r;
}

/* Sizes: n given, d0 = round(n / sample_ratio), d1 = round(width_ratio d0). */
static int sizes(train_job *job, long n)
{
  deq_trainsim_spec *s = &job->spec;
  s->n = (size_t) n;
  s->d0 = round_size((double) n / job->sample_ratio);
  s->d1 = round_size(job->width_ratio * (double) s->d0);
  if (s->d0 < 2 || s->d1 < 2 || s->d0 > 20000 || s->d1 > 20000) {
    cli_errorf("--sample-ratio, --width-ratio: with --n %ld the sizes are d0 = %zu, d1 = %zu; "
               "each must lie in [2, 20000]", n, s->d0, s->d1);
    return CLI_EXIT_USAGE;
  }
  return CLI_EXIT_OK;
}

static int parse_numbers(train_job *job, cli_opt *o)
{
  long n, nt;
  int rc;
  if ((rc = cli_double(o, O_NOPT, "--noise", &job->noise)) ||
      (rc = cli_range("--noise", job->noise, 0, CLI_PARAM_MAX, 0)) ||
      (rc = cli_double(o, O_NOPT, "--sample-ratio", &job->sample_ratio)) ||
      (rc = cli_range("--sample-ratio", job->sample_ratio, CLI_RATIO_MIN, CLI_RATIO_MAX, 0)) ||
      (rc = cli_double(o, O_NOPT, "--width-ratio", &job->width_ratio)) ||
      (rc = cli_range("--width-ratio", job->width_ratio, CLI_RATIO_MIN, CLI_RATIO_MAX, 0)) ||
      (rc = cli_double(o, O_NOPT, "--lr", &job->spec.lr)) ||
      (rc = cli_range("--lr", job->spec.lr, 0, CLI_PARAM_MAX, 1)) ||
      (rc = cli_long(o, O_NOPT, "--steps", 0, 1000000, &job->steps)) ||
      (rc = cli_long(o, O_NOPT, "--n", 2, 20000, &n)) ||
      (rc = cli_long(o, O_NOPT, "--n-test", 10, 10000000, &nt)) ||
      (rc = cli_long(o, O_NOPT, "--seed", 0, 2147483647L, &job->seed)) ||
      (rc = cli_long(o, O_NOPT, "--seeds", 2, TRAIN_MAXSEEDS, &job->seeds)))
    return rc;
  job->spec.n_test = (size_t) nt;
  return sizes(job, n);
}

static int parse_batch(train_job *job, const cli_opt *o)
{
  long b = (long) (job->spec.n / 8 > 0 ? job->spec.n / 8 : 1);
  if (o[O_BATCH].seen && job->spec.opt != DEQ_TRAIN_SGD) {
    cli_errorf("--batch: only with --opt sgd (gd and adam use all n samples)");
    return CLI_EXIT_USAGE;
  }
  if (o[O_BATCH].seen && cli_long(o, O_NOPT, "--batch", 1, (long) job->spec.n, &b))
    return CLI_EXIT_USAGE;
  job->spec.batch = (size_t) b;
  return CLI_EXIT_OK;
}

static int parse_job(train_job *job, cli_opt *o)
{
  int rc;
  deq_trainsim_spec_init(&job->spec);
  if ((rc = cli_act(o[O_ACT].value, "--act", 1, &job->act)) ||
      (rc = cli_act(o[O_TEACHER].value, "--teacher", 0, &job->teacher)) ||
      (rc = parse_opt(o[O_OPT].value, &job->spec.opt)) || (rc = parse_numbers(job, o)) ||
      (rc = parse_batch(job, o)) || (rc = parse_record(job, o[O_RECORD].value)))
    return rc;
  const char *ro = o[O_READOUT].value;
  if (strcmp(ro, "gaussian") != 0 && strcmp(ro, "rademacher") != 0) {
    cli_errorf("--readout: '%s' is not gaussian or rademacher", ro);
    return CLI_EXIT_USAGE;
  }
  deq_act_name(&job->act, job->actname, sizeof job->actname);
  deq_act_name(&job->teacher, job->teachername, sizeof job->teachername);
  job->spec.act = job->act;
  job->spec.teacher = job->teacher;
  job->spec.noise = job->noise;
  job->spec.centred = o[O_CENTRED].seen;
  job->spec.rademacher = strcmp(ro, "rademacher") == 0;
  job->summary_only = o[O_SUMMARY].seen;
  if (job->summary_only && o[O_PLOT].seen) {
    cli_errorf("--plot: not with --summary (the figure reads the main table)");
    return CLI_EXIT_USAGE;
  }
  return CLI_EXIT_OK;
}

void train_job_free(train_job *job)
{
  for (int m = 0; m < 3; m++) {
    deq_cdf_free(job->cdf[m]);
    deq_pencil_free(job->pen[m]);
  }
  free(job->res);
  free(job->hist);
}

static void print_summary(const deq_table *t)
{
  long cs = deq_table_column(t, "stat"), cst = deq_table_column(t, "step");
  long cth = deq_table_column(t, "theory"), cm = deq_table_column(t, "sim_mean");
  long cse = deq_table_column(t, "sim_se"), cb = deq_table_column(t, "sim_bound");
  long cv = deq_table_column(t, "sim_verdict");
  fprintf(stderr, "%6s %-24s %12s %12s %10s %10s  %s\n", "step", "statistic", "theory", "sim",
          "SE", "bound", "verdict");
  for (size_t r = 0; r < t->nrows; r++) {
    const double *v = t->num + r * t->ncols;
    fprintf(stderr, "%6.0f %-24s %12.6g %12.6g %10.3g %10.3g  %s\n", v[cst],
            t->text[r * t->ncols + (size_t) cs], v[cth], v[cm], v[cse], v[cb],
            t->text[r * t->ncols + (size_t) cv]);
  }
}

static int plot_data_check(const char *plot)
{
  char path[CLI_PATHMAX + 16];
  if (plot == NULL)
    return CLI_EXIT_OK;
  snprintf(path, sizeof path, "%s.data.csv", plot);
  return cli_path_check(path, "--plot");
}

static int summary_path_check(const char *out, int summary_only)
{
  return summary_only ? CLI_EXIT_OK : cli_outputs_check(out, NULL, 1);
}

/* The main table (or the summary with --summary) to --out, the summary beside it, the figure. */
static int write_outputs(train_job *job, cli_ctx *ctx, const char *out, const char *plot)
{
  deq_table *main_t = NULL, *sum_t = NULL;
  int pass = 1, rc = train_summary_table(job, ctx, &sum_t, &pass);
  if (ctx->dry || job->summary_only) {
    if (sum_t == NULL)
      return CLI_EXIT_FAIL;
    if (job->simulated && cli_writes(ctx))
      print_summary(sum_t);
    return cli_exit_merge(cli_exit_merge(rc, pass ? 0 : CLI_EXIT_FAIL),
                          cli_emit(ctx, sum_t, out, NULL, NULL, NULL));
  }
  rc = cli_exit_merge(rc, train_main_table(job, ctx, &main_t));
  if (main_t == NULL || sum_t == NULL) {
    deq_table_free(main_t);
    deq_table_free(sum_t);
    return CLI_EXIT_FAIL;
  }
  if (job->simulated && !ctx->capture)
    print_summary(sum_t);
  if (ctx->capture)   /* handed to the caller */
    ctx->summary = sum_t, sum_t = NULL;
  else if (strcmp(out, "-") != 0) {
    char path[CLI_PATHMAX + 16];
    snprintf(path, sizeof path, "%s.summary.csv", out);
    rc = cli_exit_merge(rc, cli_write(sum_t, path, "--out"));
  }
  deq_table_free(sum_t);
  rc = cli_exit_merge(rc, cli_emit(ctx, main_t, out, NULL, NULL, NULL));
  if (!rc && plot != NULL && cli_writes(ctx))
    rc = train_plot(job, strcmp(out, "-") == 0 ? NULL : out, plot);
  return cli_exit_merge(rc, pass ? CLI_EXIT_OK : CLI_EXIT_FAIL);
}

/* MPI, ranks other than 0: the exit status of the summary's verdicts, no output. */
static int verdicts_only(train_job *job, cli_ctx *ctx)
{
  deq_table *t = NULL;
  int pass = 1, rc = train_summary_table(job, ctx, &t, &pass);
  rc = t == NULL ? CLI_EXIT_FAIL : cli_exit_merge(rc, pass ? CLI_EXIT_OK : CLI_EXIT_FAIL);
  deq_table_free(t);
  return rc;
}

int cli_cmd_train(cli_ctx *ctx, int argc, char **argv)
{
  cli_opt o[O_NOPT];
  train_job job;
  memset(&job, 0, sizeof job);
  job.mp = cli_ctx_ranks(ctx);
  options(o);
  int rc = cli_parse("train", argc, argv, o, O_NOPT);
  if (rc)
    return rc < 0 ? CLI_EXIT_OK : rc;
  if ((rc = parse_job(&job, o)) ||
      (cli_writes(ctx) && ((rc = cli_outputs_check(o[O_OUT].value, o[O_PLOT].value, 0)) ||
                     (rc = summary_path_check(o[O_OUT].value, job.summary_only)) ||
                     (rc = plot_data_check(o[O_PLOT].value)) ||
                     (rc = train_simulate_check(&job)))) ||
      (ctx->capture && (rc = train_simulate_check(&job)))) {
    train_job_free(&job);
    return rc;
  }
  rc = train_theory(&job);
  if (!rc && !ctx->dry && (rc = train_simulate(&job))) {
    train_job_free(&job);   /* the run failed (reported): no partial tables */
    return rc;
  }
  if (rc != CLI_EXIT_USAGE)   /* MPI: rank 0 writes the outputs */
    rc = cli_exit_merge(rc, ctx->rank == 0 ? write_outputs(&job, ctx, o[O_OUT].value,
                                                           o[O_PLOT].value)
                                           : verdicts_only(&job, ctx));
  train_job_free(&job);
  return rc;
}

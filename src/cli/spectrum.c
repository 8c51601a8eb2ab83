/* deqnn mp / ck / ntk: limit spectra, optionally against the simulated network. */
#include <complex.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/spectrum.h"
#include "deqnn/ck.h"
#include "deqnn/datapencil.h"
#include "deqnn/ntk.h"

enum { O_ACT, O_RATIOS, O_RATIO, O_INPUT, O_READOUT, O_X, O_OUT, O_PLOT, O_SIM, O_N,
       O_SEEDS, O_SEED, O_STATS, O_ISAMPLES, O_ISEED, O_INORM, O_IKERNEL, O_ISLOPE, O_NOPT };

static void options(cli_opt *o, const char *kind)
{
  int mp = strcmp(kind, "mp") == 0;
  cli_opt def[O_NOPT] = {
    { "--act", 1, mp ? "linear" : "tanh", "activation: linear relu tanh erf sigmoid softplus he2 poly:c0,..", 0, 0 },
    { "--ratios", 1, "0.5,0.8,1.2,1.71", "g0,g1,..,gL: g0 = n/d0, gl = n/dl (with --input FILE: g1,..,gL)", 0, 0 },
    { "--ratio", 1, "2.385", "(mp) gamma = n/d", 0, 0 },
    { "--input", 1, "gaussian", "input data: gaussian | orthonormal | FILE (csv, npy, idx, .gz; docs/data.md)", 0, 0 },
    { "--readout", 1, "rademacher", "(ntk simulation) read-out law: gaussian | rademacher", 0, 0 },
    { "--x", 1, NULL, "grid A:B:K, A:B:K:log or x1,x2,.. [default: the support +-5%, 400 points]", 0, 0 },
    { "--out", 1, "-", "output CSV file ('-' = stdout)", 0, 0 },
    { "--plot", 1, NULL, "figure FILE.png|svg|pdf (gnuplot script kept beside it as FILE.png.gp)", 0, 0 },
    { "--simulate", 0, NULL, "simulate the finite network and compare (with --input FILE: on the data, only the weights random)", 0, 0 },
    { "--n", 1, "2000", "simulation: samples n (widths dl = round(n/gl)); not with --input FILE (n is the data's)", 0, 0 },
    { "--seeds", 1, "10", "simulation: independent replicates", 0, 0 },
    { "--seed", 1, "1", "simulation: master seed", 0, 0 },
    { "--stats", 1, NULL, "lambda1,..: output linear statistics (1/n)tr K, tr K^2, tr (K+lambda)^-1", 0, 0 },
    { "--input-samples", 1, NULL, "(--input FILE) take K of the samples [default: all]", 0, 0 },
    { "--input-seed", 1, "1", "(--input FILE) seed of the --input-samples subset", 0, 0 },
    { "--input-normalize", 1, "unit", "(--input FILE) unit (centre features; unit-norm samples) | none", 0, 0 },
    { "--input-kernel", 1, "expected", "(ck --input FILE) expected (exact for L = 1) | linearised ((1-b) I + b X^T X)", 0, 0 },
    { "--input-slope", 1, "matched", "(ck --input FILE, L >= 2) slope of the deeper layers in the statistics' matrix pencil: matched (C3b) | b (C3)", 0, 0 },
  };
  memcpy(o, def, sizeof def);
  /* --help lists what this kind takes (the others are refused by check_applicable) */
  const int hide_mp[] = { O_ACT, O_RATIOS, O_READOUT, O_IKERNEL, O_ISLOPE },
            hide_ck[] = { O_RATIO, O_READOUT },
            hide_ntk[] = { O_RATIO, O_IKERNEL, O_ISLOPE };
  const int *hide = mp ? hide_mp : strcmp(kind, "ck") == 0 ? hide_ck : hide_ntk;
  size_t nhide = mp ? 5 : strcmp(kind, "ck") == 0 ? 2 : 3;
  for (size_t k = 0; k < nhide; k++)
    o[hide[k]].help = NULL;
  if (mp)
    o[O_INPUT].help = "FILE (csv, npy, idx, .gz): the statistics of the data's Gram spectrum, "
                      "with --stats (docs/data.md) [default: Gaussian data, the MP law]";
  else if (strcmp(kind, "ntk") == 0)
    o[O_INPUT].help = "input data: gaussian | orthonormal | FILE (one hidden layer, with "
                      "--stats: approximate; docs/data.md)";
}

static int parse_ratios(spec_job *job, const cli_opt *o)
{
  double v[DEQ_PENCIL_MAXL + 2];
  size_t n;
  if (strcmp(job->kind, "mp") == 0) {
    job->L = 0;
    return job->input_file ? CLI_EXIT_OK : cli_double(o, O_NOPT, "--ratio", &job->gamma_user[0]);
  }
  if (deq_parse_list(o[O_RATIOS].value, "--ratios", v, DEQ_PENCIL_MAXL + 1, &n))
    return CLI_EXIT_USAGE;
  if (job->input_file != NULL) {   /* n/d0 comes from the file */
    if (!o[O_RATIOS].seen || n > DEQ_PENCIL_MAXL) {
      cli_errorf("--ratios: with --input FILE give the layer ratios g1,..,gL (at most %d; "
                 "n/d0 comes from the file)", DEQ_PENCIL_MAXL);
      return CLI_EXIT_USAGE;
    }
    job->L = n;
    memcpy(job->gamma_user + 1, v, n * sizeof *v);
    return CLI_EXIT_OK;
  }
  if (n < 2) {
    cli_errorf("--ratios: need g0 and at least one layer ratio, got %zu value(s)", n);
    return CLI_EXIT_USAGE;
  }
  job->L = n - 1;
  memcpy(job->gamma_user, v, n * sizeof *v);
  return CLI_EXIT_OK;
}

static int check_ratios(const spec_job *job)
{
  for (size_t l = 0; l <= job->L; l++)
    if (!(job->gamma_user[l] >= CLI_RATIO_MIN && job->gamma_user[l] <= CLI_RATIO_MAX)) {
      cli_errorf("%s: ratio %zu must lie in [%g, %g], got %g", job->L ? "--ratios" : "--ratio",
                 l, CLI_RATIO_MIN, CLI_RATIO_MAX, job->gamma_user[l]);
      return CLI_EXIT_USAGE;
    }
  if (job->input.kind == DEQ_DATA_ORTHONORMAL && job->gamma_user[0] > 1) {
    cli_errorf("--input: orthonormal inputs need g0 = n/d0 <= 1, got %g", job->gamma_user[0]);
    return CLI_EXIT_USAGE;
  }
  return CLI_EXIT_OK;
}

static int parse_choice(const char *v, const char *name, const char *a, const char *b, int *out)
{
  if (strcmp(v, a) == 0 || strcmp(v, b) == 0) {
    *out = strcmp(v, b) == 0;
    return CLI_EXIT_OK;
  }
  cli_errorf("%s: expected '%s' or '%s', got '%s'", name, a, b, v);
  return CLI_EXIT_USAGE;
}

static int parse_sim(spec_job *job, const cli_opt *o)
{
  job->simulate = o[O_SIM].seen;
  int rc = cli_long(o, O_NOPT, "--n", 2, 100000, &job->n);
  if (!rc)
    rc = cli_long(o, O_NOPT, "--seeds", 2, SPEC_MAXSEEDS, &job->seeds);
  if (!rc)
    rc = cli_long(o, O_NOPT, "--seed", 0, 0x7fffffffL, &job->seed);
  return rc;
}

static int parse_stats(spec_job *job, const cli_opt *o)
{
  const char *s = o[O_STATS].value;
  job->stats_mode = s != NULL;
  if (s == NULL) {
    job->lambda[0] = 0.5;
    job->nlam = 1;
    return CLI_EXIT_OK;
  }
  return cli_stats_parse(s, job->lambda, SPEC_MAXLAM, &job->nlam);
}

/* Options that do not apply to this kind are refused, not silently recorded. */
static int check_applicable(const spec_job *job, const cli_opt *o)
{
  int mp = strcmp(job->kind, "mp") == 0, ntk = strcmp(job->kind, "ntk") == 0;
  const char *in = o[O_INPUT].value;
  int keyword = strcmp(in, "gaussian") == 0 || strcmp(in, "orthonormal") == 0;
  const int bad[] = { mp ? O_ACT : -1, mp ? O_RATIOS : O_RATIO, mp && keyword ? O_INPUT : -1,
                      ntk ? -1 : O_READOUT, mp && !keyword ? O_RATIO : -1,
                      ntk ? O_IKERNEL : -1, mp || ntk ? O_ISLOPE : -1 };
  for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++)
    if (bad[k] >= 0 && o[bad[k]].seen) {
      cli_errorf("%s: option %s does not apply to deqnn %s", job->kind, o[bad[k]].name, job->kind);
      return CLI_EXIT_USAGE;
    }
  if (o[O_STATS].seen && o[O_PLOT].seen) {
    cli_errorf("--plot: draws a density; it does not apply with --stats");
    return CLI_EXIT_USAGE;
  }
  return CLI_EXIT_OK;
}

static void realise_ratios(spec_job *job, int sizes_from_n);

/* --input gaussian | orthonormal | FILE, and the options of a FILE (docs/data.md). */
static int parse_input(spec_job *job, const cli_opt *o)
{
  const char *v = o[O_INPUT].value;
  int file = strcmp(v, "gaussian") != 0 && strcmp(v, "orthonormal") != 0, rc;
  job->input.kind = strcmp(v, "orthonormal") == 0 ? DEQ_DATA_ORTHONORMAL : DEQ_DATA_GAUSSIAN;
  job->kscale = 1.0;
  const int fopt[] = { O_ISAMPLES, O_ISEED, O_INORM, O_IKERNEL, O_ISLOPE };
  for (size_t k = 0; !file && k < 5; k++)
    if (o[fopt[k]].seen) {
      cli_errorf("%s: applies only with --input FILE", o[fopt[k]].name);
      return CLI_EXIT_USAGE;
    }
  if (!file)
    return CLI_EXIT_OK;
  job->input_file = v;
  if (strcmp(job->kind, "ntk") == 0 && (!o[O_STATS].seen || o[O_X].seen)) {
    cli_errorf("--stats: deqnn ntk --input FILE gives resolvent traces and moments (--stats "
               "lambda1,..), not a density: its matrix pencil (real_data N2) needs a complex "
               "factorisation per density point; give --stats and no --x (docs/data.md)");
    return CLI_EXIT_USAGE;
  }
  if (strcmp(job->kind, "mp") == 0 && (!o[O_STATS].seen || o[O_X].seen)) {
    cli_errorf("--stats: deqnn mp --input FILE gives the statistics of the data's Gram "
               "spectrum (n atoms, no density): give --stats and no --x");
    return CLI_EXIT_USAGE;
  }
  if (o[O_SIM].seen && strcmp(job->kind, "mp") == 0) {
    cli_errorf("--simulate: deqnn mp --input FILE gives the data's own Gram spectrum, which "
               "has nothing random to simulate");
    return CLI_EXIT_USAGE;
  }
  if (o[O_N].seen) {
    cli_errorf("--n: with --input FILE the simulation's n is the number of samples (take "
               "fewer with --input-samples)");
    return CLI_EXIT_USAGE;
  }
  if ((rc = parse_choice(o[O_INORM].value, "--input-normalize", "unit", "none", &job->input_norm)))
    return rc;
  if ((rc = parse_choice(o[O_IKERNEL].value, "--input-kernel", "expected", "linearised",
                         &job->linearised)))
    return rc;
  if ((rc = parse_choice(o[O_ISLOPE].value, "--input-slope", "matched", "b", &job->slope_b)))
    return rc;
  if (job->linearised && strcmp(job->kind, "mp") == 0) {
    cli_errorf("--input-kernel: does not apply to deqnn mp (the data's own Gram spectrum)");
    return CLI_EXIT_USAGE;
  }
  if (o[O_ISAMPLES].seen && (rc = cli_long(o, O_NOPT, "--input-samples", 1, 0x7fffffffL,
                                           &job->input_samples)))
    return rc;
  return cli_long(o, O_NOPT, "--input-seed", 0, 0x7fffffffL, &job->input_seed);
}

/* The NTK on data: one hidden layer (N2 is derived for L = 1); --input-slope: two or more
 * layers of the expected-kernel CK (the slope of layers 2..L). */
static int check_data_layers(const spec_job *job, const cli_opt *o)
{
  if (strcmp(job->kind, "ntk") == 0 && job->L != 1) {
    cli_errorf("--ratios: the NTK on data is derived for one hidden layer (real_data R19): "
               "give one ratio g1, got %zu", job->L);
    return CLI_EXIT_USAGE;
  }
  if (o[O_ISLOPE].seen && (job->L < 2 || job->linearised)) {
    cli_errorf("--input-slope: applies to two or more layers (--ratios g1,g2,..) of the "
               "expected-kernel CK (layer 1 has no slope to choose)");
    return CLI_EXIT_USAGE;
  }
  return CLI_EXIT_OK;
}

/* With --input-normalize none only the closed forms for any norms apply, and one layer. */
static int check_data_norm(const spec_job *job)
{
  int any = job->act.kind == DEQ_ACT_LINEAR || job->act.kind == DEQ_ACT_RELU
            || job->act.kind == DEQ_ACT_ERF;
  if (job->input_norm != DEQ_DATASET_NONE)
    return CLI_EXIT_OK;
  if (job->linearised) {
    cli_errorf("--input-kernel linearised: needs unit-norm samples (--input-normalize unit)");
    return CLI_EXIT_USAGE;
  }
  if (!any) {
    cli_errorf("--input-normalize none: the expected kernel of %s needs unit-norm inputs "
               "(closed forms for any norms: linear relu erf); use --input-normalize unit",
               job->actname);
    return CLI_EXIT_USAGE;
  }
  if (job->L > 1) {
    cli_errorf("--input-normalize none: one hidden layer only (--ratios g1); deeper layers "
               "assume unit-scale inputs");
    return CLI_EXIT_USAGE;
  }
  return CLI_EXIT_OK;
}

static int parse_job(spec_job *job, cli_opt *o)
{
  int rc;
  if ((rc = check_applicable(job, o)))
    return rc;
  if ((rc = cli_act(o[O_ACT].value, "--act", 1, &job->act)))
    return rc;
  deq_act_name(&job->act, job->actname, sizeof job->actname);
  if ((rc = parse_input(job, o)))
    return rc;
  if ((rc = parse_choice(o[O_READOUT].value, "--readout", "gaussian", "rademacher", &job->rademacher)))
    return rc;
  if ((rc = parse_ratios(job, o)) || (rc = parse_sim(job, o)) || (rc = parse_stats(job, o)))
    return rc;
  job->logx = o[O_X].value != NULL && strstr(o[O_X].value, ":log") != NULL;
  if (o[O_X].value != NULL && deq_grid_parse(o[O_X].value, "--x", &job->grid))
    return CLI_EXIT_USAGE;
  if (job->input_file && ((rc = check_data_layers(job, o)) || (rc = check_data_norm(job))
                          || (rc = spec_data_load(job))))
    return rc;
  if ((rc = check_ratios(job)))
    return rc;
  if (job->input_file)   /* the samples of the file: n and d0 are the data's */
    job->n = (long) job->ds->n;
  if (job->input_file && job->simulate && job->n < SPEC_DATA_MIN_SIM) {
    cli_errorf("--input: the simulation's two-size scan needs at least %d samples, got %ld",
               SPEC_DATA_MIN_SIM, job->n);
    return CLI_EXIT_USAGE;
  }
  realise_ratios(job, job->simulate);
  return job->simulate ? spec_simulate_check(job) : CLI_EXIT_OK;
}

/* With a simulation the theory is evaluated at the realised ratios n/round(n/g). */
static void realise_ratios(spec_job *job, int sizes_from_n)
{
  for (size_t l = 0; l <= job->L; l++) {
    job->gamma[l] = job->gamma_user[l];
    if (!sizes_from_n)
      continue;
    double d = floor((double) job->n / job->gamma_user[l] + 0.5);
    job->d[l] = d < 1 ? 1 : (size_t) d;
    job->gamma[l] = (double) job->n / (double) job->d[l];
  }
}

static int build_pencil(spec_job *job)
{
  int s = deq_act_fw_constants(&job->act, NULL, &job->fw);
  if (s)
    return s;
  if (job->input_file != NULL)
    return spec_data_pencil(job);
  if (strcmp(job->kind, "mp") == 0) {
    memset(&job->par, 0, sizeof job->par);
    job->par.gamma[0] = job->gamma[0];
    job->par.q[0] = 1.0;
    job->par.input.kind = DEQ_DATA_GAUSSIAN;
  } else if (strcmp(job->kind, "ck") == 0) {
    s = deq_ck_params(job->fw.b.val, job->L, job->gamma, &job->input, &job->par);
  } else {
    s = deq_ntk_params(job->fw.a.val, job->fw.b.val, job->L, job->gamma, &job->input, &job->par);
  }
  return s ? s : deq_pencil_alloc(&job->par, NULL, &job->pen);
}

static int default_grid(spec_job *job)
{
  double e[64];
  size_t nint;
  int s = deq_pencil_support(job->pen, e, 32, &nint);
  if (s) {
    cli_errorf("cannot locate the support for the default grid; give --x");
    return CLI_EXIT_FAIL;
  }
  double c = job->input_file ? job->kscale : 1.0;   /* data: the pencil's spectrum x c */
  double lo = c * e[0], hi = c * e[2 * nint - 1], w = hi - lo;
  if (deq_grid_linspace(lo - 0.05 * w, hi + 0.05 * w, 400, &job->grid))
    return CLI_EXIT_FAIL;
  return CLI_EXIT_OK;
}

void spec_job_free(spec_job *job)
{
  deq_pencil_free(job->pen);
  deq_datapencil_free(job->dpen);
  deq_grid_free(job->grid);
  for (size_t k = 0; k < job->nstat; k++)
    free(job->stat[k].sample);
  free(job->hist);
  free(job->hist_se);
  free(job->ev_all);
  deq_dataset_free(job->ds);
  free(job->atom_x);
  free(job->atom_p);
}

static void print_summary(const spec_job *job)
{
  fprintf(stderr, "%-12s %14s %14s %11s %11s %8s  %s\n", "statistic", "theory", "sim mean",
          "sim SE", "bound", "z", "verdict");
  for (size_t k = 0; k < job->nstat; k++) {
    const spec_stat *s = &job->stat[k];
    const deq_verdict *v = &s->verdict;
    char th[32] = "(limit 0)", z[16] = "-";
    if (!isnan(s->theory.val))
      snprintf(th, sizeof th, "%.8g", s->theory.val);
    if (!isnan(v->z))
      snprintf(z, sizeof z, "%.2f", v->z);
    const char *verdict = s->approx && s->applies
                          ? (v->pass ? "pass (approximate: within its measured allowance)"
                                     : "FAIL (approximate: beyond its measured allowance)")
                          : s->approx ? "n/a (approximate theory: z is its error)"
                          : s->unvalidated ? "n/a (KS on data: not validated; docs/data.md)"
                          : !s->applies ? "n/a (smeared atom)" : s->two_size == 1
                          ? "pass (n*bias stable at n/2: finite size)" : v->pass ? "pass" : "FAIL";
    fprintf(stderr, "%-12s %14s %14.8g %11.3g %11.3g %8s  %s%s\n", s->name, th, v->sim.mean,
            v->sim.se, v->bound, z, verdict,
            v->few_seeds ? " (fewer than 10 seeds: SE uncertain)" : "");
  }
}

static int write_outputs(spec_job *job, cli_ctx *ctx, const char *out, const char *plot);

int spec_two_sizes(const spec_job *job, spec_job *half)
{
  memset(half, 0, sizeof *half);
  half->kind = job->kind;
  half->act = job->act;
  memcpy(half->actname, job->actname, sizeof half->actname);
  half->L = job->L;
  memcpy(half->gamma_user, job->gamma_user, sizeof half->gamma_user);
  half->input = job->input;
  half->rademacher = job->rademacher;
  half->input_file = job->input_file;   /* data: n/2 samples of the same file */
  half->input_samples = job->input_samples;
  half->input_seed = job->input_seed;
  half->input_norm = job->input_norm;
  half->linearised = job->linearised;
  half->slope_b = job->slope_b;
  half->half_samples = (size_t) job->n / 2;   /* of the file (docs/data.md) */
  memcpy(half->lambda, job->lambda, sizeof half->lambda);
  half->nlam = job->nlam;
  half->stats_mode = 1;
  half->simulate = 1;
  half->n = job->n / 2;
  if (half->input_file && spec_data_load(half) != CLI_EXIT_OK)
    return CLI_EXIT_FAIL;
  if (half->input_file)
    half->n = (long) half->ds->n;
  half->seeds = job->seeds;
  half->seed = job->seed;
  half->rank = job->rank;
  half->ranks = job->ranks;
  realise_ratios(half, 1);
  if (build_pencil(half) != DEQ_SUCCESS)
    return CLI_EXIT_FAIL;
  spec_theory_stats(half);
  int rc = spec_simulate(half);
  return half->simulated ? CLI_EXIT_OK : (rc ? rc : CLI_EXIT_FAIL);
}

/* n*bias of statistic s of job (size n) */
static void nbias(const spec_job *job, const spec_stat *s, double *nb, double *nse)
{
  double th = isnan(s->theory.val) ? 0.0 : s->theory.val;
  *nb = (double) job->n * (s->verdict.sim.mean - th);
  *nse = (double) job->n * s->verdict.sim.se;
}

/* ck_ntk §9: "a theory error does not shrink with n: run two sizes and check n*bias". */
static int two_sizes(spec_job *job)
{
  spec_job half;
  memset(&half, 0, sizeof half);
  if (job->n < 200 || spec_two_sizes(job, &half) != CLI_EXIT_OK) {
    spec_job_free(&half);
    return CLI_EXIT_FAIL;
  }
  int rc = CLI_EXIT_OK;
  for (size_t k = 0; k < job->nstat; k++) {
    spec_stat *s = &job->stat[k];
    if (!s->applies || s->verdict.pass)
      continue;
    for (size_t j = 0; j < half.nstat; j++)
      if (strcmp(half.stat[j].name, s->name) == 0) {
        nbias(job, s, &s->nbias[0], &s->nbias_se[0]);
        nbias(&half, &half.stat[j], &s->nbias[1], &s->nbias_se[1]);
        double d = fabs(s->nbias[0] - s->nbias[1]);
        s->two_size = d <= 2.0 * hypot(s->nbias_se[0], s->nbias_se[1]) ? 1 : 2;
        s->verdict.pass = s->two_size == 1;
      }
    if (s->two_size != 1)
      rc = CLI_EXIT_FAIL;
  }
  spec_job_free(&half);
  return rc;
}

/* deq_command_stieltjes: m(z) = (1/n) tr (K - z)^-1 of the job's law at ctx's points (data
 * input: the atoms pencil's spectrum scaled by c, m(z) = m_pen(z/c)/c; the matrix pencil's
 * directly). */
static int stieltjes_points(const spec_job *job, cli_ctx *ctx)
{
  /* the matrix pencil works on the kernels themselves: no scale */
  double c = job->input_file && job->dpen == NULL ? job->kscale : 1.0;
  int worst = DEQ_SUCCESS;
  for (size_t i = 0; i < ctx->nz; i++) {
    deq_cresult m = { 0, NAN };
    deq_complex z = (ctx->z_re[i] + I * ctx->z_im[i]) / c;
    int s = job->dpen ? spec_data_stieltjes(job, z, &m)
                      : deq_pencil_stieltjes(job->pen, z, &m, NULL);
    ctx->m_re[i] = creal(m.val) / c, ctx->m_im[i] = cimag(m.val) / c, ctx->m_err[i] = m.err / c;
    ctx->m_status[i] = s;
    if (s == DEQ_EINVAL)
      cli_errorf("z: point %zu (%g%+gi): %s", i, ctx->z_re[i], ctx->z_im[i], job->dpen
                 ? "the matrix pencil of the data (ck with two or more layers, ntk) gives m(z) "
                   "at real z < 0 only (docs/data.md)"
                 : "not a point where m is defined (a real z inside the support?)");
    worst = worst ? worst : s;
  }
  return worst == DEQ_EINVAL ? CLI_EXIT_USAGE : worst ? CLI_EXIT_FAIL : CLI_EXIT_OK;
}

int cli_cmd_spectrum(cli_ctx *ctx, const char *kind, int argc, char **argv)
{
  cli_opt o[O_NOPT];
  spec_job job;
  memset(&job, 0, sizeof job);
  job.kind = kind;
  job.rank = ctx->rank;
  job.ranks = ctx->ranks > 1 ? ctx->ranks : 1;
  options(o, kind);
  int rc = cli_parse(kind, argc, argv, o, O_NOPT);
  if (rc)
    return rc < 0 ? CLI_EXIT_OK : rc;
  if ((rc = parse_job(&job, o)) || (cli_writes(ctx) && (rc = cli_outputs_check(o[O_OUT].value,
      o[O_PLOT].value, job.simulate && !job.stats_mode)))) {
    spec_job_free(&job);
    return rc;
  }
  int s = build_pencil(&job);
  if (s == DEQ_SUCCESS && ctx->nz > 0) {
    rc = stieltjes_points(&job, ctx);
    spec_job_free(&job);
    return rc;
  }
  if (s != DEQ_SUCCESS || (job.grid == NULL && !job.stats_mode && default_grid(&job))) {
    spec_job_free(&job);
    return s ? cli_exit_status(s) : CLI_EXIT_FAIL;
  }
  rc = spec_theory_stats(&job);
  if (ctx->capture && ctx->want_law && ctx->rank == 0)
    rc = cli_exit_merge(rc, spec_law_tables(&job, ctx));
  job.keep = ctx->capture;
  if (job.simulate && !ctx->dry) {
    int src = spec_simulate(&job);
    if (src == CLI_EXIT_USAGE || !job.simulated) {  /* nothing simulated: write nothing */
      spec_job_free(&job);
      return src ? src : CLI_EXIT_FAIL;
    }
    if (job.input_file)
      src = spec_data_scan(&job);
    else if (src == CLI_EXIT_FAIL)
      src = two_sizes(&job);
    if (ctx->rank != 0) {     /* MPI: rank 0 reports and writes the outputs */
      spec_job_free(&job);
      return cli_exit_merge(rc, src);
    }
    if (cli_writes(ctx))
      print_summary(&job);
    if (ctx->capture)
      src = cli_exit_merge(src, spec_seeds_tables(&job, ctx));
    if (job.smeared && !ctx->capture)
      fprintf(stderr, "note: the limit has an atom of mass %.4g at %.6g, not at 0; the finite "
              "network smears it, so KS does not tend to 0 (docs/ntk.md)\n", job.smeared_mass,
              job.smeared_pos);
    rc = cli_exit_merge(rc, src);
  }
  if (ctx->rank == 0)
    rc = cli_exit_merge(rc, write_outputs(&job, ctx, o[O_OUT].value, o[O_PLOT].value));
  spec_job_free(&job);
  return rc;
}

/* The figure's atoms: an arrow of the density axis' height at each atom of the limit, labelled
 * with its mass (on a log x axis an atom at 0 cannot be drawn: it is named in the title). */
#define PLOT_MAXATOMS 8
static void plot_atoms(const spec_job *job, char *buf, size_t len, char *at0, size_t len0)
{
  double pos[PLOT_MAXATOMS], c = job->input_file ? job->kscale : 1.0;
  deq_result mass[PLOT_MAXATOMS];
  size_t na = 0, u = 0, v = 0;
  buf[0] = at0[0] = '\0';
  if (job->stats_mode || (job->input_file && strcmp(job->kind, "mp") == 0) ||
      deq_pencil_atoms(job->pen, PLOT_MAXATOMS, pos, mass, &na) != DEQ_SUCCESS)
    return;
  for (size_t k = 0; k < na && u < len && v < len0; k++) {
    if (mass[k].val < 1e-6)
      continue;
    int drawn = !(job->logx && pos[k] <= 0.0);
    v += (size_t) snprintf(at0 + v, len0 - v, "%satom of mass %.3g%% at %.4g%s", v ? ", " : "\n",
                           100.0 * mass[k].val, c * pos[k], drawn ? " (purple bar, height not to "
                           "scale)" : " (not on the log axis)");
    if (drawn)
      u += (size_t) snprintf(buf + u, len - u, "set arrow from %.17g, graph 0 to %.17g, graph 0.9 "
                             "nohead lw 4 lc rgb '#7b3294' front\n", c * pos[k], c * pos[k]);
  }
}

static int plot_density(const void *arg, const char *csv, const char *plot)
{
  const spec_job *job = arg;
  /* the simulation first, the theory drawn over it (the histogram does not hide the line) */
  const char *y[] = { "sim_density", "density" };
  const char *st[] = { "histeps lw 1.2 lc rgb '#d95f02'", "lines lw 2 lc rgb '#1f4e9e'" };
  char simti[160], ratios[256] = "", title[1024], extra[2048], at0[512];
  snprintf(simti, sizeof simti, "simulated network: eigenvalue histogram, n = %ld, mean of %ld "
           "seeds", job->n, job->seeds);
  const char *ti[] = { simti, "theory (deterministic equivalent)" };
  size_t u = 0;
  size_t l0 = job->input_file ? 1 : 0;   /* with --input, n/d0 is the file's */
  for (size_t l = l0; l <= job->L && u < sizeof ratios; l++)
    u += (size_t) snprintf(ratios + u, sizeof ratios - u, "%s%.4g", l > l0 ? "," : "",
                           job->gamma[l]);
  plot_atoms(job, extra, sizeof extra, at0, sizeof at0);
  const char *base = job->input_file ? strrchr(job->input_file, '/') : NULL;
  if (job->L == 0)
    snprintf(title, sizeof title, "Marchenko-Pastur law, ratio n/d = %.4g%s", job->gamma[0], at0);
  else
    snprintf(title, sizeof title, "%s spectrum, sigma = %s, %zu hidden layer(s), n/d_l = %s%s%s%s",
             strcmp(job->kind, "ck") == 0 ? "CK" : "NTK", job->actname, job->L, ratios,
             job->input_file ? ", data " : "",
             job->input_file ? (base ? base + 1 : job->input_file) : "", at0);
  return cli_plot(csv, plot, title, "eigenvalue x", "density", "x",
                  job->simulate ? y : y + 1, job->simulate ? st : st + 1,
                  job->simulate ? ti : ti + 1, job->simulate ? 2 : 1, job->logx,
                  extra[0] ? extra : NULL);
}

static int write_outputs(spec_job *job, cli_ctx *ctx, const char *out, const char *plot)
{
  deq_table *t = NULL, *summary = NULL;
  int rc = job->stats_mode ? spec_stats_table(job, ctx, &t) : spec_density_table(job, ctx, &t);
  if (t == NULL)
    return CLI_EXIT_FAIL;
  int wrc = CLI_EXIT_OK, grc = CLI_EXIT_OK;
  if (!ctx->dry && job->simulate && !job->stats_mode && (ctx->capture || strcmp(out, "-") != 0)) {
    char path[CLI_PATHMAX + 16];
    cli_ctx sctx = *ctx;   /* the summary records the command that makes it: + --stats */
    size_t u = strlen(sctx.command);
    for (size_t k = 0; k < job->nlam && u < sizeof sctx.command; k++)
      u += (size_t) snprintf(sctx.command + u, sizeof sctx.command - u, "%s%.17g",
                             k ? "," : " --stats ", job->lambda[k]);
    snprintf(path, sizeof path, "%s.summary.csv", out);
    spec_stats_table(job, &sctx, &summary);   /* its verdicts are already in rc */
    if (summary != NULL)
      grc = cli_table_guard(summary);
    if (ctx->capture)   /* handed to the caller */
      ctx->summary = summary, summary = NULL;
    else
      wrc = summary == NULL ? CLI_EXIT_FAIL : cli_write(summary, path, "--out");
  }
  deq_table_free(summary);
  if (wrc) {
    deq_table_free(t);
    return wrc;
  }
  wrc = cli_emit(ctx, t, out, job->stats_mode ? NULL : plot, plot_density, job);
  return cli_exit_merge(cli_exit_merge(wrc, rc), grc);
}

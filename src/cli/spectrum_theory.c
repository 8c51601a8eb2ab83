/* deqnn mp / ck / ntk: theory values and the output tables. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/spectrum.h"
#include "core/mem.h"
#include "deqnn/ck.h"
#include "deqnn/datapencil.h"
#include "deqnn/mp.h"
#include "deqnn/ntk.h"

static spec_stat *add_stat(spec_job *job, const char *name, double lambda, double val,
                           double err, double B)
{
  spec_stat *s = &job->stat[job->nstat++];
  snprintf(s->name, sizeof s->name, "%s", name);
  s->applies = 1;
  s->lambda = lambda;
  s->theory.val = val;
  s->theory.err = err;
  s->B = B;
  return s;
}

/* Finite-size allowances B of ck_ntk section 9 (B/n is added to 4 SE). */
static double B_ks(const spec_job *job)
{
  if (strcmp(job->kind, "ntk") != 0)
    return 6.0;
  return job->rademacher ? 25.0 : 3.0 * sqrt((double) job->n);
}

/* Data input: the error of Kbar's eigenvalues (|dlambda| <= e = eigerr x kscale, Weyl) moves
 * (1/n) tr (K + lambda)^-1 by at most e prod_l (1 + sqrt(gamma_l))^2 / lambda^2: the CK is
 * monotone in Kbar (Loewner order; W^1/2 Kbar W^1/2 with ||W|| -> (1 + sqrt(gamma))^2), and
 * |d tr (A + tB + lambda)^-1 / n| <= ||B|| / lambda^2 (docs/data.md). */
static double kernel_error(const spec_job *job, double lambda)
{
  double f = job->eigerr * job->kscale;
  for (size_t l = 1; l <= job->L; l++)
    f *= pow(1 + sqrt(job->gamma[l]), 2);
  return f / (lambda * lambda);
}

/* The pencil's statistics: (1/n) tr K, (1/n) tr K^2 (exact moments) and res(lambda). */
static int pencil_stats(spec_job *job)
{
  double m1, m2;
  int ntk = strcmp(job->kind, "ntk") == 0, relu = job->act.kind == DEQ_ACT_RELU, rc = 0;
  double c = job->input_file ? job->kscale : 1.0;   /* data: the pencil's spectrum x c */
  if (job->input_file)   /* layer 1 has b = 1, the others the activation's b */
    deq_ck_moments_exact(&job->par, &m1, &m2);
  else
    deq_pencil_moments_exact(&job->par, &m1, &m2);
  m1 *= c;
  m2 *= c * c;
  add_stat(job, "trK/n", NAN, m1, 1e-15 * m1, 2.0 * m1);
  /* B: NTK 10 m2 (ck_ntk §9); CK/MP 3 m2, doubled for relu's kink as §9 does for the
   * resolvent -- from our size scans (docs/compare.md): the spec's B = 5 is below the
   * n*bias measured for the 3-layer tanh CK (-9.5 +- 3) and relu L = 1 (+20 +- 5). */
  add_stat(job, "trK2/n", NAN, m2, 1e-15 * m2, ntk ? 10.0 * m2 : (relu ? 6.0 : 3.0) * m2);
  for (size_t k = 0; k < job->nlam; k++) {
    deq_cresult m;
    char name[32];
    snprintf(name, sizeof name, "res(%g)", job->lambda[k]);
    int s = deq_pencil_stieltjes(job->pen, -job->lambda[k] / c, &m, NULL);
    double kerr = job->input_file ? kernel_error(job, job->lambda[k]) : 0.0;
    add_stat(job, name, job->lambda[k], creal(m.val) / c, m.err / c + kerr,
             relu ? 4.0 : 2.0)->status = s;
    rc |= s != 0;
  }
  return rc;
}

/* --input FILE, ck with L >= 2 or ntk: the statistics from the matrix pencil (docs/data.md).
 * (1/n) tr K is exact (tr Kbar_L / n; NTK: + tr(Kdot_1 o K_0)/n) and keeps the usual verdict;
 * (1/n) tr K^2 and res(lambda) are approximate, judged against real_data R23's relative
 * allowance where it has one (spec_data_scan). */
static int data_pencil_stats(spec_job *job)
{
  deq_result m1, m2;
  int rc = deq_datapencil_moments(job->dpen, &m1, &m2) != DEQ_SUCCESS;
  add_stat(job, "trK/n", NAN, m1.val, m1.err, 2.0 * m1.val);
  spec_stat *st = add_stat(job, "trK2/n", NAN, m2.val, m2.err, 0.0);
  st->approx = 1;
  st->rel_allow = spec_data_rel_allowance(job, NAN);
  for (size_t k = 0; k < job->nlam; k++) {
    deq_result r;
    char name[32];
    snprintf(name, sizeof name, "res(%g)", job->lambda[k]);
    int s = deq_datapencil_res(job->dpen, job->lambda[k], NULL, &r);
    st = add_stat(job, name, job->lambda[k], r.val, r.err, 0.0);
    st->status = s;
    st->approx = 1;
    st->rel_allow = spec_data_rel_allowance(job, job->lambda[k]);
    rc |= s != 0;
  }
  return rc;
}

int spec_theory_stats(spec_job *job)
{
  int rc = job->dpen ? data_pencil_stats(job) : pencil_stats(job);
  if (job->pen == NULL || (job->input_file && strcmp(job->kind, "mp") == 0))
    return rc ? CLI_EXIT_FAIL : CLI_EXIT_OK;   /* the NTK on data; mp: n atoms, no scan */
  deq_result atom;   /* the atom at 0 (exact zero eigenvalues of the sample) */
  int s = deq_pencil_atom(job->pen, 0.0, &atom);
  if (s || atom.val > 0)
    add_stat(job, "atom", NAN, atom.val, atom.err, 1.0)->status = s;
  double pos[8];
  deq_result mass[8];
  size_t na = 0;
  if (deq_pencil_atoms(job->pen, 8, pos, mass, &na) == DEQ_SUCCESS)
    for (size_t k = 0; k < na; k++)
      if (pos[k] != 0.0 && !job->smeared) {
        job->smeared = 1;
        job->smeared_pos = pos[k];
        job->smeared_mass = mass[k].val;
      }
  if (job->simulate)   /* limit 0; the verdict is KS <= B/n (theory NAN = upper bound) */
    add_stat(job, "KS", NAN, NAN, 0, B_ks(job))->applies = !job->smeared;
  return rc || s ? CLI_EXIT_FAIL : CLI_EXIT_OK;
}

/* --input FILE --simulate: the measured allowances, or the measured error of an approximate
 * theory (docs/data.md). */
static const char *allowance_note(const spec_stat *st)
{
  static _Thread_local char buf[96];
  if (!(st->rel_allow > 0))
    return "; no verdict";
  snprintf(buf, sizeof buf, "; verdict against the approximation's allowance %.3g%% "
           "(real_data R23)", 100 * st->rel_allow);
  return buf;
}

static int scan_comments(const spec_job *job, deq_table *t)
{
  int s = 0;
  for (size_t k = 0; k < job->nstat; k++) {
    const spec_stat *st = &job->stat[k];
    const deq_verdict *v = &st->verdict;
    if (st->measured_B)
      s |= deq_table_add_comment(t, "finite-size allowance (two-size scan): %s: n*bias = %.4g "
                                 "+- %.2g at n = %ld (a subset of the file, widths halved); bias taken to "
                                 "decay as n^-%g: allowance B/n = %.4g at n = %ld (B = %.4g); "
                                 "n*bias = %.4g +- %.2g there", st->name, st->nbias[1],
                                 st->nbias_se[1], st->n_half, st->rate, st->B / (double) job->n,
                                 job->n, st->B, st->nbias[0], st->nbias_se[0]);
    char z[32] = "z n/a: SE 0";
    if (!isnan(v->z))
      snprintf(z, sizeof z, "z = %.3g", -v->z);
    if (st->approx && !isnan(st->theory.val) && v->sim.mean != 0)
      s |= deq_table_add_comment(t, "approximate theory, measured error: %s: (theory - sim)/sim "
                                 "= %+.3g%% +- %.2g%% (%s)%s", st->name,
                                 100 * (st->theory.val - v->sim.mean) / v->sim.mean,
                                 100 * v->sim.se / fabs(v->sim.mean), z, allowance_note(st));
  }
  return s;
}

static int add_params(const spec_job *job, deq_table *t)
{
  char buf[1024] = "";
  size_t u = 0;
  for (size_t l = 0; l <= job->L; l++)
    u += (size_t) snprintf(buf + u, sizeof buf - u, "%s%.17g", l ? "," : "", job->gamma[l]);
  int s = deq_table_add_comment(t, "activation: %s (normalised: b = %.17g, a = %.17g)",
                                job->actname, job->fw.b.val, job->fw.a.val);
  s |= deq_table_add_comment(t, "layers: %zu", job->L);
  s |= deq_table_add_comment(t, "ratios: %s", buf);
  s |= deq_table_add_comment(t, "input: %s", job->input_file ? "file"
                             : job->input.kind == DEQ_DATA_GAUSSIAN ? "gaussian" : "orthonormal");
  if (job->input_file)
    s |= spec_data_comments(job, t);
  u = 0;
  for (size_t l = 0; l <= job->L; l++)
    u += (size_t) snprintf(buf + u, sizeof buf - u, "%s%.17g", l ? "," : "", job->par.q[l]);
  if (job->pen != NULL)
    s |= deq_table_add_comment(t, "pencil: q = %s, r = %.17g", buf, job->par.r);
  if (job->smeared)
    s |= deq_table_add_comment(t, "atom: mass %.6g at %.17g, not at 0: the finite network smears "
                               "it, so KS has no verdict (docs/ntk.md)", job->smeared_mass,
                               job->smeared_pos);
  for (size_t k = 0; k < job->nstat; k++)
    if (job->stat[k].two_size)
      s |= deq_table_add_comment(t, "two-size check: %s: n*bias = %.4g +- %.2g at n = %ld, "
                                 "%.4g +- %.2g at n = %ld: %s", job->stat[k].name,
                                 job->stat[k].nbias[0], job->stat[k].nbias_se[0], job->n,
                                 job->stat[k].nbias[1], job->stat[k].nbias_se[1], job->n / 2,
                                 job->stat[k].two_size == 1 ? "stable, a finite-size bias"
                                                            : "not stable: theory and simulation disagree");
  if (!job->simulate)
    return s;
  s |= scan_comments(job, t);
  u = 0;
  for (size_t l = 0; l <= job->L; l++)
    u += (size_t) snprintf(buf + u, sizeof buf - u, "%s%zu", l ? "," : "", job->d[l]);
  s |= deq_table_add_comment(t, "simulation: n = %ld, d = %s, seeds = %ld, master seed = %ld%s, "
                             "ranks = %d", job->n, buf, job->seeds, job->seed,
                             strcmp(job->kind, "ntk") ? "" : job->rademacher ? ", read-out rademacher"
                                                                             : ", read-out gaussian",
                             job->ranks);
  return s;
}

/* Data input: the spectrum is kscale times the pencil's, rho(x) = rho_pen(x/c)/c. */
static int density_scaled(spec_job *job, deq_result *rho, int *st)
{
  const deq_grid *g = job->grid;
  double c = job->kscale, *x = malloc(g->n * sizeof *x);
  if (x == NULL)
    return CLI_EXIT_FAIL;
  for (size_t i = 0; i < g->n; i++)
    x[i] = g->x[i] / c;
  int s = deq_pencil_density(job->pen, g->n, x, rho, st);
  for (size_t i = 0; i < g->n; i++)
    rho[i].val /= c, rho[i].err /= c;
  free(x);
  return s ? CLI_EXIT_FAIL : CLI_EXIT_OK;
}

static int density_values(spec_job *job, deq_result *rho, int *st)
{
  const deq_grid *g = job->grid;
  if (job->input_file)
    return density_scaled(job, rho, st);
  if (strcmp(job->kind, "mp") != 0)
    return deq_pencil_density(job->pen, g->n, g->x, rho, st) ? CLI_EXIT_FAIL : CLI_EXIT_OK;
  for (size_t i = 0; i < g->n; i++) {
    st[i] = deq_mp_density(g->x[i], job->gamma[0], &rho[i].val);
    rho[i].err = 8 * DBL_EPSILON * rho[i].val;
    if (st[i]) {                  /* gamma = 1, x = 0: the density is +inf (not a failure) */
      rho[i].val = INFINITY;
      rho[i].err = 0.0;
    }
  }
  return CLI_EXIT_OK;
}

/* Bytes per grid point of the output table: 6 cells of a double and a text pointer, counted
 * 3 times (growth by doubling, old and new block during a realloc), and one status text copy
 * of at most 32 bytes. */
#define THEORY_TABLE_ROW_BYTES (3.0 * 6.0 * (double) (sizeof(double) + sizeof(char *)) + 32.0)

int spec_density_table(spec_job *job, cli_ctx *ctx, deq_table **out)
{
  const char *names[] = { "x", "density", "err", "status", "sim_density", "sim_density_se" };
  int types[] = { DEQ_COL_NUM, DEQ_COL_NUM, DEQ_COL_NUM, DEQ_COL_TEXT, DEQ_COL_NUM, DEQ_COL_NUM };
  size_t n = job->grid->n, ncol = job->simulate && !ctx->dry ? 6 : 4;
  double per_point = (double) (sizeof(deq_result) + sizeof(int)) + THEORY_TABLE_ROW_BYTES;
  if (deq_mem_check_job((double) n * per_point, 1, "--x: the theory grid") != DEQ_SUCCESS)
    return CLI_EXIT_USAGE;
  deq_result *rho = malloc(n * sizeof *rho);
  int *st = malloc(n * sizeof *st);
  deq_table *t = deq_table_alloc(ncol, names, types);
  *out = t;
  if (rho == NULL || st == NULL || t == NULL) {
    free(rho), free(st);
    return CLI_EXIT_FAIL;
  }
  int rc = density_values(job, rho, st);
  ctx->error_cols = "density:err";
  cli_table_header(ctx, t, job->kind);
  add_params(job, t);
  for (size_t i = 0; i < n; i++) {
    double row[6] = { job->grid->x[i], rho[i].val, rho[i].err, 0,
                      job->hist ? job->hist[i] : 0, job->hist_se ? job->hist_se[i] : 0 };
    const char *txt[6] = { NULL, NULL, NULL, deq_status_name(st[i]), NULL, NULL };
    deq_table_add_row(t, row, txt);
  }
  free(rho), free(st);
  if (rc)
    cli_errorf("%s: the solver failed at some grid points (rows flagged in 'status')", job->kind);
  return rc;
}

int spec_stats_table(spec_job *job, cli_ctx *ctx, deq_table **out)
{
  const char *names[] = { "stat", "lambda", "theory", "err", "status", "sim_mean", "sim_se",
                          "sim_bound", "sim_z", "sim_verdict" };
  int types[] = { DEQ_COL_TEXT, DEQ_COL_NUM, DEQ_COL_NUM, DEQ_COL_NUM, DEQ_COL_TEXT,
                  DEQ_COL_NUM, DEQ_COL_NUM, DEQ_COL_NUM, DEQ_COL_NUM, DEQ_COL_TEXT };
  int sim = job->simulate && !ctx->dry, rc = CLI_EXIT_OK;
  deq_table *t = deq_table_alloc(sim ? 10 : 5, names, types);
  *out = t;
  if (t == NULL)
    return CLI_EXIT_FAIL;
  ctx->error_cols = "theory:err";
  cli_table_header(ctx, t, job->kind);
  add_params(job, t);
  for (size_t k = 0; k < job->nstat; k++) {
    const spec_stat *s = &job->stat[k];
    const deq_verdict *v = &s->verdict;
    double row[10] = { 0, isnan(s->lambda) ? 0 : s->lambda, isnan(s->theory.val) ? 0 : s->theory.val,
                       s->theory.err, 0,
                       v->sim.mean, v->sim.se, v->bound, isnan(v->z) ? 0 : v->z, 0 };
    const char *verdict = s->approx && s->rel_allow > 0 && s->applies
                          ? (v->pass ? "pass-approximate" : "fail-approximate")
                          : s->approx ? "n/a-approximate" : s->unvalidated ? "n/a-unvalidated"
                          : !s->applies ? "n/a"
                          : s->two_size == 1 ? "pass-1/n-bias"
                          : v->pass ? "pass" : "fail";
    const char *txt[10] = { s->name, NULL, NULL, NULL, deq_status_name(s->status), NULL, NULL,
                            NULL, NULL, verdict };
    deq_table_add_row(t, row, txt);
    rc |= s->status != 0 || (sim && s->applies && !v->pass);
  }
  return rc ? CLI_EXIT_FAIL : CLI_EXIT_OK;
}

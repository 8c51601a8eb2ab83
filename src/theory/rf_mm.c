/* Random-features ridge risk by Mei-Montanari's closed form (rf_onestep S5-S8). */
#include <float.h>
#include <math.h>
#include "theory/sridge.h"
#include "core/check.h"

/* Rounding of one evaluation of rf_onestep S5, per component, in units of DBL_EPSILON. */
static const double map_round_ulps = 4.0;
/* Relative step of the finite differences that propagate errors. */
static const double fd_rel = 1e-6;
/* Rounding allowance of one evaluation, in units of DBL_EPSILON. */
static const double round_ulps = 32.0;

enum { Q_RISK, Q_TRAIN, Q_BIAS, Q_VAR, Q_KAPPA, Q_V, NQ };

typedef struct {
  double psi1, psi2, y0, zeta2;
} mm_sys;

typedef struct {
  double val, abs;  /* polynomial value and the sum of the absolute values of its terms */
} poly_val;

static void mm_sys_init(const deq_sridge_in *in, mm_sys *s)
{
  s->psi1 = in->psi1;
  s->psi2 = in->psi2;
  s->y0 = sqrt(in->psi2 * in->lambda / in->mustar2.val);  /* sqrt(psi1 psi2 lambda_bar) */
  s->zeta2 = in->mu1sq.val / in->mustar2.val;
}

/* (rf_onestep S5) on the imaginary axis, undamped. */
static void mm_map(const mm_sys *s, const double *v, double *f)
{
  double d = 1.0 + s->zeta2 * v[0] * v[1];
  f[0] = s->psi1 / (s->y0 + v[1] + s->zeta2 * v[1] / d);
  f[1] = s->psi2 / (s->y0 + v[0] + s->zeta2 * v[0] / d);
}

/* F(v) = rf_onestep S5(v) - v, for the damped fixed-point solver. */
static int mm_fn(const double complex *v, void *params, double complex *F, double complex *J)
{
  (void) J;
  double vr[2] = { creal(v[0]), creal(v[1]) }, f[2];
  mm_map(params, vr, f);
  F[0] = f[0] - vr[0];
  F[1] = f[1] - vr[1];
  return isfinite(f[0]) && isfinite(f[1]) ? DEQ_SUCCESS : DEQ_EBADFUNC;
}

/* Damped iteration from v by the fixed-point solver (fp_damping, fp_max_iter, tol_step,
 * tol_res); *relerr gets its contraction bound (relative, on v). */
static int mm_solve(const mm_sys *s, deq_solver *fp, const deq_opts *opts, double *v,
                    double *relerr)
{
  double complex x[2] = { v[0], v[1] };
  int status = deq_solver_solve(fp, mm_fn, (void *) s, opts, x);
  v[0] = creal(x[0]);
  v[1] = creal(x[1]);
  *relerr = deq_solver_error(fp);
  if (status == DEQ_EMAXITER)
    DEQ_ERRORF(status, "rf_mm: rf_onestep S5 iteration not converged after %d steps (error %g)",
               fp->iters, *relerr);
  if (status)
    DEQ_ERRORF(status, "rf_mm: rf_onestep S5 residual %g, error %g (tolerances %g, %g)",
               fp->resid, *relerr, opts->tol_res, opts->tol_step);
  return DEQ_SUCCESS;
}

/* Distance of v to the fixed point from its residual, relative on v:
 * v - v* ~ (I - J)^{-1} (F(v) - v), J = F'(v) in relative coordinates (one-sided
 * differences), the residual taken with its sign, plus the rounding of F (map_round_ulps eps in
 * each component) through |(I - J)^{-1}|.  The step-ratio bound of mm_solve misses this when
 * the steps reach rounding noise on a slowly contracting system (psi1 near psi2, small
 * lambda). */
static double mm_fp_bound(const mm_sys *s, const double *v)
{
  double f[2], J[2][2], r[2], u = map_round_ulps * DBL_EPSILON;
  mm_map(s, v, f);
  for (int k = 0; k < 2; k++) {
    double vp[2] = { v[0], v[1] }, fp[2], h = fd_rel * v[k];
    vp[k] += h;
    mm_map(s, vp, fp);
    for (int i = 0; i < 2; i++)
      J[i][k] = (fp[i] - f[i]) / h * v[k] / v[i];
    r[k] = (f[k] - v[k]) / v[k];
  }
  double a = 1.0 - J[0][0], b = -J[0][1], c = -J[1][0], d = 1.0 - J[1][1];
  double det = fabs(a * d - b * c);
  double e0 = fabs(d * r[0] - b * r[1]) + (fabs(d) + fabs(b)) * u;
  double e1 = fabs(a * r[1] - c * r[0]) + (fabs(a) + fabs(c)) * u;
  return fmax(e0, e1) / det;
}

static void acc(poly_val *p, double term)
{
  p->val += term;
  p->abs += fabs(term);
}

/* (rf_onestep S7) E0, E1, E2 at chi = nu1 nu2 = -v1 v2, with p = psi1 psi2. */
static void mm_polys(const mm_sys *s, double chi, poly_val *e)
{
  double p1 = s->psi1, p2 = s->psi2, p = p1 * p2;
  double z2 = s->zeta2, z4 = z2 * z2, z6 = z4 * z2;
  double c2 = chi * chi, c3 = c2 * chi, c4 = c3 * chi, c5 = c4 * chi;
  for (int k = 0; k < 3; k++)
    e[k].val = e[k].abs = 0.0;
  acc(&e[0], -c5 * z6), acc(&e[0], 3 * c4 * z4), acc(&e[0], (p - p1 - p2 + 1) * c3 * z6);
  acc(&e[0], -2 * c3 * z4), acc(&e[0], -3 * c3 * z2), acc(&e[0], (p1 + p2 - 3 * p + 1) * c2 * z4);
  acc(&e[0], 2 * c2 * z2), acc(&e[0], c2), acc(&e[0], 3 * p * chi * z2), acc(&e[0], -p);
  acc(&e[1], p2 * c3 * z4), acc(&e[1], -p2 * c2 * z2), acc(&e[1], p * chi * z2), acc(&e[1], -p);
  acc(&e[2], c5 * z6), acc(&e[2], -3 * c4 * z4), acc(&e[2], (p1 - 1) * c3 * z6);
  acc(&e[2], 2 * c3 * z4), acc(&e[2], 3 * c3 * z2), acc(&e[2], -(p1 + 1) * c2 * z4);
  acc(&e[2], -2 * c2 * z2), acc(&e[2], -c2);
}

/* (rf_onestep S8) with c0, and kappa = y0 mu_*^2 / v2 [derived: nu2 = i y0 (1/d) tr (Z Z^T + y0^2)^{-1}
 * and (1/n) tr (Phi Phi^T / n + lambda)^{-1} = 1/kappa], then rf_onestep S18.  x[Q_V] = V.  If round
 * is not NULL it gets absolute rounding bounds from the sizes of the polynomial terms. */
static void mm_outputs(const deq_sridge_in *in, const mm_sys *s, const double *v, double *x,
                       double *round)
{
  poly_val e[3];
  mm_polys(s, -v[0] * v[1], e);
  double B = e[1].val / e[0].val, V = e[2].val / e[0].val, irr = in->Fstar2.val + in->c0.val;
  x[Q_V] = V;
  x[Q_BIAS] = in->F1sq.val * B;
  x[Q_VAR] = (in->tau2 + irr) * V;
  x[Q_RISK] = x[Q_BIAS] + x[Q_VAR] + irr;
  x[Q_KAPPA] = s->y0 * in->mustar2.val / v[1];
  double f = in->lambda / x[Q_KAPPA];
  x[Q_TRAIN] = f * f * (x[Q_RISK] + in->tau2);
  if (round == NULL)
    return;
  double u = round_ulps * DBL_EPSILON, a0 = e[0].abs / fabs(e[0].val);
  round[Q_V] = u * (e[2].abs / fabs(e[0].val) + fabs(V) * a0);
  round[Q_BIAS] = u * in->F1sq.val * (e[1].abs / fabs(e[0].val) + fabs(B) * a0);
  round[Q_VAR] = (in->tau2 + irr) * round[Q_V];
  round[Q_RISK] = round[Q_BIAS] + round[Q_VAR] + u * x[Q_RISK];
  round[Q_KAPPA] = u * x[Q_KAPPA];
  round[Q_TRAIN] = f * f * round[Q_RISK] + 3.0 * u * x[Q_TRAIN];
}

/* Error from the fixed-point tolerance: differences in v1 and v2 at fixed constants. */
static void fp_errors(const deq_sridge_in *in, const mm_sys *s, const double *v,
                      const double *x, double relerr, double *err)
{
  for (int k = 0; k < 2; k++) {
    double vp[2] = { v[0], v[1] }, xp[NQ];
    vp[k] *= 1.0 + fd_rel;
    mm_outputs(in, s, vp, xp, NULL);
    for (int q = 0; q < NQ; q++)
      err[q] += fabs(xp[q] - x[q]) / fd_rel * relerr;
  }
}

/* Error from the Gaussian constants: one-sided differences, re-solving rf_onestep S5 from v when
 * a student constant moves (teacher constants do not enter rf_onestep S5). */
static int constant_errors(const deq_sridge_in *in, deq_solver *fp, const deq_opts *opts,
                           const double *v, const double *x, double *err)
{
  for (int k = 0; k < 5; k++) {
    deq_sridge_in c = *in;
    deq_result *th[5] = { &c.mu1sq, &c.mustar2, &c.F1sq, &c.Fstar2, &c.c0 };
    double vp[2] = { v[0], v[1] }, xp[NQ], relerr, e = th[k]->err;
    if (!(e > 0))
      continue;
    double h = fmax(fd_rel * fabs(th[k]->val), e);
    mm_sys s;
    th[k]->val += h;
    mm_sys_init(&c, &s);
    int status = k < 2 ? mm_solve(&s, fp, opts, vp, &relerr) : DEQ_SUCCESS;
    if (status)
      return status;
    mm_outputs(&c, &s, vp, xp, NULL);
    for (int q = 0; q < NQ; q++)
      err[q] += fabs(xp[q] - x[q]) * e / h;
  }
  return DEQ_SUCCESS;
}

static void mm_store(const deq_sridge_in *in, const double *x, const double *err,
                     deq_rf_result *out)
{
  deq_result *r[Q_V] = { &out->risk, &out->train_error, &out->bias, &out->variance,
                         &out->kappa };
  for (int q = 0; q < Q_V; q++) {
    r[q]->val = x[q];
    r[q]->err = err[q];
  }
  out->D1 = 1.0 - in->lambda / x[Q_KAPPA];
  out->D2 = x[Q_V] / (1.0 + x[Q_V]);
  out->irreducible = in->Fstar2.val + in->c0.val;
}

static int mm_check(const deq_rf_model *m, const deq_rf_params *p, const deq_opts *opts)
{
  int status = deq_rf_params_check(p);
  if (!status)
    status = deq_opts_check(opts);
  if (status)
    return status;
  if (!(p->lambda > 0))
    DEQ_ERROR("rf_mm: the closed form needs lambda > 0 (use deq_rf_risk)", DEQ_EINVAL);
  if (m->linear)
    DEQ_ERROR("rf_mm: the closed form needs mu_* > 0 (use deq_rf_risk)", DEQ_EINVAL);
  return DEQ_SUCCESS;
}

int deq_rf_risk_mm(const deq_rf_model *m, const deq_rf_params *p, const deq_opts *opts,
                   deq_rf_result *out)
{
  DEQ_CHECK_NULL(out, "out");
  DEQ_REQUIRE_RET(m != NULL && p != NULL, deq_rf_result_fail(out, DEQ_EINVAL),
                  "%s: m and p must not be NULL", __func__);
  opts = deq_opts_or_default(opts);
  int status = mm_check(m, p, opts);
  if (status)
    return deq_rf_result_fail(out, status);
  deq_sridge_in in;
  mm_sys s;
  deq_sridge_in_init(m, p, &in);
  mm_sys_init(&in, &s);
  double v[2] = { s.psi1 / (s.y0 + 1.0), s.psi2 / (s.y0 + 1.0) }, x[NQ], err[NQ] = { 0 };
  double relerr = 1.0, round[NQ];
  deq_solver *fp = m->fixpoint;
  status = mm_solve(&s, fp, opts, v, &relerr);
  relerr = fmax(relerr, mm_fp_bound(&s, v));
  mm_outputs(&in, &s, v, x, round);
  fp_errors(&in, &s, v, x, relerr, err);
  int cstatus = constant_errors(&in, fp, opts, v, x, err);
  for (int q = 0; q < NQ; q++)
    err[q] += round[q];
  mm_store(&in, x, err, out);
  out->status = deq_status_merge(status, cstatus);
  return out->status;
}

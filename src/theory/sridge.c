/* The spiked-ridge core: rf_onestep S1-S3 (Marchenko-Pastur pieces, in product form)
 * and rf_onestep S10-S19 (effective ridge, bias, variance, training error), with error estimates
 * (spec section 9).  Used by rf (no spike) and onestep (spike of rf_onestep S20). */
#include <float.h>
#include <math.h>
#include "core/check.h"
#include "theory/sridge.h"

/* Lower end of the ridgeless bracket (spec section 9). */
static const double kappa_floor = 1e-300;
/* Relative step of the finite differences that propagate errors. */
static const double fd_rel = 1e-6;
/* Rounding allowance of one evaluation of the formulas, in units of DBL_EPSILON. */
static const double round_ulps = 32.0;
/* |c| above which c^2 + 4p is evaluated in scaled form (no overflow). */
static const double c_big = 1e150;

enum { Q_RISK, Q_TRAIN, Q_BIAS, Q_VAR, NQ };
enum { TH_MU1SQ, TH_MUSTAR2, TH_F1SQ, TH_FSTAR2, TH_C0, TH_RHO2, TH_SU, NTH };

typedef struct {
  double D1, D2;  /* rf_onestep S11 */
  double g;       /* residual of rf_onestep S12: kappa (1 - D1) - lambda, or psi2 (D1 - 1) if lambda = 0 */
  double gscale;  /* sum of the magnitudes of the terms of g (its rounding scale) */
  double d2scale; /* the same for D2: e1 = 1 - tm and e2 = 1 - w cancel for large t2 */
} trace_pt;

typedef struct {
  trace_pt tr;
  double x[NQ];   /* risk, training error, bias, variance */
  int diverge;    /* risk = +inf (interpolation threshold) */
} sridge_pt;

double deq_quad_root(double c, double p, double *s)
{
  *s = fabs(c) < c_big ? sqrt(c * c + 4.0 * p) : fabs(c) * sqrt(1.0 + 4.0 * p / c / c);
  return c > 0 ? 2.0 * p / (c + *s) : 0.5 * (*s - c);
}

/* (rf_onestep S1) tm = t mbar(t): t m^2 + (t + psi1 - 1) m - 1 = 0 times t is tm^2 + b tm - t = 0,
 * b = t + psi1 - 1, and s = sqrt(b^2 + 4t) = 2 t mbar + t + psi1 - 1 (the denominator
 * of rf_onestep S2).  tm(0) = max(0, 1 - psi1). */
static double mp_tm(double t, double psi1, double *s)
{
  return deq_quad_root(t + psi1 - 1.0, t, s);
}

/* (rf_onestep S13) t F(t) and t^2 F'(t) of F(t) = beta^T (W W^T + t)^{-1} beta with the spike
 * (rho^2, s_u), in the tm form that stays finite at t = 0 (where t F = 0 if psi1 >= 1). */
static void spiked_form(double t, double psi1, double rho2, double s_u, double *tF, double *t2dF)
{
  double s, tm = mp_tm(t, psi1, &s);
  double den = t + (1.0 + s_u) * tm;
  if (den == 0.0) {
    *tF = 0.0;
    *t2dF = 0.0;
    return;
  }
  double w = tm * (tm + t) / s;  /* -t^2 mbar'(t), rf_onestep S2 */
  *tF = tm - rho2 * tm * tm / den;
  *t2dF = -w * (1.0 - rho2 * tm * (2.0 * t + (1.0 + s_u) * tm) / (den * den));
}

static double ridgeless_rank(const deq_sridge_in *in)
{
  return in->linear ? fmin(in->psi1, 1.0) : in->psi1;
}

/* psi2 D1 of rf_onestep S11 (the one expression both paths below use). */
static inline double trace_d1(double psi1, double q, double omq, double e1)
{
  return psi1 * omq + q * e1;
}

/* The residual of rf_onestep S12 from psi2 D1. */
static inline double trace_g(const deq_sridge_in *in, double kappa, double d1)
{
  double psi2 = in->psi2;
  return in->lambda > 0 ? kappa * ((psi2 - d1) / psi2) - in->lambda : d1 - psi2;
}

/* (rf_onestep S11) at kappa > 0 with q = kappa / (mu_*^2 + kappa), e1 = 1 - tm(t2) and
 * e2 = 1 - t2^2 |mbar'(t2)|, arranged so that no term grows with psi1:
 *   psi2 D1 = psi1 (1 - q) + q e1,   psi2 D2 = psi1 (1 - q)^2 + 2 q e1 - q^2 e2.
 * (rf_onestep S19) mu1 = 0: e1 = e2 = 0.  At kappa = 0 (ridgeless, r <= psi2): D1 = D2 = r/psi2. */
static void sridge_trace(const deq_sridge_in *in, double kappa, trace_pt *tr)
{
  double psi1 = in->psi1, psi2 = in->psi2, ms2 = in->mustar2.val;
  if (kappa == 0.0) {
    tr->D1 = tr->D2 = ridgeless_rank(in) / psi2;
    tr->g = tr->gscale = tr->d2scale = 0.0;
    return;
  }
  double q = kappa / (ms2 + kappa), omq = ms2 / (ms2 + kappa), e1 = 0.0, e2 = 0.0;
  double e1scale = 0.0, e2scale = 0.0;
  if (!in->degenerate) {
    double s, t2 = (ms2 + kappa) / in->mu1sq.val, tm = mp_tm(t2, psi1, &s);
    double w = tm > 0 ? tm * (tm + t2) / s : 0.0;
    e1 = 1.0 - tm;
    e2 = 1.0 - w;
    e1scale = 1.0 + fabs(tm);
    e2scale = 1.0 + fabs(w);
  }
  double d1 = trace_d1(psi1, q, omq, e1);
  tr->D1 = d1 / psi2;
  tr->D2 = (psi1 * omq * omq + q * (2.0 * e1 - q * e2)) / psi2;
  tr->d2scale = (psi1 * omq * omq + q * (2.0 * e1scale + q * e2scale)) / psi2;
  double dscale = psi2 + psi1 * omq + q * fabs(e1);
  tr->g = trace_g(in, kappa, d1);
  tr->gscale = in->lambda > 0 ? kappa * dscale / psi2 + in->lambda : dscale;
}

/* (rf_onestep S14) L_un = t1 F(t1) and (rf_onestep S15) mu1^2 K2 = (1 - q) t2 F(t2) - L_un - q t2^2 F'(t2),
 * the cancellation-free form (t1 F(t2) = (1 - q) t2 F(t2), t2 kappa F'(t2) =
 * mu1^2 q t2^2 F'(t2)); K2 = 0 at kappa = 0.  (rf_onestep S19) mu1 = 0: L_un = 1, K2 = 0. */
static void signal_terms(const deq_sridge_in *in, double kappa, double *L_un, double *K2)
{
  double ms2 = in->mustar2.val, mu1sq = in->mu1sq.val, tF1, tF2, dF2;
  *L_un = 1.0;
  *K2 = 0.0;
  if (in->degenerate)
    return;
  spiked_form(ms2 / mu1sq, in->psi1, in->rho2.val, in->s_u.val, &tF1, &dF2);
  *L_un = tF1;
  if (kappa > 0) {
    double q = kappa / (ms2 + kappa), omq = ms2 / (ms2 + kappa);
    spiked_form((ms2 + kappa) / mu1sq, in->psi1, in->rho2.val, in->s_u.val, &tF2, &dF2);
    *K2 = omq * tF2 - tF1 - q * dF2;
  }
}

/* (rf_onestep S18) T = (lambda/kappa)^2 (R + tau^2); ridgeless: 0 above the threshold,
 * (1 - r/psi2)^2 (R + tau^2) below it. */
static double train_error(const deq_sridge_in *in, double kappa, double risk)
{
  double f = 0.0;
  if (in->lambda > 0)
    f = in->lambda / kappa;
  else if (kappa == 0.0)
    f = (in->psi2 - ridgeless_rank(in)) / in->psi2;
  return f == 0.0 ? 0.0 : f * f * (risk + in->tau2);
}

/* (rf_onestep S16)-(rf_onestep S17) and (rf_onestep S19) at a given kappa.  If 1 - D2 <= 0 (interpolation threshold), a
 * part with a non-zero numerator is +inf and the other is 0: no 0 * inf. */
static void sridge_eval(const deq_sridge_in *in, double kappa, sridge_pt *pt)
{
  double L_un, K2;
  sridge_trace(in, kappa, &pt->tr);
  signal_terms(in, kappa, &L_un, &K2);
  double omD2 = 1.0 - pt->tr.D2, irr = in->Fstar2.val + in->c0.val;
  double sig = in->F1sq.val * (L_un + K2), var = (in->tau2 + irr) * pt->tr.D2;
  if (omD2 > 0) {
    pt->x[Q_BIAS] = sig / omD2;
    pt->x[Q_VAR] = var / omD2;
  } else {
    pt->x[Q_BIAS] = sig > 0 ? HUGE_VAL : 0.0;
    pt->x[Q_VAR] = var > 0 ? HUGE_VAL : 0.0;
  }
  pt->x[Q_RISK] = pt->x[Q_BIAS] + pt->x[Q_VAR] + irr;
  pt->diverge = !(omD2 > 0) && isinf(pt->x[Q_RISK]);   /* the threshold, not an overflow */
  pt->x[Q_TRAIN] = pt->diverge ? 0.0 : train_error(in, kappa, pt->x[Q_RISK]);
}

/* The residual g of rf_onestep S12 alone (what Brent evaluates): D1 without D2 and the scales, the
 * same operations as sridge_trace, so the same bits. */
static double residual_at(const deq_sridge_in *in, double kappa)
{
  if (kappa == 0.0)
    return 0.0;
  double ms2 = in->mustar2.val, q = kappa / (ms2 + kappa), omq = ms2 / (ms2 + kappa), e1 = 0.0;
  if (!in->degenerate) {
    double s, t2 = (ms2 + kappa) / in->mu1sq.val;
    e1 = 1.0 - mp_tm(t2, in->psi1, &s);
  }
  return trace_g(in, kappa, trace_d1(in->psi1, q, omq, e1));
}

/* rf_onestep S12's residual as the solver driver sees it. */
static int residual_fn(const double complex *kappa, void *params, double complex *F,
                       double complex *J)
{
  (void) J;
  F[0] = residual_at(params, creal(kappa[0]));
  return isfinite(creal(F[0])) ? DEQ_SUCCESS : DEQ_EBADFUNC;
}

/* Bracket of rf_onestep S12 / section 9: [lambda, lambda + (psi1/psi2)(mu1^2 + mu_*^2)], or for
 * lambda = 0 above the threshold [1e-300, (psi1/psi2)(mu1^2 + mu_*^2)]. */
static void kappa_bracket(const deq_sridge_in *in, double *lo, double *hi)
{
  double width = in->psi1 / in->psi2 * (in->mu1sq.val + in->mustar2.val);
  *lo = in->lambda > 0 ? in->lambda : kappa_floor;
  *hi = in->lambda + width;
}

/* Brent on rf_onestep S12 through the solver driver; *width is the final bracket width (the root
 * tolerance, the driver's error).  A root at the lower end is taken as it is; a bracket
 * whose ends have residuals of one sign (the Brent type's set refuses it) is DEQ_ETOL. */
static int solve_kappa(const deq_sridge_in *in, deq_solver *s, const deq_opts *opts,
                       double *kappa, double *width)
{
  double lo, hi;
  kappa_bracket(in, &lo, &hi);
  *kappa = lo;
  *width = hi - lo;
  double flo = residual_at(in, lo);
  if (flo == 0.0)
    return DEQ_SUCCESS;
  double complex x[2] = { lo, hi };
  int status = deq_solver_solve(s, residual_fn, (void *) in, opts, x);
  if (status == DEQ_EINVAL && s->iters == 0)
    DEQ_ERRORF(DEQ_ETOL, "rf: effective ridge not bracketed in [%g, %g] (residuals %g, %g)",
               lo, hi, flo, residual_at(in, hi));
  *kappa = creal(x[0]);
  *width = deq_solver_error(s);
  if (status)
    DEQ_ERRORF(status, "rf: Brent on kappa: %s, bracket [%g, %g] after %d steps",
               deq_strerror(status), s->lo, s->hi, s->iters);
  return DEQ_SUCCESS;
}

static deq_result *theta(deq_sridge_in *in, int k)
{
  deq_result *t[NTH] = { &in->mu1sq, &in->mustar2, &in->F1sq, &in->Fstar2, &in->c0,
                         &in->rho2, &in->s_u };
  return t[k];
}

/* dX/dkappa and dg/dkappa by central differences (0 at kappa = 0). */
static void kappa_slopes(const deq_sridge_in *in, double kappa, double *dx, double *dg)
{
  sridge_pt a, b;
  double h = fd_rel * kappa;
  *dg = 0.0;
  for (int q = 0; q < NQ; q++)
    dx[q] = 0.0;
  if (kappa == 0.0)
    return;
  sridge_eval(in, kappa + h, &a);
  sridge_eval(in, kappa - h, &b);
  for (int q = 0; q < NQ; q++)
    dx[q] = (a.x[q] - b.x[q]) / (2.0 * h);
  *dg = (a.tr.g - b.tr.g) / (2.0 * h);
}

/* Error of X from the errors of the constants: one-sided difference at fixed kappa,
 * then the shift of kappa through rf_onestep S12 (dkappa = -dg / g'), summed in absolute value. */
/* A constant the model has classified as exactly zero (mu_*^2 of a linear student, mu1^2 of
 * a degenerate one: deq_rf_model) selects other formulas (rf_onestep S19, the rank min(psi1, 1)); moving
 * it by h would cross to the other branch, which is no derivative, so it is not perturbed.
 * Its classification error stays in its own bar. */
static int structural_zero(const deq_sridge_in *in, int k)
{
  return (k == TH_MUSTAR2 && in->linear) || (k == TH_MU1SQ && in->degenerate);
}

static void constant_errors(const deq_sridge_in *in, double kappa, const sridge_pt *pt,
                            const double *dx, double dg, double *err, double *kerr)
{
  for (int k = 0; k < NTH; k++) {
    deq_sridge_in c = *in;
    deq_result *th = theta(&c, k);
    if (!(th->err > 0) || structural_zero(in, k))
      continue;
    double h = fmax(fd_rel * fabs(th->val), th->err), e = th->err;
    sridge_pt p;
    th->val += h;
    sridge_eval(&c, kappa, &p);
    double dk = dg != 0.0 ? -(p.tr.g - pt->tr.g) / dg : 0.0;
    for (int q = 0; q < NQ; q++)
      err[q] += fabs(p.x[q] - pt->x[q] + dx[q] * dk) * e / h;
    *kerr += fabs(dk) * e / h;
  }
}

/* a * b, but 0 when a = 0 (also for b = inf): a vanishing numerator has no rounding
 * error, even where 1/(1 - D2) is infinite (ridgeless at r = psi2 with a zero signal). */
static double times(double a, double b)
{
  return a == 0.0 ? 0.0 : a * b;
}

/* err = |dX/dkappa| err_kappa + constants + rounding amplified by 1/(1 - D2). */
static void sridge_errors(const deq_sridge_in *in, double kappa, double width,
                          const sridge_pt *pt, double *err, double *kerr)
{
  double dx[NQ], dg;
  kappa_slopes(in, kappa, dx, &dg);
  *kerr = width + (dg != 0.0 ? round_ulps * DBL_EPSILON * pt->tr.gscale / fabs(dg) : 0.0);
  double kroot = *kerr, cond = 1.0 / (1.0 - pt->tr.D2);
  for (int q = 0; q < NQ; q++)
    err[q] = 0.0;
  constant_errors(in, kappa, pt, dx, dg, err, kerr);
  for (int q = 0; q < NQ; q++)
    err[q] += fabs(dx[q]) * kroot + round_ulps * DBL_EPSILON * times(fabs(pt->x[q]), cond);
  /* rounding of D2 itself (cancellation in e1, e2 and 2 e1 - q e2 when D2 << its terms):
   * bias = S/(1 - D2), variance = c D2/(1 - D2), T = f^2 (R + tau^2) */
  double dD2 = round_ulps * DBL_EPSILON * times(pt->tr.d2scale, cond);
  double dbias = times(fabs(pt->x[Q_BIAS]), dD2);
  double dvar = times(in->tau2 + in->Fstar2.val + in->c0.val, times(dD2, cond));
  err[Q_BIAS] += dbias;
  err[Q_VAR] += dvar;
  err[Q_RISK] += dbias + dvar;
  double rt = pt->x[Q_RISK] + in->tau2;
  if (rt > 0)
    err[Q_TRAIN] += pt->x[Q_TRAIN] / rt * (dbias + dvar);
}

static void store(const sridge_pt *pt, double kappa, const double *err, double kerr,
                  double irr, deq_rf_result *out)
{
  deq_result *x[NQ] = { &out->risk, &out->train_error, &out->bias, &out->variance };
  for (int q = 0; q < NQ; q++) {
    x[q]->val = pt->x[q];
    x[q]->err = isinf(pt->x[q]) ? 0.0 : err[q];
  }
  out->kappa.val = kappa;
  out->kappa.err = kerr;
  out->D1 = pt->tr.D1;
  out->D2 = pt->tr.D2;
  out->irreducible = irr;
}

static int regime_kappa(const deq_sridge_in *in, deq_solver *s, const deq_opts *opts,
                        double *kappa, double *width)
{
  *kappa = 0.0;
  *width = 0.0;
  if (in->lambda == 0.0 && ridgeless_rank(in) <= in->psi2)
    return DEQ_SUCCESS;  /* under-parametrised least squares, or the threshold */
  return solve_kappa(in, s, opts, kappa, width);
}

/* The sanity contract of a finite result: every value and bar finite, bars >= 0. */
static int result_finite(const deq_rf_result *out)
{
  deq_result r[] = { out->risk, out->train_error, out->bias, out->variance, out->kappa };
  return deq_results_finite(r, sizeof r / sizeof r[0]);
}

int deq_sridge_solve(const deq_sridge_in *in, deq_solver *s, const deq_opts *opts,
                     deq_rf_result *out)
{
  double kappa, width, err[NQ] = { 0 }, kerr = 0.0;
  sridge_pt pt;
  int status = regime_kappa(in, s, opts, &kappa, &width);
  if (status == DEQ_ETOL)
    return deq_rf_result_fail(out, status);
  sridge_eval(in, kappa, &pt);
  if (!pt.diverge)
    sridge_errors(in, kappa, width, &pt, err, &kerr);
  store(&pt, kappa, err, kerr, in->Fstar2.val + in->c0.val, out);
  out->status = status;
  if (status == DEQ_SUCCESS && pt.diverge) {
    out->status = DEQ_EDIVERGE;
    DEQ_ERRORF(DEQ_EDIVERGE, "rf: interpolation threshold (width_ratio %g, sample_ratio %g, "
               "lambda = 0): risk is +inf", in->psi1, in->psi2);
  }
  if (status == DEQ_SUCCESS && !result_finite(out)) {
    out->status = DEQ_EBADFUNC;
    DEQ_ERRORF(DEQ_EBADFUNC, "rf: a value or its error bar overflows double precision "
               "(width_ratio %g, sample_ratio %g, lambda %g, noise %g, spike %g)",
               in->psi1, in->psi2, in->lambda, in->tau2, in->s_u.val);
  }
  return status;
}

int deq_rf_result_fail(deq_rf_result *out, int status)
{
  deq_result nan = { NAN, NAN };
  out->risk = out->train_error = out->bias = out->variance = out->kappa = nan;
  out->D1 = out->D2 = out->irreducible = NAN;
  out->status = status;
  return status;
}

/* One gradient step, small learning rate (rf_onestep S20-S23), and the baselines of the
 * large-step regime (rf_onestep S24-S26). */
#include <float.h>
#include <math.h>
#include "deqnn/onestep.h"
#include "theory/sridge.h"
#include "theory/sridge.h"
#include "core/check.h"

/* Rounding allowance of one closed-form evaluation, in units of DBL_EPSILON. */
static const double round_ulps = 16.0;
/* Relative step of the finite difference in lambda_x (rf_onestep S26 error). */
static const double fd_rel = 1e-6;

static const char null_args[] = "the model, the parameters and the outputs must not be NULL";

/* The sanity contract of a baseline: finite value and bar, or DEQ_EBADFUNC. */
static int finite_or_flag(const deq_result *r, const char *what)
{
  if (!deq_results_finite(r, 1))
    DEQ_ERRORF(DEQ_EBADFUNC, "onestep: the %s risk overflows double precision (%g +- %g)",
               what, r->val, r->err);
  return DEQ_SUCCESS;
}

/* The ridges of the baselines may be far larger than the other parameters: their formulas
 * approach the limit lambda -> infinity without overflow up to ridge_max (rf_onestep
 * S25-S26; the square of a ridge near DBL_MAX does overflow). */
static const double ridge_max = 1e300;

static int check_ridge(double v, const char *name)
{
  if (!(v >= 0 && v <= ridge_max))
    DEQ_ERRORF(DEQ_EINVAL, "%s = %g: must lie in [0, %g]", name, v, ridge_max);
  return DEQ_SUCCESS;
}

static int params_check(const deq_onestep_params *p)
{
  deq_rf_params rf = { p->width_ratio, p->sample_ratio, p->lambda, p->noise };
  int status = deq_rf_params_check(&rf);
  if (!status)
    status = deq_check_ratio(p->batch_ratio, "batch_ratio");
  if (!status)
    status = deq_check_bounded(p->eta, "eta");
  return status;
}

/* E y^2 / psi_g with its error: (E sigma_*^2 + tau^2) / batch_ratio. */
static deq_result label_energy(const deq_rf_model *m, const deq_onestep_params *p)
{
  deq_result r = { (m->teach.m2.val + p->noise) / p->batch_ratio, m->teach.m2.err / p->batch_ratio };
  return r;
}

/* (rf_onestep S20) rho, s_u, and rho^2 (with errors from those of mu1^2, F1^2, E sigma_*^2). */
static void spike(const deq_rf_model *m, const deq_onestep_params *p, deq_onestep_spike *sp,
                  deq_result *rho2)
{
  double e2 = p->eta * p->eta, u = round_ulps * DBL_EPSILON;
  deq_result a = m->mu1sq, f = m->F1sq, y = label_energy(m, p);
  double mu1 = m->degenerate ? 0.0 : m->student.mu1.val, F1 = m->teach.mu1.val;
  sp->rho.val = p->eta * mu1 * F1;
  sp->rho.err = fabs(p->eta) * (fabs(F1) * m->student.mu1.err + fabs(mu1) * m->teach.mu1.err)
                + u * fabs(sp->rho.val);
  sp->s_u.val = e2 * a.val * (f.val + y.val);
  sp->s_u.err = e2 * (a.err * (f.val + y.val) + a.val * (f.err + y.err)) + u * sp->s_u.val;
  rho2->val = e2 * a.val * f.val;
  rho2->err = e2 * (a.err * f.val + a.val * f.err) + u * rho2->val;
}

int deq_onestep_spike_eval(const deq_rf_model *m, const deq_onestep_params *p,
                           deq_onestep_spike *out)
{
  DEQ_CHECK(m != NULL && p != NULL && out != NULL, "%s: %s", __func__, null_args);
  int status = params_check(p);
  if (status)
    return status;
  deq_result rho2;
  spike(m, p, out, &rho2);
  deq_result both[2] = { out->rho, out->s_u };
  if (!deq_results_finite(both, 2))
    DEQ_ERRORF(DEQ_EBADFUNC, "onestep: the spike overflows double precision (eta = %g)", p->eta);
  return DEQ_SUCCESS;
}

int deq_onestep_risk(deq_rf_model *m, const deq_onestep_params *p, const deq_opts *opts,
                     deq_rf_result *out)
{
  DEQ_CHECK_NULL(out, "out");
  DEQ_REQUIRE_RET(m != NULL && p != NULL, deq_rf_result_fail(out, DEQ_EINVAL), "%s: %s",
                  __func__, null_args);
  opts = deq_opts_or_default(opts);
  int status = params_check(p);
  if (!status)
    status = deq_opts_check(opts);
  if (status)
    return deq_rf_result_fail(out, status);
  deq_rf_params rf = { p->width_ratio, p->sample_ratio, p->lambda, p->noise };
  deq_onestep_spike sp;
  deq_sridge_in in;
  deq_sridge_in_init(m, &rf, &in);
  spike(m, p, &sp, &in.rho2);
  in.s_u = sp.s_u;
  return deq_sridge_solve(&in, m->solver, opts, out);
}

/* (rf_onestep S21) F1^2 / (F1^2 + E y^2/psi_g), error by the partial derivatives. */
static deq_result gradient_cos2(const deq_rf_model *m, const deq_onestep_params *p)
{
  deq_result f = m->F1sq, y = label_energy(m, p), c = { 0.0, 0.0 };
  double den = f.val + y.val;
  if (den > 0) {
    c.val = f.val / den;
    c.err = (y.val * f.err + f.val * y.err) / (den * den) + round_ulps * DBL_EPSILON * c.val;
  }
  return c;
}

int deq_onestep_gradient_alignment(const deq_rf_model *m, const deq_onestep_params *p,
                                   deq_result *cos2)
{
  DEQ_CHECK(m != NULL && p != NULL && cos2 != NULL, "%s: %s", __func__, null_args);
  int status = params_check(p);
  if (status)
    return status;
  *cos2 = gradient_cos2(m, p);
  if (!deq_results_finite(cos2, 1))
    DEQ_ERROR("onestep: the gradient alignment is not finite (constants beyond double "
              "precision)", DEQ_EBADFUNC);
  return DEQ_SUCCESS;
}

int deq_onestep_bbp_eval(const deq_rf_model *m, const deq_onestep_params *p,
                         deq_onestep_bbp *out)
{
  DEQ_CHECK(m != NULL && p != NULL && out != NULL, "%s: %s", __func__, null_args);
  int status = params_check(p);
  if (status)
    return status;
  deq_onestep_spike sp;
  deq_result rho2;
  spike(m, p, &sp, &rho2);
  double psi1 = p->width_ratio, s = sp.s_u.val, r = sqrt(psi1);
  out->edge = (1.0 + r) * (1.0 + r);
  out->outlier = s > r;
  out->theta.val = out->edge;
  out->theta.err = round_ulps * DBL_EPSILON * out->edge;
  if (out->outlier) {
    out->theta.val = (psi1 + s) * (1.0 + 1.0 / s);
    out->theta.err = fabs(1.0 - psi1 / (s * s)) * sp.s_u.err
                     + round_ulps * DBL_EPSILON * out->theta.val;
  }
  if (!deq_results_finite(&out->theta, 1))
    DEQ_ERRORF(DEQ_EBADFUNC, "onestep: the BBP outlier overflows double precision (spike "
               "strength s_u = %g)", s);
  return DEQ_SUCCESS;
}

/* (rf_onestep S23) = (rf_onestep S21) * f(s_u), f(s) = (s^2 - psi1) / (s (1 + s)), since rho^2/s_u is rf_onestep S21. */
int deq_onestep_weight_alignment(const deq_rf_model *m, const deq_onestep_params *p,
                                 deq_result *cos2)
{
  DEQ_CHECK(m != NULL && p != NULL && cos2 != NULL, "%s: %s", __func__, null_args);
  int status = params_check(p);
  if (status)
    return status;
  deq_onestep_spike sp;
  deq_result rho2, a = gradient_cos2(m, p);
  spike(m, p, &sp, &rho2);
  double psi1 = p->width_ratio, s = sp.s_u.val;
  cos2->val = cos2->err = 0.0;
  if (!(s > sqrt(psi1)))
    return DEQ_SUCCESS;
  /* f and f' in forms that stay finite for s_u up to the largest double */
  double f = (s - psi1 / s) / (1.0 + s);
  double df = (1.0 + 2.0 * psi1 / s + psi1 / (s * s)) / ((1.0 + s) * (1.0 + s));
  cos2->val = a.val * f;
  cos2->err = a.err * f + a.val * fabs(df) * sp.s_u.err + round_ulps * DBL_EPSILON * cos2->val;
  if (!deq_results_finite(cos2, 1))
    DEQ_ERRORF(DEQ_EBADFUNC, "onestep: the weight alignment is not finite (s_u = %g)", s);
  return DEQ_SUCCESS;
}

int deq_onestep_best_linear(const deq_rf_model *m, deq_result *risk)
{
  DEQ_CHECK(m != NULL && risk != NULL, "%s: %s", __func__, null_args);
  *risk = m->Fstar2;
  return DEQ_SUCCESS;
}

/* (rf_onestep S25) with F_s the part treated as noise; errors from those of F1^2 and F_s. */
static int linear_ridge(deq_result F1sq, deq_result Fs, double tau2, double psi2,
                        double lambda_x, deq_result *risk)
{
  double gamma = 1.0 / psi2, s, k = deq_quad_root(1.0 - gamma - lambda_x, lambda_x, &s);
  double fk = k / (1.0 + k), delta = gamma / (1.0 + k) / (1.0 + k), om = 1.0 - delta;
  double num = F1sq.val * fk * fk + (tau2 + Fs.val) * delta;
  risk->err = 0.0;
  if (!(om > 0)) {
    risk->val = num > 0 ? HUGE_VAL : Fs.val;
    if (num > 0)
      DEQ_ERRORF(DEQ_EDIVERGE, "linear ridge: interpolation threshold (sample_ratio %g, "
                 "lambda_x = 0): risk is +inf", psi2);
    return DEQ_SUCCESS;
  }
  risk->val = Fs.val + num / om;
  risk->err = (fk * fk * F1sq.err + Fs.err) / om + round_ulps * DBL_EPSILON * risk->val / om;
  return finite_or_flag(risk, "linear ridge");
}

/* F_s = F_*^2 + mu0s^2: no intercept on the raw input. */
static deq_result raw_noise_part(const deq_rf_model *m)
{
  double mu0s = m->teach.mu0.val;
  deq_result r = { m->Fstar2.val + mu0s * mu0s,
                   m->Fstar2.err + 2.0 * fabs(mu0s) * m->teach.mu0.err };
  return r;
}

int deq_onestep_linear_ridge(const deq_rf_model *m, double sample_ratio, double lambda_x,
                             double noise, deq_result *risk)
{
  DEQ_CHECK(m != NULL && risk != NULL, "%s: %s", __func__, null_args);
  int status = deq_check_ratio(sample_ratio, "sample_ratio");
  if (!status)
    status = check_ridge(lambda_x, "lambda_x");
  if (!status)
    status = deq_check_param(noise, "noise");
  if (status)
    return status;
  return linear_ridge(m->F1sq, raw_noise_part(m), noise, sample_ratio, lambda_x, risk);
}

int deq_onestep_linear_ridge_opt(const deq_rf_model *m, double sample_ratio, double noise,
                                 deq_result *lambda_x, deq_result *risk)
{
  DEQ_CHECK(m != NULL && lambda_x != NULL && risk != NULL, "%s: %s", __func__, null_args);
  int status = deq_check_ratio(sample_ratio, "sample_ratio");
  if (!status)
    status = deq_check_param(noise, "noise");
  if (status)
    return status;
  deq_result Fs = raw_noise_part(m), F1sq = m->F1sq;
  if (!(F1sq.val > 0)) {
    lambda_x->val = HUGE_VAL;
    lambda_x->err = 0.0;
    risk->val = Fs.val + F1sq.val;
    risk->err = Fs.err + F1sq.err;
    return DEQ_SUCCESS;
  }
  lambda_x->val = (noise + Fs.val) / (sample_ratio * F1sq.val);
  lambda_x->err = lambda_x->val * (Fs.err / (noise + Fs.val + DBL_MIN) + F1sq.err / F1sq.val)
                  + round_ulps * DBL_EPSILON * lambda_x->val;
  if (!deq_results_finite(lambda_x, 1))
    DEQ_ERRORF(DEQ_EBADFUNC, "onestep: the optimal input ridge overflows (F1^2 = %g)",
               F1sq.val);
  return linear_ridge(F1sq, Fs, noise, sample_ratio, lambda_x->val, risk);
}

int deq_onestep_kernel_ridge(const deq_rf_model *m, double sample_ratio, double lambda_kernel,
                             double noise, deq_result *risk)
{
  DEQ_CHECK(m != NULL && risk != NULL, "%s: %s", __func__, null_args);
  int status = deq_check_ratio(sample_ratio, "sample_ratio");
  if (!status)
    status = check_ridge(lambda_kernel, "lambda_kernel");
  if (!status)
    status = deq_check_param(noise, "noise");
  if (status)
    return status;
  deq_result Fs = { m->Fstar2.val + m->c0.val, m->Fstar2.err + m->c0.err };
  if (m->degenerate) {
    risk->val = m->F1sq.val + Fs.val;
    risk->err = m->F1sq.err + Fs.err + round_ulps * DBL_EPSILON * risk->val;
    return DEQ_SUCCESS;
  }
  double ms = m->mustar2.val + lambda_kernel, a = m->mu1sq.val * sample_ratio;
  double lam = ms / a, lam_err = (m->mustar2.err + ms * m->mu1sq.err / m->mu1sq.val) / a;
  status = linear_ridge(m->F1sq, Fs, noise, sample_ratio, lam, risk);
  if (status || !(lam > 0))
    return status;
  deq_result r2;
  linear_ridge(m->F1sq, Fs, noise, sample_ratio, lam * (1.0 + fd_rel), &r2);
  risk->err += fabs(r2.val - risk->val) / (fd_rel * lam) * lam_err;
  return finite_or_flag(risk, "kernel ridge");
}

int deq_onestep_baselines_eval(deq_rf_model *m, const deq_rf_params *p, const deq_opts *opts,
                               deq_onestep_baselines *out)
{
  DEQ_CHECK_NULL(out, "out");
  DEQ_REQUIRE_RET(m != NULL && p != NULL, out->status = DEQ_EINVAL, "%s: %s", __func__,
                  null_args);
  int status = deq_rf_risk(m, p, opts, &out->rf);
  if (status == DEQ_EINVAL)
    return out->status = status;
  deq_onestep_best_linear(m, &out->best_linear);
  int s2 = deq_onestep_linear_ridge_opt(m, p->sample_ratio, p->noise, &out->lambda_x_opt,
                                        &out->linear_ridge_opt);
  int s3 = deq_onestep_kernel_ridge(m, p->sample_ratio, 0.0, p->noise, &out->kernel_limit);
  out->status = deq_status_merge(status, deq_status_merge(s2, s3));
  return out->status;
}

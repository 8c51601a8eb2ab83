/* deqnn/rf.h -- random-features ridge regression: test risk in the proportional limit.
 *
 * Model (spec rf_onestep.md section 1).  Data x ~ N(0, I_d); labels
 * y = sigma_*(<beta_*, x>) + eps, ||beta_*|| = 1, eps ~ N(0, tau^2).  Features
 * sigma(W^T x) with W d x N, entries N(0, 1/d), sigma used as given (no normalisation).
 * The second layer is fitted by ridge on n fresh samples,
 *   a_hat = argmin_a (1/n) ||y - Phi a||^2 + lambda ||a||^2,   Phi = sigma(X W) (n x N).
 * Limit d, N, n -> infinity with
 *   width_ratio  = N/d   (Mei-Montanari psi1),
 *   sample_ratio = n/d   (Mei-Montanari psi2),
 * and lambda fixed.  Mei-Montanari's penalty is lambda_MM = lambda / width_ratio.
 *
 * Outputs (deq_rf_result):
 *   risk         R = E_x (f_*(x) - a_hat^T sigma(W^T x))^2, the EXCESS risk: the label
 *                noise tau^2 is not included (the test error on noisy labels is R + tau^2);
 *   train_error  T = (1/n) ||y - Phi a_hat||^2 (no penalty term);
 *   bias         F1^2 B,  variance (tau^2 + F_*^2 + c0) V,  so that
 *                R = bias + variance + irreducible, irreducible = F_*^2 + c0 (rf_onestep S17, rf_onestep S19);
 *   kappa        the effective ridge (rf_onestep S12);
 *   D1, D2       df1/n and df2/n of the feature covariance at kappa (rf_onestep S11).
 * Every deq_result carries an absolute error estimate err: the root-finding tolerance
 * and the quadrature error of the Gaussian constants, propagated by finite differences,
 * plus rounding amplified by the condition number 1/(1 - D2) (spec section 9).
 *
 * Status.  DEQ_EDIVERGE at the interpolation threshold of the ridgeless limit
 * (lambda = 0 and r = sample_ratio, r as in rf_onestep S12): risk = +inf, never a NaN.  The
 * result's `status` field repeats the return value.
 *
 * Threads.  A model holds the root-solver workspace: use one model per thread.
 */
#ifndef DEQ_RF_H
#define DEQ_RF_H

#include "deqnn/act.h"
#include "deqnn/opts.h"
#include "deqnn/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Plan: the Gaussian constants of the student and the teacher, computed once, and the
 * Brent workspace.  Opaque. */
typedef struct deq_rf_model deq_rf_model;

/* One point of a risk curve. */
typedef struct {
  double width_ratio;   /* N/d (MM psi1), finite, > 0 */
  double sample_ratio;  /* n/d (MM psi2), finite, > 0 */
  double lambda;        /* ridge as in the definition above, finite, >= 0; 0 = limit 0+ */
  double noise;         /* tau^2, label-noise variance, finite, >= 0 */
} deq_rf_params;

/* Gaussian constants of the model (rf_onestep S2), G ~ N(0, 1). */
typedef struct {
  deq_result mu0, mu1, mustar2;   /* student: E s(G), E G s(G), E s^2 - mu0^2 - mu1^2 */
  double zeta;                    /* mu1 / mu_* (+inf if mu_* = 0) */
  deq_result teacher_mu0;         /* mu0s = E s_*(G) */
  deq_result F1;                  /* E G s_*(G) */
  deq_result Fstar2;              /* E s_*^2 - mu0s^2 - F1^2 = ||P_{>1} f_*||^2 */
  deq_result teacher_m2;          /* E s_*(G)^2 */
  deq_result c0;                  /* mu0s^2 if mu0 = 0 (|mu0| <= 1e-12 sqrt(E s^2)), else 0 */
  int linear;                     /* mu_*^2 <= 1e-12 E s^2: treated as 0 (linear student) */
  int degenerate;                 /* |mu1| <= 1e-12 sqrt(E s^2): no linear signal (rf_onestep S19) */
} deq_rf_constants;

typedef struct {
  deq_result risk;         /* R, excess test risk (rf_onestep S17) */
  deq_result train_error;  /* T (rf_onestep S18) */
  deq_result bias;         /* F1^2 B (rf_onestep S19) */
  deq_result variance;     /* (tau^2 + F_*^2 + c0) V (rf_onestep S19) */
  deq_result kappa;        /* effective ridge (rf_onestep S12) */
  double D1, D2;           /* rf_onestep S11 at kappa */
  double irreducible;      /* F_*^2 + c0 */
  int status;              /* the return value of the call */
} deq_rf_result;

/* Compute the Gaussian constants of `act` (student) and `teacher` (both deq_act; a
 * teacher "poly:c0,c1,c2,c3" has mu0s = c0, F1 = c1, F_*^2 = c2^2 + c3^2) and allocate
 * the workspace.  *m is NULL on failure.  Errors: DEQ_EINVAL if the student is constant
 * on the Gaussian (mu1 = mu_* = 0); DEQ_ETOL / DEQ_EBADFUNC from the quadrature;
 * DEQ_ENOMEM. */
int deq_rf_model_alloc(const deq_act *act, const deq_act *teacher, const deq_opts *opts,
                       deq_rf_model **m);

/* Release a model; NULL is a no-op. */
void deq_rf_model_free(deq_rf_model *m);

/* The constants of rf_onestep S2 held by the model. */
void deq_rf_model_constants(const deq_rf_model *m, deq_rf_constants *c);

/* Risk of random-features ridge by the effective-ridge route (rf_onestep S10-S19, no spike):
 * kappa solves lambda = kappa (1 - D1(kappa)) by Brent on
 * [lambda, lambda + (N/n)(mu1^2 + mu_*^2)]; ridgeless (lambda = 0): kappa = 0 below
 * the threshold, the root of D1 = 1 above it.  Linear students (mu_* = 0) and mu1 = 0
 * (rf_onestep S19) are covered.
 * Errors: DEQ_EINVAL naming the parameter (ratio <= 0 or not finite, lambda < 0,
 * noise < 0, NaN anywhere); DEQ_EDIVERGE at the interpolation threshold (risk = +inf);
 * DEQ_EMAXITER if Brent needs more than opts->max_iter steps (last iterate returned);
 * DEQ_ETOL if the bracket does not contain a root (not expected). */
int deq_rf_risk(deq_rf_model *m, const deq_rf_params *p, const deq_opts *opts,
                deq_rf_result *out);

/* The same risk by Mei-Montanari's closed form (rf_onestep S5-S8): the system rf_onestep S5 for (v1, v2) by
 * damped iteration (opts->fp_damping, at most opts->fp_max_iter steps, stopped when the
 * extrapolated error step * r / (1 - r) < opts->tol_step), then B = E1/E0, V = E2/E0.
 * kappa = sqrt(sample_ratio lambda) mu_* / v2 [derived], which gives D1 = 1 - lambda/kappa,
 * D2 = V/(1 + V) and T by rf_onestep S18.  Needs lambda > 0 and mu_* > 0 (DEQ_EINVAL otherwise).
 * DEQ_EMAXITER at the cap (last iterate returned), DEQ_ETOL if the residual of rf_onestep S5 at
 * the stopping point exceeds opts->tol_res. */
int deq_rf_risk_mm(const deq_rf_model *m, const deq_rf_params *p, const deq_opts *opts,
                   deq_rf_result *out);

#ifdef __cplusplus
}
#endif
#endif

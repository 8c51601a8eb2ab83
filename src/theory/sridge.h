/* Internal: the spiked-ridge core ("sridge"): the test risk, training error, bias and
 * variance of ridge regression on Gaussian-equivalent random features whose first layer
 * carries a rank-one spike (rf_onestep S10-S19).  rf calls it with no spike, onestep with
 * the spike of rf_onestep S20.  Also the model object of deqnn/rf.h that both share. */
#ifndef DEQ_THEORY_SRIDGE_H
#define DEQ_THEORY_SRIDGE_H

#include "core/solver.h"
#include "deqnn/rf.h"

struct deq_rf_model {
  deq_act act, teacher;
  deq_act_gauss student, teach;
  deq_result mu1sq, mustar2;         /* student mu1^2, mu_*^2 */
  deq_result F1sq, Fstar2, c0;       /* teacher F1^2, F_*^2, c0 (rf_onestep S2) */
  int linear, degenerate;            /* see deq_rf_constants */
  deq_solver *solver;                /* Brent on the effective ridge (rf_onestep S12) */
  deq_solver *fixpoint;              /* damped fixed point of rf_onestep S5 (rf_mm.c) */
};

/* Inputs of the core: ratios, ridge, noise, Gaussian constants with their errors and
 * the rank-one spike (rho^2 = <u, beta_*>^2, s_u = ||u||^2; both 0 for plain RF). */
typedef struct {
  double psi1, psi2, lambda, tau2;
  deq_result mu1sq, mustar2, F1sq, Fstar2, c0;
  deq_result rho2, s_u;
  int linear, degenerate;
} deq_sridge_in;

/* Validate a point: DEQ_EINVAL naming width_ratio, sample_ratio, lambda or noise. */
int deq_rf_params_check(const deq_rf_params *p);

/* Fill *in from a model and a point, with no spike. */
void deq_sridge_in_init(const deq_rf_model *m, const deq_rf_params *p, deq_sridge_in *in);

/* The risk of ridge on spiked Gaussian-equivalent features (rf_onestep S10-S19), with errors.
 * The only implementation of these equations: rf calls it with rho = s_u = 0, onestep
 * with the spike of rf_onestep S20.  Returns and stores in out->status: DEQ_SUCCESS,
 * DEQ_EDIVERGE (threshold, risk = +inf), DEQ_EMAXITER or DEQ_ETOL from the root solve. */
int deq_sridge_solve(const deq_sridge_in *in, deq_solver *s, const deq_opts *opts,
                     deq_rf_result *out);

/* Non-negative root x of x^2 + c x - p = 0 (p >= 0) without cancellation:
 * 2p / (c + s) if c > 0, else (s - c)/2, with s = sqrt(c^2 + 4p) stored in *s. */
double deq_quad_root(double c, double p, double *s);

/* Mark *out as failed: every value NaN (never returned with DEQ_SUCCESS), status set.
 * Returns status. */
int deq_rf_result_fail(deq_rf_result *out, int status);

/* Checks shared by rf and onestep: DEQ_EINVAL naming `name` unless v is finite and
 * > 0 (positive), >= 0 (nonneg), or merely finite. */
int deq_check_positive(double v, const char *name);
int deq_check_nonneg(double v, const char *name);
int deq_check_finite(double v, const char *name);


#endif /* DEQ_THEORY_SRIDGE_H */

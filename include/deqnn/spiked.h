/* deqnn/spiked.h -- spiked random features after one aggressive gradient step: the bulk
 * spectrum of the feature covariance, its edge and outliers, and the ridge test and training
 * errors (spec spiked_rf.md; equations cited as `spiked_rf Sk`).
 *
 * Model (spiked_rf section 1).  x ~ N(0, I_d); W0 (p x d) with unit rows; weights
 * W = sqrt(c) W0 + r 1_p v^T (constant spike r >= 0 along the unit vector v, bulk variance
 * c >= 1); features F = sigma(X W^T) (n x p, sigma used as given: not centred, not divided by
 * sqrt(p)); S = F^T F / n.  Target y = f*(<theta, x>) + sqrt(noise) eps with
 * theta = gamma v + sqrt(1 - gamma^2) zeta.  Ridge beta = argmin (1/n)||y - F b||^2 +
 * lambda ||b||^2.
 *
 * Ratios, spelled as in every deqnn module (rf.h): width_ratio = p/d (the spec's phi) and
 * sample_ratio = n/d; the spec's psi = p/n is width_ratio / sample_ratio.  The bulk law and
 * the risk are those of the limit n, p, d -> infinity at fixed ratios.
 *
 * Spike law (spec spiked_finite_support section 1): u_j = r abar_j with abar_j taking the
 * values support[0..groups-1] with probabilities weights[] (normalised to sum 1), K = groups
 * <= DEQ_SRF_MAXGROUPS.  groups = 0 (what a 3-field initialiser { r, c, gamma } leaves) is the
 * constant spike of spiked_rf (the support {1}).  A law with one group after dropping the zero
 * weights runs the constant-spike code with r abar_1; K >= 2 groups run the group-resolved
 * equations spiked_finite_support F1-F18 (cited `spiked_finite_support Fk`).
 *
 * Every theory value is a deq_result / deq_cresult whose err bounds the distance to the
 * limit value: the residual of the (V1, V2) solve and the kappa-quadrature error (the rule
 * against the rule with half the panels) carried through the Jacobian (adjoint), the
 * coefficient-quadrature error, rounding, and for densities the height of Im z.
 *
 * Threads: a plan holds its solver workspaces and the last solution (warm start); use one
 * plan per thread.  Statuses: DEQ_EINVAL naming the parameter (spike, bulk_variance,
 * alignment, width_ratio, sample_ratio, lambda, noise, ...), DEQ_EMAXITER, DEQ_EBRANCH
 * (Im m <= 0 for Im z > 0), DEQ_ETOL, DEQ_EBADFUNC, DEQ_ENOMEM.
 */
#ifndef DEQ_SPIKED_H
#define DEQ_SPIKED_H

#include <stddef.h>
#include "deqnn/act.h"
#include "deqnn/opts.h"
#include "deqnn/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Largest number of spike groups K (spiked_finite_support section 9: the bulk has
 * K(K+1)/2 + K complex unknowns, 152 at K = 16).  The continuous law abar ~ N(0, 1) (F19) is
 * offered by the CLI (`deqnn spiked --spike-support gaussian`) as 16 Gauss-Hermite groups, the
 * bulk only and labelled approximate (docs/spiked.md); the spec's 128 groups are not. */
#define DEQ_SRF_MAXGROUPS 16

/* The weights after the step: what a plan is built for (spiked_rf section 1,
 * spiked_finite_support section 1).  support/weights are read only when groups >= 1. */
typedef struct {
  double spike;          /* r, finite, >= 0 */
  double bulk_variance;  /* c, finite, >= 1 */
  double alignment;      /* gamma = <theta, v>, in [0, 1]; enters the risk only */
  size_t groups;         /* K: 0 = constant spike (support {1}); 1 .. DEQ_SRF_MAXGROUPS */
  double support[DEQ_SRF_MAXGROUPS];   /* a_1..a_K, finite (repeats allowed: F8 check 2) */
  double weights[DEQ_SRF_MAXGROUPS];   /* pi_1..pi_K, finite, >= 0, positive sum;
                                          normalised to sum 1, zero-weight groups dropped */
} deq_srf_weights;

/* The Gaussian second layer abar ~ N(0, 1) as `groups` groups (spiked_finite_support F19,
 * approximate: the bulk converges in K, the risk does not): the Gauss-Hermite rule for N(0, 1)
 * with `groups` nodes, or, for an odd act, the 2 groups-node rule folded into the |a_k| (F20:
 * +a and -a give the same spectrum).  Writes support[0..K), weights[0..K) (summing to 1) and
 * *ngroups = K.  DEQ_EINVAL for a NULL argument or groups outside 1..DEQ_SRF_MAXGROUPS. */
int deq_srf_law_gaussian(const deq_act *act, size_t groups, double *support, double *weights,
                         size_t *ngroups);

/* One point: ratios, ridge and label noise (lambda and noise are read by the risk only). */
typedef struct {
  double width_ratio;    /* p/d (phi), finite, > 0 */
  double sample_ratio;   /* n/d, finite, > 0; psi = width_ratio / sample_ratio */
  double lambda;         /* ridge, finite, > 0 (the ridgeless limit is not covered) */
  double noise;          /* Delta, label-noise variance of the training labels, >= 0 */
} deq_srf_params;

/* The two unknowns of spiked_rf S9 at one z, and m = V2/psi with its error bar.  With K >= 2
 * groups V1 = sum_kl V1_kl and V2 = sum_k V2_k of spiked_finite_support F3 (the same traces). */
typedef struct {
  deq_cresult m;         /* bulk Stieltjes transform (1/p) tr Qbar, spiked_rf S9 / F7 */
  deq_complex V1, V2;    /* (1/n) tr Omega Qbar, (1/n) tr Qbar */
  deq_complex dm;        /* m'(z), from the implicit function theorem */
} deq_srf_bulk;

/* Outlier search of spiked_rf S12: count = 0 ("none", the expected answer) or 1. */
typedef struct {
  int count;             /* number of roots of S12 right of the edge */
  deq_result x;          /* the root when count = 1, else NaN */
  double lhs_min;        /* smallest value of the left side of S12 on the scan */
  double lhs_near_edge;  /* the left side at the first scan point right of the edge */
} deq_srf_outlier_search;

/* Mean outlier of spiked_rf S13 at finite p (order p); with K >= 2 groups the mean outliers
 * of spiked_finite_support F9/F11 (up to rank E[mu0 mu0^T] of them), largest first. */
typedef struct {
  int exists;            /* 0 when E mu0(r kappa)^2 = 0 (no mean direction) */
  deq_result x;          /* the root of S13 at the given p (K >= 2: the largest root of F9) */
  deq_result leading;    /* p E mu0^2 + E[c mu1^2 + mus2] + psi E[mu0^2 (c mu1^2 + mus2)]/E mu0^2
                            (K >= 2: the largest eigenvalue of F11) */
  int count;             /* number of mean outliers (exists for K = 1) */
  deq_result all[DEQ_SRF_MAXGROUPS];          /* the roots, largest first (all[0] = x) */
  deq_result all_leading[DEQ_SRF_MAXGROUPS];  /* their F11 leading orders */
} deq_srf_mean;

/* Ridge risk at one point (spiked_rf S14-S20). */
typedef struct {
  deq_result test_error;   /* E_g of S20, noiseless test labels (add noise for noisy ones) */
  deq_result train_error;  /* (1/n)||y - F beta||^2, derived in docs/spiked.md (T1) */
  double V1, V2;           /* S9 at z = -lambda (K >= 2: sums over the groups, as deq_srf_bulk) */
  double mean_overlap;     /* m = beta^T 1_p (S16; K >= 2: sum_k m_k of F13) */
  double theta;            /* beta^T t (S16; F13: sum_k theta_k) */
  double psi_o;            /* beta^T W zeta (S17; F14: sum_k psi_o,k) */
  double q1, q2;           /* beta^T Omega_perp beta, |beta|^2 (S19; F17: sums of q1_kl, q2_k) */
  int status;              /* the return value of the call */
} deq_srf_risk;

typedef struct deq_srf_plan deq_srf_plan;

/* Conditional Gaussian coefficients spiked_rf S1-S3 at shift s and bulk variance c >= 0:
 * out[0] = mu0(s) = E sigma(s + sqrt(c) xi), out[1] = mu1(s) = E sigma'(s + sqrt(c) xi),
 * out[2] = mus2(s) = E sigma^2 - mu0^2 - c mu1^2 (round-off clamped at 0, added to err).
 * Closed forms for linear, relu (S4), he2 and erf's mu0, mu1 (S5); Gauss-Hermite otherwise
 * (err = the difference to the rule with fewer nodes, plus rounding). */
int deq_srf_coef(const deq_act *act, double c, double s, deq_result out[3]);

/* Plan once (spiked_rf section 9): validates w (the spike law too: DEQ_EINVAL naming groups,
 * support[k], weights[k] or "weights: sum"), tabulates per group (spiked_finite_support F1)
 * mu0, mu1^2, mus2, kappa mu1 and
 * the target functions h, h1, hh of S14 on the kappa nodes (composite 8-point
 * Gauss-Legendre on [-11, 11] with the Gaussian weight folded in, and the rule with half
 * the panels for the error), and allocates the solvers.  teacher is f*.  *plan is NULL on
 * failure. */
int deq_srf_plan_alloc(const deq_act *act, const deq_act *teacher, const deq_srf_weights *w,
                       const deq_opts *opts, deq_srf_plan **plan);

/* The same with `panels` Gauss-Legendre panels (even, >= 8; deq_srf_plan_alloc uses 240, the
 * spec's choice); the error rule has panels/2.  Doubling it is the tests' second route. */
int deq_srf_plan_alloc_panels(const deq_act *act, const deq_act *teacher,
                              const deq_srf_weights *w, size_t panels, const deq_opts *opts,
                              deq_srf_plan **plan);

/* Release a plan; NULL is a no-op. */
void deq_srf_plan_free(deq_srf_plan *plan);

/* Bulk Stieltjes transform at z (Im z >= 0; Im z < 0 by conjugation), spiked_rf S6-S9:
 * Newton on (V1, V2) in C^2 through the solver driver, warm-started (with a first-order
 * predictor) from the plan's last solution at the same ratios when it is near z, else by
 * continuation in Im z from the large-|z| start V1 = -psi c/z, V2 = -psi/z.  A root that is not
 * an attracting fixed point of S9 (spectral radius of dT/dV > 1) is rejected.  Real z is
 * allowed right of the edge and left of 0.  DEQ_EBRANCH if Im m <= 0 for Im z > 0.
 * K >= 2 groups: spiked_finite_support F3-F7, Newton on the K(K+1)/2 + K unknowns (upper
 * triangle of V1, V2) with the same starts, continuation and rejection; out->V1, V2 are the
 * sums over the groups. */
int deq_srf_stieltjes(deq_srf_plan *plan, const deq_srf_params *p, deq_complex z,
                      const deq_opts *opts, deq_srf_bulk *out);

/* Density of the bulk law, spiked_rf S10 (spiked_finite_support F8): rho(x) = Im m(x + i eta)/pi with
 * eta = 1e-7 E[c mu1^2 + mus2], at the n points x[] (any order; an increasing grid is
 * fastest, each point warm-starts the next).  err adds the bias of the height, 2 eta |m'|.
 * The mean outlier (order p) is not part of this law. */
int deq_srf_density(deq_srf_plan *plan, const deq_srf_params *p, size_t n, const double *x,
                    const deq_opts *opts, deq_result *rho);

/* Right edge of the bulk, spiked_rf S10 and section 9: scan down from the bound
 * (1 + sqrt psi)^2 (1 + sqrt phi)^2 c E[c mu1^2 + mus2] + 1 in steps of 0.5 % of it to the
 * first x with rho > 1e-4, then bisect.  err = final bracket + the threshold bias of a
 * square-root edge, estimated from rho at a point inside.  Meaningless for unbounded
 * profiles (he2, section 3); DEQ_ETOL if rho exceeds the threshold at the bound itself. */
int deq_srf_edge(deq_srf_plan *plan, const deq_srf_params *p, const deq_opts *opts,
                 deq_result *edge);

/* Outlier search of spiked_rf S11-S12 right of the edge (real x up to the bound above):
 * roots of 1 + c phi m(x) [e22 - e12^2/e11].  count = 0 is an answer ("none").  K >= 2:
 * the left side is det(I_K + diag(c (phi/psi) V2) E_S) of spiked_finite_support F10. */
int deq_srf_outliers(deq_srf_plan *plan, const deq_srf_params *p, const deq_opts *opts,
                     deq_srf_outlier_search *out);

/* Mean outlier at width p (n = p / psi), spiked_rf S13: the root of
 * (1 + e11 n V2)(1 + e22 c phi m) - e12^2 n V2 c phi m = 0 by Brent near the leading
 * order, and the leading order itself.  p finite and > 0.  K >= 2: the count = rank
 * E[mu0 mu0^T] mean outliers of spiked_finite_support F11 (leading orders: the eigenvalues of
 * p diag(sqrt pi) E[mu0 mu0^T] diag(sqrt pi), counted above the bulk's upper bound), each the
 * root of det(I_2K + E_L Gamma) (F9) by Brent between the neighbouring leading orders; the
 * count stops at a smaller one with no sign change (not separated at this p); DEQ_ETOL if the
 * largest has none. */
int deq_srf_mean_outlier(deq_srf_plan *plan, const deq_srf_params *p, double width,
                         const deq_opts *opts, deq_srf_mean *out);

/* Ridge test error (spiked_rf S14-S20) and training error (docs/spiked.md T1:
 * T = E_kappa[w^2 (R0 + mu1^2 q1 + mus2 q2 + noise)], w = 1/(1 + delta)) at one point, with
 * the overlaps.  lambda > 0.  Warm-started from the previous call on the same plan.  K >= 2:
 * spiked_finite_support F12-F18 (F13 by least squares, F16 by the exact implicit derivative
 * of the inner F6 solve), T = E[w^2 (R0 + res_q + noise)]; the overlaps are group sums. */
int deq_srf_risk_eval(deq_srf_plan *plan, const deq_srf_params *p, const deq_opts *opts,
                      deq_srf_risk *out);

/* spiked_rf S21: the sRF weights after one step of the network of section 6 with
 * learning rate eta_t (eta = eta_t p) on a batch of alpha0 d samples (alpha0 = +inf: the
 * isotropic large-batch limit c = 1, gamma = 1):
 *   nu = sqrt(mu1s^2 + E y^2/alpha0), r = eta_t mu1 nu, gamma = mu1s/nu,
 *   (mu1 = E sigma'(G), mu1s = E[G f*(G)]),
 *   c = 1 + eta_t^2 E y^2 Var(sigma')/alpha0,  E y^2 = E f*^2 + noise.
 * Needs an odd activation (linear, tanh, erf, poly with c0 = c2 = 0) and a centred teacher
 * (E f* = 0); otherwise DEQ_EINVAL with the reason.  Sets the constant spike (groups = 0:
 * a finite support at finite batch is not derived, spiked_finite_support section 1).  A negative r is reported as (-r, -gamma);
 * DEQ_EINVAL if gamma is then negative.  err[0..2] bound the errors of r, c, gamma. */
int deq_srf_from_network(const deq_act *act, const deq_act *teacher, double noise,
                         double eta_t, double batch_ratio, const deq_opts *opts,
                         deq_srf_weights *w, double err[3]);

#ifdef __cplusplus
}
#endif
#endif

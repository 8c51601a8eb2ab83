/* deqnn/onestep.h -- random-features ridge after one gradient step on the first layer
 * (Ba et al. 2022), small learning rate: risk, alignments, and the baselines that the
 * large-step regime is compared with.
 *
 * Model (spec rf_onestep.md sections 1 and 6).  Network f(x) = a^T sigma(W^T x)/sqrt(N),
 * W0 entries N(0, 1/d), a_j ~ N(0, 1/N) (not trained).  One full-batch gradient step on
 * W with n_g fresh samples (Xg, yg) and learning rate eta,
 *   W1 = W0 + eta sqrt(N) G0,  G0 = -grad_W of (1/(2 n_g)) sum_i (f(x_i) - y_i)^2
 * (a loss without the 1/2 has half our eta); then ridge on the features sigma(X W1) with
 * n fresh samples, exactly as in deqnn/rf.h.  For eta = Theta(1) the step is the rank-one
 * spike W1 = W0 + u a^T, u = eta mu1 Xg^T yg / n_g (rf_onestep S20), whose only effect on the risk
 * is through rho = <u, beta_*> and s_u = ||u||^2.
 *
 * Ratios: width_ratio = N/d (MM psi1), sample_ratio = n/d (MM psi2), batch_ratio =
 * n_g/d (psi_g).  Ba et al. use other letters; the API spells the names out.
 * The label noise tau^2 (`noise`) is the same in both batches.
 * All functions validate every field of deq_onestep_params (DEQ_EINVAL naming it):
 * ratios finite and > 0, lambda and noise finite and >= 0, eta finite (any sign).
 */
#ifndef DEQ_ONESTEP_H
#define DEQ_ONESTEP_H

#include "deqnn/rf.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
  double width_ratio;   /* N/d (MM psi1) */
  double sample_ratio;  /* n/d, ridge batch (MM psi2) */
  double batch_ratio;   /* n_g/d, gradient batch (psi_g) */
  double lambda;        /* ridge of the second layer, >= 0 (0 = ridgeless limit) */
  double noise;         /* tau^2 */
  double eta;           /* learning rate of the first-layer step, Theta(1) */
} deq_onestep_params;

typedef struct {
  deq_result rho;  /* <u, beta_*> = eta mu1 F1 */
  deq_result s_u;  /* ||u||^2 = eta^2 mu1^2 (F1^2 + E y^2 / batch_ratio) */
} deq_onestep_spike;

typedef struct {
  int outlier;       /* 1 iff s_u > sqrt(width_ratio) */
  deq_result theta;  /* outlier eigenvalue of W1 W1^T (the bulk edge if no outlier) */
  double edge;       /* bulk edge (1 + sqrt(width_ratio))^2 */
} deq_onestep_bbp;

typedef struct {
  deq_rf_result rf;             /* random features at eta = 0 (rf_onestep S17) */
  deq_result best_linear;       /* rf_onestep S24 */
  deq_result lambda_x_opt;      /* rf_onestep S25 optimal input ridge (+inf if F1 = 0) */
  deq_result linear_ridge_opt;  /* rf_onestep S25 at lambda_x_opt */
  deq_result kernel_limit;      /* rf_onestep S26, width_ratio -> infinity (lambda_kernel = 0) */
  int status;
} deq_onestep_baselines;

/* (rf_onestep S20) Spike parameters: rho = eta mu1 F1 and s_u = eta^2 mu1^2 (F1^2 + E y^2/psi_g),
 * E y^2 = E sigma_*(G)^2 + tau^2 (it contains the teacher mean and the noise of the
 * gradient batch).  Uses eta, batch_ratio, noise. */
int deq_onestep_spike_eval(const deq_rf_model *m, const deq_onestep_params *p,
                           deq_onestep_spike *out);

/* Risk after the step (rf_onestep S20 then rf_onestep S10-S19 with rho, s_u): the effective ridge kappa, D1 and
 * D2 are those of plain RF, only L_un and K2 move; R(eta) <= R(0).  eta = 0 is exactly
 * deq_rf_risk.  Statuses as deq_rf_risk (DEQ_EDIVERGE at the ridgeless threshold). */
int deq_onestep_risk(deq_rf_model *m, const deq_onestep_params *p, const deq_opts *opts,
                     deq_rf_result *out);

/* (rf_onestep S21) cos^2 of the top left singular vector of G0 with beta_*:
 * F1^2 / (F1^2 + E y^2 / psi_g), independent of eta (0 if F1 = 0).  Uses batch_ratio, noise. */
int deq_onestep_gradient_alignment(const deq_rf_model *m, const deq_onestep_params *p,
                                   deq_result *cos2);

/* (rf_onestep S22) BBP transition of W1 W1^T: an outlier iff s_u > sqrt(psi1), at
 * theta = (psi1 + s_u)(1 + s_u) / s_u; bulk edge (1 + sqrt(psi1))^2. */
int deq_onestep_bbp_eval(const deq_rf_model *m, const deq_onestep_params *p,
                         deq_onestep_bbp *out);

/* (rf_onestep S23) cos^2 of the top left singular vector of W1 with beta_*:
 * (rho^2/s_u) (s_u^2 - psi1) / (s_u (1 + s_u)) if s_u > sqrt(psi1), else 0. */
int deq_onestep_weight_alignment(const deq_rf_model *m, const deq_onestep_params *p,
                                 deq_result *cos2);

/* (rf_onestep S24) Best affine predictor on the input: R = F_*^2. */
int deq_onestep_best_linear(const deq_rf_model *m, deq_result *risk);

/* (rf_onestep S25) Ridge on the raw input, argmin (1/n) ||y - X b||^2 + lambda_x ||b||^2 (no
 * intercept, so the teacher mean mu0s acts as noise: F_s = F_*^2 + mu0s^2):
 *   gamma = 1/sample_ratio, k >= 0 the root of k^2 + (1 - gamma - lambda_x) k - lambda_x,
 *   delta = gamma/(1 + k)^2,
 *   R = F_s + [F1^2 k^2/(1 + k)^2 + (tau^2 + F_s) delta] / (1 - delta).
 * lambda_x finite and >= 0.  DEQ_EDIVERGE (R = +inf) at lambda_x = 0, sample_ratio = 1. */
int deq_onestep_linear_ridge(const deq_rf_model *m, double sample_ratio, double lambda_x,
                             double noise, deq_result *risk);

/* (rf_onestep S25) at the optimal lambda_x* = (tau^2 + F_s) / (sample_ratio F1^2); lambda_x* = +inf
 * and R = F_s + F1^2 = F_s when F1 = 0. */
int deq_onestep_linear_ridge_opt(const deq_rf_model *m, double sample_ratio, double noise,
                                 deq_result *lambda_x, deq_result *risk);

/* (rf_onestep S26) Kernel ridge with k(x, x') = E_w sigma(w.x) sigma(w.x') and penalty lambda_kernel
 * (predictor k(x, X)(K + lambda_kernel I)^{-1} y): rf_onestep S25 with
 * lambda_x = (mu_*^2 + lambda_kernel) / (mu1^2 sample_ratio) and F_s = F_*^2 + c0 (c0 as
 * in RF).  lambda_kernel = 0 is the limit of RF as width_ratio -> infinity at fixed lambda.
 * mu1 = 0: R = F1^2 + F_*^2 + c0. */
int deq_onestep_kernel_ridge(const deq_rf_model *m, double sample_ratio, double lambda_kernel,
                             double noise, deq_result *risk);

/* All baselines of section 8 for one RF problem (Table L): RF at eta = 0, rf_onestep S24, rf_onestep S25 at
 * the optimum, rf_onestep S26 with lambda_kernel = 0.  out->status is the first failure. */
int deq_onestep_baselines_eval(deq_rf_model *m, const deq_rf_params *p, const deq_opts *opts,
                               deq_onestep_baselines *out);

#ifdef __cplusplus
}
#endif
#endif

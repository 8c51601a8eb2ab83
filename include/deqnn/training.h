/* deqnn/training.h -- theory overlays for the spectra of a two-layer network during training
 * (spec training_spectra.md; equations cited as `training_spectra Sk`).
 *
 * Model (training_spectra section 1, Fan & Wang's layout): X in R^{d0 x n} with columns
 * N(0, I/d0); W in R^{d1 x d0} iid N(0, 1), trained; a in R^{d1} iid N(0, 1), fixed;
 * f(x) = (1/sqrt(d1)) sum_k a_k sigma(w_k . x) with the normalised sigma (E sigma = 0,
 * E sigma^2 = 1, deqnn/act.h); teacher y = sigma_t(sqrt(d0) beta . x) + tau eps (sigma_t as
 * given).  M = W/sqrt(d1).  Ratios as everywhere in deqnn: sample_ratio = n/d0 (gamma0),
 * width_ratio = d1/d0, hence gamma1 = n/d1 = sample_ratio/width_ratio and
 * phi = d0/d1 = 1/width_ratio.  Learning rate theta_lr: eta = theta_lr n (GD, SGD).
 *
 * What is here: the Gaussian scalars (S3), the bulk limits at initialisation as pencils (the
 * pencil solver of deqnn/pencil.h: M^T M ~ MP(phi) (S5), the CK (S8) and the NTK (S9) of one
 * hidden layer, which are ck_ntk's L = 1 CK and NTK), the Tracy-Widom centre of the top
 * eigenvalue of M^T M at finite size (section 4.1), and the one-step spike of the weights
 * (S13-S15) with the uncentred variant S16, which the spec marks derived-not-verified and which
 * is labelled approximate here.  No simulation (deqnn/trainsim.h is the Monte Carlo side).
 * Statuses: DEQ_EINVAL naming the parameter; errors of deq_act_moments are passed on.
 */
#ifndef DEQ_TRAINING_H
#define DEQ_TRAINING_H

#include <stddef.h>
#include "deqnn/act.h"
#include "deqnn/opts.h"
#include "deqnn/pencil.h"
#include "deqnn/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* training_spectra S3: the student's constants for the normalised sigma and the teacher's. */
typedef struct {
  deq_result mu1;    /* E sigma'(xi), normalised sigma */
  deq_result b;      /* mu1^2 */
  deq_result a_sig;  /* E sigma'(xi)^2, normalised sigma */
  deq_result mu1t;   /* E[xi sigma_t(xi)], teacher as given */
  deq_result ey2;    /* E sigma_t(xi)^2 + noise */
} deq_training_scalars;

/* The one-step spike of M (training_spectra S13-S16). */
typedef struct {
  deq_result theta2;        /* theta^2 of S13 (S16's theta'^2 when uncentred) */
  deq_result rho;           /* ||r||^2 = phi + theta^2 (S14); S16's rho when uncentred */
  double threshold;         /* the rho above which an outlier separates: phi + sqrt(phi) */
  int outlier;              /* 1 if rho > threshold */
  deq_result lambda;        /* S14: the outlier, or the bulk edge (1 + sqrt phi)^2 if none */
  deq_result overlap_rhat;  /* S15 |<v_top, r_hat>|^2 (0 without an outlier) */
  deq_result overlap_v;     /* S15 |<v_top, v>|^2 (centred only; NAN uncentred) */
  deq_result overlap_beta;  /* S15 |<v_top, beta>|^2 (centred only; NAN uncentred) */
  int approximate;          /* 1: S16 (uncentred model), derived here and not verified */
} deq_training_spike;

/* S3 for student act (normalised internally) and teacher (as given) with label-noise
 * variance noise = tau^2 >= 0.  DEQ_EINVAL for a NULL pointer, a negative or non-finite
 * noise, a constant student (deq_act_fw_constants). */
int deq_training_scalars_eval(const deq_act *act, const deq_act *teacher, double noise,
                              const deq_opts *opts, deq_training_scalars *out);

/* The spike of M after ONE full-batch GD step with eta = theta_lr n from W0
 * (training_spectra S13-S15 for the centred model f_W - f_W0, S16 for the uncentred one, whose
 * result has approximate = 1).  Ratios > 0 and finite, theta_lr >= 0 and finite
 * (DEQ_EINVAL).  Errors: first-order propagation of the scalars' errors plus rounding. */
int deq_training_spike_eval(const deq_training_scalars *sc, double sample_ratio,
                            double width_ratio, double theta_lr, int centred,
                            deq_training_spike *out);

/* The CK outlier after one centred GD step (training_spectra S17): approximate, always. */
typedef struct {
  int outlier;          /* 1 if S17 has a root right of the CK bulk */
  deq_result lambda;    /* the root (NAN without one) */
  double edge;          /* the right edge of the CK bulk it searched from */
  double delta;         /* delta(lambda) of S8 at the root */
} deq_training_ck_spike;

/* Which bulk: M^T M (d0 x d0), CK or NTK (n x n, training_spectra section 1). */
typedef enum { DEQ_TRAINING_W, DEQ_TRAINING_CK, DEQ_TRAINING_NTK } deq_training_matrix;

/* Pencil of the bulk limit at initialisation (training_spectra S5, S8, S9): M^T M is
 * MP(phi) (the pencil with L = 0, gamma_0 = phi); the CK and NTK are ck_ntk's one-layer CK and
 * NTK with gamma = (n/d0, n/d1) and Gaussian data.  *pen is NULL on failure; free it with
 * deq_pencil_free.  DEQ_EINVAL for bad ratios or an unknown matrix. */
int deq_training_bulk_alloc(const deq_act *act, deq_training_matrix which, double sample_ratio,
                            double width_ratio, const deq_opts *opts, deq_pencil **pen);

/* training_spectra S17, derived there and APPROXIMATE (0.5-7 % off for tanh and erf, 27-37 %
 * low for relu in the spec's own checks): after one centred GD step at theta_lr the CK has an
 * outlier at the root lambda > edge of
 *   1 + delta(lambda) + A [mu1t^2 J3(lambda) + (Ey2 - mu1t^2) J2(lambda)] = 0,
 *   A = (theta_lr mu1)^2 gamma1 mu1^2,
 *   Jk(lambda) = int t^k dMP_gamma0(t) / ((b t + 1 - b)/(1 + delta(lambda)) - lambda),
 * with delta = (1/d1) tr Sigma (CK - z)^-1 of S8, read from the CK pencil ck (from
 * deq_training_bulk_alloc with the same ratios): delta = gamma1 (b t_0 + (1 - b) m).  The J's
 * by 200-point Gauss-Legendre in the angle of S6 (error: against 100 points).  The search:
 * a geometric scan from the edge up to 10^4 edges, then Brent through the solver driver.
 * DEQ_EINVAL for bad arguments; the pencil's and the driver's statuses are passed on. */
int deq_training_ck_outlier(const deq_training_scalars *sc, deq_pencil *ck, double sample_ratio,
                            double width_ratio, double theta_lr, const deq_opts *opts,
                            deq_training_ck_spike *out);

/* Tracy-Widom centre and spread of the top eigenvalue of M^T M = W^T W/d1 at sizes d0, d1
 * (training_spectra 4.1, Johnstone 2001, real case): centre ((sqrt(d1 - 1) + sqrt d0)^2)/d1,
 * scale sc = (sqrt d1 + sqrt d0)(1/sqrt d1 + 1/sqrt d0)^{1/3}/d1; mean = centre - 1.2065 sc,
 * sd = 1.2680 sc.  DEQ_EINVAL for d0 < 1 or d1 < 2. */
int deq_training_top_tw(size_t d0, size_t d1, double *mean, double *sd);

#ifdef __cplusplus
}
#endif
#endif

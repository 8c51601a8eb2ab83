/* deqnn/trainsim.h -- Monte Carlo of a two-layer network during training: GD, SGD and Adam on
 * the first layer, with the spectra of the weights, the CK and the NTK at recorded steps
 * (spec training_spectra.md sections 1, 5-7, 9; tags training_spectra Sk).
 *
 * Simulation only (the theory overlays are deqnn/training.h; the CLI puts them together).
 * Model, binding (training_spectra section 1; Fan & Wang's layout, column-major):
 *   X (d0 x n) and the test inputs Xt (d0 x n_test), columns iid N(0, I/d0);
 *   beta uniform on the unit sphere of R^{d0}; y = sigma_t(sqrt(d0) beta.x) + sqrt(noise) eps
 *   (train and test labels alike, sigma_t as given);
 *   W (d1 x d0) iid N(0, 1), trained; a (d1) iid N(0, 1) or +-1, fixed;
 *   f(x) = (1/sqrt(d1)) a^T sigma(W x), sigma the NORMALISED activation (deqnn/act.h);
 *   centred model: f_c = f_W - f_W0 (r = y at t = 0).
 *   Loss L = (1/(2B)) sum over the batch of (y_i - f(x_i))^2; its gradient (S2)
 *     G = -(1/(B sqrt(d1))) [(a 1^T) o sigma'(W Xb) o (1 r^T)] Xb^T.
 *   GD: W <- W - eta G with eta = lr n (lr is the spec's theta_lr), batch = all n samples.
 *   SGD: the same eta, a batch of B distinct samples drawn without replacement at each step.
 *   Adam: beta1 = 0.9, beta2 = 0.999, eps = 1e-8, bias-corrected, step size lr (not scaled).
 * Measured at a recorded step: train and test loss (1/2 mean squared residual; test labels
 * noisy, as the train labels); the eigenvalues of M^T M = W^T W/d1 (d0 x d0), of
 * CK = sigma(WX)^T sigma(WX)/d1 and NTK = CK + (X^T X) o (S^T S), S = diag(a) sigma'(WX)/sqrt(d1)
 * (n x n), each ascending; the top eigenvector of M^T M and its squared overlaps with beta,
 * v = X y/||X y|| and r_hat = r/||r||, r = M0^T u + theta_hat v, u = a/||a||,
 * theta_hat = eta mu1 ||a|| ||X y||/(n d1) (S13, the one-step spike of the centred model);
 * the S12 sides: sqrt((1/d0) sum_i (s_i(M_t) - s_i(M_0))^2) and ||M_t - M_0||_F/sqrt(d0).
 *
 * Random draws: deq_trainsim_init(ws, master, replicate) seeds one mt19937 stream as
 * deq_rng_alloc(master, replicate) and draws beta (d0), X (d0 n), the train noise (n),
 * Xt (d0 n_test), the test noise (n_test), W0 (d1 d0, column-major), a (d1); each SGD step then
 * draws its batch from the same stream (gsl_ran_choose).  Nothing else is random, so a run is
 * a function of (spec, master, replicate) only, whatever the number of threads running runs.
 *
 * Memory: 8 bytes x [d0 (n + n_test) + 3 d1 d0 (W, W0, G) (+ 2 d1 d0 for Adam)
 * + 3 d1 max(n, n_test) + 3 n^2 + d0^2 + LAPACK] (deq_trainsim_bytes), allocated once.
 */
#ifndef DEQ_TRAINSIM_H
#define DEQ_TRAINSIM_H

#include <stddef.h>
#include <stdint.h>
#include "deqnn/act.h"
#include "deqnn/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { DEQ_TRAIN_GD = 0, DEQ_TRAIN_SGD, DEQ_TRAIN_ADAM } deq_train_opt;

typedef struct {
  size_t n, d0, d1;      /* samples, input dimension, width */
  size_t n_test;         /* test samples (1000 by default) */
  size_t batch;          /* SGD batch B (1 <= B <= n); ignored by GD and Adam */
  deq_act act;           /* student (normalised internally) */
  deq_act teacher;       /* sigma_t, as given */
  double noise;          /* tau^2 >= 0 */
  deq_train_opt opt;
  double lr;             /* theta_lr (GD, SGD: eta = lr n) or Adam's step size; > 0 */
  int centred;           /* 1: f_W - f_W0 */
  int rademacher;        /* 1: a_k = +-1, 0: a_k ~ N(0, 1) */
} deq_trainsim_spec;

/* What a recorded step measures (deq_trainsim_measure). */
typedef struct {
  double train_loss, test_loss;
  double top_w;           /* largest eigenvalue of M^T M */
  double overlap_beta, overlap_v, overlap_rhat;   /* |<v_top, .>|^2 */
  double top_ck, top_ntk;
  double s12_lhs, s12_rhs;   /* S12: lhs <= rhs always */
  double frob;               /* ||M_t - M_0||_F (not divided by sqrt(d0)) */
} deq_trainsim_stats;

typedef struct deq_trainsim deq_trainsim;

/* Read-only views of the current replicate (valid until the next init or _free), column-major
 * as above; G is the gradient of the last step (unspecified before the first). */
typedef struct {
  const double *X, *y, *Xt, *yt, *beta;   /* d0 x n, n, d0 x n_test, n_test, d0 */
  const double *W, *W0, *a, *G;           /* d1 x d0, d1 x d0, d1, d1 x d0 */
  double shift, scale;                    /* sigma = (act - shift)/scale */
} deq_trainsim_data;

/* Defaults: sizes 0 (to be set), n_test = 1000, batch = 0 (n), act tanh, teacher tanh,
 * noise 0, GD, lr = 0.3, uncentred, Gaussian read-out.  NULL is reported (DEQ_EINVAL). */
void deq_trainsim_spec_init(deq_trainsim_spec *spec);

/* Bytes deq_trainsim_alloc would allocate; NAN (reported) for a NULL or invalid spec. */
double deq_trainsim_bytes(const deq_trainsim_spec *spec);

/* Allocate the workspace (spec copied).  DEQ_EINVAL naming the field for: a size 0 or above
 * 2^31 - 1, batch > n, noise < 0 or not finite, lr not > 0 or not finite, an unknown
 * optimiser, a constant activation.  DEQ_ENOMEM if it does not fit in memory (checked before
 * allocating).  On failure *ws = NULL. */
int deq_trainsim_alloc(const deq_trainsim_spec *spec, deq_trainsim **ws);

/* Release; NULL does nothing. */
void deq_trainsim_free(deq_trainsim *ws);

/* Draw the replicate (order above), set t = 0 and W = W0.  DEQ_EBADFUNC if a label or the
 * initial function is not finite. */
int deq_trainsim_init(deq_trainsim *ws, uint64_t master, uint64_t replicate);

/* One optimiser step (t -> t + 1).  DEQ_EBADFUNC if the gradient or W is not finite
 * (divergence: the learning rate is beyond the stability limit). */
int deq_trainsim_step(deq_trainsim *ws);

/* The views above.  DEQ_EINVAL for a NULL argument. */
int deq_trainsim_view(const deq_trainsim *ws, deq_trainsim_data *out);

/* Steps taken since init (0, reported, for NULL). */
size_t deq_trainsim_steps(const deq_trainsim *ws);

/* Measure the current network.  ev_w (d0), ev_ck (n), ev_ntk (n) receive the ascending
 * eigenvalues when not NULL (the CK and NTK are formed and decomposed only when asked for;
 * M^T M always, for the top eigenvector).  DEQ_EBADFUNC for non-finite values, DEQ_EMAXITER
 * if LAPACK's eigensolver fails. */
int deq_trainsim_measure(deq_trainsim *ws, deq_trainsim_stats *out, double *ev_w,
                         double *ev_ck, double *ev_ntk);

#ifdef __cplusplus
}
#endif
#endif

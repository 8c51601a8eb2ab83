/* deqnn/srfsim.h -- Monte Carlo of the spiked random-feature model and of the network
 * after one maximal-learning-rate step (spiked_rf S1, S6, S10).
 *
 * Simulation only: no theory here (the spiked theory is deqnn/spiked.h; compare/ and the
 * tests put the two side by side).  Built on the two-layer workspace (deqnn/twolayer.h):
 * its draws, forward pass, gradient, large step, ridge and test error are reused; this
 * module adds the spiked weights, the fixed teacher direction, the constant read-out and
 * the spectrum of S.  Conventions (spiked_rf S1), all binding:
 *
 *   data     x ~ N(0, I_d), not divided by sqrt(d); X is n x d, one sample per row.
 *   weights  W0 has rows (neurons) uniform on the unit sphere S^{d-1}: twolayer's Gaussian
 *            draw N(0, 1/d), each neuron then divided by its norm.  Not Gaussian rows: their
 *            norms fluctuate by O(1/sqrt(d)) per neuron, which with a spike or a non-centred
 *            sigma adds a rank-one O(1) term to F (measured: relu, r = 2, d = 500, test
 *            error 0.664 +- 0.010 with Gaussian rows against 0.7125 +- 0.0074 with unit rows
 *            and 0.7134 for spiked_rf S20; docs/srfsim.md).  W0 is stored as twolayer stores
 *            its first layer, d x p row-major, neuron j = column j: the transpose of the
 *            spec's p x d W0.
 *   spiked   (mode DEQ_SRFSIM_SPIKED) W = sqrt(c) W0 + u v^T with v = e1 and u = r 1_p:
 *            in the d x p storage, W = sqrt(c) W0 plus r on every entry of row 0.
 *            With a spike law (groups = K >= 1, spiked_finite_support section 1) u_j =
 *            r abar_j, abar_j = support[k] on group k: EXACT group sizes, not drawn, p_k =
 *            floor(w_k p) plus one neuron for the p - sum floor(w_k p) largest remainders
 *            w_k p - floor(w_k p) (ties: the lower k), w_k = weights[k] / sum of weights;
 *            group 0 takes neurons 0..p_0 - 1, group 1 the next p_1, ... (the columns of
 *            W0 are exchangeable, so the order is immaterial).  deq_srfsim_group_sizes
 *            gives the sizes: the theory of a verdict uses the realised fractions p_k/p.
 *            No draw is added, so groups = 0 and the law {1} give bit-identical runs.
 *   network  (mode DEQ_SRFSIM_NETWORK, spiked_rf S6) f(x) = (1/sqrt(p)) sum_j a_j
 *            sigma(w0_j.x), a_j = abar_j/sqrt(p), abar_j = 1 (groups = 0) or, with a law,
 *            abar_j = support[k] on the exact group k below (the read-out's finite support,
 *            spiked_finite_support section 1: the step moves neuron j by abar_j); one full-batch step on n0 fresh
 *            samples of the loss (1/(2 n0)) sum_i (y_i - f(x_i))^2 with eta = eta_t p:
 *              w_j <- w_j + eta_t (1/n0) sum_i (y_i - f(x_i)) sigma'(w_j.x_i) x_i.
 *            This is twolayer's large step W1 = W0 + c N G0 with a = 1/sqrt(N), N = p,
 *            c = eta_t (see docs/srfsim.md for the map).
 *   teacher  y = f*(<theta, x>) + sqrt(Delta) eps; theta = gamma e1 + sqrt(1 - gamma^2) e2
 *            (spiked mode), theta = e1 (network mode: the spike grows along the target).
 *   features F = sigma(X W^T) (n x p), not centred, not divided by sqrt(p); S = F^T F / n.
 *   ridge    beta = argmin (1/n)||y - F b||^2 + lambda ||b||^2 = (S + lambda I)^{-1} F^T y/n;
 *            lambda = 0: the minimum-norm least-squares solution.
 *   outputs  test error E_g = mean over n_test fresh points of (f*(<theta,x>) - beta^T
 *            sigma(W x))^2 on noise-free labels; training error (1/n)||y - F beta||^2;
 *            the eigenvalues of S (ascending), lambda1 = the largest (the mean outlier of
 *            S13 when E sigma(r kappa + ...) != 0), lambda2 = the second (top of the bulk);
 *            m(z) = (1/p) sum_j 1/(lambda_j - z) over all p eigenvalues at the spec's z.
 *
 * Random draws.  deq_srfsim_run(ws, master, replicate, ...) seeds one mt19937 stream
 * exactly as deq_rng_alloc(master, replicate) and draws, in this order:
 *   1. W0: d*p values N(0, 1/d), row-major d x p, then each column scaled to norm 1;
 *   2. X: n*d N(0,1); then the noise of y: n values N(0, Delta);
 *   3. Xt: n_test*d N(0,1) (no noise);
 *   4. network mode only: Xg: n0*d N(0,1); then its noise, n0 values N(0, Delta).
 * Nothing else is random.  Hence: results depend only on (spec, master, replicate), not on
 * the order of replicates or the number of threads running them (across BLAS thread
 * counts they agree to rounding, as twolayer's); every learning rate eta_t sees the same
 * W0, X, Xt and gradient batch for a given replicate (paired seeds), and the network at
 * eta_t = 0 is bit for bit the spiked model at r = 0, c = 1, gamma = 1.
 *
 * Memory: the twolayer workspace of (d, N = p, n, n_g = n0 or 1, n_test) plus a p x p
 * matrix, p eigenvalues and LAPACK's dsyev workspace; allocated once by _alloc.
 */
#ifndef DEQ_SRFSIM_H
#define DEQ_SRFSIM_H

#include <stddef.h>
#include <stdint.h>
#include "deqnn/act.h"
#include "deqnn/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Largest number of z points of m(z) per run. */
#define DEQ_SRFSIM_MAXZ 8
/* Largest number of spike groups (as DEQ_SRF_MAXGROUPS of deqnn/spiked.h). */
#define DEQ_SRFSIM_MAXGROUPS 16

typedef enum {
  DEQ_SRFSIM_SPIKED = 0,  /* W = sqrt(c) W0 + r 1_p e1^T (spiked_rf S1) */
  DEQ_SRFSIM_NETWORK      /* W = W0 after one step at eta = eta_t p (spiked_rf S6) */
} deq_srfsim_mode;

typedef struct {
  deq_srfsim_mode mode;
  size_t d;          /* input dimension (>= 2 in spiked mode when |gamma| < 1) */
  size_t p;          /* width; phi = p/d */
  size_t n;          /* ridge samples; psi = p/n */
  size_t n_test;     /* test samples (4000 by default, spiked_rf S10) */
  deq_act act;       /* sigma */
  deq_act teacher;   /* f* */
  double noise;      /* Delta >= 0, label-noise variance of the training labels */
  double lambda;     /* ridge penalty >= 0 */
  /* spiked mode */
  double r;          /* spike strength >= 0 */
  double c;          /* bulk variance > 0 (1: isotropic) */
  double gamma;      /* alignment of theta with v = e1, in [-1, 1] */
  size_t groups;     /* spike law: 0 = constant spike u = r 1_p; 1 .. DEQ_SRFSIM_MAXGROUPS */
  double support[DEQ_SRFSIM_MAXGROUPS];   /* abar values, finite */
  double weights[DEQ_SRFSIM_MAXGROUPS];   /* >= 0, finite, positive sum (normalised) */
  /* network mode */
  double eta;        /* eta_t >= 0: the step is eta = eta_t p */
  size_t n0;         /* gradient-batch samples (alpha0 = n0/d) */
  /* m(z) of the sample spectrum at these points (Im z != 0 or z off the spectrum) */
  size_t nz;         /* 0 .. DEQ_SRFSIM_MAXZ */
  deq_complex z[DEQ_SRFSIM_MAXZ];
} deq_srfsim_spec;

typedef struct {
  double test_error;   /* E_g on noise-free test labels */
  double train_error;  /* (1/n) ||y - F beta||^2 (no penalty) */
  double lambda1;      /* largest eigenvalue of S */
  double lambda2;      /* second largest (NAN if p = 1) */
  deq_complex m[DEQ_SRFSIM_MAXZ];  /* m(z_k), k < spec.nz */
} deq_srfsim_result;

/* Read-only views of the last successful run (valid until the next run or _free; after a
 * failed run their contents are unspecified). */
typedef struct {
  const double *theta;     /* d, the teacher direction */
  const double *W0, *W;    /* d x p row-major (neuron j = column j): W0 and the W used */
  const double *X, *y;     /* n x d, n (noisy labels) */
  const double *Xt, *ft;   /* n_test x d, n_test (noise-free f*(Xt theta)) */
  const double *Xg, *yg;   /* n0 x d, n0: the gradient batch (NULL in spiked mode) */
  const double *F;         /* n x p features of the ridge batch */
  const double *beta;      /* p, the ridge read-out */
  const double *eig;       /* p eigenvalues of S, ascending */
} deq_srfsim_data;

typedef struct deq_srfsim deq_srfsim;

/* Defaults: mode SPIKED, sizes 0 (to be set), n_test = 4000, act linear, teacher poly:0,1,
 * noise 0, lambda 0, r = 0, c = 1, gamma = 1, eta = 0, n0 = 0, nz = 0. */
void deq_srfsim_spec_init(deq_srfsim_spec *spec);

/* Bytes deq_srfsim_alloc would allocate (LAPACK workspaces included), for the memory
 * guard of a job (deq_mem_check_job); NAN, reported once, for a NULL or invalid spec. */
double deq_srfsim_bytes(const deq_srfsim_spec *spec);

/* The exact group sizes of the spike law of spec (rule above) into sizes[0..groups-1];
 * DEQ_EINVAL naming the field for a bad law (groups > DEQ_SRFSIM_MAXGROUPS, a non-finite
 * support value, a negative or non-finite weight, a sum that is not positive and finite). */
int deq_srfsim_group_sizes(const deq_srfsim_spec *spec, size_t *sizes);

/* Allocate the workspace for spec (copied).  DEQ_EINVAL naming the field for: unknown
 * mode; a zero size (n0 in network mode) or one above 2^31 - 1; noise, lambda, r, eta
 * negative or not finite; c not > 0 or not finite; gamma outside [-1, 1]; d = 1 with
 * |gamma| < 1; nz > DEQ_SRFSIM_MAXZ or a non-finite z; a bad spike law (groups, support,
 * weights); an unknown activation.
 * DEQ_ENOMEM if the whole workspace exceeds the available memory (checked before anything
 * is allocated).  On failure *ws = NULL. */
int deq_srfsim_alloc(const deq_srfsim_spec *spec, deq_srfsim **ws);

/* Release the workspace; NULL does nothing. */
void deq_srfsim_free(deq_srfsim *ws);

/* Change eta_t (network mode) for the next runs: a learning-rate sweep on one workspace.
 * DEQ_EINVAL if eta is negative or not finite. */
int deq_srfsim_set_eta(deq_srfsim *ws, double eta);

/* One replicate: draw (the order above; skipped when (master, replicate) is the draw
 * already held, which changes nothing since the draw is a function of them), form W, fit
 * the ridge, measure the test and training errors, the eigenvalues of S and m(z).  If eig
 * is not NULL it receives the p eigenvalues of S in ascending order.
 * DEQ_EBADFUNC if a label, the features or an error is not finite (activation overflow);
 * DEQ_EINVAL if lambda is too small for the Cholesky factorisation (use 0); DEQ_EMAXITER
 * if an eigenvalue or SVD routine fails to converge. */
int deq_srfsim_run(deq_srfsim *ws, uint64_t master, uint64_t replicate,
                   deq_srfsim_result *out, double *eig);

/* Pointers to the arrays of the last run (see deq_srfsim_data). */
void deq_srfsim_view(const deq_srfsim *ws, deq_srfsim_data *data);

#ifdef __cplusplus
}
#endif
#endif

/* deqnn/twolayer.h -- Monte Carlo of the two-layer network after one gradient step.
 *
 * The finite network of rf_onestep.md S1 and the recipe of rf_onestep S10 (simulation only: no
 * theory here; compare/ puts the two side by side).  Conventions, all binding:
 *
 *   data        x ~ N(0, I_d); a data matrix is n x d, one sample per row, row-major.
 *   teacher     y = sigma_*(<beta_*, x>) + eps, ||beta_*|| = 1, eps ~ N(0, tau^2).
 *   network     f(x) = a^T sigma(W^T x) / sqrt(N); W is d x N (one neuron per column,
 *               stored row-major: W[i*N + j]); [W0]_ij ~ N(0, 1/d), a_j ~ N(0, 1/N).
 *   gradient    on a batch (Xg, yg) of n_g rows, with f0 = sigma(Xg W0) a / sqrt(N),
 *                 G0 = (1/n_g) Xg^T [ ((yg - f0) a^T / sqrt(N)) o sigma'(Xg W0) ],
 *               minus the gradient of L(W) = (1/(2 n_g)) sum_i (f(x_i) - y_i)^2.
 *   step        W1 = W0 + eta sqrt(N) G0 (small learning rate, eta = Theta(1)), or
 *               W1 = W0 + c N G0 (large learning rate, eta = c sqrt(N)).
 *   ridge       on a fresh batch (X, y) of n rows, Phi = sigma(X W1) (n x N, not
 *               normalised):  a_hat = argmin_a (1/n)||y - Phi a||^2 + lambda ||a||^2
 *                 = (Phi^T Phi + n lambda I_N)^{-1} Phi^T y         (primal, N x N)
 *                 = Phi^T (Phi Phi^T + n lambda I_n)^{-1} y         (kernel, n x n);
 *               lambda = 0: the minimum-norm least-squares solution (LAPACK dgelsd).
 *   outputs     test risk R = mean over n_test fresh points of (sigma_*(<beta_*, x>) -
 *               a_hat^T sigma(W1^T x))^2 on noise-free labels (excess risk, tau^2 not
 *               included); training error T = (1/n)||y - Phi a_hat||^2 (no penalty);
 *               alignments cos^2(u_1(G0), beta_*) and cos^2(u_1(W1), beta_*), u_1 the
 *               top left singular vector (in R^d).
 * The activations sigma (student) and sigma_* (teacher) are used as given: no centring,
 * no normalisation.
 *
 * Random draws (rf_onestep S10).  deq_twolayer_draw(master, replicate) seeds one
 * mt19937 stream exactly as deq_rng_alloc(master, replicate) and draws, in this order:
 *   1. beta_*: d N(0,1) values, divided by their norm;
 *   2. W0: d*N values N(0, 1/d), row-major;   3. a: N values N(0, 1/N);
 *   4. Xg: n_g*d N(0,1), row-major; then eps_g: n_g values N(0, tau^2);
 *   5. X:  n*d N(0,1);              then eps:   n values N(0, tau^2);
 *   6. Xt: n_test*d N(0,1) (no noise: the test labels are noise-free).
 * The gradient batch is drawn even when eta = 0, and the noise even when tau = 0, so
 * runs that differ only in eta, lambda or tau share beta_*, W0, a and every batch
 * (paired replicates).  Results depend only on (spec, master, replicate): not on the
 * order of replicates; across BLAS thread counts they agree to rounding (OpenBLAS
 * may split a reduction differently; see docs/twolayer.md).
 *
 * Cost and memory.  All heavy work is in BLAS (dgemm, dsyrk, dgemv) and LAPACK
 * (dposv, dgelsd, dsyevr); everything is allocated once by deq_twolayer_alloc, and no
 * other function allocates.  Memory is about
 *   8 bytes x [3 d N + (n_g + n + n_test) d + (n_g + n + max(n_g, n, n_test)) N
 *              + m^2 + min(d, N)^2],
 * m the order of the ridge system, plus LAPACK's workspaces.
 */
#ifndef DEQ_TWOLAYER_H
#define DEQ_TWOLAYER_H

#include <stddef.h>
#include <stdint.h>
#include "deqnn/act.h"
#include "deqnn/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Which linear system the ridge solves when lambda > 0 (both give the same a_hat). */
typedef enum {
  DEQ_TWOLAYER_RIDGE_AUTO = 0,  /* the smaller one: N x N if N <= n, else n x n */
  DEQ_TWOLAYER_RIDGE_PRIMAL,    /* always (Phi^T Phi + n lambda I_N) a = Phi^T y */
  DEQ_TWOLAYER_RIDGE_KERNEL     /* always (Phi Phi^T + n lambda I_n) c = y, a = Phi^T c */
} deq_twolayer_ridge_form;

typedef struct {
  size_t d;        /* input dimension */
  size_t N;        /* width (number of neurons); width ratio psi1 = N/d */
  size_t n;        /* ridge samples; sample ratio psi2 = n/d */
  size_t n_g;      /* gradient-batch samples; psi_g = n_g/d (usually n_g = n) */
  size_t n_test;   /* test samples (6000 by default) */
  deq_act act;     /* student activation sigma */
  deq_act teacher; /* teacher activation sigma_* */
  double noise;    /* label-noise variance tau^2 >= 0 */
  deq_twolayer_ridge_form form;
} deq_twolayer_spec;

typedef struct deq_twolayer deq_twolayer;

typedef struct {
  double risk;        /* R: excess test risk on noise-free labels */
  double train_error; /* T = (1/n) ||y - Phi a_hat||^2 */
  double align_grad;  /* cos^2(u_1(G0), beta_*) */
  double align_w1;    /* cos^2(u_1(W1), beta_*) */
  double top_w1;      /* largest eigenvalue of W1 W1^T (compare rf_onestep S22) */
} deq_twolayer_result;

/* Read-only views of the current draw and fit (NULL-free, valid until the next call
 * that changes them).  Matrices are row-major with the shapes given. */
typedef struct {
  const double *beta;          /* d */
  const double *W0, *W1, *G0;  /* d x N */
  const double *a;             /* N, first layer's partner at initialisation */
  const double *Xg, *yg;       /* n_g x d, n_g (noisy labels) */
  const double *X, *y;         /* n x d, n (noisy labels) */
  const double *Xt, *ft;       /* n_test x d, n_test (noise-free sigma_*(Xt beta)) */
  const double *Phi;           /* n x N, sigma(X W1) of the last ridge fit */
  const double *a_hat;         /* N, second layer of the last ridge fit */
} deq_twolayer_data;

/* Accumulated wall-clock seconds since deq_twolayer_alloc. */
typedef struct {
  double total;  /* inside the deq_twolayer_* calls below */
  double blas;   /* of which inside BLAS and LAPACK */
  double rng;    /* of which drawing Gaussians */
} deq_twolayer_times;

/* Defaults: all sizes 0 (to be set), n_test = 6000, act = linear, teacher =
 * poly:0,1 (linear), noise = 0, form = AUTO. */
void deq_twolayer_spec_init(deq_twolayer_spec *spec);

/* Allocate the workspace for spec (copied).  DEQ_EINVAL naming the field for a zero
 * size, a size above the BLAS integer range (2^31 - 1), a negative or non-finite
 * noise, an unknown activation or ridge form.  DEQ_ENOMEM, with the GiB needed and
 * available, if the workspace exceeds the available memory: this is checked before
 * anything is allocated.  On failure *tl = NULL. */
int deq_twolayer_alloc(const deq_twolayer_spec *spec, deq_twolayer **tl);

/* Bytes deq_twolayer_alloc would allocate for spec (one workspace, LAPACK workspaces
 * included), for sizing a job of several workers before allocating; NAN, reported
 * once, for a NULL or invalid spec. */
double deq_twolayer_bytes(const deq_twolayer_spec *spec);

/* Release the workspace; NULL does nothing. */
void deq_twolayer_free(deq_twolayer *tl);

/* Draw replicate (master, replicate) in the order listed above, compute the teacher
 * labels, the gradient G0 at W0 on the gradient batch, and set W1 = W0 (eta = 0).
 * DEQ_EBADFUNC if a label or G0 is not finite (activation overflow). */
int deq_twolayer_draw(deq_twolayer *tl, uint64_t master, uint64_t replicate);

/* W1 = W0 + eta sqrt(N) G0 if large == 0, W1 = W0 + eta N G0 otherwise (eta = c).
 * Only W1 changes, so it can be called again with another eta on the same draw
 * (paired runs); eta = 0 gives W1 == W0 bit for bit.  DEQ_EINVAL if eta is negative
 * or not finite, or if nothing was drawn yet. */
int deq_twolayer_step(deq_twolayer *tl, double eta, int large);

/* Ridge on the second layer (see the header comment): Phi = sigma(X W1), a_hat, and
 * *train_error = T.  lambda > 0: Cholesky (dposv) of the primal or kernel system
 * chosen by spec.form.  lambda = 0: minimum-norm least squares (dgelsd, relative
 * singular-value cut-off = machine epsilon).  DEQ_EINVAL if lambda is negative or not
 * finite, if nothing was drawn, or if lambda is so small that the system is not
 * positive definite in double precision (use lambda = 0 then); DEQ_EMAXITER if the
 * SVD of dgelsd does not converge; DEQ_EBADFUNC if Phi is not finite. */
int deq_twolayer_ridge(deq_twolayer *tl, double lambda, double *train_error);

/* Excess test risk of the last ridge fit on the n_test test points:
 * *risk = (1/n_test) sum_i (ft_i - sigma(Xt W1)_i . a_hat)^2.  DEQ_EINVAL if no ridge
 * fit was done on the current draw; DEQ_EBADFUNC if the prediction is not finite. */
int deq_twolayer_test(deq_twolayer *tl, double *risk);

/* Top left singular vector u (unit, in R^d, sign arbitrary) of a d x N row-major
 * matrix A, from the top eigenvector of the smaller Gram matrix A A^T (d <= N) or
 * A^T A (then u = A v / ||A v||), by dsyrk + dsyevr.  A may be one of the workspace's
 * own matrices (W0, W1, G0).  DEQ_EBADFUNC if A is zero or not finite. */
int deq_twolayer_top_left(deq_twolayer *tl, const double *A, double *u);

/* *align_grad = <u_1(G0), beta_*>^2 and *align_w1 = <u_1(W1), beta_*>^2.
 * DEQ_EINVAL if nothing was drawn. */
int deq_twolayer_align(deq_twolayer *tl, double *align_grad, double *align_w1);

/* Largest eigenvalue of W1 W1^T, as found by the last deq_twolayer_align (NAN before). */
double deq_twolayer_top_w1(const deq_twolayer *tl);

/* One experiment point on the current W1: deq_twolayer_ridge, deq_twolayer_test and
 * deq_twolayer_align, results in *out.  Errors as theirs. */
int deq_twolayer_fit(deq_twolayer *tl, double lambda, deq_twolayer_result *out);

/* Pointers to the arrays of the workspace (see deq_twolayer_data). */
void deq_twolayer_view(const deq_twolayer *tl, deq_twolayer_data *data);

/* Accumulated timings (see deq_twolayer_times). */
void deq_twolayer_timing(const deq_twolayer *tl, deq_twolayer_times *times);

#ifdef __cplusplus
}
#endif
#endif

/* Internal: the two-layer Monte Carlo workspace, shared by src/sim/twolayer*.c. */
#ifndef DEQ_SIM_TWOLAYER_IMPL_H
#define DEQ_SIM_TWOLAYER_IMPL_H

#include <limits.h>
#include <gsl/gsl_rng.h>
#include <lapacke.h>
#include "deqnn/twolayer.h"

/* Matrices are row-major (one sample or one input coordinate per row), as in the
 * public header.  LAPACK is called column-major, which works on our row-major memory
 * without the transposed copies (and mallocs) of LAPACKE's row-major path: a
 * symmetric matrix whose upper triangle is stored row-major (cblas_dsyrk with
 * CblasRowMajor, CblasUpper) is in memory its lower triangle stored column-major
 * (LAPACK uplo 'L'). */
struct deq_twolayer {
  deq_twolayer_spec spec;
  size_t m;           /* order of the ridge system for lambda > 0 */
  size_t k;           /* order of the Gram matrix for top singular vectors, min(d, N) */
  size_t rows;        /* rows of the scratch Z: max(n_g, n, n_test) */
  int primal;         /* the ridge system for lambda > 0 is N x N (else n x n) */
  size_t lw_ls, liw_ls, lw_ev, liw_ev;  /* LAPACK workspace sizes: dgelsd, dsyevr */
  gsl_rng *rng;
  double *block;      /* one allocation holding every double array below */
  lapack_int *iblock; /* and one for the integer arrays */
  double *beta, *W0, *W1, *G0, *a, *a_hat;
  double *Xg, *yg, *X, *y, *Xt, *ft;
  double *Phi;        /* n x N features of the ridge batch */
  double *D;          /* n_g x N: sigma'(Xg W0), then the gradient's inner matrix */
  double *Z;          /* rows x N scratch: sigma(Xg W0), test features, dgelsd copy */
  double *r;          /* rows: residuals */
  double *sys, *rhs;  /* m x m ridge matrix, max(n, N) right-hand side */
  double *sv, *work_ls;                /* dgelsd: min(n, N) singular values, work */
  double *gram, *ev, *evec, *work_ev;  /* dsyevr: k x k, 1 eigenvalue, k, work */
  double *u;                           /* d: a top left singular vector */
  lapack_int *iwork_ls, *iwork_ev, *isuppz;
  int drawn;                /* a replicate has been drawn */
  double top_w1;            /* top eigenvalue of W1 W1^T from the last align (NAN before) */
  int fitted;         /* a_hat is the ridge fit on the current draw */
  deq_twolayer_times times;
};

/* Wall-clock seconds (monotonic). */
double deq_twolayer_now(void);

/* Run `...` (BLAS or LAPACK calls) and add its wall-clock time to tl->times.blas. */
#define DEQ_TWOLAYER_BLAS(tl, ...) do { \
    double t_ = deq_twolayer_now(); \
    __VA_ARGS__; \
    (tl)->times.blas += deq_twolayer_now() - t_; \
  } while (0)

/* Forward pass: Phi = sigma(X W) for a rows x d matrix X and a d x N matrix W (Phi is
 * rows x N), and dPhi = sigma'(X W) unless dPhi is NULL.  DEQ_EBADFUNC naming `what`
 * if Phi is not finite. */
int deq_twolayer_features(deq_twolayer *tl, size_t rows, const double *X, const double *W,
                          double *Phi, double *dPhi, const char *what);

/* The draw steps of deq_twolayer_draw, shared with srfsim (src/sim/srfsim.c), which
 * fills the same workspace in its own order.  Each draws from tl->rng:
 *   draw_gaussian  n values N(0, sd^2) into x (timed as rng);
 *   draw_batch     X (rows x d, N(0,1)), then the noise N(0, tau^2) into y, then
 *                  y += sigma_*(X beta); DEQ_EBADFUNC naming `what` if y is not finite;
 *   draw_test      Xt (n_test x d) and ft = sigma_*(Xt beta) (no noise).
 * gradient computes G0 at W0 on (Xg, yg) with the readout a (rf_onestep S1); it draws
 * nothing. */
void deq_twolayer_draw_gaussian(deq_twolayer *tl, double sd, size_t n, double *x);
int deq_twolayer_draw_batch(deq_twolayer *tl, size_t rows, double *X, double *y,
                            const char *what);
int deq_twolayer_draw_test(deq_twolayer *tl);
int deq_twolayer_gradient(deq_twolayer *tl);

/* DEQ_EBADFUNC naming `what` unless x[0..n-1] are all finite. */
int deq_twolayer_check_finite(size_t n, const double *x, const char *what);

/* A size of the simulation: DEQ_EINVAL naming it if 0 or beyond the BLAS integer range. */
static inline int deq_sim_check_size(size_t v, const char *name)
{
  if (v == 0)
    DEQ_ERRORF(DEQ_EINVAL, "%s: must be positive, got 0", name);
  if (v > (size_t) INT_MAX)
    DEQ_ERRORF(DEQ_EINVAL, "%s: %zu exceeds the BLAS integer range (%d)", name, v, INT_MAX);
  return DEQ_SUCCESS;
}

#endif

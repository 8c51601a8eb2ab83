/* Two-layer network Monte Carlo: ridge on the second layer and the test risk
 * (rf_onestep S1, rf_onestep S10 steps 3-4). */
#include <math.h>
#include <string.h>
#include <cblas.h>
#include "sim/twolayer_impl.h"
#include "core/check.h"

/* lambda > 0, by Cholesky:  primal  (Phi^T Phi + n lambda I_N) a_hat = Phi^T y,
 *                           kernel  (Phi Phi^T + n lambda I_n) c = y,  a_hat = Phi^T c. */
static int ridge_cholesky(deq_twolayer *tl, double lambda)
{
  const int n = (int) tl->spec.n, N = (int) tl->spec.N, m = (int) tl->m;
  double *A = tl->sys, *b = tl->primal ? tl->a_hat : tl->rhs;
  lapack_int info;
  if (tl->primal) {
    DEQ_TWOLAYER_BLAS(tl, cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, N, n, 1.0,
                                      tl->Phi, N, 0.0, A, N);
                      cblas_dgemv(CblasRowMajor, CblasTrans, n, N, 1.0, tl->Phi, N, tl->y,
                                  1, 0.0, b, 1));
  } else {
    DEQ_TWOLAYER_BLAS(tl, cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, n, N, 1.0,
                                      tl->Phi, N, 0.0, A, n));
    memcpy(b, tl->y, tl->spec.n * sizeof(double));
  }
  for (size_t i = 0; i < tl->m; i++)
    A[i * tl->m + i] += n * lambda;
  DEQ_TWOLAYER_BLAS(tl, info = LAPACKE_dposv_work(LAPACK_COL_MAJOR, 'L', m, 1, A, m, b, m));
  if (info != 0)
    DEQ_ERRORF(DEQ_EINVAL, "lambda: %g is too small, the %s ridge system is not positive "
               "definite in double precision (dposv info %d); use lambda = 0 for the "
               "minimum-norm solution", lambda, tl->primal ? "N x N" : "n x n", (int) info);
  if (!tl->primal)
    DEQ_TWOLAYER_BLAS(tl, cblas_dgemv(CblasRowMajor, CblasTrans, n, N, 1.0, tl->Phi, N, b,
                                      1, 0.0, tl->a_hat, 1));
  return DEQ_SUCCESS;
}

/* lambda = 0: the minimum-norm minimiser of ||y - Phi a|| by dgelsd, on a column-major
 * copy of Phi in the scratch Z (dgelsd overwrites its matrix). */
static int ridge_lstsq(deq_twolayer *tl)
{
  const size_t n = tl->spec.n, N = tl->spec.N, nb = n > N ? n : N;
  lapack_int info, rank;
  for (size_t j = 0; j < N; j++)
    for (size_t i = 0; i < n; i++)
      tl->Z[j * n + i] = tl->Phi[i * N + j];
  memcpy(tl->rhs, tl->y, n * sizeof(double));
  DEQ_TWOLAYER_BLAS(tl, info = LAPACKE_dgelsd_work(
                      LAPACK_COL_MAJOR, (lapack_int) n, (lapack_int) N, 1, tl->Z,
                      (lapack_int) n, tl->rhs, (lapack_int) nb, tl->sv, -1.0, &rank,
                      tl->work_ls, (lapack_int) tl->lw_ls, tl->iwork_ls));
  if (info != 0)
    DEQ_ERRORF(DEQ_EMAXITER, "ridge at lambda = 0: the SVD of dgelsd did not converge "
               "(info %d)", (int) info);
  memcpy(tl->a_hat, tl->rhs, N * sizeof(double));
  return DEQ_SUCCESS;
}

/* r = f - F a_hat for the rows x N features F; returns mean(r^2). */
static double mean_square_residual(deq_twolayer *tl, size_t rows, const double *F,
                                   const double *f)
{
  const int N = (int) tl->spec.N;
  double s;
  memcpy(tl->r, f, rows * sizeof(double));
  DEQ_TWOLAYER_BLAS(tl, cblas_dgemv(CblasRowMajor, CblasNoTrans, (int) rows, N, -1.0, F, N,
                                    tl->a_hat, 1, 1.0, tl->r, 1);
                    s = cblas_ddot((int) rows, tl->r, 1, tl->r, 1));
  return s / (double) rows;
}

static int ridge(deq_twolayer *tl, double lambda, double *train_error)
{
  int status;
  if (!(lambda >= 0 && isfinite(lambda)))
    DEQ_ERRORF(DEQ_EINVAL, "lambda: must be finite and >= 0, got %g", lambda);
  if (!tl->drawn)
    DEQ_ERROR("twolayer ridge: nothing drawn (call deq_twolayer_draw first)", DEQ_EINVAL);
  tl->fitted = 0;
  status = deq_twolayer_features(tl, tl->spec.n, tl->X, tl->W1, tl->Phi, NULL, "Phi");
  if (status == DEQ_SUCCESS)
    status = lambda > 0 ? ridge_cholesky(tl, lambda) : ridge_lstsq(tl);
  if (status != DEQ_SUCCESS)
    return status;
  *train_error = mean_square_residual(tl, tl->spec.n, tl->Phi, tl->y);
  if (!isfinite(*train_error))
    DEQ_ERRORF(DEQ_EBADFUNC, "train_error: not finite (%g)", *train_error);
  tl->fitted = 1;
  return DEQ_SUCCESS;
}

int deq_twolayer_ridge(deq_twolayer *tl, double lambda, double *train_error)
{
  DEQ_CHECK_NULL(tl, "tl");
  DEQ_CHECK_NULL(train_error, "train_error");
  double t0 = deq_twolayer_now();
  int status = ridge(tl, lambda, train_error);
  tl->times.total += deq_twolayer_now() - t0;
  return status;
}

/* Test features sigma(Xt W1) go to the scratch Z (n_test x N). */
static int test(deq_twolayer *tl, double *risk)
{
  int status;
  if (!tl->fitted)
    DEQ_ERROR("twolayer test: no ridge fit on the current W1 (call deq_twolayer_ridge "
              "first)", DEQ_EINVAL);
  status = deq_twolayer_features(tl, tl->spec.n_test, tl->Xt, tl->W1, tl->Z, NULL,
                                 "sigma(Xt W1)");
  if (status != DEQ_SUCCESS)
    return status;
  *risk = mean_square_residual(tl, tl->spec.n_test, tl->Z, tl->ft);
  if (!isfinite(*risk))
    DEQ_ERRORF(DEQ_EBADFUNC, "risk: not finite (%g)", *risk);
  return DEQ_SUCCESS;
}

int deq_twolayer_test(deq_twolayer *tl, double *risk)
{
  DEQ_CHECK_NULL(tl, "tl");
  DEQ_CHECK_NULL(risk, "risk");
  double t0 = deq_twolayer_now();
  int status = test(tl, risk);
  tl->times.total += deq_twolayer_now() - t0;
  return status;
}

int deq_twolayer_fit(deq_twolayer *tl, double lambda, deq_twolayer_result *out)
{
  DEQ_CHECK_NULL(tl, "tl");
  DEQ_CHECK_NULL(out, "out");
  int status = deq_twolayer_ridge(tl, lambda, &out->train_error);
  if (status == DEQ_SUCCESS)
    status = deq_twolayer_test(tl, &out->risk);
  if (status == DEQ_SUCCESS)
    status = deq_twolayer_align(tl, &out->align_grad, &out->align_w1);
  out->top_w1 = deq_twolayer_top_w1(tl);
  return status;
}

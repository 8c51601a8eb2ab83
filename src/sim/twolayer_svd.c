/* Two-layer network Monte Carlo: top left singular vectors and the alignments of G0
 * and W1 with beta_* (rf_onestep S10 step 5, measured against rf_onestep S21, rf_onestep S23). */
#include <math.h>
#include <string.h>
#include <cblas.h>
#include "sim/twolayer_impl.h"
#include "core/check.h"

/* The top eigenvector of the k x k Gram matrix: A A^T if d <= N (then it is u), else
 * A^T A with top eigenvector v, and u = A v / ||A v||.  Only that one eigenpair is
 * computed (dsyevr, range 'I'). */
static int top_left(deq_twolayer *tl, const double *A, double *u)
{
  const int d = (int) tl->spec.d, N = (int) tl->spec.N, k = (int) tl->k;
  lapack_int info, found;
  int status = deq_twolayer_check_finite(tl->spec.d * tl->spec.N, A, "A");
  if (status != DEQ_SUCCESS)
    return status;
  DEQ_TWOLAYER_BLAS(tl, cblas_dsyrk(CblasRowMajor, CblasUpper,
                                    d <= N ? CblasNoTrans : CblasTrans, k, d <= N ? N : d,
                                    1.0, A, N, 0.0, tl->gram, k);
                    info = LAPACKE_dsyevr_work(LAPACK_COL_MAJOR, 'V', 'I', 'L', k, tl->gram,
                                               k, 0.0, 0.0, k, k, 0.0, &found, tl->ev,
                                               tl->evec, k, tl->isuppz, tl->work_ev,
                                               (lapack_int) tl->lw_ev, tl->iwork_ev,
                                               (lapack_int) tl->liw_ev));
  if (info != 0)
    DEQ_ERRORF(DEQ_EMAXITER, "top singular vector: dsyevr failed (info %d)", (int) info);
  if (!(tl->ev[0] > 0))
    DEQ_ERROR("A: zero matrix, no top singular vector", DEQ_EBADFUNC);
  if (d <= N) {
    memcpy(u, tl->evec, tl->spec.d * sizeof(double));
    return DEQ_SUCCESS;
  }
  DEQ_TWOLAYER_BLAS(tl, cblas_dgemv(CblasRowMajor, CblasNoTrans, d, N, 1.0, A, N, tl->evec,
                                    1, 0.0, u, 1);
                    cblas_dscal(d, 1.0 / cblas_dnrm2(d, u, 1), u, 1));
  return DEQ_SUCCESS;
}

int deq_twolayer_top_left(deq_twolayer *tl, const double *A, double *u)
{
  DEQ_CHECK_NULL(tl, "tl");
  DEQ_CHECK_NULL(A, "A");
  DEQ_CHECK_NULL(u, "u");
  double t0 = deq_twolayer_now();
  int status = top_left(tl, A, u);
  tl->times.total += deq_twolayer_now() - t0;
  return status;
}

/* <u_1(A), beta_*>^2. */
static int overlap(deq_twolayer *tl, const double *A, double *cos2)
{
  int status = top_left(tl, A, tl->u);
  double c;
  if (status != DEQ_SUCCESS)
    return status;
  c = cblas_ddot((int) tl->spec.d, tl->u, 1, tl->beta, 1);
  *cos2 = c * c;
  return DEQ_SUCCESS;
}

static int align(deq_twolayer *tl, double *align_grad, double *align_w1)
{
  int status;
  if (!tl->drawn)
    DEQ_ERROR("twolayer align: nothing drawn (call deq_twolayer_draw first)", DEQ_EINVAL);
  status = overlap(tl, tl->G0, align_grad);
  if (status == DEQ_SUCCESS)
    status = overlap(tl, tl->W1, align_w1);
  tl->top_w1 = status == DEQ_SUCCESS ? tl->ev[0] : NAN;   /* top eigenvalue of W1 W1^T */
  return status;
}

double deq_twolayer_top_w1(const deq_twolayer *tl)
{
  DEQ_CHECK_NULL_NAN(tl, "tl");
  return tl->top_w1;
}

int deq_twolayer_align(deq_twolayer *tl, double *align_grad, double *align_w1)
{
  DEQ_CHECK_NULL(tl, "tl");
  DEQ_CHECK_NULL(align_grad, "align_grad");
  DEQ_CHECK_NULL(align_w1, "align_w1");
  double t0 = deq_twolayer_now();
  int status = align(tl, align_grad, align_w1);
  tl->times.total += deq_twolayer_now() - t0;
  return status;
}

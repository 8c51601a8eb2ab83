/* Gram matrices of the drawn network: CK, NTK by the backward pass (ck_ntk S27), spectra. */
#include <limits.h>
#include <math.h>
#include <string.h>
#include <cblas.h>
#include <lapacke.h>
#include "core/check.h"
#include "sim/network_impl.h"

#define EIG_ZERO_REL 1e-9  /* ck_ntk section 9: |lambda| <= 1e-9 max|lambda| is an exact 0 */

/* Upper triangle of G = A^T A, A k x n (column-major, lda = k). */
static void gram_upper(deq_network *net, size_t k, const double *a, double *g)
{
  int n = (int) net->spec.n, kk = (int) k;
  DEQ_NETWORK_TIMED(net, cblas_dsyrk(CblasColMajor, CblasUpper, CblasTrans, n, kk,
                                     1.0, a, kk, 0.0, g, n));
}

/* Copy the upper triangle into the lower one (blocked, so that both sides stay in cache). */
static void mirror(size_t n, double *k)
{
  const size_t bs = 64;
  for (size_t jb = 0; jb < n; jb += bs)
    for (size_t ib = jb; ib < n; ib += bs)
      for (size_t j = jb; j < jb + bs && j < n; j++)
        for (size_t i = ib > j + 1 ? ib : j + 1; i < ib + bs && i < n; i++)
          k[i + j * n] = k[j + i * n];
}

static int finish(deq_network *net, double *K, const char *what, double t0)
{
  size_t n = net->spec.n;
  mirror(n, K);
  net->t_total += deq_network_now() - t0;
  for (size_t i = 0; i < n * n; i++)
    if (!isfinite(K[i]))
      DEQ_ERRORF(DEQ_EBADFUNC, "network: non-finite entry in the %s matrix", what);
  return DEQ_SUCCESS;
}

static int check_ready(const deq_network *net, const double *K)
{
  if (!net->drawn)
    DEQ_ERROR("network: no successful deq_network_draw before the Gram matrix", DEQ_EINVAL);
  if (K == NULL)
    DEQ_ERROR("K: NULL output matrix", DEQ_EINVAL);
  return DEQ_SUCCESS;
}

int deq_network_ck(deq_network *net, double *K)
{
  DEQ_CHECK_NULL(net, "net");
  int status = check_ready(net, K);
  if (status)
    return status;
  double t0 = deq_network_now();
  size_t L = net->spec.L;
  gram_upper(net, net->spec.d[L], net->x[L], K);
  return finish(net, K, "CK", t0);
}

/* S_L = D_L o (w 1^T), D_L = sigma'(H_L)/sqrt(d_L). */
static void backward_top(const deq_network *net, double *s)
{
  size_t dl = net->spec.d[net->spec.L], n = net->spec.n;
  const double *dsig = net->hd[net->spec.L], *w = net->readout;
  for (size_t a = 0; a < n; a++)
    for (size_t i = 0; i < dl; i++)
      s[i + a * dl] = dsig[i + a * dl] * w[i];
}

/* S_{l-1} = D_{l-1} o (W_l^T S_l): dgemm, then the Hadamard product. */
static void backward_step(deq_network *net, size_t l, const double *s, double *snext)
{
  const deq_network_spec *sp = &net->spec;
  int n = (int) sp->n, dl = (int) sp->d[l], dp = (int) sp->d[l - 1];
  DEQ_NETWORK_TIMED(net, cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, dp, n, dl,
                                     1.0, net->w[l], dl, s, dl, 0.0, snext, dp));
  const double *dsig = net->hd[l - 1];
  for (size_t i = 0; i < sp->d[l - 1] * sp->n; i++)
    snext[i] *= dsig[i];
}

/* G = A[:, 0:rows]^T A[:, j0:j0+w], rows x w (ld rows), A k x n (lda k). */
static void gram_block(deq_network *net, size_t k, const double *a, size_t j0, size_t rows,
                       size_t w, double *g)
{
  int kk = (int) k, r = (int) rows;
  DEQ_NETWORK_TIMED(net, cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, r, (int) w, kk,
                                     1.0, a, kk, a + j0 * k, kk, 0.0, g, r));
}

/* Upper triangle of K += (S^T S) o (X^T X), S ks x n, X kx x n, by blocks of
 * DEQ_NETWORK_GCOLS columns of K (rows 0..j0 + w of each; scratch gs, gx of n x GCOLS). */
static void add_gram_product(deq_network *net, size_t ks, const double *sm, size_t kx,
                             const double *xm, double *K)
{
  size_t n = net->spec.n;
  for (size_t j0 = 0; j0 < n; j0 += DEQ_NETWORK_GCOLS) {
    size_t w = n - j0 < DEQ_NETWORK_GCOLS ? n - j0 : DEQ_NETWORK_GCOLS, rows = j0 + w;
    gram_block(net, ks, sm, j0, rows, w, net->gs);
    gram_block(net, kx, xm, j0, rows, w, net->gx);
    for (size_t j = 0; j < w; j++) {
      const double *gs = net->gs + j * rows, *gx = net->gx + j * rows;
      double *kc = K + (j0 + j) * n;
      for (size_t i = 0; i <= j0 + j; i++)
        kc[i] += gs[i] * gx[i];
    }
  }
}

int deq_network_ntk(deq_network *net, double *K)
{
  DEQ_CHECK_NULL(net, "net");
  if (net->spec.need == DEQ_NETWORK_CK_ONLY)
    DEQ_ERROR("network: the workspace was allocated for the CK only (spec.need = "
              "DEQ_NETWORK_CK_ONLY); the NTK needs DEQ_NETWORK_ALL or _NTK_ONLY", DEQ_EINVAL);
  if (net->consumed)
    DEQ_ERROR("network: an NTK-only workspace gives one NTK per draw (its backward pass "
              "overwrites the features); draw again", DEQ_EINVAL);
  int status = check_ready(net, K);
  if (status)
    return status;
  double t0 = deq_network_now();
  const deq_network_spec *sp = &net->spec;
  int ntk_only = sp->need == DEQ_NETWORK_NTK_ONLY;
  double *s = ntk_only ? net->hd[sp->L] : net->s[0];   /* S_L: in place of D_L (NTK_ONLY) */
  gram_upper(net, sp->d[sp->L], net->x[sp->L], K);
  backward_top(net, s);
  for (size_t l = sp->L; l >= 1; l--) {
    add_gram_product(net, sp->d[l], s, sp->d[l - 1], net->x[l - 1], K);
    if (l > 1) {   /* S_{l-1}: into X_{l-1}, whose Gram was just taken (NTK_ONLY) */
      double *snext = ntk_only ? net->x[l - 1] : s == net->s[0] ? net->s[1] : net->s[0];
      backward_step(net, l, s, snext);
      s = snext;
    }
  }
  net->consumed = ntk_only;
  return finish(net, K, "NTK", t0);
}

void deq_network_eig_lwork(size_t n, size_t *lwork, size_t *liwork)
{
  double w = 0.0, dummy = 0.0;
  lapack_int iw = 0, nn = (lapack_int) n;
  *lwork = 2 * n + 1, *liwork = 1;  /* the documented minimum for jobz 'N' */
  if (n < 1 || n > INT_MAX / 4)
    return;
  if (LAPACKE_dsyevd_work(LAPACK_COL_MAJOR, 'N', 'U', nn, &dummy, nn, &dummy, &w, -1, &iw, -1)
      == 0) {
    *lwork = (size_t) fmax(w, (double) *lwork);
    *liwork = iw > 1 ? (size_t) iw : 1;
  }
}

static int eig_check(size_t n, const double *K, const double *eval)
{
  if (n < 1 || n > INT_MAX)
    DEQ_ERRORF(DEQ_EINVAL, "n: matrix order must be in 1..%d, got %zu", INT_MAX, n);
  if (K == NULL || eval == NULL)
    DEQ_ERROR("K, eval: NULL matrix or output", DEQ_EINVAL);
  for (size_t j = 0; j < n; j++)
    for (size_t i = 0; i <= j; i++)
      if (!isfinite(K[i + j * n]))
        DEQ_ERRORF(DEQ_EINVAL, "K: non-finite entry at (%zu, %zu)", i, j);
  return DEQ_SUCCESS;
}

/* dsyevd's info, then the cut |lambda| <= 1e-9 max|lambda| -> 0. */
static int eig_finish(lapack_int info, size_t n, double *eval)
{
  if (info > 0)
    DEQ_ERRORF(DEQ_EMAXITER, "eigenvalues: dsyevd did not converge (info %d)", (int) info);
  if (info < 0)
    DEQ_ERRORF(info == LAPACK_WORK_MEMORY_ERROR ? DEQ_ENOMEM : DEQ_EINVAL,
               "eigenvalues: dsyevd failed (info %d)", (int) info);
  double cut = EIG_ZERO_REL * fmax(fabs(eval[0]), fabs(eval[n - 1]));
  for (size_t i = 0; i < n; i++)
    if (fabs(eval[i]) <= cut)
      eval[i] = 0.0;
  return DEQ_SUCCESS;
}

int deq_network_eigvals(size_t n, double *K, double *eval)
{
  int status = eig_check(n, K, eval);
  if (status)
    return status;
  lapack_int nn = (lapack_int) n;
  return eig_finish(LAPACKE_dsyevd(LAPACK_COL_MAJOR, 'N', 'U', nn, K, nn, eval), n, eval);
}

int deq_network_spectrum(deq_network *net, double *K, double *eval)
{
  DEQ_CHECK_NULL(net, "net");
  size_t n = net->spec.n;
  int status = eig_check(n, K, eval);
  if (status)
    return status;
  double t0 = deq_network_now();
  lapack_int nn = (lapack_int) n, info;
  DEQ_NETWORK_TIMED(net, info = LAPACKE_dsyevd_work(LAPACK_COL_MAJOR, 'N', 'U', nn, K, nn, eval,
                                                     net->ev_work, (lapack_int) net->ev_lwork,
                                                     net->ev_iwork, (lapack_int) net->ev_liwork));
  status = eig_finish(info, n, eval);
  net->t_total += deq_network_now() - t0;
  return status;
}

/* Ascending eigenvalues of the CK from those of the d x d Gram X_L X_L^T in tail =
 * eval + (n - d): its negatives (rounding beyond the zero cut) first, then the n - d exact
 * zeros of X_L^T X_L, then the rest of tail, which is in place. */
static void pad_zeros(size_t n, size_t d, double *eval)
{
  const double *tail = eval + (n - d);
  size_t neg = 0;
  while (neg < d && tail[neg] < 0.0)
    neg++;
  memmove(eval, tail, neg * sizeof *eval);
  for (size_t i = neg; i < neg + (n - d); i++)
    eval[i] = 0.0;
}

/* d_L < n: the n - d_L zero eigenvalues of X_L^T X_L are exact, its others are those of the
 * d_L x d_L Gram X_L X_L^T, formed in K (dsyrk) and passed to dsyevd: d_L^3 instead of n^3. */
static int ck_spectrum_small(deq_network *net, double *K, double *eval)
{
  const deq_network_spec *sp = &net->spec;
  size_t n = sp->n, d = sp->d[sp->L];
  double t0 = deq_network_now();
  int dd = (int) d;
  DEQ_NETWORK_TIMED(net, cblas_dsyrk(CblasColMajor, CblasUpper, CblasNoTrans, dd, (int) n, 1.0,
                                     net->x[sp->L], dd, 0.0, K, dd));
  int status = eig_check(d, K, eval);
  lapack_int info = 0;
  if (!status)
    DEQ_NETWORK_TIMED(net, info = LAPACKE_dsyevd_work(LAPACK_COL_MAJOR, 'N', 'U', dd, K, dd,
                                                       eval + (n - d), net->ev_work,
                                                       (lapack_int) net->ev_lwork, net->ev_iwork,
                                                       (lapack_int) net->ev_liwork));
  if (!status && !(status = eig_finish(info, d, eval + (n - d))))
    pad_zeros(n, d, eval);
  net->t_total += deq_network_now() - t0;
  return status;
}

int deq_network_ck_spectrum(deq_network *net, double *eval)
{
  DEQ_CHECK_NULL(net, "net");
  DEQ_CHECK_NULL(eval, "eval");
  const deq_network_spec *sp = &net->spec;
  if (sp->need == DEQ_NETWORK_NTK_ONLY)
    DEQ_ERROR("network: an NTK-only workspace has no n x n scratch for the CK; pass a matrix "
              "to deq_network_ck", DEQ_EINVAL);
  double *K = sp->need == DEQ_NETWORK_CK_ONLY ? net->x[(sp->L + 1) % 2] : net->gs;
  if (!net->drawn)
    DEQ_ERROR("network: no successful deq_network_draw before the Gram matrix", DEQ_EINVAL);
  if (sp->d[sp->L] < sp->n)
    return ck_spectrum_small(net, K, eval);
  int status = deq_network_ck(net, K);
  return status == DEQ_SUCCESS ? deq_network_spectrum(net, K, eval) : status;
}

void deq_network_timing(const deq_network *net, double *blas_seconds, double *total_seconds)
{
  DEQ_CHECK_NULL_VOID(net, "net");
  DEQ_CHECK_NULL_VOID(blas_seconds, "blas_seconds");
  DEQ_CHECK_NULL_VOID(total_seconds, "total_seconds");
  *blas_seconds = net->t_blas;
  *total_seconds = net->t_total;
}

void deq_network_timing_reset(deq_network *net)
{
  DEQ_CHECK_NULL_VOID(net, "net");
  net->t_blas = 0.0;
  net->t_total = 0.0;
}

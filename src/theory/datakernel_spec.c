/* Spectrum of the expected kernel as the input law of the pencil (deqnn/datakernel.h). */
#include <float.h>
#include <limits.h>
#include <math.h>
#include <string.h>
#include <lapacke.h>
#include "core/check.h"
#include "deqnn/datakernel.h"

/* Eigenvalues below DK_EIG_ZERO n eps lambda_max are zero (dsyevd's backward error is a small
 * multiple of n eps ||K||; the CLI's Weyl bound uses the same 8). */
#define DK_EIG_ZERO 8.0

/* Eigenvalues only: the two-stage reduction (band, then tridiagonal; LAPACK >= 3.7) where the
 * build found it, ~0.65x dsyevd's time at n = 2000; both are backward stable to a small
 * multiple of n eps ||K||, which the Weyl bound and DK_EIG_ZERO assume. */
#ifdef DEQ_HAVE_SYEVD_2STAGE
#define DK_SYEVD LAPACKE_dsyevd_2stage
#else
#define DK_SYEVD LAPACKE_dsyevd
#endif

int deq_datakernel_atoms(size_t n, double *K, double *x, double *p, double *mean)
{
  DEQ_CHECK_NULL(K, "K");
  DEQ_CHECK_NULL(x, "x");
  DEQ_CHECK_NULL(p, "p");
  DEQ_CHECK_NULL(mean, "mean");
  DEQ_CHECK(n >= 1 && n <= (size_t) INT_MAX, "%s: need 1 <= n <= %d, got %zu", __func__,
            INT_MAX, n);
  double tr = 0;
  for (size_t a = 0; a < n; a++)
    tr += K[a * n + a];
  *mean = tr / (double) n;
  DEQ_CHECK(*mean > 0 && isfinite(*mean), "%s: tr K / n = %g: need a finite positive trace",
            __func__, *mean);
  /* K is symmetric: read as column-major (no transposed copy), lower = row-major upper */
  lapack_int info = DK_SYEVD(LAPACK_COL_MAJOR, 'N', 'L', (lapack_int) n, K, (lapack_int) n, x);
  if (info < 0)
    DEQ_ERRORF(DEQ_ENOMEM, "%s: dsyevd: out of memory or argument %d", __func__, (int) -info);
  if (info > 0)
    DEQ_ERRORF(DEQ_EMAXITER, "%s: dsyevd did not converge (%d)", __func__, (int) info);
  /* Eigenvalues within dsyevd's error of 0 are 0: a rank-deficient Gram matrix (n > d0) has
   * exact zeros that round-off scatters over +-n eps lambda_max, and the pencil's atom at 0
   * cannot resolve atoms 1e-16 apart. */
  double zero = DK_EIG_ZERO * (double) n * DBL_EPSILON * fmax(0.0, x[n - 1]), s = 0;
  for (size_t k = 0; k < n; k++) {
    x[k] = x[k] <= zero ? 0.0 : x[k] / *mean;   /* a PSD matrix: negatives are round-off */
    p[k] = 1.0 / (double) n;
    s += x[k];
  }
  for (size_t k = 0; k < n; k++)   /* the clipping moved the mean by round-off: restore 1 */
    x[k] *= (double) n / s;
  return DEQ_SUCCESS;
}

int deq_datakernel_ck_params(double b, size_t L, const double *gamma, const deq_input_law *law,
                             deq_pencil_params *par)
{
  DEQ_CHECK_NULL(gamma, "gamma");
  DEQ_CHECK_NULL(law, "law");
  DEQ_CHECK_NULL(par, "par");
  DEQ_CHECK(L >= 1 && L <= DEQ_PENCIL_MAXL, "layers: need 1 <= L <= %d, got %zu",
            DEQ_PENCIL_MAXL, L);
  DEQ_CHECK(b >= 0 && b <= 1, "%s: b must lie in [0, 1], got %g", __func__, b);
  DEQ_CHECK(law->kind == DEQ_DATA_ATOMS, "%s: the input law must be DEQ_DATA_ATOMS (the "
            "spectrum of the expected kernel), got kind %d", __func__, (int) law->kind);
  memset(par, 0, sizeof *par);
  par->L = L;
  for (size_t l = 0; l <= L; l++) {
    par->gamma[l] = gamma[l];
    par->b[l] = l == 0 ? 0.0 : l == 1 ? 1.0 : b;
  }
  par->q[L] = 1.0;
  par->input = *law;
  return DEQ_SUCCESS;
}

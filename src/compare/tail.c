/* Tail exponent and Wasserstein distance of a sample spectrum (training_spectra S18, S19). */
#include <math.h>
#include <stdlib.h>
#include "deqnn/compare.h"
#include "core/cdf_impl.h"
#include "core/check.h"

/* Eigenvalues at most this fraction of the largest |lambda| are exact zeros (ck_ntk section 9,
 * training_spectra S18-S19). */
static const double zero_rel = 1e-9;
/* The smallest tail of S18. */
enum { HILL_KMIN = 10 };

/* The non-zero eigenvalues of the ascending sample: their count, and the index of the first. */
static size_t nonzero(size_t n, const double *eval, size_t *first)
{
  double top = fmax(fabs(eval[0]), fabs(eval[n - 1]));
  size_t i = 0;
  while (i < n && eval[i] <= zero_rel * top)
    i++;
  *first = i;
  return n - i;
}

/* S18 with a given k on the descending order l(i) = eval[n - i] (1-based). */
static double hill_at(size_t n, const double *eval, size_t k)
{
  double acc = 0, base = eval[n - 1 - k];
  for (size_t i = 1; i <= k; i++)
    acc += log(eval[n - i] / base);
  return acc > 0 ? 1 + (double) k / acc : INFINITY;
}

double deq_spec_hill(size_t n, const double *eval)
{
  DEQ_REQUIRE_RET(eval != NULL && n >= 1, NAN, "%s: need n >= 1 values and a non-NULL array",
                  __func__);
  size_t first, N = nonzero(n, eval, &first), k = N / 10 > HILL_KMIN ? N / 10 : HILL_KMIN;
  DEQ_REQUIRE_RET(N >= k + 1, NAN, "%s: %zu non-zero eigenvalues, need at least %zu", __func__,
                  N, k + 1);
  return hill_at(n, eval, k);
}

/* D(k) of the Clauset variant: the KS distance between the k tail points and the fitted
 * power law S_k(x) = (x/x_min)^(1 - alpha). */
static double tail_ks(size_t n, const double *eval, size_t k, double alpha)
{
  double xmin = eval[n - 1 - k], d = 0;
  for (size_t i = 1; i <= k; i++) {
    double S = pow(eval[n - i] / xmin, 1 - alpha);
    d = fmax(d, fmax(fabs((double) i / (double) k - S), fabs((double) (i - 1) / (double) k - S)));
  }
  return d;
}

double deq_spec_hill_ks(size_t n, const double *eval, size_t *k_out)
{
  DEQ_REQUIRE_RET(eval != NULL && n >= 1, NAN, "%s: need n >= 1 values and a non-NULL array",
                  __func__);
  size_t first, N = nonzero(n, eval, &first), best = 0;
  DEQ_REQUIRE_RET(N / 2 >= HILL_KMIN && N >= HILL_KMIN + 1, NAN,
                  "%s: %zu non-zero eigenvalues, need at least %d", __func__, N, 2 * HILL_KMIN);
  double dbest = INFINITY, abest = NAN;
  for (size_t k = HILL_KMIN; k <= N / 2 && k + 1 <= N; k++) {
    double a = hill_at(n, eval, k), d = tail_ks(n, eval, k, a);
    if (d < dbest)
      dbest = d, abest = a, best = k;
  }
  if (k_out != NULL)
    *k_out = best;
  return abest;
}

static int cmp_double(const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

/* Integral over [a, b] of |c - L(t)|, L linear from La to Lb. */
static double abs_linear(double a, double b, double c, double La, double Lb)
{
  double u = c - La, v = c - Lb, w = b - a;
  if (w <= 0)
    return 0;
  if (u * v >= 0)
    return 0.5 * w * fabs(u + v);
  return 0.5 * w * (u * u + v * v) / (fabs(u) + fabs(v));   /* the two triangles */
}

double deq_spec_w1(size_t n, const double *eval, const deq_cdf *cdf)
{
  DEQ_CHECK_NULL_NAN(cdf, "cdf");
  DEQ_REQUIRE_RET(eval != NULL && n >= 1, NAN, "%s: need n >= 1 values and a non-NULL array",
                  __func__);
  size_t m = n + cdf->n + cdf->natoms + 1, nb = 0;
  double *b = malloc(m * sizeof *b);
  DEQ_REQUIRE_RET(b != NULL, NAN, "%s: out of memory", __func__);
  double top = fmax(fabs(eval[0]), fabs(eval[n - 1]));
  for (size_t i = 0; i < n; i++)   /* exact zeros at 0 (the atom's rule) */
    b[nb++] = fabs(eval[i]) <= zero_rel * top ? 0.0 : eval[i];
  for (size_t i = 0; i < cdf->n; i++)
    b[nb++] = cdf->x[i];
  for (size_t i = 0; i < cdf->natoms; i++)
    b[nb++] = cdf->atom_pos[i];
  b[nb++] = 0.0;
  qsort(b, nb, sizeof *b, cmp_double);
  double w1 = 0;
  size_t below = 0;   /* eigenvalues <= the left end of the current piece */
  for (size_t j = 0; j + 1 < nb; j++) {
    double a = b[j], c = b[j + 1];
    while (below < n && (fabs(eval[below]) <= zero_rel * top ? 0.0 : eval[below]) <= a)
      below++;
    double atoms = deq_cdf_atoms_below(cdf, a, 1), Fe = (double) below / (double) n;
    w1 += abs_linear(a, c, Fe, deq_cdf_cont(cdf, a) + atoms, deq_cdf_cont(cdf, c) + atoms);
  }
  free(b);
  return w1;
}

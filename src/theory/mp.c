/* Marchenko-Pastur law in closed form (ck_ntk S1-S5). */
#include <float.h>
#include <math.h>
#include "deqnn/mp.h"
#include "core/check.h"

static int check_gamma(double gamma)
{
  if (!(gamma >= DEQ_RATIO_MIN && gamma <= DEQ_RATIO_MAX))
    DEQ_ERRORF(DEQ_EINVAL, "ratio gamma: must lie in [%g, %g], got %g", DEQ_RATIO_MIN,
               DEQ_RATIO_MAX, gamma);
  return DEQ_SUCCESS;
}

int deq_mp_edges(double gamma, double *lo, double *hi)
{
  DEQ_CHECK_NULL(lo, "lo");
  DEQ_CHECK_NULL(hi, "hi");
  int status = check_gamma(gamma);
  if (status)
    return status;
  double s = sqrt(gamma);
  *lo = (1 - s) * (1 - s);
  *hi = (1 + s) * (1 + s);
  return DEQ_SUCCESS;
}

int deq_mp_atom(double gamma, double *mass)
{
  DEQ_CHECK_NULL(mass, "mass");
  int status = check_gamma(gamma);
  if (status)
    return status;
  *mass = gamma > 1 ? 1 - 1 / gamma : 0.0;
  return DEQ_SUCCESS;
}

int deq_mp_stieltjes(double complex z, double gamma, double complex *m)
{
  DEQ_CHECK_NULL(m, "m");
  double lo, hi;
  int status = deq_mp_edges(gamma, &lo, &hi);
  if (status)
    return status;
  if (!isfinite(creal(z)) || !isfinite(cimag(z)))
    DEQ_ERROR("mp: z must be finite", DEQ_EINVAL);
  int flip = signbit(cimag(z));
  double complex zz = flip ? conj(z) : CMPLX(creal(z), fabs(cimag(z)));
  if (zz == 0 && gamma >= 1)
    DEQ_ERROR("mp: z = 0 is a pole for gamma >= 1", DEQ_EDIVERGE);
  double complex R = csqrt(zz - lo) * csqrt(zz - hi), B = zz - 1 + gamma;
  double complex np = -B + R, nm = -B - R;
  *m = cabs(np) >= cabs(nm) ? np / (2 * gamma * zz) : 2.0 / nm;
  if (flip)
    *m = conj(*m);
  return DEQ_SUCCESS;
}

int deq_mp_density(double x, double gamma, double *rho)
{
  DEQ_CHECK_NULL(rho, "rho");
  double lo, hi;
  int status = deq_mp_edges(gamma, &lo, &hi);
  if (status)
    return status;
  if (!isfinite(x))
    DEQ_ERRORF(DEQ_EINVAL, "mp: x must be finite, got %g", x);
  if (x == 0 && gamma == 1)
    DEQ_ERROR("mp: density is infinite at x = 0 for gamma = 1", DEQ_EDIVERGE);
  *rho = x > lo && x < hi ? sqrt((hi - x) * (x - lo)) / (2 * M_PI * gamma * x) : 0.0;
  return DEQ_SUCCESS;
}

int deq_mp_moment(unsigned k, double gamma, double *mk)
{
  DEQ_CHECK_NULL(mk, "mk");
  int status = check_gamma(gamma);
  if (status)
    return status;
  if (k > 100)
    DEQ_ERRORF(DEQ_EINVAL, "mp: moment order k must be <= 100, got %u", k);
  if (k == 0) {
    *mk = 1.0;
    return DEQ_SUCCESS;
  }
  /* sum_{j=0}^{k-1} (1/k) C(k,j) C(k,j+1) gamma^j, with the Narayana number N(k, j+1)
   * updated by N(k, j+2) = N(k, j+1) (k-j)(k-j-1) / ((j+1)(j+2)). */
  double nar = 1.0, sum = 0.0, gp = 1.0;
  for (unsigned j = 0; j < k; j++) {
    sum += nar * gp;
    nar *= (double) (k - j) * (double) (k - j - 1) / ((double) (j + 1) * (double) (j + 2));
    gp *= gamma;
  }
  *mk = sum;
  return DEQ_SUCCESS;
}

static double clamp1(double v) { return v < -1 ? -1 : v > 1 ? 1 : v; }

/* Antiderivative of sqrt((b - t)(t - a))/t on [a, b]. */
static double antider(double t, double a, double b)
{
  double s = sqrt(fmax((b - t) * (t - a), 0.0));
  double v = s + 0.5 * (a + b) * asin(clamp1((2 * t - a - b) / (b - a)));
  if (a > 0)
    v -= sqrt(a * b) * asin(clamp1(((a + b) * t - 2 * a * b) / (t * (b - a))));
  return v;
}

int deq_mp_cdf(double x, double gamma, double *F)
{
  DEQ_CHECK_NULL(F, "F");
  double lo, hi, atom;
  int status = deq_mp_edges(gamma, &lo, &hi);
  if (status)
    return status;
  if (isnan(x))
    DEQ_ERROR("mp: x must not be NaN", DEQ_EINVAL);
  deq_mp_atom(gamma, &atom);
  double cont = fmin(1.0, 1.0 / gamma);
  if (x < 0)
    *F = 0.0;
  else if (x <= lo)
    *F = atom;
  else if (x >= hi)
    *F = atom + cont;
  else
    *F = atom + (antider(x, lo, hi) - antider(lo, lo, hi)) / (2 * M_PI * gamma);
  return DEQ_SUCCESS;
}

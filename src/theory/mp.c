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
  if (!isfinite(creal(*m)) || !isfinite(cimag(*m)))
    DEQ_ERRORF(DEQ_EBADFUNC, "mp: m(%g%+gi) overflows double precision (|z| too close to the "
               "atom at 0)", creal(z), cimag(z));
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

/* The continuous part of the CDF at lo < x < hi, in the angle t = c - r cos(theta) (c, r the
 * centre and half-width of the support): the antiderivative of sqrt((b - t)(t - a))/t is
 *   c theta + r sin(theta) - 2 sqrt(ab) atan(sqrt(b/a) tan(theta/2)),
 * arranged as (c - sqrt(ab)) theta + r sin(theta) - 2 sqrt(ab) eps with
 * eps = atan(sqrt(b/a) tan(theta/2)) - theta/2 = atan(k / (1/tau + (k + 1) tau)),
 * k = sqrt(b/a) - 1, tau = tan(theta/2), and c - sqrt(ab) = (sqrt(b) - sqrt(a))^2 / 2: no
 * cancellation for small gamma (the asin form lost sqrt(eps) digits next to +-1: 2% at
 * gamma = 1.3e-6). */
static double cdf_cont(double x, double gamma)
{
  double sg = sqrt(gamma), sa = fabs(1.0 - sg), sb = 1.0 + sg;
  double c = 0.5 * (sa * sa + sb * sb), r = 0.5 * (sb * sb - sa * sa);
  double theta = acos(fmax(-1.0, fmin(1.0, (c - x) / r))), tau = tan(0.5 * theta);
  double lin = 0.5 * (sb - sa) * (sb - sa) * theta + r * sin(theta), eps = 0.0;
  if (sa > 0) {
    double k = (sb - sa) / sa;
    eps = atan(k / (1.0 / tau + (k + 1.0) * tau));
  }
  return (lin - 2.0 * sa * sb * eps) / (2.0 * M_PI * gamma);
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
    *F = atom + fmin(cont, fmax(0.0, cdf_cont(x, gamma)));
  return DEQ_SUCCESS;
}

/* Tests for the closed-form Marchenko-Pastur law (ck_ntk S1-S5). */
#include <gsl/gsl_integration.h>
#include "testutil.h"
#include "deqnn/mp.h"

static const double G = 2.385;

/* ck_ntk S2: m solves gamma z m^2 + (z - 1 + gamma) m + 1 = 0 with Im m > 0, at points where the
 * naive formula is inaccurate (near the atom, large |z|) and on both sides of the cut. */
static void test_stieltjes_quadratic(void **state)
{
  (void) state;
  double complex zs[] = { 0.01 + 0.01 * I, 1.3 + 0.2 * I, 5 + 1e-9 * I, 1e8 + 1 * I,
                          -3 + 1e-3 * I, 0.3 + 1e-12 * I };
  double gammas[] = { G, 0.37, 1.0 };
  for (size_t k = 0; k < 6; k++)
    for (size_t g = 0; g < 3; g++) {
      double complex m, z = zs[k];
      double gam = gammas[g];
      assert_int_equal(deq_mp_stieltjes(z, gam, &m), DEQ_SUCCESS);
      double complex res = gam * z * m * m + (z - 1 + gam) * m + 1;
      assert_true(cabs(res) <= 1e-13 * (1 + cabs(gam * z * m * m) + cabs((z - 1 + gam) * m)));
      assert_true(cimag(m) > 0);
      double complex mc;
      deq_mp_stieltjes(conj(z), gam, &mc);
      assert_true(mc == conj(m));
    }
}

/* Branch at the atom (spec: tested at z = 0.01 + 0.01i, gamma = 2.385): m ~ -(1-1/g)/z. */
static void test_branch_atom(void **state)
{
  (void) state;
  double complex m, z = 1e-9 * I;
  assert_int_equal(deq_mp_stieltjes(z, G, &m), DEQ_SUCCESS);
  assert_close(creal(-I * 1e-9 * m), 1 - 1 / G, 1e-8);
  /* gamma < 1: m(0) = 1/(1 - gamma), and the stable form keeps full precision */
  assert_int_equal(deq_mp_stieltjes(1e-10 * I, 0.37, &m), DEQ_SUCCESS);
  assert_rel(creal(m), 1 / (1 - 0.37), 1e-9);
  /* large z: m = -1/z - 1/z^2 - (1 + g)/z^3 + O(z^-4) */
  double complex zl = 1e4 + 3e3 * I;
  assert_int_equal(deq_mp_stieltjes(zl, G, &m), DEQ_SUCCESS);
  double complex asym = -1 / zl - 1 / (zl * zl) - (1 + G) / (zl * zl * zl);
  assert_true(cabs(m - asym) <= 2 * (1 + 3 * G + G * G) * pow(cabs(zl), -4));
  /* real z outside the support: real; above l+ negative, below l- (and > 0) positive */
  assert_int_equal(deq_mp_stieltjes(8.0, G, &m), DEQ_SUCCESS);
  assert_true(cimag(m) == 0 && creal(m) < 0);
  assert_int_equal(deq_mp_stieltjes(-0.5, G, &m), DEQ_SUCCESS);
  assert_true(creal(m) > 0);
}

static double dens(double x, void *p)
{
  double r;
  deq_mp_density(x, *(double *) p, &r);
  return r;
}

static double dens_xk(double x, void *p)
{
  double *pp = p, r;
  deq_mp_density(x, pp[0], &r);
  return r * pow(x, pp[1]);
}

/* Density integrates to min(1, 1/gamma) (ck_ntk S3); moments ck_ntk S5 against quadrature of ck_ntk S3 plus
 * the atom; the CDF against quadrature; density = Im m / pi on the axis. */
static void test_density_moments_cdf(void **state)
{
  (void) state;
  gsl_integration_workspace *ws = gsl_integration_workspace_alloc(1000);
  double gammas[] = { G, 0.37 };
  for (size_t g = 0; g < 2; g++) {
    double gam = gammas[g], lo, hi, val, err, atom;
    deq_mp_edges(gam, &lo, &hi);
    deq_mp_atom(gam, &atom);
    gsl_function f = { dens, &gam };
    gsl_integration_qags(&f, lo, hi, 1e-13, 1e-12, 1000, ws, &val, &err);
    assert_close(val, fmin(1, 1 / gam), 1e-10);
    for (unsigned k = 1; k <= 4; k++) {
      double p[2] = { gam, k }, mk;
      gsl_function fk = { dens_xk, p };
      gsl_integration_qags(&fk, lo, hi, 1e-13, 1e-12, 1000, ws, &val, &err);
      assert_int_equal(deq_mp_moment(k, gam, &mk), DEQ_SUCCESS);
      assert_rel(mk, val, 1e-10);
    }
    for (double x = lo + 0.1; x < hi; x += 0.37) {
      double F;
      gsl_integration_qags(&f, lo, x, 1e-13, 1e-12, 1000, ws, &val, &err);
      assert_int_equal(deq_mp_cdf(x, gam, &F), DEQ_SUCCESS);
      assert_close(F, atom + val, 1e-10);
      double complex m;
      double r;
      deq_mp_stieltjes(x, gam, &m);
      deq_mp_density(x, gam, &r);
      assert_close(cimag(m) / M_PI, r, 1e-12);
    }
  }
  double m3;
  deq_mp_moment(3, G, &m3);
  assert_close(m3, 1 + 3 * G + G * G, 1e-14);
  gsl_integration_workspace_free(ws);
}

static void test_errors(void **state)
{
  (void) state;
  double complex m;
  double v, lo, hi;
  assert_int_equal(deq_mp_stieltjes(1 + I, -1, &m), DEQ_EINVAL);
  assert_int_equal(deq_mp_stieltjes(1 + I, NAN, &m), DEQ_EINVAL);
  assert_int_equal(deq_mp_stieltjes(NAN + I, 2, &m), DEQ_EINVAL);
  assert_int_equal(deq_mp_stieltjes(0, 2, &m), DEQ_EDIVERGE);
  assert_int_equal(deq_mp_density(0, 1, &v), DEQ_EDIVERGE);
  assert_int_equal(deq_mp_density(NAN, 1, &v), DEQ_EINVAL);
  assert_int_equal(deq_mp_edges(0, &lo, &hi), DEQ_EINVAL);
  assert_int_equal(deq_mp_edges(INFINITY, &lo, &hi), DEQ_EINVAL);
  assert_int_equal(deq_mp_moment(101, 2, &v), DEQ_EINVAL);
  assert_int_equal(deq_mp_cdf(NAN, 2, &v), DEQ_EINVAL);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_stieltjes_quadratic),
    cmocka_unit_test(test_branch_atom),
    cmocka_unit_test(test_density_moments_cdf),
    cmocka_unit_test(test_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

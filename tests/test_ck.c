/* Tests for the deep conjugate-kernel limit (ck_ntk S8, ck_ntk S9, ck_ntk S22, section 8 and 10). */
#include "testutil.h"
#include "deqnn/ck.h"
#include "deqnn/mp.h"

static const deq_input_law GAUSS = { DEQ_DATA_GAUSSIAN, 0, NULL, NULL };
static const deq_input_law ORTH = { DEQ_DATA_ORTHONORMAL, 0, NULL, NULL };

static deq_pencil *ck(const char *name, size_t L, const double *g, const deq_input_law *in)
{
  deq_act act;
  deq_pencil *pen;
  assert_int_equal(deq_act_parse(name, "--act", &act), DEQ_SUCCESS);
  assert_int_equal(deq_ck_alloc(&act, L, g, in, NULL, &pen), DEQ_SUCCESS);
  return pen;
}

/* Linear sigma, orthonormal inputs, L = 1: mu_1 = rho_{gamma_1} exactly.
 * b = 0 (He2): mu_L = rho_{gamma_L} whatever mu_0. */
static void test_exact_cases(void **state)
{
  (void) state;
  double g[3] = { 0.6, 2.385, 1.7 };
  double complex zs[] = { 0.02 + 0.03 * I, 1.1 + 0.3 * I, 4.0 + 1e-4 * I };
  deq_pencil *lin = ck("linear", 1, g, &ORTH), *he2 = ck("he2", 2, g, &GAUSS);
  for (int k = 0; k < 3; k++) {
    deq_cresult m;
    double complex ref;
    assert_int_equal(deq_pencil_stieltjes(lin, zs[k], &m, NULL), DEQ_SUCCESS);
    deq_mp_stieltjes(zs[k], g[1], &ref);
    assert_true(cabs(m.val - ref) <= 1e-12 * cabs(ref));
    assert_int_equal(deq_pencil_stieltjes(he2, zs[k], &m, NULL), DEQ_SUCCESS);
    deq_mp_stieltjes(zs[k], g[2], &ref);
    assert_true(cabs(m.val - ref) <= 1e-12 * cabs(ref));
  }
  deq_pencil_free(lin);
  deq_pencil_free(he2);
}

/* Nested form of ck_ntk S8: m_l(z) = m_{l-1}(w)/(b tau), w = (z/tau - 1 + b)/b,
 * tau = 1 - g_l - g_l z m_l(z); solved for tau by a secant-Newton ladder. */
static double complex nested(size_t l, double complex z, double b, const double *g)
{
  if (l == 0) {
    double complex m;
    deq_mp_stieltjes(z, g[0], &m);
    return m;
  }
  double complex tau = 1.0;
  for (int k = 0; k <= 40; k++) {
    double complex zk = creal(z) + I * (cimag(z) + 10.0 * (40 - k) / 40.0);
    for (int it = 0; it < 60; it++) {
      double complex h = 1e-7, F[2];
      for (int s = 0; s < 2; s++) {
        double complex t = tau + s * h;
        double complex m = nested(l - 1, (zk / t - 1 + b) / b, b, g) / (b * t);
        F[s] = t - (1 - g[l] - g[l] * zk * m);
      }
      double complex step = F[0] * h / (F[1] - F[0]);
      tau -= step;
      if (cabs(step) < 1e-15 * cabs(tau))
        break;
    }
  }
  return nested(l - 1, (z / tau - 1 + b) / b, b, g) / (b * tau);
}

/* ck_ntk §8: the unfolded recursion ck_ntk S14-S16 against the nested iterated MP map, L = 1, 2. */
static void test_unfolded_vs_nested(void **state)
{
  (void) state;
  double g[3] = { 0.6, 0.8, 1.71 };
  deq_act act;
  deq_act_fw fw;
  deq_act_parse("tanh", "--act", &act);
  deq_act_fw_constants(&act, NULL, &fw);
  double complex zs[] = { 0.5 + 0.4 * I, 2.2 + 0.6 * I, 6.0 + 1.0 * I };
  for (size_t L = 1; L <= 2; L++) {
    deq_pencil *pen = ck("tanh", L, g, &GAUSS);
    for (int k = 0; k < 3; k++) {
      deq_cresult m;
      assert_int_equal(deq_pencil_stieltjes(pen, zs[k], &m, NULL), DEQ_SUCCESS);
      double complex ref = nested(L, zs[k], fw.b.val, g);
      assert_true(cabs(m.val - ref) <= 1e-12 * cabs(ref));
    }
    deq_pencil_free(pen);
  }
}

/* Moments ck_ntk S22 against the contour integral ck_ntk S25; atom closed form; mean 1. */
static void test_moments_atoms(void **state)
{
  (void) state;
  double g[4] = { 1000.0 / 1300, 1000.0 / 800, 1000.0 / 1100, 1000.0 / 1500 };
  const char *acts[] = { "relu", "erf", "tanh" };
  for (size_t a = 0; a < 3; a++)
    for (size_t L = 1; L <= 3; L++) {
      deq_pencil *pen = ck(acts[a], L, g, &GAUSS);
      deq_act act;
      deq_act_fw fw;
      deq_pencil_params par;
      deq_act_parse(acts[a], "--act", &act);
      deq_act_fw_constants(&act, NULL, &fw);
      deq_ck_params(fw.b.val, L, g, &GAUSS, &par);
      double m1, m2, atom;
      deq_ck_moments_exact(&par, &m1, &m2);
      assert_close(m1, 1.0, 1e-15);
      deq_result mom[3], at;
      assert_int_equal(deq_pencil_moments(pen, 2, mom), DEQ_SUCCESS);
      assert_rel(mom[1].val, m1, 1e-10);
      assert_rel(mom[2].val, m2, 1e-10);
      assert_true(fabs(mom[2].val - m2) <= mom[2].err);
      assert_int_equal(deq_pencil_atom(pen, 0.0, &at), DEQ_SUCCESS);
      deq_ck_atom_exact(&par, &atom);
      assert_close(at.val, atom, 1e-8);
      deq_pencil_free(pen);
    }
  double gl[3] = { 1.5, 0.7, 1.2 };   /* linear: ranks compound, atom 1 - 1/1.5 */
  deq_pencil *pen = ck("linear", 2, gl, &GAUSS);
  deq_result at;
  assert_int_equal(deq_pencil_atom(pen, 0.0, &at), DEQ_SUCCESS);
  assert_close(at.val, 1 - 1 / 1.5, 1e-8);
  deq_pencil_free(pen);
}

/* Theory values of the independent implementation (ck_ntk section 10, 9 digits):
 * (1/n) tr K^2 -> m2 and (1/n) tr (K + 0.5)^{-1} -> m(-0.5). */
static void test_reference_values(void **state)
{
  (void) state;
  struct { const char *act; size_t L; double g[4]; double m2, res; } ref[] = {
    { "linear", 0, { 1500.0 / 629 }, 3.38473768, 1.35908282 },
    { "relu", 1, { 1.5, 1500.0 / 629 }, 4.19170747, 1.39454549 },
    { "tanh", 2, { 0.6, 0.8, 1200.0 / 700 }, 3.85664420, 1.30537677 },
    { "erf", 3, { 1000.0 / 1300, 1000.0 / 800, 1000.0 / 1100, 1000.0 / 1500 }, 3.74343480,
      1.19647894 },
  };
  for (size_t k = 0; k < 4; k++) {
    deq_pencil *pen;
    if (ref[k].L == 0) {  /* MP gamma = 1500/629 via linear CK with orthonormal input */
      double g2[2] = { 0.75, ref[k].g[0] };
      pen = ck("linear", 1, g2, &ORTH);
    } else {
      pen = ck(ref[k].act, ref[k].L, ref[k].g, &GAUSS);
    }
    deq_cresult m;
    deq_result mom[3];
    assert_int_equal(deq_pencil_stieltjes(pen, -0.5, &m, NULL), DEQ_SUCCESS);
    assert_true(cimag(m.val) == 0);
    assert_close(creal(m.val), ref[k].res, 1e-8);
    assert_int_equal(deq_pencil_moments(pen, 2, mom), DEQ_SUCCESS);
    assert_close(mom[2].val, ref[k].m2, 1e-8);
    deq_pencil_free(pen);
  }
}

/* The deep erf case of the spec has a thin sliver of mass near 0: the CDF must still
 * find all the mass (spec section 7 "CDF / KS"). */
static void test_cdf_mass(void **state)
{
  (void) state;
  double g[4] = { 1000.0 / 1300, 1000.0 / 800, 1000.0 / 1100, 1000.0 / 1500 };
  deq_pencil *pen = ck("erf", 3, g, &GAUSS);
  deq_cdf *cdf;
  assert_int_equal(deq_pencil_cdf(pen, &cdf), DEQ_SUCCESS);
  assert_close(deq_cdf_mass(cdf), 1.0, 1e-4);
  assert_true(deq_cdf_eval(cdf, 0.05) > 0.1);   /* ~20% of the mass below 0.05 */
  deq_cdf_free(cdf);
  deq_pencil_free(pen);
}

static void test_errors(void **state)
{
  (void) state;
  deq_act act;
  deq_pencil *pen;
  double g[3] = { 0.5, 1.0, -2.0 };
  deq_act_parse("tanh", "--act", &act);
  assert_int_equal(deq_ck_alloc(&act, 0, g, &GAUSS, NULL, &pen), DEQ_EINVAL);
  assert_int_equal(deq_ck_alloc(&act, 2, g, &GAUSS, NULL, &pen), DEQ_EINVAL);
  assert_null(pen);
  deq_act_parse("poly:3", "--act", &act);
  assert_int_equal(deq_ck_alloc(&act, 1, g, &GAUSS, NULL, &pen), DEQ_EINVAL);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_exact_cases),
    cmocka_unit_test(test_unfolded_vs_nested),
    cmocka_unit_test(test_moments_atoms),
    cmocka_unit_test(test_reference_values),
    cmocka_unit_test(test_cdf_mass),
    cmocka_unit_test(test_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

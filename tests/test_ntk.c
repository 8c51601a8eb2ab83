/* Tests for the deep NTK limit (ck_ntk S21, ck_ntk S23-S24, sections 8 and 10). */
#include "testutil.h"
#include "deqnn/mp.h"
#include "deqnn/ntk.h"

static const deq_input_law GAUSS = { DEQ_DATA_GAUSSIAN, 0, NULL, NULL };
static const deq_input_law ORTH = { DEQ_DATA_ORTHONORMAL, 0, NULL, NULL };

static deq_pencil *ntk(const char *name, size_t L, const double *g, const deq_input_law *in,
                       deq_act_fw *fw)
{
  deq_act act;
  deq_pencil *pen;
  assert_int_equal(deq_act_parse(name, "--act", &act), DEQ_SUCCESS);
  assert_int_equal(deq_act_fw_constants(&act, NULL, fw), DEQ_SUCCESS);
  assert_int_equal(deq_ntk_alloc(&act, L, g, in, NULL, &pen), DEQ_SUCCESS);
  return pen;
}

/* L = 1, orthonormal inputs: NTK law = a + rho_{gamma_1} exactly. */
static void test_shifted_mp(void **state)
{
  (void) state;
  double g[2] = { 0.8, 2.385 };
  const char *acts[] = { "relu", "tanh", "erf" };
  for (int a = 0; a < 3; a++) {
    deq_act_fw fw;
    deq_pencil *pen = ntk(acts[a], 1, g, &ORTH, &fw);
    double complex zs[] = { 1.5 + 0.2 * I, fw.a.val + 0.01 + 0.01 * I, 9 + 1e-3 * I };
    for (int k = 0; k < 3; k++) {
      deq_cresult m;
      double complex ref;
      assert_int_equal(deq_pencil_stieltjes(pen, zs[k], &m, NULL), DEQ_SUCCESS);
      deq_mp_stieltjes(zs[k] - fw.a.val, g[1], &ref);
      assert_true(cabs(m.val - ref) <= 1e-12 * cabs(ref));
    }
    deq_pencil_free(pen);
  }
}

/* Moments ck_ntk S23-S24 vs the contour integral; mean = sum_k a^k; no atom; support >= r_+. */
static void test_moments_support(void **state)
{
  (void) state;
  double g[3] = { 1.25, 1000.0 / 1200, 1000.0 / 700 };
  const char *acts[] = { "relu", "tanh" };
  for (int a = 0; a < 2; a++)
    for (size_t L = 1; L <= 2; L++) {
      deq_act_fw fw;
      deq_pencil *pen = ntk(acts[a], L, g, &GAUSS, &fw);
      deq_pencil_params par;
      deq_ntk_params(fw.a.val, fw.b.val, L, g, &GAUSS, &par);
      double m1, m2, mean = 0;
      assert_int_equal(deq_pencil_moments_exact(&par, &m1, &m2), DEQ_SUCCESS);
      for (size_t k = 0; k <= L; k++)
        mean += pow(fw.a.val, (double) k);
      assert_rel(m1, mean, 1e-14);
      deq_result mom[3], atom;
      assert_int_equal(deq_pencil_moments(pen, 2, mom), DEQ_SUCCESS);
      assert_rel(mom[1].val, m1, 1e-10);
      assert_rel(mom[2].val, m2, 1e-10);
      assert_int_equal(deq_pencil_atom(pen, par.r, &atom), DEQ_SUCCESS);
      assert_true(atom.val == 0);   /* sum_l 1/gamma_l > 1: the layer kernels do not meet */
      double edges[8];
      size_t nint;
      assert_int_equal(deq_pencil_support(pen, edges, 4, &nint), DEQ_SUCCESS);
      assert_true(edges[0] >= par.r - 1e-9);
      deq_pencil_free(pen);
    }
}

/* Linear sigma: r_+ = 0, the kernel is that of K_0: atom (1 - 1/gamma_0)_+. */
static void test_linear_atom(void **state)
{
  (void) state;
  double g[3] = { 1.6, 0.7, 0.9 };
  deq_act_fw fw;
  deq_pencil *pen = ntk("linear", 2, g, &GAUSS, &fw);
  deq_result atom;
  assert_int_equal(deq_pencil_atom(pen, 0.0, &atom), DEQ_SUCCESS);
  assert_close(atom.val, 1 - 1 / 1.6, 1e-8);
  deq_pencil_free(pen);
}

/* Atoms away from 0 (derived, docs/ntk.md; not in ck_ntk §6, which says "no atom unless
 * sigma is linear"): the kernel of r_+ + sum q_l K_l is the intersection of the kernels of the
 * K_l, of dimension n (1 - sum_l 1/gamma_l)_+ for generic (non-nested) kernels, at r_+ for
 * Gaussian data.  Orthonormal inputs shift it to r_+ + q_0 (K_0 = I).  The CDF then finds all
 * the mass. */
static void test_atoms_away_from_zero(void **state)
{
  (void) state;
  double g[2] = { 3.7718, 1.7729 }, pos[4];
  deq_act_fw fw;
  deq_pencil *pen = ntk("tanh", 1, g, &GAUSS, &fw);
  deq_result mass[4];
  size_t na;
  assert_int_equal(deq_pencil_atoms(pen, 4, pos, mass, &na), DEQ_SUCCESS);
  assert_int_equal(na, 1);
  assert_close(pos[0], fw.a.val - fw.b.val, 1e-15);
  assert_close(mass[0].val, 1 - 1 / g[0] - 1 / g[1], 1e-8);
  deq_cdf *cdf;
  assert_int_equal(deq_pencil_cdf(pen, &cdf), DEQ_SUCCESS);
  assert_close(deq_cdf_mass(cdf), 1.0, 1e-4);
  deq_cdf_free(cdf);
  /* the density is that of the continuous part: at and next to the atom it is not the
   * atom's Lorentzian (~ w / (pi eta) = 1e8 at the atom) */
  double xs[2] = { pos[0], pos[0] + 5e-5 };
  deq_result rho[2];
  int st[2];
  assert_int_equal(deq_pencil_density(pen, 2, xs, rho, st), DEQ_SUCCESS);
  for (int k = 0; k < 2; k++)
    assert_true(rho[k].val < 1e-3 && rho[k].err < 1e-3);
  deq_pencil_free(pen);
  double go[2] = { 0.6, 8.07 };     /* orthonormal, L = 1: a + rho_{8.07}, atom at a */
  pen = ntk("relu", 1, go, &ORTH, &fw);
  assert_int_equal(deq_pencil_atoms(pen, 4, pos, mass, &na), DEQ_SUCCESS);
  assert_int_equal(na, 1);
  assert_close(pos[0], fw.a.val, 1e-14);
  assert_close(mass[0].val, 1 - 1 / go[1], 1e-8);
  assert_int_equal(deq_pencil_cdf(pen, &cdf), DEQ_SUCCESS);
  assert_close(deq_cdf_mass(cdf), 1.0, 1e-4);
  deq_cdf_free(cdf);
  deq_pencil_free(pen);
}

/* Theory values of the independent implementation (ck_ntk section 10). */
static void test_reference_values(void **state)
{
  (void) state;
  struct { const char *act; size_t L; double g[3]; double m1, m2, res; } ref[] = {
    { "relu", 1, { 0.8, 1200.0 / 503 }, 2.46694221, 10.19302529, 0.46009607 },
    { "tanh", 2, { 1.25, 1000.0 / 1200, 1000.0 / 700 }, 3.56503711, 25.45658267, 0.41515098 },
  };
  for (int k = 0; k < 2; k++) {
    deq_act_fw fw;
    deq_pencil *pen = ntk(ref[k].act, ref[k].L, ref[k].g, &GAUSS, &fw);
    deq_cresult m;
    deq_result mom[3];
    assert_int_equal(deq_pencil_stieltjes(pen, -0.5, &m, NULL), DEQ_SUCCESS);
    assert_close(creal(m.val), ref[k].res, 1e-8);
    assert_int_equal(deq_pencil_moments(pen, 2, mom), DEQ_SUCCESS);
    assert_close(mom[1].val, ref[k].m1, 1e-8);
    assert_close(mom[2].val, ref[k].m2, 1e-8);
    deq_pencil_free(pen);
  }
}

static void test_errors(void **state)
{
  (void) state;
  double g[2] = { 0.5, 1.0 };
  deq_pencil_params par;
  assert_int_equal(deq_ntk_params(0.5, 0.9, 1, g, &GAUSS, &par), DEQ_EINVAL); /* a < b */
  assert_int_equal(deq_ntk_params(NAN, 0.9, 1, g, &GAUSS, &par), DEQ_EINVAL);
  assert_int_equal(deq_ntk_params(1.2, 0.9, 0, g, &GAUSS, &par), DEQ_EINVAL);
}

/* Continuation from a point outside the support must not stay on a spurious, nearly real
 * root inside it (found by test_bars: rho(2.0524) = 0 +- 2.5e-14 for a true 0.3624): the
 * grid's values equal single-point solves. */
static void test_density_after_gap(void **state)
{
  (void) state;
  deq_pencil_params par;
  double g[4] = { 0.1512570744689592, 0.62326837392920886, 0.1768341743171622,
                  0.14390999107932434 };
  deq_input_law in = { DEQ_DATA_GAUSSIAN, 0, NULL, NULL };
  assert_int_equal(deq_ntk_params(0.4216347255907299, 0.40284480340778828, 3, g, &in, &par),
                   DEQ_SUCCESS);
  deq_opts o;
  deq_opts_init(&o);
  o.eta_rel = 1e-13;
  deq_pencil *pen;
  assert_int_equal(deq_pencil_alloc(&par, &o, &pen), DEQ_SUCCESS);
  double x[4] = { 0.44070068043409338, 2.0524313254221958, 2.5466802788700282,
                  2.7381864591958327 };
  double want[4] = { 0.0, 0.3624080934142962, 0.2325076476219653, 0.19099285390855289 };
  deq_result rho[4];
  int st[4];
  assert_int_equal(deq_pencil_density(pen, 4, x, rho, st), DEQ_SUCCESS);
  for (int i = 0; i < 4; i++)
    assert_within(rho[i], want[i], 1e-9);
  deq_pencil_free(pen);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_density_after_gap),
    cmocka_unit_test(test_shifted_mp),
    cmocka_unit_test(test_moments_support),
    cmocka_unit_test(test_linear_atom),
    cmocka_unit_test(test_atoms_away_from_zero),
    cmocka_unit_test(test_reference_values),
    cmocka_unit_test(test_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

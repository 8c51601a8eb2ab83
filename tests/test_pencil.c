/* Tests for the pencil solver (ck_ntk S14-S20, ck_ntk S25, section 8). */
#include "testutil.h"
#include "deqnn/mp.h"
#include "deqnn/pencil.h"

static const double G = 2.385;

static deq_pencil *mp_pencil(double gamma)
{
  deq_pencil_params par = { 0 };
  par.L = 0;
  par.gamma[0] = gamma;
  par.q[0] = 1;
  par.input.kind = DEQ_DATA_GAUSSIAN;
  deq_pencil *pen;
  assert_int_equal(deq_pencil_alloc(&par, NULL, &pen), DEQ_SUCCESS);
  return pen;
}

/* ck_ntk §8: the general solver with one level (b = 1) equals ck_ntk S2 to 1e-14, also near the
 * atom, below the support and for Im z < 0; and its error bar covers the difference. */
static void test_mp_offaxis(void **state)
{
  (void) state;
  double gammas[] = { G, 0.37, 1.0 };
  double complex zs[] = { 0.01 + 0.01 * I, 1.3 + 0.2 * I, 5 + 1e-3 * I, -0.5, 12.0,
                          0.7 - 0.3 * I, 40 + 25 * I };
  for (size_t g = 0; g < 3; g++) {
    deq_pencil *pen = mp_pencil(gammas[g]);
    for (size_t k = 0; k < sizeof zs / sizeof zs[0]; k++) {
      deq_cresult m;
      double complex ref;
      assert_int_equal(deq_pencil_stieltjes(pen, zs[k], &m, NULL), DEQ_SUCCESS);
      deq_mp_stieltjes(zs[k], gammas[g], &ref);
      assert_true(cabs(m.val - ref) <= 1e-14 * fmax(1, cabs(ref)) + m.err);
      assert_true(cabs(m.val - ref) <= 1e-12 * cabs(ref));
      assert_true(m.err < 1e-11 * cabs(ref));
    }
    deq_pencil_free(pen);
  }
}

/* Resolvent traces m(-lambda) next to the atom at 0 (lambda from 1e-300 to 1e-3): equal to
 * the closed form ck_ntk S2, positive (the sign contract left of the support), within the bar.
 * (Reproducer: mp --stats 1e-300 returned -0.722, ck --stats 1e-20 -7.66, status ok.) */
static void test_resolvent_next_to_atom(void **state)
{
  (void) state;
  double lams[] = { 1e-300, 1e-100, 1e-20, 1e-9, 1e-3 };
  deq_pencil *pen = mp_pencil(G);
  for (size_t k = 0; k < sizeof lams / sizeof lams[0]; k++) {
    deq_cresult m;
    double complex ref;
    assert_int_equal(deq_pencil_stieltjes(pen, -lams[k], &m, NULL), DEQ_SUCCESS);
    deq_mp_stieltjes(-lams[k], G, &ref);
    assert_true(creal(m.val) > 0 && cimag(m.val) == 0);
    if (!(cabs(m.val - ref) <= m.err + 1e-14 * cabs(ref)))
      fail_msg("m(-%g) = %.17g, closed form %.17g, err %.3g", lams[k], creal(m.val),
               creal(ref), m.err);
    assert_true(cabs(m.val - ref) <= 1e-12 * cabs(ref));
  }
  deq_pencil_free(pen);
}

/* Density on the axis (tolerance class 1e-7), atom (1e-8), moments (1e-10), support
 * edges, CDF against the closed forms of mp.h. */
static void test_mp_axis(void **state)
{
  (void) state;
  deq_pencil *pen = mp_pencil(G);
  double lo, hi, x[300];
  deq_result rho[300];
  int st[300];
  deq_mp_edges(G, &lo, &hi);
  for (int i = 0; i < 300; i++)
    x[i] = lo - 0.5 + (hi - lo + 1.0) * i / 299.0;
  assert_int_equal(deq_pencil_density(pen, 300, x, rho, st), DEQ_SUCCESS);
  for (int i = 0; i < 300; i++) {
    double r;
    deq_mp_density(x[i], G, &r);
    assert_close(rho[i].val, r, 1e-7);
    assert_true(fabs(rho[i].val - r) <= rho[i].err + 1e-15);
  }
  deq_result atom, mom[4];
  assert_int_equal(deq_pencil_atom(pen, 0.0, &atom), DEQ_SUCCESS);
  assert_close(atom.val, 1 - 1 / G, 1e-8);
  assert_int_equal(deq_pencil_moments(pen, 3, mom), DEQ_SUCCESS);
  for (unsigned k = 0; k <= 3; k++) {
    double mk;
    deq_mp_moment(k, G, &mk);
    assert_rel(mom[k].val, mk, 1e-10);
    assert_true(fabs(mom[k].val - mk) <= mom[k].err);
  }
  double edges[4];
  size_t nint;
  assert_int_equal(deq_pencil_support(pen, edges, 2, &nint), DEQ_SUCCESS);
  assert_int_equal(nint, 1);
  assert_close(edges[0], lo, 1e-7);
  assert_close(edges[1], hi, 1e-7);
  deq_cdf *cdf;
  assert_int_equal(deq_pencil_cdf(pen, &cdf), DEQ_SUCCESS);
  assert_close(deq_cdf_mass(cdf), 1.0, 1e-6);
  for (double t = -0.1; t < hi + 1; t += 0.013) {
    double F;
    deq_mp_cdf(t, G, &F);
    assert_close(deq_cdf_eval(cdf, t), F, 1e-6);
  }
  assert_close(deq_cdf_eval(cdf, 0.0) - deq_cdf_eval_left(cdf, 0.0), 1 - 1 / G, 1e-8);
  deq_cdf_free(cdf);
  deq_pencil_free(pen);
}

/* Atomic input law: mu_0 = p delta_{x1} + (1-p) delta_{x2}, L = 1, b = 1, q = e_1 is the
 * MP map ck_ntk S6 with a two-atom nu: m = sum_k p_k/(tau x_k - z), tau = 1 - g - g z m. */
static void test_atoms_mp_map(void **state)
{
  (void) state;
  double xa[2] = { 0.4, 1.6 }, pa[2] = { 0.5, 0.5 };
  deq_pencil_params par = { 0 };
  par.L = 1;
  par.gamma[0] = 0.5;
  par.gamma[1] = G;
  par.b[1] = 1.0;
  par.q[1] = 1.0;
  par.input = (deq_input_law) { DEQ_DATA_ATOMS, 2, xa, pa };
  deq_pencil *pen;
  assert_int_equal(deq_pencil_alloc(&par, NULL, &pen), DEQ_SUCCESS);
  double complex zs[] = { 0.3 + 0.05 * I, 2.0 + 0.5 * I, 6 + 0.01 * I };
  for (int k = 0; k < 3; k++) {
    deq_cresult m;
    assert_int_equal(deq_pencil_stieltjes(pen, zs[k], &m, NULL), DEQ_SUCCESS);
    double complex tau = 1 - G - G * zs[k] * m.val;
    double complex rhs = 0.5 / (tau * xa[0] - zs[k]) + 0.5 / (tau * xa[1] - zs[k]);
    assert_true(cabs(m.val - rhs) <= 1e-13 * cabs(m.val));
  }
  deq_pencil_free(pen);
}

/* Residual identity sum_l q_l t_l + (r - z) m = 1 on a general pencil with mixed-sign q. */
static void test_identity(void **state)
{
  (void) state;
  deq_pencil_params par = { 0 };
  par.L = 2;
  par.gamma[0] = 0.6, par.gamma[1] = 1.3, par.gamma[2] = 2.385;
  par.b[1] = 0.73, par.b[2] = 0.41;
  par.q[0] = 0.25, par.q[1] = -0.3, par.q[2] = 1.1;
  par.r = 0.7;
  par.input.kind = DEQ_DATA_GAUSSIAN;
  deq_pencil *pen;
  assert_int_equal(deq_pencil_alloc(&par, NULL, &pen), DEQ_SUCCESS);
  double complex zs[] = { 0.9 + 0.3 * I, 3.3 + 0.01 * I, -2 + 1e-4 * I, 11 + 4 * I };
  for (int k = 0; k < 4; k++) {
    deq_cresult m;
    double complex t[3];
    assert_int_equal(deq_pencil_stieltjes(pen, zs[k], &m, t), DEQ_SUCCESS);
    double complex id = par.q[0] * t[0] + par.q[1] * t[1] + par.q[2] * t[2] + (par.r - zs[k]) * m.val;
    assert_true(cabs(id - 1) < 1e-11);
    assert_true(cimag(m.val) > 0);
  }
  deq_pencil_free(pen);
}

/* Bad parameters name the field and return DEQ_EINVAL; nothing is allocated. */
static void test_errors(void **state)
{
  (void) state;
  deq_pencil_params ok = { 0 };
  ok.L = 1, ok.gamma[0] = 0.5, ok.gamma[1] = 2, ok.b[1] = 0.5, ok.q[1] = 1;
  ok.input.kind = DEQ_DATA_GAUSSIAN;
  deq_pencil *pen = (deq_pencil *) 1;
  deq_pencil_params bad;
  bad = ok, bad.gamma[1] = -1;
  assert_int_equal(deq_pencil_alloc(&bad, NULL, &pen), DEQ_EINVAL);
  assert_null(pen);
  bad = ok, bad.gamma[0] = NAN;
  assert_int_equal(deq_pencil_alloc(&bad, NULL, &pen), DEQ_EINVAL);
  bad = ok, bad.b[1] = 1.5;
  assert_int_equal(deq_pencil_alloc(&bad, NULL, &pen), DEQ_EINVAL);
  bad = ok, bad.q[0] = INFINITY;
  assert_int_equal(deq_pencil_alloc(&bad, NULL, &pen), DEQ_EINVAL);
  bad = ok, bad.L = DEQ_PENCIL_MAXL + 1;
  assert_int_equal(deq_pencil_alloc(&bad, NULL, &pen), DEQ_EINVAL);
  bad = ok, bad.input.kind = DEQ_DATA_ORTHONORMAL, bad.gamma[0] = 1.5;
  assert_int_equal(deq_pencil_alloc(&bad, NULL, &pen), DEQ_EINVAL);
  double xa[2] = { 0.5, 1.0 }, pa[2] = { 0.5, 0.5 };
  bad = ok, bad.input = (deq_input_law) { DEQ_DATA_ATOMS, 2, xa, pa };  /* mean 0.75 */
  assert_int_equal(deq_pencil_alloc(&bad, NULL, &pen), DEQ_EINVAL);
  assert_int_equal(deq_pencil_alloc(&ok, NULL, &pen), DEQ_SUCCESS);
  deq_cresult m;
  assert_int_equal(deq_pencil_stieltjes(pen, NAN + I, &m, NULL), DEQ_EINVAL);
  deq_pencil_free(pen);
  deq_pencil_free(NULL);
}

/* A solver that cannot converge reports it: one Newton iteration allowed. */
static void test_maxiter_reported(void **state)
{
  (void) state;
  deq_opts o;
  deq_opts_init(&o);
  o.max_iter = 1;
  o.ladder_steps = 2;
  deq_pencil_params par = { 0 };
  par.L = 0, par.gamma[0] = G, par.q[0] = 1, par.input.kind = DEQ_DATA_GAUSSIAN;
  deq_pencil *pen;
  assert_int_equal(deq_pencil_alloc(&par, &o, &pen), DEQ_SUCCESS);
  deq_cresult m;
  int s = deq_pencil_stieltjes(pen, 1.0 + 1e-10 * I, &m, NULL);
  assert_true(s == DEQ_EMAXITER || s == DEQ_EBRANCH);
  deq_pencil_free(pen);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_mp_offaxis),
    cmocka_unit_test(test_resolvent_next_to_atom),
    cmocka_unit_test(test_mp_axis),
    cmocka_unit_test(test_atoms_mp_map),
    cmocka_unit_test(test_identity),
    cmocka_unit_test(test_errors),
    cmocka_unit_test(test_maxiter_reported),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Tests for activations and their Gaussian constants (ck_ntk S10-S12, rf_onestep S2). */
#include <float.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"
#include "deqnn/act.h"

static deq_act parse(const char *name)
{
  deq_act a;
  assert_int_equal(deq_act_parse(name, "--act", &a), DEQ_SUCCESS);
  return a;
}

/* Fan-Wang constants against the table of ck_ntk.md section 2. */
static void test_fw_table(void **state)
{
  (void) state;
  struct { const char *name; double b, a; } ref[] = {
    { "linear", 1.0, 1.0 },
    { "relu", M_PI / (2 * M_PI - 2), M_PI / (M_PI - 1) },
    { "erf", 2.0 / (3.0 * asin(2.0 / 3.0)), 2.0 / (sqrt(5.0) * asin(2.0 / 3.0)) },
    { "he2", 0.0, 2.0 },
    { "tanh", 0.9304699236, 1.1778072323 },
    { "softplus", 0.9207611319, 1.0805280525 },
    { "sigmoid", 0.9841671669, 1.0335923900 },
  };
  for (size_t k = 0; k < sizeof ref / sizeof ref[0]; k++) {
    deq_act act = parse(ref[k].name);
    deq_act_fw fw;
    assert_int_equal(deq_act_fw_constants(&act, NULL, &fw), DEQ_SUCCESS);
    assert_close(fw.b.val, ref[k].b, 1e-9);
    assert_close(fw.a.val, ref[k].a, 1e-9);
    assert_true(fw.b.err < 1e-10 && fw.a.err < 1e-10);
    assert_true(fw.a.val >= fw.b.val - 1e-14);
  }
}

static void test_shift_scale(void **state)
{
  (void) state;
  deq_act_fw fw;
  deq_act act = parse("relu");
  assert_int_equal(deq_act_fw_constants(&act, NULL, &fw), DEQ_SUCCESS);
  assert_close(fw.shift, 1.0 / sqrt(2 * M_PI), 1e-15);
  assert_close(fw.scale * fw.scale, 0.5 - 1.0 / (2 * M_PI), 1e-15);
  act = parse("softplus");
  assert_int_equal(deq_act_fw_constants(&act, NULL, &fw), DEQ_SUCCESS);
  assert_close(fw.shift, 0.8060591833, 1e-9);
  assert_close(fw.scale, 0.5210705344, 1e-9);
  act = parse("sigmoid");
  assert_int_equal(deq_act_fw_constants(&act, NULL, &fw), DEQ_SUCCESS);
  assert_close(fw.shift, 0.5, 1e-12);
  assert_close(fw.scale, 0.2082763449, 1e-9);
}

/* rf_onestep T1: raw moments, and closed forms against the quadrature path
 * (poly reproduces linear and He2 through its coefficients). */
static void test_raw_moments(void **state)
{
  (void) state;
  deq_act_gauss m;
  deq_act act = parse("tanh");
  assert_int_equal(deq_act_moments(&act, NULL, &m), DEQ_SUCCESS);
  assert_close(m.mu0.val, 0.0, 1e-13);
  assert_close(m.mu1.val, 0.605705509602, 1e-11);
  assert_close(m.m2.val, 0.394294490398, 1e-11);
  assert_close(m.mustar2.val, 0.0274153260354, 1e-11);
  act = parse("erf");
  assert_int_equal(deq_act_moments(&act, NULL, &m), DEQ_SUCCESS);
  assert_close(m.mustar2.val, 0.0401458728192, 1e-12);
  act = parse("relu");
  assert_int_equal(deq_act_moments(&act, NULL, &m), DEQ_SUCCESS);
  assert_close(m.mustar2.val, 0.0908450569081, 1e-12);
  act = parse("poly:0.3,1.2,0.4,-0.7");
  assert_int_equal(deq_act_moments(&act, NULL, &m), DEQ_SUCCESS);
  assert_close(m.mustar2.val, 0.4 * 0.4 + 0.7 * 0.7, 1e-15);
  assert_close(m.d2.val, 1.44 + 2 * 0.16 + 3 * 0.49, 1e-15);
}

/* The same constant two ways: Hermite coefficients by quadrature vs closed forms. */
static void test_hermite(void **state)
{
  (void) state;
  deq_result h[5];
  deq_act act = parse("poly:0.3,1.2,0.4,-0.7");
  assert_int_equal(deq_act_hermite(&act, 4, NULL, h), DEQ_SUCCESS);
  double want[] = { 0.3, 1.2, 0.4, -0.7, 0.0 };
  for (int k = 0; k < 5; k++)
    assert_close(h[k].val, want[k], 1e-11);
  act = parse("relu");
  assert_int_equal(deq_act_hermite(&act, 2, NULL, h), DEQ_SUCCESS);
  assert_close(h[0].val, 1.0 / sqrt(2 * M_PI), 1e-12);
  assert_close(h[1].val, 0.5, 1e-12);
  assert_close(h[2].val, 1.0 / sqrt(4 * M_PI), 1e-12);
  act = parse("tanh");
  deq_act_gauss m;
  assert_int_equal(deq_act_moments(&act, NULL, &m), DEQ_SUCCESS);
  assert_int_equal(deq_act_hermite(&act, 1, NULL, h), DEQ_SUCCESS);
  assert_close(h[1].val, m.mu1.val, 1e-12); /* Stein: E G f(G) = E f'(G) */
}

/* deq_act_is_odd against the definition f(-x) = -f(x) at a few points. */
static void test_is_odd(void **state)
{
  (void) state;
  const char *names[] = { "linear", "tanh", "erf", "relu", "sigmoid", "softplus", "poly:0,1,0,0.5",
                          "poly:0.1,1,0,0", "poly:0,1,0.3,0" };
  const double xs[] = { 0.3, 1.1, 2.7 };
  for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
    deq_act a;
    assert_int_equal(deq_act_parse(names[k], "--act", &a), DEQ_SUCCESS);
    int odd = 1;
    for (size_t i = 0; i < 3; i++)
      odd &= fabs(deq_act_eval(&a, -xs[i]) + deq_act_eval(&a, xs[i])) <= 1e-12 * (1 + fabs(deq_act_eval(&a, xs[i])));
    assert_int_equal(deq_act_is_odd(&a), odd);
  }
}

static void test_eval(void **state)
{
  (void) state;
  deq_act act = parse("softplus");
  assert_close(deq_act_eval(&act, 800.0), 800.0, 1e-15);
  assert_close(deq_act_eval(&act, -800.0), 0.0, 1e-300);
  act = parse("sigmoid");
  assert_close(deq_act_eval(&act, -800.0), 0.0, 1e-300);
  act = parse("tanh");
  assert_close(deq_act_deriv(&act, 400.0), 0.0, 1e-300);
  double x[3] = { -1.0, 0.0, 2.0 }, y[3], dy[3];
  act = parse("relu");
  deq_act_apply(&act, 0.5, 2.0, 3, x, y, dy);
  assert_close(y[0], -0.25, 0);
  assert_close(y[2], 0.75, 0);
  assert_close(dy[2], 0.5, 0);
  char buf[64];
  deq_act_name(&act, buf, sizeof buf);
  assert_string_equal(buf, "relu");
  /* the vector tanh agrees with libm to a few ulp, and its derivative is 1 - tanh^2 */
  act = parse("tanh");
  double xs[2001], ys[2001], ds[2001];
  for (int i = 0; i <= 2000; i++)
    xs[i] = -25.0 + 0.025 * i;
  deq_act_apply(&act, 0.0, 1.0, 2001, xs, ys, ds);
  for (int i = 0; i <= 2000; i++) {
    assert_true(fabs(ys[i] - tanh(xs[i])) <= 4 * DBL_EPSILON * fabs(tanh(xs[i])));
    assert_close(ds[i], 1.0 - tanh(xs[i]) * tanh(xs[i]), 1e-15);
  }
  /* the derivative may overwrite the input (the network's D_l in place of H_l): bitwise the
   * same values, for the kinds with their own loop and for the generic one */
  const char *kinds[] = { "tanh", "relu", "erf", "poly:0.1,1,0.5" };
  for (size_t k = 0; k < 4; k++) {
    double xi[2001], yi[2001];
    act = parse(kinds[k]);
    memcpy(xi, xs, sizeof xi);
    deq_act_apply(&act, 0.25, 1.5, 2001, xs, ys, ds);
    deq_act_apply(&act, 0.25, 1.5, 2001, xi, yi, xi);
    assert_memory_equal(ys, yi, sizeof ys);
    assert_memory_equal(ds, xi, sizeof ds);
  }
}

/* |t - tanh x| in ulps of tanh x, with long double tanhl as the exact value. */
static double tanh_ulps(double t, double x)
{
  long double exact = tanhl((long double) x);
  if (exact == 0)
    return t == 0 ? 0.0 : INFINITY;
  int e;
  frexpl(exact, &e);
  return (double) (fabsl((long double) t - exact) / ldexpl(1.0L, e - DBL_MANT_DIG));
}

/* deq_act_apply's tanh within DEQ_ACT_TANH_ULP ulp: a dense sweep of [-20, 20] (step 1e-5,
 * both branches and the switch at 0.625), |x| from 1e-300 to 1 on a log grid, and 20 to
 * 1e300; its derivative is 1 - t^2 of the same t; -0, +-inf, NaN. */
static void test_tanh_bound(void **state)
{
  (void) state;
  enum { NSWEEP = 4000001, NLOG = 6001 };
  deq_act act = parse("tanh");
  double *x = malloc(NSWEEP * sizeof *x), *t = malloc(NSWEEP * sizeof *t), worst = 0.0;
  double *d = malloc(NSWEEP * sizeof *d);
  assert_non_null(x), assert_non_null(t), assert_non_null(d);
  for (size_t i = 0; i < NSWEEP; i++)
    x[i] = -20.0 + 40.0 * (double) i / (NSWEEP - 1);
  deq_act_apply(&act, 0.0, 1.0, NSWEEP, x, t, d);
  for (size_t i = 0; i < NSWEEP; i++) {
    worst = fmax(worst, tanh_ulps(t[i], x[i]));
    assert_true(d[i] == 1.0 - t[i] * t[i]);
  }
  for (size_t i = 0; i < NLOG; i++) {
    double e = -300.0 + 0.1 * (double) i;   /* 1e-300 .. 1e300 */
    x[2 * i] = pow(10.0, e);
    x[2 * i + 1] = -x[2 * i];
  }
  deq_act_apply(&act, 0.0, 1.0, 2 * NLOG, x, t, NULL);
  for (size_t i = 0; i < 2 * NLOG; i++)
    worst = fmax(worst, tanh_ulps(t[i], x[i]));
  printf("vector tanh: max error %.3f ulp (bound %.1f)\n", worst, DEQ_ACT_TANH_ULP);
  assert_true(worst <= DEQ_ACT_TANH_ULP);
  double sp[5] = { 0.0, -0.0, INFINITY, -INFINITY, NAN }, ts[5];
  deq_act_apply(&act, 0.0, 1.0, 5, sp, ts, NULL);
  assert_true(ts[0] == 0.0 && !signbit(ts[0]) && ts[1] == 0.0 && signbit(ts[1]));
  assert_true(ts[2] == 1.0 && ts[3] == -1.0 && isnan(ts[4]));
  free(x), free(t), free(d);
}

static void test_errors(void **state)
{
  (void) state;
  deq_act act;
  assert_int_equal(deq_act_parse("swish", "--act", &act), DEQ_EINVAL);
  assert_int_equal(deq_act_parse(NULL, "--act", &act), DEQ_EINVAL);
  assert_int_equal(deq_act_parse("poly:1,x", "--teacher", &act), DEQ_EINVAL);
  assert_int_equal(deq_act_parse("poly:1,2,3,4,5", "--teacher", &act), DEQ_EINVAL);
  assert_int_equal(deq_act_parse("poly:", "--teacher", &act), DEQ_EINVAL);
  act = parse("poly:2");
  deq_act_fw fw;
  assert_int_equal(deq_act_fw_constants(&act, NULL, &fw), DEQ_EINVAL); /* constant */
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_fw_table),
    cmocka_unit_test(test_shift_scale),
    cmocka_unit_test(test_raw_moments),
    cmocka_unit_test(test_hermite),
    cmocka_unit_test(test_is_odd),
    cmocka_unit_test(test_eval),
    cmocka_unit_test(test_tanh_bound),
    cmocka_unit_test(test_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Tests of the training-spectra theory overlays (training_spectra S3, S5, S8-S10, S13-S16). */
#include <complex.h>
#include "testutil.h"
#include "deqnn/mp.h"
#include "deqnn/training.h"

static deq_act act_of(const char *name)
{
  deq_act a;
  assert_int_equal(deq_act_parse(name, "act", &a), DEQ_SUCCESS);
  return a;
}

/* S3 against the spec's table (closed forms for relu and erf, quadrature for tanh). */
static void test_scalars(void **state)
{
  (void) state;
  deq_training_scalars sc;
  deq_act tanh_ = act_of("tanh"), relu = act_of("relu"), erf_ = act_of("erf");
  assert_int_equal(deq_training_scalars_eval(&tanh_, &tanh_, 0.09, NULL, &sc), DEQ_SUCCESS);
  assert_within(sc.b, 0.9304699236, 1e-10);
  assert_within(sc.a_sig, 1.1778072323, 1e-10);
  assert_within(sc.mu1t, 0.6057055096, 1e-10);
  assert_within(sc.ey2, 0.3942944904 + 0.09, 1e-10);
  assert_int_equal(deq_training_scalars_eval(&relu, &relu, 0, NULL, &sc), DEQ_SUCCESS);
  assert_within(sc.b, M_PI / (2 * (M_PI - 1)), 1e-12);
  assert_within(sc.a_sig, M_PI / (M_PI - 1), 1e-12);
  assert_within(sc.mu1t, 0.5, 1e-12);
  assert_within(sc.ey2, 0.5, 1e-12);
  assert_int_equal(deq_training_scalars_eval(&erf_, &tanh_, 0, NULL, &sc), DEQ_SUCCESS);
  assert_within(sc.b, 2 / (3 * asin(2.0 / 3)), 1e-12);
  assert_within(sc.a_sig, 2 / (sqrt(5.0) * asin(2.0 / 3)), 1e-12);
}

/* S13-S15 against the spec's table of section 9 (P1, P2, P3; 4-5 digits printed there). */
static void test_spike_table(void **state)
{
  (void) state;
  struct { const char *s, *t; double tau2, n, d0, d1, lr, th2, lam, ovb; } c[] = {
    { "tanh", "tanh", 0.09, 800, 500, 1000, 1.0, 0.7975, 2.9244, 0.072 },
    { "tanh", "tanh", 0.09, 800, 500, 1000, 2.0, 3.1898, 4.8466, 0.450 },
    { "tanh", "tanh", 0.09, 800, 500, 1000, 4.0, 12.759, 14.298, 0.526 },
    { "relu", "relu", 0.01, 900, 600, 377, 1.0, 1.5496, 5.1682, 0.070 },
    { "relu", "relu", 0.01, 900, 600, 377, 2.5, 9.685, 12.441, 0.358 },
    { "erf", "tanh", 0.04, 700, 293, 600, 1.5, 3.1435, 4.7872, 0.550 },
    { "erf", "tanh", 0.04, 700, 293, 600, 3.0, 12.574, 14.101, 0.642 },
  };
  for (size_t k = 0; k < sizeof c / sizeof *c; k++) {
    deq_act s = act_of(c[k].s), t = act_of(c[k].t);
    deq_training_scalars sc;
    deq_training_spike sp;
    assert_int_equal(deq_training_scalars_eval(&s, &t, c[k].tau2, NULL, &sc), DEQ_SUCCESS);
    assert_int_equal(deq_training_spike_eval(&sc, c[k].n / c[k].d0, c[k].d1 / c[k].d0, c[k].lr,
                                             1, &sp), DEQ_SUCCESS);
    assert_rel(sp.theta2.val, c[k].th2, 6e-4);
    assert_rel(sp.lambda.val, c[k].lam, 6e-4);
    assert_close(sp.overlap_beta.val, c[k].ovb, 6e-3);
    assert_true(sp.outlier && !sp.approximate);
  }
}

/* S15 by the Stieltjes route |<v_top, r_hat>|^2 = m^2/m' against the closed form in theta^2,
 * and the threshold: continuous at theta^2 = sqrt(phi) (outlier at the edge, overlap 0). */
static void test_spike_routes(void **state)
{
  (void) state;
  deq_act s = act_of("tanh");
  deq_training_scalars sc;
  deq_training_spike sp;
  assert_int_equal(deq_training_scalars_eval(&s, &s, 0.09, NULL, &sc), DEQ_SUCCESS);
  double g0 = 1.6, wr = 2.0, phi = 1 / wr;
  for (double lr = 0.9; lr <= 6; lr += 0.7) {
    assert_int_equal(deq_training_spike_eval(&sc, g0, wr, lr, 1, &sp), DEQ_SUCCESS);
    if (!sp.outlier)
      continue;
    double complex m;
    double lam = sp.lambda.val;
    assert_int_equal(deq_mp_stieltjes(lam, phi, &m), DEQ_SUCCESS);
    double mr = creal(m), dm = -(phi * mr * mr + mr) / (2 * phi * lam * mr + lam - 1 + phi);
    deq_result route = { mr * mr / dm, 1e-12 };
    assert_overlap(sp.overlap_rhat, route);
    /* S14: 1 + rho m(lambda) = 0 */
    assert_true(fabs(1 + sp.rho.val * mr) < 1e-12);
  }
  /* at the threshold theta^2 = sqrt(phi): lambda -> edge, overlaps -> 0 */
  double lr_c = sqrt(sqrt(phi) / (sc.mu1.val * sc.mu1.val * g0 * (g0 / wr) *
                                  (sc.mu1t.val * sc.mu1t.val + sc.ey2.val / g0)));
  assert_int_equal(deq_training_spike_eval(&sc, g0, wr, lr_c * (1 + 1e-9), 1, &sp), DEQ_SUCCESS);
  assert_close(sp.lambda.val, (1 + sqrt(phi)) * (1 + sqrt(phi)), 1e-7);
  assert_close(sp.overlap_v.val, 0.0, 1e-7);
  assert_int_equal(deq_training_spike_eval(&sc, g0, wr, lr_c * (1 - 1e-9), 1, &sp), DEQ_SUCCESS);
  assert_false(sp.outlier);
  /* large theta: lambda - rho -> 1, overlap with v -> 1 */
  assert_int_equal(deq_training_spike_eval(&sc, g0, wr, 1e4, 1, &sp), DEQ_SUCCESS);
  assert_close(sp.lambda.val - sp.rho.val, 1.0, 1e-6);
  assert_close(sp.overlap_v.val, 1.0, 1e-6);
}

/* S16 (uncentred, approximate): lr = 0 is no spike at all; flagged approximate. */
static void test_spike_uncentred(void **state)
{
  (void) state;
  deq_act s = act_of("tanh");
  deq_training_scalars sc;
  deq_training_spike sp;
  assert_int_equal(deq_training_scalars_eval(&s, &s, 0.09, NULL, &sc), DEQ_SUCCESS);
  assert_int_equal(deq_training_spike_eval(&sc, 1.6, 2.0, 0.0, 0, &sp), DEQ_SUCCESS);
  assert_true(sp.approximate && !sp.outlier);
  assert_close(sp.rho.val, 0.5, 1e-15);
  assert_int_equal(deq_training_spike_eval(&sc, 1.6, 2.0, 3.0, 0, &sp), DEQ_SUCCESS);
  assert_true(sp.approximate && isnan(sp.overlap_beta.val));
}

/* S10: the pencils' moments against the closed forms (M^T M: 1, 1 + phi; CK: 1,
 * 1 + b^2 gamma0 + gamma1; NTK: 1 + a, (1 + a)^2 + 4 b^2 gamma0 + gamma1). */
static void test_bulk_moments(void **state)
{
  (void) state;
  const char *acts[] = { "tanh", "relu", "erf" };
  double g0 = 1.6, wr = 2.0, g1 = g0 / wr;
  for (size_t k = 0; k < 3; k++) {
    deq_act s = act_of(acts[k]);
    deq_training_scalars sc;
    assert_int_equal(deq_training_scalars_eval(&s, &s, 0, NULL, &sc), DEQ_SUCCESS);
    double b = sc.b.val, a = sc.a_sig.val;
    double want[3][2] = { { 1, 1 + 1 / wr }, { 1, 1 + b * b * g0 + g1 },
                          { 1 + a, (1 + a) * (1 + a) + 4 * b * b * g0 + g1 } };
    for (int m = 0; m < 3; m++) {
      deq_pencil *pen;
      deq_result mom[3];
      assert_int_equal(deq_training_bulk_alloc(&s, (deq_training_matrix) m, g0, wr, NULL, &pen),
                       DEQ_SUCCESS);
      assert_int_equal(deq_pencil_moments(pen, 2, mom), DEQ_SUCCESS);
      assert_within(mom[1], want[m][0], 1e-9);
      assert_within(mom[2], want[m][1], 1e-9 * want[m][1]);
      deq_pencil_free(pen);
    }
  }
}

/* S17 (approximate) against the spec's theory column of section 9 (P1 tanh, P3 erf, P2 relu);
 * delta at the root satisfies S8 (delta = gamma1 (1 + delta)[1 + w m_Sigma(w)], w = z(1 + delta),
 * m_Sigma(w) = m_MP((w - 1 + b)/b; gamma0)/b): the pencil's t_0 is the route to delta. */
static void test_ck_outlier(void **state)
{
  (void) state;
  struct { const char *s, *t; double tau2, n, d0, d1, lr, lam; } c[] = {
    { "tanh", "tanh", 0.09, 800, 500, 1000, 1.0, 7.543 },
    { "tanh", "tanh", 0.09, 800, 500, 1000, 2.0, 13.807 },
    { "tanh", "tanh", 0.09, 800, 500, 1000, 4.0, 41.63 },
    { "erf", "tanh", 0.04, 700, 293, 600, 1.5, 17.44 },
    { "erf", "tanh", 0.04, 700, 293, 600, 3.0, 52.11 },
    { "relu", "relu", 0.01, 900, 600, 377, 1.0, 9.78 },
    { "relu", "relu", 0.01, 900, 600, 377, 2.5, 26.13 },
  };
  for (size_t k = 0; k < sizeof c / sizeof *c; k++) {
    deq_act s = act_of(c[k].s), t = act_of(c[k].t);
    deq_training_scalars sc;
    deq_training_ck_spike ck;
    deq_pencil *pen;
    double g0 = c[k].n / c[k].d0, wr = c[k].d1 / c[k].d0, g1 = g0 / wr;
    assert_int_equal(deq_training_scalars_eval(&s, &t, c[k].tau2, NULL, &sc), DEQ_SUCCESS);
    assert_int_equal(deq_training_bulk_alloc(&s, DEQ_TRAINING_CK, g0, wr, NULL, &pen), DEQ_SUCCESS);
    assert_int_equal(deq_training_ck_outlier(&sc, pen, g0, wr, c[k].lr, NULL, &ck), DEQ_SUCCESS);
    assert_true(ck.outlier);
    assert_rel(ck.lambda.val, c[k].lam, 1e-3);
    assert_true(ck.lambda.err >= 0 && ck.lambda.err < 1e-6 * ck.lambda.val);
    double b = sc.b.val, z = ck.lambda.val, d = ck.delta, w = z * (1 + d);
    double complex mmp;
    assert_int_equal(deq_mp_stieltjes((w - 1 + b) / b, g0, &mmp), DEQ_SUCCESS);
    double msig = creal(mmp) / b;
    assert_close(d, g1 * (1 + d) * (1 + w * msig), 1e-9);
    deq_pencil_free(pen);
  }
}

/* Tracy-Widom centre of section 4.1 against the spec's P1 and P2 values. */
static void test_tw(void **state)
{
  (void) state;
  double mean, sd;
  assert_int_equal(deq_training_top_tw(500, 1000, &mean, &sd), DEQ_SUCCESS);
  assert_rel(mean, 2.884876, 1e-6);
  assert_int_equal(deq_training_top_tw(600, 377, &mean, &sd), DEQ_SUCCESS);
  assert_rel(mean, 5.045099, 1e-6);
}

static void test_errors(void **state)
{
  (void) state;
  deq_act s = act_of("tanh");
  deq_training_scalars sc;
  deq_training_spike sp;
  deq_pencil *pen = (deq_pencil *) &sc;
  double mean, sd;
  deq_error_handler_t *old = deq_set_error_handler(record);
  assert_int_equal(deq_training_scalars_eval(NULL, &s, 0, NULL, &sc), DEQ_EINVAL);
  assert_int_equal(deq_training_scalars_eval(&s, &s, -1, NULL, &sc), DEQ_EINVAL);
  assert_int_equal(deq_training_scalars_eval(&s, &s, NAN, NULL, &sc), DEQ_EINVAL);
  assert_int_equal(deq_training_scalars_eval(&s, &s, 0, NULL, &sc), DEQ_SUCCESS);
  assert_int_equal(deq_training_spike_eval(NULL, 1, 1, 1, 1, &sp), DEQ_EINVAL);
  assert_int_equal(deq_training_spike_eval(&sc, 0, 1, 1, 1, &sp), DEQ_EINVAL);
  assert_int_equal(deq_training_spike_eval(&sc, 1, NAN, 1, 1, &sp), DEQ_EINVAL);
  assert_int_equal(deq_training_spike_eval(&sc, 1, 1, -1, 1, &sp), DEQ_EINVAL);
  assert_int_equal(deq_training_bulk_alloc(&s, DEQ_TRAINING_CK, -1, 1, NULL, &pen), DEQ_EINVAL);
  assert_null(pen);
  assert_int_equal(deq_training_bulk_alloc(&s, (deq_training_matrix) 7, 1, 1, NULL, &pen),
                   DEQ_EINVAL);
  assert_int_equal(deq_training_bulk_alloc(NULL, DEQ_TRAINING_CK, 1, 1, NULL, &pen), DEQ_EINVAL);
  assert_int_equal(deq_training_bulk_alloc(&s, DEQ_TRAINING_CK, 1, 1, NULL, NULL), DEQ_EINVAL);
  assert_int_equal(deq_training_top_tw(0, 10, &mean, &sd), DEQ_EINVAL);
  assert_int_equal(deq_training_top_tw(10, 10, NULL, &sd), DEQ_EINVAL);
  deq_set_error_handler(old);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_scalars),
    cmocka_unit_test(test_spike_table),
    cmocka_unit_test(test_spike_routes),
    cmocka_unit_test(test_spike_uncentred),
    cmocka_unit_test(test_bulk_moments),
    cmocka_unit_test(test_ck_outlier),
    cmocka_unit_test(test_tw),
    cmocka_unit_test(test_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

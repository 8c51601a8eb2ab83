/* Tests for the one-step model and the baselines (rf_onestep S20-S26). */
#include <stdio.h>
#include <string.h>
#include "testutil.h"
#include "deqnn/onestep.h"


static deq_rf_model *model(const char *act, const char *teacher)
{
  deq_act a, t;
  deq_rf_model *m;
  assert_int_equal(deq_act_parse(act, "--act", &a), DEQ_SUCCESS);
  assert_int_equal(deq_act_parse(teacher, "--teacher", &t), DEQ_SUCCESS);
  assert_int_equal(deq_rf_model_alloc(&a, &t, NULL, &m), DEQ_SUCCESS);
  return m;
}

static deq_rf_result step_risk(deq_rf_model *m, deq_onestep_params p, int expect)
{
  deq_rf_result r;
  assert_int_equal(deq_onestep_risk(m, &p, NULL, &r), expect);
  return r;
}

/* The rows of the spec's section 10 with eta > 0 (R and T theory, batch = ridge ratio);
 * tolerance: half a unit of the last printed digit. */
static void test_table10(void **state)
{
  (void) state;
  struct { const char *act, *teacher; double psi1, psi2, lambda, tau2, eta, R, T; } row[] = {
    { "tanh", "poly:0,1,0.5", 2.385, 1.7, 0.02, 0.09, 2.5, 0.70993, 0.05529 },
    { "erf", "tanh", 1.73, 0.83, 0.1, 0.04, 3.0, 0.21575, 0.01457 },
    { "linear", "poly:0,1.2,0.4", 0.618, 1.93, 0.01, 0.1, 1.7, 0.63348, 0.35011 },
  };
  for (size_t k = 0; k < sizeof row / sizeof row[0]; k++) {
    deq_rf_model *m = model(row[k].act, row[k].teacher);
    deq_onestep_params p = { row[k].psi1, row[k].psi2, row[k].psi2, row[k].lambda,
                             row[k].tau2, row[k].eta };
    deq_rf_result r = step_risk(m, p, DEQ_SUCCESS);
    assert_within(r.risk, row[k].R, 0.5e-5);
    assert_within(r.train_error, row[k].T, 0.5e-5);
    deq_rf_model_free(m);
  }
}

/* Paired differences of section 10: R(1.5) - R(0) = -0.0309, R(3) - R(0) = -0.0566. */
static void test_paired_differences(void **state)
{
  (void) state;
  deq_rf_model *m = model("tanh", "poly:0,1,0.5");
  deq_onestep_params p = { 2.385, 1.7, 1.7, 0.02, 0.09, 0.0 };
  double R0 = step_risk(m, p, DEQ_SUCCESS).risk.val;
  p.eta = 1.5;
  assert_close(step_risk(m, p, DEQ_SUCCESS).risk.val - R0, -0.0309, 0.5e-4);
  p.eta = 3.0;
  assert_close(step_risk(m, p, DEQ_SUCCESS).risk.val - R0, -0.0566, 0.5e-4);
  deq_rf_model_free(m);
}

/* eta = 0 is plain RF, bit for bit, in every regime (ridge, ridgeless both sides,
 * threshold). */
static void test_eta_zero(void **state)
{
  (void) state;
  deq_error_handler_t *old = deq_set_error_handler(record);
  deq_rf_model *m = model("relu", "poly:0.2,0.9,0.3,0.4");
  double pts[][3] = { { 2.385, 1.7, 0.02 }, { 0.413, 3.17, 0 }, { 3.1, 1.3, 0 }, { 1.7, 1.7, 0 } };
  for (int k = 0; k < 4; k++) {
    deq_rf_params q = { pts[k][0], pts[k][1], pts[k][2], 0.21 };
    deq_onestep_params p = { pts[k][0], pts[k][1], 0.77, pts[k][2], 0.21, 0.0 };
    deq_rf_result a, b;
    int sa = deq_rf_risk(m, &q, NULL, &a), sb = deq_onestep_risk(m, &p, NULL, &b);
    assert_int_equal(sa, sb);
    assert_int_equal(sa, k == 3 ? DEQ_EDIVERGE : DEQ_SUCCESS);
    assert_true(a.risk.val == b.risk.val && a.train_error.val == b.train_error.val);
    assert_true(a.kappa.val == b.kappa.val && a.risk.err == b.risk.err);
  }
  deq_rf_model_free(m);
  deq_set_error_handler(old);
}

/* R(eta) non-increasing in |eta| (K2 and L_un decrease with rho), even in eta, and never
 * below F_*^2 + c0; kappa, D1, D2 do not move with the spike.  The step helps strictly
 * unless the features already span x (linear student, psi1 >= 1, ridgeless). */
static void test_monotone(void **state)
{
  (void) state;
  const char *acts[] = { "tanh", "relu", "erf", "linear", "softplus" };
  double pts[][3] = { { 2.385, 1.7, 0.02 }, { 0.413, 3.17, 0 }, { 3.1, 1.3, 0 },
                      { 0.77, 0.59, 0.9 } };
  for (int a = 0; a < 5; a++) {
    deq_rf_model *m = model(acts[a], "poly:0.3,1.1,0.4,0.2");
    deq_rf_constants c;
    deq_rf_model_constants(m, &c);
    double floor = c.Fstar2.val + c.c0.val;
    for (int k = 0; k < 4; k++) {
      deq_onestep_params p = { pts[k][0], pts[k][1], 1.37, pts[k][2], 0.13, 0.0 };
      deq_rf_result r0 = step_risk(m, p, DEQ_SUCCESS), prev = r0;
      for (double eta = 0.25; eta <= 8.0; eta *= 1.5) {
        p.eta = eta;
        deq_rf_result r = step_risk(m, p, DEQ_SUCCESS);
        assert_true(r.risk.val <= prev.risk.val + prev.risk.err + r.risk.err);
        assert_true(r.risk.val >= floor - r.risk.err);
        assert_true(r.kappa.val == r0.kappa.val && r.D1 == r0.D1 && r.D2 == r0.D2);
        p.eta = -eta;
        assert_true(step_risk(m, p, DEQ_SUCCESS).risk.val == r.risk.val);
        prev = r;
      }
      if (c.linear && pts[k][0] >= 1 && pts[k][2] == 0)
        assert_true(prev.risk.val == r0.risk.val);  /* least squares on all of x */
      else
        assert_true(prev.risk.val < r0.risk.val);
    }
    deq_rf_model_free(m);
  }
}

/* rf_onestep S20 against its closed form, with a teacher mean (in E y^2) and psi_g != psi2. */
static void test_spike(void **state)
{
  (void) state;
  deq_rf_model *m = model("erf", "poly:0.3,1.1,0.4,0.2");
  deq_onestep_params p = { 2.385, 1.7, 0.77, 0.02, 0.13, 2.9 };
  deq_onestep_spike sp;
  assert_int_equal(deq_onestep_spike_eval(m, &p, &sp), DEQ_SUCCESS);
  double mu1 = 2 / sqrt(3 * M_PI), Ey2 = 0.09 + 1.21 + 0.16 + 0.04 + 0.13;
  assert_within(sp.rho, 2.9 * mu1 * 1.1, 1e-15);
  assert_within(sp.s_u, 2.9 * 2.9 * mu1 * mu1 * (1.21 + Ey2 / 0.77), 1e-14);
  deq_rf_model_free(m);
}

/* rf_onestep S21 and rf_onestep S23 against section 10 "Alignment" (4 digits), rf_onestep S21 independent of eta,
 * rf_onestep S23 = rf_onestep S21 f(s_u) below rf_onestep S21, zero at and below the BBP point. */
static void test_alignment(void **state)
{
  (void) state;
  struct { const char *act, *teacher; double psi1, psig, tau2, eta, s21, s23; } row[] = {
    { "tanh", "poly:0,1,0.5", 2.385, 1.7, 0.09, 2.5, 0.5592, 0.3858 },
    { "relu", "poly:0,0.8,0,0.35", 0.637, 2.911, 0.25, 0.0, 0.6479, 0.0 },
    { "erf", "tanh", 1.73, 0.83, 0.04, 3.0, 0.4122, 0.2708 },
    { "linear", "poly:0,1.2,0.4", 0.618, 1.93, 0.1, 1.7, 0.6205, 0.5325 },
    { "tanh", "poly:0,1,0,0.6", 4.0, 8.0, 0.04, 0.0, 0.8511, 0.0 },  /* Table L */
  };
  for (size_t k = 0; k < sizeof row / sizeof row[0]; k++) {
    deq_rf_model *m = model(row[k].act, row[k].teacher);
    deq_onestep_params p = { row[k].psi1, row[k].psig, row[k].psig, 0.1, row[k].tau2, row[k].eta };
    deq_result g, w, g2;
    assert_int_equal(deq_onestep_gradient_alignment(m, &p, &g), DEQ_SUCCESS);
    assert_int_equal(deq_onestep_weight_alignment(m, &p, &w), DEQ_SUCCESS);
    assert_within(g, row[k].s21, 0.5e-4);
    assert_within(w, row[k].s23, 0.5e-4);
    assert_true(w.val <= g.val);
    p.eta = 0.37;
    assert_int_equal(deq_onestep_gradient_alignment(m, &p, &g2), DEQ_SUCCESS);
    assert_true(g2.val == g.val);
    deq_rf_model_free(m);
  }
}

/* rf_onestep S22: outlier iff s_u > sqrt(psi1); theta = (psi1 + s_u)(1 + s_u)/s_u, which meets the
 * edge (1 + sqrt(psi1))^2 at the transition, where rf_onestep S23 vanishes. */
static void test_bbp(void **state)
{
  (void) state;
  deq_rf_model *m = model("tanh", "poly:0,1,0.5");
  deq_onestep_params p = { 2.385, 1.7, 1.7, 0.02, 0.09, 2.5 };
  deq_onestep_bbp b;
  deq_onestep_spike sp;
  assert_int_equal(deq_onestep_bbp_eval(m, &p, &b), DEQ_SUCCESS);
  assert_int_equal(deq_onestep_spike_eval(m, &p, &sp), DEQ_SUCCESS);
  double s = sp.s_u.val, r = sqrt(2.385);
  assert_true(b.outlier);
  assert_within(b.theta, (2.385 + s) * (1 + s) / s, 1e-14);
  assert_close(b.edge, (1 + r) * (1 + r), 1e-15);
  assert_true(b.theta.val > b.edge);
  p.eta = 2.5 * sqrt(r / s);  /* s_u = sqrt(psi1) (up to rounding) */
  for (int side = -1; side <= 1; side += 2) {
    deq_onestep_params q = p;
    deq_result w;
    q.eta *= 1 + side * 1e-9;
    assert_int_equal(deq_onestep_bbp_eval(m, &q, &b), DEQ_SUCCESS);
    assert_int_equal(deq_onestep_weight_alignment(m, &q, &w), DEQ_SUCCESS);
    assert_int_equal(b.outlier, side > 0);
    assert_close(b.theta.val, b.edge, 1e-8);
    assert_true(w.val < 1e-8);
  }
  p.eta = 0;
  assert_int_equal(deq_onestep_bbp_eval(m, &p, &b), DEQ_SUCCESS);
  assert_true(!b.outlier && b.theta.val == b.edge);
  deq_rf_model_free(m);
}

/* Parameters beyond double precision: refused as outside the documented domain, never a NaN
 * or inf with ok (reproducers: eta 1e300 and 1e150 gave NaN risks with status ok; batch ratio
 * 1e-300 gave align_w1 = nan); the smallest ratios keep finite alignments and outliers. */
static void test_overflow(void **state)
{
  (void) state;
  deq_error_handler_t *old = deq_set_error_handler(record);
  deq_rf_model *m = model("tanh", "poly:0,1,0.5");
  double etas[] = { 1e300, 1e150 };   /* beyond the documented domain |eta| <= 1e100 */
  for (int k = 0; k < 2; k++) {
    deq_onestep_params p = { 2.385, 1.7, 1.7, 0.02, 0.09, etas[k] };
    deq_rf_result r = step_risk(m, p, DEQ_EINVAL);
    assert_int_equal(r.status, DEQ_EINVAL);
  }
  deq_onestep_params p = { 2.385, 1e-8, 1e-8, 0.02, 0.09, 2.5 };   /* the smallest ratios */
  deq_result w;
  deq_onestep_bbp b;
  assert_int_equal(deq_onestep_weight_alignment(m, &p, &w), DEQ_SUCCESS);
  assert_true(isfinite(w.val) && isfinite(w.err) && w.val >= 0 && w.val <= 1);
  assert_int_equal(deq_onestep_bbp_eval(m, &p, &b), DEQ_SUCCESS);
  assert_true(isfinite(b.theta.val) && isfinite(b.theta.err) && b.theta.val >= b.edge);
  p.eta = 1e300;
  assert_int_equal(deq_onestep_bbp_eval(m, &p, &b), DEQ_EINVAL);
  deq_rf_model_free(m);
  deq_set_error_handler(old);
}

/* Table L baselines: RF 0.4515, best linear 0.3600, optimal linear ridge 0.4137 (at
 * lambda_x* = 0.4/8 = 0.05), KRR limit 0.4159; lambda_x* is a minimum; the proportional
 * kernels sit above the best linear model. */
static void test_baselines(void **state)
{
  (void) state;
  deq_rf_model *m = model("tanh", "poly:0,1,0,0.6");
  deq_rf_params p = { 4, 8, 0.1, 0.04 };
  deq_onestep_baselines b;
  assert_int_equal(deq_onestep_baselines_eval(m, &p, NULL, &b), DEQ_SUCCESS);
  assert_within(b.rf.risk, 0.4515, 0.5e-4);
  assert_within(b.best_linear, 0.3600, 0.5e-4);
  assert_within(b.lambda_x_opt, 0.05, 1e-16);
  assert_within(b.linear_ridge_opt, 0.4137, 0.5e-4);
  assert_within(b.kernel_limit, 0.4159, 0.5e-4);
  for (int side = -1; side <= 1; side += 2) {
    deq_result r;
    assert_int_equal(deq_onestep_linear_ridge(m, 8, 0.05 * (1 + 0.1 * side), 0.04, &r), 0);
    assert_true(r.val > b.linear_ridge_opt.val);
  }
  assert_true(b.kernel_limit.val > b.best_linear.val && b.rf.risk.val > b.best_linear.val);
  deq_rf_model_free(m);
}

/* rf_onestep S25 closed forms: least squares (lambda_x = 0, psi2 > 1): F_s + (tau^2 + F_s)/(psi2 - 1);
 * min-norm (psi2 < 1): F_s + F1^2 (1 - psi2) + (tau^2 + F_s) psi2 / (1 - psi2);
 * lambda_x -> infinity: F_s + F1^2.  F_s = F_*^2 + mu0s^2 (no intercept). */
static void test_linear_ridge(void **state)
{
  (void) state;
  deq_rf_model *m = model("relu", "poly:0.3,1.1,0.4,0.2");
  double Fs = 0.16 + 0.04 + 0.09, tau2 = 0.13;
  deq_result r;
  assert_int_equal(deq_onestep_linear_ridge(m, 2.385, 0, tau2, &r), DEQ_SUCCESS);
  assert_within(r, Fs + (tau2 + Fs) / 1.385, 1e-14);
  assert_int_equal(deq_onestep_linear_ridge(m, 0.413, 0, tau2, &r), DEQ_SUCCESS);
  assert_within(r, Fs + 1.21 * (1 - 0.413) + (tau2 + Fs) * 0.413 / (1 - 0.413), 1e-14);
  assert_int_equal(deq_onestep_linear_ridge(m, 0.413, 1e200, tau2, &r), DEQ_SUCCESS);
  assert_within(r, Fs + 1.21, 1e-14);
  deq_result best;
  deq_onestep_best_linear(m, &best);
  assert_close(best.val, 0.2, 1e-15);
  deq_rf_model_free(m);
}

/* rf_onestep S26: RF as width_ratio -> infinity at fixed lambda tends to the kernel limit with
 * lambda_kernel = 0 as O(1/psi1) (the gap shrinks tenfold per decade); with
 * lambda = lambda_kernel psi1/psi2 it tends to kernel ridge with lambda_kernel. */
static void test_kernel_limit(void **state)
{
  (void) state;
  const char *acts[] = { "tanh", "relu", "linear" };
  for (int a = 0; a < 3; a++) {
    deq_rf_model *m = model(acts[a], "poly:0.3,1.1,0.4,0.2");
    deq_result K, KL;
    assert_int_equal(deq_onestep_kernel_ridge(m, 2.9, 0, 0.13, &K), DEQ_SUCCESS);
    assert_int_equal(deq_onestep_kernel_ridge(m, 2.9, 0.37, 0.13, &KL), DEQ_SUCCESS);
    double e[2], f[2];
    for (int k = 0; k < 2; k++) {
      double psi1 = k == 0 ? 1e6 : 1e7;
      deq_rf_params p = { psi1, 2.9, 0.053, 0.13 }, q = { psi1, 2.9, 0.37 * psi1 / 2.9, 0.13 };
      deq_rf_result r, s;
      assert_int_equal(deq_rf_risk(m, &p, NULL, &r), DEQ_SUCCESS);
      assert_int_equal(deq_rf_risk(m, &q, NULL, &s), DEQ_SUCCESS);
      e[k] = r.risk.val - K.val;
      f[k] = s.risk.val - KL.val;
    }
    assert_true(fabs(e[1]) < 1e-5 && fabs(f[1]) < 1e-5);
    if (a < 2) {  /* linear: the gap is 0 up to rounding */
      assert_close(e[1] / e[0], 0.1, 1e-4);
      assert_close(f[1] / f[0], 0.1, 1e-4);
    }
    deq_rf_model_free(m);
  }
  deq_rf_model *m = model("he2", "poly:0.3,1.1,0.4,0.2");  /* mu1 = 0: nothing learnt */
  deq_result K;
  assert_int_equal(deq_onestep_kernel_ridge(m, 2.9, 0, 0.13, &K), DEQ_SUCCESS);
  assert_within(K, 1.21 + 0.2 + 0.09, 1e-15);
  deq_rf_model_free(m);
}

static void expect_einval(deq_rf_model *m, deq_onestep_params p, const char *name)
{
  deq_onestep_spike sp;
  deq_onestep_bbp b;
  deq_rf_result r;
  deq_result c;
  calls = 0;
  assert_int_equal(deq_onestep_spike_eval(m, &p, &sp), DEQ_EINVAL);
  assert_int_equal(deq_onestep_risk(m, &p, NULL, &r), DEQ_EINVAL);
  assert_true(r.status == DEQ_EINVAL && isnan(r.risk.val));
  assert_int_equal(deq_onestep_gradient_alignment(m, &p, &c), DEQ_EINVAL);
  assert_int_equal(deq_onestep_bbp_eval(m, &p, &b), DEQ_EINVAL);
  assert_int_equal(deq_onestep_weight_alignment(m, &p, &c), DEQ_EINVAL);
  assert_int_equal(calls, 5);
  assert_non_null(strstr(last_reason, name));
}

static void test_errors(void **state)
{
  (void) state;
  deq_error_handler_t *old = deq_set_error_handler(record);
  deq_rf_model *m = model("tanh", "poly:0,1,0.5");
  deq_onestep_params ok = { 2.385, 1.7, 1.7, 0.02, 0.09, 2.5 }, p;
  double bad[] = { 0.0, -1.3, NAN, HUGE_VAL };
  for (int k = 0; k < 4; k++) {
    p = ok, p.width_ratio = bad[k], expect_einval(m, p, "width_ratio");
    p = ok, p.sample_ratio = bad[k], expect_einval(m, p, "sample_ratio");
    p = ok, p.batch_ratio = bad[k], expect_einval(m, p, "batch_ratio");
  }
  p = ok, p.lambda = -0.02, expect_einval(m, p, "lambda");
  p = ok, p.noise = NAN, expect_einval(m, p, "noise");
  p = ok, p.eta = NAN, expect_einval(m, p, "eta");
  p = ok, p.eta = -HUGE_VAL, expect_einval(m, p, "eta");
  deq_result r, l;
  assert_int_equal(deq_onestep_linear_ridge(m, 0, 0.1, 0.09, &r), DEQ_EINVAL);
  assert_int_equal(deq_onestep_linear_ridge(m, 1.7, -0.1, 0.09, &r), DEQ_EINVAL);
  assert_non_null(strstr(last_reason, "lambda_x"));
  assert_int_equal(deq_onestep_linear_ridge(m, 1.7, HUGE_VAL, 0.09, &r), DEQ_EINVAL);
  assert_int_equal(deq_onestep_linear_ridge(m, 1.7, 0.1, -0.09, &r), DEQ_EINVAL);
  assert_int_equal(deq_onestep_linear_ridge_opt(m, NAN, 0.09, &l, &r), DEQ_EINVAL);
  assert_int_equal(deq_onestep_linear_ridge_opt(m, 1.7, -1, &l, &r), DEQ_EINVAL);
  assert_int_equal(deq_onestep_kernel_ridge(m, 1.7, -0.5, 0.09, &r), DEQ_EINVAL);
  assert_non_null(strstr(last_reason, "lambda_kernel"));
  assert_int_equal(deq_onestep_kernel_ridge(m, -1.7, 0.5, 0.09, &r), DEQ_EINVAL);
  assert_int_equal(deq_onestep_kernel_ridge(m, 1.7, 0.5, NAN, &r), DEQ_EINVAL);
  deq_onestep_baselines b;
  deq_rf_params q = { 2.385, -1.7, 0.02, 0.09 };
  assert_int_equal(deq_onestep_baselines_eval(m, &q, NULL, &b), DEQ_EINVAL);
  calls = 0;  /* rf_onestep S25 threshold: +inf, never NaN */
  assert_int_equal(deq_onestep_linear_ridge(m, 1.0, 0, 0.09, &r), DEQ_EDIVERGE);
  assert_true(isinf(r.val) && calls == 1);
  deq_rf_model_free(m);
  m = model("tanh", "poly:0.1,0,0.5");  /* F1 = 0: do not fit, lambda_x* = +inf */
  assert_int_equal(deq_onestep_linear_ridge_opt(m, 1.7, 0.09, &l, &r), DEQ_SUCCESS);
  assert_true(isinf(l.val));
  assert_within(r, 0.25 + 0.01, 1e-15);
  deq_rf_model_free(m);
  deq_set_error_handler(old);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_table10),
    cmocka_unit_test(test_paired_differences),
    cmocka_unit_test(test_eta_zero),
    cmocka_unit_test(test_monotone),
    cmocka_unit_test(test_spike),
    cmocka_unit_test(test_alignment),
    cmocka_unit_test(test_bbp),
    cmocka_unit_test(test_overflow),
    cmocka_unit_test(test_baselines),
    cmocka_unit_test(test_linear_ridge),
    cmocka_unit_test(test_kernel_limit),
    cmocka_unit_test(test_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

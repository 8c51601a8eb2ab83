/* Tests for the random-features ridge risk (rf_onestep S1-S19). */
#include <float.h>
#include <stdio.h>
#include <string.h>
#include "testutil.h"
#include "deqnn/rf.h"


static deq_rf_model *model(const char *act, const char *teacher)
{
  deq_act a, t;
  deq_rf_model *m;
  assert_int_equal(deq_act_parse(act, "--act", &a), DEQ_SUCCESS);
  assert_int_equal(deq_act_parse(teacher, "--teacher", &t), DEQ_SUCCESS);
  assert_int_equal(deq_rf_model_alloc(&a, &t, NULL, &m), DEQ_SUCCESS);
  return m;
}

static deq_rf_result risk(deq_rf_model *m, double psi1, double psi2, double lambda, double tau2,
                          int expect)
{
  deq_rf_params p = { psi1, psi2, lambda, tau2 };
  deq_rf_result r;
  assert_int_equal(deq_rf_risk(m, &p, NULL, &r), expect);
  assert_int_equal(r.status, expect);
  return r;
}

/* mbar(t) of rf_onestep S1 by the textbook root formula (independent of the library's stable form). */
static double mbar(double t, double psi1)
{
  double b = t + psi1 - 1.0;
  return (-b + sqrt(b * b + 4.0 * t)) / (2.0 * t);
}

/* rf_onestep S2 and table T1 through the model. */
static void test_constants(void **state)
{
  (void) state;
  struct { const char *act; double mu0, mu1, ms2; } t1[] = {
    { "linear", 0, 1, 0 }, { "relu", 1 / sqrt(2 * M_PI), 0.5, 0.0908450569081 },
    { "erf", 0, 0.651470015871, 0.0401458728192 }, { "he2", 0, 0, 1 },
    { "tanh", 0, 0.605705509602, 0.0274153260354 },
  };
  for (size_t k = 0; k < sizeof t1 / sizeof t1[0]; k++) {
    deq_rf_model *m = model(t1[k].act, "poly:0.3,1.2,0.4,-0.7");
    deq_rf_constants c;
    deq_rf_model_constants(m, &c);
    assert_close(c.mu0.val, t1[k].mu0, 1e-12);
    assert_close(c.mu1.val, t1[k].mu1, 1e-11);
    assert_close(c.mustar2.val, t1[k].ms2, 1e-12);
    assert_int_equal(c.linear, t1[k].ms2 == 0);
    assert_int_equal(c.degenerate, t1[k].mu1 == 0);
    assert_close(c.teacher_mu0.val, 0.3, 1e-15);
    assert_close(c.F1.val, 1.2, 1e-15);
    assert_close(c.Fstar2.val, 0.16 + 0.49, 1e-15);
    assert_close(c.teacher_m2.val, 0.09 + 1.44 + 0.16 + 0.49, 1e-15);
    assert_close(c.c0.val, t1[k].mu0 == 0 ? 0.09 : 0.0, 1e-15);
    deq_rf_model_free(m);
  }
  deq_rf_model *m = model("erf", "tanh");
  deq_rf_constants c;
  deq_rf_model_constants(m, &c);
  assert_close(c.F1.val, 0.605705509602, 1e-11);
  assert_close(c.Fstar2.val, 0.0274153260354, 1e-11);
  assert_close(c.zeta, 0.651470015871 / sqrt(0.0401458728192), 1e-10);
  assert_true(c.c0.val < 1e-24);  /* tanh teacher mean is a round-off zero */
  deq_rf_model_free(m);
}

/* Regression values of the spec's section 10 (R and T theory, eta = 0, and Table L);
 * tolerance: half a unit of the last printed digit. */
static void test_table10(void **state)
{
  (void) state;
  struct { const char *act, *teacher; double psi1, psi2, lambda, tau2, R, T, unit; } row[] = {
    { "tanh", "poly:0,1,0.5", 2.385, 1.7, 0.02, 0.09, 0.76042, 0.05878, 1e-5 },
    { "relu", "poly:0,0.8,0,0.35", 0.637, 2.911, 0.05, 0.25, 0.64599, 0.60681, 1e-5 },
    { "tanh", "poly:0,1,0.5", 2.385, 1.7, 0, 0.09, 1.65131, 0, 1e-5 },
    { "relu", "poly:0,1", 0.75, 1.9, 0, 0.2, 1.03711, 0.45321, 1e-5 },
    { "erf", "poly:0,1,0.3", 3.1, 1.3, 1e-3, 0, 0.43538, 1.8e-5, 1e-5 },
    { "tanh", "poly:0,1,0,0.6", 4, 8, 0.1, 0.04, 0.4515, NAN, 1e-4 },
  };
  for (size_t k = 0; k < sizeof row / sizeof row[0]; k++) {
    deq_rf_model *m = model(row[k].act, row[k].teacher);
    deq_rf_result r = risk(m, row[k].psi1, row[k].psi2, row[k].lambda, row[k].tau2, DEQ_SUCCESS);
    assert_within(r.risk, row[k].R, 0.5 * row[k].unit);
    if (row[k].T == 1.8e-5)
      assert_within(r.train_error, row[k].T, 0.5e-6);
    else if (!isnan(row[k].T))
      assert_within(r.train_error, row[k].T, 0.5 * row[k].unit);
    deq_rf_model_free(m);
  }
}

/* rf_onestep S8 == rf_onestep S17 with lambda_MM = lambda/psi1: risk, kappa (MM's kappa = y0 mu_*^2 / v2),
 * training error and D2, to 1e-12; the balls of risk, kappa, T, bias and variance overlap. */
static void test_mm_agreement(void **state)
{
  (void) state;
  const char *acts[] = { "tanh", "relu", "erf", "softplus", "he2", "poly:0.3,0.7,0.4,-0.2" };
  const char *teachers[] = { "poly:0,1,0.5", "poly:0.2,0.9,0,0.4" };
  double lam[] = { 1e-5, 0.0371, 0.83, 17.0 };
  double psi[][2] = { { 2.385, 1.7 }, { 0.413, 3.17 }, { 7.31, 0.59 }, { 45.1, 0.013 } };
  for (size_t a = 0; a < 6; a++)
    for (size_t t = 0; t < 2; t++) {
      deq_rf_model *m = model(acts[a], teachers[t]);
      for (size_t l = 0; l < 4; l++)
        for (size_t p = 0; p < 4; p++) {
          deq_rf_params q = { psi[p][0], psi[p][1], lam[l], 0.137 };
          deq_rf_result r1, r2;
          assert_int_equal(deq_rf_risk(m, &q, NULL, &r1), DEQ_SUCCESS);
          assert_int_equal(deq_rf_risk_mm(m, &q, NULL, &r2), DEQ_SUCCESS);
          assert_close(r2.risk.val, r1.risk.val, 1e-12);
          assert_close(r2.kappa.val, r1.kappa.val, 1e-12);
          assert_close(r2.train_error.val, r1.train_error.val, 1e-12);
          assert_close(r2.D2, r1.D2, 1e-12);
          assert_overlap(r1.risk, r2.risk);
          assert_overlap(r1.kappa, r2.kappa);
          assert_overlap(r1.train_error, r2.train_error);
          assert_overlap(r1.bias, r2.bias);
          assert_overlap(r1.variance, r2.variance);
        }
      deq_rf_model_free(m);
    }
}

/* Near psi1 = psi2 = 1 with tiny lambda the risk is ill conditioned (R ~ 60): the routes
 * agree only to ~1e-11, and the error bars must say so. */
static void test_mm_ill_conditioned(void **state)
{
  (void) state;
  deq_rf_model *m = model("relu", "poly:0,1,0.5");
  deq_rf_params q = { 1.0, 1.0, 1e-5, 0.137 };
  deq_rf_result r1, r2;
  assert_int_equal(deq_rf_risk(m, &q, NULL, &r1), DEQ_SUCCESS);
  assert_int_equal(deq_rf_risk_mm(m, &q, NULL, &r2), DEQ_SUCCESS);
  assert_true(r1.risk.val > 50);
  assert_overlap(r1.risk, r2.risk);
  assert_true(r1.risk.err < 1e-9 * r1.risk.val && r2.risk.err < 1e-9 * r2.risk.val);
  deq_rf_model_free(m);
}

/* lambda -> infinity: a_hat -> 0, R -> F1^2 + F_*^2 + c0 and T -> that + tau^2.  The
 * approach is O(1/lambda): the gap must shrink by 100 when lambda grows by 100. */
static void test_lambda_infinity(void **state)
{
  (void) state;
  deq_rf_model *m = model("tanh", "poly:0.3,1,0.5");  /* mu0 = 0: c0 = 0.09 */
  double lim = 1.0 + 0.25 + 0.09;
  deq_rf_result a = risk(m, 2.385, 1.7, 1e6, 0.11, DEQ_SUCCESS);
  deq_rf_result b = risk(m, 2.385, 1.7, 1e8, 0.11, DEQ_SUCCESS);
  assert_true(a.risk.val < lim && b.risk.val < lim);
  assert_close((lim - b.risk.val) / (lim - a.risk.val), 1e-2, 1e-5);
  assert_close(b.risk.val, lim, 1e-7);
  assert_close(b.train_error.val, lim + 0.11, 1e-7);
  deq_rf_model_free(m);
}

/* L_un of rf_onestep S14 for plain RF, from the textbook mbar. */
static double approx_error(double ms2, double mu1sq, double psi1)
{
  double t1 = ms2 / mu1sq;
  if (t1 == 0)
    return psi1 < 1 ? 1.0 - psi1 : 0.0;
  return t1 * mbar(t1, psi1);
}

/* Ridgeless under-parametrised RF: kappa = 0 and
 * R = F_*^2 + c0 + F1^2 L_un + s2 r / (psi2 - r), s2 = tau^2 + F_*^2 + c0 + F1^2 L_un;
 * T = (1 - r/psi2)^2 (R + tau^2); and lambda -> 0+ is continuous, R(lambda) - R(0) linear. */
static void test_ridgeless_under(void **state)
{
  (void) state;
  struct { const char *act; double psi1, psi2, ms2, mu1sq, r; } c[] = {
    { "relu", 0.75, 1.9, 0.25 - 0.5 / M_PI, 0.25, 0.75 },
    { "erf", 1.385, 2.17, 0.0401458728192, 4.0 / (3 * M_PI), 1.385 },
    { "linear", 0.618, 1.93, 0, 1, 0.618 },
    { "linear", 2.385, 1.7, 0, 1, 1.0 },  /* r = min(psi1, 1): least squares on x */
  };
  for (size_t k = 0; k < sizeof c / sizeof c[0]; k++) {
    deq_rf_model *m = model(c[k].act, "poly:0,1.1,0.4,0.3");
    double tau2 = 0.13, Fs = 0.25, L = approx_error(c[k].ms2, c[k].mu1sq, c[k].psi1);
    double s2 = tau2 + Fs + 1.21 * L, R = Fs + 1.21 * L + s2 * c[k].r / (c[k].psi2 - c[k].r);
    deq_rf_result r = risk(m, c[k].psi1, c[k].psi2, 0, tau2, DEQ_SUCCESS);
    assert_within(r.risk, R, 1e-11);
    assert_true(r.kappa.val == 0);
    double f = 1 - c[k].r / c[k].psi2;
    assert_within(r.train_error, f * f * (R + tau2), 1e-11);
    double e8 = risk(m, c[k].psi1, c[k].psi2, 1e-8, tau2, DEQ_SUCCESS).risk.val - R;
    double e9 = risk(m, c[k].psi1, c[k].psi2, 1e-9, tau2, DEQ_SUCCESS).risk.val - R;
    assert_true(fabs(e9) < 1e-6);
    assert_close(e8 / e9, 10.0, 1e-4);  /* R(lambda) = R(0) + O(lambda) */
    deq_rf_model_free(m);
  }
}

/* psi2 -> infinity at fixed psi1, lambda -> 0: R -> F_*^2 + c0 + F1^2 t1 F(t1), the
 * approximation error of the N features; the gap is O(1/psi2). */
static void test_psi2_infinity(void **state)
{
  (void) state;
  deq_rf_model *m = model("tanh", "poly:0,1.1,0.4,0.3");
  deq_rf_constants c;
  deq_rf_model_constants(m, &c);
  double lim = 0.25 + 1.21 * approx_error(c.mustar2.val, c.mu1.val * c.mu1.val, 2.385);
  deq_rf_result a = risk(m, 2.385, 1e5, 0, 0.13, DEQ_SUCCESS);
  deq_rf_result b = risk(m, 2.385, 1e7, 0, 0.13, DEQ_SUCCESS);
  assert_close((b.risk.val - lim) / (a.risk.val - lim), 1e-2, 1e-4);
  assert_close(b.risk.val, lim, 1e-6);
  deq_rf_result e = risk(m, 2.385, 1e7, 1e-9, 0.13, DEQ_SUCCESS);
  assert_close(e.risk.val, lim, 1e-6);
  deq_rf_model_free(m);
}

/* mu_*^2 -> 0: the risk of poly:0,1,e (mu_*^2 = e^2) tends to the linear student's, and
 * linearly in mu_*^2 (the gap ratio for e^2 = 1e-9 and 4e-9 is 1/4). */
static void test_linear_continuity(void **state)
{
  (void) state;
  const char *act[] = { "linear", "poly:0,1,3.16227766016838e-5", "poly:0,1,6.32455532033676e-5" };
  double R[3];
  for (int k = 0; k < 3; k++) {
    deq_rf_model *m = model(act[k], "poly:0,1.2,0.4");
    R[k] = risk(m, 0.618, 1.93, 0.01, 0.1, DEQ_SUCCESS).risk.val;
    deq_rf_model_free(m);
  }
  assert_true(fabs(R[1] - R[0]) < 1e-8);
  assert_close((R[1] - R[0]) / (R[2] - R[0]), 0.25, 1e-3);
}

/* Interpolation threshold: risk = +inf with DEQ_EDIVERGE, never NaN; approached
 * continuously from both sides; finite in the noiseless realisable case. */
static void test_threshold(void **state)
{
  (void) state;
  deq_error_handler_t *old = deq_set_error_handler(record);
  deq_rf_model *m = model("tanh", "poly:0,1,0.5");
  calls = 0;
  deq_rf_result r = risk(m, 1.7, 1.7, 0, 0.09, DEQ_EDIVERGE);
  assert_int_equal(calls, 1);
  assert_non_null(strstr(last_reason, "interpolation threshold"));
  assert_true(isinf(r.risk.val) && r.risk.val > 0);
  assert_true(isinf(r.bias.val) && isinf(r.variance.val));
  assert_true(r.train_error.val == 0 && !isnan(r.kappa.val));
  double lo = risk(m, 1.7 * (1 - 1e-6), 1.7, 0, 0.09, DEQ_SUCCESS).risk.val;
  double hi = risk(m, 1.7 * (1 + 1e-6), 1.7, 0, 0.09, DEQ_SUCCESS).risk.val;
  assert_true(lo > 1e4 && hi > 1e4 && isfinite(lo) && isfinite(hi));
  deq_rf_model_free(m);
  m = model("linear", "poly:0,1,0.5");  /* r = min(psi1, 1) = psi2 = 1 */
  r = risk(m, 2.385, 1.0, 0, 0.09, DEQ_EDIVERGE);
  assert_true(isinf(r.risk.val));
  deq_rf_model_free(m);
  m = model("linear", "poly:0,1");  /* noiseless, realisable: exact recovery */
  r = risk(m, 2.385, 1.0, 0, 0, DEQ_SUCCESS);
  assert_true(r.risk.val == 0 && r.bias.val == 0 && r.variance.val == 0);
  deq_rf_model_free(m);
  deq_set_error_handler(old);
}

/* Noise and teacher constants beyond double precision: flagged, never NaN/inf with ok
 * (reproducers: noise 1e308 gave train_error inf, teacher poly:1e308,1e308 a NaN risk). */
static void test_overflow(void **state)
{
  (void) state;
  deq_error_handler_t *old = deq_set_error_handler(record);
  deq_rf_model *m = model("tanh", "poly:0,1,0.5");
  risk(m, 2.385, 1.7, 0.02, 1e308, DEQ_EINVAL);   /* beyond the domain noise <= 1e100 */
  risk(m, 2.385, 1.7, 0.02, 1e100, DEQ_SUCCESS);  /* its edge: finite, flagged if not */
  deq_rf_model_free(m);
  deq_act a, t;   /* teachers beyond the coefficient domain: refused, naming the teacher */
  deq_act_parse("tanh", "--act", &a);
  deq_act_parse("poly:1e308,1e308", "--teacher", &t);
  assert_int_equal(deq_rf_model_alloc(&a, &t, NULL, &m), DEQ_EINVAL);
  assert_null(m);
  assert_non_null(strstr(last_reason, "teacher"));
  deq_act_parse("poly:1e150,1e150", "--teacher", &t);
  assert_int_equal(deq_rf_model_alloc(&a, &t, NULL, &m), DEQ_EINVAL);
  m = model("tanh", "poly:1e12,1e12");   /* its edge: finite values */
  risk(m, 2.385, 1.7, 0.02, 0.09, DEQ_SUCCESS);
  deq_rf_model_free(m);
  deq_set_error_handler(old);
}

/* rf_onestep S12 and rf_onestep S18: kappa (1 - D1) = lambda, T = (1 - D1)^2 (R + tau^2); ridgeless
 * over-parametrised: D1 = 1, T = 0; R = bias + variance + F_*^2 + c0; L_un, K2, V >= 0. */
static void test_identities(void **state)
{
  (void) state;
  deq_rf_model *m = model("erf", "poly:0.2,0.9,0.3,0.4");
  double lam[] = { 0.0371, 2.9 }, psi[][2] = { { 2.385, 1.7 }, { 0.413, 3.17 } };
  for (int l = 0; l < 2; l++)
    for (int p = 0; p < 2; p++) {
      deq_rf_result r = risk(m, psi[p][0], psi[p][1], lam[l], 0.21, DEQ_SUCCESS);
      assert_close(r.kappa.val * (1 - r.D1), lam[l], 1e-12);
      double f = 1 - r.D1;
      assert_close(r.train_error.val, f * f * (r.risk.val + 0.21), 1e-12);
      assert_close(r.risk.val, r.bias.val + r.variance.val + r.irreducible, 1e-15);
      assert_close(r.irreducible, 0.09 + 0.16 + 0.04, 1e-15);
      assert_true(r.bias.val >= 0 && r.variance.val >= 0 && r.risk.val >= r.irreducible);
    }
  deq_rf_result r = risk(m, 3.1, 1.3, 0, 0.21, DEQ_SUCCESS);
  assert_close(r.D1, 1.0, 1e-12);
  assert_true(r.train_error.val == 0 && r.kappa.val > 0);
  deq_rf_model_free(m);
}

/* rf_onestep S19, mu1 = 0 (He2 features): kappa is the positive root of the quadratic
 * kappa^2 + (mu_*^2 - lambda - a mu_*^2) kappa - lambda mu_*^2 = 0, a = psi1/psi2, and
 * R = (F1^2 + F_*^2 + c0 + tau^2)/(1 - D2) - tau^2, D2 = a (mu_*^2/(mu_*^2 + kappa))^2.
 * Reference: mpmath, 40 digits (3.77057576345055375...). */
static void test_degenerate(void **state)
{
  (void) state;
  deq_rf_model *m = model("he2", "poly:0,1,0.5");
  deq_rf_result r = risk(m, 2.385, 1.7, 0.02, 0.09, DEQ_SUCCESS);
  assert_within(r.risk, 3.770575763450553754, 1e-14);
  assert_within(r.kappa, 0.4658714720556560997, 1e-15);
  r = risk(m, 2.385, 1.7, 0, 0.09, DEQ_SUCCESS);  /* ridgeless: kappa = mu_*^2 (a - 1) */
  double a = 2.385 / 1.7, k = a - 1, D2 = a / (1 + k) / (1 + k);
  assert_within(r.kappa, k, 1e-14);
  assert_within(r.risk, (1.25 + 0.09) / (1 - D2) - 0.09, 1e-13);
  deq_rf_model_free(m);
}

/* The reported error bars cover the change to tighter tolerances, and the distance
 * of a solve stopped at the iteration cap from the converged value. */
static void test_error_bars(void **state)
{
  (void) state;
  deq_opts loose, tight;
  deq_opts_init(&loose);
  deq_opts_init(&tight);
  loose.tol_step = 1e-6;
  tight.tol_step = 1e-15;
  deq_rf_model *m = model("tanh", "poly:0,1,0.5");
  double lam[] = { 0, 0.02, 3.3 };
  for (int l = 0; l < 3; l++) {
    deq_rf_params p = { 2.385, 1.7, lam[l], 0.09 };
    deq_rf_result a, b;
    assert_int_equal(deq_rf_risk(m, &p, &loose, &a), DEQ_SUCCESS);
    assert_int_equal(deq_rf_risk(m, &p, &tight, &b), DEQ_SUCCESS);
    assert_true(fabs(a.risk.val - b.risk.val) <= a.risk.err);
    assert_true(fabs(a.kappa.val - b.kappa.val) <= a.kappa.err);
    assert_true(b.risk.err < 1e-11);
    deq_opts cap;  /* a capped solve returns its last iterate with an honest error */
    deq_opts_init(&cap);
    cap.max_iter = 3;
    if (lam[l] > 0) {
      assert_int_equal(deq_rf_risk(m, &p, &cap, &a), DEQ_EMAXITER);
      assert_true(fabs(a.risk.val - b.risk.val) <= a.risk.err);
      assert_true(fabs(a.kappa.val - b.kappa.val) <= a.kappa.err);
      assert_true(a.risk.err > 1e-9);
    }
  }
  deq_rf_model_free(m);
}

static void expect_einval(deq_rf_model *m, deq_rf_params p, const deq_opts *o, const char *name)
{
  deq_rf_result r;
  calls = 0;
  assert_int_equal(deq_rf_risk(m, &p, o, &r), DEQ_EINVAL);
  assert_int_equal(r.status, DEQ_EINVAL);
  assert_int_equal(calls, 1);
  assert_non_null(strstr(last_reason, name));
  if (o == NULL && p.lambda > 0)
    assert_int_equal(deq_rf_risk_mm(m, &p, o, &r), DEQ_EINVAL);
}

static void test_errors(void **state)
{
  (void) state;
  deq_error_handler_t *old = deq_set_error_handler(record);
  deq_rf_model *m = model("tanh", "poly:0,1,0.5");
  deq_rf_params ok = { 2.385, 1.7, 0.02, 0.09 }, p;
  double bad[] = { 0.0, -1.3, NAN, HUGE_VAL };
  for (int k = 0; k < 4; k++) {
    p = ok, p.width_ratio = bad[k], expect_einval(m, p, NULL, "width_ratio");
    p = ok, p.sample_ratio = bad[k], expect_einval(m, p, NULL, "sample_ratio");
  }
  p = ok, p.lambda = -1e-3, expect_einval(m, p, NULL, "lambda");
  p = ok, p.lambda = NAN, expect_einval(m, p, NULL, "lambda");
  p = ok, p.noise = -0.09, expect_einval(m, p, NULL, "noise");
  p = ok, p.noise = NAN, expect_einval(m, p, NULL, "noise");
  deq_opts o;
  deq_opts_init(&o), o.tol_step = 0, expect_einval(m, ok, &o, "tol_step");
  deq_opts_init(&o), o.max_iter = 0, expect_einval(m, ok, &o, "max_iter");
  deq_opts_init(&o), o.fp_max_iter = 0, expect_einval(m, ok, &o, "fp_max_iter");
  deq_opts_init(&o), o.fp_damping = 1.5, expect_einval(m, ok, &o, "fp_damping");
  deq_rf_result r;
  p = ok, p.lambda = 0;
  assert_int_equal(deq_rf_risk_mm(m, &p, NULL, &r), DEQ_EINVAL);
  assert_non_null(strstr(last_reason, "lambda > 0"));
  assert_true(isnan(r.risk.val));  /* failed results are NaN, with the status */
  deq_opts_init(&o), o.max_iter = 2;
  assert_int_equal(deq_rf_risk(m, &ok, &o, &r), DEQ_EMAXITER);
  assert_true(isfinite(r.risk.val) && r.status == DEQ_EMAXITER);
  deq_opts_init(&o), o.fp_max_iter = 5;
  assert_int_equal(deq_rf_risk_mm(m, &ok, &o, &r), DEQ_EMAXITER);
  assert_true(isfinite(r.risk.val));
  deq_opts_init(&o), o.tol_step = 1e-300;  /* below what rounding allows */
  assert_int_equal(deq_rf_risk_mm(m, &ok, &o, &r), DEQ_ETOL);
  deq_rf_model_free(m);
  m = model("linear", "poly:0,1,0.5");
  assert_int_equal(deq_rf_risk_mm(m, &ok, NULL, &r), DEQ_EINVAL);
  assert_non_null(strstr(last_reason, "mu_* > 0"));
  deq_rf_model_free(m);
  deq_act a, t;
  deq_act_parse("poly:0.7", "--act", &a);
  deq_act_parse("tanh", "--teacher", &t);
  m = (deq_rf_model *) 1;
  assert_int_equal(deq_rf_model_alloc(&a, &t, NULL, &m), DEQ_EINVAL);
  assert_null(m);
  deq_rf_model_free(NULL);
  deq_set_error_handler(old);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_constants),
    cmocka_unit_test(test_table10),
    cmocka_unit_test(test_mm_agreement),
    cmocka_unit_test(test_mm_ill_conditioned),
    cmocka_unit_test(test_lambda_infinity),
    cmocka_unit_test(test_ridgeless_under),
    cmocka_unit_test(test_psi2_infinity),
    cmocka_unit_test(test_linear_continuity),
    cmocka_unit_test(test_threshold),
    cmocka_unit_test(test_overflow),
    cmocka_unit_test(test_identities),
    cmocka_unit_test(test_degenerate),
    cmocka_unit_test(test_error_bars),
    cmocka_unit_test(test_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

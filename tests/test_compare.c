/* Tests for the comparison layer: statistics, verdicts, spectral statistics, table checks. */
#include <string.h>
#include "testutil.h"
#include "deqnn/compare.h"
#include "deqnn/pencil.h"

static void test_stats_verdict(void **state)
{
  (void) state;
  double x[5] = { 1e8 + 1, 1e8 + 2, 1e8 + 3, 1e8 + 4, 1e8 + 5 };
  deq_sample_stats s;
  deq_stats_compute(x, 5, &s);
  assert_close(s.mean, 1e8 + 3, 1e-15);
  assert_close(s.sd, sqrt(2.5), 1e-9);            /* two-pass: no cancellation */
  assert_close(s.se, sqrt(2.5 / 5), 1e-9);
  deq_verdict v;
  deq_verdict_eval(1e8 + 3 + 4 * s.se, 0, &s, 0.0, 100, &v);
  assert_true(v.pass);                            /* exactly at 4 SE */
  assert_true(v.few_seeds);
  deq_verdict_eval(1e8 + 3 + 4 * s.se + 0.02, 0, &s, 1.0, 100, &v);
  assert_true(!v.pass);                           /* beyond 4 SE + B/n = 4 SE + 0.01 */
  assert_close(v.z, -(4 * s.se + 0.02) / s.se, 1e-6);  /* ulp(1e8) / 0.03 ~ 5e-7 */
  deq_sample_stats k = { 12, 0.004, 0.001, 0.0003 };
  deq_verdict_eval(NAN, 0, &k, 6.0, 1000, &v);    /* KS: mean <= B/n */
  assert_true(v.pass && !v.few_seeds);
  k.mean = 0.0061;
  deq_verdict_eval(NAN, 0, &k, 6.0, 1000, &v);
  assert_true(!v.pass);
}

/* KS against the exact CDF of a two-interval law built through the pencil: MP with
 * gamma = 2.385 has an atom 1 - 1/gamma at 0; a sample made of that many zeros plus the
 * quantiles (i - 1/2)/n_c of the continuous part has KS distance exactly 1/(2n) up to
 * the CDF's interpolation error. */
static void test_ks(void **state)
{
  (void) state;
  deq_pencil_params par = { 0 };
  par.gamma[0] = 2.385, par.q[0] = 1, par.input.kind = DEQ_DATA_GAUSSIAN;
  deq_pencil *pen;
  deq_cdf *cdf;
  assert_int_equal(deq_pencil_alloc(&par, NULL, &pen), DEQ_SUCCESS);
  assert_int_equal(deq_pencil_cdf(pen, &cdf), DEQ_SUCCESS);
  enum { N = 2000 };
  static double ev[N];
  size_t nz = (size_t) lround(N * (1 - 1 / 2.385)), nc = N - nz;
  for (size_t i = 0; i < nz; i++)
    ev[i] = 0.0;
  double lo = 0.29, hi = 6.5;
  for (size_t i = 0; i < nc; i++) {        /* invert the tabulated CDF by bisection */
    double target = deq_cdf_eval(cdf, 0.0) + ((double) i + 0.5) / N, a = lo, b = hi;
    for (int it = 0; it < 60; it++) {
      double m = 0.5 * (a + b);
      if (deq_cdf_eval(cdf, m) < target) a = m; else b = m;
    }
    ev[nz + i] = 0.5 * (a + b);
  }
  double ks = deq_spec_ks(N, ev, cdf);
  assert_true(ks >= 0.5 / N - 1e-6 && ks <= 0.5 / N + 1e-3 / N + fabs(deq_cdf_eval(cdf, 0.0) - (double) nz / N));
  ev[N - 1] = 100.0;    /* moving one eigenvalue far away changes little */
  assert_true(deq_spec_ks(N, ev, cdf) < 2.0 / N);
  assert_close(deq_spec_zero_fraction(N, ev), (double) nz / N, 0);
  deq_cdf_free(cdf);
  deq_pencil_free(pen);
}

/* S19: a sample concentrated at x0 right of the support has W1 = E|X - x0| = x0 - E X, the
 * mean of MP being 1 (atom included); the quantile sample of test_ks is within 1/n of the law;
 * all at 0 against MP with an atom: W1 = E X = 1. */
static void test_w1(void **state)
{
  (void) state;
  deq_pencil_params par = { 0 };
  par.gamma[0] = 2.385, par.q[0] = 1, par.input.kind = DEQ_DATA_GAUSSIAN;
  deq_pencil *pen;
  deq_cdf *cdf;
  assert_int_equal(deq_pencil_alloc(&par, NULL, &pen), DEQ_SUCCESS);
  assert_int_equal(deq_pencil_cdf(pen, &cdf), DEQ_SUCCESS);
  double tol = 1e-4;   /* the tabulated CDF's mass defect times the support width */
  double at10[3] = { 10, 10, 10 }, at0[2] = { 0, 0 };
  assert_close(deq_spec_w1(3, at10, cdf), 10 - 1.0, tol);
  assert_close(deq_spec_w1(2, at0, cdf), 1.0, tol);
  enum { N = 400 };
  static double ev[N];
  double lo = 0.29, hi = 6.5, F0 = deq_cdf_eval(cdf, 0.0);
  size_t nz = (size_t) lround(N * F0);
  for (size_t i = 0; i < N; i++) {
    if (i < nz) { ev[i] = 0; continue; }
    double target = F0 + ((double) (i - nz) + 0.5) / N, a = lo, b = hi;
    for (int it = 0; it < 60; it++) {
      double m = 0.5 * (a + b);
      if (deq_cdf_eval(cdf, m) < target) a = m; else b = m;
    }
    ev[i] = 0.5 * (a + b);
  }
  double w = deq_spec_w1(N, ev, cdf);
  assert_true(w > 0 && w < 6.5 / N);
  deq_cdf_free(cdf);
  deq_pencil_free(pen);
}

/* S18: the Hill estimator on exact Pareto quantiles l_(i) = (N/i)^(1/(alpha - 1)) with zeros
 * mixed in (dropped), against the formula written out; the Clauset variant picks a k in range
 * and gets alpha within 3 %. */
static void test_hill(void **state)
{
  (void) state;
  enum { N = 1000, Z = 50 };
  static double ev[N + Z];
  double alpha = 3.0;
  for (size_t i = 0; i < Z; i++)
    ev[i] = 0.0;
  for (size_t i = 1; i <= N; i++)   /* ascending: the largest last */
    ev[Z + N - i] = pow((double) N / (double) i, 1 / (alpha - 1));
  size_t k = N / 10;
  double acc = 0;
  for (size_t i = 1; i <= k; i++)
    acc += log(ev[Z + N - i] / ev[Z + N - 1 - k]);
  assert_close(deq_spec_hill(N + Z, ev), 1 + (double) k / acc, 1e-14);
  assert_rel(deq_spec_hill(N + Z, ev), alpha, 0.03);
  size_t kk = 0;
  double a2 = deq_spec_hill_ks(N + Z, ev, &kk);
  assert_true(kk >= 10 && kk <= N / 2);
  assert_rel(a2, alpha, 0.03);
  deq_error_handler_t *old = deq_set_error_handler(record);
  assert_true(isnan(deq_spec_hill(5, ev + Z)));      /* N < k + 1 */
  assert_true(isnan(deq_spec_hill_ks(15, ev + Z, NULL)));
  assert_true(isnan(deq_spec_w1(0, ev, NULL)));
  deq_set_error_handler(old);
}

static void test_moments_histogram(void **state)
{
  (void) state;
  double ev[6] = { 0, 0, 1, 2, 2.5, 4 }, x[5] = { 0.5, 1.5, 2.5, 3.5, 4.5 }, h[5];
  assert_close(deq_spec_moment(6, ev, 1), 9.5 / 6, 1e-15);
  assert_close(deq_spec_moment(6, ev, 2), (1 + 4 + 6.25 + 16) / 6, 1e-15);
  assert_close(deq_spec_resolvent(6, ev, 0.5), (2 / 0.5 + 1 / 1.5 + 1 / 2.5 + 1 / 3.0 + 1 / 4.5) / 6, 1e-15);
  deq_spec_histogram(6, ev, 5, x, h);      /* zeros left out; bins [0,1),[1,2),... */
  assert_close(h[0], 0, 0);
  assert_close(h[1], 1.0 / 6, 1e-15);
  assert_close(h[2], 2.0 / 6, 1e-15);
  assert_close(h[3], 0, 0);
  assert_close(h[4], 1.0 / 6, 1e-15);
}

static deq_table *table3(double a, double e, const char *st)
{
  const char *names[] = { "x", "density", "err", "status", "sim_density" };
  int types[] = { DEQ_COL_NUM, DEQ_COL_NUM, DEQ_COL_NUM, DEQ_COL_TEXT, DEQ_COL_NUM };
  deq_table *t = deq_table_alloc(5, names, types);
  deq_table_add_comment(t, "error-columns: density:err");
  double row[5] = { 1.5, a, e, 0, 123.0 };
  const char *txt[5] = { NULL, NULL, NULL, st, NULL };
  deq_table_add_row(t, row, txt);
  return t;
}

static void test_compare_tables(void **state)
{
  (void) state;
  char rep[1024];
  size_t nbad;
  deq_table *ref = table3(0.3, 1e-9, "ok"), *same = table3(0.3 + 1.5e-9, 1e-9, "ok");
  deq_table *off = table3(0.3 + 3e-9, 1e-9, "ok"), *st = table3(0.3, 1e-9, "emaxiter");
  assert_int_equal(deq_compare_tables(ref, same, 5, rep, sizeof rep, &nbad), DEQ_SUCCESS);
  assert_int_equal(nbad, 0);
  assert_int_equal(deq_compare_tables(ref, off, 5, rep, sizeof rep, &nbad), DEQ_SUCCESS);
  assert_int_equal(nbad, 1);
  assert_non_null(strstr(rep, "density"));
  assert_int_equal(deq_compare_tables(ref, st, 5, rep, sizeof rep, &nbad), DEQ_SUCCESS);
  assert_int_equal(nbad, 1);
  assert_non_null(strstr(rep, "status"));
  deq_table_free(ref), deq_table_free(same), deq_table_free(off), deq_table_free(st);
}

/* nan matches nan (a failed row failing again the same way); text reported as strings. */
static void test_compare_nan_text(void **state)
{
  (void) state;
  char rep[1024];
  size_t nbad;
  deq_table *a = table3(NAN, 0, "emaxiter"), *b = table3(NAN, 0, "emaxiter");
  deq_table *c = table3(0.3, 0, "emaxiter"), *d = table3(NAN, 0, "etol");
  assert_int_equal(deq_compare_tables(a, b, 5, rep, sizeof rep, &nbad), DEQ_SUCCESS);
  assert_int_equal(nbad, 0);
  assert_int_equal(deq_compare_tables(a, c, 5, rep, sizeof rep, &nbad), DEQ_SUCCESS);
  assert_int_equal(nbad, 1);
  assert_int_equal(deq_compare_tables(a, d, 5, rep, sizeof rep, &nbad), DEQ_SUCCESS);
  assert_int_equal(nbad, 1);
  assert_non_null(strstr(rep, "reference 'emaxiter', now 'etol'"));
  deq_table_free(a), deq_table_free(b), deq_table_free(c), deq_table_free(d);
}

/* Sane error bars: finite, >= 0, at most 100 max(|v|, 1e-6 S). */
static void test_error_bars(void **state)
{
  (void) state;
  const double err[] = { 1e-9, 29.0, 0.0 }, bad[] = { 1e300, 31.0, -1e-9, NAN, INFINITY };
  for (size_t k = 0; k < sizeof err / sizeof err[0]; k++) {
    deq_table *t = table3(0.3, err[k], "ok");
    assert_int_equal(deq_check_error_bars(t), DEQ_SUCCESS);
    deq_table_free(t);
  }
  for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
    deq_table *t = table3(0.3, bad[k], "ok");
    assert_int_equal(deq_check_error_bars(t), DEQ_EFORMAT);
    deq_table_free(t);
  }
  deq_table *t = table3(INFINITY, 0, "ediverge");   /* an infinite value: a finite err */
  assert_int_equal(deq_check_error_bars(t), DEQ_SUCCESS);
  deq_table_free(t);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_stats_verdict),
    cmocka_unit_test(test_ks),
    cmocka_unit_test(test_w1),
    cmocka_unit_test(test_hill),
    cmocka_unit_test(test_moments_histogram),
    cmocka_unit_test(test_compare_tables),
    cmocka_unit_test(test_compare_nan_text),
    cmocka_unit_test(test_error_bars),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

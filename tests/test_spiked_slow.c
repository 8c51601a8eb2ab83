/* Monte Carlo check of the spiked module (spiked_rf section 10): the sRF model sampled at
 * d = 500 (p = 600, n = 750), 6 seeds, against the theory: the ridge test error (S20), the
 * training error (docs/spiked.md T1), m(z) of the bulk at z = 0.5 edge + 0.3i, and the mean
 * outlier lambda_1 (S13).  Tolerances of spiked_rf section 10: test error 4 SE + 2 % relative
 * (training error: plus train_bias/sqrt(n), below); m(z) 4 SE + 2e-3 |m|; lambda_1 4 SE + 1 %
 * relative (its O(1/sqrt n) terms).
 * The model is sampled by srfsim (a test may include both sides; the library's theory and
 * simulation never include each other). */
#include <complex.h>
#include <stdio.h>
#include "testutil.h"
#include "deqnn/spiked.h"
#include "deqnn/srfsim.h"

enum { NSEED = 6, D = 500, NTEST = 4000 };

typedef struct {
  const char *act;
  double r, c, gamma, lambda, noise;
} mc_case;

static const char *const target = "poly:0,1,0.70710678118654752,0";
static const double phi = 1.2, sample_ratio = 1.5;
/* Finite-size allowance of the training error, B/sqrt(n): measured for tanh, r = 1.3, c = 1.2,
 * gamma = 0.8, lambda = 0.05, noise = 0.1 (16 seeds): MC - theory = -0.026 +- 0.011 at n = 750
 * and -0.016 +- 0.017 at n = 1500, about 0.7/sqrt(n). */
static const double train_bias = 1.0;

typedef struct {
  double test, train, mre, mim, lambda1;
} mc_out;

/* One seed of the sRF model, sampled by the library's simulation module (deqnn/srfsim.h:
 * W0 with Gaussian rows N(0, I_d/d), v = e1, theta = gamma e1 + sqrt(1 - gamma^2) e2). */
static void one_seed(const mc_case *mc, unsigned long seed, double complex z, mc_out *o)
{
  deq_srfsim_spec spec;
  deq_srfsim *ws;
  deq_srfsim_result res;
  deq_srfsim_spec_init(&spec);
  spec.d = D;
  spec.p = (size_t) (phi * D);
  spec.n = (size_t) (sample_ratio * D);
  spec.n_test = NTEST;
  spec.r = mc->r, spec.c = mc->c, spec.gamma = mc->gamma;
  spec.lambda = mc->lambda, spec.noise = mc->noise;
  spec.nz = 1, spec.z[0] = z;
  assert_int_equal(deq_act_parse(mc->act, "act", &spec.act), DEQ_SUCCESS);
  assert_int_equal(deq_act_parse(target, "teacher", &spec.teacher), DEQ_SUCCESS);
  assert_int_equal(deq_srfsim_alloc(&spec, &ws), DEQ_SUCCESS);
  assert_int_equal(deq_srfsim_run(ws, seed, 0, &res, NULL), DEQ_SUCCESS);
  deq_srfsim_free(ws);
  o->test = res.test_error, o->train = res.train_error, o->lambda1 = res.lambda1;
  o->mre = creal(res.m[0]), o->mim = cimag(res.m[0]);   /* the outlier adds O(1/p^2) */
}

static int check(const char *what, const double *x, double theory, double rel, double extra)
{
  double m = 0, v = 0;
  for (int k = 0; k < NSEED; k++)
    m += x[k] / NSEED;
  for (int k = 0; k < NSEED; k++)
    v += (x[k] - m) * (x[k] - m) / (NSEED - 1);
  double se = sqrt(v / NSEED), tol = 4 * se + rel * fabs(theory) + extra;
  int ok = fabs(m - theory) <= tol;
  printf("  %-10s theory %.6f  MC %.6f +- %.6f (SE)  dev %.2f SE  %s\n", what, theory, m, se,
         se > 0 ? (m - theory) / se : 0.0, ok ? "ok" : "FAIL");
  return ok;
}

static void test_mc(void **state)
{
  (void) state;
  const mc_case cases[] = {
    { "tanh", 1.3, 1.2, 0.8, 0.05, 0.1 },
    { "relu", 2.0, 1.0, 1.0, 0.2, 0.0 },
  };
  int ok = 1;
  for (size_t c = 0; c < 2; c++) {
    const mc_case *mc = &cases[c];
    deq_act s, t;
    deq_act_parse(mc->act, "act", &s), deq_act_parse(target, "teacher", &t);
    deq_srf_weights w = { .spike = mc->r, .bulk_variance = mc->c, .alignment = mc->gamma };
    deq_srf_plan *P;
    assert_int_equal(deq_srf_plan_alloc(&s, &t, &w, NULL, &P), DEQ_SUCCESS);
    deq_srf_params prm = { phi, sample_ratio, mc->lambda, mc->noise };
    deq_srf_risk r;
    deq_result edge;
    deq_srf_bulk b;
    deq_srf_mean mean;
    assert_int_equal(deq_srf_risk_eval(P, &prm, NULL, &r), DEQ_SUCCESS);
    assert_int_equal(deq_srf_edge(P, &prm, NULL, &edge), DEQ_SUCCESS);
    double complex z = 0.5 * edge.val + 0.3 * I;
    assert_int_equal(deq_srf_stieltjes(P, &prm, z, NULL, &b), DEQ_SUCCESS);
    assert_int_equal(deq_srf_mean_outlier(P, &prm, phi * D, NULL, &mean), DEQ_SUCCESS);
    mc_out o[NSEED];
    double x[5][NSEED];
    for (int k = 0; k < NSEED; k++) {
      one_seed(mc, 1000 + 17 * (unsigned long) k + 101 * c, z, &o[k]);
      x[0][k] = o[k].test, x[1][k] = o[k].train, x[2][k] = o[k].mre, x[3][k] = o[k].mim;
      x[4][k] = o[k].lambda1;
    }
    printf("%s r = %g c = %g gamma = %g lambda = %g noise = %g (d = %d, 6 seeds)\n", mc->act,
           mc->r, mc->c, mc->gamma, mc->lambda, mc->noise, D);
    ok &= check("test", x[0], r.test_error.val, 0.02, 0);
    ok &= check("train", x[1], r.train_error.val, 0.02, train_bias / sqrt(sample_ratio * D));
    ok &= check("Re m(z)", x[2], creal(b.m.val), 2e-3, 0);
    ok &= check("Im m(z)", x[3], cimag(b.m.val), 2e-3, 0);
    ok &= check("lambda_1", x[4], mean.x.val, 0.01, 0);
    deq_srf_plan_free(P);
  }
  assert_true(ok);
}

int main(void)
{
  const struct CMUnitTest tests[] = { cmocka_unit_test(test_mc) };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

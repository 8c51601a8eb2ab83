/* Statistical checks of the two-layer Monte Carlo (suite 'slow').  No theory formula
 * here (compare/ does that): only properties of the simulation itself.
 * Linear student, linear teacher poly:0,1, d = 200, psi1 = 1.385, psi2 = psi_g = 1.7,
 * lambda = 0.0517, tau^2 = 0.09, eta = 0, 40 replicates. */
#include <stdlib.h>
#include "testutil.h"
#include "deqnn/twolayer.h"

enum { S = 40 };
static const double lambda = 0.0517, noise = 0.09;

static deq_twolayer *make(void)
{
  deq_twolayer_spec s;
  deq_twolayer *tl;
  deq_twolayer_spec_init(&s);
  s.d = 200;
  s.N = 277;
  s.n = s.n_g = 340;
  s.noise = noise;
  assert_int_equal(deq_act_parse("linear", "act", &s.act), DEQ_SUCCESS);
  assert_int_equal(deq_act_parse("poly:0,1", "teacher", &s.teacher), DEQ_SUCCESS);
  assert_int_equal(deq_twolayer_alloc(&s, &tl), DEQ_SUCCESS);
  return tl;
}

/* Replicates 0..S-1 of master 2024, in the given order (+1 forward, -1 backward). */
static void run(int order, deq_twolayer_result *res)
{
  deq_twolayer *tl = make();
  for (int k = 0; k < S; k++) {
    int rep = order > 0 ? k : S - 1 - k;
    assert_int_equal(deq_twolayer_draw(tl, 2024, (uint64_t) rep), DEQ_SUCCESS);
    assert_int_equal(deq_twolayer_fit(tl, lambda, &res[rep]), DEQ_SUCCESS);
  }
  deq_twolayer_free(tl);
}

static void mean_se(const deq_twolayer_result *res, int lo, int hi, int risk,
                    double *mean, double *se)
{
  double s = 0.0, s2 = 0.0;
  for (int k = lo; k < hi; k++)
    s += risk ? res[k].risk : res[k].train_error;
  *mean = s / (hi - lo);
  for (int k = lo; k < hi; k++) {
    double x = (risk ? res[k].risk : res[k].train_error) - *mean;
    s2 += x * x;
  }
  *se = sqrt(s2 / (hi - lo - 1) / (hi - lo));
}

/* Reproducible whatever the order of replicates (bit for bit); finite; the training
 * error below the test error on noisy labels; the two halves of the replicates
 * agree within 4 standard errors of their difference (the SE is honest). */
static void test_linear_ridge_statistics(void **state)
{
  (void) state;
  deq_twolayer_result fwd[S], bwd[S];
  double R, seR, T, seT, R1, se1, R2, se2;
  run(+1, fwd);
  run(-1, bwd);
  assert_memory_equal(fwd, bwd, sizeof fwd);
  mean_se(fwd, 0, S, 1, &R, &seR);
  mean_se(fwd, 0, S, 0, &T, &seT);
  assert_true(isfinite(R) && isfinite(T) && seR > 0 && seT > 0);
  assert_true(T < R + noise);
  mean_se(fwd, 0, S / 2, 1, &R1, &se1);
  mean_se(fwd, S / 2, S, 1, &R2, &se2);
  assert_true(fabs(R1 - R2) <= 4.0 * sqrt(se1 * se1 + se2 * se2));
  print_message("linear d = 200: R = %.5f +- %.5f, T = %.5f +- %.5f (%d replicates)\n",
                R, seR, T, seT, S);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_linear_ridge_statistics),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

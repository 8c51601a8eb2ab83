/* Monte Carlo check of the spiked module (spiked_rf section 10): the sRF model sampled at
 * d = 500 (p = 600, n = 750), 6 seeds, against the theory: the ridge test error (S20), the
 * training error (docs/spiked.md T1), m(z) of the bulk at z = 0.5 edge + 0.3i, and the mean
 * outlier lambda_1 (S13).  Tolerances of spiked_rf section 10: test error 4 SE + 2 % relative
 * (training error: plus train_bias/sqrt(n), below); m(z) 4 SE + 2e-3 |m|; lambda_1 4 SE + 1 %
 * relative (its O(1/sqrt n) terms).
 * This file samples its own model (tests may; the library's theory never does). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cblas.h>
#include <lapacke.h>
#include "testutil.h"
#include "deqnn/rng.h"
#include "deqnn/spiked.h"

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

/* W = sqrt(c) W0 + r 1 e1^T, W0 with unit rows (p x d, row-major). */
static void draw_weights(gsl_rng *g, size_t p, double r, double c, double *W)
{
  deq_rng_gaussian(g, 1.0, p * D, W);
  for (size_t j = 0; j < p; j++) {
    double nrm = 0;
    for (size_t k = 0; k < D; k++)
      nrm += W[j * D + k] * W[j * D + k];
    for (size_t k = 0; k < D; k++)
      W[j * D + k] *= sqrt(c / nrm);
    W[j * D] += r;
  }
}

/* X (m x d) Gaussian, features F = sigma(X W^T) (m x p), targets f*(<theta, x>). */
static void draw_data(gsl_rng *g, const deq_act *s, const deq_act *t, double gamma, size_t m,
                      size_t p, const double *W, double *X, double *F, double *f)
{
  deq_rng_gaussian(g, 1.0, m * D, X);
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int) m, (int) p, D, 1.0, X, D, W, D,
              0.0, F, (int) p);
  for (size_t i = 0; i < m * p; i++)
    F[i] = deq_act_eval(s, F[i]);
  for (size_t i = 0; i < m; i++)
    f[i] = deq_act_eval(t, gamma * X[i * D] + sqrt(1 - gamma * gamma) * X[i * D + 1]);
}

static void one_seed(const mc_case *mc, unsigned long seed, double complex z, mc_out *o)
{
  size_t p = (size_t) (phi * D), n = (size_t) (sample_ratio * D);
  deq_act s, t;
  deq_act_parse(mc->act, "act", &s), deq_act_parse(target, "teacher", &t);
  gsl_rng *g = deq_rng_alloc(seed, 0);
  size_t rows = n > NTEST ? n : NTEST;
  double *W = malloc(p * D * sizeof *W), *X = malloc(rows * D * sizeof *X);
  double *F = malloc(rows * p * sizeof *F), *f = malloc(rows * sizeof *f);
  double *G = malloc(p * p * sizeof *G), *beta = malloc(p * sizeof *beta);
  double *y = malloc(n * sizeof *y), *ev = malloc(p * sizeof *ev), *pred = malloc(rows * sizeof *pred);
  draw_weights(g, p, mc->r, mc->c, W);
  draw_data(g, &s, &t, mc->gamma, n, p, W, X, F, f);
  deq_rng_gaussian(g, sqrt(mc->noise), n, y);
  for (size_t i = 0; i < n; i++)
    y[i] += f[i];
  cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (int) p, (int) n, 1.0 / (double) n, F,
              (int) p, 0.0, G, (int) p);
  cblas_dgemv(CblasRowMajor, CblasTrans, (int) n, (int) p, 1.0 / (double) n, F, (int) p, y, 1,
              0.0, beta, 1);
  double *E = malloc(p * p * sizeof *E);
  memcpy(E, G, p * p * sizeof *G);
  assert_int_equal(LAPACKE_dsyev(LAPACK_ROW_MAJOR, 'N', 'U', (int) p, E, (int) p, ev), 0);
  for (size_t j = 0; j < p; j++)
    G[j * p + j] += mc->lambda;
  assert_int_equal(LAPACKE_dposv(LAPACK_ROW_MAJOR, 'U', (int) p, 1, G, (int) p, beta, 1), 0);
  cblas_dgemv(CblasRowMajor, CblasNoTrans, (int) n, (int) p, 1.0, F, (int) p, beta, 1, 0.0,
              pred, 1);
  o->train = 0;
  for (size_t i = 0; i < n; i++)
    o->train += (y[i] - pred[i]) * (y[i] - pred[i]) / (double) n;
  double complex m = 0;
  for (size_t j = 0; j + 1 < p; j++)   /* the bulk: the top eigenvalue is the mean outlier */
    m += 1.0 / (ev[j] - z) / (double) p;
  o->mre = creal(m), o->mim = cimag(m), o->lambda1 = ev[p - 1];
  draw_data(g, &s, &t, mc->gamma, NTEST, p, W, X, F, f);
  cblas_dgemv(CblasRowMajor, CblasNoTrans, NTEST, (int) p, 1.0, F, (int) p, beta, 1, 0.0,
              pred, 1);
  o->test = 0;
  for (size_t i = 0; i < NTEST; i++)
    o->test += (f[i] - pred[i]) * (f[i] - pred[i]) / NTEST;
  free(W), free(X), free(F), free(f), free(G), free(beta), free(y), free(ev), free(pred), free(E);
  gsl_rng_free(g);
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
    deq_srf_weights w = { mc->r, mc->c, mc->gamma };
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

/* deqnn/datapencil.h: real_data R24's reference values on 300 Fashion-MNIST images (two
 * independent routes there, 5e-14 apart), the L = 1 CK against the atoms route of
 * datakernel.h (exact MP map of spec(Kbar)), orthonormal samples against the iterated MP map
 * of ck_ntk (where the pencil must reduce to it exactly), the closed-form moments against the
 * pencil's own large-lambda expansion, and misuse. */
#include <complex.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"
#include "deqnn/ck.h"
#include "deqnn/datapencil.h"
#include "deqnn/dataset.h"
#include "deqnn/rng.h"

#ifndef DEQ_TEST_DATA_DIR
#define DEQ_TEST_DATA_DIR "data"
#endif

/* R24: "Tolerance for the C tests: 1e-10 relative." */
#define REF_TOL 1e-10

/* One plan per activation for the whole test (a table activation's plan is three 513-node
 * tables: 0.1 s, and minutes under valgrind if rebuilt per pencil). */
#define MAX_PLANS 8
static struct { const char *name; deq_datakernel *dk; } plans[MAX_PLANS];

static deq_datakernel *plan(const char *name)
{
  size_t k = 0;
  for (; k < MAX_PLANS && plans[k].name != NULL; k++)
    if (strcmp(plans[k].name, name) == 0)
      return plans[k].dk;
  assert_true(k < MAX_PLANS);
  deq_act act;
  assert_int_equal(deq_act_parse(name, "act", &act), DEQ_SUCCESS);
  assert_int_equal(deq_datakernel_alloc(&act, NULL, &plans[k].dk), DEQ_SUCCESS);
  plans[k].name = name;
  return plans[k].dk;
}

static int free_plans(void **state)
{
  (void) state;
  for (size_t k = 0; k < MAX_PLANS; k++)
    deq_datakernel_free(plans[k].dk), plans[k].dk = NULL, plans[k].name = NULL;
  return 0;
}


/* The Gram matrix of the first 300 Fashion-MNIST test images, preprocessed by R1 (the
 * checks of R24: tr/n = 1, largest eigenvalue 89.117984). */
static double *fashion_gram(size_t *n)
{
  deq_dataset *ds = NULL;
  assert_int_equal(deq_dataset_read(DEQ_TEST_DATA_DIR "/fashion_t10k_300.idx.gz", &ds),
                   DEQ_SUCCESS);
  assert_int_equal(ds->n, 300);
  assert_int_equal(deq_dataset_normalize(ds, DEQ_DATASET_UNIT), DEQ_SUCCESS);
  *n = ds->n;
  double *G = malloc(300 * 300 * sizeof *G), *K = malloc(300 * 300 * sizeof *K);
  double x[300], p[300], mean;
  assert_int_equal(deq_dataset_gram(ds, G), DEQ_SUCCESS);
  memcpy(K, G, 300 * 300 * sizeof *K);
  assert_int_equal(deq_datakernel_atoms(300, K, x, p, &mean), DEQ_SUCCESS);
  assert_close(mean, 1.0, 1e-13);
  assert_close(x[299], 89.117984, 1e-8);
  free(K);
  deq_dataset_free(ds);
  return G;
}

static deq_datapencil *make(const char *act, const double *G, size_t n, size_t L,
                            const double *gamma, deq_datapencil_kind kind,
                            deq_datapencil_slope slope)
{
  deq_datapencil *dp = NULL;
  assert_int_equal(deq_datapencil_alloc(plan(act), n, G, L, gamma, kind, slope, &dp),
                   DEQ_SUCCESS);
  return dp;
}

static void check_res(deq_datapencil *dp, double lambda, double want, const char *what)
{
  deq_result r;
  assert_int_equal(deq_datapencil_res(dp, lambda, NULL, &r), DEQ_SUCCESS);
  print_message("%s: res(%g) = %.15g (err %.2g), R24 %.15g\n", what, lambda, r.val, r.err,
                want);
  assert_true(isfinite(r.err) && r.err >= 0 && r.err < 1e-9 * r.val);
  if (!(fabs(r.val - want) <= REF_TOL * want))
    fail_msg("%s: res(%g) = %.15g, R24 %.15g", what, lambda, r.val, want);
}

/* The exact L = 1 CK through the atoms of spec(Kbar) (datakernel.h): res(lambda). */
static double atoms_res(const char *act, const double *G, size_t n, double gamma, double lam)
{
  deq_datakernel *dk = plan(act);
  double *K = malloc(n * n * sizeof *K), *x = malloc(n * sizeof *x), *p = malloc(n * sizeof *p);
  double err, mean, gam[2] = { 1.0, gamma };
  memcpy(K, G, n * n * sizeof *K);
  assert_int_equal(deq_datakernel_matrix(dk, n, K, &err), DEQ_SUCCESS);
  assert_int_equal(deq_datakernel_atoms(n, K, x, p, &mean), DEQ_SUCCESS);
  deq_input_law law = { DEQ_DATA_ATOMS, n, x, p };
  deq_pencil_params par;
  deq_pencil *pen = NULL;
  assert_int_equal(deq_datakernel_ck_params(deq_datakernel_b(dk), 1, gam, &law, &par), 0);
  assert_int_equal(deq_pencil_alloc(&par, NULL, &pen), DEQ_SUCCESS);
  deq_cresult m;
  assert_int_equal(deq_pencil_stieltjes(pen, -lam / mean, &m, NULL), DEQ_SUCCESS);
  deq_pencil_free(pen);
  free(K), free(x), free(p);
  return creal(m.val) / mean;
}

static void test_reference_values(void **state)
{
  (void) state;
  size_t n;
  double *G = fashion_gram(&n);
  double g15[2] = { 0, 1.5 }, g075[2] = { 0, 0.75 }, g2[2] = { 0, 2.0 };
  double g2l[3] = { 0, 0.75, 1.5 };
  deq_result m1, m2;
  int all = !deq_test_light();
  deq_act act;
  deq_act_fw fw;
  deq_act_parse("tanh", "act", &act);
  deq_act_fw_constants(&act, NULL, &fw);
  deq_datapencil *dp;

  if (all) {
    dp = make("erf", G, n, 1, g15, DEQ_DATAPENCIL_CK, DEQ_DATAPENCIL_SLOPE_MATCHED);
    check_res(dp, 0.1, 5.8231826944908, "CK erf L=1");
    check_res(dp, 1.0, 0.8233269728721, "CK erf L=1");
    assert_int_equal(deq_datapencil_moments(dp, &m1, &m2), DEQ_SUCCESS);
    assert_rel(m1.val, 1.0, 1e-13);
    assert_rel(m2.val, 36.375181418581, REF_TOL);
    assert_rel(atoms_res("erf", G, n, 1.5, 0.1), 5.8231826944908, REF_TOL);
    deq_datapencil_free(dp);

    dp = make("tanh", G, n, 1, g075, DEQ_DATAPENCIL_CK, DEQ_DATAPENCIL_SLOPE_MATCHED);
    check_res(dp, 0.1, 5.0018560262305, "CK tanh L=1");
    check_res(dp, 1.0, 0.8111250920467, "CK tanh L=1");
    assert_int_equal(deq_datapencil_moments(dp, &m1, &m2), DEQ_SUCCESS);
    assert_rel(m2.val, 36.562090607285, REF_TOL);
    assert_rel(atoms_res("tanh", G, n, 0.75, 1.0), 0.8111250920467, REF_TOL);
    deq_datapencil_free(dp);

    dp = make("relu", G, n, 1, g2, DEQ_DATAPENCIL_CK, DEQ_DATAPENCIL_SLOPE_MATCHED);
    check_res(dp, 0.3, 2.3555243600766, "CK relu L=1");
    deq_datapencil_free(dp);

    dp = make("tanh", G, n, 2, g2l, DEQ_DATAPENCIL_CK, DEQ_DATAPENCIL_SLOPE_B);
    check_res(dp, 0.1, 5.8472807869630, "CK tanh L=2 C3");
    assert_rel(deq_datapencil_beta(dp, 2), fw.b.val, 1e-15);
    deq_datapencil_free(dp);
  }

  dp = make("tanh", G, n, 1, g075, DEQ_DATAPENCIL_NTK, DEQ_DATAPENCIL_SLOPE_MATCHED);
  if (all)
    check_res(dp, 0.1, 2.2631472575411, "NTK tanh L=1 (N2)");
  check_res(dp, 1.0, 0.6498841738769, "NTK tanh L=1 (N2)");
  assert_int_equal(deq_datapencil_moments(dp, &m1, &m2), DEQ_SUCCESS);
  assert_rel(m1.val, 1.0 + fw.a.val, 1e-9);   /* R19: m1 = 1 + a (a from the table's k'(1)) */
  deq_datapencil_free(dp);

  dp = make("tanh", G, n, 2, g2l, DEQ_DATAPENCIL_CK, DEQ_DATAPENCIL_SLOPE_MATCHED);
  assert_rel(deq_datapencil_beta(dp, 2), 0.955544079648, 1e-11);
  if (all)
    check_res(dp, 0.1, 5.8604908807435, "CK tanh L=2 C3b");
  check_res(dp, 1.0, 0.8218043690729, "CK tanh L=2 C3b");
  deq_datapencil_free(dp);
  free(G);
}

/* Correlated samples (a common direction plus noise), unit-normalised or not. */
static double *blob_gram(size_t n, size_t d, int unit, uint64_t seed)
{
  double *X = malloc(n * d * sizeof *X), *G = malloc(n * n * sizeof *G);
  gsl_rng *r = deq_rng_alloc(seed, 0);
  deq_rng_gaussian(r, 1.0, n * d, X);
  gsl_rng_free(r);
  for (size_t a = 0; a < n; a++) {
    double s = 0;
    for (size_t k = 0; k < d; k++) {
      X[a * d + k] = X[a * d + k] / sqrt((double) d) + (k == 0 ? 0.6 : 0.0);
      s += X[a * d + k] * X[a * d + k];
    }
    double scale = unit ? 1.0 / sqrt(s) : 1.0 + 0.3 * (double) (a % 3);
    for (size_t k = 0; k < d; k++)
      X[a * d + k] *= scale;
  }
  for (size_t a = 0; a < n; a++)
    for (size_t b = 0; b < n; b++) {
      double s = 0;
      for (size_t k = 0; k < d; k++)
        s += X[a * d + k] * X[b * d + k];
      G[a * n + b] = s;
    }
  free(X);
  return G;
}

/* m2 by the pencil itself: lambda^3 (res - 1/lambda + m1/lambda^2) = m2 - m3/lambda + ...,
 * Richardson over lambda and 2 lambda leaves O(m4/lambda^2) (~1e-8 here); the tolerance is
 * the resolvents' own error bars carried through the same formula (lambda^3 err_1 +
 * 2 (2 lambda)^3 err_2), plus the moment's bar: a zeroed bar fails. */
static void check_moments(deq_datapencil *dp, const char *what)
{
  deq_result m1, m2, r1, r2;
  const double lam = 1e5;
  assert_int_equal(deq_datapencil_moments(dp, &m1, &m2), DEQ_SUCCESS);
  assert_int_equal(deq_datapencil_res(dp, lam, NULL, &r1), DEQ_SUCCESS);
  assert_int_equal(deq_datapencil_res(dp, 2 * lam, NULL, &r2), DEQ_SUCCESS);
  double e1 = lam * lam * lam * (r1.val - 1 / lam + m1.val / (lam * lam));
  double e2 = 8 * lam * lam * lam * (r2.val - 1 / (2 * lam) + m1.val / (4 * lam * lam));
  double est = 2 * e2 - e1;
  print_message("%s: m1 = %.12g, m2 = %.12g, from the resolvent %.12g\n", what, m1.val, m2.val,
                est);
  double tol = lam * lam * lam * (r1.err + 16 * r2.err) + m2.err + m1.err * 3 / lam;
  if (!(fabs(est - m2.val) <= tol))
    fail_msg("%s: m2 %.15g, from the resolvent %.15g, bars give %.3g", what, m2.val, est, tol);
}

static void test_moments(void **state)
{
  (void) state;
  const size_t n = 50;
  double g3[4] = { 0, 0.8, 1.3, 0.6 }, g1[2] = { 0, 1.2 };
  double *Gu = blob_gram(n, 30, 1, 11), *Gn = blob_gram(n, 30, 0, 12);
  const char *acts[] = { "relu", "tanh" };
  for (size_t a = 0; a < 2; a++) {
    deq_datapencil *dp = make(acts[a], Gu, n, 3, g3, DEQ_DATAPENCIL_CK,
                              DEQ_DATAPENCIL_SLOPE_MATCHED);
    check_moments(dp, acts[a]);
    deq_datapencil_free(dp);
    dp = make(acts[a], Gu, n, 1, g1, DEQ_DATAPENCIL_NTK, DEQ_DATAPENCIL_SLOPE_MATCHED);
    check_moments(dp, "NTK");
    deq_datapencil_free(dp);
  }
  /* non-unit norms (relu's closed form holds for any norms) */
  deq_datapencil *dp = make("relu", Gn, n, 3, g3, DEQ_DATAPENCIL_CK, DEQ_DATAPENCIL_SLOPE_MATCHED);
  check_moments(dp, "relu, norms 1, 1.3, 1.6");
  deq_datapencil_free(dp);
  dp = make("erf", Gn, n, 1, g1, DEQ_DATAPENCIL_NTK, DEQ_DATAPENCIL_SLOPE_MATCHED);
  check_moments(dp, "erf NTK, norms 1, 1.3, 1.6");
  deq_datapencil_free(dp);
  free(Gu), free(Gn);
}

/* res(lambda) of the matrix pencil dp equals that of the scalar pencil pen at lambda =
 * 0.05, 0.2, 0.8, 3.2, within tol relative plus both bars. */
static void same_res(deq_datapencil *dp, deq_pencil *pen, double tol, const char *act,
                     const char *what)
{
  for (double lam = 0.05; lam < 5; lam *= 4) {
    deq_cresult m;
    deq_result r;
    assert_int_equal(deq_pencil_stieltjes(pen, -lam, &m, NULL), DEQ_SUCCESS);
    assert_int_equal(deq_datapencil_res(dp, lam, NULL, &r), DEQ_SUCCESS);
    if (!(fabs(r.val - creal(m.val)) <= tol * creal(m.val) + r.err + m.err))
      fail_msg("%s %s res(%g): %.17g vs the scalar pencil %.17g", act, what, lam, r.val,
               creal(m.val));
  }
}

/* Orthonormal samples: K_0 = I, Kbar_l = I, every beta_l = b (k'(0) = b), A_{l-1} = (1 - b) I:
 * the pencil is ck_ntk's iterated MP map with mu_0 = delta_1 (CK), and N2 is FW's NTK
 * (a - b) I + b K_0 + K_1 with K_0 = I (S21). */
static void test_orthonormal(void **state)
{
  (void) state;
  const size_t n = 40;
  double *G = calloc(n * n, sizeof *G);
  for (size_t a = 0; a < n; a++)
    G[a * n + a] = 1.0;
  double gam[4] = { 1.0, 1.5, 0.7, 1.2 }, one = 1.0, pone = 1.0;
  deq_input_law law = { DEQ_DATA_ATOMS, 1, &one, &pone };
  const char *acts[] = { "relu", "erf", "tanh" };
  for (size_t a = 0; a < 3; a++) {
    deq_act act;
    deq_act_fw fw;
    deq_act_parse(acts[a], "act", &act);
    deq_act_fw_constants(&act, NULL, &fw);
    double tol = a == 2 ? 1e-8 : 1e-12;   /* tanh: the table's k(0) = 0 +- its bound */
    for (size_t L = 1; L <= 3; L++) {
      deq_pencil_params par;
      deq_pencil *pen = NULL;
      assert_int_equal(deq_datakernel_ck_params(fw.b.val, L, gam, &law, &par), 0);
      assert_int_equal(deq_pencil_alloc(&par, NULL, &pen), DEQ_SUCCESS);
      deq_datapencil *dp = make(acts[a], G, n, L, gam, DEQ_DATAPENCIL_CK,
                                DEQ_DATAPENCIL_SLOPE_MATCHED);
      same_res(dp, pen, tol, acts[a], L == 1 ? "CK L = 1" : L == 2 ? "CK L = 2" : "CK L = 3");
      deq_datapencil_free(dp), deq_pencil_free(pen);
    }
    deq_pencil_params par = { 0 };
    deq_pencil *pen = NULL;
    par.L = 1;
    par.gamma[0] = 1.0;
    par.gamma[1] = gam[1];
    par.b[1] = fw.b.val;
    par.q[0] = fw.b.val;
    par.q[1] = 1.0;
    par.r = fw.a.val - fw.b.val;
    par.input = law;
    assert_int_equal(deq_pencil_alloc(&par, NULL, &pen), DEQ_SUCCESS);
    deq_datapencil *dp = make(acts[a], G, n, 1, gam, DEQ_DATAPENCIL_NTK,
                              DEQ_DATAPENCIL_SLOPE_MATCHED);
    same_res(dp, pen, tol, acts[a], "NTK (FW)");
    deq_datapencil_free(dp), deq_pencil_free(pen);
  }
  free(G);
}

/* Small lambda through the ladder (gamma > 1: delta ~ 1/lambda): lambda res(lambda) tends to
 * the atom at 0, 1 - 1/gamma_L for a last layer narrower than n (rank K_L <= d_L), with an
 * O(lambda) remainder c lambda; c is measured from two lambdas and the test allows 2 |c| lambda
 * plus the bars. */
static void test_small_lambda(void **state)
{
  (void) state;
  const size_t n = 50;
  double *G = blob_gram(n, 30, 1, 11), g[4] = { 0, 3.0, 3.0, 3.0 }, gn[2] = { 0, 2.0 };
  const char *acts[] = { "relu", "tanh" };
  for (size_t a = 0; a < 2; a++)
    for (int ntk = 0; ntk < 2; ntk++) {
      deq_datapencil *dp = make(acts[a], G, n, ntk ? 1 : 3, ntk ? gn : g,
                                ntk ? DEQ_DATAPENCIL_NTK : DEQ_DATAPENCIL_CK,
                                DEQ_DATAPENCIL_SLOPE_MATCHED);
      deq_result r1, r2;
      const double l1 = 1e-4, l2 = 1e-5;
      assert_int_equal(deq_datapencil_res(dp, l1, NULL, &r1), DEQ_SUCCESS);
      assert_int_equal(deq_datapencil_res(dp, l2, NULL, &r2), DEQ_SUCCESS);
      double c = (l1 * r1.val - l2 * r2.val) / (l1 - l2);
      /* the NTK has no atom at 0: D_x = Kdot o K_0 >= (a - b) I > 0 for these activations */
      double atom = ntk ? 0.0 : 1.0 - 1.0 / 3.0, got = l2 * r2.val;
      print_message("%s %s: lambda res(lambda) = %.10g at %g, atom %g\n", acts[a],
                    ntk ? "NTK" : "CK L = 3", got, l2, atom);
      if (!(fabs(got - atom) <= 2 * fabs(c) * l2 + l2 * r2.err + 1e-15))
        fail_msg("%s %s: lambda res = %.15g, atom %.15g, remainder c lambda = %.3g", acts[a],
                 ntk ? "NTK" : "CK", got, atom, c * l2);
      deq_datapencil_free(dp);
    }
  free(G);
}

static void test_misuse(void **state)
{
  (void) state;
  double G[4] = { 1, 0.2, 0.2, 1 }, g[3] = { 0, 1, 1 }, bad[2] = { 0, -1 };
  deq_datakernel *dk = plan("relu");
  deq_datapencil *dp = (deq_datapencil *) 1;
  assert_int_equal(deq_datapencil_alloc(dk, 2, G, 2, g, DEQ_DATAPENCIL_NTK, 0, &dp), DEQ_EINVAL);
  assert_null(dp);
  assert_int_equal(deq_datapencil_alloc(NULL, 2, G, 1, g, 0, 0, &dp), DEQ_EINVAL);
  assert_int_equal(deq_datapencil_alloc(dk, 0, G, 1, g, 0, 0, &dp), DEQ_EINVAL);
  assert_int_equal(deq_datapencil_alloc(dk, 2, G, 1, bad, 0, 0, &dp), DEQ_EINVAL);
  assert_int_equal(deq_datapencil_alloc(dk, 2, G, 1, g, 0, 7, &dp), DEQ_EINVAL);
  assert_int_equal(deq_datapencil_alloc(dk, 2, NULL, 1, g, 0, 0, &dp), DEQ_EINVAL);
  assert_int_equal(deq_datapencil_alloc(dk, 2, G, 1, g, 0, 0, NULL), DEQ_EINVAL);
  G[1] = NAN;
  assert_int_equal(deq_datapencil_alloc(dk, 2, G, 1, g, 0, 0, &dp), DEQ_EINVAL);
  G[1] = 0.2;
  assert_int_equal(deq_datapencil_alloc(dk, 2, G, 1, g, 0, 0, &dp), DEQ_SUCCESS);
  deq_result r, m1, m2;
  assert_int_equal(deq_datapencil_res(dp, 0.0, NULL, &r), DEQ_EINVAL);
  assert_true(isnan(r.val));
  assert_int_equal(deq_datapencil_res(dp, NAN, NULL, &r), DEQ_EINVAL);
  assert_int_equal(deq_datapencil_res(NULL, 1.0, NULL, &r), DEQ_EINVAL);
  assert_int_equal(deq_datapencil_res(dp, 1.0, NULL, NULL), DEQ_EINVAL);
  assert_int_equal(deq_datapencil_moments(NULL, &m1, &m2), DEQ_EINVAL);
  assert_true(isnan(deq_datapencil_beta(dp, 2)));
  assert_true(isnan(deq_datapencil_beta(NULL, 1)));
  assert_true(isnan(deq_datakernel_b(NULL)));
  deq_datapencil_free(dp);
  deq_datapencil_free(NULL);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_reference_values),
    cmocka_unit_test(test_orthonormal),
    cmocka_unit_test(test_moments),
    cmocka_unit_test(test_small_lambda),
    cmocka_unit_test(test_misuse),
  };
  return cmocka_run_group_tests(tests, NULL, free_plans);
}

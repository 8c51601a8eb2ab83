/* deqnn/datakernel.h: the expected kernel against direct 2-D quadrature (nested QAGIU of
 * src/core/gauss.h: an independent route), the table's error bound held to account, the
 * atoms, and the CK on data against the CK of deqnn/ck.h in the two cases where they must
 * agree: orthonormal samples (exactly) and iid Gaussian samples (up to finite n). */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"
#include "core/gauss.h"
#include "deqnn/ck.h"
#include "deqnn/datakernel.h"
#include "deqnn/dataset.h"
#include "deqnn/rng.h"

typedef struct {
  deq_act act;
  deq_act_fw fw;
  double a, s;       /* v = a z1 + s z2 */
  double ra;         /* u = ra z1 */
  double z1;
  int deriv;         /* 1: sigma' sigma' */
} pair;

static double sig(const pair *p, double x)
{
  return p->deriv ? deq_act_deriv(&p->act, x) / p->fw.scale
                  : (deq_act_eval(&p->act, x) - p->fw.shift) / p->fw.scale;
}

/* Direct quadrature well below the table's error (1.8e-11 for tanh), so that a bar shrunk
 * below the truth is caught. */
static const deq_opts *tight(void)
{
  static _Thread_local deq_opts o;
  deq_opts_init(&o);
  o.quad_epsabs = 1e-15;
  o.quad_epsrel = 1e-14;
  return &o;
}

static void inner(double z2, void *params, double *v)
{
  const pair *p = params;
  v[0] = sig(p, p->a * p->z1 + p->s * z2);
}

static void outer(double z1, void *params, double *v)
{
  pair *p = params;
  deq_result in;
  p->z1 = z1;
  deq_gauss_expect(inner, p, 1, tight(), &in);
  v[0] = sig(p, p->ra * z1) * in.val;
}

/* E sigma(u) sigma(v) (or sigma' sigma'), (u, v) with covariance [[qa, c], [c, qb]]; *qerr
 * the quadrature's error estimate (relu's kink inside the inner integral can leave QAGIU
 * short of its tolerance: DEQ_ETOL with an honest estimate). */
static double direct_err(const deq_act *act, double qa, double qb, double c, int deriv,
                         double *qerr)
{
  pair p;
  memset(&p, 0, sizeof p);
  p.act = *act;
  p.deriv = deriv;
  assert_int_equal(deq_act_fw_constants(act, NULL, &p.fw), DEQ_SUCCESS);
  p.ra = sqrt(qa);
  p.a = c / p.ra;
  p.s = sqrt(fmax(0.0, qb - c * c / qa));
  deq_result r;
  int st = deq_gauss_expect(outer, &p, 1, tight(), &r);
  assert_true(st == DEQ_SUCCESS || st == DEQ_ETOL);
  *qerr = r.err;
  return r.val;
}

static double direct(const deq_act *act, double qa, double qb, double c, int deriv)
{
  double e;
  return direct_err(act, qa, qb, c, deriv, &e);
}

#define QUAD_TOL 1e-13   /* nested QAGIU at tight() */

/* The unit-norm routes (Hermite series, tables) and the points they are tested at: the ends,
 * the midpoints of the end intervals (where the interpolation error is largest), inside. */
#define TABLE_H (2.0 / (DEQ_DATAKERNEL_TABLE_NODES - 1))
static const char *const UNIT_ACTS[] = { "he2", "poly:0.3,1,0.5,-0.4", "tanh", "sigmoid",
                                         "softplus" };
#define N_UNIT_ACTS (sizeof UNIT_ACTS / sizeof UNIT_ACTS[0])
static const double RHO[] = { -1, -1 + 0.5 * TABLE_H, -0.8123, -0.31, 0, 0.0137, 0.5, 0.9,
                              1 - 0.5 * TABLE_H, 1 - 0.27 * TABLE_H, 1 };
#define N_RHO (sizeof RHO / sizeof RHO[0])

static deq_datakernel *plan(const char *name)
{
  deq_act act;
  deq_datakernel *dk = NULL;
  assert_int_equal(deq_act_parse(name, "act", &act), DEQ_SUCCESS);
  assert_int_equal(deq_datakernel_alloc(&act, NULL, &dk), DEQ_SUCCESS);
  return dk;
}

static void check_against_direct(const deq_datakernel *dk, const char *name, double qa,
                                 double qb, double c)
{
  deq_act act;
  deq_act_parse(name, "act", &act);
  deq_result k;
  assert_int_equal(deq_datakernel_eval(dk, qa, qb, c, &k), DEQ_SUCCESS);
  double qerr, ref = direct_err(&act, qa, qb, c, 0, &qerr);
  if (!(fabs(k.val - ref) <= k.err + qerr + QUAD_TOL))
    fail_msg("%s (%g, %g, %g): %.17g vs direct %.17g, err %g", name, qa, qb, c, k.val, ref, k.err);
}

/* linear, relu, erf: closed forms for any norms. */

static void test_closed_forms(void **state)
{
  (void) state;
  const double cases[][3] = { { 1, 1, 0.3 }, { 1, 1, -0.97 }, { 2.385, 0.4, 0.6 },
                              { 0.3, 1.7, -0.7 }, { 1, 1, 1 }, { 4, 0.25, 0 } };
  const char *acts[] = { "linear", "relu", "erf" };
  for (size_t a = 0; a < 3; a++) {
    deq_datakernel *dk = plan(acts[a]);
    assert_int_equal(deq_datakernel_any_norm(dk), 1);
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k += deq_test_light() ? 3 : 1)
      check_against_direct(dk, acts[a], cases[k][0], cases[k][1], cases[k][2]);
    deq_datakernel_free(dk);
  }
}

/* he2, poly (Hermite) and tanh, sigmoid, softplus (table): unit norms. */
static void test_unit_routes(void **state)
{
  (void) state;
  const char *const *acts = UNIT_ACTS;
  const double *rho = RHO;
  for (size_t a = 0; a < N_UNIT_ACTS; a++) {
    deq_datakernel *dk = plan(acts[a]);
    assert_int_equal(deq_datakernel_any_norm(dk), 0);
    deq_result k;
    assert_int_equal(deq_datakernel_eval(dk, 1, 1, 0, &k), DEQ_SUCCESS);
    assert_true(fabs(k.val) <= k.err + 1e-15);   /* E sigma = 0: k(0) = 0 */
    assert_true(k.err < 1e-9);
    print_message("%-20s entry error bound %.3g\n", acts[a], k.err);
    for (size_t r = deq_test_light() ? 1 : 0; r < N_RHO; r += deq_test_light() ? 5 : 1)
      check_against_direct(dk, acts[a], 1, 1, rho[r]);
    assert_int_equal(deq_datakernel_eval(dk, 1.5, 1, 0.2, &k), DEQ_EINVAL);
    deq_datakernel_free(dk);
  }
}

/* The derivative kernel k' = E sigma' sigma' (deq_datakernel_deriv_matrix on a 2 x 2 Gram
 * matrix) against direct quadrature of sigma' sigma': closed forms with any norms, the unit
 * routes (Hermite series, tables interpolated with their k'' table) at the same points as
 * k, diagonal included (k'(1) = a); and the tanh bar within 1e4 of its largest miss. */
static double deriv_entry(const deq_datakernel *dk, double qa, double qb, double c, int diag,
                          double *err)
{
  double G[4] = { qa, c, c, qb };
  assert_int_equal(deq_datakernel_deriv_matrix(dk, 2, G, err), DEQ_SUCCESS);
  assert_true(G[1] == G[2]);
  return diag ? G[0] : G[1];
}

/* relu's k' by Price's theorem as dk/dc of the closed-form k (a second route): a central
 * difference with h = 1e-4 sqrt(q_a q_b), truncation h^2 |k'''|/6 and round-off eps/h; on
 * the diagonal (|c| = sqrt(q_a q_b)) the reference is P(u > 0, v > 0) = 1/2 over scale^2. */
static double relu_deriv_fd(const deq_datakernel *dk, double qa, double qb, double c,
                            double *err)
{
  double r = sqrt(qa * qb), h = 1e-4 * r;
  if (fabs(c) >= r) {
    deq_act act;
    deq_act_fw fw;
    deq_act_parse("relu", "act", &act);
    deq_act_fw_constants(&act, NULL, &fw);
    *err = 1e-15;
    return 0.5 / (fw.scale * fw.scale);
  }
  deq_result kp, km;
  assert_int_equal(deq_datakernel_eval(dk, qa, qb, c + h, &kp), DEQ_SUCCESS);
  assert_int_equal(deq_datakernel_eval(dk, qa, qb, c - h, &km), DEQ_SUCCESS);
  double third = 1.0 / (r * r * pow(1 - fmin(0.999, fabs(c) / r), 1.5));   /* ~ |k'''| */
  *err = h * h * third + 8 * DBL_EPSILON * (1 + fmax(qa, qb)) / h;
  return (kp.val - km.val) / (2 * h);
}

static void test_deriv_kernel(void **state)
{
  (void) state;
  size_t step = deq_test_light() ? 5 : 1;
  const double cases[][3] = { { 1, 1, 0.3 }, { 1, 1, -0.97 }, { 2.385, 0.4, 0.6 },
                              { 0.3, 1.7, -0.7 }, { 4, 0.25, 0 } };
  const char *any[] = { "linear", "relu", "erf" };
  for (size_t a = 0; a < 3; a++) {
    deq_datakernel *dk = plan(any[a]);
    deq_act act;
    deq_act_parse(any[a], "act", &act);
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k += step)
      for (int diag = 0; diag < 2; diag++) {
        const double *c = cases[k];
        double err, qerr, got = deriv_entry(dk, c[0], c[1], c[2], diag, &err);
        double qb = diag ? c[0] : c[1], cc = diag ? c[0] : c[2], ref;
        if (act.kind == DEQ_ACT_RELU)   /* sigma' is a step: QAGIU misses by ~1e-5 there */
          ref = relu_deriv_fd(dk, c[0], qb, cc, &qerr);
        else
          ref = direct_err(&act, c[0], qb, cc, 1, &qerr);
        if (!(fabs(got - ref) <= err + qerr + QUAD_TOL))
          fail_msg("%s k' (%g, %g, %g)%s: %.17g vs direct %.17g", any[a], c[0], c[1], c[2],
                   diag ? " diagonal" : "", got, ref);
      }
    deq_datakernel_free(dk);
  }
  const char *const *unit = UNIT_ACTS;
  const double *rho = RHO;
  for (size_t a = 0; a < N_UNIT_ACTS; a++) {
    deq_datakernel *dk = plan(unit[a]);
    deq_act act;
    deq_act_parse(unit[a], "act", &act);
    double worst = 0, bound = 0;
    for (size_t r = step == 1 ? 0 : 1; r < N_RHO; r += step) {
      double err, qerr, got = deriv_entry(dk, 1, 1, rho[r], 0, &err);
      double ref = direct_err(&act, 1, 1, rho[r], 1, &qerr);
      if (!(fabs(got - ref) <= err + qerr + QUAD_TOL))
        fail_msg("%s k'(%g): %.17g vs direct %.17g (bar %.3g)", unit[a], rho[r], got, ref, err);
      worst = fmax(worst, fabs(got - ref));
      bound = err;
    }
    double err, a_fw = deriv_entry(dk, 1, 1, 1, 1, &err);
    deq_act_fw fw;
    deq_act_fw_constants(&act, NULL, &fw);
    assert_close(a_fw, fw.a.val, err + fw.a.err + 1e-14);
    print_message("%-20s k' bound %.3g, largest difference from direct %.3g\n", unit[a], bound,
                  worst);
    if (strcmp(unit[a], "tanh") == 0 && step == 1)
      assert_true(bound <= 1e4 * fmax(worst, QUAD_TOL));
    deq_datakernel_free(dk);
  }
}

/* The bar is not absurdly wide either: the table's error bound is within 1e4 of the largest
 * difference from direct quadrature found on 12 points (where the difference is above the
 * quadrature's own tolerance). */
static void test_table_bar_width(void **state)
{
  (void) state;
  if (deq_test_light())
    return;   /* values, not memory: the full run checks them */
  deq_act act;
  deq_act_parse("tanh", "act", &act);
  deq_datakernel *dk = plan("tanh");
  double worst = 0, err = 0;
  for (int i = 0; i < 12; i++) {
    double rho = 1 - 0.05 * pow(1.5, -i);   /* towards rho = 1, where k'''' is largest */
    deq_result k;
    deq_datakernel_eval(dk, 1, 1, rho, &k);
    worst = fmax(worst, fabs(k.val - direct(&act, 1, 1, rho, 0)));
    err = k.err;
  }
  print_message("tanh table: bound %.3g, largest difference from direct %.3g\n", err, worst);
  assert_true(worst <= err + QUAD_TOL);
  assert_true(err <= 1e4 * fmax(worst, QUAD_TOL));
  deq_datakernel_free(dk);
}

static void test_matrix_atoms(void **state)
{
  (void) state;
  double G[9] = { 1, 0.2, -0.5, 0.2, 1, 0.1, -0.5, 0.1, 1 }, K[9];
  const char *acts[] = { "relu", "tanh" };
  for (size_t a = 0; a < 2; a++) {
    deq_datakernel *dk = plan(acts[a]);
    double err;
    memcpy(K, G, sizeof K);
    assert_int_equal(deq_datakernel_matrix(dk, 3, K, &err), DEQ_SUCCESS);
    for (int i = 0; i < 3; i++)
      for (int j = 0; j < 3; j++) {
        deq_result k;
        deq_datakernel_eval(dk, 1, 1, G[3 * i + j], &k);
        assert_close(K[3 * i + j], i == j ? 1.0 : k.val, i == j ? k.err + 1e-15 : 0);
        assert_true(K[3 * i + j] == K[3 * j + i]);
      }
    deq_datakernel_free(dk);
  }
  double D[9] = { 1, 0, 0, 0, 3, 0, 0, 0, 2 }, x[3], p[3], mean;
  assert_int_equal(deq_datakernel_atoms(3, D, x, p, &mean), DEQ_SUCCESS);
  assert_close(mean, 2, 1e-15);
  assert_close(x[0], 0.5, 1e-15);
  assert_close(x[1], 1.0, 1e-15);
  assert_close(x[2], 1.5, 1e-15);
  assert_close(p[1], 1.0 / 3, 1e-16);
  double Z[9] = { 1e-15, 0, 0, 0, 2, 0, 0, 0, -1e-16 };   /* round-off of exact zeros */
  double xz[3], pz[3];
  assert_int_equal(deq_datakernel_atoms(3, Z, xz, pz, &mean), DEQ_SUCCESS);
  assert_true(xz[0] == 0 && xz[1] == 0);
  assert_close(xz[2], 3.0, 1e-15);   /* mean 1 restored */
  deq_input_law law = { DEQ_DATA_ATOMS, 3, x, p };
  deq_pencil_params par;
  double g[4] = { 0.1, 1.5, 0.7, 2.385 };
  assert_int_equal(deq_datakernel_ck_params(0.6, 3, g, &law, &par), DEQ_SUCCESS);
  assert_true(par.b[1] == 1 && par.b[2] == 0.6 && par.b[3] == 0.6 && par.q[3] == 1);
}

/* A data set held in memory (as deq_dataset_read would leave it). */
static deq_dataset *mem_dataset(size_t n, size_t d)
{
  deq_dataset *ds = calloc(1, sizeof *ds);
  ds->n = ds->n_file = n;
  ds->d = d;
  ds->x = calloc(n * d, sizeof *ds->x);
  ds->index = calloc(n, sizeof *ds->index);
  ds->normalized = -1;
  snprintf(ds->path, sizeof ds->path, "memory");
  return ds;
}

/* The pencil of the CK on the data ds (preprocessed) for activation name, L layers. */
static deq_pencil *data_pencil(deq_dataset *ds, const char *name, size_t L, const double *g)
{
  size_t n = ds->n;
  double *G = malloc(n * n * sizeof *G), *x = malloc(n * sizeof *x), *p = malloc(n * sizeof *p);
  double err, mean, gam[DEQ_PENCIL_MAXL + 1];
  deq_datakernel *dk = plan(name);
  deq_act act;
  deq_act_fw fw;
  deq_act_parse(name, "act", &act);
  deq_act_fw_constants(&act, NULL, &fw);
  assert_int_equal(deq_dataset_gram(ds, G), DEQ_SUCCESS);
  assert_int_equal(deq_datakernel_matrix(dk, n, G, &err), DEQ_SUCCESS);
  assert_int_equal(deq_datakernel_atoms(n, G, x, p, &mean), DEQ_SUCCESS);
  assert_close(mean, 1.0, 1e-12);
  gam[0] = (double) n / (double) ds->d;
  memcpy(gam + 1, g, L * sizeof *g);
  deq_input_law law = { DEQ_DATA_ATOMS, n, x, p };
  deq_pencil_params par;
  deq_pencil *pen = NULL;
  assert_int_equal(deq_datakernel_ck_params(fw.b.val, L, gam, &law, &par), DEQ_SUCCESS);
  assert_int_equal(deq_pencil_alloc(&par, NULL, &pen), DEQ_SUCCESS);
  free(G), free(x), free(p);
  deq_datakernel_free(dk);
  return pen;
}

/* Orthonormal samples: Gram = I, Kbar = I (k(1) = 1, k(0) = (E sigma)^2 = 0), so the CK on the
 * data is the CK of --input orthonormal exactly, for every L (ck_ntk S8 with mu_0 = delta_1). */
static void test_orthonormal_exact(void **state)
{
  (void) state;
  const char *acts[] = { "relu", "erf", "tanh" };
  const double g[2] = { 1.5, 0.7 };
  const deq_complex z[3] = { 0.7 + 0.1 * I, -0.5, 2.0 + 0.01 * I };
  for (size_t a = 0; a < 3; a++)
    for (size_t L = 1; L <= 2; L++) {
      deq_dataset *ds = mem_dataset(60, 90);
      for (size_t k = 0; k < 60; k++)
        ds->x[k * 90 + k + 30] = 1.0;
      ds->normalized = DEQ_DATASET_NONE;
      deq_pencil *pd = data_pencil(ds, acts[a], L, g), *po = NULL;
      deq_act act;
      deq_act_parse(acts[a], "act", &act);
      double gam[3] = { 60.0 / 90, g[0], g[1] };
      deq_input_law orth = { DEQ_DATA_ORTHONORMAL, 0, NULL, NULL };
      assert_int_equal(deq_ck_alloc(&act, L, gam, &orth, NULL, &po), DEQ_SUCCESS);
      double tol = a == 2 ? 1e-8 : 1e-12;   /* tanh: the table's k(0) = 0 +- its bound */
      for (size_t k = 0; k < 3; k++) {
        deq_cresult md, mo;
        assert_int_equal(deq_pencil_stieltjes(pd, z[k], &md, NULL), DEQ_SUCCESS);
        assert_int_equal(deq_pencil_stieltjes(po, z[k], &mo, NULL), DEQ_SUCCESS);
        if (!(cabs(md.val - mo.val) <= tol * cabs(mo.val)))
          fail_msg("%s L = %zu z = %g%+gi: %.17g vs %.17g", acts[a], L, creal(z[k]),
                   cimag(z[k]), creal(md.val), creal(mo.val));
      }
      deq_pencil_free(pd), deq_pencil_free(po), deq_dataset_free(ds);
    }
}

/* iid Gaussian samples, centred and scaled: spec(Kbar) -> (1 - b) + b MP(gamma_0) (El Karoui
 * 2010), so the CK on the data approaches the CK of --input gaussian; at n = 800 the
 * difference of (1/n) tr (K + lambda)^-1 is a finite-n one, measured and bounded here. */
static void test_gaussian_close(void **state)
{
  (void) state;
  if (deq_test_light())
    return;   /* values, not memory: the full run checks them */
  const size_t n = 800, d = 1600;
  const char *acts[] = { "relu", "tanh" };
  const double lam[3] = { 0.05, 0.5, 2.0 }, g[1] = { 1.5 };
  for (size_t a = 0; a < 2; a++) {
    deq_dataset *ds = mem_dataset(n, d);
    gsl_rng *r = deq_rng_alloc(20261130, 0);
    deq_rng_gaussian(r, 1.0, n * d, ds->x);
    gsl_rng_free(r);
    assert_int_equal(deq_dataset_normalize(ds, DEQ_DATASET_UNIT), DEQ_SUCCESS);
    deq_pencil *pd = data_pencil(ds, acts[a], 1, g), *pg = NULL;
    deq_act act;
    deq_act_parse(acts[a], "act", &act);
    double gam[2] = { 0.5, 1.5 };
    deq_input_law gl = { DEQ_DATA_GAUSSIAN, 0, NULL, NULL };
    assert_int_equal(deq_ck_alloc(&act, 1, gam, &gl, NULL, &pg), DEQ_SUCCESS);
    for (size_t k = 0; k < 3; k++) {
      deq_cresult md, mg;
      deq_pencil_stieltjes(pd, -lam[k], &md, NULL);
      deq_pencil_stieltjes(pg, -lam[k], &mg, NULL);
      double rel = fabs(creal(md.val) / creal(mg.val) - 1);
      print_message("%s n = %zu: res(%g) data %.8f gaussian %.8f, relative difference %.2e\n",
                    acts[a], n, lam[k], creal(md.val), creal(mg.val), rel);
      assert_true(rel < 5e-3);
    }
    deq_pencil_free(pd), deq_pencil_free(pg), deq_dataset_free(ds);
  }
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_closed_forms),
    cmocka_unit_test(test_unit_routes),
    cmocka_unit_test(test_table_bar_width),
    cmocka_unit_test(test_deriv_kernel),
    cmocka_unit_test(test_matrix_atoms),
    cmocka_unit_test(test_orthonormal_exact),
    cmocka_unit_test(test_gaussian_close),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

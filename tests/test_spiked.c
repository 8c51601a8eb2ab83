/* Tests for the spiked random-features module (spiked_rf S1-S21, limiting cases section 7). */
#include <float.h>
#include <stdio.h>
#include <string.h>
#include <gsl/gsl_integration.h>
#include "testutil.h"
#include "core/gauss.h"
#include "deqnn/mp.h"
#include "deqnn/rf.h"
#include "deqnn/spiked.h"

/* The spec's running target f*(t) = t + (t^2 - 1)/2 = He1 + (1/sqrt 2) He2/sqrt 2. */
static const char *const target = "poly:0,1,0.70710678118654752,0";


static deq_act parse(const char *name)
{
  deq_act a;
  assert_int_equal(deq_act_parse(name, "--act", &a), DEQ_SUCCESS);
  return a;
}

static deq_srf_plan *plan_p(const char *act, const char *teacher, double r, double c,
                            double gamma, size_t panels)
{
  deq_act a = parse(act), t = parse(teacher);
  deq_srf_weights w = { .spike = r, .bulk_variance = c, .alignment = gamma };
  deq_srf_plan *P;
  assert_int_equal(deq_srf_plan_alloc_panels(&a, &t, &w, panels, NULL, &P), DEQ_SUCCESS);
  return P;
}

static deq_srf_plan *plan(const char *act, const char *teacher, double r, double c, double gamma)
{
  return plan_p(act, teacher, r, c, gamma, 240);
}

static deq_srf_bulk bulk(deq_srf_plan *P, double phi, double sample_ratio, double complex z)
{
  deq_srf_params p = { phi, sample_ratio, 1.0, 0.0 };
  deq_srf_bulk b;
  assert_int_equal(deq_srf_stieltjes(P, &p, z, NULL, &b), DEQ_SUCCESS);
  return b;
}

static deq_srf_risk risk(deq_srf_plan *P, double phi, double sample_ratio, double lambda,
                         double noise)
{
  deq_srf_params p = { phi, sample_ratio, lambda, noise };
  deq_srf_risk r;
  assert_int_equal(deq_srf_risk_eval(P, &p, NULL, &r), DEQ_SUCCESS);
  assert_int_equal(r.status, DEQ_SUCCESS);
  return r;
}

/* |a - b| <= ea + eb (+ slack), with a readable message. */
static void assert_agree(double a, double ea, double b, double eb, double slack)
{
  if (!(fabs(a - b) <= ea + eb + slack))
    fail_msg("%.17g +- %.3g and %.17g +- %.3g differ by %.3g", a, ea, b, eb, fabs(a - b));
}

/* --- S1-S5: closed forms against the project's Gaussian-expectation helper ------------- */

typedef struct {
  deq_act act;
  double c, s;
} shifted;

static void shifted_fn(double x, void *params, double *v)
{
  const shifted *S = params;
  double h = S->s + sqrt(S->c) * x, f = deq_act_eval(&S->act, h);
  v[0] = f, v[1] = x * f / sqrt(S->c), v[2] = f * f;   /* mu1 by Stein (S2): no jump */
}

/* relu: GSL QAGIU from the kink -s/sqrt(c), where the integrand is smooth (the helper splits
 * at the origin only, and misreports its error for a kink elsewhere). */
typedef struct {
  double c, s;
  int j;
} relu_part;

static double relu_integrand(double x, void *params)
{
  const relu_part *R = params;
  double f = R->s + sqrt(R->c) * x, v = R->j == 0 ? f : R->j == 1 ? x * f / sqrt(R->c) : f * f;
  return v * exp(-0.5 * x * x) / sqrt(2 * M_PI);
}

static void relu_reference(double c, double s, deq_result q[3])
{
  gsl_integration_workspace *ws = gsl_integration_workspace_alloc(1000);
  for (int j = 0; j < 3; j++) {
    relu_part R = { c, s, j };
    gsl_function F = { relu_integrand, &R };
    assert_int_equal(gsl_integration_qagiu(&F, -s / sqrt(c), 1e-15, 1e-13, 1000, ws, &q[j].val,
                                           &q[j].err), 0);
  }
  gsl_integration_workspace_free(ws);
}

static void test_coef_closed_forms(void **state)
{
  (void) state;
  const char *acts[] = { "relu", "erf", "he2", "linear", "tanh" };
  double shifts[] = { 0.0, -1.7, 0.83, 3.1 }, cs[] = { 1.0, 2.385 };
  for (size_t a = 0; a < 5; a++)
    for (size_t i = 0; i < 4; i++)
      for (size_t j = 0; j < 2; j++) {
        shifted S = { parse(acts[a]), cs[j], shifts[i] };
        deq_result q[3], out[3];
        if (a == 0)
          relu_reference(S.c, S.s, q);
        else
          assert_int_equal(deq_gauss_expect(shifted_fn, &S, 3, NULL, q), DEQ_SUCCESS);
        assert_int_equal(deq_srf_coef(&S.act, S.c, S.s, out), DEQ_SUCCESS);
        double mus2 = q[2].val - q[0].val * q[0].val - S.c * q[1].val * q[1].val;
        for (int m = 0; m < 2; m++) {
          assert_agree(out[m].val, out[m].err, q[m].val, q[m].err, 0);
          assert_true(out[m].err < 1e-8 * fmax(1, fabs(out[m].val)));
        }
        double emus2 = q[2].err + 2 * fabs(q[0].val) * q[0].err + 2 * S.c * fabs(q[1].val) * q[1].err;
        assert_agree(out[2].val, out[2].err, fmax(mus2, 0.0), emus2, 0);
      }
  /* S5 at s = 0: E erf^2 = (2/pi) asin(2c/(1 + 2c)); S3 at r = 0 is the usual mu_*^2. */
  deq_act e = parse("erf");
  deq_result out[3];
  assert_int_equal(deq_srf_coef(&e, 2.385, 0.0, out), DEQ_SUCCESS);
  double c = 2.385, mu1 = 2 / sqrt(M_PI) / sqrt(1 + 2 * c);
  assert_within(out[2], 2 / M_PI * asin(2 * c / (1 + 2 * c)) - c * mu1 * mu1, 1e-14);
}

/* --- S6-S9 exact cases ------------------------------------------------------------------ */

/* MP-Silverstein (spiked_rf 7.1): m = int dH(t)/(t k - z), k = 1 - psi - psi z m, with
 * H = c MP(phi).  Solved here by Newton with a difference derivative, continued in Im z from
 * Im z + 10 (a test may iterate; the library may not). */
static double complex silverstein_g(double complex z, double complex m, double phi, double psi,
                                    double c)
{
  double complex k = 1 - psi - psi * z * m, mh;
  assert_int_equal(deq_mp_stieltjes(z / (k * c), phi, &mh), DEQ_SUCCESS);
  return m - mh / (k * c);
}

static double complex silverstein(double complex z, double phi, double psi, double c)
{
  double complex m = -1.0 / (z + 10 * I);
  for (int rung = 10; rung >= 0; rung--) {
    double complex zz = z + I * (double) rung;
    for (int it = 0; it < 100; it++) {
      double complex F = silverstein_g(zz, m, phi, psi, c), h = 1e-7 * (1 + cabs(m));
      double complex dF = (silverstein_g(zz, m + h, phi, psi, c) - F) / h;
      m -= F / dF;
      if (cabs(F) < 1e-15 * cabs(m))
        break;
    }
  }
  assert_true(cabs(silverstein_g(z, m, phi, psi, c)) < 1e-14 * cabs(m));
  return m;
}

static void test_linear_bulk(void **state)
{
  (void) state;
  double complex zs[] = { 0.3 + 0.2 * I, 2.7 + 0.5 * I, -1.3 + 0.1 * I, 6.1 + 0.3 * I };
  double rs[] = { 0.0, 0.7, 2.0 };
  for (size_t cc = 0; cc < 2; cc++) {
    double c = cc ? 1.37 : 1.0;
    deq_srf_plan *P[3];
    for (size_t i = 0; i < 3; i++)
      P[i] = plan("linear", target, rs[i], c, 1.0);
    for (size_t k = 0; k < 4; k++) {
      double complex ref = silverstein(zs[k], 2.385, 2.385 / 1.9, c);
      for (size_t i = 0; i < 3; i++) {
        deq_srf_bulk b = bulk(P[i], 2.385, 1.9, zs[k]);
        assert_agree(creal(b.m.val), b.m.err, creal(ref), 0, 1e-13);
        assert_agree(cimag(b.m.val), b.m.err, cimag(ref), 0, 1e-13);
        deq_srf_bulk b0 = bulk(P[0], 2.385, 1.9, zs[k]);
        assert_true(cabs(b.m.val - b0.m.val) <= 1e-14 * cabs(b0.m.val));
      }
    }
    for (size_t i = 0; i < 3; i++)
      deq_srf_plan_free(P[i]);
  }
}

/* he2 at r = 0, c = 1: mu0 = mu1 = 0, mus2 = 1, features pure noise: MP with ratio psi. */
static void test_he2_noise_bulk(void **state)
{
  (void) state;
  deq_srf_plan *P = plan("he2", target, 0.0, 1.0, 1.0);
  double complex zs[] = { 0.4 + 0.3 * I, 1.9 + 0.01 * I, -0.7 };
  for (size_t k = 0; k < 3; k++) {
    double complex ref;
    assert_int_equal(deq_mp_stieltjes(zs[k], 0.8 / 1.5, &ref), DEQ_SUCCESS);
    deq_srf_bulk b = bulk(P, 0.8, 1.5, zs[k]);
    assert_true(cabs(b.m.val - ref) <= b.m.err + 1e-14);
  }
  /* the density on the real axis, its bar covering the height bias (close to the edges too) */
  double lo, hi, psi = 0.8 / 1.5;
  assert_int_equal(deq_mp_edges(psi, &lo, &hi), DEQ_SUCCESS);
  double x[] = { lo + 1e-3, lo + 0.1, 0.5 * (lo + hi), hi - 0.3, hi - 1e-2, hi - 1e-3, hi + 0.1 };
  deq_srf_params p = { 0.8, 1.5, 1.0, 0.0 };
  deq_result rho[7];
  int biased = 0;
  assert_int_equal(deq_srf_density(P, &p, 7, x, NULL, rho), DEQ_SUCCESS);
  for (size_t k = 0; k < 7; k++) {
    double ref;
    assert_int_equal(deq_mp_density(x[k], psi, &ref), DEQ_SUCCESS);
    assert_true(fabs(rho[k].val - ref) <= rho[k].err);
    assert_true(rho[k].err <= 1e3 * fabs(rho[k].val - ref) + 1e-12);   /* not absurd */
    biased += fabs(rho[k].val - ref) > 1e-10;   /* the height bias is real: a zero bar fails */
  }
  assert_true(biased >= 2);
  deq_srf_plan_free(P);
}

/* spiked_rf 7.5: c = 1, phi -> 0: a kappa-mixture of MP laws with variance v = mu1^2 + mus2,
 * m = 1 / (-z + E_kappa[v / (1 + psi v m)]) (rows with a variance profile). */
typedef struct {
  deq_act act;
  double r, psi;
  double complex m;
} mix_params;

#ifdef SPIKED_SLOW
static void mix_fn(double x, void *params, double *out)
{
  const mix_params *M = params;
  deq_result c[3];
  deq_srf_coef(&M->act, 1.0, M->r * x, c);
  double v = c[1].val * c[1].val + c[2].val;
  double complex t = v / (1 + M->psi * v * M->m);
  out[0] = creal(t), out[1] = cimag(t);
}

static double complex mix_residual(mix_params *M, double complex z, double complex m)
{
  deq_result e[2];
  deq_opts o;   /* the comparison is to 1e-6: the test's own route needs no more than 1e-10 */
  deq_opts_init(&o);
  o.quad_epsrel = 1e-10;
  o.quad_epsabs = 1e-12;
  M->m = m;
  assert_int_equal(deq_gauss_expect(mix_fn, M, 2, &o, e), DEQ_SUCCESS);
  return m * (-z + CMPLX(e[0].val, e[1].val)) - 1;
}

static void test_small_width_ratio(void **state)
{
  (void) state;
  mix_params M = { parse("relu"), 1.3, 0.6, 0 };
  double complex z = 0.4 + 0.2 * I, m = -1.0 / (z + 4 * I);
  for (int rung = 4; rung >= 0; rung--) {
    double complex zz = z + I * (double) rung;
    for (int it = 0; it < 30; it++) {
      double complex F = mix_residual(&M, zz, m), h = 1e-7 * (1 + cabs(m));
      m -= F / ((mix_residual(&M, zz, m + h) - F) / h);
      if (cabs(F) < 1e-11)
        break;
    }
  }
  deq_srf_plan *P = plan("relu", target, 1.3, 1.0, 1.0);
  deq_srf_bulk b = bulk(P, 1e-7, 1e-7 / 0.6, z);
  if (!(cabs(b.m.val - m) < 1e-6 * cabs(m)))   /* O(phi) and the test's own solve */
    fail_msg("m = %.12g%+.12gi, mixture %.12g%+.12gi", creal(b.m.val), cimag(b.m.val), creal(m), cimag(m));
  deq_srf_plan_free(P);
}
#endif

static void test_branch_and_asymptote(void **state)
{
  (void) state;
  const char *acts[] = { "tanh", "relu", "erf" };
  for (size_t a = 0; a < 3; a++) {
    deq_srf_plan *P = plan(acts[a], target, 2.385, 1.21, 0.6);
    for (double x = -1; x < 8; x += 0.37) {
      deq_srf_bulk b = bulk(P, 1.2, 1.5, CMPLX(x, 1e-3));
      assert_true(cimag(b.m.val) > 0);
    }
    double complex z = 1e5 * I;
    deq_srf_bulk b = bulk(P, 1.2, 1.5, z);
    assert_true(cabs(z * b.m.val + 1) < 1e-4);
    deq_srf_bulk bc = bulk(P, 1.2, 1.5, conj(0.4 + 0.3 * I)), bu = bulk(P, 1.2, 1.5, 0.4 + 0.3 * I);
    assert_true(cabs(bc.m.val - conj(bu.m.val)) <= 1e-14);
    deq_srf_plan_free(P);
  }
}

static void test_density_mass(void **state)
{
  (void) state;
  deq_srf_plan *P = plan("tanh", target, 1.3, 1.0, 1.0);
  deq_srf_params p = { 1.2, 2.4, 1.0, 0.0 };   /* psi = 0.5: no atom at 0 */
  deq_result edge;
  assert_int_equal(deq_srf_edge(P, &p, NULL, &edge), DEQ_SUCCESS);
  enum { N = 3000 };
  static double x[N];
  static deq_result rho[N];
  double hi = edge.val * 1.02, h = hi / (N - 1), mass = 0;
  for (size_t i = 0; i < N; i++)
    x[i] = (double) i * h;
  x[0] = 1e-9;
  assert_int_equal(deq_srf_density(P, &p, N, x, NULL, rho), DEQ_SUCCESS);
  for (size_t i = 0; i < N; i++) {
    assert_true(rho[i].val >= -rho[i].err);
    mass += (i == 0 || i == N - 1 ? 0.5 : 1.0) * h * rho[i].val;
  }
  assert_close(mass, 1.0, 3e-3);
  deq_srf_plan_free(P);
}

/* The order of the grid does not matter: a walk from the gap next to the atom (psi = 4) into the
 * support once followed a spurious branch (density ~ 0 inside the bulk). */
static void test_walk_order(void **state)
{
  (void) state;
  deq_srf_plan *P = plan("softplus", target, 0.5, 1.7, 0.6), *Q = plan("softplus", target, 0.5, 1.7, 0.6);
  deq_srf_params p = { 1.2, 0.3, 1.0, 0.0 };
  enum { N = 41 };
  double up[N], down[N];
  deq_result ru[N], rd[N];
  for (size_t i = 0; i < N; i++)
    up[i] = 0.01 * (double) (i + 1), down[i] = 0.01 * (double) (N - i);
  assert_int_equal(deq_srf_density(P, &p, N, up, NULL, ru), DEQ_SUCCESS);
  assert_int_equal(deq_srf_density(Q, &p, N, down, NULL, rd), DEQ_SUCCESS);
  for (size_t i = 0; i < N; i++)
    assert_agree(ru[i].val, ru[i].err, rd[N - 1 - i].val, rd[N - 1 - i].err, 1e-13);
  assert_true(ru[N - 1].val > 0.1);
  deq_srf_plan_free(P), deq_srf_plan_free(Q);
}

/* --- error bars: two routes (rule and doubled rule; a coarse rule) ------------------------ */

static void test_bulk_error_bars(void **state)
{
  (void) state;
  double complex zs[] = { 0.3 + 0.2 * I, 1 + 0.01 * I, 0.5 + 1e-4 * I, 2 + 1e-7 * I,
                          3.5 + 1e-7 * I, -0.5, 10 + I, 0.05 + 1e-7 * I };
  deq_srf_plan *coarse = plan_p("relu", target, 2.385, 1.0, 1.0, 16);
  deq_srf_plan *mid = plan("relu", target, 2.385, 1.0, 1.0);
  deq_srf_plan *fine = plan_p("relu", target, 2.385, 1.0, 1.0, 480);
  int nonzero = 0;
  for (size_t k = 0; k < 8; k++) {
    deq_srf_bulk c = bulk(coarse, 1.2, 1.5, zs[k]), m = bulk(mid, 1.2, 1.5, zs[k]);
    deq_srf_bulk f = bulk(fine, 1.2, 1.5, zs[k]);
    double dc = cabs(c.m.val - f.m.val), dm = cabs(m.m.val - f.m.val);
    assert_true(dc <= c.m.err + f.m.err);
    assert_true(dm <= m.m.err + f.m.err);
    assert_true(c.m.err <= 1e5 * dc);                  /* the half-panel estimate of 8-point */
    assert_true(m.m.err <= 1e-10 * fmax(1, cabs(m.m.val)));   /* panels: pessimistic, not absurd */
    nonzero += dm > 0 && dc > 0;
  }
  assert_true(nonzero >= 4);   /* a zero bar would fail the coverage asserts */
  deq_srf_plan_free(coarse), deq_srf_plan_free(mid), deq_srf_plan_free(fine);
}

static void test_risk_error_bars(void **state)
{
  (void) state;
  double lams[] = { 1e-3, 0.05, 1.0, 100.0 };
  const char *acts[] = { "relu", "tanh" };
  int nonzero = 0;
  for (size_t a = 0; a < 2; a++) {
    deq_srf_plan *coarse = plan_p(acts[a], target, 1.7, 1.1, 0.8, 16);
    deq_srf_plan *mid = plan(acts[a], target, 1.7, 1.1, 0.8);
    deq_srf_plan *fine = plan_p(acts[a], target, 1.7, 1.1, 0.8, 480);
    for (size_t l = 0; l < 4; l++) {
      deq_srf_risk c = risk(coarse, 1.2, 1.5, lams[l], 0.1), m = risk(mid, 1.2, 1.5, lams[l], 0.1);
      deq_srf_risk f = risk(fine, 1.2, 1.5, lams[l], 0.1);
      assert_agree(c.test_error.val, c.test_error.err, f.test_error.val, f.test_error.err, 0);
      assert_agree(m.test_error.val, m.test_error.err, f.test_error.val, f.test_error.err, 0);
      assert_agree(c.train_error.val, c.train_error.err, f.train_error.val, f.train_error.err, 0);
      assert_agree(m.train_error.val, m.train_error.err, f.train_error.val, f.train_error.err, 0);
      assert_true(m.test_error.err <= 1e-8 * m.test_error.val);
      nonzero += m.test_error.val != f.test_error.val && c.test_error.val != f.test_error.val;
    }
    deq_srf_plan_free(coarse), deq_srf_plan_free(mid), deq_srf_plan_free(fine);
  }
  assert_true(nonzero >= 4);
}

/* --- S14-S20 exact cases ------------------------------------------------------------------ */

/* spiked_rf 7.2: r = 0 is plain RF; width_ratio and sample_ratio mean the same in both
 * modules (p/d, n/d), lambda is the same ridge, and both risks exclude the test noise. */
static void test_r0_is_rf(void **state)
{
  (void) state;
  const char *acts[] = { "tanh", "relu", "erf", "he2" };
  const char *teachers[] = { "poly:0,1,0.5,0", "poly:0,0.8,0,0.35", "poly:0.3,0.9,0.4,0",
                             "poly:0,1,0.5,0" };
  double pts[][4] = { { 2.385, 1.7, 0.02, 0.09 }, { 0.637, 2.911, 0.05, 0.25 },
                      { 1.2, 0.8, 0.3, 0.0 } };
  for (size_t a = 0; a < 4; a++) {
    deq_act s = parse(acts[a]), t = parse(teachers[a]);
    deq_rf_model *m;
    assert_int_equal(deq_rf_model_alloc(&s, &t, NULL, &m), DEQ_SUCCESS);
    deq_srf_plan *P = plan(acts[a], teachers[a], 0.0, 1.0, 0.7);
    for (size_t k = 0; k < 3; k++) {
      deq_rf_params rp = { pts[k][0], pts[k][1], pts[k][2], pts[k][3] };
      deq_rf_result rf;
      assert_int_equal(deq_rf_risk(m, &rp, NULL, &rf), DEQ_SUCCESS);
      deq_srf_risk r = risk(P, pts[k][0], pts[k][1], pts[k][2], pts[k][3]);
      assert_agree(r.test_error.val, r.test_error.err, rf.risk.val, rf.risk.err, 1e-12);
      assert_agree(r.train_error.val, r.train_error.err, rf.train_error.val,
                   rf.train_error.err, 1e-12);
      /* bars of the size of the rule's error, not of a vanishing table (tanh, erf: mu0 = 0
       * at r = 0 gave bars of 58) */
      assert_true(r.test_error.err < 1e-8 && r.train_error.err < 1e-8);
    }
    deq_srf_plan_free(P);
    deq_rf_model_free(m);
  }
}

static void test_r0_gamma_free(void **state)
{
  (void) state;
  double gammas[] = { 0.0, 0.5, 0.8, 1.0 }, ref = NAN;
  for (size_t g = 0; g < 4; g++) {
    deq_srf_plan *P = plan("tanh", target, 0.0, 1.3, gammas[g]);
    deq_srf_risk r = risk(P, 0.6, 1.9, 0.037, 0.2);
    if (g == 0)
      ref = r.test_error.val;
    assert_true(fabs(r.test_error.val - ref) <= 1e-13 + 2 * r.test_error.err);
    deq_srf_plan_free(P);
  }
}

/* E f*^2 - E[mu0 f*]^2 / E mu0^2 at gamma = 1 (spiked_rf 7.3), by the Gaussian helper. */
typedef struct {
  deq_act s, t;
  double r;
} lim_params;

static void lim_fn(double x, void *params, double *v)
{
  const lim_params *L = params;
  deq_result c[3];
  deq_srf_coef(&L->s, 1.0, L->r * x, c);
  double f = deq_act_eval(&L->t, x);
  v[0] = f * f, v[1] = c[0].val * f, v[2] = c[0].val * c[0].val;
}

static void test_lambda_infinity(void **state)
{
  (void) state;
  lim_params L = { parse("tanh"), parse(target), 1.3 };
  deq_result e[3];
  assert_int_equal(deq_gauss_expect(lim_fn, &L, 3, NULL, e), DEQ_SUCCESS);
  double formula = e[0].val - e[1].val * e[1].val / e[2].val;
  deq_srf_plan *P = plan("tanh", target, 1.3, 1.0, 1.0);
  deq_srf_risk r = risk(P, 1.2, 1.5, 1e6, 0.0);
  assert_within(r.test_error, 0.54410226, 5e-9);   /* spiked_rf 7.3, measured */
  assert_true(fabs(r.test_error.val - formula) < 1e-6);
  assert_true(fabs(formula - 0.54410226) < 5e-9);
  deq_srf_plan_free(P);
  /* odd sigma at r = 0: no mean direction, the limit is E f*^2 */
  P = plan("erf", target, 0.0, 1.0, 1.0);
  r = risk(P, 1.2, 1.5, 1e7, 0.0);
  assert_true(fabs(r.test_error.val - 1.5) < 1e-6 && r.mean_overlap == 0);
  deq_srf_plan_free(P);
}

/* spiked_rf 7.4: gamma = 1, r = 0, centred target: theta equals psi_o at gamma = 0. */
static void test_sherman_morrison(void **state)
{
  (void) state;
  deq_srf_plan *P1 = plan("tanh", target, 0.0, 1.0, 1.0), *P0 = plan("tanh", target, 0.0, 1.0, 0.0);
  deq_srf_risk r1 = risk(P1, 0.77, 2.3, 0.11, 0.0), r0 = risk(P0, 0.77, 2.3, 0.11, 0.0);
  assert_true(fabs(r1.theta) > 0.1);
  assert_close(r1.theta, r0.psi_o, 1e-13);
  assert_true(fabs(r1.psi_o) < 1e-15 && fabs(r0.theta) < 1e-15);
  deq_srf_plan_free(P1), deq_srf_plan_free(P0);
}

/* Training error (docs/spiked.md T1) against the envelope identity dL/dlambda = |beta|^2 with
 * L = T + lambda q2, i.e. dT/dlambda = -lambda dq2/dlambda, at r > 0 (non-identical rows). */
static void test_train_envelope(void **state)
{
  (void) state;
  const char *acts[] = { "tanh", "relu" };
  for (size_t a = 0; a < 2; a++) {
    deq_srf_plan *P = plan(acts[a], target, 1.7, 1.2, 0.8);
    double lams[] = { 0.013, 0.21, 2.9 };
    for (size_t l = 0; l < 3; l++) {
      double lam = lams[l], h = 1e-4 * lam;
      deq_srf_risk rp = risk(P, 1.2, 1.5, lam + h, 0.15), rm = risk(P, 1.2, 1.5, lam - h, 0.15);
      double dT = (rp.train_error.val - rm.train_error.val) / (2 * h);
      double dq2 = (rp.q2 - rm.q2) / (2 * h);
      assert_close(dT, -lam * dq2, 1e-6 * fmax(1, fabs(lam * dq2)));
    }
    deq_srf_plan_free(P);
  }
}

/* --- edge, outliers, mean outlier ---------------------------------------------------------- */

/* The Silverstein edge: max over v in (-1/t_max, 0) of x(v) = -1/v + psi int t dH/(1 + t v). */
static double silverstein_x(double v, double phi, double psi, double c)
{
  double complex mh;
  assert_int_equal(deq_mp_stieltjes(-1 / (v * c), phi, &mh), DEQ_SUCCESS);
  double mH = creal(mh) / c;   /* m_H(-1/v) */
  return -1 / v + psi / v * (1 - mH / v);
}

static double silverstein_edge(double phi, double psi, double c)
{
  double tmax = c * (1 + sqrt(phi)) * (1 + sqrt(phi)), lo = -1 / tmax, hi = -1e-9;
  double g = (sqrt(5) - 1) / 2;
  for (int it = 0; it < 200; it++) {
    double a = hi - g * (hi - lo), b = lo + g * (hi - lo);
    if (silverstein_x(a, phi, psi, c) > silverstein_x(b, phi, psi, c))
      lo = b;
    else
      hi = a;
  }
  return silverstein_x(0.5 * (lo + hi), phi, psi, c);
}

static void test_edge(void **state)
{
  (void) state;
  deq_srf_plan *P = plan("linear", target, 0.7, 1.3, 1.0);
  deq_srf_params p = { 2.385, 4.77, 1.0, 0.0 };
  deq_result e;
  assert_int_equal(deq_srf_edge(P, &p, NULL, &e), DEQ_SUCCESS);
  double ref = silverstein_edge(2.385, 0.5, 1.3);
  assert_true(fabs(e.val - ref) <= e.err);
  assert_true(e.err <= 1e-4 * ref);
  deq_srf_plan_free(P);
  P = plan("tanh", target, 1.3, 1.0, 1.0);
  p = (deq_srf_params) { 1.2, 1.5, 1.0, 0.0 };
  assert_int_equal(deq_srf_edge(P, &p, NULL, &e), DEQ_SUCCESS);
  double x[2] = { e.val * (1 - 1e-2), e.val * (1 + 1e-2) };
  deq_result rho[2];
  assert_int_equal(deq_srf_density(P, &p, 2, x, NULL, rho), DEQ_SUCCESS);
  assert_true(rho[0].val > 1e-3 && rho[1].val < 1e-5);
  deq_srf_plan_free(P);
}

static void test_outliers(void **state)
{
  (void) state;
  const char *acts[] = { "tanh", "relu", "erf", "linear" };
  double rs[] = { 0.0, 1.3, 2.9 };
  for (size_t a = 0; a < 4; a++)
    for (size_t k = 0; k < 3; k++) {
      deq_srf_plan *P = plan(acts[a], target, rs[k], 1.0, 1.0);
      deq_srf_params p = { 0.7, 1.9, 1.0, 0.0 };
      deq_srf_outlier_search o;
      assert_int_equal(deq_srf_outliers(P, &p, NULL, &o), DEQ_SUCCESS);
      assert_int_equal(o.count, 0);   /* spiked_rf S12: none */
      assert_true(isnan(o.x.val));
      assert_true(o.lhs_min > 0.6 && o.lhs_near_edge <= 1 + 1e-12);
      if (a == 3 && k > 0)
        assert_close(o.lhs_min, 1.0, 1e-12);   /* linear, r > 0: e11 e22 = e12^2 */
      deq_srf_plan_free(P);
    }
}

static void test_mean_outlier(void **state)
{
  (void) state;
  deq_srf_params p = { 1.2, 1.5, 1.0, 0.0 };
  deq_srf_mean mo;
  deq_srf_plan *P = plan("relu", target, 0.0, 1.0, 1.0);
  assert_int_equal(deq_srf_mean_outlier(P, &p, 4000, NULL, &mo), DEQ_SUCCESS);
  assert_true(mo.exists);
  assert_rel(mo.leading.val, 4000 / (2 * M_PI), 2e-3);   /* relu: p/(2 pi) to leading order */
  assert_rel(mo.x.val, mo.leading.val, 2e-3);
  assert_true(mo.x.err < 1e-9 * mo.x.val);
  deq_srf_plan_free(P);
  P = plan("tanh", target, 1.3, 1.0, 1.0);
  assert_int_equal(deq_srf_mean_outlier(P, &p, 1000, NULL, &mo), DEQ_SUCCESS);
  assert_rel(mo.x.val, mo.leading.val, 1e-2);
  deq_srf_mean big;
  assert_int_equal(deq_srf_mean_outlier(P, &p, 1e5, NULL, &big), DEQ_SUCCESS);
  assert_true(fabs(big.x.val / big.leading.val - 1) < fabs(mo.x.val / mo.leading.val - 1));
  deq_srf_plan_free(P);
  P = plan("erf", target, 0.0, 1.0, 1.0);
  assert_int_equal(deq_srf_mean_outlier(P, &p, 1000, NULL, &mo), DEQ_SUCCESS);
  assert_false(mo.exists);   /* odd sigma at r = 0: no mean direction */
  deq_srf_plan_free(P);
}

/* --- S21 ----------------------------------------------------------------------------------- */

static void test_network_map(void **state)
{
  (void) state;
  deq_act s = parse("tanh"), t = parse("poly:0,0.9,0,0.4");
  deq_act_gauss ms;
  assert_int_equal(deq_act_moments(&s, NULL, &ms), DEQ_SUCCESS);
  deq_srf_weights w;
  double err[3];
  assert_int_equal(deq_srf_from_network(&s, &t, 0.1, 2.7, INFINITY, NULL, &w, err), DEQ_SUCCESS);
  assert_close(w.bulk_variance, 1.0, 0);
  assert_close(w.alignment, 1.0, 1e-15);
  assert_close(w.spike, 2.7 * ms.mu1.val * 0.9, 1e-12);
  double a0 = 3.3, Ey2 = 0.81 + 0.16 + 0.1, nu = sqrt(0.81 + Ey2 / a0);
  assert_int_equal(deq_srf_from_network(&s, &t, 0.1, 2.7, a0, NULL, &w, err), DEQ_SUCCESS);
  assert_close(w.spike, 2.7 * ms.mu1.val * nu, 1e-12);
  assert_close(w.alignment, 0.9 / nu, 1e-12);
  assert_close(w.bulk_variance,
               1 + 2.7 * 2.7 * Ey2 * (ms.d2.val - ms.mu1.val * ms.mu1.val) / a0, 1e-12);
  assert_true(err[0] < 1e-9 && err[1] < 1e-9 && err[2] < 1e-9);
  deq_set_error_handler(record);
  deq_act relu = parse("relu"), off = parse("poly:0.5,1");
  calls = 0;
  assert_int_equal(deq_srf_from_network(&relu, &t, 0.1, 2.7, a0, NULL, &w, err), DEQ_EINVAL);
  assert_int_equal(calls, 1);
  assert_non_null(strstr(last_reason, "odd"));
  assert_int_equal(deq_srf_from_network(&s, &off, 0.1, 2.7, a0, NULL, &w, err), DEQ_EINVAL);
  assert_non_null(strstr(last_reason, "centred"));
  assert_int_equal(deq_srf_from_network(&s, &t, 0.1, -2.7, a0, NULL, &w, err), DEQ_EINVAL);
  assert_non_null(strstr(last_reason, "alignment"));
  assert_int_equal(deq_srf_from_network(&s, &t, 0.1, 2.7, -1, NULL, &w, err), DEQ_EINVAL);
  assert_non_null(strstr(last_reason, "batch_ratio"));
  deq_set_error_handler(NULL);
}

/* --- bad input ------------------------------------------------------------------------------ */

static void expect_name(int status, const char *name)
{
  assert_int_equal(status, DEQ_EINVAL);
  assert_int_equal(calls, 1);
  if (strncmp(last_reason, name, strlen(name)) != 0)
    fail_msg("message \"%s\" does not start with %s", last_reason, name);
  calls = 0;
}

static void test_bad_input(void **state)
{
  (void) state;
  deq_set_error_handler(record);
  deq_act a = parse("tanh"), t = parse(target);
  deq_srf_plan *P = NULL;
  struct { deq_srf_weights w; const char *name; } bw[] = {
    { { .spike = -1, .bulk_variance = 1, .alignment = 1 }, "spike" }, { { .spike = NAN, .bulk_variance = 1, .alignment = 1 }, "spike" }, { { .spike = INFINITY, .bulk_variance = 1, .alignment = 1 }, "spike" },
    { { .spike = 1, .bulk_variance = 0.5, .alignment = 1 }, "bulk_variance" }, { { .spike = 1, .bulk_variance = NAN, .alignment = 1 }, "bulk_variance" },
    { { .spike = 1, .bulk_variance = 1, .alignment = 1.5 }, "alignment" }, { { .spike = 1, .bulk_variance = 1, .alignment = -0.1 }, "alignment" }, { { .spike = 1, .bulk_variance = 1, .alignment = NAN }, "alignment" },
  };
  calls = 0;
  for (size_t k = 0; k < sizeof bw / sizeof bw[0]; k++) {
    expect_name(deq_srf_plan_alloc(&a, &t, &bw[k].w, NULL, &P), bw[k].name);
    assert_null(P);
  }
  deq_srf_weights w = { .spike = 1.3, .bulk_variance = 1, .alignment = 1 };
  expect_name(deq_srf_plan_alloc_panels(&a, &t, &w, 7, NULL, &P), "panels");
  assert_int_equal(deq_srf_plan_alloc(NULL, &t, &w, NULL, &P), DEQ_EINVAL);
  assert_int_equal(calls, 1);
  calls = 0;
  deq_set_error_handler(NULL);
  P = plan("tanh", target, 1.3, 1, 1);
  deq_set_error_handler(record);
  struct { deq_srf_params p; const char *name; } bp[] = {
    { { 0, 1, 1, 0 }, "width_ratio" }, { { NAN, 1, 1, 0 }, "width_ratio" },
    { { 1, -1, 1, 0 }, "sample_ratio" }, { { 1, INFINITY, 1, 0 }, "sample_ratio" },
    { { 1, 1, 0, 0 }, "lambda" }, { { 1, 1, -1, 0 }, "lambda" }, { { 1, 1, NAN, 0 }, "lambda" },
    { { 1, 1, 1, -1 }, "noise" }, { { 1, 1, 1, NAN }, "noise" },
  };
  deq_srf_risk r;
  deq_srf_bulk b;
  for (size_t k = 0; k < sizeof bp / sizeof bp[0]; k++) {
    expect_name(deq_srf_risk_eval(P, &bp[k].p, NULL, &r), bp[k].name);
    assert_true(isnan(r.test_error.val) && r.status == DEQ_EINVAL);
    if (k < 4)
      expect_name(deq_srf_stieltjes(P, &bp[k].p, 1 + I, NULL, &b), bp[k].name);
  }
  deq_srf_params ok = { 1.2, 1.5, 1, 0 };
  assert_int_equal(deq_srf_stieltjes(P, &ok, CMPLX(NAN, 1), NULL, &b), DEQ_EINVAL);
  assert_int_equal(deq_srf_risk_eval(NULL, &ok, NULL, &r), DEQ_EINVAL);
  assert_int_equal(deq_srf_risk_eval(P, NULL, NULL, &r), DEQ_EINVAL);
  assert_int_equal(calls, 3);
  calls = 0;
  deq_srf_mean mo;
  expect_name(deq_srf_mean_outlier(P, &ok, -5, NULL, &mo), "width");
  deq_opts o;
  deq_opts_init(&o);
  o.tol_res = 0;
  assert_int_equal(deq_srf_stieltjes(P, &ok, 1 + I, &o, &b), DEQ_EINVAL);
  assert_int_equal(calls, 1);
  deq_set_error_handler(NULL);
  deq_srf_plan_free(P);
  deq_srf_plan_free(NULL);
}

/* --- spiked_finite_support: K groups --------------------------------------------------------- */

/* Tolerance of the exact identities of spiked_finite_support section 8 (the spec measured them
 * to 1e-11 .. 1e-15; the group code reaches the constant spike's values to rounding). */
static const double group_exact_tol = 1e-12;

static deq_srf_plan *plan_law(const char *act, const char *teacher, double r, double gamma,
                              size_t K, const double *a, const double *pi)
{
  deq_act A = parse(act), T = parse(teacher);
  deq_srf_weights w = { .spike = r, .bulk_variance = 1, .alignment = gamma, .groups = K };
  for (size_t k = 0; k < K; k++)
    w.support[k] = a[k], w.weights[k] = pi[k];
  deq_srf_plan *P;
  assert_int_equal(deq_srf_plan_alloc(&A, &T, &w, NULL, &P), DEQ_SUCCESS);
  return P;
}

/* Values of the constant spike computed before the spike law was added (commit b35491e):
 * tanh and relu, r = 1.7, gamma = 0.9, phi = 1.2, n/d = 1.5, lambda = 0.05, noise 0.1. */
typedef struct {
  const char *act;
  double m_re, m_im, rho, edge, mean, test, train;
} before_law;

static const before_law before[] = {
  { "tanh", -1.0550292881995327, 0.82406630646701107, 0.10596735076464783, 1.463697483687912,
    340.35158393181155, 0.82528467560654339, 0.53743099221722257 },
  { "relu", -0.79952062398738266, 0.80967448366022565, 0.14086950558588138, 3.3814284570784432,
    1219.3962849847744, 1.0076883040964382, 0.3182429571843135 },
};

/* The constant-spike quantities of one plan at the point of `before`. */
static void constant_values(deq_srf_plan *P, double v[7])
{
  deq_srf_params p = { 1.2, 1.5, 0.05, 0.1 };
  deq_srf_bulk b;
  deq_result rho, e;
  deq_srf_mean mo;
  deq_srf_risk r;
  double x = 1.1;
  assert_int_equal(deq_srf_stieltjes(P, &p, 0.8 + 0.3 * I, NULL, &b), DEQ_SUCCESS);
  assert_int_equal(deq_srf_density(P, &p, 1, &x, NULL, &rho), DEQ_SUCCESS);
  assert_int_equal(deq_srf_edge(P, &p, NULL, &e), DEQ_SUCCESS);
  assert_int_equal(deq_srf_mean_outlier(P, &p, 800, NULL, &mo), DEQ_SUCCESS);
  assert_int_equal(deq_srf_risk_eval(P, &p, NULL, &r), DEQ_SUCCESS);
  double got[7] = { creal(b.m.val), cimag(b.m.val), rho.val, e.val, mo.x.val,
                    r.test_error.val, r.train_error.val };
  memcpy(v, got, sizeof got);
}

static void assert_values(const double *got, const double *want, size_t n, double tol)
{
  for (size_t j = 0; j < n; j++)
    assert_rel(got[j], want[j], tol);
}

/* F8 check 1: K = 1 (groups = 0, the support {1} with any weight, and {a} with r/a) is the
 * constant spike computed before the change. */
static void test_group_k1(void **state)
{
  (void) state;
  for (size_t j = 0; j < sizeof before / sizeof before[0]; j++) {
    const before_law *B = &before[j];
    double want[7] = { B->m_re, B->m_im, B->rho, B->edge, B->mean, B->test, B->train }, v[7];
    double one = 1, w = 2.5, half = 0.5;
    deq_srf_plan *P = plan_law(B->act, target, 1.7, 0.9, 0, NULL, NULL);
    constant_values(P, v);
    assert_values(v, want, 7, group_exact_tol);
    deq_srf_plan_free(P);
    P = plan_law(B->act, target, 1.7, 0.9, 1, &one, &w);
    constant_values(P, v);
    assert_values(v, want, 7, group_exact_tol);
    deq_srf_plan_free(P);
    P = plan_law(B->act, target, 3.4, 0.9, 1, &half, &w);
    constant_values(P, v);
    assert_values(v, want, 7, group_exact_tol);
    deq_srf_plan_free(P);
  }
}

/* F8 check 2: two groups with equal a_k (A rank one, K = 2 code) equal the constant spike; the
 * error bars cover the difference. */
static void test_group_equal_support(void **state)
{
  (void) state;
  const char *acts[] = { "tanh", "relu", "erf" };
  double a[2] = { 1, 1 }, pi[2] = { 0.3, 0.7 };
  deq_srf_params p = { 1.2, 1.5, 0.05, 0.1 };
  for (size_t j = 0; j < 3; j++) {
    deq_srf_plan *P = plan(acts[j], target, 1.7, 1, 0.9);
    deq_srf_plan *Q = plan_law(acts[j], target, 1.7, 0.9, 2, a, pi);
    double complex zs[] = { 0.8 + 0.3 * I, 2 + 0.01 * I, -0.5, 0.3 + 1e-7 * I };
    for (size_t k = 0; k < 4; k++) {
      deq_srf_bulk b0 = bulk(P, 1.2, 1.5, zs[k]), b1 = bulk(Q, 1.2, 1.5, zs[k]);
      assert_true(cabs(b1.m.val - b0.m.val) <= group_exact_tol * cabs(b0.m.val));
      assert_true(cabs(b1.m.val - b0.m.val) <= b0.m.err + b1.m.err);
      assert_true(cabs(b1.V1 - b0.V1) <= group_exact_tol * cabs(b0.V1));
    }
    double v0[7], v1[7];
    constant_values(P, v0);
    constant_values(Q, v1);
    assert_values(v1, v0, 7, 1e-11);   /* the risk's sums differ by rounding at 1e-12 */
    deq_srf_risk r0 = risk(P, 1.2, 1.5, 0.05, 0.1), r1 = risk(Q, 1.2, 1.5, 0.05, 0.1);
    assert_agree(r1.test_error.val, r1.test_error.err, r0.test_error.val, r0.test_error.err, 0);
    assert_rel(r1.q1, r0.q1, 1e-10);
    assert_rel(r1.q2, r0.q2, 1e-10);
    assert_rel(r1.theta, r0.theta, 1e-10);
    (void) p;
    deq_srf_plan_free(P);
    deq_srf_plan_free(Q);
  }
}

/* F20 / F8 check 4: odd sigma with a symmetric support (any sign probabilities) is exactly the
 * constant spike r |a|: bulk, edge, risk and the single mean outlier. */
static void test_group_odd_symmetric(void **state)
{
  (void) state;
  const char *acts[] = { "tanh", "erf" };
  double a[2] = { 1, -1 }, pi[2] = { 0.35, 0.65 };
  for (size_t j = 0; j < 2; j++) {
    deq_srf_plan *P = plan(acts[j], target, 1.7, 1, 0.9);
    deq_srf_plan *Q = plan_law(acts[j], target, 1.7, 0.9, 2, a, pi);
    double v0[7], v1[7];
    constant_values(P, v0);
    constant_values(Q, v1);
    assert_values(v1, v0, 7, 1e-11);
    deq_srf_params p = { 1.2, 1.5, 0.05, 0.1 };
    deq_srf_mean mo;
    assert_int_equal(deq_srf_mean_outlier(Q, &p, 800, NULL, &mo), DEQ_SUCCESS);
    assert_int_equal(mo.count, 1);   /* F11: mu0(-s) = -mu0(s), rank one */
    deq_srf_plan_free(P);
    deq_srf_plan_free(Q);
  }
}

/* spiked_finite_support section 10.3-10.4: relu with {0, 1} differs from the constant spike,
 * and the group values are the spec's independent implementation's (R3, printed to 6 digits;
 * m(1 + 0.1i) of 10.3 to 4). */
static void test_group_relu_01(void **state)
{
  (void) state;
  const char *he = "poly:0,1,0.70710678118654752";
  double a[2] = { 0, 1 }, pi[2] = { 0.5, 0.5 };
  deq_srf_plan *Q = plan_law("relu", he, 2, 1, 2, a, pi);
  deq_srf_plan *P = plan("relu", he, 2, 1, 1);
  deq_srf_risk r = risk(Q, 1.2, 1.5, 0.05, 0), r0 = risk(P, 1.2, 1.5, 0.05, 0);
  assert_rel(r.test_error.val, 0.0825164, 1e-6);
  assert_true(r0.test_error.val > 5 * r.test_error.val);
  deq_srf_bulk b = bulk(Q, 1.2, 1.5, 1 + 0.1 * I), b0 = bulk(P, 1.2, 1.5, 1 + 0.1 * I);
  assert_close(creal(b.m.val), -1.0104, 1e-4);
  assert_close(cimag(b.m.val), 0.6324, 1e-4);
  assert_true(cabs(b.m.val - b0.m.val) > 0.05);
  deq_srf_params p = { 1.2, 1.5, 0.05, 0 };
  deq_result e;
  deq_srf_mean mo;
  deq_srf_outlier_search os;
  assert_int_equal(deq_srf_edge(Q, &p, NULL, &e), DEQ_SUCCESS);
  assert_close(e.val, 2.61904, 1e-5);
  assert_int_equal(deq_srf_mean_outlier(Q, &p, 840, NULL, &mo), DEQ_SUCCESS);
  assert_int_equal(mo.count, 2);
  assert_rel(mo.all[0].val, 896.731, 1e-6);
  assert_rel(mo.all[1].val, 40.5182, 1e-5);
  assert_int_equal(deq_srf_outliers(Q, &p, NULL, &os), DEQ_SUCCESS);
  assert_int_equal(os.count, 0);   /* F10: none */
  deq_srf_plan_free(P);
  deq_srf_plan_free(Q);
}

/* A density walked up and down a grid with the K = 2 code ({1, 1}) equals the constant
 * spike's (no attracting-root test in the group solver), at three ratio pairs; and a small psi
 * (tanh, support {0.12, 0.714}, psi = 0.105) has a smooth density where a radius test refused
 * the physical root (found by the fuzzer). */
static void test_group_walk(void **state)
{
  (void) state;
  double a[2] = { 1, 1 }, pi[2] = { 0.3, 0.7 }, phis[3] = { 1.2, 0.3, 3.0 };
  double srs[3] = { 1.5, 2.0, 1.1 };
  enum { NW = 120 };
  for (size_t j = 0; j < 3; j++) {
    deq_srf_plan *P = plan("relu", target, 1.7, 1, 0.9), *Q = plan_law("relu", target, 1.7, 0.9, 2, a, pi);
    deq_srf_params p = { phis[j], srs[j], 0.05, 0.1 };
    deq_result e, r0[NW], r1[NW];
    double x[NW];
    assert_int_equal(deq_srf_edge(P, &p, NULL, &e), DEQ_SUCCESS);
    for (int dir = 0; dir < 2; dir++) {
      for (size_t k = 0; k < NW; k++) {
        double t = ((double) k + 0.5) / NW;
        x[k] = 1.15 * e.val * (dir ? 1 - t : t);
      }
      assert_int_equal(deq_srf_density(P, &p, NW, x, NULL, r0), DEQ_SUCCESS);
      assert_int_equal(deq_srf_density(Q, &p, NW, x, NULL, r1), DEQ_SUCCESS);
      for (size_t k = 0; k < NW; k++)
        assert_close(r1[k].val, r0[k].val, group_exact_tol);
    }
    deq_srf_plan_free(P);
    deq_srf_plan_free(Q);
  }
  double b[2] = { 0.12, 0.714 }, half[2] = { 0.5, 0.5 }, xs[3] = { 0.55, 0.58, 0.62 };
  deq_act A = parse("tanh");
  deq_srf_weights w = { .spike = 1, .bulk_variance = 2.88466, .alignment = 1, .groups = 2 };
  memcpy(w.support, b, sizeof b), memcpy(w.weights, half, sizeof half);
  deq_srf_plan *Q;
  assert_int_equal(deq_srf_plan_alloc(&A, &A, &w, NULL, &Q), DEQ_SUCCESS);
  deq_srf_params p = { 0.0646214, 0.614135, 1, 0 };
  deq_result r[3];
  assert_int_equal(deq_srf_density(Q, &p, 3, xs, NULL, r), DEQ_SUCCESS);
  assert_true(r[1].val < r[0].val && r[1].val > r[2].val && r[2].val > 1);
  deq_srf_plan_free(Q);
}

/* Further section 10.3 values: T1 (tanh {0,1}), R1 (relu Rademacher), T3, E3, R4. */
static void test_group_spec_table(void **state)
{
  (void) state;
  const char *he = "poly:0,1,0.70710678118654752";
  struct { const char *act, *teacher; double r, gamma, phi, sr, lam, noise, a0, p0, want; } t[] = {
    { "tanh", he, 1.5, 1, 1.2, 1.5, 0.05, 0.05, 0, 0.5, 0.842964 },
    { "relu", he, 1.5, 1, 1.2, 1.5, 0.05, 0.05, -1, 0.5, 0.686509 },
    { "tanh", "tanh", 2.5, 1, 1.5, 2.5, 0.1, 0, 0, 0.3, 0.00506338 },
    { "erf", he, 2, 1, 1, 1, 0.05, 0.1, 0, 0.3, 1.02186 },
    { "relu", "tanh", 1.2, 0.7, 0.8, 0.64, 0.1, 0, 0, 0.3, 0.285198 },
  };
  for (size_t j = 0; j < sizeof t / sizeof t[0]; j++) {
    double a[2] = { t[j].a0, 1 }, pi[2] = { t[j].p0, 1 - t[j].p0 };
    deq_srf_plan *Q = plan_law(t[j].act, t[j].teacher, t[j].r, t[j].gamma, 2, a, pi);
    deq_srf_risk r = risk(Q, t[j].phi, t[j].sr, t[j].lam, t[j].noise);
    assert_rel(r.test_error.val, t[j].want, 1e-5);
    deq_srf_plan_free(Q);
  }
}

/* F8 checks 3 and 5: r = 0 is the plain RF model whatever the support; linear sigma does not
 * see the support. */
static void test_group_limits(void **state)
{
  (void) state;
  double a[3] = { 0, 1, -2 }, pi[3] = { 0.2, 0.5, 0.3 };
  deq_srf_plan *P = plan("relu", target, 0, 1, 1), *Q = plan_law("relu", target, 0, 1, 3, a, pi);
  deq_srf_bulk b0 = bulk(P, 1.2, 1.5, 0.7 + 0.2 * I), b1 = bulk(Q, 1.2, 1.5, 0.7 + 0.2 * I);
  assert_true(cabs(b1.m.val - b0.m.val) <= group_exact_tol);
  deq_srf_risk r0 = risk(P, 1.2, 1.5, 0.1, 0), r1 = risk(Q, 1.2, 1.5, 0.1, 0);
  assert_rel(r1.test_error.val, r0.test_error.val, 1e-10);
  deq_srf_plan_free(P);
  deq_srf_plan_free(Q);
  P = plan("linear", target, 0.8, 1, 1), Q = plan_law("linear", target, 2, 1, 3, a, pi);
  b0 = bulk(P, 1.2, 1.5, 0.7 + 0.2 * I), b1 = bulk(Q, 1.2, 1.5, 0.7 + 0.2 * I);
  assert_true(cabs(b1.m.val - b0.m.val) <= group_exact_tol);
  deq_srf_plan_free(P);
  deq_srf_plan_free(Q);
}

/* Error bars of the group code: the rule with twice the panels agrees within the bars. */
static void test_group_bars(void **state)
{
  (void) state;
  deq_act A = parse("relu"), T = parse(target);
  deq_srf_weights w = { .spike = 2.385, .bulk_variance = 1.3, .alignment = 0.8, .groups = 2,
                        .support = { 0.4, 1.1 }, .weights = { 0.37, 0.63 } };
  deq_srf_plan *P, *Q;
  assert_int_equal(deq_srf_plan_alloc_panels(&A, &T, &w, 120, NULL, &P), DEQ_SUCCESS);
  assert_int_equal(deq_srf_plan_alloc_panels(&A, &T, &w, 480, NULL, &Q), DEQ_SUCCESS);
  double complex zs[] = { 0.3 + 0.2 * I, 1.5 + 0.05 * I, -0.2 };
  for (size_t k = 0; k < 3; k++) {
    deq_srf_bulk b0 = bulk(P, 0.9, 2.1, zs[k]), b1 = bulk(Q, 0.9, 2.1, zs[k]);
    assert_true(b0.m.err > 0 && b1.m.err > 0);
    assert_true(cabs(b1.m.val - b0.m.val) <= b0.m.err + b1.m.err);
  }
  deq_srf_risk r0 = risk(P, 0.9, 2.1, 0.07, 0.05), r1 = risk(Q, 0.9, 2.1, 0.07, 0.05);
  assert_agree(r0.test_error.val, r0.test_error.err, r1.test_error.val, r1.test_error.err, 0);
  assert_agree(r0.train_error.val, r0.train_error.err, r1.train_error.val, r1.train_error.err,
               0);
  deq_srf_plan_free(P);
  deq_srf_plan_free(Q);
}

/* Bad spike laws: DEQ_EINVAL naming the field. */
static void test_group_bad_law(void **state)
{
  (void) state;
  deq_set_error_handler(record);
  deq_act a = parse("tanh"), t = parse(target);
  deq_srf_plan *P = NULL;
  deq_srf_weights w = { .spike = 1, .bulk_variance = 1, .alignment = 1, .groups = 2,
                        .support = { 0, 1 }, .weights = { 0.5, 0.5 } };
  struct { size_t field; double value; const char *name; } bad[] = {
    { 0, NAN, "support[0]" }, { 1, INFINITY, "support[1]" }, { 2, -0.1, "weights[0]" },
    { 3, NAN, "weights[1]" }, { 4, 0, "weights" },
  };
  calls = 0;
  for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
    deq_srf_weights b = w;
    if (bad[k].field < 2)
      b.support[bad[k].field] = bad[k].value;
    else if (bad[k].field < 4)
      b.weights[bad[k].field - 2] = bad[k].value;
    else
      b.weights[0] = b.weights[1] = 0;
    expect_name(deq_srf_plan_alloc(&a, &t, &b, NULL, &P), bad[k].name);
    assert_null(P);
  }
  w.groups = DEQ_SRF_MAXGROUPS + 1;
  expect_name(deq_srf_plan_alloc(&a, &t, &w, NULL, &P), "groups");
  deq_set_error_handler(NULL);
}

/* F19/F20: the Gaussian law as groups keeps the moments of N(0, 1) a K-node Gauss-Hermite rule
 * integrates exactly (E a^2 = 1, E a^4 = 3); folded for an odd sigma onto a > 0 (the moments
 * of |a|, even ones the same). */
static void test_gaussian_law(void **state)
{
  (void) state;
  const char *acts[] = { "relu", "tanh" };
  for (int k = 0; k < 2; k++) {
    deq_act a;
    assert_int_equal(deq_act_parse(acts[k], "--act", &a), DEQ_SUCCESS);
    double sup[DEQ_SRF_MAXGROUPS], w[DEQ_SRF_MAXGROUPS];
    size_t K = 0;
    assert_int_equal(deq_srf_law_gaussian(&a, 8, sup, w, &K), DEQ_SUCCESS);
    assert_int_equal(K, 8);
    double m0 = 0, m2 = 0, m4 = 0;
    for (size_t j = 0; j < K; j++) {
      assert_true(w[j] > 0 && (k == 0 || sup[j] > 0));
      m0 += w[j], m2 += w[j] * sup[j] * sup[j], m4 += w[j] * pow(sup[j], 4);
    }
    assert_true(fabs(m0 - 1) < 1e-14 && fabs(m2 - 1) < 1e-13 && fabs(m4 - 3) < 1e-12);
  }
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_coef_closed_forms),
    cmocka_unit_test(test_linear_bulk),
    cmocka_unit_test(test_he2_noise_bulk),
#ifdef SPIKED_SLOW   /* the test's own mixture solve takes a minute: slow suite */
    cmocka_unit_test(test_small_width_ratio),
#endif
    cmocka_unit_test(test_branch_and_asymptote),
    cmocka_unit_test(test_density_mass),
    cmocka_unit_test(test_walk_order),
    cmocka_unit_test(test_bulk_error_bars),
    cmocka_unit_test(test_risk_error_bars),
    cmocka_unit_test(test_r0_is_rf),
    cmocka_unit_test(test_r0_gamma_free),
    cmocka_unit_test(test_lambda_infinity),
    cmocka_unit_test(test_sherman_morrison),
    cmocka_unit_test(test_train_envelope),
    cmocka_unit_test(test_edge),
    cmocka_unit_test(test_outliers),
    cmocka_unit_test(test_mean_outlier),
    cmocka_unit_test(test_network_map),
    cmocka_unit_test(test_bad_input),
    cmocka_unit_test(test_group_k1),
    cmocka_unit_test(test_group_equal_support),
    cmocka_unit_test(test_group_odd_symmetric),
    cmocka_unit_test(test_group_relu_01),
    cmocka_unit_test(test_group_spec_table),
    cmocka_unit_test(test_group_walk),
    cmocka_unit_test(test_group_limits),
    cmocka_unit_test(test_group_bars),
    cmocka_unit_test(test_group_bad_law),
    cmocka_unit_test(test_gaussian_law),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Error bars tested as bars (Arb style).  For each module, thousands of seeded random
 * parameter points across the documented domain (edges and atoms included); every value is
 * computed by two independent routes and the two balls must overlap,
 *     |a - b| <= err_a + err_b           (no extra tolerance),
 * and, in aggregate, the bars must not be absurdly wide:
 *     median_i  (err_a + err_b) / (|a - b| + ROUND_ULPS eps max(|a|, |b|))  <=  F_module.
 * The median, not every point: where the routes agree to the last bit the bar legitimately
 * exceeds the difference.  Each F is about 100 times the median observed when it was set
 * (docs/core.md "Error bars tested as bars"), so a bar multiplied by 1e6 fails, and a bar
 * set to 0 fails the overlap wherever the routes differ by more than round-off (each
 * module's routes must differ beyond round-off somewhere, which is checked too).
 * Every run prints, per module, the comparisons, the largest |a - b|/(err_a + err_b) and
 * where it occurred, and the median and 90th percentile of the width ratio.
 *
 * BARS_SCALE multiplies the number of points (1 in the unit suite, more in the slow one). */
#include <float.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_rng.h>
#include "testutil.h"
#include "deqnn/act.h"
#include "deqnn/ck.h"
#include "deqnn/mp.h"
#include "deqnn/ntk.h"
#include "deqnn/onestep.h"
#include "deqnn/pencil.h"
#include "deqnn/rf.h"

#ifndef BARS_SCALE
#define BARS_SCALE 1
#endif

static const unsigned long SEED = 20261130UL;
/* Round-off floor of the width statistic, in units of DBL_EPSILON times the value. */
static const double ROUND_ULPS = 4.0;

/* ---------- statistics of one module ---------- */

static int cmp_double(const void *x, const void *y)
{
  double a = *(const double *) x, b = *(const double *) y;
  return (a > b) - (a < b);
}

/* Description of the current parameter point, printed with a failure. */
static char ctx[1024];

/* Width ratios of one quantity (one `what`), so that the width test sees a bar inflated in
 * one quantity even when the module's other quantities dominate the pooled median. */
typedef struct {
  char what[48];
  size_t n, cap;
  double *w;
} bar_quantity;

enum { MAXQ = 48, MINQ = 50 };  /* quantities per module; fewest comparisons for a median */

typedef struct {
  const char *name;
  bar_quantity q[MAXQ];
  size_t nq, n;
  double max_ratio;   /* max |a - b| / (err_a + err_b) */
  char max_at[1100];  /* where */
  size_t ndiff;       /* points where the routes differ by more than the round-off floor */
} bar_stats;

static void stats_init(bar_stats *s, const char *name)
{
  memset(s, 0, sizeof *s);
  s->name = name;
}

static void stats_add(bar_stats *s, const char *what, double w)
{
  size_t k = 0;
  while (k < s->nq && strcmp(s->q[k].what, what) != 0)
    k++;
  if (k == s->nq) {
    assert_true(s->nq < MAXQ);
    snprintf(s->q[k].what, sizeof s->q[k].what, "%s", what);
    s->nq++;
  }
  bar_quantity *q = &s->q[k];
  if (q->n == q->cap) {
    q->cap = q->cap ? 2 * q->cap : 256;
    q->w = realloc(q->w, q->cap * sizeof *q->w);
    assert_non_null(q->w);
  }
  q->w[q->n++] = w;
  s->n++;
}

/* One comparison: values a, b with bars ea, eb (scale = magnitude for the round-off floor). */
static void pair(bar_stats *s, const char *what, double a, double ea, double b, double eb,
                 double scale)
{
  double d = fabs(a - b), e = ea + eb;
  /* an infinite bar is a (useless) ball: it counts as infinitely wide in the statistic */
  if (!(isfinite(a) && isfinite(b) && ea >= 0 && eb >= 0))
    fail_msg("%s %s [%s]: not a ball: %.17g +- %.3g vs %.17g +- %.3g", s->name, what, ctx, a, ea,
             b, eb);
  if (!(d <= e))
    fail_msg("%s %s [%s]: balls do not overlap: %.17g +- %.3g vs %.17g +- %.3g (|a - b| = %.3g, "
             "%.3g bars)", s->name, what, ctx, a, ea, b, eb, d, e > 0 ? d / e : INFINITY);
  if (e > 0 && d / e > s->max_ratio) {
    s->max_ratio = d / e;
    snprintf(s->max_at, sizeof s->max_at, "%s [%s]", what, ctx);
  }
  double floor = ROUND_ULPS * DBL_EPSILON * scale;
  if (d > floor)
    s->ndiff++;
  stats_add(s, what, floor + d > 0 ? e / (d + floor) : 1.0);
}

static void pair_r(bar_stats *s, const char *what, deq_result a, deq_result b)
{
  pair(s, what, a.val, a.err, b.val, b.err, fmax(fabs(a.val), fabs(b.val)));
  if (isfinite(a.err) && isfinite(b.err))
    assert_overlap(a, b);  /* the same test as pair's, as testutil.h states it */
}

static void pair_c(bar_stats *s, const char *what, deq_cresult a, deq_cresult b)
{
  double d = cabs(a.val - b.val);
  /* a complex ball as a real one: distance 0 vs d, radius err */
  pair(s, what, 0.0, a.err, d, b.err, fmax(cabs(a.val), cabs(b.val)));
}

/* Report and check the width: for every quantity with at least MINQ comparisons, median
 * ratio <= F, or <= F_wide for the quantities whose name starts with `wide` (if not NULL);
 * the routes must differ somewhere (else the test could not see a zeroed bar). */
static void stats_finish_wide(bar_stats *s, double F, const char *wide, double F_wide)
{
  printf("bars %-10s %6zu comparisons, %6zu differ beyond round-off, max |a-b|/(ea+eb) = %.3g "
         "(F = %.3g)\n", s->name, s->n, s->ndiff, s->max_ratio, F);
  printf("     largest |a-b|/(ea+eb) at %s\n", s->max_at);
  const char *bad = NULL;
  double bad_med = 0.0, bad_F = 0.0;
  for (size_t k = 0; k < s->nq; k++) {
    bar_quantity *q = &s->q[k];
    qsort(q->w, q->n, sizeof *q->w, cmp_double);
    double med = q->w[q->n / 2], p90 = q->w[(9 * q->n) / 10];
    double Fq = wide != NULL && strncmp(q->what, wide, strlen(wide)) == 0 ? F_wide : F;
    printf("     %-22s %6zu  width median %9.3g  p90 %9.3g  (F %.3g)\n", q->what, q->n, med, p90,
           Fq);
    if (q->n >= MINQ && !(med <= Fq) && bad == NULL) {
      bad = q->what;
      bad_med = med;
      bad_F = Fq;
    }
  }
  fflush(stdout);
  if (bad != NULL)
    fail_msg("%s: error bars too wide: median (ea+eb)/(|a-b|+round) of %s = %.3g > F = %.3g",
             s->name, bad, bad_med, bad_F);
  if (s->ndiff == 0)
    fail_msg("%s: the two routes never differ beyond round-off", s->name);
  for (size_t k = 0; k < s->nq; k++)
    free(s->q[k].w);
}

static void stats_finish(bar_stats *s, double F)
{
  stats_finish_wide(s, F, NULL, 0.0);
}

/* ---------- random parameters ---------- */

static gsl_rng *rng(void)
{
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  assert_non_null(r);
  gsl_rng_set(r, SEED);
  return r;
}

static double unif(gsl_rng *r, double lo, double hi) { return lo + (hi - lo) * gsl_rng_uniform(r); }
static double logu(gsl_rng *r, double lo, double hi) { return lo * pow(hi / lo, gsl_rng_uniform(r)); }
static size_t pick(gsl_rng *r, size_t n) { return (size_t) gsl_rng_uniform_int(r, n); }

/* Quadrature options spread over their useful range (default 1e-13 / 1e-12). */
static void random_quad_opts(gsl_rng *r, deq_opts *o)
{
  deq_opts_init(o);
  o->quad_epsabs = logu(r, 1e-14, 1e-8);
  o->quad_epsrel = logu(r, 1e-13, 1e-7);
}

static void tight_opts(deq_opts *o)
{
  deq_opts_init(o);
  o->tol_step = 1e-15;
  o->tol_res = 1e-14;
  o->max_iter = 400;
  o->quad_epsabs = 1e-16;
  o->quad_epsrel = 1e-13;
  o->ladder_steps = 120;
  o->moment_nodes = 512;
}

/* Hermite coefficient of a poly activation, random over [-2, 2]; a quarter of them 0, a
 * quarter small (edges: vanishing constants). */
static double random_coef(gsl_rng *r)
{
  switch (pick(r, 4)) {
  case 0: return 0.0;
  case 1: return (gsl_rng_uniform(r) < 0.5 ? -1 : 1) * logu(r, 1e-8, 1e-2);
  default: return unif(r, -2.0, 2.0);
  }
}

/* Long-double closed form with a bar of one double ulp (the final rounding) plus the long
 * double round-off, generously 64 ulps of long double. */
static deq_result ld_ball(long double v)
{
  deq_result x = { (double) v, (double) (fabsl(v) * (DBL_EPSILON / 2 + 64 * LDBL_EPSILON)) };
  return x;
}

/* ---------- act ---------- */

/* Route A: closed forms (poly, relu, erf, linear, he2) or quadrature at random tolerances;
 * route B: deq_act_hermite (quadrature, h_0 = mu0, h_1 = mu1, and for poly m2 = sum h_k^2,
 * d2 = h1^2 + 2 h2^2 + 3 h3^2), or quadrature at tightened tolerances. */
/* Width factors.  Quantities through deq_act_hermite ("quad: ..."): GSL's QAGIU error
 * estimate is pessimistic by design (the Kronrod difference scaled by (200 err/resasc)^1.5),
 * and the random tolerances reach 1e-7 while polynomial-times-Gaussian integrands converge far
 * beyond them: medians 5e4 .. 5e5 observed, F_ACT_QUAD = 5e7 is 100 times the largest.  The
 * rest (quadrature against tightened quadrature, closed forms): medians 1 .. 110 observed,
 * F_ACT = 1e4. */
static const double F_ACT = 1e4, F_ACT_QUAD = 5e7;

static deq_result sq(deq_result x)
{
  deq_result y = { x.val * x.val, 2.0 * fabs(x.val) * x.err + x.err * x.err
                   + DBL_EPSILON * x.val * x.val };
  return y;
}

static deq_result add(deq_result x, deq_result y, double c)
{
  deq_result z = { x.val + c * y.val, x.err + fabs(c) * y.err };
  z.err += DBL_EPSILON * fabs(z.val);
  return z;
}

static void test_act(void **state)
{
  (void) state;
  gsl_rng *r = rng();
  bar_stats s;
  stats_init(&s, "act");
  const size_t npoly = 1500 * BARS_SCALE, nquad = 300 * BARS_SCALE;
  for (size_t i = 0; i < npoly; i++) {
    deq_act act = { DEQ_ACT_POLY, { 0 } };
    for (int k = 0; k < 4; k++)
      act.c[k] = random_coef(r);
    deq_opts o;
    random_quad_opts(r, &o);
    snprintf(ctx, sizeof ctx, "poly:%.17g,%.17g,%.17g,%.17g epsabs %.3g epsrel %.3g", act.c[0],
             act.c[1], act.c[2], act.c[3], o.quad_epsabs, o.quad_epsrel);
    deq_act_gauss m;
    deq_result h[4];
    assert_int_equal(deq_act_moments(&act, &o, &m), DEQ_SUCCESS);
    assert_int_equal(deq_act_hermite(&act, 3, &o, h), DEQ_SUCCESS);
    deq_result m2 = add(add(sq(h[0]), sq(h[1]), 1), add(sq(h[2]), sq(h[3]), 1), 1);
    deq_result d2 = add(add(sq(h[1]), sq(h[2]), 2), sq(h[3]), 3);
    deq_result ms2 = add(sq(h[2]), sq(h[3]), 1);
    pair_r(&s, "quad: poly mu0", m.mu0, h[0]);
    pair_r(&s, "quad: poly mu1", m.mu1, h[1]);
    pair_r(&s, "quad: poly m2", m.m2, m2);
    pair_r(&s, "quad: poly d2", m.d2, d2);
    pair_r(&s, "quad: poly mustar2", m.mustar2, ms2);
    /* the closed forms against long double, where the Fan-Wang variance is
     * c1^2 + c2^2 + c3^2 without the cancellation of m2 - mu0^2 */
    long double c0 = act.c[0], c1 = act.c[1], c2 = act.c[2], c3 = act.c[3];
    long double var = c1 * c1 + c2 * c2 + c3 * c3, dd = c1 * c1 + 2 * c2 * c2 + 3 * c3 * c3;
    pair_r(&s, "closed m2", m.m2, ld_ball(c0 * c0 + var));
    pair_r(&s, "closed d2", m.d2, ld_ball(dd));
    pair_r(&s, "closed mustar2", m.mustar2, ld_ball(c2 * c2 + c3 * c3));
    deq_act_fw fw;
    if (var > 0 && deq_act_fw_constants(&act, &o, &fw) == DEQ_SUCCESS) {
      pair_r(&s, "closed fw b", fw.b, ld_ball(c1 * c1 / var));
      pair_r(&s, "closed fw a", fw.a, ld_ball(dd / var));
    }
  }
  const char *names[] = { "tanh", "sigmoid", "softplus", "relu", "erf", "linear", "he2" };
  deq_opts tight;
  tight_opts(&tight);
  for (size_t i = 0; i < nquad; i++)
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
      deq_act act;
      assert_int_equal(deq_act_parse(names[k], "--act", &act), DEQ_SUCCESS);
      deq_opts o;
      random_quad_opts(r, &o);
      snprintf(ctx, sizeof ctx, "%s epsabs %.3g epsrel %.3g", names[k], o.quad_epsabs,
               o.quad_epsrel);
      deq_act_gauss a, b;
      deq_result h[2];
      assert_int_equal(deq_act_moments(&act, &o, &a), DEQ_SUCCESS);
      assert_int_equal(deq_act_moments(&act, &tight, &b), DEQ_SUCCESS);
      assert_int_equal(deq_act_hermite(&act, 1, &o, h), DEQ_SUCCESS);
      pair_r(&s, "mu0", a.mu0, b.mu0);
      pair_r(&s, "mu1", a.mu1, b.mu1);
      pair_r(&s, "m2", a.m2, b.m2);
      pair_r(&s, "d2", a.d2, b.d2);
      pair_r(&s, "mustar2", a.mustar2, b.mustar2);
      pair_r(&s, "quad: hermite h0", h[0], b.mu0);
      pair_r(&s, "quad: hermite h1", h[1], b.mu1);
      deq_act_fw fa, fb;
      assert_int_equal(deq_act_fw_constants(&act, &o, &fa), DEQ_SUCCESS);
      assert_int_equal(deq_act_fw_constants(&act, &tight, &fb), DEQ_SUCCESS);
      pair_r(&s, "fw b", fa.b, fb.b);
      pair_r(&s, "fw a", fa.a, fb.a);
    }
  stats_finish_wide(&s, F_ACT, "quad:", F_ACT_QUAD);
  gsl_rng_free(r);
}

/* ---------- onestep: closed forms of S20-S23 in long double ---------- */

/* A random RF problem: student from a list or a random poly (mu1 >= 0.1); teacher a random
 * poly (closed-form constants) or tanh/sigmoid (quadrature). */
static void random_acts(gsl_rng *r, deq_act *st, deq_act *teacher)
{
  static const char *students[] = { "tanh", "relu", "erf", "softplus", "sigmoid", "linear",
                                    "he2" };
  if (gsl_rng_uniform(r) < 0.3) {
    st->kind = DEQ_ACT_POLY;
    for (int k = 0; k < 4; k++)
      st->c[k] = random_coef(r);
    st->c[1] = unif(r, 0.1, 2.0);
  } else {
    assert_int_equal(deq_act_parse(students[pick(r, 7)], "--act", st), DEQ_SUCCESS);
  }
  double u = gsl_rng_uniform(r);
  if (u < 0.15)
    assert_int_equal(deq_act_parse("tanh", "--teacher", teacher), DEQ_SUCCESS);
  else if (u < 0.2)
    assert_int_equal(deq_act_parse("sigmoid", "--teacher", teacher), DEQ_SUCCESS);
  else {
    teacher->kind = DEQ_ACT_POLY;
    for (int k = 0; k < 4; k++)
      teacher->c[k] = random_coef(r);
  }
}

static deq_rf_model *rf_model(const deq_act *st, const deq_act *teacher, const deq_opts *o)
{
  deq_rf_model *m;
  assert_int_equal(deq_rf_model_alloc(st, teacher, o, &m), DEQ_SUCCESS);
  return m;
}


/* Width factor: medians 1 .. 1400 observed per quantity (the largest for the variance after the
 * step: Brent's bracket and the D2 rounding bound; cos^2 about 15; 2300 for "eta 0 = rf", where
 * both routes give the same bits and the ratio is the bar over the round-off floor); F = 1e5 is
 * ~50 times the largest, and any quantity's bar times 1e6 exceeds it. */
static const double F_ONESTEP = 1e5;

/* Route A: the library at default options.  Route B: for a poly teacher, S21 as
 * 1 / (1 + E y^2 / (psi_g F1^2)) in long double from the coefficients (F1 = c1,
 * E y^2 = sum c_k^2 + tau^2); for every teacher, the same function on the model built at
 * tightened quadrature and solver tolerances (S20 spike, S21, S22, S23, the baselines S24-S26,
 * risk after the step); at eta = 0 the risk against deq_rf_risk. */
static void test_onestep(void **state)
{
  (void) state;
  gsl_rng *r = rng();
  bar_stats s;
  stats_init(&s, "onestep");
  deq_opts tight;
  tight_opts(&tight);
  const size_t nmodel = 150 * BARS_SCALE, nper = 12;
  for (size_t i = 0; i < nmodel; i++) {
    deq_act st, teacher;
    random_acts(r, &st, &teacher);
    deq_rf_model *m = rf_model(&st, &teacher, NULL), *mt = rf_model(&st, &teacher, &tight);
    char aname[128], tname[128];
    deq_act_name(&st, aname, sizeof aname);
    deq_act_name(&teacher, tname, sizeof tname);
    for (size_t j = 0; j < nper; j++) {
      deq_onestep_params p;
      p.width_ratio = logu(r, 1e-2, 1e2);
      p.sample_ratio = logu(r, 1e-2, 1e2);
      p.batch_ratio = logu(r, 1e-3, 1e3);
      p.lambda = gsl_rng_uniform(r) < 0.2 ? 0.0 : logu(r, 1e-6, 1e2);
      p.noise = gsl_rng_uniform(r) < 0.2 ? 0.0 : logu(r, 1e-4, 4.0);
      p.eta = gsl_rng_uniform(r) < 0.1 ? 0.0 : unif(r, -10.0, 10.0);
      snprintf(ctx, sizeof ctx, "act %s teacher %s psi1 %.17g psi2 %.17g psig %.17g lambda %.17g "
               "tau2 %.17g eta %.17g", aname, tname, p.width_ratio, p.sample_ratio, p.batch_ratio,
               p.lambda, p.noise, p.eta);
      deq_result g, gt, w, wt;
      assert_int_equal(deq_onestep_gradient_alignment(m, &p, &g), DEQ_SUCCESS);
      assert_int_equal(deq_onestep_gradient_alignment(mt, &p, &gt), DEQ_SUCCESS);
      pair_r(&s, "cos2 S21 tight", g, gt);
      if (teacher.kind == DEQ_ACT_POLY) {
        long double F1 = teacher.c[1], Ey2 = p.noise;
        for (int k = 0; k < 4; k++)
          Ey2 += (long double) teacher.c[k] * teacher.c[k];
        long double cos2 = F1 == 0 ? 0.0L : 1.0L / (1.0L + Ey2 / (p.batch_ratio * F1 * F1));
        pair_r(&s, "cos2 S21 closed", g, ld_ball(cos2));
      }
      assert_int_equal(deq_onestep_weight_alignment(m, &p, &w), DEQ_SUCCESS);
      assert_int_equal(deq_onestep_weight_alignment(mt, &p, &wt), DEQ_SUCCESS);
      pair_r(&s, "cos2 S23 tight", w, wt);
      deq_onestep_spike sp, spt;
      assert_int_equal(deq_onestep_spike_eval(m, &p, &sp), DEQ_SUCCESS);
      assert_int_equal(deq_onestep_spike_eval(mt, &p, &spt), DEQ_SUCCESS);
      pair_r(&s, "rho", sp.rho, spt.rho);
      pair_r(&s, "s_u", sp.s_u, spt.s_u);
      deq_onestep_bbp bb, bbt;
      assert_int_equal(deq_onestep_bbp_eval(m, &p, &bb), DEQ_SUCCESS);
      assert_int_equal(deq_onestep_bbp_eval(mt, &p, &bbt), DEQ_SUCCESS);
      if (bb.outlier == bbt.outlier)
        pair_r(&s, "bbp theta", bb.theta, bbt.theta);
      /* S24-S26 baselines */
      deq_result ba, bb2, la, lb;
      assert_int_equal(deq_onestep_best_linear(m, &ba), DEQ_SUCCESS);
      assert_int_equal(deq_onestep_best_linear(mt, &bb2), DEQ_SUCCESS);
      pair_r(&s, "best linear S24", ba, bb2);
      double lx = gsl_rng_uniform(r) < 0.2 ? 0.0 : logu(r, 1e-4, 1e2);
      int s1 = deq_onestep_linear_ridge(m, p.sample_ratio, lx, p.noise, &ba);
      int s2 = deq_onestep_linear_ridge(mt, p.sample_ratio, lx, p.noise, &bb2);
      if (s1 == DEQ_SUCCESS && s2 == DEQ_SUCCESS)
        pair_r(&s, "linear ridge S25", ba, bb2);
      assert_int_equal(deq_onestep_linear_ridge_opt(m, p.sample_ratio, p.noise, &la, &ba),
                       DEQ_SUCCESS);
      assert_int_equal(deq_onestep_linear_ridge_opt(mt, p.sample_ratio, p.noise, &lb, &bb2),
                       DEQ_SUCCESS);
      pair_r(&s, "linear ridge opt S25", ba, bb2);
      if (isfinite(la.val) && isfinite(lb.val))
        pair_r(&s, "lambda_x opt S25", la, lb);
      s1 = deq_onestep_kernel_ridge(m, p.sample_ratio, p.lambda, p.noise, &ba);
      s2 = deq_onestep_kernel_ridge(mt, p.sample_ratio, p.lambda, p.noise, &bb2);
      if (s1 == DEQ_SUCCESS && s2 == DEQ_SUCCESS)
        pair_r(&s, "kernel ridge S26", ba, bb2);
      deq_rf_result ra, rb;
      int sa = deq_onestep_risk(m, &p, NULL, &ra), sb = deq_onestep_risk(mt, &p, &tight, &rb);
      if (p.eta == 0.0 && sa == DEQ_SUCCESS) {  /* eta = 0 is plain RF */
        deq_rf_params q = { p.width_ratio, p.sample_ratio, p.lambda, p.noise };
        deq_rf_result rr;
        assert_int_equal(deq_rf_risk(m, &q, NULL, &rr), DEQ_SUCCESS);
        pair_r(&s, "eta 0 = rf", ra.risk, rr.risk);
      }
      if (sa == DEQ_EDIVERGE || sb == DEQ_EDIVERGE)
        continue;
      assert_int_equal(sa, DEQ_SUCCESS);
      assert_int_equal(sb, DEQ_SUCCESS);
      pair_r(&s, "risk", ra.risk, rb.risk);
      pair_r(&s, "train", ra.train_error, rb.train_error);
      pair_r(&s, "bias", ra.bias, rb.bias);
      pair_r(&s, "variance", ra.variance, rb.variance);
      pair_r(&s, "kappa", ra.kappa, rb.kappa);
    }
    deq_rf_model_free(m);
    deq_rf_model_free(mt);
  }
  stats_finish(&s, F_ONESTEP);
  gsl_rng_free(r);
}

/* ---------- rf ---------- */

/* Route A: the effective-ridge route deq_rf_risk (Brent on S12) at default options.
 * Route B: Mei-Montanari's closed form deq_rf_risk_mm (damped fixed point on S5) for
 * lambda > 0 and mu_* > 0, and deq_rf_risk at tightened tolerances on a model whose
 * quadratures are tightened too (every lambda, ridgeless included). */
/* Width factor: medians 3 .. 1300 observed per quantity (Brent's bracket width, the S5
 * fixed-point bound and the D2 rounding bound are upper bounds); F = 2e5 is ~150 times the
 * largest, and any quantity's bar times 1e6 exceeds it. */
static const double F_RF = 2e5;

static void random_rf_params(gsl_rng *r, deq_rf_params *p)
{
  p->width_ratio = logu(r, 1e-2, 1e2);
  p->sample_ratio = logu(r, 1e-2, 1e2);
  switch (pick(r, 6)) {
  case 0: p->width_ratio = p->sample_ratio * (1.0 + unif(r, -1e-2, 1e-2)); break;  /* threshold */
  case 1: p->width_ratio = p->sample_ratio = logu(r, 0.5, 2.0); break;
  default: break;
  }
  p->lambda = gsl_rng_uniform(r) < 0.15 ? 0.0 : logu(r, 1e-6, 1e2);
  p->noise = gsl_rng_uniform(r) < 0.2 ? 0.0 : logu(r, 1e-4, 4.0);
}

static void rf_pairs(bar_stats *s, const char *route, const deq_rf_result *a,
                     const deq_rf_result *b)
{
  char w[64];
  snprintf(w, sizeof w, "%s risk", route), pair_r(s, w, a->risk, b->risk);
  snprintf(w, sizeof w, "%s train", route), pair_r(s, w, a->train_error, b->train_error);
  snprintf(w, sizeof w, "%s bias", route), pair_r(s, w, a->bias, b->bias);
  snprintf(w, sizeof w, "%s variance", route), pair_r(s, w, a->variance, b->variance);
  snprintf(w, sizeof w, "%s kappa", route), pair_r(s, w, a->kappa, b->kappa);
}

static void test_rf(void **state)
{
  (void) state;
  gsl_rng *r = rng();
  bar_stats s;
  stats_init(&s, "rf");
  deq_opts tight;
  tight_opts(&tight);
  const size_t nmodel = 100 * BARS_SCALE, nper = 20;
  size_t nskip = 0;
  for (size_t i = 0; i < nmodel; i++) {
    deq_act st, teacher;
    random_acts(r, &st, &teacher);
    deq_rf_model *m = rf_model(&st, &teacher, NULL), *mt = rf_model(&st, &teacher, &tight);
    char aname[128], tname[128];
    deq_act_name(&st, aname, sizeof aname);
    deq_act_name(&teacher, tname, sizeof tname);
    deq_rf_constants c;
    deq_rf_model_constants(m, &c);
    for (size_t j = 0; j < nper; j++) {
      deq_rf_params p;
      random_rf_params(r, &p);
      snprintf(ctx, sizeof ctx, "act %s teacher %s psi1 %.17g psi2 %.17g lambda %.17g tau2 %.17g",
               aname, tname, p.width_ratio, p.sample_ratio, p.lambda, p.noise);
      deq_rf_result ra, rb, rm;
      int sa = deq_rf_risk(m, &p, NULL, &ra), sb = deq_rf_risk(mt, &p, &tight, &rb);
      if (sa == DEQ_EDIVERGE || sb == DEQ_EDIVERGE)
        continue;
      assert_int_equal(sa, DEQ_SUCCESS);
      assert_int_equal(sb, DEQ_SUCCESS);
      rf_pairs(&s, "tight", &ra, &rb);
      if (p.lambda > 0 && !c.linear) {
        int sm = deq_rf_risk_mm(m, &p, NULL, &rm);
        if (sm != DEQ_SUCCESS) {  /* S5 not converged (near the threshold, tiny lambda) */
          nskip++;
          continue;
        }
        rf_pairs(&s, "mm", &ra, &rm);
      }
    }
    deq_rf_model_free(m);
    deq_rf_model_free(mt);
  }
  printf("rf: %zu points where deq_rf_risk_mm did not converge (status reported)\n", nskip);
  stats_finish(&s, F_RF);
  gsl_rng_free(r);
}

/* ---------- mp ---------- */

/* A closed form of S2 as a ball: a backward error of CLOSED_ULPS ulps in z, in the edges
 * l+- (which enter R = sqrt(z - l-) sqrt(z - l+)) and in gamma, pushed forward by dm/dz and
 * dm/dgamma from the quadratic gamma z m^2 + (z - 1 + gamma) m + 1 = 0, plus the final
 * rounding of m. */
static const double CLOSED_ULPS = 8.0;

static deq_cresult mp_ball_shift(deq_complex z, double gamma, double shift);

static deq_cresult mp_ball(deq_complex z, double gamma)
{
  return mp_ball_shift(z, gamma, 0.0);
}

/* m_MP(z - shift) with the rounding of z - shift included. */
static deq_cresult mp_ball_shift(deq_complex z, double gamma, double shift)
{
  z -= shift;
  deq_complex m;
  int st = deq_mp_stieltjes(z, gamma, &m);
  assert_int_equal(st, DEQ_SUCCESS);
  double lo, hi;
  deq_mp_edges(gamma, &lo, &hi);
  deq_complex D = 2.0 * gamma * z * m + z - 1.0 + gamma;
  double dz = cabs((gamma * m * m + m) / D), dg = cabs((z * m * m + m) / D);
  deq_cresult r = { m, CLOSED_ULPS * DBL_EPSILON * (cabs(m) + dz * (cabs(z) + hi + fabs(shift))
                                                   + dg * gamma) };
  return r;
}

static deq_pencil *mp_pencil(double gamma, const deq_opts *o)
{
  deq_pencil_params par = { 0 };
  par.L = 0;
  par.gamma[0] = gamma;
  par.q[0] = 1;
  par.input.kind = DEQ_DATA_GAUSSIAN;
  deq_pencil *pen;
  assert_int_equal(deq_pencil_alloc(&par, o, &pen), DEQ_SUCCESS);
  return pen;
}

/* A random point of the plane for the law with support [lo, hi] (atom at 0): off the axis at
 * every height, next to the edges and to the atom, on the real axis outside the support, in
 * the lower half-plane. */
static deq_complex random_z(gsl_rng *r, double lo, double hi)
{
  double w = hi - lo, sc = fmax(hi, 1.0), sg = gsl_rng_uniform(r) < 0.5 ? -1.0 : 1.0;
  switch (pick(r, 7)) {
  case 0: return unif(r, lo - 0.5 * w, hi + 0.5 * w) + I * sc * logu(r, 1e-6, 10.0);
  case 1: return lo + sg * w * logu(r, 1e-8, 1e-2) + I * sc * logu(r, 1e-8, 1e-3);
  case 2: return hi + sg * w * logu(r, 1e-8, 1e-2) + I * sc * logu(r, 1e-8, 1e-3);
  case 3: return sg * logu(r, 1e-6, 1e-1) * lo + I * logu(r, 1e-6, 1e-1) * sc;  /* atom */
  case 4: return hi + w * logu(r, 1e-3, 10.0);                                  /* real, right */
  case 5: return lo > 0 ? lo * unif(r, 0.05, 0.95) : -sc * logu(r, 1e-3, 10.0); /* real, left */
  default: return unif(r, lo - w, hi + w) - I * sc * logu(r, 1e-4, 10.0);       /* C- */
  }
}

static double random_gamma(gsl_rng *r)
{
  switch (pick(r, 8)) {
  case 0: return 1.0;
  case 1: return 1.0 + unif(r, -1e-3, 1e-3);
  default: return logu(r, 1e-2, 1e2);
  }
}

/* Route A: the pencil solver with one level (b = 1, S14-S17); route B: the closed forms of
 * mp.h (S2 Stieltjes transform, S3 density, S1 atom, S5 moments). */
/* Width factor: medians 1 .. 120 observed per quantity (the adjoint error of the Newton
 * system, the closed form's CLOSED_ULPS backward error); F = 1e4 is ~100 times the largest. */
static const double F_MP = 1e4;

static void test_mp(void **state)
{
  (void) state;
  gsl_rng *r = rng();
  bar_stats s;
  stats_init(&s, "mp");
  const size_t ngamma = 200 * BARS_SCALE, nz = 30, nx = 10;
  for (size_t i = 0; i < ngamma; i++) {
    double gamma = random_gamma(r), lo, hi, atom;
    deq_mp_edges(gamma, &lo, &hi);
    deq_mp_atom(gamma, &atom);
    deq_pencil *pen = mp_pencil(gamma, NULL);
    for (size_t j = 0; j < nz; j++) {
      deq_complex z = random_z(r, lo, hi);
      if (gamma >= 1 && cabs(z) < 1e-300)
        continue;
      snprintf(ctx, sizeof ctx, "gamma %.17g z %.17g%+.17gi", gamma, creal(z), cimag(z));
      deq_cresult a;
      assert_int_equal(deq_pencil_stieltjes(pen, z, &a, NULL), DEQ_SUCCESS);
      pair_c(&s, "stieltjes", a, mp_ball(z, gamma));
    }
    /* density on an increasing grid inside the support, clustered at the edges */
    double x[10];
    deq_result rho[10];
    int st[10];
    for (size_t j = 0; j < nx; j++) {
      double u = ((double) j + gsl_rng_uniform(r)) / (double) nx;
      x[j] = lo + (hi - lo) * 0.5 * (1.0 - cos(M_PI * u));
      if (x[j] <= lo || x[j] >= hi || (gamma == 1.0 && x[j] < 1e-12))
        x[j] = 0.5 * (lo + hi);
    }
    qsort(x, nx, sizeof x[0], cmp_double);
    snprintf(ctx, sizeof ctx, "gamma %.17g density", gamma);
    assert_int_equal(deq_pencil_density(pen, nx, x, rho, st), DEQ_SUCCESS);
    for (size_t j = 0; j < nx; j++) {
      deq_cresult b = mp_ball(x[j], gamma);
      deq_result rb = { cimag(b.val) / M_PI, b.err / M_PI };
      double rc;
      deq_mp_density(x[j], gamma, &rc);
      snprintf(ctx, sizeof ctx, "gamma %.17g density x %.17g (closed S3 %.17g)", gamma, x[j], rc);
      pair_r(&s, "density", rho[j], rb);
    }
    deq_result am, mom[5];
    snprintf(ctx, sizeof ctx, "gamma %.17g atom/moments", gamma);
    assert_int_equal(deq_pencil_atom(pen, 0.0, &am), DEQ_SUCCESS);
    deq_result ab = { atom, 4.0 * DBL_EPSILON };
    pair_r(&s, "atom", am, ab);
    assert_int_equal(deq_pencil_moments(pen, 4, mom), DEQ_SUCCESS);
    for (unsigned k = 0; k <= 4; k++) {
      double mk;
      assert_int_equal(deq_mp_moment(k, gamma, &mk), DEQ_SUCCESS);
      deq_result mb = { mk, CLOSED_ULPS * DBL_EPSILON * (k + 1) * mk };
      pair_r(&s, "moment", mom[k], mb);
    }
    deq_pencil_free(pen);
  }
  stats_finish(&s, F_MP);
  gsl_rng_free(r);
}

/* ---------- pencil, ck, ntk ---------- */

/* Route A: the pencil solver at default options.  Route B: the same solver at tightened
 * tolerances (tight_opts, and eta_rel 1e-13 instead of 1e-10, so densities differ by the
 * finite-eta bias that the bar claims to cover), or a closed form where one exists:
 * CK with b = 0 is MP(gamma_L); linear CK on orthonormal inputs with L = 1 is MP(gamma_1);
 * NTK with L = 1 on orthonormal inputs is a + MP(gamma_1); moments S22-S24
 * (deq_ck_moments_exact, deq_pencil_moments_exact); the CK atom at 0 (deq_ck_atom_exact). */
/* Width factor: medians 1 .. 290 observed per quantity (ck and ntk alike; the largest for the
 * contour-integral moments); F = 3e4 is ~100 times the largest. */
static const double F_PENCIL = 3e4;

static void pencil_tight_opts(deq_opts *o)
{
  tight_opts(o);
  o->eta_rel = 1e-13;
}

static double random_b(gsl_rng *r)
{
  switch (pick(r, 6)) {
  case 0: return 0.0;
  case 1: return 1.0;
  case 2: return 1.0 - logu(r, 1e-6, 1e-2);
  default: return unif(r, 0.0, 1.0);
  }
}

static void random_input(gsl_rng *r, double *gamma0, deq_input_law *in, double *ax, double *ap)
{
  memset(in, 0, sizeof *in);
  switch (pick(r, 4)) {
  case 0:
    in->kind = DEQ_DATA_ORTHONORMAL;
    *gamma0 = unif(r, 0.05, 1.0);
    break;
  case 1:  /* two atoms with mean 1 */
    in->kind = DEQ_DATA_ATOMS;
    in->natoms = 2;
    ax[0] = unif(r, 0.0, 1.0);
    ap[0] = unif(r, 0.1, 0.9);
    ap[1] = 1.0 - ap[0];
    ax[1] = (1.0 - ap[0] * ax[0]) / ap[1];
    in->x = ax;
    in->p = ap;
    break;
  default:
    in->kind = DEQ_DATA_GAUSSIAN;
    break;
  }
}

static const char *kind_name(deq_data_kind k)
{
  return k == DEQ_DATA_GAUSSIAN ? "gaussian" : k == DEQ_DATA_ORTHONORMAL ? "orthonormal" : "atoms";
}

/* Stieltjes transform at random z, density on a grid, moments: A against B. */
static void pencil_pairs(gsl_rng *r, bar_stats *s, deq_pencil *a, deq_pencil *b, size_t nz,
                         const char *desc)
{
  double lo, hi;
  deq_pencil_bound(a, &lo, &hi);
  for (size_t j = 0; j < nz; j++) {
    deq_complex z = random_z(r, lo, hi);
    if (cimag(z) == 0.0)  /* real z must lie outside the support: right of the bound */
      z = hi + (hi - lo + 1.0) * logu(r, 1e-3, 10.0);
    snprintf(ctx, sizeof ctx, "%s z %.17g%+.17gi", desc, creal(z), cimag(z));
    deq_cresult ma, mb;
    assert_int_equal(deq_pencil_stieltjes(a, z, &ma, NULL), DEQ_SUCCESS);
    assert_int_equal(deq_pencil_stieltjes(b, z, &mb, NULL), DEQ_SUCCESS);
    pair_c(s, "stieltjes", ma, mb);
  }
  enum { NX = 8 };
  double x[NX];
  deq_result ra[NX], rb[NX];
  int sa[NX], sb[NX];
  for (size_t j = 0; j < NX; j++)
    x[j] = lo + (hi - lo) * gsl_rng_uniform(r);
  qsort(x, NX, sizeof x[0], cmp_double);
  snprintf(ctx, sizeof ctx, "%s density", desc);
  deq_pencil_density(a, NX, x, ra, sa);
  deq_pencil_density(b, NX, x, rb, sb);
  for (size_t j = 0; j < NX; j++) {
    if (sa[j] || sb[j])
      continue;
    snprintf(ctx, sizeof ctx, "%s density x %.17g (grid %.17g %.17g %.17g %.17g %.17g %.17g %.17g "
             "%.17g)", desc, x[j], x[0], x[1], x[2], x[3], x[4], x[5], x[6], x[7]);
    pair_r(s, "density", ra[j], rb[j]);
  }
}

static void test_ck(void **state)
{
  (void) state;
  gsl_rng *r = rng();
  bar_stats s;
  stats_init(&s, "pencil/ck");
  deq_opts tight;
  pencil_tight_opts(&tight);
  const size_t nnet = 150 * BARS_SCALE, nz = 12;
  size_t nstatus = 0;
  for (size_t i = 0; i < nnet; i++) {
    size_t L = 1 + pick(r, 3);
    double g[DEQ_PENCIL_MAXL + 1], ax[2], ap[2], b = random_b(r);
    for (size_t l = 0; l <= L; l++)
      g[l] = logu(r, 0.1, 10.0);
    deq_input_law in;
    random_input(r, &g[0], &in, ax, ap);
    deq_pencil_params par;
    assert_int_equal(deq_ck_params(b, L, g, &in, &par), DEQ_SUCCESS);
    char desc[400];
    snprintf(desc, sizeof desc, "ck L %zu b %.17g gamma %.17g %.17g %.17g %.17g %s", L, b, g[0], g[1],
             L > 1 ? g[2] : 0.0, L > 2 ? g[3] : 0.0, kind_name(in.kind));
    deq_pencil *pa, *pb;
    assert_int_equal(deq_pencil_alloc(&par, NULL, &pa), DEQ_SUCCESS);
    assert_int_equal(deq_pencil_alloc(&par, &tight, &pb), DEQ_SUCCESS);
    pencil_pairs(r, &s, pa, pb, nz, desc);
    /* closed forms */
    if (b == 0.0 || (b == 1.0 && L == 1 && in.kind == DEQ_DATA_ORTHONORMAL)) {
      double lo, hi;
      deq_mp_edges(g[L], &lo, &hi);
      for (size_t j = 0; j < nz; j++) {
        deq_complex z = random_z(r, lo, hi);
        if (cabs(z) < 1e-300)
          continue;
        snprintf(ctx, sizeof ctx, "%s closed MP z %.17g%+.17gi", desc, creal(z), cimag(z));
        deq_cresult ma;
        assert_int_equal(deq_pencil_stieltjes(pa, z, &ma, NULL), DEQ_SUCCESS);
        pair_c(&s, "stieltjes = MP", ma, mp_ball(z, g[L]));
      }
    }
    snprintf(ctx, sizeof ctx, "%s moments/atom", desc);
    double m1, m2, atom;
    deq_result mom[3], at;
    assert_int_equal(deq_ck_moments_exact(&par, &m1, &m2), DEQ_SUCCESS);
    int st = deq_pencil_moments(pa, 2, mom);
    if (st == DEQ_SUCCESS) {
      deq_result e1 = { m1, CLOSED_ULPS * DBL_EPSILON * m1 }, e2 = { m2, CLOSED_ULPS * DBL_EPSILON * m2 };
      pair_r(&s, "moment 1", mom[1], e1);
      pair_r(&s, "moment 2", mom[2], e2);
    } else {
      nstatus++;
    }
    assert_int_equal(deq_ck_atom_exact(&par, &atom), DEQ_SUCCESS);
    st = deq_pencil_atom(pa, 0.0, &at);
    if (st == DEQ_SUCCESS) {
      deq_result ea = { atom, 4.0 * DBL_EPSILON };
      pair_r(&s, "atom", at, ea);
    } else {
      nstatus++;
    }
    deq_pencil_free(pa);
    deq_pencil_free(pb);
  }
  printf("pencil/ck: %zu moment or atom calls with a non-success status (not compared)\n", nstatus);
  stats_finish(&s, F_PENCIL);
  gsl_rng_free(r);
}

static void test_ntk(void **state)
{
  (void) state;
  gsl_rng *r = rng();
  bar_stats s;
  stats_init(&s, "ntk");
  deq_opts tight;
  pencil_tight_opts(&tight);
  const size_t nnet = 150 * BARS_SCALE, nz = 12;
  size_t nstatus = 0;
  for (size_t i = 0; i < nnet; i++) {
    size_t L = 1 + pick(r, 3);
    double g[DEQ_PENCIL_MAXL + 1], ax[2], ap[2], b = random_b(r), a = b + logu(r, 1e-3, 3.0);
    for (size_t l = 0; l <= L; l++)
      g[l] = logu(r, 0.1, 10.0);
    deq_input_law in;
    random_input(r, &g[0], &in, ax, ap);
    if (i % 3 == 0) {  /* L = 1 on orthonormal inputs: a + MP(gamma_1) */
      L = 1;
      in.kind = DEQ_DATA_ORTHONORMAL;
      g[0] = unif(r, 0.05, 1.0);
    }
    deq_pencil_params par;
    assert_int_equal(deq_ntk_params(a, b, L, g, &in, &par), DEQ_SUCCESS);
    char desc[400];
    snprintf(desc, sizeof desc, "ntk L %zu a %.17g b %.17g gamma %.17g %.17g %.17g %.17g %s", L, a, b,
             g[0], g[1], L > 1 ? g[2] : 0.0, L > 2 ? g[3] : 0.0, kind_name(in.kind));
    deq_pencil *pa, *pb;
    assert_int_equal(deq_pencil_alloc(&par, NULL, &pa), DEQ_SUCCESS);
    assert_int_equal(deq_pencil_alloc(&par, &tight, &pb), DEQ_SUCCESS);
    pencil_pairs(r, &s, pa, pb, nz, desc);
    if (L == 1 && in.kind == DEQ_DATA_ORTHONORMAL) {
      double lo, hi;
      deq_mp_edges(g[1], &lo, &hi);
      for (size_t j = 0; j < nz; j++) {
        deq_complex z = a + random_z(r, lo, hi);
        if (cabs(z - a) < 1e-300)
          continue;
        snprintf(ctx, sizeof ctx, "%s closed a + MP z %.17g%+.17gi", desc, creal(z), cimag(z));
        deq_cresult ma;
        int st = deq_pencil_stieltjes(pa, z, &ma, NULL);
        assert_int_equal(st, DEQ_SUCCESS);
        pair_c(&s, "stieltjes = a + MP", ma, mp_ball_shift(z, g[1], a));
      }
    }
    snprintf(ctx, sizeof ctx, "%s moments", desc);
    double m1, m2;
    deq_result mom[3];
    assert_int_equal(deq_pencil_moments_exact(&par, &m1, &m2), DEQ_SUCCESS);
    if (deq_pencil_moments(pa, 2, mom) == DEQ_SUCCESS) {
      deq_result e1 = { m1, CLOSED_ULPS * DBL_EPSILON * m1 }, e2 = { m2, CLOSED_ULPS * DBL_EPSILON * m2 };
      pair_r(&s, "moment 1", mom[1], e1);
      pair_r(&s, "moment 2", mom[2], e2);
    } else {
      nstatus++;
    }
    deq_pencil_free(pa);
    deq_pencil_free(pb);
  }
  printf("ntk: %zu moment calls with a non-success status (not compared)\n", nstatus);
  stats_finish(&s, F_PENCIL);
  gsl_rng_free(r);
}

/* General pencils r I + sum_l q_l K_l with q_l of either sign (pencil.h): default against
 * tightened options, and the moments S23-S24 (deq_pencil_moments_exact). */
static void test_pencil(void **state)
{
  (void) state;
  gsl_rng *r = rng();
  bar_stats s;
  stats_init(&s, "pencil");
  deq_opts tight;
  pencil_tight_opts(&tight);
  const size_t nnet = 100 * BARS_SCALE, nz = 12;
  size_t nstatus = 0;
  for (size_t i = 0; i < nnet; i++) {
    deq_pencil_params par;
    memset(&par, 0, sizeof par);
    double ax[2], ap[2];
    par.L = pick(r, 3);
    par.gamma[0] = logu(r, 0.1, 10.0);
    double b = random_b(r);
    for (size_t l = 1; l <= par.L; l++) {
      par.gamma[l] = logu(r, 0.1, 10.0);
      par.b[l] = b;
    }
    for (size_t l = 0; l <= par.L; l++)
      par.q[l] = gsl_rng_uniform(r) < 0.1 ? 0.0 : unif(r, -1.0, 2.0);
    if (par.q[par.L] == 0.0)
      par.q[par.L] = 1.0;
    par.r = gsl_rng_uniform(r) < 0.3 ? 0.0 : unif(r, -1.0, 1.0);
    random_input(r, &par.gamma[0], &par.input, ax, ap);
    char desc[400];
    snprintf(desc, sizeof desc, "pencil L %zu b %.17g gamma %.17g %.17g %.17g q %.17g %.17g %.17g "
             "r %.17g %s", par.L, b, par.gamma[0], par.gamma[1], par.gamma[2], par.q[0], par.q[1],
             par.q[2], par.r, kind_name(par.input.kind));
    deq_pencil *pa, *pb;
    assert_int_equal(deq_pencil_alloc(&par, NULL, &pa), DEQ_SUCCESS);
    assert_int_equal(deq_pencil_alloc(&par, &tight, &pb), DEQ_SUCCESS);
    pencil_pairs(r, &s, pa, pb, nz, desc);
    snprintf(ctx, sizeof ctx, "%s moments", desc);
    double m1, m2;
    deq_result mom[3];
    assert_int_equal(deq_pencil_moments_exact(&par, &m1, &m2), DEQ_SUCCESS);
    if (deq_pencil_moments(pa, 2, mom) == DEQ_SUCCESS) {
      /* the exact moments are sums of products of the q_l, r and ratios: 8 ulps of the sum of
       * the magnitudes (approximated by that of the first two moments) */
      deq_result e1 = { m1, CLOSED_ULPS * DBL_EPSILON * (fabs(m1) + fabs(par.r) + 1.0) },
                 e2 = { m2, CLOSED_ULPS * DBL_EPSILON * (fabs(m2) + 1.0) };
      pair_r(&s, "moment 1", mom[1], e1);
      pair_r(&s, "moment 2", mom[2], e2);
    } else {
      nstatus++;
    }
    deq_pencil_free(pa);
    deq_pencil_free(pb);
  }
  printf("pencil: %zu moment calls with a non-success status (not compared)\n", nstatus);
  stats_finish(&s, F_PENCIL);
  gsl_rng_free(r);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_act),
    cmocka_unit_test(test_onestep),
    cmocka_unit_test(test_rf),
    cmocka_unit_test(test_mp),
    cmocka_unit_test(test_ck),
    cmocka_unit_test(test_ntk),
    cmocka_unit_test(test_pencil),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

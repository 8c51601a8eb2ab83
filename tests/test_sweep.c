/* Property sweep: seeded random parameter points across the WHOLE documented domain of every
 * theory module (act, mp, ck, ntk, rf, onestep), extremes included (ratios 1e-300 .. 1e300,
 * subnormals, exactly 1, the interpolation threshold with lambda = 0, noise up to 1e308, eta up
 * to 1e300, huge poly coefficients, z at +-1e300 and next to atoms).  Every call must return:
 *   - any non-success status (DEQ_EINVAL, DEQ_EMAXITER, DEQ_ETOL, DEQ_EBRANCH, DEQ_EBADFUNC,
 *     DEQ_EDIVERGE, ...): always acceptable, counted by kind; or
 *   - DEQ_SUCCESS with every value and bar finite, every bar >= 0, and the value obeying its
 *     mathematical contract within its bar (a few ulps of the compared quantities of slack):
 *       densities >= 0; atom masses in [0, 1]; moments m0 = 1, m2 >= m1^2, m1 in [lo, hi];
 *       for Im z > 0: Im m > 0 (indeed Im m >= y/(D^2 + y^2), D the largest distance from
 *       Re z to the a-priori bound [lo, hi] of deq_pencil_bound) and |m| <= 1/y;
 *       real x < lo: 1/(hi - x) <= m(x) <= 1/(lo - x); x > hi: -1/(x - hi) <= m(x) <= -1/(x - lo)
 *       (x farther than 1e-12 (|lo| + |hi|) from the bound, which is itself rounded);
 *       real x inside [lo, hi]: Im m >= 0 (boundary value from C+);
 *       CDF in [0, 1], non-decreasing, F(x-) <= F(x);
 *       risks, training errors, bias, variance >= 0; R = bias + variance + irreducible;
 *       kappa >= lambda; D1, D2 in [0, 1]; alignments (cos^2) in [0, 1]; s_u >= 0;
 *       the BBP outlier >= the bulk edge; Gaussian constants m2, d2, mu_*^2 >= 0, b in [0, 1],
 *       a >= b.
 * A hang is caught by alarm() (the current reproducer is printed before the abort).
 *
 * The pencil modules (ck, ntk) are swept as OBJECTS (a random network) times evaluation points
 * per object (z, x, grids), because building and continuing a solver is the costly part; a
 * "point" there is one evaluation.
 *
 * SWEEP_SCALE (compile time) multiplies the number of points: 1 in the unit suite (2,000 per
 * module), 30 in the slow one (6 x 10^4 per module; 50 until the suite outgrew CI's 30 minutes).  Environment: SWEEP_DIV=k divides every count by
 * k (valgrind runs); SWEEP_CONTINUE=1 records violations and goes on (printing the first few of
 * each contract) instead of failing at the first. */
#include <float.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <gsl/gsl_rng.h>
#include "testutil.h"
#include "deqnn/act.h"
#include "deqnn/cdf.h"
#include "deqnn/ck.h"
#include "deqnn/mp.h"
#include "deqnn/ntk.h"
#include "deqnn/onestep.h"
#include "deqnn/pencil.h"
#include "deqnn/rf.h"

#ifndef SWEEP_SCALE
#define SWEEP_SCALE 1
#endif

static const unsigned long SEED = 20261130UL;
/* Slack of every comparison: SLACK_ULPS eps times the magnitudes compared. */
static const double SLACK_ULPS = 8.0;
/* Seconds one object or point may take before it counts as a hang. */
static const unsigned HANG_SECONDS = 120;

/* ---------- bookkeeping ---------- */

/* Description of the current call, with every parameter in %.17g: the reproducer. */
static char repro[2048];
static volatile sig_atomic_t in_call;

static void on_alarm(int sig)
{
  (void) sig;
  static const char msg[] = "\ntest_sweep: HANG (alarm) at: ";
  ssize_t w = write(2, msg, sizeof msg - 1);
  w = write(2, repro, strnlen(repro, sizeof repro));
  w = write(2, "\n", 1);
  (void) w;
  _exit(3);
}

/* Contracts whose violations are known and reported (TODO-skipped: counted, and the first
 * reproducer of each printed, but not failed), as "module: contract". */
static const char *const todo[] = {
  NULL
};

typedef struct {
  const char *name;
  size_t points, calls;
  size_t status[DEQ_NSTATUS + 1];  /* the last slot: codes outside 0..DEQ_NSTATUS-1 */
  size_t checks, violations, todo_hits;
  double worst;                    /* smallest relative margin seen (> 0: satisfied) */
  char worst_what[64];
  char worst_at[2048];
  const char *todo_seen[32];       /* TODO contracts already printed */
  size_t ntodo_seen;
  char viol_seen[64][64];          /* contracts violated (continue mode) */
  size_t viol_count[64], nviol_seen;
  double t0;
} sweep_stats;

static int continue_mode;
/* When set, violations are attributed to this known cause (if it is in todo[]). */
static const char *todo_context;

static void stats_init(sweep_stats *s, const char *name)
{
  memset(s, 0, sizeof *s);
  s->name = name;
  s->worst = INFINITY;
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  s->t0 = (double) ts.tv_sec + 1e-9 * (double) ts.tv_nsec;
  const char *e = getenv("SWEEP_CONTINUE");
  continue_mode = e != NULL && atoi(e) != 0;
}

static size_t count(size_t base)
{
  const char *e = getenv("SWEEP_DIV");
  long d = e ? atol(e) : 1;
  size_t n = base * SWEEP_SCALE / (size_t) (d >= 1 ? d : 1);
  return n > 0 ? n : 1;
}

/* Record the status of one call; returns 1 for success. */
static int st_count(sweep_stats *s, int st)
{
  s->calls++;
  s->status[st >= 0 && st < DEQ_NSTATUS ? st : DEQ_NSTATUS]++;
  return st == DEQ_SUCCESS;
}

static size_t todo_hits[64];

static const char *is_todo(const sweep_stats *s, const char *what)
{
  char key[160];
  snprintf(key, sizeof key, "%s: %s", s->name, what);
  for (size_t i = 0; todo[i] != NULL; i++)
    if (strcmp(todo[i], key) == 0) {
      todo_hits[i < 64 ? i : 63]++;
      return todo[i];
    }
  return NULL;
}

/* One contract check: ok says whether it holds, margin its relative distance to failing. */
static void check(sweep_stats *s, const char *what, int ok, double margin, const char *fmt, ...)
#if defined(__GNUC__)
  __attribute__((format(printf, 5, 6)))
#endif
  ;

static void check(sweep_stats *s, const char *what, int ok, double margin, const char *fmt, ...)
{
  s->checks++;
  if (ok && margin < s->worst) {
    s->worst = margin;
    snprintf(s->worst_what, sizeof s->worst_what, "%s", what);
    snprintf(s->worst_at, sizeof s->worst_at, "%s", repro);
  }
  if (ok)
    return;
  char detail[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(detail, sizeof detail, fmt, ap);
  va_end(ap);
  const char *t = todo_context != NULL ? is_todo(s, todo_context) : NULL;
  if (t == NULL)
    t = is_todo(s, what);
  if (t != NULL) {
    s->todo_hits++;
    size_t k = 0;
    while (k < s->ntodo_seen && s->todo_seen[k] != t)
      k++;
    if (k == s->ntodo_seen && k < 32) {
      s->todo_seen[s->ntodo_seen++] = t;
      print_message("TODO (known, skipped: '%s') %s '%s': %s\n  reproducer: %s\n", t, s->name,
                    what, detail, repro);
    }
    return;
  }
  s->violations++;
  if (!continue_mode)
    fail_msg("%s: contract '%s' violated: %s\n  reproducer: %s", s->name, what, detail, repro);
  size_t k = 0;  /* print the first 3 of each contract */
  while (k < s->nviol_seen && strcmp(s->viol_seen[k], what) != 0)
    k++;
  if (k == s->nviol_seen && k < 64)
    snprintf(s->viol_seen[s->nviol_seen++], sizeof s->viol_seen[0], "%s", what);
  if (k < 64 && ++s->viol_count[k] <= 3)
    print_message("VIOLATION %s '%s': %s\n  reproducer: %s\n", s->name, what, detail, repro);
}

/* Finite value and a finite bar >= 0. */
static int sane_r(sweep_stats *s, const char *what, deq_result x)
{
  int ok = isfinite(x.val) && isfinite(x.err) && x.err >= 0;
  check(s, what, ok, INFINITY, "not a ball: val %.17g err %.17g", x.val, x.err);
  return ok;
}

static int sane_c(sweep_stats *s, const char *what, deq_cresult x)
{
  int ok = isfinite(creal(x.val)) && isfinite(cimag(x.val)) && isfinite(x.err) && x.err >= 0;
  check(s, what, ok, INFINITY, "not a ball: val %.17g%+.17gi err %.17g", creal(x.val),
        cimag(x.val), x.err);
  return ok;
}

static int sane_d(sweep_stats *s, const char *what, double x)
{
  int ok = isfinite(x);
  check(s, what, ok, INFINITY, "not finite: %.17g", x);
  return ok;
}

/* a >= b within the bar e, plus SLACK_ULPS eps of the magnitudes and DBL_MIN absolute (a value
 * in the subnormal range may flush to 0). */
static void ge(sweep_stats *s, const char *what, double a, double b, double e)
{
  double mag = fabs(a) + fabs(b);
  double slack = SLACK_ULPS * DBL_EPSILON * mag + DBL_MIN;
  double d = (a - b) + e + slack;
  int ok = d >= 0 || (isinf(a) && a > 0) || (isinf(b) && b < 0);
  /* fraction of the allowance (bar + slack) left: > 1 strictly inside, 1 on the boundary,
   * in [0, 1) outside the boundary but inside the bar, < 0 violated */
  double margin = d / (e + slack);
  check(s, what, ok, isfinite(margin) ? margin : INFINITY,
        "%.17g >= %.17g fails (bar %.3g, short by %.3g)", a, b, e, -d);
}

/* ---------- random parameters ---------- */

static gsl_rng *rng(unsigned long salt)
{
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(r, SEED + salt);
  return r;
}

static double unif(gsl_rng *r, double lo, double hi) { return lo + (hi - lo) * gsl_rng_uniform(r); }
static double logu(gsl_rng *r, double lo, double hi)
{
  return exp(log(lo) + (log(hi) - log(lo)) * gsl_rng_uniform(r));
}
static size_t pick(gsl_rng *r, size_t n) { return (size_t) gsl_rng_uniform_int(r, n); }
static int coin(gsl_rng *r, double p) { return gsl_rng_uniform(r) < p; }
static double sgn(gsl_rng *r) { return coin(r, 0.5) ? 1.0 : -1.0; }

static const double EXTREMES[] = {
  1e-300, 1e300, 4.9406564584124654e-324, 1e-310, 2.2250738585072014e-308, 1.0,
  1.7976931348623157e308, 1e-6, 1e6, 1e-15, 1e15, 0.5, 2.0, 1e-100, 1e100
};
#define NEXTREME (sizeof EXTREMES / sizeof EXTREMES[0])

/* A ratio: log-uniform in [1e-6, 1e6], 15% extreme values, 5% exactly 1. */
static double ratio(gsl_rng *r)
{
  double u = gsl_rng_uniform(r);
  if (u < 0.05)
    return 1.0;
  if (u < 0.20)
    return EXTREMES[pick(r, NEXTREME)];
  return logu(r, 1e-6, 1e6);
}

/* lambda in {0} U log-uniform [1e-300, 1e300] (and a share of moderate values). */
static double lambda_draw(gsl_rng *r)
{
  double u = gsl_rng_uniform(r);
  if (u < 0.2)
    return 0.0;
  if (u < 0.6)
    return logu(r, 1e-6, 1e6);
  if (u < 0.65)
    return EXTREMES[pick(r, NEXTREME)];
  return logu(r, 1e-300, 1e300);
}

static double noise_draw(gsl_rng *r)
{
  double u = gsl_rng_uniform(r);
  if (u < 0.2)
    return 0.0;
  if (u < 0.6)
    return logu(r, 1e-6, 1e2);
  if (u < 0.65)
    return coin(r, 0.5) ? 1e308 : EXTREMES[pick(r, NEXTREME)];
  return logu(r, 1e-300, 1e308);
}

static double eta_draw(gsl_rng *r)
{
  double u = gsl_rng_uniform(r);
  if (u < 0.15)
    return 0.0;
  if (u < 0.6)
    return unif(r, -10.0, 10.0);
  if (u < 0.65)
    return sgn(r) * (coin(r, 0.5) ? 1e300 : EXTREMES[pick(r, NEXTREME)]);
  return sgn(r) * logu(r, 1e-300, 1e300);
}

static double coef_draw(gsl_rng *r)
{
  double u = gsl_rng_uniform(r);
  if (u < 0.3)
    return 0.0;
  if (u < 0.7)
    return unif(r, -2.0, 2.0);
  if (u < 0.8)
    return sgn(r) * EXTREMES[pick(r, NEXTREME)];
  return sgn(r) * logu(r, 1e-300, 1e300);
}

static void act_draw(gsl_rng *r, deq_act *a)
{
  memset(a, 0, sizeof *a);
  a->kind = (deq_act_kind) pick(r, 8);
  if (a->kind == DEQ_ACT_POLY)
    for (int k = 0; k < 4; k++)
      a->c[k] = coef_draw(r);
}

static const char *kind_name(deq_data_kind k)
{
  return k == DEQ_DATA_GAUSSIAN ? "gaussian" : k == DEQ_DATA_ORTHONORMAL ? "orthonormal" : "atoms";
}

/* Input law: Gaussian, orthonormal (gamma_0 <= 1, sometimes exactly 1 or beyond: EINVAL), or
 * 1..3 atoms with mean 1 (an atom at 0 included sometimes). */
static void input_draw(gsl_rng *r, double *gamma0, deq_input_law *in, double *ax, double *ap)
{
  memset(in, 0, sizeof *in);
  switch (pick(r, 3)) {
  case 0:
    in->kind = DEQ_DATA_ORTHONORMAL;
    if (coin(r, 0.8))
      *gamma0 = coin(r, 0.1) ? 1.0 : fmin(1.0, *gamma0);
    break;
  case 1: {
    in->kind = DEQ_DATA_ATOMS;
    in->natoms = 1 + pick(r, 3);
    double mean = 0, tot = 0;
    for (size_t k = 0; k < in->natoms; k++) {
      ax[k] = (k == 0 && coin(r, 0.3)) ? 0.0 : logu(r, 1e-3, 1e3);
      ap[k] = unif(r, 0.05, 1.0);
      tot += ap[k];
    }
    for (size_t k = 0; k < in->natoms; k++) {
      ap[k] /= tot;
      mean += ap[k] * ax[k];
    }
    for (size_t k = 0; k < in->natoms; k++)
      ax[k] /= mean;
    in->x = ax;
    in->p = ap;
    break;
  }
  default:
    in->kind = DEQ_DATA_GAUSSIAN;
    break;
  }
}

static void summary(const sweep_stats *s);

/* ---------- act ---------- */

static void test_act(void **state)
{
  (void) state;
  sweep_stats s;
  stats_init(&s, "act");
  gsl_rng *r = rng(1);
  const size_t n = count(2000);
  char name[160];
  for (size_t i = 0; i < n; i++) {
    deq_act a;
    act_draw(r, &a);
    deq_act_name(&a, name, sizeof name);
    snprintf(repro, sizeof repro, "act %s (c = %.17g, %.17g, %.17g, %.17g)", name, a.c[0], a.c[1],
             a.c[2], a.c[3]);
    alarm(HANG_SECONDS);
    s.points++;
    deq_act_gauss g;
    if (st_count(&s, deq_act_moments(&a, NULL, &g))) {
      int ok = sane_r(&s, "moments finite", g.mu0) & sane_r(&s, "moments finite", g.mu1)
               & sane_r(&s, "moments finite", g.m2) & sane_r(&s, "moments finite", g.d2)
               & sane_r(&s, "moments finite", g.mustar2);
      if (ok) {
        ge(&s, "m2 >= 0", g.m2.val, 0.0, g.m2.err);
        ge(&s, "d2 >= 0", g.d2.val, 0.0, g.d2.err);
        ge(&s, "mustar2 >= 0", g.mustar2.val, 0.0, g.mustar2.err);
        ge(&s, "d2 >= mu1^2", g.d2.val, g.mu1.val * g.mu1.val,
           g.d2.err + 2 * fabs(g.mu1.val) * g.mu1.err + g.mu1.err * g.mu1.err);
      }
    }
    deq_act_fw fw;
    if (st_count(&s, deq_act_fw_constants(&a, NULL, &fw))) {
      int ok = sane_r(&s, "fw finite", fw.a) & sane_r(&s, "fw finite", fw.b)
               & sane_d(&s, "fw finite", fw.shift) & sane_d(&s, "fw finite", fw.scale);
      if (ok) {
        ge(&s, "fw scale > 0", fw.scale, DBL_MIN, 0.0);
        ge(&s, "fw b >= 0", fw.b.val, 0.0, fw.b.err);
        ge(&s, "fw b <= 1", 1.0, fw.b.val, fw.b.err);
        ge(&s, "fw a >= b", fw.a.val, fw.b.val, fw.a.err + fw.b.err);
      }
    }
    deq_result h[5];
    if (st_count(&s, deq_act_hermite(&a, 4, NULL, h)))
      for (int k = 0; k < 5; k++)
        sane_r(&s, "hermite finite", h[k]);
    alarm(0);
  }
  gsl_rng_free(r);
  summary(&s);
  assert_int_equal(s.violations, 0);
}

/* ---------- shared summary ---------- */

static void summary(const sweep_stats *s)
{
  size_t other = s->calls;
  for (int k = 0; k < 6; k++)
    other -= s->status[k];
  other -= s->status[9];
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  print_message("%s: %zu points, %zu calls: ok %zu einval %zu emaxiter %zu etol %zu ebranch %zu "
                "ebadfunc %zu ediverge %zu other %zu; %zu checks, %zu violations, %zu todo; "
                "%.1f s\n  worst margin %.3g (allowance left; 1 = on the boundary) in '%s' at %s\n",
                s->name, s->points, s->calls, s->status[0], s->status[1], s->status[2],
                s->status[3], s->status[4], s->status[5], s->status[9], other, s->checks,
                s->violations, s->todo_hits, (double) ts.tv_sec + 1e-9 * (double) ts.tv_nsec - s->t0, s->worst,
                s->worst_what, s->worst_at);
  for (size_t k = 0; k < s->nviol_seen; k++)
    print_message("  %zu violations of '%s'\n", s->viol_count[k], s->viol_seen[k]);
  /* a TODO entry of this module that was never hit may be fixed: say so */
  size_t len = strlen(s->name);
  for (size_t i = 0; todo[i] != NULL && i < 64; i++)
    if (strncmp(todo[i], s->name, len) == 0 && todo[i][len] == ':' && todo_hits[i] == 0)
      print_message("  TODO entry '%s' not hit in this run (if the slow run does not hit it "
                    "either, it may be fixed)\n", todo[i]);
}

/* ---------- Stieltjes contracts (MP and the pencils) ---------- */

/* m(z) returned with success, support inside [lo, hi] (lo >= 0 for PSD kernels). */
static void stieltjes_contract(sweep_stats *s, deq_complex z, deq_cresult m, double lo, double hi)
{
  if (!sane_c(s, "stieltjes finite", m))
    return;
  double a = creal(z), y = cimag(z), mr = creal(m.val), mi = cimag(m.val), e = m.err;
  if (y > 0) {
    /* Im m = int y / ((t - a)^2 + y^2) dmu >= y / (D^2 + y^2), D = max |t - a| on [lo, hi] */
    /* the bound is rounded (1e-12 relative, as the band below) */
    double D = fmax(fabs(a - lo), fabs(a - hi)) + 1e-12 * (fabs(lo) + fabs(hi));
    double lb = y / (D * D + y * y);
    if (!isfinite(lb))
      lb = 0;
    ge(s, "Im m > 0 (Im z > 0)", mi, 0.0, 0.0);
    if (lb > 0 && isfinite(D * D + y * y))
      ge(s, "Im m >= y/(D^2+y^2)", mi, lb * (1 - 1e-12), e);
    ge(s, "|m| <= 1/Im z", 1.0 / y, cabs(m.val), e);
  } else if (y == 0) {
    /* the bound is computed in floating point: within 1e-12 of it relative to its size (where
     * the true edge may sit, and sqrt(x - edge) turns an ulp into a visible Im m) only
     * Im m >= 0 is asked */
    double band = 1e-12 * (fabs(lo) + fabs(hi)) + DBL_MIN;
    if (a < lo - band || a > hi + band) {
      ge(s, "Im m = 0 off support", e, fabs(mi), 0.0);
      /* 1/(hi - x) <= m <= 1/(lo - x) left of the support, the mirror image right of it */
      double tol = 1e-12 * (fabs(lo) + fabs(hi) + fabs(a));
      if (a < lo) {
        ge(s, "m(x) > 0 left of support", mr, 0.0, 0.0);
        ge(s, "m(x) >= 1/(hi - x)", mr, 1.0 / (hi + band - a) * (1 - 1e-12), e);
        if (lo - a > tol)
          ge(s, "m(x) <= 1/(lo - x)", 1.0 / (lo - a - tol), mr, e);
      } else {
        ge(s, "m(x) < 0 right of support", 0.0, mr, 0.0);
        ge(s, "m(x) <= -1/(x - lo)", -1.0 / (a - lo + band) * (1 - 1e-12), mr, e);
        if (a - hi > tol)
          ge(s, "m(x) >= -1/(x - hi)", mr, -1.0 / (a - hi - tol), e);
      }
    } else {
      ge(s, "Im m >= 0 on support", mi, 0.0, e);
    }
  }
}

/* A random z for a law with support in [lo, hi] and scale sc; *kind tells which family. */
static deq_complex z_draw(gsl_rng *r, double lo, double hi, double sc, const double *atoms,
                          size_t natoms)
{
  double w = fmax(hi - lo, sc);
  double u = gsl_rng_uniform(r);
  if (u < 0.35) {  /* off the axis, near or in the support */
    double a = unif(r, lo - 0.5 * w, hi + 0.5 * w);
    double y = coin(r, 0.1) ? EXTREMES[pick(r, NEXTREME)] : w * logu(r, 1e-12, 1e3);
    return CMPLX(a, y);
  }
  if (u < 0.45) {  /* near an atom, on and off the axis */
    double x0 = natoms ? atoms[pick(r, natoms)] : lo;
    double d = w * logu(r, 1e-15, 1e-1);
    switch (pick(r, 4)) {
    case 0: return CMPLX(x0, d);
    case 1: return CMPLX(x0 + sgn(r) * d, d * logu(r, 1e-6, 1.0));
    case 2: return CMPLX(x0 - d, 0.0);
    default: return CMPLX(x0, 0.0);
    }
  }
  if (u < 0.55)  /* far away */
    return CMPLX(sgn(r) * (coin(r, 0.5) ? 1e300 : logu(r, 1e3, 1e300)),
                 coin(r, 0.5) ? 0.0 : logu(r, 1e-300, 1e300));
  if (u < 0.75) {  /* real, left of the bound */
    double d = coin(r, 0.1) ? EXTREMES[pick(r, NEXTREME)] : w * logu(r, 1e-12, 1e6);
    return CMPLX(lo - d, 0.0);
  }
  if (u < 0.95) {  /* real, right of the bound */
    double d = coin(r, 0.1) ? EXTREMES[pick(r, NEXTREME)] : w * logu(r, 1e-12, 1e6);
    return CMPLX(hi + d, 0.0);
  }
  return CMPLX(unif(r, lo, hi), 0.0);  /* real, inside */
}

static int cmp_double(const void *x, const void *y)
{
  double a = *(const double *) x, b = *(const double *) y;
  return (a > b) - (a < b);
}

static void cdf_contract(sweep_stats *s, const deq_cdf *F, size_t nx, double *x)
{
  qsort(x, nx, sizeof *x, cmp_double);
  double prev = 0;
  for (size_t j = 0; j < nx; j++) {
    double f = deq_cdf_eval(F, x[j]), fl = deq_cdf_eval_left(F, x[j]);
    char *end = repro + strlen(repro);
    snprintf(end, sizeof repro - (size_t) (end - repro), " cdf x %.17g", x[j]);
    if (sane_d(s, "cdf finite", f) & sane_d(s, "cdf finite", fl)) {
      ge(s, "cdf >= 0", fl, 0.0, 0.0);
      ge(s, "cdf <= 1", 1.0, f, 0.0);
      ge(s, "cdf F(x-) <= F(x)", f, fl, 0.0);
      ge(s, "cdf non-decreasing", fl, prev, 0.0);
      prev = f;
    }
    *end = '\0';
  }
}

/* ---------- mp ---------- */

static void test_mp(void **state)
{
  (void) state;
  sweep_stats s;
  stats_init(&s, "mp");
  gsl_rng *r = rng(2);
  const size_t n = count(2000);
  for (size_t i = 0; i < n; i++) {
    double g = coin(r, 0.02) ? -ratio(r) : ratio(r);
    alarm(HANG_SECONDS);
    s.points++;
    snprintf(repro, sizeof repro, "mp gamma %.17g", g);
    double lo = NAN, hi = NAN;
    if (st_count(&s, deq_mp_edges(g, &lo, &hi))) {
      if (sane_d(&s, "edges finite", lo) & sane_d(&s, "edges finite", hi)) {
        ge(&s, "edges 0 <= lo", lo, 0.0, 0.0);
        ge(&s, "edges lo <= hi", hi, lo, 0.0);
      }
    }
    double atom;
    if (st_count(&s, deq_mp_atom(g, &atom)) && sane_d(&s, "atom finite", atom)) {
      ge(&s, "atom >= 0", atom, 0.0, 0.0);
      ge(&s, "atom <= 1", 1.0, atom, 0.0);
    }
    double mom[3];
    int okm = 1;
    for (unsigned k = 0; k < 3; k++) {
      okm &= st_count(&s, deq_mp_moment(k, g, &mom[k]));
      if (okm)
        okm &= sane_d(&s, "moment finite", mom[k]);
    }
    if (okm) {
      ge(&s, "m0 = 1", 1.0, mom[0], 0.0), ge(&s, "m0 = 1", mom[0], 1.0, 0.0);
      ge(&s, "m2 >= m1^2", mom[2], mom[1] * mom[1], 0.0);
    }
    if (!(isfinite(lo) && isfinite(hi)))
      continue;
    /* support of the law: [l-, l+] and the atom at 0 when gamma > 1 */
    double slo = g >= 1 ? 0.0 : lo, atoms[1] = { 0.0 };
    for (int j = 0; j < 6; j++) {
      deq_complex z = z_draw(r, slo, hi, 1.0 + g, atoms, 1);
      snprintf(repro, sizeof repro, "mp gamma %.17g z %.17g%+.17gi", g, creal(z), cimag(z));
      deq_complex m;
      if (st_count(&s, deq_mp_stieltjes(z, g, &m))) {
        deq_cresult mc = { m, 0.0 };
        /* closed form: no bar; a relative rounding allowance instead */
        mc.err = 64 * DBL_EPSILON * cabs(m);
        stieltjes_contract(&s, z, mc, slo, hi);
      }
      double x = coin(r, 0.8) ? unif(r, slo, hi) : creal(z), rho;
      snprintf(repro, sizeof repro, "mp gamma %.17g x %.17g", g, x);
      if (st_count(&s, deq_mp_density(x, g, &rho)) && sane_d(&s, "density finite", rho))
        ge(&s, "density >= 0", rho, 0.0, 0.0);
      s.points++;
    }
    s.points--;
    double xs[8];
    for (int j = 0; j < 8; j++)
      xs[j] = coin(r, 0.8) ? unif(r, slo - 0.1 * hi, hi * 1.1) : creal(z_draw(r, slo, hi, 1.0, atoms, 1));
    qsort(xs, 8, sizeof xs[0], cmp_double);
    double prev = 0;
    for (int j = 0; j < 8; j++) {
      double F;
      snprintf(repro, sizeof repro, "mp gamma %.17g cdf x %.17g (previous x %.17g)", g, xs[j],
               j ? xs[j - 1] : -INFINITY);
      if (st_count(&s, deq_mp_cdf(xs[j], g, &F)) && sane_d(&s, "cdf finite", F)) {
        ge(&s, "cdf >= 0", F, 0.0, 0.0);
        ge(&s, "cdf <= 1", 1.0, F, 0.0);
        ge(&s, "cdf non-decreasing", F, prev, 0.0);
        prev = F;
      }
    }
    alarm(0);
  }
  alarm(0);
  gsl_rng_free(r);
  summary(&s);
  assert_int_equal(s.violations, 0);
}

/* ---------- pencils: ck and ntk ---------- */

/* Sweep one pencil object: nz Stieltjes points, a density grid, atoms, moments, support, CDF. */
static void pencil_sweep(sweep_stats *s, gsl_rng *r, deq_pencil *pen, const char *desc, size_t nz,
                         const double *atoms, size_t natoms, int with_cdf, int psd)
{
  double lo, hi, sc = deq_pencil_scale(pen);
  deq_pencil_bound(pen, &lo, &hi);
  snprintf(repro, sizeof repro, "%s bound", desc);
  if (!(sane_d(s, "bound finite", lo) & sane_d(s, "bound finite", hi)))
    return;
  if (psd)
    ge(s, "bound lo >= 0 (PSD)", lo, 0.0, 0.0);
  ge(s, "bound lo <= hi", hi, lo, 0.0);
  for (size_t j = 0; j < nz; j++) {
    deq_complex z = z_draw(r, lo, hi, sc, atoms, natoms);
    snprintf(repro, sizeof repro, "%s z %.17g%+.17gi (bound %.17g %.17g)", desc, creal(z),
             cimag(z), lo, hi);
    deq_cresult m;
    s->points++;
    if (st_count(s, deq_pencil_stieltjes(pen, z, &m, NULL)))
      stieltjes_contract(s, z, m, lo, hi);
  }
  /* density on a grid across the bound (and a little outside) */
  enum { NX = 16 };
  double x[NX];
  deq_result rho[NX];
  int st[NX];
  for (size_t j = 0; j < NX; j++)
    x[j] = coin(r, 0.9) ? unif(r, lo - 0.05 * (hi - lo), hi + 0.05 * (hi - lo))
           : (natoms ? atoms[pick(r, natoms)] : lo);
  qsort(x, NX, sizeof x[0], cmp_double);
  size_t u = 0;  /* strictly increasing */
  for (size_t j = 0; j < NX; j++)
    if (u == 0 || x[j] > x[u - 1])
      x[u++] = x[j];
  deq_pencil_density(pen, u, x, rho, st);
  for (size_t j = 0; j < u; j++) {
    snprintf(repro, sizeof repro, "%s density x %.17g (grid of %zu from %.17g to %.17g)", desc,
             x[j], u, x[0], x[u - 1]);
    s->points++;
    if (st_count(s, st[j]) && sane_r(s, "density finite", rho[j]))
      ge(s, "density >= 0", rho[j].val, 0.0, rho[j].err);
  }
  /* atoms */
  snprintf(repro, sizeof repro, "%s atoms", desc);
  double pos[8];
  deq_result mass[8];
  size_t na = 0;
  s->points++;
  if (st_count(s, deq_pencil_atoms(pen, 8, pos, mass, &na))) {
    double tot = 0, tote = 0;
    for (size_t k = 0; k < na; k++) {
      snprintf(repro, sizeof repro, "%s atoms: #%zu at %.17g", desc, k, pos[k]);
      if (sane_r(s, "atom finite", mass[k]) & sane_d(s, "atom finite", pos[k])) {
        ge(s, "atom >= 0", mass[k].val, 0.0, mass[k].err);
        ge(s, "atom <= 1", 1.0, mass[k].val, mass[k].err);
        ge(s, "atom inside bound", pos[k], lo, 0.0);
        ge(s, "atom inside bound", hi, pos[k], 0.0);
        tot += mass[k].val, tote += mass[k].err;
      }
    }
    snprintf(repro, sizeof repro, "%s atoms (all %zu)", desc, na);
    ge(s, "atoms sum <= 1", 1.0, tot, tote);
  }
  for (size_t k = 0; k < natoms; k++) {
    deq_result a;
    snprintf(repro, sizeof repro, "%s atom at %.17g", desc, atoms[k]);
    s->points++;
    if (st_count(s, deq_pencil_atom(pen, atoms[k], &a)) && sane_r(s, "atom finite", a)) {
      ge(s, "atom >= 0", a.val, 0.0, a.err);
      ge(s, "atom <= 1", 1.0, a.val, a.err);
    }
  }
  /* moments */
  snprintf(repro, sizeof repro, "%s moments", desc);
  deq_result mom[3];
  s->points++;
  if (st_count(s, deq_pencil_moments(pen, 2, mom))
      && (sane_r(s, "moment finite", mom[0]) & sane_r(s, "moment finite", mom[1])
          & sane_r(s, "moment finite", mom[2]))) {
    ge(s, "m0 = 1", mom[0].val, 1.0, mom[0].err);
    ge(s, "m0 = 1", 1.0, mom[0].val, mom[0].err);
    double a1 = fmax(fabs(mom[1].val) - mom[1].err, 0.0);
    ge(s, "m2 >= m1^2", mom[2].val, a1 * a1, mom[2].err);
    ge(s, "m1 >= lo", mom[1].val, lo, mom[1].err);
    ge(s, "m1 <= hi", hi, mom[1].val, mom[1].err);
  }
  /* support */
  snprintf(repro, sizeof repro, "%s support", desc);
  double edges[16];
  size_t nint = 0;
  s->points++;
  if (st_count(s, deq_pencil_support(pen, edges, 8, &nint))) {
    for (size_t k = 0; k < 2 * nint; k++) {
      if (!sane_d(s, "support finite", edges[k]))
        break;
      ge(s, "support inside bound", edges[k], lo, 1e-9 * (hi - lo));
      ge(s, "support inside bound", hi, edges[k], 1e-9 * (hi - lo));
      if (k > 0)
        ge(s, "support edges increasing", edges[k], edges[k - 1], 0.0);
    }
  }
  if (with_cdf) {
    snprintf(repro, sizeof repro, "%s cdf", desc);
    deq_cdf *F = NULL;
    s->points++;
    if (st_count(s, deq_pencil_cdf(pen, &F))) {
      double xs[24];
      for (size_t j = 0; j < 24; j++)
        xs[j] = j < 2 ? (j ? hi + 1.0 : lo - 1.0)
                : unif(r, lo - 0.05 * (hi - lo), hi + 0.05 * (hi - lo));
      cdf_contract(s, F, 24, xs);
    }
    deq_cdf_free(F);
  }
}

static size_t gammas_draw(gsl_rng *r, double *g)
{
  size_t L = 1 + pick(r, 4);
  for (size_t l = 0; l <= L; l++)
    g[l] = coin(r, 0.7) ? logu(r, 1e-3, 1e3) : ratio(r);
  return L;
}

static void net_desc(char *desc, size_t n, const char *what, const deq_act *a, size_t L,
                     const double *g, const deq_input_law *in)
{
  char name[160];
  deq_act_name(a, name, sizeof name);
  int k = snprintf(desc, n, "%s act %s (c %.17g %.17g %.17g %.17g) L %zu gamma", what, name,
                   a->c[0], a->c[1], a->c[2], a->c[3], L);
  for (size_t l = 0; l <= L; l++)
    k += snprintf(desc + k, n - (size_t) k, " %.17g", g[l]);
  k += snprintf(desc + k, n - (size_t) k, " input %s", kind_name(in->kind));
  for (size_t j = 0; in->kind == DEQ_DATA_ATOMS && j < in->natoms; j++)
    k += snprintf(desc + k, n - (size_t) k, " (x %.17g p %.17g)", in->x[j], in->p[j]);
}

static void pencil_module(void **state, int ntk)
{
  (void) state;
  sweep_stats s;
  stats_init(&s, ntk ? "ntk" : "ck");
  gsl_rng *r = rng(ntk ? 4 : 3);
  /* unit: ~2,000 evaluations per module, 40 networks x ~50; slow: 500 networks x ~225 (z and
   * x points, density grid, atoms, moments, support, CDF) ~ 10^5 */
#if SWEEP_SCALE > 1
  const size_t nnet = count(10), nz = 200;
#else
  const size_t nnet = count(40), nz = 30;
#endif
  for (size_t i = 0; i < nnet; i++) {
    deq_act a;
    act_draw(r, &a);
    double g[DEQ_PENCIL_MAXL + 1], ax[3], ap[3];
    size_t L = gammas_draw(r, g);
    deq_input_law in;
    input_draw(r, &g[0], &in, ax, ap);
    char desc[1024];
    net_desc(desc, sizeof desc, ntk ? "ntk" : "ck", &a, L, g, &in);
    snprintf(repro, sizeof repro, "%s alloc", desc);
    alarm(HANG_SECONDS);
    deq_pencil *pen = NULL;
    s.points++;
    int st = ntk ? deq_ntk_alloc(&a, L, g, &in, NULL, &pen) : deq_ck_alloc(&a, L, g, &in, NULL, &pen);
    if (st_count(&s, st)) {
      /* the atoms of the law: CK at 0; NTK at r and r + q_0 x_k */
      double atoms[4] = { 0.0 };
      size_t natoms = 1;
      if (ntk) {
        deq_act_fw fw;
        deq_pencil_params par;
        assert_int_equal(deq_act_fw_constants(&a, NULL, &fw), DEQ_SUCCESS);
        assert_int_equal(deq_ntk_params(fw.a.val, fw.b.val, L, g, &in, &par), DEQ_SUCCESS);
        atoms[0] = par.r;
        if (in.kind == DEQ_DATA_ORTHONORMAL)
          atoms[natoms++] = par.r + par.q[0];
        for (size_t k = 0; in.kind == DEQ_DATA_ATOMS && k < in.natoms; k++)
          atoms[natoms++] = par.r + par.q[0] * in.x[k];
      }
      pencil_sweep(&s, r, pen, desc, nz, atoms, natoms, i % 4 == 0, 1);
    }
    deq_pencil_free(pen);
    alarm(0);
  }
  gsl_rng_free(r);
  summary(&s);
  assert_int_equal(s.violations, 0);
}

static void test_ck(void **state) { pencil_module(state, 0); }
static void test_ntk(void **state) { pencil_module(state, 1); }

/* General pencils r I + sum_l q_l K_l, q_l and r of either sign and any size, b_l in [0, 1]
 * (0 and 1 included), L = 0..4: every contract above but lo >= 0 (the bounds on m(x) off
 * [lo, hi] hold for any law supported there). */
static void test_pencil(void **state)
{
  (void) state;
  sweep_stats s;
  stats_init(&s, "pencil");
  gsl_rng *r = rng(7);
#if SWEEP_SCALE > 1
  const size_t nnet = count(10), nz = 200;
#else
  const size_t nnet = count(30), nz = 30;
#endif
  for (size_t i = 0; i < nnet; i++) {
    deq_pencil_params par;
    memset(&par, 0, sizeof par);
    double ax[3], ap[3];
    par.L = pick(r, 5);
    for (size_t l = 0; l <= par.L; l++)
      par.gamma[l] = coin(r, 0.7) ? logu(r, 1e-3, 1e3) : ratio(r);
    double b = coin(r, 0.2) ? (double) pick(r, 2) : gsl_rng_uniform(r);
    for (size_t l = 1; l <= par.L; l++)
      par.b[l] = coin(r, 0.8) ? b : gsl_rng_uniform(r);
    for (size_t l = 0; l <= par.L; l++)
      par.q[l] = coin(r, 0.15) ? 0.0 : coin(r, 0.8) ? unif(r, -2.0, 2.0) : sgn(r) * ratio(r);
    if (par.q[par.L] == 0.0)
      par.q[par.L] = 1.0;
    par.r = coin(r, 0.3) ? 0.0 : coin(r, 0.8) ? unif(r, -2.0, 2.0) : sgn(r) * ratio(r);
    input_draw(r, &par.gamma[0], &par.input, ax, ap);
    char desc[1400];
    int k = snprintf(desc, sizeof desc, "pencil L %zu r %.17g", par.L, par.r);
    for (size_t l = 0; l <= par.L; l++)
      k += snprintf(desc + k, sizeof desc - (size_t) k, " [gamma %.17g b %.17g q %.17g]",
                    par.gamma[l], par.b[l], par.q[l]);
    k += snprintf(desc + k, sizeof desc - (size_t) k, " input %s", kind_name(par.input.kind));
    for (size_t j = 0; par.input.kind == DEQ_DATA_ATOMS && j < par.input.natoms; j++)
      k += snprintf(desc + k, sizeof desc - (size_t) k, " (x %.17g p %.17g)", ax[j], ap[j]);
    snprintf(repro, sizeof repro, "%s alloc", desc);
    alarm(HANG_SECONDS);
    deq_pencil *pen = NULL;
    s.points++;
    if (st_count(&s, deq_pencil_alloc(&par, NULL, &pen))) {
      /* atoms of the law at r + q_0 x_k (Gaussian data: at r) */
      double atoms[4] = { par.r };
      size_t natoms = 1;
      if (par.input.kind == DEQ_DATA_ORTHONORMAL)
        atoms[natoms++] = par.r + par.q[0];
      for (size_t j = 0; par.input.kind == DEQ_DATA_ATOMS && j < par.input.natoms; j++)
        atoms[natoms++] = par.r + par.q[0] * ax[j];
      pencil_sweep(&s, r, pen, desc, nz, atoms, natoms, i % 4 == 0, 0);
    }
    deq_pencil_free(pen);
    alarm(0);
  }
  gsl_rng_free(r);
  summary(&s);
  assert_int_equal(s.violations, 0);
}

/* ---------- rf ---------- */

static void rf_params_draw(gsl_rng *r, deq_rf_params *p)
{
  p->width_ratio = ratio(r);
  p->sample_ratio = ratio(r);
  p->lambda = lambda_draw(r);
  p->noise = noise_draw(r);
  switch (pick(r, 10)) {
  case 0:  /* the interpolation threshold of the ridgeless limit */
    p->width_ratio = p->sample_ratio;
    p->lambda = 0.0;
    break;
  case 1:
    p->width_ratio = p->sample_ratio * (1.0 + sgn(r) * logu(r, 1e-16, 1e-2));
    p->lambda = coin(r, 0.5) ? 0.0 : logu(r, 1e-300, 1e-10);
    break;
  case 2:  /* invalid: negative or zero */
    if (coin(r, 0.5))
      p->lambda = -p->lambda - 1e-300;
    else
      p->noise = -1.0;
    break;
  default:
    break;
  }
}

/* Contracts of one deq_rf_result returned with success. */
static void rf_contract(sweep_stats *s, const char *route, const deq_rf_result *o, double lambda)
{
  char w[96];
#define W(x) (snprintf(w, sizeof w, "%s %s", route, x), w)
  int ok = sane_r(s, W("finite"), o->risk) & sane_r(s, W("finite"), o->train_error)
           & sane_r(s, W("finite"), o->bias) & sane_r(s, W("finite"), o->variance)
           & sane_r(s, W("finite"), o->kappa) & sane_d(s, W("finite"), o->D1)
           & sane_d(s, W("finite"), o->D2) & sane_d(s, W("finite"), o->irreducible);
  if (!ok)
    return;
  ge(s, W("risk >= 0"), o->risk.val, 0.0, o->risk.err);
  ge(s, W("train >= 0"), o->train_error.val, 0.0, o->train_error.err);
  ge(s, W("bias >= 0"), o->bias.val, 0.0, o->bias.err);
  ge(s, W("variance >= 0"), o->variance.val, 0.0, o->variance.err);
  ge(s, W("irreducible >= 0"), o->irreducible, 0.0, 0.0);
  ge(s, W("kappa >= lambda"), o->kappa.val, lambda, o->kappa.err);
  /* D1, D2 carry no bar: 1e-9 absolute allowance for their rounding */
  ge(s, W("D1 >= 0"), o->D1, 0.0, 1e-9);
  ge(s, W("D1 <= 1"), 1.0, o->D1, 1e-9);
  ge(s, W("D2 >= 0"), o->D2, 0.0, 1e-9);
  ge(s, W("D2 <= 1"), 1.0, o->D2, 1e-9);
  /* R = bias + variance + irreducible */
  double sum = o->bias.val + o->variance.val + o->irreducible;
  double e = o->risk.err + o->bias.err + o->variance.err
             + SLACK_ULPS * DBL_EPSILON * (fabs(o->bias.val) + fabs(o->variance.val)
                                           + o->irreducible);
  ge(s, W("R = bias + variance + irreducible"), o->risk.val, sum, e);
  ge(s, W("R = bias + variance + irreducible"), sum, o->risk.val, e);
#undef W
}

static deq_rf_model *model_draw(sweep_stats *s, gsl_rng *r, deq_act *a, deq_act *t, char *desc,
                                size_t n)
{
  act_draw(r, a);
  act_draw(r, t);
  char an[160], tn[160];
  deq_act_name(a, an, sizeof an);
  deq_act_name(t, tn, sizeof tn);
  snprintf(desc, n, "act %s (c %.17g %.17g %.17g %.17g) teacher %s (c %.17g %.17g %.17g %.17g)",
           an, a->c[0], a->c[1], a->c[2], a->c[3], tn, t->c[0], t->c[1], t->c[2], t->c[3]);
  snprintf(repro, sizeof repro, "model_alloc %s", desc);
  deq_rf_model *m = NULL;
  if (!st_count(s, deq_rf_model_alloc(a, t, NULL, &m)))
    return NULL;
  deq_rf_constants c;
  deq_rf_model_constants(m, &c);
  int ok = sane_r(s, "constants finite", c.mu0) & sane_r(s, "constants finite", c.mu1)
           & sane_r(s, "constants finite", c.mustar2)
           & sane_r(s, "constants finite", c.teacher_mu0) & sane_r(s, "constants finite", c.F1)
           & sane_r(s, "constants finite", c.Fstar2) & sane_r(s, "constants finite", c.teacher_m2)
           & sane_r(s, "constants finite", c.c0);
  /* what follows from such a model is attributed to it */
  todo_context = ok ? NULL : "downstream of a model with non-finite constants";
  ge(s, "constants mustar2 >= 0", c.mustar2.val, 0.0, c.mustar2.err);
  ge(s, "constants Fstar2 >= 0", c.Fstar2.val, 0.0, c.Fstar2.err);
  ge(s, "constants teacher_m2 >= 0", c.teacher_m2.val, 0.0, c.teacher_m2.err);
  ge(s, "constants c0 >= 0", c.c0.val, 0.0, c.c0.err);
  return m;
}

static void test_rf(void **state)
{
  (void) state;
  sweep_stats s;
  stats_init(&s, "rf");
  gsl_rng *r = rng(5);
  const size_t nmodel = count(200), nper = 10;
  for (size_t i = 0; i < nmodel; i++) {
    deq_act a, t;
    char desc[1024];
    alarm(HANG_SECONDS);
    deq_rf_model *m = model_draw(&s, r, &a, &t, desc, sizeof desc);
    for (size_t j = 0; m != NULL && j < nper; j++) {
      deq_rf_params p;
      rf_params_draw(r, &p);
      snprintf(repro, sizeof repro, "rf %s width_ratio %.17g sample_ratio %.17g lambda %.17g "
               "noise %.17g", desc, p.width_ratio, p.sample_ratio, p.lambda, p.noise);
      deq_rf_result o;
      s.points++;
      int st = deq_rf_risk(m, &p, NULL, &o);
      if (st_count(&s, st))
        rf_contract(&s, "risk", &o, p.lambda);
      else if (st == DEQ_EDIVERGE)
        check(&s, "ediverge: risk = +inf", o.risk.val == INFINITY, INFINITY,
              "risk %.17g with DEQ_EDIVERGE", o.risk.val);
      check(&s, "status field = return", o.status == st, INFINITY, "field %d, return %d",
            o.status, st);
      if (coin(r, 0.3)) {
        st = deq_rf_risk_mm(m, &p, NULL, &o);
        if (st_count(&s, st))
          rf_contract(&s, "risk_mm", &o, p.lambda);
      }
    }
    deq_rf_model_free(m);
    todo_context = NULL;
    alarm(0);
  }
  gsl_rng_free(r);
  summary(&s);
  assert_int_equal(s.violations, 0);
}

/* ---------- onestep ---------- */

static void test_onestep(void **state)
{
  (void) state;
  sweep_stats s;
  stats_init(&s, "onestep");
  gsl_rng *r = rng(6);
  const size_t nmodel = count(200), nper = 10;
  for (size_t i = 0; i < nmodel; i++) {
    deq_act a, t;
    char desc[1024];
    alarm(HANG_SECONDS);
    deq_rf_model *m = model_draw(&s, r, &a, &t, desc, sizeof desc);
    for (size_t j = 0; m != NULL && j < nper; j++) {
      deq_rf_params q;
      rf_params_draw(r, &q);
      deq_onestep_params p = { q.width_ratio, q.sample_ratio, ratio(r), q.lambda, q.noise,
                               eta_draw(r) };
      snprintf(repro, sizeof repro, "onestep %s width_ratio %.17g sample_ratio %.17g "
               "batch_ratio %.17g lambda %.17g noise %.17g eta %.17g", desc, p.width_ratio,
               p.sample_ratio, p.batch_ratio, p.lambda, p.noise, p.eta);
      s.points++;
      deq_onestep_spike sp;
      if (st_count(&s, deq_onestep_spike_eval(m, &p, &sp))
          && (sane_r(&s, "spike finite", sp.rho) & sane_r(&s, "spike finite", sp.s_u)))
        ge(&s, "s_u >= 0", sp.s_u.val, 0.0, sp.s_u.err);
      deq_result c2;
      if (st_count(&s, deq_onestep_gradient_alignment(m, &p, &c2))
          && sane_r(&s, "gradient alignment finite", c2)) {
        ge(&s, "gradient alignment >= 0", c2.val, 0.0, c2.err);
        ge(&s, "gradient alignment <= 1", 1.0, c2.val, c2.err);
      }
      if (st_count(&s, deq_onestep_weight_alignment(m, &p, &c2))
          && sane_r(&s, "weight alignment finite", c2)) {
        ge(&s, "weight alignment >= 0", c2.val, 0.0, c2.err);
        ge(&s, "weight alignment <= 1", 1.0, c2.val, c2.err);
      }
      deq_onestep_bbp bb;
      if (st_count(&s, deq_onestep_bbp_eval(m, &p, &bb))
          && (sane_r(&s, "bbp finite", bb.theta) & sane_d(&s, "bbp finite", bb.edge))) {
        ge(&s, "bbp theta >= edge", bb.theta.val, bb.edge, bb.theta.err);
        check(&s, "bbp outlier flag", bb.outlier == 0 || bb.outlier == 1, INFINITY, "outlier %d",
              bb.outlier);
      }
      deq_rf_result o, o0;
      int st = deq_onestep_risk(m, &p, NULL, &o);
      if (st_count(&s, st)) {
        rf_contract(&s, "onestep risk", &o, p.lambda);
        /* R(eta) <= R(0) (onestep.h) */
        deq_rf_params q0 = { p.width_ratio, p.sample_ratio, p.lambda, p.noise };
        if (st_count(&s, deq_rf_risk(m, &q0, NULL, &o0)) && isfinite(o0.risk.val)
            && isfinite(o.risk.val))
          ge(&s, "onestep R(eta) <= R(0)", o0.risk.val, o.risk.val, o0.risk.err + o.risk.err);
      } else if (st == DEQ_EDIVERGE) {
        check(&s, "ediverge: risk = +inf", o.risk.val == INFINITY, INFINITY,
              "risk %.17g with DEQ_EDIVERGE", o.risk.val);
      }
      /* baselines */
      deq_result b1, b2;
      if (st_count(&s, deq_onestep_best_linear(m, &b1)) && sane_r(&s, "best linear finite", b1))
        ge(&s, "best linear >= 0", b1.val, 0.0, b1.err);
      double lx = coin(r, 0.2) ? 0.0 : lambda_draw(r);
      char *end = repro + strlen(repro);
      snprintf(end, sizeof repro - (size_t) (end - repro), " lambda_x %.17g", lx);
      deq_result lr;
      int lr_ok = st_count(&s, deq_onestep_linear_ridge(m, p.sample_ratio, lx, p.noise, &lr))
                  && sane_r(&s, "linear ridge finite", lr);
      if (lr_ok)
        ge(&s, "linear ridge >= 0", lr.val, 0.0, lr.err);
      *end = '\0';
      if (st_count(&s, deq_onestep_linear_ridge_opt(m, p.sample_ratio, p.noise, &b1, &b2))) {
        check(&s, "linear ridge opt: lambda_x finite or +inf",
              (isfinite(b1.val) || b1.val == INFINITY) && isfinite(b1.err) && b1.err >= 0,
              INFINITY, "lambda_x %.17g err %.17g", b1.val, b1.err);
        ge(&s, "linear ridge opt: lambda_x >= 0", b1.val, 0.0, b1.err);
        if (sane_r(&s, "linear ridge opt finite", b2)) {
          ge(&s, "linear ridge opt >= 0", b2.val, 0.0, b2.err);
          if (lr_ok) {
            snprintf(end, sizeof repro - (size_t) (end - repro), " lambda_x %.17g", lx);
            ge(&s, "linear ridge opt <= linear ridge", lr.val, b2.val, lr.err + b2.err);
            *end = '\0';
          }
        }
      }
      if (st_count(&s, deq_onestep_kernel_ridge(m, p.sample_ratio, p.lambda, p.noise, &b1))
          && sane_r(&s, "kernel ridge finite", b1))
        ge(&s, "kernel ridge >= 0", b1.val, 0.0, b1.err);
      if (j == 0) {
        deq_onestep_baselines bl;
        if (st_count(&s, deq_onestep_baselines_eval(m, &q, NULL, &bl))) {
          rf_contract(&s, "baselines rf", &bl.rf, q.lambda);
          if (sane_r(&s, "baselines finite", bl.best_linear)
              & sane_r(&s, "baselines finite", bl.linear_ridge_opt)
              & sane_r(&s, "baselines finite", bl.kernel_limit)) {
            ge(&s, "baselines >= 0", bl.best_linear.val, 0.0, bl.best_linear.err);
            ge(&s, "baselines >= 0", bl.linear_ridge_opt.val, 0.0, bl.linear_ridge_opt.err);
            ge(&s, "baselines >= 0", bl.kernel_limit.val, 0.0, bl.kernel_limit.err);
          }
        }
      }
    }
    deq_rf_model_free(m);
    todo_context = NULL;
    alarm(0);
  }
  gsl_rng_free(r);
  summary(&s);
  assert_int_equal(s.violations, 0);
}

int main(void)
{
  signal(SIGALRM, on_alarm);
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_act),
    cmocka_unit_test(test_mp),
    cmocka_unit_test(test_rf),
    cmocka_unit_test(test_onestep),
    cmocka_unit_test(test_ck),
    cmocka_unit_test(test_ntk),
    cmocka_unit_test(test_pencil),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

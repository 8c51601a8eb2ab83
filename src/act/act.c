/* Activation functions, their Gaussian constants and Hermite coefficients. */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "deqnn/act.h"
#include "deqnn/grid.h"
#include "core/gauss.h"
#include "core/check.h"
#include "core/simd.h"

static const struct { const char *name; deq_act_kind kind; } table[] = {
  { "linear", DEQ_ACT_LINEAR }, { "relu", DEQ_ACT_RELU }, { "tanh", DEQ_ACT_TANH },
  { "erf", DEQ_ACT_ERF }, { "sigmoid", DEQ_ACT_SIGMOID }, { "softplus", DEQ_ACT_SOFTPLUS },
  { "he2", DEQ_ACT_HE2 }
};
#define NTABLE (sizeof table / sizeof table[0])
#define HERMITE_KMAX 1000   /* largest Hermite order deq_act_hermite computes */

/* DEQ_EINVAL, reported once, for a NULL activation, an unknown kind or a non-finite poly
 * coefficient (fn names the caller). */
static int check_act(const deq_act *act, const char *fn)
{
  DEQ_CHECK(act != NULL, "%s: act must not be NULL", fn);
  DEQ_CHECK((int) act->kind >= (int) DEQ_ACT_LINEAR && (int) act->kind <= (int) DEQ_ACT_POLY,
            "%s: unknown activation kind %d", fn, (int) act->kind);
  for (int k = 0; k < 4 && act->kind == DEQ_ACT_POLY; k++)
    DEQ_CHECK(isfinite(act->c[k]), "%s: poly coefficient c[%d] = %g is not finite", fn, k,
              act->c[k]);
  return DEQ_SUCCESS;
}

int deq_act_check_domain(const deq_act *act, const char *param)
{
  DEQ_CHECK_NULL(param, "param");
  if (check_act(act, __func__))
    return DEQ_EINVAL;
  for (int k = 0; k < 4 && act->kind == DEQ_ACT_POLY; k++)
    if (!(fabs(act->c[k]) <= DEQ_COEF_MAX))
      DEQ_ERRORF(DEQ_EINVAL, "%s: poly coefficient c%d = %g must satisfy |c| <= %g (the "
                 "theory's domain)", param, k, act->c[k], DEQ_COEF_MAX);
  return DEQ_SUCCESS;
}

int deq_act_parse(const char *name, const char *param, deq_act *act)
{
  DEQ_CHECK_NULL(param, "param");
  DEQ_CHECK_NULL(act, "act");
  memset(act, 0, sizeof *act);
  if (name == NULL)
    DEQ_ERRORF(DEQ_EINVAL, "%s: missing activation name", param);
  for (size_t k = 0; k < NTABLE; k++)
    if (strcmp(name, table[k].name) == 0) {
      act->kind = table[k].kind;
      return DEQ_SUCCESS;
    }
  if (strncmp(name, "poly:", 5) == 0) {
    size_t n;
    act->kind = DEQ_ACT_POLY;
    return deq_parse_list(name + 5, param, act->c, 4, &n);
  }
  DEQ_ERRORF(DEQ_EINVAL, "%s: unknown activation '%s' (known: linear, relu, tanh, erf, "
             "sigmoid, softplus, he2, poly:c0,c1,c2,c3)", param, name);
}

void deq_act_name(const deq_act *act, char *buf, size_t n)
{
  DEQ_CHECK_NULL_VOID(buf, "buf");
  DEQ_REQUIRE_RET(n >= 1, , "%s: buffer size n must be >= 1", __func__);
  buf[0] = '\0';
  if (check_act(act, __func__))
    return;
  for (size_t k = 0; k < NTABLE; k++)
    if (table[k].kind == act->kind) {
      snprintf(buf, n, "%s", table[k].name);
      return;
    }
  snprintf(buf, n, "poly:%.17g,%.17g,%.17g,%.17g", act->c[0], act->c[1], act->c[2], act->c[3]);
}

static double sigmoid(double x)
{
  if (x >= 0)
    return 1.0 / (1.0 + exp(-x));
  double e = exp(x);
  return e / (1.0 + e);
}

static double poly_eval(const double *c, double x)
{
  return c[0] + c[1] * x + c[2] * (x * x - 1.0) / M_SQRT2 + c[3] * (x * x * x - 3.0 * x) / sqrt(6.0);
}

static double poly_deriv(const double *c, double x)
{
  return c[1] + c[2] * M_SQRT2 * x + c[3] * 3.0 * (x * x - 1.0) / sqrt(6.0);
}

/* Unchecked evaluation for the inner loops (the callers have checked act once). */
static double act_eval(const deq_act *act, double x)
{
  switch (act->kind) {
  case DEQ_ACT_LINEAR: return x;
  case DEQ_ACT_RELU: return x > 0 ? x : 0.0;
  case DEQ_ACT_TANH: return tanh(x);
  case DEQ_ACT_ERF: return erf(x);
  case DEQ_ACT_SIGMOID: return sigmoid(x);
  case DEQ_ACT_SOFTPLUS: return x > 0 ? x + log1p(exp(-x)) : log1p(exp(x));
  case DEQ_ACT_HE2: return (x * x - 1.0) / M_SQRT2;
  case DEQ_ACT_POLY: return poly_eval(act->c, x);
  }
  return NAN;
}

static double act_deriv(const deq_act *act, double x)
{
  switch (act->kind) {
  case DEQ_ACT_LINEAR: return 1.0;
  case DEQ_ACT_RELU: return x > 0 ? 1.0 : 0.0;
  case DEQ_ACT_TANH: { double t = tanh(x); return 1.0 - t * t; }
  case DEQ_ACT_ERF: return M_2_SQRTPI * exp(-x * x);
  case DEQ_ACT_SIGMOID: { double s = sigmoid(x); return s * (1.0 - s); }
  case DEQ_ACT_SOFTPLUS: return sigmoid(x);
  case DEQ_ACT_HE2: return M_SQRT2 * x;
  case DEQ_ACT_POLY: return poly_deriv(act->c, x);
  }
  return NAN;
}

int deq_act_is_odd(const deq_act *act)
{
  if (check_act(act, __func__))
    return 0;
  switch (act->kind) {
  case DEQ_ACT_LINEAR: case DEQ_ACT_TANH: case DEQ_ACT_ERF:
    return 1;
  case DEQ_ACT_POLY:
    return act->c[0] == 0 && act->c[2] == 0;
  default:
    return 0;
  }
}

double deq_act_eval(const deq_act *act, double x)
{
  if (check_act(act, __func__))
    return NAN;
  return act_eval(act, x);
}

double deq_act_deriv(const deq_act *act, double x)
{
  if (check_act(act, __func__))
    return NAN;
  return act_deriv(act, x);
}

static void exact(deq_result *r, double v)
{
  r->val = v;
  r->err = 4.0 * DBL_EPSILON * fabs(v);
}

/* Closed forms; returns 0 if the activation has none, hermite_exact if mu_*^2 is known as
 * the sum of its squared Hermite coefficients (no cancellation: a structural 0 stays 0 with
 * a zero bar), 1 otherwise. */
enum { hermite_exact = 2 };
static int moments_closed(const deq_act *act, deq_act_gauss *m)
{
  const double *c = act->c;
  switch (act->kind) {
  case DEQ_ACT_LINEAR:
    exact(&m->mu0, 0), exact(&m->mu1, 1), exact(&m->m2, 1), exact(&m->d2, 1);
    exact(&m->mustar2, 0);
    return hermite_exact;
  case DEQ_ACT_RELU:
    exact(&m->mu0, 1.0 / sqrt(2.0 * M_PI)), exact(&m->mu1, 0.5);
    exact(&m->m2, 0.5), exact(&m->d2, 0.5);
    return 1;
  case DEQ_ACT_ERF:
    exact(&m->mu0, 0), exact(&m->mu1, 2.0 / sqrt(3.0 * M_PI));
    exact(&m->m2, M_2_PI * asin(2.0 / 3.0)), exact(&m->d2, 4.0 / (M_PI * sqrt(5.0)));
    return 1;
  case DEQ_ACT_HE2:
    exact(&m->mu0, 0), exact(&m->mu1, 0), exact(&m->m2, 1), exact(&m->d2, 2);
    exact(&m->mustar2, 1);
    return hermite_exact;
  case DEQ_ACT_POLY:
    exact(&m->mu0, c[0]), exact(&m->mu1, c[1]);
    exact(&m->m2, c[0] * c[0] + c[1] * c[1] + c[2] * c[2] + c[3] * c[3]);
    exact(&m->d2, c[1] * c[1] + 2.0 * c[2] * c[2] + 3.0 * c[3] * c[3]);
    exact(&m->mustar2, c[2] * c[2] + c[3] * c[3]);
    return hermite_exact;
  default:
    return 0;
  }
}

/* f, f', f^2, f'^2 at x: the integrands of mu0, mu1, m2, d2. */
static void moment_integrands(double x, void *p, double *v)
{
  const deq_act *act = p;
  double f = act_eval(act, x), d = act_deriv(act, x);
  v[0] = f;
  v[1] = d;
  v[2] = f * f;
  v[3] = d * d;
}

static int moments_quad(const deq_act *act, const deq_opts *opts, deq_act_gauss *m)
{
  deq_result r[4];
  int status = deq_gauss_expect(moment_integrands, (void *) act, 4, opts, r);
  m->mu0 = r[0];
  m->mu1 = r[1];
  m->m2 = r[2];
  m->d2 = r[3];
  return status;
}

int deq_act_moments(const deq_act *act, const deq_opts *opts, deq_act_gauss *m)
{
  DEQ_CHECK_NULL(m, "mom");
  if (check_act(act, __func__))
    return DEQ_EINVAL;
  int status = deq_opts_check(opts);
  if (status)
    return status;
  opts = deq_opts_or_default(opts);
  int closed = moments_closed(act, m);
  status = closed ? DEQ_SUCCESS : moments_quad(act, opts, m);
  deq_result all[5] = { m->mu0, m->mu1, m->m2, m->d2, m->mustar2 };
  if (!status && !deq_results_finite(all, closed == hermite_exact ? 5 : 4))
    DEQ_ERROR("act: the Gaussian moments overflow double precision (coefficients too large)",
              DEQ_EBADFUNC);
  if (status || closed == hermite_exact)
    return status;
  double mu0 = m->mu0.val, mu1 = m->mu1.val;
  m->mustar2.val = m->m2.val - mu0 * mu0 - mu1 * mu1;
  m->mustar2.err = m->m2.err + 2.0 * fabs(mu0) * m->mu0.err + 2.0 * fabs(mu1) * m->mu1.err
                   + 4.0 * DBL_EPSILON * (m->m2.val + mu0 * mu0 + mu1 * mu1);
  if (m->mustar2.val < 0 && -m->mustar2.val <= m->mustar2.err)
    m->mustar2.val = 0.0;
  return DEQ_SUCCESS;
}

int deq_act_fw_constants(const deq_act *act, const deq_opts *opts, deq_act_fw *fw)
{
  DEQ_CHECK_NULL(fw, "fw");
  deq_act_gauss m;
  int status = deq_act_moments(act, opts, &m);
  if (status)
    return status;
  double var = m.m2.val - m.mu0.val * m.mu0.val;
  double var_err = m.m2.err + 2.0 * fabs(m.mu0.val) * m.mu0.err + 4.0 * DBL_EPSILON * m.m2.val;
  if (!(var > var_err))
    DEQ_ERROR("act: activation is constant on the Gaussian, cannot normalise", DEQ_EINVAL);
  fw->shift = m.mu0.val;
  fw->scale = sqrt(var);
  fw->b.val = m.mu1.val * m.mu1.val / var;
  fw->b.err = fw->b.val * (2.0 * m.mu1.err / fmax(fabs(m.mu1.val), DBL_MIN) + var_err / var)
              + 4.0 * DBL_EPSILON * fw->b.val;
  if (m.mu1.val == 0.0)
    fw->b.err = 0.0;
  fw->a.val = m.d2.val / var;
  fw->a.err = fw->a.val * (m.d2.err / fmax(m.d2.val, DBL_MIN) + var_err / var)
              + 4.0 * DBL_EPSILON * fw->a.val;
  if (fw->b.val > 1.0 && fw->b.val - 1.0 <= fw->b.err)
    fw->b.val = 1.0;
  return DEQ_SUCCESS;
}

typedef struct { const deq_act *act; size_t kmax; } hermite_p;

/* f(x) He_k(x)/sqrt(k!), k = 0..kmax, by the normalised three-term recurrence. */
static void hermite_integrands(double x, void *p, double *v)
{
  const hermite_p *hp = p;
  double f = act_eval(hp->act, x), hprev = 1.0, h = x;  /* normalised h_0, h_1 */
  v[0] = f;
  for (size_t k = 1; k <= hp->kmax; k++) {
    v[k] = f * h;
    double hnext = (x * h - sqrt((double) k) * hprev) / sqrt((double) (k + 1));
    hprev = h;
    h = hnext;
  }
}

int deq_act_hermite(const deq_act *act, size_t kmax, const deq_opts *opts, deq_result *h)
{
  DEQ_CHECK_NULL(h, "h");
  DEQ_CHECK(kmax <= HERMITE_KMAX, "%s: kmax must be <= %d, got %zu", __func__, HERMITE_KMAX, kmax);
  if (check_act(act, __func__))
    return DEQ_EINVAL;
  hermite_p hp = { act, kmax };
  return deq_gauss_expect(hermite_integrands, &hp, kmax + 1, opts, h);
}

/* The vector tanh (deq_act_apply): plain C that GCC vectorises, the same operations in the
 * same order in every lane and every clone (no FMA contraction under -std=c11), so the values
 * are bitwise those of the scalar code whatever the instruction set.  For a = |x|:
 *   a < 0.625:  tanh a = a + a s P(s)/Q(s), s = a^2 (Cephes' rational form; its approximation
 *               error is below 1e-18 relative on [0, 0.625]);
 *   otherwise:  tanh a = 1 - 2/(e^{2a} + 1), e^{2a} = 2^k e^r with k = round(2a/ln 2), r by
 *               Cody-Waite reduction (ln 2 in two pieces, k ln2_hi exact), e^r by its Taylor
 *               polynomial of degree 13 (|r| <= ln2/2: truncation < 0.04 ulp), 2^k built in
 *               the exponent bits; a is clamped at 20, where the result is 1 in double.
 * Both branches are computed and one kept (with one division), and the sign copied back:
 * tanh(-0) = -0, tanh(+-inf) = +-1, NaN stays NaN.  Error bound: DEQ_ACT_TANH_ULP. */
#define TANH_SMALL 0.625
#define TANH_CLAMP 20.0
#define EXP_SHIFT 6755399441055744.0         /* 1.5 * 2^52: round to integer in the low bits */
#define EXP_LOG2E 1.4426950408889634074
#define EXP_LN2_HI 6.93147180369123816490e-01 /* ln 2, high part: 21 trailing zero bits */
#define EXP_LN2_LO 1.90821492927058770002e-10
#define EXP_BIAS 1023u
#define EXP_MANT_BITS 52
#define EXP_TAYLOR_DEG 13

/* 1/j!, j = 2..EXP_TAYLOR_DEG: the Taylor coefficients of (e^r - 1 - r)/r^2. */
static const double exp_taylor[EXP_TAYLOR_DEG - 1] = {
  1.0 / 2.0, 1.0 / 6.0, 1.0 / 24.0, 1.0 / 120.0, 1.0 / 720.0, 1.0 / 5040.0, 1.0 / 40320.0,
  1.0 / 362880.0, 1.0 / 3628800.0, 1.0 / 39916800.0, 1.0 / 479001600.0, 1.0 / 6227020800.0
};

static const double tanh_p[3] = { -9.64399179425052238628e-1, -9.92877231001918586564e1,
                                  -1.61468768441708447952e3 };
static const double tanh_q[3] = { 1.12811678491632931402e2, 2.23548839060100448583e3,
                                  4.84406305325125486048e3 };

static inline double bits_to_double(uint64_t u)
{
  double d;
  memcpy(&d, &u, sizeof d);
  return d;
}

static inline uint64_t double_to_bits(double d)
{
  uint64_t u;
  memcpy(&u, &d, sizeof u);
  return u;
}

/* e^y for 0 <= y <= 2 TANH_CLAMP (NaN propagates). */
static inline double exp_small_range(double y)
{
  double kd = y * EXP_LOG2E + EXP_SHIFT;
  uint64_t k = double_to_bits(kd);
  kd -= EXP_SHIFT;
  double r = (y - kd * EXP_LN2_HI) - kd * EXP_LN2_LO, p = exp_taylor[EXP_TAYLOR_DEG - 2];
  for (int j = EXP_TAYLOR_DEG - 3; j >= 0; j--)
    p = p * r + exp_taylor[j];
  return (1.0 + (r + r * r * p)) * bits_to_double((k + EXP_BIAS) << EXP_MANT_BITS);
}

static inline double vec_tanh(double x)
{
  double a = fabs(x);
  a = a > TANH_CLAMP ? TANH_CLAMP : a;
  double s = a * a, e = exp_small_range(2.0 * a);
  double num = (tanh_p[0] * s + tanh_p[1]) * s + tanh_p[2];
  double den = ((s + tanh_q[0]) * s + tanh_q[1]) * s + tanh_q[2];
  int small = a < TANH_SMALL;
  double q = (small ? num : 2.0) / (small ? den : e + 1.0);
  double t_small = a + a * s * q, t_large = 1.0 - q;
  return copysign(small ? t_small : t_large, x);
}

/* y = (tanh x - shift) inv and dy = (1 - tanh^2 x) inv over [lo, hi) (versions per
 * instruction set: core/simd.h). */
DEQ_SIMD_CLONES
static void apply_tanh(double shift, double inv, size_t lo, size_t hi, const double *x,
                       double *y, double *dy)
{
  if (dy == NULL) {
#pragma omp simd
    for (size_t i = lo; i < hi; i++)
      y[i] = (vec_tanh(x[i]) - shift) * inv;
    return;
  }
#pragma omp simd
  for (size_t i = lo; i < hi; i++) {
    double t = vec_tanh(x[i]);
    dy[i] = (1.0 - t * t) * inv;
    y[i] = (t - shift) * inv;
  }
}

/* One kind per loop; tanh and sigmoid share the function value with the derivative. */
static void apply_range(const deq_act *act, double shift, double inv, size_t lo, size_t hi,
                        const double *x, double *y, double *dy)
{
  switch (act->kind) {
  case DEQ_ACT_TANH:
    apply_tanh(shift, inv, lo, hi, x, y, dy);
    return;
  case DEQ_ACT_RELU:
    for (size_t i = lo; i < hi; i++) {
      double xi = x[i];
      if (dy != NULL)
        dy[i] = xi > 0 ? inv : 0.0;
      y[i] = ((xi > 0 ? xi : 0.0) - shift) * inv;
    }
    return;
  default:
    for (size_t i = lo; i < hi; i++) {
      double xi = x[i];
      if (dy != NULL)
        dy[i] = act_deriv(act, xi) * inv;
      y[i] = (act_eval(act, xi) - shift) * inv;
    }
  }
}

#define APPLY_CHUNK 8192
#define APPLY_MIN_CHUNKS 4   /* fewer chunks: one thread */

/* Whether deq_act_apply splits an array over OpenMP threads: not for the vector loops
 * (linear, relu, tanh: 1-2 ns an entry), whose parallel region and barrier cost more than
 * they save when the BLAS threads of the caller still spin on the same cores (measured:
 * bench_sim 4000 on 2 cores, 8.8 s a replicate on one OpenMP thread, 11.6-13.2 s on two). */
static int split_threads(const deq_act *act, long nchunks)
{
  int vector = act->kind == DEQ_ACT_LINEAR || act->kind == DEQ_ACT_RELU
               || act->kind == DEQ_ACT_TANH;
  return !vector && nchunks > APPLY_MIN_CHUNKS;
}

void deq_act_apply(const deq_act *act, double shift, double scale, size_t n,
                   const double *x, double *y, double *dy)
{
  DEQ_CHECK_NULL_VOID(x, "x");
  DEQ_CHECK_NULL_VOID(y, "y");
  DEQ_REQUIRE_RET(isfinite(shift) && isfinite(scale) && scale != 0, ,
                  "%s: shift and scale must be finite, scale != 0 (got %g, %g)", __func__,
                  shift, scale);
  if (check_act(act, __func__))
    return;
  double inv = 1.0 / scale;
  long nchunks = (long) ((n + APPLY_CHUNK - 1) / APPLY_CHUNK);
#pragma omp parallel for schedule(static) if (split_threads(act, nchunks))
  for (long c = 0; c < nchunks; c++) {
    size_t lo = (size_t) c * APPLY_CHUNK, hi = lo + APPLY_CHUNK < n ? lo + APPLY_CHUNK : n;
    apply_range(act, shift, inv, lo, hi, x, y, dy);
  }
}

void deq_act_apply_deriv(const deq_act *act, double scale, size_t n, const double *x, double *dy)
{
  DEQ_CHECK_NULL_VOID(x, "x");
  DEQ_CHECK_NULL_VOID(dy, "dy");
  DEQ_REQUIRE_RET(isfinite(scale) && scale != 0, , "%s: scale must be finite and != 0, got %g",
                  __func__, scale);
  if (check_act(act, __func__))
    return;
  double inv = 1.0 / scale;
  long nchunks = (long) ((n + APPLY_CHUNK - 1) / APPLY_CHUNK);
#pragma omp parallel for schedule(static) if (nchunks > APPLY_MIN_CHUNKS)
  for (long c = 0; c < nchunks; c++) {
    size_t lo = (size_t) c * APPLY_CHUNK, hi = lo + APPLY_CHUNK < n ? lo + APPLY_CHUNK : n;
    for (size_t i = lo; i < hi; i++)
      dy[i] = act_deriv(act, x[i]) * inv;
  }
}

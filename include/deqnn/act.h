/* deqnn/act.h -- activation functions and their Gaussian constants.
 *
 * Names (shared by every module and the CLI):
 *   linear    f(x) = x
 *   relu      f(x) = max(x, 0)
 *   tanh      f(x) = tanh(x)
 *   erf       f(x) = erf(x)
 *   sigmoid   f(x) = 1 / (1 + exp(-x))
 *   softplus  f(x) = log(1 + exp(x))
 *   he2       f(x) = (x^2 - 1) / sqrt(2)          (normalised Hermite polynomial He2)
 *   poly:c0,c1,c2,c3   f = c0 + c1 He1 + c2 He2/sqrt(2) + c3 He3/sqrt(6)
 *             (He1 = x, He2 = x^2 - 1, He3 = x^3 - 3x; missing trailing coefficients are 0)
 *
 * Gaussian constants, G ~ N(0, 1) (rf_onestep.md S2, ck_ntk.md S10-S12):
 *   mu0 = E f(G), mu1 = E f'(G) = E G f(G), m2 = E f(G)^2, d2 = E f'(G)^2,
 *   mustar2 = m2 - mu0^2 - mu1^2.
 * linear, relu, erf, he2 and poly have closed forms (err = a few ulps); tanh, sigmoid
 * and softplus use GSL QAGIU on each half line (split at the origin) to the tolerances
 * of deq_opts, with the reported quadrature error.
 *
 * Fan-Wang normalisation (ck_ntk.md S10-S12), used by the CK/NTK modules and their
 * simulation: sigma = (f - shift) / scale with shift = mu0, scale = sqrt(m2 - mu0^2),
 * so E sigma = 0 and E sigma^2 = 1; then b = (mu1/scale)^2 and a = d2/scale^2.
 */
#ifndef DEQ_ACT_H
#define DEQ_ACT_H

#include <stddef.h>
#include "deqnn/opts.h"
#include "deqnn/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
  DEQ_ACT_LINEAR, DEQ_ACT_RELU, DEQ_ACT_TANH, DEQ_ACT_ERF, DEQ_ACT_SIGMOID,
  DEQ_ACT_SOFTPLUS, DEQ_ACT_HE2, DEQ_ACT_POLY
} deq_act_kind;

typedef struct {
  deq_act_kind kind;
  double c[4];        /* Hermite coefficients, for DEQ_ACT_POLY only */
} deq_act;

typedef struct {
  deq_result mu0, mu1, m2, d2, mustar2;
} deq_act_gauss;

typedef struct {
  double shift, scale;  /* sigma = (f - shift) / scale */
  deq_result b;         /* b = mu1^2 of the normalised sigma */
  deq_result a;         /* a = E sigma'(G)^2 */
} deq_act_fw;

/* Parse a name as listed above.  Unknown names, malformed or non-finite poly
 * coefficients: DEQ_EINVAL naming the parameter `param`. */
int deq_act_parse(const char *name, const char *param, deq_act *act);

/* The theory modules' domain (deqnn/opts.h): DEQ_EINVAL naming `param` if a poly
 * coefficient exceeds DEQ_COEF_MAX in magnitude (its Gaussian constants and everything built
 * on them would leave double precision).  The simulations accept any finite coefficient. */
int deq_act_check_domain(const deq_act *act, const char *param);

/* Canonical name of an activation ("tanh", "poly:0,1,0.5,0"); writes at most n bytes. */
void deq_act_name(const deq_act *act, char *buf, size_t n);

/* Whether f is odd, f(-x) = -f(x): linear, tanh, erf, and poly with c0 = c2 = 0 (He1 and He3
 * are odd); then E f(G) = E f''(G) = 0 (spiked_rf S21, spiked_finite_support F20).  0 for a
 * NULL or invalid act (DEQ_EINVAL through the handler). */
int deq_act_is_odd(const deq_act *act);

/* f(x) and f'(x) (relu'(0) = 0). */
double deq_act_eval(const deq_act *act, double x);
double deq_act_deriv(const deq_act *act, double x);

/* All Gaussian constants above, computed together.  DEQ_ETOL if a quadrature did
 * not reach its tolerance, DEQ_EBADFUNC for a non-finite integrand. */
int deq_act_moments(const deq_act *act, const deq_opts *opts, deq_act_gauss *mom);

/* Fan-Wang normalisation constants.  DEQ_EINVAL if f is constant on the Gaussian
 * (scale = 0). */
int deq_act_fw_constants(const deq_act *act, const deq_opts *opts, deq_act_fw *fw);

/* Normalised Hermite coefficients h_k = E[f(G) He_k(G)] / sqrt(k!), k = 0..kmax, so
 * that f = sum_k h_k He_k / sqrt(k!) in L2(N(0,1)).  kmax <= 1000 (DEQ_EINVAL above). */
int deq_act_hermite(const deq_act *act, size_t kmax, const deq_opts *opts, deq_result *h);

/* Vector form for simulations: y[i] = (f(x[i]) - shift)/scale and, if dy != NULL,
 * dy[i] = f'(x[i])/scale, for i < n.  In place is allowed for either output (y == x, or
 * dy == x: x[i] is read before y[i] and dy[i] are written); dy must differ from y.
 * Large arrays are split over OpenMP threads, except for linear, relu and tanh (vector
 * loops, cheaper than a parallel region); each element is computed the same way whatever
 * the thread count, so the result is bitwise independent of it.  tanh is a vector
 * code of its own (docs/act.md), within DEQ_ACT_TANH_ULP of the exact tanh and bitwise the
 * same on every x86-64 (and at any vector width); deq_act_eval uses libm's. */
void deq_act_apply(const deq_act *act, double shift, double scale, size_t n,
                   const double *x, double *y, double *dy);

/* Error bound of deq_act_apply's tanh, in ulps of the exact value: |t - tanh x| <=
 * DEQ_ACT_TANH_ULP ulp(tanh x) for every double x (u = 2^-53, the unit roundoff).
 *   |x| >= 0.625 (t >= 0.55, ulp(t) = u): e^r carries <= 3.1 u relative (reduction 0.35 u,
 *   Taylor tail 0.04 u, evaluation 0.65 u, 1 + q one rounding, over e^r >= 0.707), 2/(e + 1)
 *   <= 5.1 u more (add, divide), times 2/(e + 1) <= 0.45 in t = 1 - 2/(e + 1): 2.3 u, plus
 *   the final rounding 0.5 u: 2.8 ulp.
 *   |x| < 0.625: the correction a s P/Q is <= 0.131 a and carries <= 10 u relative (ten
 *   roundings), so <= 1.31 u a <= 1.51 ulp(t); plus the final rounding and the rational
 *   approximation's error (< 0.01 u): 2.1 ulp.
 * Measured against long double tanhl: 1.26 ulp on test_act.c's sweep, 1.32 on 4e7 points
 * of [-20, 20]. */
#define DEQ_ACT_TANH_ULP 3.0

/* dy[i] = f'(x[i])/scale, i < n (in place allowed), threaded like deq_act_apply. */
void deq_act_apply_deriv(const deq_act *act, double scale, size_t n, const double *x, double *dy);

#ifdef __cplusplus
}
#endif
#endif

/* deqnn/opts.h -- numerical options shared by every solver.
 *
 * Every solver takes a `const deq_opts *`; NULL means the defaults set by
 * deq_opts_init.  Typical ranges are given beside each field.
 */
#ifndef DEQ_OPTS_H
#define DEQ_OPTS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
  double tol_step;      /* Newton: |step| < tol_step (1 + |x|); 1e-13 (1e-15 .. 1e-8) */
  double tol_res;       /* Newton: |residual| < tol_res (1 + |x|); 1e-11 (1e-14 .. 1e-6) */
  int max_iter;         /* Newton iterations per solve; 100 (20 .. 1000) */
  int max_halvings;     /* damping: step halvings before giving up; 30 */
  int ladder_steps;     /* continuation rungs from Im z = Y down to the target; 60 */
  double ladder_height; /* start height Y in units of the spectral scale; 10 */
  double eta_rel;       /* density: Im z = eta_rel * spectral scale; 1e-10 */
  double quad_epsabs;   /* Gaussian quadrature absolute tolerance; 1e-13 */
  double quad_epsrel;   /* Gaussian quadrature relative tolerance; 1e-12 */
  size_t quad_limit;    /* GSL integration workspace size; 1000 */
  int moment_nodes;     /* contour-integral nodes for moments; 256 */
  int cdf_nodes;        /* nodes per support interval for the CDF; 4000 */
  int scan_points;      /* points of the scan that locates support edges; 3000 */
  int fp_max_iter;      /* damped fixed-point iteration cap (slowly contracting maps,
                           e.g. rf_onestep S5); 100000 (1000 .. 1e7) */
  double fp_damping;    /* damped fixed point: x <- (1 - w) x + w F(x), w = 0.5 (0.1 .. 1) */
  double bisect_tol_rel;  /* bisection (support edges): stop at a bracket of
                             bisect_tol_rel times the spectral scale; 1e-13 (1e-15 .. 1e-6) */
  int bisect_max_iter;    /* bisection steps; 200 (60 .. 1000) */
  double limit_agree;     /* limit of g(h), h -> 0 (atom masses): two successive values
                             agree to limit_agree; 1e-9 (1e-13 .. 1e-6) */
  double limit_factor;    /* h_{k+1} = limit_factor h_k; 1e-3 (1e-6 .. 0.5) */
  int limit_max_evals;    /* evaluations of g; 8 (2 .. 30) */
} deq_opts;

/* The documented domain of the theory modules' parameters.  Ratios (width, sample and batch
 * ratios, gamma_l) lie in [DEQ_RATIO_MIN, DEQ_RATIO_MAX]; ridges, noises, learning rates and
 * poly and pencil coefficients at most DEQ_COEF_MAX.  Beyond these the formulas leave
 * double precision (cancellation, overflow, underflow of the spectral scale) and the functions
 * return DEQ_EINVAL naming the parameter rather than a number that may be wrong. */
#define DEQ_RATIO_MIN 1e-8
#define DEQ_RATIO_MAX 1e8
#define DEQ_PARAM_MAX 1e100
/* Coefficients: of a poly activation (|c_k|) and of a pencil (|q_l|, |r|). */
#define DEQ_COEF_MAX 1e12

/* Fill *opts with the defaults above (the one place they are written). */
void deq_opts_init(deq_opts *opts);

/* DEQ_EINVAL, naming the field ("opts->tol_step = 0: must be > 0"), unless every field is in
 * its domain: tolerances finite and > 0, caps >= 1, 0 < fp_damping <= 1,
 * 0 < limit_factor < 1, limit_max_evals >= 2, quad_limit >= 1, nodes and scan points >= 2.
 * NULL (the defaults) is valid.  Every solver checks its options with it. */
int deq_opts_check(const deq_opts *opts);

/* Return opts, or a pointer to the default set when opts is NULL. */
const deq_opts *deq_opts_or_default(const deq_opts *opts);

#ifdef __cplusplus
}
#endif
#endif

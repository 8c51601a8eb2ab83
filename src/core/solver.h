/* Internal: the one iterative-solve driver of deqnn (GSL's fsolver shape).
 *
 * Every iteration in theory/ goes through a deq_solver built from an algorithm type:
 *
 *   deq_solver_newton     damped complex Newton for F(x) = 0, x in C^n (n small), with the
 *                         Jacobian from the user function; LU with partial pivoting, step
 *                         halved until max |F| decreases (opts->max_halvings).
 *   deq_solver_brent      real scalar root of F(x) = 0 in a bracket (GSL's Brent), n = 1.
 *   deq_solver_bisection  real scalar sign change in a bracket, n = 1 (F need only give the
 *                         sign: a predicate coded as +-1 works).
 *   deq_solver_fixpoint   damped fixed point x <- x + w F(x) for F(x) = G(x) - x, real
 *                         positive x (stored as complex with zero imaginary part).
 *   deq_solver_limit      limit of a sequence g(h_k), h_k = h_0 f^k, n = 1: the user function
 *                         is called at x = h and writes F[0] = g(h), F[1] = the error of
 *                         g(h); the iterate x[0] is the last g(h).
 *
 * Set / iterate / test, as GSL:
 *   deq_solver_set       starts from x0 (bracketing types: x0[0], x0[1] = the bracket
 *                        ends; limit: x0[0] = h_0, the first parameter);
 *   deq_solver_iterate   one step; returns the user function's status, or DEQ_EMAXITER
 *                        when the step cannot proceed (singular Jacobian, damping failed);
 *   deq_solver_test      DEQ_SUCCESS when converged, DEQ_CONTINUE otherwise.
 * deq_solver_solve is the driver for the usual case: set, then iterate and test up to the
 * type's cap; DEQ_EMAXITER at the cap, with the last iterate still available.
 *
 * Tolerances and caps come from deq_opts by name (see each type in docs/design.md):
 *   newton     tol_step, tol_res, max_iter, max_halvings
 *   brent      tol_step (relative bracket width), max_iter
 *   bisection  bisect_tol_rel (bracket width in units of deq_solver_set_scale), bisect_max_iter
 *   fixpoint   tol_step (error bound, relative), tol_res, fp_max_iter, fp_damping
 *   limit      limit_agree (|g(h_k) - g(h_{k-1})|), limit_factor (f), limit_max_steps
 * After a solve, deq_solver_error gives the solver's contribution to the value's error bar
 * (the final bracket width; the fixed point's contraction bound, relative to x; the limit's
 * last change plus the reported error of g; for Newton the scaled residual, which the pencil
 * solver turns into an error on m through the adjoint).
 */
#ifndef DEQ_CORE_SOLVER_H
#define DEQ_CORE_SOLVER_H

#include <complex.h>
#include <stddef.h>
#include "core/gsl_quiet.h"
#include "deqnn/opts.h"
#include "deqnn/status.h"

/* Returned by deq_solver_test while not converged (never by the public API). */
#define DEQ_CONTINUE (-2)

/* F at x (n entries); if J != NULL also the Jacobian, J[i*n + k] = dF_i/dx_k (Newton only).
 * Returns a status; a non-finite F must be reported as DEQ_EBADFUNC. */
typedef int deq_solver_fn(const double complex *x, void *params, double complex *F,
                          double complex *J);

typedef struct deq_solver deq_solver;

/* An algorithm type: its workspace size, the three steps, its iteration cap read from
 * deq_opts, and optional hooks (a final check after convergence, releasing resources). */
typedef struct {
  const char *name;
  size_t (*state_size)(size_t n);
  int (*set)(deq_solver *s, const double complex *x0);
  int (*iterate)(deq_solver *s);
  int (*test)(const deq_solver *s);
  int (*max_iter)(const deq_opts *opts);
  int (*finish)(deq_solver *s);
  void (*release)(deq_solver *s);
} deq_solver_type;

extern const deq_solver_type *const deq_solver_newton;
extern const deq_solver_type *const deq_solver_brent;
extern const deq_solver_type *const deq_solver_bisection;
extern const deq_solver_type *const deq_solver_fixpoint;
extern const deq_solver_type *const deq_solver_limit;

struct deq_solver {
  const deq_solver_type *type;
  size_t n;
  deq_solver_fn *f;
  void *params;
  const deq_opts *opts;
  double scale;          /* bisection: the unit of bisect_tol_rel */
  double complex *x;     /* current iterate (n entries; bracketing types: the estimate) */
  double complex *F;     /* F at x (n entries, limit: 2) */
  double lo, hi;         /* bracketing types: current bracket */
  double resid;          /* scaled residual max |F_k| / (1 + |x_k|) (fixpoint: / |x_k|) */
  double step;           /* last accepted step, scaled like resid */
  double err;            /* the solver's contribution to the error bar, see above */
  int iters;
  void *state;           /* the type's own workspace */
};

/* A solver of type T for n unknowns; NULL (nothing reported: the caller reports with its
 * context) if out of memory, T is NULL, or n is 0 or above 4096. */
deq_solver *deq_solver_alloc(const deq_solver_type *T, size_t n);
void deq_solver_free(deq_solver *s);

/* Bisection: tolerances in units of scale (default 1). */
void deq_solver_set_scale(deq_solver *s, double scale);

int deq_solver_set(deq_solver *s, deq_solver_fn *f, void *params, const deq_opts *opts,
                   const double complex *x0);
int deq_solver_iterate(deq_solver *s);
int deq_solver_test(const deq_solver *s);

/* Set, iterate and test up to the type's cap; the final iterate is copied to x (n values;
 * bracketing and limit types: x[0]).  DEQ_EMAXITER at the cap or when a step fails; the
 * user function's status when it fails. */
int deq_solver_solve(deq_solver *s, deq_solver_fn *f, void *params, const deq_opts *opts,
                     double complex *x);

/* The solver's contribution to the error bar of the root (see above). */
double deq_solver_error(const deq_solver *s);

/* Dense complex LU: factor A (n x n row-major, overwritten) with pivots perm;
 * returns nonzero if singular. */
int deq_clu_factor(size_t n, double complex *A, size_t *perm);
/* Solve A x = b (trans = 0) or A^T x = b (trans = 1) in place in b. */
void deq_clu_solve(size_t n, const double complex *LU, const size_t *perm, int trans,
                   double complex *b);

#endif

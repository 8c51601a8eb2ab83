/* Internal: damped Newton for holomorphic systems F(u) = 0, u in C^n (n small).
 *
 * The one root-finding loop every complex fixed-point solver of deqnn uses
 * (architecture.md: shared numerical machinery).  Set / iterate / test, GSL-style:
 * each iteration solves J du = -F by LU with partial pivoting, then halves the step
 * until |F| decreases (at most opts->max_halvings times).  Converged when
 *   max_k |du_k| < tol_step (1 + |u_k|)  and  max_k |F_k| < tol_res (1 + |u_k|),
 * or, at the round-off floor of an ill-conditioned root, when the residual test holds and
 * the step has stopped shrinking (|du| > |du_previous| / 2).
 */
#ifndef DEQ_CORE_NEWTON_H
#define DEQ_CORE_NEWTON_H

#include <complex.h>
#include <stddef.h>
#include "deqnn/opts.h"

/* F at u; if J != NULL also the Jacobian, J[i*n + k] = dF_i/du_k.  Returns a status;
 * a non-finite F must be reported as DEQ_EBADFUNC. */
typedef int deq_cnewton_fn(const double complex *u, void *params, double complex *F,
                           double complex *J);

typedef struct {
  size_t n;
  double complex *J, *F, *du, *utry, *Ftry, *work;
  size_t *perm;
  int iters;            /* iterations of the last solve */
  double resid;         /* max |F_k| / (1 + |u_k|) at the returned u */
  double step;          /* max |du_k| / (1 + |u_k|) of the last accepted step */
} deq_cnewton_ws;

deq_cnewton_ws *deq_cnewton_alloc(size_t n);
void deq_cnewton_free(deq_cnewton_ws *ws);

/* Solve from the start value in u (overwritten by the last iterate).  DEQ_EMAXITER
 * after opts->max_iter iterations or when damping cannot decrease |F|; the last
 * iterate and its residual are still returned in u and ws->resid. */
int deq_cnewton_solve(deq_cnewton_fn *f, void *params, const deq_opts *opts,
                      deq_cnewton_ws *ws, double complex *u);

/* Dense complex LU: factor A (n x n row-major, overwritten) with pivots perm;
 * returns nonzero if singular. */
int deq_clu_factor(size_t n, double complex *A, size_t *perm);
/* Solve A x = b (trans = 0) or A^T x = b (trans = 1) in place in b. */
void deq_clu_solve(size_t n, const double complex *LU, const size_t *perm, int trans,
                   double complex *b);

#endif

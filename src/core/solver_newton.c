/* Solver type: damped complex Newton (see core/solver.h).
 *
 * Each iteration solves J dx = -F by LU with partial pivoting, then halves the step until
 * the scaled residual decreases (at most opts->max_halvings times).  Converged when
 *   max_k |dx_k| < tol_step (1 + |x_k|)  and  max_k |F_k| < tol_res (1 + |x_k|),
 * or, at the round-off floor of an ill-conditioned root, when the residual test holds and
 * the step has stopped shrinking (|dx| > |dx_previous| / 2).  When damping cannot decrease
 * the residual, the solve ends: converged if the residual test holds, else DEQ_EMAXITER. */
#include <math.h>
#include <string.h>
#include "core/solver.h"

/* A step that has not shrunk below this fraction of the previous one is at round-off. */
static const double floor_ratio = 0.5;

typedef struct {
  double prev;   /* previous accepted step */
  int stalled;   /* damping failed in the last iteration */
} newton_head;

/* The workspace: the head, then J (n x n), du, xtry, Ftry (n each), then perm (n). */
#define HEAD_SIZE ((sizeof(newton_head) + 15) / 16 * 16)

typedef struct {
  newton_head *h;
  double complex *J, *du, *xtry, *Ftry;
  size_t *perm;
} newton_ws;

static size_t newton_size(size_t n)
{
  return HEAD_SIZE + (n * n + 3 * n) * sizeof(double complex) + n * sizeof(size_t);
}

static newton_ws ws_of(const deq_solver *s)
{
  size_t n = s->n;
  newton_ws w;
  w.h = s->state;
  w.J = (double complex *) ((char *) s->state + HEAD_SIZE);
  w.du = w.J + n * n;
  w.xtry = w.du + n;
  w.Ftry = w.xtry + n;
  w.perm = (size_t *) (w.Ftry + n);
  return w;
}

/* max(|Re z|, |Im z|): within a factor sqrt(2) of |z|, without hypot. */
static double cnorm(double complex z)
{
  return fmax(fabs(creal(z)), fabs(cimag(z)));
}

static double scaled_max(size_t n, const double complex *v, const double complex *x)
{
  double r = 0.0;
  for (size_t k = 0; k < n; k++) {
    double q = cnorm(v[k]) / (1.0 + cnorm(x[k]));
    r = q > r || isnan(q) ? q : r;
  }
  return r;
}

static int newton_set(deq_solver *s, const double complex *x0)
{
  newton_ws w = ws_of(s);
  memcpy(s->x, x0, s->n * sizeof *x0);
  w.h->prev = INFINITY;
  w.h->stalled = 0;
  int status = s->f(s->x, s->params, s->F, NULL);
  if (status)
    return status;
  s->resid = s->err = scaled_max(s->n, s->F, s->x);
  return DEQ_SUCCESS;
}

/* Halve the step until the residual decreases; returns 1 when a step was accepted. */
static int damped_step(deq_solver *s, newton_ws w)
{
  size_t n = s->n;
  double f0 = scaled_max(n, s->F, s->x), t = 1.0;
  for (int h = 0; h <= s->opts->max_halvings; h++, t *= 0.5) {
    for (size_t k = 0; k < n; k++)
      w.xtry[k] = s->x[k] + t * w.du[k];
    if (s->f(w.xtry, s->params, w.Ftry, NULL) != DEQ_SUCCESS)
      continue;
    double f1 = scaled_max(n, w.Ftry, w.xtry);
    if (f1 < f0 || f1 == 0.0 || (h == 0 && f1 <= f0)) {
      s->step = t * scaled_max(n, w.du, s->x);
      memcpy(s->x, w.xtry, n * sizeof *s->x);
      memcpy(s->F, w.Ftry, n * sizeof *s->F);
      s->resid = s->err = f1;
      return 1;
    }
  }
  return 0;
}

static int newton_iterate(deq_solver *s)
{
  newton_ws w = ws_of(s);
  size_t n = s->n;
  int status = s->f(s->x, s->params, s->F, w.J);
  if (status != DEQ_SUCCESS)
    return status;
  for (size_t k = 0; k < n; k++)
    w.du[k] = -s->F[k];
  if (deq_clu_factor(n, w.J, w.perm))
    return DEQ_EMAXITER;
  deq_clu_solve(n, w.J, w.perm, 0, w.du);
  w.h->prev = s->step;
  w.h->stalled = !damped_step(s, w);
  return DEQ_SUCCESS;
}

static int newton_test(const deq_solver *s)
{
  const newton_head *h = s->state;
  int res_ok = s->resid < s->opts->tol_res;
  if (h->stalled)
    return res_ok ? DEQ_SUCCESS : DEQ_EMAXITER;
  if (res_ok && (s->step < s->opts->tol_step || s->step > floor_ratio * h->prev))
    return DEQ_SUCCESS;
  return DEQ_CONTINUE;
}

static int newton_cap(const deq_opts *opts)
{
  return opts->max_iter;
}

static const deq_solver_type newton_type = {
  "newton", newton_size, newton_set, newton_iterate, newton_test, newton_cap, NULL, NULL
};

const deq_solver_type *const deq_solver_newton = &newton_type;

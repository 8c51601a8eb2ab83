/* Solver types that follow a sequence (see core/solver.h): the damped fixed point and the
 * limit of g(h) as h shrinks geometrically. */
#include <float.h>
#include <math.h>
#include "core/solver.h"

/* Fixed point: steps below this many DBL_EPSILON are rounding noise: they neither update
 * the contraction-rate estimate nor need to shrink further. */
static const double noise_ulps = 4.0;
/* Contraction rates are clamped to this value (error bound step r / (1 - r)). */
static const double rate_cap = 0.9999;

typedef struct {
  double prev;   /* previous relative step */
  double r1, r2; /* the last two step ratios (contraction-rate estimates) */
} fixpoint_state;

static size_t fixpoint_size(size_t n)
{
  (void) n;
  return sizeof(fixpoint_state);
}

static int fixpoint_set(deq_solver *s, const double complex *x0)
{
  fixpoint_state *p = s->state;
  for (size_t k = 0; k < s->n; k++)
    s->x[k] = x0[k];
  p->prev = HUGE_VAL;
  p->r1 = p->r2 = rate_cap;
  s->err = 1.0;
  return DEQ_SUCCESS;
}

/* x <- x + w F(x); the relative step is max_k |dx_k| / x_k (new x).  The error after the
 * step is about step r / (1 - r) with r the contraction rate, estimated as the larger of
 * the last two step ratios while the steps are above rounding noise. */
static int fixpoint_iterate(deq_solver *s)
{
  fixpoint_state *p = s->state;
  int status = s->f(s->x, s->params, s->F, NULL);
  if (status != DEQ_SUCCESS)
    return status;
  double step = 0.0, w = s->opts->fp_damping, noise = noise_ulps * DBL_EPSILON;
  for (size_t k = 0; k < s->n; k++) {
    double v = creal(s->x[k]), nv = v + w * creal(s->F[k]);
    step = fmax(step, fabs(nv - v) / nv);
    s->x[k] = nv;
  }
  if (step > noise && p->prev < HUGE_VAL) {
    p->r2 = p->r1;
    p->r1 = fmin(step / p->prev, rate_cap);
  }
  p->prev = s->step = step;
  double rate = fmax(p->r1, p->r2);
  s->err = fmax(step * rate / (1.0 - rate), DBL_EPSILON);
  return DEQ_SUCCESS;
}

static int fixpoint_test(const deq_solver *s)
{
  int done = s->err <= s->opts->tol_step || s->step <= noise_ulps * DBL_EPSILON;
  return done ? DEQ_SUCCESS : DEQ_CONTINUE;
}

/* After convergence: the residual max_k |F_k(x)| / x_k must meet tol_res and the error
 * bound tol_step (a step at rounding noise with a slow rate can leave the bound above it). */
static int fixpoint_finish(deq_solver *s)
{
  int status = s->f(s->x, s->params, s->F, NULL);
  if (status != DEQ_SUCCESS)
    return status;
  double r = 0.0;
  for (size_t k = 0; k < s->n; k++)
    r = fmax(r, fabs(creal(s->F[k])) / creal(s->x[k]));
  s->resid = r;
  return r <= s->opts->tol_res && s->err <= s->opts->tol_step ? DEQ_SUCCESS : DEQ_ETOL;
}

static int fixpoint_cap(const deq_opts *opts)
{
  return opts->fp_max_iter;
}

static const deq_solver_type fixpoint_type = {
  "fixpoint", fixpoint_size, fixpoint_set, fixpoint_iterate, fixpoint_test, fixpoint_cap,
  fixpoint_finish, NULL
};

const deq_solver_type *const deq_solver_fixpoint = &fixpoint_type;

/* Limit: the user function is called at h and writes F[0] = g(h), F[1] = its error; the
 * iterate x[0] is the last value g(h).  Each iteration multiplies h by limit_factor;
 * converged when two successive values agree to limit_agree.  err = error of the last g
 * plus the last change. */
typedef struct {
  double prev;   /* g at the previous h */
  double h;
} limit_state;

static size_t limit_size(size_t n)
{
  (void) n;
  return sizeof(limit_state);
}

static int limit_eval(deq_solver *s)
{
  limit_state *p = s->state;
  double complex h = p->h;
  int status = s->f(&h, s->params, s->F, NULL);
  s->x[0] = creal(s->F[0]);
  s->step = fabs(creal(s->F[0]) - p->prev);
  s->err = creal(s->F[1]) + s->step;
  return status;
}

static int limit_set(deq_solver *s, const double complex *x0)
{
  limit_state *p = s->state;
  p->h = creal(x0[0]);
  p->prev = NAN;
  return limit_eval(s);
}

static int limit_iterate(deq_solver *s)
{
  limit_state *p = s->state;
  p->prev = creal(s->F[0]);
  p->h *= s->opts->limit_factor;
  return limit_eval(s);
}

static int limit_test(const deq_solver *s)
{
  return s->step <= s->opts->limit_agree ? DEQ_SUCCESS : DEQ_CONTINUE;
}

static int limit_cap(const deq_opts *opts)
{
  return opts->limit_max_evals - 1;
}

static const deq_solver_type limit_type = {
  "limit", limit_size, limit_set, limit_iterate, limit_test, limit_cap, NULL, NULL
};

const deq_solver_type *const deq_solver_limit = &limit_type;

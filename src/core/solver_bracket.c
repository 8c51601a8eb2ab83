/* Solver types on a real bracket [lo, hi], n = 1 (see core/solver.h): Brent (GSL's
 * gsl_root_fsolver_brent, every GSL status checked) and bisection on a sign. */
#include <math.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_roots.h>
#include "core/solver.h"

typedef struct {
  gsl_root_fsolver *gs;
  gsl_function fn;      /* GSL keeps a pointer to it */
  deq_solver *owner;
  int fstatus;          /* status of the last call of the user function */
} brent_state;

static size_t brent_size(size_t n)
{
  (void) n;
  return sizeof(brent_state);
}

/* The user function as GSL sees it: a failure becomes NaN, which GSL reports as
 * GSL_EBADFUNC, and its status is kept. */
static double brent_fn(double x, void *p)
{
  brent_state *b = p;
  deq_solver *s = b->owner;
  double complex xc = x, F[2];
  b->fstatus = s->f(&xc, s->params, F, NULL);
  return b->fstatus == DEQ_SUCCESS ? creal(F[0]) : NAN;
}

static int from_gsl(const brent_state *b, int gsl_status)
{
  if (gsl_status == GSL_SUCCESS)
    return DEQ_SUCCESS;
  if (b->fstatus != DEQ_SUCCESS)
    return b->fstatus;
  if (gsl_status == GSL_EBADFUNC)
    return DEQ_EBADFUNC;
  if (gsl_status == GSL_ENOMEM)
    return DEQ_ENOMEM;
  return gsl_status == GSL_EINVAL ? DEQ_EINVAL : DEQ_EMAXITER;
}

static void bracket_store(deq_solver *s, double lo, double hi, double root)
{
  s->lo = lo;
  s->hi = hi;
  s->x[0] = root;
  s->err = hi - lo;
}

static int brent_set(deq_solver *s, const double complex *x0)
{
  brent_state *b = s->state;
  if (b->gs == NULL)
    b->gs = gsl_root_fsolver_alloc(gsl_root_fsolver_brent);
  if (b->gs == NULL)
    return DEQ_ENOMEM;
  b->owner = s;
  b->fstatus = DEQ_SUCCESS;
  b->fn.function = brent_fn;
  b->fn.params = b;
  double lo = creal(x0[0]), hi = creal(x0[1]);
  bracket_store(s, lo, hi, lo);
  return from_gsl(b, gsl_root_fsolver_set(b->gs, &b->fn, lo, hi));
}

/* The bracket and root are read from the public fields of gsl_root_fsolver (the accessor
 * functions cost three library calls per iteration). */
static int brent_iterate(deq_solver *s)
{
  brent_state *b = s->state;
  int g = gsl_root_fsolver_iterate(b->gs);
  bracket_store(s, b->gs->x_lower, b->gs->x_upper, b->gs->root);
  return g == GSL_SUCCESS ? DEQ_SUCCESS : from_gsl(b, g);
}

static int brent_test(const deq_solver *s)
{
  int t = gsl_root_test_interval(s->lo, s->hi, 0.0, s->opts->tol_step);
  return t == GSL_SUCCESS ? DEQ_SUCCESS : t == GSL_CONTINUE ? DEQ_CONTINUE : DEQ_EINVAL;
}

static int cap_max_iter(const deq_opts *opts)
{
  return opts->max_iter;
}

static void brent_release(deq_solver *s)
{
  brent_state *b = s->state;
  if (b != NULL && b->gs != NULL)
    gsl_root_fsolver_free(b->gs);
}

static const deq_solver_type brent_type = {
  "brent", brent_size, brent_set, brent_iterate, brent_test, cap_max_iter, NULL, brent_release
};

const deq_solver_type *const deq_solver_brent = &brent_type;

/* Bisection: F(x) <= 0 on the lo side, F(x) > 0 on the hi side (a predicate coded as
 * -1 / +1 works); the ends are not evaluated.  Converged when hi - lo <= bisect_tol_rel *
 * scale; the estimate is the midpoint. */
static size_t bisect_size(size_t n)
{
  (void) n;
  return 1;
}

static int bisect_set(deq_solver *s, const double complex *x0)
{
  double lo = creal(x0[0]), hi = creal(x0[1]);
  bracket_store(s, lo, hi, 0.5 * (lo + hi));
  return lo <= hi ? DEQ_SUCCESS : DEQ_EINVAL;
}

static int bisect_iterate(deq_solver *s)
{
  double complex mid = 0.5 * (s->lo + s->hi), F[2];
  int status = s->f(&mid, s->params, F, NULL);
  if (status != DEQ_SUCCESS)
    return status;
  if (creal(F[0]) <= 0)
    bracket_store(s, creal(mid), s->hi, 0.5 * (creal(mid) + s->hi));
  else
    bracket_store(s, s->lo, creal(mid), 0.5 * (s->lo + creal(mid)));
  return DEQ_SUCCESS;
}

static int bisect_test(const deq_solver *s)
{
  return s->hi - s->lo <= s->opts->bisect_tol_rel * s->scale ? DEQ_SUCCESS : DEQ_CONTINUE;
}

static int bisect_cap(const deq_opts *opts)
{
  return opts->bisect_max_iter;
}

static const deq_solver_type bisect_type = {
  "bisection", bisect_size, bisect_set, bisect_iterate, bisect_test, bisect_cap, NULL, NULL
};

const deq_solver_type *const deq_solver_bisection = &bisect_type;

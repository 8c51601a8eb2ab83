/* The iterative-solve driver (set / iterate / test) and the dense complex LU it uses. */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <gsl/gsl_errno.h>
#include "core/solver.h"

static pthread_once_t gsl_once = PTHREAD_ONCE_INIT;

static void gsl_off(void)
{
  gsl_set_error_handler_off();
}

void deq_gsl_quiet(void)
{
  pthread_once(&gsl_once, gsl_off);
}

deq_solver *deq_solver_alloc(const deq_solver_type *T, size_t n)
{
  if (T == NULL || n == 0 || n > 4096)
    return NULL;
  deq_gsl_quiet();
  deq_solver *s = calloc(1, sizeof *s);
  if (s == NULL)
    return NULL;
  s->type = T;
  s->n = n;
  s->scale = 1.0;
  s->x = calloc(n < 2 ? 2 : n, sizeof *s->x);
  s->F = calloc(n < 2 ? 2 : n, sizeof *s->F);
  s->state = calloc(1, T->state_size(n));
  if (s->x == NULL || s->F == NULL || s->state == NULL) {
    deq_solver_free(s);
    return NULL;
  }
  return s;
}

void deq_solver_free(deq_solver *s)
{
  if (s == NULL)
    return;
  if (s->type->release != NULL)
    s->type->release(s);
  free(s->x), free(s->F), free(s->state), free(s);
}

void deq_solver_set_scale(deq_solver *s, double scale)
{
  s->scale = scale;
}

int deq_solver_set(deq_solver *s, deq_solver_fn *f, void *params, const deq_opts *opts,
                   const double complex *x0)
{
  s->f = f;
  s->params = params;
  s->opts = deq_opts_or_default(opts);
  s->iters = 0;
  s->resid = s->step = s->err = INFINITY;
  return s->type->set(s, x0);
}

int deq_solver_iterate(deq_solver *s)
{
  s->iters++;
  return s->type->iterate(s);
}

int deq_solver_test(const deq_solver *s)
{
  return s->type->test(s);
}

static void copy_root(const deq_solver *s, double complex *x)
{
  for (size_t k = 0; k < s->n; k++)
    x[k] = s->x[k];
}

int deq_solver_solve(deq_solver *s, deq_solver_fn *f, void *params, const deq_opts *opts,
                     double complex *x)
{
  int status = deq_solver_set(s, f, params, opts, x);
  if (status == DEQ_SUCCESS)
    status = DEQ_CONTINUE;
  for (int it = 0, cap = s->type->max_iter(s->opts); status == DEQ_CONTINUE && it < cap; it++) {
    status = deq_solver_iterate(s);
    if (status == DEQ_SUCCESS)
      status = deq_solver_test(s);
  }
  if (status == DEQ_CONTINUE)
    status = DEQ_EMAXITER;
  if (status == DEQ_SUCCESS && s->type->finish != NULL)
    status = s->type->finish(s);
  copy_root(s, x);
  return status;
}

double deq_solver_error(const deq_solver *s)
{
  return s->err;
}

/* max(|Re z|, |Im z|): within a factor sqrt(2) of |z|, without hypot. */
static double cnorm(double complex z)
{
  return fmax(fabs(creal(z)), fabs(cimag(z)));
}

int deq_clu_factor(size_t n, double complex *A, size_t *perm)
{
  for (size_t k = 0; k < n; k++) {
    size_t p = k;
    for (size_t i = k + 1; i < n; i++)
      if (cnorm(A[i * n + k]) > cnorm(A[p * n + k]))
        p = i;
    perm[k] = p;
    if (A[p * n + k] == 0)
      return 1;
    if (p != k)
      for (size_t j = 0; j < n; j++) {
        double complex t = A[k * n + j];
        A[k * n + j] = A[p * n + j];
        A[p * n + j] = t;
      }
    for (size_t i = k + 1; i < n; i++) {
      double complex l = A[i * n + k] / A[k * n + k];
      A[i * n + k] = l;
      for (size_t j = k + 1; j < n; j++)
        A[i * n + j] -= l * A[k * n + j];
    }
  }
  return 0;
}

static void swap_c(double complex *b, size_t i, size_t j)
{
  double complex t = b[i];
  b[i] = b[j];
  b[j] = t;
}

void deq_clu_solve(size_t n, const double complex *LU, const size_t *perm, int trans,
                   double complex *b)
{
  if (!trans) {
    for (size_t k = 0; k < n; k++)
      swap_c(b, k, perm[k]);
    for (size_t i = 0; i < n; i++)
      for (size_t j = 0; j < i; j++)
        b[i] -= LU[i * n + j] * b[j];
    for (size_t i = n; i-- > 0;) {
      for (size_t j = i + 1; j < n; j++)
        b[i] -= LU[i * n + j] * b[j];
      b[i] /= LU[i * n + i];
    }
    return;
  }
  for (size_t i = 0; i < n; i++) {      /* U^T y = b */
    for (size_t j = 0; j < i; j++)
      b[i] -= LU[j * n + i] * b[j];
    b[i] /= LU[i * n + i];
  }
  for (size_t i = n; i-- > 0;)          /* L^T x = y */
    for (size_t j = i + 1; j < n; j++)
      b[i] -= LU[j * n + i] * b[j];
  for (size_t k = n; k-- > 0;)
    swap_c(b, k, perm[k]);
}

/* Damped complex Newton iteration and a small dense complex LU. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "core/newton.h"
#include "deqnn/status.h"

deq_cnewton_ws *deq_cnewton_alloc(size_t n)
{
  deq_cnewton_ws *ws = calloc(1, sizeof *ws);
  if (ws == NULL)
    return NULL;
  ws->n = n;
  ws->J = malloc(n * n * sizeof *ws->J);
  ws->F = malloc(n * sizeof *ws->F);
  ws->du = malloc(n * sizeof *ws->du);
  ws->utry = malloc(n * sizeof *ws->utry);
  ws->Ftry = malloc(n * sizeof *ws->Ftry);
  ws->work = malloc(n * sizeof *ws->work);
  ws->perm = malloc(n * sizeof *ws->perm);
  if (!ws->J || !ws->F || !ws->du || !ws->utry || !ws->Ftry || !ws->work || !ws->perm) {
    deq_cnewton_free(ws);
    return NULL;
  }
  return ws;
}

void deq_cnewton_free(deq_cnewton_ws *ws)
{
  if (ws == NULL)
    return;
  free(ws->J), free(ws->F), free(ws->du), free(ws->utry), free(ws->Ftry);
  free(ws->work), free(ws->perm), free(ws);
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

static double scaled_max(size_t n, const double complex *v, const double complex *u)
{
  double r = 0.0;
  for (size_t k = 0; k < n; k++) {
    double s = cnorm(v[k]) / (1.0 + cnorm(u[k]));
    r = s > r || isnan(s) ? s : r;
  }
  return r;
}

/* One damped step: returns DEQ_SUCCESS when a step was accepted. */
static int damped_step(deq_cnewton_fn *f, void *params, const deq_opts *opts,
                       deq_cnewton_ws *ws, double complex *u)
{
  size_t n = ws->n;
  double f0 = scaled_max(n, ws->F, u), t = 1.0;
  for (int h = 0; h <= opts->max_halvings; h++, t *= 0.5) {
    for (size_t k = 0; k < n; k++)
      ws->utry[k] = u[k] + t * ws->du[k];
    if (f(ws->utry, params, ws->Ftry, NULL) != DEQ_SUCCESS)
      continue;
    double f1 = scaled_max(n, ws->Ftry, ws->utry);
    if (f1 < f0 || f1 == 0.0 || (h == 0 && f1 <= f0)) {
      ws->step = t * scaled_max(n, ws->du, u);
      memcpy(u, ws->utry, n * sizeof *u);
      memcpy(ws->F, ws->Ftry, n * sizeof *u);
      ws->resid = f1;
      return DEQ_SUCCESS;
    }
  }
  return DEQ_EMAXITER;
}

int deq_cnewton_solve(deq_cnewton_fn *f, void *params, const deq_opts *opts,
                      deq_cnewton_ws *ws, double complex *u)
{
  size_t n = ws->n;
  opts = deq_opts_or_default(opts);
  ws->iters = 0;
  ws->step = INFINITY;
  int status = f(u, params, ws->F, NULL);
  if (status)
    return status;
  ws->resid = scaled_max(n, ws->F, u);
  for (int it = 0; it < opts->max_iter; it++) {
    ws->iters = it + 1;
    if ((status = f(u, params, ws->F, ws->J)) != DEQ_SUCCESS)
      return status;
    for (size_t k = 0; k < n; k++)
      ws->du[k] = -ws->F[k];
    if (deq_clu_factor(n, ws->J, ws->perm))
      return DEQ_EMAXITER;
    deq_clu_solve(n, ws->J, ws->perm, 0, ws->du);
    double prev = ws->step;
    if (damped_step(f, params, opts, ws, u) != DEQ_SUCCESS)
      return ws->resid < opts->tol_res ? DEQ_SUCCESS : DEQ_EMAXITER;
    if (ws->step < opts->tol_step && ws->resid < opts->tol_res)
      return DEQ_SUCCESS;
    /* Round-off floor: the residual meets its test and the step no longer shrinks (an
     * ill-conditioned root, e.g. next to a square-root edge, cannot reach tol_step). */
    if (ws->resid < opts->tol_res && ws->step > 0.5 * prev)
      return DEQ_SUCCESS;
  }
  return DEQ_EMAXITER;
}

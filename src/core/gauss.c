/* Gaussian expectations by adaptive quadrature on the two half lines. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_integration.h>
#include "core/gauss.h"
#include "core/solver.h"

/* Rounding allowance added to each expectation, in units of DBL_EPSILON |value|. */
static const double gauss_round_ulps = 4.0;

typedef struct {
  deq_gauss_fn *g;
  void *params;
  size_t k, j;      /* number of components, the one integrated now */
  double sign;      /* half line: g(sign x) */
  double last_x;    /* cache of the last evaluation */
  double *last_v;
  int bad;
} half_line;

static double integrand(double x, void *p)
{
  half_line *h = p;
  double y = h->sign * x;
  if (y != h->last_x) {
    h->g(y, h->params, h->last_v);
    h->last_x = y;
  }
  double v = h->last_v[h->j];
  if (!isfinite(v)) {
    h->bad = 1;
    return 0.0;
  }
  return v == 0.0 ? 0.0 : v * exp(-0.5 * x * x) / sqrt(2.0 * M_PI);
}

/* One component over both half lines. */
static int expect_one(half_line *h, const deq_opts *opts, gsl_integration_workspace *ws,
                      deq_result *out)
{
  int status = DEQ_SUCCESS;
  out->val = out->err = 0.0;
  for (int side = 0; side < 2; side++) {
    h->sign = side ? -1.0 : 1.0;
    gsl_function f = { integrand, h };
    double val, err;
    int s = gsl_integration_qagiu(&f, 0.0, opts->quad_epsabs, opts->quad_epsrel,
                                  opts->quad_limit, ws, &val, &err);
    out->val += val;
    out->err += err;
    if (h->bad)
      status = DEQ_EBADFUNC;
    else if (s != GSL_SUCCESS && status == DEQ_SUCCESS)
      status = DEQ_ETOL;
  }
  out->err += gauss_round_ulps * DBL_EPSILON * fabs(out->val);
  return status;
}

int deq_gauss_expect(deq_gauss_fn *g, void *params, size_t k, const deq_opts *opts,
                     deq_result *out)
{
  opts = deq_opts_or_default(opts);
  deq_gsl_quiet();
  gsl_integration_workspace *ws = gsl_integration_workspace_alloc(opts->quad_limit);
  double *v = malloc((k ? k : 1) * sizeof *v);
  if (ws == NULL || v == NULL) {
    free(v);
    if (ws != NULL)
      gsl_integration_workspace_free(ws);
    DEQ_ERROR("Gaussian expectation: out of memory", DEQ_ENOMEM);
  }
  int status = DEQ_SUCCESS;
  for (size_t j = 0; j < k; j++) {
    half_line h = { g, params, k, j, 1.0, NAN, v, 0 };
    int s = expect_one(&h, opts, ws, &out[j]);
    status = status == DEQ_SUCCESS || s == DEQ_EBADFUNC ? (s ? s : status) : status;
  }
  gsl_integration_workspace_free(ws);
  free(v);
  if (status == DEQ_EBADFUNC)
    DEQ_ERROR("Gaussian expectation: non-finite value of the integrand", DEQ_EBADFUNC);
  if (status == DEQ_ETOL)
    DEQ_ERROR("Gaussian expectation: quadrature tolerance not reached", DEQ_ETOL);
  return DEQ_SUCCESS;
}

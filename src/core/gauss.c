/* Gaussian expectations by adaptive quadrature on the two half lines. */
#include <float.h>
#include <math.h>
#include <gsl/gsl_errno.h>
#include "core/gauss.h"

typedef struct {
  deq_gauss_fn *g;
  void *params;
  double sign;
  int bad;
} half_line;

static double integrand(double x, void *p)
{
  half_line *h = p;
  double v = h->g(h->sign * x, h->params);
  if (!isfinite(v)) {
    h->bad = 1;
    return 0.0;
  }
  return v == 0.0 ? 0.0 : v * exp(-0.5 * x * x) / sqrt(2.0 * M_PI);
}

int deq_gauss_expect(deq_gauss_fn *g, void *params, const deq_opts *opts,
                     gsl_integration_workspace *ws, deq_result *out)
{
  gsl_error_handler_t *old = gsl_set_error_handler_off();
  int status = DEQ_SUCCESS;
  out->val = 0.0;
  out->err = 0.0;
  for (int side = 0; side < 2; side++) {
    half_line h = { g, params, side ? -1.0 : 1.0, 0 };
    gsl_function f = { integrand, &h };
    double val, err;
    int s = gsl_integration_qagiu(&f, 0.0, opts->quad_epsabs, opts->quad_epsrel,
                                  opts->quad_limit, ws, &val, &err);
    out->val += val;
    out->err += err;
    if (h.bad)
      status = DEQ_EBADFUNC;
    else if (s != GSL_SUCCESS && status == DEQ_SUCCESS)
      status = DEQ_ETOL;
  }
  gsl_set_error_handler(old);
  out->err += 4.0 * DBL_EPSILON * fabs(out->val);
  if (status == DEQ_EBADFUNC)
    DEQ_ERROR("Gaussian expectation: non-finite value of the integrand", DEQ_EBADFUNC);
  if (status == DEQ_ETOL)
    DEQ_ERROR("Gaussian expectation: quadrature tolerance not reached", DEQ_ETOL);
  return DEQ_SUCCESS;
}

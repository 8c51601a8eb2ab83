/* Internal: Gaussian expectations E g(G), G ~ N(0,1), by GSL quadrature. */
#ifndef DEQ_CORE_GAUSS_H
#define DEQ_CORE_GAUSS_H

#include <gsl/gsl_integration.h>
#include "deqnn/opts.h"
#include "deqnn/status.h"

typedef double deq_gauss_fn(double x, void *params);

/* E g(G) by QAGIU on [0, inf) for g(x) phi(x) and g(-x) phi(x) (split at the origin,
 * where activations have their kinks).  ws must hold opts->quad_limit intervals.
 * DEQ_EBADFUNC if g returns a non-finite value; DEQ_ETOL if GSL did not reach the
 * tolerance (the estimate and its error are still stored). */
int deq_gauss_expect(deq_gauss_fn *g, void *params, const deq_opts *opts,
                     gsl_integration_workspace *ws, deq_result *out);

#endif

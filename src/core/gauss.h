/* Internal: Gaussian expectations E g(G), G ~ N(0,1), of a vector of functions, by GSL
 * quadrature (architecture.md: the one Gaussian-expectation helper). */
#ifndef DEQ_CORE_GAUSS_H
#define DEQ_CORE_GAUSS_H

#include <stddef.h>
#include "deqnn/opts.h"
#include "deqnn/status.h"

/* The k values g_0(x) .. g_{k-1}(x), written to v; a non-finite value is an error. */
typedef void deq_gauss_fn(double x, void *params, double *v);

/* out[j] = E g_j(G), j < k, each by QAGIU on [0, inf) for g_j(x) phi(x) and g_j(-x) phi(x)
 * (split at the origin, where activations have their kinks), to quad_epsabs/quad_epsrel
 * with at most quad_limit intervals; out[j].err is GSL's error estimate plus 4 ulps of the
 * value.  The values at the last abscissa are cached, so the components share evaluations
 * where the rules meet.  DEQ_EBADFUNC if g returns a non-finite value; DEQ_ETOL if GSL did
 * not reach the tolerance (every estimate and its error are still stored); DEQ_ENOMEM. */
int deq_gauss_expect(deq_gauss_fn *g, void *params, size_t k, const deq_opts *opts,
                     deq_result *out);

#endif

/* deqnn/cdf.h -- a tabulated distribution function with atoms.
 *
 * F(x) = mu((-inf, x]) of a law made of a continuous part, tabulated on increasing nodes
 * and interpolated linearly, plus finitely many atoms.  Built by the theory modules
 * (deq_pencil_cdf) and used by the comparison layer (deq_spec_ks); read-only after that,
 * so one object may be shared between threads.
 */
#ifndef DEQ_CDF_H
#define DEQ_CDF_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct deq_cdf deq_cdf;

void deq_cdf_free(deq_cdf *cdf);
/* F(x) = mu((-inf, x]); each atom counts at its location. */
double deq_cdf_eval(const deq_cdf *cdf, double x);
/* Left limit F(x-) = mu((-inf, x)). */
double deq_cdf_eval_left(const deq_cdf *cdf, double x);
/* Mass found by the tabulation (should be 1: continuous part plus atoms), for diagnostics. */
double deq_cdf_mass(const deq_cdf *cdf);

#ifdef __cplusplus
}
#endif
#endif

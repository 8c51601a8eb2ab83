/* deqnn/mp.h -- the Marchenko-Pastur law rho_gamma in closed form (ck_ntk S1-S5).
 *
 * rho_gamma is the limit spectral law of (1/d) G^T G (n x n), G d x n iid N(0,1),
 * gamma = n/d > 0: mean 1, variance gamma, edges (1 -+ sqrt(gamma))^2, an atom of mass
 * (1 - 1/gamma)_+ at 0.  Conventions of the spec README: m(z) = int drho(x)/(x - z).
 * All functions return DEQ_EINVAL for gamma not finite and > 0 (or bad k, z).
 */
#ifndef DEQ_MP_H
#define DEQ_MP_H

#include "deqnn/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Stieltjes transform, ck_ntk S2: m = (-(z - 1 + gamma) + R)/(2 gamma z) with
 * R = sqrt(z - l-) sqrt(z - l+) (principal roots of each factor), evaluated in the
 * cancellation-free form of ck_ntk S2.  Im z < 0 by conjugation; a real z is taken with
 * Im z = +0 (boundary value from C+).  z = 0 is a pole when gamma >= 1: DEQ_EDIVERGE. */
int deq_mp_stieltjes(deq_complex z, double gamma, deq_complex *m);

/* Density ck_ntk S3: sqrt((l+ - x)(x - l-)) / (2 pi gamma x) on [l-, l+], else 0 (the atom is
 * not included).  x = 0 with gamma = 1 is +inf: DEQ_EDIVERGE. */
int deq_mp_density(double x, double gamma, double *rho);

/* Support edges l- = (1 - sqrt gamma)^2, l+ = (1 + sqrt gamma)^2 (ck_ntk S1). */
int deq_mp_edges(double gamma, double *lo, double *hi);

/* Atom at zero, (1 - 1/gamma)_+ (ck_ntk S1). */
int deq_mp_atom(double gamma, double *mass);

/* Moment int x^k drho_gamma, ck_ntk S5 (Narayana polynomial), 0 <= k <= 100. */
int deq_mp_moment(unsigned k, double gamma, double *mk);

/* Distribution function F(x) = rho_gamma((-inf, x]) (atom included), by the closed
 * form of the integral of ck_ntk S3. */
int deq_mp_cdf(double x, double gamma, double *F);

#ifdef __cplusplus
}
#endif
#endif

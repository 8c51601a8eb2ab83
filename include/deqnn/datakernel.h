/* deqnn/datakernel.h -- the expected first-layer kernel of a network on given data, and the
 * CK spectrum built on it (docs/data.md).
 *
 * For samples x_a in R^{d0} and w ~ N(0, I_{d0}), the expected kernel is
 *     Kbar_ab = E_w sigma(w.x_a) sigma(w.x_b),
 * sigma the Fan-Wang normalised activation (act.h: (f - shift)/scale, E sigma(G) = 0,
 * E sigma(G)^2 = 1).  (w.x_a, w.x_b) is centred Gaussian with covariance
 * [[q_a, c], [c, q_b]], q_a = |x_a|^2, c = x_a.x_b, so Kbar is an entrywise function of the
 * Gram matrix.  Closed forms for any norms (Williams 1997; Cho & Saul 2009):
 *   linear  c;
 *   relu    (sqrt(q_a q_b)/(2 pi) (sin t + (pi - t) cos t) - shift (sqrt q_a + sqrt q_b)/sqrt(2 pi)
 *            + shift^2) / scale^2,   cos t = c/sqrt(q_a q_b)    (arc-cosine kernel of degree 1);
 *   erf     (2/pi) asin(2c/sqrt((1 + 2 q_a)(1 + 2 q_b))) / scale^2   (arcsine kernel).
 * For unit norms (q_a = q_b = 1, the default preprocessing) Kbar_ab = k(rho), rho = c:
 *   he2, poly  k(rho) = (c1^2 rho + c2^2 rho^2 + c3^2 rho^3)/scale^2 (Hermite expansion, exact);
 *   tanh, sigmoid, softplus  a table of k(rho) and k'(rho) = E sigma'(u) sigma'(v) (Price's
 *            theorem) on a uniform grid of [-1, 1] by a product Gauss-Hermite rule, evaluated
 *            by cubic Hermite interpolation.  Its error bound (docs/data.md "Table error") is
 *            2 x the larger interpolation error at the midpoints of the two end intervals
 *            (k^(4) is largest in |rho| at the ends: k = sum_k h_k^2 rho^k with h_k^2 >= 0) plus
 *            2 x the quadrature error (the rule against one with twice the nodes at 5 points).
 * Those activations need unit norms: DEQ_EINVAL ("... needs unit-norm inputs") otherwise.
 *
 * Spectrum (Louart, Liao & Couillet 2018, Thm 1): for one hidden layer of width d1,
 * CK = sigma(W X)^T sigma(W X)/d1 has, as n, d1 grow with n/d1 -> gamma_1 and Kbar bounded,
 * the deterministic equivalent of its resolvent given by the MP map of spec(Kbar):
 *     mu_1 = rho_{gamma_1} [x] spec(Kbar)   (EXACT for L = 1),
 * i.e. the pencil (pencil.h) with input law the atoms spec(Kbar) and b_1 = 1.  Layers
 * 2..L continue with the iterated MP map and the activation's b (ck_ntk S8): APPROXIMATE,
 * the layer-2 input is taken to be the Gaussian-equivalent of layer 1's output.
 */
#ifndef DEQ_DATAKERNEL_H
#define DEQ_DATAKERNEL_H

#include <stddef.h>
#include "deqnn/act.h"
#include "deqnn/opts.h"
#include "deqnn/pencil.h"
#include "deqnn/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Nodes of the table of k(rho), k'(rho) on [-1, 1], and of the Gauss-Hermite rule. */
#define DEQ_DATAKERNEL_TABLE_NODES 513
#define DEQ_DATAKERNEL_GH_NODES 128
/* Largest |q - 1| treated as a unit norm by the unit-norm routes. */
#define DEQ_DATAKERNEL_UNIT_TOL 1e-10

typedef struct deq_datakernel deq_datakernel;

/* Plan for activation act: its Fan-Wang constants and, for tanh, sigmoid and softplus, the
 * table with its error bound.  DEQ_EINVAL (act), DEQ_ETOL/DEQ_EBADFUNC (quadrature of the
 * constants), DEQ_ENOMEM. */
int deq_datakernel_alloc(const deq_act *act, const deq_opts *opts, deq_datakernel **dk);
void deq_datakernel_free(deq_datakernel *dk);

/* 1 if the plan's kernel holds for any norms (linear, relu, erf), 0 if it needs unit norms;
 * -1 for dk NULL (reported). */
int deq_datakernel_any_norm(const deq_datakernel *dk);

/* The activation's Fan-Wang constant b = (E sigma'(G))^2 (act.h); NaN for dk NULL
 * (reported). */
double deq_datakernel_b(const deq_datakernel *dk);

/* Kbar for one pair: q_a, q_b >= 0, |c| <= sqrt(q_a q_b) (to 1e-12 relative; clamped).
 * k->err: the table's bound, or round-off for closed forms.  DEQ_EINVAL for a bad argument
 * or non-unit norms with a unit-norm plan. */
int deq_datakernel_eval(const deq_datakernel *dk, double qa, double qb, double c,
                        deq_result *k);

/* In place: the n x n Gram matrix G (full, row-major) becomes Kbar; *err is the largest
 * error of an entry.  For unit-norm plans the diagonal is set to E sigma(G)^2 = 1 exactly.
 * O(n^2).  DEQ_EINVAL for n = 0, a non-finite entry, or non-unit norms with a unit-norm plan
 * ("... needs unit-norm inputs"). */
int deq_datakernel_matrix(const deq_datakernel *dk, size_t n, double *G, double *err);

/* In place: the n x n Gram matrix G becomes the expected derivative kernel
 * Kdot_ab = E_w sigma'(w.x_a) sigma'(w.x_b) (real_data R4: k'(rho) for unit norms, by Price's
 * theorem; closed forms for any norms: linear 1, relu (pi - t)/(2 pi scale^2) with
 * cos t = c/sqrt(q_a q_b), erf (4/pi)/sqrt((1 + 2 q_a)(1 + 2 q_b) - 4 c^2)/scale^2; the
 * Hermite series' derivative; for the tables the derivative of the cubic Hermite interpolant,
 * error <= 2 (sqrt(3)/216 x 384 (midpoint error)/h + quadrature error of k')).  For unit
 * norms the diagonal is k'(1) = a.  *err as for deq_datakernel_matrix; the same errors. */
int deq_datakernel_deriv_matrix(const deq_datakernel *dk, size_t n, double *G, double *err);

/* Eigenvalues of the symmetric K (n x n, destroyed) by LAPACKE dsyevd_2stage (dsyevd where the
 * build's LAPACK lacks it; both backward stable to a small multiple of n eps ||K||) as the atoms
 * of mu_0:
 * x[k] = lambda_k / mean (increasing; eigenvalues below 8 n eps lambda_max -- zero to within
 * dsyevd's error, e.g. the exact zeros of a Gram matrix with n > d0 -- set to 0), p[k] = 1/n,
 * *mean = tr K / n (the scale divided out, so that the atoms have mean 1 as the pencil
 * requires).  DEQ_EINVAL (n = 0, n above the BLAS range, tr K <= 0 or not finite),
 * DEQ_EMAXITER (dsyevd did not converge), DEQ_ENOMEM. */
int deq_datakernel_atoms(size_t n, double *K, double *x, double *p, double *mean);

/* Pencil parameters of the L-layer CK on data: input law `law` (the atoms of spec(Kbar)),
 * layer 1 with b_1 = 1 (the MP map of Kbar, exact), layers 2..L with the activation's b
 * (approximate), q = e_L, r = 0; gamma[0] = n/d0 is recorded (unused by an atomic law),
 * gamma[l] = n/d_l. */
int deq_datakernel_ck_params(double b, size_t L, const double *gamma, const deq_input_law *law,
                             deq_pencil_params *par);

#ifdef __cplusplus
}
#endif
#endif

/* deqnn/datapencil.h -- the matrix pencil of a network on given data: the deep CK (L >= 2)
 * and the one-hidden-layer NTK beyond the first layer's exact MP map (real_data R13-R20,
 * docs/data.md "The matrix pencil").  APPROXIMATE: every value carries, besides its error bar
 * (the solve's and round-off), an approximation error measured against simulation only.
 *
 * Problem (real_data R14): m(z) ~ (1/n) tr (D_x + sum_{l=0}^{L} q_l K_l - z)^-1 with K_0 the
 * data's Gram matrix (deterministic) and K_l = X_l^T X_l random.  Each layer is a sample
 * covariance whose population is linearised around the expected kernels Kbar_l (Kbar_0 = K_0,
 * Kbar_l = k(Kbar_{l-1}) entrywise with the dual kernel k of datakernel.h):
 *     Sig_{l-1} = A_{l-1} + beta_l K_{l-1},   A_{l-1} = Kbar_l - beta_l Kbar_{l-1}.
 * Given delta_1..delta_L: C_L = q_L, D = D_x - z I; for l = L..1:
 *     tau_l = 1/(1 + C_l delta_l),  D <- D + C_l tau_l A_{l-1},  C_{l-1} = q_{l-1} + beta_l C_l tau_l;
 * R = (D + C_0 K_0)^-1, m = tr R/n, t_0 = tr(K_0 R)/n, alpha_l = tr(A_{l-1} R)/n,
 * t_l = delta_l tau_l/gamma_l; the equations are delta_l = gamma_l (alpha_l + beta_l t_{l-1}).
 * Solved for real z = -lambda < 0 by the damped Newton type of the solve driver (Jacobian by
 * forward differences), one Cholesky factorisation and inverse (LAPACK dpotrf/dpotri) per
 * evaluation: O(n^3) per evaluation, so the pencil gives resolvent traces and moments, not
 * densities (a complex z would need a complex LU per evaluation).
 *
 * Two problems are built on it:
 *   CK, L >= 1 (q = e_L, D_x = 0): slopes beta_1 = b (irrelevant: K_0 is deterministic) and,
 *     for l >= 2, DEQ_DATAPENCIL_SLOPE_B (C3: beta_l = b) or DEQ_DATAPENCIL_SLOPE_MATCHED (C3b,
 *     R15: beta_l^2 = sum_{a != c} kd_ac^2 v_ac / sum_{a != c} v_ac with kd = k'(Kbar_{l-1}) and
 *     v_ac = Kbar_aa Kbar_cc + Kbar_ac^2, the entrywise variance of K_{l-1} times d).  L = 1 is
 *     the exact MP map of spec(Kbar_1) (Louart, Liao & Couillet 2018).
 *   NTK, L = 1 (N2, R19): D_x = Kdot_1 o K_0 (Kdot_1 = k'(K_0)), A_0 = Kbar_1, beta_1 = 0,
 *     q = (0, 1): R = (Kdot_1 o K_0 + tau Kbar_1 - z)^-1, delta = gamma_1 tr(Kbar_1 R)/n.
 * Moments in closed form (R14; the general form of its unit-norm expression, checked against
 * the pencil's large-lambda expansion): m1 = (1/n) tr M, m2 = (1/n) ||M||_F^2 + e_L, with
 * M = D_x + sum_l q_l Kbar_l, e_l = beta_l^2 e_{l-1} + gamma_l mu_l^2, e_0 = 0,
 * mu_l = tr Kbar_l/n.
 */
#ifndef DEQ_DATAPENCIL_H
#define DEQ_DATAPENCIL_H

#include <stddef.h>
#include "deqnn/datakernel.h"
#include "deqnn/opts.h"
#include "deqnn/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct deq_datapencil deq_datapencil;

typedef enum {
  DEQ_DATAPENCIL_SLOPE_MATCHED = 0,   /* C3b (recommended, R17) */
  DEQ_DATAPENCIL_SLOPE_B = 1          /* C3: beta_l = b */
} deq_datapencil_slope;

typedef enum { DEQ_DATAPENCIL_CK = 0, DEQ_DATAPENCIL_NTK = 1 } deq_datapencil_kind;

/* The pencil of the L-layer CK (kind CK, 1 <= L <= DEQ_PENCIL_MAXL) or of the one-layer NTK
 * (kind NTK, L = 1) of the network with activation dk on the data whose Gram matrix is K0
 * (n x n, symmetric; copied); gamma[l] = n/d_l for l = 1..L (gamma[0] unused).  Builds the
 * expected kernels (O(L n^2) kernel evaluations) and the slopes.  Memory: (L + 3) n^2 doubles
 * (NTK: 5 n^2).  DEQ_EINVAL (n = 0, a bad gamma, L, kind or slope, a non-finite K0 entry,
 * non-unit norms with a unit-norm plan), DEQ_ENOMEM. */
int deq_datapencil_alloc(const deq_datakernel *dk, size_t n, const double *K0, size_t L,
                         const double *gamma, deq_datapencil_kind kind,
                         deq_datapencil_slope slope, deq_datapencil **dp);
void deq_datapencil_free(deq_datapencil *dp);

/* beta_l of layer l (1..L); NaN for dp NULL or l out of range (reported). */
double deq_datapencil_beta(const deq_datapencil *dp, size_t l);

/* res(lambda) = m(-lambda) ~ (1/n) tr (K + lambda I)^-1 for lambda > 0, with its error bar
 * (the Newton correction at the root carried to m, plus the Cholesky inverse's round-off
 * n eps kappa m; NOT the approximation error).  DEQ_EINVAL (lambda <= 0 or not finite),
 * DEQ_EMAXITER (Newton did not converge), DEQ_EBRANCH (the matrix D + C_0 K_0 is not
 * positive definite at an iterate: the linearisation left the SPD cone), DEQ_ENOMEM. */
int deq_datapencil_res(deq_datapencil *dp, double lambda, const deq_opts *opts,
                       deq_result *res);

/* (1/n) tr K and (1/n) tr K^2 of the pencil's law (closed forms above; err: round-off). */
int deq_datapencil_moments(const deq_datapencil *dp, deq_result *m1, deq_result *m2);

#ifdef __cplusplus
}
#endif
#endif

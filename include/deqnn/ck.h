/* deqnn/ck.h -- limit spectrum of the conjugate kernel of a deep network (ck_ntk S8).
 *
 * Network (ck_ntk section 1): X = X_0 (d_0 x n), X_l = sigma(W_l X_{l-1})/sqrt(d_l) with
 * W_l iid N(0,1) and sigma the Fan-Wang normalisation of the activation (E sigma = 0,
 * E sigma^2 = 1; act.h).  CK = X_L^T X_L.  Ratios gamma_l = n/d_l, l = 0..L.
 * The limit law mu_L is the iterated MP map ck_ntk S8,
 *     mu_l = rho_{gamma_l} [x] ((1 - b) + b mu_{l-1}),   b = (E sigma'(G))^2,
 * solved as the pencil q = e_L, r = 0 (pencil.h): one code path with the NTK.
 */
#ifndef DEQ_CK_H
#define DEQ_CK_H

#include <stddef.h>
#include "deqnn/act.h"
#include "deqnn/pencil.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Pencil parameters of the CK for L >= 1 layers with per-layer constant b (the same
 * activation in every layer): gamma[0..L], input law as in pencil.h. */
int deq_ck_params(double b, size_t L, const double *gamma, const deq_input_law *input,
                  deq_pencil_params *par);

/* Build the CK solver for activation act: computes b (deq_act_fw_constants), then
 * deq_ck_params and deq_pencil_alloc.  DEQ_EINVAL names the bad parameter. */
int deq_ck_alloc(const deq_act *act, size_t L, const double *gamma,
                 const deq_input_law *input, const deq_opts *opts, deq_pencil **pen);

/* Exact first two moments of mu_L, ck_ntk S22 (Gaussian or orthonormal input; atoms use
 * their own m1 = 1 and m2 = sum p x^2). */
int deq_ck_moments_exact(const deq_pencil_params *par, double *m1, double *m2);

/* Closed form of the atom at 0 of mu_L (ck_ntk S9 "Atom at 0"): (1 - 1/gamma_L)_+ if
 * b < 1; for b = 1 the ranks compound (max over the ratios, gamma_0 included for
 * Gaussian data). */
int deq_ck_atom_exact(const deq_pencil_params *par, double *mass);

#ifdef __cplusplus
}
#endif
#endif

/* deqnn/ntk.h -- limit spectrum of the neural tangent kernel of a deep network.
 *
 * Network of ck.h with a read-out w (all layers and w trained).  By ck_ntk S21
 * (Fan & Wang, Thm 3.7) K_NTK has the limit law of the pencil
 *     r_+ I + sum_{l=0}^{L} q_l K_l,  q_l = b^{L-l},  r_+ = sum_{k=1}^{L} (a^k - b^k),
 * with a = E sigma'(G)^2 and b = (E sigma'(G))^2 of the normalised activation; it is
 * solved by the same pencil solver as the CK (pencil.h).  The spectrum lies in
 * [r_+, inf) and has no atom unless sigma is linear.
 */
#ifndef DEQ_NTK_H
#define DEQ_NTK_H

#include <stddef.h>
#include "deqnn/act.h"
#include "deqnn/pencil.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Pencil parameters of the NTK (ck_ntk S21) for constants a >= b, b in [0, 1]. */
int deq_ntk_params(double a, double b, size_t L, const double *gamma,
                   const deq_input_law *input, deq_pencil_params *par);

/* Build the NTK solver for activation act (computes a, b with deq_act_fw_constants). */
int deq_ntk_alloc(const deq_act *act, size_t L, const double *gamma,
                  const deq_input_law *input, const deq_opts *opts, deq_pencil **pen);

#ifdef __cplusplus
}
#endif
#endif

/* deqnn/pencil.h -- limit spectrum of the pencil r I + sum_l q_l K_l of a deep network.
 *
 * K_l = X_l^T X_l (n x n) is the Gram matrix of layer l of a network with per-layer
 * constants b_l (ck_ntk.md S8, ck_ntk S10), width ratios gamma_l = n/d_l and input law mu_0
 * (law of K_0 = X^T X).  The solver computes, for z in C+,
 *     m(z) = lim (1/n) tr (r I + sum_{l=0}^{L} q_l K_l - z I)^{-1}
 * by the unfolded recursion ck_ntk S14-S17 (Gaussian data through the extra "data
 * level" of ck_ntk S20).  The CK is q = e_L, r = 0 (ck.h); the NTK is ck_ntk S21 (ntk.h).
 *
 * Unknowns: u_j = (1/n) tr(Sig_{j-1} Q), one per level (the scaled delta_j / gamma_j of
 * ck_ntk S7 "very wide layers"), solved by damped Newton with an exact (forward-mode)
 * Jacobian, from the large-|z| start u_j = -1/z (ck_ntk S17) down a geometric ladder in Im z
 * (ck_ntk S18), or by continuation from the previous grid point.
 *
 * Conventions (spec README): m(z) = int dmu(x)/(x - z); Im m > 0 for Im z > 0;
 * m(conj z) = conj m(z); density rho(x) = Im m(x + i eta)/pi with eta = opts->eta_rel
 * times the spectral scale.  Every returned value carries an error estimate from the
 * condition of the Newton system (adjoint sensitivity of m to the residuals, plus
 * round-off) and, for densities, the bias of the finite eta (eta |m'(z)|/pi).
 *
 * Status codes: DEQ_EINVAL (bad parameter, named), DEQ_EMAXITER (Newton failed even
 * on the ladder), DEQ_EBRANCH (solution with Im m <= 0, or Im u_j, Im t_j < 0 beyond
 * round-off, for Im z > 0), DEQ_ETOL (CDF mass check failed), DEQ_ENOMEM.
 *
 * A pencil object holds its workspace: use one object from one thread at a time.
 */
#ifndef DEQ_PENCIL_H
#define DEQ_PENCIL_H

#include <stddef.h>
#include "deqnn/cdf.h"
#include "deqnn/opts.h"
#include "deqnn/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define DEQ_PENCIL_MAXL 16

typedef enum {
  DEQ_DATA_GAUSSIAN,     /* mu_0 = MP law rho_{gamma_0}: X iid N(0, 1/d_0) */
  DEQ_DATA_ORTHONORMAL,  /* mu_0 = delta_1: orthonormal columns (gamma_0 <= 1) */
  DEQ_DATA_ATOMS         /* mu_0 = sum_k p_k delta_{x_k}; must have mean 1 */
} deq_data_kind;

typedef struct {
  deq_data_kind kind;
  size_t natoms;         /* DEQ_DATA_ATOMS only */
  const double *x, *p;   /* atom positions (>= 0) and weights (>= 0, summing to 1) */
} deq_input_law;

typedef struct {
  size_t L;                          /* number of layers (0 allowed: K_0 only) */
  double gamma[DEQ_PENCIL_MAXL + 1]; /* gamma_0 = n/d_0, gamma_l = n/d_l, all > 0 */
  double b[DEQ_PENCIL_MAXL + 1];     /* b_l in [0, 1] for layers l = 1..L (b[0] unused) */
  double q[DEQ_PENCIL_MAXL + 1];     /* coefficients q_0..q_L */
  double r;                          /* shift */
  deq_input_law input;
} deq_pencil_params;

typedef struct deq_pencil deq_pencil;

/* Validate the parameters (DEQ_EINVAL naming the field: ratios finite > 0, b_l in [0, 1],
 * q_l and r finite, orthonormal needs gamma_0 <= 1, atoms with mean 1) and build the
 * solver with its workspace. */
int deq_pencil_alloc(const deq_pencil_params *par, const deq_opts *opts, deq_pencil **pen);
void deq_pencil_free(deq_pencil *pen);

/* Spectral scale used for the ladder height and eta (ck_ntk S18). */
double deq_pencil_scale(const deq_pencil *pen);

/* A-priori support bound [lo, hi] (ck_ntk S25: operator-norm bound, q_l of either sign). */
void deq_pencil_bound(const deq_pencil *pen, double *lo, double *hi);

/* m(z) for any z (Im z < 0 via conjugation; real z is taken as the limit from C+
 * and must lie outside the support for a real answer).  t, if not NULL, receives
 * t_l = lim (1/n) tr K_l Q(z) for l = 0..L. */
int deq_pencil_stieltjes(deq_pencil *pen, deq_complex z, deq_cresult *m, deq_complex *t);

/* Density on an increasing grid x[0..n-1], continuing from point to point (ladder
 * restart on failure).  status[i] is the status of point i; the return value is the
 * first non-success status (all points are always attempted). */
int deq_pencil_density(deq_pencil *pen, size_t n, const double *x, deq_result *rho,
                       int *status);

/* Mass of an atom at x0: eps Im m(x0 + i eps), starting at eps = 1e-12 * scale and
 * shrinking eps by 1e3 until two estimates agree to 1e-9 (err is their difference plus
 * the solver error; DEQ_ETOL if it stays above 1e-6).  Masses below 1e-6 are reported as 0
 * (no atom). */
int deq_pencil_atom(deq_pencil *pen, double x0, deq_result *mass);

/* All atoms: the kernel of the layer part sits at r + q_0 x_k for each atom x_k of the input
 * law (Gaussian data: at r only; orthonormal inputs: at r + q_0).  Writes at most max atoms
 * with positive mass, increasing in position, and their number to *count.  (For the CK the
 * atom is at 0; for the NTK at r_+, where it has mass (1 - sum_l 1/gamma_l)_+ when the layer
 * kernels intersect, see docs/ntk.md.) */
int deq_pencil_atoms(deq_pencil *pen, size_t max, double *pos, deq_result *mass, size_t *count);

/* Moments int x^k dmu, k = 0..kmax, by the contour integral ck_ntk S25 on a circle enclosing
 * the a-priori bound (opts->moment_nodes nodes).  kmax <= 1000 (DEQ_EINVAL above). */
int deq_pencil_moments(deq_pencil *pen, size_t kmax, deq_result *mom);

/* Exact moments of any pencil with equal layer constants (ck_ntk S23-S24):
 * phi(K_i K_j) = b^{j-i} m2(mu_i) + (1 - b^{j-i}) m1(mu_i) (i <= j),
 * m1 = r + sum q_l m1(mu_l), m2 = r^2 + 2 r sum q_l m1(mu_l) + sum_{ij} q_i q_j phi.
 * DEQ_EINVAL if the layers have different b. */
int deq_pencil_moments_exact(const deq_pencil_params *par, double *m1, double *m2);

/* Support: located by scanning the density and bisecting on rho > floor.  edges holds
 * at most 2*maxint values lo_0 < hi_0 < lo_1 < ... ; *nint = number of intervals.
 * The atom at r (if any) is not an interval. */
int deq_pencil_support(deq_pencil *pen, double *edges, size_t maxint, size_t *nint);

/* Distribution function of the limit law (deqnn/cdf.h), tabulated once (opts->cdf_nodes
 * nodes per support interval, cosine-clustered at the edges) with every atom; DEQ_ETOL if
 * its mass is not 1 to 1e-4 after two refinements.  Free with deq_cdf_free. */
int deq_pencil_cdf(deq_pencil *pen, deq_cdf **cdf);

#ifdef __cplusplus
}
#endif
#endif

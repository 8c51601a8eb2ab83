/* Internal layout of the pencil solver (theory/pencil*.c only). */
#ifndef DEQ_THEORY_PENCIL_IMPL_H
#define DEQ_THEORY_PENCIL_IMPL_H

#include "core/solver.h"
#include "deqnn/act.h"
#include "deqnn/pencil.h"

#define MAXJ (DEQ_PENCIL_MAXL + 1)

/* Values of the recursion ck_ntk S14-S16 at (z, u), and their derivatives along (du, dz). */
typedef struct {
  double complex C[MAXJ + 1], w[MAXJ + 1], tau[MAXJ + 1], t[MAXJ + 1], E[MAXJ + 1], m;
  double complex dC[MAXJ + 1], dw[MAXJ + 1], dtau[MAXJ + 1], dt[MAXJ + 1], dE[MAXJ + 1], dm;
  double complex crest;  /* C_0 - q_0 */
  double msum;   /* sum_k |p_k / (C_0 x_k - w_0)|, for the round-off estimate */
} deq_pencil_state;

struct deq_pencil {
  deq_pencil_params par;
  deq_opts opts;
  size_t J;                      /* levels / unknowns */
  double gam[MAXJ + 1], bb[MAXJ + 1], qq[MAXJ + 1];  /* 1-based levels; qq[0] = base */
  size_t natoms;
  double *ax, *ap;               /* base atoms */
  double complex *inv;           /* 1/(C_0 x_k - w_0) of the last forward pass */
  double r, scale, lo, hi;
  double shift;                  /* current point z = r + shift + zeta */
  double complex zeta;
  double complex u[MAXJ + 1];    /* current solution (0-based, J entries) */
  int have_u;                    /* u holds a solution usable for continuation */
  deq_solver *nws;               /* Newton on the unknowns u */
  deq_solver *bis;               /* bisection on support edges */
  deq_solver *lim;               /* limit eps -> 0 of atom masses */
  deq_pencil_state st;
  double complex Jac[MAXJ * MAXJ], g[MAXJ];
  size_t perm[MAXJ];
};

/* Named tolerances of the pencil family (each documented in docs/pencil.md). */
/* Relative round-off allowed in Im u_j, Im t_j >= 0 (ck_ntk S7). */
static const double pencil_branch_tol = 1e-12;
/* Real z: approach from Im z = real_axis_rel * scale, then Newton on the axis. */
static const double pencil_real_axis_rel = 1e-14;
/* Real z: Im m below this fraction of |m| is round-off and is dropped. */
static const double pencil_real_imag_rel = 1e-12;
/* Atom masses: first eps in units of the scale; largest accepted error; smaller masses are
 * reported as 0 (no atom). */
static const double pencil_atom_eps_rel = 1e-12;
static const double pencil_atom_err_max = 1e-6;
static const double pencil_atom_min_mass = 1e-6;
/* The ladder (ck_ntk S18): a failed rung is split into ladder_split geometric sub-rungs,
 * recursively up to ladder_depth levels. */
enum { pencil_ladder_split = 8, pencil_ladder_depth = 3 };
/* Error of m: round-off of the forward pass (in DBL_EPSILON times sum |p_k/(C_0 x_k - w_0)|)
 * and of each equation's residual (in DBL_EPSILON times its terms' size). */
static const double pencil_round_ulps = 16.0;
static const double pencil_slack_ulps = 8.0;
/* Input atoms: weights must sum to 1 and the mean must be 1 to this tolerance. */
static const double pencil_atoms_tol = 1e-12;
/* The NTK needs a >= b (ck_ntk S21); a below b by this much is round-off of the quadratures. */
static const double pencil_ab_slack = 1e-14;
/* Relative slack of the Cauchy-Schwarz test m' >= m^2 of a real m (density continuation). */
static const double pencil_cs_slack = 1e-8;
/* The density removes the atom term of a kernel location within this many scales. */
static const double pencil_atom_window_rel = 1e-2;

/* The CK (ntk = 0) or NTK (ntk = 1) pencil of activation act: its constants a, b
 * (deq_act_fw_constants), the parameters (deq_ck_params / deq_ntk_params), the solver.
 * fn names the public caller in the argument checks' messages. */
int deq_deep_alloc(const char *fn, const deq_act *act, size_t L, const double *gamma,
                   const deq_input_law *input, const deq_opts *opts, int ntk, deq_pencil **pen);

/* One evaluation of ck_ntk S14-S16 at z = r + shift + zeta (see pencil.c). */
void deq_pencil_forward(deq_pencil *pen, double shift, double complex zeta,
                        const double complex *u, deq_pencil_state *s);
/* Its derivative along (du, dz) (du may be NULL), at the point of the last forward pass. */
void deq_pencil_tangent(const deq_pencil *pen, const double complex *u, const double complex *du,
                        double complex dz, deq_pencil_state *s);

int deq_pencil_newton_fn(const double complex *u, void *params, double complex *F, double complex *Jac);

/* Solve at z = r + shift + zeta (Im zeta >= 0) with continuation from pen->u (if
 * pen->have_u) or the ladder; fills m (with error) and, if mprime != NULL, m'(z). */
int deq_pencil_solve_at(deq_pencil *pen, double shift, double complex zeta,
                        int allow_continuation, deq_cresult *m, double complex *mprime);
/* The same at a point z given as one complex number (shift = Re z - r). */
int deq_pencil_solve(deq_pencil *pen, double complex z, int allow_continuation,
                     deq_cresult *m, double complex *mprime);

#endif

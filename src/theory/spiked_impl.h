/* Internal: the plan of the spiked random-features module (deqnn/spiked.h) and the pieces
 * that its source files share (spiked_rf section 9). */
#ifndef DEQ_THEORY_SPIKED_IMPL_H
#define DEQ_THEORY_SPIKED_IMPL_H

#include <complex.h>
#include "core/solver.h"
#include "deqnn/spiked.h"

/* Spike groups (u_j = r abar_g on a fraction weight_g of the neurons).  The constant spike of
 * spiked_rf section 1 is one group; a finite-support spike adds groups and group-resolved
 * unknowns, neither of which the spec derives yet. */
#define SRF_MAX_GROUPS 1

/* Coefficient tables of one group on the nodes of a rule (spiked_rf S1-S3 at s = r a kappa). */
typedef struct {
  double value, weight;        /* abar_g and its fraction of the neurons */
  double *mu0, *mu1, *A, *B;   /* mu0, mu1, A = mu1^2, B = mus2 */
  double *eA, *eB;             /* their errors at each node */
  double err_mu0, err_mu1, err_A, err_B;   /* largest coefficient errors over the nodes */
} srf_group;

/* A kappa rule: nodes, weights with the N(0,1) density folded in, and the tables on them. */
typedef struct {
  size_t n;                    /* number of nodes (8 per panel) */
  double *kappa, *wt;
  double *h, *h1, *hh;         /* target functions of S14 at the nodes */
  double err_h, err_h1, err_hh;
  double coef_rel;             /* relative coefficient error of the tables (risk error bars) */
  size_t ngroups;
  srf_group g[SRF_MAX_GROUPS];
} srf_rule;

struct deq_srf_plan {
  deq_act act, teacher;
  deq_srf_weights w;
  srf_rule full, half;         /* the rule and the rule with half the panels */
  double scale;                /* E[c mu1^2 + mus2], the mean of the bulk law */
  double mean_mu0sq;           /* E mu0(r kappa)^2 */
  deq_solver *newton, *bisect, *brent;
  int have_last;               /* warm start available */
  double last_phi, last_psi;
  double complex last_z, last_V[2];
  int have_slope;              /* last_dV = dV/dz at last_z (a first-order predictor) */
  double complex last_dV[2];
};

/* Ratios of a point in the spec's letters. */
typedef struct {
  double phi, psi, c;
} srf_ratios;

/* Sums over a rule at (V1, V2): a, b of S8 and the Jacobian sums aa = E A^2 w^2,
 * ab = E A B w^2, bb = E B^2 w^2 (when asked); abs sums for the error bars. */
typedef struct {
  double complex a, b, aa, ab, bb;
  double a_abs, b_abs;         /* E A |w|, E B |w| (rounding) */
  double da_coef, db_coef;     /* first-order bounds on a, b from the coefficient errors */
} srf_sums;

/* The map T of S8-S9 at one z and its partial derivatives in a, b and z. */
typedef struct {
  double complex T[2], dTa[2], dTb[2], dTz[2];
} srf_map;

/* spiked_plan.c */
int deq_srf_params_check(const deq_srf_params *p, int with_risk);
void deq_srf_ratios(const deq_srf_plan *plan, const deq_srf_params *p, srf_ratios *q);
double deq_srf_upper_bound(const deq_srf_plan *plan, const srf_ratios *q);

/* spiked_coef.c: tables of a rule (plan time). */
int deq_srf_rule_fill(const deq_srf_plan *plan, srf_rule *R);
/* spiked_risk.c: the relative coefficient error of a rule (stored in coef_rel at plan time). */
double deq_srf_coef_rel_err(const srf_rule *R);

/* spiked_bulk.c */
double complex deq_srf_mp_root(double complex w, double phi, double complex *dm);
enum { SRF_SUMS_F, SRF_SUMS_JAC, SRF_SUMS_ABS };   /* a, b; + Jacobian sums; + abs sums */
void deq_srf_sums(const srf_rule *R, double complex V1, double complex V2, int mode,
                  srf_sums *S);
void deq_srf_map(const srf_ratios *q, double complex z, double complex a, double complex b,
                 srf_map *M);
/* Solve S7-S9 at z on rule R from the plan's state (warm start or ladder); V[2] out. */
int deq_srf_solve(deq_srf_plan *plan, const srf_rule *R, const srf_ratios *q,
                  double complex z, const deq_opts *opts, double complex V[2]);
/* Error bar of m = V2/psi at a solution (the adjoint of the slack of each equation), m'(z),
 * and, if errV != NULL, the bounds on |dV1|, |dV2|. */
int deq_srf_bulk_finish(deq_srf_plan *plan, const srf_ratios *q, double complex z,
                        const double complex V[2], deq_srf_bulk *out, double errV[2]);

#endif

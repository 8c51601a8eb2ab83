/* Internal: the plan of the spiked random-features module (deqnn/spiked.h) and the pieces
 * that its source files share (spiked_rf section 9). */
#ifndef DEQ_THEORY_SPIKED_IMPL_H
#define DEQ_THEORY_SPIKED_IMPL_H

#include <complex.h>
#include "core/solver.h"
#include "deqnn/spiked.h"

/* Spike groups (u_j = r abar_g on a fraction weight_g of the neurons, spiked_finite_support
 * section 1).  One group runs the constant-spike code of spiked_rf; K >= 2 groups the
 * group-resolved unknowns of F3 (spiked_groups.c), nunk = K(K+1)/2 + K of them: the upper
 * triangle of V1 row by row, then V2. */
#define SRF_MAX_GROUPS DEQ_SRF_MAXGROUPS
#define SRF_MAX_UNK (DEQ_SRF_MAXGROUPS * (DEQ_SRF_MAXGROUPS + 1) / 2 + DEQ_SRF_MAXGROUPS)

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
  double *gY;                  /* K >= 2: g_Y (mu1_k mu1_l, then mus2_k) at the nodes, gY[Y n + i] */
  double *gM;                  /* K >= 2: (mu0_1..K, mu1_1..K, h, h1) at the nodes, n x (2K + 2)
                                  column-major (the risk's sums as one dgemm) */
  double *gP;                  /* K >= 2, small K: g_Y g_Z (Z >= Y) at the nodes, n x nunk(nunk+1)/2
                                  column-major (the Jacobian sums as one dgemm); else NULL */
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
  /* K >= 2 groups (spiked_groups.c) */
  size_t ngroups, nunk;        /* K and K(K+1)/2 + K */
  size_t uk[SRF_MAX_UNK], ul[SRF_MAX_UNK];   /* groups (k, l) of unknown Y (V2: l = K) */
  double mult[SRF_MAX_UNK];    /* 2 for an off-diagonal V1_kl, else 1 */
  deq_solver *gnewton;
  double complex *last_Vg, *last_dVg;        /* warm start, nunk each */
  int have_last2;              /* last2_Vg: the solution before last_Vg, same ratios */
  double complex last2_z, *last2_Vg;         /* (second-order predictor), nunk */
  struct srf_gmemo *gmemo;     /* the node weights in gwork are those of (rule, V) */
  double complex *gH, *gJ;     /* nunk x nunk Jacobian sums and Jacobian (workspaces) */
  double *gR;                  /* nunk x nunk real workspace (risk) */
  double *gHr;                 /* nunk x 2 nunk: the Jacobian sums' dgemm (after gR) */
  double *gT;                  /* n x 2 nunk (full rule): node-weighted tables for the dgemms */
  double *gwork;               /* 7 x (nodes of the full rule): node weights of the sums (6),
                                  w of the real routines (the last) */
  double *grwork;              /* 8 x (nodes of the full rule): node arrays of the risk */
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

/* spiked_groups.c: K >= 2 groups, spiked_finite_support F3-F8 */
int deq_srf_groups_init(deq_srf_plan *plan);
int deq_srf_gsolve(deq_srf_plan *plan, const srf_rule *R, const srf_ratios *q,
                   double complex z, const deq_opts *opts, double complex *V);
int deq_srf_gbulk_finish(deq_srf_plan *plan, const srf_ratios *q, double complex z,
                         const double complex *V, deq_srf_bulk *out, double *errV);
/* m = sum V2 / psi of a solution V (F7). */
double complex deq_srf_gm(const deq_srf_plan *plan, const srf_ratios *q, const double complex *V);
/* The KxK algebra of F6 at (A, b, V2; z): T = (V1 upper, V2) of the map; dir != NULL: the
 * directional derivative of T along (dA upper, db, dV2) into dT. */
typedef struct {
  double complex A[SRF_MAX_GROUPS * SRF_MAX_GROUPS], b[SRF_MAX_GROUPS], V2[SRF_MAX_GROUPS];
} srf_alg_pt;
int deq_srf_alg(const deq_srf_plan *plan, const srf_ratios *q, double complex z,
                const srf_alg_pt *x, const srf_alg_pt *dir, double complex *T,
                double complex *dT);
/* Kappa sums of F4-F5 at V on rule R: S_Y = E[w g_Y] into x (A, b; V2 copied from V);
 * H != NULL: H[Y*nunk + Y'] = E[w^2 g_Y g_Y'] (the Jacobian sums). */
void deq_srf_gsums(const deq_srf_plan *plan, const srf_rule *R, const double complex *V,
                   srf_alg_pt *x, double complex *H);
/* w(kappa_i) = 1/(1 + delta(kappa_i)) at every node of R for real V (F4), into w[0..n-1]. */
void deq_srf_gw(const deq_srf_plan *plan, const srf_rule *R, const double *V, double *w);

/* spiked_groups_risk.c, spiked_groups_edge.c */
int deq_srf_grisk(deq_srf_plan *plan, const srf_ratios *q, const deq_srf_params *p,
                  const deq_opts *opts, deq_srf_risk *out);
int deq_srf_gmean(deq_srf_plan *plan, const srf_ratios *q, double width, const deq_opts *opts,
                  deq_srf_mean *out);
int deq_srf_gfinite_lhs(deq_srf_plan *plan, const srf_ratios *q, double x,
                        const deq_opts *opts, double *lhs);

#endif

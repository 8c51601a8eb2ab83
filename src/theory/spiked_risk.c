/* Ridge test error (spiked_rf S14-S20) and training error (docs/spiked.md T1) of the spiked
 * RF model, with error bars: the rule against the half-panel rule (each with its own solve),
 * the solve's bound on (V1, V2) through the finite-difference gradient, rounding. */
#include <float.h>
#include <math.h>
#include <string.h>
#include "theory/spiked_impl.h"

/* E00 counts as zero (no mean direction, spiked_rf S16) below this fraction of E11 + E[mus2 w]
 * (quadrature leaves about 1e-34, not 0; erf at r = 0.01 gives about 1e-4). */
static const double mean_zero_rel = 1e-20;
/* Relative step of the finite differences in V1, V2 (error propagation only). */
static const double fd_rel = 1e-6;
/* Rounding allowance of the node sums and the 2 x 2 solves, in ulps of the sums of |terms|
 * times the condition numbers. */
static const double risk_round_ulps = 64.0;

/* Node sums of pass 1 (independent of the overlaps) and pass 2 (dependent on them). */
typedef struct {
  double a, b, E00, E01, E11, Eh0, Ekh, Eps, N11, N12, N22, EA, EB, Ew2A, Ew2B, Ebw;
} risk_pass1;

typedef struct {
  double ER0, b01, b02, Eth, Tw2R0, R0abs;
} risk_pass2;

/* The MP averages of S15 through X = 1 + u mm (stable form) and X' (no cancellation). */
typedef struct {
  double I0, I1, J0, J1, J2;
} risk_mp;

typedef struct {
  double test, train, mean, theta, psi_o, q1, q2, cond;
} risk_value;

static void pass1(const srf_rule *R, double V1, double V2, risk_pass1 *P)
{
  const srf_group *G = &R->g[0];
  memset(P, 0, sizeof *P);
  for (size_t k = 0; k < R->n; k++) {
    double A = G->A[k], B = G->B[k], m0 = G->mu0[k], m1 = G->mu1[k], kap = R->kappa[k];
    double w = 1 / (1 + A * V1 + B * V2), gw = R->wt[k] * w, gw2 = gw * w;
    P->a += A * gw, P->b += B * gw, P->Ebw += B * gw;
    P->E00 += m0 * m0 * gw, P->E01 += m0 * kap * m1 * gw, P->E11 += kap * kap * A * gw;
    P->Eh0 += m0 * R->h[k] * gw, P->Ekh += kap * m1 * R->h[k] * gw;
    P->Eps += m1 * R->h1[k] * gw;
    P->N11 += A * A * gw2, P->N12 += A * B * gw2, P->N22 += B * B * gw2;
    P->EA += R->wt[k] * A, P->EB += R->wt[k] * B, P->Ew2A += A * gw2, P->Ew2B += B * gw2;
  }
}

static void pass2(const srf_rule *R, double V1, double V2, const risk_value *v, double noise,
                  risk_pass2 *P)
{
  const srf_group *G = &R->g[0];
  memset(P, 0, sizeof *P);
  for (size_t k = 0; k < R->n; k++) {
    double A = G->A[k], B = G->B[k], m1 = G->mu1[k], kap = R->kappa[k];
    double w = 1 / (1 + A * V1 + B * V2), gw = R->wt[k] * w, gw2 = gw * w;
    double cbar = G->mu0[k] * v->mean + m1 * kap * v->theta, h = R->h[k];
    double cross = 2 * m1 * v->psi_o * R->h1[k];
    double R0 = R->hh[k] - 2 * h * cbar + cbar * cbar - cross, Rn = R0 + noise;
    P->ER0 += R->wt[k] * R0;
    P->R0abs += R->wt[k] * (R->hh[k] + fabs(2 * h * cbar) + cbar * cbar + fabs(cross));
    P->b01 += A * gw2 * Rn, P->b02 += B * gw2 * Rn;
    P->Eth += kap * m1 * (h - cbar) * gw;
    P->Tw2R0 += gw2 * Rn;
  }
}

/* S15 at a = 0 (mu1 = 0 on every node): moments of D ~ c MP(phi), mean c, E D^2 = c^2 (1 + phi). */
static void mp_averages_no_linear(const srf_ratios *q, double s0, risk_mp *M)
{
  M->I0 = 1 / s0, M->J0 = 1 / (s0 * s0);
  M->I1 = q->c / s0, M->J1 = q->c / (s0 * s0);
  M->J2 = q->c * q->c * (1 + q->phi) / (s0 * s0);
}

/* S15 with s0 = b + lambda, u = -s0/(a c), mm = m_MP(u; phi). */
static void mp_averages(const srf_ratios *q, double a, double s0, risk_mp *M)
{
  if (a == 0) {
    mp_averages_no_linear(q, s0, M);
    return;
  }
  double c = q->c, phi = q->phi, edge = (1 + sqrt(phi)) * (1 + sqrt(phi));
  double complex dmc, mmc = deq_srf_mp_root(-s0 / (a * c), phi, &dmc);
  double u = -s0 / (a * c), mm = creal(mmc), dm = creal(dmc);
  double X = fabs(u) > edge ? mm * (1 - phi - phi * u * mm) : 1 + u * mm;
  double dX = dm * (1 - phi) - phi * mm * mm - 2 * phi * u * mm * dm;
  M->I0 = mm / (a * c);
  M->J0 = dm / (a * a * c * c);
  M->I1 = X / a;
  M->J1 = dX / (a * a * c);
  M->J2 = (X + u * dX) / (a * a);
}

/* S16: the overlaps with the mean direction and the bulk part of the spike direction. */
static void overlaps(const risk_pass1 *P, double tv, risk_value *v)
{
  if (P->E00 <= mean_zero_rel * (P->E11 + P->Ebw)) {
    v->mean = 0.0;
    v->theta = tv * P->Ekh / (1 + tv * P->E11);
    v->cond = 1.0;
    return;
  }
  double d11 = 1 + tv * P->E11, det = P->E00 * d11 - tv * P->E01 * P->E01;
  v->mean = (P->Eh0 * d11 - P->E01 * tv * P->Ekh) / det;
  v->theta = (P->E00 * tv * P->Ekh - tv * P->E01 * P->Eh0) / det;
  v->cond = (P->E00 * d11 + tv * P->E01 * P->E01) / fabs(det);
}

/* S19: (I - Mq Nq) q = Mq b0 + sq; returns the condition number of I - Mq Nq. */
static double q_solve(const srf_ratios *q, const risk_mp *M, const risk_pass1 *P,
                      const risk_pass2 *Q, double Eps, risk_value *v)
{
  double Mq[4] = { q->psi * M->J2, q->psi * M->J1, q->psi * M->J1, q->psi * M->J0 };
  double N[4] = { P->N11, P->N12, P->N12, P->N22 };
  double L[4], rhs[2];
  double e2 = q->c * Q->Eth * Q->Eth;
  double sq[2] = { q->phi * (e2 * M->J1 + Eps * Eps * M->J2),
                   q->phi * (e2 * M->J0 + Eps * Eps * M->J1) };
  for (int i = 0; i < 2; i++) {
    for (int j = 0; j < 2; j++)
      L[2 * i + j] = (i == j) - (Mq[2 * i] * N[j] + Mq[2 * i + 1] * N[2 + j]);
    rhs[i] = Mq[2 * i] * Q->b01 + Mq[2 * i + 1] * Q->b02 + sq[i];
  }
  double det = L[0] * L[3] - L[1] * L[2];
  v->q1 = (rhs[0] * L[3] - L[1] * rhs[1]) / det;
  v->q2 = (L[0] * rhs[1] - L[2] * rhs[0]) / det;
  double n1 = fmax(fabs(L[0]) + fabs(L[1]), fabs(L[2]) + fabs(L[3]));
  double n2 = fmax(fabs(L[3]) + fabs(L[1]), fabs(L[2]) + fabs(L[0])) / fabs(det);
  return n1 * n2;
}

/* S14-S20 and T1 on rule R at the real solution (V1, V2) of S9 at z = -lambda. */
static void risk_terms(const srf_rule *R, const srf_ratios *q, const deq_srf_params *p,
                       double V1, double V2, risk_value *v)
{
  risk_pass1 P;
  risk_pass2 Q;
  risk_mp M;
  pass1(R, V1, V2, &P);
  mp_averages(q, P.a, P.b + p->lambda, &M);
  overlaps(&P, q->c * q->phi * M.I0, v);
  v->psi_o = q->phi * M.I1 * P.Eps;
  pass2(R, V1, V2, v, p->noise, &Q);
  double cq = q_solve(q, &M, &P, &Q, P.Eps, v);
  v->test = Q.ER0 + P.EA * v->q1 + P.EB * v->q2;
  v->train = Q.Tw2R0 + P.Ew2A * v->q1 + P.Ew2B * v->q2;
  v->cond = (v->cond + cq) * (Q.R0abs + fabs(P.EA * v->q1) + fabs(P.EB * v->q2));
}

/* Relative coefficient error of a rule: A and B by their Gaussian-weighted errors (the large
 * shifts, where closed forms lose digits, carry no weight), the other tables by their largest
 * error against their largest entry -- an entry at least the table's natural scale (mu0, mu1:
 * the features' standard deviation sqrt E[A + B]; h, h1: the teacher's, sqrt max hh), so that
 * a table that vanishes (mu0 of an odd sigma at r = 0: round-off of 1e-17 against an error
 * of 1e-16) does not make the relative error of order 1. */
static double group_rel_err(const srf_rule *R, const srf_group *G)
{
  double big[5] = { 0 }, err[5] = { G->err_mu0, G->err_mu1, R->err_h, R->err_h1, R->err_hh };
  const double *tab[5] = { G->mu0, G->mu1, R->h, R->h1, R->hh };
  double sa = 0, sb = 0, ea = 0, eb = 0, rel = 0;
  for (size_t k = 0; k < R->n; k++) {
    sa += R->wt[k] * G->A[k], sb += R->wt[k] * G->B[k];
    ea += R->wt[k] * G->eA[k], eb += R->wt[k] * G->eB[k];
    for (int j = 0; j < 5; j++)
      big[j] = fmax(big[j], fabs(tab[j][k]));
  }
  double floor_[5] = { sqrt(sa + sb), sqrt(sa + sb), sqrt(big[4]), sqrt(big[4]), 0.0 };
  for (int j = 0; j < 5; j++) {
    big[j] = fmax(big[j], floor_[j]);
    rel = fmax(rel, big[j] > 0 ? err[j] / big[j] : 0.0);
  }
  rel = fmax(rel, sa > 0 ? ea / sa : 0.0);
  return fmax(rel, sb > 0 ? eb / sb : 0.0);
}

/* The largest over the groups (spiked_finite_support: every group's tables enter). */
double deq_srf_coef_rel_err(const srf_rule *R)
{
  double rel = 0;
  for (size_t g = 0; g < R->ngroups; g++)
    rel = fmax(rel, group_rel_err(R, &R->g[g]));
  return rel;
}

static int risk_fail(deq_srf_risk *out, int status)
{
  out->test_error.val = out->train_error.val = NAN;
  out->test_error.err = out->train_error.err = INFINITY;
  out->V1 = out->V2 = out->mean_overlap = out->theta = out->psi_o = out->q1 = out->q2 = NAN;
  out->status = status;
  return status;
}

/* The solution at z = -lambda on rule R (warm-started), real; errV if asked. */
static int solve_real(deq_srf_plan *plan, const srf_rule *R, const srf_ratios *q, double lambda,
                      const deq_opts *opts, double V[2], double errV[2])
{
  double complex Vc[2];
  int status = deq_srf_solve(plan, R, q, -lambda, opts, Vc);
  if (status)
    return status;
  V[0] = creal(Vc[0]), V[1] = creal(Vc[1]);
  if (errV == NULL)
    return DEQ_SUCCESS;
  deq_srf_bulk b;
  double complex Vr[2] = { V[0], V[1] };
  return deq_srf_bulk_finish(plan, q, -lambda, Vr, &b, errV);
}

/* Error of test and train: half rule, gradient in V times the bound on V, rounding, coefficients. */
static void risk_errors(deq_srf_plan *plan, const srf_ratios *q, const deq_srf_params *p,
                        const double V[2], const double errV[2], const risk_value *v,
                        const risk_value *vh, double err[2])
{
  err[0] = fabs(v->test - vh->test), err[1] = fabs(v->train - vh->train);
  for (int k = 0; k < 2; k++) {
    double Vp[2] = { V[0], V[1] }, h = fd_rel * fabs(V[k]);
    risk_value vp;
    Vp[k] += h;
    risk_terms(&plan->full, q, p, Vp[0], Vp[1], &vp);
    err[0] += fabs(vp.test - v->test) / h * errV[k];
    err[1] += fabs(vp.train - v->train) / h * errV[k];
  }
  double tiny = (risk_round_ulps * DBL_EPSILON + plan->full.coef_rel) * v->cond;
  err[0] += tiny, err[1] += tiny;
}

/* A mean squared error is >= 0: a negative value is the round-off of a vanishing one (a
 * realisable noiseless linear model gave -3e-18), reported as 0 with a bar that covers it, as
 * the pencil's density does. */
static void nonneg(deq_result *r)
{
  if (r->val < 0) {
    r->err = fmax(r->err, -r->val);
    r->val = 0.0;
  }
}

/* K >= 2 groups: spiked_finite_support F12-F18 (spiked_groups_risk.c), the same contract. */
static int risk_groups(deq_srf_plan *plan, const srf_ratios *q, const deq_srf_params *p,
                       const deq_opts *opts, deq_srf_risk *out)
{
  int status = deq_srf_grisk(plan, q, p, opts, out);
  if (status)
    return risk_fail(out, status);
  nonneg(&out->test_error);
  nonneg(&out->train_error);
  if (!isfinite(out->test_error.err) || !isfinite(out->train_error.err))
    DEQ_ERRORF(risk_fail(out, DEQ_ETOL), "spiked: risk at lambda = %g is not finite",
               p->lambda);
  return DEQ_SUCCESS;
}

int deq_srf_risk_eval(deq_srf_plan *plan, const deq_srf_params *p, const deq_opts *opts,
                      deq_srf_risk *out)
{
  if (plan == NULL || out == NULL)
    DEQ_ERROR("spiked: NULL plan or output", DEQ_EINVAL);
  int status = deq_srf_params_check(p, 1);
  if (!status)
    status = deq_opts_check(opts);
  if (status)
    return risk_fail(out, status);
  srf_ratios q;
  deq_srf_ratios(plan, p, &q);
  if (plan->ngroups > 1)
    return risk_groups(plan, &q, p, opts, out);
  double V[2], Vh[2], errV[2], err[2];
  risk_value v, vh;
  status = solve_real(plan, &plan->full, &q, p->lambda, opts, V, errV);
  if (!status)
    status = solve_real(plan, &plan->half, &q, p->lambda, opts, Vh, NULL);
  if (status) {
    risk_fail(out, status);
    DEQ_ERRORF(status, "spiked: (V1, V2) at z = -lambda = %g: %s", -p->lambda,
               deq_strerror(status));
  }
  risk_terms(&plan->full, &q, p, V[0], V[1], &v);
  risk_terms(&plan->half, &q, p, Vh[0], Vh[1], &vh);
  risk_errors(plan, &q, p, V, errV, &v, &vh, err);
  *out = (deq_srf_risk) { { v.test, err[0] }, { v.train, err[1] }, V[0], V[1], v.mean,
                          v.theta, v.psi_o, v.q1, v.q2, DEQ_SUCCESS };
  nonneg(&out->test_error);
  nonneg(&out->train_error);
  if (!isfinite(v.test) || !isfinite(err[0]) || !isfinite(v.train))
    DEQ_ERRORF(risk_fail(out, DEQ_ETOL), "spiked: risk at lambda = %g is not finite",
               p->lambda);
  return DEQ_SUCCESS;
}

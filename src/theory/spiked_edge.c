/* Right edge of the bulk (spiked_rf S10, section 9), the outlier search (S11-S12) and the mean
 * outlier at finite width (S13). */
#include <float.h>
#include <math.h>
#include "theory/spiked_impl.h"

/* Edge (spiked_rf section 9): density threshold, scan step relative to the upper bound, and
 * the offset (relative to the bound) of the inside point that estimates the threshold bias. */
static const double edge_threshold = 1e-4;
static const double edge_scan_rel = 0.005;
static const double edge_probe_rel = 1e-3;
/* Height of the density used by the edge search, relative to the bulk mean (as the density). */
static const double edge_eta_rel = 1e-7;
/* Outlier scan: points between the edge (plus a margin relative to the bound) and the bound. */
static const int outlier_scan_points = 64;
static const double outlier_margin_rel = 1e-3;
/* E mu0^2 below this fraction of the bulk mean: no mean direction (S13). */
static const double mean_zero_rel = 1e-20;
/* Brent bracket for S13: [leading / f, leading f], widened by f up to this many times. */
static const double mean_bracket_factor = 2.0;
static const int mean_bracket_tries = 8;
/* Rounding allowance of the leading order of S13, in ulps. */
static const double mean_round_ulps = 64.0;

static int density_at(deq_srf_plan *plan, const srf_ratios *q, double x, const deq_opts *opts,
                      double *rho)
{
  double complex V[SRF_MAX_UNK], z = CMPLX(x, edge_eta_rel * plan->scale);
  if (plan->ngroups > 1) {
    int status = deq_srf_gsolve(plan, &plan->full, q, z, opts, V);
    *rho = status ? NAN : cimag(deq_srf_gm(plan, q, V)) / M_PI;
    return status;
  }
  int status = deq_srf_solve(plan, &plan->full, q, z, opts, V);
  *rho = status ? NAN : cimag(V[1]) / (q->psi * M_PI);
  return status;
}

typedef struct {
  deq_srf_plan *plan;
  const srf_ratios *q;
  const deq_opts *opts;
  double width;   /* S13: p */
} srf_edge_fn;

/* Bisection predicate: -1 inside the support (rho > threshold), +1 outside. */
static int edge_fn(const double complex *x, void *params, double complex *F, double complex *J)
{
  (void) J;
  const srf_edge_fn *P = params;
  double rho;
  int status = density_at(P->plan, P->q, creal(x[0]), P->opts, &rho);
  F[0] = rho > edge_threshold ? -1.0 : 1.0;
  return status;
}

/* First x below the bound with rho > threshold, scanning down by edge_scan_rel of it. */
static int edge_scan(deq_srf_plan *plan, const srf_ratios *q, const deq_opts *opts, double *xin)
{
  double ub = deq_srf_upper_bound(plan, q), step = edge_scan_rel * ub, rho;
  for (double x = ub; x > 0; x -= step) {
    int status = density_at(plan, q, x, opts, &rho);
    if (status)
      DEQ_ERRORF(status, "spiked: edge scan at x = %g: %s", x, deq_strerror(status));
    if (rho > edge_threshold && x == ub)
      DEQ_ERRORF(DEQ_ETOL, "spiked: density %g above the threshold at the upper bound %g: an "
                 "unbounded profile (spiked_rf section 3) has no edge", rho, ub);
    if (rho > edge_threshold) {
      *xin = x;
      return DEQ_SUCCESS;
    }
  }
  DEQ_ERROR("spiked: edge scan found no density above the threshold", DEQ_ETOL);
}

int deq_srf_edge(deq_srf_plan *plan, const deq_srf_params *p, const deq_opts *opts,
                 deq_result *edge)
{
  if (plan == NULL || edge == NULL)
    DEQ_ERROR("spiked: NULL plan or output", DEQ_EINVAL);
  int status = deq_srf_params_check(p, 0);
  if (!status)
    status = deq_opts_check(opts);
  if (status)
    return status;
  opts = deq_opts_or_default(opts);
  srf_ratios q;
  deq_srf_ratios(plan, p, &q);
  double xin, ub = deq_srf_upper_bound(plan, &q), rho1;
  edge->val = NAN, edge->err = INFINITY;
  if ((status = edge_scan(plan, &q, opts, &xin)))
    return status;
  srf_edge_fn P = { plan, &q, opts, 0 };
  double complex x[2] = { xin, fmin(ub, xin + edge_scan_rel * ub) };
  deq_solver_set_scale(plan->bisect, ub);
  status = deq_solver_solve(plan->bisect, edge_fn, &P, opts, x);
  if (!status)
    status = density_at(plan, &q, creal(x[0]) - edge_probe_rel * ub, opts, &rho1);
  if (status)
    DEQ_ERRORF(status, "spiked: edge bisection: %s", deq_strerror(status));
  double bias = edge_threshold * edge_threshold * edge_probe_rel * ub / (rho1 * rho1);
  edge->val = creal(x[0]) + bias;
  edge->err = deq_solver_error(plan->bisect) + bias + edge_eta_rel * plan->scale;
  return DEQ_SUCCESS;
}

/* The real solution of S9 at real x right of the edge and the sums e11, e12, e22 of S11. */
static int real_point(deq_srf_plan *plan, const srf_ratios *q, double x, const deq_opts *opts,
                      double V[2], double e[3])
{
  double complex Vc[2];
  V[0] = V[1] = e[0] = e[1] = e[2] = 0;
  int status = deq_srf_solve(plan, &plan->full, q, x, opts, Vc);
  if (status)
    return status;
  V[0] = creal(Vc[0]), V[1] = creal(Vc[1]);
  const srf_rule *R = &plan->full;
  const srf_group *G = &R->g[0];
  for (size_t k = 0; k < R->n; k++) {
    double gw = R->wt[k] / (1 + G->A[k] * V[0] + G->B[k] * V[1]), km1 = R->kappa[k] * G->mu1[k];
    e[0] += G->mu0[k] * G->mu0[k] * gw, e[1] += G->mu0[k] * km1 * gw, e[2] += km1 * km1 * gw;
  }
  return DEQ_SUCCESS;
}

/* Left side of S12 at x. */
static int s12_lhs(deq_srf_plan *plan, const srf_ratios *q, double x, const deq_opts *opts,
                   double *lhs)
{
  double V[2], e[3];
  if (plan->ngroups > 1)
    return deq_srf_gfinite_lhs(plan, q, x, opts, lhs);
  int status = real_point(plan, q, x, opts, V, e);
  double schur = e[0] > mean_zero_rel * (e[2] + plan->scale) ? e[1] * e[1] / e[0] : 0.0;
  *lhs = 1 + q->c * q->phi * (V[1] / q->psi) * (e[2] - schur);
  return status;
}

static int s12_fn(const double complex *x, void *params, double complex *F, double complex *J)
{
  (void) J;
  const srf_edge_fn *P = params;
  double lhs;
  int status = s12_lhs(P->plan, P->q, creal(x[0]), P->opts, &lhs);
  F[0] = lhs;
  return status;
}

/* Root of S12 in (lo, hi) by Brent. */
static int s12_root(srf_edge_fn *P, double lo, double hi, deq_result *r)
{
  double complex x[2] = { lo, hi };
  int status = deq_solver_solve(P->plan->brent, s12_fn, P, P->opts, x);
  r->val = creal(x[0]), r->err = deq_solver_error(P->plan->brent);
  return status;
}

int deq_srf_outliers(deq_srf_plan *plan, const deq_srf_params *p, const deq_opts *opts,
                     deq_srf_outlier_search *out)
{
  deq_result edge;
  if (out == NULL)
    DEQ_ERROR("spiked: NULL output", DEQ_EINVAL);
  *out = (deq_srf_outlier_search) { 0, { NAN, INFINITY }, INFINITY, NAN };
  int status = deq_srf_edge(plan, p, opts, &edge);
  if (status)
    return status;
  opts = deq_opts_or_default(opts);
  srf_ratios q;
  deq_srf_ratios(plan, p, &q);
  double ub = deq_srf_upper_bound(plan, &q), x0 = edge.val + edge.err + outlier_margin_rel * ub;
  double prev = NAN, xprev = NAN;
  srf_edge_fn P = { plan, &q, opts, 0 };
  for (int j = outlier_scan_points; j >= 0 && !status; j--) {
    double t = (double) j / outlier_scan_points, x = x0 + (ub - x0) * t * t, lhs;
    if ((status = s12_lhs(plan, &q, x, opts, &lhs)))
      break;
    out->lhs_min = fmin(out->lhs_min, lhs);
    out->lhs_near_edge = lhs;
    if (j < outlier_scan_points && (lhs > 0) != (prev > 0) && out->count++ == 0)
      status = s12_root(&P, x, xprev, &out->x);
    prev = lhs, xprev = x;
  }
  if (status)
    DEQ_ERRORF(status, "spiked: outlier search: %s", deq_strerror(status));
  return DEQ_SUCCESS;
}

/* S13 at x: (1 + e11 n V2)(1 + e22 c phi m) - e12^2 n V2 c phi m. */
static int s13_fn(const double complex *x, void *params, double complex *F, double complex *J)
{
  (void) J;
  const srf_edge_fn *P = params;
  double V[2], e[3], n = P->width / P->q->psi;
  int status = real_point(P->plan, P->q, creal(x[0]), P->opts, V, e);
  double cpm = P->q->c * P->q->phi * V[1] / P->q->psi;
  F[0] = (1 + e[0] * n * V[1]) * (1 + e[2] * cpm) - e[1] * e[1] * n * V[1] * cpm;
  return status;
}

/* Leading order of S13. */
static double s13_leading(const deq_srf_plan *plan, const srf_ratios *q, double width)
{
  const srf_rule *R = &plan->full;
  const srf_group *G = &R->g[0];
  double num = 0;
  for (size_t k = 0; k < R->n; k++)
    num += R->wt[k] * G->mu0[k] * G->mu0[k] * (q->c * G->A[k] + G->B[k]);
  return width * plan->mean_mu0sq + plan->scale + q->psi * num / plan->mean_mu0sq;
}

/* Bracket [lo, hi] right of the bound with F(lo) <= 0 < F(hi). */
static int s13_bracket(srf_edge_fn *P, double lead, double ub, double complex x[2])
{
  double complex F, xl = fmax(lead / mean_bracket_factor, ub), xh = lead * mean_bracket_factor;
  for (int t = 0; t < mean_bracket_tries; t++) {
    int status = s13_fn(&xh, P, &F, NULL);
    if (status)
      return status;
    if (creal(F) > 0)
      break;
    xh *= mean_bracket_factor;
  }
  x[0] = xl, x[1] = xh;
  return DEQ_SUCCESS;
}

int deq_srf_mean_outlier(deq_srf_plan *plan, const deq_srf_params *p, double width,
                         const deq_opts *opts, deq_srf_mean *out)
{
  if (plan == NULL || out == NULL)
    DEQ_ERROR("spiked: NULL plan or output", DEQ_EINVAL);
  *out = (deq_srf_mean) { .exists = 0, .x = { NAN, INFINITY }, .leading = { NAN, INFINITY } };
  int status = deq_srf_params_check(p, 0);
  if (!status && !(isfinite(width) && width > 0))
    DEQ_ERRORF(DEQ_EINVAL, "width = %g: must be finite and > 0", width);
  if (!status)
    status = deq_opts_check(opts);
  if (status || plan->mean_mu0sq <= mean_zero_rel * plan->scale)
    return status;
  opts = deq_opts_or_default(opts);
  srf_ratios q;
  deq_srf_ratios(plan, p, &q);
  if (plan->ngroups > 1)
    return deq_srf_gmean(plan, &q, width, opts, out);
  srf_edge_fn P = { plan, &q, opts, width };
  double lead = s13_leading(plan, &q, width);
  double complex x[2];
  out->exists = 1;
  out->leading = (deq_result) { lead, fabs(lead) * mean_round_ulps * DBL_EPSILON };
  status = s13_bracket(&P, lead, deq_srf_upper_bound(plan, &q), x);
  if (!status)
    status = deq_solver_solve(plan->brent, s13_fn, &P, opts, x);
  if (status)
    DEQ_ERRORF(status, "spiked: mean outlier (S13): %s", deq_strerror(status));
  out->x = (deq_result) { creal(x[0]), deq_solver_error(plan->brent) };
  out->count = 1, out->all[0] = out->x, out->all_leading[0] = out->leading;
  return DEQ_SUCCESS;
}

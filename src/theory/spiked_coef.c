/* Conditional Gaussian coefficients spiked_rf S1-S5 and their tables on the kappa rules. */
#include <float.h>
#include <math.h>
#include <gsl/gsl_integration.h>
#include "core/check.h"
#include "theory/spiked_impl.h"

/* Gauss-Hermite orders for smooth activations (spiked_rf section 2: 100-200 nodes reach about
 * 1e-14); the error is the difference to the lower order, a bound on the higher one's. */
static const size_t gh_nodes = 200;
static const size_t gh_check_nodes = 150;
/* Polynomial activations (degree <= 3, so sigma^2 has degree <= 6): both rules are exact from
 * 4 nodes; their difference is rounding. */
static const size_t gh_poly_nodes = 10;
static const size_t gh_poly_check_nodes = 8;
/* Rounding allowance of a sum of n terms, in ulps of the sum of absolute values. */
static const double coef_round_ulps = 8.0;

/* Composite rule of spiked_rf section 2: 8-point Gauss-Legendre panels on [-L, L]. */
static const double rule_half_width = 11.0;
static const size_t rule_order = 8;

typedef struct {
  gsl_integration_fixed_workspace *hi, *lo;       /* smooth activations */
  gsl_integration_fixed_workspace *phi, *plo;     /* polynomials */
} srf_gh;

static void gh_free(srf_gh *gh)
{
  gsl_integration_fixed_workspace *w[4] = { gh->hi, gh->lo, gh->phi, gh->plo };
  for (int k = 0; k < 4; k++)
    if (w[k] != NULL)
      gsl_integration_fixed_free(w[k]);
}

static gsl_integration_fixed_workspace *hermite(size_t n)
{
  return gsl_integration_fixed_alloc(gsl_integration_fixed_hermite, n, 0, 0.5, 0, 0);
}

int deq_srf_law_gaussian(const deq_act *act, size_t groups, double *support, double *weights,
                         size_t *ngroups)
{
  DEQ_CHECK_NULL(act, "act");
  DEQ_CHECK_NULL(support, "support");
  DEQ_CHECK_NULL(weights, "weights");
  DEQ_CHECK_NULL(ngroups, "ngroups");
  if (groups < 1 || groups > DEQ_SRF_MAXGROUPS)
    DEQ_ERRORF(DEQ_EINVAL, "groups: %zu, not in 1..%d", groups, DEQ_SRF_MAXGROUPS);
  int odd = deq_act_is_odd(act);
  size_t nodes = odd ? 2 * groups : groups, K = 0;
  deq_gsl_quiet();
  gsl_integration_fixed_workspace *ws = hermite(nodes);
  if (ws == NULL)
    DEQ_ERROR("Gauss-Hermite rule: out of memory", DEQ_ENOMEM);
  const double *x = gsl_integration_fixed_nodes(ws), *wt = gsl_integration_fixed_weights(ws);
  double sum = 0;
  for (size_t k = 0; k < nodes; k++)
    sum += wt[k];
  for (size_t k = 0; k < nodes; k++)
    if (!odd || x[k] > 0)
      support[K] = x[k], weights[K++] = (odd ? 2 : 1) * wt[k] / sum;
  gsl_integration_fixed_free(ws);
  *ngroups = K;
  return DEQ_SUCCESS;
}

/* Gauss-Hermite rules for the weight exp(-x^2/2). */
static int gh_alloc(srf_gh *gh)
{
  deq_gsl_quiet();
  gh->hi = hermite(gh_nodes), gh->lo = hermite(gh_check_nodes);
  gh->phi = hermite(gh_poly_nodes), gh->plo = hermite(gh_poly_check_nodes);
  if (gh->hi == NULL || gh->lo == NULL || gh->phi == NULL || gh->plo == NULL) {
    gh_free(gh);
    DEQ_ERROR("spiked: out of memory for the Gauss-Hermite rules", DEQ_ENOMEM);
  }
  return DEQ_SUCCESS;
}

/* E[sigma, sigma', sigma^2](s + sqrt(c) xi) by one Hermite rule; sabs: sums of |terms|. */
static void gh_sum(const deq_act *act, double c, double s, gsl_integration_fixed_workspace *ws,
                   double v[3], double sabs[3])
{
  const double *x = gsl_integration_fixed_nodes(ws), *w = gsl_integration_fixed_weights(ws);
  size_t n = gsl_integration_fixed_n(ws);
  double norm = 0.0, sc = sqrt(c);
  for (int j = 0; j < 3; j++)
    v[j] = sabs[j] = 0.0;
  for (size_t i = 0; i < n; i++) {
    double h = s + sc * x[i], f = deq_act_eval(act, h), d = deq_act_deriv(act, h);
    v[0] += w[i] * f, v[1] += w[i] * d, v[2] += w[i] * f * f;
    sabs[0] += w[i] * fabs(f), sabs[1] += w[i] * fabs(d), sabs[2] += w[i] * f * f;
    norm += w[i];
  }
  for (int j = 0; j < 3; j++)
    v[j] /= norm, sabs[j] /= norm;
}

/* The three expectations with errors (|high - low order| + rounding). */
static int gh_expect(const deq_act *act, double c, double s, const srf_gh *gh, deq_result e[3])
{
  double hi[3], lo[3], ah[3], al[3];
  int poly = act->kind == DEQ_ACT_POLY;
  gh_sum(act, c, s, poly ? gh->phi : gh->hi, hi, ah);
  gh_sum(act, c, s, poly ? gh->plo : gh->lo, lo, al);
  for (int j = 0; j < 3; j++) {
    e[j].val = hi[j];
    e[j].err = fabs(hi[j] - lo[j]) + coef_round_ulps * DBL_EPSILON * ah[j];
    if (!isfinite(e[j].val) || !isfinite(e[j].err))
      DEQ_ERRORF(DEQ_EBADFUNC, "spiked: non-finite Gaussian expectation at shift %g", s);
  }
  return DEQ_SUCCESS;
}

/* mus2 = E sigma^2 - mu0^2 - c mu1^2 with its error, round-off clamped at 0 (S3). */
static void set_mus2(deq_result e2, double c, deq_result out[3])
{
  double m0 = out[0].val, m1 = out[1].val;
  double v = e2.val - m0 * m0 - c * m1 * m1;
  out[2].err = e2.err + 2 * fabs(m0) * out[0].err + 2 * c * fabs(m1) * out[1].err
               + coef_round_ulps * DBL_EPSILON * (fabs(e2.val) + m0 * m0 + c * m1 * m1);
  out[2].val = v > 0 ? v : 0.0;
  if (v < 0)
    out[2].err += -v;
}

static void set_exact(deq_result *r, double v)
{
  r->val = v;
  r->err = coef_round_ulps * DBL_EPSILON * fabs(v);
}

/* S4: relu in closed form, u = s/sqrt(c). */
static void coef_relu(double c, double s, deq_result out[3])
{
  double sc = sqrt(c), u = s / sc, Phi = 0.5 * erfc(-u / M_SQRT2);
  double phi = exp(-0.5 * u * u) / sqrt(2 * M_PI);
  deq_result e2;
  set_exact(&out[0], s * Phi + sc * phi);
  set_exact(&out[1], Phi);
  set_exact(&e2, (s * s + c) * Phi + s * sc * phi);
  e2.err += coef_round_ulps * DBL_EPSILON * (s * s + c) * Phi;
  set_mus2(e2, c, out);
}

/* S5: erf; E erf^2 by Gauss-Hermite. */
static int coef_erf(double c, double s, const srf_gh *gh, deq_result out[3])
{
  deq_act a = { DEQ_ACT_ERF, { 0 } };
  deq_result e[3];
  int status = gh_expect(&a, c, s, gh, e);
  if (status)
    return status;
  double q = sqrt(1 + 2 * c);
  set_exact(&out[0], erf(s / q));
  set_exact(&out[1], 2 / sqrt(M_PI) * exp(-s * s / (1 + 2 * c)) / q);
  set_mus2(e[2], c, out);
  return DEQ_SUCCESS;
}

static int coef_eval(const deq_act *act, double c, double s, const srf_gh *gh,
                     deq_result out[3])
{
  if (c == 0.0) {
    set_exact(&out[0], deq_act_eval(act, s));
    set_exact(&out[1], deq_act_deriv(act, s));
    set_exact(&out[2], 0.0);
  } else if (act->kind == DEQ_ACT_LINEAR) {
    set_exact(&out[0], s), set_exact(&out[1], 1.0), set_exact(&out[2], 0.0);
  } else if (act->kind == DEQ_ACT_HE2) {
    set_exact(&out[0], (s * s + c - 1) / M_SQRT2);
    set_exact(&out[1], M_SQRT2 * s);
    set_exact(&out[2], c * c);
  } else if (act->kind == DEQ_ACT_RELU) {
    coef_relu(c, s, out);
  } else if (act->kind == DEQ_ACT_ERF) {
    return coef_erf(c, s, gh, out);
  } else {
    deq_result e[3];
    int status = gh_expect(act, c, s, gh, e);
    if (status)
      return status;
    out[0] = e[0], out[1] = e[1];
    set_mus2(e[2], c, out);
  }
  for (int j = 0; j < 3; j++)
    if (!isfinite(out[j].val))
      DEQ_ERRORF(DEQ_EBADFUNC, "spiked: non-finite coefficient at shift %g", s);
  return DEQ_SUCCESS;
}

int deq_srf_coef(const deq_act *act, double c, double s, deq_result out[3])
{
  if (act == NULL || out == NULL)
    DEQ_ERROR("spiked: NULL argument to deq_srf_coef", DEQ_EINVAL);
  if (!(isfinite(c) && c >= 0))
    DEQ_ERRORF(DEQ_EINVAL, "bulk_variance = %g: must be finite and >= 0", c);
  if (!isfinite(s))
    DEQ_ERRORF(DEQ_EINVAL, "shift = %g: must be finite", s);
  srf_gh gh = { NULL, NULL, NULL, NULL };
  int status = gh_alloc(&gh);
  if (!status)
    status = coef_eval(act, c, s, &gh, out);
  gh_free(&gh);
  return status;
}

/* Nodes and weights of the composite rule, the N(0,1) density folded into the weights. */
static int rule_nodes(srf_rule *R)
{
  size_t panels = R->n / rule_order;
  gsl_integration_glfixed_table *t = gsl_integration_glfixed_table_alloc(rule_order);
  if (t == NULL)
    DEQ_ERROR("spiked: out of memory for the Gauss-Legendre table", DEQ_ENOMEM);
  double h = 2 * rule_half_width / (double) panels;
  for (size_t j = 0; j < panels; j++) {
    double lo = -rule_half_width + (double) j * h;
    for (size_t i = 0; i < rule_order; i++) {
      size_t k = j * rule_order + i;
      gsl_integration_glfixed_point(lo, lo + h, i, &R->kappa[k], &R->wt[k], t);
      R->wt[k] *= exp(-0.5 * R->kappa[k] * R->kappa[k]) / sqrt(2 * M_PI);
    }
  }
  gsl_integration_glfixed_table_free(t);
  return DEQ_SUCCESS;
}

static double fmax_err(double e, deq_result r)
{
  return fmax(e, r.err);
}

/* Coefficient tables of group g (S1-S3 at s = r abar_g kappa). */
static int group_fill(const deq_srf_plan *plan, srf_rule *R, srf_group *G, const srf_gh *gh)
{
  double c = plan->w.bulk_variance, r = plan->w.spike * G->value;
  G->err_mu0 = G->err_mu1 = G->err_A = G->err_B = 0.0;
  for (size_t k = 0; k < R->n; k++) {
    deq_result e[3];
    int status = coef_eval(&plan->act, c, r * R->kappa[k], gh, e);
    if (status)
      return status;
    G->mu0[k] = e[0].val, G->mu1[k] = e[1].val;
    G->A[k] = e[1].val * e[1].val, G->B[k] = e[2].val;
    G->eA[k] = 2 * fabs(e[1].val) * e[1].err + e[1].err * e[1].err, G->eB[k] = e[2].err;
    G->err_mu0 = fmax_err(G->err_mu0, e[0]), G->err_mu1 = fmax_err(G->err_mu1, e[1]);
    G->err_A = fmax(G->err_A, G->eA[k]);
    G->err_B = fmax(G->err_B, G->eB[k]);
  }
  return DEQ_SUCCESS;
}

/* Target functions of S14: h = E f*(gamma k + rho_t xi), h1 = E xi f*(..) = rho_t E f*'(..)
 * (Stein), hh = E f*^2 = mus2 + mu0^2 + rho_t^2 mu1^2 with variance rho_t^2. */
static int target_fill(const deq_srf_plan *plan, srf_rule *R, const srf_gh *gh)
{
  double g = plan->w.alignment, rt2 = fmax(0.0, 1 - g * g), rt = sqrt(rt2);
  R->err_h = R->err_h1 = R->err_hh = 0.0;
  for (size_t k = 0; k < R->n; k++) {
    deq_result e[3];
    int status = coef_eval(&plan->teacher, rt2, g * R->kappa[k], gh, e);
    if (status)
      return status;
    R->h[k] = e[0].val;
    R->h1[k] = rt * e[1].val;
    R->hh[k] = e[2].val + e[0].val * e[0].val + rt2 * e[1].val * e[1].val;
    R->err_h = fmax_err(R->err_h, e[0]);
    R->err_h1 = fmax(R->err_h1, rt * e[1].err);
    R->err_hh = fmax(R->err_hh, e[2].err + 2 * fabs(e[0].val) * e[0].err
                                + 2 * rt2 * fabs(e[1].val) * e[1].err);
  }
  return DEQ_SUCCESS;
}

int deq_srf_rule_fill(const deq_srf_plan *plan, srf_rule *R)
{
  srf_gh gh = { NULL, NULL, NULL, NULL };
  int status = rule_nodes(R);
  if (!status)
    status = gh_alloc(&gh);
  for (size_t g = 0; g < R->ngroups && !status; g++)
    status = group_fill(plan, R, &R->g[g], &gh);
  if (!status)
    status = target_fill(plan, R, &gh);
  gh_free(&gh);
  return status;
}

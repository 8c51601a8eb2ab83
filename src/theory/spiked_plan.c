/* The spiked-RF plan (spiked_rf section 9): validation, tables, solver workspaces. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "core/check.h"
#include "theory/spiked_impl.h"

/* Panels of the composite kappa rule (spiked_rf section 2: 240 panels of 8 points agree with
 * the doubled rule to 1e-15 at z = 0.3 + 0.2i); the error rule has half as many. */
static const size_t rule_panels = 240;
static const size_t rule_order = 8;
static const size_t rule_min_panels = 8;
/* Arrays of a rule: kappa, wt, h, h1, hh, then mu0, mu1, A, B, eA, eB per group. */
enum { rule_shared_arrays = 5, rule_group_arrays = 6 };

/* The spike law (spiked_finite_support section 1): K <= DEQ_SRF_MAXGROUPS, finite support,
 * finite weights >= 0 with a positive finite sum. */
static int check_law(const deq_srf_weights *w)
{
  if (w->groups > DEQ_SRF_MAXGROUPS)
    DEQ_ERRORF(DEQ_EINVAL, "groups = %zu: at most DEQ_SRF_MAXGROUPS = %d", w->groups,
               DEQ_SRF_MAXGROUPS);
  double sum = 0;
  for (size_t k = 0; k < w->groups; k++) {
    if (!isfinite(w->support[k]))
      DEQ_ERRORF(DEQ_EINVAL, "support[%zu] = %g: must be finite", k, w->support[k]);
    if (!(isfinite(w->weights[k]) && w->weights[k] >= 0))
      DEQ_ERRORF(DEQ_EINVAL, "weights[%zu] = %g: must be finite and >= 0", k, w->weights[k]);
    sum += w->weights[k];
  }
  if (w->groups > 0 && !(sum > 0 && isfinite(sum)))
    DEQ_ERRORF(DEQ_EINVAL, "weights: sum %g must be finite and > 0", sum);
  return DEQ_SUCCESS;
}

static int check_weights(const deq_srf_weights *w)
{
  if (!(isfinite(w->spike) && w->spike >= 0))
    DEQ_ERRORF(DEQ_EINVAL, "spike = %g: must be finite and >= 0", w->spike);
  if (!(isfinite(w->bulk_variance) && w->bulk_variance >= 1))
    DEQ_ERRORF(DEQ_EINVAL, "bulk_variance = %g: must be finite and >= 1", w->bulk_variance);
  if (!(w->alignment >= 0 && w->alignment <= 1))
    DEQ_ERRORF(DEQ_EINVAL, "alignment = %g: must be in [0, 1]", w->alignment);
  return check_law(w);
}

/* The groups of a checked law: zero weights dropped, weights normalised; groups = 0 is the
 * support {1}.  Returns K. */
static size_t law_groups(const deq_srf_weights *w, double value[], double weight[])
{
  size_t K = 0;
  double sum = 0;
  if (w->groups == 0) {
    value[0] = 1.0, weight[0] = 1.0;
    return 1;
  }
  for (size_t k = 0; k < w->groups; k++)
    sum += w->weights[k];
  for (size_t k = 0; k < w->groups; k++)
    if (w->weights[k] > 0)
      value[K] = w->support[k], weight[K++] = w->weights[k] / sum;
  return K;
}

int deq_srf_params_check(const deq_srf_params *p, int with_risk)
{
  if (p == NULL)
    DEQ_ERROR("spiked: NULL parameters", DEQ_EINVAL);
  int status = deq_check_ratio(p->width_ratio, "width_ratio");
  if (!status)
    status = deq_check_ratio(p->sample_ratio, "sample_ratio");
  if (!status && with_risk && !(p->lambda > 0 && p->lambda <= DEQ_PARAM_MAX))
    DEQ_ERRORF(DEQ_EINVAL, "lambda = %g: must be finite and > 0 (the ridgeless limit is not "
               "covered by spiked_rf S14)", p->lambda);
  if (!status && with_risk)
    status = deq_check_param(p->noise, "noise");
  return status;
}

void deq_srf_ratios(const deq_srf_plan *plan, const deq_srf_params *p, srf_ratios *q)
{
  q->phi = p->width_ratio;
  q->psi = p->width_ratio / p->sample_ratio;
  q->c = plan->w.bulk_variance;
}

/* spiked_rf section 9: (1 + sqrt psi)^2 (1 + sqrt phi)^2 c E[c mu1^2 + mus2] + 1. */
double deq_srf_upper_bound(const deq_srf_plan *plan, const srf_ratios *q)
{
  double a = 1 + sqrt(q->psi), b = 1 + sqrt(q->phi);
  return a * a * b * b * q->c * plan->scale + 1;
}

static int rule_alloc(srf_rule *R, size_t panels, size_t K, const double value[],
                      const double weight[])
{
  R->n = panels * rule_order;
  R->ngroups = K;
  size_t nunk = K > 1 ? K * (K + 1) / 2 + K : 0;
  size_t narr = rule_shared_arrays + rule_group_arrays * R->ngroups + nunk;
  double *blk = calloc(narr * R->n, sizeof *blk);
  if (blk == NULL)
    DEQ_ERROR("spiked: out of memory for the kappa tables", DEQ_ENOMEM);
  double **shared[] = { &R->kappa, &R->wt, &R->h, &R->h1, &R->hh };
  for (size_t j = 0; j < rule_shared_arrays; j++)
    *shared[j] = blk + j * R->n;
  for (size_t g = 0; g < R->ngroups; g++) {
    double *base = blk + (rule_shared_arrays + rule_group_arrays * g) * R->n;
    R->g[g].mu0 = base, R->g[g].mu1 = base + R->n;
    R->g[g].A = base + 2 * R->n, R->g[g].B = base + 3 * R->n;
    R->g[g].eA = base + 4 * R->n, R->g[g].eB = base + 5 * R->n;
    R->g[g].value = value[g], R->g[g].weight = weight[g];
  }
  R->gY = nunk > 0 ? blk + (rule_shared_arrays + rule_group_arrays * K) * R->n : NULL;
  return DEQ_SUCCESS;
}

void deq_srf_plan_free(deq_srf_plan *plan)
{
  if (plan == NULL)
    return;
  free(plan->full.kappa), free(plan->half.kappa);
  deq_solver_free(plan->newton), deq_solver_free(plan->bisect), deq_solver_free(plan->brent);
  deq_solver_free(plan->gnewton);
  free(plan->last_Vg), free(plan->gmemo), free(plan->gR), free(plan->gT),
  free(plan->full.gM), free(plan->half.gM), free(plan->full.gP), free(plan->half.gP), free(plan->gwork), free(plan->grwork);
  free(plan);
}

/* E[c mu1^2 + mus2] and E mu0^2 over the full rule and the groups (one group: its own). */
static void plan_means(deq_srf_plan *plan)
{
  const srf_rule *R = &plan->full;
  double s = 0, m = 0, c = plan->w.bulk_variance;
  for (size_t g = 0; g < R->ngroups; g++) {
    double sg = 0, mg = 0;
    const srf_group *G = &R->g[g];
    for (size_t k = 0; k < R->n; k++) {
      sg += R->wt[k] * (c * G->A[k] + G->B[k]);
      mg += R->wt[k] * G->mu0[k] * G->mu0[k];
    }
    s += R->ngroups == 1 ? sg : G->weight * sg;
    m += R->ngroups == 1 ? mg : G->weight * mg;
  }
  plan->scale = s, plan->mean_mu0sq = m;
}

static int plan_build(deq_srf_plan *plan, size_t panels)
{
  double value[SRF_MAX_GROUPS], weight[SRF_MAX_GROUPS];
  size_t K = law_groups(&plan->w, value, weight);
  int status = rule_alloc(&plan->full, panels, K, value, weight);
  if (!status)
    status = rule_alloc(&plan->half, panels / 2, K, value, weight);
  if (!status)
    status = deq_srf_rule_fill(plan, &plan->full);
  if (!status)
    status = deq_srf_rule_fill(plan, &plan->half);
  if (status)
    return status;
  plan->full.coef_rel = deq_srf_coef_rel_err(&plan->full);
  plan->half.coef_rel = deq_srf_coef_rel_err(&plan->half);
  plan_means(plan);
  if (!(plan->scale > 0))
    DEQ_ERROR("spiked: the activation is constant on the Gaussian (E[c mu1^2 + mus2] = 0)",
              DEQ_EINVAL);
  plan->newton = deq_solver_alloc(deq_solver_newton, 2);
  plan->bisect = deq_solver_alloc(deq_solver_bisection, 1);
  plan->brent = deq_solver_alloc(deq_solver_brent, 1);
  if (plan->newton == NULL || plan->bisect == NULL || plan->brent == NULL)
    DEQ_ERROR("spiked: out of memory for the solvers", DEQ_ENOMEM);
  return K > 1 ? deq_srf_groups_init(plan) : DEQ_SUCCESS;
}

int deq_srf_plan_alloc(const deq_act *act, const deq_act *teacher, const deq_srf_weights *w,
                       const deq_opts *opts, deq_srf_plan **plan)
{
  return deq_srf_plan_alloc_panels(act, teacher, w, rule_panels, opts, plan);
}

int deq_srf_plan_alloc_panels(const deq_act *act, const deq_act *teacher,
                              const deq_srf_weights *w, size_t panels, const deq_opts *opts,
                              deq_srf_plan **plan)
{
  if (plan == NULL)
    DEQ_ERROR("spiked: NULL plan pointer", DEQ_EINVAL);
  *plan = NULL;
  if (act == NULL || teacher == NULL || w == NULL)
    DEQ_ERROR("spiked: NULL activation, teacher or weights", DEQ_EINVAL);
  int status = check_weights(w);
  if (!status)
    status = deq_act_check_domain(act, "act");
  if (!status)
    status = deq_act_check_domain(teacher, "teacher");
  if (!status && (panels < rule_min_panels || panels % 2 != 0))
    DEQ_ERRORF(DEQ_EINVAL, "panels = %zu: must be even and >= %zu", panels, rule_min_panels);
  if (!status)
    status = deq_opts_check(opts);
  if (status)
    return status;
  deq_srf_plan *P = calloc(1, sizeof *P);
  if (P == NULL)
    DEQ_ERROR("spiked: out of memory for the plan", DEQ_ENOMEM);
  P->act = *act, P->teacher = *teacher, P->w = *w;
  status = plan_build(P, panels);
  if (status) {
    deq_srf_plan_free(P);
    return status;
  }
  *plan = P;
  return DEQ_SUCCESS;
}

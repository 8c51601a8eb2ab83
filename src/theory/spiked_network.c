/* From the network's first step to the sRF weights (spiked_rf S21, section 6). */
#include <float.h>
#include <math.h>
#include "theory/spiked_impl.h"

/* |E f*| below this fraction of sqrt(E f*^2) counts as a centred target (quadrature leaves
 * round-off, not 0). */
static const double centred_rel = 1e-12;
/* Rounding allowance of the map, in ulps of each output. */
static const double map_round_ulps = 16.0;


static int check_network(const deq_act *act, double noise, double eta_t, double batch_ratio)
{
  char name[64];
  if (!deq_act_is_odd(act)) {
    deq_act_name(act, name, sizeof name);
    DEQ_ERRORF(DEQ_EINVAL, "act = %s: the S21 map needs an odd activation (E sigma = "
               "E sigma'' = 0; linear, tanh, erf, poly:0,c1,0,c3)", name);
  }
  if (!(isfinite(noise) && noise >= 0))
    DEQ_ERRORF(DEQ_EINVAL, "noise = %g: must be finite and >= 0", noise);
  if (!isfinite(eta_t))
    DEQ_ERRORF(DEQ_EINVAL, "learning_rate = %g: must be finite", eta_t);
  if (!(batch_ratio > 0))
    DEQ_ERRORF(DEQ_EINVAL, "batch_ratio = %g: must be > 0 (+inf: the large-batch limit)",
               batch_ratio);
  return DEQ_SUCCESS;
}

/* S21 from the Gaussian constants; err[] by first-order propagation of their errors. */
static int map_weights(const deq_act_gauss *s, const deq_act_gauss *t, double noise,
                       double eta_t, double inv, deq_srf_weights *w, double err[3])
{
  double mu1 = s->mu1.val, F1 = t->mu1.val, Ey2 = t->m2.val + noise;
  double var = s->d2.val - mu1 * mu1, nu = sqrt(F1 * F1 + Ey2 * inv);
  double dnu = nu > 0 ? (fabs(F1) * t->mu1.err + 0.5 * inv * t->m2.err) / nu : t->mu1.err;
  double r = eta_t * mu1 * nu, g = nu > 0 ? F1 / nu : 1.0;
  double dvar = s->d2.err + 2 * fabs(mu1) * s->mu1.err;
  w->bulk_variance = 1 + eta_t * eta_t * Ey2 * var * inv;
  w->groups = 0;
  err[0] = fabs(eta_t) * (nu * s->mu1.err + fabs(mu1) * dnu);
  err[1] = eta_t * eta_t * inv * (Ey2 * dvar + fabs(var) * t->m2.err);
  err[2] = nu > 0 ? (t->mu1.err + fabs(g) * dnu) / nu : 0.0;
  w->spike = fabs(r);
  w->alignment = r < 0 ? -g : g;
  for (int k = 0; k < 3; k++) {
    double v = k == 0 ? w->spike : k == 1 ? w->bulk_variance : fabs(w->alignment);
    err[k] += map_round_ulps * DBL_EPSILON * v;
  }
  if (w->alignment < 0)
    DEQ_ERRORF(DEQ_EINVAL, "alignment = %g after the step (eta mu1 E[G f*] < 0): outside "
               "[0, 1]; flip the sign of the teacher", w->alignment);
  return DEQ_SUCCESS;
}

int deq_srf_from_network(const deq_act *act, const deq_act *teacher, double noise,
                         double eta_t, double batch_ratio, const deq_opts *opts,
                         deq_srf_weights *w, double err[3])
{
  if (act == NULL || teacher == NULL || w == NULL || err == NULL)
    DEQ_ERROR("spiked: NULL argument to deq_srf_from_network", DEQ_EINVAL);
  int status = check_network(act, noise, eta_t, batch_ratio);
  if (!status)
    status = deq_opts_check(opts);
  deq_act_gauss s, t;
  if (!status)
    status = deq_act_moments(act, opts, &s);
  if (!status)
    status = deq_act_moments(teacher, opts, &t);
  if (status)
    return status;
  if (fabs(t.mu0.val) > centred_rel * sqrt(t.m2.val) + t.mu0.err)
    DEQ_ERRORF(DEQ_EINVAL, "teacher: E f* = %g: the S21 map needs a centred target",
               t.mu0.val);
  return map_weights(&s, &t, noise, eta_t, isinf(batch_ratio) ? 0.0 : 1 / batch_ratio, w,
                     err);
}

/* Random-features ridge risk: the model (plan) and the effective-ridge route. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include "theory/sridge.h"
#include "core/check.h"

/* Relative size below which mu0, mu1 (against sqrt(E s^2)) and mu_*^2 (against
 * E s^2) count as zero: quadrature leaves round-off, not exact zeros (spec rf_onestep S2). */
static const double zero_rel = 1e-12;

int deq_rf_params_check(const deq_rf_params *p)
{
  int status = deq_check_ratio(p->width_ratio, "width_ratio");
  if (!status)
    status = deq_check_ratio(p->sample_ratio, "sample_ratio");
  if (!status)
    status = deq_check_param(p->lambda, "lambda");
  if (!status)
    status = deq_check_param(p->noise, "noise");
  return status;
}

/* Set r to v^2 with error 2|v| err; v counts as 0 below `zero` (the value dropped is
 * added to the error).  Returns 1 if v was set to 0. */
static int square_or_zero(deq_result v, double zero, deq_result *r)
{
  r->val = v.val * v.val;
  r->err = 2.0 * fabs(v.val) * v.err + v.err * v.err + 4.0 * DBL_EPSILON * r->val;
  if (fabs(v.val) > zero)
    return 0;
  r->err += r->val;
  r->val = 0.0;
  return 1;
}

/* rf_onestep S2: mu1^2, mu_*^2, F1^2, F_*^2 and the constant rule for c0. */
static int model_constants(deq_rf_model *m)
{
  const deq_act_gauss *s = &m->student, *t = &m->teach;
  double scale = sqrt(s->m2.val);
  m->degenerate = square_or_zero(s->mu1, zero_rel * scale, &m->mu1sq);
  m->mustar2 = s->mustar2;
  m->linear = !(m->mustar2.val > zero_rel * s->m2.val);
  if (m->linear) {
    m->mustar2.err += fabs(m->mustar2.val);
    m->mustar2.val = 0.0;
  }
  if (m->linear && m->degenerate)
    DEQ_ERROR("act: the student is constant on the Gaussian (mu1 = mu_* = 0)", DEQ_EINVAL);
  square_or_zero(t->mu1, 0.0, &m->F1sq);
  m->Fstar2 = t->mustar2;
  m->c0.val = m->c0.err = 0.0;
  if (fabs(s->mu0.val) <= zero_rel * scale)
    square_or_zero(t->mu0, 0.0, &m->c0);
  return DEQ_SUCCESS;
}

static int model_solver(deq_rf_model *m)
{
  m->solver = deq_solver_alloc(deq_solver_brent, 1);
  m->fixpoint = deq_solver_alloc(deq_solver_fixpoint, 2);
  if (m->solver == NULL || m->fixpoint == NULL)
    DEQ_ERROR("rf: out of memory for the root solver", DEQ_ENOMEM);
  return DEQ_SUCCESS;
}

int deq_rf_model_alloc(const deq_act *act, const deq_act *teacher, const deq_opts *opts,
                       deq_rf_model **m)
{
  DEQ_CHECK_NULL(m, "m");
  *m = NULL;
  DEQ_CHECK_NULL(act, "act");
  DEQ_CHECK_NULL(teacher, "teacher");
  if (deq_act_check_domain(act, "act") || deq_act_check_domain(teacher, "teacher"))
    return DEQ_EINVAL;
  opts = deq_opts_or_default(opts);
  deq_rf_model *r = calloc(1, sizeof *r);
  if (r == NULL)
    DEQ_ERROR("rf: out of memory for the model", DEQ_ENOMEM);
  r->act = *act;
  r->teacher = *teacher;
  int status = deq_act_moments(act, opts, &r->student);
  if (!status)
    status = deq_act_moments(teacher, opts, &r->teach);
  if (!status)
    status = model_constants(r);
  if (!status)
    status = model_solver(r);
  if (status) {
    deq_rf_model_free(r);
    return status;
  }
  *m = r;
  return DEQ_SUCCESS;
}

void deq_rf_model_free(deq_rf_model *m)
{
  if (m == NULL)
    return;
  deq_solver_free(m->solver);
  deq_solver_free(m->fixpoint);
  free(m);
}

void deq_rf_model_constants(const deq_rf_model *m, deq_rf_constants *c)
{
  DEQ_CHECK_NULL_VOID(m, "m");
  DEQ_CHECK_NULL_VOID(c, "c");
  c->mu0 = m->student.mu0;
  c->mu1 = m->student.mu1;
  c->mustar2 = m->mustar2;
  c->zeta = m->linear ? HUGE_VAL : m->student.mu1.val / sqrt(m->mustar2.val);
  c->teacher_mu0 = m->teach.mu0;
  c->F1 = m->teach.mu1;
  c->Fstar2 = m->Fstar2;
  c->teacher_m2 = m->teach.m2;
  c->c0 = m->c0;
  c->linear = m->linear;
  c->degenerate = m->degenerate;
}

void deq_sridge_in_init(const deq_rf_model *m, const deq_rf_params *p, deq_sridge_in *in)
{
  deq_result zero = { 0.0, 0.0 };
  in->psi1 = p->width_ratio;
  in->psi2 = p->sample_ratio;
  in->lambda = p->lambda;
  in->tau2 = p->noise;
  in->mu1sq = m->mu1sq;
  in->mustar2 = m->mustar2;
  in->F1sq = m->F1sq;
  in->Fstar2 = m->Fstar2;
  in->c0 = m->c0;
  in->rho2 = in->s_u = zero;
  in->linear = m->linear;
  in->degenerate = m->degenerate;
}

int deq_rf_risk(deq_rf_model *m, const deq_rf_params *p, const deq_opts *opts,
                deq_rf_result *out)
{
  DEQ_CHECK_NULL(out, "out");
  DEQ_REQUIRE_RET(m != NULL && p != NULL, deq_rf_result_fail(out, DEQ_EINVAL),
                  "%s: m and p must not be NULL", __func__);
  opts = deq_opts_or_default(opts);
  int status = deq_rf_params_check(p);
  if (!status)
    status = deq_opts_check(opts);
  if (status)
    return deq_rf_result_fail(out, status);
  deq_sridge_in in;
  deq_sridge_in_init(m, p, &in);
  return deq_sridge_solve(&in, m->solver, opts, out);
}

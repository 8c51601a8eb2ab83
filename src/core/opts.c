/* Default numerical options, written once (deqnn/opts.h documents each field). */
#include <limits.h>
#include <math.h>
#include "deqnn/opts.h"
#include "deqnn/status.h"
#include "core/check.h"

static const deq_opts default_opts = {
  .tol_step = 1e-13,
  .tol_res = 1e-11,
  .max_iter = 100,
  .max_halvings = 30,
  .ladder_steps = 60,
  .ladder_height = 10.0,
  .eta_rel = 1e-10,
  .quad_epsabs = 1e-13,
  .quad_epsrel = 1e-12,
  .quad_limit = 1000,
  .moment_nodes = 256,
  .cdf_nodes = 4000,
  .scan_points = 3000,
  .fp_max_iter = 100000,
  .fp_damping = 0.5,
  .bisect_tol_rel = 1e-13,
  .bisect_max_iter = 200,
  .limit_agree = 1e-9,
  .limit_factor = 1e-3,
  .limit_max_evals = 8,
};

void deq_opts_init(deq_opts *opts)
{
  DEQ_CHECK_NULL_VOID(opts, "opts");
  *opts = default_opts;
}

const deq_opts *deq_opts_or_default(const deq_opts *opts)
{
  return opts != NULL ? opts : &default_opts;
}

static int check_pos(double v, const char *name)
{
  if (!(v > 0) || !isfinite(v))
    DEQ_ERRORF(DEQ_EINVAL, "opts->%s = %g: must be finite and > 0", name, v);
  return DEQ_SUCCESS;
}

static int check_min(long v, long min, const char *name)
{
  if (v < min)
    DEQ_ERRORF(DEQ_EINVAL, "opts->%s = %ld: must be >= %ld", name, v, min);
  return DEQ_SUCCESS;
}

static int check_tolerances(const deq_opts *o)
{
  int s = check_pos(o->tol_step, "tol_step");
  s = s ? s : check_pos(o->tol_res, "tol_res");
  s = s ? s : check_pos(o->ladder_height, "ladder_height");
  s = s ? s : check_pos(o->eta_rel, "eta_rel");
  s = s ? s : check_pos(o->quad_epsabs, "quad_epsabs");
  s = s ? s : check_pos(o->quad_epsrel, "quad_epsrel");
  s = s ? s : check_pos(o->bisect_tol_rel, "bisect_tol_rel");
  s = s ? s : check_pos(o->limit_agree, "limit_agree");
  if (!s && !(o->fp_damping > 0 && o->fp_damping <= 1))
    DEQ_ERRORF(DEQ_EINVAL, "opts->fp_damping = %g: must be in (0, 1]", o->fp_damping);
  if (!s && !(o->limit_factor > 0 && o->limit_factor < 1))
    DEQ_ERRORF(DEQ_EINVAL, "opts->limit_factor = %g: must be in (0, 1)", o->limit_factor);
  return s;
}

static int check_counts(const deq_opts *o)
{
  int s = check_min(o->max_iter, 1, "max_iter");
  s = s ? s : check_min(o->max_halvings, 0, "max_halvings");
  s = s ? s : check_min(o->ladder_steps, 1, "ladder_steps");
  s = s ? s : check_min(o->quad_limit > (size_t) LONG_MAX ? LONG_MAX : (long) o->quad_limit,
                        1, "quad_limit");
  s = s ? s : check_min(o->moment_nodes, 2, "moment_nodes");
  s = s ? s : check_min(o->cdf_nodes, 2, "cdf_nodes");
  s = s ? s : check_min(o->scan_points, 2, "scan_points");
  s = s ? s : check_min(o->fp_max_iter, 1, "fp_max_iter");
  s = s ? s : check_min(o->bisect_max_iter, 1, "bisect_max_iter");
  s = s ? s : check_min(o->limit_max_evals, 2, "limit_max_evals");
  return s;
}

int deq_opts_check(const deq_opts *opts)
{
  if (opts == NULL || opts == &default_opts)
    return DEQ_SUCCESS;   /* the defaults are valid (the fast path of per-point calls) */
  int s = check_tolerances(opts);
  return s ? s : check_counts(opts);
}

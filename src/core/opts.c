/* Default numerical options. */
#include "deqnn/opts.h"
#include "core/check.h"

void deq_opts_init(deq_opts *opts)
{
  DEQ_CHECK_NULL_VOID(opts, "opts");
  opts->tol_step = 1e-13;
  opts->tol_res = 1e-11;
  opts->max_iter = 100;
  opts->max_halvings = 30;
  opts->ladder_steps = 60;
  opts->ladder_height = 10.0;
  opts->eta_rel = 1e-10;
  opts->quad_epsabs = 1e-13;
  opts->quad_epsrel = 1e-12;
  opts->quad_limit = 1000;
  opts->moment_nodes = 256;
  opts->cdf_nodes = 4000;
  opts->scan_points = 3000;
  opts->fp_max_iter = 100000;
  opts->fp_damping = 0.5;
}

static const deq_opts default_opts = {
  1e-13, 1e-11, 100, 30, 60, 10.0, 1e-10, 1e-13, 1e-12, 1000, 256, 4000, 3000, 100000, 0.5
};

const deq_opts *deq_opts_or_default(const deq_opts *opts)
{
  return opts != NULL ? opts : &default_opts;
}

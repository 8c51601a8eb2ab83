/* Deep neural tangent kernel as a pencil (ck_ntk S21). */
#include <math.h>
#include <string.h>
#include "deqnn/ck.h"
#include "deqnn/ntk.h"
#include "theory/pencil/kernel_check.h"
#include "theory/pencil/pencil_impl.h"

int deq_ntk_params(double a, double b, size_t L, const double *gamma,
                   const deq_input_law *input, deq_pencil_params *par)
{
  if (deq_kernel_args_check(__func__, L, gamma, input, par))
    return DEQ_EINVAL;
  int status = deq_ck_params(b, L, gamma, input, par);
  if (status)
    return status;
  if (!(a >= b - pencil_ab_slack) || !isfinite(a))
    DEQ_ERRORF(DEQ_EINVAL, "constant a: need a >= b, got a = %g, b = %g", a, b);
  double r = 0, ak = 1, bk = 1;
  for (size_t k = 1; k <= L; k++) {
    ak *= a;
    bk *= b;
    r += ak - bk;
  }
  for (size_t l = 0; l <= L; l++)
    par->q[l] = pow(b, (double) (L - l));
  par->r = r;
  return DEQ_SUCCESS;
}

int deq_ntk_alloc(const deq_act *act, size_t L, const double *gamma,
                  const deq_input_law *input, const deq_opts *opts, deq_pencil **pen)
{
  return deq_deep_alloc(__func__, act, L, gamma, input, opts, 1, pen);
}

/* Deep neural tangent kernel as a pencil (ck_ntk S21) and exact pencil moments (S23-S24). */
#include <math.h>
#include <string.h>
#include "deqnn/ck.h"
#include "deqnn/ntk.h"
#include "core/check.h"
#include "theory/kernel_check.h"

int deq_ntk_params(double a, double b, size_t L, const double *gamma,
                   const deq_input_law *input, deq_pencil_params *par)
{
  if (deq_kernel_args_check(__func__, L, gamma, input, par))
    return DEQ_EINVAL;
  int status = deq_ck_params(b, L, gamma, input, par);
  if (status)
    return status;
  if (!(a >= b - 1e-14) || !isfinite(a))
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
  DEQ_CHECK_NULL(pen, "pen");
  *pen = NULL;
  DEQ_CHECK_NULL(act, "act");
  if (deq_kernel_args_check(__func__, L, gamma, input, pen))
    return DEQ_EINVAL;
  deq_act_fw fw;
  deq_pencil_params par;
  *pen = NULL;
  int status = deq_act_fw_constants(act, opts, &fw);
  if (!status)
    status = deq_ntk_params(fw.a.val, fw.b.val, L, gamma, input, &par);
  if (!status)
    status = deq_pencil_alloc(&par, opts, pen);
  return status;
}

int deq_pencil_moments_exact(const deq_pencil_params *par, double *m1, double *m2)
{
  if (deq_exact_args_check(__func__, par, m1, m2))
    return DEQ_EINVAL;
  size_t L = par->L;
  double mu1[DEQ_PENCIL_MAXL + 1], mu2[DEQ_PENCIL_MAXL + 1];
  for (size_t l = 1; l <= L; l++)
    if (par->b[l] != par->b[1])
      DEQ_ERROR("pencil moments: S23 needs the same b in every layer", DEQ_EINVAL);
  for (size_t l = 0; l <= L; l++) {
    deq_pencil_params sub = *par;
    sub.L = l;
    deq_ck_moments_exact(&sub, &mu1[l], &mu2[l]);
  }
  double b = L > 0 ? par->b[1] : 1.0, r = par->r, s1 = 0, s2 = 0;
  for (size_t i = 0; i <= L; i++) {
    s1 += par->q[i] * mu1[i];
    for (size_t j = 0; j <= L; j++) {
      size_t lo = i < j ? i : j, d = i < j ? j - i : i - j;
      double bd = pow(b, (double) d);
      s2 += par->q[i] * par->q[j] * (bd * mu2[lo] + (1 - bd) * mu1[lo]);
    }
  }
  *m1 = r + s1;
  *m2 = r * r + 2 * r * s1 + s2;
  return DEQ_SUCCESS;
}

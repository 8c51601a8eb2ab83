/* Deep conjugate kernel as a pencil (ck_ntk S8, S14 with q = e_L). */
#include <math.h>
#include <string.h>
#include "deqnn/ck.h"
#include "deqnn/ntk.h"
#include "theory/pencil/pencil_impl.h"

int deq_ck_params(double b, size_t L, const double *gamma, const deq_input_law *input,
                  deq_pencil_params *par)
{
  if (L < 1 || L > DEQ_PENCIL_MAXL)
    DEQ_ERRORF(DEQ_EINVAL, "layers: need 1 <= L <= %d, got %zu", DEQ_PENCIL_MAXL, L);
  memset(par, 0, sizeof *par);
  par->L = L;
  for (size_t l = 0; l <= L; l++) {
    par->gamma[l] = gamma[l];
    par->b[l] = l > 0 ? b : 0.0;
  }
  par->q[L] = 1.0;
  par->input = *input;
  return DEQ_SUCCESS;
}

int deq_deep_alloc(const deq_act *act, size_t L, const double *gamma,
                   const deq_input_law *input, const deq_opts *opts, int ntk, deq_pencil **pen)
{
  deq_act_fw fw;
  deq_pencil_params par;
  *pen = NULL;
  int status = deq_act_fw_constants(act, opts, &fw);
  if (!status)
    status = ntk ? deq_ntk_params(fw.a.val, fw.b.val, L, gamma, input, &par)
                 : deq_ck_params(fw.b.val, L, gamma, input, &par);
  if (!status)
    status = deq_pencil_alloc(&par, opts, pen);
  return status;
}

int deq_ck_alloc(const deq_act *act, size_t L, const double *gamma,
                 const deq_input_law *input, const deq_opts *opts, deq_pencil **pen)
{
  return deq_deep_alloc(act, L, gamma, input, opts, 0, pen);
}

int deq_ck_atom_exact(const deq_pencil_params *par, double *mass)
{
  size_t L = par->L;
  double g = par->gamma[L];
  if (par->b[L] == 1.0) {
    size_t l0 = par->input.kind == DEQ_DATA_GAUSSIAN ? 0 : 1;
    for (size_t l = l0; l <= L; l++)
      g = fmax(g, par->gamma[l]);
  }
  *mass = g > 1 ? 1 - 1 / g : 0.0;
  return DEQ_SUCCESS;
}

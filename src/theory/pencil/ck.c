/* Deep conjugate kernel as a pencil (ck_ntk S8, ck_ntk S14 with q = e_L). */
#include <math.h>
#include <string.h>
#include "deqnn/ck.h"
#include "deqnn/ntk.h"
#include "core/check.h"
#include "theory/pencil/pencil_impl.h"
#include "theory/pencil/kernel_check.h"

/* The arguments shared by the ck and ntk entry points (fn names the caller). */
int deq_kernel_args_check(const char *fn, size_t L, const double *gamma,
                          const deq_input_law *input, const void *out)
{
  DEQ_CHECK(gamma != NULL && input != NULL && out != NULL,
            "%s: gamma, input and the output must not be NULL", fn);
  DEQ_CHECK((int) input->kind >= (int) DEQ_DATA_GAUSSIAN
            && (int) input->kind <= (int) DEQ_DATA_ATOMS,
            "%s: unknown input law kind %d", fn, (int) input->kind);
  DEQ_CHECK(L >= 1 && L <= DEQ_PENCIL_MAXL, "layers: need 1 <= L <= %d, got %zu",
            DEQ_PENCIL_MAXL, L);
  return DEQ_SUCCESS;
}

/* The parameters read by the exact-moment formulas (fn names the caller). */
int deq_exact_args_check(const char *fn, const deq_pencil_params *par, const void *a,
                         const void *b)
{
  DEQ_CHECK(par != NULL && a != NULL && b != NULL, "%s: par and the outputs must not be NULL", fn);
  DEQ_CHECK(par->L <= DEQ_PENCIL_MAXL, "%s: at most %d layers, got %zu", fn, DEQ_PENCIL_MAXL,
            par->L);
  DEQ_CHECK((int) par->input.kind >= (int) DEQ_DATA_GAUSSIAN
            && (int) par->input.kind <= (int) DEQ_DATA_ATOMS,
            "%s: unknown input law kind %d", fn, (int) par->input.kind);
  DEQ_CHECK(par->input.kind != DEQ_DATA_ATOMS
            || (par->input.natoms >= 1 && par->input.x != NULL && par->input.p != NULL),
            "%s: input law: no atoms given", fn);
  return DEQ_SUCCESS;
}

int deq_ck_params(double b, size_t L, const double *gamma, const deq_input_law *input,
                  deq_pencil_params *par)
{
  if (deq_kernel_args_check(__func__, L, gamma, input, par))
    return DEQ_EINVAL;
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

int deq_deep_alloc(const char *fn, const deq_act *act, size_t L, const double *gamma,
                   const deq_input_law *input, const deq_opts *opts, int ntk, deq_pencil **pen)
{
  DEQ_CHECK(pen != NULL, "%s: pen must not be NULL", fn);
  *pen = NULL;
  DEQ_CHECK(act != NULL, "%s: act must not be NULL", fn);
  if (deq_kernel_args_check(fn, L, gamma, input, pen))
    return DEQ_EINVAL;
  deq_act_fw fw;
  deq_pencil_params par;
  int status = deq_act_check_domain(act, "act");
  if (!status)
    status = deq_act_fw_constants(act, opts, &fw);
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
  return deq_deep_alloc(__func__, act, L, gamma, input, opts, 0, pen);
}

int deq_ck_atom_exact(const deq_pencil_params *par, double *mass)
{
  if (deq_exact_args_check(__func__, par, mass, mass))
    return DEQ_EINVAL;
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

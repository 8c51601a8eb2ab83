/* Exact first and second moments of the pencil (ck_ntk S22-S24), in closed form. */
#include <math.h>
#include "deqnn/ck.h"
#include "deqnn/pencil.h"
#include "theory/pencil/kernel_check.h"

static void input_moments(const deq_pencil_params *par, double *m1, double *m2)
{
  const deq_input_law *in = &par->input;
  *m1 = 1.0;
  *m2 = in->kind == DEQ_DATA_GAUSSIAN ? 1 + par->gamma[0] : 1.0;
  if (in->kind == DEQ_DATA_ATOMS) {
    *m2 = 0.0;
    for (size_t k = 0; k < in->natoms; k++)
      *m2 += in->p[k] * in->x[k] * in->x[k];
  }
}

/* (ck_ntk S22) the first two moments of the layer-L kernel, by the layer recursion. */
static void layer_moments(const deq_pencil_params *par, double *m1, double *m2)
{
  input_moments(par, m1, m2);
  for (size_t l = 1; l <= par->L; l++) {
    double b = par->b[l], nu1 = 1 - b + b * *m1;
    double nu2 = (1 - b) * (1 - b) + 2 * b * (1 - b) * *m1 + b * b * *m2;
    *m1 = nu1;
    *m2 = nu2 + par->gamma[l] * nu1 * nu1;
  }
}

/* (ck_ntk S23-S24) through the layer moments. */
int deq_pencil_moments_exact(const deq_pencil_params *par, double *m1, double *m2)
{
  if (deq_exact_args_check(__func__, par, m1, m2))
    return DEQ_EINVAL;
  size_t L = par->L;
  double mu1[DEQ_PENCIL_MAXL + 1], mu2[DEQ_PENCIL_MAXL + 1];
  for (size_t l = 1; l <= L; l++)
    if (par->b[l] != par->b[1])
      DEQ_ERROR("pencil moments: ck_ntk S23 needs the same b in every layer", DEQ_EINVAL);
  for (size_t l = 0; l <= L; l++) {
    deq_pencil_params sub = *par;
    sub.L = l;
    layer_moments(&sub, &mu1[l], &mu2[l]);
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

int deq_ck_moments_exact(const deq_pencil_params *par, double *m1, double *m2)
{
  if (deq_exact_args_check(__func__, par, m1, m2))
    return DEQ_EINVAL;
  layer_moments(par, m1, m2);
  return DEQ_SUCCESS;
}

/* Tabulated distribution functions with atoms (deqnn/cdf.h). */
#include <stdlib.h>
#include <math.h>
#include "core/cdf_impl.h"
#include "core/check.h"

deq_cdf *deq_cdf_alloc(size_t n)
{
  deq_cdf *cdf = calloc(1, sizeof *cdf);
  if (cdf == NULL)
    return NULL;
  cdf->n = n;
  cdf->x = malloc((n ? n : 1) * sizeof *cdf->x);
  cdf->F = malloc((n ? n : 1) * sizeof *cdf->F);
  if (cdf->x == NULL || cdf->F == NULL) {
    deq_cdf_free(cdf);
    return NULL;
  }
  return cdf;
}

void deq_cdf_free(deq_cdf *cdf)
{
  if (cdf == NULL)
    return;
  free(cdf->x);
  free(cdf->F);
  free(cdf);
}

/* Index lo with x[lo] <= x < x[lo + 1] by bisection of the sorted nodes. */
static size_t node_below(const deq_cdf *cdf, double x)
{
  size_t lo = 0, hi = cdf->n - 1;
  while (hi - lo > 1) {
    size_t mid = (lo + hi) / 2;
    if (cdf->x[mid] <= x)
      lo = mid;
    else
      hi = mid;
  }
  return lo;
}

double deq_cdf_cont(const deq_cdf *cdf, double x)
{
  if (cdf == NULL || cdf->n == 0 || x <= cdf->x[0])
    return 0.0;
  if (x >= cdf->x[cdf->n - 1])
    return cdf->F[cdf->n - 1];
  size_t lo = node_below(cdf, x), hi = lo + 1;
  double w = cdf->x[hi] - cdf->x[lo];
  return w > 0 ? cdf->F[lo] + (cdf->F[hi] - cdf->F[lo]) * (x - cdf->x[lo]) / w : cdf->F[hi];
}

double deq_cdf_atoms_below(const deq_cdf *cdf, double x, int closed)
{
  double s = 0.0;
  for (size_t k = 0; cdf != NULL && k < cdf->natoms; k++)
    if (cdf->atom_pos[k] < x || (closed && cdf->atom_pos[k] == x))
      s += cdf->atom_mass[k];
  return s;
}

/* A distribution function: the tabulation's mass defect (at most the CDF's mass tolerance)
 * may not carry it above 1. */
static double prob(double F)
{
  return F < 0 ? 0.0 : F > 1 ? 1.0 : F;
}

double deq_cdf_eval(const deq_cdf *cdf, double x)
{
  DEQ_CHECK_NULL_NAN(cdf, "cdf");
  return prob(deq_cdf_cont(cdf, x) + deq_cdf_atoms_below(cdf, x, 1));
}

double deq_cdf_eval_left(const deq_cdf *cdf, double x)
{
  DEQ_CHECK_NULL_NAN(cdf, "cdf");
  return prob(deq_cdf_cont(cdf, x) + deq_cdf_atoms_below(cdf, x, 0));
}

double deq_cdf_mass(const deq_cdf *cdf)
{
  DEQ_CHECK_NULL_NAN(cdf, "cdf");
  return cdf->mass;
}

/* Internal: the layout of deq_cdf, for the modules that build one. */
#ifndef DEQ_CORE_CDF_IMPL_H
#define DEQ_CORE_CDF_IMPL_H

#include "deqnn/cdf.h"

#define DEQ_CDF_MAXATOMS 64

struct deq_cdf {
  size_t n;
  double *x, *F;          /* continuous part, tabulated, F increasing */
  size_t natoms;
  double atom_pos[DEQ_CDF_MAXATOMS], atom_mass[DEQ_CDF_MAXATOMS], mass;
};

/* The continuous part at x (linear between nodes, its last value beyond them) and the mass
 * of the atoms below x (at x too when closed): F = their sum (for compare/'s W1). */
double deq_cdf_cont(const deq_cdf *cdf, double x);
double deq_cdf_atoms_below(const deq_cdf *cdf, double x, int closed);

/* A table of n nodes (x and F allocated, uninitialised), no atoms; NULL if out of memory. */
deq_cdf *deq_cdf_alloc(size_t n);

#endif

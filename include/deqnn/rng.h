/* deqnn/rng.h -- reproducible random streams for Monte Carlo replicates.
 *
 * One master seed S; replicate r (0, 1, 2, ...) draws from its own GSL mt19937
 * generator seeded with splitmix64(S, r), a 64-bit mix of both, so that replicate r
 * sees the same numbers whatever the order in which replicates run or the number of
 * threads.  Normal variates use gsl_ran_gaussian_ziggurat.
 */
#ifndef DEQ_RNG_H
#define DEQ_RNG_H

#include <stdint.h>
#include <gsl/gsl_rng.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The seed of replicate r under master seed s (never 0 in its low 32 bits' sense
 * for GSL: mt19937 treats seed 0 as its default, which is harmless). */
uint64_t deq_rng_seed(uint64_t master, uint64_t replicate);

/* New generator for replicate r; NULL on allocation failure.  Free with gsl_rng_free. */
gsl_rng *deq_rng_alloc(uint64_t master, uint64_t replicate);

/* Restart an existing generator r (allocated as gsl_rng_alloc(gsl_rng_mt19937)) at the
 * beginning of the stream of replicate `replicate`: afterwards r produces exactly what
 * deq_rng_alloc(master, replicate) would, without allocating (for per-draw paths that
 * must not malloc). */
void deq_rng_reseed(gsl_rng *r, uint64_t master, uint64_t replicate);

/* Fill x[0..n-1] with iid N(0, sd^2). */
void deq_rng_gaussian(gsl_rng *r, double sd, size_t n, double *x);

/* Fill x[0..n-1] with iid +-1 (Rademacher). */
void deq_rng_rademacher(gsl_rng *r, size_t n, double *x);

#ifdef __cplusplus
}
#endif
#endif

/* Reproducible per-replicate random streams. */
#include <gsl/gsl_randist.h>
#include "core/gsl_quiet.h"
#include "deqnn/rng.h"
#include "core/check.h"

static uint64_t splitmix64(uint64_t x)
{
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

uint64_t deq_rng_seed(uint64_t master, uint64_t replicate)
{
  return splitmix64(splitmix64(master) ^ replicate);
}

gsl_rng *deq_rng_alloc(uint64_t master, uint64_t replicate)
{
  deq_gsl_quiet();
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  if (r != NULL)
    deq_rng_reseed(r, master, replicate);
  return r;
}

void deq_rng_reseed(gsl_rng *r, uint64_t master, uint64_t replicate)
{
  DEQ_CHECK_NULL_VOID(r, "r");
  gsl_rng_set(r, (unsigned long) deq_rng_seed(master, replicate));
}

void deq_rng_gaussian(gsl_rng *r, double sd, size_t n, double *x)
{
  DEQ_CHECK_NULL_VOID(r, "r");
  DEQ_CHECK_NULL_VOID(x, "x");
  DEQ_REQUIRE_RET(isfinite(sd) && sd >= 0, , "%s: sd must be finite and >= 0, got %g",
                  __func__, sd);
  for (size_t i = 0; i < n; i++)
    x[i] = gsl_ran_gaussian_ziggurat(r, sd);
}

void deq_rng_rademacher(gsl_rng *r, size_t n, double *x)
{
  DEQ_CHECK_NULL_VOID(r, "r");
  DEQ_CHECK_NULL_VOID(x, "x");
  for (size_t i = 0; i < n; i++)
    x[i] = (gsl_rng_get(r) & 1UL) ? 1.0 : -1.0;
}

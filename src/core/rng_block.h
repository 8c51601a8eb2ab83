/* Internal: Gaussian and Rademacher variates in blocks, for the simulations' large arrays.
 *
 * The uniform stream is GSL's: the 32-bit words of mt19937 seeded as gsl_rng_set(r, s) seeds
 * gsl_rng_mt19937 (with s = deq_rng_seed(master, replicate)), bit for bit the numbers
 * gsl_rng_get would return, but generated here 624 words at a time with the tempering inline
 * (no call through GSL's function pointers per number).  So one stream per (master,
 * replicate), whatever the thread count or the order of the replicates.
 *
 * Normal variates: a 128-layer ziggurat (Marsaglia & Tsang 2000, r = 3.442619855899,
 * v = 9.91256303526217e-3) on one word per variate in the fast path: bits 0-6 the layer,
 * bit 7 the sign, bits 8-31 the 24-bit abscissa; wedges and the tail (Marsaglia 1964) take
 * further words as uniforms (u + 1/2) / 2^32 in (0, 1).  The tables are computed from the
 * defining recurrence when the generator is initialised.  This is not GSL's
 * gsl_ran_gaussian_ziggurat (whose tables are not public): the same words give different
 * normal numbers, with the same law.
 *
 * Blocked: the fast path is taken for every word left in the current block of 624 at once
 * (vectorised: a candidate and a miss flag per word), then the variates are handed out in
 * the stream's order: runs of fast-path words copied, each word that misses it (2.8%)
 * finished by the wedge or tail step on the words right after it, whose candidates are
 * skipped.  The variates are bitwise those of the one-at-a-time ziggurat.
 *
 * Rademacher variates: +1 if the low bit of the word is 1, else -1 (as deq_rng_rademacher).
 */
#ifndef DEQ_CORE_RNG_BLOCK_H
#define DEQ_CORE_RNG_BLOCK_H

#include <stddef.h>
#include <stdint.h>

#define DEQ_MT_N 624           /* words of mt19937 state, generated together */
#define DEQ_ZIG_LAYERS 128

typedef struct {
  uint32_t mt[DEQ_MT_N];       /* the state, then the next block of untempered words */
  size_t next;                 /* index of the next word; DEQ_MT_N = regenerate */
  double w[DEQ_ZIG_LAYERS];    /* x_i / 2^24: the abscissa of layer i per unit of j */
  uint32_t k[DEQ_ZIG_LAYERS];  /* 2^24 x_{i+1} / x_i: j below it is under the curve */
  double f[DEQ_ZIG_LAYERS + 1];/* exp(-x_i^2 / 2), f[128] = 1 */
  double z[DEQ_MT_N];          /* the ziggurat's fast-path candidate for each word of the block */
  unsigned char miss[DEQ_MT_N];/* 1 where the word misses the fast path */
  int zvalid;                  /* z and miss are those of the current block (from next on) */
} deq_rng_block;

/* Compute the ziggurat tables (once per generator) and seed as deq_rng_block_reseed(b, 0, 0). */
void deq_rng_block_init(deq_rng_block *b);

/* Restart at the beginning of the stream of (master, replicate): afterwards the words are
 * those of deq_rng_alloc(master, replicate) under gsl_rng_get. */
void deq_rng_block_reseed(deq_rng_block *b, uint64_t master, uint64_t replicate);

/* The next 32-bit word of the stream. */
uint32_t deq_rng_block_u32(deq_rng_block *b);

/* x[0..n-1] iid N(0, sd^2) (sd finite and >= 0, not checked: internal). */
void deq_rng_block_gaussian(deq_rng_block *b, double sd, size_t n, double *x);

/* x[0..n-1] iid +-1. */
void deq_rng_block_rademacher(deq_rng_block *b, size_t n, double *x);

#endif

/* Gaussian and Rademacher variates in blocks: GSL's mt19937 words generated inline, and a
 * 128-layer ziggurat (see rng_block.h). */
#include <math.h>
#include <string.h>
#include "core/rng_block.h"
#include "deqnn/rng.h"
#include "core/simd.h"

#define MT_M 397
#define MT_UPPER 0x80000000u
#define MT_LOWER 0x7fffffffu
#define MT_MATRIX 0x9908b0dfu
#define MT_INIT_MULT 1812433253u
#define MT_DEFAULT_SEED 4357u     /* GSL's mt19937 replaces the seed 0 by this one */

#define ZIG_R 3.442619855899      /* start of the tail */
#define ZIG_V 9.91256303526217e-3 /* area of each layer */
#define ZIG_SCALE 16777216.0      /* 2^24: the abscissa has 24 bits */
#define ZIG_LAYER_MASK 0x7fu
#define ZIG_SIGN_BIT 0x80u
#define ZIG_J_SHIFT 8
#define U32_SCALE (1.0 / 4294967296.0)

static double half_gauss(double x)
{
  return exp(-0.5 * x * x);
}

/* x_1 = r > x_2 > ... > x_127 > x_128 = 0 with layers of equal area v:
 * f(x_{i+1}) = f(x_i) + v / x_i; the base layer (rectangle under f(r) and the tail) is a
 * rectangle of pseudo-width x_0 = v / f(r). */
static void zig_tables(deq_rng_block *b)
{
  double x[DEQ_ZIG_LAYERS + 1];
  x[0] = ZIG_V / half_gauss(ZIG_R);
  x[1] = ZIG_R;
  for (size_t i = 1; i + 1 < DEQ_ZIG_LAYERS; i++)
    x[i + 1] = sqrt(-2.0 * log(half_gauss(x[i]) + ZIG_V / x[i]));
  x[DEQ_ZIG_LAYERS] = 0.0;
  for (size_t i = 0; i < DEQ_ZIG_LAYERS; i++) {
    b->w[i] = x[i] / ZIG_SCALE;
    b->k[i] = (uint32_t) floor(ZIG_SCALE * x[i + 1] / x[i]);
    b->f[i] = half_gauss(x[i]);
  }
  b->f[DEQ_ZIG_LAYERS] = 1.0;
}

static uint32_t mt_mix(uint32_t a, uint32_t b, uint32_t c)
{
  uint32_t y = (a & MT_UPPER) | (b & MT_LOWER);
  return c ^ (y >> 1) ^ ((0u - (y & 1u)) & MT_MATRIX);
}

/* The next DEQ_MT_N words of the recurrence, in place. */
static void mt_twist(deq_rng_block *b)
{
  uint32_t *mt = b->mt;
  size_t k = 0;
  for (; k < DEQ_MT_N - MT_M; k++)
    mt[k] = mt_mix(mt[k], mt[k + 1], mt[k + MT_M]);
  for (; k < DEQ_MT_N - 1; k++)
    mt[k] = mt_mix(mt[k], mt[k + 1], mt[k + MT_M - DEQ_MT_N]);
  mt[DEQ_MT_N - 1] = mt_mix(mt[DEQ_MT_N - 1], mt[0], mt[MT_M - 1]);
  b->next = 0;
  b->zvalid = 0;
}

static inline uint32_t temper(uint32_t y)
{
  y ^= y >> 11;
  y ^= (y << 7) & 0x9d2c5680u;
  y ^= (y << 15) & 0xefc60000u;
  return y ^ (y >> 18);
}

static inline uint32_t next_word(deq_rng_block *b)
{
  if (b->next == DEQ_MT_N)
    mt_twist(b);
  return temper(b->mt[b->next++]);
}

static inline double uniform_open(deq_rng_block *b)
{
  return ((double) next_word(b) + 0.5) * U32_SCALE;
}

void deq_rng_block_reseed(deq_rng_block *b, uint64_t master, uint64_t replicate)
{
  uint64_t s = deq_rng_seed(master, replicate);
  b->mt[0] = s == 0 ? MT_DEFAULT_SEED : (uint32_t) (s & 0xffffffffu);
  for (uint32_t i = 1; i < DEQ_MT_N; i++)
    b->mt[i] = MT_INIT_MULT * (b->mt[i - 1] ^ (b->mt[i - 1] >> 30)) + i;
  b->next = DEQ_MT_N;
  b->zvalid = 0;
}

void deq_rng_block_init(deq_rng_block *b)
{
  zig_tables(b);
  deq_rng_block_reseed(b, 0, 0);
}

uint32_t deq_rng_block_u32(deq_rng_block *b)
{
  return next_word(b);
}

/* Marsaglia (1964): the normal tail beyond r. */
static double zig_tail(deq_rng_block *b)
{
  for (;;) {
    double x = -log(uniform_open(b)) / ZIG_R, y = -log(uniform_open(b));
    if (2.0 * y >= x * x)
      return ZIG_R + x;
  }
}

/* The rest of one ziggurat draw whose first word u missed the fast path (j >= k_i): the
 * tail, or the wedge test on a further word, and on rejection a whole new draw. */
static double zig_slow(deq_rng_block *b, uint32_t u)
{
  for (;;) {
    uint32_t i = u & ZIG_LAYER_MASK, j = u >> ZIG_J_SHIFT;
    double x = (double) j * b->w[i];
    if (j < b->k[i])
      return (u & ZIG_SIGN_BIT) ? x : -x;
    if (i == 0)
      x = zig_tail(b);
    else if (b->f[i] + uniform_open(b) * (b->f[i + 1] - b->f[i]) >= half_gauss(x)) {
      u = next_word(b);
      continue;
    }
    return (u & ZIG_SIGN_BIT) ? x : -x;
  }
}

/* The fast path on the m untempered words mt[0..m-1] at once, branch-free, with the tables
 * w, k: z[a] the candidate, miss[a] = 1 where j >= k_i (2.8% of the words). */
DEQ_SIMD_CLONES
static void zig_fast(const uint32_t *restrict mt, size_t m, const double *restrict w,
                     const uint32_t *restrict k, double *restrict z, unsigned char *restrict miss)
{
#pragma omp simd
  for (size_t a = 0; a < m; a++) {
    uint32_t y = temper(mt[a]), i = y & ZIG_LAYER_MASK, j = y >> ZIG_J_SHIFT;
    double x = (double) (int32_t) j * w[i];
    miss[a] = j >= k[i];
    z[a] = (y & ZIG_SIGN_BIT) ? x : -x;
  }
}

/* The first a in [p, end) with miss[a] set, else end (eight flags at a time). */
static size_t next_miss(const unsigned char *miss, size_t p, size_t end)
{
  for (; p + sizeof(uint64_t) <= end; p += sizeof(uint64_t)) {
    uint64_t any;
    memcpy(&any, miss + p, sizeof any);
    if (any != 0)
      break;
  }
  while (p < end && !miss[p])
    p++;
  return p;
}

/* The candidates of the words left in the current block, once per block (mt_twist and a
 * reseed invalidate them). */
static void zig_prepare(deq_rng_block *b)
{
  if (b->next == DEQ_MT_N)
    mt_twist(b);
  if (!b->zvalid)
    zig_fast(b->mt + b->next, DEQ_MT_N - b->next, b->w, b->k, b->z + b->next,
             b->miss + b->next);
  b->zvalid = 1;
}

/* One word at a time in the stream's order, as a scalar ziggurat would: the run of fast-path
 * words up to the next miss is copied from the candidates; a miss is finished by zig_slow
 * on the words right after it (whose candidates are then skipped). */
void deq_rng_block_gaussian(deq_rng_block *b, double sd, size_t n, double *x)
{
  for (size_t i = 0; i < n;) {
    zig_prepare(b);
    size_t p = b->next, q = next_miss(b->miss, p, DEQ_MT_N);
    size_t m = q - p < n - i ? q - p : n - i;
    const double *z = b->z + p;
    for (size_t a = 0; a < m; a++)
      x[i + a] = sd * z[a];
    i += m;
    b->next = p + m;
    if (i < n && b->next < DEQ_MT_N) {
      uint32_t u = temper(b->mt[b->next++]);
      x[i++] = sd * zig_slow(b, u);
    }
  }
}

void deq_rng_block_rademacher(deq_rng_block *b, size_t n, double *x)
{
  for (size_t i = 0; i < n; i++)
    x[i] = (next_word(b) & 1u) ? 1.0 : -1.0;
}

/* Tests for the block generator (src/core/rng_block.h): its words are GSL's mt19937 stream
 * bit for bit; its normal variates have the normal law (moments, the tail, a KS distance),
 * are reproducible, one sequence however the calls split it, and a reseed restarts the
 * stream. */
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_sort.h>
#include "testutil.h"
#include "core/rng_block.h"
#include "deqnn/rng.h"

#define NWORDS 5000       /* several blocks of 624 */
#define NNORMAL 2000000

/* The words equal gsl_rng_get of deq_rng_alloc(master, replicate), for several seeds,
 * including a master/replicate pair whose mixed seed is arbitrary and the seed-0 case. */
static void test_words(void **state)
{
  (void) state;
  static deq_rng_block b;
  const uint64_t masters[] = { 0, 1, 2385, UINT64_MAX }, reps[] = { 0, 7, 123456789 };
  deq_rng_block_init(&b);
  for (size_t m = 0; m < 4; m++)
    for (size_t r = 0; r < 3; r++) {
      gsl_rng *g = deq_rng_alloc(masters[m], reps[r]);
      deq_rng_block_reseed(&b, masters[m], reps[r]);
      for (size_t i = 0; i < NWORDS; i++)
        assert_int_equal(deq_rng_block_u32(&b), (uint32_t) gsl_rng_get(g));
      gsl_rng_free(g);
    }
}

/* N(0, sd^2) for sd = 2.385: mean, variance, fourth moment within 5 SE; the two-sided tail
 * beyond 3.5 sd (which goes through the tail sampler) within 5 SE; KS distance to the normal
 * cdf below 1.63 / sqrt(N) (the 1% point).  Rademacher: both signs, mean within 5 SE. */
static void test_law(void **state)
{
  (void) state;
  static deq_rng_block b;
  const double sd = 2.385, N = NNORMAL;
  double *x = malloc(NNORMAL * sizeof *x), m1 = 0, m2 = 0, m4 = 0, tail = 0, ks = 0;
  deq_rng_block_init(&b);
  deq_rng_block_reseed(&b, 20261130, 3);
  deq_rng_block_gaussian(&b, sd, NNORMAL, x);
  for (size_t i = 0; i < NNORMAL; i++) {
    double z = x[i] / sd;
    m1 += z, m2 += z * z, m4 += z * z * z * z, tail += fabs(z) > 3.5;
  }
  m1 /= N, m2 /= N, m4 /= N, tail /= N;
  double p = 2.0 * gsl_cdf_ugaussian_Q(3.5);
  assert_true(fabs(m1) < 5.0 / sqrt(N));
  assert_true(fabs(m2 - 1.0) < 5.0 * sqrt(2.0 / N));
  assert_true(fabs(m4 - 3.0) < 5.0 * sqrt(96.0 / N));
  assert_true(fabs(tail - p) < 5.0 * sqrt(p / N));
  gsl_sort(x, 1, NNORMAL);
  for (size_t i = 0; i < NNORMAL; i++) {
    double F = gsl_cdf_gaussian_P(x[i], sd);
    ks = fmax(ks, fmax(fabs(F - (double) i / N), fabs(F - (double) (i + 1) / N)));
  }
  printf("block normal: mean %.2e, var %.6f, m4 %.5f, P(|z| > 3.5) %.3e (%.3e), KS %.2e\n",
         m1, m2, m4, tail, p, ks);
  assert_true(ks < 1.63 / sqrt(N));
  deq_rng_block_rademacher(&b, NNORMAL, x);
  double s = 0;
  for (size_t i = 0; i < NNORMAL; i++) {
    assert_true(fabs(x[i]) == 1.0);
    s += x[i];
  }
  assert_true(fabs(s / N) < 5.0 / sqrt(N));
  free(x);
}

/* The same (master, replicate) gives the same numbers after other draws; another
 * replicate differs. */
static void test_reseed(void **state)
{
  (void) state;
  static deq_rng_block a, b;
  double x[1000], y[1000], z[1000];
  deq_rng_block_init(&a);
  deq_rng_block_init(&b);
  deq_rng_block_reseed(&a, 5, 1);
  deq_rng_block_gaussian(&a, 1.0, 1000, x);
  deq_rng_block_gaussian(&b, 1.0, 777, y);
  deq_rng_block_reseed(&b, 5, 1);
  deq_rng_block_gaussian(&b, 1.0, 1000, y);
  deq_rng_block_reseed(&a, 5, 2);
  deq_rng_block_gaussian(&a, 1.0, 1000, z);
  assert_memory_equal(x, y, sizeof x);
  assert_memory_not_equal(x, z, sizeof x);
}

/* The normals are one sequence however the calls split it (block boundaries inside and
 * between calls, a miss finished from the next block), with the law's sd applied per call;
 * the words after them are the same too. */
static void test_split(void **state)
{
  (void) state;
  static deq_rng_block a, b;
  enum { N = 5 * DEQ_MT_N + 17 };
  static double x[N], y[N];
  const size_t cuts[] = { 1, 622, 3, 624, 1000, 7, 900 };
  deq_rng_block_init(&a);
  deq_rng_block_init(&b);
  deq_rng_block_reseed(&a, 31, 4);
  deq_rng_block_reseed(&b, 31, 4);
  deq_rng_block_gaussian(&a, 2.5, N, x);
  size_t done = 0;
  for (size_t c = 0; done < N; c++) {
    size_t m = c < 7 && cuts[c] < N - done ? cuts[c] : N - done;
    deq_rng_block_gaussian(&b, 2.5, m, y + done);
    done += m;
  }
  assert_memory_equal(x, y, sizeof x);
  for (size_t i = 0; i < 10; i++)
    assert_int_equal(deq_rng_block_u32(&a), deq_rng_block_u32(&b));
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_words),
    cmocka_unit_test(test_law),
    cmocka_unit_test(test_reseed),
    cmocka_unit_test(test_split),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

/* deqnn/compare.h -- theory against simulation: statistics over seeds, verdicts,
 * spectral statistics of sampled eigenvalues, and reference-curve checks.
 *
 * Verdict rule (spec README, ck_ntk section 9):
 *     |mean - theory| <= 4 SE + B/n + theory_err
 * with SE = sd/sqrt(seeds) over independent seeds and B/n the finite-size allowance of
 * the statistic (B given by the caller from the spec's measured n*bias).  Statistics
 * with no theory value (the Kolmogorov distance) pass when mean <= B/n.  Below 10 seeds
 * the SE itself is uncertain: the verdict records that (few_seeds = 1) so the caller
 * can ask for more seeds rather than widen the factor.
 */
#ifndef DEQ_COMPARE_H
#define DEQ_COMPARE_H

#include <stddef.h>
#include "deqnn/cdf.h"
#include "deqnn/status.h"
#include "deqnn/table.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
  size_t count;
  double mean, sd, se;
} deq_sample_stats;

/* Mean, sample standard deviation (n - 1) and SE = sd/sqrt(count) of x[0..k-1]
 * (two-pass, so large offsets do not lose digits).  sd = se = 0 when k < 2.  k = 0 or x
 * NULL is DEQ_EINVAL (reported; count 0, mean, sd and se NAN). */
void deq_stats_compute(const double *x, size_t k, deq_sample_stats *s);

typedef struct {
  double theory, theory_err;   /* NAN theory: upper-bound statistic (KS) */
  deq_sample_stats sim;
  double allowance;            /* B / n */
  double bound;                /* 4 SE + B/n + theory_err (or B/n for KS) */
  double z;                    /* (mean - theory)/SE; NAN if no theory or SE at round-off */
  int pass;
  int few_seeds;               /* fewer than 10 seeds */
} deq_verdict;

/* Apply the rule above.  B >= 0, n >= 1: n = 0, B < 0 or a NULL pointer is DEQ_EINVAL
 * (reported; pass = 0, bound NAN).  A NaN B (no theory) gives no bound and no pass. */
void deq_verdict_eval(double theory, double theory_err, const deq_sample_stats *sim,
                      double B, size_t n, deq_verdict *v);

/* (1/n) sum lambda_i^k, k = 1, 2 (any k >= 0). */
double deq_spec_moment(size_t n, const double *eval, unsigned k);

/* (1/n) sum 1/(lambda_i + lambda) = (1/n) tr (K + lambda)^{-1}, lambda > 0. */
double deq_spec_resolvent(size_t n, const double *eval, double lambda);

/* Fraction of exact zeros (eigenvalues set to 0 as rank deficiency). */
double deq_spec_zero_fraction(size_t n, const double *eval);

/* Kolmogorov distance sup_x |F_n(x) - F(x)| of the sorted sample eval[0..n-1] against
 * the limit CDF, with both one-sided limits at every eigenvalue (ties and the atom
 * handled exactly). */
double deq_spec_ks(size_t n, const double *eval, const deq_cdf *cdf);

/* Hill estimator of the tail exponent of the ascending sample eval[0..n-1] (training_spectra
 * S18): the exact zeros (|lambda| <= 1e-9 max |lambda|) are dropped, N non-zero values remain,
 * k = max(10, floor(N/10)), alpha = 1 + k / sum_{i=1..k} ln(lambda_(i)/lambda_(k+1)) over the
 * descending order.  NAN (reported) if N < k + 1. */
double deq_spec_hill(size_t n, const double *eval);

/* The Clauset variant of S18: over k in [10, floor(N/2)], the k minimising the KS distance
 * between the k tail points and the fitted power law (x/lambda_(k+1))^(1 - alpha(k)); the
 * smallest such k, returned in *k_out when not NULL, with its alpha.  NAN (reported) if
 * N < 20. */
double deq_spec_hill_ks(size_t n, const double *eval, size_t *k_out);

/* Wasserstein-1 distance int |F_n - F| dx (training_spectra S19) of the ascending sample
 * against the limit CDF, exact on the union of the CDF's nodes, its atoms and the sample
 * (F_n a step function, F linear between nodes, 1 beyond its last node), over
 * [min(0, lambda_1), max(last node, lambda_n)]; exact zeros counted at 0. */
double deq_spec_w1(size_t n, const double *eval, const deq_cdf *cdf);

/* Histogram density of the non-zero eigenvalues on bins centred at the grid points
 * x[0..m-1] (bin edges at midpoints; outer bins symmetric): hist[i] = count_i/(n width_i).
 * Exact zeros (the atom) are left out, as the theory density leaves out its atom. */
void deq_spec_histogram(size_t n, const double *eval, size_t m, const double *x, double *hist);

/* Compare table `got` against reference `ref` (same columns by name, same rows).  The
 * reference's comment "error-columns: v1:e1,v2:e2" names value columns v and their error
 * columns e: v is compared within e_ref + e_got + 1e-12 |v| (a value computed twice
 * agrees within its two error bars); +inf matches +inf and nan matches nan.  Every other numeric column
 * (inputs such as x) must agree to 1e-12 relative; text columns (status) must be equal.
 * Columns whose name starts with "sim_" hold simulation results and are skipped, and so are
 * the error columns themselves (estimates, not values).  *nbad = number of failing
 * cells; a report of the worst deviations (at most `lines` lines; text cells quoted as
 * strings) goes into report. */
int deq_compare_tables(const deq_table *ref, const deq_table *got, size_t lines,
                       char *report, size_t report_len, size_t *nbad);

/* Sane error bars: for every pair v:e of the table's "error-columns" comment, v and e are
 * both present (numeric) or both absent, and every e is finite, >= 0 and at most
 *     DEQ_ERR_MAX_REL * max(|v|, DEQ_ERR_FLOOR * S),   S = the largest finite |v| of column v
 * (rows whose v is +-inf or nan only need a finite e >= 0).  An error bar wider than that would
 * let a comparison pass nearly any value.  The bounds hold for every table deqnn writes: the
 * widest bar relative to its value is at the rf interpolation threshold (err = 32 |v|), the
 * widest relative to its column is at a density's support edge (err = 1.5e-5 S).
 * DEQ_EFORMAT naming the row and column otherwise. */
#define DEQ_ERR_MAX_REL 100.0
#define DEQ_ERR_FLOOR 1e-6
int deq_check_error_bars(const deq_table *t);

#ifdef __cplusplus
}
#endif
#endif

/* Statistics over seeds, verdicts and spectral statistics of a sample. */
#include <math.h>
#include <stdlib.h>
#include "deqnn/compare.h"
#include "core/check.h"

/* A sample of n values at eval (fn names the caller): 1 after one report if unusable. */
static int sample_bad(const char *fn, size_t n, const double *eval)
{
  DEQ_REQUIRE_RET(eval != NULL && n >= 1, 1, "%s: need n >= 1 values and a non-NULL array", fn);
  return 0;
}

void deq_stats_compute(const double *x, size_t k, deq_sample_stats *s)
{
  DEQ_CHECK_NULL_VOID(s, "s");
  s->count = 0;
  s->mean = s->sd = s->se = NAN;
  if (sample_bad(__func__, k, x))
    return;
  double sum = 0, ss = 0;
  for (size_t i = 0; i < k; i++)
    sum += x[i];
  s->count = k;
  s->mean = k ? sum / (double) k : NAN;
  for (size_t i = 0; i < k; i++)
    ss += (x[i] - s->mean) * (x[i] - s->mean);
  s->sd = k > 1 ? sqrt(ss / (double) (k - 1)) : 0.0;
  s->se = k > 1 ? s->sd / sqrt((double) k) : 0.0;
}

void deq_verdict_eval(double theory, double theory_err, const deq_sample_stats *sim,
                      double B, size_t n, deq_verdict *v)
{
  DEQ_CHECK_NULL_VOID(v, "v");
  v->pass = 0;
  v->bound = v->z = v->allowance = NAN;
  DEQ_CHECK_NULL_VOID(sim, "sim");
  DEQ_REQUIRE_RET(n >= 1 && !(B < 0), , "%s: need n >= 1 and B >= 0, got n = %zu, B = %g",
                  __func__, n, B);   /* B NaN (no theory) passes through: no bound, no pass */
  v->theory = theory;
  v->theory_err = theory_err;
  v->sim = *sim;
  v->allowance = B / (double) n;
  v->few_seeds = sim->count < 10;
  if (isnan(theory)) {
    v->bound = v->allowance;
    v->z = NAN;
    v->pass = sim->mean <= v->bound;
    return;
  }
  v->bound = 4 * sim->se + v->allowance + theory_err;
  /* An SE at round-off level (a deterministic statistic such as the atom) has no z. */
  int resolved = sim->se > 1e-12 * fmax(fabs(sim->mean), fabs(theory));
  v->z = resolved ? (sim->mean - theory) / sim->se : NAN;
  v->pass = fabs(sim->mean - theory) <= v->bound;
}

double deq_spec_moment(size_t n, const double *eval, unsigned k)
{
  if (sample_bad(__func__, n, eval))
    return NAN;
  double s = 0;
  for (size_t i = 0; i < n; i++)
    s += pow(eval[i], (double) k);
  return s / (double) n;
}

double deq_spec_resolvent(size_t n, const double *eval, double lambda)
{
  if (sample_bad(__func__, n, eval))
    return NAN;
  double s = 0;
  for (size_t i = 0; i < n; i++)
    s += 1.0 / (eval[i] + lambda);
  return s / (double) n;
}

double deq_spec_zero_fraction(size_t n, const double *eval)
{
  if (sample_bad(__func__, n, eval))
    return NAN;
  size_t z = 0;
  for (size_t i = 0; i < n; i++)
    z += eval[i] == 0.0;
  return (double) z / (double) n;
}

double deq_spec_ks(size_t n, const double *eval, const deq_cdf *cdf)
{
  DEQ_CHECK_NULL_NAN(cdf, "cdf");
  if (sample_bad(__func__, n, eval))
    return NAN;
  double d = 0;
  for (size_t i = 0; i < n;) {
    size_t j = i;
    while (j < n && eval[j] == eval[i])
      j++;
    double below = (double) i / (double) n, upto = (double) j / (double) n;
    d = fmax(d, fabs(deq_cdf_eval_left(cdf, eval[i]) - below));
    d = fmax(d, fabs(deq_cdf_eval(cdf, eval[i]) - upto));
    i = j;
  }
  return d;
}

void deq_spec_histogram(size_t n, const double *eval, size_t m, const double *x, double *hist)
{
  DEQ_CHECK_NULL_VOID(x, "x");
  DEQ_CHECK_NULL_VOID(hist, "hist");
  DEQ_REQUIRE_RET(m >= 1, , "%s: need m >= 1 grid points", __func__);
  if (sample_bad(__func__, n, eval))
    return;
  for (size_t i = 0; i < m; i++)
    hist[i] = 0.0;
  if (m == 0)
    return;
  double h0 = m > 1 ? x[1] - x[0] : 1.0, h1 = m > 1 ? x[m - 1] - x[m - 2] : 1.0;
  for (size_t k = 0; k < n; k++) {
    double e = eval[k];
    if (e == 0.0 || e < x[0] - 0.5 * h0 || e >= x[m - 1] + 0.5 * h1)
      continue;
    size_t lo = 0, hi = m;          /* first bin whose upper edge exceeds e */
    while (lo < hi) {
      size_t mid = (lo + hi) / 2;
      double up = mid + 1 < m ? 0.5 * (x[mid] + x[mid + 1]) : x[m - 1] + 0.5 * h1;
      if (up <= e)
        lo = mid + 1;
      else
        hi = mid;
    }
    hist[lo] += 1.0;
  }
  for (size_t i = 0; i < m; i++) {
    double a = i > 0 ? 0.5 * (x[i - 1] + x[i]) : x[0] - 0.5 * h0;
    double b = i + 1 < m ? 0.5 * (x[i] + x[i + 1]) : x[m - 1] + 0.5 * h1;
    hist[i] /= (double) n * (b - a);
  }
}

/* Data sets: subset, preprocessing, Gram matrix and orthogonality diagnostics
 * (docs/data.md). */
#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "core/check.h"
#include "deqnn/dataset.h"
#include "deqnn/rng.h"

/* A sample whose norm after centring is below this fraction of the largest norm is zero
 * (what is left of a sample equal to the mean is round-off, ~1e-16 of the data's scale). */
#define DEQ_DATASET_ZERO_REL 1e-12

void deq_dataset_free(deq_dataset *ds)
{
  if (ds == NULL)
    return;
  free(ds->x);
  free(ds->index);
  free(ds->line);
  free(ds);
}

const char *deq_dataset_format_name(deq_dataset_format f)
{
  static const char *names[] = { "csv", "npy", "idx" };
  return (int) f >= 0 && (int) f <= (int) DEQ_DATASET_IDX ? names[f] : "unknown";
}

const char *deq_dataset_norm_name(deq_dataset_norm how)
{
  return how == DEQ_DATASET_UNIT ? "unit" : how == DEQ_DATASET_NONE ? "none" : "unknown";
}

/* Row a of the data set moved to row b (b <= a). */
static void move_row(deq_dataset *ds, size_t a, size_t b)
{
  if (a == b)
    return;
  memmove(ds->x + b * ds->d, ds->x + a * ds->d, ds->d * sizeof *ds->x);
  ds->index[b] = ds->index[a];
  if (ds->line)
    ds->line[b] = ds->line[a];
}

int deq_dataset_subset(deq_dataset *ds, size_t k, uint64_t seed)
{
  DEQ_CHECK_NULL(ds, "ds");
  DEQ_CHECK(k >= 1 && k <= ds->n, "%s: need 1 <= k <= n = %zu samples, got k = %zu", ds->path,
            ds->n, k);
  DEQ_CHECK(ds->normalized < 0 && ds->subset == 0, "%s: take the subset once, before the "
            "preprocessing", ds->path);
  gsl_rng *r = deq_rng_alloc(seed, 0);
  if (r == NULL)
    DEQ_ERRORF(DEQ_ENOMEM, "%s: out of memory for the subset", ds->path);
  /* Selection sampling (Knuth's Algorithm S, as GSL's gsl_ran_choose): sample a is kept
   * with probability (k - kept)/(n - a); the kept rows stay in file order. */
  size_t kept = 0;
  for (size_t a = 0; a < ds->n && kept < k; a++)
    if ((double) (ds->n - a) * gsl_rng_uniform(r) < (double) (k - kept))
      move_row(ds, a, kept++);
  gsl_rng_free(r);
  ds->n = k;
  ds->subset = k;
  ds->subset_seed = seed;
  return DEQ_SUCCESS;
}

static void centre(deq_dataset *ds)
{
  for (size_t j = 0; j < ds->d; j++) {
    double m = 0;
    for (size_t a = 0; a < ds->n; a++)
      m += ds->x[a * ds->d + j];
    m /= (double) ds->n;
    for (size_t a = 0; a < ds->n; a++)
      ds->x[a * ds->d + j] -= m;
  }
}

static int scale_rows(deq_dataset *ds)
{
  double top = 0;
  for (size_t a = 0; a < ds->n; a++)
    top = fmax(top, cblas_dnrm2((int) ds->d, ds->x + a * ds->d, 1));
  for (size_t a = 0; a < ds->n; a++) {
    double nrm = cblas_dnrm2((int) ds->d, ds->x + a * ds->d, 1);
    if (!(nrm > DEQ_DATASET_ZERO_REL * top)) {
      char where[48] = "";
      if (ds->line)
        snprintf(where, sizeof where, " (line %zu)", ds->line[a]);
      DEQ_ERRORF(DEQ_EINVAL, "%s: sample %zu%s is zero after centring (norm %.3g, largest "
                 "%.3g): it cannot be scaled to unit norm; drop it, or take the data as given "
                 "(preprocessing 'none')", ds->path, ds->index[a] + 1, where, nrm, top);
    }
    cblas_dscal((int) ds->d, 1.0 / nrm, ds->x + a * ds->d, 1);
  }
  return DEQ_SUCCESS;
}

int deq_dataset_normalize(deq_dataset *ds, deq_dataset_norm how)
{
  DEQ_CHECK_NULL(ds, "ds");
  DEQ_CHECK(how == DEQ_DATASET_UNIT || how == DEQ_DATASET_NONE,
            "%s: unknown preprocessing %d", __func__, (int) how);
  DEQ_CHECK(ds->normalized < 0, "%s: already preprocessed ('%s')", ds->path,
            deq_dataset_norm_name((deq_dataset_norm) ds->normalized));
  if (how == DEQ_DATASET_UNIT) {
    centre(ds);
    int s = scale_rows(ds);
    if (s)
      return s;
  }
  ds->normalized = (int) how;
  return DEQ_SUCCESS;
}

int deq_dataset_gram(const deq_dataset *ds, double *G)
{
  DEQ_CHECK_NULL(ds, "ds");
  DEQ_CHECK_NULL(G, "G");
  size_t n = ds->n;
  cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, (int) n, (int) ds->d, 1.0, ds->x,
              (int) ds->d, 0.0, G, (int) n);
  for (size_t a = 0; a < n; a++)
    for (size_t b = 0; b < a; b++)
      G[a * n + b] = G[b * n + a];
  return DEQ_SUCCESS;
}

int deq_dataset_diagnose(const deq_dataset *ds, const double *G, deq_dataset_diag *diag)
{
  DEQ_CHECK_NULL(ds, "ds");
  DEQ_CHECK_NULL(G, "G");
  DEQ_CHECK_NULL(diag, "diag");
  size_t n = ds->n;
  double s2 = 0, mx = 0, nm = 0, nm2 = 0, lo = INFINITY, hi = 0;
  for (size_t a = 0; a < n; a++) {
    double r = sqrt(G[a * n + a]);
    nm += r, nm2 += r * r, lo = fmin(lo, r), hi = fmax(hi, r);
    for (size_t b = a + 1; b < n; b++) {
      double c = G[a * n + b];
      s2 += c * c;
      mx = fmax(mx, fabs(c));
    }
  }
  diag->off_rms = n > 1 ? sqrt(s2 / (0.5 * (double) n * (double) (n - 1))) : 0.0;
  diag->off_max = mx;
  diag->norm_min = lo;
  diag->norm_max = hi;
  diag->norm_mean = nm / (double) n;
  diag->norm_sd = sqrt(fmax(0.0, nm2 / (double) n - diag->norm_mean * diag->norm_mean));
  diag->ref = 1.0 / sqrt((double) ds->d);
  return DEQ_SUCCESS;
}

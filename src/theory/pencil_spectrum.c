/* Pencil solver: moments (S25), support edges and the distribution function. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "theory/pencil_impl.h"
#include "core/check.h"

#define MOMENTS_KMAX 1000   /* largest moment order of deq_pencil_moments */

int deq_pencil_moments(deq_pencil *pen, size_t kmax, deq_result *mom)
{
  DEQ_CHECK_NULL(pen, "pen");
  DEQ_CHECK_NULL(mom, "mom");
  DEQ_CHECK(kmax <= MOMENTS_KMAX, "%s: kmax must be <= %d, got %zu", __func__, MOMENTS_KMAX, kmax);
  int N = pen->opts.moment_nodes, status = DEQ_SUCCESS;
  /* Circle through lo - w/4 and hi + w/4 (w = hi - lo): the support stays at a fixed
   * fraction of the radius, so the trapezoid rule converges like 1.5^-N. */
  double w = fmax(pen->hi - pen->lo, 1e-3 * pen->scale);
  double c = 0.5 * (pen->lo + pen->hi), R = 0.75 * w;
  for (size_t k = 0; k <= kmax; k++)
    mom[k].val = mom[k].err = 0.0;
  pen->have_u = 0;
  for (int j = 0; j < N && status == DEQ_SUCCESS; j++) {
    double complex e = cexp(I * (j + 0.5) * M_PI / N), z = c + R * e, zk = 1.0;
    deq_cresult m;
    status = deq_pencil_solve(pen, z, 1, &m, NULL);
    for (size_t k = 0; k <= kmax; k++, zk *= z) {
      mom[k].val -= creal(zk * m.val * R * e) / N;
      mom[k].err += cabs(zk) * R * m.err / N;
    }
  }
  for (size_t k = 0; k <= kmax; k++)
    mom[k].err += 64 * DBL_EPSILON * pow(fabs(c) + R, (double) k);
  if (status)
    DEQ_ERRORF(status, "pencil: moments %s", deq_strerror(status));
  return DEQ_SUCCESS;
}

/* Inside the support at x: Im m exceeds ten times the O(eta) tail eta |m'(x)|. */
static int inside(deq_pencil *pen, double x, int cont, int *status)
{
  double eta = pen->opts.eta_rel * pen->scale;
  deq_cresult m;
  double complex mp;
  *status = deq_pencil_solve(pen, x + I * eta, cont, &m, &mp);
  return cimag(m.val) > 10.0 * eta * cabs(mp) && cimag(m.val) > 1e3 * m.err;
}

static int cmp_double(const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

/* Scan points: uniform on [lo, hi] plus geometric from 1e-7 (hi - lo) above lo. */
static size_t scan_grid(const deq_pencil *pen, double *x, size_t n)
{
  double lo = pen->lo, w = pen->hi - pen->lo;
  size_t nu = 3 * n / 4, ng = n - nu;
  for (size_t i = 0; i < nu; i++)
    x[i] = lo + w * ((double) i + 0.5) / (double) nu;
  for (size_t i = 0; i < ng; i++)
    x[nu + i] = lo + w * 1e-7 * pow(1e7, (double) i / (double) (ng - 1));
  qsort(x, n, sizeof *x, cmp_double);
  return n;
}

/* Bisection on "inside the support".  Newton may fail to converge very close to a
 * square-root edge (the Jacobian is singular there); such a failure only ends the
 * bisection, and counts as a failure while the bracket is still wider than 1e-6 scale
 * (edges feed the default grid and the CDF nodes, where 1e-6 is ample). */
static double bisect_edge(deq_pencil *pen, double a, double b, int a_in, int *status)
{
  for (int it = 0; it < 200 && b - a > 1e-13 * pen->scale; it++) {
    double mid = 0.5 * (a + b);
    int s, in = inside(pen, mid, 0, &s);
    if (s != DEQ_SUCCESS) {
      if (b - a > 1e-6 * pen->scale)
        *status = deq_status_merge(*status, s);
      break;
    }
    if (in == a_in)
      a = mid;
    else
      b = mid;
  }
  return 0.5 * (a + b);
}

int deq_pencil_support(deq_pencil *pen, double *edges, size_t maxint, size_t *nint)
{
  DEQ_CHECK_NULL(pen, "pen");
  DEQ_CHECK_NULL(edges, "edges");
  DEQ_CHECK_NULL(nint, "nint");
  DEQ_CHECK(maxint >= 1 && maxint <= SIZE_MAX / (2 * sizeof(double)),
            "%s: maxint must be >= 1 and fit in memory, got %zu", __func__, maxint);
  size_t n = (size_t) pen->opts.scan_points;
  double *x = malloc(n * sizeof *x);
  if (x == NULL)
    DEQ_ERROR("pencil: out of memory", DEQ_ENOMEM);
  scan_grid(pen, x, n);
  int status = DEQ_SUCCESS, prev = 0;
  size_t ne = 0;
  pen->have_u = 0;
  for (size_t i = 0; i < n; i++) {
    int s, in = inside(pen, x[i], 1, &s);
    status = deq_status_merge(status, s);
    if (in != prev && ne < 2 * maxint) {
      double a = i > 0 ? x[i - 1] : pen->lo;
      edges[ne++] = bisect_edge(pen, a, x[i], prev, &status);
      pen->have_u = 0;
    }
    prev = in;
  }
  if (prev && ne < 2 * maxint)
    edges[ne++] = bisect_edge(pen, x[n - 1], pen->hi + 0.01 * pen->scale, 1, &status);
  free(x);
  *nint = ne / 2;
  if (status)
    DEQ_ERRORF(status, "pencil: support scan %s", deq_strerror(status));
  if (ne % 2 != 0 || ne == 0)
    DEQ_ERROR("pencil: support edges not resolved (raise scan_points)", DEQ_ETOL);
  return DEQ_SUCCESS;
}

#define CDF_MAXATOMS 64

struct deq_cdf {
  size_t n;
  double *x, *F;          /* continuous part, tabulated, F increasing */
  size_t natoms;
  double atom_pos[CDF_MAXATOMS], atom_mass[CDF_MAXATOMS], mass;
};

void deq_cdf_free(deq_cdf *cdf)
{
  if (cdf == NULL)
    return;
  free(cdf->x);
  free(cdf->F);
  free(cdf);
}

/* Cumulative trapezoid of rho on [a, b] under x = a + (b - a)(1 - cos th)/2. */
static int tabulate_interval(deq_pencil *pen, double a, double b, size_t M, double *x,
                             double *F, double F0, deq_result *rho, int *st)
{
  for (size_t i = 0; i <= M; i++)
    x[i] = a + 0.5 * (b - a) * (1 - cos(M_PI * (double) i / (double) M));
  int status = deq_pencil_density(pen, M + 1, x, rho, st);
  double h = M_PI / (double) M, prev = 0;
  F[0] = F0;
  for (size_t i = 1; i <= M; i++) {
    double f = rho[i].val * 0.5 * (b - a) * sin(M_PI * (double) i / (double) M);
    F[i] = F[i - 1] + 0.5 * h * (prev + f);
    prev = f;
  }
  return status;
}

/* One tabulation at the current scan and node counts. */
static int cdf_build(deq_pencil *pen, deq_cdf **out)
{
  enum { MAXINT = 64 };
  double edges[2 * MAXINT];
  size_t nint, M = (size_t) pen->opts.cdf_nodes;
  *out = NULL;
  int status = deq_pencil_support(pen, edges, MAXINT, &nint);
  if (status)
    return status;
  deq_cdf *cdf = calloc(1, sizeof *cdf);
  deq_result *rho = malloc((M + 1) * sizeof *rho);
  int *st = malloc((M + 1) * sizeof *st);
  if (cdf != NULL) {
    cdf->x = malloc(nint * (M + 1) * sizeof *cdf->x);
    cdf->F = malloc(nint * (M + 1) * sizeof *cdf->F);
  }
  if (cdf == NULL || rho == NULL || st == NULL || cdf->x == NULL || cdf->F == NULL) {
    deq_cdf_free(cdf), free(rho), free(st);
    DEQ_ERROR("pencil: out of memory", DEQ_ENOMEM);
  }
  double F0 = 0;
  for (size_t k = 0; k < nint && status == DEQ_SUCCESS; k++) {
    size_t off = k * (M + 1);
    status = tabulate_interval(pen, edges[2 * k], edges[2 * k + 1], M, cdf->x + off,
                               cdf->F + off, F0, rho, st);
    F0 = cdf->F[off + M];
  }
  cdf->n = nint * (M + 1);
  deq_result atoms[CDF_MAXATOMS];
  if (status == DEQ_SUCCESS)
    status = deq_pencil_atoms(pen, CDF_MAXATOMS, cdf->atom_pos, atoms, &cdf->natoms);
  cdf->mass = F0;
  for (size_t k = 0; k < cdf->natoms; k++) {
    cdf->atom_mass[k] = atoms[k].val;
    cdf->mass += atoms[k].val;
  }
  free(rho), free(st);
  *out = cdf;
  return status;
}

/* Tabulate; when the mass check fails (a piece narrower than the scan spacing, or too few
 * nodes at a singular edge), retry twice with 4x the scan points and 2x the nodes. */
int deq_pencil_cdf(deq_pencil *pen, deq_cdf **out)
{
  DEQ_CHECK_NULL(out, "cdf");
  *out = NULL;
  DEQ_CHECK_NULL(pen, "pen");
  deq_opts saved = pen->opts;
  int status = DEQ_SUCCESS;
  *out = NULL;
  for (int attempt = 0; attempt < 3; attempt++) {
    deq_cdf_free(*out);
    status = cdf_build(pen, out);
    if (status || *out == NULL || fabs((*out)->mass - 1) <= 1e-4)
      break;
    pen->opts.scan_points *= 4;
    pen->opts.cdf_nodes *= 2;
  }
  pen->opts = saved;
  if (status)
    return status;
  if (fabs((*out)->mass - 1) > 1e-4)
    DEQ_ERRORF(DEQ_ETOL, "pencil: distribution function has mass %.6f, not 1", (*out)->mass);
  return DEQ_SUCCESS;
}

static double cont_part(const deq_cdf *cdf, double x)
{
  if (cdf->n == 0 || x <= cdf->x[0])
    return 0.0;
  if (x >= cdf->x[cdf->n - 1])
    return cdf->F[cdf->n - 1];
  size_t lo = 0, hi = cdf->n - 1;
  while (hi - lo > 1) {
    size_t mid = (lo + hi) / 2;
    if (cdf->x[mid] <= x)
      lo = mid;
    else
      hi = mid;
  }
  double w = cdf->x[hi] - cdf->x[lo];
  return w > 0 ? cdf->F[lo] + (cdf->F[hi] - cdf->F[lo]) * (x - cdf->x[lo]) / w : cdf->F[hi];
}

static double atoms_below(const deq_cdf *cdf, double x, int closed)
{
  double s = 0.0;
  for (size_t k = 0; k < cdf->natoms; k++)
    if (cdf->atom_pos[k] < x || (closed && cdf->atom_pos[k] == x))
      s += cdf->atom_mass[k];
  return s;
}

double deq_cdf_eval(const deq_cdf *cdf, double x)
{
  DEQ_CHECK_NULL_NAN(cdf, "cdf");
  return cont_part(cdf, x) + atoms_below(cdf, x, 1);
}

double deq_cdf_eval_left(const deq_cdf *cdf, double x)
{
  DEQ_CHECK_NULL_NAN(cdf, "cdf");
  return cont_part(cdf, x) + atoms_below(cdf, x, 0);
}

double deq_cdf_mass(const deq_cdf *cdf)
{
  DEQ_CHECK_NULL_NAN(cdf, "cdf");
  return cdf->mass;
}

/* Pencil solver: moments (ck_ntk S25), support edges and the distribution function. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "core/cdf_impl.h"
#include "theory/pencil/pencil_impl.h"
#include "core/check.h"

#define MOMENTS_KMAX 1000   /* largest moment order of deq_pencil_moments */

/* Moments: the contour circle's radius is at least this many scales (a point mass). */
static const double moment_width_rel = 1e-3;
/* Moments: round-off of the trapezoid sum, in DBL_EPSILON times (|c| + R)^k. */
static const double moment_round_ulps = 64.0;
/* Inside the support: Im m above inside_tail times the O(eta) tail eta |m'| and above
 * inside_err times its error bar. */
static const double inside_tail = 10.0;
static const double inside_err = 1e3;
/* Support scan: the geometric part starts at scan_geom_rel (hi - lo) above lo. */
static const double scan_geom_rel = 1e-7;
/* A bisection that fails within edge_fail_rel scales of the edge still locates it. */
static const double edge_fail_rel = 1e-6;
/* The CDF's mass must be 1 to cdf_mass_tol; cdf_attempts tabulations, each with 4x the scan
 * points and 2x the nodes of the previous. */
static const double cdf_mass_tol = 1e-4;
enum { cdf_attempts = 3 };

int deq_pencil_moments(deq_pencil *pen, size_t kmax, deq_result *mom)
{
  DEQ_CHECK_NULL(pen, "pen");
  DEQ_CHECK_NULL(mom, "mom");
  DEQ_CHECK(kmax <= MOMENTS_KMAX, "%s: kmax must be <= %d, got %zu", __func__, MOMENTS_KMAX, kmax);
  int N = pen->opts.moment_nodes, status = DEQ_SUCCESS;
  /* Circle through lo - w/4 and hi + w/4 (w = hi - lo): the support stays at a fixed
   * fraction of the radius, so the trapezoid rule converges like 1.5^-N. */
  double w = fmax(pen->hi - pen->lo, moment_width_rel * pen->scale);
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
    mom[k].err += moment_round_ulps * DBL_EPSILON * pow(fabs(c) + R, (double) k);
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
  return cimag(m.val) > inside_tail * eta * cabs(mp) && cimag(m.val) > inside_err * m.err;
}

static int cmp_double(const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

/* Scan points: uniform on [lo, hi] plus geometric from scan_geom_rel (hi - lo) above lo. */
static size_t scan_grid(const deq_pencil *pen, double *x, size_t n)
{
  double lo = pen->lo, w = pen->hi - pen->lo;
  size_t nu = 3 * n / 4, ng = n - nu;
  for (size_t i = 0; i < nu; i++)
    x[i] = lo + w * ((double) i + 0.5) / (double) nu;
  for (size_t i = 0; i < ng; i++)
    x[nu + i] = lo + w * scan_geom_rel * pow(1.0 / scan_geom_rel, (double) i / (double) (ng - 1));
  qsort(x, n, sizeof *x, cmp_double);
  return n;
}

typedef struct {
  deq_pencil *pen;
  int a_in;      /* "inside" at the lower end of the bracket */
} edge_point;

/* -1 on the side of the lower end, +1 on the other, for the bisection solver. */
static int edge_fn(const double complex *x, void *params, double complex *F, double complex *J)
{
  (void) J;
  edge_point *e = params;
  int s, in = inside(e->pen, creal(x[0]), 0, &s);
  F[0] = in == e->a_in ? -1.0 : 1.0;
  return s;
}

/* Bisection on "inside the support" (bisect_tol_rel, bisect_max_iter).  Newton may fail to
 * converge very close to a square-root edge (the Jacobian is singular there); such a failure
 * only ends the bisection, and counts as a failure while the bracket is still wider than
 * edge_fail_rel scales (edges feed the default grid and the CDF nodes, where that is ample). */
static double bisect_edge(deq_pencil *pen, double a, double b, int a_in, int *status)
{
  edge_point e = { pen, a_in };
  double complex x[2] = { a, b };
  deq_solver_set_scale(pen->bis, pen->scale);
  int s = deq_solver_solve(pen->bis, edge_fn, &e, &pen->opts, x);
  if (s != DEQ_SUCCESS && pen->bis->hi - pen->bis->lo > edge_fail_rel * pen->scale)
    *status = deq_status_merge(*status, s);
  return 0.5 * (pen->bis->lo + pen->bis->hi);
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
  deq_cdf *cdf = deq_cdf_alloc(nint * (M + 1));
  deq_result *rho = malloc((M + 1) * sizeof *rho);
  int *st = malloc((M + 1) * sizeof *st);
  if (cdf == NULL || rho == NULL || st == NULL) {
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
  deq_result atoms[DEQ_CDF_MAXATOMS];
  if (status == DEQ_SUCCESS)
    status = deq_pencil_atoms(pen, DEQ_CDF_MAXATOMS, cdf->atom_pos, atoms, &cdf->natoms);
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
  for (int attempt = 0; attempt < cdf_attempts; attempt++) {
    deq_cdf_free(*out);
    status = cdf_build(pen, out);
    if (status || *out == NULL || fabs((*out)->mass - 1) <= cdf_mass_tol)
      break;
    pen->opts.scan_points *= 4;
    pen->opts.cdf_nodes *= 2;
  }
  pen->opts = saved;
  if (status)
    return status;
  if (fabs((*out)->mass - 1) > cdf_mass_tol)
    DEQ_ERRORF(DEQ_ETOL, "pencil: distribution function has mass %.6f, not 1", (*out)->mass);
  return DEQ_SUCCESS;
}

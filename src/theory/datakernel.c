/* The expected first-layer kernel on data and its spectrum (deqnn/datakernel.h,
 * docs/data.md). */
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <lapacke.h>
#include <gsl/gsl_integration.h>
#include "core/check.h"
#include "deqnn/datakernel.h"

/* Safety factor of the table's error bound over the measured end-interval midpoint error
 * and the quadrature difference (docs/data.md "Table error"). */
#define DK_ERR_SAFETY 2.0
/* Round-off allowance of a closed form, in units of eps times the entry's scale. */
#define DK_ROUND 16.0
/* Relative slack of |c| <= sqrt(q_a q_b) before an argument is refused (clamped inside). */
#define DK_CS_SLACK 1e-12

typedef enum { DK_ANY, DK_HERMITE, DK_TABLE } dk_route;

struct deq_datakernel {
  deq_act act;
  deq_act_fw fw;
  dk_route route;
  double c2[4];                 /* DK_HERMITE: squared Hermite coefficients / scale^2 */
  double h;                     /* table spacing */
  double k[DEQ_DATAKERNEL_TABLE_NODES], dk[DEQ_DATAKERNEL_TABLE_NODES];
  double err;                   /* error bound of an entry */
};

typedef struct {
  size_t n;
  double x[2 * DEQ_DATAKERNEL_GH_NODES], w[2 * DEQ_DATAKERNEL_GH_NODES];
} gh_rule;

/* Gauss-Hermite rule for E g(G), G ~ N(0, 1) (GSL fixed rule, weight exp(-x^2/2)). */
static int gh_init(size_t n, gh_rule *r)
{
  gsl_integration_fixed_workspace *w =
      gsl_integration_fixed_alloc(gsl_integration_fixed_hermite, n, 0.0, 0.5, 0.0, 0.0);
  if (w == NULL)
    DEQ_ERROR("datakernel: out of memory for the Gauss-Hermite rule", DEQ_ENOMEM);
  const double *x = gsl_integration_fixed_nodes(w), *wt = gsl_integration_fixed_weights(w);
  r->n = n;
  for (size_t i = 0; i < n; i++) {
    r->x[i] = x[i];
    r->w[i] = wt[i] / sqrt(2.0 * M_PI);
  }
  gsl_integration_fixed_free(w);
  return DEQ_SUCCESS;
}

/* E sigma(u) sigma(v) and E sigma'(u) sigma'(v), (u, v) standard with correlation rho: the
 * inner sums over the nodes of v = rho u + s x_j through deq_act_apply (f and f' in one
 * vectorised pass), the outer ones over u = x_i. */
static void gh_pair(const deq_datakernel *dk, const gh_rule *r, double rho, double *k,
                    double *kp)
{
  double s = sqrt(fmax(0.0, 1.0 - rho * rho)), sh = dk->fw.shift, sc = dk->fw.scale;
  double a = 0, b = 0, v[2 * DEQ_DATAKERNEL_GH_NODES], y[2 * DEQ_DATAKERNEL_GH_NODES];
  double dy[2 * DEQ_DATAKERNEL_GH_NODES], fu[2 * DEQ_DATAKERNEL_GH_NODES];
  double du[2 * DEQ_DATAKERNEL_GH_NODES];
  deq_act_apply(&dk->act, sh, 1.0, r->n, r->x, fu, du);
  for (size_t i = 0; i < r->n; i++) {
    double u = r->x[i], in = 0, inp = 0;
    for (size_t j = 0; j < r->n; j++)
      v[j] = rho * u + s * r->x[j];
    deq_act_apply(&dk->act, sh, 1.0, r->n, v, y, dy);
    for (size_t j = 0; j < r->n; j++) {
      in += r->w[j] * y[j];
      inp += r->w[j] * dy[j];
    }
    a += r->w[i] * fu[i] * in;
    b += r->w[i] * du[i] * inp;
  }
  *k = a / (sc * sc);
  *kp = b / (sc * sc);
}

static double table_interp(const deq_datakernel *dk, double rho)
{
  double t = (rho + 1.0) / dk->h;
  size_t i = t <= 0 ? 0 : (size_t) t;
  if (i > DEQ_DATAKERNEL_TABLE_NODES - 2)
    i = DEQ_DATAKERNEL_TABLE_NODES - 2;
  t -= (double) i;
  double t2 = t * t, t3 = t2 * t;
  return (2 * t3 - 3 * t2 + 1) * dk->k[i] + (t3 - 2 * t2 + t) * dk->h * dk->dk[i]
         + (3 * t2 - 2 * t3) * dk->k[i + 1] + (t3 - t2) * dk->h * dk->dk[i + 1];
}

/* The table and its error bound: midpoints of the two end intervals against the rule, and
 * the rule against twice its nodes at rho = -1, -0.5, 0, 0.5, 1. */
static int table_build(deq_datakernel *dk)
{
  gh_rule *r = malloc(2 * sizeof *r);
  if (r == NULL || gh_init(DEQ_DATAKERNEL_GH_NODES, &r[0])
      || gh_init(2 * DEQ_DATAKERNEL_GH_NODES, &r[1])) {
    free(r);
    DEQ_ERROR("datakernel: out of memory for the table", DEQ_ENOMEM);
  }
  dk->h = 2.0 / (DEQ_DATAKERNEL_TABLE_NODES - 1);
  for (size_t i = 0; i < DEQ_DATAKERNEL_TABLE_NODES; i++)
    gh_pair(dk, &r[0], fmin(1.0, -1.0 + (double) i * dk->h), &dk->k[i], &dk->dk[i]);
  double emid = 0, equad = 0, k, kp, k2, kp2;
  const double mids[2] = { -1.0 + 0.5 * dk->h, 1.0 - 0.5 * dk->h };
  for (size_t m = 0; m < 2; m++) {
    gh_pair(dk, &r[0], mids[m], &k, &kp);
    emid = fmax(emid, fabs(table_interp(dk, mids[m]) - k));
  }
  for (int m = -2; m <= 2; m++) {
    gh_pair(dk, &r[0], 0.5 * m, &k, &kp);
    gh_pair(dk, &r[1], 0.5 * m, &k2, &kp2);
    equad = fmax(equad, fabs(k - k2));
  }
  free(r);
  dk->err = DK_ERR_SAFETY * (emid + equad) + DK_ROUND * DBL_EPSILON;
  if (!isfinite(dk->err) || !isfinite(dk->k[0]) || !isfinite(dk->k[DEQ_DATAKERNEL_TABLE_NODES - 1]))
    DEQ_ERROR("datakernel: non-finite value in the kernel table", DEQ_EBADFUNC);
  return DEQ_SUCCESS;
}

static int plan_route(deq_datakernel *dk, const deq_opts *opts)
{
  switch (dk->act.kind) {
  case DEQ_ACT_LINEAR: case DEQ_ACT_RELU: case DEQ_ACT_ERF:
    dk->route = DK_ANY;
    dk->err = 0.0;
    return DEQ_SUCCESS;
  case DEQ_ACT_HE2: case DEQ_ACT_POLY: {
    deq_result h[4];
    int s = deq_act_hermite(&dk->act, 3, opts, h);
    for (size_t j = 1; j <= 3 && !s; j++)
      dk->c2[j] = h[j].val * h[j].val / (dk->fw.scale * dk->fw.scale);
    dk->route = DK_HERMITE;
    dk->err = 0.0;
    return s;
  }
  default:
    dk->route = DK_TABLE;
    return table_build(dk);
  }
}

int deq_datakernel_alloc(const deq_act *act, const deq_opts *opts, deq_datakernel **out)
{
  DEQ_CHECK_NULL(out, "dk");
  *out = NULL;
  DEQ_CHECK_NULL(act, "act");
  int s = deq_act_check_domain(act, "act");
  if (s)
    return s;
  deq_datakernel *dk = calloc(1, sizeof *dk);
  if (dk == NULL)
    DEQ_ERROR("datakernel: out of memory", DEQ_ENOMEM);
  dk->act = *act;
  s = deq_act_fw_constants(act, opts, &dk->fw);
  if (!s)
    s = plan_route(dk, opts);
  if (s) {
    free(dk);
    return s;
  }
  *out = dk;
  return DEQ_SUCCESS;
}

void deq_datakernel_free(deq_datakernel *dk)
{
  free(dk);
}

int deq_datakernel_any_norm(const deq_datakernel *dk)
{
  DEQ_REQUIRE_RET(dk != NULL, -1, "%s: dk must not be NULL", __func__);
  return dk->route == DK_ANY;
}

/* The closed forms for any norms; c already clamped to |c| <= sqrt(qa qb). */
static double closed_any(const deq_datakernel *dk, double qa, double qb, double c)
{
  double sh = dk->fw.shift, s2 = dk->fw.scale * dk->fw.scale, ra = sqrt(qa), rb = sqrt(qb);
  switch (dk->act.kind) {
  case DEQ_ACT_LINEAR:
    return c;
  case DEQ_ACT_RELU: {
    double ff = 0;
    if (ra * rb > 0) {
      double cs = fmax(-1.0, fmin(1.0, c / (ra * rb))), t = acos(cs);
      ff = ra * rb / (2 * M_PI) * (sin(t) + (M_PI - t) * cs);
    }
    return (ff - sh * (ra + rb) / sqrt(2 * M_PI) + sh * sh) / s2;
  }
  default: {   /* erf */
    double arg = 2 * c / sqrt((1 + 2 * qa) * (1 + 2 * qb));
    return 2 / M_PI * asin(fmax(-1.0, fmin(1.0, arg))) / s2;
  }
  }
}

static double unit_kernel(const deq_datakernel *dk, double rho)
{
  if (dk->route == DK_HERMITE)
    return ((dk->c2[3] * rho + dk->c2[2]) * rho + dk->c2[1]) * rho;
  return table_interp(dk, rho);
}

static int eval_checked(const deq_datakernel *dk, double qa, double qb, double c,
                        deq_result *k)
{
  double lim = sqrt(qa * qb) * (1 + DK_CS_SLACK);
  c = fmax(-lim, fmin(lim, c));
  if (dk->route == DK_ANY) {
    k->val = closed_any(dk, qa, qb, c);
    k->err = DK_ROUND * DBL_EPSILON * (fabs(k->val) + 1 + fmax(qa, qb));
    return DEQ_SUCCESS;
  }
  if (!(fabs(qa - 1) <= DEQ_DATAKERNEL_UNIT_TOL && fabs(qb - 1) <= DEQ_DATAKERNEL_UNIT_TOL)) {
    char name[64];
    deq_act_name(&dk->act, name, sizeof name);
    DEQ_ERRORF(DEQ_EINVAL, "datakernel: %s needs unit-norm inputs (squared norms %.17g, %.17g; "
               "closed forms for any norms: linear, relu, erf)", name, qa, qb);
  }
  k->val = unit_kernel(dk, fmax(-1.0, fmin(1.0, c)));
  k->err = dk->err + DK_ROUND * DBL_EPSILON;
  return DEQ_SUCCESS;
}

int deq_datakernel_eval(const deq_datakernel *dk, double qa, double qb, double c,
                        deq_result *k)
{
  DEQ_CHECK_NULL(dk, "dk");
  DEQ_CHECK_NULL(k, "k");
  k->val = NAN;
  k->err = INFINITY;
  DEQ_CHECK(qa >= 0 && qb >= 0 && isfinite(qa) && isfinite(qb) && isfinite(c),
            "%s: need finite q_a, q_b >= 0 and finite c, got %g, %g, %g", __func__, qa, qb, c);
  DEQ_CHECK(fabs(c) <= sqrt(qa * qb) * (1 + DK_CS_SLACK) + DBL_MIN,
            "%s: |c| = %g exceeds sqrt(q_a q_b) = %g (not a Gram matrix)", __func__, fabs(c),
            sqrt(qa * qb));
  return eval_checked(dk, qa, qb, c, k);
}

static int matrix_check(const deq_datakernel *dk, size_t n, const double *G)
{
  for (size_t a = 0; a < n * n; a++)
    DEQ_CHECK(isfinite(G[a]), "deq_datakernel_matrix: G[%zu][%zu] = %g is not finite", a / n,
              a % n, G[a]);
  if (dk->route == DK_ANY)
    return DEQ_SUCCESS;
  for (size_t a = 0; a < n; a++) {
    deq_result k;
    int s = eval_checked(dk, G[a * n + a], G[a * n + a], G[a * n + a], &k);
    if (s)
      return s;
  }
  return DEQ_SUCCESS;
}

int deq_datakernel_matrix(const deq_datakernel *dk, size_t n, double *G, double *err)
{
  DEQ_CHECK_NULL(dk, "dk");
  DEQ_CHECK_NULL(G, "G");
  DEQ_CHECK_NULL(err, "err");
  DEQ_CHECK(n >= 1 && n <= (size_t) INT_MAX, "%s: need 1 <= n <= %d, got %zu", __func__,
            INT_MAX, n);
  int s = matrix_check(dk, n, G);
  if (s)
    return s;
  double e = 0;
  for (size_t a = 0; a < n; a++) {
    double qa = G[a * n + a];
    for (size_t b = a + 1; b < n; b++) {
      deq_result k = { 0.0, 0.0 };
      eval_checked(dk, qa, G[b * n + b], G[a * n + b], &k);
      G[a * n + b] = G[b * n + a] = k.val;
      e = fmax(e, k.err);
    }
  }
  for (size_t a = 0; a < n; a++) {   /* the diagonal last: the loop above reads it */
    deq_result k = { 0.0, 0.0 };
    if (dk->route == DK_ANY)
      eval_checked(dk, G[a * n + a], G[a * n + a], G[a * n + a], &k);
    else
      k.val = 1.0, k.err = 0.0;   /* E sigma(G)^2 = 1 exactly (normalised sigma) */
    G[a * n + a] = k.val;
    e = fmax(e, k.err);
  }
  *err = e;
  return DEQ_SUCCESS;
}

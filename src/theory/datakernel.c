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
  double d2k[DEQ_DATAKERNEL_TABLE_NODES];   /* k'' = E sigma'' sigma'' (Price) */
  double err;                   /* error bound of an entry */
  double derr;                  /* error bound of an entry of the derivative kernel */
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

/* f'' from f and f' for the table activations (the only ones with a table): tanh
 * -2 f f', sigmoid f' (1 - 2 f), softplus f' (1 - f') (f' is the logistic function). */
static void second_deriv(const deq_act *act, size_t n, const double *f, const double *fp,
                         double *fpp)
{
  for (size_t i = 0; i < n; i++)
    fpp[i] = act->kind == DEQ_ACT_TANH ? -2 * f[i] * fp[i]
             : act->kind == DEQ_ACT_SIGMOID ? fp[i] * (1 - 2 * f[i]) : fp[i] * (1 - fp[i]);
}

/* E sigma(u) sigma(v), E sigma'(u) sigma'(v) and E sigma''(u) sigma''(v) (= k, k', k'' by
 * Price's theorem), (u, v) standard with correlation rho: the inner sums over the nodes of
 * v = rho u + s x_j through deq_act_apply (f and f' in one vectorised pass), the outer ones
 * over u = x_i.  f is the unnormalised activation (shift in deq_act_apply). */
static void gh_pair(const deq_datakernel *dk, const gh_rule *r, double rho, double *k)
{
  enum { M = 2 * DEQ_DATAKERNEL_GH_NODES };
  double s = sqrt(fmax(0.0, 1.0 - rho * rho)), sh = dk->fw.shift, sc = dk->fw.scale;
  double acc[3] = { 0, 0, 0 }, v[M], fv[M], dv[M], d2v[M], fu[M], du[M], d2u[M];
  deq_act_apply(&dk->act, 0.0, 1.0, r->n, r->x, fu, du);
  second_deriv(&dk->act, r->n, fu, du, d2u);
  for (size_t i = 0; i < r->n; i++) {
    double u = r->x[i], in[3] = { 0, 0, 0 };
    for (size_t j = 0; j < r->n; j++)
      v[j] = rho * u + s * r->x[j];
    deq_act_apply(&dk->act, 0.0, 1.0, r->n, v, fv, dv);
    second_deriv(&dk->act, r->n, fv, dv, d2v);
    for (size_t j = 0; j < r->n; j++) {
      in[0] += r->w[j] * (fv[j] - sh);
      in[1] += r->w[j] * dv[j];
      in[2] += r->w[j] * d2v[j];
    }
    acc[0] += r->w[i] * (fu[i] - sh) * in[0];
    acc[1] += r->w[i] * du[i] * in[1];
    acc[2] += r->w[i] * d2u[i] * in[2];
  }
  for (size_t m = 0; m < 3; m++)
    k[m] = acc[m] / (sc * sc);
}

/* Cubic Hermite interpolation of the tabulated f (values f, derivatives fp) at rho. */
static double hermite_interp(const deq_datakernel *dk, const double *f, const double *fp,
                             double rho)
{
  double t = (rho + 1.0) / dk->h;
  size_t i = t <= 0 ? 0 : (size_t) t;
  if (i > DEQ_DATAKERNEL_TABLE_NODES - 2)
    i = DEQ_DATAKERNEL_TABLE_NODES - 2;
  t -= (double) i;
  double t2 = t * t, t3 = t2 * t;
  return (2 * t3 - 3 * t2 + 1) * f[i] + (t3 - 2 * t2 + t) * dk->h * fp[i]
         + (3 * t2 - 2 * t3) * f[i + 1] + (t3 - t2) * dk->h * fp[i + 1];
}

static double table_interp(const deq_datakernel *dk, double rho)
{
  return hermite_interp(dk, dk->k, dk->dk, rho);
}

/* The error bound of one table (f with derivative table fp; m = 0 for k, 1 for k'): the
 * midpoints of the two end intervals against the rule, and the rule against twice its
 * nodes at rho = -1, -0.5, 0, 0.5, 1. */
static double table_error(const deq_datakernel *dk, const gh_rule *r, const double *f,
                          const double *fp, size_t m)
{
  double emid = 0, equad = 0, k[3], k2[3];
  const double mids[2] = { -1.0 + 0.5 * dk->h, 1.0 - 0.5 * dk->h };
  for (size_t j = 0; j < 2; j++) {
    gh_pair(dk, &r[0], mids[j], k);
    emid = fmax(emid, fabs(hermite_interp(dk, f, fp, mids[j]) - k[m]));
  }
  for (int j = -2; j <= 2; j++) {
    gh_pair(dk, &r[0], 0.5 * j, k);
    gh_pair(dk, &r[1], 0.5 * j, k2);
    equad = fmax(equad, fabs(k[m] - k2[m]));
  }
  return DK_ERR_SAFETY * (emid + equad) + DK_ROUND * DBL_EPSILON;
}

/* The tables of k, k' and k'' and the error bounds of the interpolants of k (from k, k')
 * and of k' (from k', k''). */
static int table_build(deq_datakernel *dk)
{
  gh_rule *r = malloc(2 * sizeof *r);
  if (r == NULL || gh_init(DEQ_DATAKERNEL_GH_NODES, &r[0])
      || gh_init(2 * DEQ_DATAKERNEL_GH_NODES, &r[1])) {
    free(r);
    DEQ_ERROR("datakernel: out of memory for the table", DEQ_ENOMEM);
  }
  dk->h = 2.0 / (DEQ_DATAKERNEL_TABLE_NODES - 1);
  for (size_t i = 0; i < DEQ_DATAKERNEL_TABLE_NODES; i++) {
    double k[3];
    gh_pair(dk, &r[0], fmin(1.0, -1.0 + (double) i * dk->h), k);
    dk->k[i] = k[0], dk->dk[i] = k[1], dk->d2k[i] = k[2];
  }
  dk->err = table_error(dk, r, dk->k, dk->dk, 0);
  dk->derr = table_error(dk, r, dk->dk, dk->d2k, 1);
  free(r);
  if (!isfinite(dk->err) || !isfinite(dk->derr) || !isfinite(dk->k[0])
      || !isfinite(dk->k[DEQ_DATAKERNEL_TABLE_NODES - 1]))
    DEQ_ERROR("datakernel: non-finite value in the kernel table", DEQ_EBADFUNC);
  return DEQ_SUCCESS;
}

static int plan_route(deq_datakernel *dk, const deq_opts *opts)
{
  switch (dk->act.kind) {
  case DEQ_ACT_LINEAR: case DEQ_ACT_RELU: case DEQ_ACT_ERF:
    dk->route = DK_ANY;
    dk->err = dk->derr = 0.0;
    return DEQ_SUCCESS;
  case DEQ_ACT_HE2: case DEQ_ACT_POLY: {
    deq_result h[4];
    int s = deq_act_hermite(&dk->act, 3, opts, h);
    for (size_t j = 1; j <= 3 && !s; j++)
      dk->c2[j] = h[j].val * h[j].val / (dk->fw.scale * dk->fw.scale);
    dk->route = DK_HERMITE;
    dk->err = dk->derr = 0.0;
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

double deq_datakernel_b(const deq_datakernel *dk)
{
  DEQ_CHECK_NULL_NAN(dk, "dk");
  return dk->fw.b.val;
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

/* The expected derivative kernel E sigma'(u) sigma'(v) in closed form, for any norms:
 * linear 1; relu P(u > 0, v > 0)/scale^2 = (pi - t)/(2 pi scale^2) (zero norms: t = pi/2);
 * erf (4/pi) / sqrt((1 + 2 q_a)(1 + 2 q_b) - 4 c^2) / scale^2 (E exp(-u^2 - v^2)). */
static double closed_any_deriv(const deq_datakernel *dk, double qa, double qb, double c)
{
  double s2 = dk->fw.scale * dk->fw.scale, ra = sqrt(qa), rb = sqrt(qb);
  switch (dk->act.kind) {
  case DEQ_ACT_LINEAR:
    return 1.0;
  case DEQ_ACT_RELU: {
    double t = ra * rb > 0 ? acos(fmax(-1.0, fmin(1.0, c / (ra * rb)))) : 0.5 * M_PI;
    return (M_PI - t) / (2 * M_PI) / s2;
  }
  default:   /* erf */
    return 4 / M_PI / sqrt(fmax(DBL_MIN, (1 + 2 * qa) * (1 + 2 * qb) - 4 * c * c)) / s2;
  }
}

/* k'(rho) for unit norms: the Hermite series' derivative, or the cubic Hermite interpolant
 * of the k' table with the k'' table as its derivatives (bound as for k: docs/data.md
 * "Derivative kernel"). */
static double unit_kernel_deriv(const deq_datakernel *dk, double rho)
{
  if (dk->route == DK_HERMITE)
    return (3 * dk->c2[3] * rho + 2 * dk->c2[2]) * rho + dk->c2[1];
  return hermite_interp(dk, dk->dk, dk->d2k, rho);
}

static double unit_kernel(const deq_datakernel *dk, double rho)
{
  if (dk->route == DK_HERMITE)
    return ((dk->c2[3] * rho + dk->c2[2]) * rho + dk->c2[1]) * rho;
  return table_interp(dk, rho);
}

/* k (deriv = 0) or k' (deriv = 1) for one pair; c is clamped to |c| <= sqrt(qa qb). */
static int eval_checked(const deq_datakernel *dk, double qa, double qb, double c, int deriv,
                        deq_result *k)
{
  double lim = sqrt(qa * qb) * (1 + DK_CS_SLACK);
  c = fmax(-lim, fmin(lim, c));
  if (dk->route == DK_ANY) {
    k->val = deriv ? closed_any_deriv(dk, qa, qb, c) : closed_any(dk, qa, qb, c);
    k->err = DK_ROUND * DBL_EPSILON * (fabs(k->val) + 1 + fmax(qa, qb));
    return DEQ_SUCCESS;
  }
  if (!(fabs(qa - 1) <= DEQ_DATAKERNEL_UNIT_TOL && fabs(qb - 1) <= DEQ_DATAKERNEL_UNIT_TOL)) {
    char name[64];
    deq_act_name(&dk->act, name, sizeof name);
    DEQ_ERRORF(DEQ_EINVAL, "datakernel: %s needs unit-norm inputs (squared norms %.17g, %.17g; "
               "closed forms for any norms: linear, relu, erf)", name, qa, qb);
  }
  double rho = fmax(-1.0, fmin(1.0, c));
  k->val = deriv ? unit_kernel_deriv(dk, rho) : unit_kernel(dk, rho);
  k->err = (deriv ? dk->derr : dk->err) + DK_ROUND * DBL_EPSILON;
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
  return eval_checked(dk, qa, qb, c, 0, k);
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
    int s = eval_checked(dk, G[a * n + a], G[a * n + a], G[a * n + a], 0, &k);
    if (s)
      return s;
  }
  return DEQ_SUCCESS;
}

/* In place: G -> k(G) (deriv = 0) or k'(G) (deriv = 1), entrywise with the pair's norms. */
static int kernel_matrix(const deq_datakernel *dk, size_t n, double *G, int deriv, double *err)
{
  DEQ_CHECK_NULL(dk, "dk");
  DEQ_CHECK_NULL(G, "G");
  DEQ_CHECK_NULL(err, "err");
  DEQ_CHECK(n >= 1 && n <= (size_t) INT_MAX, "datakernel: need 1 <= n <= %d, got %zu",
            INT_MAX, n);
  int s = matrix_check(dk, n, G);
  if (s)
    return s;
  double e = 0;
  for (size_t a = 0; a < n; a++) {
    double qa = G[a * n + a];
    for (size_t b = a + 1; b < n; b++) {
      deq_result k = { 0.0, 0.0 };
      eval_checked(dk, qa, G[b * n + b], G[a * n + b], deriv, &k);
      G[a * n + b] = G[b * n + a] = k.val;
      e = fmax(e, k.err);
    }
  }
  for (size_t a = 0; a < n; a++) {   /* the diagonal last: the loop above reads it */
    deq_result k = { 0.0, 0.0 };
    if (dk->route == DK_ANY)
      eval_checked(dk, G[a * n + a], G[a * n + a], G[a * n + a], deriv, &k);
    else if (deriv)   /* k'(1) = E sigma'(G)^2 = a */
      k.val = unit_kernel_deriv(dk, 1.0), k.err = dk->derr;
    else
      k.val = 1.0, k.err = 0.0;   /* E sigma(G)^2 = 1 exactly (normalised sigma) */
    G[a * n + a] = k.val;
    e = fmax(e, k.err);
  }
  *err = e;
  return DEQ_SUCCESS;
}

int deq_datakernel_matrix(const deq_datakernel *dk, size_t n, double *G, double *err)
{
  return kernel_matrix(dk, n, G, 0, err);
}

int deq_datakernel_deriv_matrix(const deq_datakernel *dk, size_t n, double *G, double *err)
{
  return kernel_matrix(dk, n, G, 1, err);
}

/* Bulk spectrum of the spiked RF model with K >= 2 spike groups (spiked_finite_support F3-F8):
 * the group-resolved unknowns (upper triangle of V1, V2), solved by complex Newton through the
 * solver driver with the Jacobian from the kappa sums (dS/dV = -E[w^2 g g^T]) and the exact
 * directional derivative of the K x K algebra of F6; continuation and error bars as the
 * constant spike's (spiked_bulk.c).
 *
 * The kappa sums are matrix products over the nodes (cblas_dgemm, also for matrix-vector
 * products: OpenBLAS runs dgemm below m n k = 2^18 on one thread, dgemv above m n = 9216 on
 * all, so these shapes (K <= 6) are computed the same way whatever the BLAS thread count). */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cblas.h>
#include "theory/spiked_impl.h"

/* Continuation in Im z (spiked_finite_support section 9, as spiked_bulk.c). */
static const double ladder_factor = 10.0;
static const double ladder_min_factor = 1.05;
static const double ladder_floor_rel = 1e-9;
static const double warm_radius_rel = 0.25;
/* No attracting-root test here: the constant spike's (spiked_bulk.c: radius of dT/dV < 1 at
 * the physical root) does not hold for the map of F6, whose physical roots reach a radius of 6
 * (measured; tanh, psi = 0.1 was refused at 0.57 < x < 0.59 inside the bulk), and the walks
 * up and down a grid agree with the constant spike without it (test_group_walk). */
/* Rounding allowance of the kappa sums and of the algebra, in ulps. */
static const double bulk_round_ulps = 64.0;
/* Density height relative to the bulk mean and the factor on its bias (as spiked_bulk.c). */

/* What gwork holds: the node weights (F4) of rule R at V and the sums S there.  Newton
 * evaluates F at an iterate and then its Jacobian at the same iterate, and the error bar
 * the Jacobian at the root: the second call reuses the first's node weights and sums. */
struct srf_gmemo {
  const srf_rule *R;           /* NULL: nothing held */
  double complex V[SRF_MAX_UNK], S[SRF_MAX_UNK];
};

/* The table of pair products g_Y g_Z (Z >= Y) is kept when it takes at most this many bytes
 * per rule (K <= 6 at 240 panels); larger K weight a copy of gY per Jacobian instead. */
static const size_t pair_table_max_bytes = (size_t) 16 << 20;

static void fill_table(deq_srf_plan *plan, srf_rule *R)
{
  size_t nu = plan->nunk, K = plan->ngroups, n = R->n;
  for (size_t i = 0; i < n; i++) {
    for (size_t Y = 0; Y < nu; Y++) {
      size_t k = plan->uk[Y], l = plan->ul[Y];
      R->gY[Y * n + i] = l == K ? R->g[k].B[i] : R->g[k].mu1[i] * R->g[l].mu1[i];
    }
    for (size_t k = 0; k < K; k++)
      R->gM[k * n + i] = R->g[k].mu0[i], R->gM[(K + k) * n + i] = R->g[k].mu1[i];
    R->gM[2 * K * n + i] = R->h[i], R->gM[(2 * K + 1) * n + i] = R->h1[i];
  }
  for (size_t Y = 0, c = 0; R->gP != NULL && Y < nu; Y++)
    for (size_t Z = Y; Z < nu; Z++, c++)
      for (size_t i = 0; i < n; i++)
        R->gP[c * n + i] = R->gY[Y * n + i] * R->gY[Z * n + i];
}

int deq_srf_groups_init(deq_srf_plan *plan)
{
  size_t K = plan->full.ngroups, Y = 0;
  plan->ngroups = K;
  for (size_t k = 0; k < K; k++)
    for (size_t l = k; l < K; l++, Y++)
      plan->uk[Y] = k, plan->ul[Y] = l, plan->mult[Y] = k == l ? 1.0 : 2.0;
  for (size_t k = 0; k < K; k++, Y++)
    plan->uk[Y] = k, plan->ul[Y] = K, plan->mult[Y] = 1.0;
  plan->nunk = Y;
  plan->full.gM = malloc((2 * K + 2) * plan->full.n * sizeof *plan->full.gM);
  plan->half.gM = malloc((2 * K + 2) * plan->half.n * sizeof *plan->half.gM);
  plan->gT = malloc(2 * Y * plan->full.n * sizeof *plan->gT);
  size_t np = Y * (Y + 1) / 2;
  if (np * plan->full.n * sizeof(double) <= pair_table_max_bytes) {
    plan->full.gP = malloc(np * plan->full.n * sizeof *plan->full.gP);
    plan->half.gP = malloc(np * plan->half.n * sizeof *plan->half.gP);
    if (plan->full.gP == NULL || plan->half.gP == NULL)
      DEQ_ERROR("spiked: out of memory for the group tables", DEQ_ENOMEM);
  }
  if (plan->full.gM == NULL || plan->half.gM == NULL || plan->gT == NULL)
    DEQ_ERROR("spiked: out of memory for the group tables", DEQ_ENOMEM);
  fill_table(plan, &plan->full);
  fill_table(plan, &plan->half);
  plan->gnewton = deq_solver_alloc(deq_solver_newton, Y);
  plan->last_Vg = calloc(3 * Y + 2 * Y * Y, sizeof *plan->last_Vg);
  plan->gmemo = calloc(1, sizeof *plan->gmemo);
  plan->gR = malloc(3 * Y * Y * sizeof *plan->gR);
  plan->gHr = plan->gR == NULL ? NULL : plan->gR + Y * Y;
  plan->gwork = malloc(7 * plan->full.n * sizeof *plan->gwork);
  plan->grwork = malloc(8 * plan->full.n * sizeof *plan->grwork);
  if (plan->gnewton == NULL || plan->last_Vg == NULL || plan->gR == NULL || plan->gwork == NULL
      || plan->grwork == NULL || plan->gmemo == NULL)
    DEQ_ERROR("spiked: out of memory for the group solver", DEQ_ENOMEM);
  plan->last_dVg = plan->last_Vg + Y;
  plan->gH = plan->last_Vg + 2 * Y;
  plan->gJ = plan->gH + Y * Y;
  plan->last2_Vg = plan->gJ + Y * Y;
  return DEQ_SUCCESS;
}

double complex deq_srf_gm(const deq_srf_plan *plan, const srf_ratios *q, const double complex *V)
{
  double complex s = 0;
  for (size_t Y = 0; Y < plan->nunk; Y++)
    if (plan->ul[Y] == plan->ngroups)
      s += V[Y];
  return s / q->psi;
}

void deq_srf_gw(const deq_srf_plan *plan, const srf_rule *R, const double *V, double *w)
{
  size_t n = R->n, nu = plan->nunk;
  double v[SRF_MAX_UNK];
  for (size_t Y = 0; Y < nu; Y++)
    v[Y] = plan->mult[Y] * V[Y];
  for (size_t i = 0; i < n; i++)
    w[i] = 1;
  cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int) n, 1, (int) nu, 1.0, R->gY,
              (int) n, v, (int) nu, 1.0, w, (int) n);
#pragma omp simd
  for (size_t i = 0; i < n; i++)
    w[i] = 1 / w[i];
}

/* Per node: d = 1 + delta (F4; dr holds delta's real part) and the weights wt w, wt w^2 (real and imaginary parts),
 * one vectorisable loop per unknown (the tables are stored unknown by unknown). */
static void node_weights(const deq_srf_plan *plan, const srf_rule *R, const double complex *V,
                         double *ws)
{
  size_t n = R->n;
  double *dr = ws, *di = ws + n, *gr = ws + 2 * n, *gi = ws + 3 * n;
  double *hr = ws + 4 * n, *hi = ws + 5 * n;
  const double *wt = R->wt;
  size_t nu = plan->nunk;
  double v[2 * SRF_MAX_UNK] = { 0 };
  for (size_t Y = 0; Y < nu; Y++)
    v[Y] = plan->mult[Y] * creal(V[Y]), v[nu + Y] = plan->mult[Y] * cimag(V[Y]);
  cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int) n, 2, (int) nu, 1.0, R->gY,
              (int) n, v, (int) nu, 0.0, dr, (int) n);
#pragma omp simd
  for (size_t i = 0; i < n; i++) {
    double d = 1 + dr[i], inv = 1 / (d * d + di[i] * di[i]), wr = d * inv, wi = -di[i] * inv;
    gr[i] = wt[i] * wr, gi[i] = wt[i] * wi;
    hr[i] = gr[i] * wr - gi[i] * wi, hi[i] = gr[i] * wi + gi[i] * wr;
  }
}

/* S_Y = E[w g_Y] (G^T [wt Re w, wt Im w], one dgemm over the nodes) and, H != NULL, the
 * sums E[w^2 g_Y g_Y'] (G^T [hr g_Y', hi g_Y'], one dgemm; symmetric, the upper triangle is
 * kept).  G = the n x nunk table gY. */
static void sums_nodes(const deq_srf_plan *plan, const srf_rule *R, const double complex *V,
                       double complex *S, double complex *H)
{
  size_t nu = plan->nunk, n = R->n;
  double *ws = plan->gwork, out[2 * SRF_MAX_UNK], *T = plan->gT;
  struct srf_gmemo *c = plan->gmemo;
  if (c->R == R && memcmp(c->V, V, nu * sizeof *V) == 0) {
    memcpy(S, c->S, nu * sizeof *S);
  } else {
    node_weights(plan, R, V, ws);
    cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, (int) nu, 2, (int) n, 1.0, R->gY,
                (int) n, ws + 2 * n, (int) n, 0.0, out, (int) nu);
    for (size_t Y = 0; Y < nu; Y++)
      S[Y] = CMPLX(out[Y], out[nu + Y]);
    c->R = R;
    memcpy(c->V, V, nu * sizeof *V), memcpy(c->S, S, nu * sizeof *S);
  }
  if (H == NULL)
    return;
  double *Hr = plan->gHr;
  if (R->gP != NULL) {
    size_t np = nu * (nu + 1) / 2;
    cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, (int) np, 2, (int) n, 1.0, R->gP,
                (int) n, ws + 4 * n, (int) n, 0.0, Hr, (int) np);
    for (size_t Y = 0, j = 0; Y < nu; Y++)
      for (size_t Z = Y; Z < nu; Z++, j++)
        H[Y * nu + Z] = H[Z * nu + Y] = CMPLX(Hr[j], Hr[np + j]);
    return;
  }
  const double *hr = ws + 4 * n, *hi = ws + 5 * n;
  for (size_t Z = 0; Z < nu; Z++) {
    const double *g = R->gY + Z * n;
    double *tr = T + Z * n, *ti = T + (nu + Z) * n;
#pragma omp simd
    for (size_t i = 0; i < n; i++)
      tr[i] = hr[i] * g[i], ti[i] = hi[i] * g[i];
  }
  cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, (int) nu, (int) (2 * nu), (int) n, 1.0,
              R->gY, (int) n, T, (int) n, 0.0, Hr, (int) nu);
  for (size_t Y = 0; Y < nu; Y++)
    for (size_t Z = Y; Z < nu; Z++)
      H[Y * nu + Z] = H[Z * nu + Y] = CMPLX(Hr[Z * nu + Y], Hr[(nu + Z) * nu + Y]);
}

/* Unknown-ordered values (A upper, b) into an algebra point. */
static void to_alg(const deq_srf_plan *plan, const double complex *S, const double complex *V2,
                   srf_alg_pt *x)
{
  size_t K = plan->ngroups;
  for (size_t Y = 0; Y < plan->nunk; Y++) {
    size_t k = plan->uk[Y], l = plan->ul[Y];
    if (l == K)
      x->b[k] = S[Y];
    else
      x->A[k * K + l] = x->A[l * K + k] = S[Y];
  }
  for (size_t k = 0; k < K; k++)
    x->V2[k] = V2 != NULL ? V2[k] : 0;
}

void deq_srf_gsums(const deq_srf_plan *plan, const srf_rule *R, const double complex *V,
                   srf_alg_pt *x, double complex *H)
{
  double complex S[SRF_MAX_UNK];
  sums_nodes(plan, R, V, S, H);
  to_alg(plan, S, V + (plan->nunk - plan->ngroups), x);
}

/* Small dense complex matrices (K x K, row-major). */
static void mat_mul(size_t K, const double complex *X, const double complex *Y,
                    double complex *Z)
{
  for (size_t i = 0; i < K; i++)
    for (size_t j = 0; j < K; j++) {
      double complex s = 0;
      for (size_t k = 0; k < K; k++)
        s += X[i * K + k] * Y[k * K + j];
      Z[i * K + j] = s;
    }
}

/* F6 state at a point: Minv = (I + c phi A D)^{-1}, E = Minv A, the denominators. */
typedef struct {
  double complex Minv[SRF_MAX_GROUPS * SRF_MAX_GROUPS], E[SRF_MAX_GROUPS * SRF_MAX_GROUPS];
  double complex den[SRF_MAX_GROUPS];
} alg_state;

static int alg_state_fill(const deq_srf_plan *plan, const srf_ratios *q, double complex z,
                          const srf_alg_pt *x, alg_state *st)
{
  size_t K = plan->ngroups, perm[SRF_MAX_GROUPS];
  double complex M[SRF_MAX_GROUPS * SRF_MAX_GROUPS];
  double cp = q->c * q->phi / q->psi;
  for (size_t k = 0; k < K; k++)
    for (size_t l = 0; l < K; l++)
      M[k * K + l] = (k == l) + cp * x->A[k * K + l] * x->V2[l];
  if (deq_clu_factor(K, M, perm))
    return DEQ_EBADFUNC;
  for (size_t l = 0; l < K; l++) {
    double complex col[SRF_MAX_GROUPS];
    for (size_t k = 0; k < K; k++)
      col[k] = k == l;
    deq_clu_solve(K, M, perm, 0, col);
    for (size_t k = 0; k < K; k++)
      st->Minv[k * K + l] = col[k];
  }
  mat_mul(K, st->Minv, x->A, st->E);
  for (size_t k = 0; k < K; k++)
    st->den[k] = x->b[k] - z + q->c * st->E[k * K + k];
  return DEQ_SUCCESS;
}

/* T of F6 from the state (V1 symmetrised). */
static void alg_value(const deq_srf_plan *plan, const srf_ratios *q, const srf_alg_pt *x,
                      const alg_state *st, double complex *T)
{
  size_t K = plan->ngroups;
  for (size_t Y = 0; Y < plan->nunk; Y++) {
    size_t k = plan->uk[Y], l = plan->ul[Y];
    if (l == K)
      T[Y] = q->psi * plan->full.g[k].weight / st->den[k];
    else
      T[Y] = 0.5 * q->c * (x->V2[k] * st->Minv[k * K + l] + x->V2[l] * st->Minv[l * K + k]);
  }
}

/* Directional derivative: dMinv = -Minv dM Minv, dE = dMinv A + Minv dA. */
static void alg_deriv(const deq_srf_plan *plan, const srf_ratios *q, const srf_alg_pt *x,
                      const alg_state *st, const srf_alg_pt *d, double complex *dT)
{
  size_t K = plan->ngroups;
  double complex dM[SRF_MAX_GROUPS * SRF_MAX_GROUPS], t[SRF_MAX_GROUPS * SRF_MAX_GROUPS];
  double complex dMinv[SRF_MAX_GROUPS * SRF_MAX_GROUPS], dE1[SRF_MAX_GROUPS * SRF_MAX_GROUPS];
  double complex dE2[SRF_MAX_GROUPS * SRF_MAX_GROUPS];
  double cp = q->c * q->phi / q->psi;
  for (size_t k = 0; k < K; k++)
    for (size_t l = 0; l < K; l++)
      dM[k * K + l] = cp * (d->A[k * K + l] * x->V2[l] + x->A[k * K + l] * d->V2[l]);
  mat_mul(K, st->Minv, dM, t);
  mat_mul(K, t, st->Minv, dMinv);
  for (size_t k = 0; k < K * K; k++)
    dMinv[k] = -dMinv[k];
  mat_mul(K, dMinv, x->A, dE1);
  mat_mul(K, st->Minv, d->A, dE2);
  for (size_t Y = 0; Y < plan->nunk; Y++) {
    size_t k = plan->uk[Y], l = plan->ul[Y];
    if (l == K) {
      double complex dden = d->b[k] + q->c * (dE1[k * K + k] + dE2[k * K + k]);
      dT[Y] = -q->psi * plan->full.g[k].weight * dden / (st->den[k] * st->den[k]);
    } else {
      dT[Y] = 0.5 * q->c * (d->V2[k] * st->Minv[k * K + l] + x->V2[k] * dMinv[k * K + l]
                            + d->V2[l] * st->Minv[l * K + k] + x->V2[l] * dMinv[l * K + k]);
    }
  }
}

int deq_srf_alg(const deq_srf_plan *plan, const srf_ratios *q, double complex z,
                const srf_alg_pt *x, const srf_alg_pt *dir, double complex *T,
                double complex *dT)
{
  alg_state st;
  if (alg_state_fill(plan, q, z, x, &st))
    return DEQ_EBADFUNC;
  if (T != NULL)
    alg_value(plan, q, x, &st, T);
  if (dir != NULL)
    alg_deriv(plan, q, x, &st, dir, dT);
  return DEQ_SUCCESS;
}

/* dT/dV into dTV (nu x nu): column Y' moves S by -H[., Y'] mult[Y'] and V2 directly. */
static int map_jacobian(const deq_srf_plan *plan, const srf_ratios *q, double complex z,
                        const srf_alg_pt *x, const double complex *H, double complex *dTV)
{
  size_t nu = plan->nunk, K = plan->ngroups;
  alg_state st;
  if (alg_state_fill(plan, q, z, x, &st))
    return DEQ_EBADFUNC;
  for (size_t Z = 0; Z < nu; Z++) {
    double complex dS[SRF_MAX_UNK], dV2[SRF_MAX_GROUPS] = { 0 }, col[SRF_MAX_UNK];
    srf_alg_pt d;
    for (size_t Y = 0; Y < nu; Y++)
      dS[Y] = -H[Y * nu + Z] * plan->mult[Z];
    if (plan->ul[Z] == K)
      dV2[plan->uk[Z]] = 1.0;
    to_alg(plan, dS, dV2, &d);
    alg_deriv(plan, q, x, &st, &d, col);
    for (size_t Y = 0; Y < nu; Y++)
      dTV[Y * nu + Z] = col[Y];
  }
  return DEQ_SUCCESS;
}

typedef struct {
  deq_srf_plan *plan;
  const srf_rule *R;
  const srf_ratios *q;
  double complex z;
  double s[SRF_MAX_UNK];
  int upper, left;
} srf_gnewton;

static int branch_ok(const srf_gnewton *P, const double complex *V)
{
  const deq_srf_plan *plan = P->plan;
  double complex m = 0;
  for (size_t Y = 0; Y < plan->nunk; Y++) {
    int isv2 = plan->ul[Y] == plan->ngroups;
    if (isv2)
      m += V[Y];
    if (P->left && isv2 && !(creal(V[Y]) > 0))
      return 0;
    if (P->left && !isv2 && plan->uk[Y] == plan->ul[Y] && creal(V[Y]) < 0)
      return 0;
  }
  return !(P->upper && cimag(m) < 0);
}

static int gnewton_fn(const double complex *x, void *params, double complex *F,
                      double complex *J)
{
  srf_gnewton *P = params;
  deq_srf_plan *plan = P->plan;
  size_t nu = plan->nunk;
  double complex V[SRF_MAX_UNK], T[SRF_MAX_UNK];
  for (size_t Y = 0; Y < nu; Y++)
    V[Y] = P->s[Y] * x[Y];
  if (!branch_ok(P, V))
    return DEQ_EBRANCH;
  srf_alg_pt a;
  deq_srf_gsums(plan, P->R, V, &a, J != NULL ? plan->gH : NULL);
  if (deq_srf_alg(plan, P->q, P->z, &a, NULL, T, NULL))
    return DEQ_EBADFUNC;
  for (size_t Y = 0; Y < nu; Y++) {
    F[Y] = x[Y] - T[Y] / P->s[Y];
    if (!isfinite(creal(F[Y])) || !isfinite(cimag(F[Y])))
      return DEQ_EBADFUNC;
  }
  if (J == NULL)
    return DEQ_SUCCESS;
  if (map_jacobian(plan, P->q, P->z, &a, plan->gH, J))
    return DEQ_EBADFUNC;
  for (size_t Y = 0; Y < nu; Y++)
    for (size_t Z = 0; Z < nu; Z++)
      J[Y * nu + Z] = (Y == Z) - J[Y * nu + Z] * P->s[Z] / P->s[Y];
  return DEQ_SUCCESS;
}

/* Scales of the unknowns: the large-|z| sizes psi c sqrt(pi_k pi_l)/big and psi pi_k/big. */
static void scales(const deq_srf_plan *plan, const srf_ratios *q, double complex z, double *s)
{
  double big = fmax(cabs(z), plan->scale);
  for (size_t Y = 0; Y < plan->nunk; Y++) {
    size_t k = plan->uk[Y], l = plan->ul[Y];
    double pk = plan->full.g[k].weight;
    s[Y] = l == plan->ngroups ? q->psi * pk / big
                              : q->psi * q->c * sqrt(pk * plan->full.g[l].weight) / big;
  }
}

static int newton_at(deq_srf_plan *plan, const srf_rule *R, const srf_ratios *q,
                     double complex z, const deq_opts *opts, double complex *V)
{
  srf_gnewton P = { plan, R, q, z, { 0 }, cimag(z) > 0, cimag(z) == 0 && creal(z) < 0 };
  double complex x[SRF_MAX_UNK];
  scales(plan, q, z, P.s);
  for (size_t Y = 0; Y < plan->nunk; Y++)
    x[Y] = V[Y] / P.s[Y];
  int status = deq_solver_solve(plan->gnewton, gnewton_fn, &P, opts, x);
  if (status == DEQ_SUCCESS)
    for (size_t Y = 0; Y < plan->nunk; Y++)
      V[Y] = P.s[Y] * x[Y];
  return status;
}

/* The large-|z| start (section 9): V1 = -c psi diag(pi)/z, V2 = -psi pi/z. */
static void cold_start(const deq_srf_plan *plan, const srf_ratios *q, double complex z,
                       double complex *V)
{
  for (size_t Y = 0; Y < plan->nunk; Y++) {
    size_t k = plan->uk[Y], l = plan->ul[Y];
    double pk = plan->full.g[k].weight;
    V[Y] = l == plan->ngroups ? -q->psi * pk / z : k == l ? -q->psi * q->c * pk / z : 0;
  }
}

static void copy(size_t n, const double complex *a, double complex *b)
{
  memcpy(b, a, n * sizeof *b);
}

static int ladder(deq_srf_plan *plan, const srf_rule *R, const srf_ratios *q, double complex z,
                  const deq_opts *opts, double complex *V)
{
  double x = creal(z), yt = cimag(z), y = opts->ladder_height * deq_srf_upper_bound(plan, q);
  double factor = ladder_factor, floor = ladder_floor_rel * plan->scale;
  double complex Vs[SRF_MAX_UNK];
  y = fmax(y, yt);
  cold_start(plan, q, CMPLX(x, y), V);
  int status = newton_at(plan, R, q, CMPLX(x, y), opts, V);
  for (int rung = 0; status == DEQ_SUCCESS && y > yt; rung++) {
    if (rung > opts->ladder_steps)
      return DEQ_EMAXITER;
    double yn = y / factor < fmax(yt, floor) ? yt : y / factor;
    copy(plan->nunk, V, Vs);
    status = newton_at(plan, R, q, CMPLX(x, yn), opts, V);
    if (status == DEQ_SUCCESS) {
      y = yn;
      continue;
    }
    copy(plan->nunk, Vs, V);
    factor = sqrt(factor);
    status = factor < ladder_min_factor ? status : DEQ_SUCCESS;
  }
  return status;
}

static int warm_ok(const deq_srf_plan *plan, const srf_ratios *q, double complex z)
{
  return plan->have_last && plan->last_phi == q->phi && plan->last_psi == q->psi
         && cabs(z - plan->last_z) <= warm_radius_rel * (cabs(z) + plan->scale);
}

/* The warm start at z from the last solution V1 = V(z1): first order with the slope
 * V'(z1) when known, and second order (the Hermite quadratic through V2 = V(z2) at the
 * previous point, when that lies within the warm radius of z) V1 + V'(z1) h + c h^2,
 * h = z - z1, c = (V2 - V1 - V'(z1) h2)/h2^2, h2 = z2 - z1. */
static void predict(const deq_srf_plan *plan, double complex z, double complex *V)
{
  size_t nu = plan->nunk;
  double complex h = z - plan->last_z, h2 = plan->last2_z - plan->last_z;
  int second = plan->have_slope && plan->have_last2 && h2 != 0
               && cabs(z - plan->last2_z) <= warm_radius_rel * (cabs(z) + plan->scale);
  for (size_t Y = 0; Y < nu; Y++) {
    V[Y] = plan->last_Vg[Y];
    if (!plan->have_slope)
      continue;
    V[Y] += h * plan->last_dVg[Y];
    if (second)
      V[Y] += h * h * (plan->last2_Vg[Y] - plan->last_Vg[Y] - h2 * plan->last_dVg[Y]) / (h2 * h2);
  }
}

int deq_srf_gsolve(deq_srf_plan *plan, const srf_rule *R, const srf_ratios *q,
                   double complex z, const deq_opts *opts, double complex *V)
{
  int status = DEQ_EMAXITER;
  size_t nu = plan->nunk;
  opts = deq_opts_or_default(opts);
  if (warm_ok(plan, q, z)) {
    predict(plan, z, V);
    status = newton_at(plan, R, q, z, opts, V);
  }
  int outside = creal(z) < 0 || creal(z) > deq_srf_upper_bound(plan, q);
  if (status != DEQ_SUCCESS && cimag(z) == 0 && outside) {
    cold_start(plan, q, z, V);
    status = newton_at(plan, R, q, z, opts, V);
  }
  if (status != DEQ_SUCCESS)
    status = ladder(plan, R, q, z, opts, V);
  if (status == DEQ_SUCCESS && R == &plan->full) {
    plan->have_last2 = plan->have_last && plan->last_phi == q->phi && plan->last_psi == q->psi;
    plan->last2_z = plan->last_z;
    copy(nu, plan->last_Vg, plan->last2_Vg);
    plan->have_last = 1, plan->last_phi = q->phi, plan->last_psi = q->psi;
    plan->last_z = z, plan->have_slope = 0;
    copy(nu, V, plan->last_Vg);
  }
  return status;
}

/* Slack of each equation at V (units of V): residual, the half-panel rule, the coefficient
 * errors (the sums moved by coef_rel relative), rounding. */
static int bulk_slack(deq_srf_plan *plan, const srf_ratios *q, double complex z,
                      const double complex *V, const srf_alg_pt *a, const double complex *T,
                      double *slack)
{
  size_t nu = plan->nunk, K = plan->ngroups;
  double complex TH[SRF_MAX_UNK], TC[SRF_MAX_UNK];
  srf_alg_pt h, ac = *a;
  deq_srf_gsums(plan, &plan->half, V, &h, NULL);
  double rel = plan->full.coef_rel + bulk_round_ulps * DBL_EPSILON;
  for (size_t k = 0; k < K * K; k++)
    ac.A[k] *= 1 + rel;
  for (size_t k = 0; k < K; k++)
    ac.b[k] = ac.b[k] * (1 + rel) + bulk_round_ulps * DBL_EPSILON * cabs(z);
  if (deq_srf_alg(plan, q, z, &h, NULL, TH, NULL) || deq_srf_alg(plan, q, z, &ac, NULL, TC, NULL))
    return DEQ_ETOL;
  double eps = bulk_round_ulps * DBL_EPSILON;
  for (size_t Y = 0; Y < nu; Y++)
    slack[Y] = cabs(V[Y] - T[Y]) + cabs(TH[Y] - T[Y]) + cabs(TC[Y] - T[Y])
               + eps * (cabs(V[Y]) + cabs(T[Y]));
  return DEQ_SUCCESS;
}

/* The Jacobian I - dT/dV at V, LU-factored into J. */
static int jac_factor(deq_srf_plan *plan, const srf_ratios *q, double complex z,
                      const double complex *V, srf_alg_pt *a, double complex *T,
                      double complex *J, size_t *perm)
{
  size_t nu = plan->nunk;
  deq_srf_gsums(plan, &plan->full, V, a, plan->gH);
  if (deq_srf_alg(plan, q, z, a, NULL, T, NULL) || map_jacobian(plan, q, z, a, plan->gH, J))
    return DEQ_ETOL;
  for (size_t Y = 0; Y < nu; Y++)
    for (size_t Z = 0; Z < nu; Z++)
      J[Y * nu + Z] = (Y == Z) - J[Y * nu + Z];
  return deq_clu_factor(nu, J, perm) ? DEQ_ETOL : DEQ_SUCCESS;
}

static void fail_bulk(deq_srf_bulk *out, double *errV, size_t nu)
{
  out->m.err = INFINITY, out->dm = NAN;
  for (size_t Y = 0; errV != NULL && Y < nu; Y++)
    errV[Y] = INFINITY;
}

/* errV[Y] = sum_Z |(J^{-1})_YZ| slack_Z. */
static void unknown_errors(size_t nu, const double complex *J, const size_t *perm,
                           const double *slack, double *errV)
{
  for (size_t Y = 0; Y < nu; Y++)
    errV[Y] = 0;
  for (size_t Z = 0; Z < nu; Z++) {
    double complex col[SRF_MAX_UNK] = { 0 };
    col[Z] = 1;
    deq_clu_solve(nu, J, perm, 0, col);
    for (size_t Y = 0; Y < nu; Y++)
      errV[Y] += cabs(col[Y]) * slack[Z];
  }
}

/* dT/dz: the direction db = -1 of every group. */
static int map_dz(deq_srf_plan *plan, const srf_ratios *q, double complex z,
                  const srf_alg_pt *a, double complex *dTz)
{
  srf_alg_pt d;
  memset(&d, 0, sizeof d);
  for (size_t k = 0; k < plan->ngroups; k++)
    d.b[k] = -1;
  return deq_srf_alg(plan, q, z, a, &d, NULL, dTz);
}

int deq_srf_gbulk_finish(deq_srf_plan *plan, const srf_ratios *q, double complex z,
                         const double complex *V, deq_srf_bulk *out, double *errV)
{
  size_t nu = plan->nunk, perm[SRF_MAX_UNK];
  double complex *J = plan->gJ, T[SRF_MAX_UNK], g[SRF_MAX_UNK];
  double complex dV[SRF_MAX_UNK];
  double slack[SRF_MAX_UNK];
  srf_alg_pt a;
  out->m.val = deq_srf_gm(plan, q, V);
  out->V1 = out->V2 = 0;
  for (size_t Y = 0; Y < nu; Y++) {
    int isv2 = plan->ul[Y] == plan->ngroups;
    out->V2 += isv2 ? V[Y] : 0;
    out->V1 += isv2 ? 0 : plan->mult[Y] * V[Y];
  }
  int status = jac_factor(plan, q, z, V, &a, T, J, perm);
  if (!status)
    status = bulk_slack(plan, q, z, V, &a, T, slack);
  if (!status)
    status = map_dz(plan, q, z, &a, dV);
  if (status) {
    fail_bulk(out, errV, nu);
    return DEQ_ETOL;
  }
  for (size_t Y = 0; Y < nu; Y++)
    g[Y] = plan->ul[Y] == plan->ngroups ? 1.0 / q->psi : 0.0;
  deq_clu_solve(nu, J, perm, 1, g);
  deq_clu_solve(nu, J, perm, 0, dV);
  out->dm = deq_srf_gm(plan, q, dV);
  if (plan->have_last && plan->last_z == z && memcmp(plan->last_Vg, V, nu * sizeof *V) == 0) {
    plan->have_slope = 1;
    copy(nu, dV, plan->last_dVg);
  }
  out->m.err = 0;
  for (size_t Y = 0; Y < nu; Y++)
    out->m.err += cabs(g[Y]) * slack[Y];
  if (errV != NULL)
    unknown_errors(nu, J, perm, slack, errV);
  return isfinite(out->m.err) ? DEQ_SUCCESS : DEQ_ETOL;
}

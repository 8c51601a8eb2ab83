/* Bulk spectrum of the spiked RF model: the two complex unknowns of spiked_rf S6-S10, solved
 * by Newton through the solver driver, with continuation and error bars. */
#include <float.h>
#include <math.h>
#include "theory/spiked_impl.h"

/* Continuation in Im z (spiked_rf section 9): rungs a factor 10 apart from the top height
 * (opts->ladder_height times the upper bound of the spectrum), refined by square roots on a
 * failed rung, and from below this height (relative to the bulk mean) straight to Im z = 0. */
static const double ladder_factor = 10.0;
static const double ladder_min_factor = 1.05;
static const double ladder_floor_rel = 1e-9;
/* A warm start is tried only from a point within this distance, relative to |z| plus the bulk
 * mean (measured: a start from z = -0.03 led the edge scan at x = 250 to a spurious root). */
static const double warm_radius_rel = 0.25;
/* The physical solution of S9 is an attracting fixed point of T: the spectral radius of dT/dV
 * is below 1 there (measured 0.86 inside the bulk, -> 1 at the edge), while the spurious
 * branch that a walk from a gap into the support can follow has radius ~300.  A solve whose
 * last Jacobian has a radius above this is rejected (and the ladder takes over). */
static const double attract_max = 1.0 + 1e-9;
/* Rounding allowance of the kappa sums and of the map S9, in ulps of the sums of |terms|. */
static const double bulk_round_ulps = 64.0;
/* Density height (spiked_rf section 9: rho(x) = Im m(x + 1e-7 i)/pi, here relative to the bulk
 * mean) and the factor on its first-order bias eta |m'|. */
static const double density_eta_rel = 1e-7;
static const double density_bias_factor = 2.0;

/* S6 by the cancellation-free root: (-B + sqrt(disc))/(2A) as qq/A or C/qq, with
 * sqrt(disc) = sqrt(w - (1 - sqrt phi)^2) sqrt(w - (1 + sqrt phi)^2); *dm = m'(w). */
double complex deq_srf_mp_root(double complex w, double phi, double complex *dm)
{
  double sp = sqrt(phi), lo = (1 - sp) * (1 - sp), hi = (1 + sp) * (1 + sp);
  double complex A = phi * w, B = w - 1 + phi;
  double complex sq = csqrt(w - lo) * csqrt(w - hi), m;
  if (cabs(B - sq) >= cabs(B + sq))
    m = (-B + sq) / (2 * A);
  else
    m = -2.0 / (B + sq);
  *dm = -(phi * m * m + m) / (2 * phi * w * m + w - 1 + phi);
  return m;
}

/* The kappa sums in real arithmetic (w = conj(d)/|d|^2: one division per node); one loop
 * per mode so that each vectorises (omp simd: a fixed, thread-independent summation order). */
static void sums_f(const srf_rule *R, double v1r, double v1i, double v2r, double v2i,
                   double s[4])
{
  const double *A = R->g[0].A, *B = R->g[0].B, *wt = R->wt;
  double ar = 0, ai = 0, br = 0, bi = 0;
#pragma omp simd reduction(+ : ar, ai, br, bi)
  for (size_t k = 0; k < R->n; k++) {
    double dr = 1 + A[k] * v1r + B[k] * v2r, di = A[k] * v1i + B[k] * v2i;
    double inv = wt[k] / (dr * dr + di * di), gr = dr * inv, gi = -di * inv;
    ar += A[k] * gr, ai += A[k] * gi, br += B[k] * gr, bi += B[k] * gi;
  }
  s[0] = ar, s[1] = ai, s[2] = br, s[3] = bi;
}

/* a, b and the Jacobian sums in one loop (one division per node). */
static void sums_jac(const srf_rule *R, double v1r, double v1i, double v2r, double v2i,
                     double s[10])
{
  const double *A = R->g[0].A, *B = R->g[0].B, *wt = R->wt;
  double ar = 0, ai = 0, br = 0, bi = 0, s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0;
#pragma omp simd reduction(+ : ar, ai, br, bi, s0, s1, s2, s3, s4, s5)
  for (size_t k = 0; k < R->n; k++) {
    double dr = 1 + A[k] * v1r + B[k] * v2r, di = A[k] * v1i + B[k] * v2i;
    double inv = 1 / (dr * dr + di * di), wr = dr * inv, wi = -di * inv;
    double gr = wt[k] * wr, gi = wt[k] * wi;
    double g2r = gr * wr - gi * wi, g2i = 2 * gr * wi;
    double aa = A[k] * A[k], abk = A[k] * B[k], bb = B[k] * B[k];
    ar += A[k] * gr, ai += A[k] * gi, br += B[k] * gr, bi += B[k] * gi;
    s0 += aa * g2r, s1 += aa * g2i, s2 += abk * g2r, s3 += abk * g2i;
    s4 += bb * g2r, s5 += bb * g2i;
  }
  s[0] = ar, s[1] = ai, s[2] = br, s[3] = bi;
  s[4] = s0, s[5] = s1, s[6] = s2, s[7] = s3, s[8] = s4, s[9] = s5;
}

/* The real case (real z left of the spectrum or right of the edge, real V). */
static void sums_real(const srf_rule *R, double v1, double v2, int jac, double s[10])
{
  const double *A = R->g[0].A, *B = R->g[0].B, *wt = R->wt;
  double a = 0, b = 0, s0 = 0, s2 = 0, s4 = 0;
  if (!jac) {
#pragma omp simd reduction(+ : a, b)
    for (size_t k = 0; k < R->n; k++) {
      double gw = wt[k] / (1 + A[k] * v1 + B[k] * v2);
      a += A[k] * gw, b += B[k] * gw;
    }
  } else {
#pragma omp simd reduction(+ : a, b, s0, s2, s4)
    for (size_t k = 0; k < R->n; k++) {
      double w = 1 / (1 + A[k] * v1 + B[k] * v2), gw = wt[k] * w, g2 = gw * w;
      a += A[k] * gw, b += B[k] * gw;
      s0 += A[k] * A[k] * g2, s2 += A[k] * B[k] * g2, s4 += B[k] * B[k] * g2;
    }
  }
  s[0] = a, s[2] = b, s[4] = s0, s[6] = s2, s[8] = s4;
  s[1] = s[3] = s[5] = s[7] = s[9] = 0;
}

/* Abs sums: E A|w|, E B|w| and the first-order effect of the coefficient errors on a, b,
 * sum_k wt |w| (eA + A |w| (eA |V1| + eB |V2|)) and its twin with B. */
static void sums_abs(const srf_rule *R, double v1r, double v1i, double v2r, double v2i,
                     double s[4])
{
  const double *A = R->g[0].A, *B = R->g[0].B, *wt = R->wt, *eA = R->g[0].eA, *eB = R->g[0].eB;
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0, n1 = hypot(v1r, v1i), n2 = hypot(v2r, v2i);
#pragma omp simd reduction(+ : s0, s1, s2, s3)
  for (size_t k = 0; k < R->n; k++) {
    double dr = 1 + A[k] * v1r + B[k] * v2r, di = A[k] * v1i + B[k] * v2i;
    double w = sqrt(1 / (dr * dr + di * di)), aw = wt[k] * w;
    double dd = w * (eA[k] * n1 + eB[k] * n2);
    s0 += A[k] * aw, s1 += B[k] * aw, s2 += aw * (eA[k] + A[k] * dd);
    s3 += aw * (eB[k] + B[k] * dd);
  }
  s[0] = s0, s[1] = s1, s[2] = s2, s[3] = s3;
}

void deq_srf_sums(const srf_rule *R, double complex V1, double complex V2, int mode,
                  srf_sums *S)
{
  double v1r = creal(V1), v1i = cimag(V1), v2r = creal(V2), v2i = cimag(V2);
  double f[10] = { 0 }, ab[4] = { 0 };
  if (v1i == 0 && v2i == 0)
    sums_real(R, v1r, v2r, mode != SRF_SUMS_F, f);
  else if (mode == SRF_SUMS_F)
    sums_f(R, v1r, v1i, v2r, v2i, f);
  else
    sums_jac(R, v1r, v1i, v2r, v2i, f);
  if (mode == SRF_SUMS_ABS)
    sums_abs(R, v1r, v1i, v2r, v2i, ab);
  *S = (srf_sums) { CMPLX(f[0], f[1]), CMPLX(f[2], f[3]), CMPLX(f[4], f[5]),
                    CMPLX(f[6], f[7]), CMPLX(f[8], f[9]), ab[0], ab[1], ab[2], ab[3] };
}

/* S9 with a = 0 (mu1 = 0 on every node): Qbar = 1/(b - z). */
static void map_no_linear(const srf_ratios *q, double complex z, double complex b, srf_map *M)
{
  double complex r = 1.0 / (b - z);
  M->T[1] = q->psi * r, M->T[0] = q->psi * q->c * r;
  for (int i = 0; i < 2; i++) {
    M->dTa[i] = 0;
    M->dTb[i] = -M->T[i] * r;
    M->dTz[i] = M->T[i] * r;
  }
}

void deq_srf_map(const srf_ratios *q, double complex z, double complex a, double complex b,
                 srf_map *M)
{
  if (a == 0) {
    map_no_linear(q, z, b, M);
    return;
  }
  double phi = q->phi, psi = q->psi, edge = (1 + sqrt(phi)) * (1 + sqrt(phi));
  double complex ac = a * q->c, u = (z - b) / ac, dmm, mm = deq_srf_mp_root(u, phi, &dmm);
  double complex X = cabs(u) > edge ? mm * (1 - phi - phi * u * mm) : 1 + u * mm;
  double complex dX = mm + u * dmm;
  M->T[1] = psi * mm / ac;
  M->T[0] = psi * X / a;
  M->dTa[1] = -psi * dX / (a * ac);
  M->dTb[1] = -psi * dmm / (ac * ac);
  M->dTz[1] = psi * dmm / (ac * ac);
  M->dTa[0] = -psi * (X + u * dX) / (a * a);
  M->dTb[0] = -psi * dX / (a * ac);
  M->dTz[0] = psi * dX / (a * ac);
}

/* dT_i/dV_j from the map's partials and the Jacobian sums (da/dV1 = -aa, ...). */
static void map_jacobian(const srf_map *M, const srf_sums *S, double complex dT[4])
{
  for (int i = 0; i < 2; i++) {
    dT[2 * i] = -(M->dTa[i] * S->aa + M->dTb[i] * S->ab);
    dT[2 * i + 1] = -(M->dTa[i] * S->ab + M->dTb[i] * S->bb);
  }
}

/* Newton problem in scaled unknowns x_k = V_k / s_k (s ~ the large-|z| size of V). */
typedef struct {
  const srf_rule *R;
  const srf_ratios *q;
  double complex z;
  double s[2];
  int upper;   /* Im z > 0: Im V2 >= 0 (the branch of S9) */
  int left;    /* real z < 0: V1 >= 0, V2 > 0 (traces of a positive resolvent) */
  double radius;   /* spectral radius of dT/dV at the last Jacobian */
} srf_newton;

/* Spectral radius of the 2 x 2 matrix dT. */
static double radius2(const double complex dT[4])
{
  double complex tr = dT[0] + dT[3], det = dT[0] * dT[3] - dT[1] * dT[2];
  double complex sq = csqrt(tr * tr - 4 * det);
  return fmax(cabs(tr + sq), cabs(tr - sq)) / 2;
}

static int newton_fn(const double complex *x, void *params, double complex *F,
                     double complex *J)
{
  srf_newton *P = params;
  double complex V1 = P->s[0] * x[0], V2 = P->s[1] * x[1];
  if (P->upper && cimag(V2) < 0)
    return DEQ_EBRANCH;
  if (P->left && (creal(V1) < 0 || creal(V2) <= 0))
    return DEQ_EBRANCH;
  srf_sums S;
  srf_map M;
  deq_srf_sums(P->R, V1, V2, J != NULL ? SRF_SUMS_JAC : SRF_SUMS_F, &S);
  deq_srf_map(P->q, P->z, S.a, S.b, &M);
  for (int i = 0; i < 2; i++) {
    F[i] = x[i] - M.T[i] / P->s[i];
    if (!isfinite(creal(F[i])) || !isfinite(cimag(F[i])))
      return DEQ_EBADFUNC;
  }
  if (J != NULL) {
    double complex dT[4];
    map_jacobian(&M, &S, dT);
    P->radius = radius2(dT);
    for (int i = 0; i < 2; i++)
      for (int j = 0; j < 2; j++)
        J[2 * i + j] = (i == j) - dT[2 * i + j] * P->s[j] / P->s[i];
  }
  return DEQ_SUCCESS;
}

static int newton_at(deq_srf_plan *plan, const srf_rule *R, const srf_ratios *q,
                     double complex z, const deq_opts *opts, double complex V[2])
{
  double big = fmax(cabs(z), plan->scale);
  srf_newton P = { R, q, z, { q->psi * q->c / big, q->psi / big }, cimag(z) > 0,
                   cimag(z) == 0 && creal(z) < 0, 0.0 };
  double complex x[2] = { V[0] / P.s[0], V[1] / P.s[1] };
  int status = deq_solver_solve(plan->newton, newton_fn, &P, opts, x);
  if (status == DEQ_SUCCESS && P.radius > attract_max)
    status = DEQ_EBRANCH;
  if (status == DEQ_SUCCESS)
    V[0] = P.s[0] * x[0], V[1] = P.s[1] * x[1];
  return status;
}

/* The large-|z| start: Qbar ~ -1/z, so V1 = -psi c/z, V2 = -psi/z. */
static void cold_start(const srf_ratios *q, double complex z, double complex V[2])
{
  V[0] = -q->psi * q->c / z, V[1] = -q->psi / z;
}

/* Continuation in Im z at fixed Re z from the top height down to Im z (section 9). */
static int ladder(deq_srf_plan *plan, const srf_rule *R, const srf_ratios *q, double complex z,
                  const deq_opts *opts, double complex V[2])
{
  double x = creal(z), yt = cimag(z), y = opts->ladder_height * deq_srf_upper_bound(plan, q);
  double factor = ladder_factor, floor = ladder_floor_rel * plan->scale;
  y = fmax(y, yt);
  cold_start(q, CMPLX(x, y), V);
  int status = newton_at(plan, R, q, CMPLX(x, y), opts, V);
  for (int rung = 0; status == DEQ_SUCCESS && y > yt; rung++) {
    if (rung > opts->ladder_steps)
      return DEQ_EMAXITER;
    double yn = y / factor < fmax(yt, floor) ? yt : y / factor;
    double complex Vs[2] = { V[0], V[1] };
    status = newton_at(plan, R, q, CMPLX(x, yn), opts, V);
    if (status == DEQ_SUCCESS) {
      y = yn;
      continue;
    }
    V[0] = Vs[0], V[1] = Vs[1];
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

int deq_srf_solve(deq_srf_plan *plan, const srf_rule *R, const srf_ratios *q,
                  double complex z, const deq_opts *opts, double complex V[2])
{
  int status = DEQ_EMAXITER;
  opts = deq_opts_or_default(opts);
  if (warm_ok(plan, q, z)) {
    double complex dz = plan->have_slope ? z - plan->last_z : 0;
    V[0] = plan->last_V[0] + dz * plan->last_dV[0], V[1] = plan->last_V[1] + dz * plan->last_dV[1];
    status = newton_at(plan, R, q, z, opts, V);
  }
  int outside = creal(z) < 0 || creal(z) > deq_srf_upper_bound(plan, q);
  if (status != DEQ_SUCCESS && cimag(z) == 0 && outside) {
    cold_start(q, z, V);
    status = newton_at(plan, R, q, z, opts, V);
  }
  if (status != DEQ_SUCCESS)
    status = ladder(plan, R, q, z, opts, V);
  if (status == DEQ_SUCCESS && R == &plan->full) {
    plan->have_last = 1, plan->last_phi = q->phi, plan->last_psi = q->psi;
    plan->last_z = z, plan->last_V[0] = V[0], plan->last_V[1] = V[1];
    plan->have_slope = 0;
  }
  return status;
}

/* Slack of each equation of S9 at V, in units of V: residual, kappa-quadrature error (the
 * half-panel rule), coefficient errors through a and b, rounding. */
static void bulk_slack(const deq_srf_plan *plan, const srf_ratios *q, double complex z,
                       const double complex V[2], const srf_sums *S, const srf_map *M,
                       double slack[2])
{
  srf_sums H;
  srf_map MH;
  deq_srf_sums(&plan->half, V[0], V[1], SRF_SUMS_F, &H);
  deq_srf_map(q, z, H.a, H.b, &MH);
  double eps = bulk_round_ulps * DBL_EPSILON;
  double da = S->da_coef + eps * S->a_abs, db = S->db_coef + eps * (S->b_abs + cabs(z));
  for (int i = 0; i < 2; i++)
    slack[i] = cabs(V[i] - M->T[i]) + cabs(MH.T[i] - M->T[i]) + cabs(M->dTa[i]) * da
               + cabs(M->dTb[i]) * db + eps * (cabs(V[i]) + cabs(M->T[i]));
}

/* errV[k] = sum_j |(J^{-1})_kj| slack_j, the bound on each unknown. */
static void unknown_errors(const double complex *LU, const size_t *perm, const double slack[2],
                           double errV[2])
{
  errV[0] = errV[1] = 0.0;
  for (int j = 0; j < 2; j++) {
    double complex col[2] = { j == 0, j == 1 };
    deq_clu_solve(2, LU, perm, 0, col);
    errV[0] += cabs(col[0]) * slack[j], errV[1] += cabs(col[1]) * slack[j];
  }
}

int deq_srf_bulk_finish(deq_srf_plan *plan, const srf_ratios *q, double complex z,
                        const double complex V[2], deq_srf_bulk *out, double errV[2])
{
  srf_sums S;
  srf_map M;
  double complex dT[4], Jv[4], g[2] = { 0, 1.0 / q->psi }, dV[2];
  size_t perm[2];
  double slack[2];
  deq_srf_sums(&plan->full, V[0], V[1], SRF_SUMS_ABS, &S);
  deq_srf_map(q, z, S.a, S.b, &M);
  map_jacobian(&M, &S, dT);
  for (int k = 0; k < 4; k++)
    Jv[k] = (k == 0 || k == 3) - dT[k];
  bulk_slack(plan, q, z, V, &S, &M, slack);
  out->V1 = V[0], out->V2 = V[1];
  out->m.val = V[1] / q->psi;
  if (deq_clu_factor(2, Jv, perm)) {
    out->m.err = INFINITY, out->dm = NAN;
    if (errV != NULL)
      errV[0] = errV[1] = INFINITY;
    return DEQ_ETOL;
  }
  deq_clu_solve(2, Jv, perm, 1, g);
  dV[0] = M.dTz[0], dV[1] = M.dTz[1];
  deq_clu_solve(2, Jv, perm, 0, dV);
  out->dm = dV[1] / q->psi;
  if (plan->have_last && plan->last_z == z && plan->last_V[1] == V[1])
    plan->have_slope = 1, plan->last_dV[0] = dV[0], plan->last_dV[1] = dV[1];
  out->m.err = cabs(g[0]) * slack[0] + cabs(g[1]) * slack[1];
  if (errV != NULL)
    unknown_errors(Jv, perm, slack, errV);
  return isfinite(out->m.err) ? DEQ_SUCCESS : DEQ_ETOL;
}

/* Solve and finish at z with Im z >= 0; DEQ_EBRANCH if Im m <= 0 for Im z > 0. */
static int bulk_at(deq_srf_plan *plan, const srf_ratios *q, double complex z,
                   const deq_opts *opts, deq_srf_bulk *out)
{
  double complex V[SRF_MAX_UNK];
  int groups = plan->ngroups > 1;
  int status = groups ? deq_srf_gsolve(plan, &plan->full, q, z, opts, V)
                      : deq_srf_solve(plan, &plan->full, q, z, opts, V);
  if (status) {
    out->m.val = NAN, out->m.err = INFINITY, out->V1 = out->V2 = out->dm = NAN;
    return status;
  }
  status = groups ? deq_srf_gbulk_finish(plan, q, z, V, out, NULL)
                  : deq_srf_bulk_finish(plan, q, z, V, out, NULL);
  if (!status && cimag(z) > 0 && !(cimag(out->m.val) > 0))
    status = DEQ_EBRANCH;
  if (!status && cimag(z) == 0 && cimag(out->m.val) < -out->m.err)
    status = DEQ_EBRANCH;   /* real z inside the support: not the boundary value from above */
  return status;
}

static int check_call(const deq_srf_plan *plan, const deq_srf_params *p, const deq_opts *opts,
                      const void *out)
{
  if (plan == NULL || out == NULL)
    DEQ_ERROR("spiked: NULL plan or output", DEQ_EINVAL);
  int status = deq_srf_params_check(p, 0);
  return status ? status : deq_opts_check(opts);
}

int deq_srf_stieltjes(deq_srf_plan *plan, const deq_srf_params *p, double complex z,
                      const deq_opts *opts, deq_srf_bulk *out)
{
  int status = check_call(plan, p, opts, out);
  if (status)
    return status;
  if (!isfinite(creal(z)) || !isfinite(cimag(z)))
    DEQ_ERROR("spiked: z must be finite", DEQ_EINVAL);
  srf_ratios q;
  deq_srf_ratios(plan, p, &q);
  int flip = cimag(z) < 0;
  status = bulk_at(plan, &q, flip ? conj(z) : z, opts, out);
  if (flip)
    out->m.val = conj(out->m.val), out->V1 = conj(out->V1), out->V2 = conj(out->V2),
    out->dm = conj(out->dm);
  if (status)
    DEQ_ERRORF(status, "spiked: m(%g%+gi): %s", creal(z), cimag(z), deq_strerror(status));
  return DEQ_SUCCESS;
}

int deq_srf_density(deq_srf_plan *plan, const deq_srf_params *p, size_t n, const double *x,
                    const deq_opts *opts, deq_result *rho)
{
  int status = check_call(plan, p, opts, rho);
  if (status)
    return status;
  if (x == NULL || n == 0)
    DEQ_ERROR("spiked: the grid x must hold n >= 1 points", DEQ_EINVAL);
  srf_ratios q;
  deq_srf_ratios(plan, p, &q);
  double eta = density_eta_rel * plan->scale;
  int first = DEQ_SUCCESS;
  for (size_t i = 0; i < n; i++) {
    deq_srf_bulk b;
    if (!isfinite(x[i]))
      DEQ_ERRORF(DEQ_EINVAL, "spiked: density grid point x[%zu] = %g: must be finite", i, x[i]);
    status = bulk_at(plan, &q, CMPLX(x[i], eta), opts, &b);
    rho[i].val = cimag(b.m.val) / M_PI;
    rho[i].err = (b.m.err + density_bias_factor * eta * cabs(b.dm)) / M_PI;
    if (status && !first)
      first = status, deq_errorf(__FILE__, __LINE__, status, "spiked: density at x = %g: %s",
                                 x[i], deq_strerror(status));
  }
  return first;
}

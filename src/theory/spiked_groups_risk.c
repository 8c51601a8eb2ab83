/* Ridge test and training errors with K >= 2 spike groups: spiked_finite_support F12-F18 at
 * z = -lambda, with the error bars of spiked_risk.c (the rule against the half-panel rule,
 * the bound on the unknowns through the finite-difference gradient, rounding and coefficient
 * errors times a condition number).  DV of F16 is the exact implicit derivative of the inner
 * F6 solve (alg_deriv in spiked_groups.c), not the spec's central differences. */
#include <float.h>
#include <math.h>
#include <string.h>
#include <gsl/gsl_linalg.h>   /* brings gsl_cblas.h: cblas_* bind to OpenBLAS (docs/design.md) */
#include "theory/spiked_impl.h"

/* A group's mean column counts as zero (F13: dropped from E_mm) when E mu0_k^2 is below this
 * fraction of the bulk mean (as spiked_risk.c). */
static const double mean_zero_rel = 1e-20;
/* F13 least squares: singular values below rcond times the largest are dropped (spec). */
static const double f13_rcond = 1e-13;
/* Relative step of the finite differences in V (error propagation only). */
static const double fd_rel = 1e-6;
/* Rounding allowance in ulps of the sums of |terms| times the condition numbers. */
static const double risk_round_ulps = 64.0;

/* Per-group node sums of F13-F14 at a real V (independent of the overlaps). */
typedef struct {
  double Emm[SRF_MAX_GROUPS * SRF_MAX_GROUPS], Emt[SRF_MAX_GROUPS * SRF_MAX_GROUPS];
  double Ett[SRF_MAX_GROUPS * SRF_MAX_GROUPS];
  double Eh0[SRF_MAX_GROUPS], Ekh[SRF_MAX_GROUPS], Eps[SRF_MAX_GROUPS], Em0sq[SRF_MAX_GROUPS];
} grisk_sums;

typedef struct {
  double test, train, mean, theta, psi_o, q1, q2, V1, V2, cond;
} grisk_value;

/* Workspace of one evaluation: DV, N and the q system (nu x nu each). */
typedef struct {
  double DV[SRF_MAX_UNK * SRF_MAX_UNK], L[SRF_MAX_UNK * SRF_MAX_UNK];
} grisk_work;

/* Node arrays of one evaluation (plan->grwork): w (F4), wt w, wt w kappa, wt w kappa^2,
 * cbar, h - cbar, the weighted residual wt w^2 (R0 + noise), wt w^2 (the last two adjacent:
 * one dgemm takes both). */
typedef struct {
  double *w, *a0, *ak, *akk, *cb, *hc, *res, *a2;
} grisk_nodes;

static grisk_nodes nodes_of(const deq_srf_plan *plan)
{
  double *b = plan->grwork;
  size_t n = plan->full.n;
  return (grisk_nodes) { b, b + n, b + 2 * n, b + 3 * n, b + 4 * n, b + 5 * n, b + 6 * n,
                         b + 7 * n };
}

/* sum_i x[i] y[i] and sum_i x[i] y[i] z[i] (omp simd: a fixed, thread-independent order). */
static double dot2(size_t n, const double *x, const double *y)
{
  double s = 0;
#pragma omp simd reduction(+ : s)
  for (size_t i = 0; i < n; i++)
    s += x[i] * y[i];
  return s;
}

static double dot3(size_t n, const double *x, const double *y, const double *z)
{
  double s = 0;
#pragma omp simd reduction(+ : s)
  for (size_t i = 0; i < n; i++)
    s += x[i] * y[i] * z[i];
  return s;
}

/* w at the nodes and the weights built from it (one vectorisable loop). */
static void node_weights_real(const deq_srf_plan *plan, const srf_rule *R, const double *V,
                              const grisk_nodes *N)
{
  deq_srf_gw(plan, R, V, N->w);
#pragma omp simd
  for (size_t i = 0; i < R->n; i++) {
    N->a0[i] = R->wt[i] * N->w[i], N->ak[i] = N->a0[i] * R->kappa[i];
    N->akk[i] = N->ak[i] * R->kappa[i], N->a2[i] = N->a0[i] * N->w[i];
  }
}

/* F13-F14 sums as one dgemm: M^T [a0 M0, a0 M1, ak M1, akk M1] with M = (mu0_k, mu1_k, h, h1)
 * the rule's table gM ((2K + 2) x 4K result, column-major). */
static void sums1(const deq_srf_plan *plan, const srf_rule *R, const grisk_nodes *N,
                  grisk_sums *S)
{
  size_t K = plan->ngroups, n = R->n, r = 2 * K + 2;
  double *T = plan->gT, out[(2 * SRF_MAX_GROUPS + 2) * 4 * SRF_MAX_GROUPS];
  for (size_t c = 0; c < 4 * K; c++) {
    const double *a = c < 2 * K ? N->a0 : c < 3 * K ? N->ak : N->akk;
    const double *m = R->gM + (c < K ? c : K + c % K) * n;
    double *t = T + c * n;
#pragma omp simd
    for (size_t i = 0; i < n; i++)
      t[i] = a[i] * m[i];
  }
  cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, (int) r, (int) (4 * K), (int) n, 1.0,
              R->gM, (int) n, T, (int) n, 0.0, out, (int) r);
  for (size_t k = 0; k < K; k++) {
    S->Eh0[k] = out[2 * K + r * k];
    S->Eps[k] = out[2 * K + 1 + r * (K + k)];
    S->Ekh[k] = out[2 * K + r * (2 * K + k)];
    S->Em0sq[k] = dot3(n, R->wt, R->g[k].mu0, R->g[k].mu0);
    for (size_t l = 0; l < K; l++) {
      S->Emt[k * K + l] = out[k + r * (2 * K + l)];
      S->Emm[k * K + l] = out[(k < l ? k : l) + r * (k < l ? l : k)];
      S->Ett[k * K + l] = out[K + (k < l ? k : l) + r * (3 * K + (k < l ? l : k))];
    }
  }
}

/* Least squares by SVD with rcond; returns the condition number of the kept part. */
static double lstsq(size_t n, double *Mat, double *rhs, double *x)
{
  gsl_matrix_view A = gsl_matrix_view_array(Mat, n, n);
  double vbuf[4 * SRF_MAX_GROUPS * SRF_MAX_GROUPS], sbuf[2 * SRF_MAX_GROUPS];
  double wbuf[2 * SRF_MAX_GROUPS];
  gsl_matrix_view Vm = gsl_matrix_view_array(vbuf, n, n);
  gsl_vector_view s = gsl_vector_view_array(sbuf, n), w = gsl_vector_view_array(wbuf, n);
  gsl_linalg_SV_decomp(&A.matrix, &Vm.matrix, &s.vector, &w.vector);
  double smax = sbuf[0], smin = smax;
  for (size_t j = 0; j < n; j++) {
    double t = 0;
    for (size_t i = 0; i < n; i++)
      t += gsl_matrix_get(&A.matrix, i, j) * rhs[i];
    wbuf[j] = sbuf[j] > f13_rcond * smax ? t / sbuf[j] : 0.0;
    smin = sbuf[j] > f13_rcond * smax ? sbuf[j] : smin;
  }
  for (size_t i = 0; i < n; i++) {
    x[i] = 0;
    for (size_t j = 0; j < n; j++)
      x[i] += gsl_matrix_get(&Vm.matrix, i, j) * wbuf[j];
  }
  return smax > 0 ? smax / smin : 1.0;
}

/* F13: the 2K' x 2K' system for (m, theta), groups with mu0_k = 0 dropped (m_k = 0). */
static double overlaps(const deq_srf_plan *plan, const grisk_sums *S, const double *tv,
                       double *m, double *theta)
{
  size_t K = plan->ngroups, idx[SRF_MAX_GROUPS], Kp = 0;
  double Mat[4 * SRF_MAX_GROUPS * SRF_MAX_GROUPS], rhs[2 * SRF_MAX_GROUPS];
  double x[2 * SRF_MAX_GROUPS];
  for (size_t k = 0; k < K; k++) {
    m[k] = 0;
    if (S->Em0sq[k] > mean_zero_rel * plan->scale)
      idx[Kp++] = k;
  }
  size_t n = Kp + K;
  for (size_t a = 0; a < Kp; a++) {
    for (size_t b = 0; b < Kp; b++)
      Mat[a * n + b] = S->Emm[idx[a] * K + idx[b]];
    for (size_t l = 0; l < K; l++)
      Mat[a * n + Kp + l] = S->Emt[idx[a] * K + l];
    rhs[a] = S->Eh0[idx[a]];
  }
  for (size_t k = 0; k < K; k++) {
    for (size_t b = 0; b < Kp; b++)
      Mat[(Kp + k) * n + b] = tv[k] * S->Emt[idx[b] * K + k];
    for (size_t l = 0; l < K; l++)
      Mat[(Kp + k) * n + Kp + l] = (k == l) + tv[k] * S->Ett[k * K + l];
    rhs[Kp + k] = tv[k] * S->Ekh[k];
  }
  double cond = lstsq(n, Mat, rhs, x);
  for (size_t a = 0; a < Kp; a++)
    m[idx[a]] = x[a];
  for (size_t k = 0; k < K; k++)
    theta[k] = x[Kp + k];
  return cond;
}

/* F16: DV[X][Y] = dV_X/dY of the inner solve (V2 = T2(A, s, V2)) at the real point a. */
static int inner_jacobian(const deq_srf_plan *plan, const srf_ratios *q, double lambda,
                          const srf_alg_pt *a, double *DV)
{
  size_t nu = plan->nunk, K = plan->ngroups, o = nu - K, perm[SRF_MAX_GROUPS];
  double complex Jin[SRF_MAX_GROUPS * SRF_MAX_GROUPS], dTV2[SRF_MAX_UNK * SRF_MAX_GROUPS];
  srf_alg_pt d;
  for (size_t k = 0; k < K; k++) {
    double complex col[SRF_MAX_UNK];
    memset(&d, 0, sizeof d);
    d.V2[k] = 1;
    if (deq_srf_alg(plan, q, -lambda, a, &d, NULL, col))
      return DEQ_ETOL;
    for (size_t X = 0; X < nu; X++)
      dTV2[X * K + k] = col[X];
    for (size_t j = 0; j < K; j++)
      Jin[j * K + k] = (j == k) - col[o + j];
  }
  if (deq_clu_factor(K, Jin, perm))
    return DEQ_ETOL;
  for (size_t Y = 0; Y < nu; Y++) {
    double complex col[SRF_MAX_UNK], dV2[SRF_MAX_GROUPS];
    size_t k = plan->uk[Y], l = plan->ul[Y];
    memset(&d, 0, sizeof d);
    if (l == K)
      d.b[k] = 1;
    else
      d.A[k * K + l] = d.A[l * K + k] = 1;
    if (deq_srf_alg(plan, q, -lambda, a, &d, NULL, col))
      return DEQ_ETOL;
    for (size_t j = 0; j < K; j++)
      dV2[j] = col[o + j];
    deq_clu_solve(K, Jin, perm, 0, dV2);
    for (size_t X = 0; X < nu; X++) {
      double complex t = X < o ? col[X] : 0;
      for (size_t j = 0; j < K; j++)
        t += X < o ? dTV2[X * K + j] * dV2[j] : (X - o == j) * dV2[j];
      DV[X * nu + Y] = creal(t);
    }
  }
  return DEQ_SUCCESS;
}

/* V1 as a full K x K matrix from the unknowns. */
static void v1_full(const deq_srf_plan *plan, const double *V, double *V1)
{
  size_t K = plan->ngroups;
  for (size_t Y = 0; Y < plan->nunk - K; Y++)
    V1[plan->uk[Y] * K + plan->ul[Y]] = V1[plan->ul[Y] * K + plan->uk[Y]] = V[Y];
}

/* Node pass 2: R0 (F15) and the sources of F17 at the overlaps. */
typedef struct {
  double ER0, R0abs, Tw2R0, G0[SRF_MAX_UNK], Eg[SRF_MAX_UNK], Ew2g[SRF_MAX_UNK];
  double Eth[SRF_MAX_GROUPS];
} grisk_pass2;

static void pass2(const deq_srf_plan *plan, const srf_rule *R, const grisk_nodes *N,
                  const double *m, const double *theta, const double *psio, double noise,
                  grisk_pass2 *P)
{
  size_t K = plan->ngroups, nu = plan->nunk, n = R->n;
  double *cb = N->cb, *mp = N->hc, ER0 = 0, R0abs = 0, Tw2R0 = 0;
  for (size_t i = 0; i < n; i++)
    cb[i] = mp[i] = 0;
  for (size_t k = 0; k < K; k++) {
    const double *mu0 = R->g[k].mu0, *mu1 = R->g[k].mu1, mk = m[k], tk = theta[k];
    const double pk = psio[k];
#pragma omp simd
    for (size_t i = 0; i < n; i++)
      cb[i] += mu0[i] * mk + R->kappa[i] * mu1[i] * tk, mp[i] += mu1[i] * pk;
  }
#pragma omp simd reduction(+ : ER0, R0abs, Tw2R0)
  for (size_t i = 0; i < n; i++) {
    double h = R->h[i], c = cb[i], cross = 2 * R->h1[i] * mp[i];
    double R0 = R->hh[i] - 2 * h * c + c * c - cross;
    ER0 += R->wt[i] * R0;
    R0abs += R->wt[i] * (R->hh[i] + fabs(2 * h * c) + c * c + fabs(cross));
    N->res[i] = N->a2[i] * (R0 + noise);
    Tw2R0 += N->res[i];
    N->hc[i] = h - c;
  }
  P->ER0 = ER0, P->R0abs = R0abs, P->Tw2R0 = Tw2R0;
  for (size_t k = 0; k < K; k++)
    P->Eth[k] = dot3(n, N->ak, R->g[k].mu1, N->hc);
  double out[2 * SRF_MAX_UNK];
  cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, (int) nu, 2, (int) n, 1.0, R->gY,
              (int) n, N->res, (int) (N->a2 - N->res), 0.0, out, (int) nu);
  for (size_t Y = 0; Y < nu; Y++) {
    P->G0[Y] = out[Y], P->Ew2g[Y] = out[nu + Y];
    P->Eg[Y] = dot2(n, R->wt, R->gY + Y * n);
  }
}

/* N[Y][Y'] = E[w^2 g_Y g_Y'] mult_Y' (the real Jacobian sums, G^T [a2 G] as one dgemm) and
 * the point (A, b, V2). */
static void n_matrix(const deq_srf_plan *plan, const srf_rule *R, const grisk_nodes *Nd,
                     const double *V, double *N, srf_alg_pt *a)
{
  size_t nu = plan->nunk, K = plan->ngroups, n = R->n;
  double *T = plan->gT, *H = plan->gHr, Sv[SRF_MAX_UNK];
  size_t np = nu * (nu + 1) / 2;
  cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, (int) nu, 1, (int) n, 1.0, R->gY,
              (int) n, Nd->a0, (int) n, 0.0, Sv, (int) nu);
  if (R->gP != NULL) {
    cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, (int) np, 1, (int) n, 1.0, R->gP,
                (int) n, Nd->a2, (int) n, 0.0, H + nu * nu, (int) np);
    for (size_t Y = 0, c = 0; Y < nu; Y++)
      for (size_t Z = Y; Z < nu; Z++, c++)
        H[Z * nu + Y] = H[nu * nu + c];
  } else {
    for (size_t Z = 0; Z < nu; Z++) {
      const double *g = R->gY + Z * n;
      double *t = T + Z * n;
#pragma omp simd
      for (size_t i = 0; i < n; i++)
        t[i] = Nd->a2[i] * g[i];
    }
    cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, (int) nu, (int) nu, (int) n, 1.0,
                R->gY, (int) n, T, (int) n, 0.0, H, (int) nu);
  }
  for (size_t Y = 0; Y < nu; Y++) {
    size_t k = plan->uk[Y], l = plan->ul[Y];
    if (l == K)
      a->b[k] = Sv[Y], a->V2[k] = V[Y];
    else
      a->A[k * K + l] = a->A[l * K + k] = Sv[Y];
    for (size_t Z = Y; Z < nu; Z++) {
      double h = H[Z * nu + Y];
      N[Y * nu + Z] = h * plan->mult[Z], N[Z * nu + Y] = h * plan->mult[Y];
    }
  }
}

/* (I + DV N) q = -DV G0 by LU (real, stored complex); returns ||L|| ||L^-1|| (1-norms). */
static double q_solve(deq_srf_plan *plan, grisk_work *W, const double *N, const double *G0,
                      double *qv)
{
  size_t nu = plan->nunk, perm[SRF_MAX_UNK];
  double complex *L = plan->gJ, rhs[SRF_MAX_UNK];
  double n1 = 0;
  for (size_t X = 0; X < nu; X++) {
    rhs[X] = 0;
    for (size_t Y = 0; Y < nu; Y++) {
      double t = 0;
      for (size_t Z = 0; Z < nu; Z++)
        t += W->DV[X * nu + Z] * N[Z * nu + Y];
      L[X * nu + Y] = (X == Y) + t;
      rhs[X] -= W->DV[X * nu + Y] * G0[Y];
    }
  }
  for (size_t Y = 0; Y < nu; Y++) {
    double col = 0;
    for (size_t X = 0; X < nu; X++)
      col += cabs(L[X * nu + Y]);
    n1 = fmax(n1, col);
  }
  if (deq_clu_factor(nu, L, perm))
    return INFINITY;
  deq_clu_solve(nu, L, perm, 0, rhs);
  double ninv = 0;
  for (size_t Y = 0; Y < nu; Y++) {
    double complex e[SRF_MAX_UNK] = { 0 };
    double col = 0;
    e[Y] = 1;
    deq_clu_solve(nu, L, perm, 0, e);
    for (size_t X = 0; X < nu; X++)
      col += cabs(e[X]);
    ninv = fmax(ninv, col);
  }
  for (size_t X = 0; X < nu; X++)
    qv[X] = creal(rhs[X]);
  return n1 * ninv;
}

/* F12-F18 on rule R at the real solution V. */
static int grisk_terms(deq_srf_plan *plan, const srf_rule *R, const srf_ratios *q,
                       const deq_srf_params *p, const double *V, grisk_value *v)
{
  size_t K = plan->ngroups, nu = plan->nunk, o = nu - K;
  grisk_sums S;
  grisk_pass2 P;
  grisk_work W;
  double tv[SRF_MAX_GROUPS], m[SRF_MAX_GROUPS], th[SRF_MAX_GROUPS], psio[SRF_MAX_GROUPS];
  double V1[SRF_MAX_GROUPS * SRF_MAX_GROUPS], G0[SRF_MAX_UNK], qv[SRF_MAX_UNK];
  double *N = plan->gR;
  grisk_nodes Nd = nodes_of(plan);
  srf_alg_pt a;
  node_weights_real(plan, R, V, &Nd);
  sums1(plan, R, &Nd, &S);
  for (size_t k = 0; k < K; k++)
    tv[k] = q->c * q->phi / q->psi * V[o + k];
  double c13 = overlaps(plan, &S, tv, m, th);
  v1_full(plan, V, V1);
  for (size_t k = 0; k < K; k++) {
    psio[k] = 0;
    for (size_t l = 0; l < K; l++)
      psio[k] += q->phi / q->psi * V1[k * K + l] * S.Eps[l];
  }
  pass2(plan, R, &Nd, m, th, psio, p->noise, &P);
  for (size_t Y = 0; Y < nu; Y++) {
    size_t k = plan->uk[Y], l = plan->ul[Y];
    G0[Y] = P.G0[Y] + q->phi / q->psi * (l == K ? q->c * P.Eth[k] * P.Eth[k]
                                                 : S.Eps[k] * S.Eps[l]);
  }
  n_matrix(plan, R, &Nd, V, N, &a);
  if (inner_jacobian(plan, q, p->lambda, &a, W.DV))
    return DEQ_ETOL;
  double cq = q_solve(plan, &W, N, G0, qv);
  *v = (grisk_value) { P.ER0, P.Tw2R0, 0, 0, 0, 0, 0, 0, 0, 0 };
  double rabs = P.R0abs;
  for (size_t Y = 0; Y < nu; Y++) {
    double t = plan->mult[Y] * qv[Y];
    v->test += t * P.Eg[Y], v->train += t * P.Ew2g[Y], rabs += fabs(t * P.Eg[Y]);
    *(Y < o ? &v->q1 : &v->q2) += t;
    *(Y < o ? &v->V1 : &v->V2) += plan->mult[Y] * V[Y];
  }
  for (size_t k = 0; k < K; k++)
    v->mean += m[k], v->theta += th[k], v->psi_o += psio[k];
  v->cond = (c13 + cq) * rabs;
  return isfinite(v->test) && isfinite(v->train) ? DEQ_SUCCESS : DEQ_ETOL;
}

static int solve_real(deq_srf_plan *plan, const srf_rule *R, const srf_ratios *q,
                      double lambda, const deq_opts *opts, double *V, double *errV)
{
  double complex Vc[SRF_MAX_UNK];
  int status = deq_srf_gsolve(plan, R, q, -lambda, opts, Vc);
  if (status)
    return status;
  for (size_t Y = 0; Y < plan->nunk; Y++)
    V[Y] = creal(Vc[Y]);
  if (errV == NULL)
    return DEQ_SUCCESS;
  deq_srf_bulk b;
  return deq_srf_gbulk_finish(plan, q, -lambda, Vc, &b, errV);
}

/* Error bars: half rule, gradient in V times the bound on V, rounding and coefficients.  The
 * gradient (a first-order factor of a bound) is taken on the half rule at its own solution Vh:
 * it agrees with the full rule's to the quadrature error, at half the cost. */
static int grisk_errors(deq_srf_plan *plan, const srf_ratios *q, const deq_srf_params *p,
                        const double *Vh, const double *errV, const grisk_value *v,
                        const grisk_value *vh, double err[2])
{
  err[0] = fabs(v->test - vh->test), err[1] = fabs(v->train - vh->train);
  for (size_t Y = 0; Y < plan->nunk; Y++) {
    double Vp[SRF_MAX_UNK], h = fd_rel * fabs(Vh[Y]);
    grisk_value vp;
    if (!(h > 0))
      continue;
    memcpy(Vp, Vh, plan->nunk * sizeof *Vp);
    Vp[Y] += h;
    if (grisk_terms(plan, &plan->half, q, p, Vp, &vp))
      return DEQ_ETOL;
    err[0] += fabs(vp.test - vh->test) / h * errV[Y];
    err[1] += fabs(vp.train - vh->train) / h * errV[Y];
  }
  double tiny = (risk_round_ulps * DBL_EPSILON + plan->full.coef_rel) * v->cond;
  err[0] += tiny, err[1] += tiny;
  return DEQ_SUCCESS;
}

int deq_srf_grisk(deq_srf_plan *plan, const srf_ratios *q, const deq_srf_params *p,
                  const deq_opts *opts, deq_srf_risk *out)
{
  double V[SRF_MAX_UNK], Vh[SRF_MAX_UNK], errV[SRF_MAX_UNK], err[2];
  grisk_value v, vh;
  int status = solve_real(plan, &plan->full, q, p->lambda, opts, V, errV);
  if (!status)
    status = solve_real(plan, &plan->half, q, p->lambda, opts, Vh, NULL);
  if (status)
    DEQ_ERRORF(status, "spiked: group unknowns at z = -lambda = %g: %s", -p->lambda,
               deq_strerror(status));
  status = grisk_terms(plan, &plan->full, q, p, V, &v);
  if (!status)
    status = grisk_terms(plan, &plan->half, q, p, Vh, &vh);
  if (!status)
    status = grisk_errors(plan, q, p, Vh, errV, &v, &vh, err);
  if (status)
    DEQ_ERRORF(status, "spiked: group risk at lambda = %g is not finite", p->lambda);
  *out = (deq_srf_risk) { { v.test, err[0] }, { v.train, err[1] }, v.V1, v.V2, v.mean,
                          v.theta, v.psi_o, v.q1, v.q2, DEQ_SUCCESS };
  return DEQ_SUCCESS;
}

/* Outliers with K >= 2 spike groups: the finite-outlier condition spiked_finite_support F10
 * (Schur complement of the mean block) and the order-p mean outliers F9/F11. */
#include <float.h>
#include <math.h>
#include <string.h>
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_sort_vector.h>
#include "theory/spiked_impl.h"

/* A group's mean column is zero (dropped, F10) below this fraction of the bulk mean; the
 * pseudo-inverse of E_mm keeps singular values above pinv_rcond times the largest; F11
 * eigenvalues below rank_rel times the largest do not count as mean outliers. */
static const double mean_zero_rel = 1e-20;
static const double pinv_rcond = 1e-13;
static const double rank_rel = 1e-10;
/* F9 brackets: geometric midpoints between neighbouring leading orders; the largest root's
 * bracket goes up to bracket_factor times its leading order (widened up to bracket_tries). */
static const double bracket_factor = 2.0;
static const int bracket_tries = 8;
static const double mean_round_ulps = 64.0;

typedef struct {
  double mm[SRF_MAX_GROUPS * SRF_MAX_GROUPS], mt[SRF_MAX_GROUPS * SRF_MAX_GROUPS];
  double tt[SRF_MAX_GROUPS * SRF_MAX_GROUPS], V2[SRF_MAX_GROUPS];
} gedge_sums;

/* The real solution at x right of the edge and the blocks of E_L (F9). */
static int real_blocks(deq_srf_plan *plan, const srf_ratios *q, double x, const deq_opts *opts,
                       gedge_sums *E)
{
  size_t K = plan->ngroups, nu = plan->nunk;
  double complex Vc[SRF_MAX_UNK];
  double V[SRF_MAX_UNK];
  const srf_rule *R = &plan->full;
  memset(E, 0, sizeof *E);
  int status = deq_srf_gsolve(plan, &plan->full, q, x, opts, Vc);
  if (status)
    return status;
  for (size_t Y = 0; Y < nu; Y++)
    V[Y] = creal(Vc[Y]);
  for (size_t k = 0; k < K; k++)
    E->V2[k] = V[nu - K + k];
  double *w = plan->gwork + 6 * plan->full.n;
  deq_srf_gw(plan, R, V, w);
  for (size_t i = 0; i < R->n; i++) {
    double gw = R->wt[i] * w[i], kap = R->kappa[i];
    for (size_t k = 0; k < K; k++)
      for (size_t l = 0; l < K; l++) {
        E->mm[k * K + l] += gw * R->g[k].mu0[i] * R->g[l].mu0[i];
        E->mt[k * K + l] += gw * kap * R->g[k].mu0[i] * R->g[l].mu1[i];
        E->tt[k * K + l] += gw * kap * kap * R->g[k].mu1[i] * R->g[l].mu1[i];
      }
  }
  return DEQ_SUCCESS;
}

/* Determinant of an n x n real matrix (overwritten) by LU. */
static double det_n(size_t n, double *M)
{
  gsl_matrix_view A = gsl_matrix_view_array(M, n, n);
  gsl_permutation *p = gsl_permutation_alloc(n);
  int sgn = 1;
  if (p == NULL)
    return NAN;
  gsl_linalg_LU_decomp(&A.matrix, p, &sgn);
  double d = gsl_linalg_LU_det(&A.matrix, sgn);
  gsl_permutation_free(p);
  return d;
}

/* Pseudo-inverse of the symmetric E_mm (groups with a zero mean column dropped) by its
 * eigen-decomposition. */
static int pinv_mm(const deq_srf_plan *plan, const double *mm, double *P)
{
  size_t K = plan->ngroups;
  double a[SRF_MAX_GROUPS * SRF_MAX_GROUPS], ev[SRF_MAX_GROUPS * SRF_MAX_GROUPS];
  double lam[SRF_MAX_GROUPS], emax = 0;
  memcpy(a, mm, K * K * sizeof *a);
  gsl_matrix_view A = gsl_matrix_view_array(a, K, K), Ev = gsl_matrix_view_array(ev, K, K);
  gsl_vector_view L = gsl_vector_view_array(lam, K);
  gsl_eigen_symmv_workspace *w = gsl_eigen_symmv_alloc(K);
  if (w == NULL)
    DEQ_ERROR("spiked: out of memory for an eigen-decomposition", DEQ_ENOMEM);
  gsl_eigen_symmv(&A.matrix, &L.vector, &Ev.matrix, w);
  gsl_eigen_symmv_free(w);
  for (size_t j = 0; j < K; j++)
    emax = fmax(emax, fabs(lam[j]));
  for (size_t k = 0; k < K; k++)
    for (size_t l = 0; l < K; l++) {
      double s = 0;
      for (size_t j = 0; j < K; j++)
        if (fabs(lam[j]) > pinv_rcond * emax && emax > mean_zero_rel * plan->scale)
          s += ev[k * K + j] * ev[l * K + j] / lam[j];
      P[k * K + l] = s;
    }
  return DEQ_SUCCESS;
}

int deq_srf_gfinite_lhs(deq_srf_plan *plan, const srf_ratios *q, double x,
                        const deq_opts *opts, double *lhs)
{
  size_t K = plan->ngroups;
  gedge_sums E;
  double P[SRF_MAX_GROUPS * SRF_MAX_GROUPS], M[SRF_MAX_GROUPS * SRF_MAX_GROUPS];
  *lhs = NAN;
  int status = real_blocks(plan, q, x, opts, &E);
  if (!status)
    status = pinv_mm(plan, E.mm, P);
  if (status)
    return status;
  for (size_t k = 0; k < K; k++)
    for (size_t l = 0; l < K; l++) {
      double s = E.tt[k * K + l];
      for (size_t a = 0; a < K; a++)
        for (size_t b = 0; b < K; b++)
          s -= E.mt[a * K + k] * P[a * K + b] * E.mt[b * K + l];
      M[k * K + l] = (k == l) + q->c * q->phi / q->psi * E.V2[k] * s;
    }
  *lhs = det_n(K, M);
  return isfinite(*lhs) ? DEQ_SUCCESS : DEQ_EBADFUNC;
}

typedef struct {
  deq_srf_plan *plan;
  const srf_ratios *q;
  const deq_opts *opts;
  double width;
} gmean_fn;

/* F9: det(I_2K + E_L Gamma) at x, n = p/psi. */
static int f9_fn(const double complex *x, void *params, double complex *F, double complex *J)
{
  (void) J;
  const gmean_fn *P = params;
  size_t K = P->plan->ngroups, n2 = 2 * K;
  double n = P->width / P->q->psi, M[4 * SRF_MAX_GROUPS * SRF_MAX_GROUPS];
  gedge_sums E;
  int status = real_blocks(P->plan, P->q, creal(x[0]), P->opts, &E);
  if (status)
    return status;
  for (size_t a = 0; a < n2; a++)
    for (size_t b = 0; b < n2; b++) {
      size_t k = a % K, l = b % K;
      double e = a < K ? (b < K ? E.mm[k * K + l] : E.mt[k * K + l])
                       : (b < K ? E.mt[l * K + k] : E.tt[k * K + l]);
      double g = b < K ? n * E.V2[l] : P->q->c * P->q->phi / P->q->psi * E.V2[l];
      M[a * n2 + b] = (a == b) + e * g;
    }
  F[0] = det_n(n2, M);
  return isfinite(creal(F[0])) ? DEQ_SUCCESS : DEQ_EBADFUNC;
}

/* F11: eigenvalues of p diag(sqrt pi) E[mu0 mu0^T] diag(sqrt pi), largest first; *count is
 * the number of them above rank_rel of the largest and above ub, the upper bound of the bulk
 * (a smaller one is not separated from the bulk at this width). */
static int f11_leading(const deq_srf_plan *plan, double width, double ub, double *lead,
                       int *count)
{
  size_t K = plan->ngroups;
  const srf_rule *R = &plan->full;
  double a[SRF_MAX_GROUPS * SRF_MAX_GROUPS] = { 0 }, lam[SRF_MAX_GROUPS];
  for (size_t i = 0; i < R->n; i++)
    for (size_t k = 0; k < K; k++)
      for (size_t l = 0; l < K; l++)
        a[k * K + l] += R->wt[i] * R->g[k].mu0[i] * R->g[l].mu0[i] * width
                        * sqrt(R->g[k].weight * R->g[l].weight);
  gsl_matrix_view A = gsl_matrix_view_array(a, K, K);
  gsl_vector_view L = gsl_vector_view_array(lam, K);
  gsl_eigen_symm_workspace *w = gsl_eigen_symm_alloc(K);
  if (w == NULL)
    DEQ_ERROR("spiked: out of memory for an eigen-decomposition", DEQ_ENOMEM);
  gsl_eigen_symm(&A.matrix, &L.vector, w);
  gsl_eigen_symm_free(w);
  gsl_sort_vector_largest(lead, K, &L.vector);
  *count = 0;
  for (size_t k = 0; k < K; k++)
    if (lead[k] > rank_rel * lead[0] && lead[0] > mean_zero_rel * plan->scale * width
        && lead[k] > ub)
      (*count)++;
  return DEQ_SUCCESS;
}

/* Root of F9 in a bracket [lo, hi] (hi widened until F9 changes sign when widen); DEQ_ETOL
 * (not reported) if there is no sign change. */
static int f9_root(gmean_fn *P, double lo, double hi, int widen, deq_result *r)
{
  double complex x[2] = { lo, hi }, Flo, Fhi;
  int status = lo < hi ? f9_fn(&x[0], P, &Flo, NULL) : DEQ_ETOL;
  for (int t = 0; !status && t < bracket_tries; t++) {
    status = f9_fn(&x[1], P, &Fhi, NULL);
    if (status || (creal(Flo) > 0) != (creal(Fhi) > 0) || !widen)
      break;
    x[1] *= bracket_factor;
  }
  if (!status && (creal(Flo) > 0) == (creal(Fhi) > 0))
    status = DEQ_ETOL;
  if (!status)
    status = deq_solver_solve(P->plan->brent, f9_fn, P, P->opts, x);
  *r = (deq_result) { creal(x[0]), deq_solver_error(P->plan->brent) };
  return status;
}

/* The mean outliers, largest first: each root of F9 between the geometric means of the
 * neighbouring leading orders (the lowest above ub).  A smaller outlier whose bracket has no
 * sign change is not separated from the bulk at this width: the count stops there. */
int deq_srf_gmean(deq_srf_plan *plan, const srf_ratios *q, double width, const deq_opts *opts,
                  deq_srf_mean *out)
{
  double lead[SRF_MAX_GROUPS], ub = deq_srf_upper_bound(plan, q);
  int count, status, found = 0;
  gmean_fn P = { plan, q, opts, width };
  if ((status = f11_leading(plan, width, ub, lead, &count)) || count == 0)
    return status;
  for (int j = 0; j < count; j++, found++) {
    double hi = j == 0 ? lead[0] * bracket_factor : sqrt(lead[j] * lead[j - 1]);
    double lo = fmax(ub, j + 1 < count ? sqrt(lead[j] * lead[j + 1]) : lead[j] / bracket_factor);
    out->all_leading[j] = (deq_result) { lead[j], mean_round_ulps * DBL_EPSILON * lead[j] };
    status = f9_root(&P, lo, hi, j == 0, &out->all[j]);
    if (status == DEQ_ETOL && j > 0)
      break;
    if (status)
      DEQ_ERRORF(status, "spiked: mean outlier %d (F9) in [%g, %g]: %s", j + 1, lo, hi,
                 deq_strerror(status));
  }
  out->exists = 1, out->count = found;
  out->x = out->all[0], out->leading = out->all_leading[0];
  return DEQ_SUCCESS;
}

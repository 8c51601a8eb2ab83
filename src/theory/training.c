/* Theory overlays of training_spectra.md: S3 scalars, S13-S16 one-step spike, bulk pencils. */
#include <float.h>
#include <math.h>
#include <string.h>
#include <complex.h>
#include <gsl/gsl_integration.h>
#include "core/check.h"
#include "core/solver.h"
#include "deqnn/ck.h"
#include "deqnn/ntk.h"
#include "deqnn/training.h"

/* Rounding allowance of the closed forms below, in ulps of each output. */
static const double spike_round_ulps = 32.0;

int deq_training_scalars_eval(const deq_act *act, const deq_act *teacher, double noise,
                              const deq_opts *opts, deq_training_scalars *out)
{
  if (act == NULL || teacher == NULL || out == NULL)
    DEQ_ERROR("training: NULL argument to deq_training_scalars_eval", DEQ_EINVAL);
  if (!(isfinite(noise) && noise >= 0))
    DEQ_ERRORF(DEQ_EINVAL, "noise = %g: must be finite and >= 0", noise);
  deq_act_fw fw;
  deq_act_gauss s, t;
  int status = deq_act_fw_constants(act, opts, &fw);
  if (!status)
    status = deq_act_moments(act, opts, &s);
  if (!status)
    status = deq_act_moments(teacher, opts, &t);
  if (status)
    return status;
  out->mu1 = (deq_result) { s.mu1.val / fw.scale, s.mu1.err / fw.scale };
  out->b = fw.b;
  out->a_sig = fw.a;
  out->mu1t = t.mu1;   /* E sigma_t'(xi) = E[xi sigma_t(xi)] (Stein) */
  out->ey2 = (deq_result) { t.m2.val + noise, t.m2.err + DBL_EPSILON * (t.m2.val + noise) };
  return DEQ_SUCCESS;
}

static int check_ratios(double sample_ratio, double width_ratio)
{
  if (!(isfinite(sample_ratio) && sample_ratio > 0))
    DEQ_ERRORF(DEQ_EINVAL, "sample_ratio = %g: must be finite and > 0", sample_ratio);
  if (!(isfinite(width_ratio) && width_ratio > 0))
    DEQ_ERRORF(DEQ_EINVAL, "width_ratio = %g: must be finite and > 0", width_ratio);
  return DEQ_SUCCESS;
}

/* S14-S15 as functions of t = rho - phi (theta^2 for the centred model):
 * lambda = (1 + t)(phi + t)/t, |<v_top, v>|^2 = 1 - phi (1 + t)/(t (t + phi)),
 * |<v_top, r_hat>|^2 = that times rho/t; derivatives in t for the error bars. */
static void spike_from_t(double phi, double t, double err_t, double beta_frac,
                         deq_training_spike *out)
{
  double rho = phi + t;
  out->rho = (deq_result) { rho, err_t + spike_round_ulps * DBL_EPSILON * fabs(rho) };
  out->threshold = phi + sqrt(phi);
  out->outlier = t > sqrt(phi);
  if (!out->outlier) {
    double edge = (1 + sqrt(phi)) * (1 + sqrt(phi));
    out->lambda = (deq_result) { edge, spike_round_ulps * DBL_EPSILON * edge };
    out->overlap_rhat = out->overlap_v = out->overlap_beta = (deq_result) { 0.0, 0.0 };
    return;
  }
  double q = t * (t + phi), ov = 1 - phi * (1 + t) / q;
  double dov = phi * (t * t + 2 * t + phi) / (q * q), dlam = (t * t - phi) / (t * t);
  double lam = (1 + t) * (phi + t) / t, ovr = ov * rho / t;
  double dovr = dov * rho / t + ov * fabs(-phi / (t * t));
  out->lambda = (deq_result) { lam, fabs(dlam) * err_t + spike_round_ulps * DBL_EPSILON * lam };
  out->overlap_v = (deq_result) { ov, dov * err_t + spike_round_ulps * DBL_EPSILON };
  out->overlap_rhat = (deq_result) { ovr, dovr * err_t + spike_round_ulps * DBL_EPSILON };
  out->overlap_beta = (deq_result) { ov * beta_frac, out->overlap_v.err * beta_frac };
}

int deq_training_spike_eval(const deq_training_scalars *sc, double sample_ratio,
                            double width_ratio, double theta_lr, int centred,
                            deq_training_spike *out)
{
  if (sc == NULL || out == NULL)
    DEQ_ERROR("training: NULL argument to deq_training_spike_eval", DEQ_EINVAL);
  if (check_ratios(sample_ratio, width_ratio))
    return DEQ_EINVAL;
  if (!(isfinite(theta_lr) && theta_lr >= 0))
    DEQ_ERRORF(DEQ_EINVAL, "learning_rate = %g: must be finite and >= 0", theta_lr);
  double g0 = sample_ratio, g1 = sample_ratio / width_ratio, phi = 1 / width_ratio;
  double mu1 = sc->mu1.val, m1t = sc->mu1t.val, K = m1t * m1t + sc->ey2.val / g0;
  double pre = theta_lr * theta_lr * mu1 * mu1 * g0 * g1;
  double rel_mu1 = mu1 != 0 ? 2 * sc->mu1.err / fabs(mu1) : 0.0;
  memset(out, 0, sizeof *out);
  if (centred) {   /* S13 */
    double t = pre * K, dK = 2 * fabs(m1t) * sc->mu1t.err + sc->ey2.err / g0;
    double err = t * rel_mu1 + pre * dK, frac = K > 0 ? m1t * m1t / K : 0.0;
    out->theta2 = (deq_result) { t, err + spike_round_ulps * DBL_EPSILON * t };
    spike_from_t(phi, t, out->theta2.err, frac, out);
    return DEQ_SUCCESS;
  }
  /* S16: c = theta_lr mu1^2 gamma0; theta'^2 with the initial function's noise 1 - mu1^2 */
  double c = theta_lr * mu1 * mu1 * g0;
  double K2 = m1t * m1t + (sc->ey2.val + 1 - mu1 * mu1) / g0, th2 = pre * K2;
  double t = th2 + phi * (-2 * c + c * c * (1 + 1 / g0));
  double err = (th2 + phi * (2 * c + 2 * c * c * (1 + 1 / g0))) * rel_mu1 +
               pre * (2 * fabs(m1t) * sc->mu1t.err + sc->ey2.err / g0);
  out->theta2 = (deq_result) { th2, err + spike_round_ulps * DBL_EPSILON * th2 };
  spike_from_t(phi, t, err + spike_round_ulps * DBL_EPSILON * (fabs(t) + phi), 0.0, out);
  out->overlap_v = out->overlap_beta = (deq_result) { NAN, INFINITY };
  out->approximate = 1;
  return DEQ_SUCCESS;
}

int deq_training_bulk_alloc(const deq_act *act, deq_training_matrix which, double sample_ratio,
                            double width_ratio, const deq_opts *opts, deq_pencil **pen)
{
  DEQ_CHECK(pen != NULL, "deq_training_bulk_alloc: pen must not be NULL");
  *pen = NULL;
  DEQ_CHECK(act != NULL, "deq_training_bulk_alloc: act must not be NULL");
  if (check_ratios(sample_ratio, width_ratio))
    return DEQ_EINVAL;
  deq_input_law input = { DEQ_DATA_GAUSSIAN, 0, NULL, NULL };
  double gamma[2] = { sample_ratio, sample_ratio / width_ratio };
  switch (which) {
  case DEQ_TRAINING_W: {
    deq_pencil_params par;
    memset(&par, 0, sizeof par);
    par.gamma[0] = 1 / width_ratio;   /* M^T M = W^T W/d1 ~ MP(d0/d1) */
    par.q[0] = 1.0;
    par.input = input;
    return deq_pencil_alloc(&par, opts, pen);
  }
  case DEQ_TRAINING_CK:
    return deq_ck_alloc(act, 1, gamma, &input, opts, pen);
  case DEQ_TRAINING_NTK:
    return deq_ntk_alloc(act, 1, gamma, &input, opts, pen);
  default:
    DEQ_ERRORF(DEQ_EINVAL, "matrix = %d: unknown (W, CK or NTK)", (int) which);
  }
}

int deq_training_top_tw(size_t d0, size_t d1, double *mean, double *sd)
{
  DEQ_CHECK(mean != NULL && sd != NULL, "deq_training_top_tw: NULL output");
  if (d0 < 1 || d1 < 2)
    DEQ_ERRORF(DEQ_EINVAL, "sizes d0 = %zu, d1 = %zu: need d0 >= 1, d1 >= 2", d0, d1);
  double a = sqrt((double) d0), b = sqrt((double) d1), c = sqrt((double) d1 - 1);
  double centre = (c + a) * (c + a) / (double) d1;
  double sc = (b + a) * cbrt(1 / b + 1 / a) / (double) d1;
  *mean = centre - 1.2065 * sc;   /* Tracy-Widom (beta = 1) mean and sd */
  *sd = 1.2680 * sc;
  return DEQ_SUCCESS;
}

/* ---- S17: the CK outlier after one centred step (approximate) ---- */

/* Gauss-Legendre orders of the J integrals and of their error estimate (S6's angle). */
enum { S17_NODES = 200, S17_NODES_ERR = 100, S17_SCAN = 240 };
/* Scan range right of the CK edge, in edges: from 1 + s17_from to s17_to. */
static const double s17_from = 1e-6, s17_to = 1e4;

typedef struct {
  deq_pencil *ck;
  double g0, g1, b, A, c3, c2;          /* gamma0, gamma1, b, A, mu1t^2, Ey2 - mu1t^2 */
  gsl_integration_glfixed_table *tab[2];
  double qerr;                           /* |g with 200 nodes - g with 100| at the last call */
  double delta;
} s17_params;

/* J2, J3 of S17 with the nodes of table tab, at lambda with 1 + delta = opd. */
static int s17_j(const s17_params *P, gsl_integration_glfixed_table *tab, double lambda,
                 double opd, double J[2])
{
  double lo = (1 - sqrt(P->g0)) * (1 - sqrt(P->g0)), hi = (1 + sqrt(P->g0)) * (1 + sqrt(P->g0));
  J[0] = J[1] = 0;
  for (size_t i = 0; i < tab->n; i++) {
    double u, w;
    gsl_integration_glfixed_point(0, M_PI, i, &u, &w, tab);
    double sn = sin(0.5 * u), cs = cos(0.5 * u), t = lo + (hi - lo) * sn * sn;
    /* rho(t) dt = (hi - lo)^2 sin^2 cos^2 / (2 pi gamma0 t) du: smooth in u */
    double rdt = (hi - lo) * (hi - lo) * sn * sn * cs * cs / (2 * M_PI * P->g0 * t);
    double den = (P->b * t + 1 - P->b) / opd - lambda;
    if (!(den < 0))
      DEQ_ERRORF(DEQ_EBRANCH, "S17: lambda = %g is not right of the CK bulk (pole in J)", lambda);
    J[0] += w * t * t * rdt / den;
    J[1] += w * t * t * t * rdt / den;
  }
  return DEQ_SUCCESS;
}

/* g(lambda) of S17; delta from the CK pencil at the real point lambda. */
static int s17_g(s17_params *P, double lambda, double *g)
{
  deq_cresult m;
  deq_complex t[2];
  int s = deq_pencil_stieltjes(P->ck, lambda, &m, t);
  if (s)
    return s;
  double delta = P->g1 * (P->b * creal(t[0]) + (1 - P->b) * creal(m.val)), J[2], Je[2];
  s = s17_j(P, P->tab[0], lambda, 1 + delta, J);
  if (!s)
    s = s17_j(P, P->tab[1], lambda, 1 + delta, Je);
  if (s)
    return s;
  *g = 1 + delta + P->A * (P->c3 * J[1] + P->c2 * J[0]);
  P->qerr = P->A * (fabs(P->c3) * fabs(J[1] - Je[1]) + fabs(P->c2) * fabs(J[0] - Je[0]));
  P->delta = delta;
  return isfinite(*g) ? DEQ_SUCCESS : DEQ_EBADFUNC;
}

static int s17_fn(const double complex *x, void *params, double complex *F, double complex *J)
{
  (void) J;
  double g = NAN;
  int s = s17_g(params, creal(x[0]), &g);
  F[0] = g;
  return s;
}

/* Scan for the first sign change of g right of the edge, then Brent. */
static int s17_search(s17_params *P, double edge, const deq_opts *opts, deq_training_ck_spike *out)
{
  double prev = edge * (1 + s17_from), gprev, g;
  int s = s17_g(P, prev, &gprev);
  if (s || gprev > 0)
    return s;   /* no outlier (g > 0 from the edge on) */
  double ratio = pow(s17_to / s17_from, 1.0 / S17_SCAN);
  for (int k = 1; k <= S17_SCAN; k++) {
    double x = edge * (1 + s17_from * pow(ratio, k));
    if ((s = s17_g(P, x, &g)))
      return s;
    if (g > 0) {
      deq_solver *br = deq_solver_alloc(deq_solver_brent, 1);
      if (br == NULL)
        DEQ_ERROR("S17: out of memory", DEQ_ENOMEM);
      double complex xb[2] = { prev, x };
      s = deq_solver_solve(br, s17_fn, P, opts, xb);
      double root = creal(xb[0]), gl, gr, h = 1e-7 * root;
      double err = deq_solver_error(br);
      deq_solver_free(br);
      if (!s)
        s = s17_g(P, root + h, &gr);
      double qerr = P->qerr;
      if (!s)
        s = s17_g(P, root - h, &gl);
      if (!s)
        s = s17_g(P, root, &g);   /* leaves delta at the root */
      double slope = fabs(gr - gl) / (2 * h);
      out->outlier = 1;
      out->lambda = (deq_result) { root, err + (slope > 0 ? (qerr + fabs(g)) / slope : INFINITY) };
      out->delta = P->delta;
      return s;
    }
    prev = x;
  }
  return DEQ_SUCCESS;
}

int deq_training_ck_outlier(const deq_training_scalars *sc, deq_pencil *ck, double sample_ratio,
                            double width_ratio, double theta_lr, const deq_opts *opts,
                            deq_training_ck_spike *out)
{
  DEQ_CHECK(sc != NULL && ck != NULL && out != NULL, "deq_training_ck_outlier: NULL argument");
  if (check_ratios(sample_ratio, width_ratio))
    return DEQ_EINVAL;
  if (!(isfinite(theta_lr) && theta_lr >= 0))
    DEQ_ERRORF(DEQ_EINVAL, "learning_rate = %g: must be finite and >= 0", theta_lr);
  double edges[16];
  size_t nint = 0;
  *out = (deq_training_ck_spike) { 0, { NAN, INFINITY }, NAN, NAN };
  int s = deq_pencil_support(ck, edges, 8, &nint);
  if (s || nint == 0)
    return s ? s : DEQ_ETOL;
  out->edge = edges[2 * nint - 1];
  double mu1 = sc->mu1.val, m1t2 = sc->mu1t.val * sc->mu1t.val;
  s17_params P = { ck, sample_ratio, sample_ratio / width_ratio, sc->b.val,
                   theta_lr * theta_lr * mu1 * mu1 * (sample_ratio / width_ratio) * mu1 * mu1,
                   m1t2, sc->ey2.val - m1t2, { NULL, NULL }, 0, NAN };
  deq_gsl_quiet();
  P.tab[0] = gsl_integration_glfixed_table_alloc(S17_NODES);
  P.tab[1] = gsl_integration_glfixed_table_alloc(S17_NODES_ERR);
  if (P.tab[0] == NULL || P.tab[1] == NULL)
    s = DEQ_ENOMEM;
  else
    s = s17_search(&P, out->edge, opts, out);
  gsl_integration_glfixed_table_free(P.tab[0]);
  gsl_integration_glfixed_table_free(P.tab[1]);
  return s;
}

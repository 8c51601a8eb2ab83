/* Spiked random features and the network after one maximal step, sampled (spiked_rf S1,
 * S6, S10).  The draws, the forward pass, the gradient, the large step, the ridge and the
 * test error are twolayer's (src/sim/twolayer*.c, through twolayer_impl.h); this file adds
 * the spiked weights, the fixed teacher direction, the constant read-out and the spectrum
 * of S = F^T F / n.  No deterministic-equivalent formula here (see deqnn/spiked.h). */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cblas.h>
#include "deqnn/rng.h"
#include "deqnn/srfsim.h"
#include "core/check.h"
#include "core/mem.h"
#include "sim/twolayer_impl.h"

#define GIB 1073741824.0

struct deq_srfsim {
  deq_srfsim_spec spec;
  deq_twolayer *tl;   /* data, weights, features, ridge */
  size_t lwork;       /* dsyev workspace (doubles) */
  double *S;          /* p x p: S = F^T F / n, overwritten by dsyev */
  double *ev;         /* p eigenvalues, ascending */
  double *work;
  int drawn;          /* tl holds the draw of (master, replicate) */
  uint64_t master, replicate;
};

/* ------------------------------------------------------------------------------
 * Checks: the first failing one reports (once). */

static int check_nonneg(double x, const char *name)
{
  if (!(x >= 0 && isfinite(x)))
    DEQ_ERRORF(DEQ_EINVAL, "%s: must be finite and >= 0, got %g", name, x);
  return DEQ_SUCCESS;
}

static int check_sizes(const deq_srfsim_spec *s)
{
  int status = deq_sim_check_size(s->d, "d");
  if (status == DEQ_SUCCESS)
    status = deq_sim_check_size(s->p, "p");
  if (status == DEQ_SUCCESS)
    status = deq_sim_check_size(s->n, "n");
  if (status == DEQ_SUCCESS)
    status = deq_sim_check_size(s->n_test, "n_test");
  if (status == DEQ_SUCCESS && s->mode == DEQ_SRFSIM_NETWORK)
    status = deq_sim_check_size(s->n0, "n0");
  return status;
}

static int check_law(const deq_srfsim_spec *s)
{
  double sum = 0;
  if (s->groups > DEQ_SRFSIM_MAXGROUPS)
    DEQ_ERRORF(DEQ_EINVAL, "groups: at most %d, got %zu", DEQ_SRFSIM_MAXGROUPS, s->groups);
  for (size_t k = 0; k < s->groups; k++) {
    if (!isfinite(s->support[k]))
      DEQ_ERRORF(DEQ_EINVAL, "support[%zu]: must be finite, got %g", k, s->support[k]);
    if (!(s->weights[k] >= 0 && isfinite(s->weights[k])))
      DEQ_ERRORF(DEQ_EINVAL, "weights[%zu]: must be finite and >= 0, got %g", k, s->weights[k]);
    sum += s->weights[k];
  }
  if (s->groups > 0 && !(sum > 0 && isfinite(sum)))
    DEQ_ERRORF(DEQ_EINVAL, "weights: the sum must be finite and > 0, got %g", sum);
  return DEQ_SUCCESS;
}

int deq_srfsim_group_sizes(const deq_srfsim_spec *spec, size_t *sizes)
{
  if (spec == NULL || sizes == NULL)
    DEQ_ERROR("srfsim: NULL spec or sizes", DEQ_EINVAL);
  int status = check_law(spec);
  if (status)
    return status;
  double sum = 0, rem[DEQ_SRFSIM_MAXGROUPS];
  size_t used = 0, K = spec->groups;
  for (size_t k = 0; k < K; k++)
    sum += spec->weights[k];
  for (size_t k = 0; k < K; k++) {
    double t = spec->weights[k] / sum * (double) spec->p;
    sizes[k] = (size_t) floor(t), rem[k] = t - floor(t), used += sizes[k];
  }
  for (; used < spec->p && K > 0; used++) {   /* largest remainder, ties to the lower k */
    size_t best = 0;
    for (size_t k = 1; k < K; k++)
      best = rem[k] > rem[best] ? k : best;
    sizes[best]++, rem[best] = -1;
  }
  return DEQ_SUCCESS;
}

/* Everything but the activations and the noise, which twolayer checks. */
static int check_spec(const deq_srfsim_spec *s)
{
  int status;
  if (s->mode != DEQ_SRFSIM_SPIKED && s->mode != DEQ_SRFSIM_NETWORK)
    DEQ_ERRORF(DEQ_EINVAL, "mode: unknown mode %d", (int) s->mode);
  status = check_sizes(s);
  if (status == DEQ_SUCCESS)
    status = check_nonneg(s->lambda, "lambda");
  if (status == DEQ_SUCCESS)
    status = check_nonneg(s->r, "r");
  if (status == DEQ_SUCCESS)
    status = check_nonneg(s->eta, "eta");
  if (status != DEQ_SUCCESS)
    return status;
  if (!(s->c > 0 && isfinite(s->c)))
    DEQ_ERRORF(DEQ_EINVAL, "c: must be finite and > 0, got %g", s->c);
  if (!(fabs(s->gamma) <= 1))
    DEQ_ERRORF(DEQ_EINVAL, "gamma: must be in [-1, 1], got %g", s->gamma);
  if (s->mode == DEQ_SRFSIM_SPIKED && s->d < 2 && fabs(s->gamma) < 1)
    DEQ_ERRORF(DEQ_EINVAL, "d: theta = gamma e1 + sqrt(1 - gamma^2) e2 needs d >= 2 "
               "(gamma = %g)", s->gamma);
  if (check_law(s))
    return DEQ_EINVAL;
  if (s->nz > DEQ_SRFSIM_MAXZ)
    DEQ_ERRORF(DEQ_EINVAL, "nz: at most %d z points, got %zu", DEQ_SRFSIM_MAXZ, s->nz);
  for (size_t k = 0; k < s->nz; k++)
    if (!isfinite(creal(s->z[k])) || !isfinite(cimag(s->z[k])))
      DEQ_ERRORF(DEQ_EINVAL, "z[%zu]: not finite", k);
  return DEQ_SUCCESS;
}

/* The twolayer spec holding the same data: N = p, n_g = n0 (network) or 1 (unused). */
static void inner_spec(const deq_srfsim_spec *s, deq_twolayer_spec *t)
{
  deq_twolayer_spec_init(t);
  t->d = s->d;
  t->N = s->p;
  t->n = s->n;
  t->n_g = s->mode == DEQ_SRFSIM_NETWORK ? s->n0 : 1;
  t->n_test = s->n_test;
  t->act = s->act;
  t->teacher = s->teacher;
  t->noise = s->noise;
  t->form = DEQ_TWOLAYER_RIDGE_AUTO;
}

/* dsyev workspace for p x p, eigenvalues only. */
static int query_lwork(size_t p, size_t *lwork)
{
  double x = 0.0, q = 0.0;
  lapack_int info = LAPACKE_dsyev_work(LAPACK_COL_MAJOR, 'N', 'L', (lapack_int) p, &x,
                                       (lapack_int) p, &x, &q, -1);
  if (info != 0 || !(q >= 1 && q < INT_MAX))
    DEQ_ERRORF(DEQ_ENOMEM, "LAPACK dsyev workspace query failed (info %d, lwork %g)",
               (int) info, q);
  *lwork = (size_t) q;
  return DEQ_SUCCESS;
}

static double own_doubles(size_t p, size_t lwork)
{
  return (double) p * (double) p + (double) p + (double) lwork;
}

/* Total bytes, or NAN with the reason reported once. */
static double total_bytes(const deq_srfsim_spec *spec, size_t *lwork)
{
  deq_twolayer_spec t;
  double b;
  if (check_spec(spec) != DEQ_SUCCESS)
    return NAN;
  inner_spec(spec, &t);
  b = deq_twolayer_bytes(&t);   /* checks act, teacher, noise (reports once) */
  if (isnan(b) || query_lwork(spec->p, lwork) != DEQ_SUCCESS)
    return NAN;
  return b + own_doubles(spec->p, *lwork) * sizeof(double) + sizeof(deq_srfsim);
}

double deq_srfsim_bytes(const deq_srfsim_spec *spec)
{
  DEQ_CHECK_NULL_NAN(spec, "spec");
  size_t lwork;
  return total_bytes(spec, &lwork);
}

void deq_srfsim_spec_init(deq_srfsim_spec *spec)
{
  DEQ_CHECK_NULL_VOID(spec, "spec");
  memset(spec, 0, sizeof *spec);
  spec->mode = DEQ_SRFSIM_SPIKED;
  spec->n_test = 4000;
  spec->act.kind = DEQ_ACT_LINEAR;
  spec->teacher.kind = DEQ_ACT_POLY;
  spec->teacher.c[1] = 1.0;
  spec->c = 1.0;
  spec->gamma = 1.0;
}

int deq_srfsim_alloc(const deq_srfsim_spec *spec, deq_srfsim **ws)
{
  DEQ_CHECK_NULL(ws, "ws");
  *ws = NULL;
  DEQ_CHECK_NULL(spec, "spec");
  deq_twolayer_spec t;
  size_t lwork = 0;
  double bytes = total_bytes(spec, &lwork), avail;
  int status;
  deq_srfsim *w;
  if (isnan(bytes))
    return DEQ_EINVAL;   /* reported by total_bytes */
  avail = deq_mem_available();
  if (bytes > avail)
    DEQ_ERRORF(DEQ_ENOMEM, "srfsim workspace (d = %zu, p = %zu, n = %zu, n_test = %zu) "
               "needs %.3g GiB, %.3g GiB available", spec->d, spec->p, spec->n,
               spec->n_test, bytes / GIB, avail / GIB);
  w = calloc(1, sizeof *w);
  if (w == NULL)
    DEQ_ERROR("srfsim: allocation failed", DEQ_ENOMEM);
  w->spec = *spec;
  w->lwork = lwork;
  inner_spec(spec, &t);
  status = deq_twolayer_alloc(&t, &w->tl);
  if (status != DEQ_SUCCESS) {
    free(w);
    return status;
  }
  w->S = calloc((size_t) own_doubles(spec->p, lwork), sizeof(double));
  if (w->S == NULL) {
    deq_srfsim_free(w);
    DEQ_ERROR("srfsim: allocation failed", DEQ_ENOMEM);
  }
  w->ev = w->S + spec->p * spec->p;
  w->work = w->ev + spec->p;
  *ws = w;
  return DEQ_SUCCESS;
}

void deq_srfsim_free(deq_srfsim *ws)
{
  if (ws == NULL)
    return;
  deq_twolayer_free(ws->tl);
  free(ws->S);
  free(ws);
}

int deq_srfsim_set_eta(deq_srfsim *ws, double eta)
{
  DEQ_CHECK_NULL(ws, "ws");
  int status = check_nonneg(eta, "eta");
  if (status == DEQ_SUCCESS)
    ws->spec.eta = eta;
  return status;
}

/* ------------------------------------------------------------------------------
 * One replicate. */

/* Each neuron (column of the d x p row-major W0) divided by its norm: rows of the spec's
 * p x d W0 uniform on the unit sphere.  norm2 is p scratch doubles. */
static void unit_neurons(size_t d, size_t p, double *W0, double *norm2)
{
  memset(norm2, 0, p * sizeof(double));
  for (size_t i = 0; i < d; i++)
    for (size_t j = 0; j < p; j++)
      norm2[j] += W0[i * p + j] * W0[i * p + j];
  for (size_t j = 0; j < p; j++)
    norm2[j] = 1.0 / sqrt(norm2[j]);
  for (size_t i = 0; i < d; i++)
    for (size_t j = 0; j < p; j++)
      W0[i * p + j] *= norm2[j];
}

/* The draw, in the order of the header, into the twolayer workspace. */
/* a_j = abar_j/sqrt(p) (spiked_rf S6): abar_j = 1, or in network mode with a law abar_j =
 * support[k] on the exact group k (the spike u_j = r abar_j of spiked_finite_support). */
static void read_out(const deq_srfsim_spec *s, double *a)
{
  size_t sizes[DEQ_SRFSIM_MAXGROUPS], j = 0;
  double q = 1.0 / sqrt((double) s->p);
  if (s->mode != DEQ_SRFSIM_NETWORK || s->groups == 0) {
    for (j = 0; j < s->p; j++)
      a[j] = q;
    return;
  }
  deq_srfsim_group_sizes(s, sizes);
  for (size_t k = 0; k < s->groups; k++)
    for (size_t i = 0; i < sizes[k]; i++, j++)
      a[j] = s->support[k] * q;
}

static int draw(deq_srfsim *ws, uint64_t master, uint64_t replicate)
{
  const deq_srfsim_spec *s = &ws->spec;
  deq_twolayer *tl = ws->tl;
  const int net = s->mode == DEQ_SRFSIM_NETWORK;
  int status;
  ws->drawn = 0;
  tl->drawn = tl->fitted = 0;
  memset(tl->beta, 0, s->d * sizeof(double));
  tl->beta[0] = net ? 1.0 : s->gamma;
  if (!net && s->d > 1)
    tl->beta[1] = sqrt(1.0 - s->gamma * s->gamma);
  read_out(s, tl->a);
  gsl_rng_set(tl->rng, (unsigned long) deq_rng_seed(master, replicate));
  deq_twolayer_draw_gaussian(tl, 1.0 / sqrt((double) s->d), s->d * s->p, tl->W0);
  unit_neurons(s->d, s->p, tl->W0, ws->ev);
  status = deq_twolayer_draw_batch(tl, s->n, tl->X, tl->y, "y");
  if (status == DEQ_SUCCESS)
    status = deq_twolayer_draw_test(tl);
  if (status == DEQ_SUCCESS && net) {
    status = deq_twolayer_draw_batch(tl, s->n0, tl->Xg, tl->yg, "yg");
    if (status == DEQ_SUCCESS)
      status = deq_twolayer_gradient(tl);
  }
  if (status != DEQ_SUCCESS)
    return status;
  memcpy(tl->W1, tl->W0, s->d * s->p * sizeof(double));
  tl->drawn = 1;
  ws->drawn = 1;
  ws->master = master;
  ws->replicate = replicate;
  return DEQ_SUCCESS;
}

/* W = sqrt(c) W0 + r 1_p e1^T (spiked) or W0 + eta_t p G0 (network). */
static int weights(deq_srfsim *ws)
{
  const deq_srfsim_spec *s = &ws->spec;
  deq_twolayer *tl = ws->tl;
  const size_t dp = s->d * s->p;
  const double sc = sqrt(s->c);
  if (s->mode == DEQ_SRFSIM_NETWORK)
    return deq_twolayer_step(tl, s->eta, 1);
  for (size_t i = 0; i < dp; i++)
    tl->W1[i] = sc * tl->W0[i];
  if (s->groups == 0) {
    for (size_t j = 0; j < s->p; j++)
      tl->W1[j] += s->r;
  } else {
    size_t sizes[DEQ_SRFSIM_MAXGROUPS], j = 0;
    deq_srfsim_group_sizes(s, sizes);
    for (size_t k = 0; k < s->groups; k++)
      for (size_t i = 0; i < sizes[k]; i++, j++)
        tl->W1[j] += s->r * s->support[k];
  }
  tl->fitted = 0;
  return DEQ_SUCCESS;
}

/* The eigenvalues of S = F^T F / n (ascending) and m(z). */
static int spectrum(deq_srfsim *ws, deq_srfsim_result *out)
{
  const deq_srfsim_spec *s = &ws->spec;
  const int p = (int) s->p, n = (int) s->n;
  lapack_int info;
  cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, p, n, 1.0 / (double) n, ws->tl->Phi, p,
              0.0, ws->S, p);
  info = LAPACKE_dsyev_work(LAPACK_COL_MAJOR, 'N', 'L', p, ws->S, p, ws->ev, ws->work,
                            (lapack_int) ws->lwork);
  if (info != 0)
    DEQ_ERRORF(DEQ_EMAXITER, "eigenvalues of S: dsyev failed (info %d)", (int) info);
  out->lambda1 = ws->ev[s->p - 1];
  out->lambda2 = s->p > 1 ? ws->ev[s->p - 2] : NAN;
  for (size_t k = 0; k < DEQ_SRFSIM_MAXZ; k++)
    out->m[k] = 0.0;
  for (size_t k = 0; k < s->nz; k++) {
    deq_complex acc = 0.0;
    for (size_t j = 0; j < s->p; j++)
      acc += 1.0 / (ws->ev[j] - s->z[k]);
    out->m[k] = acc / (double) s->p;
  }
  return DEQ_SUCCESS;
}

int deq_srfsim_run(deq_srfsim *ws, uint64_t master, uint64_t replicate,
                   deq_srfsim_result *out, double *eig)
{
  DEQ_CHECK_NULL(ws, "ws");
  DEQ_CHECK_NULL(out, "out");
  int status = DEQ_SUCCESS;
  if (!(ws->drawn && ws->master == master && ws->replicate == replicate))
    status = draw(ws, master, replicate);
  if (status == DEQ_SUCCESS)
    status = weights(ws);
  if (status == DEQ_SUCCESS)
    status = deq_twolayer_ridge(ws->tl, ws->spec.lambda, &out->train_error);
  if (status == DEQ_SUCCESS)
    status = deq_twolayer_test(ws->tl, &out->test_error);
  if (status == DEQ_SUCCESS)
    status = spectrum(ws, out);
  if (status != DEQ_SUCCESS)
    return status;
  if (eig != NULL)
    memcpy(eig, ws->ev, ws->spec.p * sizeof(double));
  return DEQ_SUCCESS;
}

void deq_srfsim_view(const deq_srfsim *ws, deq_srfsim_data *data)
{
  DEQ_CHECK_NULL_VOID(ws, "ws");
  DEQ_CHECK_NULL_VOID(data, "data");
  const deq_twolayer *tl = ws->tl;
  const int net = ws->spec.mode == DEQ_SRFSIM_NETWORK;
  data->theta = tl->beta;
  data->W0 = tl->W0;
  data->W = tl->W1;
  data->X = tl->X;
  data->y = tl->y;
  data->Xt = tl->Xt;
  data->ft = tl->ft;
  data->Xg = net ? tl->Xg : NULL;
  data->yg = net ? tl->yg : NULL;
  data->F = tl->Phi;
  data->beta = tl->a_hat;
  data->eig = ws->ev;
}

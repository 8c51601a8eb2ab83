/* Monte Carlo of a two-layer network during training (training_spectra sections 1, 5-7, 9):
 * GD / SGD / Adam on W, spectra of M^T M, CK and NTK at recorded steps. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cblas.h>
#include <lapacke.h>
#include <gsl/gsl_rng.h>
#include "deqnn/rng.h"
#include "deqnn/trainsim.h"
#include "core/check.h"
#include "core/mem.h"
#include "sim/twolayer_impl.h"

/* Adam's constants (training_spectra section 1). */
static const double adam_beta1 = 0.9, adam_beta2 = 0.999, adam_eps = 1e-8;

struct deq_trainsim {
  deq_trainsim_spec spec;
  double shift, scale, mu1;   /* normalisation of sigma; mu1 of the normalised sigma */
  gsl_rng *rng;
  size_t t, cols;             /* steps taken; max(n, n_test) */
  double *beta, *X, *y, *Xt, *yt, *W, *W0, *a, *G, *m, *v;
  double *Z, *A, *D, *f, *f0, *f0t, *Xb, *yb, *f0b;
  size_t *all;                /* sample indices, permuted by the SGD batches */
  double *XtX, *CK, *NTK, *MM, *ev, *s0, *vdir, *rhat;
  double *work;
  lapack_int *iwork;
  size_t lwork, liwork;
};

static int check_spec(const deq_trainsim_spec *s)
{
  int st = deq_sim_check_size(s->n, "spec.n");
  if (!st)
    st = deq_sim_check_size(s->d0, "spec.d0");
  if (!st)
    st = deq_sim_check_size(s->d1, "spec.d1");
  if (!st)
    st = deq_sim_check_size(s->n_test, "spec.n_test");
  if (st)
    return st;
  if (s->opt == DEQ_TRAIN_SGD && (s->batch < 1 || s->batch > s->n))
    DEQ_ERRORF(DEQ_EINVAL, "spec.batch = %zu: need 1 <= batch <= n = %zu", s->batch, s->n);
  if (!(isfinite(s->noise) && s->noise >= 0))
    DEQ_ERRORF(DEQ_EINVAL, "spec.noise = %g: must be finite and >= 0", s->noise);
  if (!(isfinite(s->lr) && s->lr > 0))
    DEQ_ERRORF(DEQ_EINVAL, "spec.lr = %g: must be finite and > 0", s->lr);
  if (s->opt != DEQ_TRAIN_GD && s->opt != DEQ_TRAIN_SGD && s->opt != DEQ_TRAIN_ADAM)
    DEQ_ERRORF(DEQ_EINVAL, "spec.opt = %d: unknown optimiser", (int) s->opt);
  return DEQ_SUCCESS;
}

void deq_trainsim_spec_init(deq_trainsim_spec *spec)
{
  DEQ_CHECK_NULL_VOID(spec, "spec");
  memset(spec, 0, sizeof *spec);
  spec->n_test = 1000;
  spec->act.kind = DEQ_ACT_TANH;
  spec->teacher.kind = DEQ_ACT_TANH;
  spec->opt = DEQ_TRAIN_GD;
  spec->lr = 0.3;
}

/* Doubles of every array (the LAPACK workspace apart). */
static double array_doubles(const deq_trainsim_spec *s)
{
  double n = (double) s->n, d0 = (double) s->d0, d1 = (double) s->d1, nt = (double) s->n_test;
  double cols = fmax(n, nt), adam = s->opt == DEQ_TRAIN_ADAM ? 2 : 0;
  return d0 * (n + nt + 4) + n + nt + (3 + adam) * d1 * d0 + d1 + 3 * d1 * cols + cols
         + 2 * n + nt + d0 * n + 3 * n * n + d0 * d0 + fmax(n, d0) + d0;
}

/* dsyevd workspaces: 'V' on d0 (the top eigenvector of M^T M) and 'N' on n. */
static int lapack_query(lapack_int nn, char job, size_t *lwork, size_t *liwork)
{
  double w;
  lapack_int iw, info = LAPACKE_dsyevd_work(LAPACK_COL_MAJOR, job, 'L', nn, NULL, nn, NULL,
                                            &w, -1, &iw, -1);
  if (info != 0)
    DEQ_ERRORF(DEQ_ENOMEM, "LAPACK dsyevd workspace query failed (info %d)", (int) info);
  if ((size_t) w > *lwork)
    *lwork = (size_t) w;
  if ((size_t) iw > *liwork)
    *liwork = (size_t) iw;
  return DEQ_SUCCESS;
}

double deq_trainsim_bytes(const deq_trainsim_spec *spec)
{
  if (spec == NULL) {
    deq_error("deq_trainsim_bytes: spec must not be NULL", __FILE__, __LINE__, DEQ_EINVAL);
    return NAN;
  }
  if (check_spec(spec))
    return NAN;
  double d0 = (double) spec->d0, n = (double) spec->n;
  /* dsyevd: 1 + 6 d0 + 2 d0^2 doubles for 'V', 2 n + 1 for 'N' (LAPACK's minimum) */
  double lap = fmax(1 + 6 * d0 + 2 * d0 * d0, 2 * n + 1) + fmax(3 + 5 * d0, 1.0) / 2;
  return 8.0 * (array_doubles(spec) + lap) + (double) spec->n * sizeof(size_t);
}

static int alloc_arrays(deq_trainsim *w)
{
  const deq_trainsim_spec *s = &w->spec;
  size_t n = s->n, d0 = s->d0, d1 = s->d1, nt = s->n_test, c = w->cols, B = s->n;
  double **arr[] = { &w->beta, &w->X, &w->y, &w->Xt, &w->yt, &w->W, &w->W0, &w->a, &w->G,
                     &w->Z, &w->A, &w->D, &w->f, &w->f0, &w->f0t, &w->Xb, &w->yb, &w->f0b,
                     &w->XtX, &w->CK, &w->NTK, &w->MM, &w->ev, &w->s0, &w->vdir, &w->rhat };
  size_t len[] = { d0, d0 * n, n, d0 * nt, nt, d1 * d0, d1 * d0, d1, d1 * d0, d1 * c, d1 * c,
                   d1 * c, c, n, nt, d0 * B, B, B, n * n, n * n, n * n, d0 * d0,
                   n > d0 ? n : d0, d0, d0, d0 };
  for (size_t k = 0; k < sizeof len / sizeof *len; k++)
    if ((*arr[k] = malloc(len[k] * sizeof(double))) == NULL)
      return DEQ_ENOMEM;
  if (s->opt == DEQ_TRAIN_ADAM && ((w->m = calloc(d1 * d0, sizeof(double))) == NULL ||
                                   (w->v = calloc(d1 * d0, sizeof(double))) == NULL))
    return DEQ_ENOMEM;
  w->all = malloc(n * sizeof *w->all);
  w->work = malloc(w->lwork * sizeof *w->work);
  w->iwork = malloc(w->liwork * sizeof *w->iwork);
  w->rng = gsl_rng_alloc(gsl_rng_mt19937);
  if (w->all == NULL || w->work == NULL || w->iwork == NULL || w->rng == NULL)
    return DEQ_ENOMEM;
  for (size_t i = 0; i < n; i++)
    w->all[i] = i;
  return DEQ_SUCCESS;
}

int deq_trainsim_alloc(const deq_trainsim_spec *spec, deq_trainsim **ws)
{
  DEQ_CHECK_NULL(ws, "ws");
  *ws = NULL;
  DEQ_CHECK_NULL(spec, "spec");
  int st = check_spec(spec);
  deq_act_fw fw;
  deq_act_gauss g;
  if (!st)
    st = deq_act_fw_constants(&spec->act, NULL, &fw);
  if (!st)
    st = deq_act_moments(&spec->act, NULL, &g);
  if (st)
    return st;
  double bytes = deq_trainsim_bytes(spec);
  if (deq_mem_check_job(bytes, 1, "trainsim workspace") != DEQ_SUCCESS)
    return DEQ_ENOMEM;
  deq_trainsim *w = calloc(1, sizeof *w);
  if (w == NULL)
    DEQ_ERROR("trainsim: out of memory", DEQ_ENOMEM);
  w->spec = *spec;
  w->shift = fw.shift, w->scale = fw.scale, w->mu1 = g.mu1.val / fw.scale;
  w->cols = spec->n > spec->n_test ? spec->n : spec->n_test;
  st = lapack_query((lapack_int) spec->d0, 'V', &w->lwork, &w->liwork);
  if (!st)
    st = lapack_query((lapack_int) spec->n, 'N', &w->lwork, &w->liwork);
  if (!st && alloc_arrays(w) != DEQ_SUCCESS) {
    deq_trainsim_free(w);
    DEQ_ERROR("trainsim: out of memory", DEQ_ENOMEM);
  }
  if (st) {
    deq_trainsim_free(w);
    return st;
  }
  *ws = w;
  return DEQ_SUCCESS;
}

void deq_trainsim_free(deq_trainsim *w)
{
  if (w == NULL)
    return;
  double *arr[] = { w->beta, w->X, w->y, w->Xt, w->yt, w->W, w->W0, w->a, w->G, w->m, w->v,
                    w->Z, w->A, w->D, w->f, w->f0, w->f0t, w->Xb, w->yb, w->f0b, w->XtX, w->CK,
                    w->NTK, w->MM, w->ev, w->s0, w->vdir, w->rhat, w->work };
  for (size_t k = 0; k < sizeof arr / sizeof *arr; k++)
    free(arr[k]);
  free(w->all);
  free(w->iwork);
  if (w->rng != NULL)
    gsl_rng_free(w->rng);
  free(w);
}

int deq_trainsim_view(const deq_trainsim *w, deq_trainsim_data *out)
{
  DEQ_CHECK_NULL(w, "ws");
  DEQ_CHECK_NULL(out, "out");
  *out = (deq_trainsim_data) { w->X, w->y, w->Xt, w->yt, w->beta, w->W, w->W0, w->a, w->G,
                               w->shift, w->scale };
  return DEQ_SUCCESS;
}

size_t deq_trainsim_steps(const deq_trainsim *ws)
{
  DEQ_REQUIRE_RET(ws != NULL, 0, "%s: ws must not be NULL", __func__);
  return ws->t;
}

/* Z = W X (d1 x cols), A = sigma(Z), D = sigma'(Z) if want_d; f = A^T a/sqrt(d1). */
static void forward(deq_trainsim *w, const double *X, size_t cols, int want_d)
{
  const deq_trainsim_spec *s = &w->spec;
  int d1 = (int) s->d1, d0 = (int) s->d0, c = (int) cols;
  cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, d1, c, d0, 1.0, w->W, d1, X, d0, 0.0,
              w->Z, d1);
  deq_act_apply(&s->act, w->shift, w->scale, s->d1 * cols, w->Z, w->A, want_d ? w->D : NULL);
  cblas_dgemv(CblasColMajor, CblasTrans, d1, c, 1.0 / sqrt((double) s->d1), w->A, d1, w->a, 1,
              0.0, w->f, 1);
}

/* Labels y = sigma_t(sqrt(d0) beta.x) + sqrt(noise) eps for the cols columns of X (the cols
 * noise values drawn first, as one block). */
static void labels(deq_trainsim *w, const double *X, size_t cols, double *y)
{
  const deq_trainsim_spec *s = &w->spec;
  deq_rng_gaussian(w->rng, sqrt(s->noise), cols, y);
  cblas_dgemv(CblasColMajor, CblasTrans, (int) s->d0, (int) cols, sqrt((double) s->d0), X,
              (int) s->d0, w->beta, 1, 0.0, w->f, 1);
  for (size_t i = 0; i < cols; i++)
    y[i] += deq_act_eval(&s->teacher, w->f[i]);
}

static int all_finite(const double *x, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (!isfinite(x[i]))
      return 0;
  return 1;
}

/* v = X y/||X y|| and r_hat of S13 (u = a/||a||, theta_hat = eta mu1 ||a|| ||X y||/(n d1)). */
static void spike_directions(deq_trainsim *w)
{
  const deq_trainsim_spec *s = &w->spec;
  int d0 = (int) s->d0, d1 = (int) s->d1;
  cblas_dgemv(CblasColMajor, CblasNoTrans, d0, (int) s->n, 1.0, w->X, d0, w->y, 1, 0.0,
              w->vdir, 1);
  double nxy = cblas_dnrm2(d0, w->vdir, 1), na = cblas_dnrm2(d1, w->a, 1);
  cblas_dscal(d0, nxy > 0 ? 1 / nxy : 0.0, w->vdir, 1);
  double eta = s->lr * (double) s->n, th = eta * w->mu1 * na * nxy / ((double) s->n * (double) s->d1);
  /* M0^T u = W0^T a/(sqrt(d1) ||a||) */
  cblas_dgemv(CblasColMajor, CblasTrans, d1, d0, 1.0 / (sqrt((double) s->d1) * na), w->W0, d1,
              w->a, 1, 0.0, w->rhat, 1);
  cblas_daxpy(d0, th, w->vdir, 1, w->rhat, 1);
  double nr = cblas_dnrm2(d0, w->rhat, 1);
  cblas_dscal(d0, nr > 0 ? 1 / nr : 0.0, w->rhat, 1);
}

static int eig_sym(deq_trainsim *w, char job, size_t nn, double *A, double *ev)
{
  lapack_int info = LAPACKE_dsyevd_work(LAPACK_COL_MAJOR, job, 'L', (lapack_int) nn, A,
                                        (lapack_int) nn, ev, w->work, (lapack_int) w->lwork,
                                        w->iwork, (lapack_int) w->liwork);
  if (info != 0)
    DEQ_ERRORF(DEQ_EMAXITER, "trainsim: dsyevd failed (info %d)", (int) info);
  return DEQ_SUCCESS;
}

/* M^T M = W^T W/d1 into MM (lower), its eigenvalues into ev (vectors in MM when job 'V'). */
static int weight_spectrum(deq_trainsim *w, char job)
{
  int d0 = (int) w->spec.d0, d1 = (int) w->spec.d1;
  cblas_dsyrk(CblasColMajor, CblasLower, CblasTrans, d0, d1, 1.0 / d1, w->W, d1, 0.0, w->MM, d0);
  return eig_sym(w, job, w->spec.d0, w->MM, w->ev);
}

/* Singular values of M from the ascending eigenvalues of M^T M; those at most 1e-9 of the
 * largest are exact zeros (rank deficiency: their square roots are round-off amplified). */
static void sqrt_clamped(size_t n, const double *ev, double *s)
{
  double top = ev[n - 1];
  for (size_t i = 0; i < n; i++)
    s[i] = ev[i] > 1e-9 * top ? sqrt(ev[i]) : 0.0;
}

int deq_trainsim_init(deq_trainsim *w, uint64_t master, uint64_t replicate)
{
  DEQ_CHECK_NULL(w, "ws");
  const deq_trainsim_spec *s = &w->spec;
  size_t n = s->n, d0 = s->d0, d1 = s->d1, nt = s->n_test;
  deq_rng_reseed(w->rng, master, replicate);
  deq_rng_gaussian(w->rng, 1.0, d0, w->beta);
  cblas_dscal((int) d0, 1 / cblas_dnrm2((int) d0, w->beta, 1), w->beta, 1);
  deq_rng_gaussian(w->rng, 1 / sqrt((double) d0), d0 * n, w->X);
  labels(w, w->X, n, w->y);
  deq_rng_gaussian(w->rng, 1 / sqrt((double) d0), d0 * nt, w->Xt);
  labels(w, w->Xt, nt, w->yt);
  deq_rng_gaussian(w->rng, 1.0, d1 * d0, w->W0);
  if (s->rademacher)
    deq_rng_rademacher(w->rng, d1, w->a);
  else
    deq_rng_gaussian(w->rng, 1.0, d1, w->a);
  memcpy(w->W, w->W0, d1 * d0 * sizeof(double));
  if (s->opt == DEQ_TRAIN_ADAM) {
    memset(w->m, 0, d1 * d0 * sizeof(double));
    memset(w->v, 0, d1 * d0 * sizeof(double));
  }
  w->t = 0;
  for (size_t i = 0; i < n; i++)   /* SGD permutes it: every replicate starts from 0..n-1 */
    w->all[i] = i;
  cblas_dsyrk(CblasColMajor, CblasLower, CblasTrans, (int) n, (int) d0, 1.0, w->X, (int) d0,
              0.0, w->XtX, (int) n);
  forward(w, w->Xt, nt, 0);
  memcpy(w->f0t, w->f, nt * sizeof(double));
  forward(w, w->X, n, 0);
  memcpy(w->f0, w->f, n * sizeof(double));
  if (!all_finite(w->y, n) || !all_finite(w->yt, nt) || !all_finite(w->f0, n))
    DEQ_ERROR("trainsim: a label or the initial function is not finite", DEQ_EBADFUNC);
  spike_directions(w);
  int st = weight_spectrum(w, 'N');
  if (!st)
    sqrt_clamped(d0, w->ev, w->s0);
  return st;
}

/* The batch: all samples (GD, Adam) or B drawn without replacement (SGD), into Xb, yb, f0b. */
static const double *batch(deq_trainsim *w, size_t *B, const double **yb, const double **f0b)
{
  const deq_trainsim_spec *s = &w->spec;
  if (s->opt != DEQ_TRAIN_SGD || s->batch == s->n) {
    *B = s->n, *yb = w->y, *f0b = w->f0;
    return w->X;
  }
  *B = s->batch;
  for (size_t j = 0; j < s->batch; j++) {   /* partial Fisher-Yates on the index array */
    size_t k = j + (size_t) gsl_rng_uniform_int(w->rng, (unsigned long) (s->n - j));
    size_t i = w->all[k];
    w->all[k] = w->all[j], w->all[j] = i;
    memcpy(w->Xb + j * s->d0, w->X + i * s->d0, s->d0 * sizeof(double));
    w->yb[j] = w->y[i];
    w->f0b[j] = w->f0[i];
  }
  *yb = w->yb, *f0b = w->f0b;
  return w->Xb;
}

/* G = -(1/(B sqrt(d1))) [(a 1^T) o sigma'(W Xb) o (1 r^T)] Xb^T (training_spectra S2). */
static void gradient(deq_trainsim *w, const double *Xb, size_t B, const double *yb,
                     const double *f0b)
{
  const deq_trainsim_spec *s = &w->spec;
  size_t d1 = s->d1;
  forward(w, Xb, B, 1);
  for (size_t j = 0; j < B; j++) {
    double r = yb[j] - (w->f[j] - (s->centred ? f0b[j] : 0.0));
    double *col = w->D + j * d1;
    for (size_t k = 0; k < d1; k++)
      col[k] *= w->a[k] * r;
  }
  cblas_dgemm(CblasColMajor, CblasNoTrans, CblasTrans, (int) d1, (int) s->d0, (int) B,
              -1.0 / ((double) B * sqrt((double) d1)), w->D, (int) d1, Xb, (int) s->d0, 0.0,
              w->G, (int) d1);
}

static void adam_update(deq_trainsim *w)
{
  size_t len = w->spec.d1 * w->spec.d0;
  double t = (double) (w->t + 1), c1 = 1 - pow(adam_beta1, t), c2 = 1 - pow(adam_beta2, t);
  for (size_t k = 0; k < len; k++) {
    double g = w->G[k];
    w->m[k] = adam_beta1 * w->m[k] + (1 - adam_beta1) * g;
    w->v[k] = adam_beta2 * w->v[k] + (1 - adam_beta2) * g * g;
    w->W[k] -= w->spec.lr * (w->m[k] / c1) / (sqrt(w->v[k] / c2) + adam_eps);
  }
}

int deq_trainsim_step(deq_trainsim *w)
{
  DEQ_CHECK_NULL(w, "ws");
  const deq_trainsim_spec *s = &w->spec;
  size_t B;
  const double *yb, *f0b, *Xb = batch(w, &B, &yb, &f0b);
  gradient(w, Xb, B, yb, f0b);
  size_t len = s->d1 * s->d0;
  if (!all_finite(w->G, len))
    DEQ_ERRORF(DEQ_EBADFUNC, "trainsim: the gradient is not finite at step %zu (learning rate "
               "beyond the stability limit?)", w->t + 1);
  if (s->opt == DEQ_TRAIN_ADAM)
    adam_update(w);
  else
    cblas_daxpy((int) len, -s->lr * (double) s->n, w->G, 1, w->W, 1);
  w->t++;
  return DEQ_SUCCESS;
}

/* (1/2) mean squared residual on cols samples of labels y (f0 subtracted if centred). */
static double half_mse(const deq_trainsim *w, const double *y, const double *f0, size_t cols)
{
  double acc = 0;
  for (size_t i = 0; i < cols; i++) {
    double r = y[i] - (w->f[i] - (w->spec.centred ? f0[i] : 0.0));
    acc += r * r;
  }
  return 0.5 * acc / (double) cols;
}

/* CK (and NTK) of the current W on X; A and D hold sigma(WX), sigma'(WX) (forward done). */
static int kernels(deq_trainsim *w, double *ev_ck, double *ev_ntk, deq_trainsim_stats *out)
{
  const deq_trainsim_spec *s = &w->spec;
  int n = (int) s->n, d1 = (int) s->d1;
  cblas_dsyrk(CblasColMajor, CblasLower, CblasTrans, n, d1, 1.0 / d1, w->A, d1, 0.0, w->CK, n);
  int st = DEQ_SUCCESS;
  if (ev_ntk != NULL) {   /* S = diag(a) sigma'(WX)/sqrt(d1); NTK = CK + (X^T X) o (S^T S) */
    for (size_t j = 0; j < s->n; j++)
      for (size_t k = 0; k < s->d1; k++)
        w->D[j * s->d1 + k] *= w->a[k];
    cblas_dsyrk(CblasColMajor, CblasLower, CblasTrans, n, d1, 1.0 / d1, w->D, d1, 0.0, w->NTK, n);
    for (size_t j = 0; j < s->n; j++)
      for (size_t i = j; i < s->n; i++)
        w->NTK[j * s->n + i] = w->NTK[j * s->n + i] * w->XtX[j * s->n + i] + w->CK[j * s->n + i];
    st = eig_sym(w, 'N', s->n, w->NTK, ev_ntk);
    out->top_ntk = ev_ntk[s->n - 1];
  }
  if (!st && ev_ck != NULL) {
    st = eig_sym(w, 'N', s->n, w->CK, ev_ck);
    out->top_ck = ev_ck[s->n - 1];
  }
  return st;
}

/* Top eigenvalue and eigenvector of M^T M, overlaps, S12. */
static int weights(deq_trainsim *w, double *ev_w, deq_trainsim_stats *out)
{
  const deq_trainsim_spec *s = &w->spec;
  size_t d0 = s->d0;
  int st = weight_spectrum(w, 'V');
  if (st)
    return st;
  const double *top = w->MM + (d0 - 1) * d0;
  double ob = cblas_ddot((int) d0, top, 1, w->beta, 1), ov = cblas_ddot((int) d0, top, 1, w->vdir, 1);
  double orr = cblas_ddot((int) d0, top, 1, w->rhat, 1), acc = 0, fro = 0;
  out->top_w = w->ev[d0 - 1];
  out->overlap_beta = ob * ob, out->overlap_v = ov * ov, out->overlap_rhat = orr * orr;
  double *snow = w->ev;   /* in place: the eigenvalues are copied out first */
  if (ev_w != NULL)
    memcpy(ev_w, w->ev, d0 * sizeof(double));
  sqrt_clamped(d0, w->ev, snow);
  for (size_t i = 0; i < d0; i++) {
    double si = snow[i] - w->s0[i];
    acc += si * si;
  }
  for (size_t k = 0; k < s->d1 * d0; k++)
    fro += (w->W[k] - w->W0[k]) * (w->W[k] - w->W0[k]);
  out->frob = sqrt(fro / (double) s->d1);
  out->s12_lhs = sqrt(acc / (double) d0);
  out->s12_rhs = out->frob / sqrt((double) d0);
  return DEQ_SUCCESS;
}

int deq_trainsim_measure(deq_trainsim *w, deq_trainsim_stats *out, double *ev_w, double *ev_ck,
                         double *ev_ntk)
{
  DEQ_CHECK_NULL(w, "ws");
  DEQ_CHECK_NULL(out, "out");
  const deq_trainsim_spec *s = &w->spec;
  out->top_ck = out->top_ntk = NAN;
  forward(w, w->Xt, s->n_test, 0);
  out->test_loss = half_mse(w, w->yt, w->f0t, s->n_test);
  forward(w, w->X, s->n, ev_ntk != NULL);
  out->train_loss = half_mse(w, w->y, w->f0, s->n);
  if (!isfinite(out->train_loss) || !isfinite(out->test_loss))
    DEQ_ERROR("trainsim: a loss is not finite", DEQ_EBADFUNC);
  int st = DEQ_SUCCESS;
  if (ev_ck != NULL || ev_ntk != NULL)
    st = kernels(w, ev_ck, ev_ntk, out);
  return st ? st : weights(w, ev_w, out);
}

/* Two-layer network Monte Carlo: workspace, draws, first-layer gradient and step
 * (rf_onestep S1, rf_onestep S10).  Ridge and test error: twolayer_fit.c; singular vectors:
 * twolayer_svd.c. */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cblas.h>
#include "core/gsl_quiet.h"
#include "deqnn/rng.h"
#include "core/mem.h"
#include "core/check.h"
#include "sim/twolayer_impl.h"

#define GIB 1073741824.0

double deq_twolayer_now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double) ts.tv_sec + 1e-9 * (double) ts.tv_nsec;
}

int deq_twolayer_check_finite(size_t n, const double *x, const char *what)
{
  for (size_t i = 0; i < n; i++)
    if (!isfinite(x[i]))
      DEQ_ERRORF(DEQ_EBADFUNC, "%s: non-finite value %g at index %zu", what, x[i], i);
  return DEQ_SUCCESS;
}

void deq_twolayer_spec_init(deq_twolayer_spec *spec)
{
  DEQ_CHECK_NULL_VOID(spec, "spec");
  memset(spec, 0, sizeof *spec);
  spec->n_test = 6000;
  spec->act.kind = DEQ_ACT_LINEAR;
  spec->teacher.kind = DEQ_ACT_POLY;
  spec->teacher.c[1] = 1.0;
  spec->form = DEQ_TWOLAYER_RIDGE_AUTO;
}

/* ------------------------------------------------------------------------------
 * Checks and memory layout. */

static int check_act(const deq_act *act, const char *name)
{
  if (act->kind < DEQ_ACT_LINEAR || act->kind > DEQ_ACT_POLY)
    DEQ_ERRORF(DEQ_EINVAL, "%s: unknown activation kind %d", name, (int) act->kind);
  for (int i = 0; i < 4; i++)
    if (act->kind == DEQ_ACT_POLY && !isfinite(act->c[i]))
      DEQ_ERRORF(DEQ_EINVAL, "%s: poly coefficient c%d is not finite", name, i);
  return DEQ_SUCCESS;
}

/* The first failing check reports (once) and ends the checks. */
static int check_spec(const deq_twolayer_spec *s)
{
  int status = deq_sim_check_size(s->d, "d");
  if (status == DEQ_SUCCESS)
    status = deq_sim_check_size(s->N, "N");
  if (status == DEQ_SUCCESS)
    status = deq_sim_check_size(s->n, "n");
  if (status == DEQ_SUCCESS)
    status = deq_sim_check_size(s->n_g, "n_g");
  if (status == DEQ_SUCCESS)
    status = deq_sim_check_size(s->n_test, "n_test");
  if (status == DEQ_SUCCESS)
    status = check_act(&s->act, "act");
  if (status == DEQ_SUCCESS)
    status = check_act(&s->teacher, "teacher");
  if (status != DEQ_SUCCESS)
    return status;
  if (!(s->noise >= 0 && isfinite(s->noise)))
    DEQ_ERRORF(DEQ_EINVAL, "noise: must be finite and >= 0, got %g", s->noise);
  if (s->form < DEQ_TWOLAYER_RIDGE_AUTO || s->form > DEQ_TWOLAYER_RIDGE_KERNEL)
    DEQ_ERRORF(DEQ_EINVAL, "form: unknown ridge form %d", (int) s->form);
  return DEQ_SUCCESS;
}

static size_t max2(size_t a, size_t b) { return a > b ? a : b; }
static size_t min2(size_t a, size_t b) { return a < b ? a : b; }

/* Sizes of the LAPACK workspaces (dgelsd on n x N, dsyevr on k x k), by query. */
static int query_workspaces(deq_twolayer *tl)
{
  const lapack_int n = (lapack_int) tl->spec.n, N = (lapack_int) tl->spec.N;
  const lapack_int k = (lapack_int) tl->k, nb = (lapack_int) max2(tl->spec.n, tl->spec.N);
  double x = 0.0, q1 = 0.0, q2 = 0.0;
  lapack_int ix[2] = { 0, 0 }, i1 = 0, i2 = 0, rank, found;
  lapack_int info = LAPACKE_dgelsd_work(LAPACK_COL_MAJOR, n, N, 1, &x, n, &x, nb, &x,
                                        -1.0, &rank, &q1, -1, &i1);
  if (info == 0)
    info = LAPACKE_dsyevr_work(LAPACK_COL_MAJOR, 'V', 'I', 'L', k, &x, k, 0.0, 0.0, k, k,
                               0.0, &found, &x, &x, k, ix, &q2, -1, &i2, -1);
  if (info != 0 || !(q1 < INT_MAX && q2 < INT_MAX))
    DEQ_ERRORF(DEQ_ENOMEM, "LAPACK workspace query failed or exceeds the integer "
               "range (info %d, dgelsd %g, dsyevr %g)", (int) info, q1, q2);
  tl->lw_ls = (size_t) q1;
  tl->liw_ls = (size_t) i1;
  tl->lw_ev = (size_t) q2;
  tl->liw_ev = (size_t) i2;
  return DEQ_SUCCESS;
}

typedef struct { double **p; size_t n; } dpart;
typedef struct { lapack_int **p; size_t n; } ipart;
enum { NDPART = 25, NIPART = 3 };

/* The arrays of the workspace and their lengths (in elements).  Each length fits in
 * size_t (sizes <= INT_MAX); their sum is taken in double by the caller. */
static void layout(deq_twolayer *tl, dpart *dp, ipart *ip)
{
  const size_t d = tl->spec.d, N = tl->spec.N, n = tl->spec.n, ng = tl->spec.n_g;
  const size_t nt = tl->spec.n_test, m = tl->m, k = tl->k;
  const dpart dl[NDPART] = {
    { &tl->beta, d }, { &tl->W0, d * N }, { &tl->W1, d * N }, { &tl->G0, d * N },
    { &tl->a, N }, { &tl->a_hat, N }, { &tl->Xg, ng * d }, { &tl->yg, ng },
    { &tl->X, n * d }, { &tl->y, n }, { &tl->Xt, nt * d }, { &tl->ft, nt },
    { &tl->Phi, n * N }, { &tl->D, ng * N }, { &tl->Z, tl->rows * N }, { &tl->r, tl->rows },
    { &tl->sys, m * m }, { &tl->rhs, max2(n, N) }, { &tl->sv, min2(n, N) },
    { &tl->work_ls, tl->lw_ls }, { &tl->gram, k * k }, { &tl->ev, 1 }, { &tl->evec, k },
    { &tl->work_ev, tl->lw_ev }, { &tl->u, d } };
  const ipart il[NIPART] = {
    { &tl->iwork_ls, tl->liw_ls }, { &tl->iwork_ev, tl->liw_ev }, { &tl->isuppz, 2 } };
  memcpy(dp, dl, sizeof dl);
  memcpy(ip, il, sizeof il);
}

/* Doubles per cache line: every array of the double block starts on one, so that the BLAS
 * kernels see the same alignment whatever the sizes before it (their rounding may depend on
 * it: the network mode at eta = 0 and the spiked mode must agree bit for bit). */
#define LINE_DOUBLES ((size_t) DEQ_MEM_ALIGN / sizeof(double))

static size_t line_up(size_t n)
{
  return (n + LINE_DOUBLES - 1) / LINE_DOUBLES * LINE_DOUBLES;
}

static void count(const dpart *dp, const ipart *ip, double *nd, double *ni)
{
  *nd = *ni = 0.0;
  for (int i = 0; i < NDPART; i++)
    *nd += (double) line_up(dp[i].n);
  for (int i = 0; i < NIPART; i++)
    *ni += (double) ip[i].n;
}

static int check_memory(const deq_twolayer *tl, double bytes)
{
  const deq_twolayer_spec *s = &tl->spec;
  double avail = deq_mem_available();
  if (bytes > avail)
    DEQ_ERRORF(DEQ_ENOMEM, "twolayer workspace (d = %zu, N = %zu, n = %zu, n_g = %zu, "
               "n_test = %zu) needs %.3g GiB, %.3g GiB available", s->d, s->N, s->n,
               s->n_g, s->n_test, bytes / GIB, avail / GIB);
  return DEQ_SUCCESS;
}

/* Point every array into the two blocks. */
static void carve(deq_twolayer *tl, const dpart *dp, const ipart *ip)
{
  double *x = tl->block;
  lapack_int *j = tl->iblock;
  for (int i = 0; i < NDPART; i++) {
    *dp[i].p = x;
    x += line_up(dp[i].n);
  }
  for (int i = 0; i < NIPART; i++) {
    *ip[i].p = j;
    j += ip[i].n;
  }
}

/* ------------------------------------------------------------------------------
 * Allocation. */

static int plan(const deq_twolayer_spec *spec, deq_twolayer *tl)
{
  const deq_twolayer_spec *s = &tl->spec;
  int status = check_spec(spec);
  if (status != DEQ_SUCCESS)
    return status;
  tl->spec = *spec;
  tl->primal = s->form == DEQ_TWOLAYER_RIDGE_PRIMAL
               || (s->form == DEQ_TWOLAYER_RIDGE_AUTO && s->N <= s->n);
  tl->m = tl->primal ? s->N : s->n;
  tl->k = min2(s->d, s->N);
  tl->rows = max2(max2(s->n_g, s->n), s->n_test);
  return DEQ_SUCCESS;
}

/* Bytes of the workspace laid out in tl (with the LAPACK workspaces set so far). */
static double workspace_bytes(deq_twolayer *tl)
{
  dpart dp[NDPART];
  ipart ip[NIPART];
  double nd, ni;
  layout(tl, dp, ip);
  count(dp, ip, &nd, &ni);
  return nd * sizeof(double) + ni * sizeof(lapack_int) + sizeof *tl
         + 8192.0 /* generator state */;
}

/* The checks before anything is allocated: the spec, the arrays (before the LAPACK
 * queries, which need sizes that fit), then everything. */
static int prepare(const deq_twolayer_spec *spec, deq_twolayer *tl)
{
  int status = plan(spec, tl);
  if (status == DEQ_SUCCESS)
    status = check_memory(tl, workspace_bytes(tl));
  if (status == DEQ_SUCCESS)
    status = query_workspaces(tl);
  if (status == DEQ_SUCCESS)
    status = check_memory(tl, workspace_bytes(tl));
  return status;
}

int deq_twolayer_alloc(const deq_twolayer_spec *spec, deq_twolayer **tl)
{
  DEQ_CHECK_NULL(tl, "tl");
  *tl = NULL;
  DEQ_CHECK_NULL(spec, "spec");
  deq_twolayer plan_tl = { 0 };
  dpart dp[NDPART];
  ipart ip[NIPART];
  double nd, ni;
  int status = prepare(spec, &plan_tl);
  *tl = NULL;
  if (status != DEQ_SUCCESS)
    return status;
  *tl = malloc(sizeof **tl);
  if (*tl == NULL)
    DEQ_ERROR("twolayer: allocation failed", DEQ_ENOMEM);
  **tl = plan_tl;
  (*tl)->top_w1 = NAN;
  layout(*tl, dp, ip);
  count(dp, ip, &nd, &ni);
  (*tl)->block = aligned_alloc(DEQ_MEM_ALIGN, (size_t) nd * sizeof(double));
  if ((*tl)->block != NULL)
    memset((*tl)->block, 0, (size_t) nd * sizeof(double));
  (*tl)->iblock = calloc((size_t) ni, sizeof(lapack_int));
  deq_gsl_quiet();
  (*tl)->rng = gsl_rng_alloc(gsl_rng_mt19937);
  if ((*tl)->block == NULL || (*tl)->iblock == NULL || (*tl)->rng == NULL) {
    deq_twolayer_free(*tl);
    *tl = NULL;
    DEQ_ERROR("twolayer: allocation failed", DEQ_ENOMEM);
  }
  carve(*tl, dp, ip);
  return DEQ_SUCCESS;
}

double deq_twolayer_bytes(const deq_twolayer_spec *spec)
{
  DEQ_CHECK_NULL_NAN(spec, "spec");
  deq_twolayer t = { 0 };
  if (plan(spec, &t) != DEQ_SUCCESS || query_workspaces(&t) != DEQ_SUCCESS)
    return NAN;
  return workspace_bytes(&t);
}

void deq_twolayer_free(deq_twolayer *tl)
{
  if (tl == NULL)
    return;
  free(tl->block);
  free(tl->iblock);
  if (tl->rng != NULL)
    gsl_rng_free(tl->rng);
  free(tl);
}

/* ------------------------------------------------------------------------------
 * Forward pass, draws and the gradient. */

int deq_twolayer_features(deq_twolayer *tl, size_t rows, const double *X, const double *W,
                          double *Phi, double *dPhi, const char *what)
{
  const int d = (int) tl->spec.d, N = (int) tl->spec.N;
  DEQ_TWOLAYER_BLAS(tl, cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int) rows,
                                    N, d, 1.0, X, d, W, N, 0.0, Phi, N));
  deq_act_apply(&tl->spec.act, 0.0, 1.0, rows * tl->spec.N, Phi, Phi, dPhi);
  return deq_twolayer_check_finite(rows * tl->spec.N, Phi, what);
}

void deq_twolayer_draw_gaussian(deq_twolayer *tl, double sd, size_t n, double *x)
{
  double t0 = deq_twolayer_now();
  deq_rng_gaussian(tl->rng, sd, n, x);
  tl->times.rng += deq_twolayer_now() - t0;
}

/* y += sigma_*(X beta) for the rows x d matrix X (y holds the label noise). */
static int teacher_labels(deq_twolayer *tl, size_t rows, const double *X, double *y,
                          const char *what)
{
  const int d = (int) tl->spec.d;
  double *t = tl->r;
  DEQ_TWOLAYER_BLAS(tl, cblas_dgemv(CblasRowMajor, CblasNoTrans, (int) rows, d, 1.0, X, d,
                                    tl->beta, 1, 0.0, t, 1));
  deq_act_apply(&tl->spec.teacher, 0.0, 1.0, rows, t, t, NULL);
  for (size_t i = 0; i < rows; i++)
    y[i] += t[i];
  return deq_twolayer_check_finite(rows, y, what);
}

/* A batch of `rows` samples: X, then the noise of y, then the labels. */
int deq_twolayer_draw_batch(deq_twolayer *tl, size_t rows, double *X, double *y,
                            const char *what)
{
  deq_twolayer_draw_gaussian(tl, 1.0, rows * tl->spec.d, X);
  deq_twolayer_draw_gaussian(tl, sqrt(tl->spec.noise), rows, y);
  return teacher_labels(tl, rows, X, y, what);
}

/* The test inputs Xt and their noise-free labels ft = sigma_*(Xt beta). */
int deq_twolayer_draw_test(deq_twolayer *tl)
{
  deq_twolayer_draw_gaussian(tl, 1.0, tl->spec.n_test * tl->spec.d, tl->Xt);
  memset(tl->ft, 0, tl->spec.n_test * sizeof(double));
  return teacher_labels(tl, tl->spec.n_test, tl->Xt, tl->ft, "ft");
}

/* G0 = (1/n_g) Xg^T [((yg - f0) a^T / sqrt(N)) o sigma'(Xg W0)], f0 = sigma(Xg W0) a / sqrt(N)
 * (rf_onestep S1).  Z holds sigma(Xg W0), D holds sigma'(Xg W0) and then the bracket. */
int deq_twolayer_gradient(deq_twolayer *tl)
{
  const size_t ng = tl->spec.n_g, N = tl->spec.N;
  const double isn = 1.0 / sqrt((double) N);
  int status = deq_twolayer_features(tl, ng, tl->Xg, tl->W0, tl->Z, tl->D, "sigma(Xg W0)");
  if (status != DEQ_SUCCESS)
    return status;
  memcpy(tl->r, tl->yg, ng * sizeof(double));
  DEQ_TWOLAYER_BLAS(tl, cblas_dgemv(CblasRowMajor, CblasNoTrans, (int) ng, (int) N, -isn,
                                    tl->Z, (int) N, tl->a, 1, 1.0, tl->r, 1));
  for (size_t i = 0; i < ng; i++) {
    double ri = tl->r[i] * isn;
    for (size_t j = 0; j < N; j++)
      tl->D[i * N + j] *= ri * tl->a[j];
  }
  DEQ_TWOLAYER_BLAS(tl, cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans,
                                    (int) tl->spec.d, (int) N, (int) ng, 1.0 / (double) ng,
                                    tl->Xg, (int) tl->spec.d, tl->D, (int) N, 0.0, tl->G0,
                                    (int) N));
  return deq_twolayer_check_finite(tl->spec.d * N, tl->G0, "G0");
}

static int draw(deq_twolayer *tl, uint64_t master, uint64_t replicate)
{
  const size_t d = tl->spec.d, N = tl->spec.N;
  int status;
  tl->drawn = tl->fitted = 0;
  gsl_rng_set(tl->rng, (unsigned long) deq_rng_seed(master, replicate));
  deq_twolayer_draw_gaussian(tl, 1.0, d, tl->beta);
  DEQ_TWOLAYER_BLAS(tl, cblas_dscal((int) d, 1.0 / cblas_dnrm2((int) d, tl->beta, 1),
                                    tl->beta, 1));
  deq_twolayer_draw_gaussian(tl, 1.0 / sqrt((double) d), d * N, tl->W0);
  deq_twolayer_draw_gaussian(tl, 1.0 / sqrt((double) N), N, tl->a);
  status = deq_twolayer_draw_batch(tl, tl->spec.n_g, tl->Xg, tl->yg, "yg");
  if (status == DEQ_SUCCESS)
    status = deq_twolayer_draw_batch(tl, tl->spec.n, tl->X, tl->y, "y");
  if (status == DEQ_SUCCESS)
    status = deq_twolayer_draw_test(tl);
  if (status == DEQ_SUCCESS)
    status = deq_twolayer_gradient(tl);
  if (status != DEQ_SUCCESS)
    return status;
  memcpy(tl->W1, tl->W0, d * N * sizeof(double));
  tl->drawn = 1;
  return DEQ_SUCCESS;
}

int deq_twolayer_draw(deq_twolayer *tl, uint64_t master, uint64_t replicate)
{
  DEQ_CHECK_NULL(tl, "tl");
  double t0 = deq_twolayer_now();
  int status = draw(tl, master, replicate);
  tl->times.total += deq_twolayer_now() - t0;
  return status;
}

/* W1 = W0 + eta sqrt(N) G0, or W0 + eta N G0 for the large step (rf_onestep S1). */
int deq_twolayer_step(deq_twolayer *tl, double eta, int large)
{
  DEQ_CHECK_NULL(tl, "tl");
  const size_t dN = tl->spec.d * tl->spec.N;
  const double N = (double) tl->spec.N, scale = eta * (large ? N : sqrt(N));
  double t0 = deq_twolayer_now();
  if (!(eta >= 0 && isfinite(eta)))
    DEQ_ERRORF(DEQ_EINVAL, "eta: must be finite and >= 0, got %g", eta);
  if (!tl->drawn)
    DEQ_ERROR("twolayer step: nothing drawn (call deq_twolayer_draw first)", DEQ_EINVAL);
  if (scale == 0.0)
    memcpy(tl->W1, tl->W0, dN * sizeof(double));
  else
    for (size_t i = 0; i < dN; i++)
      tl->W1[i] = tl->W0[i] + scale * tl->G0[i];
  tl->fitted = 0;
  tl->times.total += deq_twolayer_now() - t0;
  return DEQ_SUCCESS;
}

void deq_twolayer_view(const deq_twolayer *tl, deq_twolayer_data *data)
{
  DEQ_CHECK_NULL_VOID(tl, "tl");
  DEQ_CHECK_NULL_VOID(data, "data");
  data->beta = tl->beta;
  data->W0 = tl->W0;
  data->W1 = tl->W1;
  data->G0 = tl->G0;
  data->a = tl->a;
  data->Xg = tl->Xg;
  data->yg = tl->yg;
  data->X = tl->X;
  data->y = tl->y;
  data->Xt = tl->Xt;
  data->ft = tl->ft;
  data->Phi = tl->Phi;
  data->a_hat = tl->a_hat;
}

void deq_twolayer_timing(const deq_twolayer *tl, deq_twolayer_times *times)
{
  DEQ_CHECK_NULL_VOID(tl, "tl");
  DEQ_CHECK_NULL_VOID(times, "times");
  *times = tl->times;
}

/* Tests for the spiked random-feature / one-step network Monte Carlo (spiked_rf S1, S6,
 * S10): reproducibility, shapes, the ridge and the spectrum against second routes computed
 * here from the sampled matrices, the spiked weights and the gradient step written out by
 * hand, paired learning rates, the network at eta = 0 against the spiked model at r = 0,
 * and the argument checks.  Small sizes (d <= 200). */
#include <complex.h>
#include <stdlib.h>
#include <string.h>
#include <cblas.h>
#include <lapacke.h>
#include "testutil.h"
#include "deqnn/srfsim.h"


static deq_srfsim_spec small_spec(deq_srfsim_mode mode, size_t d, size_t p, size_t n,
                                  const char *act)
{
  deq_srfsim_spec s;
  deq_srfsim_spec_init(&s);
  s.mode = mode;
  s.d = d;
  s.p = p;
  s.n = n;
  s.n_test = 400;
  s.noise = 0.1;
  s.lambda = 0.05;
  s.r = 1.3;
  s.c = 1.2;
  s.gamma = 0.8;
  s.eta = 1.5;
  s.n0 = 3 * d;
  s.nz = 2;
  s.z[0] = 0.5 + 0.3 * I;
  s.z[1] = -1.0;
  assert_int_equal(deq_act_parse(act, "act", &s.act), DEQ_SUCCESS);
  assert_int_equal(deq_act_parse("poly:0,1,0.70710678118654752,0", "teacher", &s.teacher),
                   DEQ_SUCCESS);
  return s;
}

static void run(const deq_srfsim_spec *s, uint64_t master, uint64_t rep, deq_srfsim_result *res,
                double *eig)
{
  deq_srfsim *ws;
  assert_int_equal(deq_srfsim_alloc(s, &ws), DEQ_SUCCESS);
  assert_int_equal(deq_srfsim_run(ws, master, rep, res, eig), DEQ_SUCCESS);
  deq_srfsim_free(ws);
}

/* Same (master, replicate): the same bits, in a fresh workspace or after other
 * replicates; another replicate: other values. */
static void test_reproducible(void **state)
{
  (void) state;
  for (int mode = 0; mode < 2; mode++) {
    deq_srfsim_spec s = small_spec((deq_srfsim_mode) mode, 60, 70, 90, "tanh");
    deq_srfsim_result a, b, c;
    double *ea = malloc(s.p * sizeof *ea), *eb = malloc(s.p * sizeof *eb);
    deq_srfsim *ws;
    memset(&a, 0, sizeof a), memset(&b, 0, sizeof b), memset(&c, 0, sizeof c);
    run(&s, 42, 3, &a, ea);
    assert_int_equal(deq_srfsim_alloc(&s, &ws), DEQ_SUCCESS);
    assert_int_equal(deq_srfsim_run(ws, 42, 4, &c, NULL), DEQ_SUCCESS);
    assert_int_equal(deq_srfsim_run(ws, 42, 3, &b, eb), DEQ_SUCCESS);
    assert_memory_equal(&a, &b, sizeof a);
    assert_memory_equal(ea, eb, s.p * sizeof *ea);
    assert_true(c.test_error != a.test_error && c.lambda1 != a.lambda1);
    assert_int_equal(deq_srfsim_run(ws, 43, 3, &c, NULL), DEQ_SUCCESS);
    assert_true(c.test_error != a.test_error);
    /* run twice on the held draw: the same bits */
    assert_int_equal(deq_srfsim_run(ws, 43, 3, &b, NULL), DEQ_SUCCESS);
    assert_memory_equal(&b, &c, sizeof b);
    deq_srfsim_free(ws);
    free(ea), free(eb);
  }
}

/* Shapes and finiteness; lambda1, lambda2, m(z) from the eigenvalues; tr S. */
static void test_shapes(void **state)
{
  (void) state;
  deq_srfsim_spec s = small_spec(DEQ_SRFSIM_SPIKED, 80, 100, 120, "relu");
  deq_srfsim *ws;
  deq_srfsim_result res;
  deq_srfsim_data v;
  double *eig = malloc(s.p * sizeof *eig);
  assert_int_equal(deq_srfsim_alloc(&s, &ws), DEQ_SUCCESS);
  assert_true(deq_srfsim_bytes(&s) > 8.0 * (double) (s.p * s.p + s.n_test * s.d));
  assert_int_equal(deq_srfsim_run(ws, 7, 0, &res, eig), DEQ_SUCCESS);
  deq_srfsim_view(ws, &v);
  assert_null(v.Xg);
  assert_true(isfinite(res.test_error) && res.test_error > 0);
  assert_true(isfinite(res.train_error) && res.train_error > 0);
  for (size_t j = 0; j < s.p; j++) {
    assert_true(isfinite(eig[j]) && eig[j] > -1e-10);
    assert_true(j == 0 || eig[j] >= eig[j - 1]);
    assert_true(eig[j] == v.eig[j]);
  }
  assert_true(res.lambda1 == eig[s.p - 1] && res.lambda2 == eig[s.p - 2]);
  /* the mean outlier is of order p, far above the bulk */
  assert_true(res.lambda1 > 5 * res.lambda2);
  double tr = 0, fro = 0;
  for (size_t j = 0; j < s.p; j++)
    tr += eig[j];
  for (size_t i = 0; i < s.n * s.p; i++)
    fro += v.F[i] * v.F[i];
  assert_rel(tr, fro / (double) s.n, 1e-12);
  for (size_t k = 0; k < s.nz; k++) {
    double complex m = 0;
    for (size_t j = 0; j < s.p; j++)
      m += 1.0 / (eig[j] - s.z[k]) / (double) s.p;
    assert_rel(creal(res.m[k]), creal(m), 1e-13);
    assert_close(cimag(res.m[k]), cimag(m), 1e-13);
  }
  assert_true(cimag(res.m[0]) > 0);
  assert_true(creal(res.m[1]) > 0 && cimag(res.m[1]) == 0);   /* z = -1 < 0 */
  assert_true(res.m[2] == 0.0);                               /* unused slots */
  deq_srfsim_free(ws);
  free(eig);
}

/* sigma(X W) with W = sqrt(c) W0 + r on row 0, written out, and theta = gamma e1 +
 * sqrt(1 - gamma^2) e2; the ridge solved here by the kernel form (n x n Cholesky),
 * the eigenvalues by dsyevd of F^T F / n from dgemm.  Linear and tanh. */
static void check_second_route(const char *act, double lambda)
{
  deq_srfsim_spec s = small_spec(DEQ_SRFSIM_SPIKED, 50, 60, 150, act);
  s.lambda = lambda;
  const size_t d = s.d, p = s.p, n = s.n, nt = s.n_test;
  deq_srfsim *ws;
  deq_srfsim_result res;
  deq_srfsim_data v;
  assert_int_equal(deq_srfsim_alloc(&s, &ws), DEQ_SUCCESS);
  assert_int_equal(deq_srfsim_run(ws, 11, 5, &res, NULL), DEQ_SUCCESS);
  deq_srfsim_view(ws, &v);
  /* unit neurons, theta and W */
  for (size_t j = 0; j < p; j++) {
    double nrm = 0;
    for (size_t i = 0; i < d; i++)
      nrm += v.W0[i * p + j] * v.W0[i * p + j];
    assert_close(nrm, 1.0, 1e-14);
  }
  assert_true(v.theta[0] == s.gamma && fabs(v.theta[1] - 0.6) < 1e-15 && v.theta[2] == 0);
  for (size_t i = 0; i < d; i++)
    for (size_t j = 0; j < p; j++)
      assert_true(v.W[i * p + j] == sqrt(s.c) * v.W0[i * p + j] + (i == 0 ? s.r : 0.0));
  /* features, the labels */
  double *F = malloc(n * p * sizeof *F), *K = malloc(n * n * sizeof *K);
  double *cc = malloc(n * sizeof *cc), *beta = malloc(p * sizeof *beta);
  double *G = malloc(p * p * sizeof *G), *ev = malloc(p * sizeof *ev);
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < p; j++) {
      double h = 0;
      for (size_t k = 0; k < d; k++)
        h += v.X[i * d + k] * v.W[k * p + j];
      F[i * p + j] = deq_act_eval(&s.act, h);
      assert_close(v.F[i * p + j], F[i * p + j], 1e-12);
    }
  /* kernel ridge: (F F^T + n lambda I) cc = y, beta = F^T cc */
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int) n, (int) n, (int) p, 1.0, F,
              (int) p, F, (int) p, 0.0, K, (int) n);
  for (size_t i = 0; i < n; i++)
    K[i * n + i] += (double) n * lambda;
  memcpy(cc, v.y, n * sizeof *cc);
  assert_int_equal(LAPACKE_dposv(LAPACK_ROW_MAJOR, 'U', (int) n, 1, K, (int) n, cc, 1), 0);
  cblas_dgemv(CblasRowMajor, CblasTrans, (int) n, (int) p, 1.0, F, (int) p, cc, 1, 0.0, beta, 1);
  for (size_t j = 0; j < p; j++)
    assert_close(v.beta[j], beta[j], 1e-8);
  double train = 0, test = 0;
  for (size_t i = 0; i < n; i++) {
    double e = v.y[i] - cblas_ddot((int) p, F + i * p, 1, beta, 1);
    train += e * e / (double) n;
  }
  for (size_t i = 0; i < nt; i++) {
    double ti = s.gamma * v.Xt[i * d] + sqrt(1 - s.gamma * s.gamma) * v.Xt[i * d + 1];
    double f = deq_act_eval(&s.teacher, ti), pred = 0;
    assert_close(v.ft[i], f, 1e-13);
    for (size_t j = 0; j < p; j++) {
      double h = 0;
      for (size_t k = 0; k < d; k++)
        h += v.Xt[i * d + k] * v.W[k * p + j];
      pred += deq_act_eval(&s.act, h) * beta[j];
    }
    test += (f - pred) * (f - pred) / (double) nt;
  }
  assert_rel(res.train_error, train, 1e-8);
  assert_rel(res.test_error, test, 1e-8);
  /* eigenvalues */
  cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int) p, (int) p, (int) n,
              1.0 / (double) n, F, (int) p, F, (int) p, 0.0, G, (int) p);
  assert_int_equal(LAPACKE_dsyevd(LAPACK_ROW_MAJOR, 'N', 'U', (int) p, G, (int) p, ev), 0);
  for (size_t j = 0; j < p; j++)
    assert_close(v.eig[j], ev[j], 1e-10 * ev[p - 1]);
  deq_srfsim_free(ws);
  free(F), free(K), free(cc), free(beta), free(G), free(ev);
}

static void test_second_route(void **state)
{
  (void) state;
  check_second_route("linear", 0.05);
  check_second_route("tanh", 0.05);
  check_second_route("relu", 0.3);
}

/* Linear sigma and lambda = 0 with p < n: ordinary least squares on F = X W; its training
 * error is (1/n) ||(I - P_F) y||^2, computed here from the QR of F (dgels). */
static void test_linear_lstsq(void **state)
{
  (void) state;
  deq_srfsim_spec s = small_spec(DEQ_SRFSIM_SPIKED, 40, 30, 100, "linear");
  s.lambda = 0;
  deq_srfsim *ws;
  deq_srfsim_result res;
  deq_srfsim_data v;
  assert_int_equal(deq_srfsim_alloc(&s, &ws), DEQ_SUCCESS);
  assert_int_equal(deq_srfsim_run(ws, 5, 1, &res, NULL), DEQ_SUCCESS);
  deq_srfsim_view(ws, &v);
  double *F = malloc(s.n * s.p * sizeof *F), *y = malloc(s.n * sizeof *y), rss = 0;
  memcpy(F, v.F, s.n * s.p * sizeof *F);
  memcpy(y, v.y, s.n * sizeof *y);
  assert_int_equal(LAPACKE_dgels(LAPACK_ROW_MAJOR, 'N', (int) s.n, (int) s.p, 1, F, (int) s.p,
                                 y, 1), 0);
  for (size_t i = s.p; i < s.n; i++)
    rss += y[i] * y[i];
  assert_rel(res.train_error, rss / (double) s.n, 1e-10);
  for (size_t j = 0; j < s.p; j++)
    assert_close(v.beta[j], y[j], 1e-9);
  deq_srfsim_free(ws);
  free(F), free(y);
}

/* The network at eta = 0 is the spiked model at r = 0, c = 1, gamma = 1, bit for bit. */
static void test_network_eta0(void **state)
{
  (void) state;
  deq_srfsim_spec a = small_spec(DEQ_SRFSIM_NETWORK, 60, 80, 100, "tanh");
  deq_srfsim_spec b = a;
  deq_srfsim_result ra, rb;
  double *ea = malloc(a.p * sizeof *ea), *eb = malloc(a.p * sizeof *eb);
  a.eta = 0;
  b.mode = DEQ_SRFSIM_SPIKED;
  b.r = 0, b.c = 1, b.gamma = 1;
  memset(&ra, 0, sizeof ra), memset(&rb, 0, sizeof rb);
  run(&a, 99, 2, &ra, ea);
  run(&b, 99, 2, &rb, eb);
  assert_memory_equal(&ra, &rb, sizeof ra);
  assert_memory_equal(ea, eb, a.p * sizeof *ea);
  free(ea), free(eb);
}

/* The step written out (spiked_rf S6): f(x) = (1/p) sum_j sigma(w0_j.x),
 * w_j = w0_j + eta_t (1/n0) sum_i (y_i - f(x_i)) sigma'(w0_j.x_i) x_i. */
static void test_network_step(void **state)
{
  (void) state;
  deq_srfsim_spec s = small_spec(DEQ_SRFSIM_NETWORK, 30, 40, 50, "tanh");
  const size_t d = s.d, p = s.p, n0 = s.n0;
  deq_srfsim *ws;
  deq_srfsim_result res;
  deq_srfsim_data v;
  assert_int_equal(deq_srfsim_alloc(&s, &ws), DEQ_SUCCESS);
  assert_int_equal(deq_srfsim_run(ws, 3, 9, &res, NULL), DEQ_SUCCESS);
  deq_srfsim_view(ws, &v);
  assert_non_null(v.Xg);
  assert_true(v.theta[0] == 1.0 && v.theta[1] == 0.0);
  double *H = malloc(n0 * p * sizeof *H), *res0 = malloc(n0 * sizeof *res0);
  for (size_t i = 0; i < n0; i++) {
    double f = 0;
    for (size_t j = 0; j < p; j++) {
      double h = 0;
      for (size_t k = 0; k < d; k++)
        h += v.Xg[i * d + k] * v.W0[k * p + j];
      H[i * p + j] = h;
      f += deq_act_eval(&s.act, h) / (double) p;
    }
    res0[i] = v.yg[i] - f;
  }
  for (size_t k = 0; k < d; k++)
    for (size_t j = 0; j < p; j++) {
      double g = 0;
      for (size_t i = 0; i < n0; i++)
        g += res0[i] * deq_act_deriv(&s.act, H[i * p + j]) * v.Xg[i * d + k];
      assert_close(v.W[k * p + j], v.W0[k * p + j] + s.eta * g / (double) n0, 1e-12);
    }
  deq_srfsim_free(ws);
  free(H), free(res0);
}

/* Paired learning rates: one replicate gives the same W0, X, Xt, Xg for every eta, and a
 * sweep by deq_srfsim_set_eta on one workspace equals fresh workspaces at each eta. */
static void test_paired_eta(void **state)
{
  (void) state;
  const double etas[3] = { 0.0, 0.7, 2.0 };
  deq_srfsim_spec s = small_spec(DEQ_SRFSIM_NETWORK, 50, 60, 80, "tanh");
  deq_srfsim *sweep, *fresh;
  deq_srfsim_data v0, v1;
  deq_srfsim_result a, b;
  double prev = NAN;
  assert_int_equal(deq_srfsim_alloc(&s, &sweep), DEQ_SUCCESS);
  for (int k = 0; k < 3; k++) {
    deq_srfsim_spec t = s;
    t.eta = etas[k];
    memset(&a, 0, sizeof a), memset(&b, 0, sizeof b);
    assert_int_equal(deq_srfsim_set_eta(sweep, etas[k]), DEQ_SUCCESS);
    assert_int_equal(deq_srfsim_run(sweep, 8, 1, &a, NULL), DEQ_SUCCESS);
    assert_int_equal(deq_srfsim_alloc(&t, &fresh), DEQ_SUCCESS);
    assert_int_equal(deq_srfsim_run(fresh, 8, 1, &b, NULL), DEQ_SUCCESS);
    assert_memory_equal(&a, &b, sizeof a);
    deq_srfsim_view(sweep, &v0);
    deq_srfsim_view(fresh, &v1);
    assert_memory_equal(v0.W0, v1.W0, s.d * s.p * sizeof(double));
    assert_memory_equal(v0.X, v1.X, s.n * s.d * sizeof(double));
    assert_memory_equal(v0.Xt, v1.Xt, s.n_test * s.d * sizeof(double));
    assert_memory_equal(v0.Xg, v1.Xg, s.n0 * s.d * sizeof(double));
    assert_true(a.test_error != prev);
    prev = a.test_error;
    deq_srfsim_free(fresh);
  }
  deq_srfsim_free(sweep);
}

/* Relu at r = 0: the mean outlier lambda1 ~ p E[sigma]^2 + E[sigma^2] - E[sigma]^2 (spiked_rf
 * S4, S13 to leading order: p/(2 pi) + 1/2 - 1/(2 pi) + O(p/n, p/sqrt(n))). */
static void test_mean_outlier(void **state)
{
  (void) state;
  deq_srfsim_spec s = small_spec(DEQ_SRFSIM_SPIKED, 150, 180, 200, "relu");
  deq_srfsim_result res;
  s.r = 0, s.c = 1;
  run(&s, 1, 0, &res, NULL);
  double mu0sq = 1.0 / (2 * M_PI), var = 0.5 - mu0sq;
  assert_rel(res.lambda1, (double) s.p * mu0sq + var * (1 + (double) s.p / (double) s.n), 0.1);
}

/* OpenBLAS with 1 and with 2 threads (sizes above its threading threshold): the same
 * replicate agrees to rounding. */
static void test_thread_count(void **state)
{
  (void) state;
#ifdef DEQ_HAVE_OPENBLAS_THREADS
  deq_srfsim_spec s = small_spec(DEQ_SRFSIM_NETWORK, 120, 200, 250, "tanh");
  deq_srfsim *ws;
  deq_srfsim_result r[2];
  int saved = openblas_get_num_threads();
  s.n_test = 1000;
  assert_int_equal(deq_srfsim_alloc(&s, &ws), DEQ_SUCCESS);
  for (int k = 0; k < 2; k++) {
    openblas_set_num_threads(k + 1);
    assert_int_equal(deq_srfsim_run(ws, 8, 99, &r[k], NULL), DEQ_SUCCESS);
    assert_int_equal(deq_srfsim_run(ws, 8, 1, &r[k], NULL), DEQ_SUCCESS);   /* redrawn */
  }
  openblas_set_num_threads(saved);
  assert_close(r[1].test_error, r[0].test_error, 1e-12);
  assert_close(r[1].train_error, r[0].train_error, 1e-12);
  assert_close(r[1].lambda1, r[0].lambda1, 1e-12);
  assert_close(r[1].lambda2, r[0].lambda2, 1e-12);
  for (size_t k = 0; k < s.nz; k++) {
    assert_close(creal(r[1].m[k]), creal(r[0].m[k]), 1e-12);
    assert_close(cimag(r[1].m[k]), cimag(r[0].m[k]), 1e-12);
  }
  print_message("threads 1 vs 2: results %s\n",
                memcmp(&r[0], &r[1], sizeof r[0]) == 0 ? "bit-identical" : "differ by rounding");
  deq_srfsim_free(ws);
#else
  skip();
#endif
}

static void test_errors(void **state)
{
  (void) state;
  deq_error_handler_t *old = deq_set_error_handler(record);
  deq_srfsim_spec good = small_spec(DEQ_SRFSIM_SPIKED, 20, 20, 20, "tanh"), s;
  deq_srfsim *ws = (deq_srfsim *) &good;
  deq_srfsim_result res;
#define BAD(field_set, name) do { \
    s = good; \
    field_set; \
    last_reason[0] = 0; \
    assert_int_equal(deq_srfsim_alloc(&s, &ws), DEQ_EINVAL); \
    assert_null(ws); \
    assert_non_null(strstr(last_reason, name)); \
    assert_true(isnan(deq_srfsim_bytes(&s))); \
  } while (0)
  BAD(s.p = 0, "p");
  BAD(s.mode = (deq_srfsim_mode) 5, "mode");
  BAD(s.mode = DEQ_SRFSIM_NETWORK; s.n0 = 0, "n0");
  BAD(s.lambda = -1, "lambda");
  BAD(s.r = NAN, "r");
  BAD(s.c = 0, "c");
  BAD(s.gamma = 1.5, "gamma");
  BAD(s.d = 1; s.gamma = 0.5, "d");
  BAD(s.nz = DEQ_SRFSIM_MAXZ + 1, "nz");
  BAD(s.z[1] = INFINITY, "z[1]");
  BAD(s.noise = -1, "noise");
  BAD(s.act.kind = (deq_act_kind) 99, "act");
  BAD(s.n = (size_t) 1 << 40, "n");
  /* network mode ignores r, c, gamma; spiked mode needs no n0 */
  s = good;
  s.n0 = 0;
  assert_int_equal(deq_srfsim_alloc(&s, &ws), DEQ_SUCCESS);
  assert_int_equal(deq_srfsim_set_eta(ws, -1), DEQ_EINVAL);
  assert_int_equal(deq_srfsim_run(ws, 1, 1, NULL, NULL), DEQ_EINVAL);
  s.lambda = 0;
  deq_srfsim_free(ws);
  deq_set_error_handler(old);
  (void) res;
}

/* Spike law (spiked_finite_support section 1): the law {1} is bit for bit the constant spike;
 * the exact group sizes follow the largest-remainder rule; row 0 of W carries r abar_j. */
static void test_spike_law(void **state)
{
  (void) state;
  deq_srfsim_spec s = small_spec(DEQ_SRFSIM_SPIKED, 60, 70, 90, "relu"), t = s;
  deq_srfsim_result a, b;
  memset(&a, 0, sizeof a), memset(&b, 0, sizeof b);
  t.groups = 1, t.support[0] = 1, t.weights[0] = 3;
  run(&s, 7, 2, &a, NULL);
  run(&t, 7, 2, &b, NULL);
  assert_memory_equal(&a, &b, sizeof a);
  size_t sizes[3];
  t.groups = 3, t.support[0] = 0, t.support[1] = 1, t.support[2] = -2;
  t.weights[0] = 0.2, t.weights[1] = 0.45, t.weights[2] = 0.35;   /* 14, 31.5, 24.5 */
  assert_int_equal(deq_srfsim_group_sizes(&t, sizes), DEQ_SUCCESS);
  assert_int_equal(sizes[0], 14);
  assert_int_equal(sizes[1], 32);   /* tie of remainders 0.5: the lower k */
  assert_int_equal(sizes[2], 24);
  deq_srfsim *ws;
  deq_srfsim_data D;
  assert_int_equal(deq_srfsim_alloc(&t, &ws), DEQ_SUCCESS);
  assert_int_equal(deq_srfsim_run(ws, 7, 2, &b, NULL), DEQ_SUCCESS);
  deq_srfsim_view(ws, &D);
  for (size_t j = 0; j < t.p; j++) {
    double abar = j < 14 ? 0 : j < 46 ? 1 : -2;
    assert_close(D.W[j], sqrt(t.c) * D.W0[j] + t.r * abar, 1e-15);
  }
  assert_true(b.test_error != a.test_error);
  deq_srfsim_free(ws);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_reproducible),
    cmocka_unit_test(test_shapes),
    cmocka_unit_test(test_second_route),
    cmocka_unit_test(test_linear_lstsq),
    cmocka_unit_test(test_network_eta0),
    cmocka_unit_test(test_network_step),
    cmocka_unit_test(test_paired_eta),
    cmocka_unit_test(test_mean_outlier),
    cmocka_unit_test(test_thread_count),
    cmocka_unit_test(test_errors),
    cmocka_unit_test(test_spike_law),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Tests for the network simulation: ck_ntk S27 against a finite-difference Jacobian, the CK
 * against a naive forward pass, the documented draw order, orthonormal input,
 * reproducibility (also across OpenBLAS thread counts), spectra and every error path. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "testutil.h"
#include "deqnn/network.h"
#include "core/rng_block.h"
#include "deqnn/rng.h"
#ifdef DEQ_HAVE_OPENBLAS_THREADS
#include <cblas.h>
#endif

#define TINY 16  /* widths of the hand-checked networks stay below this */

static char last_msg[512];
static int last_code;

static void record_net(const char *reason, const char *file, int line, int status)
{
  (void) file, (void) line;
  snprintf(last_msg, sizeof last_msg, "%s", reason);
  last_code = status;
}

static deq_network_spec make_spec(size_t n, size_t L, const size_t *d, const char *act,
                                  deq_input_kind input, deq_readout_kind readout)
{
  deq_network_spec s;
  memset(&s, 0, sizeof s);
  s.n = n;
  s.L = L;
  for (size_t l = 0; l <= L; l++)
    s.d[l] = d[l];
  assert_int_equal(deq_act_parse(act, "act", &s.act), DEQ_SUCCESS);
  s.input = input;
  s.readout = readout;
  return s;
}

static void expect_alloc_error(const deq_network_spec *s, int code, const char *needle);

static deq_network *make_net(const deq_network_spec *s, uint64_t master, uint64_t rep)
{
  deq_network *net = NULL;
  assert_int_equal(deq_network_alloc(s, NULL, &net), DEQ_SUCCESS);
  assert_non_null(net);
  assert_int_equal(deq_network_draw(net, master, rep), DEQ_SUCCESS);
  return net;
}

/* Parameters theta = (W_1, ..., W_L, w), each column-major, concatenated. */
static size_t n_params(const deq_network_spec *s)
{
  size_t p = s->d[s->L];
  for (size_t l = 1; l <= s->L; l++)
    p += s->d[l] * s->d[l - 1];
  return p;
}

static double *get_params(const deq_network *net, const deq_network_spec *s)
{
  double *theta = malloc(n_params(s) * sizeof(double));
  size_t off = 0;
  for (size_t l = 1; l <= s->L; l++) {
    memcpy(theta + off, deq_network_weights(net, l), s->d[l] * s->d[l - 1] * sizeof(double));
    off += s->d[l] * s->d[l - 1];
  }
  memcpy(theta + off, deq_network_readout(net), s->d[s->L] * sizeof(double));
  return theta;
}

/* Plain-loop forward pass of one sample x (d_0): fills xL (d_L) and returns f = w^T x_L. */
static double naive_forward(const deq_network_spec *s, double shift, double scale,
                            const double *theta, const double *x, double *xL)
{
  double a[TINY], b[TINY];
  memcpy(a, x, s->d[0] * sizeof(double));
  for (size_t l = 1; l <= s->L; l++) {
    for (size_t i = 0; i < s->d[l]; i++) {
      double h = 0.0;
      for (size_t j = 0; j < s->d[l - 1]; j++)
        h += theta[i + j * s->d[l]] * a[j];
      b[i] = (deq_act_eval(&s->act, h) - shift) / scale / sqrt((double) s->d[l]);
    }
    theta += s->d[l] * s->d[l - 1];
    memcpy(a, b, s->d[l] * sizeof(double));
  }
  double f = 0.0;
  for (size_t i = 0; i < s->d[s->L]; i++)
    f += theta[i] * a[i];
  if (xL != NULL)
    memcpy(xL, a, s->d[s->L] * sizeof(double));
  return f;
}

/* J^T J with J[p][alpha] = central difference of f(x_alpha) in theta_p (step h). */
static void fd_ntk(const deq_network *net, const deq_network_spec *s, double h, double *K)
{
  size_t P = n_params(s), n = s->n;
  double shift, scale, *theta = get_params(net, s), *J = malloc(P * n * sizeof(double));
  const double *x0 = deq_network_features(net, 0);
  deq_network_normalisation(net, &shift, &scale);
  for (size_t p = 0; p < P; p++) {
    double t = theta[p];
    for (size_t a = 0; a < n; a++) {
      theta[p] = t + h;
      double fp = naive_forward(s, shift, scale, theta, x0 + a * s->d[0], NULL);
      theta[p] = t - h;
      double fm = naive_forward(s, shift, scale, theta, x0 + a * s->d[0], NULL);
      J[p + a * P] = (fp - fm) / (2.0 * h);
    }
    theta[p] = t;
  }
  for (size_t a = 0; a < n; a++)
    for (size_t b = 0; b < n; b++) {
      double sum = 0.0;
      for (size_t p = 0; p < P; p++)
        sum += J[p + a * P] * J[p + b * P];
      K[a + b * n] = sum;
    }
  free(J);
  free(theta);
}

/* ck_ntk S27 equals J^T J.  Central differences with h = 1e-5 have truncation error
 * ~ h^2 |f'''|/6 ~ 1e-10 and round-off ~ 1e-16/h = 1e-11 per Jacobian entry, so the
 * <= 57 products in each entry of J^T J agree to ~1e-9: tolerance 1e-8 (measured 2e-11 to
 * 4e-10).  A missing factor (D_l, w, K_{l-1}, a width) is an O(1) error. */
static void check_ntk_fd(size_t L, const size_t *d, const char *act, deq_readout_kind ro)
{
  deq_network_spec s = make_spec(4, L, d, act, DEQ_INPUT_GAUSSIAN, ro);
  deq_network *net = make_net(&s, 2385, 7);
  double K[16], Kfd[16];
  assert_int_equal(deq_network_ntk(net, K), DEQ_SUCCESS);
  fd_ntk(net, &s, 1e-5, Kfd);
  double worst = 0.0;
  for (size_t i = 0; i < 16; i++) {
    assert_close(K[i], Kfd[i], 1e-8);
    worst = fmax(worst, fabs(K[i] - Kfd[i]) / fmax(1.0, fabs(Kfd[i])));
  }
  printf("ck_ntk S27 vs finite-difference J^T J, L = %zu, %s: max deviation %.2e\n", L, act, worst);
  deq_network_free(net);
}

static void test_ntk_fd(void **state)
{
  (void) state;
  const size_t d1[] = { 5, 3 }, d2[] = { 5, 3, 4 }, d3[] = { 5, 3, 4, 6 };
  check_ntk_fd(1, d1, "tanh", DEQ_READOUT_GAUSSIAN);
  check_ntk_fd(2, d2, "tanh", DEQ_READOUT_GAUSSIAN);
  check_ntk_fd(3, d3, "tanh", DEQ_READOUT_GAUSSIAN);
  check_ntk_fd(2, d2, "softplus", DEQ_READOUT_RADEMACHER);
  check_ntk_fd(3, d3, "erf", DEQ_READOUT_RADEMACHER);
}

/* Features and CK against the plain-loop forward pass; K exactly symmetric. */
static void test_ck_naive(void **state)
{
  (void) state;
  const size_t d[] = { 7, 5, 8 };
  deq_network_spec s = make_spec(6, 2, d, "relu", DEQ_INPUT_GAUSSIAN, DEQ_READOUT_GAUSSIAN);
  deq_network *net = make_net(&s, 11, 3);
  double shift, scale, K[36], xL[6 * 8];
  double *theta = get_params(net, &s);
  deq_network_normalisation(net, &shift, &scale);
  for (size_t a = 0; a < 6; a++)
    naive_forward(&s, shift, scale, theta, deq_network_features(net, 0) + a * 7, xL + a * 8);
  const double *feat = deq_network_features(net, 2);
  for (size_t i = 0; i < 48; i++)
    assert_close(feat[i], xL[i], 1e-14);
  assert_int_equal(deq_network_ck(net, K), DEQ_SUCCESS);
  for (size_t a = 0; a < 6; a++)
    for (size_t b = 0; b < 6; b++) {
      double sum = 0.0;
      for (size_t i = 0; i < 8; i++)
        sum += xL[i + a * 8] * xL[i + b * 8];
      assert_close(K[a + b * 6], sum, 1e-14);
      assert_true(K[a + b * 6] == K[b + a * 6]);
    }
  free(theta);
  deq_network_free(net);
}

static void assert_stream(deq_rng_block *r, double sd, size_t count, const double *got)
{
  double *want = malloc(count * sizeof(double));
  deq_rng_block_gaussian(r, sd, count, want);
  assert_memory_equal(got, want, count * sizeof(double));
  free(want);
}

/* The documented order: X_0, W_1..W_L, w from the block stream of (master, replicate). */
static void test_draw_order(void **state)
{
  (void) state;
  const size_t d[] = { 9, 4, 6, 5 };
  static deq_rng_block r;
  deq_rng_block_init(&r);
  for (int ro = 0; ro < 2; ro++) {
    deq_network_spec s = make_spec(7, 3, d, "erf", DEQ_INPUT_GAUSSIAN, (deq_readout_kind) ro);
    deq_network *net = make_net(&s, 424242, 13);
    deq_rng_block_reseed(&r, 424242, 13);
    assert_stream(&r, 1.0 / 3.0, 9 * 7, deq_network_features(net, 0));
    for (size_t l = 1; l <= 3; l++)
      assert_stream(&r, 1.0, d[l] * d[l - 1], deq_network_weights(net, l));
    double w[5];
    if (ro == DEQ_READOUT_GAUSSIAN)
      deq_rng_block_gaussian(&r, 1.0, 5, w);
    else
      deq_rng_block_rademacher(&r, 5, w);
    assert_memory_equal(deq_network_readout(net), w, sizeof w);
    deq_network_free(net);
  }
}

/* FIXED input (real_data R21): X_0 is the caller's matrix, bitwise; the stream starts with
 * W_1; the features are the plain-loop forward pass of those samples; a CK-only workspace
 * gives the same CK; two draws of one replicate are bitwise equal. */
static void test_fixed_input(void **state)
{
  (void) state;
  const size_t d[] = { 5, 7, 6 };
  double x0[4 * 5], shift, scale, xL[4 * 6], K[16], K2[16], ev[4], ev2[4];
  for (size_t i = 0; i < 20; i++)
    x0[i] = sin(1.7 * (double) i + 0.3);   /* sample a = x0[5a .. 5a+4] */
  deq_network_spec s = make_spec(4, 2, d, "tanh", DEQ_INPUT_FIXED, DEQ_READOUT_GAUSSIAN);
  s.x0 = x0;
  deq_network *net = make_net(&s, 77, 5);
  assert_memory_equal(deq_network_features(net, 0), x0, sizeof x0);
  static deq_rng_block r;
  deq_rng_block_init(&r);
  deq_rng_block_reseed(&r, 77, 5);
  assert_stream(&r, 1.0, 7 * 5, deq_network_weights(net, 1));
  double *theta = get_params(net, &s);
  deq_network_normalisation(net, &shift, &scale);
  for (size_t a = 0; a < 4; a++)
    naive_forward(&s, shift, scale, theta, x0 + a * 5, xL + a * 6);
  const double *feat = deq_network_features(net, 2);
  for (size_t i = 0; i < 24; i++)
    assert_close(feat[i], xL[i], 1e-14);
  assert_int_equal(deq_network_ck(net, K), DEQ_SUCCESS);
  assert_int_equal(deq_network_spectrum(net, K, ev), DEQ_SUCCESS);
  s.need = DEQ_NETWORK_CK_ONLY;
  deq_network *ck = make_net(&s, 77, 5);
  assert_int_equal(deq_network_ck_spectrum(ck, ev2), DEQ_SUCCESS);
  assert_memory_equal(ev, ev2, sizeof ev);
  assert_int_equal(deq_network_draw(ck, 77, 5), DEQ_SUCCESS);
  assert_int_equal(deq_network_ck(ck, K2), DEQ_SUCCESS);
  assert_int_equal(deq_network_draw(ck, 77, 5), DEQ_SUCCESS);
  assert_int_equal(deq_network_ck(ck, K), DEQ_SUCCESS);
  assert_memory_equal(K, K2, sizeof K);
  free(theta);
  deq_network_free(ck);
  deq_network_free(net);
}

static void test_rademacher(void **state)
{
  (void) state;
  const size_t d[] = { 30, 200 };
  deq_network_spec s = make_spec(10, 1, d, "tanh", DEQ_INPUT_GAUSSIAN, DEQ_READOUT_RADEMACHER);
  deq_network *net = make_net(&s, 5, 0);
  const double *w = deq_network_readout(net);
  int plus = 0;
  for (size_t i = 0; i < 200; i++) {
    assert_true(fabs(w[i]) == 1.0);
    plus += w[i] > 0;
  }
  assert_true(plus > 60 && plus < 140);  /* Binomial(200, 1/2): 5.6 sd either side */
  deq_network_free(net);
}

/* Orthonormal input: X^T X = I, and X = Q with Q^T G = R upper triangular with positive
 * diagonal, G the Gaussian matrix of the stream (sign fix of section 9). */
static void check_orthonormal(size_t n, size_t d0)
{
  const size_t d[] = { d0, 7 };
  deq_network_spec s = make_spec(n, 1, d, "sigmoid", DEQ_INPUT_ORTHONORMAL, DEQ_READOUT_GAUSSIAN);
  deq_network *net = make_net(&s, 99, 4);
  const double *x = deq_network_features(net, 0);
  double *g = malloc(d0 * n * sizeof(double));
  static deq_rng_block r;
  deq_rng_block_init(&r);
  deq_rng_block_reseed(&r, 99, 4);
  deq_rng_block_gaussian(&r, 1.0, d0 * n, g);
  for (size_t a = 0; a < n; a++)
    for (size_t b = 0; b < n; b++) {
      double xx = 0.0, xg = 0.0;
      for (size_t i = 0; i < d0; i++) {
        xx += x[i + a * d0] * x[i + b * d0];
        xg += x[i + a * d0] * g[i + b * d0];
      }
      assert_close(xx, a == b ? 1.0 : 0.0, 1e-14);
      if (a > b)
        assert_close(xg, 0.0, 1e-13);
      if (a == b)
        assert_true(xg > 0.0);
    }
  free(g);
  deq_network_free(net);
}

static void test_orthonormal(void **state)
{
  (void) state;
  check_orthonormal(5, 9);
  check_orthonormal(6, 6);
}

static void compute(deq_network *net, uint64_t rep, double *ck, double *ntk)
{
  assert_int_equal(deq_network_draw(net, 31337, rep), DEQ_SUCCESS);
  assert_int_equal(deq_network_ntk(net, ntk), DEQ_SUCCESS);
  assert_int_equal(deq_network_ck(net, ck), DEQ_SUCCESS);
}

static void test_reproducible(void **state)
{
  (void) state;
  const size_t d[] = { 40, 30, 50 }, n = 20;
  deq_network_spec s = make_spec(n, 2, d, "tanh", DEQ_INPUT_GAUSSIAN, DEQ_READOUT_GAUSSIAN);
  deq_network *a = NULL, *b = NULL;
  double c1[400], k1[400], c2[400], k2[400], c3[400], k3[400];
  assert_int_equal(deq_network_alloc(&s, NULL, &a), DEQ_SUCCESS);
  assert_int_equal(deq_network_alloc(&s, NULL, &b), DEQ_SUCCESS);
  compute(a, 2, c1, k1);
  compute(a, 3, c2, k2);
  compute(b, 2, c3, k3);
  assert_memory_equal(c1, c3, sizeof c1);
  assert_memory_equal(k1, k3, sizeof k1);
  assert_memory_not_equal(c1, c2, sizeof c1);
  assert_memory_not_equal(k1, k2, sizeof k1);
  compute(a, 2, c2, k2);  /* a re-drawn after another replicate */
  assert_memory_equal(k1, k2, sizeof k1);
  assert_int_equal(deq_network_ntk(a, k2), DEQ_SUCCESS);  /* ntk twice per draw */
  assert_memory_equal(k1, k2, sizeof k1);
  deq_network_free(a);
  deq_network_free(b);
}

/* The forward pass multiplies W_1 in blocks of 512 columns: with d_0 = 1300 (blocks of 512,
 * 512, 276) X_1 equals the plain sum over all 1300 columns to rounding (1e-13 relative to
 * the largest |H|: sums of 1300 products of order 1). */
static void test_blocked_forward(void **state)
{
  (void) state;
  const size_t d[] = { 1300, 6 }, n = 5;
  deq_network_spec s = make_spec(n, 1, d, "tanh", DEQ_INPUT_GAUSSIAN, DEQ_READOUT_GAUSSIAN);
  deq_network *net = make_net(&s, 77, 3);
  const double *x0 = deq_network_features(net, 0), *w = deq_network_weights(net, 1);
  const double *x1 = deq_network_features(net, 1);
  double shift, scale;
  deq_network_normalisation(net, &shift, &scale);
  for (size_t a = 0; a < n; a++)
    for (size_t i = 0; i < d[1]; i++) {
      double h = 0.0;
      for (size_t j = 0; j < d[0]; j++)
        h += w[i + j * d[1]] * x0[j + a * d[0]];
      double want = (tanh(h) - shift) / scale / sqrt((double) d[1]);
      assert_close(x1[i + a * d[1]], want, 1e-13);
    }
  deq_network_free(net);
}

/* CK, spectrum (twice: from the CK, and by deq_network_ck_spectrum, which must agree
 * bitwise when d_L >= n; for d_L < n it goes through the d_L x d_L Gram: equal to 1e-13 of
 * the largest, the first n - d_L exactly 0, ascending) and X_L of one replicate under spec s
 * with workspace kind `need`. */
static void ck_of(deq_network_spec s, deq_network_need need, double *K, double *ev, double *xl)
{
  s.need = need;
  deq_network *net = make_net(&s, 2385, 4);
  size_t n = s.n;
  double ev2[64];
  memcpy(xl, deq_network_features(net, s.L), s.d[s.L] * n * sizeof(double));
  assert_int_equal(deq_network_ck_spectrum(net, ev2), DEQ_SUCCESS);
  assert_int_equal(deq_network_ck(net, K), DEQ_SUCCESS);
  assert_memory_equal(xl, deq_network_features(net, s.L), s.d[s.L] * n * sizeof(double));
  assert_int_equal(deq_network_ck(net, K), DEQ_SUCCESS);
  double *Kc = malloc(n * n * sizeof(double));
  memcpy(Kc, K, n * n * sizeof(double));
  assert_int_equal(deq_network_spectrum(net, Kc, ev), DEQ_SUCCESS);
  if (s.d[s.L] >= n)
    assert_memory_equal(ev, ev2, n * sizeof(double));
  for (size_t i = 0; s.d[s.L] < n && i < n; i++) {   /* through X_L X_L^T: rounding apart */
    assert_true(fabs(ev[i] - ev2[i]) <= 1e-13 * ev[n - 1]);
    assert_true(i >= n - s.d[s.L] || ev2[i] == 0.0);   /* the n - d_L exact zeros */
    assert_true(i == 0 || ev2[i] >= ev2[i - 1]);
  }
  free(Kc);
  deq_network_free(net);
}

/* A CK-only workspace (ping-pong features, one block of W columns, X_l in place of H_l, K
 * in the free feature buffer) gives bitwise the CK, spectrum and X_L of the full one, for
 * odd and even L, widths below and above n (K then needs a larger buffer), W_l of more than
 * one column block, and orthonormal input; it is smaller by the NTK buffers; it refuses
 * the NTK and the views it does not keep; an unknown need kind is refused at allocation. */
static void test_ck_only(void **state)
{
  (void) state;
  deq_error_handler_t *old = deq_set_error_handler(record_net);
  const size_t d3[] = { 40, 30, 50, 20 }, d2[] = { 30, 45, 25 }, dn[] = { 10, 7, 9 },
               dw[] = { 1100, 12, 9 };
  deq_network_spec specs[5] = {
    make_spec(24, 3, d3, "tanh", DEQ_INPUT_GAUSSIAN, DEQ_READOUT_GAUSSIAN),
    make_spec(24, 2, d2, "erf", DEQ_INPUT_ORTHONORMAL, DEQ_READOUT_RADEMACHER),
    make_spec(24, 1, d2, "relu", DEQ_INPUT_GAUSSIAN, DEQ_READOUT_GAUSSIAN),
    make_spec(24, 2, dn, "tanh", DEQ_INPUT_GAUSSIAN, DEQ_READOUT_GAUSSIAN),
    make_spec(24, 2, dw, "softplus", DEQ_INPUT_GAUSSIAN, DEQ_READOUT_GAUSSIAN) };
  double K[2][576], ev[2][24], xl[2][24 * 50];
  for (size_t c = 0; c < 5; c++) {
    deq_network_spec s = specs[c];
    ck_of(s, DEQ_NETWORK_ALL, K[0], ev[0], xl[0]);
    ck_of(s, DEQ_NETWORK_CK_ONLY, K[1], ev[1], xl[1]);
    assert_memory_equal(K[0], K[1], sizeof K[0]);
    assert_memory_equal(ev[0], ev[1], sizeof ev[0]);
    assert_memory_equal(xl[0], xl[1], s.d[s.L] * s.n * sizeof(double));
    double full = deq_network_bytes(&s);
    s.need = DEQ_NETWORK_CK_ONLY;
    assert_true(deq_network_bytes(&s) < full - 8.0 * 24 * 24);   /* the NTK scratch at least */
  }
  deq_network_spec s = specs[0];
  s.need = DEQ_NETWORK_CK_ONLY;
  deq_network *net = make_net(&s, 1, 1);
  assert_int_equal(deq_network_ntk(net, K[0]), DEQ_EINVAL);
  assert_non_null(strstr(last_msg, "CK only"));
  assert_null(deq_network_features(net, 0));
  assert_null(deq_network_features(net, 2));
  assert_null(deq_network_weights(net, 3));
  assert_non_null(deq_network_readout(net));
  assert_int_equal(deq_network_ck_spectrum(net, NULL), DEQ_EINVAL);
  assert_int_equal(deq_network_ck_spectrum(NULL, ev[0]), DEQ_EINVAL);
  deq_network_free(net);
  s.need = (deq_network_need) 5;
  expect_alloc_error(&s, DEQ_EINVAL, "spec.need");
  deq_set_error_handler(old);
}

/* NTK and CK (after the NTK) of replicate 5 under spec s with workspace kind `need`. */
static void ntk_of(deq_network_spec s, deq_network_need need, double *K, double *ck)
{
  s.need = need;
  deq_network *net = make_net(&s, 2385, 5);
  assert_int_equal(deq_network_ntk(net, K), DEQ_SUCCESS);
  assert_int_equal(deq_network_ck(net, ck), DEQ_SUCCESS);
  deq_network_free(net);
}

/* Linear sigma, L = 1: NTK = X_1^T X_1 + |w|^2 / (scale^2 d_1) X_0^T X_0 (S_1 = w / (scale
 * sqrt(d_1)) in every column), by plain loops from the views of a full workspace. */
static void ntk_linear_ref(const deq_network *net, const deq_network_spec *s, double *K)
{
  const double *x0 = deq_network_features(net, 0), *x1 = deq_network_features(net, 1);
  const double *w = deq_network_readout(net);
  double shift, scale, ww = 0.0;
  deq_network_normalisation(net, &shift, &scale);
  for (size_t i = 0; i < s->d[1]; i++)
    ww += w[i] * w[i];
  ww /= scale * scale * (double) s->d[1];
  for (size_t a = 0; a < s->n; a++)
    for (size_t b = 0; b < s->n; b++) {
      double g0 = 0.0, g1 = 0.0;
      for (size_t j = 0; j < s->d[0]; j++)
        g0 += x0[j + a * s->d[0]] * x0[j + b * s->d[0]];
      for (size_t j = 0; j < s->d[1]; j++)
        g1 += x1[j + a * s->d[1]] * x1[j + b * s->d[1]];
      K[a + b * s->n] = g1 + ww * g0;
    }
}

/* An NTK-only workspace (one block of W_1, no S buffers, Gram products by blocks of 256
 * columns) gives bitwise the NTK of the full one, and its CK after the NTK, for L = 1..3,
 * orthonormal input and a network with W_1 in two column blocks and K in two Gram blocks
 * (n = 300, d_0 = 700), which also matches the closed form of a linear network; it is
 * smaller; one NTK per draw; the views it no longer holds are NULL. */
static void test_ntk_only(void **state)
{
  (void) state;
  deq_error_handler_t *old = deq_set_error_handler(record_net);
  const size_t d3[] = { 40, 30, 50, 20 }, d2[] = { 30, 45, 25 }, dw[] = { 700, 40 };
  deq_network_spec specs[4] = {
    make_spec(24, 3, d3, "tanh", DEQ_INPUT_GAUSSIAN, DEQ_READOUT_GAUSSIAN),
    make_spec(24, 2, d2, "erf", DEQ_INPUT_ORTHONORMAL, DEQ_READOUT_RADEMACHER),
    make_spec(24, 1, d2, "relu", DEQ_INPUT_GAUSSIAN, DEQ_READOUT_GAUSSIAN),
    make_spec(300, 1, dw, "linear", DEQ_INPUT_GAUSSIAN, DEQ_READOUT_GAUSSIAN) };
  size_t nn = 300 * 300;
  double *K[2], *C[2];
  for (int k = 0; k < 2; k++)
    K[k] = malloc(nn * sizeof(double)), C[k] = malloc(nn * sizeof(double));
  for (size_t c = 0; c < 4; c++) {
    deq_network_spec s = specs[c];
    size_t m = s.n * s.n;
    ntk_of(s, DEQ_NETWORK_ALL, K[0], C[0]);
    ntk_of(s, DEQ_NETWORK_NTK_ONLY, K[1], C[1]);
    assert_memory_equal(K[0], K[1], m * sizeof(double));
    assert_memory_equal(C[0], C[1], m * sizeof(double));
    double full = deq_network_bytes(&s);
    s.need = DEQ_NETWORK_NTK_ONLY;
    assert_true(deq_network_bytes(&s) <= full - 8.0 * (double) (s.d[1] * s.n));   /* S, at least */
  }
  deq_network_spec s = specs[3];
  deq_network *net = make_net(&s, 2385, 5);
  ntk_linear_ref(net, &s, C[0]);
  deq_network_free(net);
  for (size_t i = 0; i < nn; i++)
    assert_close(K[1][i], C[0][i], 1e-12);
  s = specs[0];
  s.need = DEQ_NETWORK_NTK_ONLY;
  net = make_net(&s, 1, 1);
  assert_null(deq_network_weights(net, 1));
  assert_non_null(deq_network_weights(net, 2));
  assert_non_null(deq_network_features(net, 0));
  assert_int_equal(deq_network_ntk(net, K[0]), DEQ_SUCCESS);
  assert_int_equal(deq_network_ntk(net, K[0]), DEQ_EINVAL);
  assert_non_null(strstr(last_msg, "draw again"));
  assert_null(deq_network_features(net, 0));
  assert_non_null(deq_network_features(net, 3));
  assert_int_equal(deq_network_ck_spectrum(net, C[0]), DEQ_EINVAL);
  assert_int_equal(deq_network_draw(net, 1, 1), DEQ_SUCCESS);   /* a new draw: a new NTK */
  assert_int_equal(deq_network_ntk(net, K[1]), DEQ_SUCCESS);
  assert_memory_equal(K[0], K[1], 24 * 24 * sizeof(double));
  deq_network_free(net);
  for (int k = 0; k < 2; k++)
    free(K[k]), free(C[k]);
  deq_set_error_handler(old);
}

#ifdef DEQ_HAVE_OPENBLAS_THREADS
/* Largest |a_i - b_i| / max_i |a_i|. */
static double max_rel_diff(size_t count, const double *a, const double *b)
{
  double d = 0.0, m = 0.0;
  for (size_t i = 0; i < count; i++) {
    d = fmax(d, fabs(a[i] - b[i]));
    m = fmax(m, fabs(a[i]));
  }
  return d / m;
}

/* CK, NTK and both spectra for replicate 8 with `threads` OpenBLAS threads, into
 * out = [CK | NTK] (2 n^2) and ev = [eig CK | eig NTK] (2 n). */
static void run_threads(deq_network *net, int threads, size_t n, double *out, double *ev)
{
  size_t nn = n * n;
  double *tmp = malloc(nn * sizeof(double));
  openblas_set_num_threads(threads);
  assert_int_equal(openblas_get_num_threads(), threads);
  compute(net, 8, out, out + nn);
  for (size_t k = 0; k < 2; k++) {
    memcpy(tmp, out + k * nn, nn * sizeof(double));
    assert_int_equal(deq_network_eigvals(n, tmp, ev + k * n), DEQ_SUCCESS);
  }
  free(tmp);
}
#endif

/* Thread counts.  The same count twice (1, 2, 1, 2): bitwise identical CK, NTK and spectra.
 * 1 against 2 threads: OpenBLAS 0.3.21 (Haswell kernels) does NOT give bitwise identical
 * dgemm results for every shape (the column split between threads changes which
 * micro-kernel handles the edge tiles; about 1% of the entries of a 300 x 300 x 64 product
 * differ, by <= 4e-13 relative), so there we require agreement to rounding: reordered sums
 * of length k differ by <= 2 k u |x|^T |y| (u = 2^-53), i.e. ~1e-13 of max|K| over three
 * layers of width <= 420, and dsyevd is backward stable, |d lambda| <= c n u ||K||;
 * 1e-12 of the largest entry / eigenvalue covers both with a factor ~10. */
static void test_threads(void **state)
{
  (void) state;
#ifdef DEQ_HAVE_OPENBLAS_THREADS
  const size_t d[] = { 360, 420, 330 }, n = 300, nn = n * n;
  deq_network_spec s = make_spec(n, 2, d, "tanh", DEQ_INPUT_GAUSSIAN, DEQ_READOUT_GAUSSIAN);
  deq_network *net = NULL;
  double *m = malloc(8 * nn * sizeof(double)), *e = malloc(8 * n * sizeof(double));
  int saved = openblas_get_num_threads();
  assert_int_equal(deq_network_alloc(&s, NULL, &net), DEQ_SUCCESS);
  for (int t = 0; t < 4; t++)
    run_threads(net, 1 + t % 2, n, m + 2 * (size_t) t * nn, e + 2 * (size_t) t * n);
  openblas_set_num_threads(saved);
  assert_memory_equal(m, m + 4 * nn, 2 * nn * sizeof(double));
  assert_memory_equal(m + 2 * nn, m + 6 * nn, 2 * nn * sizeof(double));
  assert_memory_equal(e, e + 4 * n, 2 * n * sizeof(double));
  assert_memory_equal(e + 2 * n, e + 6 * n, 2 * n * sizeof(double));
  double dk = max_rel_diff(2 * nn, m, m + 2 * nn);
  double de = fmax(max_rel_diff(n, e, e + 2 * n), max_rel_diff(n, e + n, e + 3 * n));
  printf("1 vs 2 OpenBLAS threads: K max rel diff %.3g (bitwise %s), eigenvalues %.3g\n", dk,
         memcmp(m, m + 2 * nn, 2 * nn * sizeof(double)) == 0 ? "equal" : "different", de);
  assert_true(dk <= 1e-12 && de <= 1e-12);
  deq_network_free(net);
  free(m);
  free(e);
#else
  skip();
#endif
}

/* Rank deficiency: K = A^T A, A 2 x 5, has three exact zeros and the two eigenvalues
 * of A A^T; an indefinite matrix keeps its negative eigenvalue. */
static void test_eigvals(void **state)
{
  (void) state;
  const double A[10] = { 1.3, -0.4, 2.1, 0.7, -0.6, 1.9, 0.25, -1.1, 0.8, 0.35 };
  double K[25], ev[5], p = 0, q = 0, r = 0;
  for (size_t a = 0; a < 5; a++)
    for (size_t b = 0; b < 5; b++)
      K[a + 5 * b] = A[2 * a] * A[2 * b] + A[2 * a + 1] * A[2 * b + 1];
  for (size_t a = 0; a < 5; a++)
    p += A[2 * a] * A[2 * a], q += A[2 * a] * A[2 * a + 1], r += A[2 * a + 1] * A[2 * a + 1];
  double mid = 0.5 * (p + r), rad = sqrt(0.25 * (p - r) * (p - r) + q * q);
  assert_int_equal(deq_network_eigvals(5, K, ev), DEQ_SUCCESS);
  for (size_t i = 0; i < 3; i++)
    assert_true(ev[i] == 0.0);
  assert_close(ev[3], mid - rad, 1e-14);
  assert_close(ev[4], mid + rad, 1e-14);
  double S[4] = { 0.5, 2.385, 2.385, 0.5 };
  assert_int_equal(deq_network_eigvals(2, S, ev), DEQ_SUCCESS);
  assert_close(ev[0], 0.5 - 2.385, 1e-14);
  assert_close(ev[1], 0.5 + 2.385, 1e-14);
}

/* A CK with d_L < n has exactly n - d_L zero eigenvalues after the cut; the workspace
 * version deq_network_spectrum is bitwise equal to deq_network_eigvals. */
static void test_ck_rank(void **state)
{
  (void) state;
  const size_t d[] = { 15, 12, 4 };
  deq_network_spec s = make_spec(10, 2, d, "tanh", DEQ_INPUT_GAUSSIAN, DEQ_READOUT_GAUSSIAN);
  deq_network *net = make_net(&s, 8, 1);
  double K[100], K2[100], ev[10], ev2[10];
  assert_int_equal(deq_network_ck(net, K), DEQ_SUCCESS);
  memcpy(K2, K, sizeof K);
  assert_int_equal(deq_network_eigvals(10, K, ev), DEQ_SUCCESS);
  assert_int_equal(deq_network_spectrum(net, K2, ev2), DEQ_SUCCESS);
  assert_memory_equal(ev, ev2, sizeof ev);
  for (size_t i = 0; i < 10; i++)
    assert_true(i < 6 ? ev[i] == 0.0 : ev[i] > 1e-6);
  deq_network_free(net);
}

static void expect_alloc_error(const deq_network_spec *s, int code, const char *needle)
{
  deq_network *net = (deq_network *) &last_code;  /* must be reset to NULL */
  last_msg[0] = '\0';
  assert_int_equal(deq_network_alloc(s, NULL, &net), code);
  assert_null(net);
  assert_int_equal(last_code, code);
  if (strstr(last_msg, needle) == NULL)
    fail_msg("message '%s' does not name '%s'", last_msg, needle);
}

static void test_spec_errors(void **state)
{
  (void) state;
  deq_error_handler_t *old = deq_set_error_handler(record_net);
  const size_t d[] = { 8, 6, 5 };
  deq_network_spec good = make_spec(4, 2, d, "relu", DEQ_INPUT_GAUSSIAN, DEQ_READOUT_GAUSSIAN);
  deq_network_spec s = good;
  s.n = 0, expect_alloc_error(&s, DEQ_EINVAL, "spec.n");
  s = good, s.L = 0, expect_alloc_error(&s, DEQ_EINVAL, "spec.L");
  s = good, s.L = DEQ_NETWORK_MAXL + 1, expect_alloc_error(&s, DEQ_EINVAL, "spec.L");
  s = good, s.d[0] = 0, expect_alloc_error(&s, DEQ_EINVAL, "spec.d[0]");
  s = good, s.d[2] = 0, expect_alloc_error(&s, DEQ_EINVAL, "spec.d[2]");
  s = good, s.d[1] = (size_t) 1 << 40, expect_alloc_error(&s, DEQ_EINVAL, "spec.d[1]");
  s = good, s.n = 9, s.input = DEQ_INPUT_ORTHONORMAL, expect_alloc_error(&s, DEQ_EINVAL, "spec.n");
  s = good, s.input = (deq_input_kind) 7, expect_alloc_error(&s, DEQ_EINVAL, "spec.input");
  s = good, s.readout = (deq_readout_kind) 9, expect_alloc_error(&s, DEQ_EINVAL, "spec.readout");
  s = good, s.act.kind = (deq_act_kind) 99, expect_alloc_error(&s, DEQ_EINVAL, "spec.act");
  double x0[4 * 8] = { 0 };
  s = good, s.input = DEQ_INPUT_FIXED, expect_alloc_error(&s, DEQ_EINVAL, "spec.x0");
  x0[2 * 8 + 3] = NAN;
  s.x0 = x0, expect_alloc_error(&s, DEQ_EINVAL, "(sample 2, feature 3)");
  s = good, deq_act_parse("poly:2.385", "act", &s.act);
  expect_alloc_error(&s, DEQ_EINVAL, "constant");
  s = good, deq_act_parse("poly:0,1,0.5", "act", &s.act), s.act.c[3] = NAN;
  expect_alloc_error(&s, DEQ_EINVAL, "spec.act");
  expect_alloc_error(NULL, DEQ_EINVAL, "spec");
  assert_int_equal(deq_network_alloc(&good, NULL, NULL), DEQ_EINVAL);
  deq_set_error_handler(old);
}

/* Sizes that cannot fit: refused before any allocation (else calloc/malloc of terabytes
 * would be attempted, or overflow), with the GiB needed and available in the message. */
static void test_memory_errors(void **state)
{
  (void) state;
  deq_error_handler_t *old = deq_set_error_handler(record_net);
  const size_t d[] = { 1000000, 1000000 }, e[] = { 2000000000, 2000000000, 2000000000 };
  deq_network_spec s = make_spec(1000000, 1, d, "tanh", DEQ_INPUT_GAUSSIAN, DEQ_READOUT_GAUSSIAN);
  expect_alloc_error(&s, DEQ_ENOMEM, "GiB");
  assert_non_null(strstr(last_msg, "available"));
  assert_true(deq_network_bytes(&s) > 8e12);
  assert_true(isnan(deq_network_bytes(NULL)));
  s.L = DEQ_NETWORK_MAXL + 1;
  assert_true(isnan(deq_network_bytes(&s)));
  s = make_spec(2000000000, 2, e, "tanh", DEQ_INPUT_ORTHONORMAL, DEQ_READOUT_RADEMACHER);
  expect_alloc_error(&s, DEQ_ENOMEM, "GiB");
  double phys = (double) sysconf(_SC_PHYS_PAGES) * (double) sysconf(_SC_PAGESIZE);
  s = make_spec((size_t) sqrt(phys / 8.0) + 1, 1, d, "relu", DEQ_INPUT_GAUSSIAN,
                DEQ_READOUT_GAUSSIAN);
  s.d[0] = 10, s.d[1] = 10;  /* the 2 n^2 doubles of n x n scratch alone exceed 2 x phys */
  expect_alloc_error(&s, DEQ_ENOMEM, "GiB");
  deq_set_error_handler(old);
}

static void test_call_errors(void **state)
{
  (void) state;
  deq_error_handler_t *old = deq_set_error_handler(record_net);
  const size_t d[] = { 8, 6 };
  deq_network_spec s = make_spec(4, 1, d, "erf", DEQ_INPUT_GAUSSIAN, DEQ_READOUT_GAUSSIAN);
  deq_network *net = NULL;
  double K[16], ev[4];
  assert_int_equal(deq_network_alloc(&s, NULL, &net), DEQ_SUCCESS);
  assert_int_equal(deq_network_ck(net, K), DEQ_EINVAL);   /* nothing drawn */
  assert_int_equal(deq_network_ntk(net, K), DEQ_EINVAL);
  assert_non_null(strstr(last_msg, "draw"));
  assert_int_equal(deq_network_draw(net, 1, 2), DEQ_SUCCESS);
  assert_int_equal(deq_network_ck(net, NULL), DEQ_EINVAL);
  assert_int_equal(deq_network_ntk(net, NULL), DEQ_EINVAL);
  assert_non_null(strstr(last_msg, "K"));
  assert_null(deq_network_features(net, 2));
  assert_null(deq_network_weights(net, 0));
  assert_null(deq_network_weights(net, 2));
  assert_int_equal(deq_network_eigvals(0, K, ev), DEQ_EINVAL);
  assert_non_null(strstr(last_msg, "n:"));
  assert_int_equal(deq_network_eigvals(4, K, NULL), DEQ_EINVAL);
  assert_int_equal(deq_network_spectrum(net, NULL, ev), DEQ_EINVAL);
  assert_non_null(strstr(last_msg, "K, eval"));
  assert_int_equal(deq_network_ck(net, K), DEQ_SUCCESS);
  K[1 + 4 * 2] = NAN;  /* lower triangle: not read */
  K[2 + 4 * 1] = NAN;  /* upper triangle */
  assert_int_equal(deq_network_eigvals(4, K, ev), DEQ_EINVAL);
  assert_non_null(strstr(last_msg, "K:"));
  assert_int_equal(deq_network_spectrum(net, K, ev), DEQ_EINVAL);
  deq_network_free(net);
  deq_network_free(NULL);
  deq_set_error_handler(old);
}

static void test_timing(void **state)
{
  (void) state;
  const size_t d[] = { 50, 60 };
  deq_network_spec s = make_spec(40, 1, d, "tanh", DEQ_INPUT_GAUSSIAN, DEQ_READOUT_GAUSSIAN);
  deq_network *net = make_net(&s, 3, 3);
  double K[1600], blas, total;
  assert_int_equal(deq_network_ntk(net, K), DEQ_SUCCESS);
  deq_network_timing(net, &blas, &total);
  assert_true(blas > 0.0 && blas <= total);
  deq_network_timing_reset(net);
  deq_network_timing(net, &blas, &total);
  assert_true(blas == 0.0 && total == 0.0);
  deq_network_free(net);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_ntk_fd),
    cmocka_unit_test(test_ck_naive),
    cmocka_unit_test(test_draw_order),
    cmocka_unit_test(test_fixed_input),
    cmocka_unit_test(test_rademacher),
    cmocka_unit_test(test_orthonormal),
    cmocka_unit_test(test_reproducible),
    cmocka_unit_test(test_blocked_forward),
    cmocka_unit_test(test_ck_only),
    cmocka_unit_test(test_ntk_only),
    cmocka_unit_test(test_threads),
    cmocka_unit_test(test_eigvals),
    cmocka_unit_test(test_ck_rank),
    cmocka_unit_test(test_spec_errors),
    cmocka_unit_test(test_memory_errors),
    cmocka_unit_test(test_call_errors),
    cmocka_unit_test(test_timing),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

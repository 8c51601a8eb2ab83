/* Tests of the training simulation (training_spectra sections 1, 5, 7, 9): gradient against
 * a finite difference of the loss, the NTK against the explicit Jacobian, Adam's first step,
 * S12 at every measurement, reproducibility and the argument checks. */
#include <stdlib.h>
#include <string.h>
#include "testutil.h"
#include "deqnn/trainsim.h"

static deq_trainsim_spec small_spec(void)
{
  deq_trainsim_spec s;
  deq_trainsim_spec_init(&s);
  s.n = 23, s.d0 = 17, s.d1 = 29, s.n_test = 31;
  s.noise = 0.09;
  s.lr = 0.3;
  return s;
}

/* sigma(x) normalised as the module does. */
static double sig(const deq_trainsim_data *v, const deq_act *a, double x)
{
  return (deq_act_eval(a, x) - v->shift) / v->scale;
}

/* L(W) = (1/(2n)) sum (y - f)^2 evaluated by hand at W (uncentred). */
static double loss_at(const deq_trainsim_spec *s, const deq_trainsim_data *v, const double *W)
{
  double acc = 0;
  for (size_t i = 0; i < s->n; i++) {
    double f = 0;
    for (size_t k = 0; k < s->d1; k++) {
      double z = 0;
      for (size_t j = 0; j < s->d0; j++)
        z += W[j * s->d1 + k] * v->X[i * s->d0 + j];
      f += v->a[k] * sig(v, &s->act, z);
    }
    f /= sqrt((double) s->d1);
    acc += (v->y[i] - f) * (v->y[i] - f);
  }
  return 0.5 * acc / (double) s->n;
}

/* S2: after one GD step G is the gradient of L at W0 (central difference, 3 entries). */
static void test_gradient(void **state)
{
  (void) state;
  deq_trainsim_spec s = small_spec();
  deq_trainsim *ws;
  deq_trainsim_data v;
  assert_int_equal(deq_trainsim_alloc(&s, &ws), DEQ_SUCCESS);
  assert_int_equal(deq_trainsim_init(ws, 5, 2), DEQ_SUCCESS);
  assert_int_equal(deq_trainsim_step(ws), DEQ_SUCCESS);
  assert_int_equal(deq_trainsim_view(ws, &v), DEQ_SUCCESS);
  double *W = malloc(s.d1 * s.d0 * sizeof *W);
  size_t idx[] = { 0, 77, s.d1 * s.d0 - 1 };
  for (size_t q = 0; q < 3; q++) {
    double h = 1e-5;
    memcpy(W, v.W0, s.d1 * s.d0 * sizeof *W);
    W[idx[q]] += h;
    double lp = loss_at(&s, &v, W);
    W[idx[q]] -= 2 * h;
    double lm = loss_at(&s, &v, W);
    assert_close(v.G[idx[q]], (lp - lm) / (2 * h), 1e-8);
  }
  /* the step itself: W1 = W0 - lr n G */
  for (size_t k = 0; k < s.d1 * s.d0; k++)
    assert_close(v.W[k], v.W0[k] - s.lr * (double) s.n * v.G[k], 1e-13);
  free(W);
  deq_trainsim_free(ws);
}

/* NTK = J J^T with J = df/d(W, a), formed by hand: traces of K and K^2 against the spectrum;
 * CK likewise from sigma(WX). */
static void test_kernels(void **state)
{
  (void) state;
  deq_trainsim_spec s = small_spec();
  s.act.kind = DEQ_ACT_ERF;
  size_t n = s.n, d0 = s.d0, d1 = s.d1;
  deq_trainsim *ws;
  deq_trainsim_data v;
  deq_trainsim_stats st;
  assert_int_equal(deq_trainsim_alloc(&s, &ws), DEQ_SUCCESS);
  assert_int_equal(deq_trainsim_init(ws, 9, 0), DEQ_SUCCESS);
  assert_int_equal(deq_trainsim_step(ws), DEQ_SUCCESS);   /* away from W0 */
  assert_int_equal(deq_trainsim_view(ws, &v), DEQ_SUCCESS);
  double *ew = malloc(d0 * sizeof *ew), *eck = malloc(n * sizeof *eck), *entk = malloc(n * sizeof *entk);
  double *J = calloc(n * (d1 * d0 + d1), sizeof *J), *C = calloc(n * d1, sizeof *C);
  assert_int_equal(deq_trainsim_measure(ws, &st, ew, eck, entk), DEQ_SUCCESS);
  size_t P = d1 * d0 + d1;
  for (size_t i = 0; i < n; i++)
    for (size_t k = 0; k < d1; k++) {
      double z = 0;
      for (size_t j = 0; j < d0; j++)
        z += v.W[j * d1 + k] * v.X[i * d0 + j];
      double sg = sig(&v, &s.act, z), dsg = deq_act_deriv(&s.act, z) / v.scale;
      C[i * d1 + k] = sg / sqrt((double) d1);
      for (size_t j = 0; j < d0; j++)
        J[i * P + j * d1 + k] = v.a[k] * dsg * v.X[i * d0 + j] / sqrt((double) d1);
      J[i * P + d1 * d0 + k] = sg / sqrt((double) d1);
    }
  double trk = 0, trk2 = 0, trc = 0, trc2 = 0, sk = 0, sk2 = 0, sc = 0, sc2 = 0;
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < n; j++) {
      double kij = 0, cij = 0;
      for (size_t p = 0; p < P; p++)
        kij += J[i * P + p] * J[j * P + p];
      for (size_t k = 0; k < d1; k++)
        cij += C[i * d1 + k] * C[j * d1 + k];
      trk2 += kij * kij, trc2 += cij * cij;
      if (i == j)
        trk += kij, trc += cij;
    }
  for (size_t i = 0; i < n; i++)
    sk += entk[i], sk2 += entk[i] * entk[i], sc += eck[i], sc2 += eck[i] * eck[i];
  assert_close(sk, trk, 1e-12);
  assert_close(sk2, trk2, 1e-11);
  assert_close(sc, trc, 1e-12);
  assert_close(sc2, trc2, 1e-11);
  assert_close(st.top_ck, eck[n - 1], 0);
  assert_close(st.top_ntk, entk[n - 1], 0);
  /* M^T M = W^T W/d1: trace */
  double tw = 0, sw = 0;
  for (size_t k = 0; k < d1 * d0; k++)
    tw += v.W[k] * v.W[k] / (double) d1;
  for (size_t j = 0; j < d0; j++)
    sw += ew[j];
  assert_close(sw, tw, 1e-12);
  assert_close(st.top_w, ew[d0 - 1], 0);
  free(ew), free(eck), free(entk), free(J), free(C);
  deq_trainsim_free(ws);
}

/* Adam's first step: m_hat = G, v_hat = G^2, so W1 - W0 = -lr G/(|G| + eps). */
static void test_adam_first_step(void **state)
{
  (void) state;
  deq_trainsim_spec s = small_spec();
  s.opt = DEQ_TRAIN_ADAM;
  s.lr = 0.01;
  deq_trainsim *ws;
  deq_trainsim_data v;
  assert_int_equal(deq_trainsim_alloc(&s, &ws), DEQ_SUCCESS);
  assert_int_equal(deq_trainsim_init(ws, 1, 1), DEQ_SUCCESS);
  assert_int_equal(deq_trainsim_step(ws), DEQ_SUCCESS);
  assert_int_equal(deq_trainsim_view(ws, &v), DEQ_SUCCESS);
  for (size_t k = 0; k < s.d1 * s.d0; k++)
    assert_close(v.W[k] - v.W0[k], -s.lr * v.G[k] / (fabs(v.G[k]) + 1e-8), 1e-12);
  deq_trainsim_free(ws);
}

/* S12 at every step; losses fall under small-lr GD; the same seed gives the same numbers
 * whatever ran before on the workspace; SGD with B = n is GD. */
static void test_run(void **state)
{
  (void) state;
  deq_trainsim_spec s = small_spec(), s2;
  deq_trainsim *ws, *w2;
  deq_trainsim_stats a, b;
  assert_int_equal(deq_trainsim_alloc(&s, &ws), DEQ_SUCCESS);
  s2 = s;
  s2.opt = DEQ_TRAIN_SGD, s2.batch = s.n;
  assert_int_equal(deq_trainsim_alloc(&s2, &w2), DEQ_SUCCESS);
  assert_int_equal(deq_trainsim_init(ws, 3, 1), DEQ_SUCCESS);
  assert_int_equal(deq_trainsim_init(w2, 3, 1), DEQ_SUCCESS);
  assert_int_equal(deq_trainsim_measure(ws, &a, NULL, NULL, NULL), DEQ_SUCCESS);
  assert_close(a.s12_lhs, 0.0, 1e-13);
  double l0 = a.train_loss;
  for (int t = 0; t < 8; t++) {
    assert_int_equal(deq_trainsim_step(ws), DEQ_SUCCESS);
    assert_int_equal(deq_trainsim_step(w2), DEQ_SUCCESS);
    assert_int_equal(deq_trainsim_measure(ws, &a, NULL, NULL, NULL), DEQ_SUCCESS);
    assert_int_equal(deq_trainsim_measure(w2, &b, NULL, NULL, NULL), DEQ_SUCCESS);
    assert_true(a.s12_lhs <= a.s12_rhs * (1 + 1e-12));
    assert_true(a.train_loss == b.train_loss && a.top_w == b.top_w);
  }
  assert_true(a.train_loss < l0);
  assert_int_equal(deq_trainsim_steps(ws), 8);
  /* replay replicate 1 after replicate 7 ran on the workspace */
  assert_int_equal(deq_trainsim_init(ws, 3, 7), DEQ_SUCCESS);
  assert_int_equal(deq_trainsim_step(ws), DEQ_SUCCESS);
  assert_int_equal(deq_trainsim_init(ws, 3, 1), DEQ_SUCCESS);
  for (int t = 0; t < 8; t++)
    assert_int_equal(deq_trainsim_step(ws), DEQ_SUCCESS);
  assert_int_equal(deq_trainsim_measure(ws, &b, NULL, NULL, NULL), DEQ_SUCCESS);
  assert_true(a.train_loss == b.train_loss && a.top_w == b.top_w && a.test_loss == b.test_loss);
  deq_trainsim_free(ws);
  deq_trainsim_free(w2);
}

/* SGD with B < n: reproducible per (master, replicate), different batches per step, centred
 * model starts at r = y (train loss = mean y^2 / 2). */
static void test_sgd_centred(void **state)
{
  (void) state;
  deq_trainsim_spec s = small_spec();
  s.opt = DEQ_TRAIN_SGD, s.batch = 5, s.centred = 1, s.lr = 0.05;
  deq_trainsim *ws;
  deq_trainsim_data v;
  deq_trainsim_stats a, b;
  assert_int_equal(deq_trainsim_alloc(&s, &ws), DEQ_SUCCESS);
  assert_int_equal(deq_trainsim_init(ws, 4, 0), DEQ_SUCCESS);
  assert_int_equal(deq_trainsim_measure(ws, &a, NULL, NULL, NULL), DEQ_SUCCESS);
  assert_int_equal(deq_trainsim_view(ws, &v), DEQ_SUCCESS);
  double my2 = 0;
  for (size_t i = 0; i < s.n; i++)
    my2 += v.y[i] * v.y[i];
  assert_close(a.train_loss, 0.5 * my2 / (double) s.n, 1e-14);
  for (int t = 0; t < 5; t++)
    assert_int_equal(deq_trainsim_step(ws), DEQ_SUCCESS);
  assert_int_equal(deq_trainsim_measure(ws, &a, NULL, NULL, NULL), DEQ_SUCCESS);
  assert_int_equal(deq_trainsim_init(ws, 4, 0), DEQ_SUCCESS);
  for (int t = 0; t < 5; t++)
    assert_int_equal(deq_trainsim_step(ws), DEQ_SUCCESS);
  assert_int_equal(deq_trainsim_measure(ws, &b, NULL, NULL, NULL), DEQ_SUCCESS);
  assert_true(a.train_loss == b.train_loss && a.top_w == b.top_w);
  deq_trainsim_free(ws);
}

static void test_errors(void **state)
{
  (void) state;
  deq_trainsim_spec s = small_spec(), bad;
  deq_trainsim *ws = (deq_trainsim *) &s;
  deq_trainsim_stats st;
  deq_error_handler_t *old = deq_set_error_handler(record);
  assert_int_equal(deq_trainsim_alloc(NULL, &ws), DEQ_EINVAL);
  assert_null(ws);
  assert_int_equal(deq_trainsim_alloc(&s, NULL), DEQ_EINVAL);
  bad = s, bad.n = 0;
  assert_int_equal(deq_trainsim_alloc(&bad, &ws), DEQ_EINVAL);
  bad = s, bad.opt = DEQ_TRAIN_SGD, bad.batch = s.n + 1;
  assert_int_equal(deq_trainsim_alloc(&bad, &ws), DEQ_EINVAL);
  bad = s, bad.lr = 0;
  assert_int_equal(deq_trainsim_alloc(&bad, &ws), DEQ_EINVAL);
  bad = s, bad.noise = NAN;
  assert_int_equal(deq_trainsim_alloc(&bad, &ws), DEQ_EINVAL);
  bad = s, bad.opt = (deq_train_opt) 9;
  assert_int_equal(deq_trainsim_alloc(&bad, &ws), DEQ_EINVAL);
  bad = s, bad.d1 = (size_t) 1 << 40;
  assert_int_equal(deq_trainsim_alloc(&bad, &ws), DEQ_EINVAL);
  assert_true(isnan(deq_trainsim_bytes(NULL)));
  assert_int_equal(deq_trainsim_init(NULL, 1, 1), DEQ_EINVAL);
  assert_int_equal(deq_trainsim_step(NULL), DEQ_EINVAL);
  assert_int_equal(deq_trainsim_measure(NULL, &st, NULL, NULL, NULL), DEQ_EINVAL);
  assert_int_equal(deq_trainsim_view(NULL, NULL), DEQ_EINVAL);
  deq_trainsim_free(NULL);
  /* divergence is reported, not a NaN in the output */
  bad = s, bad.lr = 1e6;
  assert_int_equal(deq_trainsim_alloc(&bad, &ws), DEQ_SUCCESS);
  assert_int_equal(deq_trainsim_init(ws, 1, 1), DEQ_SUCCESS);
  int status = DEQ_SUCCESS;
  for (int t = 0; t < 50 && !status; t++)
    status = deq_trainsim_step(ws);
  if (!status)
    status = deq_trainsim_measure(ws, &st, NULL, NULL, NULL);
  assert_true(status == DEQ_EBADFUNC || (isfinite(st.train_loss) && isfinite(st.top_w)));
  deq_trainsim_free(ws);
  deq_set_error_handler(old);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_gradient),
    cmocka_unit_test(test_kernels),
    cmocka_unit_test(test_adam_first_step),
    cmocka_unit_test(test_run),
    cmocka_unit_test(test_sgd_centred),
    cmocka_unit_test(test_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

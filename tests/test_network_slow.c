/* Statistical checks of the network simulation against closed-form means (ck_ntk section 8,
 * "Mean"): (1/n) tr K_CK -> 1 (normalised sigma, E sigma^2 = 1) and
 * (1/n) tr K_NTK -> sum_{k=0}^{L} a^k, a = E sigma'(G)^2.  Tolerances (ck_ntk section 9):
 * |mean - theory| <= 4 SE + B/n, B = 2 (CK) and 10 (NTK), SE over 10 replicates (the spec: fewer than ~10 seeds make the SE itself uncertain). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"
#include "deqnn/network.h"

#define NREP 10

typedef struct {
  const char *act;
  size_t n, L, d[5];
  deq_input_kind input;
  deq_readout_kind readout;
} mc_case;

static double trace_over_n(size_t n, const double *K)
{
  double t = 0.0;
  for (size_t i = 0; i < n; i++)
    t += K[i + i * n];
  return t / (double) n;
}

static void mean_se(const double *x, double *mean, double *se)
{
  double m = 0.0, v = 0.0;
  for (int r = 0; r < NREP; r++)
    m += x[r] / NREP;
  for (int r = 0; r < NREP; r++)
    v += (x[r] - m) * (x[r] - m) / (NREP - 1);
  *mean = m;
  *se = sqrt(v / NREP);
}

static void verdict(const char *what, const mc_case *c, const double *x, double theory,
                    double B)
{
  double mean, se, tol;
  mean_se(x, &mean, &se);
  tol = 4.0 * se + B / (double) c->n;
  printf("%-8s %-5s L=%zu n=%zu: mean %.6f  SE %.2e  theory %.6f  n*bias %+.3f  "
         "z %+.2f  tol %.2e\n", c->act, what, c->L, c->n, mean, se, theory,
         (double) c->n * (mean - theory), (mean - theory) / se, tol);
  if (!(fabs(mean - theory) <= tol))
    fail_msg("%s %s: |%.8f - %.8f| > %.3g", c->act, what, mean, theory, tol);
}

static void run_case(const mc_case *c)
{
  deq_network_spec s;
  memset(&s, 0, sizeof s);
  s.n = c->n, s.L = c->L, s.input = c->input, s.readout = c->readout;
  memcpy(s.d, c->d, (c->L + 1) * sizeof(size_t));
  assert_int_equal(deq_act_parse(c->act, "act", &s.act), DEQ_SUCCESS);
  deq_act_fw fw;
  assert_int_equal(deq_act_fw_constants(&s.act, NULL, &fw), DEQ_SUCCESS);
  double ntk_mean = 0.0, ak = 1.0, tck[NREP], tntk[NREP];
  for (size_t k = 0; k <= c->L; k++, ak *= fw.a.val)
    ntk_mean += ak;
  deq_network *net = NULL;
  double *K = malloc(c->n * c->n * sizeof(double));
  assert_int_equal(deq_network_alloc(&s, NULL, &net), DEQ_SUCCESS);
  for (int r = 0; r < NREP; r++) {
    assert_int_equal(deq_network_draw(net, 20240607, (uint64_t) r), DEQ_SUCCESS);
    assert_int_equal(deq_network_ck(net, K), DEQ_SUCCESS);
    tck[r] = trace_over_n(c->n, K);
    assert_int_equal(deq_network_ntk(net, K), DEQ_SUCCESS);
    tntk[r] = trace_over_n(c->n, K);
  }
  verdict("CK", c, tck, 1.0, 2.0);
  verdict("NTK", c, tntk, ntk_mean, 10.0);
  deq_network_free(net);
  free(K);
}

static void test_trace_means(void **state)
{
  (void) state;
  const mc_case cases[] = {
    { "tanh", 400, 2, { 500, 800, 320 }, DEQ_INPUT_GAUSSIAN, DEQ_READOUT_GAUSSIAN },
    { "relu", 400, 1, { 500, 250 }, DEQ_INPUT_ORTHONORMAL, DEQ_READOUT_RADEMACHER },
    { "erf", 400, 3, { 320, 400, 500, 250 }, DEQ_INPUT_GAUSSIAN, DEQ_READOUT_RADEMACHER },
    { "softplus", 400, 2, { 640, 250, 500 }, DEQ_INPUT_ORTHONORMAL, DEQ_READOUT_GAUSSIAN },
  };
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++)
    run_case(&cases[k]);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_trace_means),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

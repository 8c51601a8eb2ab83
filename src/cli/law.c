/* A law of K <= DEQ_SRF_MAXGROUPS values with weights (spiked_finite_support section 1): the
 * spike law of deqnn spiked and the read-out law of onestep --large. */
#include <math.h>
#include <stdlib.h>
#include <gsl/gsl_integration.h>
#include "cli/cli.h"
#include "deqnn/spiked.h"

/* A comma-separated list of at most DEQ_SRF_MAXGROUPS finite numbers (exit 2 naming opt and
 * the text as typed). */
static int parse_list(const char *opt, const char *text, double *v, size_t *n)
{
  const char *s = text;
  *n = 0;
  for (;;) {
    char *end;
    double x = strtod(s, &end);
    if (end == s || (*end != ',' && *end != '\0')) {
      cli_errorf("%s '%s': not a comma-separated list of numbers", opt, text);
      return CLI_EXIT_USAGE;
    }
    if (!isfinite(x)) {
      cli_errorf("%s '%s': value %zu is %g; every value must be finite", opt, text, *n + 1, x);
      return CLI_EXIT_USAGE;
    }
    if (*n == DEQ_SRF_MAXGROUPS) {
      cli_errorf("%s '%s': more than %d values (DEQ_SRF_MAXGROUPS: the group solver has "
                 "K(K+1)/2 + K unknowns)", opt, text, DEQ_SRF_MAXGROUPS);
      return CLI_EXIT_USAGE;
    }
    v[(*n)++] = x;
    if (*end == '\0')
      return CLI_EXIT_OK;
    s = end + 1;
  }
}

/* --spike-support and --spike-weights (spiked_finite_support section 1): distinct support
 * values; as many weights, >= 0, with a positive sum; normalised. */
int cli_law_parse(const char *sopt, const char *sup, const char *wopt, const char *wt,
                  double *support, double *weights, size_t *ngroups)
{
  size_t K, nw;
  double sum = 0;
  int rc = parse_list(sopt, sup, support, &K);
  for (size_t k = 0; !rc && k < K; k++)
    for (size_t l = 0; l < k; l++)
      if (support[k] == support[l]) {
        cli_errorf("%s '%s': the value %g is repeated; give each value once with "
                   "its total weight", sopt, sup, support[k]);
        return CLI_EXIT_USAGE;
      }
  if (rc || (wt != NULL && (rc = parse_list(wopt, wt, weights, &nw))))
    return rc;
  if (wt != NULL && nw != K) {
    cli_errorf("%s '%s': %zu weights for %zu support values (%s '%s')", wopt,
               wt, nw, K, sopt, sup);
    return CLI_EXIT_USAGE;
  }
  for (size_t k = 0; k < K; k++) {
    weights[k] = wt == NULL ? 1.0 : weights[k];
    if (weights[k] < 0) {
      cli_errorf("%s '%s': weight %zu is %g; weights must be >= 0", wopt, wt, k + 1,
                 weights[k]);
      return CLI_EXIT_USAGE;
    }
    sum += weights[k];
  }
  if (!(sum > 0 && isfinite(sum))) {
    cli_errorf("%s '%s': the weights sum to %g; the sum must be positive and "
               "finite", wopt, wt ? wt : "(equal)", sum);
    return CLI_EXIT_USAGE;
  }
  for (size_t k = 0; k < K; k++)
    weights[k] /= sum;
  *ngroups = K;
  return CLI_EXIT_OK;
}



/* The Gaussian law abar ~ N(0, 1) as `groups` groups (spiked_finite_support F19): the
 * Gauss-Hermite rule for N(0, 1) with `groups` nodes, or for an odd sigma with 2 groups nodes
 * folded into the |a_k| (F20: +a and -a give the same spectrum). */
int cli_law_gaussian(const deq_act *act, size_t groups, double *support, double *weights,
                     size_t *ngroups)
{
  int odd = deq_act_is_odd(act);
  size_t nodes = odd ? 2 * groups : groups, K = 0;
  gsl_integration_fixed_workspace *ws =
      gsl_integration_fixed_alloc(gsl_integration_fixed_hermite, nodes, 0.0, 0.5, 0.0, 0.0);
  if (ws == NULL) {
    cli_errorf("--spike-support gaussian: out of memory for the Gauss-Hermite rule");
    return CLI_EXIT_FAIL;
  }
  const double *x = gsl_integration_fixed_nodes(ws), *wt = gsl_integration_fixed_weights(ws);
  double sum = 0;
  for (size_t k = 0; k < nodes; k++)
    sum += wt[k];
  for (size_t k = 0; k < nodes; k++)
    if (!odd || x[k] > 0)
      support[K] = x[k], weights[K++] = (odd ? 2 : 1) * wt[k] / sum;
  gsl_integration_fixed_free(ws);
  *ngroups = K;
  return CLI_EXIT_OK;
}

/* A law of K <= DEQ_SRF_MAXGROUPS values with weights (spiked_finite_support section 1): the
 * spike law of deqnn spiked and the read-out law of onestep --large. */
#include <math.h>
#include <stdlib.h>
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


/* Shared helpers for the cmocka tests. */
#ifndef DEQ_TESTUTIL_H
#define DEQ_TESTUTIL_H

#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "deqnn/status.h"

/* |got - want| <= tol * max(1, |want|), with a readable failure message. */
#define assert_close(got, want, tol) do { \
    double g_ = (got), w_ = (want), t_ = (tol) * fmax(1.0, fabs(w_)); \
    if (!(fabs(g_ - w_) <= t_)) \
      fail_msg("%s = %.17g, expected %.17g (tol %.3g)", #got, g_, w_, t_); \
  } while (0)

/* Relative: |got - want| <= tol * |want|. */
#define assert_rel(got, want, tol) do { \
    double g_ = (got), w_ = (want), t_ = (tol) * fabs(w_); \
    if (!(fabs(g_ - w_) <= t_)) \
      fail_msg("%s = %.17g, expected %.17g (rel tol %.3g)", #got, g_, w_, (double) (tol)); \
  } while (0)

/* |got - want| <= tol, and the reported error bar covers the distance up to tol (an error
 * bar that lies is caught). */
static inline void assert_within(deq_result got, double want, double tol)
{
  if (!(fabs(got.val - want) <= tol))
    fail_msg("value %.15g, expected %.15g (tol %.3g)", got.val, want, tol);
  if (!(fabs(got.val - want) <= got.err + tol))
    fail_msg("error bar %.3g does not cover %.3g", got.err, fabs(got.val - want));
}

#endif

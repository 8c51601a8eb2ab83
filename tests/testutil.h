/* Shared helpers for the cmocka tests. */
#ifndef DEQ_TESTUTIL_H
#define DEQ_TESTUTIL_H

#include <math.h>
#include <stdio.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>
#include "deqnn/status.h"

/* DEQNN_TEST_LIGHT set (quickstart.sh's run under valgrind, which checks memory, not
 * values): a test may check fewer points or reference values per route. */
static inline int deq_test_light(void)
{
  const char *e = getenv("DEQNN_TEST_LIGHT");
  return e != NULL && e[0] != '\0' && !(e[0] == '0' && e[1] == '\0');
}

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

/* |got - want| <= tol, the error bar is a bar (finite, >= 0), and it covers the distance up
 * to tol.  The tol in the last test means that a zeroed bar passes wherever the value is within
 * tol of a rounded reference; to test a bar as a bar, compare two routes with assert_overlap
 * (tests/test_bars.c does so at random points for every module). */
static inline void assert_within(deq_result got, double want, double tol)
{
  if (!(got.err >= 0 && isfinite(got.err)))
    fail_msg("value %.15g: error bar %.3g is not a bar", got.val, got.err);
  if (!(fabs(got.val - want) <= tol))
    fail_msg("value %.15g, expected %.15g (tol %.3g)", got.val, want, tol);
  if (!(fabs(got.val - want) <= got.err + tol))
    fail_msg("error bar %.3g does not cover %.3g", got.err, fabs(got.val - want));
}

/* Two balls overlap (Arb's test): |a - b| <= a.err + b.err with no extra tolerance, both
 * values finite and both bars finite and >= 0.  For two routes to the same quantity. */
static inline void assert_overlap(deq_result a, deq_result b)
{
  if (!(isfinite(a.val) && isfinite(b.val) && a.err >= 0 && b.err >= 0 && isfinite(a.err)
        && isfinite(b.err)))
    fail_msg("not a ball: %.17g +- %.3g, %.17g +- %.3g", a.val, a.err, b.val, b.err);
  if (!(fabs(a.val - b.val) <= a.err + b.err))
    fail_msg("balls do not overlap: %.17g +- %.3g and %.17g +- %.3g (|a - b| = %.3g)",
             a.val, a.err, b.val, b.err, fabs(a.val - b.val));
}

/* An error handler that records the library's reports: their number, the last status and the
 * last reason (install with deq_set_error_handler(record)). */
__attribute__((unused)) static int calls;
__attribute__((unused)) static int last_status;
__attribute__((unused)) static char last_reason[512];

__attribute__((unused)) static void record(const char *reason, const char *file, int line,
                                           int status)
{
  (void) file, (void) line;
  calls++;
  last_status = status;
  snprintf(last_reason, sizeof last_reason, "%s", reason);
}

#endif

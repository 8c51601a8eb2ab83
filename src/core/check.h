/* Internal: argument checks at the top of public functions (docs/core.md, "Arguments").
 *
 * Each macro reports through the error handler exactly once and returns: a status
 * function returns DEQ_EINVAL, a pointer function NULL, a double function NAN, a void
 * function nothing.  The message names the function and the argument. */
#ifndef DEQ_CORE_CHECK_H
#define DEQ_CORE_CHECK_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include "deqnn/opts.h"
#include "deqnn/status.h"

/* If cond fails: report DEQ_EINVAL with a printf-style message and return retval (which
 * may be empty, for a void function). */
#define DEQ_REQUIRE_RET(cond, retval, ...) \
  do { \
    if (!(cond)) { \
      deq_errorf(__FILE__, __LINE__, DEQ_EINVAL, __VA_ARGS__); \
      return retval; \
    } \
  } while (0)

/* Status functions. */
#define DEQ_CHECK_NULL(ptr, name) \
  DEQ_REQUIRE_RET((ptr) != NULL, DEQ_EINVAL, "%s: %s must not be NULL", __func__, name)
#define DEQ_CHECK(cond, ...) DEQ_REQUIRE_RET(cond, DEQ_EINVAL, __VA_ARGS__)

/* Functions returning a pointer (NULL), a double (NAN) or nothing. */
#define DEQ_CHECK_NULL_PTR(ptr, name) \
  DEQ_REQUIRE_RET((ptr) != NULL, NULL, "%s: %s must not be NULL", __func__, name)
#define DEQ_CHECK_NULL_NAN(ptr, name) \
  DEQ_REQUIRE_RET((ptr) != NULL, NAN, "%s: %s must not be NULL", __func__, name)
#define DEQ_CHECK_NULL_VOID(ptr, name) \
  DEQ_REQUIRE_RET((ptr) != NULL, , "%s: %s must not be NULL", __func__, name)

/* Parameters of the documented domain (deqnn/opts.h), each reported once naming `name`:
 * a ratio in [DEQ_RATIO_MIN, DEQ_RATIO_MAX]; a parameter in [0, DEQ_PARAM_MAX]; a finite
 * value of magnitude at most DEQ_PARAM_MAX. */
int deq_check_ratio(double v, const char *name);
int deq_check_param(double v, const char *name);
int deq_check_bounded(double v, const char *name);

/* 1 iff every value and error bar of r[0..n-1] is finite and every bar is >= 0: the sanity
 * contract of a value that leaves the library with status ok. */
static inline int deq_results_finite(const deq_result *r, size_t n)
{
  for (size_t k = 0; k < n; k++)
    if (!isfinite(r[k].val) || !isfinite(r[k].err) || !(r[k].err >= 0))
      return 0;
  return 1;
}

#endif

/* Tests for status codes and the error handler. */
#include <stdio.h>
#include <string.h>
#include "testutil.h"
#include "deqnn/status.h"


static void record_checked(const char *reason, const char *file, int line, int status)
{
  calls++;
  last_status = status;
  snprintf(last_reason, sizeof last_reason, "%s", reason);
  assert_non_null(file);
  assert_true(line > 0);
}

static int fails(double x)
{
  if (x < 0)
    DEQ_ERRORF(DEQ_EINVAL, "ratio: must be positive, got %g", x);
  return DEQ_SUCCESS;
}

static void test_names(void **state)
{
  (void) state;
  for (int k = 0; k < DEQ_NSTATUS; k++) {
    assert_int_equal(deq_status_from_name(deq_status_name(k)), k);
    assert_true(strlen(deq_strerror(k)) > 0);
  }
  assert_string_equal(deq_status_name(DEQ_SUCCESS), "ok");
  assert_int_equal(deq_status_from_name("nonsense"), -1);
  assert_string_equal(deq_strerror(-5), "unknown status");
}

static void test_handler(void **state)
{
  (void) state;
  deq_error_handler_t *old = deq_set_error_handler(record_checked);
  calls = 0;
  assert_int_equal(fails(1.0), DEQ_SUCCESS);
  assert_int_equal(calls, 0);
  assert_int_equal(fails(-2.5), DEQ_EINVAL);
  assert_int_equal(calls, 1);
  assert_int_equal(last_status, DEQ_EINVAL);
  assert_string_equal(last_reason, "ratio: must be positive, got -2.5");
  assert_ptr_equal(deq_set_error_handler(old), record_checked);
  assert_int_equal(fails(-1.0), DEQ_EINVAL); /* default handler: silent */
  assert_int_equal(calls, 1);
}

/* The spellings shared with C++ (tests/test_cxx.cpp compiles the same expressions). */
static void test_complex_macros(void **state)
{
  (void) state;
  deq_complex z = DEQ_COMPLEX(1.5, -2.25);
  assert_true(deq_creal(z) == 1.5 && deq_cimag(z) == -2.25);
  assert_true(deq_creal(z * z) == 1.5 * 1.5 - 2.25 * 2.25 && deq_cimag(z * z) == -2 * 1.5 * 2.25);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_names),
    cmocka_unit_test(test_handler),
    cmocka_unit_test(test_complex_macros),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

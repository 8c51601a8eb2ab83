/* Tests for grids and numeric parsing. */
#include "testutil.h"
#include "deqnn/grid.h"
#include "deqnn/status.h"

static void test_linspace(void **state)
{
  (void) state;
  deq_grid *g;
  assert_int_equal(deq_grid_parse("0.5:2.5:5", "--x", &g), DEQ_SUCCESS);
  assert_int_equal(g->n, 5);
  assert_close(g->x[0], 0.5, 0);
  assert_close(g->x[1], 1.0, 1e-15);
  assert_close(g->x[4], 2.5, 0);
  deq_grid_free(g);
  assert_int_equal(deq_grid_parse("1e-3:10:5:log", "--x", &g), DEQ_SUCCESS);
  assert_close(g->x[1], 1e-2, 1e-15);
  assert_close(g->x[4], 10.0, 0);
  deq_grid_free(g);
  assert_int_equal(deq_grid_parse("3:3:1", "--x", &g), DEQ_SUCCESS);
  assert_int_equal(g->n, 1);
  deq_grid_free(g);
}

static void test_list(void **state)
{
  (void) state;
  deq_grid *g;
  assert_int_equal(deq_grid_parse("-1,0.25,7", "--x", &g), DEQ_SUCCESS);
  assert_int_equal(g->n, 3);
  assert_close(g->x[1], 0.25, 0);
  deq_grid_free(g);
  double v[4];
  size_t n;
  assert_int_equal(deq_parse_list("2.385,1,0.5", "--ratios", v, 4, &n), DEQ_SUCCESS);
  assert_int_equal(n, 3);
  assert_close(v[0], 2.385, 0);
}

static void test_errors(void **state)
{
  (void) state;
  deq_grid *g = (deq_grid *) 1;
  const char *bad[] = { "", "2:1:5", "0:1:0", "0:1:1", "a:1:3", "0:1:3:lin", "0:nan:3",
                        "1,1,2", "3,2", "1,,2", "1,x", "0:1:-3", "-1:1:3:log", "0:inf:3",
                        "0:1:99999999999" };
  for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
    assert_int_equal(deq_grid_parse(bad[k], "--x", &g), DEQ_EINVAL);
    assert_null(g);
  }
  double v[2];
  size_t n;
  assert_int_equal(deq_parse_list("1,2,3", "--ratios", v, 2, &n), DEQ_EINVAL);
  double d;
  assert_int_equal(deq_parse_double("1e999", "--lambda", &d), DEQ_EINVAL);
  assert_int_equal(deq_parse_double("NaN", "--lambda", &d), DEQ_EINVAL);
  long l;
  assert_int_equal(deq_parse_long("12x", "--n", &l), DEQ_EINVAL);
  assert_int_equal(deq_parse_long("-3", "--n", &l), DEQ_EINVAL);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_linspace),
    cmocka_unit_test(test_list),
    cmocka_unit_test(test_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Tests of deq_command_run (deqnn/command.h): the CLI's tables in memory, no files. */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"
#include "deqnn/command.h"
#include "deqnn/mp.h"

static size_t files_here(void)
{
  size_t n = 0;
  DIR *d = opendir(".");
  assert_non_null(d);
  while (readdir(d) != NULL)
    n++;
  closedir(d);
  return n;
}

/* mp on a grid: the density column is deq_mp_density; the command is recorded. */
static void test_mp_table(void **state)
{
  (void) state;
  const char *argv[] = { "mp", "--ratio", "0.37", "--x", "0.2:2.5:7", "--out", "ignored.csv" };
  deq_table *t, *s;
  char msg[256];
  size_t before = files_here();
  assert_int_equal(deq_command_run(7, argv, &t, &s, msg, sizeof msg), 0);
  assert_non_null(t);
  assert_null(s);
  assert_int_equal(files_here(), before);   /* --out ignored: nothing written */
  long cx = deq_table_column(t, "x"), cd = deq_table_column(t, "density");
  assert_true(cx >= 0 && cd >= 0 && t->nrows == 7);
  for (size_t r = 0; r < t->nrows; r++) {
    double rho;
    assert_int_equal(deq_mp_density(t->num[r * t->ncols + (size_t) cx], 0.37, &rho), DEQ_SUCCESS);
    assert_close(t->num[r * t->ncols + (size_t) cd], rho, 1e-12);
  }
  const char *cmd = deq_table_comment(t, "command");
  assert_non_null(cmd);
  assert_string_equal(cmd, "deqnn mp --ratio 0.37 --x 0.2:2.5:7 --out ignored.csv");
  deq_table_free(t);
}

/* Bad input: exit 2, no table, the message names the option, nothing on stderr. */
static void test_bad_input(void **state)
{
  (void) state;
  const char *argv[] = { "ck", "--ratios", "-1" };
  deq_table *t = (deq_table *) 1;
  char msg[256];
  assert_int_equal(deq_command_run(3, argv, &t, NULL, msg, sizeof msg), 2);
  assert_null(t);
  assert_non_null(strstr(msg, "--ratios"));
  assert_int_equal(deq_command_run(0, argv, &t, NULL, msg, sizeof msg), 2);
  assert_int_equal(deq_command_run(1, (const char *[]) { "check" }, &t, NULL, NULL, 0), 2);
  assert_int_equal(deq_command_run(1, argv, NULL, NULL, msg, sizeof msg), 2);
}

/* A simulation is run and its summary handed over. */
static void test_simulation(void **state)
{
  (void) state;
  const char *argv[] = { "ck", "--ratios", "1.5,2", "--x", "0:4:9", "--simulate", "--n", "80",
                         "--seeds", "2" };
  deq_table *t, *s;
  char msg[1024];
  size_t before = files_here();
  int rc = deq_command_run(10, argv, &t, &s, msg, sizeof msg);
  if (rc != 0 && rc != 1)
    fail_msg("exit %d: %s", rc, msg);
  assert_non_null(t);
  assert_non_null(s);
  assert_true(deq_table_column(t, "sim_density") >= 0);
  assert_true(deq_table_column(s, "sim_verdict") >= 0);
  assert_int_equal(files_here(), before);
  deq_table_free(t);
  deq_table_free(s);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_mp_table),
    cmocka_unit_test(test_bad_input),
    cmocka_unit_test(test_simulation),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

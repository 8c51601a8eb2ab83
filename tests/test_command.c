/* Tests of deq_command_run (deqnn/command.h): the CLI's tables in memory, no files. */
#include <complex.h>
#include <dirent.h>
#include <math.h>
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

/* Every table of a capture: the per-replicate statistics and eigenvalues make the summary's
 * mean (trK/n is the mean eigenvalue); the law's atom is the mp atom 1 - 1/gamma. */
static void test_run_tables(void **state)
{
  (void) state;
  const char *argv[] = { "mp", "--ratio", "2.385", "--x", "0:7:8", "--simulate", "--n", "60",
                         "--seeds", "3" };
  deq_table *tab[8];
  char msg[1024];
  size_t n = 0;
  while (deq_command_table_name(n) != NULL)
    n++;
  assert_int_equal(n, 6);
  assert_string_equal(deq_command_table_name(2), "seeds");
  int rc = deq_command_run_tables(10, argv, tab, n, msg, sizeof msg);
  if (rc != 0 && rc != 1)
    fail_msg("exit %d: %s", rc, msg);
  for (size_t i = 0; i < n; i++)
    assert_non_null(tab[i]);
  assert_int_equal(deq_table_nrows(tab[2]), 3);
  assert_int_equal(deq_table_nrows(tab[3]), 3 * 60);
  long k = deq_table_column(tab[2], "trK/n"), ev = deq_table_column(tab[3], "eigenvalue");
  assert_true(k >= 0 && ev >= 0);
  for (size_t r = 0; r < 3; r++) {
    double sum = 0;
    for (size_t i = 0; i < 60; i++)
      sum += tab[3]->num[(r * 60 + i) * tab[3]->ncols + (size_t) ev];
    assert_true(fabs(sum / 60 - tab[2]->num[r * tab[2]->ncols + (size_t) k]) <= 1e-12);
  }
  long part = deq_table_column(tab[4], "part"), mass = deq_table_column(tab[4], "mass");
  size_t last = deq_table_nrows(tab[4]) - 1;
  assert_string_equal(deq_table_text_at(tab[4], last, (size_t) part), "atom");
  /* the realised ratio n/d = 60/25 with --simulate */
  assert_true(fabs(tab[4]->num[last * tab[4]->ncols + (size_t) mass] - (1 - 25.0 / 60)) <= 1e-9);
  for (size_t i = 0; i < n; i++)
    deq_table_free(tab[i]);
  /* fewer slots: the others are freed, law and cdf not made */
  assert_int_equal(deq_command_run_tables(3, argv, tab, 1, msg, sizeof msg), 0);
  assert_non_null(tab[0]);
  deq_table_free(tab[0]);
}

/* m(z) at complex points: Im m > 0 above the axis, m(-lambda) = deq_mp_stieltjes's. */
static void test_stieltjes(void **state)
{
  (void) state;
  const char *argv[] = { "mp", "--ratio", "0.37" };
  double zr[] = { 0.8, -0.5 }, zi[] = { 0.3, 0 }, mr[2], mi[2], err[2];
  int st[2];
  char msg[256];
  assert_int_equal(deq_command_stieltjes(3, argv, 2, zr, zi, mr, mi, err, st, msg, sizeof msg), 0);
  assert_int_equal(st[0], DEQ_SUCCESS);
  assert_true(mi[0] > 0);
  deq_complex m;
  assert_int_equal(deq_mp_stieltjes(-0.5, 0.37, &m), DEQ_SUCCESS);
  assert_true(fabs(mr[1] - creal(m)) <= 1e-12 + err[1]);
  const char *bad[] = { "mp", "--ratio", "-1" };
  assert_int_equal(deq_command_stieltjes(3, bad, 2, zr, zi, mr, mi, err, st, msg, sizeof msg), 2);
  assert_non_null(strstr(msg, "--ratio"));
  zr[1] = NAN;
  assert_int_equal(deq_command_stieltjes(3, argv, 2, zr, zi, mr, mi, err, st, msg, sizeof msg), 2);
  assert_non_null(strstr(msg, "z: point 1"));
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_mp_table),
    cmocka_unit_test(test_bad_input),
    cmocka_unit_test(test_simulation),
    cmocka_unit_test(test_run_tables),
    cmocka_unit_test(test_stieltjes),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

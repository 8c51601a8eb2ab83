/* Tests for tables and their CSV form. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include "testutil.h"
#include "deqnn/status.h"
#include "deqnn/table.h"

static void test_roundtrip(void **state)
{
  (void) state;
  const char *names[] = { "x", "density", "status" };
  int types[] = { DEQ_COL_NUM, DEQ_COL_NUM, DEQ_COL_TEXT };
  deq_table *t = deq_table_alloc(3, names, types);
  assert_non_null(t);
  assert_int_equal(deq_table_add_comment(t, "command: deqnn mp --ratio %g", 2.385), DEQ_SUCCESS);
  double r0[] = { 0.1, 1.0 / 3.0, 0 }, r1[] = { 0.2, INFINITY, 0 };
  const char *s0[] = { NULL, NULL, "ok" }, *s1[] = { NULL, NULL, "ediverge" };
  assert_int_equal(deq_table_add_row(t, r0, s0), DEQ_SUCCESS);
  assert_int_equal(deq_table_add_row(t, r1, s1), DEQ_SUCCESS);
  char path[] = "/tmp/deqnn_test_tableXXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  close(fd);
  assert_int_equal(deq_table_write(t, path), DEQ_SUCCESS);
  deq_table *u;
  assert_int_equal(deq_table_read(path, &u), DEQ_SUCCESS);
  assert_int_equal(u->nrows, 2);
  assert_int_equal(u->ncols, 3);
  assert_int_equal(u->types[2], DEQ_COL_TEXT);
  assert_true(u->num[1] == 1.0 / 3.0);
  assert_true(isinf(u->num[4]));
  assert_string_equal(u->text[5], "ediverge");
  assert_string_equal(deq_table_comment(u, "command"), "deqnn mp --ratio 2.385");
  assert_null(deq_table_comment(u, "seed"));
  assert_int_equal(deq_table_column(u, "density"), 1);
  assert_int_equal(deq_table_column(u, "nope"), -1);
  char col[16];
  assert_int_equal(deq_table_text_column(u, 2, NULL, 0), 13);
  assert_int_equal(deq_table_text_column(u, 2, col, sizeof col), 13);
  assert_string_equal(col, "ok\nediverge\n");
  assert_int_equal(deq_table_text_column(u, 2, col, 8), 13);   /* only whole cells */
  assert_string_equal(col, "ok\n");
  assert_int_equal(deq_table_text_column(u, 0, col, sizeof col), 3);
  assert_string_equal(col, "\n\n");
  assert_int_equal(deq_table_text_column(u, 3, col, sizeof col), 0);
  deq_table_free(u);
  deq_table_free(t);
  unlink(path);
}

static void test_malformed(void **state)
{
  (void) state;
  char path[] = "/tmp/deqnn_test_badXXXXXX";
  int fd = mkstemp(path);
  FILE *f = fdopen(fd, "w");
  fputs("# command: x\nx,y\n1,2\n3\n", f);
  fclose(f);
  deq_table *t = (deq_table *) 1;
  assert_int_equal(deq_table_read(path, &t), DEQ_EFORMAT);
  assert_null(t);
  f = fopen(path, "w");
  fputs("# only comments\n", f);
  fclose(f);
  assert_int_equal(deq_table_read(path, &t), DEQ_EFORMAT);
  unlink(path);
  assert_int_equal(deq_table_read("/nonexistent/file.csv", &t), DEQ_EIO);
}

static void test_write_fails_cleanly(void **state)
{
  (void) state;
  const char *names[] = { "x" };
  deq_table *t = deq_table_alloc(1, names, NULL);
  assert_int_equal(deq_table_write(t, "/nonexistent/dir/out.csv"), DEQ_EIO);
  deq_table_free(t);
  deq_table_free(NULL);
}

/* Bytes that are not text, empty and repeated column names: malformed. */
static void test_not_text(void **state)
{
  (void) state;
  static const char bin[] = "x,y\n1,\0012\n";
  const char *bad[] = { "x,x\n1,2\n", "x,,y\n1,2,3\n" };
  char path[] = "/tmp/deqnn_test_binXXXXXX";
  int fd = mkstemp(path);
  FILE *f = fdopen(fd, "w");
  fwrite(bin, 1, sizeof bin - 1, f);
  fputc('\0', f);
  fclose(f);
  deq_table *t = NULL;
  assert_int_equal(deq_table_read(path, &t), DEQ_EFORMAT);
  for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
    f = fopen(path, "w");
    fputs(bad[k], f);
    fclose(f);
    assert_int_equal(deq_table_read(path, &t), DEQ_EFORMAT);
    assert_null(t);
  }
  unlink(path);
}

/* Only a regular file is replaced: a symbolic link and its target are left alone. */
static void test_write_refuses_links(void **state)
{
  (void) state;
  const char *names[] = { "x" };
  double row[] = { 1.0 };
  deq_table *t = deq_table_alloc(1, names, NULL);
  deq_table_add_row(t, row, NULL);
  char dir[] = "/tmp/deqnn_test_linkXXXXXX", target[64], link[64];
  assert_non_null(mkdtemp(dir));
  snprintf(target, sizeof target, "%s/target.csv", dir);
  snprintf(link, sizeof link, "%s/link.csv", dir);
  FILE *f = fopen(target, "w");
  fputs("keep\n", f);
  fclose(f);
  assert_int_equal(symlink(target, link), 0);
  assert_int_equal(deq_table_write(t, link), DEQ_EINVAL);
  assert_int_equal(deq_table_write(t, dir), DEQ_EINVAL);   /* a directory */
  struct stat st;
  assert_int_equal(lstat(link, &st), 0);
  assert_true(S_ISLNK(st.st_mode));
  char buf[16] = "";
  f = fopen(target, "r");
  assert_non_null(fgets(buf, sizeof buf, f));
  fclose(f);
  assert_string_equal(buf, "keep\n");
  unlink(link), unlink(target), rmdir(dir);
  deq_table_free(t);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_roundtrip),
    cmocka_unit_test(test_malformed),
    cmocka_unit_test(test_write_fails_cleanly),
    cmocka_unit_test(test_not_text),
    cmocka_unit_test(test_write_refuses_links),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

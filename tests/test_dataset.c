/* deqnn/dataset.h: the readers (CSV, npy v1-v3, IDX, IDX.gz), the file record (size, CRC32),
 * the subset, the preprocessing, the Gram matrix and the diagnostics; every error path with
 * the file and the line or entry in its message. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include "testutil.h"
#include "deqnn/dataset.h"

static char dir[64];
static char last[512];
static int last_code;

static void keep(const char *reason, const char *file, int line, int status)
{
  (void) file, (void) line;
  snprintf(last, sizeof last, "%s", reason);
  last_code = status;
}

static const char *path_of(const char *name)
{
  static char p[4][256];
  static int k;
  k = (k + 1) % 4;
  snprintf(p[k], sizeof p[k], "%s/%s", dir, name);
  return p[k];
}

static void write_bytes(const char *name, const void *b, size_t len)
{
  FILE *f = fopen(path_of(name), "wb");
  assert_non_null(f);
  assert_int_equal(fwrite(b, 1, len, f), len);
  fclose(f);
}

static void write_gz(const char *name, const void *b, size_t len)
{
  gzFile g = gzopen(path_of(name), "wb");
  assert_non_null(g);
  assert_int_equal(gzwrite(g, b, (unsigned) len), (int) len);
  gzclose(g);
}

static void write_text(const char *name, const char *s)
{
  write_bytes(name, s, strlen(s));
}

/* A failing read: status and a message containing `want`. */
static void read_fails(const char *name, int status, const char *want)
{
  deq_dataset *ds = (deq_dataset *) 1;
  last[0] = '\0';
  int got = deq_dataset_read(path_of(name), &ds);
  if (got != status)
    fail_msg("%s: status %d, want %d: %s", name, got, status, last);
  assert_null(ds);
  if (strstr(last, want) == NULL)
    fail_msg("message '%s' lacks '%s'", last, want);
}

static deq_dataset *read_ok(const char *name)
{
  deq_dataset *ds = NULL;
  int s = deq_dataset_read(path_of(name), &ds);
  if (s)
    fail_msg("%s: %s", name, last);
  return ds;
}

static void test_csv(void **state)
{
  (void) state;
  const char *text = "# a comment\nx,y,z\n\n1, 2.5 ,-3\n  # another\n4,5e-1,6\r\n7,8,9";
  write_text("a.csv", text);
  deq_dataset *ds = read_ok("a.csv");
  assert_int_equal(ds->n, 3);
  assert_int_equal(ds->d, 3);
  assert_int_equal(ds->format, DEQ_DATASET_CSV);
  assert_int_equal(ds->compressed, 0);
  double want[9] = { 1, 2.5, -3, 4, 0.5, 6, 7, 8, 9 };
  for (int k = 0; k < 9; k++)
    assert_true(ds->x[k] == want[k]);
  assert_int_equal(ds->line[0], 4);
  assert_int_equal(ds->line[1], 6);
  assert_int_equal(ds->line[2], 7);
  assert_int_equal(ds->bytes, strlen(text));
  assert_int_equal(ds->crc32, (uint32_t) crc32(crc32(0L, Z_NULL, 0), (const Bytef *) text,
                                                (uInt) strlen(text)));
  deq_dataset_free(ds);
  write_gz("a.csv.gz", text, strlen(text));   /* compressed CSV: the same data */
  ds = read_ok("a.csv.gz");
  assert_int_equal(ds->n, 3);
  assert_int_equal(ds->compressed, 1);
  assert_true(ds->x[4] == 0.5);
  deq_dataset_free(ds);
}

static void test_csv_errors(void **state)
{
  (void) state;
  write_text("ragged.csv", "1,2,3\n4,5,6\n# c\n7,8\n");
  read_fails("ragged.csv", DEQ_EFORMAT, "ragged.csv:4: 2 fields, expected 3");
  write_text("nan.csv", "1,2\n3,nan\n");
  read_fails("nan.csv", DEQ_EINVAL, "nan.csv:2: field 2 is nan");
  write_text("inf.csv", "1,2\n-inf,1\n");
  read_fails("inf.csv", DEQ_EINVAL, "inf.csv:2: field 1 is -inf");
  write_text("word.csv", "1,2\n3,abc\n");
  read_fails("word.csv", DEQ_EFORMAT, "word.csv:2: field 2 'abc' is not a number");
  write_text("empty.csv", "# only a comment\n\n");
  read_fails("empty.csv", DEQ_EFORMAT, "empty.csv: no samples");
  write_text("twohead.csv", "a,b\nc,d\n1,2\n");
  read_fails("twohead.csv", DEQ_EFORMAT, "twohead.csv:2: field 1 'c' is not a number");
  read_fails("missing.csv", DEQ_EIO, "cannot open");
}

/* npy: header v1 (u16 length) or v2/v3 (u32), padded so the data start at a multiple of 64. */
static size_t npy(unsigned char *buf, int version, const char *descr, const char *shape,
                  const char *order, const void *data, size_t len)
{
  char h[256];
  int hl = snprintf(h, sizeof h, "{'descr': '%s', 'fortran_order': %s, 'shape': %s, }", descr,
                    order, shape);
  size_t pre = version == 1 ? 10 : 12, total = pre + (size_t) hl + 1;
  size_t pad = (64 - total % 64) % 64;
  memcpy(buf, "\x93NUMPY", 6);
  buf[6] = (unsigned char) version;
  buf[7] = 0;
  size_t L = (size_t) hl + pad + 1;
  for (size_t k = 0; k < pre - 8; k++)
    buf[8 + k] = (unsigned char) (L >> (8 * k));
  memcpy(buf + pre, h, (size_t) hl);
  memset(buf + pre + hl, ' ', pad);
  buf[pre + (size_t) hl + pad] = '\n';
  memcpy(buf + pre + L, data, len);
  return pre + L + len;
}

static void test_npy(void **state)
{
  (void) state;
  unsigned char buf[1024];
  double f8[6] = { 1, -2, 3.5, 4, 5, 6 };
  write_bytes("a.npy", buf, npy(buf, 1, "<f8", "(2, 3)", "False", f8, sizeof f8));
  deq_dataset *ds = read_ok("a.npy");
  assert_int_equal(ds->format, DEQ_DATASET_NPY);
  assert_int_equal(ds->n, 2);
  assert_int_equal(ds->d, 3);
  assert_true(ds->x[2] == 3.5 && ds->x[5] == 6);
  assert_null(ds->line);
  deq_dataset_free(ds);
  float f4[4] = { 0.25f, -1, 2, 3 };   /* v2, 3-D: (2, 1, 2) flattened per sample */
  write_bytes("b.npy", buf, npy(buf, 2, "<f4", "(2, 1, 2)", "False", f4, sizeof f4));
  ds = read_ok("b.npy");
  assert_int_equal(ds->n, 2);
  assert_int_equal(ds->d, 2);
  assert_true(ds->x[0] == 0.25 && ds->x[1] == -1);
  deq_dataset_free(ds);
  unsigned char u1[4] = { 0, 255, 7, 9 };
  write_bytes("c.npy", buf, npy(buf, 3, "|u1", "(2, 2)", "False", u1, sizeof u1));
  ds = read_ok("c.npy");
  assert_true(ds->x[1] == 255 && ds->x[3] == 9);
  deq_dataset_free(ds);
  int16_t i2[2] = { -300, 5 };
  write_bytes("d.npy", buf, npy(buf, 1, "<i2", "(1, 2)", "False", i2, sizeof i2));
  ds = read_ok("d.npy");
  assert_true(ds->x[0] == -300);
  deq_dataset_free(ds);
  int64_t i8[2] = { -5000000000LL, 1 };
  write_bytes("e.npy", buf, npy(buf, 1, "<i8", "(2, 1)", "False", i8, sizeof i8));
  ds = read_ok("e.npy");
  assert_true(ds->x[0] == -5e9);
  deq_dataset_free(ds);
  int8_t i1[2] = { -128, 3 };
  int32_t i4[2] = { -70000, 2 };
  write_bytes("f.npy", buf, npy(buf, 1, "|i1", "(1, 2)", "False", i1, sizeof i1));
  write_bytes("g.npy", buf, npy(buf, 1, "<i4", "(1, 2)", "False", i4, sizeof i4));
  ds = read_ok("f.npy");
  assert_true(ds->x[0] == -128);
  deq_dataset_free(ds);
  ds = read_ok("g.npy");
  assert_true(ds->x[0] == -70000);
  deq_dataset_free(ds);
}

static void test_npy_errors(void **state)
{
  (void) state;
  unsigned char buf[1024];
  double f8[4] = { 1, NAN, 3, 4 };
  write_bytes("nan.npy", buf, npy(buf, 1, "<f8", "(2, 2)", "False", f8, sizeof f8));
  read_fails("nan.npy", DEQ_EINVAL, "entry (sample 1, feature 2) is nan");
  write_bytes("big.npy", buf, npy(buf, 1, ">f8", "(2, 2)", "False", f8, sizeof f8));
  read_fails("big.npy", DEQ_EFORMAT, "npy dtype '>f8' not supported");
  write_bytes("fort.npy", buf, npy(buf, 1, "<f8", "(2, 2)", "True", f8, sizeof f8));
  read_fails("fort.npy", DEQ_EFORMAT, "Fortran order");
  write_bytes("vec.npy", buf, npy(buf, 1, "<f8", "(4,)", "False", f8, sizeof f8));
  read_fails("vec.npy", DEQ_EFORMAT, "1 dimension(s)");
  double ok[4] = { 1, 2, 3, 4 };
  write_bytes("short.npy", buf, npy(buf, 1, "<f8", "(3, 2)", "False", ok, sizeof ok));
  read_fails("short.npy", DEQ_EFORMAT, "data end at sample 3 of 3");
  /* a header promising more than the memory: refused before the data are read */
  write_bytes("huge.npy", buf, npy(buf, 1, "<f8", "(1000000000, 100000)", "False", f8, 0));
  read_fails("huge.npy", DEQ_ENOMEM, "huge.npy: needs ");
}

/* IDX: 0 0 type ndim, big-endian sizes, big-endian data. */
static size_t idx(unsigned char *buf, int type, int ndim, const uint32_t *dims,
                  const unsigned char *data, size_t len)
{
  size_t p = 0;
  buf[p++] = 0, buf[p++] = 0, buf[p++] = (unsigned char) type, buf[p++] = (unsigned char) ndim;
  for (int k = 0; k < ndim; k++)
    for (int b = 3; b >= 0; b--)
      buf[p++] = (unsigned char) (dims[k] >> (8 * b));
  memcpy(buf + p, data, len);
  return p + len;
}

static void test_idx(void **state)
{
  (void) state;
  unsigned char buf[512], u8[12];
  for (int k = 0; k < 12; k++)
    u8[k] = (unsigned char) (20 * k);
  uint32_t dims[3] = { 2, 2, 3 };
  size_t len = idx(buf, 0x08, 3, dims, u8, sizeof u8);
  write_bytes("a-idx3-ubyte", buf, len);
  write_gz("a-idx3-ubyte.gz", buf, len);
  for (int gz = 0; gz < 2; gz++) {
    deq_dataset *ds = read_ok(gz ? "a-idx3-ubyte.gz" : "a-idx3-ubyte");
    assert_int_equal(ds->format, DEQ_DATASET_IDX);
    assert_int_equal(ds->compressed, gz);
    assert_int_equal(ds->n, 2);
    assert_int_equal(ds->d, 6);
    assert_true(ds->x[11] == 220 && ds->x[6] == 120);
    deq_dataset_free(ds);
  }
  unsigned char be[16] = { 0xC0, 0x00, 0, 0, 0, 0, 0, 0, 0x3F, 0xF0, 0, 0, 0, 0, 0, 0 };
  uint32_t d2[2] = { 1, 2 };
  write_bytes("f64.idx", buf, idx(buf, 0x0E, 2, d2, be, 16));   /* -2, 1 */
  deq_dataset *ds = read_ok("f64.idx");
  assert_true(ds->x[0] == -2 && ds->x[1] == 1);
  deq_dataset_free(ds);
  unsigned char i16[4] = { 0xFF, 0xFE, 0x01, 0x00 };   /* -2, 256 */
  write_bytes("i16.idx", buf, idx(buf, 0x0B, 2, d2, i16, 4));
  ds = read_ok("i16.idx");
  assert_true(ds->x[0] == -2 && ds->x[1] == 256);
  deq_dataset_free(ds);
  unsigned char f32[8] = { 0x3F, 0xC0, 0, 0, 0xFF, 0xC0, 0, 0 };   /* 1.5, NaN */
  write_bytes("nan.idx", buf, idx(buf, 0x0D, 2, d2, f32, 8));
  read_fails("nan.idx", DEQ_EINVAL, "entry (sample 1, feature 2)");
  uint32_t d1[1] = { 4 };
  write_bytes("labels.idx", buf, idx(buf, 0x08, 1, d1, u8, 4));
  read_fails("labels.idx", DEQ_EFORMAT, "labels");
  write_bytes("type.idx", buf, idx(buf, 0x0A, 2, d2, u8, 2));
  read_fails("type.idx", DEQ_EFORMAT, "IDX type 0x0A");
  write_gz("short.idx.gz", buf, idx(buf, 0x08, 3, dims, u8, 7));
  read_fails("short.idx.gz", DEQ_EFORMAT, "data end at sample 2 of 2");
}

static deq_dataset *ten_rows(void)
{
  char text[512] = "";
  for (int a = 0; a < 10; a++)
    snprintf(text + strlen(text), sizeof text - strlen(text), "%d,%d,%d\n", a, a * a % 7,
             (3 * a) % 5);
  write_text("ten.csv", text);
  return read_ok("ten.csv");
}

static void test_subset(void **state)
{
  (void) state;
  deq_dataset *a = ten_rows(), *b = ten_rows(), *c = ten_rows();
  assert_int_equal(deq_dataset_subset(a, 4, 1), DEQ_SUCCESS);
  assert_int_equal(deq_dataset_subset(b, 4, 1), DEQ_SUCCESS);
  assert_int_equal(deq_dataset_subset(c, 4, 2), DEQ_SUCCESS);
  assert_int_equal(a->n, 4);
  int differ = 0;
  for (size_t k = 0; k < 4; k++) {
    assert_int_equal(a->index[k], b->index[k]);     /* reproducible */
    differ |= a->index[k] != c->index[k];
    if (k > 0)
      assert_true(a->index[k] > a->index[k - 1]);   /* file order */
    assert_true(a->x[3 * k] == (double) a->index[k]);   /* the row moved with its index */
    assert_int_equal(a->line[k], a->index[k] + 1);
  }
  assert_true(differ);
  assert_int_equal(deq_dataset_subset(a, 2, 1), DEQ_EINVAL);   /* once */
  deq_dataset_free(a), deq_dataset_free(b), deq_dataset_free(c);
  /* every sample equally likely: 2000 subsets of 3 of 10, each sample 600 times expected */
  int count[10] = { 0 };
  for (uint64_t s = 0; s < 2000; s++) {
    deq_dataset *d = ten_rows();
    assert_int_equal(deq_dataset_subset(d, 3, s), DEQ_SUCCESS);
    for (size_t k = 0; k < 3; k++)
      count[d->index[k]]++;
    deq_dataset_free(d);
  }
  for (int k = 0; k < 10; k++)   /* sd = sqrt(2000 * 0.3 * 0.7) = 20.5: 5 sd */
    assert_true(abs(count[k] - 600) < 103);
}

static void test_normalize(void **state)
{
  (void) state;
  deq_dataset *ds = ten_rows();
  double raw[30];
  memcpy(raw, ds->x, sizeof raw);
  assert_int_equal(deq_dataset_normalize(ds, DEQ_DATASET_UNIT), DEQ_SUCCESS);
  double mean[3] = { 0 };
  for (int a = 0; a < 10; a++)
    for (int j = 0; j < 3; j++)
      mean[j] += raw[3 * a + j] / 10;
  for (int a = 0; a < 10; a++) {
    double c[3], nrm = 0, got = 0;
    for (int j = 0; j < 3; j++)
      c[j] = raw[3 * a + j] - mean[j], nrm += c[j] * c[j];
    for (int j = 0; j < 3; j++) {
      assert_close(ds->x[3 * a + j], c[j] / sqrt(nrm), 1e-15);
      got += ds->x[3 * a + j] * ds->x[3 * a + j];
    }
    assert_close(got, 1.0, 1e-15);
  }
  assert_int_equal(deq_dataset_normalize(ds, DEQ_DATASET_NONE), DEQ_EINVAL);   /* once */
  deq_dataset_free(ds);
  write_text("zero.csv", "# x\n1,2\n3,4\n2,3\n");   /* sample 3 is the mean */
  ds = read_ok("zero.csv");
  assert_int_equal(deq_dataset_normalize(ds, DEQ_DATASET_UNIT), DEQ_EINVAL);
  assert_non_null(strstr(last, "zero.csv: sample 3 (line 4) is zero after centring"));
  deq_dataset_free(ds);
  ds = read_ok("zero.csv");
  assert_int_equal(deq_dataset_normalize(ds, DEQ_DATASET_NONE), DEQ_SUCCESS);
  assert_true(ds->x[5] == 3);
  deq_dataset_free(ds);
}

static void test_gram_diagnose(void **state)
{
  (void) state;
  write_text("g.csv", "1,0,0\n0,2,0\n0.6,0.8,0\n");
  deq_dataset *ds = read_ok("g.csv");
  double G[9];
  deq_dataset_diag dg;
  assert_int_equal(deq_dataset_gram(ds, G), DEQ_SUCCESS);
  double want[9] = { 1, 0, 0.6, 0, 4, 1.6, 0.6, 1.6, 1 };
  for (int k = 0; k < 9; k++)
    assert_close(G[k], want[k], 1e-15);
  assert_int_equal(deq_dataset_diagnose(ds, G, &dg), DEQ_SUCCESS);
  assert_close(dg.off_rms, sqrt((0.36 + 1.6 * 1.6) / 3), 1e-15);
  assert_close(dg.off_max, 1.6, 1e-15);
  assert_close(dg.norm_min, 1, 1e-15);
  assert_close(dg.norm_max, 2, 1e-15);
  assert_close(dg.norm_mean, 4.0 / 3, 1e-15);
  assert_close(dg.norm_sd, sqrt(2.0) / 3, 1e-15);
  assert_close(dg.ref, 1 / sqrt(3.0), 1e-15);
  assert_string_equal(deq_dataset_format_name(ds->format), "csv");
  assert_string_equal(deq_dataset_norm_name(DEQ_DATASET_NONE), "none");
  deq_dataset_free(ds);
}

static int setup(void **state)
{
  (void) state;
  snprintf(dir, sizeof dir, "/tmp/deqnn_dataset_XXXXXX");
  assert_non_null(mkdtemp(dir));
  deq_set_error_handler(keep);
  return 0;
}

static int teardown(void **state)
{
  (void) state;
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  return system(cmd) == 0 ? 0 : 1;
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_csv),
    cmocka_unit_test(test_csv_errors),
    cmocka_unit_test(test_npy),
    cmocka_unit_test(test_npy_errors),
    cmocka_unit_test(test_idx),
    cmocka_unit_test(test_subset),
    cmocka_unit_test(test_normalize),
    cmocka_unit_test(test_gram_diagnose),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}

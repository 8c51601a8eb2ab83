/* Reading a data set: the file record (size, CRC32), the format, the CSV reader. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "core/check.h"
#include "core/dataset_impl.h"
#include "core/mem.h"

#define DS_CHUNK 65536   /* bytes per read when computing the CRC */

/* Size and CRC32 of the file as stored. */
static int file_record(deq_dataset *ds)
{
  FILE *f = fopen(ds->path, "rb");
  struct stat st;
  if (f == NULL)
    DEQ_ERRORF(DEQ_EIO, "cannot open '%s': %s", ds->path, strerror(errno));
  if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
    fclose(f);
    DEQ_ERRORF(DEQ_EIO, "'%s' is not a regular file", ds->path);
  }
  unsigned char buf[DS_CHUNK];
  uLong crc = crc32(0L, Z_NULL, 0);
  size_t r;
  while ((r = fread(buf, 1, sizeof buf, f)) > 0)
    crc = crc32(crc, buf, (uInt) r);
  int bad = ferror(f);
  fclose(f);
  if (bad)
    DEQ_ERRORF(DEQ_EIO, "cannot read '%s'", ds->path);
  ds->bytes = (uint64_t) st.st_size;
  ds->crc32 = (uint32_t) crc;
  return DEQ_SUCCESS;
}

/* ---- CSV ------------------------------------------------------------------------------ */

typedef struct {
  gzFile gz;
  char *buf;
  size_t cap, lineno;
  size_t rows, cap_rows;    /* samples read, samples the arrays can hold */
  int header;               /* a header line was skipped */
} csv_reader;

/* Next line into r->buf (without the newline); 0 at the end of the file. */
static int csv_getline(csv_reader *r, deq_dataset *ds, int *status)
{
  size_t len = 0;
  r->buf[0] = '\0';
  for (;;) {
    if (gzgets(r->gz, r->buf + len, (int) (r->cap - len)) == NULL)
      break;
    len += strlen(r->buf + len);
    if (len > 0 && r->buf[len - 1] == '\n')
      break;
    if (len + 1 < r->cap)
      continue;   /* no newline and room left: end of file */
    char *nb = realloc(r->buf, 2 * r->cap);
    if (nb == NULL) {
      *status = DEQ_ENOMEM;
      deq_errorf(__FILE__, __LINE__, DEQ_ENOMEM, "%s:%zu: out of memory for a line", ds->path,
                 r->lineno + 1);
      return 0;
    }
    r->buf = nb;
    r->cap *= 2;
  }
  if (len == 0)
    return 0;
  r->lineno++;
  while (len > 0 && (r->buf[len - 1] == '\n' || r->buf[len - 1] == '\r'))
    r->buf[--len] = '\0';
  return 1;
}

/* Parse one field: 1 if it is a number (written to *v), 0 otherwise. */
static int csv_number(const char *s, const char *e, double *v)
{
  char tmp[128];
  while (s < e && isspace((unsigned char) *s))
    s++;
  while (e > s && isspace((unsigned char) e[-1]))
    e--;
  size_t len = (size_t) (e - s);
  if (len == 0 || len >= sizeof tmp)
    return 0;
  memcpy(tmp, s, len);
  tmp[len] = '\0';
  char *end;
  *v = strtod(tmp, &end);
  return *end == '\0';
}

static size_t csv_count(const char *s)
{
  size_t k = 1;
  for (; *s; s++)
    k += *s == ',';
  return k;
}

static int csv_grow(csv_reader *r, deq_dataset *ds)
{
  size_t nc = r->cap_rows ? 2 * r->cap_rows : 64;
  if (deq_mem_check_job((double) nc * ((double) ds->d * sizeof(double) + 2.0 * sizeof(size_t)),
                        1, ds->path))
    return DEQ_ENOMEM;
  double *x = realloc(ds->x, nc * ds->d * sizeof *x);
  if (x != NULL)
    ds->x = x;
  size_t *l = realloc(ds->line, nc * sizeof *l);
  if (l != NULL)
    ds->line = l;
  if (x == NULL || l == NULL)
    DEQ_ERRORF(DEQ_ENOMEM, "%s: out of memory at line %zu", ds->path, r->lineno);
  r->cap_rows = nc;
  return DEQ_SUCCESS;
}

/* One data line: fields into the next row (the first row fixes d; a first line with no
 * number is a header and skipped). */
static int csv_row(csv_reader *r, deq_dataset *ds)
{
  size_t nf = csv_count(r->buf), numbers = 0;
  double v;
  if (r->rows == 0 && ds->d == 0 && !r->header) {
    for (const char *s = r->buf, *e; ; s = e + 1) {
      e = strchr(s, ',');
      numbers += csv_number(s, e ? e : s + strlen(s), &v);
      if (e == NULL)
        break;
    }
    if (numbers == 0)
      return r->header = 1, DEQ_SUCCESS;
  }
  if (ds->d == 0)
    ds->d = nf;
  if (nf != ds->d)
    DEQ_ERRORF(DEQ_EFORMAT, "%s:%zu: %zu fields, expected %zu (ragged row)", ds->path,
               r->lineno, nf, ds->d);
  if (r->rows == r->cap_rows && csv_grow(r, ds))
    return DEQ_ENOMEM;
  double *x = ds->x + r->rows * ds->d;
  const char *s = r->buf;
  for (size_t j = 0; j < nf; j++) {
    const char *e = strchr(s, ',');
    if (e == NULL)
      e = s + strlen(s);
    if (!csv_number(s, e, &x[j]))
      DEQ_ERRORF(DEQ_EFORMAT, "%s:%zu: field %zu '%.*s' is not a number", ds->path, r->lineno,
                 j + 1, (int) (e - s < 40 ? e - s : 40), s);
    if (!isfinite(x[j]))
      DEQ_ERRORF(DEQ_EINVAL, "%s:%zu: field %zu is %g, not a finite number", ds->path,
                 r->lineno, j + 1, x[j]);
    s = e + 1;
  }
  ds->line[r->rows++] = r->lineno;
  return DEQ_SUCCESS;
}

static int csv_skip(const char *s)
{
  while (isspace((unsigned char) *s))
    s++;
  return *s == '\0' || *s == '#';
}

int ds_read_csv(gzFile gz, deq_dataset *ds)
{
  csv_reader r = { gz, malloc(4096), 4096, 0, 0, 0, 0 };
  int status = DEQ_SUCCESS;
  if (r.buf == NULL)
    DEQ_ERRORF(DEQ_ENOMEM, "%s: out of memory", ds->path);
  while (status == DEQ_SUCCESS && csv_getline(&r, ds, &status))
    if (!csv_skip(r.buf))
      status = csv_row(&r, ds);
  free(r.buf);
  if (status)
    return status;
  if (r.rows == 0)
    DEQ_ERRORF(DEQ_EFORMAT, "%s: no samples", ds->path);
  ds->n = ds->n_file = r.rows;
  ds->index = malloc(r.rows * sizeof *ds->index);
  if (ds->index == NULL)
    DEQ_ERRORF(DEQ_ENOMEM, "%s: out of memory", ds->path);
  for (size_t a = 0; a < r.rows; a++)
    ds->index[a] = a;
  return DEQ_SUCCESS;
}

/* ---- the entry point ------------------------------------------------------------------ */

static int read_format(deq_dataset *ds)
{
  gzFile gz = gzopen(ds->path, "rb");
  unsigned char m[6] = { 0 };
  if (gz == NULL)
    DEQ_ERRORF(DEQ_EIO, "cannot open '%s': %s", ds->path, strerror(errno));
  int got = gzread(gz, m, sizeof m);
  ds->compressed = !gzdirect(gz);
  gzrewind(gz);
  int status;
  if (got == 6 && memcmp(m, "\x93NUMPY", 6) == 0) {
    ds->format = DEQ_DATASET_NPY;
    status = ds_read_npy(gz, ds);
  } else if (got >= 4 && m[0] == 0 && m[1] == 0 && m[2] >= 0x08 && m[2] <= 0x0E) {
    ds->format = DEQ_DATASET_IDX;
    status = ds_read_idx(gz, ds);
  } else {
    ds->format = DEQ_DATASET_CSV;
    status = ds_read_csv(gz, ds);
  }
  gzclose(gz);
  return status;
}

int deq_dataset_read(const char *path, deq_dataset **out)
{
  DEQ_CHECK_NULL(out, "ds");
  *out = NULL;
  DEQ_CHECK_NULL(path, "path");
  DEQ_CHECK(strlen(path) > 0 && strlen(path) < DEQ_DATASET_PATHMAX,
            "%s: path must have 1 to %d bytes", __func__, DEQ_DATASET_PATHMAX - 1);
  deq_dataset *ds = calloc(1, sizeof *ds);
  if (ds == NULL)
    DEQ_ERROR("deq_dataset_read: out of memory", DEQ_ENOMEM);
  snprintf(ds->path, sizeof ds->path, "%s", path);
  ds->normalized = -1;
  int status = file_record(ds);
  if (!status)
    status = read_format(ds);
  if (status) {
    deq_dataset_free(ds);
    return status;
  }
  *out = ds;
  return DEQ_SUCCESS;
}

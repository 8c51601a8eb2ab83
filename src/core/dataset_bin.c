/* NumPy .npy and IDX readers (docs/data.md "Formats"). */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "core/dataset_impl.h"
#include "core/mem.h"

static const size_t ds_size[] = { 1, 1, 2, 4, 8, 4, 8 };

/* Unsigned integer of w bytes at p, little- or big-endian. */
static uint64_t load_uint(const unsigned char *p, size_t w, int be)
{
  uint64_t v = 0;
  for (size_t k = 0; k < w; k++)
    v |= (uint64_t) p[be ? w - 1 - k : k] << (8 * k);
  return v;
}

static double load(const unsigned char *p, ds_type t, int be)
{
  uint64_t u = load_uint(p, ds_size[t], be);
  switch (t) {
  case DS_U8: return (double) u;
  case DS_I8: return (double) (int8_t) u;
  case DS_I16: return (double) (int16_t) u;
  case DS_I32: return (double) (int32_t) u;
  case DS_I64: return (double) (int64_t) u;
  case DS_F32: { uint32_t b = (uint32_t) u; float f; memcpy(&f, &b, sizeof f); return f; }
  default: { double f; memcpy(&f, &u, sizeof f); return f; }
  }
}

int ds_alloc_data(deq_dataset *ds, size_t n, size_t d, int lines)
{
  if (n == 0 || d == 0)
    DEQ_ERRORF(DEQ_EFORMAT, "%s: no data (%zu samples of dimension %zu)", ds->path, n, d);
  if (n > SIZE_MAX / d / sizeof(double) || n > (size_t) INT_MAX || d > (size_t) INT_MAX)
    DEQ_ERRORF(DEQ_ENOMEM, "%s: %zu samples of dimension %zu cannot be held (size or BLAS "
               "integer range)", ds->path, n, d);
  double bytes = (double) n * ((double) d * sizeof(double) + 2.0 * sizeof(size_t));
  if (deq_mem_check_job(bytes, 1, ds->path))
    return DEQ_ENOMEM;
  ds->x = malloc(n * d * sizeof *ds->x);
  ds->index = malloc(n * sizeof *ds->index);
  ds->line = lines ? malloc(n * sizeof *ds->line) : NULL;
  if (ds->x == NULL || ds->index == NULL || (lines && ds->line == NULL))
    DEQ_ERRORF(DEQ_ENOMEM, "%s: out of memory for %zu x %zu values", ds->path, n, d);
  ds->n = ds->n_file = n;
  ds->d = d;
  for (size_t a = 0; a < n; a++)
    ds->index[a] = a;
  return DEQ_SUCCESS;
}

int ds_read_binary(gzFile gz, deq_dataset *ds, ds_type t, int be)
{
  size_t w = ds_size[t], row = ds->d * w;
  unsigned char *buf = malloc(row);
  if (buf == NULL)
    DEQ_ERRORF(DEQ_ENOMEM, "%s: out of memory", ds->path);
  for (size_t a = 0; a < ds->n; a++) {
    size_t got = 0;
    while (got < row) {   /* gzread takes an unsigned count: read in pieces */
      size_t want = row - got < (size_t) INT_MAX ? row - got : (size_t) INT_MAX;
      int r = gzread(gz, buf + got, (unsigned) want);
      if (r <= 0)
        break;
      got += (size_t) r;
    }
    if (got < row) {
      free(buf);
      DEQ_ERRORF(DEQ_EFORMAT, "%s: data end at sample %zu of %zu (truncated file)", ds->path,
                 a + 1, ds->n);
    }
    double *x = ds->x + a * ds->d;
    for (size_t j = 0; j < ds->d; j++) {
      x[j] = load(buf + j * w, t, be);
      if (!isfinite(x[j])) {
        free(buf);
        DEQ_ERRORF(DEQ_EINVAL, "%s: entry (sample %zu, feature %zu) is %g, not a finite number",
                   ds->path, a + 1, j + 1, x[j]);
      }
    }
  }
  free(buf);
  return DEQ_SUCCESS;
}

/* ---- npy ------------------------------------------------------------------------------ */

static int npy_dtype(const deq_dataset *ds, const char *descr, ds_type *t)
{
  static const struct { const char *name; ds_type t; } tab[] = {
    { "<f8", DS_F64 }, { "<f4", DS_F32 }, { "|u1", DS_U8 }, { "<u1", DS_U8 }, { "|i1", DS_I8 },
    { "<i1", DS_I8 }, { "<i2", DS_I16 }, { "<i4", DS_I32 }, { "<i8", DS_I64 },
  };
  for (size_t k = 0; k < sizeof tab / sizeof tab[0]; k++)
    if (strcmp(descr, tab[k].name) == 0) {
      *t = tab[k].t;
      return DEQ_SUCCESS;
    }
  DEQ_ERRORF(DEQ_EFORMAT, "%s: npy dtype '%s' not supported (little-endian f8 f4 u1 i1 i2 "
             "i4 i8)", ds->path, descr);
}

/* The value of 'key' in the header dict: a pointer just past "'key':" and blanks. */
static const char *npy_value(const char *h, const char *key)
{
  const char *p = strstr(h, key);
  if (p == NULL || (p = strchr(p + strlen(key), ':')) == NULL)
    return NULL;
  for (p++; *p == ' '; p++)
    ;
  return p;
}

static int npy_shape(const deq_dataset *ds, const char *p, size_t *n, size_t *d)
{
  size_t dims = 0, prod = 1;
  if (p == NULL || *p != '(')
    DEQ_ERRORF(DEQ_EFORMAT, "%s: npy header without a shape", ds->path);
  for (p++;;) {
    while (*p == ' ' || *p == ',')
      p++;
    if (*p == ')')
      break;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(p, &end, 10);
    if (end == p || errno)
      DEQ_ERRORF(DEQ_EFORMAT, "%s: npy shape is malformed", ds->path);
    if (dims == 0)
      *n = (size_t) v;
    else if (v != 0 && prod > SIZE_MAX / v)
      DEQ_ERRORF(DEQ_EFORMAT, "%s: npy shape overflows", ds->path);
    else
      prod *= (size_t) v;
    dims++;
    p = end;
  }
  if (dims < 2)
    DEQ_ERRORF(DEQ_EFORMAT, "%s: npy array of %zu dimension(s): need (samples, features, ...)",
               ds->path, dims);
  *d = prod;
  return DEQ_SUCCESS;
}

static int npy_header(gzFile gz, deq_dataset *ds, char **h)
{
  unsigned char pre[12];
  if (gzread(gz, pre, 8) != 8 || (pre[6] < 1 || pre[6] > 3))
    DEQ_ERRORF(DEQ_EFORMAT, "%s: npy version %d not supported (1, 2, 3)", ds->path, pre[6]);
  size_t w = pre[6] == 1 ? 2 : 4;
  if (gzread(gz, pre + 8, (unsigned) w) != (int) w)
    DEQ_ERRORF(DEQ_EFORMAT, "%s: npy header is truncated", ds->path);
  size_t len = (size_t) load_uint(pre + 8, w, 0);
  if (len > DS_NPY_HEADER_MAX)
    DEQ_ERRORF(DEQ_EFORMAT, "%s: npy header of %zu bytes (at most %d)", ds->path, len,
               DS_NPY_HEADER_MAX);
  *h = calloc(len + 1, 1);
  if (*h == NULL)
    DEQ_ERRORF(DEQ_ENOMEM, "%s: out of memory", ds->path);
  if (gzread(gz, *h, (unsigned) len) != (int) len)
    DEQ_ERRORF(DEQ_EFORMAT, "%s: npy header is truncated", ds->path);
  return DEQ_SUCCESS;
}

static int npy_parse(const deq_dataset *ds, const char *h, ds_type *t, size_t *n, size_t *d)
{
  const char *p = npy_value(h, "'descr'"), *f = npy_value(h, "'fortran_order'");
  char descr[16] = "";
  if (p == NULL || (*p != '\'' && *p != '"'))
    DEQ_ERRORF(DEQ_EFORMAT, "%s: npy header without a descr", ds->path);
  size_t k = 0;
  for (p++; *p && *p != '\'' && *p != '"' && k + 1 < sizeof descr; p++)
    descr[k++] = *p;
  int s = npy_dtype(ds, descr, t);
  if (s)
    return s;
  if (f == NULL || strncmp(f, "False", 5) != 0)
    DEQ_ERRORF(DEQ_EFORMAT, "%s: npy array in Fortran order (C order needed: "
               "numpy.ascontiguousarray)", ds->path);
  return npy_shape(ds, npy_value(h, "'shape'"), n, d);
}

int ds_read_npy(gzFile gz, deq_dataset *ds)
{
  char *h = NULL;
  ds_type t = DS_F64;
  size_t n = 0, d = 0;
  int s = npy_header(gz, ds, &h);
  if (!s)
    s = npy_parse(ds, h, &t, &n, &d);
  free(h);
  if (!s)
    s = ds_alloc_data(ds, n, d, 0);
  return s ? s : ds_read_binary(gz, ds, t, 0);
}

/* ---- IDX ------------------------------------------------------------------------------ */

static int idx_type(const deq_dataset *ds, int code, ds_type *t)
{
  switch (code) {
  case 0x08: *t = DS_U8; return DEQ_SUCCESS;
  case 0x09: *t = DS_I8; return DEQ_SUCCESS;
  case 0x0B: *t = DS_I16; return DEQ_SUCCESS;
  case 0x0C: *t = DS_I32; return DEQ_SUCCESS;
  case 0x0D: *t = DS_F32; return DEQ_SUCCESS;
  case 0x0E: *t = DS_F64; return DEQ_SUCCESS;
  default:
    DEQ_ERRORF(DEQ_EFORMAT, "%s: IDX type 0x%02X not supported (0x08 0x09 0x0B 0x0C 0x0D "
               "0x0E)", ds->path, (unsigned) code);
  }
}

int ds_read_idx(gzFile gz, deq_dataset *ds)
{
  unsigned char m[4], b[4];
  ds_type t;
  if (gzread(gz, m, 4) != 4 || m[0] || m[1])
    DEQ_ERRORF(DEQ_EFORMAT, "%s: IDX magic is malformed", ds->path);
  int s = idx_type(ds, m[2], &t);
  if (s)
    return s;
  if (m[3] < 2 || m[3] > DS_IDX_MAXDIM)
    DEQ_ERRORF(DEQ_EFORMAT, "%s: IDX array of %d dimension(s): need 2..%d (a 1-D file holds "
               "labels, not samples)", ds->path, m[3], DS_IDX_MAXDIM);
  size_t n = 0, d = 1;
  for (int k = 0; k < m[3]; k++) {
    if (gzread(gz, b, 4) != 4)
      DEQ_ERRORF(DEQ_EFORMAT, "%s: IDX header is truncated", ds->path);
    size_t v = (size_t) load_uint(b, 4, 1);
    if (k == 0)
      n = v;
    else if (v != 0 && d > SIZE_MAX / v)
      DEQ_ERRORF(DEQ_EFORMAT, "%s: IDX sizes overflow", ds->path);
    else
      d *= v;
  }
  s = ds_alloc_data(ds, n, d, 0);
  return s ? s : ds_read_binary(gz, ds, t, 1);
}

/* Result tables and CSV input/output. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "deqnn/status.h"
#include "deqnn/table.h"
#include "core/check.h"

#define TABLE_MAXCOLS 100000   /* more columns than any CSV deqnn reads or writes */

static char *dup_string(const char *s)
{
  size_t n = strlen(s) + 1;
  char *d = malloc(n);
  if (d != NULL)
    memcpy(d, s, n);
  return d;
}

static deq_table *table_nomem(void)
{
  deq_error("table: out of memory", __FILE__, __LINE__, DEQ_ENOMEM);
  return NULL;
}

/* One report for the first bad argument of deq_table_alloc, or for no memory. */
static int alloc_args_bad(size_t ncols, const char *const *names, const int *types)
{
  DEQ_REQUIRE_RET(ncols >= 1 && ncols <= TABLE_MAXCOLS, 1,
                  "deq_table_alloc: ncols must be in 1..%d, got %zu", TABLE_MAXCOLS, ncols);
  DEQ_REQUIRE_RET(names != NULL, 1, "deq_table_alloc: names must not be NULL");
  for (size_t k = 0; k < ncols; k++) {
    DEQ_REQUIRE_RET(names[k] != NULL, 1, "deq_table_alloc: names[%zu] is NULL", k);
    DEQ_REQUIRE_RET(types == NULL || types[k] == DEQ_COL_NUM || types[k] == DEQ_COL_TEXT, 1,
                    "deq_table_alloc: types[%zu] = %d is not a column type", k, types[k]);
  }
  return 0;
}

deq_table *deq_table_alloc(size_t ncols, const char *const *names, const int *types)
{
  if (alloc_args_bad(ncols, names, types))
    return NULL;
  deq_table *t = calloc(1, sizeof *t);
  if (t == NULL || ncols == 0)
    return free(t), table_nomem();
  t->ncols = ncols;
  t->names = calloc(ncols, sizeof *t->names);
  t->types = calloc(ncols, sizeof *t->types);
  if (t->names == NULL || t->types == NULL)
    return deq_table_free(t), table_nomem();
  for (size_t k = 0; k < ncols; k++) {
    t->names[k] = dup_string(names[k]);
    t->types[k] = types ? types[k] : DEQ_COL_NUM;
    if (t->names[k] == NULL)
      return deq_table_free(t), table_nomem();
  }
  return t;
}

void deq_table_free(deq_table *t)
{
  if (t == NULL)
    return;
  for (size_t k = 0; t->names && k < t->ncols; k++)
    free(t->names[k]);
  for (size_t k = 0; t->text && k < t->nrows * t->ncols; k++)
    free(t->text[k]);
  for (size_t k = 0; k < t->ncomments; k++)
    free(t->comments[k]);
  free(t->names);
  free(t->types);
  free(t->num);
  free(t->text);
  free(t->comments);
  free(t);
}

static int grow(deq_table *t)
{
  size_t cap = t->cap ? 2 * t->cap : 64;
  double *num = realloc(t->num, cap * t->ncols * sizeof *num);
  if (num == NULL)
    DEQ_ERROR("table: out of memory", DEQ_ENOMEM);
  t->num = num;
  char **text = realloc(t->text, cap * t->ncols * sizeof *text);
  if (text == NULL)
    DEQ_ERROR("table: out of memory", DEQ_ENOMEM);
  t->text = text;
  t->cap = cap;
  return DEQ_SUCCESS;
}

int deq_table_add_row(deq_table *t, const double *num, const char *const *text)
{
  DEQ_CHECK_NULL(t, "t");
  if (t->nrows == t->cap && grow(t))
    return DEQ_ENOMEM;
  size_t base = t->nrows * t->ncols;
  for (size_t k = 0; k < t->ncols; k++) {
    t->num[base + k] = 0.0;
    t->text[base + k] = NULL;
  }
  for (size_t k = 0; k < t->ncols; k++) {
    if (t->types[k] == DEQ_COL_NUM) {
      t->num[base + k] = num ? num[k] : 0.0;
      continue;
    }
    t->text[base + k] = dup_string(text && text[k] ? text[k] : "");
    if (t->text[base + k] == NULL) {
      for (size_t j = 0; j < k; j++)
        free(t->text[base + j]);
      DEQ_ERROR("table: out of memory", DEQ_ENOMEM);
    }
  }
  t->nrows++;
  return DEQ_SUCCESS;
}

int deq_table_add_comment(deq_table *t, const char *fmt, ...)
{
  DEQ_CHECK_NULL(t, "t");
  DEQ_CHECK_NULL(fmt, "fmt");
  char buf[4096];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  for (char *p = buf; *p; p++)
    if (*p == '\n' || *p == '\r')
      *p = ' ';
  char **c = realloc(t->comments, (t->ncomments + 1) * sizeof *c);
  if (c == NULL)
    DEQ_ERROR("table: out of memory", DEQ_ENOMEM);
  t->comments = c;
  if ((c[t->ncomments] = dup_string(buf)) == NULL)
    DEQ_ERROR("table: out of memory", DEQ_ENOMEM);
  t->ncomments++;
  return DEQ_SUCCESS;
}

const char *deq_table_comment(const deq_table *t, const char *key)
{
  DEQ_CHECK_NULL_PTR(t, "t");
  DEQ_CHECK_NULL_PTR(key, "key");
  size_t n = strlen(key);
  for (size_t k = 0; k < t->ncomments; k++)
    if (strncmp(t->comments[k], key, n) == 0 && t->comments[k][n] == ':')
      return t->comments[k] + n + 1 + (t->comments[k][n + 1] == ' ');
  return NULL;
}

long deq_table_column(const deq_table *t, const char *name)
{
  DEQ_REQUIRE_RET(t != NULL && name != NULL, -1, "%s: t and name must not be NULL", __func__);
  for (size_t k = 0; k < t->ncols; k++)
    if (strcmp(t->names[k], name) == 0)
      return (long) k;
  return -1;
}

static void print_number(FILE *f, double v)
{
  if (isinf(v))
    fputs(v > 0 ? "inf" : "-inf", f);
  else if (isnan(v))
    fputs("nan", f);
  else
    fprintf(f, "%.17g", v);
}

int deq_table_fprint(const deq_table *t, FILE *f)
{
  DEQ_CHECK_NULL(t, "t");
  DEQ_CHECK_NULL(f, "f");
  /* The column header first, then the provenance comments: numpy.genfromtxt(names=True)
   * and pandas.read_csv(comment='#') take the first line for the names. */
  for (size_t k = 0; k < t->ncols; k++)
    fprintf(f, "%s%s", k ? "," : "", t->names[k]);
  fputc('\n', f);
  for (size_t k = 0; k < t->ncomments; k++)
    fprintf(f, "# %s\n", t->comments[k]);
  for (size_t r = 0; r < t->nrows; r++) {
    for (size_t k = 0; k < t->ncols; k++) {
      if (k)
        fputc(',', f);
      if (t->types[k] == DEQ_COL_NUM)
        print_number(f, t->num[r * t->ncols + k]);
      else
        fputs(t->text[r * t->ncols + k], f);
    }
    fputc('\n', f);
  }
  if (ferror(f))
    DEQ_ERROR("table: write error", DEQ_EIO);
  return DEQ_SUCCESS;
}

/* Only a regular file (or nothing) is renamed over: not a device, directory or link. */
static int replaceable(const char *path)
{
  struct stat st;
  if (lstat(path, &st) != 0)
    return errno == ENOENT;
  return S_ISREG(st.st_mode);
}

int deq_table_write(const deq_table *t, const char *path)
{
  DEQ_CHECK_NULL(t, "t");
  if (path == NULL || strcmp(path, "-") == 0) {
    int status = deq_table_fprint(t, stdout);
    return fflush(stdout) != 0 ? DEQ_EIO : status;
  }
  size_t n = strlen(path);
  char *tmp = malloc(n + 16);
  if (tmp == NULL)
    DEQ_ERROR("table: out of memory", DEQ_ENOMEM);
  snprintf(tmp, n + 16, "%s.tmp.XXXXXX", path);
  int fd = mkstemp(tmp);
  if (fd >= 0) {   /* mkstemp makes 0600: give the file the permissions of a normal one */
    mode_t mask = umask(0);
    umask(mask);
    fchmod(fd, 0666 & ~mask);
  }
  FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
  if (f == NULL) {
    if (fd >= 0)
      close(fd), unlink(tmp);
    deq_errorf(__FILE__, __LINE__, DEQ_EIO, "cannot write '%s': %s", path, strerror(errno));
    free(tmp);
    return DEQ_EIO;
  }
  int status = deq_table_fprint(t, f);
  if (fclose(f) != 0 && status == DEQ_SUCCESS)
    status = DEQ_EIO;
  if (status == DEQ_SUCCESS && !replaceable(path)) {
    unlink(tmp);
    free(tmp);
    DEQ_ERRORF(DEQ_EINVAL, "'%s' is a symbolic link or not a regular file: not replaced", path);
  }
  if (status == DEQ_SUCCESS && rename(tmp, path) != 0)
    status = DEQ_EIO;
  if (status != DEQ_SUCCESS) {
    unlink(tmp);
    deq_errorf(__FILE__, __LINE__, DEQ_EIO, "cannot write '%s': %s", path, strerror(errno));
  }
  free(tmp);
  return status;
}

/* ---- accessors (deqnn/table.h) ---- */

size_t deq_table_ncols(const deq_table *t)
{
  DEQ_REQUIRE_RET(t != NULL, 0, "%s: t must not be NULL", __func__);
  return t->ncols;
}

size_t deq_table_nrows(const deq_table *t)
{
  DEQ_REQUIRE_RET(t != NULL, 0, "%s: t must not be NULL", __func__);
  return t->nrows;
}

const char *deq_table_name(const deq_table *t, size_t c)
{
  DEQ_REQUIRE_RET(t != NULL && c < t->ncols, NULL, "%s: no column %zu", __func__, c);
  return t->names[c];
}

int deq_table_is_text(const deq_table *t, size_t c)
{
  DEQ_REQUIRE_RET(t != NULL && c < t->ncols, 0, "%s: no column %zu", __func__, c);
  return t->types[c] == DEQ_COL_TEXT;
}

const double *deq_table_values(const deq_table *t)
{
  DEQ_REQUIRE_RET(t != NULL, NULL, "%s: t must not be NULL", __func__);
  return t->num;
}

const char *deq_table_text_at(const deq_table *t, size_t r, size_t c)
{
  DEQ_REQUIRE_RET(t != NULL && r < t->nrows && c < t->ncols, NULL, "%s: no cell (%zu, %zu)",
                  __func__, r, c);
  return t->text[r * t->ncols + c];
}

size_t deq_table_text_column(const deq_table *t, size_t c, char *buf, size_t len)
{
  DEQ_REQUIRE_RET(t != NULL && c < t->ncols && (buf != NULL || len == 0), 0,
                  "%s: no column %zu (or buf NULL with len > 0)", __func__, c);
  size_t u = 0, w = 0;   /* bytes needed, bytes written */
  for (size_t r = 0; r < t->nrows; r++) {
    const char *s = t->text[r * t->ncols + c];
    size_t k = s != NULL ? strlen(s) : 0;
    if (w == u && u + k + 1 < len) {
      memcpy(buf + u, s != NULL ? s : "", k);
      buf[u + k] = '\n';
      w += k + 1;
    }
    u += k + 1;
  }
  if (len > 0)
    buf[w] = '\0';
  return u + 1;
}

size_t deq_table_ncomments(const deq_table *t)
{
  DEQ_REQUIRE_RET(t != NULL, 0, "%s: t must not be NULL", __func__);
  return t->ncomments;
}

const char *deq_table_comment_at(const deq_table *t, size_t i)
{
  DEQ_REQUIRE_RET(t != NULL && i < t->ncomments, NULL, "%s: no comment %zu", __func__, i);
  return t->comments[i];
}

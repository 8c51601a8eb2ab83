/* Reading the CSV form of a table back. */
#include <math.h>
#include <sys/types.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "deqnn/status.h"
#include "deqnn/table.h"
#include "core/check.h"

typedef struct {
  char **cells;   /* all data cells, row-major */
  size_t ncells, cap;
} cell_list;

static int push_cell(cell_list *c, const char *s, size_t len)
{
  if (c->ncells == c->cap) {
    size_t cap = c->cap ? 2 * c->cap : 256;
    char **p = realloc(c->cells, cap * sizeof *p);
    if (p == NULL)
      return DEQ_ENOMEM;
    c->cells = p;
    c->cap = cap;
  }
  char *d = malloc(len + 1);
  if (d == NULL)
    return DEQ_ENOMEM;
  memcpy(d, s, len);
  d[len] = '\0';
  c->cells[c->ncells++] = d;
  return DEQ_SUCCESS;
}

/* Printable text: no NUL and no control byte other than tab, CR and LF (UTF-8 passes). */
static int is_text(const char *line, size_t len)
{
  for (size_t k = 0; k < len; k++) {
    unsigned char c = (unsigned char) line[k];
    if ((c < 0x20 && c != '\t' && c != '\r' && c != '\n') || c == 0x7f)
      return 0;
  }
  return 1;
}

/* Column names: non-empty and distinct. */
static int check_header(const cell_list *hdr, const char *path, size_t lineno)
{
  for (size_t k = 0; k < hdr->ncells; k++) {
    if (hdr->cells[k][0] == '\0')
      DEQ_ERRORF(DEQ_EFORMAT, "%s:%zu: empty column name (column %zu)", path, lineno, k + 1);
    for (size_t j = 0; j < k; j++)
      if (strcmp(hdr->cells[j], hdr->cells[k]) == 0)
        DEQ_ERRORF(DEQ_EFORMAT, "%s:%zu: column '%s' appears twice", path, lineno, hdr->cells[k]);
  }
  return DEQ_SUCCESS;
}

static void chomp(char *line)
{
  size_t n = strlen(line);
  while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
    line[--n] = '\0';
}

/* Split a line at commas into c; returns the number of fields or -1 on no memory. */
static long split(const char *line, cell_list *c)
{
  long count = 0;
  for (const char *p = line;; count++) {
    const char *comma = strchr(p, ',');
    size_t len = comma ? (size_t) (comma - p) : strlen(p);
    if (push_cell(c, p, len))
      return -1;
    if (comma == NULL)
      return count + 1;
    p = comma + 1;
  }
}

static int parse_number(const char *s, double *v)
{
  char *end;
  if (*s == '\0')
    return 0;
  *v = strtod(s, &end);
  return *end == '\0';
}

static int build(cell_list *hdr, cell_list *rows, deq_table **out)
{
  size_t ncols = hdr->ncells, nrows = rows->ncells / ncols;
  int *types = calloc(ncols, sizeof *types);
  double *num = malloc(ncols * sizeof *num);
  const char **txt = malloc(ncols * sizeof *txt);
  deq_table *t = NULL;
  int status = DEQ_ENOMEM;
  if (types == NULL || num == NULL || txt == NULL)
    goto done;
  for (size_t k = 0; k < ncols; k++)
    for (size_t r = 0; r < nrows; r++) {
      double v;
      if (!parse_number(rows->cells[r * ncols + k], &v))
        types[k] = DEQ_COL_TEXT;
    }
  t = deq_table_alloc(ncols, (const char *const *) hdr->cells, types);
  if (t == NULL)
    goto done;
  status = DEQ_SUCCESS;
  for (size_t r = 0; r < nrows && status == DEQ_SUCCESS; r++) {
    for (size_t k = 0; k < ncols; k++) {
      txt[k] = rows->cells[r * ncols + k];
      num[k] = 0.0;
      if (types[k] == DEQ_COL_NUM)
        parse_number(txt[k], &num[k]);
    }
    status = deq_table_add_row(t, num, txt);
  }
done:
  free(types), free(num), free(txt);
  if (status) {
    deq_table_free(t);
    t = NULL;
  }
  *out = t;
  return status;
}

static void free_cells(cell_list *c)
{
  for (size_t k = 0; k < c->ncells; k++)
    free(c->cells[k]);
  free(c->cells);
}

static int read_stream(FILE *f, const char *path, deq_table **out)
{
  cell_list hdr = {0}, rows = {0}, com = {0};
  char *line = NULL;
  size_t cap = 0, lineno = 0;
  int status = DEQ_SUCCESS;
  ssize_t len;
  while (status == DEQ_SUCCESS && (len = getline(&line, &cap, f)) != -1) {
    lineno++;
    if (!is_text(line, (size_t) len)) {
      deq_errorf(__FILE__, __LINE__, DEQ_EFORMAT, "%s:%zu: not a text line (NUL or control "
                 "bytes)", path, lineno);
      status = DEQ_EFORMAT;
      break;
    }
    chomp(line);
    if (line[0] == '#') {   /* comments before the header (deqnn 0.1) or after it */
      const char *s = line + 1 + (line[1] == ' ');
      status = push_cell(&com, s, strlen(s));
    } else if (hdr.ncells == 0) {
      if (split(line, &hdr) < 1 || line[0] == '\0') {
        deq_errorf(__FILE__, __LINE__, DEQ_EFORMAT, "%s:%zu: missing header row", path, lineno);
        status = DEQ_EFORMAT;
      } else {
        status = check_header(&hdr, path, lineno);
      }
    } else if (line[0] != '\0') {
      long n = split(line, &rows);
      if (n != (long) hdr.ncells) {
        deq_errorf(__FILE__, __LINE__, DEQ_EFORMAT, "%s:%zu: %ld fields, header has %zu",
                   path, lineno, n, hdr.ncells);
        status = DEQ_EFORMAT;
      }
    }
  }
  free(line);
  if (status == DEQ_SUCCESS && hdr.ncells == 0) {
    deq_errorf(__FILE__, __LINE__, DEQ_EFORMAT, "%s: no header row", path);
    status = DEQ_EFORMAT;
  }
  if (status == DEQ_SUCCESS)
    status = build(&hdr, &rows, out);
  for (size_t k = 0; status == DEQ_SUCCESS && k < com.ncells; k++)
    status = deq_table_add_comment(*out, "%s", com.cells[k]);
  free_cells(&hdr), free_cells(&rows), free_cells(&com);
  return status;
}

int deq_table_read(const char *path, deq_table **t)
{
  DEQ_CHECK_NULL(path, "path");
  DEQ_CHECK_NULL(t, "t");
  *t = NULL;
  FILE *f = fopen(path, "r");
  if (f == NULL)
    DEQ_ERRORF(DEQ_EIO, "cannot open '%s'", path);
  int status = read_stream(f, path, t);
  fclose(f);
  if (status && *t) {
    deq_table_free(*t);
    *t = NULL;
  }
  return status;
}

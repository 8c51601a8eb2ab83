/* deqnn/table.h -- result tables and their CSV form.
 *
 * A table is a list of named columns, each of numbers or of text, plus `#` comment
 * lines of the form "key: value" (command line, version, revision, date, threads,
 * parameters, seeds).  The CSV form is: one header row, the comment lines, then one row per
 * record (the header first so that numpy.genfromtxt(names=True) and
 * pandas.read_csv(comment='#') read it; deqnn 0.1 wrote the comments first, and
 * deq_table_read accepts both).
 * Numbers are written with 17 significant digits ("inf" / "-inf" for infinities),
 * so that reading a file back gives the same doubles.
 *
 * deq_table_write writes to a temporary file in the target's directory and renames
 * it over the target only when every byte was written: a file that exists is whole.
 * Only a regular file is replaced: a target that is a symbolic link, a device, a
 * directory, a FIFO or a socket is left alone (DEQ_EINVAL, the temporary removed).
 */
#ifndef DEQ_TABLE_H
#define DEQ_TABLE_H

#include <stddef.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

enum { DEQ_COL_NUM = 0, DEQ_COL_TEXT = 1 };

typedef struct {
  size_t ncols, nrows, cap;
  char **names;        /* column names */
  int *types;          /* DEQ_COL_NUM or DEQ_COL_TEXT per column */
  double *num;         /* nrows x ncols, row-major (text columns hold 0) */
  char **text;         /* nrows x ncols, row-major (numeric columns hold NULL) */
  size_t ncomments;
  char **comments;     /* comment lines without the leading "# " */
} deq_table;

/* Empty table with the given columns; types may be NULL (all numeric).  NULL, reported,
 * for ncols 0, names or a name NULL, an unknown type, or no memory. */
deq_table *deq_table_alloc(size_t ncols, const char *const *names, const int *types);
void deq_table_free(deq_table *t);

/* Append a row: num[k] is used for numeric columns, text[k] for text columns
 * (text may be NULL when there is no text column).  Copies the strings. */
int deq_table_add_row(deq_table *t, const double *num, const char *const *text);

/* Append a comment line ("key: value" by convention). */
int deq_table_add_comment(deq_table *t, const char *fmt, ...)
#if defined(__GNUC__)
  __attribute__((format(printf, 2, 3)))
#endif
  ;

/* Value of the first comment "key: value" with this key, or NULL. */
const char *deq_table_comment(const deq_table *t, const char *key);

/* Index of the named column, or -1. */
long deq_table_column(const deq_table *t, const char *name);

/* Accessors for bindings that should not mirror the struct (python/deqnn): sizes, the
 * name of column c and whether it holds text, the row-major nrows x ncols numbers (text
 * columns hold 0), cell (r, c)'s text (NULL for numeric cells), comment line i (without
 * "# ").  Out-of-range indices or a NULL table: 0 or NULL, reported (DEQ_EINVAL). */
size_t deq_table_ncols(const deq_table *t);
size_t deq_table_nrows(const deq_table *t);
const char *deq_table_name(const deq_table *t, size_t c);
int deq_table_is_text(const deq_table *t, size_t c);
const double *deq_table_values(const deq_table *t);
const char *deq_table_text_at(const deq_table *t, size_t r, size_t c);
/* Column c's cells, each followed by '\n' (numeric cells empty), NUL-terminated in buf (len
 * bytes; cells that do not fit are left out whole): one call for a whole text column.
 * Returns the bytes the whole column needs, NUL included (0, reported, for a bad c). */
size_t deq_table_text_column(const deq_table *t, size_t c, char *buf, size_t len);
size_t deq_table_ncomments(const deq_table *t);
const char *deq_table_comment_at(const deq_table *t, size_t i);

/* Write as CSV to a stream (no atomicity). */
int deq_table_fprint(const deq_table *t, FILE *f);

/* Write as CSV to path atomically; path NULL or "-" writes to stdout. */
int deq_table_write(const deq_table *t, const char *path);

/* Read a CSV written by deq_table_write (comment lines may come before or after the
 * header, and between rows).  A column is numeric if every cell of it
 * parses as a number.  Malformed files give DEQ_EFORMAT with the line number: rows whose
 * field count differs from the header's, a missing header, empty or repeated column names,
 * and bytes that are not text (NUL, control characters other than tab, CR, LF). */
int deq_table_read(const char *path, deq_table **t);

#ifdef __cplusplus
}
#endif
#endif

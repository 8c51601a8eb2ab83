/* Reference-curve checks: compare two tables within their recorded error bars. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "deqnn/compare.h"
#include "deqnn/status.h"
#include "core/check.h"

/* Whether `name` is the error column of some value column (not compared itself). */
static int is_error_column(const deq_table *ref, const char *name)
{
  const char *spec = deq_table_comment(ref, "error-columns");
  size_t n = strlen(name);
  for (const char *p = spec; p != NULL && (p = strchr(p, ':')) != NULL; p++)
    if (strncmp(p + 1, name, n) == 0 && (p[n + 1] == ',' || p[n + 1] == '\0'))
      return 1;
  return 0;
}

/* Error column of value column `name` from "error-columns: v:e,...", or -1. */
static long error_column(const deq_table *ref, const deq_table *t, const char *name)
{
  const char *spec = deq_table_comment(ref, "error-columns");
  size_t n = strlen(name);
  for (const char *p = spec; p != NULL && *p;) {
    const char *colon = strchr(p, ':'), *comma = strchr(p, ',');
    if (colon == NULL)
      break;
    if ((size_t) (colon - p) == n && strncmp(p, name, n) == 0) {
      char buf[128];
      size_t len = comma ? (size_t) (comma - colon - 1) : strlen(colon + 1);
      if (len >= sizeof buf)
        return -1;
      memcpy(buf, colon + 1, len);
      buf[len] = '\0';
      return deq_table_column(t, buf);
    }
    p = comma ? comma + 1 : NULL;
  }
  return -1;
}

typedef struct {
  double excess;
  size_t row;
  const char *col;
  double ref, got, tol;
  const char *ref_text, *got_text;   /* text cells (NULL for numbers) */
} deviation;

static void keep_worst(deviation *worst, size_t lines, const deviation *d)
{
  for (size_t k = 0; k < lines; k++)
    if (worst[k].col == NULL || d->excess > worst[k].excess) {
      memmove(worst + k + 1, worst + k, (lines - k - 1) * sizeof *worst);
      worst[k] = *d;
      return;
    }
}

/* Non-finite values must be the same non-finite value (nan matches nan: a failed row that
 * fails again the same way agrees with its reference). */
static int cell_ok(double a, double b, double tol)
{
  if (isnan(a) || isnan(b))
    return isnan(a) && isnan(b);
  if (isinf(a) || isinf(b))
    return a == b;
  return fabs(a - b) <= tol;
}

int deq_compare_tables(const deq_table *ref, const deq_table *got, size_t lines,
                       char *report, size_t report_len, size_t *nbad)
{
  DEQ_CHECK(ref != NULL && got != NULL && report != NULL && nbad != NULL,
            "%s: ref, got, report and nbad must not be NULL", __func__);
  DEQ_CHECK(report_len >= 1, "%s: report_len must be >= 1", __func__);
  deviation worst[16] = { { 0 } };
  lines = lines > 16 ? 16 : lines;
  *nbad = 0;
  report[0] = '\0';
  if (ref->nrows != got->nrows)
    DEQ_ERRORF(DEQ_EFORMAT, "check: %zu rows in the reference, %zu recomputed",
               ref->nrows, got->nrows);
  for (size_t c = 0; c < ref->ncols; c++) {
    if (strncmp(ref->names[c], "sim_", 4) == 0 || is_error_column(ref, ref->names[c]))
      continue;
    long g = deq_table_column(got, ref->names[c]);
    if (g < 0)
      DEQ_ERRORF(DEQ_EFORMAT, "check: column '%s' not recomputed", ref->names[c]);
    long er = error_column(ref, ref, ref->names[c]), eg = error_column(ref, got, ref->names[c]);
    for (size_t r = 0; r < ref->nrows; r++) {
      size_t ir = r * ref->ncols + c, ig = r * got->ncols + (size_t) g;
      if (ref->types[c] == DEQ_COL_TEXT || got->types[g] == DEQ_COL_TEXT) {
        const char *a = ref->text[ir] ? ref->text[ir] : "", *b = got->text[ig] ? got->text[ig] : "";
        if (strcmp(a, b) != 0) {
          (*nbad)++;
          deviation d = { INFINITY, r, ref->names[c], NAN, NAN, 0, a, b };
          keep_worst(worst, lines, &d);
        }
        continue;
      }
      double a = ref->num[ir], b = got->num[ig];
      double tol = 1e-12 * fmax(fabs(a), 1e-300);
      if (er >= 0 && eg >= 0)
        tol += ref->num[r * ref->ncols + (size_t) er] + got->num[r * got->ncols + (size_t) eg];
      if (!cell_ok(a, b, tol)) {
        (*nbad)++;
        double excess = isfinite(a - b) ? fabs(a - b) / fmax(tol, 1e-300) : INFINITY;
        deviation d = { excess, r, ref->names[c], a, b, tol, NULL, NULL };
        keep_worst(worst, lines, &d);
      }
    }
  }
  size_t used = 0;
  for (size_t k = 0; k < lines && worst[k].col != NULL && used < report_len; k++) {
    const deviation *w = &worst[k];
    if (w->ref_text != NULL)
      used += (size_t) snprintf(report + used, report_len - used,
                                "  row %zu column %s: reference '%s', now '%s'\n", w->row + 1,
                                w->col, w->ref_text, w->got_text);
    else
      used += (size_t) snprintf(report + used, report_len - used,
                                "  row %zu column %s: reference %.17g, now %.17g (allowed %.3g)\n",
                                w->row + 1, w->col, w->ref, w->got, w->tol);
  }
  return DEQ_SUCCESS;
}

/* Largest finite |value| of column c. */
static double column_scale(const deq_table *t, size_t c)
{
  double s = 0.0;
  for (size_t r = 0; r < t->nrows; r++) {
    double v = fabs(t->num[r * t->ncols + c]);
    if (isfinite(v) && v > s)
      s = v;
  }
  return s;
}

/* One value column v and its error column e. */
static int check_error_column(const deq_table *t, size_t v, size_t e)
{
  double scale = column_scale(t, v);
  for (size_t r = 0; r < t->nrows; r++) {
    double val = t->num[r * t->ncols + v], err = t->num[r * t->ncols + e];
    double cap = DEQ_ERR_MAX_REL * fmax(isfinite(val) ? fabs(val) : 0.0, DEQ_ERR_FLOOR * scale);
    if (!(err >= 0 && isfinite(err)) || (isfinite(val) && err > cap))
      DEQ_ERRORF(DEQ_EFORMAT, "row %zu column %s: error bar %g is not sane (finite, >= 0 and at "
                 "most %g x max(|%s|, %g x the column's largest |%s|) = %g)", r + 1,
                 t->names[e], err, DEQ_ERR_MAX_REL, t->names[v], DEQ_ERR_FLOOR, t->names[v], cap);
  }
  return DEQ_SUCCESS;
}

int deq_check_error_bars(const deq_table *t)
{
  DEQ_CHECK_NULL(t, "t");
  const char *spec = deq_table_comment(t, "error-columns");
  for (const char *p = spec; p != NULL && *p;) {
    const char *colon = strchr(p, ':'), *comma = strchr(p, ',');
    char name[128];
    size_t len = colon ? (size_t) (colon - p) : 0;
    if (colon == NULL || len == 0 || len >= sizeof name || (comma && comma < colon))
      DEQ_ERRORF(DEQ_EFORMAT, "malformed error-columns comment '%s'", spec);
    memcpy(name, p, len);
    name[len] = '\0';
    long v = deq_table_column(t, name), e = error_column(t, t, name);
    if (v >= 0 && e >= 0 && t->types[v] == DEQ_COL_NUM && t->types[e] == DEQ_COL_NUM) {
      int s = check_error_column(t, (size_t) v, (size_t) e);
      if (s)
        return s;
    } else if (v >= 0 || e >= 0) {
      DEQ_ERRORF(DEQ_EFORMAT, "value column '%s' and its error column: both present and numeric, "
                 "or both absent", name);
    }
    p = comma ? comma + 1 : NULL;
  }
  return DEQ_SUCCESS;
}

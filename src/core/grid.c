/* Grids and numeric parsing. */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "deqnn/grid.h"
#include "deqnn/status.h"
#include "core/check.h"

deq_grid *deq_grid_alloc(size_t n)
{
  DEQ_REQUIRE_RET(n >= 1 && n <= DEQ_GRID_MAX, NULL,
                  "%s: n must be in 1..%d, got %zu", __func__, DEQ_GRID_MAX, n);
  deq_grid *g = malloc(sizeof *g);
  if (g != NULL && (g->x = malloc(n * sizeof *g->x)) == NULL) {
    free(g);
    g = NULL;
  }
  if (g == NULL) {
    deq_errorf(__FILE__, __LINE__, DEQ_ENOMEM, "grid: out of memory for %zu points", n);
    return NULL;
  }
  g->n = n;
  return g;
}

void deq_grid_free(deq_grid *g)
{
  if (g == NULL)
    return;
  free(g->x);
  free(g);
}

static int check_range(double a, double b, size_t n, const char *name)
{
  if (!isfinite(a) || !isfinite(b))
    DEQ_ERRORF(DEQ_EINVAL, "%s: grid end points must be finite", name);
  if (!isfinite(b - a))
    DEQ_ERRORF(DEQ_EINVAL, "%s: grid range %g:%g is too wide (B - A overflows)", name, a, b);
  if (n == 0)
    DEQ_ERRORF(DEQ_EINVAL, "%s: grid is empty (K = 0)", name);
  if (n > DEQ_GRID_MAX)
    DEQ_ERRORF(DEQ_EINVAL, "%s: grid has more than %d points", name, DEQ_GRID_MAX);
  if (a > b)
    DEQ_ERRORF(DEQ_EINVAL, "%s: reversed grid (%g > %g)", name, a, b);
  if (!isfinite(b - a))
    DEQ_ERRORF(DEQ_EINVAL, "%s: grid width %g - (%g) overflows", name, b, a);
  if (a == b && n != 1)
    DEQ_ERRORF(DEQ_EINVAL, "%s: grid of %zu points on the empty range [%g, %g]", name, n, a, b);
  if (a < b && n == 1)
    DEQ_ERRORF(DEQ_EINVAL, "%s: a range %g:%g needs at least 2 points", name, a, b);
  return DEQ_SUCCESS;
}

int deq_grid_linspace(double a, double b, size_t n, deq_grid **g)
{
  DEQ_CHECK_NULL(g, "g");
  int status = check_range(a, b, n, "grid");
  if (status)
    return status;
  *g = deq_grid_alloc(n);   /* reports its own failure */
  if (*g == NULL)
    return DEQ_ENOMEM;
  for (size_t k = 0; k < n; k++)
    (*g)->x[k] = n == 1 ? a : a + (b - a) * (double) k / (double) (n - 1);
  if (n > 1)
    (*g)->x[n - 1] = b;
  return DEQ_SUCCESS;
}

int deq_grid_logspace(double a, double b, size_t n, deq_grid **g)
{
  DEQ_CHECK_NULL(g, "g");
  DEQ_CHECK(b > 0, "grid: log grid needs a positive end, got %g", b);
  if (!(a > 0))
    DEQ_ERRORF(DEQ_EINVAL, "grid: log grid needs a positive start, got %g", a);
  int status = deq_grid_linspace(log(a), log(b), n, g);
  if (status)
    return status;
  for (size_t k = 0; k < n; k++)
    (*g)->x[k] = exp((*g)->x[k]);
  (*g)->x[0] = a;
  (*g)->x[n - 1] = b;
  return DEQ_SUCCESS;
}

int deq_parse_double(const char *text, const char *name, double *out)
{
  DEQ_CHECK_NULL(name, "name");
  DEQ_CHECK_NULL(out, "out");
  char *end;
  if (text == NULL || *text == '\0')
    DEQ_ERRORF(DEQ_EINVAL, "%s: expected a number, got an empty string", name);
  errno = 0;
  double v = strtod(text, &end);
  if (*end != '\0' || end == text)
    DEQ_ERRORF(DEQ_EINVAL, "%s: '%s' is not a number", name, text);
  if (!isfinite(v) || (errno == ERANGE && fabs(v) >= DBL_MIN))   /* subnormals are finite */
    DEQ_ERRORF(DEQ_EINVAL, "%s: '%s' is not a finite number", name, text);
  *out = v;
  return DEQ_SUCCESS;
}

int deq_parse_long(const char *text, const char *name, long *out)
{
  DEQ_CHECK_NULL(name, "name");
  DEQ_CHECK_NULL(out, "out");
  char *end;
  if (text == NULL || *text == '\0')
    DEQ_ERRORF(DEQ_EINVAL, "%s: expected an integer, got an empty string", name);
  errno = 0;
  long v = strtol(text, &end, 10);
  if (*end != '\0' || end == text || errno == ERANGE)
    DEQ_ERRORF(DEQ_EINVAL, "%s: '%s' is not an integer", name, text);
  if (v < 0)
    DEQ_ERRORF(DEQ_EINVAL, "%s: must be non-negative, got %ld", name, v);
  *out = v;
  return DEQ_SUCCESS;
}

int deq_parse_list(const char *text, const char *name, double *out, size_t nmax, size_t *n)
{
  DEQ_CHECK_NULL(name, "name");
  DEQ_CHECK_NULL(out, "out");
  DEQ_CHECK_NULL(n, "n");
  DEQ_CHECK(nmax >= 1, "%s: nmax must be >= 1", name);
  char buf[64];
  size_t count = 0;
  const char *p = text;
  if (text == NULL || *text == '\0')
    DEQ_ERRORF(DEQ_EINVAL, "%s: empty list", name);
  for (;;) {
    const char *comma = strchr(p, ',');
    size_t len = comma ? (size_t) (comma - p) : strlen(p);
    if (len == 0 || len >= sizeof buf)
      DEQ_ERRORF(DEQ_EINVAL, "%s: malformed list '%s'", name, text);
    if (count == nmax)
      DEQ_ERRORF(DEQ_EINVAL, "%s: more than %zu values", name, nmax);
    memcpy(buf, p, len);
    buf[len] = '\0';
    int status = deq_parse_double(buf, name, &out[count]);
    if (status)
      return status;
    count++;
    if (comma == NULL)
      break;
    p = comma + 1;
  }
  *n = count;
  return DEQ_SUCCESS;
}

static int parse_range(const char *text, const char *name, deq_grid **g)
{
  char buf[256];
  char *field[4];
  int nf = 0;
  if (strlen(text) >= sizeof buf)
    DEQ_ERRORF(DEQ_EINVAL, "%s: grid text too long", name);
  strcpy(buf, text);
  for (char *p = buf; nf < 4;) {
    field[nf++] = p;
    p = strchr(p, ':');
    if (p == NULL)
      break;
    *p++ = '\0';
  }
  if (nf < 3 || (nf == 4 && strcmp(field[3], "log") != 0))
    DEQ_ERRORF(DEQ_EINVAL, "%s: expected A:B:K or A:B:K:log, got '%s'", name, text);
  double a, b;
  long k;
  int status = deq_parse_double(field[0], name, &a);
  if (!status) status = deq_parse_double(field[1], name, &b);
  if (!status) status = deq_parse_long(field[2], name, &k);
  if (!status) status = check_range(a, b, (size_t) k, name);
  if (status)
    return status;
  if (nf == 4 && !(a > 0))
    DEQ_ERRORF(DEQ_EINVAL, "%s: log grid needs a positive start, got %g", name, a);
  return nf == 4 ? deq_grid_logspace(a, b, (size_t) k, g)
                 : deq_grid_linspace(a, b, (size_t) k, g);
}

int deq_grid_parse(const char *text, const char *name, deq_grid **g)
{
  DEQ_CHECK_NULL(name, "name");
  DEQ_CHECK_NULL(g, "g");
  *g = NULL;
  if (text == NULL || *text == '\0')
    DEQ_ERRORF(DEQ_EINVAL, "%s: empty grid", name);
  if (strchr(text, ':') != NULL)
    return parse_range(text, name, g);
  size_t nmax = 1;
  for (const char *p = text; *p; p++)
    nmax += *p == ',';
  deq_grid *h = nmax <= DEQ_GRID_MAX ? deq_grid_alloc(nmax) : NULL;   /* reports a failure */
  if (nmax > DEQ_GRID_MAX)
    DEQ_ERRORF(DEQ_EINVAL, "%s: more than %d values", name, DEQ_GRID_MAX);
  if (h == NULL)
    return DEQ_ENOMEM;
  int status = deq_parse_list(text, name, h->x, nmax, &h->n);
  for (size_t k = 1; status == DEQ_SUCCESS && k < h->n; k++)
    if (!(h->x[k] > h->x[k - 1])) {
      deq_errorf(__FILE__, __LINE__, DEQ_EINVAL, "%s: list must be strictly increasing", name);
      status = DEQ_EINVAL;
    }
  if (status) {
    deq_grid_free(h);
    return status;
  }
  *g = h;
  return DEQ_SUCCESS;
}

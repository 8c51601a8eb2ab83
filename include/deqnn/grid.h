/* deqnn/grid.h -- evaluation grids and numeric lists.
 *
 * A grid is a finite, strictly increasing list of finite reals.  Text forms:
 *   "A:B:K"      K >= 1 points equally spaced from A to B (K = 1 needs A == B)
 *   "A:B:K:log"  K points equally spaced in log from A to B (0 < A)
 *   "x1,x2,..."  an explicit list (must be strictly increasing)
 * A reversed range (A > B), K = 0, a non-number or a decreasing list is DEQ_EINVAL,
 * reported with the parameter name given by the caller.
 */
#ifndef DEQ_GRID_H
#define DEQ_GRID_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DEQ_GRID_MAX 10000000  /* largest accepted number of points */

typedef struct {
  size_t n;   /* number of points */
  double *x;  /* the points, increasing */
} deq_grid;

/* Allocate a grid of n points (values uninitialised); NULL, reported, if n is outside
 * 1..DEQ_GRID_MAX (DEQ_EINVAL) or out of memory (DEQ_ENOMEM). */
deq_grid *deq_grid_alloc(size_t n);
void deq_grid_free(deq_grid *g);

/* n equally spaced points from a to b (a < b, or a == b with n == 1); *g is allocated. */
int deq_grid_linspace(double a, double b, size_t n, deq_grid **g);

/* n log-spaced points from a to b, 0 < a < b. */
int deq_grid_logspace(double a, double b, size_t n, deq_grid **g);

/* Parse one of the text forms above; `name` is used in error messages ("--x"). */
int deq_grid_parse(const char *text, const char *name, deq_grid **g);

/* Parse a comma-separated list of finite doubles (not necessarily increasing) into
 * out[0..*n-1], at most nmax values.  Errors name `name`. */
int deq_parse_list(const char *text, const char *name, double *out, size_t nmax, size_t *n);

/* Parse one finite double; errors name `name`. */
int deq_parse_double(const char *text, const char *name, double *out);

/* Parse a non-negative integer that fits in long; errors name `name`. */
int deq_parse_long(const char *text, const char *name, long *out);

#ifdef __cplusplus
}
#endif
#endif

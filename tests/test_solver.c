/* Tests for the iterative-solve driver (core/solver.h): one table of problems with known
 * roots runs over every algorithm type; each root must lie within the solver's error bar,
 * and the bar must not be absurdly wide.  Then every failure path on purpose. */
#include <float.h>
#include <math.h>
#include "testutil.h"
#include "core/solver.h"

/* A root of cos x = x (the Dottie number), to the last digit. */
static const double dottie = 0.73908513321516064166;

/* F = cos x - x (Newton: with J), for Newton, Brent, bisection. */
static int dottie_fn(const double complex *x, void *p, double complex *F, double complex *J)
{
  (void) p;
  F[0] = ccos(x[0]) - x[0];
  if (J != NULL)
    J[0] = -csin(x[0]) - 1.0;
  return DEQ_SUCCESS;
}

/* x - cos x: <= 0 on the lower side of the root, as the bisection type expects. */
static int dottie_sign(const double complex *x, void *p, double complex *F, double complex *J)
{
  (void) p;
  (void) J;
  F[0] = creal(x[0]) - cos(creal(x[0]));
  return DEQ_SUCCESS;
}

/* Fixed point of G(x) = cos x: F = G(x) - x. */
static int cos_map(const double complex *x, void *p, double complex *F, double complex *J)
{
  (void) p;
  (void) J;
  F[0] = cos(creal(x[0])) - creal(x[0]);
  return DEQ_SUCCESS;
}

/* g(h) = dottie + 3 h with an error of 1 ulp: its limit as h -> 0 is the root. */
static int linear_limit(const double complex *h, void *p, double complex *F, double complex *J)
{
  (void) p;
  (void) J;
  F[0] = dottie + 3.0 * creal(h[0]);
  F[1] = DBL_EPSILON;
  return DEQ_SUCCESS;
}

typedef struct {
  const deq_solver_type *const *type;
  deq_solver_fn *f;
  double complex x0[2];
  double width_factor;   /* the bar may exceed the actual error by at most this factor,
                            plus 4 ulp of the root: a bar inflated 1e6-fold fails */
} problem;

static void run_problem(const problem *pr)
{
  deq_solver *s = deq_solver_alloc(*pr->type, 1);
  assert_non_null(s);
  double complex x[2] = { pr->x0[0], pr->x0[1] };
  int status = deq_solver_solve(s, pr->f, NULL, NULL, x);
  if (status != DEQ_SUCCESS)
    fail_msg("%s: status %d", (*pr->type)->name, status);
  double err = deq_solver_error(s), actual = fabs(creal(x[0]) - dottie);
  if (!(actual <= err + 2 * DBL_EPSILON))
    fail_msg("%s: error bar %.3g does not cover %.3g", (*pr->type)->name, err, actual);
  if (!(err <= pr->width_factor * actual + 1e-12))
    fail_msg("%s: error bar %.3g absurdly wide for %.3g", (*pr->type)->name, err, actual);
  assert_true(s->iters >= 1);
  deq_solver_free(s);
}

static void test_types_table(void **state)
{
  (void) state;
  /* width factors: a bracket is at most tol_step |x| or bisect_tol_rel wide, far below
   * 1e-12; the fixed point's contraction bound is a bound (~r/(1-r) steps) so it may exceed
   * the actual error, but not by the 1e-12 slack; the limit's bar is its last change. */
  const problem table[] = {
    { &deq_solver_newton, dottie_fn, { 1.0, 0 }, 1e3 },
    { &deq_solver_brent, dottie_fn, { 0.0, 1.0 }, 1e3 },
    { &deq_solver_bisection, dottie_sign, { 0.0, 1.0 }, 1e3 },
    { &deq_solver_fixpoint, cos_map, { 1.0, 0 }, 1e3 },
    { &deq_solver_limit, linear_limit, { 1e-3, 0 }, 1e3 },
  };
  for (size_t k = 0; k < sizeof table / sizeof *table; k++)
    run_problem(&table[k]);
}

/* A zeroed bar must fail the covering test: the limit's value differs from the limit by
 * 3h, which only the bar accounts for. */
static void test_limit_bar_is_needed(void **state)
{
  (void) state;
  deq_solver *s = deq_solver_alloc(deq_solver_limit, 1);
  double complex h = 1e-2;
  assert_int_equal(deq_solver_solve(s, linear_limit, NULL, NULL, &h), DEQ_SUCCESS);
  double actual = fabs(creal(s->F[0]) - dottie);
  assert_true(actual > 0);                       /* a zero bar would not cover it */
  assert_true(actual <= deq_solver_error(s));
  deq_solver_free(s);
}

static int circle_fn(const double complex *x, void *p, double complex *F, double complex *J)
{
  (void) p;
  F[0] = x[0] * x[0] + x[1] * x[1] - 4.0;
  F[1] = x[0] * x[1] - 1.0;
  if (J != NULL) {
    J[0] = 2.0 * x[0], J[1] = 2.0 * x[1];
    J[2] = x[1], J[3] = x[0];
  }
  return DEQ_SUCCESS;
}

static void test_newton_2d(void **state)
{
  (void) state;
  deq_solver *s = deq_solver_alloc(deq_solver_newton, 2);
  double complex x[2] = { 2.0, 0.5 };
  assert_int_equal(deq_solver_solve(s, circle_fn, NULL, NULL, x), DEQ_SUCCESS);
  double a = sqrt(2.0 + sqrt(3.0)), b = sqrt(2.0 - sqrt(3.0));  /* (a, b): a^2 + b^2 = 4, ab = 1 */
  assert_close(creal(x[0]), a, 1e-13);
  assert_close(creal(x[1]), b, 1e-13);
  assert_true(s->resid < 1e-11);
  deq_solver_free(s);
}

static int failing_fn(const double complex *x, void *p, double complex *F, double complex *J)
{
  (void) x, (void) p, (void) J;
  F[0] = NAN;
  F[1] = NAN;
  return DEQ_EBADFUNC;
}

static int no_root_fn(const double complex *x, void *p, double complex *F, double complex *J)
{
  (void) p;
  F[0] = x[0] * x[0] + 1.0;   /* no real root: Newton from a real start never converges */
  if (J != NULL)
    J[0] = 2.0 * x[0];
  return DEQ_SUCCESS;
}

static void test_failures(void **state)
{
  (void) state;
  const deq_solver_type *const *types[] = { &deq_solver_newton, &deq_solver_brent,
                                            &deq_solver_bisection, &deq_solver_fixpoint,
                                            &deq_solver_limit };
  for (size_t k = 0; k < 5; k++) {   /* the user function's status comes back */
    deq_solver *s = deq_solver_alloc(*types[k], 1);
    double complex x[2] = { 0.25, 0.75 };
    assert_int_equal(deq_solver_solve(s, failing_fn, NULL, NULL, x), DEQ_EBADFUNC);
    deq_solver_free(s);
  }
  deq_opts o;
  deq_opts_init(&o);
  o.max_iter = 3;   /* the cap: EMAXITER, with the last iterate kept */
  deq_solver *s = deq_solver_alloc(deq_solver_newton, 1);
  double complex x = 0.5;
  assert_int_equal(deq_solver_solve(s, no_root_fn, NULL, &o, &x), DEQ_EMAXITER);
  assert_true(isfinite(creal(x)));
  deq_solver_free(s);
  s = deq_solver_alloc(deq_solver_brent, 1);   /* no sign change: an invalid bracket */
  double complex br[2] = { 2.0, 3.0 };
  assert_int_equal(deq_solver_solve(s, dottie_fn, NULL, NULL, br), DEQ_EINVAL);
  deq_solver_free(s);
  assert_null(deq_solver_alloc(deq_solver_newton, 0));
  assert_null(deq_solver_alloc(NULL, 1));
  deq_solver_free(NULL);
}

/* Options are checked by name before any solve (quad_limit = 0 used to reach GSL's abort). */
static void test_opts_check(void **state)
{
  (void) state;
  deq_opts o;
  deq_opts_init(&o);
  o.quad_limit = 0;
  assert_int_equal(deq_opts_check(&o), DEQ_EINVAL);
  deq_opts_init(&o);
  assert_int_equal(deq_opts_check(&o), DEQ_SUCCESS);
  o.limit_factor = 1.0;
  assert_int_equal(deq_opts_check(&o), DEQ_EINVAL);
  deq_opts_init(&o);
  o.bisect_max_iter = 0;
  assert_int_equal(deq_opts_check(&o), DEQ_EINVAL);
  assert_int_equal(deq_opts_check(NULL), DEQ_SUCCESS);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_types_table),
    cmocka_unit_test(test_limit_bar_is_needed),
    cmocka_unit_test(test_newton_2d),
    cmocka_unit_test(test_failures),
    cmocka_unit_test(test_opts_check),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

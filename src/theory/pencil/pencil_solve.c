/* Pencil solver: ladder in Im z (ck_ntk S18), continuation, error estimates and branch tests. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "theory/pencil/pencil_impl.h"
#include "core/check.h"


/* Internal functions take zeta, the offset of z from r + pen->shift (see pencil.c). */
static int newton_at(deq_pencil *pen, double complex z)
{
  pen->zeta = z;
  if (pen->J == 0)
    return DEQ_SUCCESS;
  return deq_solver_solve(pen->nws, deq_pencil_newton_fn, pen, &pen->opts, pen->u);
}

/* Branch test at the current solution (Im z > 0 only). */
static int branch_ok(deq_pencil *pen, double complex z)
{
  if (!(cimag(z) > 0))
    return 1;
  deq_pencil_state *s = &pen->st;
  deq_pencil_forward(pen, pen->shift, z, pen->u, s);
  if (!(cimag(s->m) > 0))
    return 0;
  for (size_t j = 1; j <= pen->J; j++)
    if (cimag(pen->u[j - 1]) < -pencil_branch_tol * cabs(pen->u[j - 1])
        || cimag(s->t[j]) < -pencil_branch_tol * cabs(s->t[j]))
      return 0;
  return cimag(s->t[0]) >= -pencil_branch_tol * cabs(s->t[0]);
}

static int rung(deq_pencil *pen, double complex z)
{
  int status = newton_at(pen, z);
  if (status == DEQ_SUCCESS && !branch_ok(pen, z))
    status = DEQ_EBRANCH;
  return status;
}

/* Rung from height y0 to y1 at abscissa x; on failure the rung is split into 8 geometric
 * sub-rungs, recursively up to `depth` levels (near a square-root edge the root moves like
 * sqrt(y) while Newton's basin shrinks like y, so the ladder needs finer steps there). */
static int rung_safe(deq_pencil *pen, double x, double y0, double y1, int depth)
{
  double complex save[MAXJ];
  memcpy(save, pen->u, pen->J * sizeof *save);
  if (rung(pen, x + I * y1) == DEQ_SUCCESS)
    return DEQ_SUCCESS;
  memcpy(pen->u, save, pen->J * sizeof *save);
  if (depth == 0)
    return DEQ_EMAXITER;
  int status = DEQ_SUCCESS;
  double ya = y0;
  for (int k = 1; k <= pencil_ladder_split && status == DEQ_SUCCESS; k++) {
    double yb = y0 * pow(y1 / y0, k / (double) pencil_ladder_split);
    status = rung_safe(pen, x, ya, yb, depth - 1);
    ya = yb;
  }
  return status;
}

/* Ladder ck_ntk S18: from Re z + iY down to Im z (> 0) on a geometric ladder. */
static int ladder(deq_pencil *pen, double complex z)
{
  double x = creal(z), yt = cimag(z), Y = pen->opts.ladder_height * pen->scale;
  double complex z0 = yt >= Y ? z : x + I * Y;
  for (size_t j = 0; j < pen->J; j++)
    pen->u[j] = -1.0 / (pen->r + pen->shift + z0);   /* ck_ntk S17 at the full z */
  int status = rung(pen, z0);
  int K = pen->opts.ladder_steps;
  double y = cimag(z0), ratio = pow(yt / y, 1.0 / K);
  for (int k = 1; k <= K && status == DEQ_SUCCESS && y > yt; k++) {
    double y1 = k == K ? yt : y * ratio;
    status = rung_safe(pen, x, y, y1, pencil_ladder_depth);
    y = y1;
  }
  return status;
}

/* Error of m from the adjoint g (J^T g = dm/du) and m'(z); see pencil.h. */
static int finalize(deq_pencil *pen, double complex z, deq_cresult *m, double complex *mprime)
{
  size_t J = pen->J;
  deq_pencil_state *s = &pen->st;
  double complex e[MAXJ] = { 0 }, dmdu[MAXJ], dEz[MAXJ + 1], dmz;
  deq_pencil_forward(pen, pen->shift, z, pen->u, s);
  deq_pencil_tangent(pen, pen->u, NULL, 1.0, s);
  m->val = s->m;
  dmz = s->dm;
  double err = pencil_round_ulps * DBL_EPSILON * s->msum, slack[MAXJ];
  for (size_t j = 1; j <= J; j++) {
    dEz[j] = s->dE[j];
    slack[j - 1] = cabs(s->E[j]) + pencil_slack_ulps * DBL_EPSILON * (cabs(pen->u[j - 1]) + cabs(s->t[j - 1])
                                                      + cabs(s->m));
  }
  for (size_t k = 0; k < J; k++) {
    e[k] = 1;
    deq_pencil_tangent(pen, pen->u, e, 0, s);
    e[k] = 0;
    dmdu[k] = s->dm;
    for (size_t i = 0; i < J; i++)
      pen->Jac[i * J + k] = s->dE[i + 1];
  }
  int singular = J > 0 && deq_clu_factor(J, pen->Jac, pen->perm);
  if (!singular && J > 0) {
    memcpy(pen->g, dmdu, J * sizeof *dmdu);
    deq_clu_solve(J, pen->Jac, pen->perm, 1, pen->g);
  }
  double complex mp = dmz;
  for (size_t j = 0; j < J && !singular; j++) {
    err += cabs(pen->g[j]) * slack[j];
    mp -= pen->g[j] * dEz[j + 1];
  }
  m->err = singular || !isfinite(err) ? INFINITY : err;
  if (mprime != NULL)
    *mprime = singular ? INFINITY : mp;
  return m->err < INFINITY ? DEQ_SUCCESS : DEQ_ETOL;
}

int deq_pencil_solve(deq_pencil *pen, double complex z, int allow_continuation,
                     deq_cresult *m, double complex *mprime)
{
  return deq_pencil_solve_at(pen, creal(z) - pen->r, I * cimag(z), allow_continuation, m, mprime);
}

int deq_pencil_solve_at(deq_pencil *pen, double shift, double complex z, int allow_continuation,
                        deq_cresult *m, double complex *mprime)
{
  int status = DEQ_EMAXITER;
  pen->shift = shift;
  if (allow_continuation && pen->have_u)
    status = rung(pen, z);
  if (status != DEQ_SUCCESS)
    status = ladder(pen, z);
  pen->have_u = status == DEQ_SUCCESS;
  int fstatus = finalize(pen, z, m, mprime);
  if (status == DEQ_SUCCESS && !branch_ok(pen, z))
    status = DEQ_EBRANCH;
  return deq_status_merge(status, fstatus);
}

/* Real x: the kernel location c = r + q_0 x_k nearest to x (a candidate atom) becomes the
 * exact shift when x is within the atom window, and the ladder ends below the distance to
 * it, so that m ~ w/(c - x) keeps its precision next to an atom (m(-1e-20) of a CK with an
 * atom at 0 is 0.415e20, not a number of order 1). */
static double real_axis_shift(const deq_pencil *pen, double x, double *height)
{
  double shift = x - pen->r, dist = INFINITY;
  for (size_t k = 0; k < pen->natoms; k++) {
    double c = pen->qq[0] * pen->ax[k], d = fabs(x - (pen->r + c));
    if (d < dist && d <= pencil_atom_window_rel * pen->scale) {
      dist = d;
      shift = c;
    }
  }
  *height = pencil_real_axis_rel * fmin(pen->scale, dist);
  return shift;
}

/* The contract of a Stieltjes transform on the real axis outside the a-priori support bound
 * [lo, hi]: real (the imaginary part was dropped as round-off), m > 0 left of the bound and
 * m < 0 right of it. */
static int real_sign_ok(const deq_pencil *pen, double x, double complex m)
{
  if (x < pen->lo)
    return creal(m) > 0 && cimag(m) == 0;
  if (x > pen->hi)
    return creal(m) < 0 && cimag(m) == 0;
  return 1;
}

/* m at real x (the limit from C+): the ladder to just above the axis, then Newton on it. */
static int stieltjes_real(deq_pencil *pen, double x, deq_cresult *m)
{
  double height;
  pen->shift = real_axis_shift(pen, x, &height);
  double zeta = x - (pen->r + pen->shift);
  int status = height > 0 ? ladder(pen, zeta + I * height) : DEQ_EDIVERGE;
  if (status == DEQ_SUCCESS)
    status = newton_at(pen, zeta);
  pen->have_u = 0;
  status = deq_status_merge(status, finalize(pen, zeta, m, NULL));
  if (fabs(cimag(m->val)) <= pencil_real_imag_rel * cabs(m->val))
    m->val = creal(m->val);
  else if (cimag(m->val) < 0)
    status = deq_status_merge(status, DEQ_EBRANCH);
  if (status == DEQ_SUCCESS && !real_sign_ok(pen, x, m->val))
    status = DEQ_EBRANCH;
  return status;
}

int deq_pencil_stieltjes(deq_pencil *pen, double complex z, deq_cresult *m, double complex *t)
{
  DEQ_CHECK_NULL(pen, "pen");
  DEQ_CHECK_NULL(m, "m");
  int conj_z = cimag(z) < 0;
  double complex zz = conj_z ? conj(z) : z;
  if (!isfinite(creal(z)) || !isfinite(cimag(z)))
    DEQ_ERROR("pencil: z must be finite", DEQ_EINVAL);
  int status;
  if (cimag(zz) == 0) {
    status = stieltjes_real(pen, creal(zz), m);
  } else {
    status = deq_pencil_solve(pen, zz, 0, m, NULL);
  }
  if (t != NULL)
    for (size_t l = 0; l <= pen->par.L; l++) {
      size_t j = l + (pen->J - pen->par.L);
      t[l] = conj_z ? conj(pen->st.t[j]) : pen->st.t[j];
    }
  if (conj_z)
    m->val = conj(m->val);
  if (status)
    DEQ_ERRORF(status, "pencil: m(%g%+gi) %s", creal(z), cimag(z), deq_strerror(status));
  return DEQ_SUCCESS;
}

static int atom_at_shift(deq_pencil *pen, double shift, deq_result *mass);

#define DENSITY_ATOMS 16   /* kernel locations checked by the density (base atoms) */

/* The atom term w/(c - z) of a kernel location c within 1e-2 scale of x: the density
 * reports the continuous part, so the atom's Lorentzian w eta/((x - c)^2 + eta^2) is removed
 * (further away it is below the eta |m'| part of the error bar anyway).
 * Masses are computed once per location (cache), and continuation restarts after. */
static void atom_term(deq_pencil *pen, double x, double eta, deq_result *cache, int *known,
                      double complex *term, double complex *dterm, double *err)
{
  *term = *dterm = 0.0;
  *err = 0.0;
  size_t nk = pen->natoms < DENSITY_ATOMS ? pen->natoms : DENSITY_ATOMS;
  for (size_t k = 0; k < nk; k++) {
    double shift = pen->qq[0] * pen->ax[k], c = pen->r + shift;
    if (!(fabs(x - c) <= pencil_atom_window_rel * pen->scale))
      continue;
    if (!known[k]) {
      if (atom_at_shift(pen, shift, &cache[k]) != DEQ_SUCCESS)
        cache[k].val = 0.0, cache[k].err = INFINITY;
      known[k] = 1;
      pen->have_u = 0;
    }
    double complex d = c - (x + I * eta);
    *term = cache[k].val / d;
    *dterm = cache[k].val / (d * d);
    *err = cache[k].err / cabs(d);
    return;
  }
}

/* A point reached by continuation from a point outside the support may sit on a spurious,
 * nearly real root inside it (density 0 with a tiny bar where the truth is positive).  A
 * real m that belongs to the measure obeys Cauchy-Schwarz, m'(x) = int dmu/(t - x)^2 >=
 * m(x)^2; a root that breaks it is solved again from the ladder (found by tests/test_bars.c:
 * an NTK with rho(2.0524) = 0 +- 2.5e-14 for a true 0.3624). */
static int outside_plausible(double complex m, double complex mp)
{
  return creal(mp) >= creal(m) * creal(m) * (1.0 - pencil_cs_slack);
}

int deq_pencil_density(deq_pencil *pen, size_t n, const double *x, deq_result *rho, int *status)
{
  DEQ_CHECK_NULL(pen, "pen");
  DEQ_CHECK_NULL(x, "x");
  DEQ_CHECK_NULL(rho, "rho");
  DEQ_CHECK_NULL(status, "status");
  DEQ_CHECK(n >= 1, "%s: n must be >= 1", __func__);
  double eta = pen->opts.eta_rel * pen->scale;
  deq_result cache[DENSITY_ATOMS];
  int known[DENSITY_ATOMS] = { 0 }, first = DEQ_SUCCESS, outside = 0;
  pen->have_u = 0;
  for (size_t i = 0; i < n; i++) {
    deq_cresult m;
    double complex mp, term, dterm;
    double aerr;
    status[i] = isfinite(x[i]) ? deq_pencil_solve(pen, x[i] + I * eta, 1, &m, &mp) : DEQ_EINVAL;
    if (outside && status[i] == DEQ_SUCCESS && !outside_plausible(m.val, mp))
      status[i] = deq_pencil_solve(pen, x[i] + I * eta, 0, &m, &mp);
    if (status[i] == DEQ_EINVAL)
      m.val = NAN, m.err = INFINITY, mp = 0;
    atom_term(pen, x[i], eta, cache, known, &term, &dterm, &aerr);
    m.val -= term;
    mp -= dterm;
    double v = cimag(m.val) / M_PI, err = (m.err + aerr + eta * cabs(mp)) / M_PI;
    if (v <= err) {
      err = fmax(err, fabs(v));
      v = 0.0;
    }
    rho[i].val = v;
    rho[i].err = err;
    if (status[i] == DEQ_SUCCESS && !deq_results_finite(&rho[i], 1))
      status[i] = DEQ_ETOL;   /* an atom next to x whose mass was not found: no bar */
    outside = v == 0.0;
    first = deq_status_merge(first, status[i]);
  }
  if (first)
    DEQ_ERRORF(first, "pencil: density %s at some points", deq_strerror(first));
  return DEQ_SUCCESS;
}

typedef struct {
  deq_pencil *pen;
  double shift;
} atom_point;

/* g(eps) = eps Im m(r + shift + i eps) and its error, for the limit solver. */
static int atom_fn(const double complex *eps, void *params, double complex *F,
                   double complex *J)
{
  (void) J;
  atom_point *a = params;
  deq_cresult m;
  double h = creal(eps[0]);
  int status = deq_pencil_solve_at(a->pen, a->shift, I * h, 0, &m, NULL);
  F[0] = h * cimag(m.val);
  F[1] = h * m.err;
  return status;
}

/* eps Im m(x + i eps) = w + O(eps/dist) at x = r + shift: the limit eps -> 0 by the limit
 * solver (limit_factor, limit_agree, limit_max_evals; an atom next to a bulk much closer than
 * the spectral scale needs a small eps).  The shift is exact for the candidates of
 * deq_pencil_atoms.  At the evaluation cap the last change stays in the error bar, which
 * must be below pencil_atom_err_max. */
static int atom_at_shift(deq_pencil *pen, double shift, deq_result *mass)
{
  atom_point a = { pen, shift };
  double complex w = pencil_atom_eps_rel * pen->scale;   /* in: eps_0; out: the mass */
  int status = deq_solver_solve(pen->lim, atom_fn, &a, &pen->opts, &w);
  if (status == DEQ_EMAXITER)
    status = DEQ_SUCCESS;
  double err = deq_solver_error(pen->lim);
  if (status == DEQ_SUCCESS && !(err <= pencil_atom_err_max))
    status = DEQ_ETOL;
  mass->val = creal(w);
  mass->err = err;
  if (mass->val < pencil_atom_min_mass) {
    mass->err = fmax(mass->err, fabs(mass->val));
    mass->val = 0.0;
  }
  if (status)
    DEQ_ERRORF(status, "pencil: atom mass %s", deq_strerror(status));
  return DEQ_SUCCESS;
}

int deq_pencil_atom(deq_pencil *pen, double x0, deq_result *mass)
{
  DEQ_CHECK_NULL(pen, "pen");
  DEQ_CHECK_NULL(mass, "mass");
  if (!isfinite(x0))
    DEQ_ERROR("pencil: atom location must be finite", DEQ_EINVAL);
  double shift = x0 - pen->r;
  for (size_t k = 0; k < pen->natoms; k++)   /* a candidate: use its exact shift */
    if (x0 == pen->r + pen->qq[0] * pen->ax[k])
      shift = pen->qq[0] * pen->ax[k];
  return atom_at_shift(pen, shift, mass);
}

/* The smallest eps of the atom limit: candidates closer than this cannot be told apart
 * (their eps Im m picks up both masses), so they are one atom (two at r and r - 3.9e-100
 * summed to 2). */
static double atom_resolution(const deq_pencil *pen)
{
  return pencil_atom_eps_rel * pen->scale
         * pow(pen->opts.limit_factor, (double) (pen->opts.limit_max_evals - 1));
}

static int cmp_double(const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

/* Candidates: the kernel of the layer part sits at r + q_base x_k for each base atom x_k
 * (Gaussian data: q_base = 0, so only r). */
int deq_pencil_atoms(deq_pencil *pen, size_t max, double *pos, deq_result *mass, size_t *count)
{
  DEQ_CHECK_NULL(pen, "pen");
  DEQ_CHECK_NULL(pos, "pos");
  DEQ_CHECK_NULL(mass, "mass");
  DEQ_CHECK_NULL(count, "count");
  DEQ_CHECK(max >= 1, "%s: max must be >= 1", __func__);
  size_t nc = 0;
  double *cand = malloc(pen->natoms * sizeof *cand);
  if (cand == NULL)
    DEQ_ERROR("pencil: out of memory", DEQ_ENOMEM);
  for (size_t k = 0; k < pen->natoms; k++)
    cand[k] = pen->qq[0] * pen->ax[k];   /* exact shifts from r */
  qsort(cand, pen->natoms, sizeof *cand, cmp_double);
  int status = DEQ_SUCCESS;
  *count = 0;
  double merge = atom_resolution(pen);
  for (size_t k = 0; k < pen->natoms && status == DEQ_SUCCESS; k++) {
    if (k > 0 && cand[k] - cand[k - 1] <= merge)
      continue;   /* closer than the limit can resolve: one atom */
    deq_result w;
    status = atom_at_shift(pen, cand[k], &w);
    if (status == DEQ_SUCCESS && w.val > 0 && nc < max) {
      pos[nc] = pen->r + cand[k];
      mass[nc++] = w;
    }
  }
  free(cand);
  *count = nc;
  return status;
}

/* Pencil solver: the unfolded recursion ck_ntk S14-S17 with ck_ntk S20, and its continuation. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "theory/pencil/pencil_impl.h"
#include "core/check.h"

static int check_params(const deq_pencil_params *par)
{
  DEQ_CHECK((int) par->input.kind >= (int) DEQ_DATA_GAUSSIAN
            && (int) par->input.kind <= (int) DEQ_DATA_ATOMS,
            "input law: unknown kind %d", (int) par->input.kind);
  DEQ_CHECK(par->input.kind != DEQ_DATA_ATOMS || par->input.natoms <= SIZE_MAX / sizeof(double),
            "input law: natoms = %zu is too large", par->input.natoms);
  if (par->L > DEQ_PENCIL_MAXL)
    DEQ_ERRORF(DEQ_EINVAL, "layers: at most %d layers, got %zu", DEQ_PENCIL_MAXL, par->L);
  for (size_t l = 0; l <= par->L; l++) {
    if (!(par->gamma[l] >= DEQ_RATIO_MIN && par->gamma[l] <= DEQ_RATIO_MAX))
      DEQ_ERRORF(DEQ_EINVAL, "ratio gamma_%zu: must lie in [%g, %g], got %g", l, DEQ_RATIO_MIN,
                 DEQ_RATIO_MAX, par->gamma[l]);
    if (!(fabs(par->q[l]) <= DEQ_COEF_MAX))
      DEQ_ERRORF(DEQ_EINVAL, "coefficient q_%zu: must be finite with |q| <= %g, got %g", l,
                 DEQ_COEF_MAX, par->q[l]);
    if (l > 0 && !(par->b[l] >= 0 && par->b[l] <= 1))
      DEQ_ERRORF(DEQ_EINVAL, "constant b_%zu: must lie in [0, 1], got %g", l, par->b[l]);
  }
  if (!(fabs(par->r) <= DEQ_COEF_MAX))
    DEQ_ERRORF(DEQ_EINVAL, "shift r: must be finite with |r| <= %g, got %g", DEQ_COEF_MAX,
               par->r);
  if (par->input.kind == DEQ_DATA_ORTHONORMAL && par->gamma[0] > 1)
    DEQ_ERRORF(DEQ_EINVAL, "ratio gamma_0: orthonormal inputs need n <= d_0, got %g",
               par->gamma[0]);
  return DEQ_SUCCESS;
}

static int check_atoms(const deq_input_law *in)
{
  double mass = 0, mean = 0;
  if (in->natoms == 0 || in->x == NULL || in->p == NULL)
    DEQ_ERROR("input law: no atoms given", DEQ_EINVAL);
  for (size_t k = 0; k < in->natoms; k++) {
    if (!(in->x[k] >= 0) || !isfinite(in->x[k]) || !(in->p[k] >= 0) || !isfinite(in->p[k]))
      DEQ_ERRORF(DEQ_EINVAL, "input law: atom %zu must have x >= 0 and p >= 0", k);
    mass += in->p[k];
    mean += in->p[k] * in->x[k];
  }
  if (fabs(mass - 1) > pencil_atoms_tol)
    DEQ_ERRORF(DEQ_EINVAL, "input law: weights sum to %.17g, not 1", mass);
  if (fabs(mean - 1) > pencil_atoms_tol)
    DEQ_ERRORF(DEQ_EINVAL, "input law: mean %.17g, must be 1 (ck_ntk S9)", mean);
  return DEQ_SUCCESS;
}

/* Levels of ck_ntk S14 in 1-based order; Gaussian data adds the data level of ck_ntk S20. */
static void set_levels(deq_pencil *pen)
{
  const deq_pencil_params *par = &pen->par;
  int gauss = par->input.kind == DEQ_DATA_GAUSSIAN;
  pen->J = par->L + (size_t) gauss;
  pen->qq[0] = gauss ? 0.0 : par->q[0];
  if (gauss) {
    pen->gam[1] = par->gamma[0];
    pen->bb[1] = 1.0;
    pen->qq[1] = par->q[0];
  }
  for (size_t l = 1; l <= par->L; l++) {
    size_t j = l + (size_t) gauss;
    pen->gam[j] = par->gamma[l];
    pen->bb[j] = par->b[l];
    pen->qq[j] = par->q[l];
  }
}

/* Operator-norm bounds U_l of supp mu_l (ck_ntk S25) and the spectral scale (ck_ntk S18). */
static void set_bounds(deq_pencil *pen)
{
  const deq_pencil_params *par = &pen->par;
  double U = 0, gmax = 0, lo = 0, hi = 0, qabs = 0;
  for (size_t k = 0; k < pen->natoms; k++)
    U = fmax(U, pen->ax[k]);
  if (par->input.kind == DEQ_DATA_GAUSSIAN)
    U = pow(1 + sqrt(par->gamma[0]), 2);
  for (size_t l = 0; l <= par->L; l++) {
    if (l > 0)
      U = pow(1 + sqrt(par->gamma[l]), 2) * (1 - par->b[l] + par->b[l] * U);
    if (par->q[l] > 0)
      hi += par->q[l] * U;
    else
      lo += par->q[l] * U;
    gmax = fmax(gmax, par->gamma[l]);
    qabs += fabs(par->q[l]);
  }
  pen->r = par->r;
  pen->lo = par->r + lo;
  pen->hi = par->r + hi;
  pen->scale = fabs(par->r) + qabs * pow(1 + gmax, 2);
  if (!(pen->scale > 0))
    pen->scale = 1.0;
}

int deq_pencil_alloc(const deq_pencil_params *par, const deq_opts *opts, deq_pencil **out)
{
  DEQ_CHECK_NULL(out, "pen");
  *out = NULL;
  DEQ_CHECK_NULL(par, "par");
  *out = NULL;
  int status = deq_opts_check(opts);
  if (!status)
    status = check_params(par);
  if (!status && par->input.kind == DEQ_DATA_ATOMS)
    status = check_atoms(&par->input);
  if (status)
    return status;
  deq_pencil *pen = calloc(1, sizeof *pen);
  size_t na = par->input.kind == DEQ_DATA_ATOMS ? par->input.natoms : 1;
  if (pen == NULL)
    DEQ_ERROR("pencil: out of memory", DEQ_ENOMEM);
  pen->par = *par;
  pen->opts = *deq_opts_or_default(opts);
  pen->natoms = na;
  pen->ax = malloc(na * sizeof *pen->ax);
  pen->ap = malloc(na * sizeof *pen->ap);
  pen->inv = malloc(na * sizeof *pen->inv);
  set_levels(pen);
  pen->nws = deq_solver_alloc(deq_solver_newton, pen->J > 0 ? pen->J : 1);
  pen->bis = deq_solver_alloc(deq_solver_bisection, 1);
  pen->lim = deq_solver_alloc(deq_solver_limit, 1);
  if (pen->ax == NULL || pen->ap == NULL || pen->inv == NULL || pen->nws == NULL
      || pen->bis == NULL || pen->lim == NULL) {
    deq_pencil_free(pen);
    DEQ_ERROR("pencil: out of memory", DEQ_ENOMEM);
  }
  for (size_t k = 0; k < na; k++) {
    pen->ax[k] = par->input.kind == DEQ_DATA_ATOMS ? par->input.x[k] : 1.0;
    pen->ap[k] = par->input.kind == DEQ_DATA_ATOMS ? par->input.p[k] : 1.0;
  }
  pen->par.input.x = pen->ax;
  pen->par.input.p = pen->ap;
  set_bounds(pen);
  *out = pen;
  return DEQ_SUCCESS;
}

void deq_pencil_free(deq_pencil *pen)
{
  if (pen == NULL)
    return;
  deq_solver_free(pen->nws);
  deq_solver_free(pen->bis);
  deq_solver_free(pen->lim);
  free(pen->ax);
  free(pen->ap);
  free(pen->inv);
  free(pen);
}

double deq_pencil_scale(const deq_pencil *pen)
{
  DEQ_CHECK_NULL_NAN(pen, "pen");
  return pen->scale;
}

void deq_pencil_bound(const deq_pencil *pen, double *lo, double *hi)
{
  DEQ_CHECK_NULL_VOID(pen, "pen");
  DEQ_CHECK_NULL_VOID(lo, "lo");
  DEQ_CHECK_NULL_VOID(hi, "hi");
  *lo = pen->lo;
  *hi = pen->hi;
}

/* Values of ck_ntk S14-S16 at z = r + shift + zeta and u.  w_j is carried as w_j - shift (so
 * w_J = zeta) and C_0 as q_0 + crest, and the bottom denominators are formed as
 * (q_0 x_k - shift) + (crest x_k - w_0): at an atom r + q_0 x_k the first bracket is exactly
 * 0 and the denominator keeps its relative precision however small zeta is.  The
 * reciprocals are kept in pen->inv for the tangent passes. */
void deq_pencil_forward(deq_pencil *pen, double shift, double complex zeta,
                        const double complex *u, deq_pencil_state *s)
{
  size_t J = pen->J;
  s->C[J] = pen->qq[J];
  s->w[J] = zeta;
  s->crest = 0;
  for (size_t j = J; j >= 1; j--) {
    double b = pen->bb[j];
    s->tau[j] = 1.0 / (1.0 + s->C[j] * pen->gam[j] * u[j - 1]);
    double complex ct = s->C[j] * s->tau[j];
    s->C[j - 1] = pen->qq[j - 1] + b * ct;
    s->w[j - 1] = s->w[j] - (1 - b) * ct;
    if (j == 1)
      s->crest = b * ct;
  }
  s->m = s->t[0] = 0;
  s->msum = 0;
  for (size_t k = 0; k < pen->natoms; k++) {
    double x = pen->ax[k];
    double complex inv = 1.0 / ((pen->qq[0] * x - shift) + (s->crest * x - s->w[0]));
    pen->inv[k] = inv;
    s->m += pen->ap[k] * inv;
    s->t[0] += pen->ap[k] * x * inv;
    s->msum += pen->ap[k] * (fabs(creal(inv)) + fabs(cimag(inv)));  /* >= |inv|, no hypot */
  }
  for (size_t j = 1; j <= J; j++) {
    double b = pen->bb[j];
    s->t[j] = u[j - 1] * s->tau[j];
    s->E[j] = u[j - 1] - (b * s->t[j - 1] + (1 - b) * s->m);
  }
}

/* Derivatives along (du, dz) at the point of the last deq_pencil_forward (du may be
 * NULL): multiplications only, no divisions. */
void deq_pencil_tangent(const deq_pencil *pen, const double complex *u, const double complex *du,
                        double complex dz, deq_pencil_state *s)
{
  size_t J = pen->J;
  s->dC[J] = 0;
  s->dw[J] = dz;
  for (size_t j = J; j >= 1; j--) {
    double b = pen->bb[j];
    double complex duj = du ? du[j - 1] : 0;
    s->dtau[j] = -s->tau[j] * s->tau[j] * pen->gam[j] * (s->dC[j] * u[j - 1] + s->C[j] * duj);
    double complex dct = s->dC[j] * s->tau[j] + s->C[j] * s->dtau[j];
    s->dC[j - 1] = b * dct;
    s->dw[j - 1] = s->dw[j] - (1 - b) * dct;
  }
  s->dm = s->dt[0] = 0;
  for (size_t k = 0; k < pen->natoms; k++) {
    double complex d = -(s->dC[0] * pen->ax[k] - s->dw[0]) * pen->inv[k] * pen->inv[k];
    s->dm += pen->ap[k] * d;
    s->dt[0] += pen->ap[k] * pen->ax[k] * d;
  }
  for (size_t j = 1; j <= J; j++) {
    double b = pen->bb[j];
    double complex duj = du ? du[j - 1] : 0;
    s->dt[j] = duj * s->tau[j] + u[j - 1] * s->dtau[j];
    s->dE[j] = duj - (b * s->dt[j - 1] + (1 - b) * s->dm);
  }
}

/* Newton callback: F = E(u) and J[i][k] = dE_i/du_k by forward-mode passes. */
int deq_pencil_newton_fn(const double complex *u, void *params, double complex *F, double complex *Jac)
{
  deq_pencil *pen = params;
  size_t J = pen->J;
  double complex e[MAXJ] = { 0 };
  deq_pencil_forward(pen, pen->shift, pen->zeta, u, &pen->st);
  for (size_t i = 0; i < J; i++) {
    F[i] = pen->st.E[i + 1];
    if (!isfinite(creal(F[i])) || !isfinite(cimag(F[i])))
      return DEQ_EBADFUNC;
  }
  for (size_t k = 0; Jac != NULL && k < J; k++) {
    e[k] = 1;
    deq_pencil_tangent(pen, u, e, 0, &pen->st);
    e[k] = 0;
    for (size_t i = 0; i < J; i++)
      Jac[i * J + k] = pen->st.dE[i + 1];
  }
  return DEQ_SUCCESS;
}

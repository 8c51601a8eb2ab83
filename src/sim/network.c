/* Deep random network: workspace sized to the job, random draw and forward pass
 * (ck_ntk.md sections 1, 9). */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cblas.h>
#include <lapacke.h>
#include "core/mem.h"
#include "core/check.h"
#include "sim/network_impl.h"

#define GIB (1024.0 * 1024.0 * 1024.0)
/* The activation runs over pieces of this many entries (512 KiB: in L2 when the finiteness
 * check reads them back; 8 of deq_act_apply's chunks, split over OpenMP threads for the
 * activations that are not vector loops). */
#define ACT_PIECE ((size_t) 1 << 16)

static int check_sizes(const deq_network_spec *s)
{
  if (s->n < 1)
    DEQ_ERROR("spec.n: need at least one sample, got 0", DEQ_EINVAL);
  if (s->n > INT_MAX)
    DEQ_ERRORF(DEQ_EINVAL, "spec.n: %zu exceeds the BLAS integer range %d", s->n, INT_MAX);
  if (s->L < 1 || s->L > DEQ_NETWORK_MAXL)
    DEQ_ERRORF(DEQ_EINVAL, "spec.L: need 1 <= L <= %d hidden layers, got %zu",
               DEQ_NETWORK_MAXL, s->L);
  for (size_t l = 0; l <= s->L; l++) {
    if (s->d[l] < 1)
      DEQ_ERRORF(DEQ_EINVAL, "spec.d[%zu]: width must be >= 1, got 0", l);
    if (s->d[l] > INT_MAX)
      DEQ_ERRORF(DEQ_EINVAL, "spec.d[%zu]: %zu exceeds the BLAS integer range %d",
                 l, s->d[l], INT_MAX);
  }
  return DEQ_SUCCESS;
}

/* FIXED input: the caller's X_0 is there and finite (O(d_0 n), once per workspace). */
static int check_fixed(const deq_network_spec *s)
{
  if (s->x0 == NULL)
    DEQ_ERROR("spec.x0: NULL input matrix for DEQ_INPUT_FIXED", DEQ_EINVAL);
  for (size_t a = 0; a < s->n; a++)
    for (size_t i = 0; i < s->d[0]; i++)
      if (!isfinite(s->x0[a * s->d[0] + i]))
        DEQ_ERRORF(DEQ_EINVAL, "spec.x0: entry (sample %zu, feature %zu) is %g", a, i,
                   s->x0[a * s->d[0] + i]);
  return DEQ_SUCCESS;
}

static int check_spec(const deq_network_spec *s)
{
  if (s == NULL)
    DEQ_ERROR("spec: NULL network specification", DEQ_EINVAL);
  int status = check_sizes(s);
  if (status)
    return status;
  if ((int) s->input < 0 || (int) s->input > (int) DEQ_INPUT_FIXED)
    DEQ_ERRORF(DEQ_EINVAL, "spec.input: unknown input kind %d", (int) s->input);
  if ((int) s->readout < 0 || (int) s->readout > (int) DEQ_READOUT_RADEMACHER)
    DEQ_ERRORF(DEQ_EINVAL, "spec.readout: unknown read-out kind %d", (int) s->readout);
  if ((int) s->need < 0 || (int) s->need > (int) DEQ_NETWORK_NTK_ONLY)
    DEQ_ERRORF(DEQ_EINVAL, "spec.need: unknown workspace kind %d", (int) s->need);
  if ((int) s->act.kind < 0 || (int) s->act.kind > (int) DEQ_ACT_POLY)
    DEQ_ERRORF(DEQ_EINVAL, "spec.act: unknown activation kind %d", (int) s->act.kind);
  for (int k = 0; k < 4 && s->act.kind == DEQ_ACT_POLY; k++)
    if (!isfinite(s->act.c[k]))
      DEQ_ERRORF(DEQ_EINVAL, "spec.act: non-finite poly coefficient c[%d] = %g", k, s->act.c[k]);
  if (s->input == DEQ_INPUT_ORTHONORMAL && s->n > s->d[0])
    DEQ_ERRORF(DEQ_EINVAL, "spec.n: orthonormal input needs n <= d[0], got n = %zu > d[0] = %zu",
               s->n, s->d[0]);
  return s->input == DEQ_INPUT_FIXED ? check_fixed(s) : DEQ_SUCCESS;
}

/* Optimal LAPACK workspace for dgeqrf + dorgqr on d0 x n (a query: nothing is touched). */
static size_t qr_lwork(size_t d0, size_t n)
{
  double q1 = 0.0, q2 = 0.0, dummy = 0.0;
  lapack_int m = (lapack_int) d0, k = (lapack_int) n;
  if (d0 > INT_MAX || n > INT_MAX)
    return 64 * n;
  LAPACKE_dgeqrf_work(LAPACK_COL_MAJOR, m, k, &dummy, m, &dummy, &q1, -1);
  LAPACKE_dorgqr_work(LAPACK_COL_MAJOR, m, k, k, &dummy, m, &dummy, &q2, -1);
  double q = fmax(fmax(q1, q2), (double) n);
  return (size_t) q;
}

/* max d_l over l = from, from + step, ... <= L. */
static double widest(const deq_network_spec *s, size_t from, size_t step)
{
  double dmax = 0.0;
  for (size_t l = from; l <= s->L; l += step)
    dmax = fmax(dmax, (double) s->d[l]);
  return dmax;
}

/* The largest block of W_l columns drawn at once: max_l d_l min(DEQ_NETWORK_WCOLS, d_{l-1}). */
static double largest_wblock(const deq_network_spec *s)
{
  double v = 0.0;
  for (size_t l = 1; l <= s->L; l++)
    v = fmax(v, (double) s->d[l] * fmin((double) DEQ_NETWORK_WCOLS, (double) s->d[l - 1]));
  return v;
}

/* One array of the workspace: the view it fills and its number of doubles. */
typedef struct {
  double **slot;
  double count;
} piece;

/* Two ping-pong feature buffers (the one X_L is not in holds n x n as well: the CK's
 * scratch), one block of W columns. */
static size_t layout_ck(const deq_network_spec *s, deq_network *net, piece *p)
{
  double n = (double) s->n, even = widest(s, 0, 2) * n, odd = widest(s, 1, 2) * n;
  if (s->L % 2 == 1)
    even = fmax(even, n * n);
  else
    odd = fmax(odd, n * n);
  p[0] = (piece) { &net->x[0], even };
  p[1] = (piece) { &net->x[1], odd };
  p[2] = (piece) { &net->w[1], largest_wblock(s) };
  return 3;
}

/* ALL keeps every array; NTK_ONLY one block of W_1, no S buffers (the backward pass writes
 * into arrays it no longer needs) and Gram scratch of DEQ_NETWORK_GCOLS columns. */
static size_t layout_all(const deq_network_spec *s, deq_network *net, piece *p)
{
  double n = (double) s->n, dmax = widest(s, 1, 1);
  int ntk_only = s->need == DEQ_NETWORK_NTK_ONLY;
  double gcols = ntk_only ? fmin(n, (double) DEQ_NETWORK_GCOLS) : n;
  size_t k = 0;
  p[k++] = (piece) { &net->x[0], (double) s->d[0] * n };
  for (size_t l = 1; l <= s->L; l++) {
    double wcols = ntk_only && l == 1 ? fmin((double) DEQ_NETWORK_WCOLS, (double) s->d[0])
                                      : (double) s->d[l - 1];
    p[k++] = (piece) { &net->x[l], (double) s->d[l] * n };
    p[k++] = (piece) { &net->hd[l], (double) s->d[l] * n };
    p[k++] = (piece) { &net->w[l], (double) s->d[l] * wcols };
  }
  if (!ntk_only)
    p[k++] = (piece) { &net->s[0], dmax * n };
  if (!ntk_only && s->L > 1)
    p[k++] = (piece) { &net->s[1], dmax * n };
  p[k++] = (piece) { &net->gs, gcols * n };
  p[k++] = (piece) { &net->gx, gcols * n };
  return k;
}

/* The arrays of the workspace for spec s (at most DEQ_NETWORK_BLOCKS), their views in net;
 * fills net's LAPACK workspace sizes (queries: nothing is touched).  Returns their number. */
static size_t layout(const deq_network_spec *s, deq_network *net, piece *p)
{
  size_t k = s->need == DEQ_NETWORK_CK_ONLY ? layout_ck(s, net, p) : layout_all(s, net, p);
  p[k++] = (piece) { &net->readout, (double) s->d[s->L] };
  if (s->input == DEQ_INPUT_ORTHONORMAL) {
    net->qr_lwork = qr_lwork(s->d[0], s->n);
    p[k++] = (piece) { &net->tau, (double) s->n };
    p[k++] = (piece) { &net->rsign, (double) s->n };
    p[k++] = (piece) { &net->qr_work, (double) net->qr_lwork };
  }
  deq_network_eig_lwork(s->n, &net->ev_lwork, &net->ev_liwork);
  p[k++] = (piece) { &net->ev_work, (double) net->ev_lwork };
  return k;
}

double deq_network_bytes(const deq_network_spec *s)
{
  DEQ_CHECK_NULL_NAN(s, "spec");
  DEQ_REQUIRE_RET(s->L >= 1 && s->L <= DEQ_NETWORK_MAXL, NAN,
                  "%s: spec.L must be in 1..%d, got %zu", __func__, DEQ_NETWORK_MAXL, s->L);
  deq_network tmp;   /* receives the views and LAPACK sizes of the layout, nothing else */
  memset(&tmp, 0, sizeof tmp);
  piece p[DEQ_NETWORK_BLOCKS];
  size_t k = layout(s, &tmp, p);
  double v = (double) tmp.ev_liwork * (double) sizeof(lapack_int) / (double) sizeof(double);
  for (size_t i = 0; i < k; i++)
    v += p[i].count;
  return sizeof(double) * v + sizeof(struct deq_network);
}

static int check_memory(const deq_network_spec *s)
{
  double need = deq_network_bytes(s), have = deq_mem_available();
  if (need > have)
    DEQ_ERRORF(DEQ_ENOMEM, "network: the workspace needs %.3g GiB, %.3g GiB of memory is "
               "available; reduce n or the widths d[l]", need / GIB, have / GIB);
  return DEQ_SUCCESS;
}

/* CK_ONLY: every X_l is one of the two ping-pong buffers, every W_l the one weight buffer. */
static void alias_ck(deq_network *net)
{
  for (size_t l = 2; l <= net->spec.L; l++) {
    net->x[l] = net->x[l % 2];
    net->w[l] = net->w[1];
  }
}

/* The arrays, aligned and untouched (deq_mem_alloc): pages are faulted in by the first
 * draw, once. */
static int alloc_buffers(deq_network *net)
{
  piece p[DEQ_NETWORK_BLOCKS];
  size_t k = layout(&net->spec, net, p);
  for (size_t i = 0; i < k; i++) {
    *p[i].slot = deq_mem_doubles((size_t) p[i].count);
    if (*p[i].slot == NULL)
      return DEQ_ENOMEM;
    net->block[net->nblock++] = *p[i].slot;
  }
  if (net->spec.need == DEQ_NETWORK_CK_ONLY)
    alias_ck(net);
  net->ev_iwork = calloc(net->ev_liwork, sizeof(lapack_int));
  deq_rng_block_init(&net->rng);
  return net->ev_iwork == NULL ? DEQ_ENOMEM : DEQ_SUCCESS;
}

int deq_network_alloc(const deq_network_spec *spec, const deq_opts *opts, deq_network **net)
{
  if (net == NULL)
    DEQ_ERROR("net: NULL output pointer", DEQ_EINVAL);
  *net = NULL;
  deq_act_fw fw;
  int status = check_spec(spec);
  if (status == DEQ_SUCCESS)
    status = deq_act_fw_constants(&spec->act, opts, &fw);
  if (status == DEQ_SUCCESS)
    status = check_memory(spec);
  if (status)
    return status;
  deq_network *p = calloc(1, sizeof *p);
  if (p == NULL)
    DEQ_ERROR("network: out of memory for the workspace", DEQ_ENOMEM);
  p->spec = *spec;
  p->fw = fw;
  if (alloc_buffers(p) != DEQ_SUCCESS) {
    deq_network_free(p);
    DEQ_ERRORF(DEQ_ENOMEM, "network: allocation of %.3g GiB failed", deq_network_bytes(spec) / GIB);
  }
  *net = p;
  return DEQ_SUCCESS;
}

void deq_network_free(deq_network *net)
{
  if (net == NULL)
    return;
  for (size_t i = 0; i < net->nblock; i++)
    deq_mem_free(net->block[i]);
  free(net->ev_iwork);
  free(net);
}

/* X <- Q diag(sign R_jj) from X = QR: exactly orthonormal columns, R with positive diagonal,
 * so that Q is Haar distributed when X is Gaussian. */
static int orthonormalise(deq_network *net)
{
  size_t d0 = net->spec.d[0], n = net->spec.n;
  lapack_int m = (lapack_int) d0, k = (lapack_int) n, lw = (lapack_int) net->qr_lwork, info;
  double *x = net->x[0];
  DEQ_NETWORK_TIMED(net, info = LAPACKE_dgeqrf_work(LAPACK_COL_MAJOR, m, k, x, m, net->tau,
                                                     net->qr_work, lw));
  if (info != 0)
    DEQ_ERRORF(DEQ_EINVAL, "network: dgeqrf of the input failed (info %d)", (int) info);
  for (size_t j = 0; j < n; j++)
    net->rsign[j] = x[j + j * d0] < 0.0 ? -1.0 : 1.0;
  DEQ_NETWORK_TIMED(net, info = LAPACKE_dorgqr_work(LAPACK_COL_MAJOR, m, k, k, x, m, net->tau,
                                                     net->qr_work, lw));
  if (info != 0)
    DEQ_ERRORF(DEQ_EINVAL, "network: dorgqr of the input failed (info %d)", (int) info);
  for (size_t j = 0; j < n; j++)
    if (net->rsign[j] < 0.0)
      for (size_t i = 0; i < d0; i++)
        x[i + j * d0] = -x[i + j * d0];
  return DEQ_SUCCESS;
}

static void draw_input(deq_network *net)
{
  const deq_network_spec *s = &net->spec;
  if (s->input == DEQ_INPUT_FIXED) {   /* no random numbers: the stream starts with W_1 */
    memcpy(net->x[0], s->x0, s->d[0] * s->n * sizeof *net->x[0]);
    return;
  }
  double sd0 = s->input == DEQ_INPUT_GAUSSIAN ? 1.0 / sqrt((double) s->d[0]) : 1.0;
  deq_rng_block_gaussian(&net->rng, sd0, s->d[0] * s->n, net->x[0]);
}

static void draw_readout(deq_network *net)
{
  const deq_network_spec *s = &net->spec;
  if (s->readout == DEQ_READOUT_GAUSSIAN)
    deq_rng_block_gaussian(&net->rng, 1.0, s->d[s->L], net->readout);
  else
    deq_rng_block_rademacher(&net->rng, s->d[s->L], net->readout);
}

static int all_finite(size_t count, const double *x)
{
  for (size_t i = 0; i < count; i++)
    if (!isfinite(x[i]))
      return 0;
  return 1;
}

/* X_l = sigma(H_l)/sqrt(d_l) by deq_act_apply with scale * sqrt(d_l) and, for a full
 * workspace, D_l = sigma'(H_l)/sqrt(d_l) in the same pass, in place of H_l (tanh and sigmoid
 * share one evaluation between the two); then the finiteness check.  Piece by piece, so
 * that the check reads each piece while it is still in cache. */
static int activate(deq_network *net, size_t l, double *h)
{
  const deq_network_spec *s = &net->spec;
  size_t count = s->d[l] * s->n;
  double scale = net->fw.scale * sqrt((double) s->d[l]);
  int with_d = s->need != DEQ_NETWORK_CK_ONLY;
  for (size_t lo = 0; lo < count; lo += ACT_PIECE) {
    size_t len = count - lo < ACT_PIECE ? count - lo : ACT_PIECE;
    deq_act_apply(&s->act, net->fw.shift, scale, len, h + lo, net->x[l] + lo,
                  with_d ? h + lo : NULL);
    if (!all_finite(len, net->x[l] + lo))
      DEQ_ERRORF(DEQ_EBADFUNC, "network: non-finite activation value in layer %zu", l);
    if (with_d && !all_finite(len, h + lo))
      DEQ_ERRORF(DEQ_EBADFUNC, "network: non-finite activation derivative in layer %zu", l);
  }
  return DEQ_SUCCESS;
}

/* Layer l: H_l = W_l X_{l-1} with W_l drawn (the next d_l d_{l-1} numbers of the stream,
 * column-major) and multiplied in blocks of DEQ_NETWORK_WCOLS columns, one accumulating dgemm
 * per block, the same calls for both workspace kinds (so their results are bitwise equal);
 * H_l is computed in hd[l] (where activate replaces it by D_l), or in the buffer of X_l for
 * a CK-only workspace.  Then X_l = sigma(H_l)/sqrt(d_l) (activate). */
static int layer(deq_network *net, size_t l)
{
  const deq_network_spec *s = &net->spec;
  int ck_only = s->need == DEQ_NETWORK_CK_ONLY, n = (int) s->n, dl = (int) s->d[l];
  int one_block = ck_only || (s->need == DEQ_NETWORK_NTK_ONLY && l == 1);
  size_t dp = s->d[l - 1];
  double *h = ck_only ? net->x[l] : net->hd[l];
  for (size_t c = 0; c < dp; c += DEQ_NETWORK_WCOLS) {
    size_t k = dp - c < DEQ_NETWORK_WCOLS ? dp - c : DEQ_NETWORK_WCOLS;
    double *wb = one_block ? net->w[l] : net->w[l] + c * s->d[l];
    deq_rng_block_gaussian(&net->rng, 1.0, s->d[l] * k, wb);
    DEQ_NETWORK_TIMED(net, cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, dl, n, (int) k,
                                       1.0, wb, dl, net->x[l - 1] + c, (int) dp,
                                       c == 0 ? 0.0 : 1.0, h, dl));
  }
  return activate(net, l, h);
}

/* The stream is consumed in the documented order X_0, W_1, ..., W_L, w whatever the
 * workspace: W_l is drawn when layer l runs, the read-out after the last layer. */
int deq_network_draw(deq_network *net, uint64_t master, uint64_t replicate)
{
  DEQ_CHECK_NULL(net, "net");
  double t0 = deq_network_now();
  int status = DEQ_SUCCESS;
  net->drawn = net->consumed = 0;
  deq_rng_block_reseed(&net->rng, master, replicate);
  draw_input(net);
  if (net->spec.input == DEQ_INPUT_ORTHONORMAL)
    status = orthonormalise(net);
  for (size_t l = 1; l <= net->spec.L && status == DEQ_SUCCESS; l++)
    status = layer(net, l);
  if (status == DEQ_SUCCESS)
    draw_readout(net);
  net->drawn = status == DEQ_SUCCESS;
  net->t_total += deq_network_now() - t0;
  return status;
}

const double *deq_network_features(const deq_network *net, size_t l)
{
  DEQ_CHECK_NULL_PTR(net, "net");
  DEQ_REQUIRE_RET(l <= net->spec.L, NULL, "%s: layer %zu > L = %zu", __func__, l, net->spec.L);
  DEQ_REQUIRE_RET(l == net->spec.L || net->spec.need != DEQ_NETWORK_CK_ONLY, NULL,
                  "%s: layer %zu not kept: a CK-only workspace keeps X_L only", __func__, l);
  DEQ_REQUIRE_RET(l == net->spec.L || !net->consumed, NULL, "%s: layer %zu was overwritten by "
                  "the NTK of an NTK-only workspace", __func__, l);
  return net->x[l];
}

const double *deq_network_weights(const deq_network *net, size_t l)
{
  DEQ_CHECK_NULL_PTR(net, "net");
  DEQ_REQUIRE_RET(l >= 1 && l <= net->spec.L, NULL, "%s: layer %zu outside 1..%zu", __func__, l,
                  net->spec.L);
  DEQ_REQUIRE_RET(net->spec.need != DEQ_NETWORK_CK_ONLY, NULL,
                  "%s: W_%zu not kept: a CK-only workspace keeps one block of columns", __func__,
                  l);
  DEQ_REQUIRE_RET(net->spec.need != DEQ_NETWORK_NTK_ONLY || l >= 2, NULL,
                  "%s: W_1 not kept: an NTK-only workspace keeps one block of its columns",
                  __func__);
  return net->w[l];
}

const double *deq_network_readout(const deq_network *net)
{
  DEQ_CHECK_NULL_PTR(net, "net");
  return net->readout;
}

void deq_network_normalisation(const deq_network *net, double *shift, double *scale)
{
  DEQ_CHECK_NULL_VOID(net, "net");
  DEQ_CHECK_NULL_VOID(shift, "shift");
  DEQ_CHECK_NULL_VOID(scale, "scale");
  *shift = net->fw.shift;
  *scale = net->fw.scale;
}

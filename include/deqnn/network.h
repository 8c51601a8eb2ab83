/* deqnn/network.h -- Monte Carlo of a deep random network: CK and NTK Gram matrices.
 *
 * Model (ck_ntk.md section 1, Fan & Wang's layout: one sample per COLUMN):
 *   X_0 = X in R^{d_0 x n}, entries iid N(0, 1/d_0), or exactly orthonormal columns
 *     (Q of the QR factorisation of an iid N(0,1) matrix, signs fixed so that R has a
 *     positive diagonal; needs n <= d_0);
 *   W_l in R^{d_l x d_{l-1}} iid N(0,1),  H_l = W_l X_{l-1},  X_l = sigma(H_l)/sqrt(d_l),
 *     l = 1..L, with the NORMALISED sigma = (f - shift)/scale, E sigma(G) = 0,
 *     E sigma(G)^2 = 1 for G ~ N(0,1) (deq_act_fw_constants, ck_ntk S10-S12);
 *   read-out w in R^{d_L}, iid N(0,1) or Rademacher +-1;  f(x_alpha) = w^T X_L[:, alpha].
 * CK  = X_L^T X_L (n x n).
 * NTK = J^T J, J = df/d(W_1..W_L, w), computed without J by the backward pass (ck_ntk S27):
 *   K = X_L^T X_L + sum_{l=1}^{L} (S_l^T S_l) o (X_{l-1}^T X_{l-1}),
 *   S_L = sigma'(H_L) o (w 1^T)/sqrt(d_L),  S_l = sigma'(H_l) o (W_{l+1}^T S_{l+1})/sqrt(d_l).
 *
 * Random draw order, all from ONE stream: the mt19937 words of deq_rng_alloc(master,
 * replicate), generated in blocks, with normal variates from deqnn's 128-layer ziggurat (one
 * word per variate on its fast path; docs/core.md "Random streams" -- not
 * gsl_ran_gaussian_ziggurat): X_0 (d_0 n numbers, column-major: sample 1 first; sd
 * 1/sqrt(d_0), or sd 1 before the QR for orthonormal input; none for FIXED input), then W_1, ..., W_L (each
 * d_l d_{l-1} numbers, column-major, sd 1), then w (d_L numbers: N(0,1), or Rademacher +-1
 * from the low bit of a word).  The result depends only on (spec, master, replicate), not on
 * the order in which replicates run or the number of threads.
 *
 * All matrices are column-major.  Heavy linear algebra is BLAS/LAPACK (OpenBLAS,
 * LAPACKE); the workspace is allocated once, and draw / ck / ntk do not allocate.
 */
#ifndef DEQ_NETWORK_H
#define DEQ_NETWORK_H

#include <stddef.h>
#include <stdint.h>
#include "deqnn/act.h"
#include "deqnn/opts.h"
#include "deqnn/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define DEQ_NETWORK_MAXL 16

typedef enum { DEQ_INPUT_GAUSSIAN, DEQ_INPUT_ORTHONORMAL, DEQ_INPUT_FIXED } deq_input_kind;
typedef enum { DEQ_READOUT_GAUSSIAN, DEQ_READOUT_RADEMACHER } deq_readout_kind;

/* What the workspace is for (deq_network_spec.need).
 * DEQ_NETWORK_ALL (the default, 0): CK and NTK; X_0..X_L, H_1..H_L and W_1..W_L are kept.
 * DEQ_NETWORK_CK_ONLY: the CK alone, in the smallest workspace: two ping-pong feature
 *   buffers (the widest even and the widest odd layer, X_0 included; the one X_L is not in
 *   at least n x n, for deq_network_ck_spectrum), one block of 512 columns of W_l (W_l is
 *   drawn and multiplied block by block; the stream is the same), X_l computed in place of
 *   H_l, no NTK buffers.  Only X_L can be viewed after a draw, and deq_network_ntk is
 *   DEQ_EINVAL.  The CK, its spectrum and X_L are bitwise those of DEQ_NETWORK_ALL.
 * DEQ_NETWORK_NTK_ONLY: one NTK per draw, in a smaller workspace: X_0..X_L and D_1..D_L as
 *   for ALL, one block of 512 columns of W_1 (the backward pass needs W_2..W_L only), no S
 *   buffers (S_L is formed in place of D_L, S_{l-1} in X_{l-1} once its Gram is taken) and
 *   Gram scratch of 2 n x 256.  After deq_network_ntk, X_0..X_{L-1} are gone (their views
 *   are NULL) and a second NTK of the same draw is DEQ_EINVAL; X_L and deq_network_ck stay
 *   valid; W_1 cannot be viewed; deq_network_ck_spectrum is DEQ_EINVAL (no n x n scratch).
 *   The NTK is bitwise that of DEQ_NETWORK_ALL. */
typedef enum { DEQ_NETWORK_ALL, DEQ_NETWORK_CK_ONLY, DEQ_NETWORK_NTK_ONLY } deq_network_need;

typedef struct {
  size_t n;                            /* samples */
  size_t L;                            /* hidden layers, 1..DEQ_NETWORK_MAXL */
  size_t d[DEQ_NETWORK_MAXL + 1];      /* d[0] input dimension, d[1..L] widths */
  deq_act act;                         /* raw activation; the module normalises it */
  deq_input_kind input;
  deq_readout_kind readout;
  deq_network_need need;               /* DEQ_NETWORK_ALL (0), _CK_ONLY or _NTK_ONLY */
  const double *x0;                    /* DEQ_INPUT_FIXED: X_0, d_0 x n column-major (= n x d_0
                                          row-major, one sample per row: deq_dataset's x),
                                          the caller's, read at every draw: it must outlive
                                          the workspace; unused (may be NULL) otherwise */
} deq_network_spec;

typedef struct deq_network deq_network;

/* Workspace for one network shape.  Validates the spec: n >= 1, 1 <= L <= DEQ_NETWORK_MAXL,
 * d[l] >= 1 (l = 0..L), n <= d[0] for orthonormal input, known input/readout/act/need kinds,
 * for FIXED input x0 not NULL with finite entries (DEQ_EINVAL naming the field, e.g.
 * "spec.d[2]", or the entry "spec.x0: entry (sample 4, feature 2) is nan").  Computes the
 * normalisation of act once
 * (deq_act_fw_constants with opts; NULL = defaults; its errors are passed on).  Computes the
 * memory needed (deq_network_bytes) and refuses with DEQ_ENOMEM, giving the GiB needed and
 * the memory available (MemAvailable, else the physical memory), if it exceeds the latter,
 * BEFORE allocating anything; an allocation that fails afterwards is also DEQ_ENOMEM.  On
 * failure *net is NULL.  The arrays are aligned (64 B; 2 MiB and advised for transparent
 * huge pages from 4 MiB up) and not touched here: each page is faulted in by the first draw
 * that writes it (debug builds, without NDEBUG, fill them with NaN instead). */
int deq_network_alloc(const deq_network_spec *spec, const deq_opts *opts, deq_network **net);

/* Release the workspace; NULL does nothing. */
void deq_network_free(deq_network *net);

/* Bytes of workspace deq_network_alloc would allocate for a valid spec (as a double, so that
 * absurd sizes do not overflow), the dsyevd workspace (~2n doubles) and, for orthonormal
 * input, the QR workspace included; the caller's n x n output K is not:
 *   DEQ_NETWORK_ALL:     8 x [d_0 n + sum_l (d_l d_{l-1} + 2 d_l n) + d_L
 *                             + min(L, 2) max_{l>=1} d_l n + 2 n^2]
 *   DEQ_NETWORK_CK_ONLY: 8 x [(max_{l even} d_l + max_{l odd} d_l) n
 *                             + max_l d_l min(512, d_{l-1}) + d_L]   (l = 0..L),
 *   with the buffer of the parity other than L's raised to n^2 if it is smaller,
 *   DEQ_NETWORK_NTK_ONLY: 8 x [d_0 n + d_1 min(512, d_0) + sum_{l>=2} d_l d_{l-1}
 *                             + 2 sum_{l>=1} d_l n + d_L + 2 n min(n, 256)].
 * NAN (DEQ_EINVAL reported) for a NULL spec or L outside 1..DEQ_NETWORK_MAXL. */
double deq_network_bytes(const deq_network_spec *spec);

/* Draw X (FIXED input: copy spec.x0, no random numbers), W_1..W_L and w from the stream of
 * (master, replicate) in the order stated above,
 * and run the forward pass (W_l drawn and multiplied in blocks of 512 columns as layer l
 * runs), keeping X_0..X_L and D_l = sigma'(H_l)/sqrt(d_l), l = 1..L, for the NTK
 * (DEQ_NETWORK_ALL and _NTK_ONLY; D_l comes from the same pass over H_l as X_l), or X_L
 * only (CK_ONLY, which never evaluates sigma').  DEQ_EBADFUNC if a feature or a derivative is not finite
 * (layer named), DEQ_EINVAL if the QR of orthonormal input fails (never for a Gaussian
 * matrix in practice). */
int deq_network_draw(deq_network *net, uint64_t master, uint64_t replicate);

/* CK = X_L^T X_L, n x n, full symmetric, column-major, into K (n*n doubles; one cblas_dsyrk).
 * DEQ_EINVAL if nothing was drawn yet or K is NULL; DEQ_EBADFUNC for a non-finite entry. */
int deq_network_ck(deq_network *net, double *K);

/* NTK by the backward pass ck_ntk S27 (no Jacobian): n x n, full symmetric, column-major, into K,
 * from the D_l of the draw, the Gram products (S_l^T S_l) o (X_{l-1}^T X_{l-1}) accumulated by
 * blocks of 256 columns; it can be called any number of times per draw (once for
 * DEQ_NETWORK_NTK_ONLY), before or after deq_network_ck.  Errors as deq_network_ck, and
 * DEQ_EINVAL for a DEQ_NETWORK_CK_ONLY workspace or a second call on an NTK-only one. */
int deq_network_ntk(deq_network *net, double *K);

/* Eigenvalues (ascending) of a symmetric n x n column-major matrix (upper triangle read) by
 * LAPACKE_dsyevd, jobz 'N'.  K is destroyed.  Eigenvalues with |lambda| <= 1e-9 max|lambda|
 * are set to exactly 0 (rank deficiency, ck_ntk section 9).  DEQ_EINVAL for n = 0 or a
 * non-finite entry of K, DEQ_EMAXITER if dsyevd does not converge. */
int deq_network_eigvals(size_t n, double *K, double *eval);

/* The same as deq_network_eigvals for an n x n matrix (n = spec.n), with the LAPACK workspace
 * allocated by deq_network_alloc (LAPACKE_dsyevd_work: no allocation) and its time counted in
 * deq_network_timing.  Bitwise equal to deq_network_eigvals.  Same errors. */
int deq_network_spectrum(deq_network *net, double *K, double *eval);

/* Eigenvalues (ascending, zeros cut as above) of the CK of the current draw without a
 * caller matrix: K is formed in workspace memory the draw no longer needs (for CK-only, the
 * feature buffer X_L is not in, which deq_network_alloc sized for n x n; for ALL, the NTK's
 * scratch).  With d_L >= n, K = X_L^T X_L by deq_network_ck and its eigenvalues by
 * deq_network_spectrum (bitwise those two calls).  With d_L < n, the n - d_L zero eigenvalues
 * are exact and the others are those of the d_L x d_L Gram X_L X_L^T (one dsyrk, dsyevd of
 * order d_L: (d_L/n)^3 of the work; equal to the n x n route to rounding, ~1e-15 of the
 * largest).  X_L stays valid, so deq_network_ck / _ntk may still be called.  Errors as those
 * two; NULL net or eval, no draw, or an NTK-only workspace: DEQ_EINVAL. */
int deq_network_ck_spectrum(deq_network *net, double *eval);

/* Read-only views of the current draw (column-major; NULL for an index out of range; a
 * DEQ_NETWORK_CK_ONLY workspace keeps X_L only, and no W_l):
 * X_l (d_l x n, l = 0..L; X_0 is the input), W_l (d_l x d_{l-1}, l = 1..L), w (d_L),
 * and the normalisation used: sigma = (f - shift)/scale. */
const double *deq_network_features(const deq_network *net, size_t l);
const double *deq_network_weights(const deq_network *net, size_t l);
const double *deq_network_readout(const deq_network *net);
void deq_network_normalisation(const deq_network *net, double *shift, double *scale);

/* Accumulated wall-clock seconds (CLOCK_MONOTONIC) since alloc or the last reset: inside
 * BLAS/LAPACK calls, and inside deq_network_draw / _ck / _ntk / _spectrum as a whole. */
void deq_network_timing(const deq_network *net, double *blas_seconds, double *total_seconds);
void deq_network_timing_reset(deq_network *net);

#ifdef __cplusplus
}
#endif
#endif

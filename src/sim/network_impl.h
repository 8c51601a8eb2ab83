/* Private: the network workspace shared by src/sim/network.c and network_gram.c. */
#ifndef DEQ_SIM_NETWORK_IMPL_H
#define DEQ_SIM_NETWORK_IMPL_H

#include <time.h>
#include <lapacke.h>
#include "core/rng_block.h"
#include "deqnn/network.h"

/* W_l is drawn and multiplied in blocks of this many columns: H_l = sum_b W_l[:, b] X_{l-1}[b, :]
 * (one dgemm per block, accumulating), so that a CK-only workspace holds one block of W. */
#define DEQ_NETWORK_WCOLS 512

/* The NTK's Gram products (S_l^T S_l) o (X_{l-1}^T X_{l-1}) are formed in blocks of this many
 * columns of K, so that their scratch is 2 n x DEQ_NETWORK_GCOLS, not 2 n x n. */
#define DEQ_NETWORK_GCOLS 256

/* Most arrays a workspace owns: X_0, (X_l, H_l, W_l) per layer, the read-out, two S
 * buffers, two Grams, three QR arrays and the dsyevd workspace. */
#define DEQ_NETWORK_BLOCKS (3 * DEQ_NETWORK_MAXL + 10)

/* Every pointer below is a view into one of the owned arrays block[0..nblock-1]
 * (deq_mem_alloc: aligned, untouched until the first draw writes it).  With spec.need =
 * DEQ_NETWORK_ALL each view has its own array.  With DEQ_NETWORK_CK_ONLY there are three:
 * x[l] = one of two ping-pong buffers (l even / l odd, sized for the widest such layer; the
 * one X_L is not in also holds at least n x n, where deq_network_ck_spectrum forms K) and
 * w[l] = one buffer for a block of DEQ_NETWORK_WCOLS columns of the largest W_l, drawn as
 * layer l runs; H_l is computed in the buffer of X_l and the activation applied in place;
 * hd, s, gs, gx are NULL.  With DEQ_NETWORK_NTK_ONLY: x[l] and hd[l] as for ALL, w[1] one
 * block of W_1 columns (the backward pass does not need W_1), w[l >= 2] whole, no s (S_L is
 * formed in hd[L], S_{l-1} in x[l-1] once the Gram of X_{l-1} is taken), gs and gx
 * n x DEQ_NETWORK_GCOLS. */
struct deq_network {
  deq_network_spec spec;
  deq_act_fw fw;                        /* sigma = (f - fw.shift) / fw.scale */
  double *x[DEQ_NETWORK_MAXL + 1];      /* X_l, d_l x n, l = 0..L */
  double *hd[DEQ_NETWORK_MAXL + 1];     /* D_l = sigma'(H_l)/sqrt(d_l), d_l x n, l = 1..L:
                                           H_l, replaced in place by the draw's activation
                                           pass (full workspace only) */
  double *w[DEQ_NETWORK_MAXL + 1];      /* W_l, d_l x d_{l-1}, l = 1..L */
  double *readout;                      /* w, d_L */
  double *s[2];                         /* backward pass S_l (ping-pong), max d_l x n */
  double *gs, *gx;                      /* n x n: S_l^T S_l and X_{l-1}^T X_{l-1} */
  double *tau, *rsign, *qr_work;        /* orthonormal input only: QR scratch */
  size_t qr_lwork;
  double *ev_work;                      /* dsyevd (jobz 'N') workspace for deq_network_spectrum */
  lapack_int *ev_iwork;
  size_t ev_lwork, ev_liwork;
  double *block[DEQ_NETWORK_BLOCKS];    /* the arrays owned, freed by deq_network_free */
  size_t nblock;
  deq_rng_block rng;                    /* the stream of the current (master, replicate) */
  int drawn;
  int consumed;                         /* NTK_ONLY: the NTK overwrote X_0..X_{L-1} and D_L */
  double t_blas, t_total;               /* seconds inside BLAS/LAPACK, inside the API */
};

/* Optimal dsyevd (jobz 'N') workspace sizes for order n (a LAPACK query, no allocation). */
void deq_network_eig_lwork(size_t n, size_t *lwork, size_t *liwork);

static inline double deq_network_now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double) ts.tv_sec + 1e-9 * (double) ts.tv_nsec;
}

/* Run one BLAS/LAPACK call and add its wall time to net->t_blas. */
#define DEQ_NETWORK_TIMED(net, call) do { \
    double t0_ = deq_network_now(); \
    call; \
    (net)->t_blas += deq_network_now() - t0_; \
  } while (0)

#endif

/* Benchmark: the CK theory on data (issue 14: n = 2000 samples, 400 grid points, under 1 s
 * with the Gram matrix and its eigendecomposition).  n = 2000 iid Gaussian samples in
 * d0 = 784 (the shape of 2000 MNIST images), centred and scaled; L = 1, gamma_1 = 1.5; relu
 * (closed form) and tanh (table).  Prints each step's wall time and the process's CPU time
 * (the CPU time is the one to compare on a loaded machine; with several BLAS threads it
 * counts every thread).  Then the matrix pencil (deqnn/datapencil.h) of the 2-layer CK (C3b,
 * ratios 1.2, 0.8) and of the NTK (N2, ratio 1.2), relu, at res(0.05), res(0.5), res(2), on the
 * first n_pencil = min(n, 1000) samples (each evaluation is an O(n^3) Cholesky inverse).
 * Usage: bench_data [n [d0]]. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "deqnn/datakernel.h"
#include "deqnn/datapencil.h"
#include "deqnn/dataset.h"
#include "deqnn/rng.h"

typedef struct { double wall, cpu; } stamp;

static stamp now(void)
{
  struct timespec w, c;
  clock_gettime(CLOCK_MONOTONIC, &w);
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c);
  return (stamp) { (double) w.tv_sec + 1e-9 * (double) w.tv_nsec,
                   (double) c.tv_sec + 1e-9 * (double) c.tv_nsec };
}

static stamp lap(stamp *t, const char *what, stamp *total)
{
  stamp u = now(), d = { u.wall - t->wall, u.cpu - t->cpu };
  printf("  %-34s wall %7.3f s   cpu %7.3f s\n", what, d.wall, d.cpu);
  total->wall += d.wall;
  total->cpu += d.cpu;
  *t = u;
  return d;
}

static int run(const deq_dataset *ds, const char *name)
{
  size_t n = ds->n;
  double *G = malloc(n * n * sizeof *G), *x = malloc(n * sizeof *x), *p = malloc(n * sizeof *p);
  double err, mean, grid[400], gam[2] = { (double) n / (double) ds->d, 1.5 };
  deq_result rho[400];
  int st[400], bad = 0;
  deq_act act;
  deq_act_fw fw;
  deq_datakernel *dk = NULL;
  deq_pencil *pen = NULL;
  deq_pencil_params par;
  stamp total = { 0, 0 }, t = now();
  printf("%s, n = %zu, d0 = %zu:\n", name, n, ds->d);
  deq_act_parse(name, "act", &act);
  deq_act_fw_constants(&act, NULL, &fw);
  int s = deq_datakernel_alloc(&act, NULL, &dk);
  lap(&t, "plan (table for tanh)", &total);
  s = s ? s : deq_dataset_gram(ds, G);
  lap(&t, "Gram matrix (dsyrk)", &total);
  s = s ? s : deq_datakernel_matrix(dk, n, G, &err);
  lap(&t, "expected kernel Kbar", &total);
  s = s ? s : deq_datakernel_atoms(n, G, x, p, &mean);
  lap(&t, "eigenvalues (dsyevd[_2stage])", &total);
  deq_input_law law = { DEQ_DATA_ATOMS, n, x, p };
  s = s ? s : deq_datakernel_ck_params(fw.b.val, 1, gam, &law, &par);
  s = s ? s : deq_pencil_alloc(&par, NULL, &pen);
  for (int i = 0; i < 400; i++)
    grid[i] = 8.0 * (i + 0.5) / 400;
  if (!s)
    deq_pencil_density(pen, 400, grid, rho, st);
  lap(&t, "pencil: 400-point density", &total);
  for (int i = 0; i < 400; i++)
    bad += s || st[i] != 0;
  printf("  %-34s wall %7.3f s   cpu %7.3f s   (%d points not ok)\n", "total", total.wall,
         total.cpu, bad);
  deq_pencil_free(pen);
  deq_datakernel_free(dk);
  free(G), free(x), free(p);
  return s || bad;
}

/* The matrix pencils on the first m samples of ds: kernels, then three resolvent traces. */
static int run_pencil(const deq_dataset *ds, size_t m, deq_datapencil_kind kind)
{
  double *G = malloc(m * m * sizeof *G), gam[3] = { 0, 1.2, 0.8 };
  const double lam[3] = { 0.05, 0.5, 2.0 };
  deq_dataset sub = *ds;
  deq_act act;
  deq_datakernel *dk = NULL;
  deq_datapencil *dp = NULL;
  stamp total = { 0, 0 }, t = now();
  sub.n = m;   /* the first m rows: the Gram matrix reads n rows of x */
  printf("%s, matrix pencil, n = %zu:\n", kind == DEQ_DATAPENCIL_NTK ? "relu NTK (N2, L = 1)"
         : "relu CK (C3b, L = 2)", m);
  deq_act_parse("relu", "act", &act);
  int s = G == NULL || deq_datakernel_alloc(&act, NULL, &dk) || deq_dataset_gram(&sub, G);
  lap(&t, "Gram matrix", &total);
  s = s ? s : deq_datapencil_alloc(dk, m, G, kind == DEQ_DATAPENCIL_NTK ? 1 : 2, gam, kind,
                                   DEQ_DATAPENCIL_SLOPE_MATCHED, &dp);
  lap(&t, "expected kernels and slopes", &total);
  for (int k = 0; k < 3 && !s; k++) {
    deq_result r;
    char what[40];
    s = deq_datapencil_res(dp, lam[k], NULL, &r);
    snprintf(what, sizeof what, "res(%g) = %.6f", lam[k], r.val);
    lap(&t, what, &total);
  }
  printf("  %-34s wall %7.3f s   cpu %7.3f s\n", "total", total.wall, total.cpu);
  deq_datapencil_free(dp);
  deq_datakernel_free(dk);
  free(G);
  return s;
}

int main(int argc, char **argv)
{
  size_t n = argc > 1 ? (size_t) atol(argv[1]) : 2000, d = argc > 2 ? (size_t) atol(argv[2]) : 784;
  deq_dataset *ds = calloc(1, sizeof *ds);
  ds->n = ds->n_file = n;
  ds->d = d;
  ds->x = malloc(n * d * sizeof *ds->x);
  ds->index = calloc(n, sizeof *ds->index);
  ds->normalized = -1;
  gsl_rng *r = deq_rng_alloc(14, 0);
  deq_rng_gaussian(r, 1.0, n * d, ds->x);
  gsl_rng_free(r);
  int bad = deq_dataset_normalize(ds, DEQ_DATASET_UNIT);
  bad |= run(ds, "relu");
  bad |= run(ds, "tanh");
  bad |= run_pencil(ds, n < 1000 ? n : 1000, DEQ_DATAPENCIL_CK);
  bad |= run_pencil(ds, n < 1000 ? n : 1000, DEQ_DATAPENCIL_NTK);
  deq_dataset_free(ds);
  return bad ? 1 : 0;
}

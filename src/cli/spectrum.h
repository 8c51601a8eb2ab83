/* Internal: the spectral commands deqnn mp / ck / ntk. */
#ifndef DEQ_CLI_SPECTRUM_H
#define DEQ_CLI_SPECTRUM_H

#include <stdint.h>
#include "cli/cli.h"
#include "deqnn/act.h"
#include "deqnn/compare.h"
#include "deqnn/dataset.h"
#include "deqnn/grid.h"
#include "deqnn/pencil.h"

#define SPEC_MAXLAM 16
#define SPEC_MAXSTAT (4 + SPEC_MAXLAM)
#define SPEC_MAXSEEDS 4096
/* --input FILE --simulate: fewest samples (the two-size scan runs at n/2) */
#define SPEC_DATA_MIN_SIM 8

typedef struct {
  char name[32];
  double lambda;           /* resolvent argument, NAN for other statistics */
  deq_result theory;       /* theory.val NAN: no theory value (KS) */
  int status;              /* theory status */
  double B;                /* finite-size allowance B (bound B/n) */
  double *sample;          /* one value per seed */
  deq_verdict verdict;
  int applies;             /* 0: no verdict (KS next to a smeared atom; approximate theory) */
  int approx;              /* 1: the theory is approximate (--input FILE, L >= 2 or
                              --input-kernel linearised): rel error reported, no verdict */
  int unvalidated;         /* 1: KS on data: reported, no verdict (docs/data.md) */
  double rel_allow;        /* approximate theory with a measured relative allowance
                              (real_data R23): B/n = rel_allow |theory|; 0: none */
  int measured_B;          /* 1: B measured by the two-size scan (--input FILE, docs/data.md) */
  int two_size;            /* 0 not run, 1 n*bias stable (finite size), 2 not stable */
  double nbias[2], nbias_se[2];   /* n*bias and n*SE at n and n/2 */
  long n_half;             /* the smaller size of the two-size scan */
  double rate;             /* the bias taken to decay as n^-rate (docs/data.md) */
} spec_stat;

typedef struct {
  const char *kind;                   /* "mp", "ck", "ntk" */
  deq_act act;
  char actname[160];
  deq_act_fw fw;
  size_t L;
  double gamma[DEQ_PENCIL_MAXL + 1];  /* ratios used by the theory */
  double gamma_user[DEQ_PENCIL_MAXL + 1];
  deq_input_law input;
  int rademacher;
  deq_pencil_params par;
  deq_pencil *pen;
  deq_grid *grid;
  int logx;                           /* --x A:B:K:log: a log x axis in the figure */
  double lambda[SPEC_MAXLAM];
  size_t nlam;
  int stats_mode, simulate, simulated;
  long n, seeds, seed;
  size_t d[DEQ_PENCIL_MAXL + 1];
  spec_stat stat[SPEC_MAXSTAT];
  size_t nstat;
  double *hist, *hist_se;             /* simulated density on the grid */
  int keep;                           /* capture: keep every replicate's eigenvalues */
  double *ev_all;                     /* keep: ev_all[r n + i], ascending per replicate */
  int smeared;                        /* an atom away from 0: no exact eigenvalues there */
  double smeared_pos, smeared_mass;
  int rank, ranks;                    /* MPI: replicates r = rank, rank + ranks, ... are ours */
  /* --input FILE (docs/data.md): the data, its diagnostics and the expected kernel */
  const char *input_file;             /* NULL: gaussian or orthonormal */
  deq_dataset *ds;
  deq_dataset_diag diag;
  long input_samples, input_seed;     /* 0 = all samples */
  size_t half_samples;                /* two-size scan: this many samples of the file */
  int approximate;                    /* the data theory is approximate (L >= 2, linearised) */
  int input_norm;                     /* deq_dataset_norm */
  int linearised;                     /* --input-kernel linearised: (1 - b) I + b G */
  double kscale;                      /* tr Kbar / n: the spectrum is kscale x the pencil's */
  double kerr, eigerr;                /* entry error of Kbar, Weyl bound on its eigenvalues */
  char kroute[96];                    /* how Kbar was computed */
  double secs[4];                     /* Gram, kernel, eigenvalues, pencil set-up */
  double *atom_x, *atom_p;            /* spec(Kbar)/kscale: the pencil's input law */
  struct deq_datapencil *dpen;        /* the matrix pencil (ck L >= 2, ntk): the statistics */
  int slope_b;                        /* --input-slope b (C3) instead of matched (C3b) */
} spec_job;

/* --input FILE: read, subset and preprocess the data (exit 2 naming --input and the file,
 * line or entry); then the pencil of the CK on the data's expected kernel; the header lines. */
int spec_data_load(spec_job *job);
int spec_data_pencil(spec_job *job);
int spec_data_comments(const spec_job *job, deq_table *t);

/* --input FILE: the relative allowance of real_data R23 for the matrix pencil's statistic at
 * lambda (NAN: (1/n) tr K^2), or 0 where none was measured (no verdict). */
double spec_data_rel_allowance(const spec_job *job, double lambda);
/* m(z) of the matrix pencil at a real z < 0 (DEQ_EINVAL otherwise). */
int spec_data_stieltjes(const spec_job *job, deq_complex z, deq_cresult *m);

/* Theory side: statistics' theory values and the density table. */
int spec_theory_stats(spec_job *job);
int spec_density_table(spec_job *job, cli_ctx *ctx, deq_table **out);
int spec_stats_table(spec_job *job, cli_ctx *ctx, deq_table **out);

/* Simulation side (through the comparison layer): fills the samples, histogram and
 * verdicts.  Returns a CLI exit code. */
int spec_simulate(spec_job *job);
/* Before any work: the simulation fits in the memory (else a message naming --n, exit 2). */
int spec_simulate_check(const spec_job *job);

/* --input FILE --simulate: the finite-size allowance B of every statistic measured by the
 * two-size scan (n/2 samples of the file, widths halved: the same ratios), then the
 * verdicts |mean - theory| <= 4 SE + B/n + err; for an approximate theory no scan and no
 * verdict (the relative error is reported).  Returns a CLI exit code. */
int spec_data_scan(spec_job *job);

/* After a failed verdict: the same statistics at n/2; a stable n*bias (within 2 sigma) is a
 * finite-size effect (ck_ntk §9), so the verdict becomes a pass, marked in the outputs. */
int spec_two_sizes(const spec_job *job, spec_job *half);
void spec_job_free(spec_job *job);
/* Capture (deq_command_run): ctx->seeds (the statistics per replicate) and ctx->eigen (the
 * eigenvalues per replicate, when job->keep) of a simulated job. */
int spec_seeds_tables(const spec_job *job, cli_ctx *ctx);
/* Capture: ctx->law (support edges and atoms of the limit law: part, x, mass, mass_err,
 * status) and, with a grid, ctx->cdf (x, cdf, status: the distribution function, atoms
 * included, at the grid). */
int spec_law_tables(const spec_job *job, cli_ctx *ctx);

#endif

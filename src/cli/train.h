/* Internal: the command deqnn train (spectra during training, training_spectra.md). */
#ifndef DEQ_CLI_TRAIN_H
#define DEQ_CLI_TRAIN_H

#include "cli/cli.h"
#include "deqnn/cdf.h"
#include "deqnn/pencil.h"
#include "deqnn/training.h"
#include "deqnn/trainsim.h"

#define TRAIN_MAXREC 64        /* recorded steps */
#define TRAIN_MAXSEEDS 4096

/* Per (recorded step, seed): the statistics of the main table, in this order. */
enum { T_TRAIN, T_TEST, T_KS_W, T_KS_CK, T_KS_NTK, T_W1_W, T_W1_CK, T_W1_NTK, T_M2_W, T_M2_CK,
       T_M1_NTK, T_M2_NTK, T_TOP_W, T_OV_BETA, T_OV_V, T_OV_RHAT, T_TOP_CK, T_TOP_NTK, T_HILL,
       T_HILL_KS, T_S12L, T_S12R, T_N };
extern const char *const train_stat_names[T_N];

/* Histogram grid of the figure's spectra (points per matrix). */
#define TRAIN_HIST 120

typedef struct {
  deq_act act, teacher;
  char actname[160], teachername[160];
  deq_trainsim_spec spec;       /* sizes, optimiser, lr, ... */
  double noise, sample_ratio, width_ratio;   /* as given; spec holds the realised sizes */
  long steps, seeds, seed;
  cli_ranks mp;                 /* MPI: the replicates are spread over these ranks */
  size_t nrec;
  long rec[TRAIN_MAXREC];       /* recorded steps, increasing */
  int summary_only;             /* --summary: the output is the summary table */
  /* theory */
  deq_training_scalars sc;
  deq_training_spike spike;     /* one step at the run's lr (S13-S15 or S16) */
  deq_training_ck_spike ck_spike;   /* S17 (approximate), centred GD only */
  int have_ck_spike;
  int invariant;                /* GD/SGD below the one-step threshold: bulk invariance claimed */
  deq_pencil *pen[3];           /* M^T M, CK, NTK */
  deq_cdf *cdf[3];
  deq_result mom[3][3];         /* pencil moments 0..2 */
  double edge[3];               /* right end of each bulk's support */
  double tw_mean, tw_sd;
  /* simulation */
  double *res;                  /* res[(rec * seeds + seed) * T_N + k] */
  double *hist;                 /* [matrix][first|last][TRAIN_HIST], means over seeds */
  double hx[3][TRAIN_HIST];     /* histogram grids */
  int simulated;
} train_job;

int train_theory(train_job *job);
int train_simulate(train_job *job);
/* Before any work: the workers' memory (exit 2 naming --n if not even one fits). */
int train_simulate_check(const train_job *job);
int train_main_table(const train_job *job, cli_ctx *ctx, deq_table **out);
/* The summary: per recorded step and statistic, theory, simulation mean and SE, verdict;
 * *all_pass = 0 when a verdict failed. */
int train_summary_table(const train_job *job, cli_ctx *ctx, deq_table **out, int *all_pass);
int train_plot(const train_job *job, const char *csv, const char *plot);
void train_job_free(train_job *job);

#endif

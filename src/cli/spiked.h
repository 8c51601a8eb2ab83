/* Internal: the command deqnn spiked (spiked random features after one large step). */
#ifndef DEQ_CLI_SPIKED_H
#define DEQ_CLI_SPIKED_H

#include "cli/cli.h"
#include "deqnn/spiked.h"

/* Numeric model parameters; the first SRF_PLAN_N are the plan's (a new plan per value). */
enum { SRF_SPIKE, SRF_BULK, SRF_ALIGN, SRF_WIDTH, SRF_SAMPLE, SRF_LAMBDA, SRF_NOISE, SRF_N };
#define SRF_PLAN_N 3
#define SRF_MAXLAM 16
/* Widths at which the leading order of the mean outlier (S13) is read: A p + B. */
#define SRF_MEAN_P1 1000.0
#define SRF_MEAN_P2 2000.0

enum { SRF_RISK, SRF_DENSITY, SRF_STATS };

#define SRF_MAXSEEDS 4096
/* Statistics of the simulated spectrum (spiked_rf section 10): Re and Im m(z) at the three z,
 * lambda_2 against the edge, lambda_1 against S13 at the simulated width. */
enum { SRF_NZ = 3, SRF_ST_L2 = 2 * SRF_NZ, SRF_ST_L1, SRF_NSTAT };

/* Simulation of one risk row: mean and SE of the test and training errors, the verdict. */
typedef struct {
  double test[2], train[2];
  double bound, z, train_bound;
  int pass;
} srf_simrow;

/* Relative finite-size allowance of a simulated test or training error at d of about 1000
 * (spiked_rf section 10: "4 SE + 2% relative"). */
#define SRF_RISK_REL 0.02

/* The verdicts of one risk row (sr->test, sr->train filled): bounds, z and pass; `extra` is
 * the relative bias of an approximate model added to SRF_RISK_REL; n the ridge samples. */
void srf_risk_verdict(const deq_srf_risk *th, int status, size_t seeds, double n, double extra,
                      srf_simrow *sr);

/* One statistic of the simulated spectrum. */
typedef struct {
  char name[32];
  double theory, mean, se, lo, hi;   /* pass: lo <= mean <= hi */
  int pass;
} srf_simstat;

typedef struct {
  int mode;                        /* SRF_RISK, SRF_DENSITY (--x), SRF_STATS (--stats) */
  size_t ngroups;                  /* --spike-support: K values (spiked_finite_support) */
  double support[DEQ_SRF_MAXGROUPS], weights[DEQ_SRF_MAXGROUPS];   /* weights normalised */
  int nmean;                       /* --simulate --x: mean outliers of the theory (F11) */
  deq_act act, teacher;
  char actname[160], teachername[160];
  double p[SRF_N];                 /* scalar values */
  cli_sweep sw;                    /* the swept parameter (SRF_*), risk table only */
  deq_grid *x;                     /* --x */
  double lambda[SRF_MAXLAM];       /* --stats */
  size_t nlam;
  deq_srf_plan *plan;
  size_t nrows;
  deq_srf_risk *risk;              /* SRF_RISK: one per row */
  double (*rowp)[SRF_N];           /* the parameters of each row */
  deq_result *val;                 /* SRF_DENSITY: rho(x); SRF_STATS: m(-lambda) */
  int *status;                     /* per row */
  deq_result edge;
  int edge_status;
  deq_srf_outlier_search outliers;
  int outliers_status;
  deq_srf_mean mean[2];            /* at SRF_MEAN_P1, SRF_MEAN_P2 */
  int mean_status;
  int simulate, simulated;         /* --simulate (srf_simulate ran) */
  long d, seeds, seed, n_test;
  cli_ranks mp;               /* MPI: the replicates are spread over these ranks */
  srf_simrow *sim;                 /* SRF_RISK: one per row */
  double *hist, *hist_se;          /* SRF_DENSITY: histogram of the eigenvalues of S */
  srf_simstat stat[SRF_NSTAT];     /* SRF_DENSITY */
  double *seed_res;                /* per replicate: SRF_RISK test, train error of each row
                                    * (row-major, 2 values); SRF_DENSITY the statistics */
  deq_complex z[SRF_NZ];
} srf_job;

/* Capture (deq_command_run): ctx->seeds from job->seed_res. */
int srf_seeds_table(const srf_job *job, cli_ctx *ctx);

extern const char *const srf_param_names[SRF_N];
extern const char *const srf_flags[SRF_N];

/* The plan for the parameters p (the weights read from p[0..SRF_PLAN_N-1]; with --simulate
 * the spike law's weights are the realised group fractions p_k/p at the row's width). */
int srf_plan(srf_job *job, const double *p);
/* The spike law's weights for row parameters p: the typed ones, or with --simulate the
 * realised fractions p_k/p of srfsim's exact group sizes. */
void srf_law_weights(const srf_job *job, const double *p, double *w);
/* Theory values of every row (exit code; failed rows flagged in job->status). */
int srf_theory(srf_job *job);
/* With --simulate the ratios are the realised round(ratio d)/d. */
void srf_realise(const srf_job *job, double *p);
/* Before any work: the memory of every row's simulation (exit 2 naming --d). */
int srf_simulate_check(const srf_job *job);
/* The simulation over seeds and its verdicts (exit 1 if one fails). */
int srf_simulate(srf_job *job);
/* The summary of the verdicts on stderr. */
void srf_print_summary(const srf_job *job);
/* The output table of the job's mode. */
int srf_table(const srf_job *job, cli_ctx *ctx, deq_table **out);

#endif

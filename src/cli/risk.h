/* Internal: the risk commands deqnn rf / onestep. */
#ifndef DEQ_CLI_RISK_H
#define DEQ_CLI_RISK_H

#include "cli/cli.h"
#include "deqnn/grid.h"
#include "deqnn/onestep.h"
#include "deqnn/spiked.h"

enum { P_WIDTH, P_SAMPLE, P_BATCH, P_LAMBDA, P_NOISE, P_ETA, P_N };

#define RISK_MAXSEEDS 4096

/* Per-row results, theory and simulation. */
typedef struct {
  double p[P_N];              /* parameters used by the theory (realised ratios) */
  deq_rf_result th;           /* risk, train error, bias, variance */
  deq_result align_grad, align_w1, rf_risk, best_linear, lin_opt, kernel, diff;
  deq_onestep_bbp bbp;
  deq_srf_weights w;          /* --large: the sRF weights of S21 */
  double w_err[3];            /* their bars: spike, bulk_variance, alignment */
  double train_bound;         /* --large: the training error's verdict bound */
  int status;
  double sim[8][2];           /* mean, SE: risk, train, align_grad, align_w1, diff, top_w1 */
  int simulated, pass, verdict_applies;
  double bound, z;
} risk_row;

typedef struct {
  int onestep, large;
  size_t ngroups;             /* --readout-support: K values (0: the constant read-out) */
  double support[DEQ_SRF_MAXGROUPS], weights[DEQ_SRF_MAXGROUPS];
  int law_approx;             /* the |abar| differ: S21's bulk variance per group is not derived */
  deq_act act, teacher;
  char actname[160], teachername[160];
  char act_text[160], teacher_text[160];   /* --act, --teacher as typed (figure titles) */
  double p[P_N];              /* scalar values */
  int batch_given;
  cli_sweep sw;               /* the swept parameter (P_*), its grid */
  int simulate;
  long d, seeds, seed, n_test;
  cli_ranks mp;               /* MPI: the replicates are spread over these ranks */
  deq_rf_model *model;
  deq_srf_plan *plan;         /* --large: the plan of plan_w */
  deq_srf_weights plan_w;
  risk_row *rows;
  size_t nrows;
  double *res;                /* the per-replicate values of risk_simulate (capture) */
  size_t res_stride;          /* values per (row, replicate) in res: risk, train_error, ... */
} risk_job;

int risk_theory(risk_job *job);
int risk_table(const risk_job *job, cli_ctx *ctx, deq_table **out);
int risk_simulate(risk_job *job);
/* Capture (deq_command_run): ctx->seeds from job->res (rf and onestep --large: risk,
 * train_error; onestep: also align_grad, align_w1, top_w1). */
int risk_seeds_table(risk_job *job, cli_ctx *ctx);
/* Before any work: every row's sizes round(ratio d) fit the BLAS integers and the memory. */
int risk_simulate_check(const risk_job *job);
void risk_row_params(const risk_job *job, size_t i, double *p);
void risk_realise(const risk_job *job, const double *p, double *q, size_t *N, size_t *n, size_t *ng);
extern const char *const risk_param_names[P_N];

/* --large (risk_large.c): the spiked random-feature theory of the network after one maximal
 * step (spiked_rf S21 then S14-S20) and its simulation (srfsim, network mode). */
#define RISK_LARGE_BATCH_MIN 6.0
int risk_large_check(const risk_job *job);
int risk_large_row(risk_job *job, risk_row *r);
/* The read-out law's |abar_k| differ: the per-group bulk variance is not derived. */
int risk_large_law_approx(const risk_job *job);
int risk_large_simulate_check(const risk_job *job);
int risk_large_simulate(risk_job *job);

#endif

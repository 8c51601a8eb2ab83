/* Internal interface of the deqnn command-line tool. */
#ifndef DEQ_CLI_H
#define DEQ_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "deqnn/act.h"
#include "deqnn/grid.h"
#include "deqnn/table.h"

#define CLI_EXIT_OK 0
#define CLI_EXIT_FAIL 1      /* solver failure at some points, or a failed verdict */
#define CLI_EXIT_USAGE 2     /* bad input */
#define CLI_PATHMAX 4096     /* longest output path, temporary suffix included */

/* The one map from library statuses to exit codes: invalid parameters and malformed files
 * are bad input (2), every other failure (no memory, I/O, solver) is a failure (1). */
int cli_exit_status(int deq_status);
/* Worse of two exit codes (2 > 1 > 0). */
static inline int cli_exit_merge(int a, int b) { return a > b ? a : b; }

typedef struct {
  const char *name;   /* "--act" */
  int has_arg;
  const char *def;    /* default value (NULL: none) */
  const char *help;   /* NULL: the option does not apply to this command (not listed) */
  const char *value;  /* parsed */
  int seen;
} cli_opt;

/* Run context: what a command produced, and whether it may write or simulate. */
typedef struct {
  char command[4096];       /* the command line, recorded in outputs */
  int dry;                  /* deqnn check: build the table only, no files, no simulation */
  int capture;              /* deq_command_run: simulate, but write no file (tables to ctx) */
  deq_table *table;         /* main output table (owned by the caller after return) */
  deq_table *summary;       /* capture: the summary table a file run writes beside --out */
  deq_table *seeds;         /* capture: a simulation's values per replicate (cli_seeds_table) */
  deq_table *eigen;         /* capture: ck/ntk/mp --simulate's eigenvalues per replicate */
  deq_table *law, *cdf;     /* capture: mp/ck/ntk edges and atoms, the CDF at the grid */
  int want_law;             /* capture: make law and cdf (they cost a CDF tabulation) */
  /* deq_command_stieltjes: m(z) of mp/ck/ntk at nz points instead of the tables */
  size_t nz;
  const double *z_re, *z_im;
  double *m_re, *m_im, *m_err;
  int *m_status;
  const char *error_cols;   /* "density:err" */
  int rank, ranks;          /* MPI rank of this process and their number (0 and 1 without MPI) */
  int end_comm;             /* MPI: the communicator of the end-of-run barrier (Fortran handle) */
} cli_ctx;

/* The MPI ranks of a simulation (rank 0 of 1 without MPI).  Replicates are spread over them:
 * item g of the run (a replicate, counted over every grid point's replicates) is rank
 * g mod ranks's, whatever the threads, so a replicate's stream (seed, r) is drawn once. */
typedef struct {
  int rank, ranks;
} cli_ranks;
static inline cli_ranks cli_ctx_ranks(const cli_ctx *ctx)
{
  cli_ranks m = { ctx->rank, ctx->ranks > 1 ? ctx->ranks : 1 };
  return m;
}
/* Of nrep replicates r = 0..nrep-1 whose first is item `first` of the run: how many are this
 * rank's (all of them when mp is NULL). */
size_t cli_rank_count(const cli_ranks *mp, size_t first, size_t nrep);
/* The worst status over the ranks (status itself without MPI); every rank must call it. */
int cli_ranks_worst(const cli_ranks *mp, int status);
/* buf[0..len) summed over the ranks, in place, on every rank.  Each rank wrote only its own
 * replicates' entries into a buffer that started at zero, so each sum is one rank's value
 * plus zeros: exactly the value one process computes. */
void cli_ranks_sum(const cli_ranks *mp, double *buf, size_t len);

/* A law: sup = "a1,..,aK" (distinct, finite, K <= DEQ_SRF_MAXGROUPS) under option sopt, wt =
 * "p1,..,pK" (>= 0, positive finite sum; NULL: equal) under wopt, normalised into weights;
 * a message naming the option as typed and CLI_EXIT_USAGE otherwise (law.c). */
int cli_law_parse(const char *sopt, const char *sup, const char *wopt, const char *wt,
                  double *support, double *weights, size_t *ngroups);

/* Whether the run writes files (not deqnn check's dry run, not a library capture). */
static inline int cli_writes(const cli_ctx *ctx) { return !ctx->dry && !ctx->capture; }

/* Messages of cli_errorf go to buf (appended, NUL-terminated, truncated to len) instead of
 * stderr while set on this thread; NULL restores stderr. */
void cli_messages_to(char *buf, size_t len);
/* Whether this thread's messages go to a buffer (then worker threads collect theirs for it,
 * and no progress is shown: cli_run_replicates). */
int cli_messages_captured(void);

/* MPI (a build with DEQ_HAVE_MPI, started by an MPI launcher): initialise MPI and set
 * ctx->rank, ctx->ranks; otherwise rank 0 of 1.  A process not started by a launcher (no
 * OMPI_COMM_WORLD_SIZE, PMI_SIZE, PMIX_RANK or MPI_LOCALNRANKS in the environment) does not
 * initialise MPI at all.  cli_mpi_finish(ctx, rc) ends MPI if it was started, after a barrier
 * of every rank on a communicator of its own: a rank whose command failed (rc != 0) waits
 * for the others at most DEQNN_MPI_GRACE seconds (CLI_MPI_GRACE by default), then reports
 * and aborts every rank with its exit status (the others then wait in a collective that this
 * rank will never enter: a failure on some ranks only, before the replicates' status is
 * shared).  A rank that succeeded waits for the others. */
void cli_mpi_start(cli_ctx *ctx, int *argc, char ***argv);
void cli_mpi_finish(const cli_ctx *ctx, int rc);

/* Parse argv[1..] against opts; unknown flags, missing values and repeated flags print
 * a message and return CLI_EXIT_USAGE.  "--help" or "-h" prints usage and returns -1.
 * "--progress" and "--quiet", taken by every command, set cli_progress_mode.  An option whose
 * help is NULL does not apply to this command: it is parsed (the command refuses it with its
 * reason) but not listed. */
int cli_parse(const char *cmd, int argc, char **argv, cli_opt *opts, size_t nopts);
const char *cli_get(const cli_opt *opts, size_t nopts, const char *name);
int cli_flag(const cli_opt *opts, size_t nopts, const char *name);

/* Print "deqnn: <message>" on stderr. */
void cli_errorf(const char *fmt, ...)
#if defined(__GNUC__)
  __attribute__((format(printf, 1, 2)))
#endif
  ;

/* Numeric option helpers: parse or report (exit code 2 on failure). */
int cli_double(const cli_opt *o, size_t no, const char *name, double *v);
int cli_long(const cli_opt *o, size_t no, const char *name, long lo, long hi, long *v);
/* The simulation options of rf, onestep and spiked: --simulate (seen), --d (2..20000),
 * --seeds (2..maxseeds), --seed (0..2^31 - 1), --n-test (10..10^7). */
typedef struct {
  int *simulate;
  long *d, *seeds, *seed, *n_test;
} cli_sim_opts;
int cli_sim_sizes(const cli_opt *o, size_t no, const char *simflag, long maxseeds,
                  const cli_sim_opts *v);

/* Ranges of the options (docs/guide.md section 8): the solvers are tested inside them. */
#define CLI_RATIO_MIN 1e-4      /* every ratio n/d, N/d: in [1e-4, 1e4] */
#define CLI_RATIO_MAX 1e4
#define CLI_PARAM_MAX 1e6       /* lambda, noise, eta, --stats lambda: at most 1e6 */
#define CLI_STATS_MIN 1e-12     /* --stats lambda: at least 1e-12 (the solver's tested range) */
#define CLI_POLY_MAX 1e6        /* |c_k| of poly:c0,c1,c2,c3 */

/* v in [lo, hi] ((lo, hi] when lo_open), else a message naming opt and CLI_EXIT_USAGE. */
int cli_range(const char *opt, double v, double lo, double hi, int lo_open);

/* --stats lambda1,..: at most nmax values, each in [CLI_STATS_MIN, CLI_PARAM_MAX]. */
int cli_stats_parse(const char *text, double *lambda, size_t nmax, size_t *n);

/* Curves (sweep.c): at most one numeric option, index k of the command's flags[], is a grid
 * (A:B:K, A:B:K:log or a list); the others are values. */
typedef struct {
  int sweep;          /* index of the swept parameter, -1 for none */
  int logx;           /* the grid was given as A:B:K:log */
  deq_grid *grid;     /* its values */
} cli_sweep;
void cli_sweep_init(cli_sweep *sw);
/* Option k's text: a value into *v, or the grid (a second grid is refused, naming both). */
int cli_sweep_parse(cli_sweep *sw, const char *const *flags, int k, const char *text, double *v);
/* check(k, x) on v, or on every grid value when k is swept. */
typedef int cli_value_check(int k, double v);
int cli_sweep_check(const cli_sweep *sw, int k, double v, cli_value_check *check);
/* Rows of the curve: the grid's points, or 1. */
size_t cli_sweep_rows(const cli_sweep *sw);
/* Row i's parameters: p[sweep] := the grid's i-th value (p unchanged without a sweep). */
void cli_sweep_row(const cli_sweep *sw, size_t i, double *p);
void cli_sweep_free(cli_sweep *sw);

/* Parse an activation for option opt (coefficients bounded); with `normalise`, also its
 * Fan-Wang constants, a failure reported under opt's name. */
int cli_act(const char *text, const char *opt, int normalise, deq_act *act);

/* fn(arg) with the library's message re-issued under opt's name; returns an exit code. */
int cli_quiet(int (*fn)(void *), void *arg, const char *opt);

/* Record the common comments (command, version) at the top of a table. */
int cli_table_header(const cli_ctx *ctx, deq_table *t, const char *kind);

/* Output files (output.c).  cli_path_check: `path` may be written -- absent or a regular file
 * (not a link, device, directory, FIFO), in a writable directory -- else a message naming
 * `opt` and CLI_EXIT_USAGE.  cli_outputs_check: every file of --out (and its .summary.csv when
 * `summary`) and --plot (with its .gp, and .csv when --out is stdout), before any work. */
int cli_path_check(const char *path, const char *opt);
int cli_outputs_check(const char *out, const char *plot, int summary);
/* Write the table through a temporary in the target's directory, renamed over it ("-":
 * stdout); `opt` names the option in messages. */
int cli_write(const deq_table *t, const char *path, const char *opt);
/* A text file written by fn, through a temporary. */
int cli_write_text(const char *path, const char *opt, void (*fn)(FILE *, const void *),
                   const void *arg);
/* Run argv (argv[tmp_arg] := prefix + 'TMP', TMP a temporary beside path), and rename TMP
 * over path when the program succeeded. */
int cli_render(char **argv, size_t tmp_arg, const char *prefix, const char *path,
               const char *opt);
/* SIGINT, SIGTERM, SIGHUP: remove the registered temporaries, stop gnuplot, re-raise. */
void cli_signals_install(void);

/* The safety net: a row whose status is "ok" holds finite numbers, a density >= 0, a
 * resolvent trace res(lambda) > 0, probabilities (atom, align_grad, align_w1) in [0, 1].  A
 * row that does not (a bug of the library) gets the status CLI_STATUS_INTERNAL, a message
 * asks for a report, and the result is CLI_EXIT_FAIL. */
#define CLI_STATUS_INTERNAL "einternal"
int cli_table_guard(deq_table *t);

/* Output of a command: in dry mode (deqnn check) hand the table to ctx; otherwise write it
 * to `out` and, when `plot` is given, call fn(arg, csv, plot) on the CSV it was written to
 * (PLOT.csv when `out` is stdout).  Takes ownership of t. */
typedef int cli_plot_fn(const void *arg, const char *csv, const char *plot);
int cli_emit(cli_ctx *ctx, deq_table *t, const char *out, const char *plot,
             cli_plot_fn *fn, const void *arg);

/* Plot with gnuplot: writes PLOT.gp beside the figure and runs it on the CSV; `extra` (NULL:
 * none) holds gnuplot commands run before the plot (an arrow marking a point, ...). */
int cli_plot(const char *csv, const char *plot, const char *title, const char *xlabel,
             const char *ylabel, const char *xcol, const char *const *ycols,
             const char *const *styles, const char *const *titles, size_t ny, int logx,
             const char *extra);

/* Progress of a long run on stderr (progress.c): "deqnn: rows 3/11, simulating 7/20, 1.3/s,
 * ETA 0:09", one line rewritten in place on a terminal once the run has taken a second; a line
 * per update (at most 5 a second) when forced into a pipe or file; nothing otherwise.  Sessions
 * nest: a session begun inside another counts as one unit of it (a row's replicates).  Safe
 * from worker threads.  The mode comes from --progress (CLI_PROGRESS_ON) and --quiet (_OFF),
 * read by cli_parse; muted on MPI ranks other than 0. */
enum { CLI_PROGRESS_AUTO, CLI_PROGRESS_ON, CLI_PROGRESS_OFF };
void cli_progress_mode(int mode);
void cli_progress_mute(int muted);
void cli_progress_begin(const char *what, size_t total);
void cli_progress_add(size_t k);
void cli_progress_end(void);

/* This rank's replicates among r = 0..nrep-1 (item first + r of the run; cli_rank_count of
 * them, all of them when mp is NULL) over nthreads worker threads (states[t] is thread t's
 * workspace), BLAS pinned to one thread: fn(state, r, shared) gets r itself, so results do
 * not depend on the thread or rank count.  Stops handing out replicates after the first
 * failure and returns its status; 0 at once when the rank has none.  No MPI call: gather
 * with cli_ranks_worst and cli_ranks_sum. */
typedef int cli_replicate_fn(void *state, size_t r, void *shared);
int cli_run_replicates(const cli_ranks *mp, size_t first, const char *what, size_t nrep,
                       size_t nthreads, void **states, cli_replicate_fn *fn, void *shared);
/* Worker threads to use: DEQNN_THREADS or the number of online processors (1..64). */
size_t cli_threads(void);
/* Workers for nrep replicates of `per` bytes each: at most cli_threads() and nrep, fewer when
 * memory is short; the whole job checked by deq_mem_check_job (reported, naming `what`).
 * 0 when per is NAN (an invalid spec, reported by its _bytes) or no worker fits. */
size_t cli_workers(double per, size_t nrep, const char *what);

/* A figure from a script whose body fn writes after the preamble (terminal, output), with the
 * figure's file name in a variable as cli_plot does; PLOT.gp is kept. */
int cli_plot_script(const char *plot, void (*fn)(FILE *, const void *), const void *arg);

/* OpenBLAS on Prescott kernels although the CPU has AVX2/AVX-512 (a virtual machine's generic
 * CPU model): run argv again with OPENBLAS_CORETYPE set (blascore.c); returns if nothing to do. */
void cli_blas_core(char **argv);

/* The commands and their one-line summaries, NULL-terminated (help.c). */
typedef struct { const char *name, *summary; } cli_command;
extern const cli_command cli_commands[];
/* Usage of a command from its option table (text, or roff for the manual when
 * cli_help_roff(1)); the list of commands; the manual page deqnn(1) on stdout. */
void cli_usage(const char *cmd, const cli_opt *opts, size_t n);
void cli_help_roff(int on);
void cli_usage_main(void);
int cli_man(void);

/* Capture (deq_command_run): a simulation's per-replicate values res[(i S + r) k + j] (row
 * i < nrows of the main table, replicate r < S, quantity j < k <= 24) as a table of kind
 * `kind` with the command's header comments and 2 + k columns named names[]: i, r (usually
 * "row", "replicate") and the quantities; NULL when out of memory. */
deq_table *cli_seeds_table(const cli_ctx *ctx, const char *kind, size_t nrows, size_t S,
                           size_t k, const char *const *names, const double *res);

/* Commands. */
int cli_cmd_spectrum(cli_ctx *ctx, const char *kind, int argc, char **argv);
int cli_cmd_check(int argc, char **argv);
int cli_cmd_risk(cli_ctx *ctx, int onestep, int argc, char **argv);
int cli_cmd_spiked(cli_ctx *ctx, int argc, char **argv);
int cli_cmd_train(cli_ctx *ctx, int argc, char **argv);
int cli_run(cli_ctx *ctx, int argc, char **argv);

#endif

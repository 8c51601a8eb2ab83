/* MPI for the CLI (optional): which rank this process is, the gathering of the replicates'
 * results, and the end of MPI. */
#include <limits.h>
#include <stdlib.h>
#include <time.h>
#include "cli/cli.h"
#ifdef DEQ_HAVE_MPI
#include <mpi.h>

/* Environment variables that MPI launchers set in the processes they start (Open MPI's
 * mpirun, PMI and PMIx launchers such as Slurm's srun, MPICH's hydra). */
static int under_launcher(void)
{
  static const char *const vars[] = { "OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK",
                                      "MPI_LOCALNRANKS" };
  for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
    if (getenv(vars[i]) != NULL)
      return 1;
  return 0;
}

#define CLI_MPI_GRACE 60.0        /* seconds a failed rank waits for the others */
#define CLI_MPI_POLL_NS 10000000L  /* 10 ms between two tests of the end barrier */

/* The grace period: DEQNN_MPI_GRACE seconds if set to a number >= 0. */
static double grace_seconds(void)
{
  const char *env = getenv("DEQNN_MPI_GRACE");
  char *end = NULL;
  double g = env != NULL ? strtod(env, &end) : -1.0;
  return env != NULL && end != env && *end == '\0' && g >= 0.0 ? g : CLI_MPI_GRACE;
}

static double seconds_now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double) ts.tv_sec + 1e-9 * (double) ts.tv_nsec;
}

/* Whether every rank reached the end barrier: waiting as long as it takes (failed = 0) or at
 * most the grace period (failed != 0). */
static int all_ranks_end(MPI_Comm comm, int failed)
{
  MPI_Request req;
  int done = 0;
  MPI_Ibarrier(comm, &req);
  if (!failed)
    return MPI_Wait(&req, MPI_STATUS_IGNORE) == MPI_SUCCESS;
  double limit = seconds_now() + grace_seconds();
  const struct timespec pause = { 0, CLI_MPI_POLL_NS };
  while (MPI_Test(&req, &done, MPI_STATUS_IGNORE) == MPI_SUCCESS && !done
         && seconds_now() < limit)
    nanosleep(&pause, NULL);
  return done;
}
#endif

void cli_mpi_start(cli_ctx *ctx, int *argc, char ***argv)
{
  ctx->rank = 0;
  ctx->ranks = 1;
#ifdef DEQ_HAVE_MPI
  int provided = 0;
  MPI_Comm end;
  if (!under_launcher() || MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided))
    return;
  MPI_Comm_rank(MPI_COMM_WORLD, &ctx->rank);
  MPI_Comm_size(MPI_COMM_WORLD, &ctx->ranks);
  MPI_Comm_dup(MPI_COMM_WORLD, &end);
  ctx->end_comm = (int) MPI_Comm_c2f(end);
#else
  (void) argc, (void) argv;
#endif
}

void cli_mpi_finish(const cli_ctx *ctx, int rc)
{
#ifdef DEQ_HAVE_MPI
  int started = 0;
  MPI_Initialized(&started);
  if (!started)
    return;
  MPI_Comm end = MPI_Comm_f2c((MPI_Fint) ctx->end_comm);
  if (ctx->ranks > 1 && !all_ranks_end(end, rc != 0)) {
    cli_errorf("MPI: rank %d of %d failed (exit status %d) while the other ranks wait for it: "
               "aborting every rank", ctx->rank, ctx->ranks, rc);
    MPI_Abort(MPI_COMM_WORLD, rc);
  }
  MPI_Comm_free(&end);
  MPI_Finalize();
#else
  (void) ctx, (void) rc;
#endif
}

int cli_ranks_worst(const cli_ranks *mp, int status)
{
#ifdef DEQ_HAVE_MPI
  if (mp != NULL && mp->ranks > 1)
    MPI_Allreduce(MPI_IN_PLACE, &status, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
#else
  (void) mp;
#endif
  return status;
}

/* Elements per MPI_Allreduce: MPI counts are ints. */
#define CLI_MPI_CHUNK ((size_t) INT_MAX)

void cli_ranks_sum(const cli_ranks *mp, double *buf, size_t len)
{
#ifdef DEQ_HAVE_MPI
  for (size_t u = 0; mp != NULL && mp->ranks > 1 && u < len; u += CLI_MPI_CHUNK) {
    size_t c = len - u < CLI_MPI_CHUNK ? len - u : CLI_MPI_CHUNK;
    MPI_Allreduce(MPI_IN_PLACE, buf + u, (int) c, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
  }
#else
  (void) mp, (void) buf, (void) len;
#endif
}

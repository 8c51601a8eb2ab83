/* MPI for the CLI (optional): which rank this process is, the gathering of the replicates'
 * results, and the end of MPI. */
#include <limits.h>
#include <stdlib.h>
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
#endif

void cli_mpi_start(cli_ctx *ctx, int *argc, char ***argv)
{
  ctx->rank = 0;
  ctx->ranks = 1;
#ifdef DEQ_HAVE_MPI
  int provided = 0;
  if (!under_launcher() || MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided))
    return;
  MPI_Comm_rank(MPI_COMM_WORLD, &ctx->rank);
  MPI_Comm_size(MPI_COMM_WORLD, &ctx->ranks);
#else
  (void) argc, (void) argv;
#endif
}

void cli_mpi_finish(const cli_ctx *ctx)
{
#ifdef DEQ_HAVE_MPI
  int started = 0;
  MPI_Initialized(&started);
  if (started)
    MPI_Finalize();
#endif
  (void) ctx;
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

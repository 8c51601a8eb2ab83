/* MPI for the CLI (optional): which rank this process is, and the end of MPI. */
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

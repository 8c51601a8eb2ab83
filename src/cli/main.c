/* deqnn: deterministic equivalents of neural networks, checked against simulation. */
#include <stdio.h>
#include <string.h>
#include "cli/cli.h"
#include "deqnn/status.h"
#include "deqnn/version.h"

static void print_error(const char *reason, const char *file, int line, int status)
{
  (void) file;
  (void) line;
  (void) status;
  cli_errorf("%s", reason);
}

static void usage(void)
{
  puts("usage: deqnn COMMAND [options]      (deqnn COMMAND --help or deqnn help COMMAND for\n"
       "       the options; --name value or --name=value)\n"
       "commands:\n"
       "  mp      Marchenko-Pastur law (and its simulation)\n"
       "  ck      conjugate-kernel spectrum of a deep network\n"
       "  ntk     neural-tangent-kernel spectrum of a deep network\n"
       "  rf      ridge risk on random features (Mei-Montanari), curves in any parameter\n"
       "  onestep risk after one gradient step on the first layer (Ba et al.), baselines\n"
       "  spiked  spiked random features after one large step: risk, spectrum, outliers\n"
       "  train   spectra of a two-layer network during training (GD, SGD, Adam), theory overlays\n"
       "  check   recompute a CSV written by deqnn and compare within its error bars\n"
       "  version print the version");
}

static void record_command(cli_ctx *ctx, int argc, char **argv)
{
  size_t u = (size_t) snprintf(ctx->command, sizeof ctx->command, "deqnn");
  for (int i = 1; i < argc && u < sizeof ctx->command; i++) {
    const char *q = strpbrk(argv[i], " \t") ? "'" : "";
    u += (size_t) snprintf(ctx->command + u, sizeof ctx->command - u, " %s%s%s", q, argv[i], q);
  }
}

int main(int argc, char **argv)
{
  cli_blas_core(argv);
  deq_set_error_handler(print_error);
  cli_signals_install();
  if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
    usage();
    return argc < 2 ? CLI_EXIT_USAGE : CLI_EXIT_OK;
  }
  if (strcmp(argv[1], "version") == 0 || strcmp(argv[1], "--version") == 0) {
    printf("deqnn %s\n", DEQ_VERSION);
    return CLI_EXIT_OK;
  }
  if (strcmp(argv[1], "help") == 0) {   /* deqnn help [CMD] = deqnn CMD --help */
    if (argc < 3) {
      usage();
      return CLI_EXIT_OK;
    }
    char *hargv[] = { argv[2], "--help", NULL };
    if (strcmp(argv[2], "check") == 0)
      return cli_cmd_check(2, hargv);
    cli_ctx hctx;
    memset(&hctx, 0, sizeof hctx);
    return cli_run(&hctx, 2, hargv);
  }
  if (strcmp(argv[1], "check") == 0)
    return cli_cmd_check(argc - 1, argv + 1);
  cli_ctx ctx;
  memset(&ctx, 0, sizeof ctx);
  record_command(&ctx, argc, argv);
  cli_mpi_start(&ctx, &argc, &argv);
  int rc = cli_run(&ctx, argc - 1, argv + 1);
  cli_mpi_finish(&ctx);
  return rc;
}

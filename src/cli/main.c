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
    cli_usage_main();
    return argc < 2 ? CLI_EXIT_USAGE : CLI_EXIT_OK;
  }
  if (strcmp(argv[1], "version") == 0 || strcmp(argv[1], "--version") == 0) {
    printf("deqnn %s\n", DEQ_VERSION);
    return CLI_EXIT_OK;
  }
  if (strcmp(argv[1], "--man") == 0 || (strcmp(argv[1], "help") == 0 && argc > 2 &&
                                          strcmp(argv[2], "--man") == 0))
    return cli_man();   /* deqnn(1) in roff, from the option tables */
  if (strcmp(argv[1], "help") == 0) {   /* deqnn help [CMD] = deqnn CMD --help */
    if (argc < 3) {
      cli_usage_main();
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
  cli_mpi_finish(&ctx, rc);
  return rc;
}

/* The CLI's commands as a library call (deqnn/command.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/cli.h"
#include "deqnn/command.h"

int cli_run(cli_ctx *ctx, int argc, char **argv)
{
  const char *cmd = argv[0];
  cli_progress_mute(ctx->rank != 0);   /* one progress line: rank 0's */
  /* Under MPI every rank parses; the simulations are spread over the ranks, a theory runs
   * on rank 0 alone, and rank 0 writes the outputs. */
  if (strcmp(cmd, "mp") == 0 || strcmp(cmd, "ck") == 0 || strcmp(cmd, "ntk") == 0)
    return cli_cmd_spectrum(ctx, cmd, argc, argv);
  if (strcmp(cmd, "rf") == 0 || strcmp(cmd, "onestep") == 0)
    return cli_cmd_risk(ctx, strcmp(cmd, "onestep") == 0, argc, argv);
  if (strcmp(cmd, "spiked") == 0)
    return cli_cmd_spiked(ctx, argc, argv);
  if (strcmp(cmd, "train") == 0)
    return cli_cmd_train(ctx, argc, argv);
  cli_errorf("unknown command '%s' (deqnn --help lists them)", cmd);
  return CLI_EXIT_USAGE;
}

static void to_messages(const char *reason, const char *file, int line, int status)
{
  (void) file, (void) line, (void) status;
  cli_errorf("%s", reason);
}

static void record(cli_ctx *ctx, int argc, const char *const *argv)
{
  size_t u = (size_t) snprintf(ctx->command, sizeof ctx->command, "deqnn");
  for (int i = 0; i < argc && u < sizeof ctx->command; i++) {
    const char *q = strpbrk(argv[i], " \t") ? "'" : "";
    u += (size_t) snprintf(ctx->command + u, sizeof ctx->command - u, " %s%s%s", q, argv[i], q);
  }
}

int deq_command_run(int argc, const char *const *argv, deq_table **table, deq_table **summary,
                    char *msg, size_t msglen)
{
  char discard[256];   /* without a buffer the messages are dropped: never printed */
  if (msg == NULL || msglen == 0)
    msg = discard, msglen = sizeof discard;
  cli_messages_to(msg, msglen);
  if (table != NULL)
    *table = NULL;
  if (summary != NULL)
    *summary = NULL;
  if (argc < 1 || argv == NULL || table == NULL || argv[0] == NULL ||
      strcmp(argv[0], "check") == 0) {
    cli_errorf("deq_command_run: need a command (mp, ck, ntk, rf, onestep, spiked, train) and "
               "a table pointer");
    cli_messages_to(NULL, 0);
    return CLI_EXIT_USAGE;
  }
  char **args = malloc((size_t) (argc + 1) * sizeof *args);
  cli_ctx *ctx = calloc(1, sizeof *ctx);
  int rc = CLI_EXIT_FAIL;
  if (args != NULL && ctx != NULL) {
    for (int i = 0; i < argc; i++)
      args[i] = (char *) argv[i];   /* the parser reads them only */
    args[argc] = NULL;
    ctx->capture = 1;
    record(ctx, argc, argv);
    deq_error_handler_t *old = deq_set_error_handler(to_messages);
    rc = cli_run(ctx, argc, args);
    deq_set_error_handler(old);
    *table = ctx->table;
    if (summary != NULL)
      *summary = ctx->summary;
    else
      deq_table_free(ctx->summary);
  }
  free(args);
  free(ctx);
  cli_messages_to(NULL, 0);
  return rc;
}

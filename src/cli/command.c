/* The CLI's commands as a library call (deqnn/command.h). */
#include <math.h>
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

deq_table *cli_seeds_table(const cli_ctx *ctx, const char *kind, size_t nrows, size_t S,
                           size_t k, const char *const *names, const double *res)
{
  if (k > 24 || res == NULL)
    return NULL;
  deq_table *t = deq_table_alloc(2 + k, names, NULL);
  cli_ctx c = *ctx;
  c.error_cols = NULL;
  int s = t == NULL || cli_table_header(&c, t, kind);
  double v[2 + 24];
  for (size_t i = 0; !s && i < nrows; i++)
    for (size_t r = 0; !s && r < S; r++) {
      v[0] = (double) i, v[1] = (double) r;
      memcpy(v + 2, res + (i * S + r) * k, k * sizeof *v);
      s = deq_table_add_row(t, v, NULL);
    }
  if (s) {
    deq_table_free(t);
    return NULL;
  }
  return t;
}

static const char *const table_names[] = { "table", "summary", "seeds", "eigenvalues", "law",
                                            "cdf" };

const char *deq_command_table_name(size_t i)
{
  return i < sizeof table_names / sizeof *table_names ? table_names[i] : NULL;
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

/* Run argv on ctx (capture) with the messages to msg and the library's errors among them. */
static int run_captured(cli_ctx *ctx, int argc, const char *const *argv)
{
  char **args = malloc((size_t) (argc + 1) * sizeof *args);
  if (args == NULL)
    return CLI_EXIT_FAIL;
  for (int i = 0; i < argc; i++)
    args[i] = (char *) argv[i];   /* the parser reads them only */
  args[argc] = NULL;
  ctx->capture = 1;
  record(ctx, argc, argv);
  deq_error_handler_t *old = deq_set_error_handler(to_messages);
  cli_progress_mute(1);   /* a library call prints nothing, a progress line included */
  int rc = cli_run(ctx, argc, args);
  cli_progress_mute(0);
  deq_set_error_handler(old);
  free(args);
  return rc;
}

static const char *messages_start(char *msg, size_t msglen, char *discard, size_t dlen)
{
  if (msg == NULL || msglen == 0)   /* without a buffer the messages are dropped: never printed */
    msg = discard, msglen = dlen;
  cli_messages_to(msg, msglen);
  return msg;
}

int deq_command_run_tables(int argc, const char *const *argv, deq_table **tables,
                           size_t ntables, char *msg, size_t msglen)
{
  char discard[256];
  messages_start(msg, msglen, discard, sizeof discard);
  for (size_t i = 0; tables != NULL && i < ntables; i++)
    tables[i] = NULL;
  if (argc < 1 || argv == NULL || tables == NULL || ntables < 1 || argv[0] == NULL ||
      strcmp(argv[0], "check") == 0) {
    cli_errorf("deq_command_run: need a command (mp, ck, ntk, rf, onestep, spiked, train) and "
               "a table pointer");
    cli_messages_to(NULL, 0);
    return CLI_EXIT_USAGE;
  }
  cli_ctx *ctx = calloc(1, sizeof *ctx);
  int rc = CLI_EXIT_FAIL;
  if (ctx != NULL) {
    ctx->want_law = ntables > 4;
    rc = run_captured(ctx, argc, argv);
    deq_table *got[] = { ctx->table, ctx->summary, ctx->seeds, ctx->eigen, ctx->law, ctx->cdf };
    for (size_t i = 0; i < sizeof got / sizeof *got; i++)
      if (i < ntables)
        tables[i] = got[i];
      else
        deq_table_free(got[i]);
  }
  free(ctx);
  cli_messages_to(NULL, 0);
  return rc;
}

int deq_command_stieltjes(int argc, const char *const *argv, size_t nz, const double *z_re,
                          const double *z_im, double *m_re, double *m_im, double *m_err,
                          int *status, char *msg, size_t msglen)
{
  char discard[256];
  messages_start(msg, msglen, discard, sizeof discard);
  if (argc < 1 || argv == NULL || argv[0] == NULL || nz == 0 || !z_re || !z_im || !m_re ||
      !m_im || !m_err || !status ||
      (strcmp(argv[0], "mp") != 0 && strcmp(argv[0], "ck") != 0 && strcmp(argv[0], "ntk") != 0)) {
    cli_errorf("deq_command_stieltjes: need mp, ck or ntk, nz > 0 points and their outputs");
    cli_messages_to(NULL, 0);
    return CLI_EXIT_USAGE;
  }
  for (size_t i = 0; i < nz; i++)
    if (!isfinite(z_re[i]) || !isfinite(z_im[i])) {
      cli_errorf("z: point %zu is not finite (%g%+gi)", i, z_re[i], z_im[i]);
      cli_messages_to(NULL, 0);
      return CLI_EXIT_USAGE;
    }
  cli_ctx *ctx = calloc(1, sizeof *ctx);
  int rc = CLI_EXIT_FAIL;
  if (ctx != NULL) {
    ctx->nz = nz, ctx->z_re = z_re, ctx->z_im = z_im;
    ctx->m_re = m_re, ctx->m_im = m_im, ctx->m_err = m_err, ctx->m_status = status;
    rc = run_captured(ctx, argc, argv);
    deq_table_free(ctx->table);   /* none is made; a --simulate is not run */
    deq_table_free(ctx->summary);
  }
  free(ctx);
  cli_messages_to(NULL, 0);
  return rc;
}

int deq_command_run(int argc, const char *const *argv, deq_table **table, deq_table **summary,
                    char *msg, size_t msglen)
{
  deq_table *t[2] = { NULL, NULL };
  int rc = deq_command_run_tables(argc, argv, table != NULL ? t : NULL, summary ? 2 : 1, msg,
                                  msglen);
  if (table != NULL)
    *table = t[0];
  if (summary != NULL)
    *summary = t[1];
  return rc;
}

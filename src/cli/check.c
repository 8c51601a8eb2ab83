/* deqnn check FILE.csv: recompute the command recorded in FILE and compare. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/cli.h"
#include "deqnn/compare.h"
#include "deqnn/status.h"

#define MAXARGS 128

/* Split a recorded command line at blanks, honouring single quotes; drops the leading
 * "deqnn" and the output-only options --out and --plot. */
static int split_command(char *line, char **argv, int *argc)
{
  int n = 0;
  char *p = line;
  while (*p) {
    while (*p == ' ')
      p++;
    if (!*p)
      break;
    if (n == MAXARGS)
      return -1;
    char *start = p;
    if (*p == '\'') {
      start = ++p;
      p = strchr(p, '\'');
      if (p == NULL)
        return -1;
    } else {
      while (*p && *p != ' ')
        p++;
    }
    if (*p)
      *p++ = '\0';
    argv[n++] = start;
  }
  int k = 0;
  for (int i = 0; i < n; i++) {
    if (i == 0 && strcmp(argv[i], "deqnn") == 0)
      continue;
    if ((strcmp(argv[i], "--out") == 0 || strcmp(argv[i], "--plot") == 0) && i + 1 < n) {
      i++;
      continue;
    }
    argv[k++] = argv[i];
  }
  *argc = k;
  return k > 0 ? 0 : -1;
}

static int recompute(const deq_table *ref, const char *path, deq_table **got)
{
  const char *cmd = deq_table_comment(ref, "command");
  char line[4096], *argv[MAXARGS];
  int argc;
  if (cmd == NULL || strlen(cmd) >= sizeof line) {
    cli_errorf("check: '%s' has no '# command:' line", path);
    return CLI_EXIT_USAGE;
  }
  strcpy(line, cmd);
  if (split_command(line, argv, &argc)) {
    cli_errorf("check: cannot parse the command recorded in '%s'", path);
    return CLI_EXIT_USAGE;
  }
  cli_ctx ctx;
  memset(&ctx, 0, sizeof ctx);
  snprintf(ctx.command, sizeof ctx.command, "%s", cmd);
  ctx.dry = 1;
  int rc = cli_run(&ctx, argc, argv);
  *got = ctx.table;
  if (ctx.table == NULL) {
    cli_errorf("check: the recorded command did not run (exit %d)", rc);
    return rc ? rc : CLI_EXIT_FAIL;
  }
  return CLI_EXIT_OK;
}

int cli_cmd_check(int argc, char **argv)
{
  if (argc != 2 || argv[1][0] == '-') {
    fprintf(argc == 2 && strcmp(argv[1], "--help") == 0 ? stdout : stderr,
            "usage: deqnn check FILE.csv\n  recompute the command recorded in FILE.csv and "
            "compare every theory column within the recorded error bars\n");
    return argc == 2 && strcmp(argv[1], "--help") == 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
  }
  deq_table *ref = NULL, *got = NULL;
  if (deq_table_read(argv[1], &ref))
    return CLI_EXIT_USAGE;
  int rc = recompute(ref, argv[1], &got);
  if (rc == CLI_EXIT_OK) {
    char report[4096];
    size_t nbad;
    if (deq_compare_tables(ref, got, 10, report, sizeof report, &nbad))
      rc = CLI_EXIT_FAIL;
    else if (nbad > 0) {
      fprintf(stderr, "check %s: FAIL, %zu value(s) outside the error bars; worst:\n%s",
              argv[1], nbad, report);
      rc = CLI_EXIT_FAIL;
    } else {
      printf("check %s: ok (%zu rows)\n", argv[1], ref->nrows);
    }
  }
  deq_table_free(ref);
  deq_table_free(got);
  return rc;
}

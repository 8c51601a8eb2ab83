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

/* A status cell must hold a token deqnn writes. */
static int known_status(const char *token)
{
  return deq_status_from_name(token) >= 0 || strcmp(token, CLI_STATUS_INTERNAL) == 0;
}

static int same_comment(const deq_table *ref, const deq_table *got, const char *key,
                        const char *path)
{
  const char *a = deq_table_comment(ref, key), *b = deq_table_comment(got, key);
  if (a != NULL && (b == NULL || strcmp(a, b) != 0)) {   /* absent: nothing relaxed */
    cli_errorf("check: '%s' is malformed: its '# %s:' line is '%s', the recorded command "
               "writes '%s'", path, key, a ? a : "(none)", b ? b : "(none)");
    return CLI_EXIT_USAGE;
  }
  return CLI_EXIT_OK;
}

/* The reference has exactly the columns (sim_* aside) the command writes, and its kind and
 * error-columns lines, when present, are the command's.  (Without error-columns every
 * column is compared to 1e-12: a missing line makes the check stricter, not looser.) */
static int check_schema(const deq_table *ref, const deq_table *got, const char *path)
{
  for (size_t c = 0; c < got->ncols; c++) {
    long k = deq_table_column(ref, got->names[c]);
    if (strncmp(got->names[c], "sim_", 4) == 0)
      continue;
    if (k < 0 || (got->types[c] == DEQ_COL_NUM && ref->types[k] != DEQ_COL_NUM)) {
      cli_errorf("check: '%s' is malformed: column '%s' %s", path, got->names[c],
                 k < 0 ? "is missing" : "holds text where the command writes numbers");
      return CLI_EXIT_USAGE;
    }
  }
  for (size_t c = 0; c < ref->ncols; c++)
    if (strncmp(ref->names[c], "sim_", 4) != 0 && deq_table_column(got, ref->names[c]) < 0) {
      cli_errorf("check: '%s' is malformed: the recorded command writes no column '%s'", path,
                 ref->names[c]);
      return CLI_EXIT_USAGE;
    }
  long st = deq_table_column(ref, "status");
  for (size_t r = 0; st >= 0 && r < ref->nrows; r++) {
    const char *token = ref->text[r * ref->ncols + (size_t) st];
    if (token == NULL || !known_status(token)) {
      cli_errorf("check: '%s' is malformed: row %zu has status '%s'", path, r + 1,
                 token ? token : "(a number)");
      return CLI_EXIT_USAGE;
    }
  }
  int rc = same_comment(ref, got, "kind", path);
  return rc ? rc : same_comment(ref, got, "error-columns", path);
}

static int error_bars(void *t)
{
  return deq_check_error_bars(t);
}

static int compare(const deq_table *ref, const deq_table *got, const char *path)
{
  char report[4096], where[CLI_PATHMAX + 16];
  size_t nbad;
  snprintf(where, sizeof where, "check: '%s'", path);
  int rc = check_schema(ref, got, path);
  if (!rc && (rc = cli_quiet(error_bars, (void *) ref, where)))
    return CLI_EXIT_USAGE;
  if (!rc && cli_quiet(error_bars, (void *) got, "check: the recomputed table")) {
    cli_errorf("check: the recomputed error bars are not sane: a bug of deqnn, please report it");
    return CLI_EXIT_FAIL;
  }
  if (!rc && (rc = cli_exit_status(deq_compare_tables(ref, got, 10, report, sizeof report, &nbad))))
    return rc;
  if (!rc && nbad > 0) {
    fprintf(stderr, "check %s: FAIL, %zu value(s) outside the error bars; worst:\n%s",
            path, nbad, report);
    rc = CLI_EXIT_FAIL;
  }
  return rc;
}

typedef struct { const char *path; deq_table **t; } read_arg;

static int read_table(void *arg)
{
  read_arg *ra = arg;
  return deq_table_read(ra->path, ra->t);
}

int cli_cmd_check(int argc, char **argv)
{
  int help = argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0);
  if (argc != 2 || argv[1][0] == '-') {
    fprintf(help ? stdout : stderr,
            "usage: deqnn check FILE.csv\n  recompute the command recorded in FILE.csv and "
            "compare every theory column within the recorded error bars\n");
    return help ? CLI_EXIT_OK : CLI_EXIT_USAGE;
  }
  deq_table *ref = NULL, *got = NULL;
  read_arg ra = { argv[1], &ref };
  if (cli_quiet(read_table, &ra, "check"))
    return CLI_EXIT_USAGE;   /* unreadable or malformed: bad input */
  int rc = CLI_EXIT_OK;
  if (ref->nrows == 0) {
    cli_errorf("check: '%s' is malformed: no data rows", argv[1]);
    rc = CLI_EXIT_USAGE;
  }
  const char *kind = deq_table_comment(ref, "kind");
  if (!rc && kind != NULL && strcmp(kind, "train") == 0) {
    cli_errorf("check: '%s' holds simulation values only (kind train); check its summary "
               "'%s.summary.csv', whose theory columns are recomputed", argv[1], argv[1]);
    rc = CLI_EXIT_USAGE;
  }
  if (!rc)
    rc = recompute(ref, argv[1], &got);
  if (!rc)
    rc = compare(ref, got, argv[1]);
  if (!rc)
    printf("check %s: ok (%zu rows)\n", argv[1], ref->nrows);
  deq_table_free(ref);
  deq_table_free(got);
  return rc;
}

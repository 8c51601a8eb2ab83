/* Option parsing and small output helpers of the CLI. */
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "cli/cli.h"
#include "deqnn/grid.h"
#include "deqnn/status.h"
#include "deqnn/version.h"
#include "revision.h"

/* Where cli_errorf writes on this thread (deq_command_run collects the messages). */
static _Thread_local char *msg_buf;
static _Thread_local size_t msg_len;

void cli_messages_to(char *buf, size_t len)
{
  msg_buf = len > 0 ? buf : NULL;
  msg_len = len;
  if (msg_buf != NULL)
    msg_buf[0] = '\0';
}

int cli_messages_captured(void)
{
  return msg_buf != NULL;
}

void cli_errorf(const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  if (msg_buf != NULL) {
    size_t u = strlen(msg_buf);
    if (u + 1 < msg_len) {
      int k = vsnprintf(msg_buf + u, msg_len - u, fmt, ap);
      u = k < 0 ? u : u + (size_t) k < msg_len ? u + (size_t) k : msg_len - 1;
      if (u + 1 < msg_len)
        msg_buf[u++] = '\n', msg_buf[u] = '\0';
    }
    va_end(ap);
    return;
  }
  fputs("deqnn: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
}

/* The option named by arg: "--name", or "--name=value" (then *inline_value -> value). */
static cli_opt *find(cli_opt *opts, size_t n, const char *arg, const char **inline_value)
{
  const char *eq = strncmp(arg, "--", 2) == 0 ? strchr(arg, '=') : NULL;
  size_t len = eq != NULL ? (size_t) (eq - arg) : strlen(arg);
  *inline_value = eq != NULL ? eq + 1 : NULL;
  for (size_t k = 0; k < n; k++)
    if (strlen(opts[k].name) == len && strncmp(opts[k].name, arg, len) == 0)
      return &opts[k];
  return NULL;
}

int cli_parse(const char *cmd, int argc, char **argv, cli_opt *opts, size_t nopts)
{
  for (size_t k = 0; k < nopts; k++) {
    opts[k].value = opts[k].def;
    opts[k].seen = 0;
  }
  cli_progress_mode(CLI_PROGRESS_AUTO);
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      cli_usage(cmd, opts, nopts);
      return -1;
    }
    if (strcmp(argv[i], "--progress") == 0 || strcmp(argv[i], "--quiet") == 0) {
      cli_progress_mode(argv[i][2] == 'p' ? CLI_PROGRESS_ON : CLI_PROGRESS_OFF);
      continue;
    }
    const char *inl;
    cli_opt *o = find(opts, nopts, argv[i], &inl);
    if (o == NULL) {
      cli_errorf("%s: unknown option '%s' (see deqnn %s --help)", cmd, argv[i], cmd);
      return CLI_EXIT_USAGE;
    }
    if (o->seen) {
      cli_errorf("%s: option %s given twice", cmd, o->name);
      return CLI_EXIT_USAGE;
    }
    o->seen = 1;
    if (inl != NULL && !o->has_arg) {
      cli_errorf("%s: option %s takes no value", cmd, o->name);
      return CLI_EXIT_USAGE;
    }
    if (inl != NULL) {
      o->value = inl;   /* --name=value */
    } else if (o->has_arg) {
      if (i + 1 >= argc) {
        cli_errorf("%s: option %s needs a value", cmd, o->name);
        return CLI_EXIT_USAGE;
      }
      o->value = argv[++i];
    } else {
      o->value = "1";
    }
  }
  return CLI_EXIT_OK;
}

const char *cli_get(const cli_opt *opts, size_t nopts, const char *name)
{
  for (size_t k = 0; k < nopts; k++)
    if (strcmp(opts[k].name, name) == 0)
      return opts[k].value;
  return NULL;
}

int cli_flag(const cli_opt *opts, size_t nopts, const char *name)
{
  for (size_t k = 0; k < nopts; k++)
    if (strcmp(opts[k].name, name) == 0)
      return opts[k].seen;
  return 0;
}

int cli_double(const cli_opt *o, size_t no, const char *name, double *v)
{
  return deq_parse_double(cli_get(o, no, name), name, v) ? CLI_EXIT_USAGE : CLI_EXIT_OK;
}

int cli_long(const cli_opt *o, size_t no, const char *name, long lo, long hi, long *v)
{
  if (deq_parse_long(cli_get(o, no, name), name, v))
    return CLI_EXIT_USAGE;
  if (*v < lo || *v > hi) {
    cli_errorf("%s: must lie in [%ld, %ld], got %ld", name, lo, hi, *v);
    return CLI_EXIT_USAGE;
  }
  return CLI_EXIT_OK;
}

/* Library messages captured while validating an option, re-issued under the option's name. */
static _Thread_local char captured[512];

static void capture_error(const char *reason, const char *file, int line, int status)
{
  (void) file, (void) line, (void) status;
  snprintf(captured, sizeof captured, "%s", reason);
}

/* The captured message without its "module: " prefix (a lower-case word: "act: "). */
static const char *captured_text(void)
{
  size_t n = strspn(captured, "abcdefghijklmnopqrstuvwxyz_");
  return n > 0 && strncmp(captured + n, ": ", 2) == 0 ? captured + n + 2 : captured;
}

int cli_act(const char *text, const char *opt, int normalise, deq_act *act)
{
  if (deq_act_parse(text, opt, act))
    return CLI_EXIT_USAGE;
  for (int k = 0; act->kind == DEQ_ACT_POLY && k < 4; k++)
    if (!(fabs(act->c[k]) <= CLI_POLY_MAX)) {
      cli_errorf("%s: poly coefficient c%d = %g: |c| must be <= %g", opt, k, act->c[k],
                 CLI_POLY_MAX);
      return CLI_EXIT_USAGE;
    }
  if (!normalise)
    return CLI_EXIT_OK;
  deq_act_fw fw;
  captured[0] = '\0';
  deq_error_handler_t *old = deq_set_error_handler(capture_error);
  int s = deq_act_fw_constants(act, NULL, &fw);
  deq_set_error_handler(old);
  if (s)
    cli_errorf("%s: '%s': %s", opt, text, captured[0] ? captured_text() : deq_strerror(s));
  return cli_exit_status(s);
}

int cli_quiet(int (*fn)(void *), void *arg, const char *opt)
{
  captured[0] = '\0';
  deq_error_handler_t *old = deq_set_error_handler(capture_error);
  int s = fn(arg);
  deq_set_error_handler(old);
  if (s)
    cli_errorf("%s: %s", opt, captured[0] ? captured_text() : deq_strerror(s));
  return cli_exit_status(s);
}

int cli_range(const char *opt, double v, double lo, double hi, int lo_open)
{
  if (lo_open ? v > lo && v <= hi : v >= lo && v <= hi)
    return CLI_EXIT_OK;
  cli_errorf("%s: must lie in %s%g, %g], got %g", opt, lo_open ? "(" : "[", lo, hi, v);
  return CLI_EXIT_USAGE;
}

int cli_stats_parse(const char *text, double *lambda, size_t nmax, size_t *n)
{
  if (deq_parse_list(text, "--stats", lambda, nmax, n))
    return CLI_EXIT_USAGE;
  for (size_t k = 0; k < *n; k++)
    if (cli_range("--stats", lambda[k], CLI_STATS_MIN, CLI_PARAM_MAX, 0))
      return CLI_EXIT_USAGE;
  return CLI_EXIT_OK;
}

/* The current time as ISO 8601 UTC ("2026-11-30T23:41:05Z"); SOURCE_DATE_EPOCH, when set,
 * replaces the clock (reproducible builds' convention: byte-identical outputs on demand). */
static const char *utc_now(char *buf, size_t len)
{
  const char *sde = getenv("SOURCE_DATE_EPOCH");
  char *end = NULL;
  long long e = sde != NULL ? strtoll(sde, &end, 10) : 0;
  time_t now = sde != NULL && end != sde && *end == '\0' ? (time_t) e : time(NULL);
  struct tm tm;
  if (gmtime_r(&now, &tm) == NULL || strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
    snprintf(buf, len, "unknown");
  return buf;
}

int cli_table_header(const cli_ctx *ctx, deq_table *t, const char *kind)
{
  int s = deq_table_add_comment(t, "command: %s", ctx->command);
  s = deq_status_merge(s, deq_table_add_comment(t, "version: deqnn %s", DEQ_VERSION));
  s = deq_status_merge(s, deq_table_add_comment(t, "revision: %s", DEQ_REVISION));
  char date[32];
  s = deq_status_merge(s, deq_table_add_comment(t, "date: %s", utc_now(date, sizeof date)));
  s = deq_status_merge(s, deq_table_add_comment(t, "threads: %zu, ranks: %d", cli_threads(),
                                                ctx->ranks > 0 ? ctx->ranks : 1));
  s = deq_status_merge(s, deq_table_add_comment(t, "kind: %s", kind));
  if (ctx->error_cols)
    s = deq_status_merge(s, deq_table_add_comment(t, "error-columns: %s", ctx->error_cols));
  return cli_exit_status(s);
}

int cli_exit_status(int deq_status)
{
  if (deq_status == DEQ_SUCCESS)
    return CLI_EXIT_OK;
  return deq_status == DEQ_EINVAL || deq_status == DEQ_EFORMAT ? CLI_EXIT_USAGE : CLI_EXIT_FAIL;
}

#define GUARD_MAXMSG 3   /* rows described; the rest counted */

static int downgrade(deq_table *t, size_t r, size_t st)
{
  char *token = malloc(sizeof CLI_STATUS_INTERNAL);
  if (token == NULL)
    return CLI_EXIT_FAIL;
  memcpy(token, CLI_STATUS_INTERNAL, sizeof CLI_STATUS_INTERNAL);
  free(t->text[r * t->ncols + st]);
  t->text[r * t->ncols + st] = token;
  return CLI_EXIT_OK;
}

static double cell(const deq_table *t, size_t r, const char *name)
{
  long k = deq_table_column(t, name);
  return k >= 0 && t->types[k] == DEQ_COL_NUM ? t->num[r * t->ncols + (size_t) k] : NAN;
}

static int outside(double v, double lo, double hi)
{
  return !isnan(v) && (v < lo || v > hi);
}

/* What is wrong with row r (status ok), or NULL; *col names the column. */
static const char *row_fault(const deq_table *t, size_t r, const char **col)
{
  static const char *const probs[] = { "align_grad", "align_w1" };
  for (size_t k = 0; k < t->ncols; k++)
    if (t->types[k] == DEQ_COL_NUM && !isfinite(t->num[r * t->ncols + k]))
      return *col = t->names[k], "is not finite";
  if (*col = "density", outside(cell(t, r, "density"), 0.0, INFINITY))
    return "is negative";
  for (size_t k = 0; k < sizeof probs / sizeof probs[0]; k++)
    if (*col = probs[k], outside(cell(t, r, probs[k]), 0.0, 1.0))
      return "is not a probability in [0, 1]";
  long st = deq_table_column(t, "stat");
  const char *stat = st >= 0 ? t->text[r * t->ncols + (size_t) st] : NULL;
  *col = "theory";
  if (stat && strncmp(stat, "res(", 4) == 0 && outside(cell(t, r, "theory"), DBL_MIN, INFINITY))
    return "is a resolvent trace (1/n) tr (K + lambda)^-1, lambda > 0, that is not > 0";
  if (stat && strcmp(stat, "atom") == 0 && outside(cell(t, r, "theory"), 0.0, 1.0))
    return "is an atom's mass outside [0, 1]";
  return NULL;
}

int cli_table_guard(deq_table *t)
{
  long st = deq_table_column(t, "status");
  size_t nbad = 0;
  for (size_t r = 0; st >= 0 && t->types[st] == DEQ_COL_TEXT && r < t->nrows; r++) {
    const char *col = NULL, *why;
    if (strcmp(t->text[r * t->ncols + (size_t) st], "ok") != 0 || !(why = row_fault(t, r, &col)))
      continue;
    if (nbad++ < GUARD_MAXMSG)
      cli_errorf("internal error: row %zu: %s = %g %s, with status ok; the row is marked '%s'",
                 r + 1, col, cell(t, r, col), why, CLI_STATUS_INTERNAL);
    downgrade(t, r, (size_t) st);
  }
  if (nbad > 0)
    cli_errorf("internal error: %zu row(s) marked '%s'. This is a bug of deqnn: please report "
               "it with the command line", nbad, CLI_STATUS_INTERNAL);
  return nbad > 0 ? CLI_EXIT_FAIL : CLI_EXIT_OK;
}

int cli_emit(cli_ctx *ctx, deq_table *t, const char *out, const char *plot,
             cli_plot_fn *fn, const void *arg)
{
  int guard = cli_table_guard(t);
  if (!cli_writes(ctx)) {
    ctx->table = t;
    return guard;
  }
  int rc = cli_write(t, out, "--out"), to_stdout = strcmp(out, "-") == 0;
  if (!rc && plot != NULL && fn != NULL) {
    char csv[4096];   /* gnuplot reads a file: beside the figure when the table went to stdout */
    snprintf(csv, sizeof csv, "%s%s", to_stdout ? plot : out, to_stdout ? ".csv" : "");
    if (to_stdout)
      rc = cli_write(t, csv, "--plot");
    if (!rc)
      rc = fn(arg, csv, plot);
  }
  deq_table_free(t);
  return cli_exit_merge(rc, guard);
}

int cli_sim_sizes(const cli_opt *o, size_t no, const char *simflag, long maxseeds,
                  const cli_sim_opts *v)
{
  int rc;
  for (size_t k = 0; k < no; k++)
    if (strcmp(o[k].name, simflag) == 0)
      *v->simulate = o[k].seen;
  if ((rc = cli_long(o, no, "--d", 2, 20000, v->d)) ||
      (rc = cli_long(o, no, "--seeds", 2, maxseeds, v->seeds)) ||
      (rc = cli_long(o, no, "--seed", 0, 0x7fffffffL, v->seed)))
    return rc;
  return cli_long(o, no, "--n-test", 10, 10000000, v->n_test);
}

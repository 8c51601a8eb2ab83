/* --help of every command and the manual page deqnn(1), both printed from the commands' own
 * option tables (one source: what --help lists is what the man page documents). */
#include <stdio.h>
#include <string.h>
#include "cli/cli.h"
#include "deqnn/version.h"

const cli_command cli_commands[] = {
  { "mp", "Marchenko-Pastur law (and its simulation)" },
  { "ck", "conjugate-kernel spectrum of a deep network" },
  { "ntk", "neural-tangent-kernel spectrum of a deep network" },
  { "rf", "ridge risk on random features (Mei-Montanari), curves in any parameter" },
  { "onestep", "risk after one gradient step on the first layer (Ba et al.), baselines" },
  { "spiked", "spiked random features after one large step: risk, spectrum, outliers" },
  { "train", "spectra of a two-layer network during training (GD, SGD, Adam), theory overlays" },
  { "check", "recompute a CSV written by deqnn and compare within its error bars" },
  { "version", "print the version" },
  { NULL, NULL },
};

/* The options every command takes, parsed by cli_parse itself. */
static const struct { const char *name, *help; } common[] = {
  { "--progress", "show the progress line of long runs on stderr even when it is not a "
                  "terminal (a pipe, a file) [default: on a terminal only]" },
  { "--quiet", "no progress line, not even on a terminal" },
  { "-h, --help", "this list (also deqnn help COMMAND)" },
};

static int roff;   /* print roff for deqnn(1) instead of text */

void cli_help_roff(int on) { roff = on; }

static const char *summary_of(const char *cmd)
{
  for (const cli_command *c = cli_commands; c->name != NULL; c++)
    if (strcmp(c->name, cmd) == 0)
      return c->summary;
  return "";
}

/* The help text without a leading "(CMD) " or "(CMD " naming this very command. */
static const char *own_help(const char *cmd, const char *help, char *buf, size_t len)
{
  size_t n = strlen(cmd);
  if (help[0] != '(' || strncmp(help + 1, cmd, n) != 0)
    return help;
  if (help[n + 1] == ')')
    return help[n + 2] == ' ' ? help + n + 3 : help + n + 2;
  if (help[n + 1] != ' ')
    return help;
  snprintf(buf, len, "(%s", help + n + 2);
  return buf;
}

/* s as roff text: '-' and '\' escaped, a leading '.' or '\'' protected. */
static void roff_text(const char *s)
{
  if (*s == '.' || *s == '\'')
    fputs("\\&", stdout);
  for (; *s; s++)
    if (*s == '-')
      fputs("\\-", stdout);
    else if (*s == '\\')
      fputs("\\e", stdout);
    else
      putchar(*s);
}

#define HELP_INDENT 21   /* column of the help texts */
#define HELP_WIDTH 100   /* right margin */

/* "  NAME  text", the text wrapped at word boundaries under HELP_INDENT. */
static void text_item(const char *name, const char *text)
{
  int col = printf("  %-*s", HELP_INDENT - 3, name);
  if (col >= HELP_INDENT)
    col += printf("\n%*s", HELP_INDENT, "") - 1 - col;
  for (const char *w = text; *w;) {
    size_t len = strcspn(w, " ");
    if (col > HELP_INDENT && col + 1 + (int) len > HELP_WIDTH)
      col = printf("\n%*s", HELP_INDENT - 1, "") - 1;
    col += printf(" %.*s", (int) len, w);
    w += len;
    w += strspn(w, " ");
  }
  putchar('\n');
}

/* The help text with its default, unless the text states it ("[default: ...]"). */
static const char *with_default(const char *cmd, const cli_opt *o, char *buf, size_t len)
{
  char own[512];
  const char *h = own_help(cmd, o->help, own, sizeof own);
  if (o->def == NULL || strstr(h, "[default") != NULL)
    snprintf(buf, len, "%s", h);
  else
    snprintf(buf, len, "%s [default %s]", h, o->def);
  return buf;
}

static void text_usage(const char *cmd, const cli_opt *opts, size_t n)
{
  char buf[1024];
  printf("usage: deqnn %s [options]\n  %s\noptions (--name value or --name=value):\n", cmd,
         summary_of(cmd));
  for (size_t k = 0; k < n; k++)
    if (opts[k].help != NULL)
      text_item(opts[k].name, with_default(cmd, &opts[k], buf, sizeof buf));
  puts("common options:");
  for (size_t k = 0; k < sizeof common / sizeof common[0]; k++)
    text_item(common[k].name, common[k].help);
}

static void roff_usage(const char *cmd, const cli_opt *opts, size_t n)
{
  char buf[1024];
  printf(".SS deqnn %s\n", cmd);
  roff_text(summary_of(cmd));
  putchar('\n');
  for (size_t k = 0; k < n; k++) {
    if (opts[k].help == NULL)
      continue;
    printf(".TP\n.B ");
    roff_text(opts[k].name);
    printf(opts[k].has_arg ? " \\fIVALUE\\fR\n" : "\n");
    roff_text(with_default(cmd, &opts[k], buf, sizeof buf));
    putchar('\n');
  }
}

void cli_usage(const char *cmd, const cli_opt *opts, size_t n)
{
  (roff ? roff_usage : text_usage)(cmd, opts, n);
}

void cli_usage_main(void)
{
  puts("usage: deqnn COMMAND [options]      (deqnn COMMAND --help, deqnn COMMAND -h or deqnn\n"
       "       help COMMAND for the options; --name value or --name=value)\ncommands:");
  for (const cli_command *c = cli_commands; c->name != NULL; c++)
    printf("  %-7s %s\n", c->name, c->summary);
}

static const char *const man_head =
  ".TH DEQNN 1 \"\" \"deqnn %s\" \"User Commands\"\n"
  ".SH NAME\n"
  "deqnn \\- deterministic equivalents of neural networks, checked against simulation\n"
  ".SH SYNOPSIS\n"
  ".B deqnn\n.I COMMAND\n.RI [ options ]\n.br\n"
  ".B deqnn help\n.I COMMAND\n.br\n"
  ".B deqnn check\n.I FILE.csv\n"
  ".SH DESCRIPTION\n"
  "deqnn computes limit spectra and risks of random neural networks (deterministic\n"
  "equivalents) and checks each against a Monte Carlo simulation of the finite network.\n"
  "Every command writes a CSV table (the header row, then comment lines recording the\n"
  "command, version, source revision, date and thread count) to \\fB\\-\\-out\\fR\n"
  "(standard output by default), a figure with \\fB\\-\\-plot\\fR, and with\n"
  "\\fB\\-\\-simulate\\fR a comparison table with verdicts on standard error.\n"
  "Options are given as \\fB\\-\\-name value\\fR or \\fB\\-\\-name=value\\fR.\n"
  ".PP\n"
  "The same concept has the same name in every command: \\fB\\-\\-out\\fR, \\fB\\-\\-plot\\fR,\n"
  "\\fB\\-\\-simulate\\fR, \\fB\\-\\-seeds\\fR (independent replicates), \\fB\\-\\-seed\\fR\n"
  "(master seed, default 1), \\fB\\-\\-n\\-test\\fR, \\fB\\-\\-x\\fR (a grid),\n"
  "\\fB\\-\\-stats\\fR. The simulation size has two names because it fixes two different\n"
  "dimensions: \\fB\\-\\-n\\fR, the number of samples, for the spectra of n x n kernels\n"
  "(mp, ck, ntk: the widths are round(n/g); train: d0 = round(n/sample_ratio));\n"
  "\\fB\\-\\-d\\fR, the input dimension, for the risks (rf, onestep, spiked: N, n and\n"
  "p = round(ratio d)). The default number of seeds is the least for which the command's\n"
  "verdicts are calibrated: 10 for mp, ck, ntk and spiked, 20 for rf and onestep (whose test\n"
  "risks fluctuate more), 3 for train (each seed a whole training run).\n"
  ".SH COMMANDS\n";

static const char *const man_tail =
  ".SS deqnn check\n"
  "deqnn check FILE.csv recomputes the command recorded in FILE.csv (theory only) and\n"
  "compares every theory column within the recorded error bars.\n"
  ".SS Common options\n"
  "Taken by every command but check.\n";

static const char *const man_end =
  ".SH EXIT STATUS\n"
  ".TP\n.B 0\nsuccess: every point solved, every verdict passed\n"
  ".TP\n.B 1\nfailure: the solver failed at some points (flagged in the status column),\n"
  "a verdict failed, or the run failed (memory, I/O)\n"
  ".TP\n.B 2\nbad input: an unknown or repeated option, a value out of range, a malformed file\n"
  ".SH ENVIRONMENT\n"
  ".TP\n.B DEQNN_THREADS\nworker threads for the replicates [default: the online processors]\n"
  ".TP\n.B DEQNN_MPI_GRACE\nunder MPI, seconds a failed rank waits for the others before it "
  "aborts them all [default: 60]\n"
  ".TP\n.B SOURCE_DATE_EPOCH\nthe date recorded in outputs (reproducible files)\n"
  ".SH SEE ALSO\n"
  "docs/guide.md of the source distribution; the C library: pkg\\-config \\-\\-cflags \\-\\-libs\n"
  "deqnn, headers <deqnn/*.h>.\n";

int cli_man(void)
{
  printf(man_head, DEQ_VERSION);
  for (const cli_command *c = cli_commands; c->name != NULL; c++) {
    printf(".TP\n.B %s\n", c->name);
    roff_text(c->summary);
    putchar('\n');
  }
  printf(".SH OPTIONS\n");
  cli_help_roff(1);
  for (const cli_command *c = cli_commands; c->name != NULL; c++) {
    if (strcmp(c->name, "check") == 0 || strcmp(c->name, "version") == 0)
      continue;
    char *argv[] = { (char *) c->name, "--help", NULL };
    cli_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    cli_run(&ctx, 2, argv);
  }
  cli_help_roff(0);
  fputs(man_tail, stdout);
  for (size_t k = 0; k < sizeof common / sizeof common[0]; k++) {
    printf(".TP\n.B ");
    roff_text(common[k].name);
    putchar('\n');
    roff_text(common[k].help);
    putchar('\n');
  }
  fputs(man_end, stdout);
  return fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}

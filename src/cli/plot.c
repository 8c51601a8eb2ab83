/* Figures through gnuplot: a script is written beside the figure and then run. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/cli.h"

#define PLOT_VAR "deqnn_output"
#define PLOT_BMARGIN 4   /* character heights below the axes: tics, label; + one per key row */

static const char *terminal_for(const char *plot)
{
  const char *dot = strrchr(plot, '.');
  if (dot == NULL)
    return NULL;
  if (strcmp(dot, ".png") == 0)
    return "pngcairo size 960,640 enhanced font 'DejaVu Sans,11'";
  if (strcmp(dot, ".svg") == 0)
    return "svg size 960,640 enhanced font 'DejaVu Sans,11'";
  if (strcmp(dot, ".pdf") == 0)
    return "pdfcairo size 6in,4in enhanced font 'DejaVu Sans,10'";
  return NULL;
}

/* Single quotes cannot appear inside a gnuplot single-quoted string. */
static int quotable(const char *s)
{
  return strchr(s, '\'') == NULL && strchr(s, '\n') == NULL;
}

typedef struct {
  const char *csv, *plot, *term, *title, *xlabel, *ylabel, *xcol;
  const char *const *ycols, *const *styles, *const *titles;
  size_t ny;
  int logx;
  const char *extra;
} plot_spec;

/* s as a gnuplot double-quoted string: a newline in s starts a second line of the title. */
static void put_quoted(FILE *f, const char *s)
{
  fputc('"', f);
  for (; *s; s++) {
    if (*s == '\n')
      fputs("\\n", f);
    else if (*s == '"' || *s == '\\')
      fprintf(f, "\\%c", *s);
    else
      fputc(*s, f);
  }
  fputc('"', f);
}

/* The body of a single-panel figure (cli_plot_script writes the preamble before it). */
static void write_script(FILE *f, const void *arg)
{
  const plot_spec *p = arg;
  fprintf(f, "set datafile separator ','\nset datafile missing 'nan'\n");
  /* labels and titles are plain text (no gnuplot markup: width_ratio is not width subscript
   * r); the key sits below the axes, where it cannot cover data */
  fputs("set title ", f);
  put_quoted(f, p->title);
  fprintf(f, " noenhanced\nset xlabel '%s' noenhanced\nset ylabel '%s' noenhanced\n",
          p->xlabel, p->ylabel);
  /* the x range is the grid's (no extension to the next tic) */
  fprintf(f, "set autoscale xfix\n");
  fprintf(f, "set key bmargin center horizontal box noopaque noenhanced\nset bmargin %zu\n"
          "set grid\n%s", PLOT_BMARGIN + p->ny, p->logx ? "set logscale x\n" : "");
  if (p->extra != NULL)
    fprintf(f, "%s\n", p->extra);
  fprintf(f, "plot ");
  for (size_t k = 0; k < p->ny; k++)
    fprintf(f, "%s'%s' using '%s':'%s' with %s title '%s' noenhanced", k ? ", \\\n     " : "", p->csv,
            p->xcol, p->ycols[k], p->styles[k], p->titles[k]);
  fprintf(f, "\n");
}

static int same_file(const char *out, const char *plot, const char *suffix)
{
  size_t n = strlen(plot);
  return strncmp(out, plot, n) == 0 && strcmp(out + n, suffix) == 0;
}

static int check_plot(const char *out, const char *plot)
{
  char path[CLI_PATHMAX + 16];
  int to_stdout = strcmp(out, "-") == 0;
  if (terminal_for(plot) == NULL) {
    cli_errorf("--plot: '%s' must end in .png, .svg or .pdf", plot);
    return CLI_EXIT_USAGE;
  }
  if (!quotable(plot)) {
    cli_errorf("--plot: file names must not contain quotes or newlines");
    return CLI_EXIT_USAGE;
  }
  if (!to_stdout && !quotable(out)) {
    cli_errorf("--out: with --plot the CSV's name goes into a gnuplot script: it must not "
               "contain quotes or newlines");
    return CLI_EXIT_USAGE;
  }
  if (!to_stdout && (same_file(out, plot, "") || same_file(out, plot, ".gp"))) {
    cli_errorf("--out: '%s' is also written by --plot", out);
    return CLI_EXIT_USAGE;
  }
  snprintf(path, sizeof path, "%s.gp", plot);
  int rc = cli_path_check(plot, "--plot");
  if (!rc)
    rc = cli_path_check(path, "--plot");
  snprintf(path, sizeof path, "%s.csv", plot);
  if (!rc && to_stdout)
    rc = cli_path_check(path, "--plot");
  return rc;
}

int cli_outputs_check(const char *out, const char *plot, int summary)
{
  char path[CLI_PATHMAX + 16];
  int to_stdout = strcmp(out, "-") == 0, rc = CLI_EXIT_OK;
  if (!to_stdout)
    rc = cli_path_check(out, "--out");
  snprintf(path, sizeof path, "%s.summary.csv", out);
  if (!rc && !to_stdout && summary)
    rc = cli_path_check(path, "--out");
  if (!rc && plot != NULL)
    rc = check_plot(out, plot);
  return rc;
}

int cli_plot(const char *csv, const char *plot, const char *title, const char *xlabel,
             const char *ylabel, const char *xcol, const char *const *ycols,
             const char *const *styles, const char *const *titles, size_t ny, int logx,
             const char *extra)
{
  plot_spec p = { csv, plot, terminal_for(plot), title, xlabel, ylabel, xcol, ycols, styles,
                  titles, ny, logx, extra };
  if (p.term == NULL || !quotable(csv) || !quotable(plot)) {   /* checked before the run */
    cli_errorf("--plot: cannot plot '%s' from '%s'", plot, csv);
    return CLI_EXIT_USAGE;
  }
  return cli_plot_script(plot, write_script, &p);
}

typedef struct {
  const char *plot, *term;
  void (*fn)(FILE *, const void *);
  const void *arg;
} custom_spec;

/* The figure's name is a variable, so that deqnn can render to a temporary file while the
 * script beside the figure still names the figure itself. */
static void write_custom(FILE *f, const void *arg)
{
  const custom_spec *c = arg;
  fprintf(f, "# Written by deqnn; edit and rerun with: gnuplot '%s.gp'\n", c->plot);
  fprintf(f, "if (!exists('%s')) %s = '%s'\n", PLOT_VAR, PLOT_VAR, c->plot);
  fprintf(f, "set terminal %s\nset output %s\n", c->term, PLOT_VAR);
  c->fn(f, c->arg);
}

int cli_plot_script(const char *plot, void (*fn)(FILE *, const void *), const void *arg)
{
  custom_spec c = { plot, terminal_for(plot), fn, arg };
  char script[CLI_PATHMAX];
  if (c.term == NULL || !quotable(plot) ||
      snprintf(script, sizeof script, "%s.gp", plot) >= (int) sizeof script) {
    cli_errorf("--plot: cannot plot '%s'", plot);
    return CLI_EXIT_USAGE;
  }
  int rc = cli_write_text(script, "--plot", write_custom, &c);
  if (rc)
    return rc;
  char *argv[] = { "gnuplot", "-e", NULL, script, NULL };
  rc = cli_render(argv, 2, PLOT_VAR "=", plot, "--plot");
  if (rc)
    cli_errorf("--plot: gnuplot failed on '%s' (is gnuplot installed? apt-get install "
               "gnuplot-nox); the script is kept, the old figure (if any) left as it was", script);
  return rc;
}

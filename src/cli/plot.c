/* Figures through gnuplot: a script is written beside the figure and then run. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include "cli/cli.h"

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

static void write_script(FILE *f, const char *csv, const char *plot, const char *term,
                         const char *title, const char *xlabel, const char *ylabel,
                         const char *xcol, const char *const *ycols, const char *const *styles,
                         const char *const *titles, size_t ny, int logx)
{
  fprintf(f, "# Written by deqnn; edit and rerun with: gnuplot '%s.gp'\n", plot);
  fprintf(f, "set terminal %s\nset output '%s'\n", term, plot);
  fprintf(f, "set datafile separator ','\nset datafile missing 'nan'\n");
  fprintf(f, "set title '%s' noenhanced\nset xlabel '%s'\nset ylabel '%s'\n", title, xlabel, ylabel);
  fprintf(f, "set key top right box opaque\nset grid\n%s", logx ? "set logscale x\n" : "");
  fprintf(f, "plot ");
  for (size_t k = 0; k < ny; k++)
    fprintf(f, "%s'%s' using '%s':'%s' with %s title '%s'", k ? ", \\\n     " : "", csv, xcol,
            ycols[k], styles[k], titles[k]);
  fprintf(f, "\n");
}

int cli_plot_check(const char *plot)
{
  if (plot != NULL && terminal_for(plot) == NULL) {
    cli_errorf("--plot: '%s' must end in .png, .svg or .pdf", plot);
    return CLI_EXIT_USAGE;
  }
  if (plot != NULL && !quotable(plot)) {
    cli_errorf("--plot: file names must not contain quotes or newlines");
    return CLI_EXIT_USAGE;
  }
  return CLI_EXIT_OK;
}

int cli_plot(const char *csv, const char *plot, const char *title, const char *xlabel,
             const char *ylabel, const char *xcol, const char *const *ycols,
             const char *const *styles, const char *const *titles, size_t ny, int logx)
{
  const char *term = terminal_for(plot);
  if (term == NULL) {
    cli_errorf("--plot: '%s' must end in .png, .svg or .pdf", plot);
    return CLI_EXIT_USAGE;
  }
  if (!quotable(csv) || !quotable(plot)) {
    cli_errorf("--plot: file names must not contain quotes or newlines");
    return CLI_EXIT_USAGE;
  }
  size_t n = strlen(plot) + 8;
  char *script = malloc(n), *cmd = malloc(2 * n + 64);
  if (script == NULL || cmd == NULL)
    return free(script), free(cmd), CLI_EXIT_FAIL;
  snprintf(script, n, "%s.gp", plot);
  FILE *f = fopen(script, "w");
  int rc = CLI_EXIT_OK;
  if (f == NULL) {
    cli_errorf("--plot: cannot write '%s': %s", script, strerror(errno));
    rc = CLI_EXIT_FAIL;
  } else {
    write_script(f, csv, plot, term, title, xlabel, ylabel, xcol, ycols, styles, titles, ny, logx);
    rc = fclose(f) == 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL;
  }
  if (rc == CLI_EXIT_OK) {
    snprintf(cmd, 2 * n + 64, "gnuplot '%s' 2>&1", script);
    int st = system(cmd);
    if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
      cli_errorf("--plot: gnuplot failed on '%s' (is gnuplot installed? apt-get install "
                 "gnuplot-nox); the script is kept", script);
      rc = CLI_EXIT_FAIL;
    }
  }
  free(script);
  free(cmd);
  return rc;
}

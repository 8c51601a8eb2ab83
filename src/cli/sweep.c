/* Parameter curves shared by the risk commands: one option may be a grid (the sweep). */
#include <string.h>
#include "cli/cli.h"

void cli_sweep_init(cli_sweep *sw)
{
  memset(sw, 0, sizeof *sw);
  sw->sweep = -1;
}

int cli_sweep_parse(cli_sweep *sw, const char *const *flags, int k, const char *text, double *v)
{
  if (strchr(text, ':') == NULL && strchr(text, ',') == NULL)
    return deq_parse_double(text, flags[k], v) ? CLI_EXIT_USAGE : CLI_EXIT_OK;
  if (sw->sweep >= 0) {
    cli_errorf("%s: only one parameter may be a grid (%s is one already)", flags[k], flags[sw->sweep]);
    return CLI_EXIT_USAGE;
  }
  sw->sweep = k;
  sw->logx = strstr(text, ":log") != NULL;
  return deq_grid_parse(text, flags[k], &sw->grid) ? CLI_EXIT_USAGE : CLI_EXIT_OK;
}

int cli_sweep_check(const cli_sweep *sw, int k, double v, cli_value_check *check)
{
  if (k != sw->sweep)
    return check(k, v);
  for (size_t i = 0; i < sw->grid->n; i++)
    if (check(k, sw->grid->x[i]))
      return CLI_EXIT_USAGE;
  return CLI_EXIT_OK;
}

size_t cli_sweep_rows(const cli_sweep *sw)
{
  return sw->sweep >= 0 ? sw->grid->n : 1;
}

void cli_sweep_row(const cli_sweep *sw, size_t i, double *p)
{
  if (sw->sweep >= 0)
    p[sw->sweep] = sw->grid->x[i];
}

void cli_sweep_free(cli_sweep *sw)
{
  deq_grid_free(sw->grid);
  sw->grid = NULL;
}

/* Progress of long runs on stderr: one line "deqnn: rows 3/11, simulating 7/20, 1.3/s,
 * ETA 0:09", rewritten in place (\r) on a terminal, a line per update elsewhere (--progress
 * into a file or a pipe).  Shown on a terminal once a run has taken a second, forced on by
 * --progress and off by --quiet; nothing is written into a pipe or a file unless asked.
 * Updates come from worker threads (one lock) and are throttled to CLI_PROGRESS_HZ. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "cli/cli.h"

#define CLI_PROGRESS_HZ 5.0        /* updates per second, at most */
#define CLI_PROGRESS_DELAY 1.0     /* seconds before a terminal shows an automatic line */
#define CLI_PROGRESS_LEVELS 2      /* levels shown; deeper sessions are counted, not shown */

static struct {
  pthread_mutex_t lock;
  int mode, muted;            /* CLI_PROGRESS_AUTO / _ON / _OFF; muted: an MPI rank > 0 */
  int depth, shown, tty;
  const char *what[CLI_PROGRESS_LEVELS];
  size_t done[CLI_PROGRESS_LEVELS], total[CLI_PROGRESS_LEVELS];
  size_t units;               /* innermost units done in all (the rate's numerator) */
  double t0, last;
} pg = { PTHREAD_MUTEX_INITIALIZER, CLI_PROGRESS_AUTO, 0, 0, 0, 0, { 0 }, { 0 }, { 0 }, 0, 0, 0 };

static double now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double) ts.tv_sec + 1e-9 * (double) ts.tv_nsec;
}

void cli_progress_mode(int mode)
{
  pthread_mutex_lock(&pg.lock);
  pg.mode = mode;
  pthread_mutex_unlock(&pg.lock);
}

void cli_progress_mute(int muted)
{
  pthread_mutex_lock(&pg.lock);
  pg.muted = muted;
  pthread_mutex_unlock(&pg.lock);
}

/* Whether lines are written at all in this session (not for a single unit: "0/1" says
 * nothing a user can wait on). */
static int enabled(void)
{
  if (pg.muted || (pg.depth == 1 && pg.total[0] <= 1))
    return 0;
  return pg.mode == CLI_PROGRESS_ON || (pg.mode == CLI_PROGRESS_AUTO && pg.tty);
}

/* The fraction of the outermost session done, inner sessions counting as part of one unit. */
static double fraction(int levels)
{
  double f = 0.0;
  for (int k = levels - 1; k >= 0; k--)
    f = pg.total[k] > 0 ? ((double) pg.done[k] + (pg.done[k] < pg.total[k] ? f : 0.0))
                          / (double) pg.total[k] : 0.0;
  return f;
}

static void clock_text(double s, char *buf, size_t len)
{
  long t = (long) (s + 0.5);
  if (t >= 3600)
    snprintf(buf, len, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
  else
    snprintf(buf, len, "%ld:%02ld", t / 60, t % 60);
}

/* The line, written with the lock held; `final` ends it with the elapsed time. */
static void show(double t, int final)
{
  int levels = pg.depth < CLI_PROGRESS_LEVELS ? pg.depth : CLI_PROGRESS_LEVELS;
  char line[256], tbuf[32];
  size_t u = 0;
  for (int k = 0; k < levels && u < sizeof line; k++)   /* an outer "1/1" says nothing */
    if (pg.total[k] != 1 || k == levels - 1)
      u += (size_t) snprintf(line + u, sizeof line - u, "%s%s %zu/%zu", u ? ", " : "",
                             pg.what[k], pg.done[k], pg.total[k]);
  double el = t - pg.t0, f = fraction(levels);
  if (u < sizeof line && el > 0)
    u += (size_t) snprintf(line + u, sizeof line - u, (double) pg.units / el >= 100 ?
                           ", %.0f/s" : ", %.3g/s", (double) pg.units / el);
  if (final && el < 60)
    snprintf(tbuf, sizeof tbuf, "%.1f s", el);
  else if (final)
    clock_text(el, tbuf, sizeof tbuf);
  else if (f > 0)
    clock_text(el * (1.0 - f) / f, tbuf, sizeof tbuf);
  if (u < sizeof line && (final || f > 0))
    snprintf(line + u, sizeof line - u, ", %s %s", final ? "in" : "ETA", tbuf);
  fprintf(stderr, pg.tty ? "\r\033[Kdeqnn: %s%s" : "deqnn: %s%s", line,
          pg.tty && !final ? "" : "\n");
  fflush(stderr);
  pg.shown = 1;
  pg.last = t;
}

void cli_progress_begin(const char *what, size_t total)
{
  pthread_mutex_lock(&pg.lock);
  if (pg.depth == 0) {
    pg.tty = isatty(STDERR_FILENO);
    pg.t0 = now();
    pg.last = pg.t0;
    pg.shown = 0;
    pg.units = 0;
  }
  if (pg.depth < CLI_PROGRESS_LEVELS) {
    pg.what[pg.depth] = what;
    pg.done[pg.depth] = 0;
    pg.total[pg.depth] = total;
  }
  pg.depth++;
  if (pg.depth == 1 && enabled() && pg.mode == CLI_PROGRESS_ON)
    show(pg.t0, 0);
  pthread_mutex_unlock(&pg.lock);
}

void cli_progress_add(size_t k)
{
  pthread_mutex_lock(&pg.lock);
  int top = pg.depth - 1;
  if (top >= 0 && top < CLI_PROGRESS_LEVELS)
    pg.done[top] += k;
  if (top >= 0 && top == pg.depth - 1)
    pg.units += k;
  double t = now();
  if (top >= 0 && enabled() && t - pg.last >= 1.0 / CLI_PROGRESS_HZ &&
      (pg.shown || pg.mode == CLI_PROGRESS_ON || t - pg.t0 >= CLI_PROGRESS_DELAY))
    show(t, 0);
  pthread_mutex_unlock(&pg.lock);
}

void cli_progress_end(void)
{
  pthread_mutex_lock(&pg.lock);
  if (pg.depth == 1 && pg.shown && enabled())
    show(now(), 1);
  if (pg.depth > 0)
    pg.depth--;
  if (pg.depth > 0 && pg.depth <= CLI_PROGRESS_LEVELS)
    pg.done[pg.depth - 1]++;   /* the inner session was one unit of the outer one */
  pthread_mutex_unlock(&pg.lock);
}

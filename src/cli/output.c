/* Output files of the CLI: checked before any work, written to a temporary file in the
 * target's directory and renamed over the target; the temporaries (and a running gnuplot)
 * are cleaned up when SIGINT, SIGTERM or SIGHUP ends the run.
 *
 * Only regular files are replaced.  A path that is a symbolic link, a device, a directory,
 * a FIFO or a socket is refused (exit 2): renaming over a link would replace the link and
 * leave its target stale, and renaming over /dev/null would replace the device. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "cli/cli.h"
#include "deqnn/status.h"

#define CLI_MAXTMP 8            /* temporaries alive at once (CSV, summary, script, figure) */
#define CLI_PATHMAX 4096
#define TMP_SUFFIX ".tmp.XXXXXX"

extern char **environ;

/* The registry read by the signal handler: a slot's path is complete before `used` is set.
 * The handler may run in any thread (BLAS and OpenMP threads do not block the signals), so
 * the main thread's critical sections (a temporary created but not yet registered, gnuplot
 * started but its pid not yet published) cannot rely on blocking alone: a handler that finds
 * one in progress records the signal and returns, and the section ends by acting on it. */
static struct {
  atomic_int used;
  char path[CLI_PATHMAX];
} tmp_slot[CLI_MAXTMP];
static atomic_int child_pid;      /* gnuplot while it runs, else 0 */
static atomic_int in_critical;    /* the main thread is in a critical section */
static atomic_int deferred_sig;   /* a signal that arrived meanwhile */
static const int cleanup_signals[] = { SIGINT, SIGTERM, SIGHUP };
#define NSIGNALS (sizeof cleanup_signals / sizeof cleanup_signals[0])

/* Async-signal-safe only: kill, unlink, sigaction, raise, lock-free atomics. */
static void cleanup_and_die(int sig)
{
  int pid = atomic_load(&child_pid);
  if (pid > 0)
    kill((pid_t) pid, SIGTERM);
  for (size_t k = 0; k < CLI_MAXTMP; k++)
    if (atomic_load(&tmp_slot[k].used))
      unlink(tmp_slot[k].path);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = SIG_DFL;
  sigemptyset(&sa.sa_mask);
  sigaction(sig, &sa, NULL);
  raise(sig);   /* die of the same signal: the caller sees it */
}

static void on_signal(int sig)
{
  atomic_store(&deferred_sig, sig);
  if (atomic_load(&in_critical))
    return;   /* the main thread acts on it when its section ends */
  cleanup_and_die(sig);
}

void cli_signals_install(void)
{
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  for (size_t k = 0; k < NSIGNALS; k++)
    sigaddset(&sa.sa_mask, cleanup_signals[k]);
  for (size_t k = 0; k < NSIGNALS; k++) {
    struct sigaction old;
    if (sigaction(cleanup_signals[k], NULL, &old) == 0 && old.sa_handler == SIG_IGN)
      continue;   /* ignored by our parent (nohup): keep it ignored */
    sigaction(cleanup_signals[k], &sa, NULL);
  }
}

/* Critical sections of the main thread: its own signals blocked, other threads' deferred. */
static void enter(sigset_t *old)
{
  sigset_t set;
  sigemptyset(&set);
  for (size_t k = 0; k < NSIGNALS; k++)
    sigaddset(&set, cleanup_signals[k]);
  pthread_sigmask(SIG_BLOCK, &set, old);
  atomic_store(&in_critical, 1);
}

static void leave(const sigset_t *old)
{
  atomic_store(&in_critical, 0);
  int sig = atomic_load(&deferred_sig);
  if (sig)
    cleanup_and_die(sig);
  pthread_sigmask(SIG_SETMASK, old, NULL);
}

/* mkstemp a temporary beside `path` and register it; the path goes into tmp (CLI_PATHMAX).
 * Returns the open descriptor or -1 (errno set). */
static int tmp_create(const char *path, char *tmp)
{
  if (strlen(path) + sizeof TMP_SUFFIX > CLI_PATHMAX) {
    errno = ENAMETOOLONG;
    return -1;
  }
  snprintf(tmp, CLI_PATHMAX, "%s%s", path, TMP_SUFFIX);
  sigset_t old;
  enter(&old);
  int fd = mkstemp(tmp), err = errno, slot = -1;
  for (int k = 0; fd >= 0 && k < CLI_MAXTMP && slot < 0; k++)
    if (!atomic_load(&tmp_slot[k].used))
      slot = k;
  if (fd >= 0 && slot < 0) {
    close(fd), unlink(tmp);
    fd = -1;
    err = EMFILE;
  }
  if (fd >= 0) {
    memcpy(tmp_slot[slot].path, tmp, strlen(tmp) + 1);
    atomic_store(&tmp_slot[slot].used, 1);
  }
  leave(&old);
  errno = err;
  if (fd >= 0) {   /* mkstemp makes 0600: give the file the permissions of a normal one */
    mode_t mask = umask(0);
    umask(mask);
    fchmod(fd, 0666 & ~mask);
  }
  return fd;
}

static void tmp_forget(const char *tmp)
{
  for (size_t k = 0; k < CLI_MAXTMP; k++)
    if (atomic_load(&tmp_slot[k].used) && strcmp(tmp_slot[k].path, tmp) == 0)
      atomic_store(&tmp_slot[k].used, 0);
}

/* Remove a temporary that is not going to be renamed. */
static void tmp_discard(const char *tmp)
{
  sigset_t old;
  enter(&old);
  unlink(tmp);
  tmp_forget(tmp);
  leave(&old);
}

/* Whether `path` may be replaced: absent, or a regular file (not a link). */
static int replaceable(const char *path, const char **why)
{
  struct stat st;
  if (lstat(path, &st) != 0) {
    *why = errno == ENOENT ? NULL : strerror(errno);
    return errno == ENOENT;
  }
  if (S_ISLNK(st.st_mode))
    *why = "it is a symbolic link (deqnn replaces files by renaming and would replace the link, "
           "not its target: give the target's path)";
  else if (S_ISDIR(st.st_mode))
    *why = "it is a directory";
  else if (!S_ISREG(st.st_mode))
    *why = "it is not a regular file (a device, FIFO or socket; deqnn only replaces regular files)";
  else
    return 1;
  return 0;
}

/* Rename the finished temporary over path (re-checked: it may have changed meanwhile). */
static int tmp_commit(const char *tmp, const char *path, const char *opt)
{
  const char *why = NULL;
  if (!replaceable(path, &why)) {
    cli_errorf("%s: '%s' was not replaced: %s", opt, path, why);
    tmp_discard(tmp);
    return CLI_EXIT_FAIL;
  }
  sigset_t old;
  enter(&old);
  int r = rename(tmp, path), err = errno;
  if (r != 0)
    unlink(tmp);
  tmp_forget(tmp);
  leave(&old);
  if (r != 0) {
    cli_errorf("%s: cannot write '%s': %s", opt, path, strerror(err));
    return CLI_EXIT_FAIL;
  }
  return CLI_EXIT_OK;
}

int cli_path_check(const char *path, const char *opt)
{
  const char *why = NULL;
  if (path[0] == '\0') {
    cli_errorf("%s: empty file name", opt);
    return CLI_EXIT_USAGE;
  }
  if (strlen(path) + sizeof TMP_SUFFIX > CLI_PATHMAX) {
    cli_errorf("%s: file name longer than %d bytes", opt, CLI_PATHMAX - (int) sizeof TMP_SUFFIX);
    return CLI_EXIT_USAGE;
  }
  if (!replaceable(path, &why)) {
    cli_errorf("%s: will not write '%s': %s", opt, path, why);
    return CLI_EXIT_USAGE;
  }
  char dir[CLI_PATHMAX];
  snprintf(dir, sizeof dir, "%s", path);
  const char *d = dirname(dir);
  struct stat st;
  if (stat(d, &st) != 0 || !S_ISDIR(st.st_mode) || access(d, W_OK | X_OK) != 0) {
    cli_errorf("%s: cannot write '%s': directory '%s' %s", opt, path, d,
               stat(d, &st) != 0 ? "does not exist" : !S_ISDIR(st.st_mode) ? "is not a directory"
                                                                            : "is not writable");
    return CLI_EXIT_USAGE;
  }
  return CLI_EXIT_OK;
}

/* A temporary beside path, opened for writing (tmp receives its name); NULL with the
 * message printed if it cannot be made. */
static FILE *tmp_open(const char *path, const char *opt, char *tmp)
{
  int fd = tmp_create(path, tmp);
  FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
  if (f == NULL) {
    int err = errno;
    if (fd >= 0)
      close(fd), tmp_discard(tmp);
    cli_errorf("%s: cannot write '%s': %s", opt, path, strerror(err));
  }
  return f;
}

int cli_write(const deq_table *t, const char *path, const char *opt)
{
  if (strcmp(path, "-") == 0)
    return cli_exit_status(deq_table_write(t, NULL));
  char tmp[CLI_PATHMAX];
  FILE *f = tmp_open(path, opt, tmp);
  if (f == NULL)
    return CLI_EXIT_FAIL;
  int s = deq_table_fprint(t, f);
  if (fclose(f) != 0 || s != DEQ_SUCCESS) {
    cli_errorf("%s: cannot write '%s': %s", opt, path, strerror(errno));
    tmp_discard(tmp);
    return CLI_EXIT_FAIL;
  }
  return tmp_commit(tmp, path, opt);
}

/* Text file (the gnuplot script) through a temporary: fn writes it. */
int cli_write_text(const char *path, const char *opt, void (*fn)(FILE *, const void *),
                   const void *arg)
{
  char tmp[CLI_PATHMAX];
  FILE *f = tmp_open(path, opt, tmp);
  if (f == NULL)
    return CLI_EXIT_FAIL;
  fn(f, arg);
  if (ferror(f) | (fclose(f) != 0)) {
    cli_errorf("%s: cannot write '%s': %s", opt, path, strerror(errno));
    tmp_discard(tmp);
    return CLI_EXIT_FAIL;
  }
  return tmp_commit(tmp, path, opt);
}

/* Run argv[0] (searched in PATH) with argv[k] = TMP substituted for the figure, wait for it,
 * and rename TMP over `path` when it succeeded.  Interrupted: gnuplot is killed, TMP removed. */
int cli_render(char **argv, size_t tmp_arg, const char *prefix, const char *path,
               const char *opt)
{
  char tmp[CLI_PATHMAX], arg[CLI_PATHMAX + 64];
  int fd = tmp_create(path, tmp);
  if (fd < 0) {
    cli_errorf("%s: cannot write '%s': %s", opt, path, strerror(errno));
    return CLI_EXIT_FAIL;
  }
  close(fd);
  snprintf(arg, sizeof arg, "%s'%s'", prefix, tmp);
  argv[tmp_arg] = arg;
  posix_spawnattr_t attr;
  sigset_t none, deflt, old;
  sigemptyset(&none);
  sigemptyset(&deflt);
  for (size_t k = 0; k < NSIGNALS; k++)
    sigaddset(&deflt, cleanup_signals[k]);
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &deflt);
  pid_t pid;
  enter(&old);   /* the pid is registered before a signal can look for it */
  int e = posix_spawnp(&pid, argv[0], NULL, &attr, argv, environ);
  if (e == 0)
    atomic_store(&child_pid, (int) pid);
  leave(&old);
  posix_spawnattr_destroy(&attr);
  int st = 0;
  if (e == 0) {
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
      ;
    atomic_store(&child_pid, 0);
  }
  if (e != 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
    tmp_discard(tmp);
    return CLI_EXIT_FAIL;
  }
  return tmp_commit(tmp, path, opt);
}

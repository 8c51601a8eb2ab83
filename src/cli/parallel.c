/* Replicates in parallel: each replicate runs on one thread with single-threaded BLAS, so
 * its numbers do not depend on how many threads there are or on the order they run in. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli/cli.h"
#include "core/mem.h"
#include "deqnn/status.h"

#ifdef DEQ_HAVE_OPENBLAS_THREADS
void openblas_set_num_threads(int num_threads);
#endif
#ifdef _OPENMP
#include <omp.h>
#endif

typedef struct {
  pthread_mutex_t lock;
  size_t next, done, nrep;   /* nrep: this rank's replicates */
  size_t r0, stride;         /* its i-th replicate is r0 + i stride */
  int status;
  cli_replicate_fn *fn;
  void *shared;
  const char *what;
  size_t nworkers;
  const void *caller;    /* the caller's worker_arg (it runs on the calling thread) */
  int captured;          /* the caller's messages go to a buffer (deq_command_run) */
} pool;

typedef struct {
  pool *p;
  void *state;
  char msg[1024];        /* captured: this worker thread's messages, re-issued by the caller */
} worker_arg;

static void print_error(const char *reason, const char *file, int line, int status)
{
  (void) file, (void) line, (void) status;
  cli_errorf("%s", reason);
}

static void *worker(void *arg)
{
  worker_arg *w = arg;
  pool *p = w->p;
  deq_set_error_handler(print_error);
  if (p->captured && w != p->caller)
    cli_messages_to(w->msg, sizeof w->msg);
#ifdef _OPENMP
  if (p->nworkers > 1)
    omp_set_num_threads(1);   /* the replicates already fill the cores */
#endif
  for (;;) {
    pthread_mutex_lock(&p->lock);
    size_t r = p->next < p->nrep && p->status == 0 ? p->next++ : p->nrep;
    pthread_mutex_unlock(&p->lock);
    if (r == p->nrep)
      break;
    int s = p->fn(w->state, p->r0 + r * p->stride, p->shared);
    pthread_mutex_lock(&p->lock);
    if (s != 0 && p->status == 0)
      p->status = s;
    ++p->done;
    cli_progress_add(1);
    pthread_mutex_unlock(&p->lock);
  }
  return NULL;
}

size_t cli_threads(void)
{
  const char *env = getenv("DEQNN_THREADS");
  long n = env ? atol(env) : sysconf(_SC_NPROCESSORS_ONLN);
  return n < 1 ? 1 : n > 64 ? 64 : (size_t) n;
}

size_t cli_workers(double per, size_t nrep, const char *what)
{
  size_t nt = cli_threads();
  if (nt > nrep)
    nt = nrep;
  if (isnan(per))
    return 0;
  nt = deq_mem_fit_workers(per, nt);
  return deq_mem_check_job(per * (double) nt, nt, what) == DEQ_SUCCESS ? nt : 0;
}

/* The first of this rank's replicates: (rank - first) mod ranks. */
static size_t rank_first(const cli_ranks *mp, size_t first)
{
  size_t K = mp ? (size_t) mp->ranks : 1, k = mp ? (size_t) mp->rank : 0;
  return (k + K - first % K) % K;
}

size_t cli_rank_count(const cli_ranks *mp, size_t first, size_t nrep)
{
  size_t K = mp ? (size_t) mp->ranks : 1, r0 = rank_first(mp, first);
  return r0 < nrep ? (nrep - r0 + K - 1) / K : 0;
}

int cli_run_replicates(const cli_ranks *mp, size_t first, const char *what, size_t nrep,
                       size_t nthreads, void **states, cli_replicate_fn *fn, void *shared)
{
  size_t nloc = cli_rank_count(mp, first, nrep);
  pool p = { PTHREAD_MUTEX_INITIALIZER, 0, 0, nloc, rank_first(mp, first),
             mp ? (size_t) mp->ranks : 1, 0, fn, shared, what, 0, NULL,
             cli_messages_captured() };
  pthread_t tid[64];
  worker_arg args[64];
  size_t started = 0;
  if (nloc == 0)
    return 0;
#ifdef DEQ_HAVE_OPENBLAS_THREADS
  openblas_set_num_threads(1);
#endif
  nthreads = nthreads > 64 ? 64 : nthreads < 1 ? 1 : nthreads;
  p.nworkers = nthreads;
  cli_progress_begin(what, nloc);   /* this rank's replicates */
  p.caller = &args[0];
  for (size_t t = 0; t < nthreads; t++) {
    args[t].p = &p;
    args[t].state = states[t];
    args[t].msg[0] = '\0';
    if (t > 0 && pthread_create(&tid[t], NULL, worker, &args[t]) == 0)
      started++;
  }
  worker(&args[0]);
  for (size_t t = 1; t <= started; t++) {
    pthread_join(tid[t], NULL);
    for (char *m = args[t].msg, *e; *m; m = *e ? e + 1 : e) {   /* one message a line */
      e = m + strcspn(m, "\n");
      cli_errorf("%.*s", (int) (e - m), m);
    }
  }
  cli_progress_end();
  return p.status;
}

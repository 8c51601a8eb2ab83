/* deqnn mp / ck / ntk --simulate: the finite network over seeds, through compare/. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/spectrum.h"
#include "core/mem.h"
#include "deqnn/network.h"

static int network_spec(const spec_job *job, deq_network_spec *ns)
{
  memset(ns, 0, sizeof *ns);
  ns->n = (size_t) job->n;
  if (strcmp(job->kind, "mp") == 0) {  /* MP = linear CK of orthonormal X (n x n) */
    ns->L = 1;
    ns->d[0] = (size_t) job->n;
    ns->d[1] = job->d[0];
    deq_act_parse("linear", "--act", &ns->act);
    ns->input = DEQ_INPUT_ORTHONORMAL;
  } else {
    ns->L = job->L;
    memcpy(ns->d, job->d, (job->L + 1) * sizeof *ns->d);
    ns->act = job->act;
    ns->input = job->input.kind == DEQ_DATA_ORTHONORMAL ? DEQ_INPUT_ORTHONORMAL : DEQ_INPUT_GAUSSIAN;
  }
  if (job->input_file != NULL) {   /* the preprocessed data (n x d0 row-major = X_0) */
    ns->input = DEQ_INPUT_FIXED;
    ns->d[0] = job->ds->d;
    ns->x0 = job->ds->x;
  }
  ns->readout = job->rademacher ? DEQ_READOUT_RADEMACHER : DEQ_READOUT_GAUSSIAN;
  ns->need = strcmp(job->kind, "ntk") == 0 ? DEQ_NETWORK_NTK_ONLY : DEQ_NETWORK_CK_ONLY;
  return CLI_EXIT_OK;
}

/* The statistics of one replicate's sorted eigenvalues. */
static void measure(spec_job *job, size_t r, const double *ev, const deq_cdf *cdf, double *hist)
{
  size_t n = (size_t) job->n;
  for (size_t k = 0; k < job->nstat; k++) {
    spec_stat *s = &job->stat[k];
    double v;
    if (strcmp(s->name, "trK/n") == 0)
      v = deq_spec_moment(n, ev, 1);
    else if (strcmp(s->name, "trK2/n") == 0)
      v = deq_spec_moment(n, ev, 2);
    else if (strcmp(s->name, "atom") == 0)
      v = deq_spec_zero_fraction(n, ev);
    else if (strcmp(s->name, "KS") == 0)
      v = deq_spec_ks(n, ev, cdf);
    else
      v = deq_spec_resolvent(n, ev, s->lambda);
    s->sample[r] = v;
  }
  if (job->grid != NULL)
    deq_spec_histogram(n, ev, job->grid->n, job->grid->x, hist);
}

static int alloc_samples(spec_job *job)
{
  for (size_t k = 0; k < job->nstat; k++)
    if ((job->stat[k].sample = calloc((size_t) job->seeds, sizeof(double))) == NULL)
      return CLI_EXIT_FAIL;
  return CLI_EXIT_OK;
}

static void finish(spec_job *job, double *hall)
{
  size_t m = job->grid ? job->grid->n : 0, S = (size_t) job->seeds;
  for (size_t k = 0; k < job->nstat; k++) {
    spec_stat *s = &job->stat[k];
    deq_sample_stats st;
    deq_stats_compute(s->sample, S, &st);
    deq_verdict_eval(s->theory.val, s->theory.err, &st, s->B, (size_t) job->n, &s->verdict);
  }
  for (size_t i = 0; i < m; i++) {
    deq_sample_stats st;
    double col[SPEC_MAXSEEDS];
    for (size_t r = 0; r < S; r++)
      col[r] = hall[r * m + i];
    deq_stats_compute(col, S, &st);
    job->hist[i] = st.mean;
    job->hist_se[i] = st.se;
  }
}

typedef struct {
  deq_network *net;
  double *K, *ev;
} worker_state;

typedef struct {
  spec_job *job;
  const deq_cdf *cdf;
  double *hall;
} shared_state;

static cli_ranks job_ranks(const spec_job *job)
{
  cli_ranks m = { job->rank, job->ranks };
  return m;
}

/* The replicates of this rank (all of them without MPI). */
static size_t local_replicates(const spec_job *job)
{
  cli_ranks mp = job_ranks(job);
  return cli_rank_count(&mp, 0, (size_t) job->seeds);
}

/* Replicate r. */
static int one_replicate(void *state, size_t r, void *shared)
{
  worker_state *w = state;
  shared_state *sh = shared;
  spec_job *job = sh->job;
  size_t m = job->grid ? job->grid->n : 0;
  int s = deq_network_draw(w->net, (uint64_t) job->seed, (uint64_t) r);
  if (!s && w->K != NULL)
    s = deq_network_ntk(w->net, w->K);
  if (!s)
    s = w->K != NULL ? deq_network_spectrum(w->net, w->K, w->ev)
                     : deq_network_ck_spectrum(w->net, w->ev);   /* K inside the workspace */
  if (s) {
    cli_errorf("simulation failed at replicate %zu: %s", r, deq_strerror(s));
    return s;
  }
  measure(job, r, w->ev, sh->cdf, sh->hall + r * m);
  if (job->ev_all != NULL)
    memcpy(job->ev_all + r * (size_t) job->n, w->ev, (size_t) job->n * sizeof *w->ev);
  return 0;
}

static void free_workers(worker_state *w, size_t nt)
{
  for (size_t t = 0; t < nt; t++) {
    deq_network_free(w[t].net);
    deq_mem_free(w[t].K);
    free(w[t].ev);
  }
}

/* The n x n NTK of a worker, outside its workspace (a CK is formed inside it). */
static int needs_k(const deq_network_spec *ns)
{
  return ns->need == DEQ_NETWORK_NTK_ONLY;
}

/* nt workspaces (the memory of all of them was checked together); 0 if one fails. */
static size_t alloc_workers(const deq_network_spec *ns, worker_state *w, size_t nt)
{
  size_t n = ns->n;
  for (size_t t = 0; t < nt; t++) {
    w[t].K = needs_k(ns) ? deq_mem_doubles(n * n) : NULL;   /* untouched until written */
    w[t].ev = malloc(n * sizeof *w[t].ev);
    if (deq_network_alloc(ns, NULL, &w[t].net) || (needs_k(ns) && !w[t].K) || !w[t].ev) {
      free_workers(w, t + 1);
      return 0;
    }
  }
  return nt;
}

/* Bytes of one worker: its network workspace, its eigenvalues and, for the NTK, its n x n
 * Gram matrix. */
static double worker_bytes(const spec_job *job, deq_network_spec *ns)
{
  double n = (double) job->n;
  network_spec(job, ns);
  return deq_network_bytes(ns) + 8.0 * n * (needs_k(ns) ? n + 1.0 : 1.0);
}

/* min(replicates of this rank, threads) workers, fewer if their workspaces do not fit
 * together; 0 (reported: what was compared) if not even one does, or if the rank has no
 * replicate. */
static size_t job_workers(const spec_job *job, deq_network_spec *ns)
{
  size_t nloc = local_replicates(job);
  double per = worker_bytes(job, ns);
  return nloc == 0 ? 0 : cli_workers(per, nloc, "--n: the simulation");
}

int spec_simulate_check(const spec_job *job)
{
  deq_network_spec ns;
  return local_replicates(job) > 0 && job_workers(job, &ns) == 0 ? CLI_EXIT_USAGE : CLI_EXIT_OK;
}

/* MPI: the worst status, the samples and the histograms of every replicate on every rank
 * (cli_ranks_sum: each rank left zeros for the others' replicates), so that every rank then
 * holds what one process would have computed. */
static int gather(spec_job *job, double *hall, size_t m, int rc)
{
  cli_ranks mp = job_ranks(job);
  rc = cli_ranks_worst(&mp, rc);
  for (size_t k = 0; rc == 0 && k < job->nstat; k++)
    cli_ranks_sum(&mp, job->stat[k].sample, (size_t) job->seeds);
  if (rc == 0)
    cli_ranks_sum(&mp, hall, m * (size_t) job->seeds);
  return rc;
}

int spec_simulate(spec_job *job)
{
  deq_network_spec ns;
  deq_cdf *cdf = NULL;
  worker_state w[64] = { { 0 } };
  size_t m = job->grid ? job->grid->n : 0;
  size_t nloc = local_replicates(job), nt = job_workers(job, &ns);
  if (nloc > 0 && nt == 0)
    return CLI_EXIT_USAGE;
  int rc = CLI_EXIT_OK;
  if (nt > 0 && alloc_workers(&ns, w, nt) == 0) {
    nt = 0;
    rc = CLI_EXIT_FAIL;   /* the memory was checked: an allocation failure is a failure */
  }
  rc = cli_exit_merge(rc, alloc_samples(job));
  if (job->pen != NULL && deq_pencil_cdf(job->pen, &cdf) != DEQ_SUCCESS && cdf == NULL)
    rc = CLI_EXIT_FAIL;   /* no pen: the NTK on data, no KS */
  double *hall = calloc(m * (size_t) job->seeds + 1, sizeof *hall);
  job->hist = calloc(m + 1, sizeof *job->hist);
  job->hist_se = calloc(m + 1, sizeof *job->hist_se);
  if (!hall || !job->hist || !job->hist_se)
    rc = CLI_EXIT_FAIL;
  if (job->keep && job->ranks < 2 &&
      (job->ev_all = malloc((size_t) job->n * (size_t) job->seeds * sizeof *job->ev_all)) == NULL)
    rc = CLI_EXIT_FAIL;
  void *states[64];
  for (size_t t = 0; t < nt; t++)
    states[t] = &w[t];
  shared_state sh = { job, cdf, hall };
  cli_ranks mp = job_ranks(job);
  if (!rc && cli_run_replicates(&mp, 0, "simulating", (size_t) job->seeds, nt, states,
                                one_replicate, &sh))
    rc = CLI_EXIT_FAIL;
  rc = gather(job, hall, m, rc);
  if (!rc) {
    finish(job, hall);
    job->simulated = 1;
  }
  free(hall);
  deq_cdf_free(cdf);
  free_workers(w, nt);
  for (size_t k = 0; !rc && k < job->nstat; k++)
    rc = job->stat[k].verdict.pass || !job->stat[k].applies ? rc : CLI_EXIT_FAIL;
  return rc;
}

int spec_seeds_tables(const spec_job *job, cli_ctx *ctx)
{
  size_t S = (size_t) job->seeds, k = job->nstat, n = (size_t) job->n;
  const char *names[2 + SPEC_MAXSTAT] = { "row", "replicate" };
  double *res = malloc((S * k + 1) * sizeof *res);
  if (res == NULL)
    return CLI_EXIT_FAIL;
  for (size_t j = 0; j < k; j++) {
    names[2 + j] = job->stat[j].name;
    for (size_t r = 0; r < S; r++)
      res[r * k + j] = job->stat[j].sample[r];
  }
  ctx->seeds = cli_seeds_table(ctx, "seeds", 1, S, k, names, res);
  free(res);
  if (job->ev_all != NULL) {
    const char *ev[] = { "replicate", "index", "eigenvalue" };
    ctx->eigen = cli_seeds_table(ctx, "eigenvalues", S, n, 1, ev, job->ev_all);
  }
  return ctx->seeds == NULL || (job->ev_all != NULL && ctx->eigen == NULL) ? CLI_EXIT_FAIL
                                                                          : CLI_EXIT_OK;
}

/* The law table of a capture: support edges and atoms, and the CDF at the grid. */
static deq_table *law_table(const spec_job *job, cli_ctx *ctx, double c)
{
  const char *names[] = { "part", "x", "mass", "mass_err", "status" };
  int types[] = { DEQ_COL_TEXT, DEQ_COL_NUM, DEQ_COL_NUM, DEQ_COL_NUM, DEQ_COL_TEXT };
  double e[64], pos[16];
  deq_result mass[16];
  size_t nint = 0, na = 0;
  int se = deq_pencil_support(job->pen, e, 32, &nint);
  int sa = deq_pencil_atoms(job->pen, 16, pos, mass, &na);
  deq_table *t = deq_table_alloc(5, names, types);
  cli_ctx cc = *ctx;
  cc.error_cols = "mass:mass_err";
  int s = t == NULL || cli_table_header(&cc, t, "law");
  for (size_t i = 0; !s && i < 2 * nint; i++) {   /* edges: no error bar (bisection) */
    double v[5] = { 0, c * e[i], 0, NAN, 0 };
    const char *txt[5] = { i % 2 ? "edge_hi" : "edge_lo", NULL, NULL, NULL, deq_status_name(se) };
    s = deq_table_add_row(t, v, txt);
  }
  for (size_t i = 0; !s && i < na; i++) {
    double v[5] = { 0, c * pos[i], mass[i].val, mass[i].err, 0 };
    const char *txt[5] = { "atom", NULL, NULL, NULL, deq_status_name(sa) };
    s = deq_table_add_row(t, v, txt);
  }
  if (s) {
    deq_table_free(t);
    return NULL;
  }
  return t;
}

static deq_table *cdf_table(const spec_job *job, cli_ctx *ctx, double c)
{
  const char *names[] = { "x", "cdf", "status" };
  int types[] = { DEQ_COL_NUM, DEQ_COL_NUM, DEQ_COL_TEXT };
  deq_cdf *cdf = NULL;
  int sc = deq_pencil_cdf(job->pen, &cdf);
  deq_table *t = cdf != NULL ? deq_table_alloc(3, names, types) : NULL;
  cli_ctx cc = *ctx;
  cc.error_cols = NULL;
  int s = t == NULL || cli_table_header(&cc, t, "cdf");
  for (size_t i = 0; !s && i < job->grid->n; i++) {
    double v[3] = { job->grid->x[i], deq_cdf_eval(cdf, job->grid->x[i] / c), 0 };
    const char *txt[3] = { NULL, NULL, deq_status_name(sc) };
    s = deq_table_add_row(t, v, txt);
  }
  deq_cdf_free(cdf);
  if (s) {
    deq_table_free(t);
    return NULL;
  }
  return t;
}

int spec_law_tables(const spec_job *job, cli_ctx *ctx)
{
  if (job->pen == NULL) {   /* the NTK on data: a matrix pencil, no law */
    cli_errorf("law: the NTK on data has resolvent traces and moments only (docs/data.md)");
    return CLI_EXIT_USAGE;
  }
  double c = job->input_file ? job->kscale : 1.0;   /* data: the pencil's spectrum x c */
  ctx->law = law_table(job, ctx, c);
  if (job->grid != NULL && ctx->law != NULL)
    ctx->cdf = cdf_table(job, ctx, c);
  return ctx->law == NULL || (job->grid != NULL && ctx->cdf == NULL) ? CLI_EXIT_FAIL
                                                                      : CLI_EXIT_OK;
}

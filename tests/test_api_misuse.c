/* Misuse of every public entry point (the headers in include/deqnn): NULL pointers, zero sizes, bad
 * enum values, huge sizes and parameters.  Each row of the table makes one call and states
 * what it must return and how many times the error handler must be called (once for an
 * error, never for a documented no-op such as _free(NULL)).  tests/test_api_coverage.sh
 * checks that every function of the headers has a row.  Runs under ASan/UBSan and valgrind
 * in CI, so "no crash, no invalid read" is part of each row. */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "testutil.h"
#include "deqnn/act.h"
#include "deqnn/ck.h"
#include "deqnn/compare.h"
#include "deqnn/datakernel.h"
#include "deqnn/datapencil.h"
#include "deqnn/dataset.h"
#include "deqnn/grid.h"
#include "deqnn/mp.h"
#include "deqnn/network.h"
#include "deqnn/ntk.h"
#include "deqnn/onestep.h"
#include "deqnn/opts.h"
#include "deqnn/pencil.h"
#include "deqnn/rf.h"
#include "deqnn/rng.h"
#include "deqnn/spiked.h"
#include "deqnn/status.h"
#include "deqnn/table.h"
#include "deqnn/twolayer.h"
#include "deqnn/srfsim.h"
#include "deqnn/training.h"
#include "deqnn/trainsim.h"
#include "deqnn/command.h"
#include "core/mem.h"

/* ---------------------------------------------------------------------------------------
 * The counting handler. */

static int calls;
static int last_status;
static char last_reason[512];

static void count(const char *reason, const char *file, int line, int status)
{
  (void) line;
  assert_non_null(reason);
  assert_non_null(file);
  calls++;
  last_status = status;
  snprintf(last_reason, sizeof last_reason, "%s", reason);
}

/* ---------------------------------------------------------------------------------------
 * Valid objects the misuse calls need besides the bad argument. */

typedef struct {
  deq_pencil *pen;
  deq_cdf *cdf;
  deq_rf_model *rf;
  deq_srf_plan *srf;
  deq_srf_weights srfw, bad_srfw;
  deq_srf_params srfp, bad_srfp;
  deq_srf_bulk bulk;
  deq_srf_outlier_search sout;
  deq_srf_mean smean;
  deq_srf_risk srisk;
  deq_network *net;
  deq_twolayer *tl;
  deq_srfsim *sws;
  deq_trainsim *trs;
  deq_trainsim_spec trspec, bad_trspec;
  deq_training_scalars tsc;
  deq_table *tab;
  gsl_rng *rng;
  deq_act act, bad_act, nan_act;
  deq_input_law law, bad_law, huge_law;
  deq_pencil_params par, bad_par;
  deq_network_spec nspec;
  deq_twolayer_spec tspec;
  deq_srfsim_spec sspec;
  deq_rf_params rfp;
  deq_onestep_params osp;
  deq_sample_stats st;
  double gamma[DEQ_PENCIL_MAXL + 1], buf[64], K[16];
  deq_result res[64];
  int ist[64];
  size_t sz;
  char text[64];
  /* Outputs of calls that must fail (written only if a check is missing). */
  deq_grid *out_grid;
  deq_table *out_table;
  deq_pencil *out_pen;
  deq_cdf *out_cdf;
  deq_network *out_net;
  deq_rf_model *out_rf;
  deq_srf_plan *out_srf;
  deq_twolayer *out_tl;
  deq_srfsim *out_sws;
  deq_trainsim *out_trs;
  deq_act out_act;
  deq_pencil_params out_par;
  deq_sample_stats out_st;
  deq_complex cz;
  deq_cresult cres;
  /* dataset.h, datakernel.h */
  deq_dataset ds;              /* 2 samples of dimension 2 over buf, not from a file */
  deq_dataset_diag diag;
  deq_dataset *out_ds;
  deq_datakernel *dk_he2, *out_dk;
  deq_datapencil *dp, *out_dp;   /* datapencil.h: the he2 CK on 2 orthonormal samples */
  double Kid[4];
  double Knan[4], Knonunit[4], Kzero[4];
} fixture;

static fixture F;

/* Options outside their domain (deq_opts_check): no quadrature intervals. */
static const deq_opts g_bad_opts = { .tol_step = 1e-13, .tol_res = 1e-11, .max_iter = 100,
                                      .quad_limit = 0 };

enum { FIX_N = 4 };   /* samples and widths of the small simulations */

static void setup_theory(void)
{
  deq_opts o;
  deq_opts_init(&o);
  o.cdf_nodes = 100;
  o.scan_points = 300;
  F.act.kind = DEQ_ACT_TANH;
  F.bad_act.kind = (deq_act_kind) 99;
  F.nan_act.kind = DEQ_ACT_POLY;
  F.nan_act.c[1] = NAN;
  F.law.kind = DEQ_DATA_GAUSSIAN;
  F.bad_law.kind = (deq_data_kind) 7;
  F.huge_law = (deq_input_law) { DEQ_DATA_ATOMS, SIZE_MAX, F.buf, F.buf };
  for (size_t l = 0; l <= DEQ_PENCIL_MAXL; l++)
    F.gamma[l] = 0.5;
  F.par.L = 0;
  F.par.gamma[0] = 0.5;
  F.par.q[0] = 1.0;
  F.par.input = F.law;
  F.bad_par = F.par;
  F.bad_par.input = F.bad_law;
  assert_int_equal(deq_pencil_alloc(&F.par, &o, &F.pen), DEQ_SUCCESS);
  deq_pencil_cdf(F.pen, &F.cdf);   /* coarse: the mass check may fail, the object exists */
  assert_non_null(F.cdf);
  deq_act lin = { DEQ_ACT_LINEAR, { 0 } };
  assert_int_equal(deq_rf_model_alloc(&F.act, &lin, NULL, &F.rf), DEQ_SUCCESS);
  F.rfp = (deq_rf_params) { 1.5, 2.0, 0.1, 0.1 };
  F.osp = (deq_onestep_params) { 1.5, 2.0, 2.0, 0.1, 0.1, 1.0 };
  F.st = (deq_sample_stats) { 10, 1.0, 0.1, 0.03 };
  F.srfw = (deq_srf_weights) { .spike = 1.0, .bulk_variance = 1.0, .alignment = 1.0 };
  F.bad_srfw = (deq_srf_weights) { .spike = -1.0, .bulk_variance = 1.0, .alignment = 1.0 };
  F.srfp = (deq_srf_params) { 1.2, 1.5, 0.1, 0.1 };
  F.bad_srfp = (deq_srf_params) { NAN, 1.5, 0.1, 0.1 };
  assert_int_equal(deq_srf_plan_alloc_panels(&F.act, &lin, &F.srfw, 16, NULL, &F.srf),
                   DEQ_SUCCESS);
  assert_int_equal(deq_training_scalars_eval(&F.act, &lin, 0.1, NULL, &F.tsc), DEQ_SUCCESS);
  F.ds = (deq_dataset) { .n = 2, .d = 2, .x = F.buf, .normalized = -1 };
  snprintf(F.ds.path, sizeof F.ds.path, "fixture");
  deq_act he2 = { DEQ_ACT_HE2, { 0 } };
  assert_int_equal(deq_datakernel_alloc(&he2, NULL, &F.dk_he2), DEQ_SUCCESS);
  for (int k = 0; k < 4; k++) {
    F.Knan[k] = NAN;
    F.Knonunit[k] = k % 3 == 0 ? 2.0 : 0.0;
    F.Kzero[k] = 0.0;
    F.Kid[k] = k % 3 == 0 ? 1.0 : 0.0;
  }
  assert_int_equal(deq_datapencil_alloc(F.dk_he2, 2, F.Kid, 1, F.gamma, DEQ_DATAPENCIL_CK,
                                        DEQ_DATAPENCIL_SLOPE_MATCHED, &F.dp), DEQ_SUCCESS);
}

static void setup_sim(void)
{
  const char *names[2] = { "x", "y" };
  memset(&F.nspec, 0, sizeof F.nspec);
  F.nspec.n = FIX_N;
  F.nspec.L = 1;
  F.nspec.d[0] = F.nspec.d[1] = FIX_N;
  F.nspec.act = F.act;
  assert_int_equal(deq_network_alloc(&F.nspec, NULL, &F.net), DEQ_SUCCESS);
  assert_int_equal(deq_network_draw(F.net, 1, 0), DEQ_SUCCESS);
  deq_twolayer_spec_init(&F.tspec);
  F.tspec.d = F.tspec.N = F.tspec.n = F.tspec.n_g = F.tspec.n_test = FIX_N;
  assert_int_equal(deq_twolayer_alloc(&F.tspec, &F.tl), DEQ_SUCCESS);
  deq_srfsim_spec_init(&F.sspec);
  F.sspec.d = F.sspec.p = F.sspec.n = F.sspec.n_test = F.sspec.n0 = FIX_N;
  assert_int_equal(deq_srfsim_alloc(&F.sspec, &F.sws), DEQ_SUCCESS);
  deq_trainsim_spec_init(&F.trspec);
  F.trspec.n = F.trspec.d0 = F.trspec.d1 = F.trspec.n_test = FIX_N;
  assert_int_equal(deq_trainsim_alloc(&F.trspec, &F.trs), DEQ_SUCCESS);
  assert_int_equal(deq_trainsim_init(F.trs, 1, 0), DEQ_SUCCESS);
  F.bad_trspec = F.trspec;
  F.bad_trspec.opt = DEQ_TRAIN_SGD;
  F.bad_trspec.batch = FIX_N + 1;
  F.tab = deq_table_alloc(2, names, NULL);
  assert_non_null(F.tab);
  F.rng = deq_rng_alloc(1, 0);
  assert_non_null(F.rng);
}

static void teardown(void)
{
  deq_datapencil_free(F.dp);
  deq_datakernel_free(F.dk_he2);
  deq_cdf_free(F.cdf);
  deq_pencil_free(F.pen);
  deq_rf_model_free(F.rf);
  deq_srf_plan_free(F.srf);
  deq_network_free(F.net);
  deq_twolayer_free(F.tl);
  deq_srfsim_free(F.sws);
  deq_trainsim_free(F.trs);
  deq_table_free(F.tab);
  gsl_rng_free(F.rng);
}

/* Specs with one field spoiled. */
static deq_srfsim_spec sspec_with(int which)
{
  deq_srfsim_spec s = F.sspec;
  switch (which) {
  case 0: memset(&s, 0, sizeof s); break;   /* every size 0: still one report */
  case 1: s.p = SIZE_MAX; break;
  case 2: s.mode = (deq_srfsim_mode) 7; break;
  case 3: s.teacher = F.bad_act; break;
  case 4: s.gamma = NAN; break;
  case 5: s.nz = SIZE_MAX; break;
  case 6: s.mode = DEQ_SRFSIM_NETWORK; s.n0 = 0; break;
  case 8: s.groups = DEQ_SRFSIM_MAXGROUPS + 1; break;
  case 9: s.groups = 2, s.support[0] = NAN, s.weights[0] = s.weights[1] = 1; break;
  case 10: s.groups = 2, s.weights[0] = -1, s.weights[1] = 1; break;
  case 11: s.groups = 2, s.weights[0] = s.weights[1] = 0; break;
  default: s.c = -1; break;
  }
  return s;
}

static deq_network_spec nspec_with(int which)
{
  deq_network_spec s = F.nspec;
  switch (which) {
  case 0: s.n = 0; break;
  case 1: s.L = 0; break;
  case 2: s.d[0] = SIZE_MAX; break;
  case 3: s.input = (deq_input_kind) 5; break;
  case 4: s.readout = (deq_readout_kind) -1; break;
  case 5: s.act = F.bad_act; break;
  default: s.L = SIZE_MAX; break;
  }
  return s;
}

static deq_twolayer_spec tspec_with(int which)
{
  deq_twolayer_spec s = F.tspec;
  switch (which) {
  case 0: memset(&s, 0, sizeof s); break;   /* every size 0: still one report */
  case 1: s.N = SIZE_MAX; break;
  case 2: s.form = (deq_twolayer_ridge_form) 9; break;
  case 3: s.teacher = F.bad_act; break;
  case 4: s.noise = NAN; break;
  case 6: s.n = SIZE_MAX; break;
  default: s.d = 0; break;
  }
  return s;
}

static deq_pencil_params par_with(int which)
{
  deq_pencil_params p = F.par;
  switch (which) {
  case 0: p.L = SIZE_MAX; break;
  case 1: p.input = F.huge_law; break;
  case 2: p.gamma[0] = INFINITY; break;
  default: p.input = (deq_input_law) { DEQ_DATA_ATOMS, 1, NULL, NULL }; break;
  }
  return p;
}

static deq_rf_params rfp_with(int which)
{
  deq_rf_params p = F.rfp;
  if (which == 0)
    p.width_ratio = NAN;
  else
    p.lambda = -1e308;
  return p;
}

/* ---------------------------------------------------------------------------------------
 * Adapters: every call becomes an int compared with the row's expectation. */

#define ST(e) (e)                                          /* a status */
#define PTR(e) ((e) == NULL ? DEQ_EINVAL : DEQ_SUCCESS)     /* a pointer: NULL on misuse */
#define NANV(e) (isnan(e) ? DEQ_EINVAL : DEQ_SUCCESS)      /* a double: NAN on misuse */
#define NEG(e) ((e) < 0 ? DEQ_EINVAL : DEQ_SUCCESS)        /* -1 on misuse */
#define VOID(e) ((e), DEQ_EINVAL)                          /* nothing: the handler says it */
#define NOOP(e) ((e), DEQ_SUCCESS)                         /* a documented no-op */

static deq_error_handler_t *swap_back(deq_error_handler_t *h)
{
  deq_error_handler_t *old = deq_set_error_handler(h);
  deq_set_error_handler(count);
  return old;
}

static const char *null_fmt(void) { return NULL; }

/* X(function, case, expression, expected value, expected handler calls). */
#define E1 DEQ_EINVAL, 1
#define CASES(X) \
  /* status.h */ \
  X(deq_strerror, "code -1 (documented 'unknown status')", \
    strcmp(deq_strerror(-1), "unknown status"), 0, 0) \
  X(deq_strerror, "code DEQ_NSTATUS", strcmp(deq_strerror(DEQ_NSTATUS), "unknown status"), 0, 0) \
  X(deq_status_name, "code 99 (documented 'unknown')", strcmp(deq_status_name(99), "unknown"), 0, 0) \
  X(deq_status_from_name, "name NULL", deq_status_from_name(NULL), -1, 1) \
  X(deq_status_from_name, "unknown token (documented -1)", deq_status_from_name("x"), -1, 0) \
  X(deq_set_error_handler, "NULL then back", PTR(swap_back(NULL)), DEQ_SUCCESS, 0) \
  X(deq_error, "reason and file NULL", NOOP(deq_error(NULL, NULL, 0, DEQ_EINVAL)), 0, 1) \
  X(deq_errorf, "fmt and file NULL", NOOP(deq_errorf(NULL, 0, DEQ_EINVAL, null_fmt(), 0)), 0, 1) \
  X(deq_status_merge, "out-of-range codes", deq_status_merge(-7, 99), -7, 0) \
  X(deq_creal, "nan real part (passed through)", isnan(deq_creal(NAN + 2.0 * I)), 1, 0) \
  X(deq_cimag, "infinite imaginary part (passed through)", isinf(deq_cimag(1.0 + INFINITY * I)), 1, 0) \
  /* opts.h */ \
  X(deq_opts_init, "opts NULL", VOID(deq_opts_init(NULL)), E1) \
  X(deq_opts_or_default, "NULL (documented defaults)", PTR(deq_opts_or_default(NULL)), 0, 0) \
  X(deq_opts_check, "NULL (documented defaults)", ST(deq_opts_check(NULL)), 0, 0) \
  X(deq_opts_check, "fields out of their domain", ST(deq_opts_check(&g_bad_opts)), E1) \
  /* grid.h */ \
  X(deq_grid_alloc, "n 0", PTR(deq_grid_alloc(0)), E1) \
  X(deq_grid_alloc, "n SIZE_MAX", PTR(deq_grid_alloc(SIZE_MAX)), E1) \
  X(deq_grid_free, "NULL", NOOP(deq_grid_free(NULL)), 0, 0) \
  X(deq_grid_linspace, "g NULL", deq_grid_linspace(0, 1, 3, NULL), E1) \
  X(deq_grid_linspace, "n 0", deq_grid_linspace(0, 1, 0, &F.out_grid), E1) \
  X(deq_grid_linspace, "n SIZE_MAX", deq_grid_linspace(0, 1, SIZE_MAX, &F.out_grid), E1) \
  X(deq_grid_linspace, "a NaN", deq_grid_linspace(NAN, 1, 3, &F.out_grid), E1) \
  X(deq_grid_linspace, "width overflows (-1e308..1e308)", \
    deq_grid_linspace(-1e308, 1e308, 3, &F.out_grid), E1) \
  X(deq_grid_logspace, "g NULL", deq_grid_logspace(1, 2, 3, NULL), E1) \
  X(deq_grid_logspace, "a 0", deq_grid_logspace(0, 2, 3, &F.out_grid), E1) \
  X(deq_grid_logspace, "b -1", deq_grid_logspace(1, -1, 3, &F.out_grid), E1) \
  X(deq_grid_parse, "text NULL", deq_grid_parse(NULL, "x", &F.out_grid), E1) \
  X(deq_grid_parse, "name NULL", deq_grid_parse("0:1:3", NULL, &F.out_grid), E1) \
  X(deq_grid_parse, "g NULL", deq_grid_parse("0:1:3", "x", NULL), E1) \
  X(deq_grid_parse, "K beyond long", \
    deq_grid_parse("0:1:99999999999999999999", "x", &F.out_grid), E1) \
  X(deq_grid_parse, "K above DEQ_GRID_MAX", \
    deq_grid_parse("0:1:10000001", "x", &F.out_grid), E1) \
  X(deq_parse_list, "text NULL", deq_parse_list(NULL, "x", F.buf, 4, &F.sz), E1) \
  X(deq_parse_list, "name NULL", deq_parse_list("1,2", NULL, F.buf, 4, &F.sz), E1) \
  X(deq_parse_list, "out NULL", deq_parse_list("1,2", "x", NULL, 4, &F.sz), E1) \
  X(deq_parse_list, "n NULL", deq_parse_list("1,2", "x", F.buf, 4, NULL), E1) \
  X(deq_parse_list, "nmax 0", deq_parse_list("1,2", "x", F.buf, 0, &F.sz), E1) \
  X(deq_parse_list, "value 1e999", deq_parse_list("1,1e999", "x", F.buf, 4, &F.sz), E1) \
  X(deq_parse_double, "text NULL", deq_parse_double(NULL, "x", F.buf), E1) \
  X(deq_parse_double, "name NULL", deq_parse_double("1", NULL, F.buf), E1) \
  X(deq_parse_double, "out NULL", deq_parse_double("1", "x", NULL), E1) \
  X(deq_parse_double, "1e999", deq_parse_double("1e999", "x", F.buf), E1) \
  X(deq_parse_long, "text NULL", deq_parse_long(NULL, "x", (long *) F.buf), E1) \
  X(deq_parse_long, "name NULL", deq_parse_long("1", NULL, (long *) F.buf), E1) \
  X(deq_parse_long, "out NULL", deq_parse_long("1", "x", NULL), E1) \
  X(deq_parse_long, "-1", deq_parse_long("-1", "x", (long *) F.buf), E1) \
  /* table.h */ \
  X(deq_table_alloc, "ncols 0", PTR(deq_table_alloc(0, (const char *const *) F.buf, NULL)), E1) \
  X(deq_table_alloc, "ncols SIZE_MAX", \
    PTR(deq_table_alloc(SIZE_MAX, (const char *const *) F.buf, NULL)), E1) \
  X(deq_table_alloc, "names NULL", PTR(deq_table_alloc(2, NULL, NULL)), E1) \
  X(deq_table_alloc, "names[1] NULL", \
    PTR(deq_table_alloc(2, (const char *const[]) { "a", NULL }, NULL)), E1) \
  X(deq_table_alloc, "types[0] 5", \
    PTR(deq_table_alloc(1, (const char *const[]) { "a" }, (const int[]) { 5 })), E1) \
  X(deq_table_free, "NULL", NOOP(deq_table_free(NULL)), 0, 0) \
  X(deq_table_add_row, "t NULL", deq_table_add_row(NULL, F.buf, NULL), E1) \
  X(deq_table_add_comment, "t NULL", deq_table_add_comment(NULL, "a: %d", 1), E1) \
  X(deq_table_add_comment, "fmt NULL", deq_table_add_comment(F.tab, null_fmt(), 0), E1) \
  X(deq_table_comment, "t NULL", PTR(deq_table_comment(NULL, "a")), E1) \
  X(deq_table_comment, "key NULL", PTR(deq_table_comment(F.tab, NULL)), E1) \
  X(deq_table_column, "t NULL", NEG(deq_table_column(NULL, "x")), E1) \
  X(deq_table_column, "name NULL", NEG(deq_table_column(F.tab, NULL)), E1) \
  X(deq_table_fprint, "t NULL", deq_table_fprint(NULL, stderr), E1) \
  X(deq_table_fprint, "f NULL", deq_table_fprint(F.tab, NULL), E1) \
  X(deq_table_write, "t NULL", deq_table_write(NULL, "/nonexistent/x.csv"), E1) \
  X(deq_table_read, "path NULL", deq_table_read(NULL, &F.out_table), E1) \
  X(deq_table_read, "t NULL", deq_table_read("x.csv", NULL), E1) \
  /* act.h */ \
  X(deq_act_parse, "name NULL", deq_act_parse(NULL, "--act", &F.out_act), E1) \
  X(deq_act_parse, "param NULL", deq_act_parse("tanh", NULL, &F.out_act), E1) \
  X(deq_act_parse, "act NULL", deq_act_parse("tanh", "--act", NULL), E1) \
  X(deq_act_parse, "poly:1e999", deq_act_parse("poly:1e999", "--act", &F.out_act), E1) \
  X(deq_act_name, "act NULL", VOID(deq_act_name(NULL, F.text, sizeof F.text)), E1) \
  X(deq_act_name, "buf NULL", VOID(deq_act_name(&F.act, NULL, 8)), E1) \
  X(deq_act_name, "n 0", VOID(deq_act_name(&F.act, F.text, 0)), E1) \
  X(deq_act_name, "kind 99", VOID(deq_act_name(&F.bad_act, F.text, sizeof F.text)), E1) \
  X(deq_act_is_odd, "act NULL", VOID(deq_act_is_odd(NULL)), E1) \
  X(deq_act_is_odd, "kind 99", VOID(deq_act_is_odd(&F.bad_act)), E1) \
  X(deq_act_eval, "act NULL", NANV(deq_act_eval(NULL, 0.5)), E1) \
  X(deq_act_eval, "kind 99", NANV(deq_act_eval(&F.bad_act, 0.5)), E1) \
  X(deq_act_deriv, "act NULL", NANV(deq_act_deriv(NULL, 0.5)), E1) \
  X(deq_act_deriv, "kind 99", NANV(deq_act_deriv(&F.bad_act, 0.5)), E1) \
  X(deq_act_moments, "act NULL", deq_act_moments(NULL, NULL, (deq_act_gauss *) F.res), E1) \
  X(deq_act_moments, "mom NULL", deq_act_moments(&F.act, NULL, NULL), E1) \
  X(deq_act_moments, "kind 99", deq_act_moments(&F.bad_act, NULL, (deq_act_gauss *) F.res), E1) \
  X(deq_act_moments, "poly c1 NaN", deq_act_moments(&F.nan_act, NULL, (deq_act_gauss *) F.res), E1) \
  X(deq_act_fw_constants, "act NULL", deq_act_fw_constants(NULL, NULL, (deq_act_fw *) F.res), E1) \
  X(deq_act_fw_constants, "fw NULL", deq_act_fw_constants(&F.act, NULL, NULL), E1) \
  X(deq_act_fw_constants, "kind 99", deq_act_fw_constants(&F.bad_act, NULL, (deq_act_fw *) F.res), E1) \
  X(deq_act_hermite, "act NULL", deq_act_hermite(NULL, 2, NULL, F.res), E1) \
  X(deq_act_hermite, "h NULL", deq_act_hermite(&F.act, 2, NULL, NULL), E1) \
  X(deq_act_hermite, "kmax SIZE_MAX", deq_act_hermite(&F.act, SIZE_MAX, NULL, F.res), E1) \
  X(deq_act_hermite, "kind 99", deq_act_hermite(&F.bad_act, 2, NULL, F.res), E1) \
  X(deq_act_apply, "act NULL", VOID(deq_act_apply(NULL, 0, 1, 4, F.buf, F.buf, NULL)), E1) \
  X(deq_act_apply, "x NULL", VOID(deq_act_apply(&F.act, 0, 1, 4, NULL, F.buf, NULL)), E1) \
  X(deq_act_apply, "y NULL", VOID(deq_act_apply(&F.act, 0, 1, 4, F.buf, NULL, NULL)), E1) \
  X(deq_act_apply, "scale 0", VOID(deq_act_apply(&F.act, 0, 0, 4, F.buf, F.buf, NULL)), E1) \
  X(deq_act_apply, "kind 99", VOID(deq_act_apply(&F.bad_act, 0, 1, 4, F.buf, F.buf, NULL)), E1) \
  X(deq_act_apply_deriv, "act NULL", VOID(deq_act_apply_deriv(NULL, 1, 4, F.buf, F.buf)), E1) \
  X(deq_act_apply_deriv, "x NULL", VOID(deq_act_apply_deriv(&F.act, 1, 4, NULL, F.buf)), E1) \
  X(deq_act_apply_deriv, "dy NULL", VOID(deq_act_apply_deriv(&F.act, 1, 4, F.buf, NULL)), E1) \
  X(deq_act_apply_deriv, "scale NaN", VOID(deq_act_apply_deriv(&F.act, NAN, 4, F.buf, F.buf)), E1) \
  /* rng.h */ \
  X(deq_rng_seed, "extreme seeds (valid)", NOOP(deq_rng_seed(UINT64_MAX, UINT64_MAX)), 0, 0) \
  X(deq_rng_alloc, "extreme seeds (valid)", ST(alloc_free_rng()), 0, 0) \
  X(deq_rng_reseed, "r NULL", VOID(deq_rng_reseed(NULL, 1, 0)), E1) \
  X(deq_rng_gaussian, "r NULL", VOID(deq_rng_gaussian(NULL, 1, 4, F.buf)), E1) \
  X(deq_rng_gaussian, "x NULL", VOID(deq_rng_gaussian(F.rng, 1, 4, NULL)), E1) \
  X(deq_rng_gaussian, "sd NaN", VOID(deq_rng_gaussian(F.rng, NAN, 4, F.buf)), E1) \
  X(deq_rng_rademacher, "r NULL", VOID(deq_rng_rademacher(NULL, 4, F.buf)), E1) \
  X(deq_rng_rademacher, "x NULL", VOID(deq_rng_rademacher(F.rng, 4, NULL)), E1) \
  /* mp.h */ \
  X(deq_mp_stieltjes, "m NULL", deq_mp_stieltjes(1.0 * I, 0.5, NULL), E1) \
  X(deq_mp_stieltjes, "gamma NaN", deq_mp_stieltjes(1.0 * I, NAN, &F.cz), E1) \
  X(deq_mp_stieltjes, "z infinite", deq_mp_stieltjes(INFINITY, 0.5, &F.cz), E1) \
  X(deq_mp_density, "rho NULL", deq_mp_density(1, 0.5, NULL), E1) \
  X(deq_mp_density, "gamma -1", deq_mp_density(1, -1, F.buf), E1) \
  X(deq_mp_density, "gamma inf", deq_mp_density(1, INFINITY, F.buf), E1) \
  X(deq_mp_edges, "lo NULL", deq_mp_edges(0.5, NULL, F.buf), E1) \
  X(deq_mp_edges, "hi NULL", deq_mp_edges(0.5, F.buf, NULL), E1) \
  X(deq_mp_atom, "mass NULL", deq_mp_atom(0.5, NULL), E1) \
  X(deq_mp_atom, "gamma 0", deq_mp_atom(0, F.buf), E1) \
  X(deq_mp_moment, "mk NULL", deq_mp_moment(2, 0.5, NULL), E1) \
  X(deq_mp_moment, "k UINT_MAX", deq_mp_moment(UINT_MAX, 0.5, F.buf), E1) \
  X(deq_mp_cdf, "F NULL", deq_mp_cdf(1, 0.5, NULL), E1) \
  X(deq_mp_cdf, "x NaN", deq_mp_cdf(NAN, 0.5, F.buf), E1) \
  /* pencil.h */ \
  X(deq_pencil_alloc, "par NULL", deq_pencil_alloc(NULL, NULL, &F.out_pen), E1) \
  X(deq_pencil_alloc, "pen NULL", deq_pencil_alloc(&F.par, NULL, NULL), E1) \
  X(deq_pencil_alloc, "input kind 7", deq_pencil_alloc(&F.bad_par, NULL, &F.out_pen), E1) \
  X(deq_pencil_alloc, "L SIZE_MAX", \
    deq_pencil_alloc((const deq_pencil_params[]) { par_with(0) }, NULL, &F.out_pen), E1) \
  X(deq_pencil_alloc, "natoms SIZE_MAX", \
    deq_pencil_alloc((const deq_pencil_params[]) { par_with(1) }, NULL, &F.out_pen), E1) \
  X(deq_pencil_alloc, "gamma_0 1e308 * 10 (inf)", \
    deq_pencil_alloc((const deq_pencil_params[]) { par_with(2) }, NULL, &F.out_pen), E1) \
  X(deq_pencil_alloc, "atoms x, p NULL", \
    deq_pencil_alloc((const deq_pencil_params[]) { par_with(3) }, NULL, &F.out_pen), E1) \
  X(deq_pencil_free, "NULL", NOOP(deq_pencil_free(NULL)), 0, 0) \
  X(deq_pencil_scale, "pen NULL", NANV(deq_pencil_scale(NULL)), E1) \
  X(deq_pencil_bound, "pen NULL", VOID(deq_pencil_bound(NULL, F.buf, F.buf)), E1) \
  X(deq_pencil_bound, "lo NULL", VOID(deq_pencil_bound(F.pen, NULL, F.buf)), E1) \
  X(deq_pencil_bound, "hi NULL", VOID(deq_pencil_bound(F.pen, F.buf, NULL)), E1) \
  X(deq_pencil_stieltjes, "pen NULL", deq_pencil_stieltjes(NULL, I, &F.cres, NULL), E1) \
  X(deq_pencil_stieltjes, "m NULL", deq_pencil_stieltjes(F.pen, I, NULL, NULL), E1) \
  X(deq_pencil_stieltjes, "z NaN", deq_pencil_stieltjes(F.pen, NAN, &F.cres, NULL), E1) \
  X(deq_pencil_density, "pen NULL", deq_pencil_density(NULL, 1, F.buf, F.res, F.ist), E1) \
  X(deq_pencil_density, "x NULL", deq_pencil_density(F.pen, 1, NULL, F.res, F.ist), E1) \
  X(deq_pencil_density, "rho NULL", deq_pencil_density(F.pen, 1, F.buf, NULL, F.ist), E1) \
  X(deq_pencil_density, "status NULL", deq_pencil_density(F.pen, 1, F.buf, F.res, NULL), E1) \
  X(deq_pencil_density, "n 0", deq_pencil_density(F.pen, 0, F.buf, F.res, F.ist), E1) \
  X(deq_pencil_atom, "pen NULL", deq_pencil_atom(NULL, 0, F.res), E1) \
  X(deq_pencil_atom, "mass NULL", deq_pencil_atom(F.pen, 0, NULL), E1) \
  X(deq_pencil_atom, "x0 inf", deq_pencil_atom(F.pen, INFINITY, F.res), E1) \
  X(deq_pencil_atoms, "pen NULL", deq_pencil_atoms(NULL, 4, F.buf, F.res, &F.sz), E1) \
  X(deq_pencil_atoms, "pos NULL", deq_pencil_atoms(F.pen, 4, NULL, F.res, &F.sz), E1) \
  X(deq_pencil_atoms, "mass NULL", deq_pencil_atoms(F.pen, 4, F.buf, NULL, &F.sz), E1) \
  X(deq_pencil_atoms, "count NULL", deq_pencil_atoms(F.pen, 4, F.buf, F.res, NULL), E1) \
  X(deq_pencil_atoms, "max 0", deq_pencil_atoms(F.pen, 0, F.buf, F.res, &F.sz), E1) \
  X(deq_pencil_moments, "pen NULL", deq_pencil_moments(NULL, 2, F.res), E1) \
  X(deq_pencil_moments, "mom NULL", deq_pencil_moments(F.pen, 2, NULL), E1) \
  X(deq_pencil_moments, "kmax SIZE_MAX", deq_pencil_moments(F.pen, SIZE_MAX, F.res), E1) \
  X(deq_pencil_support, "pen NULL", deq_pencil_support(NULL, F.buf, 4, &F.sz), E1) \
  X(deq_pencil_support, "edges NULL", deq_pencil_support(F.pen, NULL, 4, &F.sz), E1) \
  X(deq_pencil_support, "nint NULL", deq_pencil_support(F.pen, F.buf, 4, NULL), E1) \
  X(deq_pencil_support, "maxint 0", deq_pencil_support(F.pen, F.buf, 0, &F.sz), E1) \
  X(deq_pencil_support, "maxint SIZE_MAX", deq_pencil_support(F.pen, F.buf, SIZE_MAX, &F.sz), E1) \
  X(deq_pencil_cdf, "pen NULL", deq_pencil_cdf(NULL, &F.out_cdf), E1) \
  X(deq_pencil_cdf, "cdf NULL", deq_pencil_cdf(F.pen, NULL), E1) \
  X(deq_cdf_free, "NULL", NOOP(deq_cdf_free(NULL)), 0, 0) \
  X(deq_cdf_eval, "cdf NULL", NANV(deq_cdf_eval(NULL, 1)), E1) \
  X(deq_cdf_eval_left, "cdf NULL", NANV(deq_cdf_eval_left(NULL, 1)), E1) \
  X(deq_cdf_mass, "cdf NULL", NANV(deq_cdf_mass(NULL)), E1) \
  /* ck.h */ \
  X(deq_ck_params, "gamma NULL", deq_ck_params(0.5, 1, NULL, &F.law, &F.out_par), E1) \
  X(deq_ck_params, "input NULL", deq_ck_params(0.5, 1, F.gamma, NULL, &F.out_par), E1) \
  X(deq_ck_params, "par NULL", deq_ck_params(0.5, 1, F.gamma, &F.law, NULL), E1) \
  X(deq_ck_params, "L 0", deq_ck_params(0.5, 0, F.gamma, &F.law, &F.out_par), E1) \
  X(deq_ck_params, "L SIZE_MAX", deq_ck_params(0.5, SIZE_MAX, F.gamma, &F.law, &F.out_par), E1) \
  X(deq_ck_params, "input kind 7", deq_ck_params(0.5, 1, F.gamma, &F.bad_law, &F.out_par), E1) \
  X(deq_ck_alloc, "act NULL", deq_ck_alloc(NULL, 1, F.gamma, &F.law, NULL, &F.out_pen), E1) \
  X(deq_ck_alloc, "gamma NULL", deq_ck_alloc(&F.act, 1, NULL, &F.law, NULL, &F.out_pen), E1) \
  X(deq_ck_alloc, "input NULL", deq_ck_alloc(&F.act, 1, F.gamma, NULL, NULL, &F.out_pen), E1) \
  X(deq_ck_alloc, "pen NULL", deq_ck_alloc(&F.act, 1, F.gamma, &F.law, NULL, NULL), E1) \
  X(deq_ck_alloc, "input kind 7", \
    deq_ck_alloc(&F.act, 1, F.gamma, &F.bad_law, NULL, &F.out_pen), E1) \
  X(deq_ck_alloc, "act kind 99", \
    deq_ck_alloc(&F.bad_act, 1, F.gamma, &F.law, NULL, &F.out_pen), E1) \
  X(deq_ck_alloc, "L 17", deq_ck_alloc(&F.act, 17, F.gamma, &F.law, NULL, &F.out_pen), E1) \
  X(deq_ck_moments_exact, "par NULL", deq_ck_moments_exact(NULL, F.buf, F.buf), E1) \
  X(deq_ck_moments_exact, "m1 NULL", deq_ck_moments_exact(&F.par, NULL, F.buf), E1) \
  X(deq_ck_moments_exact, "m2 NULL", deq_ck_moments_exact(&F.par, F.buf, NULL), E1) \
  X(deq_ck_moments_exact, "L SIZE_MAX", \
    deq_ck_moments_exact((const deq_pencil_params[]) { par_with(0) }, F.buf, F.buf), E1) \
  X(deq_ck_moments_exact, "atoms x, p NULL", \
    deq_ck_moments_exact((const deq_pencil_params[]) { par_with(3) }, F.buf, F.buf), E1) \
  X(deq_ck_atom_exact, "par NULL", deq_ck_atom_exact(NULL, F.buf), E1) \
  X(deq_ck_atom_exact, "mass NULL", deq_ck_atom_exact(&F.par, NULL), E1) \
  X(deq_ck_atom_exact, "L SIZE_MAX", \
    deq_ck_atom_exact((const deq_pencil_params[]) { par_with(0) }, F.buf), E1) \
  /* ntk.h */ \
  X(deq_ntk_params, "gamma NULL", deq_ntk_params(1, 0.5, 1, NULL, &F.law, &F.out_par), E1) \
  X(deq_ntk_params, "input NULL", deq_ntk_params(1, 0.5, 1, F.gamma, NULL, &F.out_par), E1) \
  X(deq_ntk_params, "par NULL", deq_ntk_params(1, 0.5, 1, F.gamma, &F.law, NULL), E1) \
  X(deq_ntk_params, "a NaN", deq_ntk_params(NAN, 0.5, 1, F.gamma, &F.law, &F.out_par), E1) \
  X(deq_ntk_params, "input kind 7", deq_ntk_params(1, 0.5, 1, F.gamma, &F.bad_law, &F.out_par), E1) \
  X(deq_ntk_alloc, "act NULL", deq_ntk_alloc(NULL, 1, F.gamma, &F.law, NULL, &F.out_pen), E1) \
  X(deq_ntk_alloc, "gamma NULL", deq_ntk_alloc(&F.act, 1, NULL, &F.law, NULL, &F.out_pen), E1) \
  X(deq_ntk_alloc, "input NULL", deq_ntk_alloc(&F.act, 1, F.gamma, NULL, NULL, &F.out_pen), E1) \
  X(deq_ntk_alloc, "pen NULL", deq_ntk_alloc(&F.act, 1, F.gamma, &F.law, NULL, NULL), E1) \
  X(deq_ntk_alloc, "input kind 7", \
    deq_ntk_alloc(&F.act, 1, F.gamma, &F.bad_law, NULL, &F.out_pen), E1) \
  X(deq_ntk_alloc, "L 0", deq_ntk_alloc(&F.act, 0, F.gamma, &F.law, NULL, &F.out_pen), E1) \
  X(deq_pencil_moments_exact, "par NULL", deq_pencil_moments_exact(NULL, F.buf, F.buf), E1) \
  X(deq_pencil_moments_exact, "m1 NULL", deq_pencil_moments_exact(&F.par, NULL, F.buf), E1) \
  X(deq_pencil_moments_exact, "m2 NULL", deq_pencil_moments_exact(&F.par, F.buf, NULL), E1) \
  X(deq_pencil_moments_exact, "L SIZE_MAX", \
    deq_pencil_moments_exact((const deq_pencil_params[]) { par_with(0) }, F.buf, F.buf), E1) \
  /* compare.h */ \
  X(deq_stats_compute, "x NULL", VOID(deq_stats_compute(NULL, 3, &F.out_st)), E1) \
  X(deq_stats_compute, "s NULL", VOID(deq_stats_compute(F.buf, 3, NULL)), E1) \
  X(deq_stats_compute, "k 0", VOID(deq_stats_compute(F.buf, 0, &F.out_st)), E1) \
  X(deq_verdict_eval, "sim NULL", VOID(deq_verdict_eval(1, 0, NULL, 1, 10, (deq_verdict *) F.res)), E1) \
  X(deq_verdict_eval, "v NULL", VOID(deq_verdict_eval(1, 0, &F.st, 1, 10, NULL)), E1) \
  X(deq_verdict_eval, "n 0 (no pass)", verdict_n0(), E1) \
  X(deq_verdict_eval, "B -1e308", VOID(deq_verdict_eval(1, 0, &F.st, -1e308, 10, (deq_verdict *) F.res)), E1) \
  X(deq_spec_moment, "eval NULL", NANV(deq_spec_moment(3, NULL, 1)), E1) \
  X(deq_spec_moment, "n 0", NANV(deq_spec_moment(0, F.buf, 1)), E1) \
  X(deq_spec_resolvent, "eval NULL", NANV(deq_spec_resolvent(3, NULL, 1)), E1) \
  X(deq_spec_resolvent, "n 0", NANV(deq_spec_resolvent(0, F.buf, 1)), E1) \
  X(deq_spec_zero_fraction, "eval NULL", NANV(deq_spec_zero_fraction(3, NULL)), E1) \
  X(deq_spec_zero_fraction, "n 0", NANV(deq_spec_zero_fraction(0, F.buf)), E1) \
  X(deq_spec_hill, "eval NULL", NANV(deq_spec_hill(3, NULL)), E1) \
  X(deq_spec_hill, "too few", NANV(deq_spec_hill(3, F.buf)), E1) \
  X(deq_spec_hill_ks, "eval NULL", NANV(deq_spec_hill_ks(3, NULL, NULL)), E1) \
  X(deq_spec_w1, "cdf NULL", NANV(deq_spec_w1(3, F.buf, NULL)), E1) \
  X(deq_spec_w1, "n 0", NANV(deq_spec_w1(0, F.buf, F.cdf)), E1) \
  X(deq_spec_ks, "eval NULL", NANV(deq_spec_ks(3, NULL, F.cdf)), E1) \
  X(deq_spec_ks, "cdf NULL", NANV(deq_spec_ks(3, F.buf, NULL)), E1) \
  X(deq_spec_ks, "n 0", NANV(deq_spec_ks(0, F.buf, F.cdf)), E1) \
  X(deq_spec_histogram, "eval NULL", VOID(deq_spec_histogram(3, NULL, 2, F.buf, F.buf + 8)), E1) \
  X(deq_spec_histogram, "x NULL", VOID(deq_spec_histogram(3, F.buf, 2, NULL, F.buf + 8)), E1) \
  X(deq_spec_histogram, "hist NULL", VOID(deq_spec_histogram(3, F.buf, 2, F.buf, NULL)), E1) \
  X(deq_spec_histogram, "m 0", VOID(deq_spec_histogram(3, F.buf, 0, F.buf, F.buf + 8)), E1) \
  X(deq_spec_histogram, "n 0", VOID(deq_spec_histogram(0, F.buf, 2, F.buf, F.buf + 8)), E1) \
  X(deq_check_error_bars, "t NULL", deq_check_error_bars(NULL), E1) \
  X(deq_compare_tables, "ref NULL", deq_compare_tables(NULL, F.tab, 3, F.text, 8, &F.sz), E1) \
  X(deq_compare_tables, "got NULL", deq_compare_tables(F.tab, NULL, 3, F.text, 8, &F.sz), E1) \
  X(deq_compare_tables, "report NULL", deq_compare_tables(F.tab, F.tab, 3, NULL, 8, &F.sz), E1) \
  X(deq_compare_tables, "report_len 0", deq_compare_tables(F.tab, F.tab, 3, F.text, 0, &F.sz), E1) \
  X(deq_compare_tables, "nbad NULL", deq_compare_tables(F.tab, F.tab, 3, F.text, 8, NULL), E1) \
  /* network.h */ \
  X(deq_network_alloc, "spec NULL", deq_network_alloc(NULL, NULL, &F.out_net), E1) \
  X(deq_network_alloc, "net NULL", deq_network_alloc(&F.nspec, NULL, NULL), E1) \
  X(deq_network_alloc, "n 0", \
    deq_network_alloc((const deq_network_spec[]) { nspec_with(0) }, NULL, &F.out_net), E1) \
  X(deq_network_alloc, "L 0", \
    deq_network_alloc((const deq_network_spec[]) { nspec_with(1) }, NULL, &F.out_net), E1) \
  X(deq_network_alloc, "d[0] SIZE_MAX", \
    deq_network_alloc((const deq_network_spec[]) { nspec_with(2) }, NULL, &F.out_net), E1) \
  X(deq_network_alloc, "input kind 5", \
    deq_network_alloc((const deq_network_spec[]) { nspec_with(3) }, NULL, &F.out_net), E1) \
  X(deq_network_alloc, "readout kind -1", \
    deq_network_alloc((const deq_network_spec[]) { nspec_with(4) }, NULL, &F.out_net), E1) \
  X(deq_network_alloc, "act kind 99", \
    deq_network_alloc((const deq_network_spec[]) { nspec_with(5) }, NULL, &F.out_net), E1) \
  X(deq_network_free, "NULL", NOOP(deq_network_free(NULL)), 0, 0) \
  X(deq_network_bytes, "spec NULL", NANV(deq_network_bytes(NULL)), E1) \
  X(deq_network_bytes, "L SIZE_MAX", NANV(deq_network_bytes((const deq_network_spec[]) { nspec_with(6) })), E1) \
  X(deq_network_draw, "net NULL", deq_network_draw(NULL, 1, 0), E1) \
  X(deq_network_ck, "net NULL", deq_network_ck(NULL, F.K), E1) \
  X(deq_network_ck, "K NULL", deq_network_ck(F.net, NULL), E1) \
  X(deq_network_ntk, "net NULL", deq_network_ntk(NULL, F.K), E1) \
  X(deq_network_ntk, "K NULL", deq_network_ntk(F.net, NULL), E1) \
  X(deq_network_eigvals, "K NULL", deq_network_eigvals(FIX_N, NULL, F.buf), E1) \
  X(deq_network_eigvals, "eval NULL", deq_network_eigvals(FIX_N, F.K, NULL), E1) \
  X(deq_network_eigvals, "n 0", deq_network_eigvals(0, F.K, F.buf), E1) \
  X(deq_network_eigvals, "n SIZE_MAX", deq_network_eigvals(SIZE_MAX, F.K, F.buf), E1) \
  X(deq_network_ck_spectrum, "net NULL", deq_network_ck_spectrum(NULL, F.buf), E1) \
  X(deq_network_ck_spectrum, "eval NULL", deq_network_ck_spectrum(F.net, NULL), E1) \
  X(deq_network_spectrum, "net NULL", deq_network_spectrum(NULL, F.K, F.buf), E1) \
  X(deq_network_spectrum, "K NULL", deq_network_spectrum(F.net, NULL, F.buf), E1) \
  X(deq_network_spectrum, "eval NULL", deq_network_spectrum(F.net, F.K, NULL), E1) \
  X(deq_network_features, "net NULL", PTR(deq_network_features(NULL, 0)), E1) \
  X(deq_network_features, "l SIZE_MAX", PTR(deq_network_features(F.net, SIZE_MAX)), E1) \
  X(deq_network_weights, "net NULL", PTR(deq_network_weights(NULL, 1)), E1) \
  X(deq_network_weights, "l 0", PTR(deq_network_weights(F.net, 0)), E1) \
  X(deq_network_readout, "net NULL", PTR(deq_network_readout(NULL)), E1) \
  X(deq_network_normalisation, "net NULL", VOID(deq_network_normalisation(NULL, F.buf, F.buf)), E1) \
  X(deq_network_normalisation, "shift NULL", VOID(deq_network_normalisation(F.net, NULL, F.buf)), E1) \
  X(deq_network_normalisation, "scale NULL", VOID(deq_network_normalisation(F.net, F.buf, NULL)), E1) \
  X(deq_network_timing, "net NULL", VOID(deq_network_timing(NULL, F.buf, F.buf)), E1) \
  X(deq_network_timing, "blas NULL", VOID(deq_network_timing(F.net, NULL, F.buf)), E1) \
  X(deq_network_timing, "total NULL", VOID(deq_network_timing(F.net, F.buf, NULL)), E1) \
  X(deq_network_timing_reset, "net NULL", VOID(deq_network_timing_reset(NULL)), E1) \
  /* rf.h */ \
  X(deq_srf_coef, "act NULL", deq_srf_coef(NULL, 1.0, 0.0, F.res), E1) \
  X(deq_srf_coef, "out NULL", deq_srf_coef(&F.act, 1.0, 0.0, NULL), E1) \
  X(deq_srf_coef, "c NaN", deq_srf_coef(&F.act, NAN, 0.0, F.res), E1) \
  X(deq_srf_law_gaussian, "act NULL", deq_srf_law_gaussian(NULL, 4, F.buf, F.K, &F.sz), E1) \
  X(deq_srf_law_gaussian, "ngroups NULL", deq_srf_law_gaussian(&F.act, 4, F.buf, F.K, NULL), E1) \
  X(deq_srf_law_gaussian, "groups 0", deq_srf_law_gaussian(&F.act, 0, F.buf, F.K, &F.sz), E1) \
  X(deq_srf_law_gaussian, "groups 17", deq_srf_law_gaussian(&F.act, 17, F.buf, F.K, &F.sz), E1) \
  X(deq_srf_plan_alloc, "act NULL", deq_srf_plan_alloc(NULL, &F.act, &F.srfw, NULL, &F.out_srf), E1) \
  X(deq_srf_plan_alloc, "plan NULL", deq_srf_plan_alloc(&F.act, &F.act, &F.srfw, NULL, NULL), E1) \
  X(deq_srf_plan_alloc, "spike -1", deq_srf_plan_alloc(&F.act, &F.act, &F.bad_srfw, NULL, &F.out_srf), E1) \
  X(deq_srf_plan_alloc, "groups 17", deq_srf_plan_alloc(&F.act, &F.act, \
    (const deq_srf_weights[]) { { .spike = 1, .bulk_variance = 1, .alignment = 1, \
                                  .groups = DEQ_SRF_MAXGROUPS + 1 } }, NULL, &F.out_srf), E1) \
  X(deq_srf_plan_alloc, "support NaN", deq_srf_plan_alloc(&F.act, &F.act, \
    (const deq_srf_weights[]) { { .spike = 1, .bulk_variance = 1, .alignment = 1, .groups = 1, \
                                  .support = { NAN }, .weights = { 1 } } }, NULL, &F.out_srf), E1) \
  X(deq_srf_plan_alloc, "weights sum 0", deq_srf_plan_alloc(&F.act, &F.act, \
    (const deq_srf_weights[]) { { .spike = 1, .bulk_variance = 1, .alignment = 1, .groups = 2, \
                                  .support = { 0, 1 } } }, NULL, &F.out_srf), E1) \
  X(deq_srf_plan_alloc_panels, "panels 0", \
    deq_srf_plan_alloc_panels(&F.act, &F.act, &F.srfw, 0, NULL, &F.out_srf), E1) \
  X(deq_srf_plan_alloc_panels, "panels SIZE_MAX", \
    deq_srf_plan_alloc_panels(&F.act, &F.act, &F.srfw, SIZE_MAX, NULL, &F.out_srf), E1) \
  X(deq_srf_plan_free, "NULL (documented no-op)", NOOP(deq_srf_plan_free(NULL)), 0, 0) \
  X(deq_srf_stieltjes, "plan NULL", deq_srf_stieltjes(NULL, &F.srfp, 1.0 + I, NULL, &F.bulk), E1) \
  X(deq_srf_stieltjes, "out NULL", deq_srf_stieltjes(F.srf, &F.srfp, 1.0 + I, NULL, NULL), E1) \
  X(deq_srf_stieltjes, "width_ratio NaN", \
    deq_srf_stieltjes(F.srf, &F.bad_srfp, 1.0 + I, NULL, &F.bulk), E1) \
  X(deq_srf_density, "x NULL", deq_srf_density(F.srf, &F.srfp, 3, NULL, NULL, F.res), E1) \
  X(deq_srf_density, "n 0", deq_srf_density(F.srf, &F.srfp, 0, F.buf, NULL, F.res), E1) \
  X(deq_srf_edge, "edge NULL", deq_srf_edge(F.srf, &F.srfp, NULL, NULL), E1) \
  X(deq_srf_outliers, "out NULL", deq_srf_outliers(F.srf, &F.srfp, NULL, NULL), E1) \
  X(deq_srf_mean_outlier, "width NaN", deq_srf_mean_outlier(F.srf, &F.srfp, NAN, NULL, &F.smean), E1) \
  X(deq_srf_mean_outlier, "out NULL", deq_srf_mean_outlier(F.srf, &F.srfp, 100.0, NULL, NULL), E1) \
  X(deq_srf_risk_eval, "params NULL", deq_srf_risk_eval(F.srf, NULL, NULL, &F.srisk), E1) \
  X(deq_srf_risk_eval, "out NULL", deq_srf_risk_eval(F.srf, &F.srfp, NULL, NULL), E1) \
  X(deq_srf_from_network, "act NULL", \
    deq_srf_from_network(NULL, &F.act, 0.1, 1.0, 2.0, NULL, &F.srfw, F.buf), E1) \
  X(deq_srf_from_network, "eta NaN", \
    deq_srf_from_network(&F.act, &F.act, 0.1, NAN, 2.0, NULL, &F.srfw, F.buf), E1) \
  X(deq_act_check_domain, "act NULL", deq_act_check_domain(NULL, "act"), E1) \
  X(deq_act_check_domain, "param NULL", deq_act_check_domain(&F.act, NULL), E1) \
  X(deq_act_check_domain, "act kind 99", deq_act_check_domain(&F.bad_act, "act"), E1) \
  X(deq_rf_model_alloc, "act NULL", deq_rf_model_alloc(NULL, &F.act, NULL, &F.out_rf), E1) \
  X(deq_rf_model_alloc, "teacher NULL", deq_rf_model_alloc(&F.act, NULL, NULL, &F.out_rf), E1) \
  X(deq_rf_model_alloc, "m NULL", deq_rf_model_alloc(&F.act, &F.act, NULL, NULL), E1) \
  X(deq_rf_model_alloc, "act kind 99", \
    deq_rf_model_alloc(&F.bad_act, &F.act, NULL, &F.out_rf), E1) \
  X(deq_rf_model_alloc, "teacher poly NaN", \
    deq_rf_model_alloc(&F.act, &F.nan_act, NULL, &F.out_rf), E1) \
  X(deq_rf_model_free, "NULL", NOOP(deq_rf_model_free(NULL)), 0, 0) \
  X(deq_rf_model_constants, "m NULL", VOID(deq_rf_model_constants(NULL, (deq_rf_constants *) F.res)), E1) \
  X(deq_rf_model_constants, "c NULL", VOID(deq_rf_model_constants(F.rf, NULL)), E1) \
  X(deq_rf_risk, "m NULL", deq_rf_risk(NULL, &F.rfp, NULL, (deq_rf_result *) F.res), E1) \
  X(deq_rf_risk, "p NULL", deq_rf_risk(F.rf, NULL, NULL, (deq_rf_result *) F.res), E1) \
  X(deq_rf_risk, "out NULL", deq_rf_risk(F.rf, &F.rfp, NULL, NULL), E1) \
  X(deq_rf_risk, "width_ratio NaN", \
    deq_rf_risk(F.rf, (const deq_rf_params[]) { rfp_with(0) }, NULL, (deq_rf_result *) F.res), E1) \
  X(deq_rf_risk, "lambda -1e308", \
    deq_rf_risk(F.rf, (const deq_rf_params[]) { rfp_with(1) }, NULL, (deq_rf_result *) F.res), E1) \
  X(deq_rf_risk_mm, "m NULL", deq_rf_risk_mm(NULL, &F.rfp, NULL, (deq_rf_result *) F.res), E1) \
  X(deq_rf_risk_mm, "p NULL", deq_rf_risk_mm(F.rf, NULL, NULL, (deq_rf_result *) F.res), E1) \
  X(deq_rf_risk_mm, "out NULL", deq_rf_risk_mm(F.rf, &F.rfp, NULL, NULL), E1) \
  X(deq_rf_risk_mm, "width_ratio NaN", \
    deq_rf_risk_mm(F.rf, (const deq_rf_params[]) { rfp_with(0) }, NULL, (deq_rf_result *) F.res), E1) \
  /* onestep.h */ \
  X(deq_onestep_spike_eval, "m NULL", deq_onestep_spike_eval(NULL, &F.osp, (deq_onestep_spike *) F.res), E1) \
  X(deq_onestep_spike_eval, "p NULL", deq_onestep_spike_eval(F.rf, NULL, (deq_onestep_spike *) F.res), E1) \
  X(deq_onestep_spike_eval, "out NULL", deq_onestep_spike_eval(F.rf, &F.osp, NULL), E1) \
  X(deq_onestep_spike_eval, "eta NaN", \
    deq_onestep_spike_eval(F.rf, (const deq_onestep_params[]) { osp_eta_nan() }, \
                           (deq_onestep_spike *) F.res), E1) \
  X(deq_onestep_risk, "m NULL", deq_onestep_risk(NULL, &F.osp, NULL, (deq_rf_result *) F.res), E1) \
  X(deq_onestep_risk, "p NULL", deq_onestep_risk(F.rf, NULL, NULL, (deq_rf_result *) F.res), E1) \
  X(deq_onestep_risk, "out NULL", deq_onestep_risk(F.rf, &F.osp, NULL, NULL), E1) \
  X(deq_onestep_gradient_alignment, "m NULL", deq_onestep_gradient_alignment(NULL, &F.osp, F.res), E1) \
  X(deq_onestep_gradient_alignment, "p NULL", deq_onestep_gradient_alignment(F.rf, NULL, F.res), E1) \
  X(deq_onestep_gradient_alignment, "cos2 NULL", deq_onestep_gradient_alignment(F.rf, &F.osp, NULL), E1) \
  X(deq_onestep_bbp_eval, "m NULL", deq_onestep_bbp_eval(NULL, &F.osp, (deq_onestep_bbp *) F.res), E1) \
  X(deq_onestep_bbp_eval, "p NULL", deq_onestep_bbp_eval(F.rf, NULL, (deq_onestep_bbp *) F.res), E1) \
  X(deq_onestep_bbp_eval, "out NULL", deq_onestep_bbp_eval(F.rf, &F.osp, NULL), E1) \
  X(deq_onestep_weight_alignment, "m NULL", deq_onestep_weight_alignment(NULL, &F.osp, F.res), E1) \
  X(deq_onestep_weight_alignment, "p NULL", deq_onestep_weight_alignment(F.rf, NULL, F.res), E1) \
  X(deq_onestep_weight_alignment, "cos2 NULL", deq_onestep_weight_alignment(F.rf, &F.osp, NULL), E1) \
  X(deq_onestep_best_linear, "m NULL", deq_onestep_best_linear(NULL, F.res), E1) \
  X(deq_onestep_best_linear, "risk NULL", deq_onestep_best_linear(F.rf, NULL), E1) \
  X(deq_onestep_linear_ridge, "m NULL", deq_onestep_linear_ridge(NULL, 2, 0.1, 0.1, F.res), E1) \
  X(deq_onestep_linear_ridge, "risk NULL", deq_onestep_linear_ridge(F.rf, 2, 0.1, 0.1, NULL), E1) \
  X(deq_onestep_linear_ridge, "sample_ratio 0", deq_onestep_linear_ridge(F.rf, 0, 0.1, 0.1, F.res), E1) \
  X(deq_onestep_linear_ridge_opt, "m NULL", deq_onestep_linear_ridge_opt(NULL, 2, 0.1, F.res, F.res), E1) \
  X(deq_onestep_linear_ridge_opt, "lambda_x NULL", deq_onestep_linear_ridge_opt(F.rf, 2, 0.1, NULL, F.res), E1) \
  X(deq_onestep_linear_ridge_opt, "risk NULL", deq_onestep_linear_ridge_opt(F.rf, 2, 0.1, F.res, NULL), E1) \
  X(deq_onestep_linear_ridge_opt, "noise inf", \
    deq_onestep_linear_ridge_opt(F.rf, 2, INFINITY, F.res, F.res), E1) \
  X(deq_onestep_kernel_ridge, "m NULL", deq_onestep_kernel_ridge(NULL, 2, 0, 0.1, F.res), E1) \
  X(deq_onestep_kernel_ridge, "risk NULL", deq_onestep_kernel_ridge(F.rf, 2, 0, 0.1, NULL), E1) \
  X(deq_onestep_kernel_ridge, "lambda_kernel -1", deq_onestep_kernel_ridge(F.rf, 2, -1, 0.1, F.res), E1) \
  X(deq_onestep_baselines_eval, "m NULL", \
    deq_onestep_baselines_eval(NULL, &F.rfp, NULL, (deq_onestep_baselines *) F.res), E1) \
  X(deq_onestep_baselines_eval, "p NULL", \
    deq_onestep_baselines_eval(F.rf, NULL, NULL, (deq_onestep_baselines *) F.res), E1) \
  X(deq_onestep_baselines_eval, "out NULL", deq_onestep_baselines_eval(F.rf, &F.rfp, NULL, NULL), E1) \
  X(deq_onestep_baselines_eval, "width_ratio NaN", \
    deq_onestep_baselines_eval(F.rf, (const deq_rf_params[]) { rfp_with(0) }, NULL, \
                               (deq_onestep_baselines *) F.res), E1) \
  /* twolayer.h */ \
  X(deq_twolayer_spec_init, "spec NULL", VOID(deq_twolayer_spec_init(NULL)), E1) \
  X(deq_twolayer_alloc, "spec NULL", deq_twolayer_alloc(NULL, &F.out_tl), E1) \
  X(deq_twolayer_alloc, "tl NULL", deq_twolayer_alloc(&F.tspec, NULL), E1) \
  X(deq_twolayer_alloc, "all sizes 0 (one report)", \
    deq_twolayer_alloc((const deq_twolayer_spec[]) { tspec_with(0) }, &F.out_tl), E1) \
  X(deq_twolayer_alloc, "N SIZE_MAX", \
    deq_twolayer_alloc((const deq_twolayer_spec[]) { tspec_with(1) }, &F.out_tl), E1) \
  X(deq_twolayer_alloc, "form 9", \
    deq_twolayer_alloc((const deq_twolayer_spec[]) { tspec_with(2) }, &F.out_tl), E1) \
  X(deq_twolayer_alloc, "teacher kind 99", \
    deq_twolayer_alloc((const deq_twolayer_spec[]) { tspec_with(3) }, &F.out_tl), E1) \
  X(deq_twolayer_alloc, "noise NaN", \
    deq_twolayer_alloc((const deq_twolayer_spec[]) { tspec_with(4) }, &F.out_tl), E1) \
  X(deq_twolayer_alloc, "d 0", \
    deq_twolayer_alloc((const deq_twolayer_spec[]) { tspec_with(5) }, &F.out_tl), E1) \
  X(deq_twolayer_bytes, "spec NULL", NANV(deq_twolayer_bytes(NULL)), E1) \
  X(deq_twolayer_bytes, "n SIZE_MAX", \
    NANV(deq_twolayer_bytes((const deq_twolayer_spec[]) { tspec_with(6) })), E1) \
  X(deq_twolayer_bytes, "all sizes 0", \
    NANV(deq_twolayer_bytes((const deq_twolayer_spec[]) { tspec_with(0) })), E1) \
  X(deq_twolayer_free, "NULL", NOOP(deq_twolayer_free(NULL)), 0, 0) \
  X(deq_twolayer_draw, "tl NULL", deq_twolayer_draw(NULL, 1, 0), E1) \
  X(deq_twolayer_step, "tl NULL", deq_twolayer_step(NULL, 0.5, 0), E1) \
  X(deq_twolayer_step, "eta NaN", deq_twolayer_step(F.tl, NAN, 0), E1) \
  X(deq_twolayer_step, "eta 1e308 before a draw", deq_twolayer_step(F.tl, 1e308, 1), E1) \
  X(deq_twolayer_ridge, "tl NULL", deq_twolayer_ridge(NULL, 0.1, F.buf), E1) \
  X(deq_twolayer_ridge, "train_error NULL", deq_twolayer_ridge(F.tl, 0.1, NULL), E1) \
  X(deq_twolayer_ridge, "lambda -1", deq_twolayer_ridge(F.tl, -1, F.buf), E1) \
  X(deq_twolayer_test, "tl NULL", deq_twolayer_test(NULL, F.buf), E1) \
  X(deq_twolayer_test, "risk NULL", deq_twolayer_test(F.tl, NULL), E1) \
  X(deq_twolayer_top_left, "tl NULL", deq_twolayer_top_left(NULL, F.buf, F.buf), E1) \
  X(deq_twolayer_top_left, "A NULL", deq_twolayer_top_left(F.tl, NULL, F.buf), E1) \
  X(deq_twolayer_top_left, "u NULL", deq_twolayer_top_left(F.tl, F.buf, NULL), E1) \
  X(deq_twolayer_align, "tl NULL", deq_twolayer_align(NULL, F.buf, F.buf), E1) \
  X(deq_twolayer_align, "align_grad NULL", deq_twolayer_align(F.tl, NULL, F.buf), E1) \
  X(deq_twolayer_align, "align_w1 NULL", deq_twolayer_align(F.tl, F.buf, NULL), E1) \
  X(deq_twolayer_top_w1, "tl NULL", NANV(deq_twolayer_top_w1(NULL)), E1) \
  X(deq_twolayer_fit, "tl NULL", deq_twolayer_fit(NULL, 0.1, (deq_twolayer_result *) F.res), E1) \
  X(deq_twolayer_fit, "out NULL", deq_twolayer_fit(F.tl, 0.1, NULL), E1) \
  X(deq_twolayer_view, "tl NULL", VOID(deq_twolayer_view(NULL, (deq_twolayer_data *) F.res)), E1) \
  X(deq_twolayer_view, "data NULL", VOID(deq_twolayer_view(F.tl, NULL)), E1) \
  X(deq_twolayer_timing, "tl NULL", VOID(deq_twolayer_timing(NULL, (deq_twolayer_times *) F.res)), E1) \
  X(deq_twolayer_timing, "times NULL", VOID(deq_twolayer_timing(F.tl, NULL)), E1) \
  /* srfsim.h */ \
  X(deq_srfsim_spec_init, "spec NULL", VOID(deq_srfsim_spec_init(NULL)), E1) \
  X(deq_srfsim_alloc, "spec NULL", deq_srfsim_alloc(NULL, &F.out_sws), E1) \
  X(deq_srfsim_alloc, "ws NULL", deq_srfsim_alloc(&F.sspec, NULL), E1) \
  X(deq_srfsim_alloc, "all sizes 0 (one report)", \
    deq_srfsim_alloc((const deq_srfsim_spec[]) { sspec_with(0) }, &F.out_sws), E1) \
  X(deq_srfsim_alloc, "p SIZE_MAX", \
    deq_srfsim_alloc((const deq_srfsim_spec[]) { sspec_with(1) }, &F.out_sws), E1) \
  X(deq_srfsim_alloc, "mode 7", \
    deq_srfsim_alloc((const deq_srfsim_spec[]) { sspec_with(2) }, &F.out_sws), E1) \
  X(deq_srfsim_alloc, "teacher kind 99", \
    deq_srfsim_alloc((const deq_srfsim_spec[]) { sspec_with(3) }, &F.out_sws), E1) \
  X(deq_srfsim_alloc, "gamma NaN", \
    deq_srfsim_alloc((const deq_srfsim_spec[]) { sspec_with(4) }, &F.out_sws), E1) \
  X(deq_srfsim_alloc, "nz SIZE_MAX", \
    deq_srfsim_alloc((const deq_srfsim_spec[]) { sspec_with(5) }, &F.out_sws), E1) \
  X(deq_srfsim_alloc, "network n0 0", \
    deq_srfsim_alloc((const deq_srfsim_spec[]) { sspec_with(6) }, &F.out_sws), E1) \
  X(deq_srfsim_alloc, "c -1", \
    deq_srfsim_alloc((const deq_srfsim_spec[]) { sspec_with(7) }, &F.out_sws), E1) \
  X(deq_srfsim_alloc, "groups above the maximum", \
    deq_srfsim_alloc((const deq_srfsim_spec[]) { sspec_with(8) }, &F.out_sws), E1) \
  X(deq_srfsim_alloc, "support NaN", \
    deq_srfsim_alloc((const deq_srfsim_spec[]) { sspec_with(9) }, &F.out_sws), E1) \
  X(deq_srfsim_group_sizes, "spec NULL", deq_srfsim_group_sizes(NULL, (size_t *) F.res), E1) \
  X(deq_srfsim_group_sizes, "sizes NULL", deq_srfsim_group_sizes(&F.sspec, NULL), E1) \
  X(deq_srfsim_group_sizes, "groups above the maximum", \
    deq_srfsim_group_sizes((const deq_srfsim_spec[]) { sspec_with(8) }, (size_t *) F.res), E1) \
  X(deq_srfsim_group_sizes, "weight -1", \
    deq_srfsim_group_sizes((const deq_srfsim_spec[]) { sspec_with(10) }, (size_t *) F.res), E1) \
  X(deq_srfsim_group_sizes, "weights sum 0", \
    deq_srfsim_group_sizes((const deq_srfsim_spec[]) { sspec_with(11) }, (size_t *) F.res), E1) \
  X(deq_srfsim_bytes, "spec NULL", NANV(deq_srfsim_bytes(NULL)), E1) \
  X(deq_srfsim_bytes, "all sizes 0", \
    NANV(deq_srfsim_bytes((const deq_srfsim_spec[]) { sspec_with(0) })), E1) \
  X(deq_srfsim_bytes, "teacher kind 99", \
    NANV(deq_srfsim_bytes((const deq_srfsim_spec[]) { sspec_with(3) })), E1) \
  X(deq_srfsim_free, "NULL", NOOP(deq_srfsim_free(NULL)), 0, 0) \
  X(deq_srfsim_set_eta, "ws NULL", deq_srfsim_set_eta(NULL, 0.5), E1) \
  X(deq_srfsim_set_eta, "eta -1", deq_srfsim_set_eta(F.sws, -1), E1) \
  X(deq_srfsim_set_eta, "eta inf", deq_srfsim_set_eta(F.sws, INFINITY), E1) \
  X(deq_srfsim_run, "ws NULL", deq_srfsim_run(NULL, 1, 0, (deq_srfsim_result *) F.res, NULL), E1) \
  X(deq_srfsim_run, "out NULL", deq_srfsim_run(F.sws, 1, 0, NULL, F.buf), E1) \
  X(deq_srfsim_view, "ws NULL", VOID(deq_srfsim_view(NULL, (deq_srfsim_data *) F.res)), E1) \
  X(deq_srfsim_view, "data NULL", VOID(deq_srfsim_view(F.sws, NULL)), E1) \
  /* training.h */ \
  X(deq_training_scalars_eval, "act NULL", \
    deq_training_scalars_eval(NULL, &F.act, 0, NULL, (deq_training_scalars *) F.res), E1) \
  X(deq_training_scalars_eval, "noise -1", \
    deq_training_scalars_eval(&F.act, &F.act, -1, NULL, (deq_training_scalars *) F.res), E1) \
  X(deq_training_spike_eval, "sc NULL", \
    deq_training_spike_eval(NULL, 1, 1, 1, 1, (deq_training_spike *) F.res), E1) \
  X(deq_training_spike_eval, "sample_ratio 0", \
    deq_training_spike_eval(&F.tsc, 0, 1, 1, 1, (deq_training_spike *) F.res), E1) \
  X(deq_training_spike_eval, "lr NaN", \
    deq_training_spike_eval(&F.tsc, 1, 1, NAN, 0, (deq_training_spike *) F.res), E1) \
  X(deq_training_bulk_alloc, "pen NULL", \
    deq_training_bulk_alloc(&F.act, DEQ_TRAINING_CK, 1, 1, NULL, NULL), E1) \
  X(deq_training_bulk_alloc, "act NULL", \
    deq_training_bulk_alloc(NULL, DEQ_TRAINING_CK, 1, 1, NULL, &F.out_pen), E1) \
  X(deq_training_bulk_alloc, "width_ratio -1", \
    deq_training_bulk_alloc(&F.act, DEQ_TRAINING_NTK, 1, -1, NULL, &F.out_pen), E1) \
  X(deq_training_bulk_alloc, "matrix 7", \
    deq_training_bulk_alloc(&F.act, (deq_training_matrix) 7, 1, 1, NULL, &F.out_pen), E1) \
  X(deq_training_ck_outlier, "sc NULL", \
    deq_training_ck_outlier(NULL, F.pen, 1, 1, 1, NULL, (deq_training_ck_spike *) F.res), E1) \
  X(deq_training_ck_outlier, "lr -1", \
    deq_training_ck_outlier(&F.tsc, F.pen, 1, 1, -1, NULL, (deq_training_ck_spike *) F.res), E1) \
  X(deq_training_top_tw, "d0 0", deq_training_top_tw(0, 10, F.buf, F.buf + 1), E1) \
  X(deq_training_top_tw, "mean NULL", deq_training_top_tw(10, 10, NULL, F.buf), E1) \
  X(deq_table_ncols, "t NULL", (deq_table_ncols(NULL) == 0 ? DEQ_EINVAL : 0), E1) \
  X(deq_table_nrows, "t NULL", (deq_table_nrows(NULL) == 0 ? DEQ_EINVAL : 0), E1) \
  X(deq_table_name, "c 99", PTR(deq_table_name(F.tab, 99)), E1) \
  X(deq_table_is_text, "t NULL", (deq_table_is_text(NULL, 0) == 0 ? DEQ_EINVAL : 0), E1) \
  X(deq_table_values, "t NULL", PTR(deq_table_values(NULL)), E1) \
  X(deq_table_text_at, "r 99", PTR(deq_table_text_at(F.tab, 99, 0)), E1) \
  X(deq_table_text_column, "c 99", \
    (deq_table_text_column(F.tab, 99, F.text, sizeof F.text) == 0 ? DEQ_EINVAL : 0), E1) \
  X(deq_table_text_column, "buf NULL, len 8", \
    (deq_table_text_column(F.tab, 0, NULL, 8) == 0 ? DEQ_EINVAL : 0), E1) \
  X(deq_table_ncomments, "t NULL", (deq_table_ncomments(NULL) == 0 ? DEQ_EINVAL : 0), E1) \
  X(deq_table_comment_at, "i 99", PTR(deq_table_comment_at(F.tab, 99)), E1) \
  /* command.h (returns the CLI's exit code: 2 for misuse, with the message in msg) */ \
  X(deq_command_run, "argv NULL", \
    (deq_command_run(1, NULL, &F.out_table, NULL, F.text, sizeof F.text) == 2 ? DEQ_EINVAL : 0), DEQ_EINVAL, 0) \
  X(deq_command_run, "table NULL", \
    (deq_command_run(1, (const char *[]) { "mp" }, NULL, NULL, F.text, 64) == 2 ? DEQ_EINVAL : 0), DEQ_EINVAL, 0) \
  X(deq_command_run_tables, "tables NULL", \
    (deq_command_run_tables(1, (const char *[]) { "mp" }, NULL, 4, F.text, 64) == 2 ? DEQ_EINVAL : 0), \
    DEQ_EINVAL, 0) \
  X(deq_command_run_tables, "ntables 0", \
    (deq_command_run_tables(1, (const char *[]) { "mp" }, &F.out_table, 0, F.text, 64) == 2 ? \
     DEQ_EINVAL : 0), DEQ_EINVAL, 0) \
  X(deq_command_stieltjes, "nz 0", \
    (deq_command_stieltjes(1, (const char *[]) { "mp" }, 0, F.buf, F.buf, F.buf, F.buf, F.buf, \
                           (int *) F.res, F.text, 64) == 2 ? DEQ_EINVAL : 0), DEQ_EINVAL, 0) \
  X(deq_command_stieltjes, "command rf", \
    (deq_command_stieltjes(1, (const char *[]) { "rf" }, 1, F.buf, F.buf, F.buf, F.buf, F.buf, \
                           (int *) F.res, F.text, 64) == 2 ? DEQ_EINVAL : 0), DEQ_EINVAL, 0) \
  X(deq_command_table_name, "i 99 (documented NULL, no report)", \
    (deq_command_table_name(99) == NULL ? 0 : 1), 0, 0) \
  X(deq_command_blas_core, "no argument (documented: NULL or a name)", \
    NOOP(deq_command_blas_core()), 0, 0) \
  /* trainsim.h */ \
  X(deq_trainsim_spec_init, "spec NULL", VOID(deq_trainsim_spec_init(NULL)), E1) \
  X(deq_trainsim_bytes, "spec NULL", NANV(deq_trainsim_bytes(NULL)), E1) \
  X(deq_trainsim_bytes, "batch > n", NANV(deq_trainsim_bytes(&F.bad_trspec)), E1) \
  X(deq_trainsim_alloc, "spec NULL", deq_trainsim_alloc(NULL, &F.out_trs), E1) \
  X(deq_trainsim_alloc, "ws NULL", deq_trainsim_alloc(&F.trspec, NULL), E1) \
  X(deq_trainsim_alloc, "batch > n", deq_trainsim_alloc(&F.bad_trspec, &F.out_trs), E1) \
  X(deq_trainsim_free, "NULL", NOOP(deq_trainsim_free(NULL)), 0, 0) \
  X(deq_trainsim_init, "ws NULL", deq_trainsim_init(NULL, 1, 0), E1) \
  X(deq_trainsim_step, "ws NULL", deq_trainsim_step(NULL), E1) \
  X(deq_trainsim_steps, "ws NULL", VOID(deq_trainsim_steps(NULL)), E1) \
  X(deq_trainsim_measure, "ws NULL", \
    deq_trainsim_measure(NULL, (deq_trainsim_stats *) F.res, NULL, NULL, NULL), E1) \
  X(deq_trainsim_measure, "out NULL", deq_trainsim_measure(F.trs, NULL, NULL, NULL, NULL), E1) \
  X(deq_trainsim_view, "ws NULL", deq_trainsim_view(NULL, (deq_trainsim_data *) F.res), E1) \
  X(deq_trainsim_view, "out NULL", deq_trainsim_view(F.trs, NULL), E1) \
  /* dataset.h */ \
  X(deq_dataset_read, "ds NULL", deq_dataset_read("x.csv", NULL), E1) \
  X(deq_dataset_read, "path NULL", deq_dataset_read(NULL, &F.out_ds), E1) \
  X(deq_dataset_read, "path empty", deq_dataset_read("", &F.out_ds), E1) \
  X(deq_dataset_subset, "ds NULL", deq_dataset_subset(NULL, 1, 1), E1) \
  X(deq_dataset_subset, "k 0", deq_dataset_subset(&F.ds, 0, 1), E1) \
  X(deq_dataset_subset, "k > n", deq_dataset_subset(&F.ds, 3, 1), E1) \
  X(deq_dataset_normalize, "ds NULL", deq_dataset_normalize(NULL, DEQ_DATASET_UNIT), E1) \
  X(deq_dataset_normalize, "how 7", deq_dataset_normalize(&F.ds, (deq_dataset_norm) 7), E1) \
  X(deq_dataset_gram, "ds NULL", deq_dataset_gram(NULL, F.K), E1) \
  X(deq_dataset_gram, "G NULL", deq_dataset_gram(&F.ds, NULL), E1) \
  X(deq_dataset_diagnose, "ds NULL", deq_dataset_diagnose(NULL, F.K, &F.diag), E1) \
  X(deq_dataset_diagnose, "G NULL", deq_dataset_diagnose(&F.ds, NULL, &F.diag), E1) \
  X(deq_dataset_diagnose, "diag NULL", deq_dataset_diagnose(&F.ds, F.K, NULL), E1) \
  X(deq_dataset_format_name, "format 99 (documented 'unknown')", \
    strcmp(deq_dataset_format_name((deq_dataset_format) 99), "unknown"), 0, 0) \
  X(deq_dataset_norm_name, "norm 99 (documented 'unknown')", \
    strcmp(deq_dataset_norm_name((deq_dataset_norm) 99), "unknown"), 0, 0) \
  X(deq_dataset_free, "NULL", NOOP(deq_dataset_free(NULL)), 0, 0) \
  /* datakernel.h */ \
  X(deq_datakernel_alloc, "dk NULL", deq_datakernel_alloc(&F.act, NULL, NULL), E1) \
  X(deq_datakernel_alloc, "act NULL", deq_datakernel_alloc(NULL, NULL, &F.out_dk), E1) \
  X(deq_datakernel_alloc, "act kind 99", deq_datakernel_alloc(&F.bad_act, NULL, &F.out_dk), E1) \
  X(deq_datakernel_alloc, "poly coefficient NaN", \
    deq_datakernel_alloc(&F.nan_act, NULL, &F.out_dk), E1) \
  X(deq_datakernel_free, "NULL", NOOP(deq_datakernel_free(NULL)), 0, 0) \
  X(deq_datakernel_any_norm, "dk NULL", NEG(deq_datakernel_any_norm(NULL)), E1) \
  X(deq_datakernel_eval, "dk NULL", deq_datakernel_eval(NULL, 1, 1, 0, F.res), E1) \
  X(deq_datakernel_eval, "k NULL", deq_datakernel_eval(F.dk_he2, 1, 1, 0, NULL), E1) \
  X(deq_datakernel_eval, "q_a -1", deq_datakernel_eval(F.dk_he2, -1, 1, 0, F.res), E1) \
  X(deq_datakernel_eval, "c NaN", deq_datakernel_eval(F.dk_he2, 1, 1, NAN, F.res), E1) \
  X(deq_datakernel_eval, "|c| > sqrt(q_a q_b)", deq_datakernel_eval(F.dk_he2, 1, 1, 1.5, F.res), E1) \
  X(deq_datakernel_eval, "he2 with norms != 1", deq_datakernel_eval(F.dk_he2, 2, 1, 0, F.res), E1) \
  X(deq_datakernel_matrix, "dk NULL", deq_datakernel_matrix(NULL, 2, F.K, F.buf), E1) \
  X(deq_datakernel_matrix, "G NULL", deq_datakernel_matrix(F.dk_he2, 2, NULL, F.buf), E1) \
  X(deq_datakernel_matrix, "err NULL", deq_datakernel_matrix(F.dk_he2, 2, F.K, NULL), E1) \
  X(deq_datakernel_matrix, "n 0", deq_datakernel_matrix(F.dk_he2, 0, F.K, F.buf), E1) \
  X(deq_datakernel_matrix, "n SIZE_MAX", deq_datakernel_matrix(F.dk_he2, SIZE_MAX, F.K, F.buf), E1) \
  X(deq_datakernel_matrix, "NaN entry", deq_datakernel_matrix(F.dk_he2, 2, F.Knan, F.buf), E1) \
  X(deq_datakernel_matrix, "he2 with norms != 1", \
    deq_datakernel_matrix(F.dk_he2, 2, F.Knonunit, F.buf), E1) \
  X(deq_datakernel_atoms, "K NULL", deq_datakernel_atoms(2, NULL, F.buf, F.buf + 2, F.buf + 4), E1) \
  X(deq_datakernel_atoms, "x NULL", deq_datakernel_atoms(2, F.Kzero, NULL, F.buf + 2, F.buf + 4), E1) \
  X(deq_datakernel_atoms, "p NULL", deq_datakernel_atoms(2, F.Kzero, F.buf, NULL, F.buf + 4), E1) \
  X(deq_datakernel_atoms, "mean NULL", deq_datakernel_atoms(2, F.Kzero, F.buf, F.buf + 2, NULL), E1) \
  X(deq_datakernel_atoms, "n 0", deq_datakernel_atoms(0, F.Kzero, F.buf, F.buf + 2, F.buf + 4), E1) \
  X(deq_datakernel_atoms, "zero trace", deq_datakernel_atoms(2, F.Kzero, F.buf, F.buf + 2, F.buf + 4), E1) \
  X(deq_datakernel_ck_params, "gamma NULL", deq_datakernel_ck_params(0.5, 1, NULL, &F.huge_law, &F.out_par), E1) \
  X(deq_datakernel_ck_params, "law NULL", deq_datakernel_ck_params(0.5, 1, F.gamma, NULL, &F.out_par), E1) \
  X(deq_datakernel_ck_params, "par NULL", deq_datakernel_ck_params(0.5, 1, F.gamma, &F.huge_law, NULL), E1) \
  X(deq_datakernel_ck_params, "L 0", deq_datakernel_ck_params(0.5, 0, F.gamma, &F.huge_law, &F.out_par), E1) \
  X(deq_datakernel_ck_params, "b 2", deq_datakernel_ck_params(2, 1, F.gamma, &F.huge_law, &F.out_par), E1) \
  X(deq_datakernel_ck_params, "law gaussian", deq_datakernel_ck_params(0.5, 1, F.gamma, &F.law, &F.out_par), E1) \
  X(deq_datakernel_b, "dk NULL", NANV(deq_datakernel_b(NULL)), E1) \
  X(deq_datakernel_deriv_matrix, "dk NULL", deq_datakernel_deriv_matrix(NULL, 2, F.K, F.buf), E1) \
  X(deq_datakernel_deriv_matrix, "G NULL", deq_datakernel_deriv_matrix(F.dk_he2, 2, NULL, F.buf), E1) \
  X(deq_datakernel_deriv_matrix, "err NULL", deq_datakernel_deriv_matrix(F.dk_he2, 2, F.K, NULL), E1) \
  X(deq_datakernel_deriv_matrix, "n 0", deq_datakernel_deriv_matrix(F.dk_he2, 0, F.K, F.buf), E1) \
  X(deq_datakernel_deriv_matrix, "NaN entry", deq_datakernel_deriv_matrix(F.dk_he2, 2, F.Knan, F.buf), E1) \
  X(deq_datakernel_deriv_matrix, "he2 with norms != 1", \
    deq_datakernel_deriv_matrix(F.dk_he2, 2, F.Knonunit, F.buf), E1) \
  /* datapencil.h */ \
  X(deq_datapencil_alloc, "dp NULL", deq_datapencil_alloc(F.dk_he2, 2, F.Kid, 1, F.gamma, 0, 0, NULL), E1) \
  X(deq_datapencil_alloc, "dk NULL", deq_datapencil_alloc(NULL, 2, F.Kid, 1, F.gamma, 0, 0, &F.out_dp), E1) \
  X(deq_datapencil_alloc, "K0 NULL", deq_datapencil_alloc(F.dk_he2, 2, NULL, 1, F.gamma, 0, 0, &F.out_dp), E1) \
  X(deq_datapencil_alloc, "gamma NULL", deq_datapencil_alloc(F.dk_he2, 2, F.Kid, 1, NULL, 0, 0, &F.out_dp), E1) \
  X(deq_datapencil_alloc, "n 0", deq_datapencil_alloc(F.dk_he2, 0, F.Kid, 1, F.gamma, 0, 0, &F.out_dp), E1) \
  X(deq_datapencil_alloc, "L 0", deq_datapencil_alloc(F.dk_he2, 2, F.Kid, 0, F.gamma, 0, 0, &F.out_dp), E1) \
  X(deq_datapencil_alloc, "NTK with L 2", deq_datapencil_alloc(F.dk_he2, 2, F.Kid, 2, F.gamma, DEQ_DATAPENCIL_NTK, 0, &F.out_dp), E1) \
  X(deq_datapencil_alloc, "kind 9", deq_datapencil_alloc(F.dk_he2, 2, F.Kid, 1, F.gamma, (deq_datapencil_kind) 9, 0, &F.out_dp), E1) \
  X(deq_datapencil_alloc, "slope 9", deq_datapencil_alloc(F.dk_he2, 2, F.Kid, 1, F.gamma, 0, (deq_datapencil_slope) 9, &F.out_dp), E1) \
  X(deq_datapencil_alloc, "NaN entry", deq_datapencil_alloc(F.dk_he2, 2, F.Knan, 1, F.gamma, 0, 0, &F.out_dp), E1) \
  X(deq_datapencil_alloc, "he2 with norms != 1", deq_datapencil_alloc(F.dk_he2, 2, F.Knonunit, 1, F.gamma, 0, 0, &F.out_dp), E1) \
  X(deq_datapencil_free, "NULL", NOOP(deq_datapencil_free(NULL)), 0, 0) \
  X(deq_datapencil_beta, "dp NULL", NANV(deq_datapencil_beta(NULL, 1)), E1) \
  X(deq_datapencil_beta, "l 0", NANV(deq_datapencil_beta(F.dp, 0)), E1) \
  X(deq_datapencil_beta, "l 2 > L", NANV(deq_datapencil_beta(F.dp, 2)), E1) \
  X(deq_datapencil_res, "dp NULL", deq_datapencil_res(NULL, 1, NULL, F.res), E1) \
  X(deq_datapencil_res, "res NULL", deq_datapencil_res(F.dp, 1, NULL, NULL), E1) \
  X(deq_datapencil_res, "lambda 0", deq_datapencil_res(F.dp, 0, NULL, F.res), E1) \
  X(deq_datapencil_res, "lambda NaN", deq_datapencil_res(F.dp, NAN, NULL, F.res), E1) \
  X(deq_datapencil_res, "lambda inf", deq_datapencil_res(F.dp, INFINITY, NULL, F.res), E1) \
  X(deq_datapencil_moments, "dp NULL", deq_datapencil_moments(NULL, F.res, F.res + 1), E1) \
  X(deq_datapencil_moments, "m1 NULL", deq_datapencil_moments(F.dp, NULL, F.res + 1), E1) \
  X(deq_datapencil_moments, "m2 NULL", deq_datapencil_moments(F.dp, F.res, NULL), E1)

/* Helpers used by a few rows. */
static int alloc_free_rng(void)
{
  gsl_rng *r = deq_rng_alloc(UINT64_MAX, UINT64_MAX);
  if (r == NULL)
    return DEQ_ENOMEM;
  gsl_rng_free(r);
  return DEQ_SUCCESS;
}

static int verdict_n0(void)
{
  deq_verdict v;
  deq_verdict_eval(1.0, 0.0, &F.st, 1.0, 0, &v);
  return v.pass ? DEQ_SUCCESS : DEQ_EINVAL;
}

static deq_onestep_params osp_eta_nan(void)
{
  deq_onestep_params p = F.osp;
  p.eta = NAN;
  return p;
}

typedef struct {
  const char *fn, *what;
  int want, ncalls;
} row;

#define ROW(...) ROW_(__VA_ARGS__)   /* expands E1 into two arguments */
#define ROW_(fn, what, expr, want, ncalls) { #fn, what, want, ncalls },
static const row rows[] = { CASES(ROW) };
#define NROWS (sizeof rows / sizeof rows[0])

#define RUN_CASE(...) RUN_CASE_(__VA_ARGS__)
#define RUN_CASE_(fn, what, expr, want, ncalls) \
  case __COUNTER__ - base: return (int) (expr);
static int run_row(size_t k)
{
  enum { base = __COUNTER__ + 1 };
  switch ((int) k) {
    CASES(RUN_CASE)
  default:
    fail_msg("no row %zu", k);
  }
  return -1;
}

static void test_misuse(void **state)
{
  (void) state;
  size_t bad = 0;
  deq_error_handler_t *old = deq_set_error_handler(count);
  for (size_t k = 0; k < NROWS; k++) {
    calls = 0;
    last_status = DEQ_SUCCESS;
    int got = run_row(k);
    int status_ok = rows[k].ncalls == 0 || last_status == DEQ_EINVAL;
    if (got != rows[k].want || calls != rows[k].ncalls || !status_ok) {
      bad++;
      print_message("FAIL %s (%s): returned %d, want %d; handler called %d times (want %d), "
                    "last status %d\n", rows[k].fn, rows[k].what, got, rows[k].want, calls,
                    rows[k].ncalls, last_status);
    }
  }
  deq_set_error_handler(old);
  print_message("%zu misuse cases\n", NROWS);
  assert_int_equal(bad, 0);
}

/* deq_table_write with path NULL writes to stdout (documented): not misuse. */
static void test_fixtures_still_work(void **state)
{
  (void) state;
  deq_result m[3];
  assert_int_equal(deq_pencil_moments(F.pen, 2, m), DEQ_SUCCESS);
  assert_close(m[1].val, 1.0, 1e-9);
}

/* The memory guard of whole jobs (src/core/mem.h): what it compares, said in the message. */
static void test_mem_guard(void **state)
{
  (void) state;
  deq_error_handler_t *old = deq_set_error_handler(count);
  calls = 0;
  assert_int_equal(deq_mem_check_job(1e30, 3, "job"), DEQ_ENOMEM);
  assert_int_equal(calls, 1);
  assert_non_null(strstr(last_reason, "job: needs "));
  assert_non_null(strstr(last_reason, " GiB for 3 workers ("));
  assert_non_null(strstr(last_reason, " GiB each), more than the limit of 80% of the "));
  assert_non_null(strstr(last_reason, " GiB available ("));
  assert_int_equal(deq_mem_check_job(1e6, 2, "job"), DEQ_SUCCESS);
  assert_int_equal(calls, 1);
  assert_int_equal(deq_mem_check_job(NAN, 2, "job"), DEQ_EINVAL);
  assert_int_equal(deq_mem_check_job(1.0, 0, "job"), DEQ_EINVAL);
  assert_int_equal(deq_mem_check_job(1.0, 1, NULL), DEQ_EINVAL);
  assert_int_equal(calls, 4);
  assert_int_equal(deq_mem_fit_workers(1e30, 8), 1);
  assert_int_equal(deq_mem_fit_workers(1.0, 8), 8);
  double per = DEQ_MEM_FRACTION * deq_mem_available() / 2.5;   /* 2 fit, 3 do not (+-20%) */
  if (isfinite(per))
    assert_int_equal(deq_mem_fit_workers(per, 8), 2);
  assert_int_equal(calls, 4);
  void *small = deq_mem_alloc(24), *big = deq_mem_alloc(DEQ_MEM_HUGE_MIN + 8);
  assert_true(small != NULL && (uintptr_t) small % DEQ_MEM_ALIGN == 0);
  assert_true(big != NULL && (uintptr_t) big % DEQ_MEM_HUGE_ALIGN == 0);
  assert_null(deq_mem_alloc(0));
  assert_null(deq_mem_doubles(SIZE_MAX / 4));
  deq_mem_free(small);
  deq_mem_free(big);
  deq_mem_free(NULL);
  assert_int_equal(calls, 4);
  deq_set_error_handler(old);
}

static int group_setup(void **state)
{
  (void) state;
  setup_theory();
  setup_sim();
  return 0;
}

static int group_teardown(void **state)
{
  (void) state;
  teardown();
  return 0;
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_misuse),
    cmocka_unit_test(test_fixtures_still_work),
    cmocka_unit_test(test_mem_guard),
  };
  return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

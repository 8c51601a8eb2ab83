/* deqnn/command.h -- the CLI's commands as library calls: the tables a command writes, in
 * memory, for the Python package (python/deqnn) and any program that wants exactly what the
 * CLI computes without running the executable.
 *
 * argv is what follows `deqnn` on a command line: argv[0] the command ("mp", "ck", "ntk",
 * "rf", "onestep", "spiked", "train"), then its options as the CLI takes them
 * ("--ratios", "1.5,2", "--x", "0:5:100", "--simulate", ...).  The run is the CLI's run (same
 * validation, theory, simulation, seeds and verdicts) except that no file is written and
 * nothing is printed: --out and --plot are ignored, the messages the CLI would print on stderr
 * go to msg.  The result is the CLI's exit code: 0 success, 1 a failure flagged in the table's
 * status column or a failed verdict (the tables are still returned), 2 bad input (no table).
 */
#ifndef DEQ_COMMAND_H
#define DEQ_COMMAND_H

#include <stddef.h>
#include "deqnn/table.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Run a command.  *table receives the table the CLI writes to --out, *summary (if summary is
 * not NULL) the table it writes to --out.summary.csv, or NULL when the command writes none;
 * the caller frees both with deq_table_free.  msg (msglen bytes, may be NULL/0) receives the
 * messages, one per line.  The "# command:" comment records "deqnn" + argv.  Returns 2 (with
 * a message) for argc < 1, a NULL argv or table, or "check" (files only).  Not reentrant with
 * respect to the calling thread's deq error handler, which it replaces during the call. */
int deq_command_run(int argc, const char *const *argv, deq_table **table, deq_table **summary,
                    char *msg, size_t msglen);

/* The same run with every table it makes: tables[i] for i < ntables receives the table named
 * deq_command_table_name(i) or NULL: 0 "table" (the --out table), 1 "summary" (as above),
 * 2 "seeds" (a simulation's values per replicate: columns row (of the main table, or 0),
 * replicate, then the quantities: ck/ntk/mp --simulate the statistics of the summary; rf and
 * onestep --large risk, train_error; onestep also align_grad, align_w1, top_w1; spiked
 * test_error, train_error, or with --x / --stats its spectrum statistics),
 * 3 "eigenvalues" (ck/ntk/mp --simulate: replicate, index, eigenvalue; n rows per
 * replicate, ascending), 4 "law" (mp/ck/ntk: the limit law's support edges and atoms: part
 * "edge_lo" | "edge_hi" | "atom", x, mass, mass_err (NAN for an edge: located by bisection on
 * the density, no error bar), status), 5 "cdf" (mp/ck/ntk with a grid: x, cdf, status: the
 * distribution function, atoms included); tables 4 and 5 are made only when ntables > 4
 * (they cost a tabulation of the CDF).  Tables past ntables are freed.  tables NULL or ntables 0: 2, as above. */
int deq_command_run_tables(int argc, const char *const *argv, deq_table **tables,
                           size_t ntables, char *msg, size_t msglen);
/* Name of table i of deq_command_run_tables, NULL past the last. */
const char *deq_command_table_name(size_t i);

/* The Stieltjes transform m(z) = int dmu(x)/(x - z) of the law of an mp, ck or ntk command
 * (argv as for deq_command_run: the model options; --x, --stats, --simulate are not used) at
 * z_k = z_re[k] + i z_im[k], k < nz: m_re, m_im (Im m > 0 when Im z > 0; a real z must lie
 * outside the support), the error bar m_err and the status of each point (DEQ_EBRANCH, ...;
 * the value of a failed point is its last iterate).  Returns the CLI's exit code: 0, 1 when a
 * point failed, 2 bad input (a message naming the option, or "z" for a non-finite point). */
int deq_command_stieltjes(int argc, const char *const *argv, size_t nz, const double *z_re,
                          const double *z_im, double *m_re, double *m_im, double *m_err,
                          int *status, char *msg, size_t msglen);

/* The OPENBLAS_CORETYPE the CLI runs with: NULL when it is set already or OpenBLAS chose its
 * kernels from the CPU model, else the best kernels the CPU supports ("SkylakeX", "Haswell",
 * "Sandybridge") when OpenBLAS fell back to Prescott's (a virtual machine's generic CPU
 * model; the CLI then runs itself again with it set).  OpenBLAS reads the variable when it
 * is loaded: a program that wants the CLI's numbers to the last bit asks in a child process
 * and sets it before loading the library (python/deqnn does). */
const char *deq_command_blas_core(void);

#ifdef __cplusplus
}
#endif
#endif

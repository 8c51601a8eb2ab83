/* Internal: GSL's error handler, off once for the whole library (docs/design.md). */
#ifndef DEQ_CORE_GSL_QUIET_H
#define DEQ_CORE_GSL_QUIET_H

/* Turn GSL's abort-on-error handler off, once per process (thread-safe): every GSL status
 * is checked by deqnn.  Called by each function that calls GSL (the solver driver, the
 * Gaussian expectations, the RNG allocators). */
void deq_gsl_quiet(void);

#endif

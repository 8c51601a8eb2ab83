/* deqnn/status.h -- status codes, the error handler and results with errors.
 *
 * Every function of the library returns an int status: DEQ_SUCCESS (0) or one of
 * the codes below.  On failure the library calls the error handler once with a
 * message that names the offending parameter; the default handler does nothing
 * (the library never prints), the CLI installs one that prints.  The handler is
 * per thread, so that threads do not overwrite each other's messages.
 *
 * Arguments: a NULL pointer (unless documented optional, like opts), a zero or oversized
 * size, an unknown enum value or an out-of-range parameter is DEQ_EINVAL, reported once.
 * Functions returning a pointer return NULL, a double NAN, void nothing, after the same
 * single report; _free(NULL) does nothing.  See docs/core.md, "Arguments". */
#ifndef DEQ_STATUS_H
#define DEQ_STATUS_H

/* deq_complex: C's double complex, or std::complex<double> from C++ (the two are layout-
 * and calling-convention-compatible on the platforms deqnn supports).  deq_creal(z),
 * deq_cimag(z) (below) and DEQ_COMPLEX(re, im) read and build one in either language (C's
 * creal() does not exist in C++), so an example written with them compiles as both. */
#ifdef __cplusplus
#include <complex>
typedef std::complex<double> deq_complex;
#define DEQ_COMPLEX(re, im) (deq_complex{ (double) (re), (double) (im) })
extern "C" {
#else
#include <complex.h>
typedef double complex deq_complex;
#ifdef CMPLX
#define DEQ_COMPLEX(re, im) (CMPLX((re), (im)))
#else
#define DEQ_COMPLEX(re, im) ((double) (re) + (double) (im) * I)
#endif
#endif

enum {
  DEQ_SUCCESS  = 0,
  DEQ_EINVAL   = 1,  /* invalid parameter: negative or NaN ratio, reversed grid ... */
  DEQ_EMAXITER = 2,  /* iteration cap reached before convergence */
  DEQ_ETOL     = 3,  /* requested tolerance not reached (quadrature, mass check) */
  DEQ_EBRANCH  = 4,  /* Stieltjes transform on the wrong branch: Im m <= 0 for Im z > 0 */
  DEQ_EBADFUNC = 5,  /* non-finite value from a user or activation function */
  DEQ_ENOMEM   = 6,  /* allocation failed or requested size does not fit in memory */
  DEQ_EIO      = 7,  /* file could not be read or written */
  DEQ_EFORMAT  = 8,  /* malformed input file */
  DEQ_EDIVERGE = 9,  /* the quantity is infinite (e.g. risk at the interpolation threshold) */
  DEQ_NSTATUS  = 10
};

/* Human-readable description of a status code ("success", "invalid parameter", ...). */
const char *deq_strerror(int status);

/* Short lower-case token for CSV status columns: "ok", "einval", "emaxiter", "etol",
 * "ebranch", "ebadfunc", "enomem", "eio", "eformat", "ediverge". */
const char *deq_status_name(int status);

/* Inverse of deq_status_name; returns -1 for an unknown token. */
int deq_status_from_name(const char *name);

/* Error handler: called with a message, the source file and line, and the status. */
typedef void deq_error_handler_t(const char *reason, const char *file, int line, int status);

/* Install a handler for the calling thread; returns the previous one.  NULL restores
 * the default handler, which ignores the report. */
deq_error_handler_t *deq_set_error_handler(deq_error_handler_t *handler);

/* Report an error through the calling thread's handler (used by DEQ_ERROR). */
void deq_error(const char *reason, const char *file, int line, int status);

/* printf-style variant of deq_error; the message is truncated to 512 bytes. */
void deq_errorf(const char *file, int line, int status, const char *fmt, ...)
#if defined(__GNUC__)
  __attribute__((format(printf, 4, 5)))
#endif
  ;

/* Report and return: for use inside functions that return a status. */
#define DEQ_ERROR(reason, status) \
  do { deq_error(reason, __FILE__, __LINE__, status); return status; } while (0)
#define DEQ_ERRORF(status, ...) \
  do { deq_errorf(__FILE__, __LINE__, status, __VA_ARGS__); return status; } while (0)

/* A value with an absolute error estimate (Arb/GSL style): the truth is believed to
 * lie in [val - err, val + err]. */
typedef struct { double val; double err; } deq_result;

/* Complex twin: |truth - val| <= err. */
typedef struct { deq_complex val; double err; } deq_cresult;

/* Real and imaginary parts of a deq_complex, the same spelling in C and C++ (creal() does not
 * take a std::complex): deq_creal(m.val). */
#ifdef __cplusplus
static inline double deq_creal(deq_complex z) { return z.real(); }
static inline double deq_cimag(deq_complex z) { return z.imag(); }
#else
static inline double deq_creal(deq_complex z) { return creal(z); }
static inline double deq_cimag(deq_complex z) { return cimag(z); }
#endif

/* Worse of two statuses: the first non-success one wins. */
static inline int deq_status_merge(int a, int b) { return a != 0 ? a : b; }

#ifdef __cplusplus
}
#endif
#endif

/* Internal: argument checks shared by ck.c and ntk.c (one report, DEQ_EINVAL). */
#ifndef DEQ_THEORY_KERNEL_CHECK_H
#define DEQ_THEORY_KERNEL_CHECK_H

#include <stddef.h>
#include "deqnn/pencil.h"

/* gamma, input and out not NULL, a known input kind, 1 <= L <= DEQ_PENCIL_MAXL. */
int deq_kernel_args_check(const char *fn, size_t L, const double *gamma,
                          const deq_input_law *input, const void *out);

/* par and the outputs a, b not NULL, L <= DEQ_PENCIL_MAXL, a known input kind, atoms given. */
int deq_exact_args_check(const char *fn, const deq_pencil_params *par, const void *a,
                         const void *b);

#endif

/* Internal: the data-set readers (src/core/dataset_read.c, dataset_bin.c). */
#ifndef DEQ_CORE_DATASET_IMPL_H
#define DEQ_CORE_DATASET_IMPL_H

#include <zlib.h>
#include "deqnn/dataset.h"

/* Element types of the binary formats. */
typedef enum { DS_U8, DS_I8, DS_I16, DS_I32, DS_I64, DS_F32, DS_F64 } ds_type;

/* Largest npy header accepted (the format pads it to 64 bytes; real ones are < 200). */
#define DS_NPY_HEADER_MAX 65536
/* Largest IDX rank accepted. */
#define DS_IDX_MAXDIM 16

/* Allocate ds->x (n*d), ds->index and, if lines, ds->line for n samples after the memory
 * check of the whole data set (DEQ_ENOMEM naming the file). */
int ds_alloc_data(deq_dataset *ds, size_t n, size_t d, int lines);

/* Read n samples of d elements of type t (big-endian if be) from gz into ds->x, each entry
 * checked finite (DEQ_EINVAL naming sample and feature); DEQ_EFORMAT if the data end early. */
int ds_read_binary(gzFile gz, deq_dataset *ds, ds_type t, int be);

int ds_read_npy(gzFile gz, deq_dataset *ds);
int ds_read_idx(gzFile gz, deq_dataset *ds);
int ds_read_csv(gzFile gz, deq_dataset *ds);

#endif

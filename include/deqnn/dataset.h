/* deqnn/dataset.h -- user data as the input of a network: read, subset, preprocess, inspect.
 *
 * A data set is n samples of dimension d0 held as an n x d0 row-major matrix (one sample per
 * row; the theory's X in R^{d0 x n} is its transpose).  Formats (docs/data.md), recognised
 * by their first bytes, read through zlib (gzopen/gzread), so any of them may also be
 * gzip-compressed:
 *   NumPy .npy   magic "\x93NUMPY", header v1/v2/v3; dtype <f8 <f4 |u1 |i1 <i2 <i4 <i8
 *                (<u1, <i1 also accepted), C order; shape (n, d0) or (n, a, b, ...)
 *                flattened per sample.
 *   IDX          (the MNIST family) bytes 0 0 T D, then D big-endian u32 sizes, then the
 *                big-endian data; T = 0x08 u8, 0x09 i8, 0x0B i16, 0x0C i32, 0x0D f32,
 *                0x0E f64; D >= 2 (the first size is n, the rest flattened).
 *   CSV          otherwise: one sample per line, fields separated by ',', lines starting with
 *                '#' and blank lines skipped; a first line in which no field is a number is
 *                a header and skipped.
 * Errors name the file and the line (CSV) or the entry (sample, feature):
 *   DEQ_EIO      the file cannot be opened or read ("cannot open 'F': ...");
 *   DEQ_EFORMAT  malformed (ragged CSV row "F:12: 3 fields, expected 4"; a field that is
 *                not a number; a bad npy/IDX header; truncated data; an empty file);
 *   DEQ_EINVAL   a non-finite entry ("F:7: field 3 is nan"; "F: entry (sample 4, feature 2)
 *                is inf"), a zero sample that cannot be scaled (deq_dataset_normalize);
 *   DEQ_ENOMEM   the data would not fit in the memory (checked before the data is read for
 *                npy and IDX, whose headers give the size; for CSV at every growth).
 */
#ifndef DEQ_DATASET_H
#define DEQ_DATASET_H

#include <stddef.h>
#include <stdint.h>
#include "deqnn/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define DEQ_DATASET_PATHMAX 1024

typedef enum { DEQ_DATASET_CSV, DEQ_DATASET_NPY, DEQ_DATASET_IDX } deq_dataset_format;

typedef enum {
  DEQ_DATASET_UNIT,   /* centre each feature over the samples, then each sample to norm 1 */
  DEQ_DATASET_NONE    /* the data as given */
} deq_dataset_norm;

typedef struct {
  size_t n, d;               /* samples (rows) and features */
  double *x;                 /* n x d, row-major */
  size_t *index;             /* index[a]: the sample's position in the file (0-based) */
  size_t *line;              /* CSV: line number of sample a (1-based); NULL otherwise */
  /* record of the source */
  char path[DEQ_DATASET_PATHMAX];
  deq_dataset_format format;
  int compressed;            /* 1 if the file is gzip-compressed */
  uint64_t bytes;            /* size of the file as stored */
  uint32_t crc32;            /* zlib crc32 of the file's bytes as stored */
  size_t n_file;             /* samples in the file */
  size_t subset;             /* 0 = all samples, else the K of deq_dataset_subset */
  uint64_t subset_seed;
  int normalized;            /* -1 not yet, else the deq_dataset_norm applied */
} deq_dataset;

/* Orthogonality diagnostics of the (preprocessed) samples: the iterated-MP theorem assumes
 * ||x_a|| ~ 1 and x_a . x_b ~ 1/sqrt(d0) (ck_ntk section 1; Fan & Wang 2020 Assumption 2.2). */
typedef struct {
  double off_rms, off_max;   /* rms and max of |x_a . x_b| over a != b */
  double norm_min, norm_max, norm_mean, norm_sd;   /* of ||x_a|| */
  double ref;                /* 1/sqrt(d0), the off-diagonal scale of iid data */
} deq_dataset_diag;

/* Read a data set (format from the file's first bytes, see above) and record the file's
 * name, size and CRC32.  *ds is NULL on failure.  Errors: see the top of this header. */
int deq_dataset_read(const char *path, deq_dataset **ds);

/* Keep k of the n samples, chosen uniformly without replacement by selection sampling
 * (Knuth's Algorithm S, the rule of GSL's gsl_ran_choose) from the mt19937 stream deq_rng_alloc(seed, 0)
 * (deqnn/rng.h), in file order.  k = n keeps every sample (recorded as a subset of n).
 * DEQ_EINVAL: k = 0 or k > n, or a data set already normalised (subset first). */
int deq_dataset_subset(deq_dataset *ds, size_t k, uint64_t seed);

/* Preprocess in place: DEQ_DATASET_UNIT centres each feature over the samples and scales
 * each sample to unit norm (DEQ_EINVAL naming the sample -- and its CSV line -- if it is
 * zero after centring); DEQ_DATASET_NONE leaves the data.  Once per data set. */
int deq_dataset_normalize(deq_dataset *ds, deq_dataset_norm how);

/* Gram matrix G = X X^T of the samples, n x n, full (both triangles), by BLAS dsyrk.
 * G must hold n*n doubles. */
int deq_dataset_gram(const deq_dataset *ds, double *G);

/* Diagnostics from the Gram matrix G of deq_dataset_gram (n x n, d = ds->d). */
int deq_dataset_diagnose(const deq_dataset *ds, const double *G, deq_dataset_diag *diag);

/* Name of a format ("csv", "npy", "idx") and of a preprocessing ("unit", "none");
 * "unknown" for a value outside the list (no report). */
const char *deq_dataset_format_name(deq_dataset_format f);
const char *deq_dataset_norm_name(deq_dataset_norm how);

void deq_dataset_free(deq_dataset *ds);

#ifdef __cplusplus
}
#endif
#endif

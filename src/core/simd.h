/* Internal: function multi-versioning for the vectorised loops (deq_act_apply's tanh, the
 * ziggurat's fast path).  On x86-64 with GCC and ELF ifuncs the marked function is compiled
 * for AVX-512, AVX2 and the baseline, and the loader picks the widest the CPU has; the
 * loops do the same operations in every lane (no FMA contraction under -std=c11), so each
 * version gives bitwise the same values.  Elsewhere it is compiled once. */
#ifndef DEQ_CORE_SIMD_H
#define DEQ_CORE_SIMD_H

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && defined(__ELF__)
#define DEQ_SIMD_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define DEQ_SIMD_CLONES
#endif

#endif

/*
 * The count-sketch frame's generator, shared by the CUDA kernels (device) and by the host test
 * that pins it against the Java frames (io.github.dl4jcoded.frame.CountSketchFrame): the same
 * arithmetic on both sides, so that GPU workers and a CPU server draw the same directions for the
 * same (seed, step, block).
 *
 * A block of b coordinates with r directions: write i = q r + t; bucket(i) = (t + shift(q)) mod r,
 * shift(q) = high half of lowbias32(q ^ key_lo) * r; the sign of i is bit (i mod 32) of
 * lowbias32((i / 32) ^ key_hi). key = FrameFamily.mix(seed, step, block), split in two halves.
 * Column t is scaled by 1 / sqrt(size of bucket t), which depends only on b, r and the last row's shift.
 *
 * Plain C99 (and C++), so that gcc compiles it for the host test without nvcc.
 */
#ifndef DL4JCODED_COUNT_SKETCH_H
#define DL4JCODED_COUNT_SKETCH_H

#include <stdint.h>

#ifdef __CUDACC__
#define CS_FN __host__ __device__ static inline
#else
#define CS_FN static inline
#endif

/* Wellons' lowbias32: 32-bit multiplies and shifts only. */
CS_FN uint32_t cs_hash32(uint32_t x) {
    x ^= x >> 16;
    x *= 0x7feb352du;
    x ^= x >> 15;
    x *= 0x846ca68bu;
    x ^= x >> 16;
    return x;
}

/* Row q's cyclic shift of the buckets, in 0..r-1. */
CS_FN uint32_t cs_shift(uint32_t key_lo, uint32_t q, uint32_t r) {
    return (uint32_t) (((uint64_t) cs_hash32(q ^ key_lo) * r) >> 32);
}

/* 1 when coordinate i's direction is negative. */
CS_FN uint32_t cs_negative(uint32_t key_hi, uint32_t i) {
    return (cs_hash32((i >> 5) ^ key_hi) >> (i & 31u)) & 1u;
}

/* Size of bucket t (b / r full rows, plus the last partial row, shifted by last_shift). */
CS_FN uint32_t cs_bucket_size(uint32_t b, uint32_t r, uint32_t last_shift, uint32_t t) {
    uint32_t pos = t >= last_shift ? t - last_shift : t + r - last_shift;
    return b / r + (pos < b % r ? 1u : 0u);
}

/*
 * i / r without a division (a GPU divides by a run-time value in ~20 instructions): for every
 * i < 2^31, i / r = (i * m) >> (31 + l) with l = ceil(log2 r) and m = ceil(2^(31 + l) / r) < 2^32
 * (Granlund and Montgomery 1994, "round-up" method). The host computes m and 31 + l once per block.
 */
CS_FN uint32_t cs_div(uint32_t i, uint32_t m, uint32_t shift) {
    return (uint32_t) (((uint64_t) i * m) >> shift);
}

/* Bucket of coordinate i. */
CS_FN uint32_t cs_bucket(uint32_t key_lo, uint32_t r, uint32_t m, uint32_t sh, uint32_t i) {
    uint32_t q = cs_div(i, m, sh);
    uint32_t t = i - q * r;
    uint32_t u = t + cs_shift(key_lo, q, r);
    return u >= r ? u - r : u;
}

#endif

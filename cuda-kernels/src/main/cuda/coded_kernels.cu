/*
 * What a coded worker and server do per step on a gradient, for count-sketch frames (float32):
 *
 *   cs_encode_ef_fused  worker, blocks that fit in shared memory: e <- g + alpha e (the corrected
 *                       gradient), s = F^T e, e <- e - F s, in ONE pass over g and e (the block
 *                       stays in shared memory between the two halves): reads 2n floats, writes n.
 *   cs_encode_tiles     worker, any block size: accumulates F^T (g + alpha e) tile by tile into a
 *                       zeroed buffer (scaled afterwards by cs_scale_symbols); without feedback
 *                       pass alpha = 0 and e is never read.
 *   cs_residual_tiles   worker, second pass for large blocks (or rows of weight > 1, whose
 *                       reconstruction symbols the host combines): e <- g + alpha e - F s.
 *   cs_lift_add         server / replica: out += factor F s, only on the listed (decoded) blocks.
 *
 * Every kernel reads the per-block layout that the Java host packs (io.github.dl4jcoded.cuda.SketchPlan):
 * LAYOUT_INTS ints per block, in the order of the L_* constants below. The directions come from
 * count_sketch.h, the same generator as the Java frames. norms[2 j] and norms[2 j + 1] receive
 * |g|^2 and |e_new|^2 on block j, from which the host computes the next alpha (decay and clip).
 */
#include "count_sketch.h"

#define L_OFFSET 0      /* first coordinate of the block in the flat gradient */
#define L_B 1           /* block size b */
#define L_R 2           /* directions r */
#define L_KEY_LO 3
#define L_KEY_HI 4
#define L_MAGIC 5       /* cs_div multiplier for r */
#define L_SHIFT 6       /* cs_div shift for r */
#define L_SYM 7         /* offset of the block's r symbols in the symbol buffer */
#define L_LAST_SHIFT 8  /* shift of the last, partial row (which buckets are one larger) */
#define L_SCALE_SMALL 9 /* float bits of 1 / sqrt(b / r) */
#define L_SCALE_BIG 10  /* float bits of 1 / sqrt(b / r + 1) */
#define L_EXTRA 11      /* b mod r: the last row's length */
#define LAYOUT_INTS 12

#define TILE 4096       /* coordinates per thread block in the tiled kernels */
#define SMEM_BUCKETS 2048 /* tiled encode pre-sums in shared memory when r is at most this */

struct Blk {
    uint32_t off, b, r, klo, khi, m, sh, so, last, extra;
    float small_scale, big_scale;
};

__device__ __forceinline__ Blk load_block(const int* __restrict__ layout, int j) {
    const int* L = layout + j * LAYOUT_INTS;
    Blk k;
    k.off = L[L_OFFSET]; k.b = L[L_B]; k.r = L[L_R]; k.klo = L[L_KEY_LO]; k.khi = L[L_KEY_HI];
    k.m = L[L_MAGIC]; k.sh = L[L_SHIFT]; k.so = L[L_SYM]; k.last = L[L_LAST_SHIFT];
    k.extra = L[L_EXTRA];
    k.small_scale = __int_as_float(L[L_SCALE_SMALL]);
    k.big_scale = __int_as_float(L[L_SCALE_BIG]);
    return k;
}

/* 1 / sqrt(size of bucket u): two values per block, packed by the host. */
__device__ __forceinline__ float bucket_scale(const Blk& k, uint32_t u) {
    uint32_t pos = u >= k.last ? u - k.last : u + k.r - k.last;
    return pos < k.extra ? k.big_scale : k.small_scale;
}

__device__ __forceinline__ float signed_by(uint32_t negative, float v) {
    return __int_as_float(__float_as_int(v) ^ (negative << 31));
}

/* Sum of v over the thread block; valid in thread 0. */
__device__ __forceinline__ float block_sum(float v, float* scratch /* 32 floats */) {
    for (int o = 16; o > 0; o >>= 1) v += __shfl_down_sync(0xffffffffu, v, o);
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    __syncthreads();
    if (lane == 0) scratch[warp] = v;
    __syncthreads();
    v = threadIdx.x < (blockDim.x + 31) / 32 ? scratch[lane] : 0.0f;
    if (warp == 0) for (int o = 16; o > 0; o >>= 1) v += __shfl_down_sync(0xffffffffu, v, o);
    return v;
}

/* Bucket | sign << 31 of coordinate i. */
__device__ __forceinline__ uint32_t code_of(const Blk& k, uint32_t i) {
    return cs_bucket(k.klo, k.r, k.m, k.sh, i) | (cs_negative(k.khi, i) << 31);
}

/*
 * One thread block per listed block j = which[blockIdx.x]; dynamic shared memory 2 b + r words
 * (the corrected values, their codes, the bucket sums).
 */
extern "C" __global__ void cs_encode_ef_fused(const int* __restrict__ layout, const int* __restrict__ which,
                                              const float* __restrict__ g, float* __restrict__ e,
                                              const float* __restrict__ alpha, float* __restrict__ sym,
                                              float* __restrict__ norms) {
    extern __shared__ float smem[];
    __shared__ float scratch[32];
    const int j = which[blockIdx.x];
    const Blk k = load_block(layout, j);
    float* vals = smem;
    uint32_t* codes = (uint32_t*) (smem + k.b);
    float* acc = smem + 2 * k.b;
    for (uint32_t u = threadIdx.x; u < k.r; u += blockDim.x) acc[u] = 0.0f;
    __syncthreads();
    const float a = alpha[j];
    float gsq = 0.0f;
    for (uint32_t i = threadIdx.x; i < k.b; i += blockDim.x) {
        float gi = g[k.off + i];
        float c = a != 0.0f ? fmaf(a, e[k.off + i], gi) : gi;
        vals[i] = c;
        gsq = fmaf(gi, gi, gsq);
        uint32_t code = code_of(k, i);
        codes[i] = code;
        atomicAdd(&acc[code & 0x7fffffffu], signed_by(code >> 31, c));
    }
    __syncthreads();
    for (uint32_t u = threadIdx.x; u < k.r; u += blockDim.x) {
        float sc = bucket_scale(k, u);
        float s = acc[u] * sc;
        sym[k.so + u] = s;
        acc[u] = s * sc; /* the lift's coefficient for bucket u */
    }
    __syncthreads();
    float esq = 0.0f;
    for (uint32_t i = threadIdx.x; i < k.b; i += blockDim.x) {
        uint32_t code = codes[i];
        float lifted = signed_by(code >> 31, acc[code & 0x7fffffffu]);
        float en = vals[i] - lifted;
        e[k.off + i] = en;
        esq = fmaf(en, en, esq);
    }
    gsq = block_sum(gsq, scratch);
    if (threadIdx.x == 0) norms[2 * j] = gsq;
    esq = block_sum(esq, scratch);
    if (threadIdx.x == 0) norms[2 * j + 1] = esq;
}

/*
 * One thread block per tile (tiles[2 t] = block j, tiles[2 t + 1] = first coordinate in the block).
 * acc (zeroed by the host) receives the unscaled bucket sums; norms[2 j] (zeroed) receives |g|^2.
 * Dynamic shared memory: SMEM_BUCKETS floats.
 */
extern "C" __global__ void cs_encode_tiles(const int* __restrict__ layout, const int* __restrict__ tiles,
                                           const float* __restrict__ g, const float* __restrict__ e,
                                           const float* __restrict__ alpha, float* __restrict__ acc,
                                           float* __restrict__ norms) {
    extern __shared__ float local[];
    __shared__ float scratch[32];
    const int j = tiles[2 * blockIdx.x];
    const uint32_t start = tiles[2 * blockIdx.x + 1];
    const Blk k = load_block(layout, j);
    const uint32_t end = min(k.b, start + TILE);
    const bool shared_sums = k.r <= SMEM_BUCKETS;
    if (shared_sums) {
        for (uint32_t u = threadIdx.x; u < k.r; u += blockDim.x) local[u] = 0.0f;
        __syncthreads();
    }
    const float a = alpha[j];
    float gsq = 0.0f;
    for (uint32_t i = start + threadIdx.x; i < end; i += blockDim.x) {
        float gi = g[k.off + i];
        float c = a != 0.0f ? fmaf(a, e[k.off + i], gi) : gi;
        gsq = fmaf(gi, gi, gsq);
        uint32_t u = cs_bucket(k.klo, k.r, k.m, k.sh, i);
        float v = signed_by(cs_negative(k.khi, i), c);
        if (shared_sums) atomicAdd(&local[u], v); else atomicAdd(&acc[k.so + u], v);
    }
    if (shared_sums) {
        __syncthreads();
        for (uint32_t u = threadIdx.x; u < k.r; u += blockDim.x) {
            if (local[u] != 0.0f) atomicAdd(&acc[k.so + u], local[u]);
        }
    }
    gsq = block_sum(gsq, scratch);
    if (threadIdx.x == 0) atomicAdd(&norms[2 * j], gsq);
}

/* sym[so + u] = acc[so + u] / sqrt(size of bucket u); one thread block per listed block. */
extern "C" __global__ void cs_scale_symbols(const int* __restrict__ layout, const int* __restrict__ which,
                                            const float* __restrict__ acc, float* __restrict__ sym) {
    const Blk k = load_block(layout, which[blockIdx.x]);
    for (uint32_t u = threadIdx.x; u < k.r; u += blockDim.x) sym[k.so + u] = acc[k.so + u] * bucket_scale(k, u);
}

/* e <- g + alpha e - F s on each tile; norms[2 j + 1] (zeroed) receives |e_new|^2. */
extern "C" __global__ void cs_residual_tiles(const int* __restrict__ layout, const int* __restrict__ tiles,
                                             const float* __restrict__ g, float* __restrict__ e,
                                             const float* __restrict__ alpha, const float* __restrict__ sym,
                                             float* __restrict__ norms) {
    __shared__ float scratch[32];
    const int j = tiles[2 * blockIdx.x];
    const uint32_t start = tiles[2 * blockIdx.x + 1];
    const Blk k = load_block(layout, j);
    const uint32_t end = min(k.b, start + TILE);
    const float a = alpha[j];
    float esq = 0.0f;
    for (uint32_t i = start + threadIdx.x; i < end; i += blockDim.x) {
        float gi = g[k.off + i];
        float c = a != 0.0f ? fmaf(a, e[k.off + i], gi) : gi;
        uint32_t u = cs_bucket(k.klo, k.r, k.m, k.sh, i);
        float lifted = signed_by(cs_negative(k.khi, i), __ldg(&sym[k.so + u]) * bucket_scale(k, u));
        float en = c - lifted;
        e[k.off + i] = en;
        esq = fmaf(en, en, esq);
    }
    esq = block_sum(esq, scratch);
    if (threadIdx.x == 0) atomicAdd(&norms[2 * j + 1], esq);
}

/* out += factor F s on each tile (only the tiles of decoded blocks are listed). */
extern "C" __global__ void cs_lift_add(const int* __restrict__ layout, const int* __restrict__ tiles,
                                       const float* __restrict__ sym, float factor, float* __restrict__ out) {
    const int j = tiles[2 * blockIdx.x];
    const uint32_t start = tiles[2 * blockIdx.x + 1];
    const Blk k = load_block(layout, j);
    const uint32_t end = min(k.b, start + TILE);
    for (uint32_t i = start + threadIdx.x; i < end; i += blockDim.x) {
        uint32_t u = cs_bucket(k.klo, k.r, k.m, k.sh, i);
        float v = __ldg(&sym[k.so + u]) * bucket_scale(k, u) * factor;
        out[k.off + i] += signed_by(cs_negative(k.khi, i), v);
    }
}

/*
 * cs_lift_add with four consecutive coordinates per thread (float4 loads and stores): the four
 * share one sign hash and, unless a row ends among them, one row shift. Needs the block's offset
 * to be a multiple of 4 (the host checks); the block's tail (b mod 4) is done one by one.
 */
extern "C" __global__ void cs_lift_add4(const int* __restrict__ layout, const int* __restrict__ tiles,
                                        const float* __restrict__ sym, float factor, float* __restrict__ out) {
    const int j = tiles[2 * blockIdx.x];
    const uint32_t start = tiles[2 * blockIdx.x + 1];
    const Blk k = load_block(layout, j);
    const uint32_t end = min(k.b, start + TILE);
    const uint32_t end4 = start + ((end - start) & ~3u);
    const float* __restrict__ s = sym + k.so;
    for (uint32_t i0 = start + 4 * threadIdx.x; i0 < end4; i0 += 4 * blockDim.x) {
        uint32_t signs = cs_hash32((i0 >> 5) ^ k.khi) >> (i0 & 31u);
        uint32_t q = cs_div(i0, k.m, k.sh);
        uint32_t t = i0 - q * k.r;
        uint32_t sh = cs_shift(k.klo, q, k.r);
        float4 o = *reinterpret_cast<float4*>(out + k.off + i0);
        float v[4];
        #pragma unroll
        for (int d = 0; d < 4; d++) {
            if (t == k.r) { t = 0; sh = cs_shift(k.klo, ++q, k.r); }
            uint32_t u = t + sh >= k.r ? t + sh - k.r : t + sh;
            v[d] = signed_by((signs >> d) & 1u, __ldg(&s[u]) * bucket_scale(k, u) * factor);
            t++;
        }
        o.x += v[0]; o.y += v[1]; o.z += v[2]; o.w += v[3];
        *reinterpret_cast<float4*>(out + k.off + i0) = o;
    }
    for (uint32_t i = end4 + threadIdx.x; i < end; i += blockDim.x) {
        uint32_t u = cs_bucket(k.klo, k.r, k.m, k.sh, i);
        out[k.off + i] += signed_by(cs_negative(k.khi, i), __ldg(&s[u]) * bucket_scale(k, u) * factor);
    }
}

/* Buckets of the four coordinates i0..i0+3 (i0 a multiple of 4) and their four sign bits. */
__device__ __forceinline__ uint32_t codes4(const Blk& k, uint32_t i0, uint32_t u[4]) {
    uint32_t q = cs_div(i0, k.m, k.sh);
    uint32_t t = i0 - q * k.r;
    uint32_t s = cs_shift(k.klo, q, k.r);
    #pragma unroll
    for (int d = 0; d < 4; d++) {
        if (t == k.r) { t = 0; s = cs_shift(k.klo, ++q, k.r); }
        u[d] = t + s >= k.r ? t + s - k.r : t + s;
        t++;
    }
    return cs_hash32((i0 >> 5) ^ k.khi) >> (i0 & 31u);
}

/*
 * cs_encode_ef_fused with the block held in registers instead of shared memory: each thread loads
 * all its float4 groups of g and e before using any (so that many loads are in flight), keeps the
 * corrected values and their buckets in registers through the symbol sums, and writes e back as
 * float4. THREADS x GROUPS x 4 = 4096 coordinates, the fused limit; the block's offset must be a
 * multiple of 4 (the host checks); the last b mod 4 coordinates go one by one. Dynamic shared
 * memory: r floats.
 */
template <int FUSED4_THREADS, int FUSED4_GROUPS>
__device__ __forceinline__ void encode_ef_fused4(const int* __restrict__ layout, const int* __restrict__ which,
                    const float* __restrict__ g, float* __restrict__ e,
                    const float* __restrict__ alpha, float* __restrict__ sym, float* __restrict__ norms) {
    extern __shared__ float acc[];
    __shared__ float scratch[32];
    const int j = which[blockIdx.x];
    const Blk k = load_block(layout, j);
    for (uint32_t u = threadIdx.x; u < k.r; u += blockDim.x) acc[u] = 0.0f;
    const float a = alpha[j];
    const uint32_t groups = k.b >> 2;
    const float4* g4 = reinterpret_cast<const float4*>(g + k.off);
    float4* e4 = reinterpret_cast<float4*>(e + k.off);
    float4 c[FUSED4_GROUPS];
    #pragma unroll
    for (int q = 0; q < FUSED4_GROUPS; q++) {
        uint32_t grp = threadIdx.x + q * FUSED4_THREADS;
        if (grp < groups) c[q] = __ldg(&g4[grp]);
    }
    float4 ev[FUSED4_GROUPS];
    if (a != 0.0f) {
        #pragma unroll
        for (int q = 0; q < FUSED4_GROUPS; q++) {
            uint32_t grp = threadIdx.x + q * FUSED4_THREADS;
            if (grp < groups) ev[q] = e4[grp];
        }
    }
    /* the tail: coordinates 4 * groups .. b - 1, one per thread */
    const uint32_t ti = 4 * groups + threadIdx.x;
    const bool tail = ti < k.b;
    float tc = 0.0f, gsq = 0.0f;
    if (tail) {
        float gi = g[k.off + ti];
        tc = a != 0.0f ? fmaf(a, e[k.off + ti], gi) : gi;
        gsq = gi * gi;
    }
    __syncthreads(); /* acc is zeroed */
    uint32_t bucket[FUSED4_GROUPS][4];
    uint32_t signs[FUSED4_GROUPS];
    #pragma unroll
    for (int q = 0; q < FUSED4_GROUPS; q++) {
        uint32_t grp = threadIdx.x + q * FUSED4_THREADS;
        if (grp < groups) {
            float4 gv = c[q];
            gsq = fmaf(gv.x, gv.x, fmaf(gv.y, gv.y, fmaf(gv.z, gv.z, fmaf(gv.w, gv.w, gsq))));
            if (a != 0.0f) {
                c[q].x = fmaf(a, ev[q].x, gv.x); c[q].y = fmaf(a, ev[q].y, gv.y);
                c[q].z = fmaf(a, ev[q].z, gv.z); c[q].w = fmaf(a, ev[q].w, gv.w);
            }
            signs[q] = codes4(k, 4 * grp, bucket[q]);
            atomicAdd(&acc[bucket[q][0]], signed_by(signs[q] & 1u, c[q].x));
            atomicAdd(&acc[bucket[q][1]], signed_by((signs[q] >> 1) & 1u, c[q].y));
            atomicAdd(&acc[bucket[q][2]], signed_by((signs[q] >> 2) & 1u, c[q].z));
            atomicAdd(&acc[bucket[q][3]], signed_by((signs[q] >> 3) & 1u, c[q].w));
        }
    }
    uint32_t tu = 0, tneg = 0;
    if (tail) {
        tu = cs_bucket(k.klo, k.r, k.m, k.sh, ti);
        tneg = cs_negative(k.khi, ti);
        atomicAdd(&acc[tu], signed_by(tneg, tc));
    }
    __syncthreads();
    for (uint32_t u = threadIdx.x; u < k.r; u += blockDim.x) {
        float sc = bucket_scale(k, u);
        float s = acc[u] * sc;
        sym[k.so + u] = s;
        acc[u] = s * sc;
    }
    __syncthreads();
    float esq = 0.0f;
    #pragma unroll
    for (int q = 0; q < FUSED4_GROUPS; q++) {
        uint32_t grp = threadIdx.x + q * FUSED4_THREADS;
        if (grp < groups) {
            float4 en;
            en.x = c[q].x - signed_by(signs[q] & 1u, acc[bucket[q][0]]);
            en.y = c[q].y - signed_by((signs[q] >> 1) & 1u, acc[bucket[q][1]]);
            en.z = c[q].z - signed_by((signs[q] >> 2) & 1u, acc[bucket[q][2]]);
            en.w = c[q].w - signed_by((signs[q] >> 3) & 1u, acc[bucket[q][3]]);
            e4[grp] = en;
            esq = fmaf(en.x, en.x, fmaf(en.y, en.y, fmaf(en.z, en.z, fmaf(en.w, en.w, esq))));
        }
    }
    if (tail) {
        float en = tc - signed_by(tneg, acc[tu]);
        e[k.off + ti] = en;
        esq = fmaf(en, en, esq);
    }
    gsq = block_sum(gsq, scratch);
    if (threadIdx.x == 0) norms[2 * j] = gsq;
    esq = block_sum(esq, scratch);
    if (threadIdx.x == 0) norms[2 * j + 1] = esq;
}

extern "C" __global__ void __launch_bounds__(256)
cs_encode_ef_fused4(const int* __restrict__ layout, const int* __restrict__ which, const float* __restrict__ g,
                    float* __restrict__ e, const float* __restrict__ alpha, float* __restrict__ sym, float* __restrict__ norms) {
    encode_ef_fused4<256, 4>(layout, which, g, e, alpha, sym, norms);
}

/* The same with 512 threads of two groups each (fewer registers per thread, more threads per block). */
extern "C" __global__ void __launch_bounds__(512)
cs_encode_ef_fused4_512(const int* __restrict__ layout, const int* __restrict__ which, const float* __restrict__ g,
                        float* __restrict__ e, const float* __restrict__ alpha, float* __restrict__ sym, float* __restrict__ norms) {
    encode_ef_fused4<512, 2>(layout, which, g, e, alpha, sym, norms);
}

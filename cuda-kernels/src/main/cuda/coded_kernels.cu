/*
 * What a coded worker and server do per step on a gradient (float32), for count-sketch frames:
 *
 *   cs_encode_ef_gather4(_128)  worker, blocks of at most 4096 coordinates, 16-byte aligned: e <- g + alpha e
 *                         (the corrected gradient), s = F^T e, e <- e - F s, in ONE pass over g and e:
 *                         reads 2n floats, writes n; the block waits in shared memory between the
 *                         halves, and the bucket sums are gathered row by row, without atomics.
 *   cs_encode_ef_gather   the same for blocks at any offset (scalar accesses).
 *   cs_encode_tiles       worker, any block size: accumulates F^T (g + alpha e) tile by tile into a
 *                         zeroed buffer (scaled afterwards by cs_scale_symbols); without feedback
 *                         pass alpha = 0 and e is never read.
 *   cs_residual_tiles     worker, second pass for large blocks (or rows of weight > 1, whose
 *                         reconstruction symbols the host combines): e <- g + alpha e - F s.
 *   cs_lift_add(4)        server / replica: out += factor F s, only on the listed (decoded) blocks.
 *   axpy_inplace          no coding: the fused encode's memory traffic alone, a floor for the GPU check.
 *
 * and for low-rank frames (PowerSGD-like, the default of coded training), further down:
 *
 *   lr_encode_ef          worker: the skinny product S = (g + alpha e) basis per matrix block, and
 *                         e <- (g + alpha e) - S basis^T, a tile of rows at a time.
 *   lr_lift_add           server / replica: out += factor S basis^T.
 *   id_encode, id_lift_add  the blocks low-rank frames send whole (biases).
 *
 * The count-sketch kernels read the per-block layout that the Java host packs (io.github.dl4jcoded.cuda.SketchPlan):
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

__device__ __forceinline__ Blk load_block(const int* __restrict__ layout, int j);

/* This thread block's tile: coordinates [start, end) of its block (tiles[2 t + 1] = start). */
__device__ __forceinline__ void tile_range(const int* __restrict__ tiles, const Blk& k, uint32_t& start, uint32_t& end) {
    start = tiles[2 * blockIdx.x + 1];
    end = min(k.b, start + TILE);
}

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

/* Sums of v.x and v.y over the thread block (one reduction for two figures); valid in thread 0. */
__device__ __forceinline__ float2 block_sum2(float2 v, float2* scratch /* 32 */) {
    for (int o = 16; o > 0; o >>= 1) {
        v.x += __shfl_down_sync(0xffffffffu, v.x, o);
        v.y += __shfl_down_sync(0xffffffffu, v.y, o);
    }
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    __syncthreads();
    if (lane == 0) scratch[warp] = v;
    __syncthreads();
    v = threadIdx.x < (blockDim.x + 31) / 32 ? scratch[lane] : make_float2(0.0f, 0.0f);
    if (warp == 0) {
        for (int o = 16; o > 0; o >>= 1) {
            v.x += __shfl_down_sync(0xffffffffu, v.x, o);
            v.y += __shfl_down_sync(0xffffffffu, v.y, o);
        }
    }
    return v;
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
    const Blk k = load_block(layout, j);
    uint32_t start, end;
    tile_range(tiles, k, start, end);
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
    const Blk k = load_block(layout, j);
    uint32_t start, end;
    tile_range(tiles, k, start, end);
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
    const Blk k = load_block(layout, j);
    uint32_t start, end;
    tile_range(tiles, k, start, end);
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
    const Blk k = load_block(layout, j);
    uint32_t start, end;
    tile_range(tiles, k, start, end);
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

#define GATHER_THREADS 256

/*
 * The bucket sums of a block whose sign-applied values v and row shifts wait in shared memory,
 * gathered row by row: bucket u holds, from each full row q, the coordinate q r + ((u - shift(q))
 * mod r), and from the last, partial row that one if it exists. "parts" threads share a bucket's
 * rows; their partial sums meet in part[]. Writes the symbols and acc[u] = scale_u * s_u (the
 * lift's coefficient), between barriers. Called by all NT threads.
 */
template <int NT>
__device__ __forceinline__ void gather_symbols(const Blk& k, uint32_t rows, uint32_t parts, const float* v,
                                               const uint32_t* shifts, float* part, float* acc, float* sym) {
    const uint32_t full = rows - (k.extra != 0 ? 1u : 0u);
    for (uint32_t w = threadIdx.x; w < k.r * parts; w += NT) {
        uint32_t p = cs_div(w, k.m, k.sh);
        uint32_t u = w - p * k.r;
        float sum = 0.0f;
        uint32_t q = p;
        #pragma unroll 4
        for (; q < full; q += parts) {
            uint32_t s = shifts[q];
            sum += v[q * k.r + (u >= s ? u - s : u + k.r - s)];
        }
        if (q == full && k.extra != 0) {
            uint32_t s = shifts[q];
            uint32_t t = u >= s ? u - s : u + k.r - s;
            if (t < k.extra) sum += v[q * k.r + t];
        }
        part[w] = sum;
    }
    __syncthreads();
    for (uint32_t u = threadIdx.x; u < k.r; u += NT) {
        float sum = 0.0f;
        for (uint32_t p = 0; p < parts; p++) sum += part[p * k.r + u];
        float sc = bucket_scale(k, u);
        float s = sum * sc;
        sym[k.so + u] = s;
        acc[u] = s * sc;
    }
    __syncthreads();
}

/*
 * cs_encode_ef_fused without atomics. Every full row of r coordinates puts exactly one coordinate
 * in each bucket, so bucket u's sum can be gathered: over the rows q, the coordinate
 * q r + ((u - shift(q)) mod r). The block's corrected values, sign applied, wait in shared memory
 * with the rows' shifts; "parts" threads share a bucket's rows when r < 256. One thread block per
 * listed block (b <= 4096, any offset). Dynamic shared memory: b + rows + r + r * parts floats.
 */
extern "C" __global__ void __launch_bounds__(GATHER_THREADS)
cs_encode_ef_gather(const int* __restrict__ layout, const int* __restrict__ which,
                    const float* __restrict__ g, float* __restrict__ e,
                    const float* __restrict__ alpha, float* __restrict__ sym, float* __restrict__ norms) {
    extern __shared__ float smem[];
    __shared__ float scratch[32];
    const int j = which[blockIdx.x];
    const Blk k = load_block(layout, j);
    const uint32_t rows = cs_div(k.b + k.r - 1, k.m, k.sh);
    const uint32_t parts = k.r >= GATHER_THREADS ? 1u : GATHER_THREADS / k.r;
    float* v = smem;
    uint32_t* shifts = reinterpret_cast<uint32_t*>(smem + k.b);
    float* acc = smem + k.b + rows;
    float* part = acc + k.r;
    for (uint32_t q = threadIdx.x; q < rows; q += GATHER_THREADS) shifts[q] = cs_shift(k.klo, q, k.r);
    const float a = alpha[j];
    float gsq = 0.0f;
    for (uint32_t i = threadIdx.x; i < k.b; i += GATHER_THREADS) {
        float gi = g[k.off + i];
        float c = a != 0.0f ? fmaf(a, e[k.off + i], gi) : gi;
        gsq = fmaf(gi, gi, gsq);
        v[i] = signed_by(cs_negative(k.khi, i), c);
    }
    __syncthreads();
    gather_symbols<GATHER_THREADS>(k, rows, parts, v, shifts, part, acc, sym);
    float esq = 0.0f;
    for (uint32_t i = threadIdx.x; i < k.b; i += GATHER_THREADS) {
        uint32_t q = cs_div(i, k.m, k.sh);
        uint32_t u = i - q * k.r + shifts[q];
        if (u >= k.r) u -= k.r;
        /* c = sign v, so c - sign acc[u] = sign (v - acc[u]) */
        float en = signed_by(cs_negative(k.khi, i), v[i] - acc[u]);
        e[k.off + i] = en;
        esq = fmaf(en, en, esq);
    }
    gsq = block_sum(gsq, scratch);
    if (threadIdx.x == 0) norms[2 * j] = gsq;
    esq = block_sum(esq, scratch);
    if (threadIdx.x == 0) norms[2 * j + 1] = esq;
}

/*
 * cs_encode_ef_gather with four consecutive coordinates per thread (float4 loads and stores) and
 * the block's sign words (one hash per 32 coordinates) and row shifts computed once into shared
 * memory: a thread spends a few instructions per coordinate, not a hash. Needs b <= 4096 and the
 * block's offset a multiple of 4 (the host checks); the last b mod 4 coordinates go one by one. Dynamic
 * shared memory: b + rows + words + r + r * parts floats, words = ceil(b / 32).
 */
template <int NT>
__device__ __forceinline__ void encode_ef_gather4(const int* __restrict__ layout, const int* __restrict__ which,
                     const float* __restrict__ g, float* __restrict__ e,
                     const float* __restrict__ alpha, float* __restrict__ sym, float* __restrict__ norms) {
    constexpr int GROUPS = 1024 / NT; /* float4 groups per thread: NT x GROUPS x 4 = 4096 coordinates */
    extern __shared__ float4 smem4[];
    __shared__ float2 scratch2[32];
    const int j = which[blockIdx.x];
    const Blk k = load_block(layout, j);
    const uint32_t rows = cs_div(k.b + k.r - 1, k.m, k.sh);
    const uint32_t words = (k.b + 31) >> 5;
    const uint32_t parts = k.r >= NT ? 1u : NT / k.r;
    float* v = reinterpret_cast<float*>(smem4);
    uint32_t* shifts = reinterpret_cast<uint32_t*>(v + ((k.b + 3) & ~3u));
    uint32_t* signw = shifts + rows;
    float* acc = reinterpret_cast<float*>(signw + words);
    float* part = acc + k.r;
    for (uint32_t q = threadIdx.x; q < rows; q += NT) shifts[q] = cs_shift(k.klo, q, k.r);
    for (uint32_t w = threadIdx.x; w < words; w += NT) signw[w] = cs_hash32(w ^ k.khi);
    __syncthreads();
    const float a = alpha[j];
    const uint32_t groups = k.b >> 2;
    const float4* g4 = reinterpret_cast<const float4*>(g + k.off);
    float4* e4 = reinterpret_cast<float4*>(e + k.off);
    /* every load of the block first (b <= 4096: at most GROUPS float4 groups of g and of e per thread), then the work */
    float4 cg[GROUPS], ce[GROUPS];
    #pragma unroll
    for (int q = 0; q < GROUPS; q++) {
        const uint32_t grp = threadIdx.x + q * NT;
        if (grp < groups) {
            cg[q] = __ldg(&g4[grp]);
            if (a != 0.0f) ce[q] = e4[grp];
        }
    }
    float gsq = 0.0f;
    #pragma unroll
    for (int q = 0; q < GROUPS; q++) {
        const uint32_t grp = threadIdx.x + q * NT;
        if (grp < groups) {
            const uint32_t i0 = 4 * grp;
            float4 c = cg[q];
            gsq = fmaf(c.x, c.x, fmaf(c.y, c.y, fmaf(c.z, c.z, fmaf(c.w, c.w, gsq))));
            if (a != 0.0f) {
                c.x = fmaf(a, ce[q].x, c.x); c.y = fmaf(a, ce[q].y, c.y);
                c.z = fmaf(a, ce[q].z, c.z); c.w = fmaf(a, ce[q].w, c.w);
            }
            uint32_t sg = signw[i0 >> 5] >> (i0 & 31u);
            float4 sv;
            sv.x = signed_by(sg & 1u, c.x); sv.y = signed_by((sg >> 1) & 1u, c.y);
            sv.z = signed_by((sg >> 2) & 1u, c.z); sv.w = signed_by((sg >> 3) & 1u, c.w);
            smem4[grp] = sv;
        }
    }
    const uint32_t ti = 4 * groups + threadIdx.x;
    if (ti < k.b) {
        float gi = g[k.off + ti];
        float c = a != 0.0f ? fmaf(a, e[k.off + ti], gi) : gi;
        gsq = fmaf(gi, gi, gsq);
        v[ti] = signed_by((signw[ti >> 5] >> (ti & 31u)) & 1u, c);
    }
    __syncthreads();
    gather_symbols<NT>(k, rows, parts, v, shifts, part, acc, sym);
    float esq = 0.0f;
    #pragma unroll 4
    for (uint32_t grp = threadIdx.x; grp < groups; grp += NT) {
        const uint32_t i0 = 4 * grp;
        uint32_t q = cs_div(i0, k.m, k.sh);
        uint32_t t = i0 - q * k.r;
        uint32_t s = shifts[q];
        uint32_t sg = signw[i0 >> 5] >> (i0 & 31u);
        float4 sv = smem4[grp];
        float in[4] = {sv.x, sv.y, sv.z, sv.w};
        float out[4];
        #pragma unroll
        for (int d = 0; d < 4; d++) {
            if (t == k.r) { t = 0; s = shifts[++q]; }
            uint32_t u = t + s >= k.r ? t + s - k.r : t + s;
            out[d] = signed_by((sg >> d) & 1u, in[d] - acc[u]);
            t++;
        }
        float4 en = make_float4(out[0], out[1], out[2], out[3]);
        e4[grp] = en;
        esq = fmaf(en.x, en.x, fmaf(en.y, en.y, fmaf(en.z, en.z, fmaf(en.w, en.w, esq))));
    }
    if (ti < k.b) {
        uint32_t q = cs_div(ti, k.m, k.sh);
        uint32_t u = ti - q * k.r + shifts[q];
        if (u >= k.r) u -= k.r;
        float en = signed_by((signw[ti >> 5] >> (ti & 31u)) & 1u, v[ti] - acc[u]);
        e[k.off + ti] = en;
        esq = fmaf(en, en, esq);
    }
    float2 sums = block_sum2(make_float2(gsq, esq), scratch2);
    if (threadIdx.x == 0) { norms[2 * j] = sums.x; norms[2 * j + 1] = sums.y; }
}

extern "C" __global__ void __launch_bounds__(GATHER_THREADS)
cs_encode_ef_gather4(const int* __restrict__ layout, const int* __restrict__ which, const float* __restrict__ g,
                     float* __restrict__ e, const float* __restrict__ alpha, float* __restrict__ sym, float* __restrict__ norms) {
    encode_ef_gather4<GATHER_THREADS>(layout, which, g, e, alpha, sym, norms);
}

/* The same with 128 threads of eight groups each: twice the thread blocks per SM, in different phases. */
extern "C" __global__ void __launch_bounds__(128)
cs_encode_ef_gather4_128(const int* __restrict__ layout, const int* __restrict__ which, const float* __restrict__ g,
                         float* __restrict__ e, const float* __restrict__ alpha, float* __restrict__ sym, float* __restrict__ norms) {
    encode_ef_gather4<128>(layout, which, g, e, alpha, sym, norms);
}

/*
 * The traffic floor of the fused encode, for the GPU check: e <- g + alpha e, nothing else. It
 * reads g and e and writes e, as the encode with error feedback does, with no coding at all.
 */
extern "C" __global__ void axpy_inplace(const float4* __restrict__ g, float4* __restrict__ e, float a, int groups) {
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < groups; i += gridDim.x * blockDim.x) {
        float4 x = __ldg(&g[i]), y = e[i];
        e[i] = make_float4(fmaf(a, y.x, x.x), fmaf(a, y.y, x.y), fmaf(a, y.z, x.z), fmaf(a, y.w, x.w));
    }
}

/*
 * Low-rank frames (PowerSGD-like, io.github.dl4jcoded.frame.LowRankFrame). A matrix block is read
 * as A x B: element (a, b) at offset a * sa + b * sb, where a indexes the symbols' rows (the matrix
 * rows on a RIGHT step, its columns on a LEFT step) and b the contracted side, and the basis is
 * B x r (basis[b * r + k], the Java frame's flat layout). Symbols S = M basis (A x r, row-major);
 * lift M^ = S basis^T. The host packs LR_INTS ints per matrix and tiles of up to rowsPerTile rows
 * a (one warp per row for the sums; coalesced loads and stores whichever stride is 1).
 */
#define LR_OFFSET 0
#define LR_A 1
#define LR_B 2
#define LR_SA 3
#define LR_SB 4
#define LR_R 5
#define LR_BASIS 6      /* offset of the basis in the basis buffer */
#define LR_SYM 7
#define LR_ROWS 8       /* rows a per tile (at most 8; rows * B floats fit in shared memory) */
#define LR_SLOT 9       /* the block's slot in alpha and norms (its position in the plan) */
#define LR_INTS 10
#define LR_K 16         /* basis vectors summed at once, in registers */

struct Mat { uint32_t off, A, B, sa, sb, r, basis, so, rows, slot; };

__device__ __forceinline__ Mat load_mat(const int* __restrict__ meta, int p) {
    const int* L = meta + p * LR_INTS;
    Mat m;
    m.off = L[LR_OFFSET]; m.A = L[LR_A]; m.B = L[LR_B]; m.sa = L[LR_SA]; m.sb = L[LR_SB];
    m.r = L[LR_R]; m.basis = L[LR_BASIS]; m.so = L[LR_SYM]; m.rows = L[LR_ROWS]; m.slot = L[LR_SLOT];
    return m;
}

/* The idx-th element of a tile of n rows, walked in memory order: (row da, column b). */
__device__ __forceinline__ void tile_pos(const Mat& m, uint32_t n, uint32_t idx, uint32_t& da, uint32_t& b) {
    if (m.sa == 1) { da = idx % n; b = idx / n; } else { b = idx % m.B; da = idx / m.B; }
}

/*
 * Encode with error feedback, one thread block (256 threads) per tile: c = g + alpha e into shared
 * memory, S = c basis (a warp per row, LR_K basis vectors at a time), e <- c - S basis^T.
 * norms[2 slot], norms[2 slot + 1] (zeroed by the host) receive |g|^2 and |e_new|^2 of the matrix.
 * Dynamic shared memory: rows * B + 8 * r floats.
 */
extern "C" __global__ void __launch_bounds__(256)
lr_encode_ef(const int* __restrict__ meta, const int* __restrict__ tiles, const float* __restrict__ basis,
             const float* __restrict__ g, float* __restrict__ e, const float* __restrict__ alpha,
             float* __restrict__ sym, float* __restrict__ norms) {
    extern __shared__ float lsm[];
    __shared__ float scratch[32];
    const int p = tiles[2 * blockIdx.x];
    const uint32_t a0 = tiles[2 * blockIdx.x + 1];
    const Mat m = load_mat(meta, p);
    const uint32_t n = min(m.rows, m.A - a0);
    float* T = lsm;
    float* S = lsm + m.rows * m.B;
    const float al = alpha[m.slot];
    const float* Q = basis + m.basis;
    float gsq = 0.0f;
    for (uint32_t idx = threadIdx.x; idx < n * m.B; idx += blockDim.x) {
        uint32_t da, b;
        tile_pos(m, n, idx, da, b);
        uint32_t at = m.off + (a0 + da) * m.sa + b * m.sb;
        float gi = g[at];
        gsq = fmaf(gi, gi, gsq);
        T[da * m.B + b] = al != 0.0f ? fmaf(al, e[at], gi) : gi;
    }
    __syncthreads();
    const uint32_t warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    if (warp < n) {
        for (uint32_t k0 = 0; k0 < m.r; k0 += LR_K) {
            float acc[LR_K];
            #pragma unroll
            for (int k = 0; k < LR_K; k++) acc[k] = 0.0f;
            for (uint32_t b = lane; b < m.B; b += 32) {
                float t = T[warp * m.B + b];
                #pragma unroll
                for (int k = 0; k < LR_K; k++) if (k0 + k < m.r) acc[k] = fmaf(t, __ldg(&Q[b * m.r + k0 + k]), acc[k]);
            }
            #pragma unroll
            for (int k = 0; k < LR_K; k++) {
                if (k0 + k < m.r) {
                    float v = acc[k];
                    for (int o = 16; o > 0; o >>= 1) v += __shfl_down_sync(0xffffffffu, v, o);
                    if (lane == 0) { S[warp * m.r + k0 + k] = v; sym[m.so + (a0 + warp) * m.r + k0 + k] = v; }
                }
            }
        }
    }
    __syncthreads();
    float esq = 0.0f;
    for (uint32_t idx = threadIdx.x; idx < n * m.B; idx += blockDim.x) {
        uint32_t da, b;
        tile_pos(m, n, idx, da, b);
        float rec = 0.0f;
        for (uint32_t k = 0; k < m.r; k++) rec = fmaf(S[da * m.r + k], __ldg(&Q[b * m.r + k]), rec);
        float en = T[da * m.B + b] - rec;
        e[m.off + (a0 + da) * m.sa + b * m.sb] = en;
        esq = fmaf(en, en, esq);
    }
    gsq = block_sum(gsq, scratch);
    if (threadIdx.x == 0) atomicAdd(&norms[2 * m.slot], gsq);
    esq = block_sum(esq, scratch);
    if (threadIdx.x == 0) atomicAdd(&norms[2 * m.slot + 1], esq);
}

/* out += factor S basis^T on each tile. No shared memory but the symbols' rows. */
extern "C" __global__ void __launch_bounds__(256)
lr_lift_add(const int* __restrict__ meta, const int* __restrict__ tiles, const float* __restrict__ basis,
            const float* __restrict__ sym, float factor, float* __restrict__ out) {
    const int p = tiles[2 * blockIdx.x];
    const uint32_t a0 = tiles[2 * blockIdx.x + 1];
    const Mat m = load_mat(meta, p);
    const uint32_t n = min(m.rows, m.A - a0);
    const float* Q = basis + m.basis;
    for (uint32_t idx = threadIdx.x; idx < n * m.B; idx += blockDim.x) {
        uint32_t da, b;
        tile_pos(m, n, idx, da, b);
        const float* s = sym + m.so + (a0 + da) * m.r;
        float rec = 0.0f;
        for (uint32_t k = 0; k < m.r; k++) rec = fmaf(__ldg(&s[k]), __ldg(&Q[b * m.r + k]), rec);
        out[m.off + (a0 + da) * m.sa + b * m.sb] += factor * rec;
    }
}

/*
 * Blocks sent whole (identity frames: biases under low-rank frames): the symbols are c = g + alpha e
 * itself and nothing is left over, e <- 0. ids[3 q] = offset, ids[3 q + 1] = length, ids[3 q + 2] =
 * symbol offset; slots[q] is its slot in alpha and norms; one thread block per listed block.
 */
extern "C" __global__ void id_encode(const int* __restrict__ ids, const int* __restrict__ slots,
                                     const float* __restrict__ g, float* __restrict__ e,
                                     const float* __restrict__ alpha, float* __restrict__ sym, float* __restrict__ norms) {
    __shared__ float scratch[32];
    const uint32_t off = ids[3 * blockIdx.x], len = ids[3 * blockIdx.x + 1], so = ids[3 * blockIdx.x + 2];
    const int slot = slots[blockIdx.x];
    const float al = alpha[slot];
    float gsq = 0.0f;
    for (uint32_t i = threadIdx.x; i < len; i += blockDim.x) {
        float gi = g[off + i];
        gsq = fmaf(gi, gi, gsq);
        sym[so + i] = al != 0.0f ? fmaf(al, e[off + i], gi) : gi;
        e[off + i] = 0.0f;
    }
    gsq = block_sum(gsq, scratch);
    if (threadIdx.x == 0) { norms[2 * slot] = gsq; norms[2 * slot + 1] = 0.0f; }
}

/* out += factor s on each listed identity block. */
extern "C" __global__ void id_lift_add(const int* __restrict__ ids, const float* __restrict__ sym, float factor,
                                       float* __restrict__ out) {
    const uint32_t off = ids[3 * blockIdx.x], len = ids[3 * blockIdx.x + 1], so = ids[3 * blockIdx.x + 2];
    for (uint32_t i = threadIdx.x; i < len; i += blockDim.x) out[off + i] += factor * sym[so + i];
}

#define LT_A 32  /* rows a per tile of the tiled lift */
#define LT_B 128 /* columns b per tile */
#define LT_K 32  /* basis vectors per pass through shared memory */

/*
 * out += factor S basis^T as a tiled matrix product: one thread block (256 threads) per tile of
 * LT_A rows a by LT_B columns b (tiles[3 t] = matrix, tiles[3 t + 1] = a0, tiles[3 t + 2] = b0).
 * Chunks of LT_K basis vectors of S and of the basis wait in shared memory; each thread keeps a
 * 4 x 4 block of the tile in registers (16 multiply-adds per two 16-byte shared loads), and the
 * tile is added to out through shared memory along whichever of its strides is 1.
 */
template <bool RESIDUAL>
__device__ __forceinline__ void lift_tiled(const int* __restrict__ meta, const int* __restrict__ tiles, const float* __restrict__ basis,
              const float* __restrict__ sym, float factor, float* __restrict__ out,
              const float* __restrict__ g, const float* __restrict__ alpha, float* __restrict__ norms) {
    __shared__ float4 ss[LT_K][LT_A / 4];
    __shared__ float4 qs[LT_K][LT_B / 4];
    __shared__ float os[LT_A][LT_B + 1];
    const Mat m = load_mat(meta, tiles[3 * blockIdx.x]);
    const uint32_t a0 = tiles[3 * blockIdx.x + 1], b0 = tiles[3 * blockIdx.x + 2];
    const uint32_t na = min((uint32_t) LT_A, m.A - a0), nb = min((uint32_t) LT_B, m.B - b0);
    const float* __restrict__ Q = basis + m.basis;
    const float* __restrict__ S = sym + m.so;
    float* sflat = reinterpret_cast<float*>(ss);
    float* qflat = reinterpret_cast<float*>(qs);
    const uint32_t ar = threadIdx.x >> 5, bc = threadIdx.x & 31;
    float acc[4][4];
    #pragma unroll
    for (int i = 0; i < 4; i++) {
        #pragma unroll
        for (int j = 0; j < 4; j++) acc[i][j] = 0.0f;
    }
    for (uint32_t k0 = 0; k0 < m.r; k0 += LT_K) {
        for (uint32_t idx = threadIdx.x; idx < LT_A * LT_K; idx += blockDim.x) {
            uint32_t al = idx % LT_A, kk = idx / LT_A;
            sflat[kk * LT_A + al] = al < na && k0 + kk < m.r ? __ldg(&S[(a0 + al) * m.r + k0 + kk]) : 0.0f;
        }
        for (uint32_t idx = threadIdx.x; idx < LT_B * LT_K; idx += blockDim.x) {
            uint32_t bl = idx % LT_B, kk = idx / LT_B;
            qflat[kk * LT_B + bl] = bl < nb && k0 + kk < m.r ? __ldg(&Q[(b0 + bl) * m.r + k0 + kk]) : 0.0f;
        }
        __syncthreads();
        #pragma unroll 8
        for (int kk = 0; kk < LT_K; kk++) {
            float4 s = ss[kk][ar];
            float4 q = qs[kk][bc];
            float sv[4] = {s.x, s.y, s.z, s.w}, qv[4] = {q.x, q.y, q.z, q.w};
            #pragma unroll
            for (int i = 0; i < 4; i++) {
                #pragma unroll
                for (int j = 0; j < 4; j++) acc[i][j] = fmaf(sv[i], qv[j], acc[i][j]);
            }
        }
        __syncthreads();
    }
    #pragma unroll
    for (int i = 0; i < 4; i++) {
        #pragma unroll
        for (int j = 0; j < 4; j++) os[4 * ar + i][4 * bc + j] = factor * acc[i][j];
    }
    __syncthreads();
    float esq = 0.0f;
    const float a = RESIDUAL ? alpha[m.slot] : 0.0f;
    for (uint32_t idx = threadIdx.x; idx < na * nb; idx += blockDim.x) {
        uint32_t al, bl;
        if (m.sa == 1) { al = idx % na; bl = idx / na; } else { bl = idx % nb; al = idx / nb; }
        uint32_t at = m.off + (a0 + al) * m.sa + (b0 + bl) * m.sb;
        if (RESIDUAL) {
            /* out is e: e <- (g + alpha e) - S basis^T (factor -1 was applied above) */
            float gi = g[at];
            float en = (a != 0.0f ? fmaf(a, out[at], gi) : gi) + os[al][bl];
            out[at] = en;
            esq = fmaf(en, en, esq);
        } else {
            out[at] += os[al][bl];
        }
    }
    if (RESIDUAL) {
        __shared__ float scratch[32];
        esq = block_sum(esq, scratch);
        if (threadIdx.x == 0) atomicAdd(&norms[2 * m.slot + 1], esq);
    }
}

extern "C" __global__ void __launch_bounds__(256)
lr_lift_tiled(const int* __restrict__ meta, const int* __restrict__ tiles, const float* __restrict__ basis,
              const float* __restrict__ sym, float factor, float* __restrict__ out) {
    lift_tiled<false>(meta, tiles, basis, sym, factor, out, nullptr, nullptr, nullptr);
}

/* The encode's second half on the lift's tiles: e <- (g + alpha e) - S basis^T; norms[2 slot + 1] += |e|^2. */
extern "C" __global__ void __launch_bounds__(256)
lr_residual_tiled(const int* __restrict__ meta, const int* __restrict__ tiles, const float* __restrict__ basis,
                  const float* __restrict__ sym, const float* __restrict__ g, float* __restrict__ e,
                  const float* __restrict__ alpha, float* __restrict__ norms) {
    lift_tiled<true>(meta, tiles, basis, sym, -1.0f, e, g, alpha, norms);
}

#define LS_A 64  /* rows a per tile of the tiled symbols */
#define LS_K 32  /* basis vectors per tile */
#define LS_B 32  /* columns b per pass through shared memory */

/*
 * The encode's first half as a tiled product: S = (g + alpha e) basis, one thread block per tile
 * of LS_A rows a by LS_K basis vectors (tiles[3 t] = matrix, [3 t + 1] = a0, [3 t + 2] = k0),
 * walking b in chunks of LS_B through shared memory; each thread keeps 4 rows x 2 vectors in
 * registers. The thread blocks of the first vector tile add |g|^2 to norms[2 slot] (zeroed by
 * the host).
 */
extern "C" __global__ void __launch_bounds__(256)
lr_symbols_tiled(const int* __restrict__ meta, const int* __restrict__ tiles, const float* __restrict__ basis,
                 const float* __restrict__ g, const float* __restrict__ e, const float* __restrict__ alpha,
                 float* __restrict__ sym, float* __restrict__ norms) {
    __shared__ __align__(16) float cs[LS_B][LS_A + 4];
    __shared__ __align__(16) float qs[LS_B][LS_K];
    __shared__ float scratch[32];
    const Mat m = load_mat(meta, tiles[3 * blockIdx.x]);
    const uint32_t a0 = tiles[3 * blockIdx.x + 1], k0 = tiles[3 * blockIdx.x + 2];
    const uint32_t na = min((uint32_t) LS_A, m.A - a0), nk = min((uint32_t) LS_K, m.r - k0);
    const float* __restrict__ Q = basis + m.basis;
    const float al = alpha[m.slot];
    const bool countG = k0 == 0;
    const uint32_t ag = threadIdx.x >> 4, kg = threadIdx.x & 15; /* rows 4 ag.., vectors 2 kg.. */
    float acc[4][2] = {{0, 0}, {0, 0}, {0, 0}, {0, 0}};
    float gsq = 0.0f;
    for (uint32_t b0 = 0; b0 < m.B; b0 += LS_B) {
        const uint32_t nb = min((uint32_t) LS_B, m.B - b0);
        for (uint32_t idx = threadIdx.x; idx < LS_A * LS_B; idx += blockDim.x) {
            uint32_t xa, xb;
            if (m.sa == 1) { xa = idx % LS_A; xb = idx / LS_A; } else { xb = idx % LS_B; xa = idx / LS_B; }
            float c = 0.0f;
            if (xa < na && xb < nb) {
                uint32_t at = m.off + (a0 + xa) * m.sa + (b0 + xb) * m.sb;
                float gi = g[at];
                if (countG) gsq = fmaf(gi, gi, gsq);
                c = al != 0.0f ? fmaf(al, e[at], gi) : gi;
            }
            cs[xb][xa] = c;
        }
        for (uint32_t idx = threadIdx.x; idx < LS_B * LS_K; idx += blockDim.x) {
            uint32_t xk = idx % LS_K, xb = idx / LS_K;
            qs[xb][xk] = xb < nb && xk < nk ? __ldg(&Q[(b0 + xb) * m.r + k0 + xk]) : 0.0f;
        }
        __syncthreads();
        #pragma unroll 8
        for (int bb = 0; bb < LS_B; bb++) {
            float4 c = *reinterpret_cast<const float4*>(&cs[bb][4 * ag]);
            float2 q = *reinterpret_cast<const float2*>(&qs[bb][2 * kg]);
            float cv[4] = {c.x, c.y, c.z, c.w};
            #pragma unroll
            for (int i = 0; i < 4; i++) {
                acc[i][0] = fmaf(cv[i], q.x, acc[i][0]);
                acc[i][1] = fmaf(cv[i], q.y, acc[i][1]);
            }
        }
        __syncthreads();
    }
    #pragma unroll
    for (int i = 0; i < 4; i++) {
        #pragma unroll
        for (int j = 0; j < 2; j++) {
            uint32_t ra = 4 * ag + i, rk = 2 * kg + j;
            if (ra < na && rk < nk) sym[m.so + (a0 + ra) * m.r + k0 + rk] = acc[i][j];
        }
    }
    if (countG) {
        gsq = block_sum(gsq, scratch);
        if (threadIdx.x == 0) atomicAdd(&norms[2 * m.slot], gsq);
    }
}

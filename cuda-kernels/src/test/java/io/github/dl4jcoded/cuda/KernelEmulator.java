package io.github.dl4jcoded.cuda;

import io.github.dl4jcoded.frame.CountSketchFrame;

/**
 * What the kernels compute, written from the packed layout alone, in float, as coded_kernels.cu
 * does (the same layout ints, the same division by magic numbers, the same float scales): the GPU
 * path's reference on a machine without a GPU, so that CI checks the host-side packing the kernels
 * read. Encode with error feedback as the fused kernels compute it (their sums in another order), lift as
 * cs_lift_add.
 */
final class KernelEmulator {
    private final SketchPlan plan;
    private final float[] raw;
    private final float[] alpha;

    KernelEmulator(SketchPlan plan) {
        this.plan = plan;
        this.raw = new float[plan.n()];
        this.alpha = new float[plan.blockCount()];
    }

    private static int bucket(int[] l, int o, int i) {
        int r = l[o + 2];
        int q = SketchPlan.divide(i, l[o + 5], l[o + 6]);
        int u = i - q * r + CountSketchFrame.shift(l[o + 3], q, r);
        return u >= r ? u - r : u;
    }

    private static float scale(int[] l, int o, int u) {
        int r = l[o + 2], last = l[o + 8];
        int pos = u >= last ? u - last : u + r - last;
        return Float.intBitsToFloat(pos < l[o + 11] ? l[o + 10] : l[o + 9]);
    }

    private static float signed(int[] l, int o, int i, float v) {
        return CountSketchFrame.negative(l[o + 4], i) ? -v : v;
    }

    float[] encodeWithFeedback(long step, float[] g) {
        int[] l = plan.layout(step);
        float[] sym = new float[plan.symbolCount()];
        for (int p = 0; p < plan.blockCount(); p++) {
            int o = p * SketchPlan.LAYOUT_INTS, off = l[o], b = l[o + 1], r = l[o + 2], so = l[o + 7];
            float[] vals = new float[b], acc = new float[r];
            float gsq = 0;
            for (int i = 0; i < b; i++) {
                float gi = g[off + i];
                float c = alpha[p] != 0 ? Math.fma(alpha[p], raw[off + i], gi) : gi;
                vals[i] = c;
                gsq = Math.fma(gi, gi, gsq);
                acc[bucket(l, o, i)] += signed(l, o, i, c);
            }
            for (int u = 0; u < r; u++) {
                float s = acc[u] * scale(l, o, u);
                sym[so + u] = s;
                acc[u] = s * scale(l, o, u);
            }
            float esq = 0;
            for (int i = 0; i < b; i++) {
                float en = vals[i] - signed(l, o, i, acc[bucket(l, o, i)]);
                raw[off + i] = en;
                esq = Math.fma(en, en, esq);
            }
            alpha[p] = (float) plan.nextAlpha(gsq, esq);
        }
        return sym;
    }

    void liftAdd(long step, float[] sym, float factor, float[] out) {
        int[] l = plan.layout(step);
        for (int p = 0; p < plan.blockCount(); p++) {
            int o = p * SketchPlan.LAYOUT_INTS, off = l[o], b = l[o + 1], so = l[o + 7];
            for (int i = 0; i < b; i++) {
                int u = bucket(l, o, i);
                out[off + i] += signed(l, o, i, sym[so + u] * scale(l, o, u) * factor);
            }
        }
    }
}

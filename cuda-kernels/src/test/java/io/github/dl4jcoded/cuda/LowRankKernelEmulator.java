package io.github.dl4jcoded.cuda;

/**
 * What the low-rank kernels compute (lr_encode_ef, lr_lift_add, id_encode, id_lift_add), written
 * from a {@link LowRankLayout} alone, in float: the GPU path's reference on a machine without a GPU,
 * so that CI checks the packing (strides for both sides and both orders, basis offsets, symbol
 * offsets, identity entries) that the kernels read.
 */
final class LowRankKernelEmulator {
    private final Feedback feedback;
    private final float[] raw;
    private final float[] alpha;

    LowRankKernelEmulator(int n, int blocks, Feedback feedback) {
        this.feedback = feedback;
        this.raw = new float[n];
        this.alpha = new float[blocks];
    }

    float[] encodeWithFeedback(LowRankLayout l, float[] g) {
        float[] sym = new float[l.symbols()];
        double[] gsq = new double[alpha.length], esq = new double[alpha.length];
        int[] m = l.meta();
        for (int p = 0; p < l.matrixCount(); p++) {
            int o = p * LowRankLayout.LR_INTS, off = m[o], A = m[o + 1], B = m[o + 2], sa = m[o + 3], sb = m[o + 4],
                    r = m[o + 5], q0 = m[o + 6], so = m[o + 7], slot = m[o + 9];
            for (int a = 0; a < A; a++) {
                float[] c = new float[B];
                for (int b = 0; b < B; b++) {
                    int at = off + a * sa + b * sb;
                    gsq[slot] += g[at] * g[at];
                    c[b] = alpha[slot] != 0 ? Math.fma(alpha[slot], raw[at], g[at]) : g[at];
                }
                float[] s = new float[r];
                for (int k = 0; k < r; k++) {
                    for (int b = 0; b < B; b++) s[k] = Math.fma(c[b], l.basis()[q0 + b * r + k], s[k]);
                    sym[so + a * r + k] = s[k];
                }
                for (int b = 0; b < B; b++) {
                    float rec = 0;
                    for (int k = 0; k < r; k++) rec = Math.fma(s[k], l.basis()[q0 + b * r + k], rec);
                    float en = c[b] - rec;
                    raw[off + a * sa + b * sb] = en;
                    esq[slot] += en * en;
                }
            }
        }
        int[] ids = l.ids();
        for (int q = 0; q < l.identityCount(); q++) {
            int off = ids[3 * q], len = ids[3 * q + 1], so = ids[3 * q + 2], slot = l.slots()[q];
            for (int i = 0; i < len; i++) {
                gsq[slot] += g[off + i] * g[off + i];
                sym[so + i] = alpha[slot] != 0 ? Math.fma(alpha[slot], raw[off + i], g[off + i]) : g[off + i];
                raw[off + i] = 0;
            }
        }
        for (int p = 0; p < alpha.length; p++) alpha[p] = (float) feedback.nextAlpha(gsq[p], esq[p]);
        return sym;
    }

    void liftAdd(LowRankLayout l, float[] sym, float factor, float[] out) {
        int[] m = l.meta();
        for (int p = 0; p < l.matrixCount(); p++) {
            int o = p * LowRankLayout.LR_INTS, off = m[o], A = m[o + 1], B = m[o + 2], sa = m[o + 3], sb = m[o + 4],
                    r = m[o + 5], q0 = m[o + 6], so = m[o + 7];
            for (int a = 0; a < A; a++) {
                for (int b = 0; b < B; b++) {
                    float rec = 0;
                    for (int k = 0; k < r; k++) rec = Math.fma(sym[so + a * r + k], l.basis()[q0 + b * r + k], rec);
                    out[off + a * sa + b * sb] += factor * rec;
                }
            }
        }
        int[] ids = l.ids();
        for (int q = 0; q < l.identityCount(); q++) {
            for (int i = 0; i < ids[3 * q + 1]; i++) out[ids[3 * q] + i] += factor * sym[ids[3 * q + 2] + i];
        }
    }

    float[] residual(LowRankLayout l, int[] blockOffsets, int[] blockSizes) {
        float[] e = new float[raw.length];
        for (int p = 0; p < alpha.length; p++) {
            for (int i = blockOffsets[p]; i < blockOffsets[p] + blockSizes[p]; i++) e[i] = alpha[p] * raw[i];
        }
        return e;
    }
}

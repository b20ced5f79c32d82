package io.github.dl4jcoded.frame;

import java.util.SplittableRandom;

/**
 * Sparse-sign (count-sketch) frame: each coordinate i belongs to exactly one direction
 * {@code bucket(i)} with a random sign, and column t is the signed indicator of its bucket divided
 * by sqrt(bucket size). Columns have disjoint supports, hence are orthogonal, and the scaling makes
 * them orthonormal (F^T F = I). Both encode and lift touch each coordinate once: O(b).
 *
 * <p>Buckets are balanced rather than independently hashed: the labels 0..r-1, repeated to length
 * b, are shuffled, so every bucket is non-empty (an empty bucket would be a zero column and break
 * F^T F = I) and bucket sizes differ by at most one.
 *
 * <p>Storage is one int per coordinate (bucket in the low 31 bits, sign in the top bit) plus r
 * scales, because the server rebuilds every block's frame at every step: allocation, not
 * arithmetic, is what a richer layout would cost.
 */
public final class CountSketchFrame implements Frame {
    private static final int BUCKET_MASK = 0x7fffffff;

    private final int b;
    private final int r;
    private final int[] code;     // bucket | (negative ? 1 << 31 : 0)
    private final double[] scale; // 1 / sqrt(bucket size)

    public CountSketchFrame(int b, int r, SplittableRandom rnd) {
        if (b <= 0 || r <= 0 || r > b) throw new IllegalArgumentException("need 0 < r <= b, got b=" + b + " r=" + r);
        this.b = b;
        this.r = r;
        this.code = new int[b];
        for (int p = 0, t = 0; p < b; p++) {
            code[p] = t;
            if (++t == r) t = 0;
        }
        Draws.shuffle(code, rnd);
        Draws.randomSignBits(code, rnd);
        int small = b / r, extra = b % r; // labels 0..extra-1 occur small+1 times
        this.scale = new double[r];
        for (int t = 0; t < r; t++) scale[t] = 1.0 / Math.sqrt(t < extra ? small + 1 : small);
    }

    @Override public int dimension() { return b; }

    @Override public int rank() { return r; }

    @Override
    public void encode(double[] g, int gOffset, double[] out, int outOffset) {
        java.util.Arrays.fill(out, outOffset, outOffset + r, 0.0);
        for (int i = 0; i < b; i++) {
            int c = code[i];
            out[outOffset + (c & BUCKET_MASK)] += flip(g[gOffset + i], c);
        }
        for (int t = 0; t < r; t++) out[outOffset + t] *= scale[t];
    }

    @Override
    public void liftAdd(double[] s, int sOffset, double scale, double[] out, int outOffset) {
        double[] ss = scaled(s, sOffset, scale);
        for (int i = 0; i < b; i++) {
            int c = code[i];
            out[outOffset + i] += flip(ss[c & BUCKET_MASK], c);
        }
    }

    @Override
    public void lift(double[] s, double[] out, int outOffset) {
        double[] ss = scaled(s, 0, 1.0);
        for (int i = 0; i < b; i++) {
            int c = code[i];
            out[outOffset + i] = flip(ss[c & BUCKET_MASK], c);
        }
    }

    private double[] scaled(double[] s, int sOffset, double factor) {
        double[] ss = new double[r];
        for (int t = 0; t < r; t++) ss[t] = factor * scale[t] * s[sOffset + t];
        return ss;
    }

    /** v with its sign flipped when the code's top bit is set; branch-free. */
    private static double flip(double v, int c) {
        return Double.longBitsToDouble(Double.doubleToRawLongBits(v) ^ ((long) (c & 0x80000000) << 32));
    }
}

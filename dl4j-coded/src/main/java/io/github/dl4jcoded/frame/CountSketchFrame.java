package io.github.dl4jcoded.frame;

import java.util.SplittableRandom;

/**
 * Sparse-sign (count-sketch) frame: each coordinate i belongs to exactly one direction
 * {@code bucket[i]} with a random sign, and column t is the signed indicator of its bucket divided
 * by sqrt(bucket size). Columns have disjoint supports, hence are orthogonal, and the scaling makes
 * them orthonormal (F^T F = I). Both encode and lift touch each coordinate once: O(b).
 *
 * <p>Buckets are balanced rather than independently hashed: a random permutation is dealt
 * round-robin into r buckets, so every bucket is non-empty (an empty bucket would be a zero column
 * and break F^T F = I) and bucket sizes differ by at most one.
 */
public final class CountSketchFrame implements Frame {
    private final int b;
    private final int r;
    private final int[] bucket;
    private final double[] weight; // sign_i / sqrt(|bucket(i)|)

    public CountSketchFrame(int b, int r, SplittableRandom rnd) {
        if (b <= 0 || r <= 0 || r > b) throw new IllegalArgumentException("need 0 < r <= b, got b=" + b + " r=" + r);
        this.b = b;
        this.r = r;
        this.bucket = new int[b];
        this.weight = new double[b];
        int[] perm = new int[b];
        for (int i = 0; i < b; i++) perm[i] = i;
        Draws.shuffle(perm, rnd);
        int small = b / r, extra = b % r; // buckets 0..extra-1 get small+1 coordinates
        double wBig = 1.0 / Math.sqrt(small + 1), wSmall = 1.0 / Math.sqrt(small); // small >= 1 since r <= b
        for (int p = 0, t = 0; p < b; p++) {
            int i = perm[p];
            bucket[i] = t;
            weight[i] = t < extra ? wBig : wSmall;
            if (++t == r) t = 0;
        }
        Draws.randomSigns(weight, rnd);
    }

    @Override public int dimension() { return b; }

    @Override public int rank() { return r; }

    @Override
    public void encode(double[] g, int gOffset, double[] out, int outOffset) {
        java.util.Arrays.fill(out, outOffset, outOffset + r, 0.0);
        for (int i = 0; i < b; i++) out[outOffset + bucket[i]] += weight[i] * g[gOffset + i];
    }

    @Override
    public void liftAdd(double[] s, int sOffset, double scale, double[] out, int outOffset) {
        for (int i = 0; i < b; i++) out[outOffset + i] += scale * weight[i] * s[sOffset + bucket[i]];
    }

    @Override
    public void lift(double[] s, double[] out, int outOffset) {
        for (int i = 0; i < b; i++) out[outOffset + i] = weight[i] * s[bucket[i]];
    }
}

package io.github.dl4jcoded.frame;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Subsampled randomized Hadamard frame: F^T = R H D P, where P is a random permutation, D random
 * signs, H the orthonormal (1/sqrt(m)-scaled) Walsh-Hadamard transform and R picks r of its rows
 * without replacement. H D P is orthogonal, so any r of its rows are orthonormal: F^T F = I. Cost
 * O(b log b) both ways.
 *
 * <p>Why not zero-pad to the next power of two: restricted to the first b coordinates, rows of a
 * larger Hadamard matrix are no longer orthogonal, and F^T F = I would fail. Instead H is
 * block-diagonal over the binary decomposition of b (e.g. 6144 = 4096 + 2048), which is exactly
 * orthogonal; the permutation P spreads each coordinate to a random piece so that the pieces do
 * not line up with the gradient's structure. When b is a power of two there is one piece and P
 * is skipped (D and H already mix every coordinate).
 */
public final class HadamardFrame implements Frame {
    private static final ThreadLocal<double[]> SCRATCH = ThreadLocal.withInitial(() -> new double[0]);

    private final int b;
    private final int r;
    private final long[] signBits; // bit i set: coordinate i is negated (D)
    private final int[] perm;      // null when b is a power of two
    private final int[] rows;      // sorted, distinct, in [0, b)
    private final int[] pieceStart; // binary decomposition of b, largest piece first
    private final int[] pieceLen;
    private final double[] rowScale; // 1/sqrt(length of the piece holding rows[t])

    public HadamardFrame(int b, int r, SplittableRandom rnd) {
        if (b <= 0 || r <= 0 || r > b) throw new IllegalArgumentException("need 0 < r <= b, got b=" + b + " r=" + r);
        this.b = b;
        this.r = r;
        int pieces = Integer.bitCount(b);
        pieceStart = new int[pieces];
        pieceLen = new int[pieces];
        for (int p = 0, start = 0, bit = 30; bit >= 0; bit--) {
            if ((b & (1 << bit)) != 0) {
                pieceStart[p] = start;
                pieceLen[p] = 1 << bit;
                start += 1 << bit;
                p++;
            }
        }
        if (pieces > 1) {
            perm = new int[b];
            for (int i = 0; i < b; i++) perm[i] = i;
            Draws.shuffle(perm, rnd);
        } else {
            perm = null;
        }
        signBits = Draws.randomBits(b, rnd);
        rows = Draws.sortedSample(b, r, rnd);
        // The 1/sqrt(piece length) normalization is applied to the r sampled values only.
        rowScale = new double[r];
        for (int t = 0; t < r; t++) {
            int p = 0;
            while (rows[t] >= pieceStart[p] + pieceLen[p]) p++;
            rowScale[t] = 1.0 / Math.sqrt(pieceLen[p]);
        }
    }

    @Override public int dimension() { return b; }

    @Override public int rank() { return r; }

    @Override
    public void encode(double[] g, int gOffset, double[] out, int outOffset) {
        double[] x = scratch();
        if (perm == null) {
            for (int i = 0; i < b; i++) x[i] = flip(g[gOffset + i], i);
        } else {
            for (int i = 0; i < b; i++) x[i] = flip(g[gOffset + perm[i]], i);
        }
        transform(x);
        for (int t = 0; t < r; t++) out[outOffset + t] = rowScale[t] * x[rows[t]];
    }

    @Override
    public void liftAdd(double[] s, int sOffset, double scale, double[] out, int outOffset) {
        double[] x = scratch();
        Arrays.fill(x, 0, b, 0.0);
        for (int t = 0; t < r; t++) x[rows[t]] = rowScale[t] * s[sOffset + t];
        transform(x); // H is symmetric, so the transpose is the same transform
        if (perm == null) {
            for (int i = 0; i < b; i++) out[outOffset + i] += scale * flip(x[i], i);
        } else {
            for (int i = 0; i < b; i++) out[outOffset + perm[i]] += scale * flip(x[i], i);
        }
    }

    @Override
    public void lift(double[] s, double[] out, int outOffset) {
        double[] x = scratch();
        Arrays.fill(x, 0, b, 0.0);
        for (int t = 0; t < r; t++) x[rows[t]] = rowScale[t] * s[t];
        transform(x);
        if (perm == null) {
            for (int i = 0; i < b; i++) out[outOffset + i] = flip(x[i], i);
        } else {
            for (int i = 0; i < b; i++) out[outOffset + perm[i]] = flip(x[i], i);
        }
    }

    /** v times the random sign of coordinate i, by flipping the IEEE sign bit (no branch). */
    private double flip(double v, int i) {
        return Double.longBitsToDouble(Double.doubleToRawLongBits(v) ^ ((signBits[i >>> 6] >>> i) << 63));
    }

    private double[] scratch() {
        double[] x = SCRATCH.get();
        if (x.length < b) {
            x = new double[b];
            SCRATCH.set(x);
        }
        return x;
    }

    /**
     * Unnormalized Walsh-Hadamard transform of each piece, in place. Butterfly levels are taken two
     * at a time (radix 4), which halves the passes over the block; a last radix-2 level remains
     * when log2 of the piece length is odd.
     */
    private void transform(double[] x) {
        for (int p = 0; p < pieceLen.length; p++) {
            int off = pieceStart[p], len = pieceLen[p];
            int h = 1;
            for (; 4 * h <= len; h *= 4) {
                for (int i = off; i < off + len; i += 4 * h) {
                    for (int j = i; j < i + h; j++) {
                        double a = x[j], b = x[j + h], c = x[j + 2 * h], d = x[j + 3 * h];
                        double s0 = a + b, d0 = a - b, s1 = c + d, d1 = c - d;
                        x[j] = s0 + s1;
                        x[j + h] = d0 + d1;
                        x[j + 2 * h] = s0 - s1;
                        x[j + 3 * h] = d0 - d1;
                    }
                }
            }
            if (h < len) { // one level left: h = len / 2
                for (int j = off; j < off + h; j++) {
                    double a = x[j], b = x[j + h];
                    x[j] = a + b;
                    x[j + h] = a - b;
                }
            }
        }
    }
}

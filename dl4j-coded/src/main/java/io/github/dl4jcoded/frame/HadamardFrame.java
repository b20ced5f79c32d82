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
    private final double[] sign;
    private final int[] perm;      // null when b is a power of two
    private final int[] rows;      // sorted, distinct, in [0, b)
    private final int[] pieceStart; // binary decomposition of b, largest piece first
    private final int[] pieceLen;

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
            for (int i = b - 1; i > 0; i--) {
                int j = rnd.nextInt(i + 1);
                int tmp = perm[i]; perm[i] = perm[j]; perm[j] = tmp;
            }
        } else {
            perm = null;
        }
        sign = new double[b];
        for (int i = 0; i < b; i++) sign[i] = rnd.nextBoolean() ? 1.0 : -1.0;
        // r distinct rows: partial Fisher-Yates over 0..b-1, then sorted for memory locality.
        int[] all = new int[b];
        for (int i = 0; i < b; i++) all[i] = i;
        for (int i = 0; i < r; i++) {
            int j = i + rnd.nextInt(b - i);
            int tmp = all[i]; all[i] = all[j]; all[j] = tmp;
        }
        rows = Arrays.copyOf(all, r);
        Arrays.sort(rows);
    }

    @Override public int dimension() { return b; }

    @Override public int rank() { return r; }

    @Override
    public void encode(double[] g, int gOffset, double[] out, int outOffset) {
        double[] x = scratch();
        if (perm == null) {
            for (int i = 0; i < b; i++) x[i] = sign[i] * g[gOffset + i];
        } else {
            for (int i = 0; i < b; i++) x[i] = sign[i] * g[gOffset + perm[i]];
        }
        transform(x);
        for (int t = 0; t < r; t++) out[outOffset + t] = x[rows[t]];
    }

    @Override
    public void liftAdd(double[] s, int sOffset, double scale, double[] out, int outOffset) {
        double[] x = scratch();
        Arrays.fill(x, 0, b, 0.0);
        for (int t = 0; t < r; t++) x[rows[t]] = s[sOffset + t];
        transform(x); // H is symmetric and orthonormal, so H^T = H
        if (perm == null) {
            for (int i = 0; i < b; i++) out[outOffset + i] += scale * sign[i] * x[i];
        } else {
            for (int i = 0; i < b; i++) out[outOffset + perm[i]] += scale * sign[i] * x[i];
        }
    }

    private double[] scratch() {
        double[] x = SCRATCH.get();
        if (x.length < b) {
            x = new double[b];
            SCRATCH.set(x);
        }
        return x;
    }

    /** Orthonormal Walsh-Hadamard transform of each piece, in place. */
    private void transform(double[] x) {
        for (int p = 0; p < pieceLen.length; p++) {
            int off = pieceStart[p], len = pieceLen[p];
            for (int h = 1; h < len; h <<= 1) {
                for (int i = off; i < off + len; i += h << 1) {
                    for (int j = i; j < i + h; j++) {
                        double a = x[j], c = x[j + h];
                        x[j] = a + c;
                        x[j + h] = a - c;
                    }
                }
            }
            double norm = 1.0 / Math.sqrt(len);
            for (int i = off; i < off + len; i++) x[i] *= norm;
        }
    }
}

package io.github.dl4jcoded.frame;

/**
 * Sparse-sign (count-sketch) frame: each coordinate i belongs to exactly one direction
 * {@code bucket(i)} with a random sign, and column t is the signed indicator of its bucket divided
 * by sqrt(bucket size). Columns have disjoint supports, hence are orthogonal, and the scaling makes
 * them orthonormal (F^T F = I). Both encode and lift touch each coordinate once: O(b).
 *
 * <p>The generator is stateless so that a GPU thread can compute any coordinate's bucket and sign
 * on its own, from (key, i) alone, without a table or a sequential shuffle; the CUDA kernels run
 * the same arithmetic ({@code cuda-kernels/src/main/cuda/count_sketch.h}, pinned by a test that
 * compiles that header for the host). Write i = q r + t (row q of r consecutive coordinates):
 * {@code bucket(i) = (t + shift(q)) mod r}, with {@code shift(q)} a hash of q, so each full row
 * puts exactly one coordinate in every bucket (sizes differ by at most one, no bucket is empty:
 * an empty bucket would be a zero column and break F^T F = I) and two coordinates of different
 * rows share a bucket with probability 1/r. The sign of i is one bit of a hash of i / 32. The
 * hash is Wellons' 32-bit "lowbias32" finalizer: 32-bit multiplies and shifts, cheap on a GPU.
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

    /**
     * @param key the frame's 64-bit key, {@link FrameFamily#mix}(seed, step, block): its low 32
     *            bits key the row shifts, its high 32 bits the signs
     */
    public CountSketchFrame(int b, int r, long key) {
        if (b <= 0 || r <= 0 || r > b) throw new IllegalArgumentException("need 0 < r <= b, got b=" + b + " r=" + r);
        this.b = b;
        this.r = r;
        this.code = new int[b];
        int shiftKey = shiftKey(key), signKey = signKey(key);
        for (int q = 0, i = 0; i < b; q++) {
            int s = shift(shiftKey, q, r);
            for (int t = 0; t < r && i < b; t++, i++) {
                int bucket = t + s < r ? t + s : t + s - r;
                code[i] = bucket | (negative(signKey, i) ? 0x80000000 : 0);
            }
        }
        this.scale = new double[r];
        for (int t = 0; t < r; t++) scale[t] = 1.0 / Math.sqrt(bucketSize(b, r, shift(shiftKey, b / r, r), t));
    }

    /** Wellons' lowbias32: a 32-bit avalanche finalizer (every input bit flips each output bit with probability about 1/2). */
    public static int hash32(int x) {
        x ^= x >>> 16;
        x *= 0x7feb352d;
        x ^= x >>> 15;
        x *= 0x846ca68b;
        x ^= x >>> 16;
        return x;
    }

    public static int shiftKey(long key) { return (int) key; }

    public static int signKey(long key) { return (int) (key >>> 32); }

    /** Row q's cyclic shift of the buckets, uniform in 0..r-1: the high half of hash * r. */
    public static int shift(int shiftKey, int q, int r) {
        return (int) (((hash32(q ^ shiftKey) & 0xffffffffL) * r) >>> 32);
    }

    /** True when coordinate i's direction has a negative sign: bit i mod 32 of the hash of i / 32. */
    public static boolean negative(int signKey, int i) {
        return ((hash32((i >>> 5) ^ signKey) >>> (i & 31)) & 1) != 0;
    }

    /**
     * Size of bucket t: b / r full rows give every bucket one coordinate each, and the last, partial
     * row of b mod r coordinates (shifted by {@code lastShift}) gives one more to the buckets it covers.
     */
    public static int bucketSize(int b, int r, int lastShift, int t) {
        int extra = b % r;
        int pos = t - lastShift < 0 ? t - lastShift + r : t - lastShift;
        return b / r + (pos < extra ? 1 : 0);
    }

    /** Bucket of coordinate i, for tests and for code that needs one coordinate at a time. */
    public int bucket(int i) { return code[i] & BUCKET_MASK; }

    /** Sign of coordinate i's direction, +1 or -1. */
    public int sign(int i) { return code[i] < 0 ? -1 : 1; }

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

package io.github.dl4jcoded.frame;

/**
 * A frame F_j for one block: r direction vectors (the columns of a b x r matrix) in the block's
 * own coordinates 0..b-1.
 *
 * <p>Every frame in this package has orthonormal columns, F^T F = I. That is what lets the
 * decoders work on symbols alone: the projection of a gradient onto the span of F is F F^T g,
 * so a block whose symbols s = F^T g are known is best estimated by {@code lift(s)}, and
 * directions from different columns never interfere.
 *
 * <p>Frames are immutable and safe to share between threads.
 */
public interface Frame {
    /** Block dimension b. */
    int dimension();

    /** Number of directions r (1 <= r <= b). */
    int rank();

    /** True when r = b: the symbols determine the block exactly (identity frame). */
    default boolean isLossless() { return rank() == dimension(); }

    /** {@code out[outOffset + t] = <F[:,t], g[gOffset .. gOffset+b)>} for t in 0..r-1. */
    void encode(double[] g, int gOffset, double[] out, int outOffset);

    /** F^T g into {@code out[0..r)}. */
    default void encode(double[] g, int gOffset, double[] out) { encode(g, gOffset, out, 0); }

    /**
     * {@code out[outOffset .. outOffset+b) += scale * F s[sOffset .. sOffset+r)}. Adding (rather than
     * overwriting) lets a decoder sum lifts without a temporary.
     */
    void liftAdd(double[] s, int sOffset, double scale, double[] out, int outOffset);

    /** {@code out[outOffset .. outOffset+b) = F s}. */
    default void lift(double[] s, double[] out, int outOffset) {
        java.util.Arrays.fill(out, outOffset, outOffset + dimension(), 0.0);
        liftAdd(s, 0, 1.0, out, outOffset);
    }

    /** Materializes column t (length b) into {@code out[0..b)}; engines use it as a tangent. */
    default void direction(int t, double[] out) {
        if (t < 0 || t >= rank()) throw new IndexOutOfBoundsException("direction " + t + " of rank " + rank());
        double[] e = new double[rank()];
        e[t] = 1.0;
        lift(e, out, 0);
    }
}

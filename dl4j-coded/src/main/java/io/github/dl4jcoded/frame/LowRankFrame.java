package io.github.dl4jcoded.frame;

/**
 * A frame for a block that is a matrix M (rows x cols), built from an orthonormal basis that
 * server and workers share: on the RIGHT side its directions are e_i (x) q_k for every row i
 * and basis vector q_k of length cols, so the symbols are M Q (rows x r); on the LEFT side they
 * are p_k (x) e_j, the symbols M^T P (cols x r). Either way the columns are orthonormal
 * (F^T F = I) and the lift F s is the projection of M onto the basis: S Q^T or P T^T. This is
 * one half of a PowerSGD power iteration, expressed as directional derivatives.
 *
 * <p>The matrix is read from the block's local vector in row-major ('c') or column-major ('f')
 * order, so DL4J's dense W [nIn, nOut] ('f') and convolution W [nOut, nIn*kH*kW] ('c') are
 * both used in place.
 */
public final class LowRankFrame implements Frame {
    public enum Side { RIGHT, LEFT }

    private final int rows;
    private final int cols;
    private final boolean columnMajor;
    private final Side side;
    private final double[][] basis; // r vectors, each of length cols (RIGHT) or rows (LEFT)
    private final double[] flat;    // flat[x * r + k] = basis[k][x]: the inner loops run over k in order

    /**
     * @param basis r orthonormal vectors, of length cols for RIGHT and rows for LEFT; not copied
     *              (the caller hands over an array it never changes)
     */
    public LowRankFrame(int rows, int cols, char order, Side side, double[][] basis) {
        if (rows < 1 || cols < 1) {
            throw new IllegalArgumentException("matrix must be at least 1 x 1, got " + rows + " x " + cols);
        }
        if (order != 'c' && order != 'f') {
            throw new IllegalArgumentException("order must be 'c' or 'f', got " + order);
        }
        int len = side == Side.RIGHT ? cols : rows;
        if (basis.length < 1) {
            throw new IllegalArgumentException("basis needs at least one vector");
        }
        for (double[] v : basis) {
            if (v.length != len) {
                throw new IllegalArgumentException("basis vectors must have length " + len + ", got " + v.length);
            }
        }
        this.rows = rows;
        this.cols = cols;
        this.columnMajor = order == 'f';
        this.side = side;
        this.basis = basis;
        this.flat = new double[len * basis.length];
        for (int k = 0; k < basis.length; k++) {
            for (int x = 0; x < len; x++) {
                flat[x * basis.length + k] = basis[k][x];
            }
        }
    }

    public Side side() {
        return side;
    }

    /** Rows of the matrix the block is read as. */
    public int rows() {
        return rows;
    }

    /** Columns of the matrix the block is read as. */
    public int cols() {
        return cols;
    }

    /** 'c' (row-major) or 'f' (column-major): how the block's local vector lays out the matrix. */
    public char order() {
        return columnMajor ? 'f' : 'c';
    }

    /**
     * A copy of the basis in the layout the encode reads it: entry {@code x * r + k} is component
     * x of basis vector k (x over the columns on the RIGHT side, over the rows on the LEFT).
     */
    public double[] basisFlat() {
        return flat.clone();
    }

    /** Number of basis vectors r. */
    public int basisSize() {
        return basis.length;
    }

    private int index(int i, int j) {
        return columnMajor ? i + j * rows : i * cols + j;
    }

    @Override
    public int dimension() {
        return rows * cols;
    }

    @Override
    public int rank() {
        return (side == Side.RIGHT ? rows : cols) * basis.length;
    }

    @Override
    public void encode(double[] g, int gOffset, double[] out, int outOffset) {
        int r = basis.length;
        boolean right = side == Side.RIGHT;
        java.util.Arrays.fill(out, outOffset, outOffset + rank(), 0.0);
        // Walk g in memory order; an output symbol still sums its terms in the same order (j for
        // RIGHT, i for LEFT, ascending) whichever loop is outside, so the result is loop-order free.
        int outer = columnMajor ? cols : rows;
        int inner = columnMajor ? rows : cols;
        for (int a = 0; a < outer; a++) {
            for (int c = 0; c < inner; c++) {
                double m = g[gOffset + a * inner + c];
                if (m == 0) {
                    continue;
                }
                int i = columnMajor ? c : a;
                int j = columnMajor ? a : c;
                int o = outOffset + (right ? i : j) * r;
                int b = (right ? j : i) * r;
                for (int k = 0; k < r; k++) {
                    out[o + k] += m * flat[b + k];
                }
            }
        }
    }

    @Override
    public void liftAdd(double[] s, int sOffset, double scale, double[] out, int outOffset) {
        int r = basis.length;
        boolean right = side == Side.RIGHT;
        int outer = columnMajor ? cols : rows;
        int inner = columnMajor ? rows : cols;
        for (int a = 0; a < outer; a++) {
            for (int c = 0; c < inner; c++) {
                int i = columnMajor ? c : a;
                int j = columnMajor ? a : c;
                int o = sOffset + (right ? i : j) * r;
                int b = (right ? j : i) * r;
                double acc = 0;
                for (int k = 0; k < r; k++) {
                    acc += s[o + k] * flat[b + k];
                }
                out[outOffset + a * inner + c] += scale * acc;
            }
        }
    }

    /**
     * Orthonormalizes {@code vectors} in place (modified Gram-Schmidt, twice for stability). A
     * vector that collapses is replaced by one drawn from {@code fallback}, so the basis always
     * keeps its size and both sides of the wire replace it identically.
     */
    public static void orthonormalize(double[][] vectors, java.util.SplittableRandom fallback) {
        for (int k = 0; k < vectors.length; k++) {
            double[] v = vectors[k];
            for (int attempt = 0; ; attempt++) {
                for (int pass = 0; pass < 2; pass++) {
                    for (int p = 0; p < k; p++) {
                        double dot = 0;
                        for (int i = 0; i < v.length; i++) {
                            dot += v[i] * vectors[p][i];
                        }
                        for (int i = 0; i < v.length; i++) {
                            v[i] -= dot * vectors[p][i];
                        }
                    }
                }
                double norm = 0;
                for (double x : v) {
                    norm += x * x;
                }
                norm = Math.sqrt(norm);
                if (norm > 1e-12 && Double.isFinite(norm)) {
                    for (int i = 0; i < v.length; i++) {
                        v[i] /= norm;
                    }
                    break;
                }
                if (attempt > 8 || k >= v.length) {
                    throw new IllegalArgumentException("cannot find " + vectors.length + " orthonormal vectors of length " + v.length);
                }
                for (int i = 0; i < v.length; i++) {
                    v[i] = fallback.nextDouble() - 0.5;
                }
            }
        }
    }
}

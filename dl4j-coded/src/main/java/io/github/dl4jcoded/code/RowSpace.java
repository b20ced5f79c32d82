package io.github.dl4jcoded.code;

/**
 * Which blocks the received rows of G determine by linear algebra (what the projective decoder
 * achieves with lossless frames): block j is determined iff e_j lies in the row space of the
 * received rows. In reduced row echelon form that means some row is exactly e_j, because any
 * combination of RREF rows that vanishes on every other pivot column is a multiple of one row.
 * Peeling determines a subset of these blocks; with rows of weight >= 2 it may determine none.
 */
public final class RowSpace {
    private static final double TOL = 1e-9;

    private final Code code;
    private final boolean[] determined;

    public RowSpace(Code code) {
        this.code = code;
        this.determined = new boolean[code.blockCount()];
    }

    /** Returns the number of blocks determined by the received rows. */
    public int run(boolean[] received) {
        int k = code.blockCount();
        int m = 0;
        for (boolean r : received) if (r) m++;
        double[][] a = new double[m][k];
        for (int i = 0, row = 0; i < received.length; i++) {
            if (!received[i]) continue;
            int[] b = code.blocks(i);
            double[] c = code.coefficients(i);
            for (int p = 0; p < b.length; p++) a[row][b[p]] = c[p];
            row++;
        }
        int rank = 0;
        for (int col = 0; col < k && rank < m; col++) {
            int piv = rank;
            for (int r = rank + 1; r < m; r++) if (Math.abs(a[r][col]) > Math.abs(a[piv][col])) piv = r;
            if (Math.abs(a[piv][col]) < TOL) continue;
            double[] t = a[piv]; a[piv] = a[rank]; a[rank] = t;
            double inv = 1.0 / a[rank][col];
            for (int c = col; c < k; c++) a[rank][c] *= inv;
            for (int r = 0; r < m; r++) {
                if (r == rank || a[r][col] == 0) continue;
                double f = a[r][col];
                for (int c = col; c < k; c++) a[r][c] -= f * a[rank][c];
            }
            rank++;
        }
        java.util.Arrays.fill(determined, false);
        int count = 0;
        for (int r = 0; r < rank; r++) {
            int nz = -1, nonZeros = 0;
            for (int c = 0; c < k; c++) {
                if (Math.abs(a[r][c]) > TOL) { nonZeros++; nz = c; }
            }
            if (nonZeros == 1) { determined[nz] = true; count++; }
        }
        return count;
    }

    public boolean isDetermined(int block) { return determined[block]; }
}

package io.github.dl4jcoded.code;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A code: the sparse N x k real generator matrix G. Row i says which blocks task i combines and
 * with which coefficients; codeword i is c_i = sum_j G_ij s_j. Immutable and validated: block
 * ids in [0, k), no block twice in a row, coefficients finite and non-zero, every row non-empty.
 */
public final class Code {
    private final String name;
    private final int k;
    private final int[][] rowBlocks;
    private final double[][] rowCoeffs;
    private final int[][] columnTasks; // for each block, the tasks that touch it, ascending

    public Code(String name, int k, int[][] rowBlocks, double[][] rowCoeffs) {
        if (k <= 0) throw new IllegalArgumentException("k must be > 0");
        if (rowBlocks.length == 0 || rowBlocks.length != rowCoeffs.length) {
            throw new IllegalArgumentException("need as many coefficient rows as block rows, and at least one");
        }
        int n = rowBlocks.length;
        this.name = name;
        this.k = k;
        this.rowBlocks = new int[n][];
        this.rowCoeffs = new double[n][];
        List<List<Integer>> cols = new ArrayList<>();
        for (int j = 0; j < k; j++) cols.add(new ArrayList<>());
        for (int i = 0; i < n; i++) {
            int[] b = rowBlocks[i];
            double[] c = rowCoeffs[i];
            if (b.length == 0 || b.length != c.length) throw new IllegalArgumentException("row " + i + ": empty or length mismatch");
            // Keep rows sorted by block id so that equal codes compare equal and scans are ordered.
            Integer[] order = new Integer[b.length];
            for (int p = 0; p < b.length; p++) order[p] = p;
            Arrays.sort(order, (x, y) -> Integer.compare(b[x], b[y]));
            int[] sb = new int[b.length];
            double[] sc = new double[b.length];
            for (int p = 0; p < b.length; p++) {
                sb[p] = b[order[p]];
                sc[p] = c[order[p]];
                if (sb[p] < 0 || sb[p] >= k) throw new IllegalArgumentException("row " + i + ": block " + sb[p] + " outside [0," + k + ")");
                if (p > 0 && sb[p] == sb[p - 1]) throw new IllegalArgumentException("row " + i + ": block " + sb[p] + " twice");
                if (!Double.isFinite(sc[p]) || sc[p] == 0.0) throw new IllegalArgumentException("row " + i + ": coefficient must be finite and non-zero");
                cols.get(sb[p]).add(i);
            }
            this.rowBlocks[i] = sb;
            this.rowCoeffs[i] = sc;
        }
        this.columnTasks = new int[k][];
        for (int j = 0; j < k; j++) columnTasks[j] = cols.get(j).stream().mapToInt(Integer::intValue).toArray();
    }

    public String name() { return name; }

    /** Number of tasks N (rows). */
    public int taskCount() { return rowBlocks.length; }

    /** Number of blocks k (columns). */
    public int blockCount() { return k; }

    /** Blocks of row i, ascending; do not modify. */
    public int[] blocks(int task) { return rowBlocks[task]; }

    /** Coefficients of row i, aligned with {@link #blocks}; do not modify. */
    public double[] coefficients(int task) { return rowCoeffs[task]; }

    /** Tasks whose rows contain block j, ascending; do not modify. */
    public int[] tasks(int block) { return columnTasks[block]; }

    public int rowWeight(int task) { return rowBlocks[task].length; }

    public int columnDegree(int block) { return columnTasks[block].length; }

    public int nonZeros() {
        int nnz = 0;
        for (int[] r : rowBlocks) nnz += r.length;
        return nnz;
    }

    /** G_ij, zero when block j is not in row i. */
    public double coefficient(int task, int block) {
        int p = Arrays.binarySearch(rowBlocks[task], block);
        return p >= 0 ? rowCoeffs[task][p] : 0.0;
    }

    /** A copy with a new name and the given rows (used by the optimizer). */
    Code withRows(String newName, int[][] blocks, double[][] coeffs) { return new Code(newName, k, blocks, coeffs); }

    int[][] rowsCopy() {
        int[][] out = new int[rowBlocks.length][];
        for (int i = 0; i < out.length; i++) out[i] = rowBlocks[i].clone();
        return out;
    }

    double[][] coeffsCopy() {
        double[][] out = new double[rowCoeffs.length][];
        for (int i = 0; i < out.length; i++) out[i] = rowCoeffs[i].clone();
        return out;
    }

    @Override
    public String toString() {
        return "Code[" + name + ", N=" + taskCount() + ", k=" + k + ", nnz=" + nonZeros() + "]";
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Code)) return false;
        Code c = (Code) o;
        return k == c.k && Arrays.deepEquals(rowBlocks, c.rowBlocks) && Arrays.deepEquals(rowCoeffs, c.rowCoeffs);
    }

    @Override
    public int hashCode() { return 31 * k + Arrays.deepHashCode(rowBlocks); }
}

package io.github.dl4jcoded.decode;

import io.github.dl4jcoded.code.Code;
import io.github.dl4jcoded.frame.FrameSource;
import io.github.dl4jcoded.partition.Partition;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;

/**
 * Projective decoding: the estimate is the orthogonal projection of the unknown gradient g onto
 * the span of every direction received so far; with inconsistent codewords (workers on different
 * minibatches) it is the minimum-norm least-squares fit, which averages redundant copies.
 *
 * <p>Why it reduces to small problems. With orthonormal frames shared by all tasks in a step,
 * direction t of codeword i, u = sum_j G_ij F_j[:,t], has coordinates G_ij on the orthonormal
 * vectors F_j[:,t], and directions with different t are orthogonal. So, for each t, the unknowns
 * are the symbols x_j = s_j[t] and the codewords are the equations {@code sum_j G_ij x_j = c_i[t]};
 * the projection of g is {@code sum_j F_j xhat_j} with xhat the min-norm least-squares solution
 * A^+ c. Blocks that share no received codeword do not interact, so A splits into connected
 * components, and one matrix serves every t (up to the blocks whose rank r_j is smaller than t).
 *
 * <p>Why exact solves rather than Kaczmarz sweeps or CGLS. Low-weight codes give small components,
 * and for a component A is factored once, from A itself (never a Gram matrix, which squares the
 * condition number: with coefficients spread over a few decades it lost directions and misreported
 * determined blocks), and the factors serve all r columns: the min-norm least-squares solution with
 * the numerical rank taken at size * eps * (largest singular value or pivot), <g_hat, g> = |g_hat|^2
 * to machine precision, and independent of arrival order by construction (the solve depends only
 * on the set received, taken in task order). Components with min(rows, blocks) up to
 * {@link #SVD_LIMIT} get a one-sided Jacobi SVD ({@link JacobiSvd}, high relative accuracy); larger
 * ones a complete orthogonal decomposition ({@link OrthogonalDecomposition}, pivoted QR as in
 * LAPACK's xGELSY), an order of magnitude cheaper. Iterative solvers were tried and dropped:
 * Kaczmarz converges to the projection only in the limit and only for consistent data, and a
 * bounded CGLS stopped short of A^+ c on ill-conditioned codes (it needs about kappa iterations).
 *
 * <p>Status: RESOLVED when the block's symbols are determined (e_j lies in A's row space: the
 * projector's diagonal entry is 1), ESTIMATED when touched but not determined, MISSING otherwise.
 * With a lossy frame, RESOLVED means the symbols are exact, not the block's full gradient.
 */
public final class ProjectiveDecoder extends Decoder {
    private static final double RESOLVED_TOL = 1e-8;

    /** Components with min(rows, blocks) up to this go to the SVD, larger ones to the pivoted QR. */
    static final int SVD_LIMIT = 256;

    private final int svdLimit;

    public ProjectiveDecoder(Partition partition, Code code, FrameSource family, long step) {
        this(partition, code, family, step, SVD_LIMIT);
    }

    /** @param svdLimit largest min(rows, blocks) of a component solved by the SVD; larger ones by the pivoted QR */
    ProjectiveDecoder(Partition partition, Code code, FrameSource family, long step, int svdLimit) {
        super(partition, code, family, step);
        if (svdLimit < 0) throw new IllegalArgumentException("svdLimit must be >= 0, got " + svdLimit);
        this.svdLimit = svdLimit;
    }

    @Override
    protected void solve() {
        int n = code.taskCount(), k = partition.blockCount();
        // Union-find over blocks joined by received codewords.
        int[] parent = new int[k];
        for (int j = 0; j < k; j++) parent[j] = j;
        boolean[] touched = new boolean[k];
        for (int i = 0; i < n; i++) {
            if (received[i] == null) continue;
            int[] b = code.blocks(i);
            for (int j : b) touched[j] = true;
            for (int p = 1; p < b.length; p++) union(parent, b[0], b[p]);
        }
        List<List<Integer>> compRows = new ArrayList<>();
        int[] compOf = new int[k];
        Arrays.fill(compOf, -1);
        for (int i = 0; i < n; i++) {
            if (received[i] == null) continue;
            int root = find(parent, code.blocks(i)[0]);
            if (compOf[root] < 0) {
                compOf[root] = compRows.size();
                compRows.add(new ArrayList<>());
            }
            compRows.get(compOf[root]).add(i);
        }
        boolean[] resolved = new boolean[k];
        Arrays.fill(resolved, true);
        int[] local = new int[k]; // block -> column in the current segment; reset after each use
        Arrays.fill(local, -1);
        for (List<Integer> rows : compRows) {
            TreeSet<Integer> blocks = new TreeSet<>();
            for (int i : rows) for (int j : code.blocks(i)) blocks.add(j);
            for (int j : blocks) estimate[j] = new double[ranks[j]];
            TreeSet<Integer> rankSet = new TreeSet<>();
            for (int j : blocks) rankSet.add(ranks[j]);
            int lo = 0;
            for (int hi : rankSet) { // symbols t in [lo, hi) involve the blocks with r_j >= hi
                List<Integer> active = new ArrayList<>();
                for (int j : blocks) if (ranks[j] >= hi) active.add(j);
                new Segment(rows, active, lo, hi, local).solve(resolved);
                lo = hi;
            }
        }
        for (int j = 0; j < k; j++) {
            if (!touched[j]) continue;
            status[j] = resolved[j] ? BlockStatus.RESOLVED : BlockStatus.ESTIMATED;
        }
    }

    /** The equations of one component for the symbol columns t in [lo, hi), as sparse rows. */
    private final class Segment {
        final int m, ka, lo, hi;
        final int[] blockOf;       // local column -> block id
        final int[][] cols;        // per equation, local columns
        final double[][] vals;     // per equation, coefficients
        final double[][] rhs;      // per equation, c_i[lo..hi)

        Segment(List<Integer> rows, List<Integer> active, int lo, int hi, int[] local) {
            this.lo = lo;
            this.hi = hi;
            this.ka = active.size();
            this.blockOf = active.stream().mapToInt(Integer::intValue).toArray();
            for (int a = 0; a < ka; a++) local[blockOf[a]] = a;
            List<int[]> c = new ArrayList<>();
            List<double[]> v = new ArrayList<>();
            List<double[]> r = new ArrayList<>();
            for (int i : rows) {
                int[] b = code.blocks(i);
                double[] g = code.coefficients(i);
                int cnt = 0;
                for (int j : b) if (local[j] >= 0) cnt++;
                if (cnt == 0) continue;
                int[] ci = new int[cnt];
                double[] vi = new double[cnt];
                for (int p = 0, q = 0; p < b.length; p++) {
                    if (local[b[p]] < 0) continue;
                    ci[q] = local[b[p]];
                    vi[q++] = g[p];
                }
                c.add(ci);
                v.add(vi);
                r.add(Arrays.copyOfRange(received[i].symbolsRef(), lo, hi));
            }
            for (int a = 0; a < ka; a++) local[blockOf[a]] = -1;
            this.m = c.size();
            this.cols = c.toArray(new int[0][]);
            this.vals = v.toArray(new double[0][]);
            this.rhs = r.toArray(new double[0][]);
        }

        /** x = A^+ c for every symbol column, and the blocks A determines (resolved). */
        void solve(boolean[] resolved) {
            double[][] a = new double[m][ka];
            for (int e = 0; e < m; e++) {
                for (int p = 0; p < cols[e].length; p++) a[e][cols[e][p]] += vals[e][p];
            }
            double[] diag = Math.min(m, ka) <= svdLimit ? solveBySvd(a) : solveByOrthogonalDecomposition(a);
            for (int j = 0; j < ka; j++) {
                if (diag[j] < 1 - RESOLVED_TOL) resolved[blockOf[j]] = false;
            }
        }

        /**
         * By an SVD of A itself, singular values below size * eps * sigma_max taken as zero. The
         * projector onto A's row space is V_r V_r^T: its diagonal says which blocks are determined.
         */
        private double[] solveBySvd(double[][] a) {
            int width = hi - lo;
            boolean tall = ka <= m;
            JacobiSvd svd = JacobiSvd.of(tall ? a : transpose(a));
            double cutoff = svd.cutoff(m, ka);
            // tall: A = U S V^T (U m x ka, V ka x ka); wide: A^T = U S V^T, so A = V S U^T (U ka x m, V m x m).
            double[][] left = tall ? svd.u : svd.v;   // m x r: A's column space
            double[][] right = tall ? svd.v : svd.u;  // ka x r: A's row space
            double[][] x = new double[ka][width];
            double[] diag = new double[ka];
            for (int k = 0; k < svd.sigma.length; k++) {
                double sigma = svd.sigma[k];
                if (!(sigma > cutoff)) continue;
                for (int t = 0; t < width; t++) {
                    double proj = 0;
                    for (int e = 0; e < m; e++) proj += left[e][k] * rhs[e][t];
                    double w = proj / sigma;
                    if (w == 0) continue;
                    for (int j = 0; j < ka; j++) x[j][t] += right[j][k] * w;
                }
                for (int j = 0; j < ka; j++) diag[j] += right[j][k] * right[j][k];
            }
            store(x);
            return diag;
        }

        /** By a complete orthogonal decomposition (pivoted QR, rank at size * eps * |R_00|): an order cheaper. */
        private double[] solveByOrthogonalDecomposition(double[][] a) {
            OrthogonalDecomposition cod = OrthogonalDecomposition.of(a);
            int width = hi - lo;
            double[][] x = new double[ka][width];
            double[] c = new double[m];
            for (int t = 0; t < width; t++) {
                for (int e = 0; e < m; e++) c[e] = rhs[e][t];
                double[] xt = cod.solve(c);
                for (int j = 0; j < ka; j++) x[j][t] = xt[j];
            }
            store(x);
            return cod.rowSpaceDiagonal();
        }

        private void store(double[][] x) {
            for (int a = 0; a < ka; a++) {
                double[] est = estimate[blockOf[a]];
                for (int t = lo; t < hi; t++) est[t] = x[a][t - lo];
            }
        }
    }

    private static int find(int[] parent, int x) {
        while (parent[x] != x) {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }
        return x;
    }

    private static void union(int[] parent, int a, int b) {
        int ra = find(parent, a), rb = find(parent, b);
        if (ra != rb) parent[Math.max(ra, rb)] = Math.min(ra, rb);
    }

    private static double[][] transpose(double[][] a) {
        double[][] t = new double[a[0].length][a.length];
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a[0].length; j++) t[j][i] = a[i][j];
        }
        return t;
    }
}

package io.github.dl4jcoded.decode;

/**
 * The singular value decomposition B = U diag(sigma) V^T of a small dense R x C matrix (C <= R
 * expected: pass the transpose otherwise), by one-sided Jacobi rotations (Hestenes 1958; Demmel
 * and Veselic 1992): pairs of columns are rotated until all are mutually orthogonal, and V
 * accumulates the rotations. It works on B itself, not on B^T B, so singular values are found to
 * high relative accuracy even when they span many orders of magnitude, where a solve through the
 * Gram matrix (which squares the condition number) loses them.
 */
final class JacobiSvd {
    /** Columns count as orthogonal when |<b_p, b_q>| <= ORTHO * |b_p| |b_q|. */
    private static final double ORTHO = 1e-15;
    private static final int MAX_SWEEPS = 80;

    /** R x C, columns with sigma > 0 normalized (zero columns left zero). */
    final double[][] u;
    /** C singular values, not sorted. */
    final double[] sigma;
    /** C x C, orthogonal. */
    final double[][] v;

    private JacobiSvd(double[][] u, double[] sigma, double[][] v) {
        this.u = u;
        this.sigma = sigma;
        this.v = v;
    }

    static JacobiSvd of(double[][] b) {
        int rows = b.length, cols = b[0].length;
        double[][] col = new double[cols][rows]; // column-major working copy
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) col[j][i] = b[i][j];
        }
        double[][] v = new double[cols][cols];
        for (int j = 0; j < cols; j++) v[j][j] = 1;
        for (int sweep = 0; sweep < MAX_SWEEPS; sweep++) {
            boolean rotated = false;
            for (int p = 0; p < cols - 1; p++) {
                for (int q = p + 1; q < cols; q++) {
                    double alpha = 0, beta = 0, gamma = 0;
                    double[] cp = col[p], cq = col[q];
                    for (int i = 0; i < rows; i++) {
                        alpha += cp[i] * cp[i];
                        beta += cq[i] * cq[i];
                        gamma += cp[i] * cq[i];
                    }
                    if (gamma == 0 || Math.abs(gamma) <= ORTHO * Math.sqrt(alpha) * Math.sqrt(beta)) continue;
                    rotated = true;
                    double zeta = (beta - alpha) / (2 * gamma);
                    double t = Math.signum(zeta) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
                    if (zeta == 0) t = 1;
                    double c = 1 / Math.sqrt(1 + t * t), s = c * t;
                    for (int i = 0; i < rows; i++) {
                        double x = cp[i], y = cq[i];
                        cp[i] = c * x - s * y;
                        cq[i] = s * x + c * y;
                    }
                    for (int i = 0; i < cols; i++) {
                        double x = v[i][p], y = v[i][q];
                        v[i][p] = c * x - s * y;
                        v[i][q] = s * x + c * y;
                    }
                }
            }
            if (!rotated) break;
        }
        double[] sigma = new double[cols];
        double[][] u = new double[rows][cols];
        for (int j = 0; j < cols; j++) {
            double n = 0;
            for (int i = 0; i < rows; i++) n += col[j][i] * col[j][i];
            sigma[j] = Math.sqrt(n);
            if (sigma[j] > 0) {
                for (int i = 0; i < rows; i++) u[i][j] = col[j][i] / sigma[j];
            }
        }
        return new JacobiSvd(u, sigma, v);
    }

    /**
     * Singular values below this are treated as zero: the matrix's size times the double precision
     * unit roundoff times the largest singular value (the rule of LAPACK's and NumPy's least-squares
     * and pseudo-inverse routines).
     */
    double cutoff(int rows, int cols) {
        double max = 0;
        for (double s : sigma) max = Math.max(max, s);
        return Math.max(rows, cols) * Math.ulp(1.0) * max;
    }
}

package io.github.dl4jcoded.decode;

/**
 * A complete orthogonal decomposition A P = Q [T 0] Z^T of a dense R x C matrix, the method of
 * LAPACK's xGELSY: Householder QR with column pivoting (Businger and Golub 1965) stops at the
 * numerical rank r, where the largest remaining column norm falls to max(R, C) x unit roundoff x
 * |R_00|, then a QR of the r leading rows' transpose makes the factor triangular. It gives the
 * minimum-norm least-squares solution and the projector onto A's row space from A itself (never a
 * Gram matrix), in about 2 R C^2 operations: an order of magnitude fewer than {@link JacobiSvd}'s
 * sweeps, which is why the projective decoder uses it for large components.
 */
final class OrthogonalDecomposition {
    private final int cols, rank;
    /** Column-major A after the pivoted QR: R on and above the diagonal, reflectors below. */
    private final double[][] qr;
    private final double[] qrTau;
    /** Column-major [R11 R12]^T (C x r) after its QR: L on and above the diagonal, reflectors below. */
    private final double[][] lz;
    private final double[] lzTau;
    /** Column j of A P is column perm[j] of A. */
    private final int[] perm;

    private OrthogonalDecomposition(int cols, int rank, double[][] qr, double[] qrTau, double[][] lz, double[] lzTau, int[] perm) {
        this.cols = cols;
        this.rank = rank;
        this.qr = qr;
        this.qrTau = qrTau;
        this.lz = lz;
        this.lzTau = lzTau;
        this.perm = perm;
    }

    static OrthogonalDecomposition of(double[][] a) {
        int m = a.length, n = a[0].length, steps = Math.min(m, n);
        double[][] col = new double[n][m];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) col[j][i] = a[i][j];
        }
        int[] perm = new int[n];
        double[] norm = new double[n], exact = new double[n];
        for (int j = 0; j < n; j++) {
            perm[j] = j;
            norm[j] = exact[j] = norm(col[j], 0);
        }
        double[] tau = new double[steps];
        double tol = 0;
        int rank = steps;
        double sqrtEps = Math.sqrt(Math.ulp(1.0));
        for (int k = 0; k < steps; k++) {
            int p = k;
            for (int j = k + 1; j < n; j++) if (norm[j] > norm[p]) p = j;
            swap(col, k, p);
            swap(perm, k, p);
            swap(norm, k, p);
            swap(exact, k, p);
            double remaining = norm(col[k], k);
            if (k == 0) tol = Math.max(m, n) * Math.ulp(1.0) * remaining;
            if (!(remaining > tol)) {
                rank = k;
                break;
            }
            tau[k] = householder(col[k], k);
            for (int j = k + 1; j < n; j++) {
                reflect(col[k], tau[k], k, col[j]);
                if (norm[j] == 0) continue;
                // Downdate the remaining norm; recompute it when cancellation makes the update unreliable (LAPACK xLAQP2).
                double t = Math.abs(col[j][k]) / norm[j];
                t = Math.max(0, (1 - t) * (1 + t));
                double ratio = norm[j] / exact[j];
                if (t * ratio * ratio <= sqrtEps) {
                    norm[j] = exact[j] = norm(col[j], k + 1);
                } else {
                    norm[j] *= Math.sqrt(t);
                }
            }
        }
        // [R11 R12]^T = Z [L; 0]: column i of the C x r matrix is row i of R.
        double[][] lz = new double[rank][n];
        for (int i = 0; i < rank; i++) {
            for (int j = i; j < n; j++) lz[i][j] = col[j][i];
        }
        double[] lzTau = new double[rank];
        for (int i = 0; i < rank; i++) {
            lzTau[i] = householder(lz[i], i);
            for (int l = i + 1; l < rank; l++) reflect(lz[i], lzTau[i], i, lz[l]);
        }
        return new OrthogonalDecomposition(n, rank, col, tau, lz, lzTau, perm);
    }

    /** The minimum-norm least-squares solution of A x = c (c of length R, x of length C). */
    double[] solve(double[] c) {
        double[] y = c.clone();
        for (int k = 0; k < rank; k++) reflect(qr[k], qrTau[k], k, y); // y = Q^T c
        // A P = Q1 L^T Z1^T, so x = P Z1 L^{-T} (Q1^T c): L^T is lower triangular, L[l][i] = lz[i][l].
        double[] z = new double[cols];
        for (int i = 0; i < rank; i++) {
            double s = y[i];
            for (int l = 0; l < i; l++) s -= lz[i][l] * z[l];
            z[i] = s / lz[i][i];
        }
        for (int i = rank - 1; i >= 0; i--) reflect(lz[i], lzTau[i], i, z);
        double[] x = new double[cols];
        for (int j = 0; j < cols; j++) x[perm[j]] = z[j];
        return x;
    }

    /** The diagonal of the projector onto A's row space: 1 exactly where x_j is determined by A x. */
    double[] rowSpaceDiagonal() {
        double[] diag = new double[cols];
        double[] e = new double[cols];
        for (int i = 0; i < rank; i++) { // column i of Z1 = Z e_i
            java.util.Arrays.fill(e, 0);
            e[i] = 1;
            for (int l = i; l >= 0; l--) reflect(lz[l], lzTau[l], l, e); // reflectors after i leave e_i alone
            for (int j = 0; j < cols; j++) diag[perm[j]] += e[j] * e[j];
        }
        return diag;
    }

    /**
     * Turns x[from..] into beta e_from by the reflector I - tau v v^T with v[from] = 1 and v's tail
     * stored in x[from+1..]; x[from] becomes beta. Returns tau (0 when x[from+1..] is already zero).
     */
    private static double householder(double[] x, int from) {
        double tail = norm(x, from + 1);
        if (tail == 0) return 0;
        double alpha = x[from];
        double beta = -Math.copySign(Math.hypot(alpha, tail), alpha);
        double scale = 1 / (alpha - beta);
        for (int i = from + 1; i < x.length; i++) x[i] *= scale;
        x[from] = beta;
        return (beta - alpha) / beta;
    }

    /** y = (I - tau v v^T) y for the reflector stored in v[from..] (v[from] taken as 1). */
    private static void reflect(double[] v, double tau, int from, double[] y) {
        if (tau == 0) return;
        double w = y[from];
        for (int i = from + 1; i < v.length; i++) w += v[i] * y[i];
        w *= tau;
        y[from] -= w;
        for (int i = from + 1; i < v.length; i++) y[i] -= w * v[i];
    }

    private static double norm(double[] x, int from) {
        double scale = 0, sum = 1;
        for (int i = from; i < x.length; i++) { // scaled, so columns of 1e-200 or 1e200 neither underflow nor overflow
            double a = Math.abs(x[i]);
            if (a == 0) continue;
            if (scale < a) {
                sum = 1 + sum * (scale / a) * (scale / a);
                scale = a;
            } else {
                sum += (a / scale) * (a / scale);
            }
        }
        return scale * Math.sqrt(sum);
    }

    private static void swap(double[][] a, int i, int j) {
        double[] t = a[i];
        a[i] = a[j];
        a[j] = t;
    }

    private static void swap(double[] a, int i, int j) {
        double t = a[i];
        a[i] = a[j];
        a[j] = t;
    }

    private static void swap(int[] a, int i, int j) {
        int t = a[i];
        a[i] = a[j];
        a[j] = t;
    }
}

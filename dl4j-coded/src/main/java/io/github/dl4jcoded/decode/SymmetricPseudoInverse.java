package io.github.dl4jcoded.decode;

/**
 * Moore-Penrose pseudo-inverse of a small symmetric positive semi-definite matrix, by cyclic
 * Jacobi eigen-decomposition. Jacobi is short, unconditionally stable and accurate to machine
 * precision for the small Gram matrices (tens to a few hundred rows) of one decoding component;
 * eigenvalues below {@code relTol * largest} count as zero, which is what makes redundant
 * codewords (dependent rows) harmless.
 */
final class SymmetricPseudoInverse {
    private SymmetricPseudoInverse() {}

    /** Returns pinv(m); {@code m} (row-major, size x size) is not modified. */
    static double[][] of(double[][] m, double relTol) {
        int n = m.length;
        double[][] a = new double[n][];
        for (int i = 0; i < n; i++) a[i] = m[i].clone();
        double[][] v = new double[n][n];
        for (int i = 0; i < n; i++) v[i][i] = 1.0;
        for (int sweep = 0; sweep < 100; sweep++) {
            double off = 0, diag = 0;
            for (int i = 0; i < n; i++) {
                diag += a[i][i] * a[i][i];
                for (int j = i + 1; j < n; j++) off += a[i][j] * a[i][j];
            }
            if (off <= 1e-30 * Math.max(diag, Double.MIN_NORMAL)) break;
            for (int p = 0; p < n; p++) {
                for (int q = p + 1; q < n; q++) {
                    double apq = a[p][q];
                    if (Math.abs(apq) < 1e-300) continue;
                    double theta = (a[q][q] - a[p][p]) / (2 * apq);
                    double t = Math.signum(theta) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
                    if (theta == 0) t = 1;
                    double c = 1 / Math.sqrt(t * t + 1), s = t * c;
                    for (int k = 0; k < n; k++) { // rotate columns p, q
                        double akp = a[k][p], akq = a[k][q];
                        a[k][p] = c * akp - s * akq;
                        a[k][q] = s * akp + c * akq;
                    }
                    for (int k = 0; k < n; k++) { // rotate rows p, q
                        double apk = a[p][k], aqk = a[q][k];
                        a[p][k] = c * apk - s * aqk;
                        a[q][k] = s * apk + c * aqk;
                    }
                    for (int k = 0; k < n; k++) {
                        double vkp = v[k][p], vkq = v[k][q];
                        v[k][p] = c * vkp - s * vkq;
                        v[k][q] = s * vkp + c * vkq;
                    }
                }
            }
        }
        double max = 0;
        for (int i = 0; i < n; i++) max = Math.max(max, Math.abs(a[i][i]));
        double[] inv = new double[n];
        for (int i = 0; i < n; i++) inv[i] = a[i][i] > relTol * max ? 1.0 / a[i][i] : 0.0;
        double[][] out = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = i; j < n; j++) {
                double s = 0;
                for (int e = 0; e < n; e++) s += v[i][e] * inv[e] * v[j][e];
                out[i][j] = s;
                out[j][i] = s;
            }
        }
        return out;
    }
}

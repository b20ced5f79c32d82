package io.github.dl4jcoded.code;

import java.util.SplittableRandom;

/**
 * Improves a code for a given task-loss probability by seeded local search on its edges.
 *
 * <p>Objective, compared lexicographically: first the probability that every block peels, then
 * the expected fraction of blocks that peel, then lower coherence, then lower frame potential.
 * Two moves: an edge swap between two rows ((i,j),(i',j') to (i,j'),(i',j)), which keeps every
 * row weight and column degree, and an edge move ((i,j) to (i,j')), which keeps row weights but
 * can repair an unbalanced degree distribution. Coefficients travel with their edge. A move is
 * kept only when it strictly improves the objective, so the result is never worse than the input
 * on the same evaluation.
 *
 * <p>Evaluation is exact (all 2^N patterns) for N <= {@link #EXACT_LIMIT}; above that it uses a
 * fixed set of seeded erasure patterns (common random numbers), so that two candidate codes are
 * compared on the same losses and noise cannot make a worse code look better by chance alone on
 * one draw.
 */
public final class CodeOptimizer {
    public static final int EXACT_LIMIT = 16;
    private static final double EPS = 1e-12;

    private final double p;
    private final int iterations;
    private final long seed;
    private final int samples;

    /**
     * @param p          probability that a task is lost
     * @param iterations number of proposed moves
     * @param seed       seeds the moves and, for large N, the erasure patterns
     */
    public CodeOptimizer(double p, int iterations, long seed) {
        this(p, iterations, seed, 4000);
    }

    public CodeOptimizer(double p, int iterations, long seed, int monteCarloSamples) {
        CodeReport.checkP(p);
        if (iterations < 0 || monteCarloSamples <= 0) throw new IllegalArgumentException("iterations >= 0, samples > 0");
        this.p = p;
        this.iterations = iterations;
        this.seed = seed;
        this.samples = monteCarloSamples;
    }

    public Code optimize(Code start) {
        int n = start.taskCount(), k = start.blockCount();
        SplittableRandom rnd = new SplittableRandom(seed);
        boolean[][] patterns = n > EXACT_LIMIT ? patterns(n, rnd.split()) : null;
        int[][] rows = start.rowsCopy();
        double[][] coeffs = start.coeffsCopy();
        Code best = start;
        double[] bestScore = score(best, patterns);
        for (int it = 0; it < iterations; it++) {
            int i = rnd.nextInt(n);
            int pi = rnd.nextInt(rows[i].length);
            int j = rows[i][pi];
            int[][] candRows = copy(rows);
            double[][] candCoeffs = copy(coeffs);
            if (rnd.nextBoolean()) { // swap with an edge of another row
                int i2 = rnd.nextInt(n);
                if (i2 == i) continue;
                int p2 = rnd.nextInt(rows[i2].length);
                int j2 = rows[i2][p2];
                if (j2 == j || contains(rows[i], j2) || contains(rows[i2], j)) continue;
                candRows[i][pi] = j2;
                candRows[i2][p2] = j;
                candCoeffs[i][pi] = coeffs[i2][p2];
                candCoeffs[i2][p2] = coeffs[i][pi];
            } else { // move the edge to another block
                int j2 = rnd.nextInt(k);
                if (contains(rows[i], j2)) continue;
                candRows[i][pi] = j2;
            }
            Code cand = start.withRows(start.name(), candRows, candCoeffs);
            double[] score = score(cand, patterns);
            if (better(score, bestScore)) {
                best = cand;
                bestScore = score;
                rows = best.rowsCopy(); // the Code constructor re-sorts rows by block id
                coeffs = best.coeffsCopy();
            }
        }
        if (best == start) return start;
        return start.withRows("optimized(" + start.name() + ",p=" + p + ",seed=" + seed + ")", rows, coeffs);
    }

    /** {P(all), E[fraction], -coherence, -potential}; larger is better in every component. */
    private double[] score(Code code, boolean[][] patterns) {
        double[] dec;
        if (patterns == null) {
            dec = CodeReport.exactDecodability(code, p);
        } else {
            Peeling peel = new Peeling(code);
            int ok = 0;
            double frac = 0;
            for (boolean[] rec : patterns) {
                int r = peel.run(rec);
                if (r == code.blockCount()) ok++;
                frac += r / (double) code.blockCount();
            }
            dec = new double[] {ok / (double) patterns.length, frac / patterns.length};
        }
        double[] geo = CodeReport.geometry(code);
        return new double[] {dec[0], dec[1], -geo[0], -geo[1]};
    }

    private static boolean better(double[] a, double[] b) {
        for (int c = 0; c < a.length; c++) {
            if (a[c] > b[c] + EPS) return true;
            if (a[c] < b[c] - EPS) return false;
        }
        return false;
    }

    private boolean[][] patterns(int n, SplittableRandom rnd) {
        boolean[][] pat = new boolean[samples][n];
        for (boolean[] rec : pat) for (int i = 0; i < n; i++) rec[i] = rnd.nextDouble() >= p;
        return pat;
    }

    private static boolean contains(int[] a, int v) {
        for (int x : a) if (x == v) return true;
        return false;
    }

    private static int[][] copy(int[][] a) {
        int[][] c = new int[a.length][];
        for (int i = 0; i < a.length; i++) c[i] = a[i].clone();
        return c;
    }

    private static double[][] copy(double[][] a) {
        double[][] c = new double[a.length][];
        for (int i = 0; i < a.length; i++) c[i] = a[i].clone();
        return c;
    }
}

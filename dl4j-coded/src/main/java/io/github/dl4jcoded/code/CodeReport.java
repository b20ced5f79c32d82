package io.github.dl4jcoded.code;

import java.util.SplittableRandom;

/**
 * Figures of merit for a code, for a given task-loss probability p.
 *
 * <p>Direction geometry. A codeword's t-th direction is u = sum_j G_ij F_j[:,t]. The frames of
 * this library have orthonormal columns and, within one step, every task uses the same frame for
 * a block, so {@code <u_{i,t}, u_{i',t'}> = delta_{tt'} sum_j G_ij G_i'j}: the geometry is that of
 * the rows of G, one copy per column index t. Coherence and frame potential are therefore computed
 * on the rows of G (one unit vector per task). When blocks have different ranks the figures are
 * those of the first direction of each codeword. Frame potential is {@code sum_{a,b} <u_a,u_b>^2}
 * over all ordered pairs of unit directions (diagonal included, so the minimum is
 * max(N, N^2/k)); multiply by r for all directions of a step.
 *
 * <p>Decodability. The probability that every block peels when each task is lost independently
 * with probability p: exact, by enumerating all 2^N erasure patterns, when N <= {@link #EXACT_LIMIT};
 * otherwise Monte Carlo with {@link #MC_SAMPLES} seeded patterns, with its standard error.
 */
public final class CodeReport {
    public static final int EXACT_LIMIT = 20;
    public static final int MC_SAMPLES = 20_000;

    public final String codeName;
    public final int tasks;
    public final int blocks;
    public final double lossProbability;
    /** Fraction of blocks that appear in at least one row. */
    public final double coverage;
    /** Mean number of rows per block, nnz / k: how many times each block is computed. */
    public final double redundancy;
    public final int minColumnDegree;
    public final int maxColumnDegree;
    /** max |<u_a,u_b>| / (|u_a||u_b|) over pairs of distinct codeword directions. */
    public final double coherence;
    /** sum over ordered pairs of unit codeword directions of <u_a,u_b>^2 (diagonal included). */
    public final double framePotential;
    /** The tight-frame lower bound max(N, N^2/k) for {@link #framePotential}. */
    public final double framePotentialBound;
    /** P(every block decodable by peeling). */
    public final double decodableProbability;
    /** Expected fraction of blocks decodable by peeling. */
    public final double expectedDecodedFraction;
    /**
     * P(every block determined by linear algebra on the received rows): what the projective
     * decoder reaches with lossless frames. At least {@link #decodableProbability}.
     */
    public final double solvableProbability;
    /** 0 when exact; else the Monte-Carlo standard error of {@link #decodableProbability}. */
    public final double standardError;
    public final String method;

    private CodeReport(Code code, double p, double[] geometry, double[] dec, double solvable, String method) {
        this.codeName = code.name();
        this.tasks = code.taskCount();
        this.blocks = code.blockCount();
        this.lossProbability = p;
        int covered = 0, minDeg = Integer.MAX_VALUE, maxDeg = 0;
        for (int j = 0; j < blocks; j++) {
            int d = code.columnDegree(j);
            if (d > 0) covered++;
            minDeg = Math.min(minDeg, d);
            maxDeg = Math.max(maxDeg, d);
        }
        this.coverage = covered / (double) blocks;
        this.redundancy = code.nonZeros() / (double) blocks;
        this.minColumnDegree = minDeg;
        this.maxColumnDegree = maxDeg;
        this.coherence = geometry[0];
        this.framePotential = geometry[1];
        this.framePotentialBound = Math.max(tasks, tasks * (double) tasks / blocks);
        this.decodableProbability = dec[0];
        this.expectedDecodedFraction = dec[1];
        this.standardError = dec[2];
        this.solvableProbability = solvable;
        this.method = method;
    }

    /** The report for loss probability p; Monte-Carlo patterns (large N) are seeded by {@code seed}. */
    public static CodeReport of(Code code, double p, long seed) {
        checkP(p);
        double[] geometry = geometry(code);
        if (code.taskCount() <= EXACT_LIMIT) {
            return new CodeReport(code, p, geometry, exactDecodability(code, p), solvable(code, p, seed),
                    "exact enumeration of 2^" + code.taskCount() + " patterns" + solvableMethod(code, seed));
        }
        return new CodeReport(code, p, geometry, monteCarloDecodability(code, p, MC_SAMPLES, seed), solvable(code, p, seed),
                "Monte Carlo, " + MC_SAMPLES + " patterns, seed " + seed + solvableMethod(code, seed));
    }

    /** Rank tests cost O(N k min(N,k)) per pattern, so they are enumerated only for small N. */
    private static final int SOLVABLE_EXACT_LIMIT = 12;
    private static final int SOLVABLE_SAMPLES = 2_000;

    private static double solvable(Code code, double p, long seed) {
        int n = code.taskCount(), k = code.blockCount();
        RowSpace rs = new RowSpace(code);
        boolean[] rec = new boolean[n];
        if (n <= SOLVABLE_EXACT_LIMIT) {
            double all = 0;
            for (int mask = 0; mask < (1 << n); mask++) {
                int lost = 0;
                for (int i = 0; i < n; i++) {
                    rec[i] = (mask >>> i & 1) != 0;
                    if (!rec[i]) lost++;
                }
                if (rs.run(rec) == k) all += Math.pow(p, lost) * Math.pow(1 - p, n - lost);
            }
            return all;
        }
        SplittableRandom rnd = new SplittableRandom(seed ^ 0x5DEECE66DL);
        int ok = 0;
        for (int s = 0; s < SOLVABLE_SAMPLES; s++) {
            for (int i = 0; i < n; i++) rec[i] = rnd.nextDouble() >= p;
            if (rs.run(rec) == k) ok++;
        }
        return ok / (double) SOLVABLE_SAMPLES;
    }

    private static String solvableMethod(Code code, long seed) {
        return code.taskCount() <= SOLVABLE_EXACT_LIMIT ? "; solvable: exact"
                : "; solvable: Monte Carlo, " + SOLVABLE_SAMPLES + " patterns";
    }

    public static CodeReport of(Code code, double p) { return of(code, p, 1L); }

    /** {coherence, framePotential} of the unit row directions of G. */
    static double[] geometry(Code code) {
        int n = code.taskCount();
        double[] norm = new double[n];
        for (int i = 0; i < n; i++) {
            double s = 0;
            for (double c : code.coefficients(i)) s += c * c;
            norm[i] = Math.sqrt(s);
        }
        double coherence = 0, potential = n; // diagonal terms are 1 each
        int k = code.blockCount();
        double[] dense = new double[k];
        for (int i = 0; i < n; i++) {
            int[] bi = code.blocks(i);
            double[] ci = code.coefficients(i);
            for (int p = 0; p < bi.length; p++) dense[bi[p]] = ci[p];
            // Only rows sharing a block can have a non-zero inner product.
            java.util.Set<Integer> others = new java.util.TreeSet<>();
            for (int j : bi) for (int t : code.tasks(j)) if (t > i) others.add(t);
            for (int t : others) {
                double dot = 0;
                int[] bt = code.blocks(t);
                double[] ct = code.coefficients(t);
                for (int p = 0; p < bt.length; p++) dot += dense[bt[p]] * ct[p];
                double cos = dot / (norm[i] * norm[t]);
                coherence = Math.max(coherence, Math.abs(cos));
                potential += 2 * cos * cos;
            }
            for (int j : bi) dense[j] = 0;
        }
        return new double[] {coherence, potential};
    }

    /** {P(all decodable), E[fraction decodable], 0} by enumerating every received set. */
    static double[] exactDecodability(Code code, double p) {
        int n = code.taskCount();
        if (n > 30) throw new IllegalArgumentException("exact enumeration needs N <= 30");
        int k = code.blockCount();
        Peeling peel = new Peeling(code);
        boolean[] rec = new boolean[n];
        double[] weightByLost = new double[n + 1];
        for (int lost = 0; lost <= n; lost++) weightByLost[lost] = Math.pow(p, lost) * Math.pow(1 - p, n - lost);
        double all = 0, frac = 0;
        for (int mask = 0; mask < (1 << n); mask++) {
            for (int i = 0; i < n; i++) rec[i] = (mask >>> i & 1) != 0;
            double w = weightByLost[n - Integer.bitCount(mask)];
            int resolved = peel.run(rec);
            if (resolved == k) all += w;
            frac += w * resolved / k;
        }
        return new double[] {all, frac, 0.0};
    }

    /** {P(all decodable), E[fraction decodable], standard error} from seeded random patterns. */
    static double[] monteCarloDecodability(Code code, double p, int samples, long seed) {
        int n = code.taskCount(), k = code.blockCount();
        Peeling peel = new Peeling(code);
        SplittableRandom rnd = new SplittableRandom(seed);
        boolean[] rec = new boolean[n];
        long ok = 0;
        double frac = 0;
        for (int s = 0; s < samples; s++) {
            for (int i = 0; i < n; i++) rec[i] = rnd.nextDouble() >= p;
            int resolved = peel.run(rec);
            if (resolved == k) ok++;
            frac += resolved / (double) k;
        }
        double prob = ok / (double) samples;
        return new double[] {prob, frac / samples, Math.sqrt(prob * (1 - prob) / samples)};
    }

    static void checkP(double p) {
        if (!(p >= 0 && p <= 1)) throw new IllegalArgumentException("loss probability must be in [0,1], got " + p);
    }

    @Override
    public String toString() {
        return String.format("CodeReport[%s, p=%.3f: coverage=%.3f redundancy=%.2f deg=[%d,%d] coherence=%.3f "
                        + "framePotential=%.2f (bound %.2f) P(decodable)=%.5f%s E[decoded]=%.4f P(solvable)=%.5f (%s)]",
                codeName, lossProbability, coverage, redundancy, minColumnDegree, maxColumnDegree, coherence,
                framePotential, framePotentialBound, decodableProbability,
                standardError > 0 ? String.format(" +- %.5f", standardError) : "", expectedDecodedFraction, solvableProbability, method);
    }
}

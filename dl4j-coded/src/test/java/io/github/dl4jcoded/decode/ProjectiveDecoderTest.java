package io.github.dl4jcoded.decode;

import static org.junit.jupiter.api.Assertions.*;

import io.github.dl4jcoded.code.Code;
import io.github.dl4jcoded.code.Codes;
import io.github.dl4jcoded.code.Peeling;
import io.github.dl4jcoded.code.RowSpace;
import io.github.dl4jcoded.frame.Frame;
import io.github.dl4jcoded.frame.FrameFamily;
import io.github.dl4jcoded.partition.Block;
import io.github.dl4jcoded.partition.Partition;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ProjectiveDecoderTest {

    /** One random case: partition, code, frames, gradient and a received subset. */
    private static final class Case {
        final Partition part;
        final Code code;
        final FrameFamily fam;
        final long step;
        final CodewordEncoder enc;
        final double[] g;
        final int[] tasks;

        Case(SplittableRandom rnd) {
            part = Problems.partition(rnd);
            int k = part.blockCount();
            code = Problems.code(rnd, 1 + rnd.nextInt(2 * k), k, 3);
            fam = Problems.family(rnd);
            step = rnd.nextInt(100);
            enc = new CodewordEncoder(part, code, fam);
            g = Problems.gaussian(rnd, part.size());
            tasks = Problems.shuffledTasks(rnd, Problems.subset(rnd, code.taskCount(), 0.3 + 0.7 * rnd.nextDouble()));
        }

        ProjectiveDecoder decode(int[] order) {
            ProjectiveDecoder d = new ProjectiveDecoder(part, code, fam, step);
            for (int t : order) d.offer(enc.encode(step, t, g));
            return d;
        }

        /** All received directions, materialized as full vectors. */
        List<double[]> directions() {
            List<double[]> us = new ArrayList<>();
            for (int t : tasks) {
                for (int s = 0; s < enc.symbolCount(step, t); s++) {
                    double[] u = new double[part.size()];
                    enc.direction(step, t, s, u);
                    us.add(u);
                }
            }
            return us;
        }
    }

    /** <g_hat, g> = |g_hat|^2, and g_hat is the projection found by dense Gram-Schmidt. */
    @Test
    void estimateIsTheOrthogonalProjection() {
        SplittableRandom rnd = new SplittableRandom(1);
        for (int trial = 0; trial < 250; trial++) {
            Case c = new Case(rnd);
            double[] est = c.decode(c.tasks).estimate();
            double gg = Problems.dot(c.g, c.g);
            assertEquals(Problems.dot(est, est), Problems.dot(est, c.g), 1e-9 * gg, "descent direction, trial " + trial);
            double[] proj = denseProjection(c.directions(), c.g);
            assertTrue(Problems.maxAbsDiff(proj, est) < 1e-8 * Math.sqrt(gg), "trial " + trial + " " + c.fam);
        }
    }

    /** Inconsistent codewords (each task on its own minibatch): the min-norm least-squares fit. */
    @Test
    void inconsistentCodewordsGiveMinNormLeastSquares() {
        SplittableRandom rnd = new SplittableRandom(2);
        for (int trial = 0; trial < 150; trial++) {
            Case c = new Case(rnd);
            ProjectiveDecoder dec = new ProjectiveDecoder(c.part, c.code, c.fam, c.step);
            List<double[]> us = new ArrayList<>();
            List<Double> cs = new ArrayList<>();
            for (int t : c.tasks) {
                double[] gi = Problems.gaussian(rnd, c.part.size());
                Codeword cw = c.enc.encode(c.step, t, gi);
                dec.offer(cw);
                for (int s = 0; s < cw.length(); s++) {
                    double[] u = new double[c.part.size()];
                    c.enc.direction(c.step, t, s, u);
                    us.add(u);
                    cs.add(cw.symbol(s));
                }
            }
            double[] want = minNormLeastSquares(us, cs);
            double[] got = dec.estimate();
            assertTrue(Problems.maxAbsDiff(want, got) < 1e-5 * (1 + Problems.norm(want)), "trial " + trial);
        }
    }

    @Test
    void arrivalOrderDoesNotMatter() {
        SplittableRandom rnd = new SplittableRandom(3);
        for (int trial = 0; trial < 100; trial++) {
            Case c = new Case(rnd);
            double[] a = c.decode(c.tasks).estimate();
            int[] reversed = new int[c.tasks.length];
            for (int i = 0; i < reversed.length; i++) reversed[i] = c.tasks[reversed.length - 1 - i];
            double[] b = c.decode(reversed).estimate();
            assertTrue(Problems.maxAbsDiff(a, b) < 1e-12 * (1 + Problems.norm(a)));
        }
    }

    /** Asking for the estimate between arrivals gives the projection onto what has arrived so far. */
    @Test
    void estimateAtAnyMoment() {
        SplittableRandom rnd = new SplittableRandom(6);
        Case c = new Case(rnd);
        ProjectiveDecoder dec = new ProjectiveDecoder(c.part, c.code, c.fam, c.step);
        double last = 0;
        for (int t : c.tasks) {
            dec.offer(c.enc.encode(c.step, t, c.g));
            double[] est = dec.estimate();
            double e2 = Problems.dot(est, est);
            assertTrue(e2 >= last - 1e-9, "projections onto growing subspaces grow");
            last = e2;
        }
    }

    /** Increments applied per arrival add up to the step's estimate. */
    @Test
    void incrementsSumToTheEstimate() {
        SplittableRandom rnd = new SplittableRandom(16);
        for (int trial = 0; trial < 50; trial++) {
            Case c = new Case(rnd);
            ProjectiveDecoder dec = new ProjectiveDecoder(c.part, c.code, c.fam, c.step);
            double[] applied = new double[c.part.size()], sum = new double[c.part.size()];
            for (int t : c.tasks) {
                dec.offer(c.enc.encode(c.step, t, c.g));
                double[] delta = new double[c.part.size()];
                java.util.BitSet mask = dec.writeIncrement(applied, delta);
                for (int j = 0; j < c.part.blockCount(); j++) assertEquals(dec.status(j) != BlockStatus.MISSING, mask.get(j));
                for (int i = 0; i < sum.length; i++) sum[i] += delta[i];
            }
            double[] est = dec.estimate();
            assertTrue(Problems.maxAbsDiff(est, sum) < 1e-12 * (1 + Problems.norm(est)));
            assertTrue(Problems.maxAbsDiff(est, applied) < 1e-12 * (1 + Problems.norm(est)));
        }
    }

    /** Lossless frames and directions that span: the estimate is g, every block RESOLVED. */
    @Test
    void spanningDirectionsRecoverTheGradient() {
        SplittableRandom rnd = new SplittableRandom(4);
        for (int trial = 0; trial < 50; trial++) {
            Partition part = Problems.partition(rnd);
            int k = part.blockCount();
            // Weight >= 2 everywhere (so peeling would not even start), but N = 2k random rows span.
            Code code = Codes.regularLdgm(2 * k, k, Math.min(k, 2), rnd.nextLong());
            FrameFamily fam = FrameFamily.identity();
            CodewordEncoder enc = new CodewordEncoder(part, code, fam);
            double[] g = Problems.gaussian(rnd, part.size());
            ProjectiveDecoder dec = new ProjectiveDecoder(part, code, fam, 0);
            for (int t = 0; t < code.taskCount(); t++) dec.offer(enc.encode(0, t, g));
            if (!dec.isComplete()) continue; // a random code can be rank deficient; covered below
            assertTrue(Problems.maxAbsDiff(g, dec.estimate()) < 1e-9);
        }
        Partition part = Partition.chunks(40, 10);
        Code code = Codes.systematic(4, 2, 2, 1);
        FrameFamily fam = FrameFamily.identity();
        CodewordEncoder enc = new CodewordEncoder(part, code, fam);
        double[] g = Problems.gaussian(rnd, 40);
        ProjectiveDecoder dec = new ProjectiveDecoder(part, code, fam, 0);
        for (int t = 1; t < code.taskCount(); t++) dec.offer(enc.encode(0, t, g));
        assertTrue(dec.isComplete());
        assertTrue(Problems.maxAbsDiff(g, dec.estimate()) < 1e-9);
    }

    @Test
    void statusesAgreeWithRowSpaceAndPeeling() {
        SplittableRandom rnd = new SplittableRandom(5);
        for (int trial = 0; trial < 200; trial++) {
            Case c = new Case(rnd);
            ProjectiveDecoder dec = c.decode(c.tasks);
            boolean[] rec = new boolean[c.code.taskCount()];
            for (int t : c.tasks) rec[t] = true;
            Peeling peel = new Peeling(c.code);
            peel.run(rec);
            RowSpace rows = new RowSpace(c.code);
            rows.run(rec);
            for (int j = 0; j < c.part.blockCount(); j++) {
                boolean touched = false;
                for (int t : c.code.tasks(j)) touched |= rec[t];
                BlockStatus s = dec.status(j);
                if (!touched) assertEquals(BlockStatus.MISSING, s);
                else assertNotEquals(BlockStatus.MISSING, s);
                if (peel.isResolved(j)) assertEquals(BlockStatus.RESOLVED, s, "peelable implies resolved");
                assertEquals(rows.isDetermined(j), s == BlockStatus.RESOLVED, "resolved iff e_j in the received row space");
                if (s == BlockStatus.RESOLVED) {
                    // Resolved means exact symbols: the estimate's block equals F F^T g.
                    Block b = c.part.block(j);
                    Frame f = c.fam.frame(c.step, j, b.size());
                    double[] local = new double[b.size()], sym = new double[f.rank()];
                    b.gather(c.g, local);
                    f.encode(local, 0, sym);
                    double[] got = dec.symbols(j);
                    assertTrue(Problems.maxAbsDiff(sym, got) < 1e-8 * (1 + Problems.norm(sym)));
                }
            }
        }
    }

    /** Orthonormal frame and a single-block codeword: the projection is F s. */
    @Test
    void singleBlockCodewordLiftsItsSymbols() {
        SplittableRandom rnd = new SplittableRandom(9);
        Partition part = Partition.chunks(64, 32);
        Code code = Codes.repetition(2, 1);
        FrameFamily fam = new FrameFamily(FrameFamily.Kind.HADAMARD, 5, 8);
        CodewordEncoder enc = new CodewordEncoder(part, code, fam);
        double[] g = Problems.gaussian(rnd, 64);
        ProjectiveDecoder dec = new ProjectiveDecoder(part, code, fam, 1);
        Codeword cw = enc.encode(1, 1, g);
        dec.offer(cw);
        double[] want = new double[64];
        fam.frame(1, 1, 32).lift(cw.symbols(), want, 32);
        assertTrue(Problems.maxAbsDiff(want, dec.estimate()) < 1e-12);
        assertEquals(BlockStatus.MISSING, dec.status(0));
        assertEquals(BlockStatus.RESOLVED, dec.status(1));
    }

    /** The pivoted-QR path for large components agrees with the SVD path, statuses included. */
    @Test
    void orthogonalDecompositionPathAgreesWithSvdPath() {
        SplittableRandom rnd = new SplittableRandom(7);
        for (int trial = 0; trial < 40; trial++) {
            Case c = new Case(rnd);
            ProjectiveDecoder svd = c.decode(c.tasks);
            ProjectiveDecoder qr = new ProjectiveDecoder(c.part, c.code, c.fam, c.step, 0);
            for (int t : c.tasks) qr.offer(c.enc.encode(c.step, t, c.g));
            double[] a = svd.estimate(), b = qr.estimate();
            assertTrue(Problems.maxAbsDiff(a, b) < 1e-10 * (1 + Problems.norm(a)), "trial " + trial);
            for (int j = 0; j < c.part.blockCount(); j++) assertEquals(svd.status(j), qr.status(j), "trial " + trial + ", block " + j);
        }
    }

    /** Projection onto span(us) by modified Gram-Schmidt, run twice, dropping dependent vectors. */
    static double[] denseProjection(List<double[]> us, double[] g) {
        List<double[]> q = new ArrayList<>();
        for (double[] u : us) {
            double[] v = u.clone();
            for (int pass = 0; pass < 2; pass++) {
                for (double[] e : q) {
                    double d = Problems.dot(e, v);
                    for (int i = 0; i < v.length; i++) v[i] -= d * e[i];
                }
            }
            double nv = Problems.norm(v);
            if (nv > 1e-9 * Problems.norm(u)) {
                for (int i = 0; i < v.length; i++) v[i] /= nv;
                q.add(v);
            }
        }
        double[] p = new double[g.length];
        for (double[] e : q) {
            double d = Problems.dot(e, g);
            for (int i = 0; i < p.length; i++) p[i] += d * e[i];
        }
        return p;
    }

    /**
     * min-norm least squares of U x = c as the limit of Tikhonov: x = U^T (U U^T + lambda I)^{-1} c with
     * a tiny lambda, solved by Gaussian elimination with partial pivoting (independent of the decoder's
     * eigen-decomposition).
     */
    static double[] minNormLeastSquares(List<double[]> us, List<Double> cs) {
        int m = us.size(), n = us.isEmpty() ? 0 : us.get(0).length;
        double lambda = 1e-9;
        double[][] a = new double[m][m + 1];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < m; j++) a[i][j] = Problems.dot(us.get(i), us.get(j)) + (i == j ? lambda : 0);
            a[i][m] = cs.get(i);
        }
        for (int col = 0; col < m; col++) {
            int piv = col;
            for (int r = col + 1; r < m; r++) if (Math.abs(a[r][col]) > Math.abs(a[piv][col])) piv = r;
            double[] tmp = a[col]; a[col] = a[piv]; a[piv] = tmp;
            for (int r = col + 1; r < m; r++) {
                double f = a[r][col] / a[col][col];
                for (int j = col; j <= m; j++) a[r][j] -= f * a[col][j];
            }
        }
        double[] y = new double[m];
        for (int r = m - 1; r >= 0; r--) {
            double s = a[r][m];
            for (int j = r + 1; j < m; j++) s -= a[r][j] * y[j];
            y[r] = s / a[r][r];
        }
        double[] x = new double[n];
        for (int i = 0; i < m; i++) for (int j = 0; j < n; j++) x[j] += y[i] * us.get(i)[j];
        return x;
    }

    /**
     * Ill-conditioned codes (coefficients spread log-uniformly over several decades; 37 one-symbol
     * blocks and 50 tasks, or 300 and 400 (a component beyond the SVD's limit); weights 1-4, 30% of
     * the codewords lost, inconsistent symbols): the estimate of both solvers (SVD and pivoted QR) is
     * the dense minimum-norm least-squares solution (Apache Commons Math's SVD as the reference) to
     * within 100 x condition number x unit roundoff, and a block is RESOLVED exactly when the
     * reference projector says it is determined. The Gram-matrix solve this replaced was 5-37% off;
     * the bounded CGLS that large components had failed it too (statuses, and estimates far off).
     *
     * <p>A system with a singular value within a factor 10 of the cutoff is not compared: whether
     * such a direction counts is decided by rounding (two SVD codes can differ), and the solution
     * along it is of size 1 / cutoff. At most 2 of the 30 are let off that way.
     */
    @Test
    void illConditionedCodesDecodeToTheDenseMinimumNormSolution() {
        int compared = illConditioned(37, 50, new double[] {2, 4, 6}) + illConditioned(300, 400, new double[] {2, 3, 4});
        assertTrue(compared >= 28, "systems clear of the cutoff: " + compared + " of 30");
    }

    /** Returns how many systems were compared (clear of the cutoff). */
    private static int illConditioned(int k, int tasks, double[] spreads) {
        int compared = 0;
        Partition part = Partition.chunks(k, 1);
        FrameFamily identity = FrameFamily.identity();
        for (double decades : spreads) {
            for (int trial = 0; trial < 5; trial++) {
                SplittableRandom rnd = new SplittableRandom(1000 * (long) decades + trial);
                int[][] rows = new int[tasks][];
                double[][] coeffs = new double[tasks][];
                for (int i = 0; i < tasks; i++) {
                    int w = 1 + rnd.nextInt(4);
                    int[] b = rnd.ints(0, k).distinct().limit(w).sorted().toArray();
                    double[] c = new double[b.length];
                    for (int p = 0; p < c.length; p++) {
                        c[p] = Math.pow(10, decades * (rnd.nextDouble() - 0.5)) * (rnd.nextBoolean() ? 1 : -1);
                    }
                    rows[i] = b;
                    coeffs[i] = c;
                }
                Code code = new Code("log-uniform", k, rows, coeffs);
                List<ProjectiveDecoder> decoders = List.of(
                        new ProjectiveDecoder(part, code, identity, 0), new ProjectiveDecoder(part, code, identity, 0, 0));
                List<Integer> got = new ArrayList<>();
                List<Double> rhs = new ArrayList<>();
                for (int i = 0; i < tasks; i++) {
                    if (rnd.nextDouble() < 0.3) continue;
                    double c = rnd.nextGaussian();
                    for (ProjectiveDecoder d : decoders) d.offer(Codeword.of(code, identity, 0, i, new double[] {c}));
                    got.add(i);
                    rhs.add(c);
                }
                double[][] a = new double[got.size()][k];
                for (int e = 0; e < got.size(); e++) {
                    for (int p = 0; p < rows[got.get(e)].length; p++) a[e][rows[got.get(e)][p]] += coeffs[got.get(e)][p];
                }
                org.apache.commons.math3.linear.SingularValueDecomposition svd =
                        new org.apache.commons.math3.linear.SingularValueDecomposition(new org.apache.commons.math3.linear.Array2DRowRealMatrix(a));
                double[] sv = svd.getSingularValues();
                double cut = Math.max(a.length, k) * Math.ulp(1.0) * sv[0];
                org.apache.commons.math3.linear.RealMatrix v = svd.getV(), u = svd.getU();
                double[] ref = new double[k];
                double[] diag = new double[k];
                for (int r = 0; r < sv.length; r++) {
                    if (!(sv[r] > cut)) continue;
                    double proj = 0;
                    for (int e = 0; e < a.length; e++) proj += u.getEntry(e, r) * rhs.get(e);
                    for (int j = 0; j < k; j++) {
                        ref[j] += v.getEntry(j, r) * proj / sv[r];
                        diag[j] += v.getEntry(j, r) * v.getEntry(j, r);
                    }
                }
                // Two backward-stable solvers agree to about (condition number) x (unit roundoff).
                double smallest = Double.POSITIVE_INFINITY;
                for (double x : sv) if (x > cut) smallest = Math.min(smallest, x);
                double kappa = sv[0] / smallest;
                boolean clear = true;
                for (double x : sv) clear &= x > 10 * cut || x < cut / 10;
                if (!clear) continue;
                compared++;
                for (ProjectiveDecoder d : decoders) {
                    double[] est = d.estimate();
                    double refNorm = 0, errNorm = 0;
                    for (int j = 0; j < k; j++) {
                        refNorm += ref[j] * ref[j];
                        errNorm += (est[j] - ref[j]) * (est[j] - ref[j]);
                    }
                    String what = k + " blocks, " + decades + " decades, trial " + trial + ", "
                            + (d == decoders.get(0) ? "default" : "pivoted QR") + " (condition number " + String.format("%.1e", kappa) + ")";
                    assertTrue(Math.sqrt(errNorm) <= 100 * kappa * Math.ulp(1.0) * Math.sqrt(refNorm),
                            what + ": relative error " + Math.sqrt(errNorm / refNorm));
                    for (int j = 0; j < k; j++) {
                        boolean touched = false;
                        for (int i : got) for (int b : rows[i]) touched |= b == j;
                        if (!touched) continue;
                        boolean determined = diag[j] > 1 - 1e-8;
                        assertEquals(determined ? BlockStatus.RESOLVED : BlockStatus.ESTIMATED, d.status(j), what + ", block " + j);
                    }
                }
            }
        }
        return compared;
    }
}

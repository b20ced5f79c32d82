package io.github.dl4jcoded.frame;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LowRankFrameTest {

    private static double[][] randomBasis(int r, int len, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        double[][] b = new double[r][len];
        for (double[] v : b) {
            for (int i = 0; i < len; i++) {
                v[i] = rnd.nextGaussian();
            }
        }
        LowRankFrame.orthonormalize(b, rnd);
        return b;
    }

    @Test
    void directionsAreOrthonormalOnBothSidesAndBothOrders() {
        for (char order : new char[]{'c', 'f'}) {
            for (LowRankFrame.Side side : LowRankFrame.Side.values()) {
                int rows = 7;
                int cols = 5;
                double[][] basis = randomBasis(3, side == LowRankFrame.Side.RIGHT ? cols : rows, 1);
                LowRankFrame f = new LowRankFrame(rows, cols, order, side, basis);
                double[][] d = new double[f.rank()][rows * cols];
                for (int t = 0; t < f.rank(); t++) {
                    f.direction(t, d[t]);
                }
                for (int a = 0; a < f.rank(); a++) {
                    for (int b = 0; b < f.rank(); b++) {
                        double dot = 0;
                        for (int i = 0; i < rows * cols; i++) {
                            dot += d[a][i] * d[b][i];
                        }
                        assertEquals(a == b ? 1.0 : 0.0, dot, 1e-12, order + " " + side + " <u" + a + ",u" + b + ">");
                    }
                }
                // encode is F^T: symbol t is <direction t, g>
                double[] g = new SplittableRandom(2).doubles(rows * cols).toArray();
                double[] s = new double[f.rank()];
                f.encode(g, 0, s);
                for (int t = 0; t < f.rank(); t++) {
                    double dot = 0;
                    for (int i = 0; i < g.length; i++) {
                        dot += d[t][i] * g[i];
                    }
                    assertEquals(dot, s[t], 1e-12);
                }
            }
        }
    }

    /** A rank-2 gradient that does not change: alternating power iterations capture it exactly. */
    @Test
    void historyFramesConvergeToAFixedLowRankGradient() {
        int rows = 12;
        int cols = 9;
        SplittableRandom rnd = new SplittableRandom(3);
        double[] u1 = rnd.doubles(rows).toArray();
        double[] u2 = rnd.doubles(rows).toArray();
        double[] v1 = rnd.doubles(cols).toArray();
        double[] v2 = rnd.doubles(cols).toArray();
        double[] m = new double[rows * cols]; // 'f' order like DL4J's dense W
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                m[i + j * rows] = 3 * u1[i] * v1[j] + u2[i] * v2[j];
            }
        }
        LowRankHistory h = new LowRankHistory(7, 3.0, new LowRankHistory.MatrixShape[]{
                new LowRankHistory.MatrixShape(rows, cols, 'f'), null}, 0);
        assertEquals(4, h.basisSize(0)); // max(MIN_BASIS, floor(108 / (3 * 12)) = 3)
        double err = Double.NaN;
        for (long step = 0; step < 4; step++) {
            Frame f = h.frame(step, 0, rows * cols);
            double[] s = new double[f.rank()];
            f.encode(m, 0, s);
            double[] back = new double[m.length];
            f.lift(s, back, 0);
            err = 0;
            for (int i = 0; i < m.length; i++) {
                err = Math.max(err, Math.abs(back[i] - m[i]));
            }
            h.completeStep(step, j -> j == 0 ? s : null);
        }
        assertTrue(err < 1e-9, "rank-2 matrix not captured by a rank-4 basis: error " + err);
        assertTrue(h.frame(4, 1, 5) instanceof IdentityFrame);
    }

    @Test
    void historyRefusesUnknownStepsAndWrongSymbolCounts() {
        LowRankHistory h = new LowRankHistory(7, 2.0, new LowRankHistory.MatrixShape[]{
                new LowRankHistory.MatrixShape(4, 4, 'c')}, 10);
        assertThrows(IllegalArgumentException.class, () -> h.frame(11, 0, 16));
        assertThrows(IllegalArgumentException.class, () -> h.completeStep(10, j -> new double[3]));
        assertThrows(IllegalArgumentException.class, () -> h.completeStep(12, j -> null));
        assertEquals(10, h.currentStep()); // refused calls changed nothing
    }
}

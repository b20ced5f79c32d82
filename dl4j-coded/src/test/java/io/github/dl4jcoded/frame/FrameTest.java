package io.github.dl4jcoded.frame;

import static org.junit.jupiter.api.Assertions.*;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class FrameTest {
    private static final FrameFamily.Kind[] KINDS = FrameFamily.Kind.values();
    private static final int[] SIZES = {1, 2, 7, 16, 33, 100, 256, 300};

    /** F^T F = I for every kind and size, including non-powers of two for Hadamard. */
    @Test
    void columnsAreOrthonormal() {
        for (FrameFamily.Kind kind : KINDS) {
            for (double ratio : new double[] {1, 3, 8}) {
                FrameFamily fam = new FrameFamily(kind, 11, ratio);
                for (int b : SIZES) {
                    Frame f = fam.frame(5, 3, b);
                    assertEquals(fam.rank(b), f.rank());
                    double[][] cols = columns(f);
                    for (int s = 0; s < f.rank(); s++) {
                        for (int t = 0; t < f.rank(); t++) {
                            assertEquals(s == t ? 1.0 : 0.0, dot(cols[s], cols[t]), 1e-12, kind + " b=" + b + " (" + s + "," + t + ")");
                        }
                    }
                }
            }
        }
    }

    /** encode = inner products with the materialized columns; lift = the columns' combination. */
    @Test
    void encodeAndLiftAgreeWithDirections() {
        SplittableRandom rnd = new SplittableRandom(3);
        for (FrameFamily.Kind kind : KINDS) {
            FrameFamily fam = new FrameFamily(kind, 99, 4);
            for (int b : SIZES) {
                Frame f = fam.frame(1, 0, b);
                double[][] cols = columns(f);
                int off = 3;
                double[] g = new double[b + off];
                for (int i = 0; i < g.length; i++) g[i] = rnd.nextGaussian();
                double[] s = new double[f.rank() + 2];
                f.encode(g, off, s, 2);
                for (int t = 0; t < f.rank(); t++) {
                    double expect = 0;
                    for (int i = 0; i < b; i++) expect += cols[t][i] * g[off + i];
                    assertEquals(expect, s[2 + t], 1e-10);
                }
                double[] sym = new double[f.rank()];
                for (int t = 0; t < sym.length; t++) sym[t] = rnd.nextGaussian();
                double[] out = new double[b + 1];
                out[0] = 42;
                f.lift(sym, out, 1);
                assertEquals(42, out[0]);
                for (int i = 0; i < b; i++) {
                    double expect = 0;
                    for (int t = 0; t < sym.length; t++) expect += cols[t][i] * sym[t];
                    assertEquals(expect, out[1 + i], 1e-10);
                }
                // liftAdd accumulates with a scale.
                f.liftAdd(sym, 0, -1.0, out, 1);
                for (int i = 0; i < b; i++) assertEquals(0.0, out[1 + i], 1e-10);
                // F^T F = I means encode(lift(s)) = s.
                double[] back = new double[f.rank()];
                double[] lifted = new double[b];
                f.lift(sym, lifted, 0);
                f.encode(lifted, 0, back);
                for (int t = 0; t < sym.length; t++) assertEquals(sym[t], back[t], 1e-10);
            }
        }
    }

    @Test
    void sameSeedSameDirectionsDifferentStepsDiffer() {
        for (FrameFamily.Kind kind : new FrameFamily.Kind[] {FrameFamily.Kind.COUNT_SKETCH, FrameFamily.Kind.HADAMARD, FrameFamily.Kind.GAUSSIAN}) {
            FrameFamily a = new FrameFamily(kind, 1234, 8);
            FrameFamily b = new FrameFamily(kind, 1234, 8); // "another instance", e.g. on a worker
            double[][] x = columns(a.frame(17, 4, 200));
            double[][] y = columns(b.frame(17, 4, 200));
            for (int t = 0; t < x.length; t++) assertArrayEquals(x[t], y[t]);
            assertFalse(java.util.Arrays.deepEquals(x, columns(a.frame(18, 4, 200))), kind + ": next step must differ");
            assertFalse(java.util.Arrays.deepEquals(x, columns(a.frame(17, 5, 200))), kind + ": next block must differ");
            assertFalse(java.util.Arrays.deepEquals(x, columns(new FrameFamily(kind, 1235, 8).frame(17, 4, 200))), kind + ": seed matters");
        }
    }

    @Test
    void rankFollowsTheRatio() {
        FrameFamily f = new FrameFamily(FrameFamily.Kind.COUNT_SKETCH, 0, 32);
        assertEquals(128, f.rank(4096));
        assertEquals(1, f.rank(5));
        assertEquals(2, f.rank(33));
        assertEquals(7, FrameFamily.identity().rank(7));
        assertThrows(IllegalArgumentException.class, () -> new FrameFamily(FrameFamily.Kind.HADAMARD, 0, 0.5));
        assertThrows(IllegalArgumentException.class, () -> new FrameFamily(FrameFamily.Kind.HADAMARD, 0, Double.NaN));
    }

    /** Random frames keep about r/b of a random vector's energy: E|F^T g|^2 = (r/b)|g|^2. */
    @Test
    void randomFramesKeepTheirShareOfEnergy() {
        SplittableRandom rnd = new SplittableRandom(5);
        for (FrameFamily.Kind kind : new FrameFamily.Kind[] {FrameFamily.Kind.COUNT_SKETCH, FrameFamily.Kind.HADAMARD, FrameFamily.Kind.GAUSSIAN}) {
            FrameFamily fam = new FrameFamily(kind, 8, 8);
            double kept = 0, total = 0;
            for (int step = 0; step < 30; step++) {
                Frame f = fam.frame(step, 0, 256);
                double[] g = new double[256];
                for (int i = 0; i < g.length; i++) g[i] = rnd.nextGaussian();
                double[] s = new double[f.rank()];
                f.encode(g, 0, s);
                kept += dot(s, s);
                total += dot(g, g);
            }
            assertEquals(1.0 / 8, kept / total, 0.03, kind.toString());
        }
    }

    static double[][] columns(Frame f) {
        double[][] c = new double[f.rank()][f.dimension()];
        for (int t = 0; t < f.rank(); t++) f.direction(t, c[t]);
        return c;
    }

    static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }
}

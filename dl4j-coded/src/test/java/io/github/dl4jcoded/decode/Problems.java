package io.github.dl4jcoded.decode;

import io.github.dl4jcoded.code.Code;
import io.github.dl4jcoded.frame.FrameFamily;
import io.github.dl4jcoded.partition.Partition;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Random small decoding problems shared by the decoder tests. */
final class Problems {
    private Problems() {}

    /** Blocks of random sizes, some of them strided slices, so that ranks and layouts vary. */
    static Partition partition(SplittableRandom rnd) {
        Partition.Builder b = Partition.builder();
        int n = 0;
        int parts = 2 + rnd.nextInt(3);
        for (int p = 0; p < parts; p++) {
            if (rnd.nextInt(3) == 0) {
                int[] shape = {2 + rnd.nextInt(4), 2 + rnd.nextInt(4)};
                b.slices("W" + p, n, shape, rnd.nextBoolean() ? 'c' : 'f', rnd.nextInt(2));
                n += shape[0] * shape[1];
            } else {
                int len = 3 + rnd.nextInt(30);
                b.chunks("v" + p, n, len, 2 + rnd.nextInt(12));
                n += len;
            }
        }
        return b.build(n);
    }

    /** N rows of weight 1..maxWeight over k blocks, coefficients +-[0.5, 2). */
    static Code code(SplittableRandom rnd, int n, int k, int maxWeight) {
        int[][] rows = new int[n][];
        double[][] coeffs = new double[n][];
        for (int i = 0; i < n; i++) {
            int w = 1 + rnd.nextInt(Math.min(maxWeight, k));
            List<Integer> pool = new ArrayList<>();
            for (int j = 0; j < k; j++) pool.add(j);
            rows[i] = new int[w];
            coeffs[i] = new double[w];
            for (int p = 0; p < w; p++) {
                rows[i][p] = pool.remove(rnd.nextInt(pool.size()));
                coeffs[i][p] = (0.5 + 1.5 * rnd.nextDouble()) * (rnd.nextBoolean() ? 1 : -1);
            }
        }
        return new Code("random", k, rows, coeffs);
    }

    static FrameFamily family(SplittableRandom rnd) {
        FrameFamily.Kind kind = FrameFamily.Kind.values()[rnd.nextInt(FrameFamily.Kind.values().length)];
        return new FrameFamily(kind, rnd.nextLong(), 1 + 3 * rnd.nextDouble());
    }

    static double[] gaussian(SplittableRandom rnd, int n) {
        double[] g = new double[n];
        for (int i = 0; i < n; i++) g[i] = rnd.nextGaussian();
        return g;
    }

    static boolean[] subset(SplittableRandom rnd, int n, double keep) {
        boolean[] s = new boolean[n];
        for (int i = 0; i < n; i++) s[i] = rnd.nextDouble() < keep;
        return s;
    }

    static int[] shuffledTasks(SplittableRandom rnd, boolean[] chosen) {
        List<Integer> l = new ArrayList<>();
        for (int i = 0; i < chosen.length; i++) if (chosen[i]) l.add(i);
        java.util.Collections.shuffle(l, new java.util.Random(rnd.nextLong()));
        return l.stream().mapToInt(Integer::intValue).toArray();
    }

    static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }

    static double norm(double[] a) { return Math.sqrt(dot(a, a)); }

    static double maxAbsDiff(double[] a, double[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
        return m;
    }
}

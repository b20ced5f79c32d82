package io.github.dl4jcoded.training;

import org.nd4j.linalg.dataset.DataSet;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * How a minibatch is cut into worker shares, in every mode (local threads, the simulator, the
 * cluster's example indices): {@code parts} nearly equal consecutive shares, the first
 * {@code n % parts} one example larger, never an empty one (fewer shares when n < parts).
 */
public final class Shards {
    private Shards() {
    }

    /** The sizes of the shares of {@code n} examples. */
    public static int[] sizes(int n, int parts) {
        if (n < 1 || parts < 1) {
            throw new IllegalArgumentException("need examples and parts >= 1, got " + n + " and " + parts);
        }
        int p = Math.min(parts, n);
        int[] s = new int[p];
        for (int i = 0; i < p; i++) {
            s[i] = n / p + (i < n % p ? 1 : 0);
        }
        return s;
    }

    /** A minibatch cut into shares (the minibatch itself when there is one share). */
    public static List<DataSet> split(DataSet ds, int parts) {
        int[] sizes = sizes(ds.numExamples(), parts);
        List<DataSet> out = new ArrayList<>(sizes.length);
        int start = 0;
        for (int size : sizes) {
            int[] idx = new int[size];
            for (int k = 0; k < size; k++) {
                idx[k] = start + k;
            }
            out.add(sizes.length == 1 ? ds : (DataSet) ds.get(idx));
            start += size;
        }
        return out;
    }

    /** Example indices cut into shares. */
    public static int[][] split(int[] examples, int parts) {
        int[] sizes = sizes(examples.length, parts);
        int[][] out = new int[sizes.length][];
        int start = 0;
        for (int i = 0; i < sizes.length; i++) {
            out[i] = Arrays.copyOfRange(examples, start, start + sizes[i]);
            start += sizes[i];
        }
        return out;
    }
}

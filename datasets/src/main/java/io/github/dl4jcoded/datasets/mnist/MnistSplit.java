package io.github.dl4jcoded.datasets.mnist;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A deterministic, seeded, stratified train/test split: every digit appears in both parts in
 * (as nearly as integers allow) the same proportion, and the same seed gives the same split on
 * every machine (SplittableRandom is specified bit for bit).
 */
public final class MnistSplit {
    public static final int DEFAULT_TRAIN = 8_000;
    public static final int DEFAULT_TEST = 2_000;
    public static final long DEFAULT_SEED = 12345L;

    private final MnistDigits train;
    private final MnistDigits test;
    private final int[] trainIndices;
    private final int[] testIndices;

    private MnistSplit(MnistDigits all, int[] trainIndices, int[] testIndices) {
        this.trainIndices = trainIndices;
        this.testIndices = testIndices;
        this.train = all.subset(trainIndices);
        this.test = all.subset(testIndices);
    }

    /** The default split: 8,000 training and 2,000 test digits. */
    public static MnistSplit of(MnistDigits all) {
        return of(all, DEFAULT_TRAIN, DEFAULT_TEST, DEFAULT_SEED);
    }

    /**
     * Splits {@code all} into {@code nTrain} training and {@code nTest} test samples. The test
     * quota of each digit is proportional to its share of the data (largest remainder), so
     * every digit with at least two samples lands in both parts.
     */
    public static MnistSplit of(MnistDigits all, int nTrain, int nTest, long seed) {
        if (nTrain < 1 || nTest < 1) {
            throw new IllegalArgumentException("train and test sizes must be positive, got "
                    + nTrain + " / " + nTest);
        }
        if ((long) nTrain + nTest > all.size()) {
            throw new IllegalArgumentException("asked for " + nTrain + " + " + nTest
                    + " samples but the data set holds " + all.size());
        }
        int[] counts = all.countsPerDigit();
        int[] testQuota = apportion(counts, nTest);
        int[] trainQuota = apportion(subtract(counts, testQuota), nTrain);

        List<List<Integer>> byDigit = new ArrayList<>();
        for (int d = 0; d < MnistDigits.CLASSES; d++) {
            byDigit.add(new ArrayList<>());
        }
        for (int i = 0; i < all.size(); i++) {
            byDigit.get(all.label(i)).add(i);
        }
        SplittableRandom rng = new SplittableRandom(seed);
        int[] train = new int[nTrain];
        int[] test = new int[nTest];
        int nt = 0;
        int ns = 0;
        for (int d = 0; d < MnistDigits.CLASSES; d++) {
            int[] idx = byDigit.get(d).stream().mapToInt(Integer::intValue).toArray();
            shuffle(idx, rng);
            for (int k = 0; k < testQuota[d]; k++) {
                test[ns++] = idx[k];
            }
            for (int k = 0; k < trainQuota[d]; k++) {
                train[nt++] = idx[testQuota[d] + k];
            }
        }
        // Interleave the digits so that a sequential minibatch is not all one class.
        shuffle(train, rng);
        shuffle(test, rng);
        return new MnistSplit(all, train, test);
    }

    public MnistDigits train() {
        return train;
    }

    public MnistDigits test() {
        return test;
    }

    /** Indices into the full data set, for tests of determinism and disjointness. */
    public int[] trainIndices() {
        return trainIndices.clone();
    }

    public int[] testIndices() {
        return testIndices.clone();
    }

    private static int[] subtract(int[] a, int[] b) {
        int[] r = new int[a.length];
        for (int i = 0; i < a.length; i++) {
            r[i] = a[i] - b[i];
        }
        return r;
    }

    /** Largest-remainder apportionment of {@code total} in proportion to {@code weights}, capped by them. */
    static int[] apportion(int[] weights, int total) {
        long sum = Arrays.stream(weights).asLongStream().sum();
        if (total > sum) {
            throw new IllegalArgumentException("cannot take " + total + " of " + sum);
        }
        int[] q = new int[weights.length];
        double[] rem = new double[weights.length];
        int given = 0;
        for (int i = 0; i < weights.length; i++) {
            double exact = (double) total * weights[i] / sum;
            q[i] = (int) Math.floor(exact);
            rem[i] = exact - q[i];
            given += q[i];
        }
        while (given < total) {
            int best = -1;
            for (int i = 0; i < weights.length; i++) {
                if (q[i] < weights[i] && (best < 0 || rem[i] > rem[best])) {
                    best = i;
                }
            }
            q[best]++;
            rem[best] = -1;
            given++;
        }
        return q;
    }

    private static void shuffle(int[] a, SplittableRandom rng) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }
}

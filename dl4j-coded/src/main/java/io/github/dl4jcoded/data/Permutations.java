package io.github.dl4jcoded.data;

import java.util.SplittableRandom;

/** The one seeded shuffle of example orders (Fisher-Yates from the end), so that every component draws orders alike. */
public final class Permutations {
    private Permutations() {
    }

    /** 0..n-1 in an order drawn from {@code rng}. */
    public static int[] shuffled(int n, SplittableRandom rng) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }
}

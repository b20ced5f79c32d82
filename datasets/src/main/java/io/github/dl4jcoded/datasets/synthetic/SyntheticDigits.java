package io.github.dl4jcoded.datasets.synthetic;

import io.github.dl4jcoded.datasets.mnist.MnistDigits;

import java.util.SplittableRandom;

/**
 * Tiny synthetic "digits" for unit tests only: each class is a distinct bar pattern plus
 * noise, learnable in a few steps. Never used as a default or fallback for real data.
 */
public final class SyntheticDigits {
    private SyntheticDigits() {
    }

    public static MnistDigits generate(int perClass, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        int n = perClass * MnistDigits.CLASSES;
        float[] px = new float[n * MnistDigits.PIXELS];
        byte[] labels = new byte[n];
        for (int i = 0; i < n; i++) {
            int d = i % MnistDigits.CLASSES;
            labels[i] = (byte) d;
            for (int r = 0; r < MnistDigits.ROWS; r++) {
                for (int c = 0; c < MnistDigits.COLS; c++) {
                    boolean on = (r / 3 == d) || (c / 3 == 9 - d); // one row band and one column band per class
                    float v = (on ? 0.8f : 0.05f) + (float) (rng.nextDouble() * 0.2);
                    // On the 1/255 grid, like real grey levels, so the palette cache format holds it.
                    px[i * MnistDigits.PIXELS + r * MnistDigits.COLS + c] = Math.round(Math.min(1f, v) * 255f) / 255f;
                }
            }
        }
        return new MnistDigits(px, labels);
    }
}

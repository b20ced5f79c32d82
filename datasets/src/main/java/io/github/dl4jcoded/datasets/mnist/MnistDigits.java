package io.github.dl4jcoded.datasets.mnist;

import java.util.Arrays;
import java.util.Objects;

/**
 * An in-memory set of 28x28 grey-level digits: one row of {@link #PIXELS} values in [0, 1] per
 * sample, and its label 0..9. Immutable; {@link #subset(int[])} makes the train/test views.
 */
public final class MnistDigits {
    public static final int ROWS = 28;
    public static final int COLS = 28;
    public static final int PIXELS = ROWS * COLS;
    public static final int CLASSES = 10;

    private final float[] pixels; // sample-major, PIXELS per sample
    private final byte[] labels;

    public MnistDigits(float[] pixels, byte[] labels) {
        Objects.requireNonNull(pixels, "pixels");
        Objects.requireNonNull(labels, "labels");
        if (pixels.length != labels.length * PIXELS) {
            throw new IllegalArgumentException("pixels has " + pixels.length + " values; "
                    + labels.length + " samples need " + (long) labels.length * PIXELS);
        }
        for (byte l : labels) {
            if (l < 0 || l >= CLASSES) {
                throw new IllegalArgumentException("label " + l + " is not a digit 0..9");
            }
        }
        this.pixels = pixels;
        this.labels = labels;
    }

    /** The class names "0".."9", as DL4J's iterators and DataVec readers report them. */
    public static java.util.List<String> labelNames() {
        return java.util.List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");
    }

    public int size() {
        return labels.length;
    }

    public int label(int i) {
        return labels[i];
    }

    /** Copies sample i's pixels into {@code out} at {@code offset}. */
    public void copyPixels(int i, float[] out, int offset) {
        System.arraycopy(pixels, i * PIXELS, out, offset, PIXELS);
    }

    public float pixel(int sample, int index) {
        return pixels[sample * PIXELS + index];
    }

    /** Number of samples of each digit 0..9. */
    public int[] countsPerDigit() {
        int[] c = new int[CLASSES];
        for (byte l : labels) {
            c[l]++;
        }
        return c;
    }

    /** The samples at {@code indices}, in that order (copied). */
    public MnistDigits subset(int[] indices) {
        float[] p = new float[indices.length * PIXELS];
        byte[] l = new byte[indices.length];
        for (int k = 0; k < indices.length; k++) {
            int i = indices[k];
            if (i < 0 || i >= size()) {
                throw new IndexOutOfBoundsException("sample " + i + " of " + size());
            }
            System.arraycopy(pixels, i * PIXELS, p, k * PIXELS, PIXELS);
            l[k] = labels[i];
        }
        return new MnistDigits(p, l);
    }

    /** Raw views for the binary cache writer; callers must not modify them. */
    float[] pixelsUnsafe() {
        return pixels;
    }

    byte[] labelsUnsafe() {
        return labels;
    }

    @Override
    public String toString() {
        return "MnistDigits{size=" + size() + ", perDigit=" + Arrays.toString(countsPerDigit()) + "}";
    }
}

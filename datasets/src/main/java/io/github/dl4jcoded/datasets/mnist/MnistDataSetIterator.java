package io.github.dl4jcoded.datasets.mnist;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.DataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;

/**
 * A DL4J {@link DataSetIterator} over {@link MnistDigits}: features {@code [batch, 784]} in
 * [0, 1] (use {@code InputType.convolutionalFlat(28, 28, 1)} for CNNs), one-hot labels
 * {@code [batch, 10]}. With shuffling on, each epoch ({@link #reset()}) draws a new order from
 * a seeded generator, so two iterators with the same seed yield the same minibatches.
 */
public final class MnistDataSetIterator implements DataSetIterator {
    private static final long serialVersionUID = 1L;

    private final MnistDigits digits;
    private final int batchSize;
    private final boolean shuffle;
    private final SplittableRandom rng;
    private final DataType dataType;
    private final int[] order;
    private int cursor;
    private DataSetPreProcessor preProcessor;

    public MnistDataSetIterator(MnistDigits digits, int batchSize, boolean shuffle, long seed) {
        this(digits, batchSize, shuffle, seed, DataType.FLOAT);
    }

    public MnistDataSetIterator(MnistDigits digits, int batchSize, boolean shuffle, long seed, DataType dataType) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
        }
        if (digits.size() == 0) {
            throw new IllegalArgumentException("no digits to iterate over");
        }
        this.digits = digits;
        this.batchSize = batchSize;
        this.shuffle = shuffle;
        this.rng = new SplittableRandom(seed);
        this.dataType = dataType;
        this.order = new int[digits.size()];
        fillOrder();
    }

    private void fillOrder() {
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        if (shuffle) {
            for (int i = order.length - 1; i > 0; i--) {
                int j = rng.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
        }
        cursor = 0;
    }

    @Override
    public DataSet next(int num) {
        if (!hasNext()) {
            throw new NoSuchElementException("epoch exhausted; call reset()");
        }
        int n = Math.min(num, order.length - cursor);
        float[] x = new float[n * MnistDigits.PIXELS];
        float[] y = new float[n * MnistDigits.CLASSES];
        for (int k = 0; k < n; k++) {
            int i = order[cursor + k];
            digits.copyPixels(i, x, k * MnistDigits.PIXELS);
            y[k * MnistDigits.CLASSES + digits.label(i)] = 1f;
        }
        cursor += n;
        DataSet ds = new DataSet(
                Nd4j.create(x, new long[]{n, MnistDigits.PIXELS}, 'c').castTo(dataType),
                Nd4j.create(y, new long[]{n, MnistDigits.CLASSES}, 'c').castTo(dataType));
        if (preProcessor != null) {
            preProcessor.preProcess(ds);
        }
        return ds;
    }

    @Override
    public DataSet next() {
        return next(batchSize);
    }

    @Override
    public boolean hasNext() {
        return cursor < order.length;
    }

    @Override
    public int inputColumns() {
        return MnistDigits.PIXELS;
    }

    @Override
    public int totalOutcomes() {
        return MnistDigits.CLASSES;
    }

    @Override
    public boolean resetSupported() {
        return true;
    }

    @Override
    public boolean asyncSupported() {
        return true;
    }

    @Override
    public void reset() {
        fillOrder();
    }

    @Override
    public int batch() {
        return batchSize;
    }

    /** Number of samples per epoch. */
    public int numExamples() {
        return digits.size();
    }

    @Override
    public void setPreProcessor(DataSetPreProcessor preProcessor) {
        this.preProcessor = preProcessor;
    }

    @Override
    public DataSetPreProcessor getPreProcessor() {
        return preProcessor;
    }

    @Override
    public List<String> getLabels() {
        return MnistDigits.labelNames();
    }
}

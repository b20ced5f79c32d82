package io.github.dl4jcoded.data;

import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.DataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

import java.util.Arrays;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;

/**
 * A DL4J {@link DataSetIterator} over an {@link ExampleSource}, for {@code fit} and the local
 * facade: minibatches of {@code batchSize} in index order, or, with shuffling, in an order drawn
 * anew at every {@link #reset()} from a seeded generator (two iterators with one seed yield the
 * same minibatches).
 */
public final class ExampleIterator implements DataSetIterator {
    private static final long serialVersionUID = 1L;

    private final transient ExampleSource source;
    private final int batchSize;
    private final boolean shuffle;
    private final SplittableRandom rng;
    private int[] order;
    private int cursor;
    private transient DataSetPreProcessor preProcessor;

    public ExampleIterator(ExampleSource source, int batchSize, boolean shuffle, long seed) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
        }
        if (source.size() < 1) {
            throw new IllegalArgumentException("no examples to iterate over in " + source.fingerprint());
        }
        this.source = source;
        this.batchSize = batchSize;
        this.shuffle = shuffle;
        this.rng = new SplittableRandom(seed);
        this.order = new int[source.size()];
        reset();
    }

    @Override
    public DataSet next(int num) {
        if (!hasNext()) {
            throw new NoSuchElementException("epoch exhausted; call reset()");
        }
        int n = Math.min(num, order.length - cursor);
        DataSet ds = source.examples(Arrays.copyOfRange(order, cursor, cursor + n));
        cursor += n;
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
    public void reset() {
        if (shuffle) {
            order = Permutations.shuffled(source.size(), rng);
        } else {
            Arrays.setAll(order, i -> i);
        }
        cursor = 0;
    }

    @Override
    public int inputColumns() {
        return (int) source.examples(new int[]{0}).getFeatures().length();
    }

    @Override
    public int totalOutcomes() {
        return (int) source.examples(new int[]{0}).getLabels().size(1);
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
    public int batch() {
        return batchSize;
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
        return null;
    }
}

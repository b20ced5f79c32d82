package io.github.dl4jcoded.examples;

import picocli.CommandLine.Option;

/** What every training command asks alike: the model, the optimizer, the data and the seed (a picocli mixin). */
final class RunOptions {
    @Option(names = "--model", defaultValue = "lenet", completionCandidates = Models.Names.class,
            description = "one of ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE})")
    String model;

    @Option(names = "--epochs", defaultValue = "2", description = "passes over the training digits (default: ${DEFAULT-VALUE})")
    int epochs;

    @Option(names = "--batch", defaultValue = "64", description = "minibatch size (default: ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--lr", defaultValue = "1e-3", description = "Adam learning rate (default: ${DEFAULT-VALUE})")
    double learningRate;

    @Option(names = "--seed", defaultValue = "42", description = "seed for weights, frames and minibatch order (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--train-size", defaultValue = "8000", description = "training digits (default: ${DEFAULT-VALUE})")
    int trainSize;

    @Option(names = "--test-size", defaultValue = "2000", description = "test digits (default: ${DEFAULT-VALUE})")
    int testSize;

    @Option(names = "--split-seed", defaultValue = "" + io.github.dl4jcoded.datasets.mnist.MnistSplit.DEFAULT_SEED,
            description = "seed of the train/test split of the digits (default: ${DEFAULT-VALUE})")
    long splitSeed;

    /** @throws IllegalArgumentException for values no run can use */
    void validate() {
        if (epochs < 1) throw new IllegalArgumentException("--epochs must be at least 1, got " + epochs);
        if (batch < 1) throw new IllegalArgumentException("--batch must be at least 1, got " + batch);
        if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
            throw new IllegalArgumentException("--lr must be positive and finite, got " + learningRate);
        }
    }
}

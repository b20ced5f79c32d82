package io.github.dl4jcoded.examples;

import io.github.dl4jcoded.datasets.mnist.MnistSplit;
import picocli.CommandLine.Option;

/** Which of the MNIST digits a run takes (a picocli mixin): how many for training and testing, split by which seed. */
final class MnistOptions {
    @Option(names = "--train-size", defaultValue = "8000", description = "MNIST: training digits (default: ${DEFAULT-VALUE})")
    int trainSize;

    @Option(names = "--test-size", defaultValue = "2000", description = "MNIST: test digits (default: ${DEFAULT-VALUE})")
    int testSize;

    @Option(names = "--split-seed", defaultValue = "" + MnistSplit.DEFAULT_SEED,
            description = "seed of the train/test split of the digits (default: ${DEFAULT-VALUE})")
    long splitSeed;
}

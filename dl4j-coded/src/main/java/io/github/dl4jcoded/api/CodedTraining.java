package io.github.dl4jcoded.api;

import io.github.dl4jcoded.training.CodedTrainingConfig;
import io.github.dl4jcoded.training.local.LocalTrainer;
import io.github.dl4jcoded.training.server.TrainingStats;
import io.github.dl4jcoded.nn.Network;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

import java.util.function.Consumer;

/**
 * The three-line entry point, in the spirit of Horovod's DistributedOptimizer: keep your
 * network, its configuration, updater and listeners; wrap it; fit. Every update lands in your
 * network as it is applied and your listeners fire with it ({@link LocalTrainer} says which
 * callbacks); one open wrapper per network.
 *
 * <pre>{@code
 * try (CodedTraining coded = CodedTraining.wrap(net, CodedTrainingConfig.defaults())) {
 *     coded.fit(trainIterator, 5);
 * }
 * net.evaluate(testIterator);   // the same network object, trained
 * }</pre>
 */
public final class CodedTraining implements AutoCloseable {
    private final LocalTrainer trainer;
    private final Model net;

    private CodedTraining(Model net, CodedTrainingConfig config) {
        this.net = net;
        this.trainer = new LocalTrainer(net, config);
    }

    /** Wraps an initialized network for local coded (or vanilla parameter-server) training. */
    public static CodedTraining wrap(MultiLayerNetwork net, CodedTrainingConfig config) {
        return new CodedTraining(net, config);
    }

    /** Wraps either kind of network behind {@link Network}. */
    public static CodedTraining wrap(Network net, CodedTrainingConfig config) {
        return new CodedTraining(net.model(), config);
    }

    /** Wraps an initialized graph (one input, one output) with the same contract. */
    public static CodedTraining wrap(ComputationGraph graph, CodedTrainingConfig config) {
        return new CodedTraining(graph, config);
    }

    /** Trains {@code epochs} passes; the wrapped network is updated in place. */
    public CodedTraining fit(DataSetIterator data, int epochs) {
        trainer.fit(data, epochs);
        return this;
    }

    /** Called after each applied round, e.g. to advance a progress bar. */
    public CodedTraining onRound(Consumer<TrainingStats> listener) {
        trainer.onRound(listener);
        return this;
    }

    public TrainingStats stats() {
        return trainer.stats();
    }

    /** The wrapped network: the user's own object. */
    public Model network() {
        return net;
    }

    public CodedTrainingConfig config() {
        return trainer.config();
    }

    /** The loss reported with the last applied update (mean over its examples). */
    public double score() {
        return trainer.score();
    }

    @Override
    public void close() {
        trainer.close();
    }
}

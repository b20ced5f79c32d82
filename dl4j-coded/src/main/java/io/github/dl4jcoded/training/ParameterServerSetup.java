package io.github.dl4jcoded.training;

import io.github.dl4jcoded.nn.Network;
import io.github.dl4jcoded.updater.MaskedUpdaters;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * How every parameter server of this library (the local trainer, the simulator, the cluster
 * server and its replicas) is set up from a user's network, kept in one place so that they all
 * apply the same updates.
 */
public final class ParameterServerSetup {
    private ParameterServerSetup() {
    }

    /** Refuses networks the trainers cannot train, with what to do instead. */
    public static void checkSupported(Network net) {
        if (net.params() == null || net.params().isEmpty()) {
            throw new IllegalArgumentException("call init() on the network before wrapping it");
        }
        if (net.model() instanceof ComputationGraph g
                && (g.getNumInputArrays() != 1 || g.getNumOutputArrays() != 1)) {
            throw new IllegalArgumentException("the graph has " + g.getNumInputArrays() + " inputs and "
                    + g.getNumOutputArrays() + " outputs: coded training feeds one DataSet, so it needs one of each");
        }
    }

    /**
     * The server's copy of {@code user}: every updater wrapped in a MaskedUpdater, with the
     * user's parameters, updater state, iteration and epoch counts. Listeners are not copied.
     */
    public static Network serverCopy(Network user) {
        Network server = user.withConfiguration(MaskedUpdaters::wrapAny);
        server.init(user.params().dup(), true);
        INDArray userState = user.updaterState();
        if (userState != null && !userState.isEmpty()) {
            server.updaterState().assign(userState);
        }
        server.setIterationCount(user.getIterationCount());
        server.setEpochCount(user.getEpochCount());
        return server;
    }

    /** A worker's replica of {@code user}: same configuration and parameters, its own memory. */
    public static Network replica(Network user) {
        Network r = user.withConfiguration(c -> c);
        r.init(user.params().dup(), false);
        return r;
    }

    /** The codec {@code config} asks for: dense gradients (vanilla) or codewords over {@code server}'s blocks. */
    public static GradientCodec codec(Network server, CodedTrainingConfig config) {
        return config.mode() == CodedTrainingConfig.Mode.VANILLA
                ? new DenseCodec(Math.toIntExact(server.numParams()), valueBytes(server))
                : new CodedCodec(server, config);
    }

    /** Bytes per value of the network's parameters: what decoded updates are rounded to (4 or 8). */
    public static int valueBytes(Network net) {
        return net.dataType() == org.nd4j.linalg.api.buffer.DataType.DOUBLE ? 8 : 4;
    }
}

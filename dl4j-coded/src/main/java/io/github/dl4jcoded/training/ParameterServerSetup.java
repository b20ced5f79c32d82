package io.github.dl4jcoded.training;

import io.github.dl4jcoded.updater.MaskedUpdaters;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * How every parameter server of this library (the local trainer, the simulator) is set up from
 * a user's network, kept in one place so that they all apply the same updates.
 */
public final class ParameterServerSetup {
    private ParameterServerSetup() {
    }

    /** Refuses networks the trainers cannot train yet, with what to do instead. */
    public static void checkSupported(MultiLayerNetwork net) {
        if (net.getLayerWiseConfigurations() == null || net.params() == null) {
            throw new IllegalArgumentException("call net.init() before wrapping the network");
        }
        for (Layer l : net.getLayers()) {
            if (l.conf().getLayer() instanceof BatchNormalization) {
                throw new IllegalArgumentException("layer " + l.getIndex() + " is BatchNormalization: its running"
                        + " statistics travel in the gradient view and cannot be compressed yet; use plain fit for this network");
            }
        }
    }

    /**
     * The server's copy of {@code user}: every updater wrapped in a MaskedUpdater, with the
     * user's parameters, updater state, iteration and epoch counts. Listeners are not copied.
     */
    public static MultiLayerNetwork serverCopy(MultiLayerNetwork user) {
        MultiLayerNetwork server = new MultiLayerNetwork(MaskedUpdaters.wrap(user.getLayerWiseConfigurations()));
        server.init(user.params().dup(), true);
        INDArray userState = user.getUpdater(true).getStateViewArray();
        if (userState != null && !userState.isEmpty()) {
            server.getUpdater(true).getStateViewArray().assign(userState);
        }
        server.setIterationCount(user.getIterationCount());
        server.getLayerWiseConfigurations().setEpochCount(user.getEpochCount());
        return server;
    }

    /** A worker's replica of {@code user}: same configuration and parameters, its own memory. */
    public static MultiLayerNetwork replica(MultiLayerNetwork user) {
        MultiLayerNetwork r = new MultiLayerNetwork(user.getLayerWiseConfigurations().clone());
        r.init(user.params().dup(), false);
        return r;
    }

    /** The codec {@code config} asks for: dense gradients (vanilla) or codewords over {@code server}'s blocks. */
    public static GradientCodec codec(MultiLayerNetwork server, CodedTrainingConfig config) {
        return config.mode() == CodedTrainingConfig.Mode.VANILLA
                ? new DenseCodec(Math.toIntExact(server.numParams()), valueBytes(server))
                : new CodedCodec(server, config);
    }

    /** Bytes per value of the network's parameters: what decoded updates are rounded to (4 or 8). */
    public static int valueBytes(MultiLayerNetwork net) {
        return net.params().dataType() == org.nd4j.linalg.api.buffer.DataType.DOUBLE ? 8 : 4;
    }
}

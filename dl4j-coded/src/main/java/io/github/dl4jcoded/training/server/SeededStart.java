package io.github.dl4jcoded.training.server;

import io.github.dl4jcoded.training.CodedTrainingConfig;
import io.github.dl4jcoded.training.GradientCodec;
import io.github.dl4jcoded.training.ParameterServerSetup;
import io.github.dl4jcoded.nn.Network;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * When a joining worker can build the server's network and codec itself instead of receiving
 * them: the network is exactly what its configuration's {@code init()} makes (DL4J draws the
 * initial weights from the configuration's seed), bit for bit in parameters, updater state and
 * counters, and the codec's state is a fresh codec's, as in a fresh run. The one rule for the
 * cluster server and the simulator.
 */
public final class SeededStart {
    private SeededStart() {
    }

    /**
     * The JSON of {@code net}'s configuration when a network built from it and initialized equals
     * {@code net}, a codec made for it by {@code config} has {@code codec}'s state, and the JSON is
     * smaller on a wire ({@link WireSizes#seededNetwork}) than what it replaces: the snapshot of
     * {@code snapshotBytes} and the codec's state. Null otherwise (a trained network, weights set
     * by hand, or a network so small that its weights cost less than its configuration).
     */
    public static String configuration(Network net, CodedTrainingConfig config, GradientCodec codec, long snapshotBytes) {
        String json = net.configurationJson();
        byte[] state = codec.exportState();
        if (WireSizes.seededNetwork(json) >= snapshotBytes + (state == null ? 0 : state.length)) {
            return null;
        }
        Network fresh = Network.fromJson(json);
        fresh.init();
        INDArray updater = net.updaterState();
        INDArray freshUpdater = fresh.updaterState();
        boolean same = sameBits(fresh.params(), net.params())
                && (updater == null || updater.isEmpty() ? freshUpdater == null || freshUpdater.isEmpty() : sameBits(freshUpdater, updater))
                && fresh.getIterationCount() == net.getIterationCount() && fresh.getEpochCount() == net.getEpochCount()
                && java.util.Arrays.equals(state, ParameterServerSetup.codec(fresh, config).exportState());
        return same ? json : null;
    }

    private static boolean sameBits(INDArray a, INDArray b) {
        return a != null && b != null && a.dataType() == b.dataType() && a.length() == b.length()
                && java.util.Arrays.equals(a.dup().data().asBytes(), b.dup().data().asBytes());
    }
}

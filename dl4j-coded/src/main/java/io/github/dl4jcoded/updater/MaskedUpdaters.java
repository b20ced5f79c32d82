package io.github.dl4jcoded.updater;

import io.github.dl4jcoded.nn.Network;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.BaseMultiLayerUpdater;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.nd4j.linalg.learning.GradientUpdater;

import java.util.function.Supplier;

/** Installing {@link MaskedUpdater} into a network configuration and binding it to a mask. */
public final class MaskedUpdaters {
    private MaskedUpdaters() {
    }

    /**
     * A copy of {@code conf} in which every layer's updater (and bias updater) is wrapped in a
     * {@link MaskedUpdater}; the user's configuration object is left as it was.
     */
    public static MultiLayerConfiguration wrap(MultiLayerConfiguration conf) {
        MultiLayerConfiguration copy = conf.clone();
        for (int i = 0; i < copy.getConfs().size(); i++) {
            wrap(copy.getConf(i).getLayer());
        }
        return copy;
    }

    /** As {@link #wrap(MultiLayerConfiguration)} for a graph: every layer vertex's updaters wrapped. */
    public static ComputationGraphConfiguration wrap(ComputationGraphConfiguration conf) {
        ComputationGraphConfiguration copy = conf.clone();
        for (GraphVertex v : copy.getVertices().values()) {
            if (v instanceof LayerVertex lv) {
                wrap(lv.getLayerConf().getLayer());
            }
        }
        return copy;
    }

    /** Either kind of configuration (what {@link Network#withConfiguration} hands over). */
    public static Object wrapAny(Object conf) {
        if (conf instanceof MultiLayerConfiguration m) {
            return wrap(m);
        }
        if (conf instanceof ComputationGraphConfiguration g) {
            return wrap(g);
        }
        throw new IllegalArgumentException("not a network configuration: " + conf.getClass().getName());
    }

    private static void wrap(Layer layer) {
        if (layer instanceof BaseLayer b) {
            if (b.getIUpdater() != null && !(b.getIUpdater() instanceof MaskedUpdater)) {
                b.setIUpdater(new MaskedUpdater(b.getIUpdater()));
            }
            if (b.getBiasUpdater() != null && !(b.getBiasUpdater() instanceof MaskedUpdater)) {
                b.setBiasUpdater(new MaskedUpdater(b.getBiasUpdater()));
            }
        }
    }

    /**
     * Points every masked updater block of {@code net} at {@code maskSource}, which the training
     * loop sets before each update ({@code null} from it means every block is present).
     *
     * @return the number of updater blocks bound
     */
    public static int bind(MultiLayerNetwork net, Supplier<GradientMask> maskSource) {
        return bind(Network.of(net), maskSource);
    }

    /** As {@link #bind(MultiLayerNetwork, Supplier)}, for either kind of network. */
    public static int bind(Network net, Supplier<GradientMask> maskSource) {
        BaseMultiLayerUpdater<?> mlu = net.updater();
        int bound = 0;
        for (UpdaterBlock block : mlu.getUpdaterBlocks()) {
            GradientUpdater<?> g = block.getGradientUpdater();
            if (g == null) {
                block.init();
                g = block.getGradientUpdater();
            }
            if (g instanceof MaskedGradientUpdater m) {
                m.bind(block.getParamOffsetStart(), maskSource);
                bound++;
            } else if (g != null && block.getParamOffsetEnd() > block.getParamOffsetStart()
                    && !(g.getConfig() instanceof org.nd4j.linalg.learning.config.NoOp)) {
                throw new IllegalArgumentException("updater block for params [" + block.getParamOffsetStart() + ", "
                        + block.getParamOffsetEnd() + ") uses " + g.getConfig()
                        + ", not a MaskedUpdater: build the network from MaskedUpdaters.wrap(conf)");
            }
        }
        return bound;
    }
}

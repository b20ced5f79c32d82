package io.github.dl4jcoded.engine.tangent;

import io.github.dl4jcoded.engine.UnsupportedLayerException;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.function.BiConsumer;

/**
 * What a tangent rule may know about the layer it runs for. {@code batchStatistics}, when not
 * null, receives batch normalization's primal minibatch mean and biased variance ({@code [C]}
 * each), from which the engine computes DL4J's running-statistics step.
 */
public record LayerContext(int index, Layer layer, int iteration, int epoch,
                           BiConsumer<INDArray, INDArray> batchStatistics) {

    public LayerContext(int index, Layer layer, int iteration, int epoch) {
        this(index, layer, iteration, epoch, null);
    }

    public org.deeplearning4j.nn.conf.layers.Layer conf() {
        return layer.conf().getLayer();
    }

    public LayerWorkspaceMgr workspaces() {
        return LayerWorkspaceMgr.noWorkspaces();
    }

    public String describe() {
        org.deeplearning4j.nn.conf.layers.Layer c = conf();
        String name = c.getLayerName();
        return c.getClass().getSimpleName() + (name == null ? "" : " '" + name + "'");
    }

    public UnsupportedLayerException unsupported(String what) {
        return new UnsupportedLayerException(index, describe(), what);
    }
}

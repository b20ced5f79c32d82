package io.github.dl4jcoded.nn;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * Where each layer's parameters sit in the flattened parameter vector {@code net.params()}
 * (and, identically, in the gradient view). A caller uses it to build directions supported on
 * one layer or one parameter, and to know at which layer a direction starts: in forward mode a
 * direction's cost depends on its first layer (DESIGN section 2, cost-aware allocation).
 *
 * <p>Offsets are read from the parameter views DL4J itself hands out ({@code paramTable()}),
 * so the layout is the real one, not an assumption.
 */
public final class ParamLayout {

    /**
     * One parameter array: indices {@code [from, to)} of the flattened vector hold it, in
     * {@code order} ('c' or 'f') over {@code shape}. {@code differentiable} is false for state
     * that the loss does not depend on (batch normalization's running mean and variance).
     */
    public record ParamRange(String key, long from, long to, long[] shape, char order, boolean differentiable) {
        public long length() {
            return to - from;
        }
    }

    /** One layer: indices {@code [from, to)} (empty when the layer has no parameters). */
    public record LayerRange(int layerIndex, String layerName, String layerType, long from, long to,
                             List<ParamRange> params) {
        public long length() {
            return to - from;
        }

        public boolean hasParams() {
            return to > from;
        }

        public ParamRange param(String key) {
            for (ParamRange p : params) {
                if (p.key().equals(key)) {
                    return p;
                }
            }
            return null;
        }
    }

    private final List<LayerRange> layers;
    private final long numParams;

    private ParamLayout(List<LayerRange> layers, long numParams) {
        this.layers = Collections.unmodifiableList(layers);
        this.numParams = numParams;
    }

    public static ParamLayout of(MultiLayerNetwork net) {
        return of(Network.of(net));
    }

    /** The layout of either kind of network; a graph's layers come in topological order, as its parameters do. */
    public static ParamLayout of(Network net) {
        INDArray flat = net.params();
        long base = flat.offset();
        long total = flat.length();
        List<LayerRange> out = new ArrayList<>();
        long cursor = 0;
        Layer[] all = net.layers();
        for (int i = 0; i < all.length; i++) {
            Layer layer = all[i];
            org.deeplearning4j.nn.conf.layers.Layer conf = layer.conf().getLayer();
            List<ParamRange> params = new ArrayList<>();
            long from = Long.MAX_VALUE;
            long to = Long.MIN_VALUE;
            for (Map.Entry<String, INDArray> e : layer.paramTable().entrySet()) {
                INDArray v = e.getValue();
                long start = v.offset() - base;
                long end = start + v.length();
                if (start < 0 || end > total) {
                    throw new IllegalStateException("Parameter " + e.getKey() + " of layer " + i
                            + " is not a view of the network's params(); call init() first");
                }
                boolean differentiable = !(conf instanceof BatchNormalization
                        && (e.getKey().equals(BatchNormalizationParamInitializer.GLOBAL_MEAN)
                        || e.getKey().equals(BatchNormalizationParamInitializer.GLOBAL_VAR)
                        || e.getKey().equals(BatchNormalizationParamInitializer.GLOBAL_LOG_STD)));
                params.add(new ParamRange(e.getKey(), start, end, v.shape(), v.ordering(), differentiable));
                from = Math.min(from, start);
                to = Math.max(to, end);
            }
            if (params.isEmpty()) {
                from = cursor;
                to = cursor;
            } else {
                if (from != cursor || to - from != layer.numParams()) {
                    throw new IllegalStateException("Unexpected parameter layout at layer " + i);
                }
                params.sort((a, b) -> Long.compare(a.from(), b.from()));
            }
            cursor = to;
            out.add(new LayerRange(i, conf.getLayerName(), conf.getClass().getSimpleName(), from, to,
                    Collections.unmodifiableList(params)));
        }
        if (cursor != total) {
            throw new IllegalStateException("Layer ranges cover " + cursor + " of " + total + " parameters");
        }
        return new ParamLayout(out, total);
    }

    public List<LayerRange> layers() {
        return layers;
    }

    public LayerRange layer(int index) {
        return layers.get(index);
    }

    public long numParams() {
        return numParams;
    }

    /** The layer holding flattened index {@code index}. */
    public LayerRange layerOf(long index) {
        for (LayerRange l : layers) {
            if (index >= l.from() && index < l.to()) {
                return l;
            }
        }
        throw new IndexOutOfBoundsException("index " + index + " of " + numParams);
    }

    /**
     * For each row of {@code directions} ({@code [m, nParams]}), the first layer where it is
     * non-zero, or {@code -1} for an all-zero direction.
     */
    public int[] startLayers(INDArray directions) {
        return support(directions)[0];
    }

    /**
     * {@code {start, end}}: for each row of {@code directions}, the first and the last layer
     * where it is non-zero ({@code -1} for an all-zero direction). In forward mode a direction
     * costs the layers from its start to the loss.
     */
    public int[][] support(INDArray directions) {
        checkDirections(directions);
        int m = (int) directions.size(0);
        int[] start = new int[m];
        int[] end = new int[m];
        java.util.Arrays.fill(start, -1);
        java.util.Arrays.fill(end, -1);
        for (LayerRange l : layers) {
            if (!l.hasParams() || m == 0) {
                continue;
            }
            double[] amax = directions.get(NDArrayIndex.all(), NDArrayIndex.interval(l.from(), l.to()))
                    .amax(1).castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE).toDoubleVector();
            for (int i = 0; i < m; i++) {
                if (amax[i] != 0.0) {
                    if (start[i] < 0) {
                        start[i] = l.layerIndex();
                    }
                    end[i] = l.layerIndex();
                }
            }
        }
        return new int[][]{start, end};
    }

    public void checkDirections(INDArray directions) {
        if (directions.rank() != 2 || directions.size(1) != numParams) {
            throw new IllegalArgumentException("directions must be [m, " + numParams + "] in the layout of "
                    + "net.params(), got " + java.util.Arrays.toString(directions.shape()));
        }
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        for (LayerRange l : layers) {
            sb.append(String.format("%3d %-22s [%d, %d)", l.layerIndex(), l.layerType(), l.from(), l.to()));
            for (ParamRange p : l.params()) {
                sb.append(' ').append(p.key()).append(java.util.Arrays.toString(p.shape())).append(p.order());
            }
            sb.append('\n');
        }
        return sb.toString();
    }
}

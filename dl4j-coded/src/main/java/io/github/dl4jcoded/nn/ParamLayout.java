package io.github.dl4jcoded.nn;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Where each DL4J parameter ("0_W", "0_b", ...) lives in the flattened {@code params()} vector,
 * read from the views themselves (offset into the shared buffer, shape, order) rather than
 * assumed: a convolution stores b before W, dense layers store W in 'f' order.
 */
public record ParamLayout(List<Entry> entries, long numParams) {

    /** One parameter array: its key, layer index, offset in params(), shape and storage order. */
    public record Entry(String key, int layer, String param, int offset, int length, long[] shape, char order) {
    }

    public static ParamLayout of(MultiLayerNetwork net) {
        INDArray flat = net.params();
        List<Entry> out = new ArrayList<>();
        for (Map.Entry<String, INDArray> e : net.paramTable().entrySet()) {
            INDArray v = e.getValue();
            long off = v.offset() - flat.offset();
            if (off < 0 || off + v.length() > flat.length()) {
                throw new IllegalStateException("parameter " + e.getKey() + " is not a view of params()");
            }
            String key = e.getKey();
            int us = key.indexOf('_');
            out.add(new Entry(key, Integer.parseInt(key.substring(0, us)), key.substring(us + 1),
                    (int) off, (int) v.length(), v.shape(), v.ordering()));
        }
        out.sort(Comparator.comparingInt(Entry::offset));
        return new ParamLayout(List.copyOf(out), flat.length());
    }

    /** Offset of the first parameter of layer {@code layer}, or -1 if it has none. */
    public int layerStart(int layer) {
        return entries.stream().filter(e -> e.layer() == layer).mapToInt(Entry::offset).min().orElse(-1);
    }

    /** One past the last parameter of layer {@code layer}, or -1 if it has none. */
    public int layerEnd(int layer) {
        return entries.stream().filter(e -> e.layer() == layer).mapToInt(e -> e.offset() + e.length()).max().orElse(-1);
    }
}

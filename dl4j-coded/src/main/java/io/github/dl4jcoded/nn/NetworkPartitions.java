package io.github.dl4jcoded.nn;

import io.github.dl4jcoded.partition.Partition;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

import java.util.Locale;

/**
 * Builds a {@link Partition} of a network's flattened parameters (the DL4J side of the
 * partition concept: the math package knows only index ranges). Blocks are named after DL4J's
 * parameter keys, so reports read "0_W", "4_b", "4_W[17]".
 */
public final class NetworkPartitions {
    private NetworkPartitions() {
    }

    /** How to cut the parameters into blocks. */
    public enum Scheme {
        /** one block per layer */
        LAYER,
        /** one block per parameter array (W, b, gamma, ...) */
        PARAM,
        /** one block per output channel (convolution) or output unit (dense) of each weight; biases whole */
        OUTPUT_UNIT,
        /** fixed-size contiguous chunks across the whole vector */
        CHUNK;

        public static Scheme parse(String s) {
            try {
                return valueOf(s.toUpperCase(Locale.ROOT).replace('-', '_'));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown partition '" + s + "': choose layer, param, output-unit or chunk");
            }
        }
    }

    public static Partition build(MultiLayerNetwork net, Scheme scheme, int chunkSize) {
        return build(Network.of(net), scheme, chunkSize);
    }

    public static Partition build(Network net, Scheme scheme, int chunkSize) {
        ParamLayout layout = ParamLayout.of(net);
        int n = Math.toIntExact(layout.numParams());
        Partition.Builder b = Partition.builder();
        switch (scheme) {
            case CHUNK -> {
                if (chunkSize < 1) {
                    throw new IllegalArgumentException("chunk size must be positive, got " + chunkSize);
                }
                return Partition.chunks(n, chunkSize);
            }
            case LAYER -> {
                for (ParamLayout.LayerRange l : layout.layers()) {
                    if (l.hasParams()) {
                        b.segment(Integer.toString(l.layerIndex()), (int) l.from(), (int) l.length());
                    }
                }
            }
            case PARAM -> {
                for (ParamLayout.LayerRange l : layout.layers()) {
                    for (ParamLayout.ParamRange p : l.params()) {
                        b.segment(l.layerIndex() + "_" + p.key(), (int) p.from(), (int) p.length());
                    }
                }
            }
            case OUTPUT_UNIT -> {
                for (ParamLayout.LayerRange l : layout.layers()) {
                    for (ParamLayout.ParamRange p : l.params()) {
                        String name = l.layerIndex() + "_" + p.key();
                        int[] shape = toInt(p.shape());
                        if (p.key().equals("W") && shape.length == 2) {
                            b.slices(name, (int) p.from(), shape, p.order(), 1);  // dense [nIn, nOut]
                        } else if (p.key().equals("W") && shape.length == 4) {
                            b.slices(name, (int) p.from(), shape, p.order(), 0);  // conv [nOut, nIn, kH, kW]
                        } else {
                            b.segment(name, (int) p.from(), (int) p.length());
                        }
                    }
                }
            }
            default -> throw new AssertionError(scheme);
        }
        return b.build(n);
    }

    private static int[] toInt(long[] s) {
        int[] r = new int[s.length];
        for (int i = 0; i < s.length; i++) {
            r[i] = Math.toIntExact(s[i]);
        }
        return r;
    }
}

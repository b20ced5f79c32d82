package io.github.dl4jcoded.engine.tangent;

import io.github.dl4jcoded.nn.ParamLayout;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The parameter tangents of one layer for the directions active at that layer: {@code count()}
 * rows, in the order of the tangents of the incoming {@link Dual} (directions started earlier
 * first), then the directions that start at this layer. {@link #block(String)} is the slice of
 * each such direction over one parameter array, {@code [count, length]}, in that parameter's
 * flattened order (see {@link ParamLayout.ParamRange#order()}).
 */
public final class LayerDirections {

    private final INDArray directions;
    private final int[] rows;
    private final int count;
    private final boolean paramTangents;
    private final ParamLayout.LayerRange range;

    /**
     * @param directions all directions {@code [m, nParams]} in the network's data type
     * @param rows          the rows of {@code directions} in tangent order; the first {@code count} are active here
     * @param paramTangents whether some active direction is non-zero on this layer's parameters
     */
    public LayerDirections(INDArray directions, int[] rows, int count, boolean paramTangents,
                           ParamLayout.LayerRange range) {
        this.directions = directions;
        this.rows = rows;
        this.count = count;
        this.paramTangents = paramTangents && count > 0;
        this.range = range;
    }

    /**
     * Whether the layer must add its parameter term ({@code x W' + b'} and the like) to the
     * tangents; false when every active direction is zero on this layer, which saves the work.
     */
    public boolean hasParamTangents() {
        return paramTangents;
    }

    /** Number of tangents leaving this layer. */
    public int count() {
        return count;
    }

    public ParamLayout.LayerRange range() {
        return range;
    }

    /** {@code [count, length]} parameter tangents of parameter {@code key}, 'c' order. */
    public INDArray block(String key) {
        ParamLayout.ParamRange p = range.param(key);
        if (p == null) {
            throw new IllegalArgumentException("layer " + range.layerIndex() + " has no parameter " + key);
        }
        long len = p.to() - p.from();
        boolean contiguous = true;
        for (int i = 0; i < count; i++) {
            if (rows[i] != rows[0] + i) {
                contiguous = false;
                break;
            }
        }
        if (contiguous) {
            return directions.get(NDArrayIndex.interval(rows[0], rows[0] + count),
                    NDArrayIndex.interval(p.from(), p.to())).dup('c').reshape(count, len);
        }
        INDArray cols = directions.get(NDArrayIndex.all(), NDArrayIndex.interval(p.from(), p.to()));
        int[] active = java.util.Arrays.copyOf(rows, count);
        return Nd4j.pullRows(cols, 1, active, 'c');
    }
}

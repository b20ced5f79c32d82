package io.github.dl4jcoded.nd4j;

import io.github.dl4jcoded.decode.Decoder;
import io.github.dl4jcoded.partition.Block;
import io.github.dl4jcoded.partition.Partition;
import java.util.BitSet;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The one place where the coding core meets ND4J: writes a decoder's estimate into a network's
 * gradient view (an INDArray of n elements, rank 1 or a [1, n] row) touching only the blocks the
 * decoder knows, so that the entries of MISSING blocks keep whatever the caller put there.
 *
 * <p>One {@code assign} per block range keeps the JNI calls to a few hundred for a typical network;
 * the values are computed in double and cast to the view's data type by ND4J.
 */
public final class GradientViewWriter {
    private GradientViewWriter() {}

    /** Writes the estimate into {@code view}; returns the blocks written (the updater's mask). */
    public static BitSet write(Decoder decoder, INDArray view) {
        Partition p = decoder.partition();
        boolean row = view.rank() == 2 && view.size(0) == 1;
        if (!(view.rank() == 1 || row) || view.length() != p.size()) {
            throw new IllegalArgumentException("gradient view must be a vector of " + p.size() + " elements, got shape "
                    + java.util.Arrays.toString(view.shape()));
        }
        double[] est = new double[p.size()];
        BitSet written = decoder.writeEstimate(est);
        for (int j = written.nextSetBit(0); j >= 0; j = written.nextSetBit(j + 1)) {
            Block b = p.block(j);
            for (int r = 0; r < b.rangeCount(); r++) {
                int start = b.rangeStart(r), len = b.rangeLength(r);
                INDArray values = Nd4j.createFromArray(java.util.Arrays.copyOfRange(est, start, start + len)).castTo(view.dataType());
                INDArrayIndex range = NDArrayIndex.interval(start, start + len);
                if (row) {
                    view.get(NDArrayIndex.point(0), range).assign(values);
                } else {
                    view.get(range).assign(values);
                }
            }
        }
        return written;
    }
}

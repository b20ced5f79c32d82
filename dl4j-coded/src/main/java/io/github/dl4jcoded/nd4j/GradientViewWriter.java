package io.github.dl4jcoded.nd4j;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Writes a gradient held in a Java array into a DL4J gradient view (an INDArray of n elements,
 * rank 1 or a [1, n] row) in one copy. A network's gradient view owns its whole buffer, so the
 * values are converted to the view's data type once and handed to the buffer in a single
 * {@code setData}; any other view (an offset into a larger buffer, a stride) falls back to one
 * {@code assign}. The server's old path made three full-length copies per step (a double array,
 * {@code createFromArray}, {@code castTo}, then {@code assign}).
 */
public final class GradientViewWriter {
    private GradientViewWriter() {
    }

    /** {@code view[i] = values[i]} for every i, rounded to the view's data type. */
    public static void write(double[] values, INDArray view) {
        boolean row = view.rank() == 2 && view.size(0) == 1;
        if (!(view.rank() == 1 || row) || view.length() != values.length) {
            throw new IllegalArgumentException("gradient view must be a vector of " + values.length + " elements, got shape "
                    + java.util.Arrays.toString(view.shape()));
        }
        boolean ownsBuffer = view.offset() == 0 && view.data().length() == values.length && view.elementWiseStride() == 1;
        DataType dt = view.dataType();
        if (ownsBuffer && dt == DataType.FLOAT) {
            float[] f = new float[values.length];
            for (int i = 0; i < f.length; i++) {
                f[i] = (float) values[i];
            }
            view.data().setData(f);
        } else if (ownsBuffer && dt == DataType.DOUBLE) {
            view.data().setData(values);
        } else {
            view.assign(Nd4j.createFromArray(values).castTo(dt).reshape(view.shape()));
        }
    }
}

package io.github.dl4jcoded.nd4j;

import static org.junit.jupiter.api.Assertions.*;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

class GradientViewWriterTest {

    private static double[] values(int n) {
        SplittableRandom rnd = new SplittableRandom(3);
        double[] g = new double[n];
        for (int i = 0; i < n; i++) g[i] = rnd.nextGaussian();
        return g;
    }

    @Test
    void writesEveryEntryIntoFloatAndDoubleViewsOfEitherShape() {
        double[] g = values(15);
        for (DataType dt : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            for (long[] shape : new long[][] {{15}, {1, 15}}) {
                INDArray view = Nd4j.valueArrayOf(shape, 9.0, dt);
                GradientViewWriter.write(g, view);
                double[] got = view.toDoubleVector();
                for (int i = 0; i < 15; i++) {
                    assertEquals(dt == DataType.FLOAT ? (float) g[i] : g[i], got[i], 0.0, dt + " index " + i);
                }
            }
        }
    }

    @Test
    void aViewIntoALargerBufferIsWrittenWithoutTouchingItsNeighbours() {
        double[] g = values(5);
        INDArray parent = Nd4j.valueArrayOf(new long[] {1, 12}, 9.0, DataType.FLOAT);
        INDArray view = parent.get(NDArrayIndex.point(0), NDArrayIndex.interval(4, 9));
        GradientViewWriter.write(g, view);
        float[] got = parent.toFloatVector();
        for (int i = 0; i < 12; i++) {
            assertEquals(i >= 4 && i < 9 ? (float) g[i - 4] : 9f, got[i], 0f, "index " + i);
        }
    }

    @Test
    void aViewOfAnotherLengthOrShapeIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> GradientViewWriter.write(new double[15], Nd4j.zeros(DataType.FLOAT, 3, 5)));
        assertThrows(IllegalArgumentException.class, () -> GradientViewWriter.write(new double[14], Nd4j.zeros(DataType.FLOAT, 15)));
    }
}

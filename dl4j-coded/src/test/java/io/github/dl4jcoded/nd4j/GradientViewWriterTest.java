package io.github.dl4jcoded.nd4j;

import static org.junit.jupiter.api.Assertions.*;

import io.github.dl4jcoded.code.Code;
import io.github.dl4jcoded.code.Codes;
import io.github.dl4jcoded.decode.CodewordEncoder;
import io.github.dl4jcoded.decode.PeelingDecoder;
import io.github.dl4jcoded.frame.FrameFamily;
import io.github.dl4jcoded.partition.Partition;
import java.util.BitSet;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class GradientViewWriterTest {

    @Test
    void writesOnlyKnownBlocksIntoAFloatView() {
        // A dense W [4, 3] 'f' split per input row (strided blocks), then a bias.
        Partition part = Partition.builder().slices("W", 0, new int[] {4, 3}, 'f', 0).segment("b", 12, 3).build(15);
        Code code = Codes.repetition(part.blockCount(), 1);
        FrameFamily fam = FrameFamily.identity();
        CodewordEncoder enc = new CodewordEncoder(part, code, fam);
        SplittableRandom rnd = new SplittableRandom(3);
        double[] g = new double[15];
        for (int i = 0; i < 15; i++) g[i] = rnd.nextGaussian();
        PeelingDecoder dec = new PeelingDecoder(part, code, fam, 0);
        for (int t = 0; t < code.taskCount(); t++) if (t != 1) dec.offer(enc.encode(0, t, g)); // block 1 lost

        for (INDArray view : new INDArray[] {Nd4j.valueArrayOf(new long[] {15}, 9.0, DataType.FLOAT),
                Nd4j.valueArrayOf(new long[] {1, 15}, 9.0, DataType.FLOAT)}) {
            INDArray parent = view; // written through, as a network's gradient view would be
            BitSet mask = GradientViewWriter.write(dec, view);
            assertFalse(mask.get(1));
            assertEquals(part.blockCount() - 1, mask.cardinality());
            float[] got = parent.toFloatVector();
            for (int i = 0; i < 15; i++) {
                boolean inLostBlock = i < 12 && i % 4 == 1; // row 1 of W in 'f' order
                assertEquals(inLostBlock ? 9.0 : g[i], got[i], 1e-6, "index " + i);
            }
        }
        assertThrows(IllegalArgumentException.class, () -> GradientViewWriter.write(dec, Nd4j.zeros(DataType.FLOAT, 3, 5)));
    }
}

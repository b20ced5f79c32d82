package io.github.dl4jcoded.cuda;

import static org.junit.jupiter.api.Assertions.*;

import io.github.dl4jcoded.frame.FrameFamily;
import io.github.dl4jcoded.frame.LowRankHistory;
import io.github.dl4jcoded.frame.LowRankHistory.MatrixShape;
import io.github.dl4jcoded.partition.Partition;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class LowRankLayoutTest {
    private static final Feedback FEEDBACK = new Feedback(0.9, 2.0);

    /** A bias, a 'c' matrix, an 'f' matrix, a matrix with a long side (one row a tile), a bias. */
    static Partition partition() {
        return Partition.segments(List.of(
                new Partition.Segment("b0", 0, 7), new Partition.Segment("W1", 7, 12 * 30), new Partition.Segment("W2", 367, 40 * 9),
                new Partition.Segment("W3", 727, 3 * 2000), new Partition.Segment("b3", 6727, 3)));
    }

    static final MatrixShape[] SHAPES = {null, new MatrixShape(12, 30, 'c'), new MatrixShape(40, 9, 'f'), new MatrixShape(3, 2000, 'c'), null};

    /**
     * The kernels' arithmetic on the packed layout (float) equals the Java low-rank frames (double)
     * over RIGHT, LEFT and RIGHT steps, residual and lift included.
     */
    @Test
    void packedKernelsEqualTheJavaFramesOnBothSides() {
        Partition part = partition();
        LowRankHistory history = new LowRankHistory(5, 4, SHAPES, 0, 4);
        int[] blocks = {0, 1, 2, 3, 4};
        int[] offs = new int[blocks.length], sizes = new int[blocks.length];
        for (int p = 0; p < blocks.length; p++) {
            offs[p] = part.block(p).offset();
            sizes[p] = part.block(p).size();
        }
        CpuFrameCoder cpu = new CpuFrameCoder(part, history, blocks, FEEDBACK);
        LowRankKernelEmulator gpuPath = new LowRankKernelEmulator(part.size(), blocks.length, FEEDBACK);
        SplittableRandom rnd = new SplittableRandom(9);
        for (long step = 0; step < 3; step++) {
            LowRankLayout layout = LowRankLayout.of(part, history, step, blocks);
            assertEquals(3, layout.matrixCount());
            assertEquals(2, layout.identityCount());
            float[] g = SketchCoderTest.gaussian(part.size(), rnd);
            float[] sc = cpu.encodeWithFeedback(step, g);
            float[] sg = gpuPath.encodeWithFeedback(layout, g);
            assertEquals(sc.length, layout.symbols());
            assertClose(sc, sg, 1e-5, "symbols, step " + step);
            assertClose(cpu.residual(), gpuPath.residual(layout, offs, sizes), 1e-5, "residual, step " + step);
            float[] outC = SketchCoderTest.gaussian(part.size(), rnd), outG = outC.clone();
            cpu.liftAdd(step, sc, 0.5f, outC);
            gpuPath.liftAdd(layout, sc, 0.5f, outG);
            assertClose(outC, outG, 1e-5, "lift, step " + step);
            int[] off = cpu.symbolOffsets(step);
            history.completeStep(step, j -> {
                double[] d = new double[off[j + 1] - off[j]];
                for (int t = 0; t < d.length; t++) d[t] = sc[off[j] + t];
                return d;
            });
        }
    }

    @Test
    void framesTheKernelsDoNotCodeAreRefused() {
        Partition part = partition();
        FrameFamily hadamard = new FrameFamily(FrameFamily.Kind.HADAMARD, 1, 4);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LowRankLayout.of(part, hadamard, 0, new int[] {1}));
        assertTrue(e.getMessage().contains("HadamardFrame"), e.getMessage());
        LowRankHistory wide = new LowRankHistory(5, 1, new MatrixShape[] {new MatrixShape(1, 20_000, 'c')}, 0, 4);
        Partition one = Partition.chunks(20_000, 20_000);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> LowRankLayout.of(one, wide, 0, new int[] {0}))
                .getMessage().contains("does not fit"));
    }

    static void assertClose(float[] want, float[] got, double rel, String what) {
        double max = 0;
        for (float v : want) max = Math.max(max, Math.abs(v));
        for (int i = 0; i < want.length; i++) assertEquals(want[i], got[i], rel * max + 1e-12, what + " at " + i);
    }
}

package io.github.dl4jcoded.cuda;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.dl4jcoded.code.Code;
import io.github.dl4jcoded.code.Codes;
import io.github.dl4jcoded.decode.Codeword;
import io.github.dl4jcoded.decode.CodewordEncoder;
import io.github.dl4jcoded.decode.ProjectiveDecoder;
import io.github.dl4jcoded.feedback.ErrorFeedback;
import io.github.dl4jcoded.frame.FrameFamily;
import io.github.dl4jcoded.partition.Block;
import io.github.dl4jcoded.partition.Partition;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SketchCoderTest {
    private static final FrameFamily FRAMES = new FrameFamily(FrameFamily.Kind.COUNT_SKETCH, 42, 32);
    private static final Feedback FEEDBACK = new Feedback(0.9, 2.0);

    /** Blocks of awkward sizes: smaller than r would make one row, not multiples of r, one above the fused limit. */
    static Partition partition() {
        return Partition.segments(List.of(
                new Partition.Segment("a", 0, 20), new Partition.Segment("b", 20, 500), new Partition.Segment("c", 520, 4096),
                new Partition.Segment("d", 4616, 5003), new Partition.Segment("e", 9619, 1), new Partition.Segment("f", 9620, 300)));
    }

    static float[] gaussian(int n, SplittableRandom rnd) {
        float[] g = new float[n];
        for (int i = 0; i < n; i++) g[i] = (float) rnd.nextGaussian();
        return g;
    }

    /** The CPU coder is the worker's own error feedback (a task per block, weight-one rows) over several steps. */
    @Test
    void cpuCoderIsTheWorkersErrorFeedback() {
        Partition part = partition();
        SketchPlan plan = SketchPlan.allBlocks(part, FRAMES, FEEDBACK);
        Code code = Codes.repetition(part.blockCount(), 1);
        CodewordEncoder enc = new CodewordEncoder(part, code, FRAMES);
        ErrorFeedback[] fb = new ErrorFeedback[part.blockCount()];
        for (int j = 0; j < fb.length; j++) fb[j] = new ErrorFeedback(enc, j, FEEDBACK.decay(), FEEDBACK.clip());
        CpuFrameCoder cpu = new CpuFrameCoder(plan);
        SplittableRandom rnd = new SplittableRandom(1);
        for (long step = 0; step < 4; step++) {
            // later steps get a small gradient, so that the clip acts
            float[] g = gaussian(part.size(), rnd);
            if (step >= 2) for (int i = 0; i < g.length; i++) g[i] *= 0.01f;
            float[] s = cpu.encodeWithFeedback(step, g);
            double[] e = new double[part.size()];
            for (int j = 0; j < fb.length; j++) {
                Codeword cw = fb[j].step(step, g);
                for (int t = 0; t < cw.length(); t++) assertEquals((float) cw.symbol(t), s[plan.symbolOffset(j) + t], 1e-6 * Math.abs(cw.symbol(t)) + 1e-12);
                double[] r = fb[j].residual();
                for (int i = 0; i < e.length; i++) e[i] += r[i];
            }
            float[] mine = cpu.residual();
            for (int i = 0; i < e.length; i++) assertEquals((float) e[i], mine[i], 1e-6 * Math.abs(e[i]) + 1e-12, "residual at " + i);
        }
    }

    /**
     * The GPU path's reference (the kernels' arithmetic on the packed layout, in float) makes codewords
     * that the CPU server decodes to what it decodes from the CPU path's codewords.
     */
    @Test
    void kernelReferenceCodewordsDecodeOnTheCpuServer() {
        Partition part = partition();
        SketchPlan plan = SketchPlan.allBlocks(part, FRAMES, FEEDBACK);
        Code code = Codes.repetition(part.blockCount(), 1);
        KernelEmulator gpuPath = new KernelEmulator(plan);
        CpuFrameCoder cpuPath = new CpuFrameCoder(plan);
        SplittableRandom rnd = new SplittableRandom(2);
        for (long step = 0; step < 3; step++) {
            float[] g = gaussian(part.size(), rnd);
            float[] sg = gpuPath.encodeWithFeedback(step, g);
            float[] sc = cpuPath.encodeWithFeedback(step, g);
            ProjectiveDecoder fromGpu = new ProjectiveDecoder(part, code, FRAMES, step);
            ProjectiveDecoder fromCpu = new ProjectiveDecoder(part, code, FRAMES, step);
            for (int p = 0; p < plan.blockCount(); p++) {
                fromGpu.offer(Codeword.of(code, FRAMES, step, p, slice(sg, plan, p)));
                fromCpu.offer(Codeword.of(code, FRAMES, step, p, slice(sc, plan, p)));
            }
            double[] a = fromGpu.estimate(), b = fromCpu.estimate();
            double max = 0;
            for (double v : b) max = Math.max(max, Math.abs(v));
            for (int i = 0; i < a.length; i++) assertEquals(b[i], a[i], 1e-5 * max, "decoded gradient at " + i + ", step " + step);
            // and the kernels' lift is the server's lift
            float[] outG = new float[part.size()], outC = new float[part.size()];
            gpuPath.liftAdd(step, sc, 0.5f, outG);
            cpuPath.liftAdd(step, sc, 0.5f, outC);
            for (int i = 0; i < outG.length; i++) assertEquals(outC[i], outG[i], 1e-5 * max, "lift at " + i);
        }
    }

    private static double[] slice(float[] s, SketchPlan plan, int p) {
        double[] out = new double[plan.rank(p)];
        for (int t = 0; t < out.length; t++) out[t] = s[plan.symbolOffset(p) + t];
        return out;
    }

    /** With no GPU binding or device here, open() gives the CPU coder; with one, the GPU coder agrees with it. */
    @Test
    void gpuCoderAgreesWithTheCpuPathOrIsSkipped() throws Exception {
        Partition part = partition();
        SketchPlan plan = SketchPlan.allBlocks(part, FRAMES, FEEDBACK);
        Path kernels = Path.of("target", "kernels");
        SketchCoder gpu;
        try {
            gpu = SketchCoders.gpu(part, FRAMES, plan.blocks(), FEEDBACK, kernels);
        } catch (SketchCoders.GpuUnavailableException e) {
            assertEquals("cpu", SketchCoders.open(part, FRAMES, plan.blocks(), FEEDBACK, kernels).device());
            assumeTrue(false, "no GPU path here: " + e.getMessage());
            return;
        }
        try (SketchCoder g = gpu; CpuFrameCoder cpu = new CpuFrameCoder(plan)) {
            SplittableRandom rnd = new SplittableRandom(3);
            for (long step = 0; step < 3; step++) {
                float[] grad = gaussian(part.size(), rnd);
                float[] a = g.encodeWithFeedback(step, grad), b = cpu.encodeWithFeedback(step, grad);
                for (int i = 0; i < a.length; i++) assertEquals(b[i], a[i], 1e-4 * (1 + Math.abs(b[i])));
            }
        }
    }

    @Test
    void badPlansAreRefusedWithTheReason() {
        Partition part = partition();
        FrameFamily hadamard = new FrameFamily(FrameFamily.Kind.HADAMARD, 1, 8);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SketchPlan.allBlocks(part, hadamard, FEEDBACK))
                .getMessage().contains("COUNT_SKETCH"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new SketchPlan(part, FRAMES, new int[] {1, 1}, FEEDBACK))
                .getMessage().contains("twice"));
        assertThrows(IllegalArgumentException.class, () -> new SketchPlan(part, FRAMES, new int[] {6}, FEEDBACK));
        Partition strided = new Partition(8, List.of(new Block(0, "odd", new int[] {0, 4}, new int[] {2, 2}),
                new Block(1, "even", new int[] {2, 6}, new int[] {2, 2})));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SketchPlan.allBlocks(strided, FRAMES, FEEDBACK))
                .getMessage().contains("contiguous"));
        CpuFrameCoder cpu = new CpuFrameCoder(SketchPlan.allBlocks(part, FRAMES, FEEDBACK));
        float[] g = new float[part.size()];
        g[7] = Float.NaN;
        assertThrows(IllegalArgumentException.class, () -> cpu.encodeWithFeedback(0, g));
        assertEquals(0f, cpu.residual()[0]);
    }
}

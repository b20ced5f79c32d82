package io.github.dl4jcoded.feedback;

import static org.junit.jupiter.api.Assertions.*;

import io.github.dl4jcoded.code.Code;
import io.github.dl4jcoded.code.Codes;
import io.github.dl4jcoded.decode.Codeword;
import io.github.dl4jcoded.decode.CodewordEncoder;
import io.github.dl4jcoded.decode.SymbolPrecision;
import io.github.dl4jcoded.frame.FrameFamily;
import io.github.dl4jcoded.partition.Partition;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ErrorFeedbackTest {
    private final Partition part = Partition.chunks(256, 64);
    private final Code code = Codes.systematic(4, 2, 2, 3);

    private static double norm(double[] a) {
        double s = 0;
        for (double v : a) s += v * v;
        return Math.sqrt(s);
    }

    /**
     * The EF property: with decay 1 and no clip, sum of transmitted (reconstructed) gradients =
     * sum of gradients - e_T, so the average transmitted gradient converges to the average gradient.
     */
    @Test
    void transmittedSumTracksGradientSum() {
        SplittableRandom rnd = new SplittableRandom(1);
        FrameFamily fam = new FrameFamily(FrameFamily.Kind.COUNT_SKETCH, 9, 8);
        CodewordEncoder enc = new CodewordEncoder(part, code, fam);
        int task = 0; // block 0 only
        ErrorFeedback ef = new ErrorFeedback(enc, task, 1.0, Double.POSITIVE_INFINITY);
        double[] base = new double[256];
        for (int i = 0; i < 64; i++) base[i] = rnd.nextGaussian();
        double[] sumG = new double[256], sumRec = new double[256];
        double errAt10 = 0;
        int steps = 400;
        for (int s = 1; s <= steps; s++) {
            double[] g = base.clone();
            for (int i = 0; i < 64; i++) g[i] += 0.3 * rnd.nextGaussian();
            Codeword cw = ef.step(s, g);
            enc.reconstructAdd(cw, sumRec);
            for (int i = 0; i < 64; i++) sumG[i] += g[i];
            double[] diff = new double[256];
            for (int i = 0; i < 256; i++) diff[i] = sumG[i] - sumRec[i];
            double[] e = ef.residual();
            for (int i = 0; i < 256; i++) assertEquals(e[i], diff[i], 1e-8, "sum g - sum rec = e_T");
            if (s == 10) errAt10 = norm(diff) / norm(sumG);
            if (s == steps) {
                double rel = norm(diff) / norm(sumG);
                assertTrue(rel < 0.05 && rel < errAt10 / 5, "relative error " + errAt10 + " -> " + rel);
            }
        }
        // Without error feedback, the same compressor keeps only ~1/8 of the energy on average.
        ErrorFeedback none = new ErrorFeedback(enc, task, 0.0, 1.0);
        double[] rec = new double[256];
        for (int s = 1; s <= 50; s++) enc.reconstructAdd(none.step(s, base), rec);
        double[] d = new double[256];
        for (int i = 0; i < 256; i++) d[i] = 50 * base[i] - rec[i];
        assertTrue(norm(d) / (50 * norm(base)) > 0.5);
    }

    /**
     * Symbols sent in bfloat16: the codeword is rounded before the residual is taken, so the EF
     * identity (sum g - sum sent = e) holds for what was actually sent, rounding included.
     */
    @Test
    void theResidualKeepsWhatRoundingToBfloat16Dropped() {
        SplittableRandom rnd = new SplittableRandom(2);
        CodewordEncoder enc = new CodewordEncoder(part, code, new FrameFamily(FrameFamily.Kind.COUNT_SKETCH, 9, 8));
        ErrorFeedback ef = new ErrorFeedback(enc, 0, 1.0, Double.POSITIVE_INFINITY, SymbolPrecision.BFLOAT16);
        double[] sumG = new double[256], sumSent = new double[256];
        for (int s = 1; s <= 50; s++) {
            double[] g = new double[256];
            for (int i = 0; i < 64; i++) g[i] = rnd.nextGaussian();
            Codeword cw = ef.step(s, g);
            for (double v : cw.symbols()) {
                assertEquals(SymbolPrecision.BFLOAT16.round(v), v, "what is sent is bfloat16");
            }
            enc.reconstructAdd(cw, sumSent);
            for (int i = 0; i < 64; i++) sumG[i] += g[i];
        }
        double[] e = ef.residual();
        for (int i = 0; i < 256; i++) assertEquals(sumG[i] - sumSent[i], e[i], 1e-9, "sum g - sum sent = e_T at " + i);
    }

    /** With the default decay and clip the residual stays within clip * |g| whatever the gradients do. */
    @Test
    void residualIsBounded() {
        SplittableRandom rnd = new SplittableRandom(2);
        FrameFamily fam = new FrameFamily(FrameFamily.Kind.HADAMARD, 4, 32);
        CodewordEncoder enc = new CodewordEncoder(part, code, fam);
        ErrorFeedback ef = new ErrorFeedback(enc, 4); // a parity task: blocks of row 4
        double[] g = new double[256];
        double maxRatio = 0;
        for (int s = 0; s < 300; s++) {
            // Same gradient every step (the worst case for accumulation), with a random scale.
            double scale = 0.1 + rnd.nextDouble();
            for (int i = 0; i < 256; i++) g[i] = scale * Math.sin(i + 1);
            double gNorm = 0;
            for (int j : code.blocks(4)) for (int i = 64 * j; i < 64 * j + 64; i++) gNorm += g[i] * g[i];
            ef.step(s, g);
            maxRatio = Math.max(maxRatio, ef.residualNorm() / Math.sqrt(gNorm));
            double[] e = ef.residual();
            for (int i = 0; i < 256; i++) {
                int block = i / 64;
                boolean inRow = java.util.Arrays.stream(code.blocks(4)).anyMatch(b -> b == block);
                if (!inRow) assertEquals(0.0, e[i], "no residual outside the task's blocks");
            }
        }
        assertTrue(maxRatio <= ErrorFeedback.DEFAULT_CLIP + 1e-9, "ratio " + maxRatio);
        assertTrue(maxRatio > 1.0, "the clip is what holds it, ratio " + maxRatio);
    }

    @Test
    void badArgumentsAreRejected() {
        CodewordEncoder enc = new CodewordEncoder(part, code, FrameFamily.identity());
        assertThrows(IllegalArgumentException.class, () -> new ErrorFeedback(enc, 0, 1.5, 1));
        assertThrows(IllegalArgumentException.class, () -> new ErrorFeedback(enc, 0, 0.5, 0));
        assertThrows(IllegalArgumentException.class, () -> new ErrorFeedback(enc, 99));
        ErrorFeedback ef = new ErrorFeedback(enc, 0);
        double[] g = new double[256];
        g[3] = Double.NaN;
        assertThrows(IllegalArgumentException.class, () -> ef.step(0, g));
        assertEquals(0.0, ef.residualNorm());
        assertThrows(IllegalArgumentException.class, () -> ef.step(0, new double[3]));
    }
}

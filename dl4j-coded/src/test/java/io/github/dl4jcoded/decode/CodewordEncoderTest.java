package io.github.dl4jcoded.decode;

import static org.junit.jupiter.api.Assertions.*;

import io.github.dl4jcoded.code.Code;
import io.github.dl4jcoded.code.CodeReport;
import io.github.dl4jcoded.code.Codes;
import io.github.dl4jcoded.frame.FrameFamily;
import io.github.dl4jcoded.partition.Partition;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class CodewordEncoderTest {

    /** Symbol t is the directional derivative along u_t: <u_t, g>. */
    @Test
    void symbolsAreInnerProductsWithDirections() {
        SplittableRandom rnd = new SplittableRandom(12);
        for (int trial = 0; trial < 100; trial++) {
            Partition part = Problems.partition(rnd);
            Code code = Problems.code(rnd, 1 + rnd.nextInt(8), part.blockCount(), 3);
            FrameFamily fam = Problems.family(rnd);
            CodewordEncoder enc = new CodewordEncoder(part, code, fam);
            double[] g = Problems.gaussian(rnd, part.size());
            int task = rnd.nextInt(code.taskCount());
            Codeword cw = enc.encode(4, task, g);
            float[] gf = new float[g.length];
            for (int i = 0; i < g.length; i++) gf[i] = (float) g[i];
            Codeword cwf = enc.encode(4, task, gf);
            double[] u = new double[part.size()];
            for (int t = 0; t < cw.length(); t++) {
                enc.direction(4, task, t, u);
                assertEquals(Problems.dot(u, g), cw.symbol(t), 1e-10);
                assertEquals(cw.symbol(t), cwf.symbol(t), 1e-4 * (1 + Math.abs(cw.symbol(t))));
            }
        }
    }

    /** The report's coherence (computed from G alone) equals that of the materialized directions. */
    @Test
    void reportGeometryMatchesMaterializedDirections() {
        Partition part = Partition.chunks(96, 16); // equal blocks, equal ranks
        for (long seed = 0; seed < 5; seed++) {
            Code code = Codes.systematic(6, 4, 3, seed);
            FrameFamily fam = new FrameFamily(FrameFamily.Kind.HADAMARD, seed, 4);
            CodewordEncoder enc = new CodewordEncoder(part, code, fam);
            int r = enc.symbolCount(0L, 0);
            double[][] us = new double[code.taskCount() * r][part.size()];
            for (int i = 0; i < code.taskCount(); i++) for (int t = 0; t < r; t++) enc.direction(3, i, t, us[i * r + t]);
            double coh = 0, pot = 0;
            for (int a = 0; a < us.length; a++) {
                for (int b = 0; b < us.length; b++) {
                    double cos = Problems.dot(us[a], us[b]) / (Problems.norm(us[a]) * Problems.norm(us[b]));
                    pot += cos * cos;
                    if (a != b) coh = Math.max(coh, Math.abs(cos));
                }
            }
            CodeReport rep = CodeReport.of(code, 0.1);
            assertEquals(rep.coherence, coh, 1e-12);
            assertEquals(rep.framePotential * r, pot, 1e-9, "potential of all directions is r times the per-slice one");
        }
    }

    /** What crosses the wire (step, task, frame tag, symbols) is enough to rebuild an acceptable codeword. */
    @Test
    void codewordsRebuiltFromTheWireAreAccepted() {
        Partition part = Partition.chunks(100, 30);
        Code code = Codes.systematic(part.blockCount(), 2, 2, 4);
        FrameFamily fam = new FrameFamily(FrameFamily.Kind.GAUSSIAN, 8, 3);
        CodewordEncoder enc = new CodewordEncoder(part, code, fam);
        double[] g = Problems.gaussian(new SplittableRandom(1), 100);
        ProjectiveDecoder direct = new ProjectiveDecoder(part, code, fam, 6);
        ProjectiveDecoder wire = new ProjectiveDecoder(part, code, fam, 6);
        for (int t = 0; t < code.taskCount(); t++) {
            Codeword cw = enc.encode(6, t, g);
            assertEquals(fam.tag(), cw.frameTag());
            direct.offer(cw);
            wire.offer(Codeword.of(code, new FrameFamily(FrameFamily.Kind.GAUSSIAN, 8, 3), cw.step(), cw.task(), cw.symbols()));
        }
        assertArrayEquals(direct.estimate(), wire.estimate());
        assertNotEquals(fam.tag(), new FrameFamily(FrameFamily.Kind.GAUSSIAN, 8, 4).tag());
        assertThrows(InvalidCodewordException.class, () -> Codeword.of(code, fam, 6, 99, new double[10]));
    }

    /** Reconstruction from one codeword is the projection onto its own directions. */
    @Test
    void reconstructionIsTheSingleCodewordProjection() {
        SplittableRandom rnd = new SplittableRandom(13);
        for (int trial = 0; trial < 50; trial++) {
            Partition part = Problems.partition(rnd);
            Code code = Problems.code(rnd, 4, part.blockCount(), 3);
            FrameFamily fam = Problems.family(rnd);
            CodewordEncoder enc = new CodewordEncoder(part, code, fam);
            double[] g = Problems.gaussian(rnd, part.size());
            Codeword cw = enc.encode(2, 1, g);
            double[] rec = new double[part.size()];
            enc.reconstructAdd(cw, rec);
            ProjectiveDecoder dec = new ProjectiveDecoder(part, code, fam, 2);
            dec.offer(cw);
            assertTrue(Problems.maxAbsDiff(dec.estimate(), rec) < 1e-10);
        }
    }
}

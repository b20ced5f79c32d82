package io.github.dl4jcoded.decode;

import static org.junit.jupiter.api.Assertions.*;

import io.github.dl4jcoded.code.Code;
import io.github.dl4jcoded.code.Codes;
import io.github.dl4jcoded.code.Peeling;
import io.github.dl4jcoded.frame.Frame;
import io.github.dl4jcoded.frame.FrameFamily;
import io.github.dl4jcoded.partition.Block;
import io.github.dl4jcoded.partition.Partition;
import java.util.BitSet;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PeelingDecoderTest {

    /** Identity frames: every block that peels equals the true gradient; the rest is MISSING and untouched. */
    @Test
    void identityFramesRecoverPeelableBlocksExactly() {
        SplittableRandom rnd = new SplittableRandom(2022);
        int fullyDecoded = 0;
        for (int trial = 0; trial < 300; trial++) {
            Partition part = Problems.partition(rnd);
            int k = part.blockCount();
            Code code = rnd.nextBoolean() ? Problems.code(rnd, k + rnd.nextInt(k + 1), k, 3)
                    : Codes.systematic(k, 1 + rnd.nextInt(k), Math.min(k, 2 + rnd.nextInt(2)), rnd.nextLong());
            FrameFamily fam = FrameFamily.identity();
            long step = rnd.nextInt(1000);
            CodewordEncoder enc = new CodewordEncoder(part, code, fam);
            double[] g = Problems.gaussian(rnd, part.size());
            boolean[] chosen = Problems.subset(rnd, code.taskCount(), 0.5 + 0.5 * rnd.nextDouble());
            PeelingDecoder dec = new PeelingDecoder(part, code, fam, step);
            for (int task : Problems.shuffledTasks(rnd, chosen)) dec.offer(enc.encode(step, task, g));

            Peeling support = new Peeling(code);
            support.run(chosen);
            double[] out = new double[part.size()];
            java.util.Arrays.fill(out, 777.0);
            BitSet written = dec.writeEstimate(out);
            boolean all = true;
            for (Block b : part.blocks()) {
                double[] got = new double[b.size()], want = new double[b.size()];
                b.gather(out, got);
                b.gather(g, want);
                if (support.isResolved(b.id())) {
                    assertEquals(BlockStatus.RESOLVED, dec.status(b.id()));
                    assertTrue(written.get(b.id()));
                    assertTrue(Problems.maxAbsDiff(got, want) < 1e-9, "block " + b.id() + " trial " + trial);
                } else {
                    all = false;
                    assertEquals(BlockStatus.MISSING, dec.status(b.id()), "never guessed");
                    assertFalse(written.get(b.id()));
                    for (double v : got) assertEquals(777.0, v, "missing blocks are left alone");
                    assertNull(dec.symbols(b.id()));
                }
            }
            assertEquals(all, dec.isComplete());
            if (all) fullyDecoded++;
        }
        assertTrue(fullyDecoded > 30, "the random cases include complete decodes: " + fullyDecoded);
    }

    @Test
    void floatGradientViewGetsTheSameValues() {
        SplittableRandom rnd = new SplittableRandom(4);
        Partition part = Partition.chunks(50, 8);
        Code code = Codes.systematic(part.blockCount(), 3, 2, 1);
        CodewordEncoder enc = new CodewordEncoder(part, code, FrameFamily.identity());
        double[] g = Problems.gaussian(rnd, 50);
        PeelingDecoder dec = new PeelingDecoder(part, code, FrameFamily.identity(), 0);
        for (int t = 1; t < code.taskCount(); t++) dec.offer(enc.encode(0, t, g)); // task 0 lost
        float[] view = new float[50];
        BitSet written = dec.writeEstimate(view);
        assertEquals(part.blockCount(), written.cardinality(), "block 0 peels from a parity row");
        for (int i = 0; i < 50; i++) assertEquals(g[i], view[i], 1e-5);
    }

    /** Copies from different workers (different minibatches) are averaged. */
    @Test
    void repetitionCopiesAreAveraged() {
        SplittableRandom rnd = new SplittableRandom(8);
        Partition part = Partition.chunks(30, 10);
        Code code = Codes.repetition(3, 3); // task i computes block i % 3
        CodewordEncoder enc = new CodewordEncoder(part, code, FrameFamily.identity());
        PeelingDecoder dec = new PeelingDecoder(part, code, FrameFamily.identity(), 5);
        double[] mean = new double[30];
        int[] copies = new int[3];
        double[][] sums = new double[3][10];
        for (int task = 0; task < 9; task++) {
            if (task == 4) continue; // one copy of block 1 lost
            double[] gi = Problems.gaussian(rnd, 30);
            dec.offer(enc.encode(5, task, gi));
            int j = task % 3;
            copies[j]++;
            for (int i = 0; i < 10; i++) sums[j][i] += gi[10 * j + i];
        }
        for (int j = 0; j < 3; j++) for (int i = 0; i < 10; i++) mean[10 * j + i] = sums[j][i] / copies[j];
        assertTrue(Problems.maxAbsDiff(mean, dec.estimate()) < 1e-12);
    }

    /** With a lossy frame peeling recovers the symbols exactly, so the estimate is F F^T g per block. */
    @Test
    void lossyFramesPeelSymbolsExactly() {
        SplittableRandom rnd = new SplittableRandom(10);
        for (FrameFamily.Kind kind : new FrameFamily.Kind[] {FrameFamily.Kind.COUNT_SKETCH, FrameFamily.Kind.HADAMARD, FrameFamily.Kind.GAUSSIAN}) {
            Partition part = Partition.chunks(200, 37); // last block shorter: mixed ranks in a codeword
            FrameFamily fam = new FrameFamily(kind, 3, 4);
            Code code = Codes.systematic(part.blockCount(), 4, 3, 2);
            CodewordEncoder enc = new CodewordEncoder(part, code, fam);
            double[] g = Problems.gaussian(rnd, 200);
            PeelingDecoder dec = new PeelingDecoder(part, code, fam, 9);
            for (int t = 2; t < code.taskCount(); t++) dec.offer(enc.encode(9, t, g)); // tasks 0, 1 lost
            double[] est = dec.estimate();
            for (Block b : part.blocks()) {
                if (dec.status(b.id()) != BlockStatus.RESOLVED) continue;
                Frame f = fam.frame(9, b.id(), b.size());
                double[] s = new double[f.rank()], want = new double[b.size()], got = new double[b.size()];
                f.encode(g, b.offset(), s);
                f.lift(s, want, 0);
                b.gather(est, got);
                assertTrue(Problems.maxAbsDiff(want, got) < 1e-10, kind.toString());
            }
            assertTrue(dec.isComplete(), kind + ": 2 losses with 4 parities of weight 3 should peel here");
        }
    }
}

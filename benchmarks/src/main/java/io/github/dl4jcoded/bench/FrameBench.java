package io.github.dl4jcoded.bench;

import io.github.dl4jcoded.frame.Frame;
import io.github.dl4jcoded.frame.FrameFamily;
import io.github.dl4jcoded.partition.Block;
import io.github.dl4jcoded.partition.Partition;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Frame kernels over a whole gradient of n doubles cut into 4096-coordinate blocks at 32x:
 * encode (s_j = F_j^T g_j for every block), lift (g_j = F_j s_j for every block: the decode side),
 * and building every block's frame for a new step (paid once per step by each worker and the
 * server). One operation processes the whole gradient, so bytes/s = ops/s * 8n; compare with
 * {@link CopyBench} at the same n.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class FrameBench {
    public static final int BLOCK = 4096;
    public static final double RATIO = 32;

    @Param({"10000", "100000", "1000000", "10000000"})
    public int n;

    @Param({"IDENTITY", "COUNT_SKETCH", "HADAMARD"})
    public String kind;

    private Partition partition;
    private FrameFamily family;
    private Frame[] frames;
    private int[] offsets;
    private double[] g;
    private double[] out;
    private double[][] symbols;
    private long step;

    @Setup
    public void setup() {
        partition = Partition.chunks(n, BLOCK);
        family = new FrameFamily(FrameFamily.Kind.valueOf(kind), 2022, RATIO);
        int k = partition.blockCount();
        frames = new Frame[k];
        offsets = new int[k];
        symbols = new double[k][];
        for (Block b : partition.blocks()) {
            frames[b.id()] = family.frame(0, b.id(), b.size());
            offsets[b.id()] = b.offset();
            symbols[b.id()] = new double[frames[b.id()].rank()];
        }
        SplittableRandom rnd = new SplittableRandom(1);
        g = new double[n];
        for (int i = 0; i < n; i++) g[i] = rnd.nextGaussian();
        out = new double[n];
        for (int j = 0; j < k; j++) frames[j].encode(g, offsets[j], symbols[j]);
    }

    @Benchmark
    public double[][] encode() {
        for (int j = 0; j < frames.length; j++) frames[j].encode(g, offsets[j], symbols[j]);
        return symbols;
    }

    @Benchmark
    public double[] lift() {
        for (int j = 0; j < frames.length; j++) frames[j].lift(symbols[j], out, offsets[j]);
        return out;
    }

    @Benchmark
    public Frame[] newStepFrames() {
        step++;
        Frame[] f = new Frame[frames.length];
        for (Block b : partition.blocks()) f[b.id()] = family.frame(step, b.id(), b.size());
        return f;
    }
}

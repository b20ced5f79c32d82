package io.github.dl4jcoded.bench;

import io.github.dl4jcoded.code.Code;
import io.github.dl4jcoded.code.Codes;
import io.github.dl4jcoded.decode.Codeword;
import io.github.dl4jcoded.decode.CodewordEncoder;
import io.github.dl4jcoded.decode.Decoder;
import io.github.dl4jcoded.decode.PeelingDecoder;
import io.github.dl4jcoded.decode.ProjectiveDecoder;
import io.github.dl4jcoded.frame.FrameFamily;
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
 * A whole server-side decode step: a fresh decoder (so this step's frames are built), every
 * codeword of a systematic code with k/8 parity rows of weight 3 offered except the first
 * systematic one (lost, so decoding has work to do), then the estimate written into an n-double
 * gradient. Bytes/s = ops/s * 8n, as for the frame kernels.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class DecodeStepBench {
    @Param({"10000", "100000", "1000000", "10000000"})
    public int n;

    @Param({"COUNT_SKETCH", "HADAMARD"})
    public String kind;

    @Param({"peeling", "projective"})
    public String decoder;

    private Partition partition;
    private Code code;
    private FrameFamily family;
    private Codeword[] codewords;
    private double[] out;

    @Setup
    public void setup() {
        partition = Partition.chunks(n, FrameBench.BLOCK);
        int k = partition.blockCount();
        code = Codes.systematic(k, Math.max(1, k / 8), Math.min(3, k), 7);
        family = new FrameFamily(FrameFamily.Kind.valueOf(kind), 2022, FrameBench.RATIO);
        CodewordEncoder enc = new CodewordEncoder(partition, code, family);
        SplittableRandom rnd = new SplittableRandom(1);
        double[] g = new double[n];
        for (int i = 0; i < n; i++) g[i] = rnd.nextGaussian();
        codewords = new Codeword[code.taskCount() - 1];
        for (int t = 1; t < code.taskCount(); t++) codewords[t - 1] = enc.encode(0, t, g);
        out = new double[n];
    }

    @Benchmark
    public double[] decodeStep() {
        Decoder d = decoder.equals("peeling")
                ? new PeelingDecoder(partition, code, family, 0)
                : new ProjectiveDecoder(partition, code, family, 0);
        for (Codeword cw : codewords) d.offer(cw);
        d.writeEstimate(out);
        return out;
    }
}

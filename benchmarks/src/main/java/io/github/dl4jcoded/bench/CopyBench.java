package io.github.dl4jcoded.bench;

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

/** The baseline: System.arraycopy of the same n doubles (8n bytes) that the coding benchmarks process. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class CopyBench {
    @Param({"10000", "100000", "1000000", "10000000"})
    public int n;

    private double[] g;
    private double[] out;

    @Setup
    public void setup() {
        SplittableRandom rnd = new SplittableRandom(1);
        g = new double[n];
        for (int i = 0; i < n; i++) g[i] = rnd.nextGaussian();
        out = new double[n];
    }

    @Benchmark
    public double[] copy() {
        System.arraycopy(g, 0, out, 0, n);
        return out;
    }
}

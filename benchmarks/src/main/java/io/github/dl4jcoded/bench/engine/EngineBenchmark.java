package io.github.dl4jcoded.bench.engine;

import io.github.dl4jcoded.engine.ForwardModeEngine;
import io.github.dl4jcoded.engine.ReverseThenProjectEngine;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.openjdk.jmh.annotations.*;

import java.util.concurrent.TimeUnit;

/**
 * Cost of the directional-derivative engines on LeNet (batch 64, float), each next to its
 * DL4J baseline in the same run: forward mode with m tangents against a plain forward pass
 * ({@code net.output}), reverse-then-project against {@code computeGradientAndScore}, and one
 * tangent starting at each layer with parameters. See docs/BENCHMARKS-engines.md.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 3)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g"})
public class EngineBenchmark {

    @State(Scope.Thread)
    public static class Net {
        MultiLayerNetwork net;
        INDArray x;
        INDArray y;

        @Setup(Level.Trial)
        public void setup() {
            if (net != null) {
                return;
            }
            net = LeNet.build();
            x = LeNet.features();
            y = LeNet.labels();
        }
    }

    /** An all-zero direction: forward mode runs its own primal pass and no tangent. */
    @State(Scope.Thread)
    public static class NoDirection extends Net {
        INDArray u;

        @Setup(Level.Trial)
        public void directions() {
            setup(); // JMH may run a subclass's @Setup before the superclass's
            u = org.nd4j.linalg.factory.Nd4j.zeros(org.nd4j.linalg.api.buffer.DataType.FLOAT, 1, net.numParams());
        }
    }

    @State(Scope.Thread)
    public static class Directions extends Net {
        @Param({"1", "4", "16", "64"})
        int m;
        INDArray u;

        @Setup(Level.Trial)
        public void directions() {
            setup(); // JMH may run a subclass's @Setup before the superclass's
            u = LeNet.fullDirections(net, m);
        }
    }

    @State(Scope.Thread)
    public static class LoopDirections extends Net {
        @Param({"4", "16"})
        int m;
        INDArray u;

        @Setup(Level.Trial)
        public void directions() {
            setup(); // JMH may run a subclass's @Setup before the superclass's
            u = LeNet.fullDirections(net, m);
        }
    }

    /** m directions supported on the dense layer (93% of LeNet's parameters): cost-aware allocation. */
    @State(Scope.Thread)
    public static class DenseDirections extends Net {
        @Param({"4", "16", "64"})
        int m;
        INDArray u;

        @Setup(Level.Trial)
        public void directions() {
            setup(); // JMH may run a subclass's @Setup before the superclass's
            u = LeNet.layerDirections(net, 4, m);
        }
    }

    @State(Scope.Thread)
    public static class StartLayer extends Net {
        @Param({"0", "2", "4", "5"})
        int layer;
        INDArray u;

        @Setup(Level.Trial)
        public void directions() {
            setup(); // JMH may run a subclass's @Setup before the superclass's
            u = LeNet.layerDirection(net, layer);
        }
    }

    private static final ForwardModeEngine FORWARD = new ForwardModeEngine();
    private static final ForwardModeEngine FORWARD_LOOP = new ForwardModeEngine(1);
    private static final ReverseThenProjectEngine REVERSE = new ReverseThenProjectEngine();

    /** Baseline: DL4J inference forward pass. */
    @Benchmark
    public INDArray plainForward(Net s) {
        return s.net.output(s.x);
    }

    /** Baseline: DL4J training forward + backward pass. */
    @Benchmark
    public double backprop(Net s) {
        s.net.setInput(s.x);
        s.net.setLabels(s.y);
        s.net.computeGradientAndScore();
        return s.net.score();
    }

    /** The engine's own primal pass (its rules, no tangent): what every tangent rides on. */
    @Benchmark
    public double forwardModePrimalOnly(NoDirection s) {
        return FORWARD.compute(s.net, s.x, s.y, s.u).loss();
    }

    /** m tangents stacked along the minibatch axis, one sweep. */
    @Benchmark
    public double forwardMode(Directions s) {
        return FORWARD.compute(s.net, s.x, s.y, s.u).derivatives()[0];
    }

    /** m tangents one at a time (m sweeps), to compare with stacking. */
    @Benchmark
    public double forwardModeLoop(LoopDirections s) {
        return FORWARD_LOOP.compute(s.net, s.x, s.y, s.u).derivatives()[0];
    }

    /** m tangents that all start at the dense layer. */
    @Benchmark
    public double forwardModeDense(DenseDirections s) {
        return FORWARD.compute(s.net, s.x, s.y, s.u).derivatives()[0];
    }

    @Benchmark
    public double reverseThenProject(Directions s) {
        return REVERSE.compute(s.net, s.x, s.y, s.u).derivatives()[0];
    }

    /** One tangent whose direction is supported on one layer: it starts there. */
    @Benchmark
    public double singleTangentAtLayer(StartLayer s) {
        return FORWARD.compute(s.net, s.x, s.y, s.u).derivatives()[0];
    }
}

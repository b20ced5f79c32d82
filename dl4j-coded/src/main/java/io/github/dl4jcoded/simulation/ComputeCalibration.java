package io.github.dl4jcoded.simulation;

import io.github.dl4jcoded.engine.ForwardModeEngine;
import io.github.dl4jcoded.training.CodedTrainingConfig;
import io.github.dl4jcoded.training.GradientCodec;
import io.github.dl4jcoded.training.ParameterServerSetup;
import io.github.dl4jcoded.training.WorkerMessage;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.Locale;

/**
 * Measures, once, on the machine that runs the simulation, what one example costs a worker:
 * the {@link CostModel#perSampleSeconds} of the "measured compute" regime. A short warm-up
 * (JIT, ND4J workspaces, the codec's first frames), then wall-clock timing of the very work a
 * simulated worker does per job, until {@code minSeconds} have passed and at least
 * {@code minReps} jobs ran; the result is the median job time over the examples in a job.
 *
 * <p>Everything is measured single-job, single-threaded from the caller's view: ND4J may use
 * several cores inside one op, as a real worker would.
 */
public final class ComputeCalibration {

    /**
     * One measurement.
     *
     * @param engine           what was timed: "backprop" (a vanilla worker: backprop, mean dense gradient),
     *                         "reverse-then-project" (a coded worker with the given configuration: backprop,
     *                         error feedback, frames, codewords) or "forward" (forward-mode JVPs)
     * @param tangents         forward mode: directions pushed through the network together; 0 otherwise
     * @param batch            examples per job
     * @param perSampleSeconds median seconds per job over {@code batch}
     * @param reps             timed jobs
     */
    public record Measurement(String engine, int tangents, int batch, double perSampleSeconds, int reps) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%s%s, batch %d: %.4g ms/example (%d timed jobs)", engine,
                    tangents > 0 ? " (" + tangents + " tangents)" : "", batch, perSampleSeconds * 1e3, reps);
        }
    }

    private final int warmup;
    private final int minReps;
    private final double minSeconds;

    /**
     * @param warmup     untimed jobs first, for at least {@code warmup} jobs and {@code minSeconds / 2} seconds
     *                   (a first measurement taken cold read 1.5x too slow on a 2-core machine);
     *                   then at least {@code minReps} timed jobs and {@code minSeconds} seconds
     */
    public ComputeCalibration(int warmup, int minReps, double minSeconds) {
        if (warmup < 0 || minReps < 1 || !(minSeconds >= 0)) {
            throw new IllegalArgumentException("need warmup >= 0, minReps >= 1 and minSeconds >= 0");
        }
        this.warmup = warmup;
        this.minReps = minReps;
        this.minSeconds = minSeconds;
    }

    /** A worker of {@code config} (vanilla or coded) computing its message for {@code shard}. */
    public Measurement worker(MultiLayerNetwork net, CodedTrainingConfig config, DataSet shard) {
        MultiLayerNetwork server = ParameterServerSetup.serverCopy(net);
        GradientCodec codec = ParameterServerSetup.codec(server, config);
        GradientCodec.WorkerSide side = codec.workerSide(0);
        MultiLayerNetwork replica = ParameterServerSetup.replica(net);
        // Round 0 over and over: its frames exist from the start for every frame kind.
        Timing t = time(() -> {
            WorkerMessage m = side.compute(replica, shard, 0, 0);
            if (m == null) {
                throw new IllegalStateException("the codec refused round 0 while calibrating");
            }
        });
        String engine = config.mode() == CodedTrainingConfig.Mode.VANILLA ? "backprop"
                : config.engine() == CodedTrainingConfig.EngineKind.FORWARD ? "forward (coded worker)" : "reverse-then-project";
        return new Measurement(engine, 0, shard.numExamples(), t.median / shard.numExamples(), t.reps);
    }

    /** Forward mode pushing {@code tangents} random directions through {@code net} on {@code shard}. */
    public Measurement forwardMode(MultiLayerNetwork net, DataSet shard, int tangents) {
        if (tangents < 1) {
            throw new IllegalArgumentException("need at least one tangent, got " + tangents);
        }
        ForwardModeEngine engine = new ForwardModeEngine(tangents);
        Nd4j.getRandom().setSeed(tangents);
        INDArray dirs = Nd4j.randn(net.params().dataType(), tangents, net.numParams());
        MultiLayerNetwork replica = ParameterServerSetup.replica(net);
        Timing t = time(() -> engine.compute(replica, shard.getFeatures(), shard.getLabels(), dirs));
        return new Measurement("forward", tangents, shard.numExamples(), t.median / shard.numExamples(), t.reps);
    }

    private record Timing(double median, int reps) {
    }

    private Timing time(Runnable job) {
        long warm = System.nanoTime();
        for (int i = 0; i < warmup || (i > 0 && (System.nanoTime() - warm) / 1e9 < minSeconds / 2); i++) {
            job.run();
        }
        double[] times = new double[16];
        int reps = 0;
        long start = System.nanoTime();
        while (reps < minReps || (System.nanoTime() - start) / 1e9 < minSeconds) {
            long t0 = System.nanoTime();
            job.run();
            if (reps == times.length) {
                times = Arrays.copyOf(times, 2 * reps);
            }
            times[reps++] = (System.nanoTime() - t0) / 1e9;
        }
        double[] sorted = Arrays.copyOf(times, reps);
        Arrays.sort(sorted);
        double median = reps % 2 == 1 ? sorted[reps / 2] : (sorted[reps / 2 - 1] + sorted[reps / 2]) / 2;
        if (!(median > 0) || Double.isInfinite(median)) {
            throw new IllegalStateException("calibration measured a non-positive time: " + median + " s");
        }
        return new Timing(median, reps);
    }
}

package io.github.dl4jcoded.simulation;

import io.github.dl4jcoded.decode.Codeword;
import io.github.dl4jcoded.engine.Backprop;
import io.github.dl4jcoded.engine.ForwardModeEngine;
import io.github.dl4jcoded.feedback.ErrorFeedback;
import io.github.dl4jcoded.training.CodedCodec;
import io.github.dl4jcoded.training.CodedTrainingConfig;
import io.github.dl4jcoded.training.GradientCodec;
import io.github.dl4jcoded.training.ParameterServerSetup;
import io.github.dl4jcoded.training.WorkerMessage;
import io.github.dl4jcoded.training.server.ParameterServer;
import io.github.dl4jcoded.training.server.Update;
import io.github.dl4jcoded.nn.Network;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Measures, on the machine that runs the simulation, what the work of a simulated cluster costs:
 * a worker's backprop per example, a coded worker's encoding per job, the server's work per
 * message and per update, and a replica's replay per log entry — the {@link CostModel} of the
 * "measured compute" regime, each part timed on its own with the very code that does it.
 *
 * <p>Every figure is a median over repeated timings after a warm-up that lasts until the JIT has
 * gone quiet ({@link JitWarmup}: on one core DL4J's paths take 10-15 s to compile, and a fixed
 * one-second warm-up priced an MLP job at 4-5x its steady cost), with the 10th and 90th
 * percentiles beside it: on a shared 2-core machine single timings vary by 2x. A coded job is priced as its backprop plus its encoding, measured
 * apart, so it can never be rated cheaper than the backprop it contains.
 *
 * <p>Everything is measured single-job from the caller's view: ND4J may use several cores inside
 * one op, as a real worker would.
 */
public final class ComputeCalibration {

    /**
     * One measured cost.
     *
     * @param what   what was timed ("backprop", "encoding (low_rank 32x)", "server per update", ...)
     * @param per    the unit the seconds are per: "example", "job", "message", "update", "entry"
     * @param batch  examples per job where that matters, else 0
     * @param median median seconds per unit
     * @param low    10th percentile
     * @param high   90th percentile
     * @param reps   timings behind it
     */
    public record Measurement(String what, String per, int batch, double median, double low, double high, int reps) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%s: %.4g ms per %s (10-90%%: %.4g-%.4g, %d timings%s)", what, median * 1e3, per,
                    low * 1e3, high * 1e3, reps, batch > 0 ? ", " + batch + " examples per job" : "");
        }
    }

    /**
     * What one configuration's cluster costs on this machine.
     *
     * @param perExample   a worker's compute per example (backprop, or forward mode)
     * @param perJob       a coded worker's encoding per job (null for vanilla and forward mode)
     * @param serverMessage the server's work per arriving message
     * @param serverUpdate the server's work per update
     * @param replay       a replica's work per log entry (a vanilla one's only counts where vanilla workers replay the log)
     */
    public record Costs(Measurement perExample, Measurement perJob, Measurement serverMessage, Measurement serverUpdate,
                        Measurement replay) {
        /** These costs on the given links. */
        public CostModel on(double workerBandwidth, double serverBandwidth, double latencySeconds) {
            return new CostModel(perExample.median(), perJob == null ? 0 : perJob.median(), workerBandwidth, serverBandwidth,
                    latencySeconds, serverMessage.median(), serverUpdate.median(), replay.median());
        }

        public List<Measurement> all() {
            List<Measurement> out = new ArrayList<>();
            for (Measurement m : new Measurement[]{perExample, perJob, serverMessage, serverUpdate, replay}) {
                if (m != null) {
                    out.add(m);
                }
            }
            return out;
        }
    }

    private final int warmup;
    private final int minReps;
    private final double minSeconds;

    /**
     * @param warmup     untimed runs first: at least {@code warmup} runs and {@code minSeconds / 2} seconds,
     *                   then until a window of {@code min(1, minSeconds)} seconds passes with the JIT
     *                   quiet, for at most {@code min(30, 15 minSeconds)} seconds; then at least
     *                   {@code minReps} timed runs and {@code minSeconds} seconds
     */
    public ComputeCalibration(int warmup, int minReps, double minSeconds) {
        if (warmup < 0 || minReps < 1 || !(minSeconds >= 0)) {
            throw new IllegalArgumentException("need warmup >= 0, minReps >= 1 and minSeconds >= 0");
        }
        this.warmup = warmup;
        this.minReps = minReps;
        this.minSeconds = minSeconds;
    }

    /**
     * Everything a cluster of {@code config} pays, with jobs of {@code shard}'s examples: the
     * workers' compute, the server's per message and per update, a coded replica's replay.
     */
    public Costs costs(Network net, CodedTrainingConfig config, DataSet shard) {
        boolean coded = config.mode() == CodedTrainingConfig.Mode.CODED;
        Measurement perExample;
        Measurement perJob = null;
        if (coded && !config.engine().formsGradient()) {
            perExample = worker(net, config, shard); // forward mode: its own work, no backprop inside
        } else {
            perExample = backprop(net, shard);
            if (coded) {
                perJob = encoding(net, config, shard);
            }
        }
        Measurement[] server = server(net, config, shard);
        return new Costs(perExample, perJob, server[0], server[1], server[2]);
    }

    /** A vanilla worker's job: backprop to a mean dense gradient, per example. */
    public Measurement backprop(Network net, DataSet shard) {
        Network replica = ParameterServerSetup.replica(net);
        double[] t = time(() -> Backprop.meanGradient(replica, shard));
        return measurement("backprop", "example", shard.numExamples(), t, shard.numExamples());
    }

    /** A coded worker's work per job on top of its backprop: error feedback and projection onto its frames. */
    public Measurement encoding(Network net, CodedTrainingConfig config, DataSet shard) {
        CodedCodec codec = new CodedCodec(ParameterServerSetup.serverCopy(net), config);
        double[] g = Backprop.meanGradient(ParameterServerSetup.replica(net), shard).gradientAsDoubles();
        int[] tasks = codec.tasksOf(0);
        ErrorFeedback[] feedback = new ErrorFeedback[tasks.length];
        for (int i = 0; i < tasks.length; i++) {
            if (config.errorFeedback()) {
                feedback[i] = codec.errorFeedback(tasks[i]);
            }
        }
        // Round 0 over and over: its frames exist from the start for every frame kind.
        double[] t = time(() -> {
            for (int i = 0; i < tasks.length; i++) {
                Codeword cw = feedback[i] != null ? feedback[i].step(0, g) : codec.encoder().encode(0, tasks[i], g);
                if (cw.length() == 0) {
                    throw new IllegalStateException("empty codeword");
                }
            }
        });
        return measurement("encoding (" + CodedTrainingConfig.label(config.frame()) + " " + fmt(config.compression()) + "x)",
                "job", shard.numExamples(), t, 1);
    }

    /** A worker of {@code config} (vanilla or coded) computing its whole message for {@code shard}, per example. */
    public Measurement worker(Network net, CodedTrainingConfig config, DataSet shard) {
        GradientCodec codec = ParameterServerSetup.codec(ParameterServerSetup.serverCopy(net), config);
        GradientCodec.WorkerSide side = codec.workerSide(0);
        Network replica = ParameterServerSetup.replica(net);
        double[] t = time(() -> {
            if (side.compute(replica, shard, 0, 0) == null) {
                throw new IllegalStateException("the codec refused round 0 while calibrating");
            }
        });
        String what = config.mode() == CodedTrainingConfig.Mode.VANILLA ? "backprop (vanilla worker)"
                : "worker job (" + CodedTrainingConfig.label(config.engine()) + ", " + CodedTrainingConfig.label(config.frame()) + ")";
        return measurement(what, "example", shard.numExamples(), t, shard.numExamples());
    }

    /** Forward mode pushing {@code tangents} random directions through {@code net} on {@code shard}, per example. */
    public Measurement forwardMode(Network net, DataSet shard, int tangents) {
        if (tangents < 1) {
            throw new IllegalArgumentException("need at least one tangent, got " + tangents);
        }
        ForwardModeEngine engine = new ForwardModeEngine(tangents);
        Nd4j.getRandom().setSeed(tangents);
        INDArray dirs = Nd4j.randn(net.params().dataType(), tangents, net.numParams());
        Network replica = ParameterServerSetup.replica(net);
        double[] t = time(() -> engine.compute(replica, shard.getFeatures(), shard.getLabels(), dirs));
        return measurement("forward mode, " + tangents + " tangents", "example", shard.numExamples(), t, shard.numExamples());
    }

    /**
     * The server of {@code config} taking every worker's message of a round and applying the update
     * (SYNC), or taking messages one by one with the updates they make (ASYNC), and a replica
     * replaying those updates: {per message, per update, per replayed entry}. Messages are made
     * outside the timing from one backprop gradient, encoded with each round's frames.
     */
    Measurement[] server(Network net, CodedTrainingConfig config, DataSet shard) {
        ParameterServer core = ParameterServer.forNetwork(net, config);
        ParameterServer replica = new ParameterServer(core.network().duplicate(), config, 0);
        replica.codec().importState(core.codec().exportState());
        double[] g = Backprop.meanGradient(ParameterServerSetup.replica(net), shard).gradientAsDoubles();
        int n = config.workers();
        int examples = shard.numExamples();
        boolean sync = config.policy() == CodedTrainingConfig.Policy.SYNC;
        List<Double> perMessage = new ArrayList<>();
        List<Double> perUpdate = new ArrayList<>();
        List<Double> perEntry = new ArrayList<>();
        long round = 0;
        JitWarmup warm = warmup();
        boolean timed = false;
        long start = 0;
        for (int r = 0; ; r++) {
            if (timed && start == 0) {
                start = System.nanoTime();
            }
            if (timed && perUpdate.size() >= minReps && (System.nanoTime() - start) / 1e9 >= minSeconds) {
                break;
            }
            int[] workers = new int[n];
            int[] ex = new int[n];
            for (int w = 0; w < n; w++) {
                workers[w] = w;
                ex[w] = examples;
            }
            if (sync) {
                core.openRound(round, workers, ex, Double.POSITIVE_INFINITY);
            }
            for (int w = 0; w < n; w++) {
                // Made just before it is offered, against the current version (ASYNC: never stale).
                WorkerMessage m = message(core, w, sync ? round : round + w, examples, g);
                if (!sync) {
                    core.issueJob(m.round(), m.worker(), examples);
                }
                long t0 = System.nanoTime();
                boolean ok = core.offer(m.worker(), m).accepted();
                long t1 = System.nanoTime();
                if (!ok) {
                    throw new IllegalStateException("the server refused a calibration message");
                }
                if (timed) {
                    perMessage.add((t1 - t0) / 1e9);
                }
                while (core.isDue(0)) {
                    long u0 = System.nanoTime();
                    Update u = core.close();
                    core.apply(u);
                    long u1 = System.nanoTime();
                    replica.apply(u);
                    long u2 = System.nanoTime();
                    if (timed) {
                        perUpdate.add((u1 - u0) / 1e9);
                        perEntry.add((u2 - u1) / 1e9);
                    }
                }
            }
            round += sync ? 1 : n;
            timed = warm.ran();
        }
        return new Measurement[]{
                measurement("server per message", "message", 0, toArray(perMessage), 1),
                measurement("server per update", "update", 0, toArray(perUpdate), 1),
                measurement("replica replay per entry", "entry", 0, toArray(perEntry), 1)};
    }

    /** Worker {@code w}'s message for {@code round}, encoded from {@code g} with the round's frames. */
    private static WorkerMessage message(ParameterServer core, int w, long round, int examples, double[] g) {
        if (core.codec() instanceof CodedCodec coded) {
            List<Codeword> cws = new ArrayList<>();
            long step = coded.frameStep(round, core.version());
            for (int t : coded.tasksOf(w)) {
                cws.add(coded.encoder().encode(step, t, g));
            }
            return new WorkerMessage(round, core.version(), w, examples, 0.5, cws, null, coded.precision()).asSent();
        }
        return new WorkerMessage(round, core.version(), w, examples, 0.5, List.of(), g).asSent();
    }

    private static double[] toArray(List<Double> v) {
        return v.stream().mapToDouble(Double::doubleValue).toArray();
    }

    private JitWarmup warmup() {
        return new JitWarmup(warmup, minSeconds / 2, Math.min(1, minSeconds), Math.min(30, 15 * minSeconds));
    }

    private double[] time(Runnable job) {
        JitWarmup warm = warmup();
        do {
            job.run();
        } while (!warm.ran());
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
        return Arrays.copyOf(times, reps);
    }

    private static Measurement measurement(String what, String per, int batch, double[] seconds, int units) {
        if (seconds.length == 0) {
            throw new IllegalStateException("no timings for " + what);
        }
        double[] s = seconds.clone();
        Arrays.sort(s);
        double median = percentile(s, 0.5) / units;
        if (!(median > 0) || Double.isInfinite(median)) {
            throw new IllegalStateException("calibration measured a non-positive time for " + what + ": " + median + " s");
        }
        return new Measurement(what, per, batch, median, percentile(s, 0.1) / units, percentile(s, 0.9) / units, s.length);
    }

    /** Linear interpolation between the closest ranks of a sorted sample. */
    private static double percentile(double[] sorted, double q) {
        double pos = q * (sorted.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(sorted.length - 1, lo + 1);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }

    private static String fmt(double v) {
        return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
    }
}

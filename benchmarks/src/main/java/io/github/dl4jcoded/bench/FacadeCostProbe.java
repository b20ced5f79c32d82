package io.github.dl4jcoded.bench;

import io.github.dl4jcoded.nn.Network;
import io.github.dl4jcoded.api.CodedTraining;
import io.github.dl4jcoded.datasets.mnist.Mnist;
import io.github.dl4jcoded.datasets.mnist.MnistDataSetIterator;
import io.github.dl4jcoded.datasets.mnist.MnistSplit;
import io.github.dl4jcoded.decode.Codeword;
import io.github.dl4jcoded.decode.CodewordEncoder;
import io.github.dl4jcoded.engine.Backprop;
import io.github.dl4jcoded.examples.Models;
import io.github.dl4jcoded.feedback.ErrorFeedback;
import io.github.dl4jcoded.training.CodedTrainingConfig;
import io.github.dl4jcoded.training.WorkerEngine;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * What the local facade costs against plain DL4J {@code fit}: one epoch of real MNIST digits,
 * timed per case, on LeNet and on the 784-256-10 MLP of the examples ({@link Models}).
 *
 * <p>Cases, each on its own network (same seed, same digits, same order): plain
 * {@code net.fit(iterator)}; {@code CodedTraining} with {@link CodedTrainingConfig#defaults()}
 * (4 worker threads, synchronous rounds, low-rank frames); the same with 1 worker; and the dense
 * parameter-server baseline of {@code --mode vanilla-sync} (4 workers). Every case is warmed up
 * with one epoch, then each round runs every case once (the starting case rotates), as in
 * {@link io.github.dl4jcoded.bench.engine.EngineRatioProbe}: load that comes and goes hits all
 * cases alike. The report gives each case's median seconds per epoch, its ratio to plain
 * {@code fit}'s median of the same model, the median over rounds of its epoch over plain
 * {@code fit}'s epoch of the same round (paired), the process CPU seconds per epoch (all threads,
 * ND4J's native ones included), and the time {@code wrap} took once (not in the epoch).
 *
 * <p>After the timed rounds, one more epoch of the default coded configuration runs with an
 * engine that does what {@code EngineKind.REVERSE} does, with clocks around its parts (backprop,
 * the gradient copied into a {@code double[]}, encoding with error feedback), and the epoch is cut
 * round by round into: data and hand-out (minibatch, split, until the first worker starts),
 * workers (first start until the last answer is encoded) and server (last answer until the update
 * is in the user's network: last messages, decode, apply, copy back). The workers' parts are
 * wall time summed over the worker threads, which share the cores.
 *
 * <p>Usage: {@code java -cp benchmarks.jar io.github.dl4jcoded.bench.FacadeCostProbe
 * [rounds=7] [training digits=2000] [models=lenet,mlp]}; batch 64, Adam 1e-3, seed 42.
 */
public final class FacadeCostProbe {
    static final int BATCH = 64;
    static final long SEED = 42;

    private FacadeCostProbe() {
    }

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 7;
        int trainSize = args.length > 1 ? Integer.parseInt(args[1]) : 2000;
        String[] models = (args.length > 2 ? args[2] : "lenet,mlp").split(",");
        MnistSplit split = MnistSplit.of(Mnist.load(), trainSize, 1000, MnistSplit.DEFAULT_SEED);
        System.out.printf(Locale.ROOT, "FacadeCostProbe: %d training digits, batch %d, %d timed rounds after 1 warm-up; "
                        + "%d processors; OMP_NUM_THREADS=%s%n", trainSize, BATCH, rounds,
                Runtime.getRuntime().availableProcessors(), System.getenv("OMP_NUM_THREADS"));

        List<String> table = new ArrayList<>();
        List<String> breakdown = new ArrayList<>();
        for (String m : models) {
            Models.Kind kind = Models.parse(m.trim());
            measure(kind, split, rounds, table, breakdown);
        }
        System.out.println();
        System.out.printf(Locale.ROOT, "%-6s %-28s %12s %9s %8s %13s %12s %9s %10s%n",
                "model", "case", "median s/ep", "IQR s", "/plain", "paired /plain", "CPU s/ep", "wrap ms", "last loss");
        table.forEach(System.out::println);
        System.out.println();
        System.out.println("one instrumented epoch of the coded default (seconds; workers' parts summed over worker threads):");
        System.out.printf(Locale.ROOT, "%-6s %7s %14s %8s %7s %9s %8s %7s   %s%n", "model", "epoch", "data+hand-out",
                "workers", "server", "backprop", "double[]", "encode", "ms per job (backprop / double[] / encode)");
        breakdown.forEach(System.out::println);
    }

    private static final class Case {
        final String name;
        final MultiLayerNetwork net;
        final MnistDataSetIterator data;
        final CodedTraining coded;
        final double wrapMillis;
        final List<Double> seconds = new ArrayList<>();
        final List<Double> cpu = new ArrayList<>();

        Case(String name, Models.Kind kind, MnistSplit split, CodedTrainingConfig config) {
            this.name = name;
            this.net = Models.multiLayer(kind, SEED, new Adam(1e-3));
            this.data = new MnistDataSetIterator(split.train(), BATCH, true, SEED);
            long t0 = System.nanoTime();
            this.coded = config == null ? null : CodedTraining.wrap(net, config);
            this.wrapMillis = config == null ? Double.NaN : (System.nanoTime() - t0) / 1e6;
        }

        void epoch(boolean record) {
            data.reset();
            long cpu0 = processCpuNanos();
            long t0 = System.nanoTime();
            if (coded == null) {
                net.fit(data);
            } else {
                coded.fit(data, 1);
            }
            long t1 = System.nanoTime();
            long cpu1 = processCpuNanos();
            if (!Double.isFinite(net.score())) {
                throw new IllegalStateException(name + ": training diverged, loss " + net.score());
            }
            if (record) {
                seconds.add((t1 - t0) / 1e9);
                cpu.add((cpu1 - cpu0) / 1e9);
            }
        }
    }

    private static void measure(Models.Kind kind, MnistSplit split, int rounds, List<String> table, List<String> breakdown) {
        String model = kind.name().toLowerCase(Locale.ROOT);
        List<Case> cases = List.of(
                new Case("plain fit", kind, split, null),
                new Case("coded defaults (4 workers)", kind, split, CodedTrainingConfig.defaults()),
                new Case("coded defaults, 1 worker", kind, split, CodedTrainingConfig.defaults().toBuilder().workers(1).build()),
                new Case("vanilla-sync (4 workers)", kind, split,
                        CodedTrainingConfig.builder().seed(SEED).vanilla().policy(CodedTrainingConfig.Policy.SYNC).build()));
        System.out.printf(Locale.ROOT, "%s: %,d parameters; system load average %.2f; warming up%n", model,
                cases.get(0).net.numParams(), loadAverage());
        for (Case c : cases) {
            c.epoch(false);
        }
        for (int r = 0; r < rounds; r++) {
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%s round %d:", model, r + 1));
            for (int k = 0; k < cases.size(); k++) {
                Case c = cases.get((r + k) % cases.size());
                c.epoch(true);
                line.append(String.format(Locale.ROOT, " [%s] %.2f s", c.name, c.seconds.get(c.seconds.size() - 1)));
            }
            System.out.println(line);
        }
        System.out.printf(Locale.ROOT, "%s done; system load average %.2f%n", model, loadAverage());
        List<Double> plain = cases.get(0).seconds;
        double base = Stats.median(plain);
        for (Case c : cases) {
            double med = Stats.median(c.seconds);
            List<Double> paired = new ArrayList<>();
            for (int r = 0; r < rounds; r++) {
                paired.add(c.seconds.get(r) / plain.get(r));
            }
            table.add(String.format(Locale.ROOT, "%-6s %-28s %12.2f %9.2f %8.2f %13.2f %12.2f %9s %10.4f", model, c.name, med,
                    Stats.iqr(c.seconds), med / base, Stats.median(paired), Stats.median(c.cpu),
                    Double.isNaN(c.wrapMillis) ? "-" : String.format(Locale.ROOT, "%.0f", c.wrapMillis), c.net.score()));
            if (c.coded != null) {
                c.coded.close();
            }
        }
        breakdown.add(instrumented(model, cases.get(1).net, split));
    }

    /** One epoch of the default coded configuration, cut round by round (SYNC: a round's frame step is the round). */
    private static String instrumented(String model, MultiLayerNetwork net, MnistSplit split) {
        TimedReverse engine = new TimedReverse();
        Map<Long, Long> roundEnd = new ConcurrentHashMap<>();
        MnistDataSetIterator data = new MnistDataSetIterator(split.train(), BATCH, true, SEED);
        double epoch;
        try (CodedTraining coded = CodedTraining.wrap(net, CodedTrainingConfig.defaults().toBuilder().engine(engine).build())) {
            coded.onRound(s -> roundEnd.put(s.rounds() - 1, System.nanoTime()));
            long t0 = System.nanoTime();
            coded.fit(data, 1);
            long t1 = System.nanoTime();
            epoch = (t1 - t0) / 1e9;
            roundEnd.put(-1L, t0);
        }
        // per round: first start, last end, and summed over its jobs backprop, copy to doubles, encode
        Map<Long, long[]> perRound = new java.util.HashMap<>();
        int jobs = 0;
        for (long[] j : engine.jobs) {
            long[] a = perRound.computeIfAbsent(j[0], k -> new long[]{Long.MAX_VALUE, Long.MIN_VALUE, 0, 0, 0});
            a[0] = Math.min(a[0], j[1]);
            a[1] = Math.max(a[1], j[4]);
            a[2] += j[2] - j[1];
            a[3] += j[3] - j[2];
            a[4] += j[4] - j[3];
            jobs++;
        }
        double handOut = 0;
        double workers = 0;
        double server = 0;
        double backprop = 0;
        double toDoubles = 0;
        double encode = 0;
        for (Map.Entry<Long, long[]> e : perRound.entrySet()) {
            long r = e.getKey();
            long[] a = e.getValue();
            Long start = roundEnd.get(r - 1);
            Long end = roundEnd.get(r);
            if (start == null || end == null) {
                throw new IllegalStateException("round " + r + " has no start or end time");
            }
            handOut += (a[0] - start) / 1e9;
            workers += (a[1] - a[0]) / 1e9;
            server += (end - a[1]) / 1e9;
            backprop += a[2] / 1e9;
            toDoubles += a[3] / 1e9;
            encode += a[4] / 1e9;
        }
        return String.format(Locale.ROOT, "%-6s %7.2f %14.2f %8.2f %7.2f %9.2f %8.2f %7.2f %14.1f / %.1f / %.1f", model,
                epoch, handOut, workers, server, backprop, toDoubles, encode,
                1000 * backprop / jobs, 1000 * toDoubles / jobs, 1000 * encode / jobs);
    }

    /**
     * {@code CodedTrainingConfig.EngineKind.REVERSE}'s encode, step for step, with clocks around
     * its parts: {step, start, backprop done, gradient copied to doubles, encoded} per job.
     */
    static final class TimedReverse implements WorkerEngine {
        final ConcurrentLinkedQueue<long[]> jobs = new ConcurrentLinkedQueue<>();

        @Override
        public Encoded encode(Network replica, DataSet shard, long step, int[] tasks, CodewordEncoder encoder,
                              ErrorFeedback[] feedback) {
            long t0 = System.nanoTime();
            Backprop.Result b = Backprop.meanGradient(replica, shard);
            long t1 = System.nanoTime();
            double[] g = b.gradientAsDoubles();
            long t2 = System.nanoTime();
            List<Codeword> cws = new ArrayList<>(tasks.length);
            for (int i = 0; i < tasks.length; i++) {
                cws.add(feedback != null && feedback[i] != null ? feedback[i].step(step, g) : encoder.encode(step, tasks[i], g));
            }
            jobs.add(new long[]{step, t0, t1, t2, System.nanoTime()});
            return new Encoded(b.loss(), cws);
        }
    }

    private static double loadAverage() {
        return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

}

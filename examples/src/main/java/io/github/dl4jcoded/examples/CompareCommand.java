package io.github.dl4jcoded.examples;

import io.github.dl4jcoded.decode.SymbolPrecision;
import io.github.dl4jcoded.simulation.ComputeCalibration;
import io.github.dl4jcoded.simulation.CostModel;
import io.github.dl4jcoded.simulation.SimulatedCluster;
import io.github.dl4jcoded.simulation.StragglerModel;
import io.github.dl4jcoded.training.CodedTrainingConfig;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import io.github.dl4jcoded.nn.Network;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code compare}: coded against vanilla parameter-server training in the simulated cluster
 * (virtual clock, straggler and link models), on the real MNIST digits, with periodic test
 * accuracy; writes the curves (CSV, two PNGs) and a markdown summary of time and bytes to a
 * target accuracy.
 */
@Command(name = "compare", mixinStandardHelpOptions = true,
        description = "Compare coded and vanilla parameter-server training in the simulated cluster "
                + "(time and bytes to a target test accuracy, under stragglers and link limits).")
public final class CompareCommand implements Callable<Integer> {

    /**
     * The methods this command knows, in the order they run and appear. VANILLA_BACKUP: synchronous
     * rounds that close at the fastest N - b answers (backup workers, Chen et al. 2016); DENSE_NOMINAL:
     * vanilla-sync with every worker nominal but the run's network; ORACLE: vanilla-sync with no
     * stragglers on a free network.
     */
    enum Method {
        VANILLA_SYNC, VANILLA_ASYNC, VANILLA_BACKUP, DENSE_NOMINAL, CODED_SYNC, CODED_ASYNC, ORACLE;

        /** A coded method (its options, learning rate and --config apply). */
        boolean coded() {
            return this == CODED_SYNC || this == CODED_ASYNC;
        }

        /** No stragglers for this method. */
        boolean nominal() {
            return this == DENSE_NOMINAL || this == ORACLE;
        }

        String label() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }

        static Method parse(String s) {
            for (Method m : values()) {
                if (m.label().equals(s.strip().toLowerCase(Locale.ROOT))) {
                    return m;
                }
            }
            throw new IllegalArgumentException("unknown method '" + s + "': choose from vanilla-sync, vanilla-async,"
                    + " vanilla-backup, dense-nominal, coded-sync, coded-async, oracle");
        }
    }

    @Option(names = "--model-file", paramLabel = "FILE", description = "compare on this MultiLayerNetwork or ComputationGraph (one input, one output), saved with DL4J's "
            + "ModelSerializer, instead of --model: its own weights and updater (--lr does not apply)")
    java.nio.file.Path modelFile;

    @Option(names = "--model", defaultValue = "lenet", completionCandidates = Models.Names.class,
            description = "one of ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE})")
    String model;

    @Option(names = "--workers", defaultValue = "16", description = "simulated workers (default: ${DEFAULT-VALUE})")
    int workers;

    @Option(names = "--batch-per-worker", defaultValue = "16",
            description = "examples per worker job; a synchronous round is workers x this (default: ${DEFAULT-VALUE})")
    int batchPerWorker;

    @Option(names = "--stragglers", defaultValue = "pareto:1.5,slow:2x5",
            description = "comma-separated straggler models, multiplied: none, pareto:SHAPE (scale 1), exp:MEAN "
                    + "(shifted exponential), slow:KxF (K workers always F times slower), crash:K@T (K workers die "
                    + "at virtual second T), shared:C (the workers share C cores, worker w on core w mod C), factors:F0/F1/... (worker w always F_w times "
                    + "slower, one factor per worker) "
                    + "(default: ${DEFAULT-VALUE})")
    String stragglers;

    @Option(names = "--per-sample-seconds",
            description = "compute cost of one example on a nominal worker (e.g. a GPU-class figure); "
                    + "default: measured on this machine (calibration) for each method's engine")
    Double perSampleSeconds;

    @Option(names = "--encode-seconds",
            description = "a coded worker's work per job on top of its backprop (error feedback, projection); "
                    + "default: measured on this machine")
    Double encodeSeconds;

    @Option(names = "--server-message-seconds",
            description = "the server's own work per arriving message; default: measured on this machine")
    Double serverMessageSeconds;

    @Option(names = "--server-update-seconds",
            description = "the server's own work per update (decode, updater step, log entry); default: measured on this machine")
    Double serverUpdateSeconds;

    @Option(names = "--costs-source", description = "where the stated costs come from (a sentence for compare.md)")
    String costsSource;

    @Option(names = "--replay-seconds",
            description = "a coded worker's work per log entry it replays before its next job; default: measured on this machine")
    Double replaySeconds;

    @Option(names = "--link-gbps", defaultValue = "1",
            description = "bandwidth of every link (each worker's, and the server's shared link each way), "
                    + "Gb/s; Infinity for a free network (default: ${DEFAULT-VALUE})")
    double linkGbps;

    @Option(names = "--latency-ms", defaultValue = "0.1", description = "one-way latency per transfer (default: ${DEFAULT-VALUE})")
    double latencyMs;

    @Option(names = "--target", defaultValue = "0.97", description = "target test accuracy (default: ${DEFAULT-VALUE})")
    double target;

    @Option(names = "--epochs", defaultValue = "10", description = "most passes over the training digits per method (default: ${DEFAULT-VALUE})")
    int epochs;

    @Option(names = "--budget-seconds", description = "most virtual seconds per method (default: none)")
    Double budgetSeconds;

    @Option(names = "--run-past-target", description = "keep training after the target is reached (default: stop there)")
    boolean runPastTarget;

    @Option(names = "--evals-per-epoch", defaultValue = "4",
            description = "test-accuracy evaluations per epoch's worth of updates (default: ${DEFAULT-VALUE})")
    int evalsPerEpoch;

    @Option(names = "--methods", defaultValue = "vanilla-sync,vanilla-async,vanilla-backup,dense-nominal,coded-sync,coded-async,oracle",
            split = ",",
            description = "methods to run; oracle = vanilla-sync without stragglers on a free network (default: ${DEFAULT-VALUE})")
    List<String> methods;

    @Option(names = "--lr", defaultValue = "1e-3", description = "Adam learning rate (default: ${DEFAULT-VALUE})")
    double learningRate;

    @Option(names = "--coded-lr", description = "coded methods: their Adam learning rate (default: --lr)")
    Double codedLearningRate;

    @Option(names = "--deadline", defaultValue = "3",
            description = "synchronous rounds: deadline as a multiple of the nominal round time (compute of one job "
                    + "plus its transfers at nominal speed); 0 for none (default: ${DEFAULT-VALUE})")
    double deadlineFactor;

    @Option(names = "--staleness-bound", description = "async: drop updates older than this (default: 2 x workers)")
    Integer stalenessBound;

    @Option(names = "--compression", defaultValue = "32", description = "coded: per-block compression (default: ${DEFAULT-VALUE})")
    double compression;

    @Option(names = "--sync-frame", defaultValue = "low_rank", description = "coded-sync frame (default: ${DEFAULT-VALUE})")
    CodedTrainingConfig.FrameKind syncFrame;

    @Option(names = "--async-frame", defaultValue = "low_rank", description = "coded-async frame (default: ${DEFAULT-VALUE})")
    CodedTrainingConfig.FrameKind asyncFrame;

    @Option(names = "--symbol-precision", description = "coded: what symbols travel in, bfloat16 or float32 (default "
            + "${sys:coded.default.symbolPrecision} for lossy frames, ${sys:coded.default.symbolPrecisionLossless} for identity)")
    SymbolPrecision symbolPrecision;

    @Option(names = "--async-compression", description = "coded-async: per-block compression (default: --compression)")
    Double asyncCompression;

    @Option(names = "--async-code", description = "coded-async: repetition, systematic or ldgm (default: --code)")
    CodedTrainingConfig.CodeKind asyncCode;

    @Option(names = "--partition", defaultValue = "param",
            description = "coded: layer, param, output_unit or chunk; low_rank frames need param (default: ${DEFAULT-VALUE})")
    io.github.dl4jcoded.nn.NetworkPartitions.Scheme partition;

    @Option(names = "--chunk-size", defaultValue = "4096", description = "coded, partition chunk: block size (default: ${DEFAULT-VALUE})")
    int chunkSize;

    @Option(names = "--row-weight", defaultValue = "3", description = "coded, systematic or ldgm code: blocks per parity task (default: ${DEFAULT-VALUE})")
    int rowWeight;

    @Option(names = "--parity-tasks", defaultValue = "0", description = "coded, systematic code: parity tasks (default: ${DEFAULT-VALUE})")
    int parityTasks;

    @picocli.CommandLine.Mixin
    AsyncOptions async = new AsyncOptions(); // for both async methods

    @Option(names = "--vanilla-cadence", description = "vanilla-async: answers per step (default: --cadence)")
    Integer vanillaCadence;

    @Option(names = "--vanilla-staleness-rule", description = "vanilla-async: its staleness rule (default: --staleness-rule)")
    CodedTrainingConfig.StalenessRule vanillaStalenessRule;

    @Option(names = "--vanilla-replays-log",
            description = "vanilla workers replay every dense update (an updater step each), as this library's cluster mode "
                    + "runs them, instead of pulling the parameters as a standard parameter server's do")
    boolean vanillaReplaysLog;

    @Option(names = "--backup-workers", description = "vanilla-backup: answers a round does not wait for (default: workers / 8, at least 1)")
    Integer backupWorkers;

    @Option(names = "--config", paramLabel = "FILE", description = "the coded method of this file's policy (coded-sync or "
            + "coded-async) runs the configuration in FILE (JSON, as tune writes it or train prints it) instead of the coded "
            + "options; its workers must equal --workers, its seed becomes --seed")
    java.nio.file.Path configFile;

    private CodedTrainingConfig fileConfig;

    /** The configuration of --config, read once. */
    CodedTrainingConfig fileConfig() {
        if (fileConfig == null) {
            fileConfig = CodedOptions.readConfig(configFile).toBuilder().seed(seed).build();
        }
        return fileConfig;
    }

    @Option(names = "--code", defaultValue = "repetition", description = "coded: repetition, systematic or ldgm (default: ${DEFAULT-VALUE})")
    CodedTrainingConfig.CodeKind code;

    @Option(names = "--seed", defaultValue = "42", description = "seed for weights, data order, frames and stragglers (default: ${DEFAULT-VALUE})")
    long seed;

    @picocli.CommandLine.Mixin
    DataOptions dataOptions = new DataOptions();

    @Option(names = "--calibration-seconds", defaultValue = "1",
            description = "timing per calibrated engine, after as long a warm-up again (default: ${DEFAULT-VALUE})")
    double calibrationSeconds;

    @Option(names = "--out", required = true, description = "output directory")
    File out;

    @Option(names = "--no-progress", description = "no progress bar (for logs and CI)")
    boolean noProgress;

    private static final long NO_DEADLINE_MILLIS = Long.MAX_VALUE / 2000;

    /** One method's outcome. */
    record Outcome(Method method, CodedTrainingConfig config, CostModel cost, List<Point> points,
                   SimulatedCluster.Result result, double wallSeconds) {
        Point firstAtTarget(double target) {
            return points.stream().filter(p -> p.accuracy >= target).findFirst().orElse(null);
        }
    }

    /** One evaluation of the server's network, with what had been spent to get there. */
    record Point(double time, long steps, long bytesUp, long bytesDown, double trainLoss, double accuracy) {
    }

    /** What every method of a comparison shares: the data, the global minibatches, the test set, the stragglers. */
    record Prepared(TrainingData data, List<DataSet> batches, DataSetIterator test, StragglerModel straggling) {
    }

    /** Checks the options and loads the data every method trains on. */
    Prepared prepare() {
        validate();
        StragglerModel straggling = parseStragglers(stragglers, workers, seed);
        TrainingData data = dataOptions.load();
        if (workers * (long) batchPerWorker > data.trainSize()) {
            throw new IllegalArgumentException("--workers x --batch-per-worker (" + workers * (long) batchPerWorker
                    + ") exceeds the " + data.trainSize() + " training examples: every worker must get real examples");
        }
        data.checkFits(network(Method.VANILLA_SYNC), Models.chosenOption(modelFile, model));
        List<DataSet> batches = new ArrayList<>();
        DataSetIterator train = data.trainIterator(workers * batchPerWorker, seed);
        while (train.hasNext()) {
            batches.add(train.next());
        }
        return new Prepared(data, batches, data.testIterator(), straggling);
    }

    /** The network a method starts from: --model-file's, or --model with --seed's weights and Adam(--lr or --coded-lr). */
    Network network(Method m) {
        return Models.chosen(modelFile, model, seed, learningRate(m));
    }

    double learningRate(Method m) {
        return m.coded() && codedLearningRate != null ? codedLearningRate : learningRate;
    }

    /** One method on prepared data, every cost as stated (tune's candidates; a comparison calibrates first). */
    Outcome runStated(Method m, Prepared p) {
        if (!allCostsStated()) {
            throw new IllegalStateException("runStated needs every cost stated");
        }
        return runMethod(m, config(m), cost(m, null), p.straggling(), network(m), p.batches(), p.test());
    }

    @Override
    public Integer call() throws IOException {
        List<Method> chosen = new ArrayList<>();
        for (String s : methods) {
            Method m = Method.parse(s);
            if (!chosen.contains(m)) {
                chosen.add(m);
            }
        }
        Prepared prepared = prepare();
        TrainingData data = prepared.data();
        List<DataSet> batches = prepared.batches();
        DataSetIterator test = prepared.test();
        StragglerModel straggling = prepared.straggling();
        PrintStream o = System.out;
        long wall0 = System.nanoTime();
        String modelName = Models.chosenName(modelFile, model);
        int globalBatch = workers * batchPerWorker;
        Network net = network(Method.VANILLA_SYNC);
        o.printf(Locale.ROOT, "%s; model %s, %,d parameters, %s%s%n", data.summary(), modelName, net.numParams(),
                Models.chosenUpdater(modelFile, learningRate), codedLearningRate == null || modelFile != null ? ""
                        : "; coded methods " + Models.chosenUpdater(null, codedLearningRate));
        o.printf(Locale.ROOT, "%d workers x %d examples per job (%d per synchronous round, %d rounds per epoch); stragglers %s%n",
                workers, batchPerWorker, globalBatch, batches.size(), stragglers);
        if (configFile != null) {
            o.println("coded-" + fileConfig().policy().name().toLowerCase(Locale.ROOT) + " runs " + configFile + ": "
                    + fileConfig().toJson().replaceAll("\\s+", " "));
        }

        // Calibration: what each method's workers, server and replicas cost on this machine (nothing to
        // measure when every cost is stated).
        DataSet shard = (DataSet) batches.get(0).get(range(Math.min(batchPerWorker, batches.get(0).numExamples())));
        ComputeCalibration cal = new ComputeCalibration(3, 5, calibrationSeconds);
        Map<Method, CodedTrainingConfig> configs = new LinkedHashMap<>();
        Map<Method, ComputeCalibration.Costs> measured = new LinkedHashMap<>();
        List<ComputeCalibration.Measurement> calibration = new ArrayList<>();
        for (Method m : chosen) {
            configs.put(m, config(m));
            if (allCostsStated()) {
                continue;
            }
            ComputeCalibration.Costs c = cal.costs(net, configs.get(m), shard);
            measured.put(m, c);
            for (ComputeCalibration.Measurement x : c.all()) {
                calibration.add(new ComputeCalibration.Measurement(m.label() + ": " + x.what(), x.per(), x.batch(), x.median(),
                        x.low(), x.high(), x.reps()));
            }
        }
        if (!allCostsStated()) {
            for (int t : new int[]{1, 8, 32}) {
                calibration.add(cal.forwardMode(net, shard, t));
            }
        }
        for (ComputeCalibration.Measurement c : calibration) {
            o.println("calibration: " + c);
        }
        Files.createDirectories(out.toPath());
        writeCalibration(calibration);

        List<Outcome> outcomes = new ArrayList<>();
        for (Method m : chosen) {
            // A stated (GPU-class) cost is every method's: the run is then a function of its options and seed alone.
            outcomes.add(runMethod(m, configs.get(m), cost(m, measured.get(m)), straggling,
                    learningRate(m) == learningRate ? net : network(m), batches, test));
            Outcome r = outcomes.get(outcomes.size() - 1);
            Point hit = r.firstAtTarget(target);
            o.printf(Locale.ROOT, "%-14s %s; %d updates, %.3f virtual s, %,d bytes up, %,d down, final accuracy %.4f "
                            + "(%.0f s wall)%n", m.label(),
                    hit == null ? "target " + target + " not reached"
                            : String.format(Locale.ROOT, "reached %.4f at %.3f virtual s", hit.accuracy, hit.time),
                    r.result().records().size(), r.result().endTime(), r.result().bytesUp(), r.result().bytesDown(),
                    r.points().get(r.points().size() - 1).accuracy(), r.wallSeconds());
            // Written after every method, so that a long comparison cut short keeps what it finished.
            writeCsv(outcomes);
            plot(outcomes, false, new File(out, "accuracy-vs-time.png"));
            plot(outcomes, true, new File(out, "accuracy-vs-bytes.png"));
            writeMarkdown(outcomes, calibration, data, net.numParams(), globalBatch, batches.size(),
                    (System.nanoTime() - wall0) / 1e9);
        }
        double wall = (System.nanoTime() - wall0) / 1e9;
        o.printf(Locale.ROOT, "wrote %s/compare.csv, compare.md, calibration.csv, accuracy-vs-time.png, accuracy-vs-bytes.png"
                + " (%.0f s wall)%n", out.getPath(), wall);
        return 0;
    }

    private void validate() {
        if (workers < 1 || batchPerWorker < 1 || epochs < 1 || evalsPerEpoch < 1) {
            throw new IllegalArgumentException("--workers, --batch-per-worker, --epochs and --evals-per-epoch must be positive");
        }
        if (!(learningRate > 0) || !(target > 0 && target <= 1)) {
            throw new IllegalArgumentException("--lr must be > 0 and --target in (0, 1], got " + learningRate + " and " + target);
        }
        if (codedLearningRate != null && (!(codedLearningRate > 0) || codedLearningRate.isInfinite())) {
            throw new IllegalArgumentException("--coded-lr must be positive and finite, got " + codedLearningRate);
        }
        if (perSampleSeconds != null && (!(perSampleSeconds > 0) || perSampleSeconds.isInfinite())) {
            throw new IllegalArgumentException("--per-sample-seconds must be positive and finite, got " + perSampleSeconds);
        }
        for (Double v : new Double[]{encodeSeconds, serverMessageSeconds, serverUpdateSeconds, replaySeconds}) {
            if (v != null && (!(v >= 0) || v.isInfinite())) {
                throw new IllegalArgumentException("--encode-seconds, --server-message-seconds, --server-update-seconds and "
                        + "--replay-seconds must be finite and >= 0, got " + v);
            }
        }
        if (!(linkGbps > 0) || !(latencyMs >= 0) || Double.isInfinite(latencyMs)) {
            throw new IllegalArgumentException("--link-gbps must be > 0 (Infinity for free) and --latency-ms finite and >= 0");
        }
        if (!(calibrationSeconds >= 0) || Double.isInfinite(calibrationSeconds)) {
            throw new IllegalArgumentException("--calibration-seconds must be finite and >= 0, got " + calibrationSeconds);
        }
        if (budgetSeconds != null && !(budgetSeconds > 0)) {
            throw new IllegalArgumentException("--budget-seconds must be > 0, got " + budgetSeconds);
        }
        if (!(deadlineFactor >= 0) || Double.isInfinite(deadlineFactor)) {
            throw new IllegalArgumentException("--deadline must be a finite multiple >= 0, got " + deadlineFactor);
        }
        if (configFile != null && fileConfig().workers() != workers) {
            throw new IllegalArgumentException(configFile + " has " + fileConfig().workers() + " workers and --workers is " + workers
                    + ": give --workers " + fileConfig().workers());
        }
        if (configFile != null && fileConfig().mode() != CodedTrainingConfig.Mode.CODED) {
            throw new IllegalArgumentException(configFile + " is a vanilla configuration: compare --config takes a coded one");
        }
    }

    /** The training configuration of a method (the oracle trains as vanilla-sync does). */
    CodedTrainingConfig config(Method m) {
        if (configFile != null && m.coded() && fileConfig().mode() == CodedTrainingConfig.Mode.CODED
                && (fileConfig().policy() == CodedTrainingConfig.Policy.SYNC) == (m == Method.CODED_SYNC)) {
            return fileConfig();
        }
        CodedTrainingConfig.Builder b = CodedTrainingConfig.builder().seed(seed).workers(workers)
                .stalenessBound(stalenessBound != null ? stalenessBound : 2 * workers);
        switch (m) {
            case VANILLA_SYNC, DENSE_NOMINAL, ORACLE -> b.vanilla().policy(CodedTrainingConfig.Policy.SYNC);
            case VANILLA_BACKUP -> b.vanilla().policy(CodedTrainingConfig.Policy.SYNC)
                    .backupWorkers(backupWorkers != null ? backupWorkers : Math.max(1, workers / 8));
            case VANILLA_ASYNC -> {
                async.applyTo(b.vanilla().policy(CodedTrainingConfig.Policy.ASYNC));
                if (vanillaCadence != null) b.cadence(vanillaCadence);
                if (vanillaStalenessRule != null) b.stalenessRule(vanillaStalenessRule);
            }
            case CODED_SYNC -> b.frame(syncFrame).compression(compression).code(code).parityTasks(parityTasks)
                    .rowWeight(rowWeight).partition(partition).chunkSize(chunkSize).policy(CodedTrainingConfig.Policy.SYNC);
            case CODED_ASYNC -> b.frame(asyncFrame).compression(asyncCompression != null ? asyncCompression : compression)
                    .code(asyncCode != null ? asyncCode : code).parityTasks(parityTasks).rowWeight(rowWeight)
                    .partition(partition).chunkSize(chunkSize)
                    .policy(CodedTrainingConfig.Policy.ASYNC);
        }
        if (m == Method.CODED_ASYNC) {
            async.applyTo(b);
        }
        if (symbolPrecision != null && m.coded()) {
            b.symbolPrecision(symbolPrecision);
        }
        if ((m == Method.CODED_SYNC ? syncFrame : asyncFrame) == CodedTrainingConfig.FrameKind.IDENTITY && m.coded()) {
            b.compression(1).errorFeedback(false);
        }
        return b.build();
    }

    /** What a method pays: each cost as stated on the command line, else as measured; the oracle's network is free. */
    private CostModel cost(Method m, ComputeCalibration.Costs measured) {
        double bytesPerSecond = linkGbps * 1e9 / 8;
        CostModel c = measured != null ? measured.on(bytesPerSecond, bytesPerSecond, latencyMs / 1000)
                : new CostModel(0, bytesPerSecond, bytesPerSecond, latencyMs / 1000); // every cost is stated below
        boolean coded = config(m).mode() == CodedTrainingConfig.Mode.CODED;
        boolean replays = coded || vanillaReplaysLog;
        c = new CostModel(perSampleSeconds != null ? perSampleSeconds : c.perSampleSeconds(),
                coded && encodeSeconds != null ? encodeSeconds : c.perJobSeconds(),
                c.workerBandwidth(), c.serverBandwidth(), c.latencySeconds(),
                serverMessageSeconds != null ? serverMessageSeconds : c.serverMessageSeconds(),
                serverUpdateSeconds != null ? serverUpdateSeconds : c.serverUpdateSeconds(),
                !replays ? 0 : replaySeconds != null ? replaySeconds : c.replaySeconds());
        return m == Method.ORACLE ? c.withFreeNetwork() : c;
    }

    private String stated() {
        List<String> st = new ArrayList<>();
        if (perSampleSeconds != null) {
            st.add("per example " + perSampleSeconds + " s");
        }
        if (encodeSeconds != null) {
            st.add("coded encoding per job " + encodeSeconds + " s");
        }
        if (serverMessageSeconds != null) {
            st.add("server per message " + serverMessageSeconds + " s");
        }
        if (serverUpdateSeconds != null) {
            st.add("server per update " + serverUpdateSeconds + " s");
        }
        if (replaySeconds != null) {
            st.add("replay per entry " + replaySeconds + " s");
        }
        return st.isEmpty() ? "none" : String.join(", ", st);
    }

    /** True when every cost is stated: the run is then a function of its options and seed alone. */
    boolean allCostsStated() {
        return perSampleSeconds != null && encodeSeconds != null && serverMessageSeconds != null && serverUpdateSeconds != null
                && replaySeconds != null;
    }

    private Outcome runMethod(Method m, CodedTrainingConfig cfg, CostModel cost, StragglerModel straggling,
                              Network net, List<DataSet> batches, DataSetIterator test) {
        boolean sync = cfg.policy() == CodedTrainingConfig.Policy.SYNC;
        if (sync && (deadlineFactor == 0 || m.nominal())) {
            cfg = cfg.toBuilder().deadlineMillis(NO_DEADLINE_MILLIS).build(); // ~146,000 years of virtual time
        } else if (sync) {
            // Nominal round: one job's compute, every worker's push and pull over the shared server link
            // (a pull is one update's worth, the size of a push), the server's work and a replay.
            double bytes = 2.0 * workers * messageBytes(cfg, net);
            double link = Double.isInfinite(linkGbps) ? 0 : bytes * 8 / (linkGbps * 1e9) + 2 * latencyMs / 1000;
            double nominal = batchPerWorker * cost.perSampleSeconds() + cost.perJobSeconds() + link
                    + workers * cost.serverMessageSeconds() + cost.serverUpdateSeconds() + cost.replaySeconds();
            cfg = cfg.toBuilder().deadlineMillis(Math.max(1, (long) Math.ceil(deadlineFactor * nominal * 1000))).build();
        }
        // ASYNC: one update per cadence answers, one answer per worker share of each minibatch.
        int updatesPerEpoch = sync ? batches.size()
                : Math.max(1, batches.size() * Math.min(workers, batches.get(0).numExamples()) / cfg.messagesPerStep());
        long evalEvery = Math.max(1, updatesPerEpoch / evalsPerEpoch);
        int[] done = {0};
        long t0 = System.nanoTime();
        try (ProgressBar bar = progressBar(m.label(), (long) updatesPerEpoch * epochs)) {
            SimulatedCluster sim = new SimulatedCluster(net, cfg, cost, m.nominal() ? StragglerModel.none() : straggling)
                    .vanillaReplaysLog(vanillaReplaysLog)
                    .evaluateEveryUpdates(evalEvery, n -> {
                        double acc = n.evaluate(test).accuracy();
                        test.reset();
                        if (bar != null) {
                            bar.stepTo(n.getIterationCount());
                            bar.setExtraMessage(String.format(Locale.ROOT, "acc %.4f", acc));
                        }
                        done[0]++;
                        return acc;
                    });
            if (!runPastTarget) {
                sim.stopWhen(acc -> acc >= target);
            }
            if (budgetSeconds != null) {
                sim.timeLimit(budgetSeconds);
            }
            SimulatedCluster.Result r = sim.run(batches, epochs);
            List<Point> points = new ArrayList<>();
            List<SimulatedCluster.Record> recs = r.records();
            int from = 0;
            for (SimulatedCluster.EvalPoint e : r.evaluations()) {
                int upto = (int) e.updates();
                double loss = Double.NaN;
                if (upto > from) {
                    double s = 0;
                    for (int i = from; i < upto; i++) {
                        s += recs.get(i).loss();
                    }
                    loss = s / (upto - from);
                }
                SimulatedCluster.Record last = upto == 0 ? null : recs.get(upto - 1);
                points.add(new Point(e.time(), e.updates(), last == null ? 0 : last.bytesUp(),
                        last == null ? 0 : last.bytesDown(), loss, e.value()));
                from = Math.max(from, upto);
            }
            return new Outcome(m, cfg, cost, points, r, (System.nanoTime() - t0) / 1e9);
        }
    }

    /** Bytes of one worker's message under {@code cfg}: dense float32 for vanilla, the calibrated codewords for coded. */
    private long messageBytes(CodedTrainingConfig cfg, Network net) {
        if (cfg.mode() == CodedTrainingConfig.Mode.VANILLA) {
            return 28 + 4 * net.numParams();
        }
        // Coded messages are about compression-times smaller than dense ones (headers aside).
        return 28 + (long) Math.ceil(4 * net.numParams() / compression);
    }

    /**
     * Parses {@code --stragglers}: terms multiplied together, each seeded from {@code seed} and
     * its position, so that the same option and seed give the same delays.
     */
    static StragglerModel parseStragglers(String spec, int workers, long seed) {
        StragglerModel model = StragglerModel.none();
        int i = 0;
        for (String raw : spec.split(",")) {
            String term = raw.strip().toLowerCase(Locale.ROOT);
            long s = seed * 31 + (i++);
            try {
                if (term.equals("none")) {
                    continue;
                } else if (term.startsWith("pareto:")) {
                    model = model.and(StragglerModel.pareto(Double.parseDouble(term.substring(7)), 1, s));
                } else if (term.startsWith("exp:")) {
                    model = model.and(StragglerModel.shiftedExponential(Double.parseDouble(term.substring(4)), s));
                } else if (term.startsWith("slow:") && term.contains("x")) {
                    String[] kf = term.substring(5).split("x", 2);
                    if (Integer.parseInt(kf[0]) >= workers) {
                        // Every worker slow: the synchronous deadline (nominal round x factor) is never met, and
                        // the sync methods would apply nothing at all.
                        throw new IllegalArgumentException("straggler model '" + raw.strip() + "' makes every one of the "
                                + workers + " workers slow: give slow:KxF with K below --workers");
                    }
                    model = model.and(StragglerModel.persistentSlow(workers, Integer.parseInt(kf[0]), Double.parseDouble(kf[1]), s));
                } else if (term.startsWith("shared:")) {
                    model = model.and(StragglerModel.sharedCores(workers, Integer.parseInt(term.substring(7))));
                } else if (term.startsWith("factors:")) {
                    model = model.and(StragglerModel.perWorker(workers,
                            Arrays.stream(term.substring(8).split("/")).mapToDouble(Double::parseDouble).toArray()));
                } else if (term.startsWith("crash:") && term.contains("@")) {
                    String[] kt = term.substring(6).split("@", 2);
                    int k = Integer.parseInt(kt[0]);
                    double at = Double.parseDouble(kt[1]);
                    if (k < 0 || k >= workers) {
                        throw new IllegalArgumentException("crash:K@T needs 0 <= K < workers, got " + k);
                    }
                    for (int w = 0; w < k; w++) {
                        // The last k workers die (which ones does not matter: straggler draws are per worker).
                        model = model.and(StragglerModel.crash(workers - 1 - w, at, Double.POSITIVE_INFINITY));
                    }
                } else {
                    throw new IllegalArgumentException("unknown straggler model '" + raw.strip() + "'");
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad number in straggler model '" + raw.strip() + "': " + e.getMessage(), e);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--stragglers " + spec + ": " + e.getMessage()
                        + " (expected e.g. pareto:1.5,slow:2x5,exp:0.5,crash:1@10 or none)", e);
            }
        }
        return model;
    }

    private static int[] range(int n) {
        int[] r = new int[n];
        for (int i = 0; i < n; i++) {
            r[i] = i;
        }
        return r;
    }

    private ProgressBar progressBar(String task, long steps) {
        if (noProgress) {
            return null;
        }
        return new ProgressBarBuilder().setTaskName(task).setInitialMax(steps)
                .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(250)
                .setConsumer(new me.tongfei.progressbar.ConsoleProgressBarConsumer(System.err))
                .build();
    }

    private void writeCalibration(List<ComputeCalibration.Measurement> calibration) throws IOException {
        StringBuilder sb = new StringBuilder("what,per,examples_per_job,median_seconds,p10_seconds,p90_seconds,timings\n");
        for (ComputeCalibration.Measurement c : calibration) {
            sb.append(String.format(Locale.ROOT, "%s,%s,%d,%.6g,%.6g,%.6g,%d%n", c.what().replace(',', ';'), c.per(), c.batch(),
                    c.median(), c.low(), c.high(), c.reps()));
        }
        Files.writeString(new File(out, "calibration.csv").toPath(), sb.toString(), StandardCharsets.UTF_8);
    }

    private void writeCsv(List<Outcome> outcomes) throws IOException {
        StringBuilder sb = new StringBuilder("method,virtual_time_s,steps,bytes_up,bytes_down,train_loss,test_accuracy\n");
        for (Outcome r : outcomes) {
            for (Point p : r.points()) {
                sb.append(String.format(Locale.ROOT, "%s,%.6f,%d,%d,%d,%.6f,%.4f%n", r.method().label(), p.time(), p.steps(),
                        p.bytesUp(), p.bytesDown(), p.trainLoss(), p.accuracy()));
            }
        }
        Files.writeString(new File(out, "compare.csv").toPath(), sb.toString(), StandardCharsets.UTF_8);
    }

    private void plot(List<Outcome> outcomes, boolean bytes, File file) throws IOException {
        System.setProperty("java.awt.headless", "true");
        XYChart chart = new XYChartBuilder().width(800).height(500)
                .title(String.format(Locale.ROOT, "%s, %d workers, stragglers %s", Models.chosenName(modelFile, model), workers, stragglers))
                .xAxisTitle(bytes ? "bytes pushed by workers (log scale)" : "virtual time (s)")
                .yAxisTitle("test accuracy").build();
        chart.getStyler().setXAxisLogarithmic(bytes);
        chart.getStyler().setMarkerSize(5);
        chart.getStyler().setYAxisMin(Math.max(0, target - 0.15));
        chart.getStyler().setYAxisMax(1.0);
        for (Outcome r : outcomes) {
            List<Point> pts = r.points().stream().filter(p -> !bytes || p.bytesUp() > 0).toList();
            if (pts.isEmpty()) {
                continue;
            }
            double[] x = pts.stream().mapToDouble(p -> bytes ? p.bytesUp() : p.time()).toArray();
            double[] y = pts.stream().mapToDouble(Point::accuracy).toArray();
            XYSeries s = chart.addSeries(r.method().label(), x, y);
            s.setMarker(SeriesMarkers.CIRCLE);
        }
        double[] xs = outcomes.stream().flatMap(r -> r.points().stream())
                .filter(p -> !bytes || p.bytesUp() > 0).mapToDouble(p -> bytes ? p.bytesUp() : p.time()).toArray();
        if (xs.length > 0) {
            double lo = java.util.Arrays.stream(xs).min().getAsDouble();
            double hi = java.util.Arrays.stream(xs).max().getAsDouble();
            XYSeries t = chart.addSeries(String.format(Locale.ROOT, "target %.2f", target),
                    new double[]{bytes ? lo : 0, hi}, new double[]{target, target});
            t.setMarker(SeriesMarkers.NONE);
        }
        BitmapEncoder.saveBitmap(chart, file.getPath(), BitmapEncoder.BitmapFormat.PNG);
    }

    private void writeMarkdown(List<Outcome> outcomes, List<ComputeCalibration.Measurement> calibration, TrainingData data,
                               long params, int globalBatch, int rounds, double wall) throws IOException {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "# Simulated cluster: %s, %d workers, target test accuracy %.2f%n%n",
                Models.chosenName(modelFile, model), workers, target));
        Outcome base = outcomes.stream().filter(r -> r.method() == Method.VANILLA_SYNC).findFirst().orElse(null);
        Point baseHit = base == null ? null : base.firstAtTarget(target);
        sb.append("| method | time to target (virtual s) | vs vanilla-sync | bytes pushed to target | fewer than vanilla-sync"
                + " | bytes pulled to target | updates to target | final accuracy | virtual s run | wall s |\n");
        sb.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        for (Outcome r : outcomes) {
            Point hit = r.firstAtTarget(target);
            Point last = r.points().get(r.points().size() - 1);
            sb.append("| ").append(r.method().label()).append(" | ");
            if (hit == null) {
                sb.append(String.format(Locale.ROOT, "not reached (best %.4f) | | | | | |",
                        r.points().stream().mapToDouble(Point::accuracy).max().orElse(Double.NaN)));
            } else {
                sb.append(String.format(Locale.ROOT, "%.3f | %s | %,d | %s | %,d | %d |", hit.time(),
                        baseHit == null ? "" : String.format(Locale.ROOT, "%.3fx", hit.time() / baseHit.time()),
                        hit.bytesUp(),
                        baseHit == null ? "" : String.format(Locale.ROOT, "%.1fx", baseHit.bytesUp() / (double) hit.bytesUp()),
                        hit.bytesDown(), hit.steps()));
            }
            sb.append(String.format(Locale.ROOT, " %.4f | %.3f | %.0f |%n", last.accuracy(), r.result().endTime(), r.wallSeconds()));
        }
        sb.append(goals(outcomes));
        sb.append(String.format(Locale.ROOT, "%nData: %s. "
                        + "Model %s, %,d parameters, %s. %d workers x %d examples per job: a synchronous round is %d "
                        + "examples (%d rounds per epoch); asynchronous jobs are one worker's share of a round. At most %d epochs"
                        + "%s; test accuracy on all %d test examples, %d evaluations per epoch's worth of updates; "
                        + "%s.%n", data.summary(), Models.chosenName(modelFile, model), params,
                Models.chosenUpdater(modelFile, learningRate) + (codedLearningRate == null || modelFile != null ? ""
                        : " (coded methods " + Models.chosenUpdater(null, codedLearningRate) + ")"), workers, batchPerWorker, globalBatch, rounds, epochs,
                budgetSeconds == null ? "" : String.format(Locale.ROOT, " or %.3f virtual s", budgetSeconds),
                data.testSize(), evalsPerEpoch, runPastTarget ? "runs continue past the target" : "a run stops at the first evaluation at or above the target"));
        sb.append(String.format(Locale.ROOT, "%nStragglers: `%s` (seed %d). Network: every link %s Gb/s, latency %s ms; "
                        + "the server's link is shared (a FIFO queue each way). Vanilla-backup: synchronous rounds that close at the "
                        + "fastest answers but their backup workers' (Chen et al. 2016). Dense-nominal: vanilla-sync with no stragglers "
                        + "on the run's network. Oracle: vanilla-sync with no stragglers and a free network.%n",
                stragglers, seed, Double.isInfinite(linkGbps) ? "free" : fmt(linkGbps), fmt(latencyMs)));
        sb.append(String.format(Locale.ROOT, "%nCosts: %s Each is charged where the real cluster pays it: a worker's "
                        + "compute per job (examples x per example + per job), the server's CPU per message and per update "
                        + "(in order, one resource), a coded worker's replay of each log entry it missed before its next job; "
                        + "a vanilla worker pulls the parameters. Stated on the command line: %s.%n%n",
                allCostsStated() ? "all stated, so the run is a function of its options and seed." : "measured on this machine "
                        + "(below) unless stated.", stated()));
        if (costsSource != null) {
            sb.append("Source of the stated costs: ").append(costsSource).append("\n\n");
        }
        if (!calibration.isEmpty()) {
            sb.append("| calibration (this machine) | per | examples per job | median ms | 10th-90th percentile ms | timings |\n"
                    + "| --- | --- | ---: | ---: | ---: | ---: |\n");
        }
        for (ComputeCalibration.Measurement c : calibration) {
            sb.append(String.format(Locale.ROOT, "| %s | %s | %s | %.4f | %.4f-%.4f | %d |%n", c.what(), c.per(),
                    c.batch() == 0 ? "" : c.batch(), c.median() * 1e3, c.low() * 1e3, c.high() * 1e3, c.reps()));
        }
        sb.append("\n| method | per example (s) | per job (s) | server per message (s) | server per update (s) | replay per entry (s) "
                + "| worker link (B/s) | server link (B/s) | latency (s) | configuration |\n"
                + "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n");
        for (Outcome r : outcomes) {
            CodedTrainingConfig c = r.config();
            String conf = c.mode() == CodedTrainingConfig.Mode.VANILLA
                    ? "dense float32, " + c.policy().name().toLowerCase(Locale.ROOT)
                    : String.format(Locale.ROOT, "%s frames %sx, %s code, %s decoder, error feedback %s, %s",
                    CodedTrainingConfig.label(c.frame()), fmt(c.compression()), CodedTrainingConfig.label(c.code()),
                    CodedTrainingConfig.label(c.decoder()), c.errorFeedback() ? "on" : "off",
                    c.policy().name().toLowerCase(Locale.ROOT));
            if (c.policy() == CodedTrainingConfig.Policy.ASYNC) {
                conf += String.format(Locale.ROOT, ", a step every %d %sanswers%s, staleness rule %s%s", c.messagesPerStep(),
                        c.cadenceRule() == CodedTrainingConfig.CadenceRule.FRESH ? "fresh " : "", c.freshJobs() ? " (next job after an update)" : "", c.stalenessRule().name().toLowerCase(Locale.ROOT),
                        c.mode() == CodedTrainingConfig.Mode.CODED ? ", frame period " + c.framesEvery() : "");
            }
            if (c.mode() == CodedTrainingConfig.Mode.CODED) {
                conf += ", symbols " + c.symbolPrecision().name().toLowerCase(Locale.ROOT)
                        + ", partition " + c.partition().name().toLowerCase(Locale.ROOT)
                        + (c.parityTasks() > 0 ? ", " + c.parityTasks() + " parity tasks of weight " + c.rowWeight() : "");
            }
            if (c.backupWorkers() > 0) {
                conf += ", " + c.backupWorkers() + " backup workers";
            }
            conf += c.policy() == CodedTrainingConfig.Policy.ASYNC ? ", staleness bound " + c.stalenessBound()
                    : r.method().nominal() || deadlineFactor == 0 ? ", no deadline (waits for every worker)"
                    : ", deadline " + c.deadlineMillis() + " ms";
            CostModel k = r.cost();
            sb.append(String.format(Locale.ROOT, "| %s | %.4g | %.4g | %.4g | %.4g | %.4g | %.4g | %.4g | %.4g | %s |%n",
                    r.method().label(), k.perSampleSeconds(), k.perJobSeconds(), k.serverMessageSeconds(), k.serverUpdateSeconds(),
                    k.replaySeconds(), k.workerBandwidth(), k.serverBandwidth(), k.latencySeconds(), conf));
        }
        sb.append(String.format(Locale.ROOT, "%nWall time of this command: %.0f s.%n", wall));
        Files.writeString(new File(out, "compare.md").toPath(), sb.toString(), StandardCharsets.UTF_8);
    }

    /**
     * The goals for coded-async, checked against whatever methods ran: time to target at most 1/4
     * of vanilla-sync's, 1/2 of the best straggler-tolerant vanilla method's (async or backup
     * workers), and no more than dense training without stragglers; bytes pushed and pulled to the
     * target each at least 32x fewer than vanilla-sync's.
     */
    private String goals(List<Outcome> outcomes) {
        Map<Method, Point> hits = new LinkedHashMap<>();
        for (Outcome r : outcomes) {
            hits.put(r.method(), r.firstAtTarget(target));
        }
        Point c = hits.get(Method.CODED_ASYNC);
        if (!hits.containsKey(Method.CODED_ASYNC)) {
            return "";
        }
        java.util.function.BiFunction<Point, Point, String> timeRatio = (a, b) -> String.format(Locale.ROOT, "%.3fx", a.time() / b.time());
        StringBuilder sb = new StringBuilder("\nGoals for coded-async (time, bytes pushed and bytes pulled to the target):\n\n");
        goal(sb, "time at most 1/4 of vanilla-sync", c, hits.get(Method.VANILLA_SYNC), hits.containsKey(Method.VANILLA_SYNC),
                (a, b) -> a.time() <= b.time() / 4, timeRatio);
        Method tolerant = null;
        for (Method m : new Method[]{Method.VANILLA_ASYNC, Method.VANILLA_BACKUP}) {
            if (hits.containsKey(m) && (tolerant == null || hits.get(tolerant) == null
                    || (hits.get(m) != null && hits.get(m).time() < hits.get(tolerant).time()))) {
                tolerant = m;
            }
        }
        if (tolerant != null) {
            goal(sb, "time at most 1/2 of the best straggler-tolerant vanilla method (" + tolerant.label() + ")", c,
                    hits.get(tolerant), true, (a, b) -> a.time() <= b.time() / 2, timeRatio);
        }
        goal(sb, "time at most that of dense training without stragglers", c, hits.get(Method.DENSE_NOMINAL),
                hits.containsKey(Method.DENSE_NOMINAL), (a, b) -> a.time() <= b.time(), timeRatio);
        goal(sb, "at least 32x fewer bytes pushed than vanilla-sync", c, hits.get(Method.VANILLA_SYNC),
                hits.containsKey(Method.VANILLA_SYNC), (a, b) -> b.bytesUp() >= 32.0 * a.bytesUp(),
                (a, b) -> String.format(Locale.ROOT, "%.1fx fewer", b.bytesUp() / (double) a.bytesUp()));
        goal(sb, "at least 32x fewer bytes pulled than vanilla-sync", c, hits.get(Method.VANILLA_SYNC),
                hits.containsKey(Method.VANILLA_SYNC), (a, b) -> b.bytesDown() >= 32.0 * a.bytesDown(),
                (a, b) -> String.format(Locale.ROOT, "%.1fx fewer", b.bytesDown() / (double) a.bytesDown()));
        return sb.toString();
    }

    private static void goal(StringBuilder sb, String what, Point coded, Point other, boolean ran,
                             java.util.function.BiPredicate<Point, Point> met,
                             java.util.function.BiFunction<Point, Point, String> ratio) {
        if (!ran) {
            return;
        }
        String verdict;
        if (coded == null) {
            verdict = "missed: coded-async did not reach the target";
        } else if (other == null) {
            verdict = "met (the other method did not reach the target)";
        } else {
            verdict = (met.test(coded, other) ? "met" : "missed") + " (" + ratio.apply(coded, other) + ")";
        }
        sb.append("- ").append(what).append(": ").append(verdict).append('\n');
    }

    private static String fmt(double v) {
        return v == Math.rint(v) && !Double.isInfinite(v) ? String.valueOf((long) v) : String.valueOf(v);
    }
}

package io.github.dl4jcoded.examples;

import io.github.dl4jcoded.training.CodedTrainingConfig;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.deeplearning4j.arbiter.optimize.api.CandidateGenerator;
import org.deeplearning4j.arbiter.optimize.api.OptimizationResult;
import org.deeplearning4j.arbiter.optimize.api.TaskCreator;
import org.deeplearning4j.arbiter.optimize.api.data.DataProvider;
import org.deeplearning4j.arbiter.optimize.api.data.DataSource;
import org.deeplearning4j.arbiter.optimize.api.saving.InMemoryResultSaver;
import org.deeplearning4j.arbiter.optimize.api.score.ScoreFunction;
import org.deeplearning4j.arbiter.optimize.api.termination.MaxCandidatesCondition;
import org.deeplearning4j.arbiter.optimize.api.termination.MaxTimeCondition;
import org.deeplearning4j.arbiter.optimize.api.termination.TerminationCondition;
import org.deeplearning4j.arbiter.optimize.config.OptimizationConfiguration;
import org.deeplearning4j.arbiter.optimize.generator.GridSearchCandidateGenerator;
import org.deeplearning4j.arbiter.optimize.generator.RandomSearchGenerator;
import org.deeplearning4j.arbiter.optimize.runner.CandidateInfo;
import org.deeplearning4j.arbiter.optimize.runner.CandidateStatus;
import org.deeplearning4j.arbiter.optimize.runner.LocalOptimizationRunner;
import org.deeplearning4j.arbiter.optimize.runner.listener.BaseStatusListener;
import org.deeplearning4j.arbiter.optimize.runner.IOptimizationRunner;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * {@code tune}: which coded configuration reaches the target accuracy first in the simulated cluster
 * of {@code compare}, and at what bytes. Arbiter does the search: its parameter spaces, its random and
 * grid candidate generators, its runner and termination conditions; a candidate is one coded method
 * run by compare's own code with the candidate's options laid over the base options, scored by its
 * virtual time to the target (a stated penalty when it misses). The base configuration runs first as
 * the reference. Writes tune.csv (every candidate), pareto.png (time to target against bytes) and
 * best.json (the best configuration, as train and compare take it with --config).
 */
@Command(name = "tune", mixinStandardHelpOptions = true,
        description = {"Search the coded configuration that reaches the target first in compare's simulated cluster (Arbiter).",
                "Every option not listed here is compare's (see compare --help): the cluster, the five costs (all must be "
                        + "stated, so that candidates are comparable), the target, --budget-seconds (each candidate's virtual "
                        + "time), and the base configuration, which runs first as the reference."})
public final class TuneCommand implements Callable<Integer> {

    @Option(names = "--candidates", defaultValue = "20", description = "most candidates the search runs (default: ${DEFAULT-VALUE})")
    int candidates;

    @Option(names = "--minutes", defaultValue = "22",
            description = "wall-clock budget from tune's start (data, reference runs and search): no candidate starts after "
                    + "it, one under way finishes (default: ${DEFAULT-VALUE})")
    double minutes;

    @Option(names = "--search", defaultValue = "random", description = "random or grid (default: ${DEFAULT-VALUE})")
    String search;

    @Option(names = "--grid-points", defaultValue = "3", description = "grid search: points of the learning-rate range (default: ${DEFAULT-VALUE})")
    int gridPoints;

    @Option(names = "--tune-seed", defaultValue = "1", description = "seed of the random search (default: ${DEFAULT-VALUE})")
    long tuneSeed;

    @Option(names = "--penalty", defaultValue = "2",
            description = "a candidate that misses the target scores this times --budget-seconds (default: ${DEFAULT-VALUE})")
    double penalty;

    @Option(names = "--tune-methods", defaultValue = "coded-async", split = ",",
            description = "coded methods the search draws from: coded-async, coded-sync (default: ${DEFAULT-VALUE})")
    List<String> tuneMethods;

    @Option(names = "--lr-range", defaultValue = "1e-3:1e-2",
            description = "coded methods' Adam learning rate, LOW:HIGH drawn log-uniformly; not searched with --model-file (default: ${DEFAULT-VALUE})")
    String lrRange;

    @Option(names = "--compressions", defaultValue = "16,32,64", split = ",", description = "per-block compressions (default: ${DEFAULT-VALUE})")
    List<Double> compressions;

    @Option(names = "--frames", defaultValue = "low_rank,count_sketch", split = ",", description = "frames (default: ${DEFAULT-VALUE})")
    List<CodedTrainingConfig.FrameKind> frames;

    @Option(names = "--frame-periods", defaultValue = "0,1,2,4", split = ",",
            description = "async: frame periods, 0 automatic (default: ${DEFAULT-VALUE})")
    List<Integer> framePeriods;

    @Option(names = "--staleness-rules", defaultValue = "none,inverse,dc_asgd", split = ",",
            description = "async: staleness rules (default: ${DEFAULT-VALUE})")
    List<CodedTrainingConfig.StalenessRule> stalenessRules;

    @Option(names = "--cadences", defaultValue = "0,8,12", split = ",",
            description = "async: answers per update, 0 for all workers but one in eight (default: ${DEFAULT-VALUE})")
    List<Integer> cadences;

    @Option(names = "--cadence-rules", defaultValue = "fresh,all", split = ",",
            description = "async: the answers a cadence counts: fresh (computed on the current parameters) or all (default: ${DEFAULT-VALUE})")
    List<CodedTrainingConfig.CadenceRule> cadenceRules;

    // arity 1: picocli reads a Boolean option as a flag otherwise, and "true" as a stray argument.
    @Option(names = "--fresh-jobs-values", defaultValue = "true,false", split = ",", arity = "1",
            description = "async: true, a worker's next job waits for an update after its last one; false, it starts at once"
                    + " (default: ${DEFAULT-VALUE})")
    List<Boolean> freshJobs;

    @Option(names = "--codes", defaultValue = "repetition", split = ",",
            description = "codes: repetition, systematic, ldgm (default: ${DEFAULT-VALUE})")
    List<CodedTrainingConfig.CodeKind> codes;

    @Option(names = "--seeds", split = ",", paramLabel = "SEED",
            description = "score every configuration on each of these seeds (weights, data order, stragglers) and take the"
                    + " mean: one seed's time to target is noisy (default: compare's --seed alone)")
    List<Long> seeds = new ArrayList<>();

    @Option(names = "--out", required = true, description = "output directory")
    File out;

    @Option(names = "--no-progress", description = "no progress bar (for logs and CI)")
    boolean noProgress;

    @CommandLine.Unmatched
    List<String> compareOptions = new ArrayList<>();

    private TimeToTarget score;

    /**
     * One evaluated configuration: the reference (choice null) or a candidate, over the seeds; each seed's time to
     * target ({@code times}, NaN for a miss), and their mean ({@code timeToTarget}, NaN unless every seed reached it);
     * updates, bytes and final accuracy are means over the seeds.
     */
    record Row(String id, TuneSpace.Choice choice, CodedTrainingConfig config, double learningRate, double[] times,
               double timeToTarget, long updates, long bytesUp, long bytesDown, double finalAccuracy, double wallSeconds) {
        boolean reached() {
            return !Double.isNaN(timeToTarget);
        }

        long bytes() {
            return bytesUp + bytesDown;
        }
    }

    @Override
    public Integer call() throws IOException {
        CompareCommand base = compare(List.of());
        if (!base.allCostsStated()) {
            throw new IllegalArgumentException("tune needs every cost stated (--per-sample-seconds, --encode-seconds, "
                    + "--replay-seconds, --server-message-seconds, --server-update-seconds): measured costs differ from run to run");
        }
        if (base.configFile != null) {
            throw new IllegalArgumentException("tune takes the base configuration from compare's options, not --config: a file "
                    + "would fix every candidate to it");
        }
        if (base.budgetSeconds == null) {
            throw new IllegalArgumentException("tune needs --budget-seconds: the virtual time a candidate may use");
        }
        if (candidates < 1 || !(minutes > 0) || gridPoints < 1 || !(penalty >= 1) || Double.isInfinite(penalty)) {
            throw new IllegalArgumentException("--candidates and --grid-points must be positive, --minutes > 0 and --penalty >= 1 and finite");
        }
        List<CompareCommand.Method> methods = new ArrayList<>();
        for (String s : tuneMethods) {
            CompareCommand.Method m = CompareCommand.Method.parse(s);
            if (!m.coded()) {
                throw new IllegalArgumentException("--tune-methods takes coded-async and coded-sync, got " + s);
            }
            if (!methods.contains(m)) methods.add(m);
        }
        TuneSpace space = new TuneSpace(methods, base.modelFile != null ? null : parseRange(lrRange), compressions, frames,
                framePeriods, stalenessRules, cadences, cadenceRules, freshJobs, codes);
        CandidateGenerator generator = switch (search.toLowerCase(Locale.ROOT)) {
            case "random" -> new RandomSearchGenerator(space, null);
            case "grid" -> new GridSearchCandidateGenerator(space, gridPoints, GridSearchCandidateGenerator.Mode.Sequential, null);
            default -> throw new IllegalArgumentException("--search is random or grid, got " + search);
        };
        generator.setRngSeed(tuneSeed);

        PrintStream o = System.out;
        checkCodes(methods);
        long wall0 = System.nanoTime();
        Map<Long, CompareCommand.Prepared> prepared = new LinkedHashMap<>(); // the data, minibatches and stragglers of each seed
        for (long seed : seeds.isEmpty() ? List.of(base.seed) : seeds) {
            prepared.put(seed, compare(List.of("--seed", Long.toString(seed))).prepare());
        }
        Files.createDirectories(out.toPath());
        List<Row> rows = Collections.synchronizedList(new ArrayList<>());
        for (CompareCommand.Method m : methods) {
            rows.add(row("base " + m.label(), null, List.of(), m, prepared));
            o.println("reference " + describe(rows.get(rows.size() - 1)));
        }

        score = new TimeToTarget(penalty * base.budgetSeconds);
        TaskCreator tasks = new TaskCreator() {
            @Override
            public Callable<OptimizationResult> create(org.deeplearning4j.arbiter.optimize.api.Candidate candidate, DataProvider data,
                                                       ScoreFunction scoreFunction, List<org.deeplearning4j.arbiter.optimize.runner.listener.StatusListener> listeners,
                                                       IOptimizationRunner runner) {
                return () -> {
                    long start = System.currentTimeMillis();
                    TuneSpace.Choice c = (TuneSpace.Choice) candidate.getValue();
                    Row r = row(Integer.toString(candidate.getIndex()), c, c.compareOptions(), c.method(), prepared);
                    rows.add(r);
                    o.println("candidate " + describe(r));
                    double s = scoreFunction.score(r, data, candidate.getDataParameters());
                    CandidateInfo info = new CandidateInfo(candidate.getIndex(), CandidateStatus.Complete, s, start, start,
                            System.currentTimeMillis(), candidate.getFlatParameters(), null);
                    return new OptimizationResult(candidate, s, candidate.getIndex(), r, info, null);
                };
            }

            @Override
            public Callable<OptimizationResult> create(org.deeplearning4j.arbiter.optimize.api.Candidate candidate,
                                                       Class<? extends DataSource> dataSource, Properties properties, ScoreFunction scoreFunction,
                                                       List<org.deeplearning4j.arbiter.optimize.runner.listener.StatusListener> listeners,
                                                       IOptimizationRunner runner) {
                throw new UnsupportedOperationException("tune gives its data through a DataProvider");
            }
        };
        OptimizationConfiguration configuration = new OptimizationConfiguration.Builder()
                .candidateGenerator(generator)
                .dataProvider(new PreparedData())
                .modelSaver(new InMemoryResultSaver())
                .scoreFunction(score)
                .terminationConditions(new MaxCandidatesCondition(candidates),
                        new MaxTimeCondition(Math.max(1, Math.round(minutes * 60 - (System.nanoTime() - wall0) / 1e9)), TimeUnit.SECONDS),
                        new Exhausted(generator))
                .rngSeed(tuneSeed)
                .build();
        LocalOptimizationRunner runner = new LocalOptimizationRunner(1, configuration, tasks);
        try (ProgressBar bar = noProgress ? null : new ProgressBarBuilder().setTaskName("tune").setInitialMax(candidates)
                .setStyle(ProgressBarStyle.ASCII).continuousUpdate().build()) {
            runner.addListeners(new BaseStatusListener() {
                @Override
                public void onCandidateStatusChange(CandidateInfo info, IOptimizationRunner r, OptimizationResult result) {
                    if (info.getCandidateStatus() == CandidateStatus.Complete || info.getCandidateStatus() == CandidateStatus.Failed) {
                        if (bar != null) {
                            bar.step();
                            bar.setExtraMessage(r.bestScore() == null ? "" : String.format(Locale.ROOT, "best %.3f s", r.bestScore()));
                        }
                        if (info.getCandidateStatus() == CandidateStatus.Failed) {
                            String trace = String.valueOf(info.getExceptionStackTrace());
                            o.println("candidate " + info.getIndex() + " failed: " + trace.lines().findFirst().orElse(trace));
                        }
                    }
                }
            });
            runner.execute();
        }
        int bestIndex = runner.bestScoreCandidateIndex();
        List<Row> all = new ArrayList<>(rows);
        Row best = all.stream().filter(r -> r.id().equals(Integer.toString(bestIndex))).findFirst().orElse(null);
        Row lowest = all.stream().min(Comparator.comparingDouble(score::of)).orElseThrow(); // the references are rows too
        if (best == null) {
            best = lowest;
            o.printf(Locale.ROOT, "no candidate finished within --minutes (%d failed): best.json is the reference's%n",
                    runner.numCandidatesFailed());
        } else if (lowest.choice() == null && score.of(lowest) < score.of(best)) {
            o.printf(Locale.ROOT, "no candidate beat the reference (the best, candidate %s, scored %.3f virtual s): best.json"
                    + " is the reference's%n", best.id(), score.of(best));
            best = lowest;
        }
        writeCsv(all, new File(out, "tune.csv"));
        plot(all, best, new File(out, "pareto.png"));
        Files.writeString(new File(out, "best.json").toPath(), best.config().toJson(), StandardCharsets.UTF_8);
        List<String> rerun = new ArrayList<>(List.of("./coded", "compare"));
        rerun.addAll(compareOptions);
        if (!Double.isNaN(best.learningRate())) rerun.addAll(List.of("--coded-lr", Double.toString(best.learningRate()))); // exact: a rounded rate is another run
        rerun.addAll(List.of("--config", new File(out, "best.json").getPath(), "--out", new File(out, "rerun").getPath()));
        o.printf(Locale.ROOT, "best: candidate %s, score %.3f virtual s (reference %s)%n", best.id(), score.of(best),
                all.stream().filter(r -> r.choice() == null).map(r -> String.format(Locale.ROOT, "%s %.3f", r.id(), score.of(r)))
                        .reduce((a, b) -> a + ", " + b).orElse(""));
        o.println("rerun against the baselines: " + String.join(" ", rerun));
        o.printf(Locale.ROOT, "wrote %s/tune.csv, pareto.png, best.json (%d candidates, %.0f s wall)%n", out.getPath(),
                runner.numCandidatesCompleted(), (System.nanoTime() - wall0) / 1e9);
        return 0;
    }

    /**
     * Every code of {@code --codes} must make a codec for this network and number of workers (a
     * systematic code over 8 blocks cannot feed 16 workers): refused here, naming the code, rather
     * than as failed candidates that use up the search's budget.
     */
    private void checkCodes(List<CompareCommand.Method> methods) {
        for (CodedTrainingConfig.CodeKind code : codes) {
            for (CompareCommand.Method m : methods) {
                CompareCommand c = compare(List.of("--code", CodedTrainingConfig.label(code)));
                try {
                    io.github.dl4jcoded.training.ParameterServerSetup.codec(c.network(m), c.config(m));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("--codes " + CodedTrainingConfig.label(code) + " cannot train this network: "
                            + e.getMessage(), e);
                }
            }
        }
    }

    /** Compare, parsed from the base options with {@code over} laid on top (later options win). */
    CompareCommand compare(List<String> over) {
        List<String> args = new ArrayList<>(compareOptions);
        args.addAll(over);
        args.addAll(List.of("--out", out.getPath(), "--no-progress"));
        CompareCommand c = new CompareCommand();
        try {
            new CommandLine(c).setCaseInsensitiveEnumValuesAllowed(true).setOverwrittenOptionsAllowed(true)
                    .parseArgs(args.toArray(new String[0]));
        } catch (CommandLine.ParameterException e) {
            throw new IllegalArgumentException("tune: " + e.getMessage() + " (options tune does not know go to compare)", e);
        }
        return c;
    }

    /** Runs {@code m} with the base options and {@code over} on every seed's prepared data. */
    private Row row(String id, TuneSpace.Choice choice, List<String> over, CompareCommand.Method m,
                    Map<Long, CompareCommand.Prepared> prepared) {
        long t0 = System.nanoTime();
        int n = prepared.size();
        double[] times = new double[n];
        double updates = 0, up = 0, down = 0, accuracy = 0;
        CompareCommand c = null;
        CompareCommand.Outcome r = null;
        int k = 0;
        for (Map.Entry<Long, CompareCommand.Prepared> e : prepared.entrySet()) {
            List<String> args = new ArrayList<>(over);
            args.addAll(List.of("--seed", Long.toString(e.getKey())));
            c = compare(args);
            r = c.runStated(m, e.getValue());
            CompareCommand.Point hit = r.firstAtTarget(c.target);
            CompareCommand.Point last = r.points().get(r.points().size() - 1);
            CompareCommand.Point at = hit != null ? hit : last;
            times[k++] = hit != null ? hit.time() : Double.NaN;
            updates += r.result().records().size();
            up += at.bytesUp();
            down += at.bytesDown();
            accuracy += last.accuracy();
        }
        double mean = Arrays.stream(times).anyMatch(Double::isNaN) ? Double.NaN : Arrays.stream(times).average().orElseThrow();
        return new Row(id, choice, r.config(), c.modelFile != null ? Double.NaN : c.learningRate(m), times, mean,
                Math.round(updates / n), Math.round(up / n), Math.round(down / n), accuracy / n, (System.nanoTime() - t0) / 1e9);
    }

    private static String describe(Row r) {
        return String.format(Locale.ROOT, "%s: %s; %s, %,d bytes up, %,d down to it, final accuracy %.4f (%.0f s wall)", r.id(),
                r.choice() == null ? "base options" : String.join(" ", r.choice().compareOptions()),
                (r.reached() ? String.format(Locale.ROOT, "target at %.3f virtual s", r.timeToTarget()) : "target not reached")
                        + (r.times().length > 1 ? " (seeds: " + perSeed(r) + ")" : ""),
                r.bytesUp(), r.bytesDown(), r.finalAccuracy(), r.wallSeconds());
    }

    /** Each seed's time to target, "miss" for a miss, separated by ';'. */
    private static String perSeed(Row r) {
        return String.join(";", Arrays.stream(r.times()).mapToObj(t -> Double.isNaN(t) ? "miss" : fmt(t)).toList());
    }

    private void writeCsv(List<Row> rows, File file) throws IOException {
        StringBuilder sb = new StringBuilder("candidate,method,coded_lr,compression,frame,frame_period,staleness_rule,cadence,"
                + "cadence_rule,fresh_jobs,code,"
                + "reached,time_to_target_s,score,updates,bytes_up,bytes_down,final_accuracy,wall_s,seed_times_s\n");
        for (Row r : rows) {
            CodedTrainingConfig c = r.config();
            boolean async = c.policy() == CodedTrainingConfig.Policy.ASYNC;
            sb.append(String.join(",", r.id(), async ? "coded-async" : "coded-sync",
                    Double.isNaN(r.learningRate()) ? "file" : fmt(r.learningRate()), fmt(c.compression()),
                    CodedTrainingConfig.label(c.frame()), async ? Integer.toString(c.framePeriod()) : "",
                    async ? c.stalenessRule().name().toLowerCase(Locale.ROOT) : "", async ? Integer.toString(c.cadence()) : "",
                    async ? c.cadenceRule().name().toLowerCase(Locale.ROOT) : "", async ? Boolean.toString(c.freshJobs()) : "",
                    CodedTrainingConfig.label(c.code()), Boolean.toString(r.reached()), r.reached() ? fmt(r.timeToTarget()) : "",
                    fmt(score.of(r)), Long.toString(r.updates()), Long.toString(r.bytesUp()), Long.toString(r.bytesDown()),
                    fmt(r.finalAccuracy()), String.format(Locale.ROOT, "%.1f", r.wallSeconds()), perSeed(r))).append('\n');
        }
        Files.writeString(file.toPath(), sb.toString(), StandardCharsets.UTF_8);
    }

    /** The candidates that reached the target no other beat on both time and bytes, fastest first. */
    static List<Row> paretoFront(List<Row> rows) {
        List<Row> reached = rows.stream().filter(Row::reached).sorted(Comparator.comparingDouble(Row::timeToTarget)
                .thenComparingLong(Row::bytes)).toList();
        List<Row> front = new ArrayList<>();
        long fewest = Long.MAX_VALUE;
        for (Row r : reached) {
            if (r.bytes() < fewest) {
                front.add(r);
                fewest = r.bytes();
            }
        }
        return front;
    }

    private static void plot(List<Row> rows, Row best, File file) throws IOException {
        XYChart chart = new XYChartBuilder().width(900).height(600).title("tune: time to target against bytes (up + down)")
                .xAxisTitle("virtual seconds to the target").yAxisTitle("MB moved to the target").build();
        chart.getStyler().setMarkerSize(10);
        // From zero, with short labels: a front of two or three points otherwise spans the whole plot, labelled to 15 digits.
        chart.getStyler().setXAxisMin(0.0).setYAxisMin(0.0).setXAxisDecimalPattern("0.0#").setYAxisDecimalPattern("#,##0");
        addSeries(chart, "candidates", rows.stream().filter(r -> r.reached() && r.choice() != null).toList(), XYSeries.XYSeriesRenderStyle.Scatter);
        List<Row> front = paretoFront(rows);
        if (!front.isEmpty()) addSeries(chart, "Pareto front", front, XYSeries.XYSeriesRenderStyle.Line);
        List<Row> reference = rows.stream().filter(r -> r.reached() && r.choice() == null).toList();
        if (!reference.isEmpty()) addSeries(chart, "base options", reference, XYSeries.XYSeriesRenderStyle.Scatter)
                .setMarker(SeriesMarkers.DIAMOND);
        if (best.reached()) addSeries(chart, "best (candidate " + best.id() + ")", List.of(best), XYSeries.XYSeriesRenderStyle.Scatter)
                .setMarker(SeriesMarkers.CROSS);
        if (chart.getSeriesMap().isEmpty()) {
            chart.setTitle("tune: no configuration reached the target within its budget");
            addSeries(chart, "none", List.of(), XYSeries.XYSeriesRenderStyle.Scatter);
        }
        BitmapEncoder.saveBitmap(chart, file.getPath(), BitmapEncoder.BitmapFormat.PNG);
    }

    private static XYSeries addSeries(XYChart chart, String name, List<Row> rows, XYSeries.XYSeriesRenderStyle style) {
        double[] x = rows.stream().mapToDouble(Row::timeToTarget).toArray();
        double[] y = rows.stream().mapToDouble(r -> r.bytes() / 1e6).toArray();
        XYSeries s = rows.isEmpty() ? chart.addSeries(name, new double[] {0}, new double[] {1}) : chart.addSeries(name, x, y);
        s.setXYSeriesRenderStyle(style);
        return s;
    }

    private static double[] parseRange(String s) {
        String[] p = s.split(":");
        try {
            double lo = Double.parseDouble(p[0]), hi = Double.parseDouble(p.length > 1 ? p[1] : p[0]);
            if (p.length > 2 || !(lo > 0) || !(hi >= lo) || Double.isInfinite(hi)) throw new NumberFormatException();
            return new double[] {lo, hi};
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--lr-range is LOW:HIGH with 0 < LOW <= HIGH, got " + s);
        }
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.6g", v);
    }

    /** Virtual seconds to the target; a miss scores the stated penalty. Lower is better. */
    static final class TimeToTarget implements ScoreFunction {
        private final double miss;

        TimeToTarget(double miss) {
            this.miss = miss;
        }

        @Override
        public double score(Object model, DataProvider data, Map<String, Object> dataParameters) {
            return of((Row) model);
        }

        /** The mean over the row's seeds of each seed's time to target, a miss counting the penalty. */
        double of(Row r) {
            return Arrays.stream(r.times()).map(t -> Double.isNaN(t) ? miss : t).average().orElseThrow();
        }

        @Override
        public double score(Object model, Class<? extends DataSource> dataSource, Properties properties) {
            throw new UnsupportedOperationException("tune gives its data through a DataProvider");
        }

        @Override
        public boolean minimize() {
            return true;
        }

        @Override
        public List<Class<?>> getSupportedModelTypes() {
            return List.of(Row.class);
        }

        @Override
        public List<Class<?>> getSupportedDataTypes() {
            return List.of(Object.class);
        }
    }

    /**
     * Ends the search when the generator has nothing left and nothing is under way: Arbiter 1.0.0-beta7's
     * runner checks only its termination conditions, so a grid smaller than --candidates otherwise
     * waits out --minutes.
     */
    record Exhausted(CandidateGenerator generator) implements TerminationCondition {
        @Override
        public void initialize(IOptimizationRunner runner) {
        }

        @Override
        public boolean terminate(IOptimizationRunner runner) {
            return !generator.hasMoreCandidates() && runner.numCandidatesQueued() == 0;
        }
    }

    /** Arbiter wants a data provider; the candidates read compare's prepared data directly. */
    static final class PreparedData implements DataProvider {
        @Override
        public Object trainData(Map<String, Object> dataParameters) {
            return null;
        }

        @Override
        public Object testData(Map<String, Object> dataParameters) {
            return null;
        }

        @Override
        public Class<?> getDataType() {
            return Object.class;
        }
    }
}

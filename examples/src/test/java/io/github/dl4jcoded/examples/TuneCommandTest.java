package io.github.dl4jcoded.examples;

import io.github.dl4jcoded.training.CodedTrainingConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The tune command end to end: a tiny Arbiter search over real digits, and --config in compare and train. */
class TuneCommandTest {

    private static int run(String... args) {
        return Cli.run(args);
    }

    /** A tiny cluster with every cost stated: compare's options, which tune passes through. */
    private static List<String> cluster() {
        return List.of("--model", "mlp", "--workers", "4", "--batch-per-worker", "10", "--train-size", "400", "--test-size", "200",
                "--epochs", "2", "--evals-per-epoch", "2", "--per-sample-seconds", "0.001", "--encode-seconds", "0.0002",
                "--server-message-seconds", "0.0001", "--server-update-seconds", "0.002", "--replay-seconds", "0.001",
                "--link-gbps", "0.01", "--target", "0.6", "--stragglers", "pareto:1.5,slow:1x5", "--budget-seconds", "3");
    }

    private static String[] tune(Path out, String... more) {
        List<String> a = new ArrayList<>(List.of("tune"));
        a.addAll(cluster());
        a.addAll(List.of("--candidates", "3", "--no-progress", "--out", out.toString()));
        if (!List.of(more).contains("--lr-range")) {
            a.addAll(List.of("--lr-range", "2e-3:2e-2"));
        }
        a.addAll(List.of(more));
        return a.toArray(new String[0]);
    }

    @Test
    void aTinySearchIsDeterministicWritesItsOutputsAndNamesTheLowestScore(@TempDir Path dir) throws Exception {
        assertEquals(0, run(tune(dir.resolve("a"), "--compressions", "8,16", "--frames", "low_rank,count_sketch")));
        List<String> csv = Files.readAllLines(dir.resolve("a/tune.csv"));
        assertEquals("candidate,method,coded_lr,compression,frame,frame_period,staleness_rule,cadence,cadence_rule,fresh_jobs,code,"
                + "reached,time_to_target_s,score,updates,bytes_up,bytes_down,final_accuracy,wall_s,seed_times_s", csv.get(0));
        assertEquals(1 + 1 + 3, csv.size(), "the reference and three candidates:\n" + csv);
        assertTrue(csv.get(1).startsWith("base coded-async,coded-async,0.00100000,"), csv.get(1));
        byte[] head = Arrays.copyOf(Files.readAllBytes(dir.resolve("a/pareto.png")), 4);
        assertArrayEquals(new byte[]{(byte) 0x89, 'P', 'N', 'G'}, head);

        // The best configuration is the row with the lowest score in the CSV (the reference, where no candidate beat it).
        List<Map<String, String>> rows = rows(csv);
        double lowest = rows.stream().mapToDouble(r -> Double.parseDouble(r.get("score"))).min().orElseThrow();
        java.util.regex.Matcher named = java.util.regex.Pattern.compile("best: candidate ([^,]+), score ").matcher(Cli.output());
        assertTrue(named.find(), Cli.output());
        Map<String, String> best = rows.stream().filter(r -> r.get("candidate").equals(named.group(1))).findFirst().orElseThrow();
        assertEquals(lowest, Double.parseDouble(best.get("score")), 1e-12, "the named best has the lowest score in the CSV");
        CodedTrainingConfig chosen = CodedTrainingConfig.fromJson(Files.readString(dir.resolve("a/best.json")));
        assertEquals(Double.parseDouble(best.get("compression")), chosen.compression());
        assertEquals(best.get("frame"), CodedTrainingConfig.label(chosen.frame()));
        assertEquals(best.get("staleness_rule"), chosen.stalenessRule().name().toLowerCase(Locale.ROOT));
        assertEquals(best.get("cadence_rule"), chosen.cadenceRule().name().toLowerCase(Locale.ROOT));
        assertEquals(Boolean.parseBoolean(best.get("fresh_jobs")), chosen.freshJobs());
        assertEquals(CodedTrainingConfig.Policy.ASYNC, chosen.policy());
        for (Map<String, String> r : rows) {
            boolean reached = Boolean.parseBoolean(r.get("reached"));
            // A miss scores the stated penalty: 2 x --budget-seconds.
            assertEquals(reached ? Double.parseDouble(r.get("time_to_target_s")) : 6.0, Double.parseDouble(r.get("score")), 1e-9,
                    r.toString());
        }

        // The same seed gives the same search and the same results (wall seconds aside).
        assertEquals(0, run(tune(dir.resolve("b"), "--compressions", "8,16", "--frames", "low_rank,count_sketch")));
        List<String> again = Files.readAllLines(dir.resolve("b/tune.csv"));
        assertEquals(csv.get(0), again.get(0));
        assertEquals(withoutWall(csv), withoutWall(again));

        // The printed rerun command runs, and compare's coded-async runs the file's configuration.
        String rerun = Cli.output().lines().filter(l -> l.startsWith("rerun against the baselines: ")).findFirst().orElseThrow();
        List<String> args = new ArrayList<>(Arrays.asList(rerun.substring(rerun.indexOf("compare")).split(" ")));
        args.addAll(List.of("--methods", "coded-async"));
        assertEquals(0, run(args.toArray(new String[0])));
        assertTrue(Cli.output().contains("coded-async runs " + dir.resolve("b/best.json")), Cli.output());
    }

    /** Arbiter's runner waits for its termination conditions only; tune also ends when the grid runs out. */
    @Test
    void aGridSmallerThanTheCandidateBudgetEndsWhenItRunsOut(@TempDir Path dir) throws Exception {
        assertEquals(0, run(tune(dir, "--search", "grid", "--grid-points", "2", "--frames", "low_rank", "--compressions", "16",
                "--frame-periods", "0", "--staleness-rules", "inverse", "--cadences", "0", "--cadence-rules", "fresh", "--fresh-jobs-values", "true",
                "--minutes", "20")));
        List<String> csv = Files.readAllLines(dir.resolve("tune.csv"));
        assertEquals(1 + 1 + 2, csv.size(), "the reference and the two learning rates of the grid:\n" + csv);
        assertEquals(List.of("0.00200000", "0.0200000"), rows(csv).subList(1, 3).stream().map(r -> r.get("coded_lr")).toList());
    }

    /** The CSV's rows after its header (the reference first), each as column name to value. */
    private static List<Map<String, String>> rows(List<String> csv) {
        String[] names = csv.get(0).split(",");
        List<Map<String, String>> out = new ArrayList<>();
        for (String line : csv.subList(1, csv.size())) {
            String[] values = line.split(",", -1);
            assertEquals(names.length, values.length, line);
            Map<String, String> r = new LinkedHashMap<>();
            for (int k = 0; k < names.length; k++) r.put(names[k], values[k]);
            out.add(r);
        }
        return out;
    }

    private static List<Map<String, String>> withoutWall(List<String> csv) {
        List<Map<String, String>> rows = rows(csv);
        rows.forEach(r -> r.remove("wall_s"));
        return rows;
    }

    @Test
    void whenNoCandidateBeatsTheReferenceBestJsonIsTheReferences(@TempDir Path dir) throws Exception {
        // A learning rate far too small: no candidate reaches the target, the reference (--lr 1e-3 from compare) does.
        assertEquals(0, run(tune(dir.resolve("r"), "--lr-range", "1e-7:1e-7", "--compressions", "16", "--frames", "low_rank")));
        List<String> csv = Files.readAllLines(dir.resolve("r/tune.csv"));
        Map<String, String> reference = rows(csv).get(0);
        assertTrue(Boolean.parseBoolean(reference.get("reached")), "the reference reaches the target: " + reference);
        assertTrue(Cli.output().contains("no candidate beat the reference"), Cli.output());
        assertTrue(Cli.output().contains("best: candidate base coded-async, score "), Cli.output());
        CodedTrainingConfig chosen = CodedTrainingConfig.fromJson(Files.readString(dir.resolve("r/best.json")));
        assertEquals(Double.parseDouble(reference.get("compression")), chosen.compression(), "the reference's configuration");
    }

    @Test
    void withSeveralSeedsAConfigurationScoresTheMeanOfItsSeedsAMissCountingThePenalty(@TempDir Path dir) throws Exception {
        assertEquals(0, run(tune(dir.resolve("s"), "--compressions", "16", "--frames", "low_rank",
                "--seeds", "1,2")));
        List<String> csv = Files.readAllLines(dir.resolve("s/tune.csv"));
        assertEquals(1 + 1 + 3, csv.size(), csv.toString());
        boolean differ = false;
        for (Map<String, String> r : rows(csv)) {
            String[] seeds = r.get("seed_times_s").split(";");
            assertEquals(2, seeds.length, r.toString());
            double[] t = Arrays.stream(seeds).mapToDouble(x -> x.equals("miss") ? 6.0 : Double.parseDouble(x)).toArray();
            assertEquals((t[0] + t[1]) / 2, Double.parseDouble(r.get("score")), 1e-4, "score = mean over the seeds: " + r);
            assertEquals(!Arrays.asList(seeds).contains("miss"), Boolean.parseBoolean(r.get("reached")), r.toString());
            differ |= !seeds[0].equals(seeds[1]);
        }
        assertTrue(differ, "the seeds are different runs: " + csv);
    }

    @Test
    void tuneRefusesMeasuredCostsAndAMissingBudget(@TempDir Path dir) {
        String out = dir.toString();
        assertEquals(2, run("tune", "--model", "mlp", "--budget-seconds", "3", "--out", out));
        assertTrue(Cli.output().contains("tune needs every cost stated"), Cli.output());
        List<String> noBudget = new ArrayList<>(cluster().subList(0, cluster().size() - 2));
        noBudget.addAll(0, List.of("tune"));
        noBudget.addAll(List.of("--out", out));
        assertEquals(2, run(noBudget.toArray(new String[0])));
        assertTrue(Cli.output().contains("tune needs --budget-seconds"), Cli.output());
        assertEquals(2, run(tune(dir, "--tune-methods", "vanilla-sync")));
        assertEquals(2, run(tune(dir, "--lr-range", "0:1")));
        assertEquals(2, run(tune(dir, "--config", dir.resolve("any.json").toString())));
        assertTrue(Cli.output().contains("not --config"), Cli.output());
        assertEquals(2, run(tune(dir, "--bogus-option", "1")));
        assertTrue(Cli.output().contains("options tune does not know go to compare"), Cli.output());
        // the MLP has 4 blocks (W, b, W, b): a systematic code over them cannot feed 8 workers
        assertEquals(2, run(tune(dir, "--workers", "8", "--codes", "repetition,systematic")));
        assertTrue(Cli.output().contains("--codes systematic cannot train this network: code SYSTEMATIC has 4 tasks for 8 workers"),
                Cli.output());
        assertFalse(Files.exists(dir.resolve("tune.csv")), "nothing ran");
    }

    @Test
    void compareAndTrainTakeAConfigurationFile(@TempDir Path dir) throws Exception {
        CodedTrainingConfig cfg = CodedTrainingConfig.builder().workers(4).compression(8).frame(CodedTrainingConfig.FrameKind.COUNT_SKETCH)
                .policy(CodedTrainingConfig.Policy.ASYNC).framePeriod(2).build();
        Path file = dir.resolve("c.json");
        Files.writeString(file, cfg.toJson());

        CompareCommand compare = new CompareCommand();
        new picocli.CommandLine(compare).setCaseInsensitiveEnumValuesAllowed(true).parseArgs("--workers", "4", "--seed", "7", "--config", file.toString(), "--out", dir.toString());
        assertEquals(cfg.toBuilder().seed(7).build(), compare.config(CompareCommand.Method.CODED_ASYNC));
        assertEquals(CodedTrainingConfig.Policy.SYNC, compare.config(CompareCommand.Method.CODED_SYNC).policy(), "the other policy keeps the options");

        // Options beside the file override its fields in train and server.
        TrainCommand train = new TrainCommand();
        new picocli.CommandLine(train).setCaseInsensitiveEnumValuesAllowed(true)
                .parseArgs("--mode", "coded", "--config", file.toString(), "--compression", "16", "--seed", "3");
        assertEquals(cfg.toBuilder().compression(16).seed(3).build(), train.codedConfig());

        assertEquals(2, run("compare", "--workers", "16", "--config", file.toString(), "--out", dir.toString()));
        assertTrue(Cli.output().contains("has 4 workers and --workers is 16"), Cli.output());
        assertEquals(2, run("train", "--config", file.toString()));
        assertTrue(Cli.output().contains("add --mode coded"), Cli.output());
        Files.writeString(dir.resolve("bad.json"), "{\"workers\": 4}");
        assertEquals(2, run("train", "--mode", "coded", "--config", dir.resolve("bad.json").toString()));
        assertTrue(Cli.output().contains("--config " + dir.resolve("bad.json")), Cli.output());
        assertEquals(2, run("train", "--mode", "coded", "--config", dir.resolve("missing.json").toString()));
        assertTrue(Cli.output().contains("cannot read --config"), Cli.output());
    }
}

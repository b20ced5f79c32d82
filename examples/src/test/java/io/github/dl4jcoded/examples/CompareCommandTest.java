package io.github.dl4jcoded.examples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The compare command end to end on a tiny configuration of real digits. */
class CompareCommandTest {

    private static int run(String... args) {
        return Cli.run(args);
    }

    private static String[] tiny(Path out) {
        return new String[]{"compare", "--model", "mlp", "--workers", "4", "--batch-per-worker", "10",
                "--train-size", "400", "--test-size", "200", "--epochs", "2", "--evals-per-epoch", "2",
                "--per-sample-seconds", "0.001", "--encode-seconds", "0.0002", "--server-message-seconds", "0.0001",
                "--server-update-seconds", "0.002", "--replay-seconds", "0.001", "--link-gbps", "0.01", "--target", "0.6",
                "--stragglers", "pareto:1.5,slow:1x5", "--calibration-seconds", "0.2", "--no-progress", "--out", out.toString()};
    }

    @Test
    void writesTheCurvesThePlotsAndTheTableForEveryMethodReproducibly(@TempDir Path dir) throws Exception {
        assertEquals(0, run(tiny(dir.resolve("a"))));
        List<String> csv = Files.readAllLines(dir.resolve("a/compare.csv"));
        assertEquals("method,virtual_time_s,steps,bytes_up,bytes_down,train_loss,test_accuracy", csv.get(0));
        Set<String> methods = csv.stream().skip(1).map(l -> l.split(",")[0]).collect(Collectors.toSet());
        assertEquals(Set.of("vanilla-sync", "vanilla-async", "vanilla-backup", "dense-nominal", "coded-sync", "coded-async",
                "oracle"), methods);
        for (String line : csv.subList(1, csv.size())) {
            String[] f = line.split(",");
            assertEquals(7, f.length, line);
            double acc = Double.parseDouble(f[6]);
            assertTrue(acc >= 0 && acc <= 1, line);
            assertTrue(Double.parseDouble(f[1]) > 0 && Long.parseLong(f[3]) > 0, line);
        }
        for (String png : List.of("accuracy-vs-time.png", "accuracy-vs-bytes.png")) {
            byte[] head = Arrays.copyOf(Files.readAllBytes(dir.resolve("a").resolve(png)), 4);
            assertArrayEquals(new byte[]{(byte) 0x89, 'P', 'N', 'G'}, head, png);
        }
        String md = Files.readString(dir.resolve("a/compare.md"));
        assertTrue(md.contains("| method | time to target"), md);
        for (String m : methods) {
            assertTrue(md.contains("| " + m + " |"), m + " in\n" + md);
        }
        assertTrue(md.contains("all stated, so the run is a function of its options and seed"), md);
        assertTrue(md.contains("Goals for coded-async") && md.contains("at least 32x fewer bytes pulled than vanilla-sync"), md);
        assertTrue(md.contains("| coded-sync | 0.001000 | 0.0002000 | 0.0001000 | 0.002000 | 0.001000 |"), md);
        assertTrue(md.contains("| vanilla-sync | 0.001000 | 0.000 | 0.0001000 | 0.002000 | 0.000 |"), "vanilla workers neither encode nor replay:\n" + md);
        assertTrue(Files.readString(dir.resolve("a/calibration.csv")).startsWith("what,per,examples_per_job,median_seconds"));

        // Stated costs make the whole run a function of the seed: the same CSV again.
        assertEquals(0, run(tiny(dir.resolve("b"))));
        assertEquals(csv, Files.readAllLines(dir.resolve("b/compare.csv")));
    }

    @Test
    void badOptionsAreAClearErrorWithExitCode2(@TempDir Path dir) {
        String out = dir.toString();
        assertEquals(2, run("compare", "--stragglers", "pareto:abc", "--out", out));
        assertEquals(2, run("compare", "--stragglers", "lognormal:1", "--out", out));
        assertEquals(2, run("compare", "--workers", "2", "--stragglers", "slow:2x5", "--out", out));
        assertTrue(Cli.output().contains("makes every one of the 2 workers slow"), Cli.output());
        assertEquals(2, run("compare", "--methods", "vanilla-sync,magic", "--out", out));
        assertEquals(2, run("compare", "--workers", "0", "--out", out));
        assertEquals(2, run("compare", "--workers", "1000", "--batch-per-worker", "16", "--out", out));
        assertEquals(2, run("compare", "--per-sample-seconds", "-1", "--out", out));
        assertEquals(2, run("compare", "--model-file", dir.resolve("missing.zip").toString(), "--out", out));
    }
}

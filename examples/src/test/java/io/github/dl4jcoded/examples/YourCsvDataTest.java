package io.github.dl4jcoded.examples;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Your data through DataVec on the command line (issue 18): an MLP on a CSV export of the real
 * digits, locally and in the simulated cluster, against plain {@code fit} on the same file; and
 * every bad input a one-line error naming the file, exit 2, nothing started.
 */
class YourCsvDataTest {
    @TempDir
    static Path dir;
    static String trainCsv;
    static String testCsv;
    static String tokenFile;
    static String losslessConfig;

    @BeforeAll
    static void exportTheDigitsAsCsv() {
        assertEquals(0, Cli.run("export", "--format", "csv", "--out", dir.resolve("csv").toString(),
                "--train-size", "2000", "--test-size", "1000"));
        trainCsv = dir.resolve("csv/train.csv").toString();
        testCsv = dir.resolve("csv/test.csv").toString();
        tokenFile = write("token", "your-csv-data-test-token-0123456789");
        losslessConfig = write("lossless.json",
                io.github.dl4jcoded.training.CodedTrainingConfig.builder().workers(2).seed(42).lossless().build().toJson());
    }

    private static String write(String name, String content) {
        try {
            return Files.writeString(dir.resolve(name), content).toString();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String[] csvData(String... more) {
        List<String> a = new ArrayList<>(List.of("--train-data", trainCsv, "--test-data", testCsv, "--classes", "10",
                "--skip-lines", "1"));
        a.addAll(Arrays.asList(more));
        return a.toArray(String[]::new);
    }

    private static String[] concat(String[] a, String... b) {
        String[] r = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    private static double finalAccuracy(String out) {
        Matcher m = Pattern.compile("final test accuracy: (\\d\\.\\d{4})").matcher(out);
        assertTrue(m.find(), out);
        return Double.parseDouble(m.group(1));
    }

    private static final String[] LOSSLESS = {"--frame", "identity", "--compression", "1", "--no-error-feedback"};

    @Test
    void anMlpOnACsvFileTrainsLocallyAndInTheSimulatorAsPlainFitDoes() throws Exception {
        String[] train = concat(new String[]{"train", "--model", "mlp", "--epochs", "3", "--batch", "64", "--no-progress"}, csvData());
        assertEquals(0, Cli.run(train));
        String plainOut = Cli.output();
        assertTrue(plainOut.contains("CSV " + trainCsv + " (10 classes): 2000 train / 1000 test examples of [784]"), plainOut);
        double plain = finalAccuracy(plainOut);
        assertTrue(plain > 0.85, "plain fit learns the digits from the CSV file: " + plain);

        assertEquals(0, Cli.run(concat(concat(train, "--mode", "coded", "--workers", "2"), LOSSLESS)));
        double lossless = finalAccuracy(Cli.output());
        assertEquals(0, Cli.run(concat(train, "--mode", "coded", "--workers", "2")));
        String codedOut = Cli.output();
        double coded = finalAccuracy(codedOut);
        Matcher c = Pattern.compile("compression vs dense: (\\d+\\.\\d)x").matcher(codedOut);
        assertTrue(c.find(), codedOut);

        // The simulator on the same file: vanilla-sync's rounds are plain fit's minibatches (2 x 32 = 64, same seed).
        Path out = dir.resolve("compare");
        assertEquals(0, Cli.run(concat(new String[]{"compare", "--model", "mlp", "--workers", "2", "--batch-per-worker", "32",
                "--epochs", "3", "--evals-per-epoch", "1", "--methods", "vanilla-sync,coded-sync", "--target", "0.999",
                "--stragglers", "none",
                "--per-sample-seconds", "0.001", "--encode-seconds", "0.0002", "--server-message-seconds", "0.0001",
                "--server-update-seconds", "0.002", "--replay-seconds", "0.001", "--no-progress", "--out", out.toString(),
                "--config", losslessConfig}, csvData())));
        List<String> csv = Files.readAllLines(out.resolve("compare.csv"));
        double simVanilla = lastAccuracy(csv, "vanilla-sync");
        double simCoded = lastAccuracy(csv, "coded-sync");
        System.out.printf("CSV, MLP, 3 epochs: plain fit %.4f; local coded lossless %.4f, default %.4f (%sx fewer bytes); "
                + "simulated vanilla-sync %.4f, coded-sync lossless %.4f%n", plain, lossless, coded, c.group(1), simVanilla, simCoded);
        assertEquals(plain, lossless, 0.01, "local coded (lossless) within 1 pp of plain fit");
        assertEquals(plain, simVanilla, 0.01, "simulated vanilla-sync within 1 pp of plain fit");
        assertEquals(plain, simCoded, 0.01, "simulated coded-sync (lossless) within 1 pp of plain fit");
        assertTrue(Double.parseDouble(c.group(1)) >= 32, "the default coded configuration compresses: " + c.group(1));
        assertTrue(coded > 0.85, "the default coded configuration learns: " + coded);
    }

    private static double lastAccuracy(List<String> csv, String method) {
        double acc = Double.NaN;
        for (String line : csv.subList(1, csv.size())) {
            String[] f = line.split(",");
            if (f[0].equals(method)) {
                acc = Double.parseDouble(f[6]);
            }
        }
        assertFalse(Double.isNaN(acc), method + " in compare.csv");
        return acc;
    }

    /** Runs {@code server} with bad input and checks: exit 2, one line naming what is wrong, no server started. */
    private static void refused(String expected, String... args) {
        String[] cmd = concat(new String[]{"server", "--model", "mlp", "--insecure-plaintext", "--port", "0", "--epochs", "1",
                "--token-file", tokenFile}, args);
        int code = Cli.run(cmd);
        String out = Cli.output();
        assertEquals(2, code, out);
        assertTrue(out.contains("error: ") && out.contains(expected), "expected '" + expected + "' in:\n" + out);
        assertFalse(out.contains("\tat "), "one line, no stack trace:\n" + out);
        assertFalse(out.contains("listening on port"), "nothing started:\n" + out);
    }

    @Test
    void badDataAndNetworksAreRefusedInOneLineBeforeAnythingStarts() throws Exception {
        Path csv = Files.writeString(dir.resolve("cell.csv"), "1,2,0\n3,four,1\n5,6,1\n");
        refused(csv + " line 2, column 2: 'four' is not a number", "--train-data", csv.toString(), "--classes", "2");
        Path label = Files.writeString(dir.resolve("label.csv"), "1,2,0\n3,4,7\n5,6,1\n");
        refused(label + " line 2: label 7 is not a class in 0..1 (2 classes)", "--train-data", label.toString(), "--classes", "2");
        refused("is a CSV file: say how many classes its labels name with --classes K", "--train-data", label.toString());

        Path noClasses = Files.createDirectories(dir.resolve("images-without-classes/just-a-folder"));
        refused(noClasses.getParent() + " has no class folders with images", "--train-data", noClasses.getParent().toString());
        Path broken = dir.resolve("broken-images");
        Files.createDirectories(broken.resolve("a"));
        Files.createDirectories(broken.resolve("b"));
        javax.imageio.ImageIO.write(new java.awt.image.BufferedImage(28, 28, java.awt.image.BufferedImage.TYPE_BYTE_GRAY), "png",
                broken.resolve("a/1.png").toFile());
        Files.writeString(broken.resolve("b/2.png"), "not a PNG");
        refused(broken.resolve("b/2.png").toAbsolutePath() + ": cannot be read as an image", "--train-data", broken.toString());

        Path notAModel = Files.writeString(dir.resolve("notes.zip"), "not a model");
        refused(notAModel + " is not a MultiLayerNetwork or ComputationGraph saved with DL4J's ModelSerializer", "--model-file", notAModel.toString(),
                "--train-data", trainCsv, "--classes", "10", "--skip-lines", "1");
        // The built-in MLP takes 784 values; this CSV has 2 per example.
        Path small = Files.writeString(dir.resolve("two-values.csv"), "1,2,0\n3,4,1\n5,6,1\n7,8,0\n9,1,1\n");
        refused("--model mlp: the network does not take the data (an example is [2]", "--train-data", small.toString(),
                "--classes", "2");
        StringBuilder threeClasses = new StringBuilder();
        for (int i = 0; i < 6; i++) {
            threeClasses.append("0,".repeat(784)).append(i % 3).append('\n');
        }
        Path three = Files.writeString(dir.resolve("three-classes.csv"), threeClasses);
        refused("--model mlp: the network gives [1, 10] outputs for one example; the data has 3 classes",
                "--train-data", three.toString(), "--classes", "3", "--test-fraction", "0.5");
    }
}

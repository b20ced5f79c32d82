package io.github.dl4jcoded.examples;

import io.github.dl4jcoded.datasets.mnist.Mnist;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Cluster mode as it is deployed: a server JVM and three worker JVMs (this program's
 * {@code server} and {@code worker} commands) over gRPC with TLS and the token on loopback,
 * training LeNet on the real MNIST digits; workers and the server are killed with SIGKILL
 * ({@link Process#destroyForcibly()}) mid-epoch. The expensive tests of the suite: each full
 * epoch takes a few minutes on two cores.
 */
@Timeout(value = 30, unit = TimeUnit.MINUTES)
class ClusterProcessesTest {
    private static final String TOKEN = "multi-jvm-test-token-0123456789abcdef";
    private static final Pattern PORT = Pattern.compile("listening on port (\\d+)");
    private static final Pattern PROGRESS = Pattern.compile("log entry (\\d+),");
    private static final Pattern ACCURACY = Pattern.compile("final test accuracy: (\\d\\.\\d{4})");

    @TempDir
    static Path dir;
    static TestCerts certs;
    private static final java.util.concurrent.atomic.AtomicInteger SPAWNED = new java.util.concurrent.atomic.AtomicInteger();
    private final List<Child> children = new ArrayList<>();

    @BeforeAll
    static void makeCertificate() {
        certs = TestCerts.create(dir, "cluster");
    }

    @AfterEach
    void killLeftovers() {
        for (Child c : children) {
            c.process.destroyForcibly();
        }
    }

    /** A JVM running this program's Main, its output in files. */
    private record Child(String name, Process process, Path out, Path err) {
        String output() {
            try {
                return Files.readString(out);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }

        String errors() {
            try {
                String s = Files.readString(err);
                return s.length() > 4000 ? s.substring(s.length() - 4000) : s;
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }

        /** Waits for a line matching {@code p} and returns its first group. */
        String await(Pattern p, long seconds) throws InterruptedException {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            while (System.nanoTime() < end) {
                Matcher m = p.matcher(output());
                if (m.find()) {
                    return m.group(1);
                }
                if (!process.isAlive()) {
                    throw new AssertionError(name + " exited (" + process.exitValue() + ") before printing " + p
                            + "\n" + output() + "\n" + errors());
                }
                Thread.sleep(100);
            }
            throw new AssertionError(name + " did not print " + p + " in " + seconds + " s\n" + output() + "\n" + errors());
        }

        /** Waits until the progress lines reach log entry {@code seq}. */
        void awaitEntry(long seq, long seconds) throws InterruptedException {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            while (System.nanoTime() < end) {
                Matcher m = PROGRESS.matcher(output());
                long last = -1;
                while (m.find()) {
                    last = Long.parseLong(m.group(1));
                }
                if (last >= seq) {
                    return;
                }
                assertTrue(process.isAlive(), name + " exited early\n" + output() + "\n" + errors());
                Thread.sleep(100);
            }
            throw new AssertionError(name + " did not reach log entry " + seq + "\n" + output());
        }

        int awaitExit(long seconds) throws InterruptedException {
            assertTrue(process.waitFor(seconds, TimeUnit.SECONDS), name + " did not exit in " + seconds + " s\n" + output() + "\n" + errors());
            return process.exitValue();
        }
    }

    private Child spawn(String name, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx1g");
        String javacpp = System.getProperty("org.bytedeco.javacpp.cachedir");
        if (javacpp != null) {
            cmd.add("-Dorg.bytedeco.javacpp.cachedir=" + javacpp);
        }
        cmd.add("-Ddl4jcoded.cache=" + Mnist.defaultCacheDir());
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(Main.class.getName());
        cmd.addAll(List.of(args));
        int n = SPAWNED.incrementAndGet();
        Path out = dir.resolve(n + "-" + name + ".out");
        Path err = dir.resolve(n + "-" + name + ".err");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().put("DL4J_CODED_TOKEN", TOKEN);
        Child c = new Child(name, pb.start(), out, err);
        children.add(c);
        return c;
    }

    private Child server(String... args) throws IOException {
        List<String> a = new ArrayList<>(List.of("server", "--model", "lenet", "--epochs", "1", "--workers", "3",
                "--host", "127.0.0.1", "--cert", certs.cert().toString(), "--key", certs.key().toString(), "--progress-seconds", "1"));
        a.addAll(List.of(args));
        return spawn("server", a.toArray(String[]::new));
    }

    private List<Child> workers(int port, int n, String... args) throws IOException {
        List<Child> ws = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            List<String> a = new ArrayList<>(List.of("worker", "--server", "127.0.0.1:" + port,
                    "--trust-cert", certs.cert().toString(), "--name", "w" + i));
            a.addAll(List.of(args));
            ws.add(spawn("worker" + i, a.toArray(String[]::new)));
        }
        return ws;
    }

    private static double accuracy(String output) {
        Matcher m = ACCURACY.matcher(output);
        assertTrue(m.find(), "no final accuracy in:\n" + output);
        return Double.parseDouble(m.group(1));
    }

    /** The same configuration trained by the local trainer in this JVM. */
    private static double localAccuracy(String... args) {
        return accuracy(TrainCommandTest.runCapturing(args));
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private void trainsLikeTheLocalTrainer(String mode) throws Exception {
        long t0 = System.nanoTime();
        Child server = server("--port", "0", "--mode", mode);
        int port = Integer.parseInt(server.await(PORT, 300));
        List<Child> ws = workers(port, 3);
        assertEquals(0, server.awaitExit(1500), server.errors());
        for (Child w : ws) {
            assertEquals(0, w.awaitExit(120), w.name() + ": " + w.errors());
        }
        String out = server.output();
        System.out.print(out);
        double cluster = accuracy(out);
        assertTrue(out.contains("rejected messages: 0 "), out);
        double seconds = (System.nanoTime() - t0) / 1e9;
        double local = localAccuracy("train", "--model", "lenet", "--epochs", "1", "--mode", mode, "--workers", "3", "--no-progress");
        System.out.printf("%s: cluster %.4f (%.0f s, 4 JVMs), local trainer %.4f%n", mode, cluster, seconds, local);
        assertEquals(local, cluster, 0.01, mode + ": cluster mode should reach the local trainer's accuracy");
    }

    /** Two minutes of four JVMs: tagged slow (README, Tests); the in-JVM gRPC tests cover the same path every run. */
    @Test
    @org.junit.jupiter.api.Tag("slow")
    void codedTrainingInFourJvmsReachesTheLocalTrainersAccuracy() throws Exception {
        trainsLikeTheLocalTrainer("coded");
    }

    @Test
    @org.junit.jupiter.api.Tag("slow")
    void vanillaTrainingInFourJvmsReachesTheLocalTrainersAccuracy() throws Exception {
        trainsLikeTheLocalTrainer("vanilla-sync");
    }

    @Test
    void trainingFinishesWhenAWorkerIsKilledMidEpoch() throws Exception {
        Child server = server("--port", "0", "--train-size", "2000", "--test-size", "500");
        int port = Integer.parseInt(server.await(PORT, 300));
        List<Child> ws = workers(port, 3, "--train-size", "2000", "--test-size", "500");
        server.awaitEntry(8, 600);
        ws.get(2).process().destroyForcibly(); // SIGKILL
        assertEquals(0, server.awaitExit(1500), server.errors());
        assertEquals(0, ws.get(0).awaitExit(120), ws.get(0).errors());
        assertEquals(0, ws.get(1).awaitExit(120), ws.get(1).errors());
        String out = server.output();
        System.out.print(out);
        assertTrue(out.contains("trained: 32 log entries"), "every minibatch of the epoch was applied:\n" + out);
        assertTrue(accuracy(out) > 0.75, "accuracy " + accuracy(out));
    }

    @Test
    void aKilledServerRestartsFromItsCheckpointAndFinishes() throws Exception {
        int port = freePort();
        String[] args = {"--port", Integer.toString(port), "--train-size", "2000", "--test-size", "500",
                "--checkpoint-dir", dir.resolve("checkpoints").toString(), "--checkpoint-every", "5"};
        Child first = server(args);
        first.await(PORT, 300);
        List<Child> ws = workers(port, 3, "--train-size", "2000", "--test-size", "500", "--max-reconnect-seconds", "300");
        first.awaitEntry(12, 600);
        first.process().destroyForcibly(); // SIGKILL
        first.awaitExit(30);

        Child second = server(args);
        String resumedAt = second.await(Pattern.compile("resumed from the checkpoint in \\S+ at log entry (\\d+)"), 300);
        assertTrue(Long.parseLong(resumedAt) >= 10, "resumed at " + resumedAt);
        assertEquals(0, second.awaitExit(1500), second.errors());
        for (Child w : ws) {
            assertEquals(0, w.awaitExit(120), w.name() + ": " + w.errors());
            assertTrue(w.output().matches("(?s).*finished: .* [2-9] welcomes, .*"), "the worker rejoined:\n" + w.output());
        }
        String out = second.output();
        System.out.print(out);
        assertTrue(out.contains("trained: 32 log entries"), "the epoch ends at entry 32, nothing applied twice:\n" + out);
        assertTrue(accuracy(out) > 0.75, "accuracy " + accuracy(out));
    }
}

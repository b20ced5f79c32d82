package io.github.dl4jcoded.examples;

import io.github.dl4jcoded.datasets.mnist.Mnist;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.StringJoiner;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code simcheck}: the simulator against the real cluster. Each configuration is trained twice
 * on this machine: for real (a {@code server} process and its {@code worker} processes over gRPC
 * on loopback, each pinned to a core with {@code taskset} where the machine allows), and in the
 * simulated cluster ({@code compare} with that one method, pinned like worker 0, its costs
 * calibrated there, the workers' sharing of this machine's cores stated as {@code shared:C},
 * vanilla workers replaying the log as the cluster's do). Every process pinned to one core runs
 * ND4J on one thread ({@code OMP_NUM_THREADS=1}). The real time per round (or update) is the
 * server's steady state: the second half of its log entries, after the JIT of every process has
 * warmed up, as the simulator's calibration has. A second simulation takes the costs the real
 * run's processes measured instead of the calibration (each worker's time per job, its spread and
 * its replay per entry; the server's own work per message and per update): it checks the time
 * model (what is charged, where, in which order) apart from the calibration of this machine.
 * Prints time per round (SYNC) or per update (ASYNC), updates and bytes each way side by side,
 * with the simulator's ratio to the real run, and writes them as a markdown table.
 */
@Command(name = "simcheck", mixinStandardHelpOptions = true,
        description = "Check the simulated cluster against the real one on loopback: time per round or update, "
                + "updates and bytes, side by side.")
public final class SimCheckCommand implements Callable<Integer> {
    private static final Pattern PORT = Pattern.compile("listening on port (\\d+)");
    private static final Pattern STEADY = Pattern.compile("steady state: ([\\d.]+) ms per log entry");
    private static final Pattern TRAINED = Pattern.compile("trained: (\\d+) log entries, (\\d+) updates, (\\d+) rounds \\((\\d+) empty\\), ([\\d.]+) s");
    private static final Pattern BYTES = Pattern.compile("bytes total: up ([\\d,]+), down ([\\d,]+)");
    private static final Pattern WELCOMES = Pattern.compile("welcomes ([\\d,]+) in all");
    private static final Pattern SERVER_WORK = Pattern.compile("server work, steady state: ([\\d.]+) ms per message, ([\\d.]+) ms per update");
    private static final Pattern WORKER_STEADY = Pattern.compile(
            "steady state: ([\\d.]+) ms per job answered \\([^)]*; sd ([\\d.]+) ms\\), ([\\d.]+) ms per log entry");
    private static final String NUMBER = "([\\d.]+(?:[eE][-+]?\\d+)?)";
    private static final Pattern CAL_EXAMPLE = Pattern.compile("calibration: [^:]+: (?:backprop|worker job)[^:]*: " + NUMBER + " ms per example");
    private static final Pattern CAL_JOB = Pattern.compile("calibration: [^:]+: encoding[^:]*: " + NUMBER + " ms per job");
    private static final Pattern CAL_SERVER_MESSAGE = Pattern.compile("calibration: [^:]+: server per message: " + NUMBER + " ms per message");
    private static final Pattern CAL_SERVER_UPDATE = Pattern.compile("calibration: [^:]+: server per update: " + NUMBER + " ms per update");
    private static final Pattern CAL_REPLAY = Pattern.compile("calibration: [^:]+: replica replay per entry: " + NUMBER + " ms per entry");
    private static final Pattern SIMULATED = Pattern.compile(" (\\d+) updates, ([\\d.]+) virtual s, ([\\d,]+) bytes up, ([\\d,]+) down");

    @Option(names = "--models", defaultValue = "mlp,lenet", split = ",", description = "models to check (default: ${DEFAULT-VALUE})")
    List<String> models;

    @Option(names = "--workers", defaultValue = "1,3", split = ",", description = "worker counts to check (default: ${DEFAULT-VALUE})")
    List<Integer> workers;

    @Option(names = "--methods", defaultValue = "coded-sync,coded-async,vanilla-sync", split = ",",
            description = "coded-sync, coded-async (the default configuration of each policy), vanilla-sync "
                    + "(default: ${DEFAULT-VALUE})")
    List<String> methods;

    @Option(names = "--batch-per-worker", defaultValue = "16", description = "examples per worker job (default: ${DEFAULT-VALUE})")
    int batchPerWorker;

    @Option(names = "--train-size", defaultValue = "2400", description = "training digits (default: ${DEFAULT-VALUE})")
    int trainSize;

    @Option(names = "--epochs", split = ",", defaultValue = "mlp=10,lenet=2", paramLabel = "MODEL=EPOCHS",
            description = "epochs of each model's runs: enough for the second half of a real run to be past the JIT's "
                    + "warm-up, 10-15 s on one core (default: ${DEFAULT-VALUE})")
    Map<String, Integer> epochs;

    @Option(names = "--test-size", defaultValue = "500", description = "test digits (default: ${DEFAULT-VALUE})")
    int testSize;

    @Option(names = "--link-gbps", defaultValue = "10", description = "the simulated links, for loopback (default: ${DEFAULT-VALUE})")
    double linkGbps;

    @Option(names = "--latency-ms", defaultValue = "0.05", description = "the simulated latency, for loopback (default: ${DEFAULT-VALUE})")
    double latencyMs;

    @Option(names = "--calibration-seconds", defaultValue = "2", description = "the simulator's calibration time per cost (default: ${DEFAULT-VALUE})")
    double calibrationSeconds;

    @Option(names = "--seed", defaultValue = "42", description = "seed of both runs (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--out", defaultValue = "simcheck", description = "directory for the table and every process's output (default: ${DEFAULT-VALUE})")
    File out;

    /**
     * One side's figures; perStep is the time per round (SYNC) or update (ASYNC); job and replay
     * are a worker's own work per job and per log entry (real: the workers' steady state, their
     * mean; simulated: the calibration, for a worker alone on its core), serverMessage and
     * serverUpdate the server's own work (real: its steady state; simulated: the calibration), in
     * seconds.
     */
    record Figures(long updates, double perStep, long bytesUp, long bytesDown, double job, double replay,
                   double serverMessage, double serverUpdate) {
    }

    /** A real run: its figures, and each worker's own time per job (mean, standard deviation) and per replayed entry (seconds). */
    record RealRun(Figures figures, double[] jobs, double[] jobSds, double[] replays) {
    }

    /**
     * {@code sim} is the simulator with its costs calibrated on this machine; {@code stated} the
     * simulator with the costs the real run's processes measured (each worker's time per job and
     * per entry, sharing of cores included; the server's work), which checks the time model apart
     * from the calibration.
     */
    record Row(String model, int workers, String method, String pinning, Figures real, Figures sim, Figures stated) {
    }

    @Override
    public Integer call() throws IOException, InterruptedException {
        for (String m : methods) {
            if (!List.of("coded-sync", "coded-async", "vanilla-sync").contains(m)) {
                throw new IllegalArgumentException("unknown method '" + m + "': choose coded-sync, coded-async or vanilla-sync");
            }
        }
        for (String m : models) {
            Models.parse(m);
            epochs(m); // every model has its epochs before anything runs
        }
        Files.createDirectories(out.toPath());
        int cores = Runtime.getRuntime().availableProcessors();
        boolean taskset = new File("/usr/bin/taskset").canExecute();
        Path token = out.toPath().resolve("token");
        Files.writeString(token, "simcheck-token-" + Long.toHexString(seed) + "-0123456789abcdef\n");
        List<Row> rows = new ArrayList<>();
        System.out.printf(Locale.ROOT, "%d cores, %s%n", cores, taskset ? "processes pinned with taskset" : "no taskset: processes unpinned");
        for (String model : models) {
            for (int w : workers) {
                for (String method : methods) {
                    String name = model + "-" + w + "-" + method;
                    String pinning = pinning(w, cores, taskset);
                    RealRun real = real(name, model, w, method, cores, taskset, token);
                    Figures sim = simulated(name, model, w, method, cores, taskset, null);
                    Figures stated = simulated(name, model, w, method, cores, taskset, real);
                    Row r = new Row(model, w, method, pinning, real.figures(), sim, stated);
                    rows.add(r);
                    System.out.println(line(r));
                    writeTable(rows, cores, taskset);
                }
            }
        }
        System.out.printf("wrote %s%n", new File(out, "simcheck.md"));
        return 0;
    }

    /** Where the processes run: the server on the last core, worker i on core i mod cores. */
    private static String pinning(int w, int cores, boolean taskset) {
        if (!taskset) {
            return "unpinned";
        }
        StringBuilder sb = new StringBuilder("server on core " + (cores - 1) + "; workers on cores ");
        for (int i = 0; i < w; i++) {
            sb.append(i == 0 ? "" : ",").append(i % cores);
        }
        return sb.toString();
    }

    private List<String> coded(String method) {
        return switch (method) {
            case "coded-sync" -> List.of("--mode", "coded");
            case "coded-async" -> List.of("--mode", "coded", "--policy", "async");
            default -> List.of("--mode", "vanilla-sync");
        };
    }

    private RealRun real(String name, String model, int w, String method, int cores, boolean taskset, Path token)
            throws IOException, InterruptedException {
        List<String> server = new ArrayList<>(List.of("server", "--model", model, "--epochs", Integer.toString(epochs(model)),
                "--batch", Integer.toString(w * batchPerWorker), "--workers", Integer.toString(w), "--seed", Long.toString(seed),
                "--train-size", Integer.toString(trainSize), "--test-size", Integer.toString(testSize),
                "--insecure-plaintext", "--token-file", token.toString(), "--port", "0", "--progress-seconds", "3600"));
        server.addAll(coded(method));
        Process s = spawn(name + "-server", taskset ? cores - 1 : -1, server);
        Path serverOut = out.toPath().resolve(name + "-server.out");
        int port = Integer.parseInt(await(serverOut, s, PORT, 120));
        List<Process> ws = new ArrayList<>();
        for (int i = 0; i < w; i++) {
            ws.add(spawn(name + "-worker" + i, taskset ? i % cores : -1, List.of("worker", "--server", "127.0.0.1:" + port,
                    "--insecure-plaintext", "--token-file", token.toString(), "--name", "w" + i,
                    "--train-size", Integer.toString(trainSize), "--test-size", Integer.toString(testSize))));
        }
        if (!s.waitFor(60, TimeUnit.MINUTES)) {
            s.destroyForcibly();
            throw new IllegalStateException(name + ": the server did not finish in an hour");
        }
        for (Process p : ws) {
            if (!p.waitFor(2, TimeUnit.MINUTES)) {
                p.destroyForcibly();
            }
        }
        String text = Files.readString(serverOut);
        Matcher t = find(TRAINED, text, name + " server");
        Matcher st = find(STEADY, text, name + " server");
        Matcher b = find(BYTES, text, name + " server");
        Matcher work = find(SERVER_WORK, text, name + " server");
        double[] jobs = new double[w];
        double[] jobSds = new double[w];
        double[] replays = new double[w];
        for (int i = 0; i < w; i++) {
            Matcher steady = find(WORKER_STEADY, Files.readString(out.toPath().resolve(name + "-worker" + i + ".out")), name + " worker " + i);
            jobs[i] = Double.parseDouble(steady.group(1)) / 1e3;
            jobSds[i] = Double.parseDouble(steady.group(2)) / 1e3;
            replays[i] = Double.parseDouble(steady.group(3)) / 1e3;
        }
        // No round of these runs is empty (no deadline): a log entry is a round (SYNC) or an update (ASYNC).
        return new RealRun(new Figures(Long.parseLong(t.group(2)), Double.parseDouble(st.group(1)) / 1e3, number(b.group(1)),
                number(b.group(2)), mean(jobs), mean(replays), Double.parseDouble(work.group(1)) / 1e3,
                Double.parseDouble(work.group(2)) / 1e3), jobs, jobSds, replays);
    }

    private static double mean(double[] xs) {
        return Arrays.stream(xs).average().orElse(Double.NaN);
    }

    /**
     * The costs a real run's processes measured, as compare's options: a job's time per example
     * (the workers' mean; each worker's ratio to it as its slowdown, which the simulator applies
     * to its replays too), the mean replay per entry, the server's work. Nothing is calibrated.
     * The jobs' spread comes along as a shifted-exponential draw (slowdown 1 + X, X exponential of
     * mean m) with the workers' mean coefficient of variation, m / (1 + m): without it, workers of
     * equal cost answer at the same virtual instant, which no real run does, and in ASYNC mode
     * which answers are late (and so the downlink) depends on that order.
     */
    private List<String> statedCosts(RealRun real) {
        double job = real.figures().job();
        double cv = 0;
        for (int i = 0; i < real.jobs().length; i++) {
            cv += real.jobSds()[i] / real.jobs()[i] / real.jobs().length;
        }
        cv = Math.min(cv, 0.9);
        double m = cv / (1 - cv);
        StringJoiner factors = new StringJoiner("/", "factors:", String.format(Locale.ROOT, ",exp:%.4f", m));
        for (double j : real.jobs()) {
            factors.add(String.format(Locale.ROOT, "%.4f", j / job));
        }
        Figures f = real.figures();
        // The draw's mean slowdown is 1 + m, and it scales a worker's replays too: both costs are divided by it.
        return List.of("--per-sample-seconds", Double.toString(job / (1 + m) / batchPerWorker), "--encode-seconds", "0",
                "--replay-seconds", Double.toString(f.replay() / (1 + m)), "--server-message-seconds", Double.toString(f.serverMessage()),
                "--server-update-seconds", Double.toString(f.serverUpdate()), "--stragglers", factors.toString(),
                "--costs-source", "measured by the processes of the real run on loopback (simcheck)");
    }

    /** The simulator's run: with its costs calibrated here when {@code stated} is null, else with that run's costs. */
    private Figures simulated(String name, String model, int w, String method, int cores, boolean taskset, RealRun stated)
            throws IOException, InterruptedException {
        String run = name + (stated == null ? "-sim" : "-stated");
        List<String> args = new ArrayList<>(List.of("compare", "--model", model, "--workers", Integer.toString(w),
                "--batch-per-worker", Integer.toString(batchPerWorker), "--train-size", Integer.toString(trainSize),
                "--test-size", Integer.toString(testSize), "--epochs", Integer.toString(epochs(model)), "--evals-per-epoch", "1",
                "--target", "1",
                "--methods", method, "--deadline", "0", "--staleness-bound", "8", "--seed", Long.toString(seed),
                "--link-gbps", Double.toString(linkGbps), "--latency-ms", Double.toString(latencyMs),
                "--calibration-seconds", Double.toString(calibrationSeconds), "--no-progress",
                "--out", new File(out, run).getPath()));
        if (stated == null) {
            args.addAll(List.of("--stragglers", w > cores && taskset ? "shared:" + cores : "none"));
        } else {
            args.addAll(statedCosts(stated));
        }
        if (method.startsWith("vanilla")) {
            args.add("--vanilla-replays-log");
        }
        Process p = spawn(run, taskset ? 0 : -1, args);
        if (!p.waitFor(60, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new IllegalStateException(name + ": the simulation failed; see " + new File(out, run + ".err"));
        }
        String text = Files.readString(out.toPath().resolve(run + ".out"));
        Matcher m = find(SIMULATED, text, name + " simulation");
        long updates = Long.parseLong(m.group(1));
        if (stated != null) {
            Figures f = stated.figures();
            return new Figures(updates, Double.parseDouble(m.group(2)) / updates, number(m.group(3)), number(m.group(4)),
                    f.job(), f.replay(), f.serverMessage(), f.serverUpdate());
        }
        Matcher encoding = CAL_JOB.matcher(text);
        double job = Double.parseDouble(find(CAL_EXAMPLE, text, name + " calibration").group(1)) * batchPerWorker
                + (encoding.find() ? Double.parseDouble(encoding.group(1)) : 0);
        double replay = Double.parseDouble(find(CAL_REPLAY, text, name + " calibration").group(1));
        double serverMessage = Double.parseDouble(find(CAL_SERVER_MESSAGE, text, name + " calibration").group(1));
        double serverUpdate = Double.parseDouble(find(CAL_SERVER_UPDATE, text, name + " calibration").group(1));
        // The simulator's rounds are its updates: with no deadline no round of these runs is empty.
        return new Figures(updates, Double.parseDouble(m.group(2)) / updates, number(m.group(3)), number(m.group(4)),
                job / 1e3, replay / 1e3, serverMessage / 1e3, serverUpdate / 1e3);
    }

    private int epochs(String model) {
        Integer e = epochs.get(model);
        if (e == null || e < 1) {
            throw new IllegalArgumentException("--epochs names no positive epoch count for model " + model + ": " + epochs);
        }
        return e;
    }

    private Process spawn(String name, int core, List<String> args) throws IOException {
        List<String> cmd = new ArrayList<>();
        if (core >= 0) {
            cmd.addAll(List.of("/usr/bin/taskset", "-c", Integer.toString(core)));
        }
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx3g");
        String javacpp = System.getProperty("org.bytedeco.javacpp.cachedir");
        if (javacpp != null) {
            cmd.add("-Dorg.bytedeco.javacpp.cachedir=" + javacpp);
        }
        cmd.add("-Ddl4jcoded.cache=" + Mnist.defaultCacheDir());
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(Main.class.getName());
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .redirectOutput(out.toPath().resolve(name + ".out").toFile())
                .redirectError(out.toPath().resolve(name + ".err").toFile());
        if (core >= 0) {
            pb.environment().put("OMP_NUM_THREADS", "1"); // one core, one thread: no spinning against itself
        }
        return pb.start();
    }

    private static String await(Path file, Process p, Pattern pattern, long seconds) throws IOException, InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < end) {
            Matcher m = pattern.matcher(Files.exists(file) ? Files.readString(file) : "");
            if (m.find()) {
                return m.group(1);
            }
            if (!p.isAlive()) {
                throw new IllegalStateException(file + ": the process exited before printing " + pattern);
            }
            Thread.sleep(100);
        }
        p.destroyForcibly();
        throw new IllegalStateException(file + ": nothing matched " + pattern + " in " + seconds + " s");
    }

    private static Matcher find(Pattern p, String text, String what) {
        Matcher m = p.matcher(text);
        if (!m.find()) {
            throw new IllegalStateException(what + ": no line matching " + p);
        }
        return m;
    }

    private static long number(String s) {
        return Long.parseLong(s.replace(",", ""));
    }

    private static String line(Row r) {
        Figures re = r.real();
        Figures si = r.sim();
        Figures st = r.stated();
        return String.format(Locale.ROOT, "%s, %d worker(s), %s: per %s real %.1f ms, simulated %.1f ms (%.2fx), with the real "
                        + "run's costs %.1f ms (%.2fx); updates %d / %d / %d; bytes up %,d (%.4fx, %.4fx), down %,d (%.4fx, %.4fx); "
                        + "worker job %.1f / %.1f ms, replay %.1f / %.1f ms; server per message %.3f / %.3f ms, per update %.2f / %.2f ms",
                r.model(), r.workers(), r.method(), r.method().endsWith("async") ? "update" : "round",
                re.perStep() * 1e3, si.perStep() * 1e3, si.perStep() / re.perStep(), st.perStep() * 1e3, st.perStep() / re.perStep(),
                re.updates(), si.updates(), st.updates(), re.bytesUp(), si.bytesUp() / (double) re.bytesUp(),
                st.bytesUp() / (double) re.bytesUp(), re.bytesDown(), si.bytesDown() / (double) re.bytesDown(),
                st.bytesDown() / (double) re.bytesDown(), re.job() * 1e3, si.job() * 1e3, re.replay() * 1e3, si.replay() * 1e3,
                re.serverMessage() * 1e3, si.serverMessage() * 1e3, re.serverUpdate() * 1e3, si.serverUpdate() * 1e3);
    }

    private void writeTable(List<Row> rows, int cores, boolean taskset) throws IOException {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "Machine: %d cores (%s). Epochs %s of %d training digits, %d examples per worker "
                        + "job; simulated links %s Gb/s, latency %s ms. Real time: the server's steady state (second half of its "
                        + "log entries). Simulated: with the costs calibrated on this machine, and with the costs the real run's "
                        + "processes measured (the time model alone).%n%n", cores,
                taskset ? "processes pinned with taskset, one ND4J thread each" : "unpinned",
                epochs, trainSize, batchPerWorker, linkGbps, latencyMs));
        sb.append("| model | workers | method | pinning | time per round / update, real (ms) | simulated, calibrated (ms) | sim / real "
                + "| simulated, real run's costs (ms) | sim / real | updates real / sim / sim | bytes up real | sim / real "
                + "| bytes down real | sim / real | sim / real, real run's costs "
                + "| worker job, real / calibrated (ms) | worker replay per entry, real / calibrated (ms) "
                + "| server per message, real / calibrated (ms) | server per update, real / calibrated (ms) |\n");
        sb.append("| --- | ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
                + "| ---: | ---: |\n");
        for (Row r : rows) {
            Figures re = r.real();
            Figures si = r.sim();
            Figures st = r.stated();
            sb.append(String.format(Locale.ROOT, "| %s | %d | %s | %s | %.1f | %.1f | %.2fx | %.1f | %.2fx | %d / %d / %d | %,d | %.4fx "
                            + "| %,d | %.4fx | %.4fx | %.1f / %.1f | %.1f / %.1f | %.3f / %.3f | %.2f / %.2f |%n",
                    r.model(), r.workers(), r.method(), r.pinning(), re.perStep() * 1e3, si.perStep() * 1e3,
                    si.perStep() / re.perStep(), st.perStep() * 1e3, st.perStep() / re.perStep(), re.updates(), si.updates(),
                    st.updates(), re.bytesUp(), si.bytesUp() / (double) re.bytesUp(), re.bytesDown(),
                    si.bytesDown() / (double) re.bytesDown(), st.bytesDown() / (double) re.bytesDown(), re.job() * 1e3,
                    si.job() * 1e3, re.replay() * 1e3, si.replay() * 1e3, re.serverMessage() * 1e3, si.serverMessage() * 1e3,
                    re.serverUpdate() * 1e3, si.serverUpdate() * 1e3));
        }
        Files.writeString(out.toPath().resolve("simcheck.md"), sb.toString(), StandardCharsets.UTF_8);
    }
}

package io.github.dl4jcoded.examples;

import io.github.dl4jcoded.data.ExampleSource;
import io.github.dl4jcoded.cluster.ClusterServer;
import io.github.dl4jcoded.cluster.grpc.GrpcClusterServer;
import io.github.dl4jcoded.cluster.grpc.TransportSecurity;
import io.github.dl4jcoded.training.CodedTrainingConfig;
import io.github.dl4jcoded.nn.Network;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.evaluation.classification.Evaluation;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.File;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * {@code server}: the parameter server of cluster mode. It owns the parameters, the updater
 * state, the decoder and the step counter; workers ({@code worker}) join over gRPC, train and
 * replay its log. With {@code --checkpoint-dir} a restarted server resumes where the last
 * checkpoint left it.
 */
@Command(name = "server", mixinStandardHelpOptions = true,
        description = "Run the parameter server of cluster mode (workers join with the 'worker' command).")
public final class ServerCommand implements Callable<Integer> {
    @Mixin
    RunOptions run = new RunOptions();

    @Option(names = "--mode", defaultValue = "coded", description = "coded, vanilla-sync or vanilla-async (default: ${DEFAULT-VALUE})")
    String mode;

    @Mixin
    CodedOptions codedOptions = new CodedOptions();

    @Option(names = "--deadline-ms", description = "sync: how long a round waits for stragglers (default 60000)")
    Long deadlineMillis;

    @Option(names = "--host", description = "interface to listen on (default: all; loopback with --insecure-plaintext)")
    String host;

    @Option(names = "--port", defaultValue = "50051", description = "port to listen on, 0 for any free one (default: ${DEFAULT-VALUE})")
    int port;

    @Option(names = "--cert", description = "TLS certificate chain (PEM)")
    Path cert;

    @Option(names = "--key", description = "TLS private key (PKCS#8 PEM)")
    Path key;

    @Mixin
    ClusterSecurityOptions security = new ClusterSecurityOptions();

    @Option(names = "--max-message-bytes", description = "largest worker message accepted (default: a dense gradient + 64 KiB)")
    Integer maxMessageBytes;

    @Option(names = "--min-workers", description = "workers to wait for before training starts (default: --workers)")
    Integer minWorkers;

    @Option(names = "--checkpoint-dir", description = "checkpoints go here, and a restarted server resumes from them")
    Path checkpointDir;

    @Option(names = "--checkpoint-every", defaultValue = "20", description = "a checkpoint every this many log entries (default: ${DEFAULT-VALUE})")
    int checkpointEvery;

    @Option(names = "--checksum-every", defaultValue = "10", description = "a replica checksum every this many log entries (default: ${DEFAULT-VALUE})")
    int checksumEvery;

    @Option(names = "--progress-seconds", defaultValue = "10", description = "a progress line this often (default: ${DEFAULT-VALUE})")
    int progressSeconds;

    @Option(names = "--save", description = "write the trained network here with DL4J's ModelSerializer")
    File save;

    CodedTrainingConfig config() {
        CodedTrainingConfig.Policy vanilla = switch (mode.toLowerCase(Locale.ROOT)) {
            case "coded" -> null;
            case "vanilla-sync" -> CodedTrainingConfig.Policy.SYNC;
            case "vanilla-async" -> CodedTrainingConfig.Policy.ASYNC;
            default -> throw new IllegalArgumentException("unknown mode '" + mode + "': choose coded, vanilla-sync or vanilla-async");
        };
        CodedTrainingConfig cfg = codedOptions.config(run.seed, vanilla);
        return deadlineMillis == null ? cfg : cfg.toBuilder().deadlineMillis(deadlineMillis).build();
    }

    TransportSecurity transportSecurity() {
        if (security.insecurePlaintext) {
            if (cert != null || key != null) {
                throw new IllegalArgumentException("--insecure-plaintext and --cert/--key exclude each other");
            }
            return TransportSecurity.insecurePlaintextLoopback();
        }
        if (cert == null || key == null) {
            throw new IllegalArgumentException("TLS needs --cert and --key (PEM); for a test on one machine only, --insecure-plaintext");
        }
        return TransportSecurity.serverTls(cert, key);
    }

    @Override
    public Integer call() throws Exception {
        run.validate();
        PrintStream out = System.out;
        CodedTrainingConfig cfg = config();
        TransportSecurity sec = transportSecurity();
        var token = security.token();
        TrainingData training = run.data.load();
        ExampleSource data = training.train();
        out.println(training.description());
        Network net = run.network(training);
        out.printf(Locale.ROOT, "model %s: %,d parameters; data %s%n", run.modelName(), net.numParams(), data.fingerprint());
        out.println("configuration: " + cfg.toJson().replaceAll("\\s+", " "));

        ClusterServer.Options opts = new ClusterServer.Options(run.epochs, run.batch, run.seed, checksumEvery, checkpointDir,
                checkpointEvery, 10_000);
        int waitFor = minWorkers != null ? minWorkers : cfg.workers();
        if (waitFor < 1 || waitFor > cfg.workers()) {
            throw new IllegalArgumentException("--min-workers must be in 1.." + cfg.workers());
        }
        try (ClusterServer core = new ClusterServer(net, cfg, data, opts)) {
            if (core.resumed()) {
                out.printf(Locale.ROOT, "resumed from the checkpoint in %s at log entry %d%n", checkpointDir, core.stats().seq());
            }
            GrpcClusterServer.Builder b = GrpcClusterServer.builder(core).port(port).host(host).security(sec).token(token);
            if (maxMessageBytes != null) {
                b.maxMessageBytes(maxMessageBytes);
            }
            try (GrpcClusterServer server = b.start()) {
                out.printf(Locale.ROOT, "cluster server listening on port %d (%s); waiting for %d worker(s)%n",
                        server.port(), sec, waitFor);
                out.flush();
                // Live, joined workers: not joins ever made, nor sessions that never said hello.
                while (!core.awaitLiveWorkers(waitFor, 1, TimeUnit.SECONDS)) {
                    out.flush();
                }
                long t0 = System.nanoTime();
                core.start();
                out.printf(Locale.ROOT, "training started with %d worker(s)%n", core.stats().liveWorkers());
                while (!core.awaitFinished(Math.max(1, progressSeconds), TimeUnit.SECONDS)) {
                    ClusterServer.Stats st = core.stats();
                    out.printf(Locale.ROOT, "  log entry %d, %d updates, %d workers, %d refused%n",
                            st.seq(), st.updates(), st.liveWorkers(), st.rejectedTotal());
                    out.flush();
                }
                double seconds = (System.nanoTime() - t0) / 1e9;
                report(out, core, server, seconds);
                // net itself is the trained network (every update landed in it): plain DL4J loads what is saved
                Evaluation eval = net.evaluate(training.testIterator());
                if (save != null) {
                    ModelSerializer.writeModel(net.model(), save, true);
                    out.println("saved model to " + save.getAbsolutePath());
                }
                out.printf(Locale.ROOT, "final test accuracy: %.4f%n", eval.accuracy());
            }
        }
        return 0;
    }

    private static void report(PrintStream out, ClusterServer core, GrpcClusterServer server, double seconds) {
        ClusterServer.Stats st = core.stats();
        GrpcClusterServer.TransportStats ts = server.stats();
        long steps = Math.max(1, st.seq());
        out.printf(Locale.ROOT, "trained: %d log entries, %d updates, %d rounds (%d empty), %.1f s%n",
                st.seq(), st.updates(), st.rounds(), st.emptyRounds(), seconds);
        ClusterServer.Timings t = core.steadyTimings();
        out.printf(Locale.ROOT, "steady state: %.2f ms per log entry (the second half of the entries)%n", t.perEntry() * 1e3);
        out.printf(Locale.ROOT, "server work, steady state: %.3f ms per message, %.3f ms per update (its own work, the "
                + "second half of each)%n", t.workPerMessage() * 1e3, t.workPerUpdate() * 1e3);
        out.printf(Locale.ROOT, "bytes per step (all workers, gRPC protobuf bytes): up %,d, down %,d (log and jobs; welcomes %,d in all)%n",
                ts.bytesUp() / steps, (ts.bytesDown() - ts.welcomeBytes()) / steps, ts.welcomeBytes());
        out.printf(Locale.ROOT, "bytes total: up %,d, down %,d; dense gradients would be %,d up%n",
                ts.bytesUp(), ts.bytesDown(), st.denseEquivalentBytes());
        out.printf(Locale.ROOT, "workers: %d joins, %d resyncs, %d jobs lost, %d late; refused calls %d%n",
                st.joins(), st.resyncs(), st.lostJobs(), st.late(), ts.refusedCalls());
        out.printf(Locale.ROOT, "rejected messages: %d %s%n", st.rejectedTotal(), st.rejected());
    }
}

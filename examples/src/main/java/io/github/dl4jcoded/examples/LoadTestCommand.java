package io.github.dl4jcoded.examples;

import io.github.dl4jcoded.cluster.ClusterServer;
import io.github.dl4jcoded.data.ExampleSource;
import io.github.dl4jcoded.cluster.grpc.GrpcClusterServer;
import io.github.dl4jcoded.cluster.grpc.SharedToken;
import io.github.dl4jcoded.cluster.grpc.TransportSecurity;
import io.github.dl4jcoded.cluster.grpc.proto.ClusterGrpc;
import io.github.dl4jcoded.cluster.grpc.ProtoMessages;
import io.github.dl4jcoded.cluster.grpc.proto.Codeword;
import io.github.dl4jcoded.cluster.grpc.proto.Down;
import io.github.dl4jcoded.cluster.grpc.proto.Hello;
import io.github.dl4jcoded.cluster.grpc.proto.Push;
import io.github.dl4jcoded.cluster.grpc.proto.Up;
import io.github.dl4jcoded.training.CodedCodec;
import io.github.dl4jcoded.training.CodedTrainingConfig;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import org.bytedeco.javacpp.Pointer;
import io.github.dl4jcoded.nn.Network;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code loadtest}: a bounded load test of the cluster server on loopback. Simulated workers
 * (gRPC clients in this JVM that compute nothing) answer every job at once with valid codewords
 * of the right sizes, for a fixed time; the server decodes and applies each on arrival (ASYNC).
 * Reports codewords decoded per second, the latency from a push's arrival to its application, and
 * the server's memory at the start and the end.
 */
@Command(name = "loadtest", mixinStandardHelpOptions = true,
        description = "Load-test the cluster server on loopback with simulated workers pushing codewords as fast as they can.")
public final class LoadTestCommand implements Callable<Integer> {
    @Option(names = "--workers", defaultValue = "32", description = "simulated workers (default: ${DEFAULT-VALUE})")
    int workers;

    @Option(names = "--seconds", defaultValue = "60", description = "how long they push (default: ${DEFAULT-VALUE}, at most 600)")
    int seconds;

    @Option(names = "--model", defaultValue = "lenet", completionCandidates = Models.Names.class,
            description = "one of ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE})")
    String model;

    @Option(names = "--compression", defaultValue = "32", description = "count-sketch compression (default: ${DEFAULT-VALUE})")
    double compression;

    @Option(names = "--staleness-bound", defaultValue = "256", description = "async staleness bound (default: ${DEFAULT-VALUE})")
    int stalenessBound;

    private static final class Latencies {
        private long[] v = new long[1 << 16];
        private int n;

        synchronized void add(long nanos) {
            if (n == v.length) {
                v = Arrays.copyOf(v, n * 2);
            }
            v[n++] = nanos;
        }

        synchronized long[] sorted() {
            long[] s = Arrays.copyOf(v, n);
            Arrays.sort(s);
            return s;
        }
    }

    /** The training set as the server schedules it; simulated workers never read examples. */
    private record IndexOnly(int size) implements ExampleSource {
        @Override
        public DataSet examples(int[] indices) {
            throw new UnsupportedOperationException("simulated workers compute nothing");
        }

        @Override
        public String fingerprint() {
            return "loadtest/indices-" + size;
        }
    }

    /** Answers each job at once with a prebuilt message of its slot's codewords; drains the log. */
    private static final class SimulatedWorker implements ClientResponseObserver<Up, Down> {
        private final CodedCodec codec;
        private final long seed;
        private final AtomicLong pushes;
        private ClientCallStreamObserver<Up> requests;
        private List<Codeword> codewords;
        private long version;
        volatile boolean joined;

        SimulatedWorker(CodedCodec codec, long seed, AtomicLong pushes) {
            this.codec = codec;
            this.seed = seed;
            this.pushes = pushes;
        }

        @Override
        public void beforeStart(ClientCallStreamObserver<Up> r) {
            requests = r;
        }

        @Override
        public void onNext(Down d) {
            switch (d.getKindCase()) {
                case WELCOME -> {
                    int slot = d.getWelcome().getWorker();
                    SplittableRandom rnd = new SplittableRandom(seed);
                    codewords = new ArrayList<>();
                    for (int task : codec.tasksOf(slot)) {
                        double[] symbols = new double[codec.encoder().symbolCount(0, task)];
                        for (int t = 0; t < symbols.length; t++) {
                            symbols[t] = rnd.nextGaussian() * 1e-3;
                        }
                        codewords.add(ProtoMessages.withSymbols(Codeword.newBuilder().setTask(task)
                                .setFrameTag(codec.encoder().family().tag()), codec.precision(), symbols).build());
                    }
                    version = d.getWelcome().getVersion();
                    joined = true;
                }
                case ENTRY -> version = Math.max(version, d.getEntry().getVersion());
                case JOB -> {
                    requests.onNext(Up.newBuilder().setPush(Push.newBuilder().setRound(d.getJob().getRound())
                            .setVersion(version).setExamples(d.getJob().getExamplesCount()).setLoss(1f)
                            .addAllCodewords(codewords)).build());
                    pushes.incrementAndGet();
                }
                case FINISHED -> requests.onCompleted();
                default -> throw new IllegalStateException("unknown downlink " + d.getKindCase());
            }
        }

        @Override
        public void onError(Throwable t) {
            joined = false;
        }

        @Override
        public void onCompleted() {
            joined = false;
        }
    }

    @Override
    public Integer call() throws Exception {
        if (workers < 1 || seconds < 1 || seconds > 600) {
            throw new IllegalArgumentException("--workers must be positive and --seconds in 1..600");
        }
        PrintStream out = System.out;
        byte[] secret = new byte[24];
        new SecureRandom().nextBytes(secret);
        SharedToken token = SharedToken.of(HexFormat.of().formatHex(secret));
        Network net = Models.build(Models.parse(model), 42, new Adam(1e-3));
        CodedTrainingConfig cfg = CodedTrainingConfig.builder().workers(workers).frame(CodedTrainingConfig.FrameKind.COUNT_SKETCH)
                .compression(compression).errorFeedback(false).policy(CodedTrainingConfig.Policy.ASYNC)
                .stalenessBound(stalenessBound).build();
        Latencies latencies = new Latencies();
        AtomicLong pushes = new AtomicLong();
        List<ManagedChannel> channels = new ArrayList<>();
        try (ClusterServer core = new ClusterServer(net, cfg, new IndexOnly(8000), ClusterServer.Options.of(10_000, 64, 1));
             GrpcClusterServer server = GrpcClusterServer.builder(core).port(0).security(TransportSecurity.insecurePlaintextLoopback())
                     .token(token).pushLatency(latencies::add).start()) {
            CodedCodec codec = (CodedCodec) core.codec();
            long codewordsPerPush = codec.tasksOf(0).length;
            long symbolsPerPush = codec.symbolsPerRound(0, 0);
            out.printf(Locale.ROOT, "load test: %d simulated workers, %d s, model %s (%,d parameters), count-sketch %.0fx, async; "
                    + "%d codewords (%,d float32 symbols) per push%n", workers, seconds, model, net.numParams(), compression,
                    codewordsPerPush, symbolsPerPush);
            long[] memStart = memory();
            List<SimulatedWorker> sims = new ArrayList<>();
            for (int i = 0; i < workers; i++) {
                ManagedChannel ch = Grpc.newChannelBuilderForAddress("127.0.0.1", server.port(), InsecureChannelCredentials.create())
                        .maxInboundMessageSize(64 << 20).build();
                channels.add(ch);
                SimulatedWorker w = new SimulatedWorker(codec, i, pushes);
                sims.add(w);
                ClusterGrpc.newStub(ch).withCallCredentials(token.callCredentials()).session(w)
                        .onNext(Up.newBuilder().setHello(Hello.newBuilder().setName("sim-" + i)).build());
            }
            while (sims.stream().anyMatch(w -> !w.joined)) {
                Thread.sleep(10);
            }
            ClusterServer.Stats before = core.stats();
            GrpcClusterServer.TransportStats tBefore = server.stats();
            long t0 = System.nanoTime();
            core.start();
            Thread.sleep(TimeUnit.SECONDS.toMillis(seconds));
            double elapsed = (System.nanoTime() - t0) / 1e9;
            ClusterServer.Stats after = core.stats();
            GrpcClusterServer.TransportStats tAfter = server.stats();
            for (ManagedChannel ch : channels) {
                ch.shutdownNow();
            }
            long[] memEnd = memory();
            long accepted = after.messagesAccepted() - before.messagesAccepted();
            long[] lat = latencies.sorted();
            out.printf(Locale.ROOT, "pushes sent %,d, accepted %,d, refused %,d %s%n", pushes.get(), accepted,
                    after.rejectedTotal(), after.rejected());
            out.printf(Locale.ROOT, "codewords decoded: %,d in %.1f s = %,.0f codewords/s (%,.0f pushes/s, %,.0f symbols/s)%n",
                    accepted * codewordsPerPush, elapsed, accepted * codewordsPerPush / elapsed, accepted / elapsed,
                    accepted * symbolsPerPush / elapsed);
            out.printf(Locale.ROOT, "latency receive -> applied: p50 %.2f ms, p99 %.2f ms, max %.2f ms (%,d samples)%n",
                    pct(lat, 0.50) / 1e6, pct(lat, 0.99) / 1e6, lat.length == 0 ? 0 : lat[lat.length - 1] / 1e6, lat.length);
            out.printf(Locale.ROOT, "bytes: up %,d (%,.0f/s), down %,d (%,.0f/s)%n", tAfter.bytesUp() - tBefore.bytesUp(),
                    (tAfter.bytesUp() - tBefore.bytesUp()) / elapsed, tAfter.bytesDown() - tBefore.bytesDown(),
                    (tAfter.bytesDown() - tBefore.bytesDown()) / elapsed);
            out.printf(Locale.ROOT, "server memory: start heap %,d MB, process %,d MB; end heap %,d MB, process %,d MB%n",
                    memStart[0] >> 20, memStart[1] >> 20, memEnd[0] >> 20, memEnd[1] >> 20);
        }
        return 0;
    }

    private static double pct(long[] sorted, double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        return sorted[Math.min(sorted.length - 1, (int) Math.floor(p * sorted.length))];
    }

    /** Heap in use after a GC, and the process's resident memory (JavaCPP's count, which includes ND4J's off-heap buffers). */
    private static long[] memory() {
        System.gc();
        Runtime rt = Runtime.getRuntime();
        return new long[]{rt.totalMemory() - rt.freeMemory(), Pointer.physicalBytes()};
    }
}

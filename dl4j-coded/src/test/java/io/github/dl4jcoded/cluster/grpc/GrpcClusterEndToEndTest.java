package io.github.dl4jcoded.cluster.grpc;

import static org.junit.jupiter.api.Assertions.assertNotEquals;
import org.nd4j.linalg.api.ndarray.INDArray;
import io.github.dl4jcoded.decode.SymbolPrecision;
import io.github.dl4jcoded.cluster.ToyExamples;
import io.github.dl4jcoded.cluster.ClusterServer;
import io.github.dl4jcoded.training.RejectReason;
import io.github.dl4jcoded.cluster.ReplicaChecksum;
import io.github.dl4jcoded.cluster.WorkerReplica;
import io.github.dl4jcoded.training.CodedTrainingConfig;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The real cluster core behind real gRPC on loopback (TLS and token), with worker threads in this JVM. */
@Timeout(300)
class GrpcClusterEndToEndTest {
    private static final ToyExamples DATA = new ToyExamples(384, 3);
    private static final SharedToken TOKEN = SharedToken.of("end-to-end-token-0123456789");

    @TempDir
    Path dir;

    static MultiLayerNetwork mlp() {
        MultiLayerNetwork n = new MultiLayerNetwork(new NeuralNetConfiguration.Builder()
                .seed(5).dataType(DataType.FLOAT).updater(new Adam(1e-2)).list()
                .layer(new DenseLayer.Builder().nIn(64).nOut(16).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(16).nOut(3)
                        .activation(Activation.SOFTMAX).build())
                .build());
        n.init();
        return n;
    }

    static double accuracy(io.github.dl4jcoded.nn.Network net) {
        DataSet all = DATA.all();
        Evaluation e = new Evaluation(3);
        e.eval(all.getLabels(), net.output(all.getFeatures()));
        return e.accuracy();
    }

    /** Every replica holds the server's parameters, updater state and counts, bit for bit. */
    private static void assertReplicasEqualTheServer(Run r) {
        long serverSum = ReplicaChecksum.of(r.core.network());
        for (WorkerReplica rep : r.replicas) {
            assertEquals(serverSum, ReplicaChecksum.of(rep.network()), "a replica differs from the server");
        }
    }

    private record Run(ClusterServer core, GrpcClusterServer server, List<WorkerReplica> replicas,
                       List<GrpcClusterWorker> workers, List<CompletableFuture<GrpcClusterWorker.Stats>> runs) {
    }

    private Run start(CodedTrainingConfig cfg, ClusterServer.Options opts, int workers) throws Exception {
        return start(cfg, opts, workers, workers);
    }

    /** Starts {@code workers} workers and the training once {@code startWith} of them joined. */
    private Run start(CodedTrainingConfig cfg, ClusterServer.Options opts, int workers, int startWith) throws Exception {
        return start(mlp(), cfg, opts, workers, startWith);
    }

    /** As above, training {@code net}. */
    private Run start(org.deeplearning4j.nn.api.Model net, CodedTrainingConfig cfg, ClusterServer.Options opts, int workers,
                      int startWith) throws Exception {
        TestCerts certs = TestCerts.create(dir, "e2e");
        ClusterServer core = new ClusterServer(net, cfg, DATA, opts);
        GrpcClusterServer server = GrpcClusterServer.builder(core).host("127.0.0.1")
                .security(TransportSecurity.serverTls(certs.cert(), certs.key())).token(TOKEN).start();
        List<WorkerReplica> replicas = Collections.synchronizedList(new ArrayList<>());
        List<GrpcClusterWorker> ws = new ArrayList<>();
        List<CompletableFuture<GrpcClusterWorker.Stats>> runs = new ArrayList<>();
        for (int i = 0; i < workers; i++) {
            if (i == startWith) {
                awaitJoins(core, startWith);
                core.start();
                while (core.stats().seq() < 5) {
                    Thread.sleep(5);
                }
            }
            GrpcClusterWorker w = GrpcClusterWorker.builder("127.0.0.1", server.port()).name("w" + i)
                    .security(TransportSecurity.clientTls(certs.cert())).token(TOKEN)
                    .backoff(Duration.ofMillis(50), Duration.ofMillis(500)).maxReconnect(Duration.ofSeconds(30))
                    .replicas(welcome -> {
                        WorkerReplica r = new WorkerReplica(welcome, DATA);
                        replicas.add(r);
                        return ReplicaDriver.of(r);
                    }).build();
            ws.add(w);
            runs.add(CompletableFuture.supplyAsync(() -> {
                try {
                    return w.run();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        awaitJoins(core, workers);
        core.start();
        return new Run(core, server, replicas, ws, runs);
    }

    private static void awaitJoins(ClusterServer core, int joins) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (core.stats().joins() < joins) {
            assertTrue(System.nanoTime() < end, "workers did not join");
            Thread.sleep(10);
        }
    }

    private static void finish(Run r) throws Exception {
        assertTrue(r.core.awaitFinished(240, TimeUnit.SECONDS), "training finished");
        for (CompletableFuture<GrpcClusterWorker.Stats> f : r.runs) {
            f.get(60, TimeUnit.SECONDS);
        }
    }

    private static void close(Run r) {
        r.workers.forEach(GrpcClusterWorker::close);
        r.server.close();
        r.core.close();
    }

    @Test
    void codedTrainingOverGrpcKeepsTheReplicasEqualAndLearns() throws Exception {
        CodedTrainingConfig cfg = CodedTrainingConfig.builder().workers(3).seed(11).deadlineMillis(20_000).build();
        Run r = start(cfg, ClusterServer.Options.of(2, 32, 1), 3);
        try {
            finish(r);
            ClusterServer.Stats st = r.core.stats();
            assertEquals(24, st.seq(), "one log entry per minibatch");
            assertEquals(0, st.rejectedTotal(), "nothing refused: " + st.rejected());
            assertReplicasEqualTheServer(r);
            for (WorkerReplica rep : r.replicas) {
                assertEquals(st.seq(), rep.seq());
            }
            assertTrue(accuracy(r.core.network()) > 0.9, "accuracy " + accuracy(r.core.network()));
            GrpcClusterServer.TransportStats ts = r.server.stats();
            long workerUp = 0;
            for (CompletableFuture<GrpcClusterWorker.Stats> f : r.runs) {
                GrpcClusterWorker.Stats ws = f.get();
                workerUp += ws.bytesUp();
                assertEquals(0, ws.resyncRequests());
            }
            assertEquals(workerUp, ts.bytesUp(), "both ends count the same uplink bytes");
            assertTrue(ts.bytesUp() * 2 < st.denseEquivalentBytes(), "compressed uplink: " + ts + " vs " + st);
        } finally {
            close(r);
        }
    }

    /**
     * Issue 15: a batch-normalized residual ComputationGraph over gRPC. Two workers start from the
     * seeded configuration (the graph's JSON), a third joins mid-training from a snapshot; every
     * replica, running statistics included, ends bit-identical to the server, and it learns.
     */
    @Test
    void aResidualGraphWithBatchNormalizationTrainsWithReplicasBitIdenticalToTheServer() throws Exception {
        org.deeplearning4j.nn.graph.ComputationGraph graph = io.github.dl4jcoded.training.local.GraphTrainingTest.residualGraph(
                new Adam(1e-2), DataType.FLOAT, 5);
        INDArray running0 = graph.getLayer("b0").getParam("mean").dup();
        CodedTrainingConfig cfg = CodedTrainingConfig.builder().workers(3).seed(11).deadlineMillis(20_000).build();
        Run r = start(graph, cfg, ClusterServer.Options.of(2, 32, 1), 3, 2);
        try {
            finish(r);
            ClusterServer.Stats st = r.core.stats();
            assertEquals(24, st.seq(), "one log entry per minibatch");
            assertEquals(0, st.rejectedTotal(), "nothing refused: " + st.rejected());
            assertEquals(3, r.replicas.size());
            assertReplicasEqualTheServer(r);
            for (WorkerReplica rep : r.replicas) {
                assertTrue(rep.network().isGraph());
            }
            assertTrue(r.runs.get(2).get().pushes() > 0, "the late joiner answered jobs");
            assertEquals(r.core.network().params(), graph.params(), "the user's graph holds the server's parameters");
            assertNotEquals(running0, graph.getLayer("b0").getParam("mean"), "the running mean moved");
            double accuracy = accuracy(io.github.dl4jcoded.nn.Network.of(graph));
            assertTrue(accuracy > 0.9, "accuracy " + accuracy);
        } finally {
            close(r);
        }
    }

    @Test
    void vanillaAsyncOverGrpcKeepsTheReplicasEqual() throws Exception {
        CodedTrainingConfig cfg = CodedTrainingConfig.builder().workers(3).seed(11).vanilla()
                .policy(CodedTrainingConfig.Policy.ASYNC).cadence(1)
                // every answer its own update (or stale): the eager rule, not the fresh-answer default
                .cadenceRule(CodedTrainingConfig.CadenceRule.ALL).freshJobs(false).build();
        Run r = start(cfg, ClusterServer.Options.of(1, 32, 1), 3);
        try {
            finish(r);
            ClusterServer.Stats st = r.core.stats();
            assertEquals(36, st.updates() + st.rejected().getOrDefault(RejectReason.STALE, 0L));
            assertReplicasEqualTheServer(r);
            assertTrue(accuracy(r.core.network()) > 0.6, "accuracy " + accuracy(r.core.network()));
        } finally {
            close(r);
        }
    }

    @Test
    void aWorkerJoiningMidTrainingBecomesAnExactReplicaAndTakesPart() throws Exception {
        CodedTrainingConfig cfg = CodedTrainingConfig.builder().workers(3).seed(11).deadlineMillis(20_000).build();
        Run r = start(cfg, ClusterServer.Options.of(2, 32, 1), 3, 2);
        try {
            finish(r);
            assertEquals(3, r.replicas.size());
            assertReplicasEqualTheServer(r);
            GrpcClusterWorker.Stats late = r.runs.get(2).get();
            assertTrue(late.pushes() > 0, "the late joiner answered jobs: " + late);
            assertEquals(24, r.core.stats().seq());
        } finally {
            close(r);
        }
    }

    @Test
    void badMessagesFromOnePeerAreRefusedAndCountedWhileTheGoodWorkersTrain() throws Exception {
        CodedTrainingConfig cfg = CodedTrainingConfig.builder().workers(3).seed(11).policy(CodedTrainingConfig.Policy.ASYNC)
                .frame(CodedTrainingConfig.FrameKind.COUNT_SKETCH).compression(4).errorFeedback(false).build();
        ClusterServer core = new ClusterServer(mlp(), cfg, DATA, ClusterServer.Options.of(1, 32, 1));
        GrpcClusterServer server = GrpcClusterServer.builder(core).security(TransportSecurity.insecurePlaintextLoopback())
                .token(TOKEN).maxMessageBytes(64 * 1024).start();
        List<GrpcClusterWorker> good = new ArrayList<>();
        List<CompletableFuture<GrpcClusterWorker.Stats>> runs = new ArrayList<>();
        List<WorkerReplica> replicas = Collections.synchronizedList(new ArrayList<>());
        try (RawClient bad = new RawClient(server.port(), TOKEN)) {
            bad.send(ProtoMessages.hello("mallory").toByteArray());
            io.github.dl4jcoded.cluster.grpc.proto.Down first = (io.github.dl4jcoded.cluster.grpc.proto.Down) bad.next();
            WorkerReplica own = new WorkerReplica(ProtoMessages.welcome(first.getWelcome()), DATA);
            for (int i = 0; i < 2; i++) {
                GrpcClusterWorker w = GrpcClusterWorker.builder("127.0.0.1", server.port()).name("good" + i)
                        .security(TransportSecurity.insecurePlaintextLoopback()).token(TOKEN)
                        .replicas(welcome -> {
                            WorkerReplica r = new WorkerReplica(welcome, DATA);
                            replicas.add(r);
                            return ReplicaDriver.of(r);
                        }).build();
                good.add(w);
                runs.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        return w.run();
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                }));
            }
            while (core.stats().joins() < 3) {
                Thread.sleep(10);
            }
            core.start();
            io.github.dl4jcoded.cluster.Job job = null;
            while (job == null) {
                Object o = bad.next();
                if (o instanceof io.github.dl4jcoded.cluster.grpc.proto.Down d && d.hasJob()) {
                    job = ProtoMessages.job(d.getJob());
                }
            }
            io.github.dl4jcoded.cluster.grpc.proto.Push valid = ProtoMessages.toProto(own.compute(job));
            io.github.dl4jcoded.cluster.grpc.proto.Codeword cw0 = valid.getCodewords(0);
            boolean half = !cw0.getHalfSymbols().isEmpty();
            double[] nan = half ? ProtoMessages.bfloat16Values(cw0.getHalfSymbols(), "symbols") : ProtoMessages.values(cw0.getSymbols(), false, "symbols");
            nan[0] = Double.NaN;
            bad.send(new byte[]{(byte) 0xff, (byte) 0xff, (byte) 0xff, 0x0f});
            bad.send(new byte[70 * 1024]);
            bad.send(io.github.dl4jcoded.cluster.grpc.proto.Up.newBuilder().setPush(valid.toBuilder()
                    .setCodewords(0, ProtoMessages.withSymbols(cw0.toBuilder(),
                            half ? SymbolPrecision.BFLOAT16 : SymbolPrecision.FLOAT32, nan))).build().toByteArray());
            // The refused NaN answer was the job's answer: the valid one after it is a replay.
            bad.send(io.github.dl4jcoded.cluster.grpc.proto.Up.newBuilder().setPush(valid).build().toByteArray());
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (core.stats().rejected().getOrDefault(RejectReason.REPLAY, 0L) < 1) {
                assertTrue(System.nanoTime() < end, "the replay was not refused: " + core.stats());
                Thread.sleep(10);
            }
        } // the peer leaves; the good workers finish the epoch
        try {
            assertTrue(core.awaitFinished(240, TimeUnit.SECONDS), "training finished");
            for (CompletableFuture<GrpcClusterWorker.Stats> f : runs) {
                f.get(60, TimeUnit.SECONDS);
            }
            ClusterServer.Stats st = core.stats();
            assertEquals(1L, st.rejected().get(RejectReason.MALFORMED), st.rejected().toString());
            assertEquals(1L, st.rejected().get(RejectReason.OVERSIZED));
            assertEquals(1L, st.rejected().get(RejectReason.NON_FINITE));
            assertEquals(1L, st.rejected().get(RejectReason.REPLAY));
            long serverSum = ReplicaChecksum.of(core.network());
            for (WorkerReplica rep : replicas) {
                assertEquals(serverSum, ReplicaChecksum.of(rep.network()), "a good replica differs from the server");
            }
        } finally {
            good.forEach(GrpcClusterWorker::close);
            server.close();
            core.close();
        }
    }

    @Test
    void aWorkerThatVanishesMidTrainingCostsOnlyItsMessages() throws Exception {
        CodedTrainingConfig cfg = CodedTrainingConfig.builder().workers(3).seed(11).deadlineMillis(20_000).build();
        Run r = start(cfg, ClusterServer.Options.of(2, 32, 1), 3);
        try {
            while (r.core.stats().seq() < 5) {
                Thread.sleep(5);
            }
            r.workers.get(2).close(); // its connection drops: the server must notice and go on with two
            assertTrue(r.core.awaitFinished(240, TimeUnit.SECONDS), "training finished without it");
            r.runs.get(0).get(60, TimeUnit.SECONDS);
            r.runs.get(1).get(60, TimeUnit.SECONDS);
            assertEquals(24, r.core.stats().seq());
            assertTrue(accuracy(r.core.network()) > 0.85, "accuracy " + accuracy(r.core.network()));
        } finally {
            close(r);
        }
    }
}

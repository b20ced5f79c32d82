package io.github.dl4jcoded.cluster.grpc;

import io.github.dl4jcoded.cluster.Finished;
import io.github.dl4jcoded.cluster.Job;
import io.github.dl4jcoded.cluster.LogEntry;
import io.github.dl4jcoded.training.RejectReason;
import io.github.dl4jcoded.cluster.Welcome;
import io.github.dl4jcoded.cluster.grpc.proto.Down;
import io.github.dl4jcoded.cluster.grpc.proto.Push;
import io.github.dl4jcoded.cluster.grpc.proto.Up;
import io.github.dl4jcoded.training.GradientCodec;
import io.github.dl4jcoded.training.DecodedGradient;
import io.github.dl4jcoded.training.SymbolGroup;
import io.github.dl4jcoded.training.WorkerMessage;
import io.github.dl4jcoded.training.server.Update;
import io.grpc.Status;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The transport against a scripted fake core, over real gRPC on loopback. */
@Timeout(120)
class GrpcTransportTest {
    static final SharedToken TOKEN = SharedToken.of("test-token-0123456789abcdef");
    private final MultiLayerNetwork net = Fixtures.net();
    private final GradientCodec codec = Fixtures.codec(net, Fixtures.CODED);
    private final FakeCore core = new FakeCore(codec, (int) net.numParams(), 2);
    private final List<AutoCloseable> closing = new ArrayList<>();
    private final List<FakeReplica> replicas = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = closing.size() - 1; i >= 0; i--) {
            closing.get(i).close();
        }
    }

    private GrpcClusterServer server(int port) throws Exception {
        GrpcClusterServer s = GrpcClusterServer.builder(core).port(port)
                .security(TransportSecurity.insecurePlaintextLoopback()).token(TOKEN).maxRejectsPerSession(5).start();
        closing.add(s);
        return s;
    }

    private GrpcClusterWorker worker(int port, String name) {
        GrpcClusterWorker w = GrpcClusterWorker.builder("127.0.0.1", port).name(name)
                .security(TransportSecurity.insecurePlaintextLoopback()).token(TOKEN)
                .backoff(Duration.ofMillis(50), Duration.ofMillis(300)).maxReconnect(Duration.ofSeconds(20))
                .replicas(welcome -> {
                    FakeReplica r = new FakeReplica(welcome, net, codec);
                    synchronized (replicas) {
                        replicas.add(r);
                    }
                    return r;
                })
                .build();
        closing.add(w);
        return w;
    }

    private static CompletableFuture<GrpcClusterWorker.Stats> runAsync(GrpcClusterWorker w) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return w.run();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(10);
        }
    }

    private static LogEntry entry(long seq, long checksum) {
        SymbolGroup g = new SymbolGroup(seq - 1, new int[]{0, 2}, new double[][]{{0.5, -1}, {2}});
        return new LogEntry(seq, new Update(seq - 1, seq, 1, 0.5, 8, DecodedGradient.coded(List.of(g), 4)), checksum);
    }

    @Test
    void aWorkerJoinsReplaysAnswersJobsAndStopsWhenFinished() throws Exception {
        GrpcClusterServer server = server(0);
        GrpcClusterWorker w = worker(server.port(), "w0");
        CompletableFuture<GrpcClusterWorker.Stats> run = runAsync(w);
        core.send(0, entry(1, 0));
        core.send(0, new Job(1, new int[]{0, 1, 2}));
        await(() -> core.pushed.size() == 1, "a push");
        core.send(0, entry(2, 0));
        core.send(0, new Finished(2));
        GrpcClusterWorker.Stats st = run.get(30, TimeUnit.SECONDS);

        assertEquals(List.of("w0"), core.joined);
        WorkerMessage pushed = core.pushed.get(0);
        assertEquals(1, pushed.round());
        assertEquals(0, pushed.worker());
        assertEquals(codec instanceof io.github.dl4jcoded.training.CodedCodec c ? c.tasksOf(0).length : -1, pushed.codewords().size());
        FakeReplica r = replicas.get(0);
        assertEquals(List.of(1L, 2L), r.replayed.stream().map(LogEntry::seq).toList());
        assertEquals(entry(1, 0).update(), r.replayed.get(0).update(), "the update crosses the wire as it was sent");
        assertEquals(1, st.pushes());
        assertEquals(2, st.entriesReplayed());
        assertTrue(st.bytesUp() > 0 && st.bytesDown() > 0);
        await(() -> core.left.contains(0), "the worker leaves when its stream ends");
        GrpcClusterServer.TransportStats ts = server.stats();
        assertEquals(st.bytesUp(), ts.bytesUp(), "both ends count the same protobuf bytes");
        assertEquals(st.bytesDown(), ts.bytesDown());
    }

    @Test
    void aDivergedReplicaAsksForAResyncAndSkipsToTheNextWelcome() throws Exception {
        GrpcClusterServer server = server(0);
        GrpcClusterWorker w = worker(server.port(), "w0");
        CompletableFuture<GrpcClusterWorker.Stats> run = runAsync(w);
        core.send(0, entry(1, FakeReplica.BAD_CHECKSUM));
        await(() -> core.resyncs.get() == 1, "a resync request");
        // the fake core queued a welcome at its seq (0); entries before it must be skipped
        core.send(0, new Job(5, new int[]{1}));
        await(() -> core.pushed.size() == 1, "the push answering the job after the new welcome");
        core.send(0, new Finished(1));
        GrpcClusterWorker.Stats st = run.get(30, TimeUnit.SECONDS);
        assertEquals(1, st.resyncRequests());
        assertEquals(2, st.welcomes());
        assertEquals(1, replicas.get(0).resets.size(), "the same slot's replica is reset, not rebuilt");
        assertEquals(1, core.pushed.size(), "a job after the new welcome is answered");
    }

    @Test
    void aWorkerReconnectsAndRejoinsWhenTheServerComesBack() throws Exception {
        GrpcClusterServer first = server(0);
        int port = first.port();
        GrpcClusterWorker w = worker(port, "w0");
        CompletableFuture<GrpcClusterWorker.Stats> run = runAsync(w);
        await(() -> core.joined.size() == 1, "the first join");
        first.close();
        await(() -> core.left.contains(0), "the leave when the server went");
        Thread.sleep(300);
        server(port);
        await(() -> core.joined.size() == 2, "the rejoin");
        core.send(0, new Finished(0));
        GrpcClusterWorker.Stats st = run.get(30, TimeUnit.SECONDS);
        assertEquals(2, st.welcomes());
        assertTrue(st.sessions() >= 2);
    }

    @Test
    void aWorkerGivesUpAfterItsReconnectBudget() throws Exception {
        GrpcClusterServer s = server(0);
        int port = s.port();
        s.close();
        GrpcClusterWorker w = GrpcClusterWorker.builder("127.0.0.1", port).name("lonely")
                .security(TransportSecurity.insecurePlaintextLoopback()).token(TOKEN)
                .backoff(Duration.ofMillis(20), Duration.ofMillis(100)).maxReconnect(Duration.ofMillis(500))
                .replicas(welcome -> new FakeReplica(welcome, net, codec)).build();
        closing.add(w);
        assertThrows(GrpcClusterWorker.WorkerFailedException.class, w::run);
    }

    @Test
    void badMessagesAreRefusedAndCountedWhileTheStreamAndTheGoodWorkerGoOn() throws Exception {
        GrpcClusterServer server = server(0);
        GrpcClusterWorker good = worker(server.port(), "good");
        CompletableFuture<GrpcClusterWorker.Stats> run = runAsync(good);
        await(() -> core.joined.size() == 1, "the good worker");

        try (RawClient bad = new RawClient(server.port(), TOKEN)) {
            bad.send(ProtoMessages.hello("bad").toByteArray());
            Down first = (Down) bad.next();
            assertTrue(first.hasWelcome());
            int slot = first.getWelcome().getWorker();
            Push valid = ProtoMessages.toProto(Fixtures.message(net, codec, slot, 4));

            bad.send(new byte[]{(byte) 0xff, (byte) 0xff, (byte) 0xff, 0x0f});                        // not protobuf
            bad.send(Up.newBuilder().setPush(valid.toBuilder().setLoss(Float.NaN)).build().toByteArray());  // NaN
            Push.Builder huge = valid.toBuilder().setDense(ProtoMessages.float32(new double[server.maxMessageBytes() / 4 + 10]));
            bad.send(Up.newBuilder().setPush(huge).build().toByteArray());                          // oversized
            bad.send(Up.newBuilder().setPush(valid).build().toByteArray());                         // accepted
            bad.send(Up.newBuilder().setPush(valid).build().toByteArray());                         // replay
            await(() -> core.rejected(RejectReason.REPLAY) == 1, "the replay refused");
            assertEquals(1, core.rejected(RejectReason.MALFORMED));
            assertEquals(1, core.rejected(RejectReason.NON_FINITE));
            assertEquals(1, core.rejected(RejectReason.OVERSIZED));
            assertEquals(1, core.pushed.size(), "only the valid push was accepted");
            assertEquals(2, server.openSessions(), "the bad worker's stream is still open");
            assertEquals(1L, server.stats().rejected().get(RejectReason.OVERSIZED));

            // the good worker is served all along
            core.send(0, new Job(9, new int[]{0}));
            await(() -> core.pushed.size() == 2, "the good worker's push");

            // repeated garbage ends the bad stream (limit 5 here)
            for (int i = 0; i < 5; i++) {
                bad.send(new byte[]{(byte) 0xff, (byte) 0xff});
            }
            assertEquals(Status.Code.INVALID_ARGUMENT, bad.awaitError().getCode());
            await(() -> core.left.contains(slot), "the bad worker leaves");
        }
        core.send(0, new Finished(0));
        assertEquals(1, run.get(30, TimeUnit.SECONDS).pushes());
    }

    @Test
    void aMessageBeyondGrpcsOwnCapEndsOnlyThatStream() throws Exception {
        GrpcClusterServer server = GrpcClusterServer.builder(core).security(TransportSecurity.insecurePlaintextLoopback())
                .token(TOKEN).maxMessageBytes(1000).start();
        closing.add(server);
        try (RawClient bad = new RawClient(server.port(), TOKEN)) {
            bad.send(ProtoMessages.hello("bad").toByteArray());
            assertTrue(((Down) bad.next()).hasWelcome());
            bad.send(new byte[GrpcClusterServer.hardLimit(1000) + 1]);
            Status.Code code = bad.awaitError().getCode();
            assertTrue(code == Status.Code.RESOURCE_EXHAUSTED || code == Status.Code.CANCELLED, code.toString());
        }
        await(() -> core.left.contains(0), "the sender leaves");
        assertEquals(0, server.openSessions());
    }

    @Test
    void messagesBeforeHelloAndASecondHelloAreMalformed() throws Exception {
        GrpcClusterServer server = server(0);
        try (RawClient c = new RawClient(server.port(), TOKEN)) {
            c.send(ProtoMessages.resyncRequest().toByteArray());
            c.send(ProtoMessages.push(Fixtures.message(net, codec, 0, 0)).toByteArray());
            c.send(ProtoMessages.hello("late").toByteArray());
            assertTrue(((Down) c.next()).hasWelcome());
            c.send(ProtoMessages.hello("again").toByteArray());
            await(() -> core.rejected(RejectReason.MALFORMED) == 3, "three malformed");
            assertEquals(0, core.pushed.size());
            assertEquals(0, core.resyncs.get());
        }
    }

    @Test
    void aFullServerRefusesWithResourceExhaustedAndALateJoinerIsToldItIsOver() throws Exception {
        GrpcClusterServer server = server(0);
        try (RawClient a = new RawClient(server.port(), TOKEN); RawClient b = new RawClient(server.port(), TOKEN);
             RawClient c = new RawClient(server.port(), TOKEN)) {
            a.send(ProtoMessages.hello("a").toByteArray());
            assertTrue(((Down) a.next()).hasWelcome());
            b.send(ProtoMessages.hello("b").toByteArray());
            assertTrue(((Down) b.next()).hasWelcome());
            c.send(ProtoMessages.hello("c").toByteArray());
            assertEquals(Status.Code.RESOURCE_EXHAUSTED, c.awaitError().getCode());
        }
        await(() -> core.queues.isEmpty(), "both leave");
        core.finished = true;
        core.seq = 42;
        try (RawClient late = new RawClient(server.port(), TOKEN)) {
            late.send(ProtoMessages.hello("late").toByteArray());
            Down d = (Down) late.next();
            assertTrue(d.hasFinished());
            assertEquals(42, d.getFinished().getSeq());
            assertInstanceOf(Object.class, late.next());
        }
    }

    @Test
    void theWelcomeReturnedByJoinIsNotSentTwiceWhenTheCoreAlsoQueuesIt() throws Exception {
        FakeCore queuing = new FakeCore(codec, (int) net.numParams(), 1) {
            @Override
            public synchronized Welcome join(String name) {
                Welcome w = super.join(name);
                queues.get(w.worker()).add(w);
                return w;
            }
        };
        GrpcClusterServer server = GrpcClusterServer.builder(queuing).security(TransportSecurity.insecurePlaintextLoopback())
                .token(TOKEN).start();
        closing.add(server);
        try (RawClient c = new RawClient(server.port(), TOKEN)) {
            c.send(ProtoMessages.hello("x").toByteArray());
            assertTrue(((Down) c.next()).hasWelcome());
            queuing.send(0, new Finished(0));
            assertTrue(((Down) c.next()).hasFinished());
        }
    }

    /** A reconnect line shows the status in one line: no stack trace of its cause, the server's text escaped. */
    @Test
    void aStatusIsDescribedInOneLine() {
        io.grpc.Status st = io.grpc.Status.UNAVAILABLE.withDescription("io exception\nfinal test accuracy: 1.0")
                .withCause(new java.io.IOException("Connection refused: localhost/127.0.0.1:1"));
        String d = GrpcClusterWorker.describe(st);
        org.junit.jupiter.api.Assertions.assertFalse(d.contains("\n"), d);
        org.junit.jupiter.api.Assertions.assertEquals(
                "UNAVAILABLE: io exception\\u000afinal test accuracy: 1.0 (java.io.IOException: Connection refused: localhost/127.0.0.1:1)", d);
        org.junit.jupiter.api.Assertions.assertTrue(st.toString().contains("\tat "), "grpc's own toString prints the stack trace");
        org.junit.jupiter.api.Assertions.assertEquals("no status", GrpcClusterWorker.describe(null));
    }

    /** A session that never says hello is ended after the hello timeout; one that does is not. */
    @Test
    void aSessionWithoutHelloIsEnded() throws Exception {
        GrpcClusterServer s = GrpcClusterServer.builder(core).port(0)
                .security(TransportSecurity.insecurePlaintextLoopback()).token(TOKEN)
                .helloTimeout(Duration.ofMillis(300)).start();
        closing.add(s);
        try (RawClient silent = new RawClient(s.port(), TOKEN); RawClient polite = new RawClient(s.port(), TOKEN)) {
            polite.send(ProtoMessages.hello("polite").toByteArray());
            org.junit.jupiter.api.Assertions.assertTrue(((io.github.dl4jcoded.cluster.grpc.proto.Down) polite.next()).hasWelcome());
            io.grpc.Status st = silent.awaitError();
            org.junit.jupiter.api.Assertions.assertEquals(io.grpc.Status.Code.DEADLINE_EXCEEDED, st.getCode(), st.toString());
            await(() -> s.openSessions() == 1, "the silent session to close");
            Thread.sleep(500);
            org.junit.jupiter.api.Assertions.assertEquals(1, s.openSessions(), "the worker that said hello stays");
        }
    }

    /** A message beyond gRPC's own limit (where gRPC ends the stream itself) is counted as OVERSIZED too. */
    @Test
    void aMessageBeyondGrpcsLimitIsCountedAsOversized() throws Exception {
        GrpcClusterServer s = GrpcClusterServer.builder(core).port(0)
                .security(TransportSecurity.insecurePlaintextLoopback()).token(TOKEN).maxMessageBytes(1 << 16).start();
        closing.add(s);
        try (RawClient big = new RawClient(s.port(), TOKEN)) {
            big.send(ProtoMessages.hello("big").toByteArray());
            org.junit.jupiter.api.Assertions.assertTrue(((Down) big.next()).hasWelcome());
            big.send(new byte[GrpcClusterServer.hardLimit(1 << 16) + 1024]);
            big.awaitError(); // gRPC ends the stream
            await(() -> core.rejected(RejectReason.OVERSIZED) == 1, "the oversized message counted");
            assertEquals(1L, s.stats().rejected().get(RejectReason.OVERSIZED));
        }
    }
}

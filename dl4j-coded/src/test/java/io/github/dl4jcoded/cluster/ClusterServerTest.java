package io.github.dl4jcoded.cluster;

import io.github.dl4jcoded.decode.Codeword;
import io.github.dl4jcoded.training.CodedTrainingConfig;
import io.github.dl4jcoded.training.RejectReason;
import io.github.dl4jcoded.training.RejectedMessageException;
import io.github.dl4jcoded.training.WorkerMessage;
import org.deeplearning4j.eval.Evaluation;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClusterServerTest {
    private static final ToyExamples DATA = new ToyExamples(384, 3);

    static MultiLayerNetwork cnn() {
        return cnn(10);
    }

    static MultiLayerNetwork cnn(int denseUnits) {
        MultiLayerNetwork n = new MultiLayerNetwork(new NeuralNetConfiguration.Builder()
                .seed(5).dataType(DataType.FLOAT).updater(new Adam(1e-2))
                .list()
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(3).activation(Activation.RELU).build())
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build())
                .layer(new DenseLayer.Builder().nOut(denseUnits).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.NEGATIVELOGLIKELIHOOD).nOut(3)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutionalFlat(8, 8, 1))
                .build());
        n.init();
        return n;
    }

    private static CodedTrainingConfig.Builder base(int workers) {
        return CodedTrainingConfig.builder().workers(workers).seed(11).deadlineMillis(20_000);
    }

    private static List<InProcessWorker> startWorkers(ClusterServer s, int n) {
        List<InProcessWorker> ws = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            InProcessWorker w = new InProcessWorker(s, DATA, "w" + i);
            w.start();
            ws.add(w);
        }
        return ws;
    }

    /** Waits for the workers to join, so that every round is split the same way. */
    private static void awaitJoins(ClusterServer s, long joins) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (s.stats().joins() < joins) {
            assertTrue(System.nanoTime() < end, "workers did not join");
            Thread.sleep(10);
        }
    }

    private static void awaitWorkers(List<InProcessWorker> ws) throws Throwable {
        for (InProcessWorker w : ws) {
            w.join(120_000);
            if (w.failure != null) {
                throw w.failure;
            }
            assertTrue(w.finished, w.label + " did not see the end of training");
        }
    }

    private static double accuracy(io.github.dl4jcoded.nn.Network net) {
        DataSet all = DATA.all();
        Evaluation e = new Evaluation(3);
        e.eval(all.getLabels(), net.output(all.getFeatures()));
        return e.accuracy();
    }

    private static ClusterServer train(CodedTrainingConfig cfg, int workers, ClusterServer.Options opts) throws Throwable {
        ClusterServer s = new ClusterServer(cnn(), cfg, DATA, opts);
        List<InProcessWorker> ws = startWorkers(s, workers);
        awaitJoins(s, workers);
        s.start();
        assertTrue(s.awaitFinished(120, TimeUnit.SECONDS), "training did not finish");
        awaitWorkers(ws);
        long serverSum = ReplicaChecksum.of(s.network());
        for (InProcessWorker w : ws) {
            assertEquals(serverSum, ReplicaChecksum.of(w.replica.network()), w.label + "'s replica differs from the server");
            assertEquals(s.stats().seq(), w.replica.seq());
            assertEquals(0, w.resyncs.get());
        }
        return s;
    }

    @Test
    void codedSyncTrainingKeepsEveryReplicaEqualToTheServerAndLearns() throws Throwable {
        ClusterServer s = train(base(3).build(), 3, ClusterServer.Options.of(2, 32, 1));
        ClusterServer.Stats st = s.stats();
        assertEquals(2 * 12, st.seq(), "one log entry per minibatch");
        assertEquals(st.seq(), st.updates());
        assertEquals(0, st.rejectedTotal());
        assertTrue(st.bytesUp() * 2 < st.denseEquivalentBytes(), "coded pushes are compressed: " + st);
        assertTrue(accuracy(s.network()) > 0.9, "accuracy " + accuracy(s.network()));
        // The server times its own work (what the simulator charges it): each update's work lies within its round.
        ClusterServer.Timings t = s.steadyTimings();
        assertTrue(t.workPerMessage() > 0 && t.workPerUpdate() > 0 && t.perEntry() > 0, "timings " + t);
        assertTrue(t.workPerUpdate() < 1.5 * t.perEntry(), "an update's work exceeds the time between entries: " + t);
        s.close();
    }

    @Test
    void vanillaAsyncTrainingKeepsEveryReplicaEqualToTheServer() throws Throwable {
        CodedTrainingConfig cfg = base(3).vanilla().policy(CodedTrainingConfig.Policy.ASYNC).cadence(1)
                .cadenceRule(CodedTrainingConfig.CadenceRule.ALL).freshJobs(false).build();
        ClusterServer s = train(cfg, 3, ClusterServer.Options.of(1, 32, 1));
        assertEquals(36, s.stats().updates() + s.stats().rejected().getOrDefault(RejectReason.STALE, 0L),
                "one update per worker share of every minibatch, unless refused as too stale");
        assertTrue(accuracy(s.network()) > 0.6, "accuracy " + accuracy(s.network()));
        s.close();
    }

    @Test
    void codedAsyncWithCountSketchFramesStaysEqual() throws Throwable {
        CodedTrainingConfig cfg = base(2).policy(CodedTrainingConfig.Policy.ASYNC)
                .frame(CodedTrainingConfig.FrameKind.COUNT_SKETCH).compression(4).cadence(1)
                .cadenceRule(CodedTrainingConfig.CadenceRule.ALL).freshJobs(false).build();
        ClusterServer s = train(cfg, 2, ClusterServer.Options.of(1, 32, 1));
        // a share is applied, or refused as too stale when the other worker raced ahead (JIT warm-up)
        assertEquals(24, s.stats().updates() + s.stats().rejected().getOrDefault(RejectReason.STALE, 0L));
        s.close();
    }

    @Test
    void codedAsyncWithItsDefaultsKeepsEveryReplicaEqualAndLearns() throws Throwable {
        // Low-rank frames of the version each worker read, fresh jobs, a step every 2 fresh answers
        // (3 workers but one in eight, at least one: 2) with late ones riding along, 1/(1+s).
        CodedTrainingConfig cfg = base(3).policy(CodedTrainingConfig.Policy.ASYNC).build();
        assertEquals(2, cfg.messagesPerStep());
        ClusterServer s = train(cfg, 3, ClusterServer.Options.of(2, 32, 1));
        ClusterServer.Stats st = s.stats();
        long answered = st.messagesAccepted();
        assertTrue(st.updates() >= answered / 3 && st.updates() <= answered / 2 + 1, st.toString());
        assertTrue(accuracy(s.network()) > 0.85, "accuracy " + accuracy(s.network()));
        s.close();
    }

    /** One joined worker driven by hand: its first job and the message answering it. */
    private record Manual(ClusterServer server, WorkerReplica replica, Job job, WorkerMessage message) {
    }

    private static Manual manual(CodedTrainingConfig cfg) throws InterruptedException {
        ClusterServer s = new ClusterServer(cnn(), cfg, DATA, ClusterServer.Options.of(1, 32, 1));
        WorkerReplica r = new WorkerReplica(s.join("manual"), DATA);
        s.start();
        Downlink d = s.next(r.worker(), 10, TimeUnit.SECONDS);
        Job job = assertInstanceOf(Job.class, d);
        return new Manual(s, r, job, r.compute(job));
    }

    private static WorkerMessage withSymbols(WorkerMessage m, int codeword, int at, double value) {
        List<Codeword> cws = new ArrayList<>(m.codewords());
        Codeword c = cws.get(codeword);
        double[] sym = c.symbols();
        sym[at] = value;
        cws.set(codeword, new Codeword(c.step(), c.task(), c.frameTag(), c.blocks(), c.coefficients(), sym));
        return new WorkerMessage(m.round(), m.version(), m.worker(), m.examples(), m.loss(), cws, m.dense(), m.precision());
    }

    private static void assertRejected(RejectReason reason, Manual m, WorkerMessage bad) {
        long before = ReplicaChecksum.of(m.server().network());
        RejectedMessageException e = assertThrows(RejectedMessageException.class, () -> m.server().push(m.replica().worker(), bad));
        assertEquals(reason, e.reason(), e.getMessage());
        assertEquals(1L, m.server().stats().rejected().get(reason));
        assertEquals(before, ReplicaChecksum.of(m.server().network()), "a refused message changed the parameters");
    }

    @Test
    void badMessagesAreRefusedCountedAndChangeNothing() throws InterruptedException {
        Manual m = manual(base(1).build());
        WorkerMessage good = m.message();
        assertRejected(RejectReason.NON_FINITE, m, withSymbols(good, 0, 0, Double.NaN));
        // a refused answer is still the answer to its job: the good message now comes too late to count twice
        assertRejected(RejectReason.REPLAY, m, good);
        m.server().close();

        m = manual(base(1).build());
        good = m.message();
        Codeword c = good.codewords().get(0);
        assertRejected(RejectReason.WRONG_FRAME, m, new WorkerMessage(good.round(), good.version(), good.worker(), good.examples(),
                good.loss(), List.of(new Codeword(c.step(), c.task(), c.frameTag() + 1, c.blocks(), c.coefficients(), c.symbols())), null,
                good.precision()));
        m.server().close();

        m = manual(base(1).build());
        good = m.message();
        assertRejected(RejectReason.UNKNOWN_ROUND, m, new WorkerMessage(good.round() + 7, good.version(), good.worker(),
                good.examples(), good.loss(), good.codewords(), null, good.precision()));
        assertRejected(RejectReason.MALFORMED, m, new WorkerMessage(good.round(), good.version(), good.worker(),
                good.examples() + 1, good.loss(), good.codewords(), null, good.precision()));
        m.server().close();

        m = manual(base(1).build());
        good = m.message();
        assertRejected(RejectReason.UNKNOWN_TASK, m, new WorkerMessage(good.round(), good.version(), good.worker(),
                good.examples(), good.loss(), List.of(new Codeword(c.step(), 999, c.frameTag(), c.blocks(), c.coefficients(),
                c.symbols())), null, good.precision()));
        m.server().close();

        m = manual(base(1).vanilla().build());
        good = m.message();
        double[] g = good.dense();
        g[3] = Double.POSITIVE_INFINITY;
        assertRejected(RejectReason.NON_FINITE, m, new WorkerMessage(good.round(), good.version(), good.worker(),
                good.examples(), good.loss(), List.of(), g));
        m.server().close();
    }

    @Test
    void aGoodMessageIsAcceptedOnceAndItsReplayRefused() throws InterruptedException {
        Manual m = manual(base(1).build());
        m.server().push(m.replica().worker(), m.message());
        Downlink d = m.server().next(m.replica().worker(), 10, TimeUnit.SECONDS);
        LogEntry e = assertInstanceOf(LogEntry.class, d);
        assertEquals(1, e.seq());
        m.replica().replay(e);
        assertEquals(ReplicaChecksum.of(m.server().network()), ReplicaChecksum.of(m.replica().network()));
        assertRejected(RejectReason.REPLAY, m, m.message());
        m.server().close();
    }

    @Test
    void codewordsAreRebuiltFromTheCodeNotFromTheWire() throws InterruptedException {
        // A task outside the code gets no row from the codec, and the core refuses it.
        Manual m = manual(base(1).build());
        WorkerMessage good = m.message();
        Codeword foreign = m.server().codec().codeword(good.round(), good.version(), -1, good.codewords().get(0).frameTag(), new double[1]);
        assertEquals(0, foreign.blocks().length);
        assertRejected(RejectReason.UNKNOWN_TASK, m, new WorkerMessage(good.round(), good.version(), good.worker(),
                good.examples(), good.loss(), List.of(foreign), null, good.precision()));
        m.server().close();
        // A dense server takes no codewords at all.
        Manual v = manual(base(1).vanilla().build());
        WorkerMessage dense = v.message();
        assertRejected(RejectReason.MALFORMED, v, new WorkerMessage(dense.round(), dense.version(), dense.worker(),
                dense.examples(), dense.loss(), List.of(v.server().codec().codeword(dense.round(), dense.version(), 0, 0, new double[1])), null));
        v.server().close();
    }

    /** What the server logs while {@code work} runs (slf4j-simple writes to System.err as it is at each line). */
    private static String logOf(Runnable work) {
        java.io.PrintStream err = System.err;
        java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(buf, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            work.run();
        } finally {
            System.setErr(err);
        }
        return buf.toString(java.nio.charset.StandardCharsets.UTF_8);
    }

    /** The start condition counts live workers: one that joined and left does not count. */
    @Test
    void theStartConditionCountsLiveWorkersOnly() throws InterruptedException {
        ClusterServer s = new ClusterServer(cnn(), base(2).build(), DATA, ClusterServer.Options.of(2, 32, 1));
        int first = s.join("first").worker();
        s.leave(first);
        s.join("second");
        assertEquals(2, s.stats().joins());
        assertFalse(s.awaitLiveWorkers(2, 50, TimeUnit.MILLISECONDS), "one live worker is not two");
        s.join("third");
        assertTrue(s.awaitLiveWorkers(2, 1, TimeUnit.SECONDS));
        s.close();
    }

    /** A worker name with a newline cannot forge a log line: it is logged escaped. */
    @Test
    void aPeersNameCannotForgeALogLine() {
        ClusterServer s = new ClusterServer(cnn(), base(1).build(), DATA, ClusterServer.Options.of(1, 32, 1));
        String log = logOf(() -> s.join("w1\nfinal test accuracy: 1.0000\r\u2028x"));
        assertTrue(log.contains("joined"), log);
        for (String line : log.split("\n")) {
            assertFalse(line.startsWith("final test accuracy"), "forged line: " + line);
        }
        assertTrue(log.contains("w1\\u000afinal test accuracy: 1.0000\\u000d\\u2028x"), log);
        s.close();
    }

    /** 150 refused messages make 21 log lines (the first 20, then the 100th), and all 150 are counted. */
    @Test
    void aFloodOfRefusalsIsCountedButLoggedThinned() {
        ClusterServer s = new ClusterServer(cnn(), base(1).build(), DATA, ClusterServer.Options.of(1, 32, 1));
        String log = logOf(() -> {
            for (int i = 0; i < 150; i++) s.countRejected(RejectReason.UNAUTHENTICATED, "no token from peer " + i);
        });
        long lines = log.lines().filter(l -> l.contains("rejected (UNAUTHENTICATED")).count();
        assertEquals(PeerLog.FIRST + 1, lines, log);
        assertTrue(log.contains("100 so far"), log);
        assertEquals(150L, s.stats().rejected().get(RejectReason.UNAUTHENTICATED));
        s.close();
    }

    @Test
    void aWorkerThatDiesCostsOnlyItsMessages() throws Throwable {
        ClusterServer s = new ClusterServer(cnn(), base(3).build(), DATA, ClusterServer.Options.of(2, 32, 1));
        List<InProcessWorker> ws = startWorkers(s, 3);
        awaitJoins(s, 3);
        s.start();
        while (s.stats().seq() < 5) {
            Thread.sleep(5);
        }
        ws.get(1).crash();
        assertTrue(s.awaitFinished(120, TimeUnit.SECONDS));
        awaitWorkers(List.of(ws.get(0), ws.get(2)));
        assertEquals(24, s.stats().seq());
        assertEquals(ReplicaChecksum.of(s.network()), ReplicaChecksum.of(ws.get(0).replica.network()));
        s.close();
    }

    @Test
    void aLateJoinerGetsTheStateAndKeepsUp() throws Throwable {
        ClusterServer s = new ClusterServer(cnn(), base(3).build(), DATA, ClusterServer.Options.of(2, 32, 1));
        List<InProcessWorker> ws = startWorkers(s, 2);
        awaitJoins(s, 2);
        s.start();
        while (s.stats().seq() < 6) {
            Thread.sleep(5);
        }
        List<InProcessWorker> late = startWorkers(s, 1);
        assertTrue(s.awaitFinished(120, TimeUnit.SECONDS));
        awaitWorkers(ws);
        awaitWorkers(late);
        assertTrue(late.get(0).pushed.get() > 0, "the late joiner got jobs");
        assertEquals(ReplicaChecksum.of(s.network()), ReplicaChecksum.of(late.get(0).replica.network()));
        s.close();
    }

    @Test
    void aFreshRunsWelcomeCarriesTheNetworksConfigurationAndAResyncItsSnapshot() throws InterruptedException {
        // Wide enough that its weights (about 220 KB) cost more than its configuration (about 9 KB).
        ClusterServer s = new ClusterServer(cnn(2000), base(1).build(), DATA, ClusterServer.Options.of(1, 32, 1));
        Welcome w = s.join("fresh");
        assertNotNull(w.seededNetwork(), "version 0 of a network its seed rebuilds");
        assertEquals(0, w.snapshot().length);
        WorkerReplica r = new WorkerReplica(w, DATA);
        assertEquals(ReplicaChecksum.of(s.network()), ReplicaChecksum.of(r.network()));
        s.resync(r.worker());
        Welcome full = (Welcome) s.next(r.worker(), 1, TimeUnit.SECONDS);
        assertNull(full.seededNetwork(), "a resync sends the network itself");
        assertTrue(full.snapshot().length > 0);
        assertTrue(10 * w.wireBytes() < full.wireBytes(), w.wireBytes() + " vs " + full.wireBytes());
        // A configuration that does not build the server's network is caught by the checksum.
        Welcome wrong = new Welcome(w.worker(), w.configJson(), null, w.codecState(), 0, 0, w.dataFingerprint(), w.seededNetwork(),
                w.checksum() ^ 1);
        assertThrows(ReplicaDivergedException.class, () -> new WorkerReplica(wrong, DATA));
        s.close();

        // Weights set by hand are not what the seed makes: the welcome carries them.
        MultiLayerNetwork edited = cnn(2000);
        edited.params().putScalar(0, 0.5);
        ClusterServer e = new ClusterServer(edited, base(1).build(), DATA, ClusterServer.Options.of(1, 32, 1));
        Welcome ew = e.join("edited");
        assertNull(ew.seededNetwork());
        assertEquals(ReplicaChecksum.of(e.network()), ReplicaChecksum.of(new WorkerReplica(ew, DATA).network()));
        e.close();
    }

    @Test
    void aDriftedReplicaIsCaughtByTheChecksumAndResynced() throws Throwable {
        ClusterServer s = new ClusterServer(cnn(), base(1).build(), DATA, new ClusterServer.Options(1, 32, 1, 2, null, 10, 10_000));
        WorkerReplica r = new WorkerReplica(s.join("drifter"), DATA);
        s.start();
        r.network().params().putScalar(0, r.network().params().getDouble(0) + 1e-3);
        boolean diverged = false;
        boolean resynced = false;
        while (true) {
            Downlink d = s.next(r.worker(), 10, TimeUnit.SECONDS);
            if (d instanceof Job j) {
                s.push(r.worker(), r.compute(j));
            } else if (d instanceof LogEntry e && (!diverged || resynced)) {
                try {
                    r.replay(e);
                } catch (ReplicaDivergedException ex) {
                    assertFalse(diverged, "diverged again after the resync");
                    diverged = true;
                    s.resync(r.worker());
                }
            } else if (d instanceof Welcome w) {
                r.reset(w);
                resynced = true;
            } else if (d instanceof Finished) {
                break;
            }
        }
        assertTrue(diverged && resynced);
        assertEquals(ReplicaChecksum.of(s.network()), ReplicaChecksum.of(r.network()));
        assertEquals(1, s.stats().resyncs());
        s.close();
    }

    @Test
    void aCrashedServerResumesFromItsCheckpointAndAppliesNothingTwice(@TempDir Path dir) throws Throwable {
        CodedTrainingConfig cfg = base(2).build();
        ClusterServer.Options opts = ClusterServer.Options.of(2, 32, 1).withCheckpoints(dir, 4);
        ClusterServer first = new ClusterServer(cnn(), cfg, DATA, opts);
        List<InProcessWorker> ws = startWorkers(first, 2);
        awaitJoins(first, 2);
        first.start();
        while (first.stats().seq() < 10) {
            Thread.sleep(2);
        }
        first.close(); // the crash: whatever came after the last checkpoint is lost
        for (InProcessWorker w : ws) {
            w.crash();
        }
        long reached = first.stats().seq();
        assertTrue(Files.exists(dir.resolve(CheckpointStore.STATE_FILE)));

        ClusterServer second = new ClusterServer(cnn(), cfg, DATA, opts);
        assertTrue(second.resumed());
        long resumedAt = second.stats().seq();
        assertEquals(0, resumedAt % 4);
        assertTrue(resumedAt >= 8 && resumedAt <= reached, "resumed at " + resumedAt + ", crashed at " + reached);
        List<InProcessWorker> again = startWorkers(second, 2);
        awaitJoins(second, 2);
        second.start();
        assertTrue(second.awaitFinished(120, TimeUnit.SECONDS));
        awaitWorkers(again);

        List<String> journal = Files.readAllLines(dir.resolve(CheckpointStore.JOURNAL_FILE));
        assertEquals(24, journal.size(), "one line per applied entry: " + journal);
        Set<String> batches = new HashSet<>();
        for (int i = 0; i < journal.size(); i++) {
            String[] f = journal.get(i).split("\t");
            assertEquals(i + 1, Long.parseLong(f[0]), "log entries are numbered without gaps");
            assertEquals(i + 1, Long.parseLong(f[2]), "every entry applied exactly one update");
            assertTrue(batches.add(f[3] + "/" + f[4]), "batch " + f[3] + "/" + f[4] + " applied twice");
        }
        assertEquals(24, second.network().getIterationCount(), "the network saw 24 updates, no more");
        assertEquals(ReplicaChecksum.of(second.network()), ReplicaChecksum.of(again.get(0).replica.network()));
        second.close();
    }

    @Test
    void aCheckpointFromAnotherConfigurationIsRefused(@TempDir Path dir) throws Throwable {
        ClusterServer.Options opts = ClusterServer.Options.of(1, 32, 1).withCheckpoints(dir, 2);
        train(base(1).build(), 1, opts).close();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ClusterServer(cnn(), base(1).compression(8).build(), DATA, opts));
        assertTrue(e.getMessage().contains("another configuration"), e.getMessage());
    }

    @Test
    void workersBeyondTheSlotsAreRefused() {
        ClusterServer s = new ClusterServer(cnn(), base(2).build(), DATA, ClusterServer.Options.of(1, 32, 1));
        assertEquals(0, s.join("one").worker());
        assertEquals(1, s.join("two").worker());
        assertThrows(IllegalStateException.class, () -> s.join("three"));
        s.leave(1);
        assertThrows(IllegalStateException.class, () -> s.next(1, 1, TimeUnit.MILLISECONDS), "a slot that left has no downlink");
        assertEquals(1, s.join("three").worker(), "a freed slot is reused");
    }
}

package io.github.dl4jcoded.cluster;

import io.github.dl4jcoded.api.CodedTraining;
import io.github.dl4jcoded.training.CodedTrainingConfig;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The user's network is the network a {@link ClusterServer} trains: its state, its listeners, one trainer at a time. */
class ClusterServerUserNetworkTest {
    /** Three minibatches of 32 per epoch. */
    private static final ToyExamples DATA = new ToyExamples(96, 3);

    private static CodedTrainingConfig.Builder base(int workers) {
        return CodedTrainingConfig.builder().workers(workers).seed(11).deadlineMillis(20_000);
    }

    /** What the user's listener saw, in order. */
    private static final class Recorder extends BaseTrainingListener {
        final MultiLayerNetwork net;
        final AtomicReference<ClusterServer> server = new AtomicReference<>();
        final List<String> events = new ArrayList<>();
        final List<Model> models = new ArrayList<>();
        final List<INDArray> params = new ArrayList<>();
        /** Per iterationDone: whether the user's network held exactly the server's state at that moment. */
        final List<Boolean> equalToServer = new ArrayList<>();
        final List<INDArray> atEpochEnd = new ArrayList<>();

        Recorder(MultiLayerNetwork net) {
            this.net = net;
        }

        @Override
        public void iterationDone(Model model, int iteration, int epoch) {
            events.add("iteration " + iteration + " of epoch " + epoch);
            models.add(model);
            params.add(net.params().dup());
            // Listeners run under the server's monitor, so this reads the server's state at this very update.
            MultiLayerNetwork now = (MultiLayerNetwork) server.get().network().model();
            equalToServer.add(now.params().equals(net.params()) && now.getIterationCount() == net.getIterationCount());
        }

        @Override
        public void onEpochStart(Model model) {
            events.add("start " + net.getEpochCount());
            models.add(model);
        }

        @Override
        public void onEpochEnd(Model model) {
            events.add("end " + net.getEpochCount());
            models.add(model);
            atEpochEnd.add(net.params().dup());
        }
    }

    private static List<InProcessWorker> train(ClusterServer s, int workers) throws Throwable {
        List<InProcessWorker> ws = new ArrayList<>();
        for (int i = 0; i < workers; i++) {
            InProcessWorker w = new InProcessWorker(s, DATA, "w" + i);
            w.start();
            ws.add(w);
        }
        assertTrue(s.awaitLiveWorkers(workers, 60, TimeUnit.SECONDS), "workers did not join");
        s.start();
        assertTrue(s.awaitFinished(120, TimeUnit.SECONDS), "training did not finish");
        for (InProcessWorker w : ws) {
            w.join(60_000);
            if (w.failure != null) {
                throw w.failure;
            }
        }
        return ws;
    }

    @Test
    void syncTrainsTheUsersNetworkAndFiresItsListenersUpdateByUpdate() throws Throwable {
        MultiLayerNetwork net = ClusterServerTest.cnn();
        INDArray start = net.params().dup();
        Recorder r = new Recorder(net);
        net.setListeners(r);
        try (ClusterServer s = new ClusterServer(net, base(2).build(), DATA, ClusterServer.Options.of(2, 32, 1))) {
            r.server.set(s);
            train(s, 2);
            long updates = s.stats().updates();
            assertEquals(6, updates, "one update per minibatch: " + s.stats());

            // (a) the user's network is the trained network
            assertEquals(s.network().params(), net.params(), "the user's network holds the server's final parameters");
            assertEquals(s.network().updaterState(), net.getUpdater().getStateViewArray());
            assertEquals(updates, net.getIterationCount());
            assertEquals(2, net.getEpochCount());

            // (b) its listener fired once per update, with it, holding that update; epochs around them
            assertEquals(List.of("start 0", "iteration 0 of epoch 0", "iteration 1 of epoch 0", "iteration 2 of epoch 0", "end 0",
                    "start 1", "iteration 3 of epoch 1", "iteration 4 of epoch 1", "iteration 5 of epoch 1", "end 1"), r.events);
            r.models.forEach(m -> assertSame(net, m));
            assertTrue(r.equalToServer.stream().allMatch(b -> b), "at every iterationDone the user's network is the server's: "
                    + r.equalToServer);
            for (int i = 0; i < r.params.size(); i++) {
                assertNotEquals(i == 0 ? start : r.params.get(i - 1), r.params.get(i), "update " + i + " moved the user's network");
            }
            assertEquals(net.params(), r.params.get(r.params.size() - 1), "the last callback saw the final parameters");
            assertEquals(r.params.get(2), r.atEpochEnd.get(0), "onEpochEnd sees the epoch's last update");
            assertEquals(net.params(), r.atEpochEnd.get(1));
        }
    }

    @Test
    void asyncFiresOneIterationPerUpdateAndAlternatesEpochs() throws Throwable {
        MultiLayerNetwork net = ClusterServerTest.cnn();
        Recorder r = new Recorder(net);
        net.setListeners(r);
        CodedTrainingConfig cfg = base(2).vanilla().policy(CodedTrainingConfig.Policy.ASYNC).cadence(1)
                .cadenceRule(CodedTrainingConfig.CadenceRule.ALL).freshJobs(false).build();
        try (ClusterServer s = new ClusterServer(net, cfg, DATA, ClusterServer.Options.of(2, 32, 1))) {
            r.server.set(s);
            train(s, 2);
            long updates = s.stats().updates();
            assertEquals(updates, r.params.size(), "one iterationDone per update: " + r.events);
            assertEquals(updates, net.getIterationCount());
            assertEquals(s.network().params(), net.params());
            assertTrue(r.equalToServer.stream().allMatch(b -> b), r.equalToServer.toString());
            r.models.forEach(m -> assertSame(net, m));
            // start 0, its iterations, end 0, start 1, its iterations, end 1: nothing outside an epoch
            List<String> epochEvents = r.events.stream().filter(e -> !e.startsWith("iteration")).toList();
            assertEquals(List.of("start 0", "end 0", "start 1", "end 1"), epochEvents, r.events.toString());
            assertEquals("end 1", r.events.get(r.events.size() - 1));
            assertEquals(net.params(), r.atEpochEnd.get(1));
            assertEquals(2, net.getEpochCount());
        }
    }

    @Test
    void aSecondTrainerOnTheSameNetworkIsRefusedUntilTheFirstCloses() {
        MultiLayerNetwork net = ClusterServerTest.cnn();
        CodedTrainingConfig cfg = base(1).build();
        ClusterServer first = new ClusterServer(net, cfg, DATA, ClusterServer.Options.of(1, 32, 1));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> new ClusterServer(net, cfg, DATA, ClusterServer.Options.of(1, 32, 1)));
        assertTrue(e.getMessage().contains("already wrapped"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> CodedTraining.wrap(net, cfg), "nor can the local facade take it");
        new ClusterServer(ClusterServerTest.cnn(), cfg, DATA, ClusterServer.Options.of(1, 32, 1)).close(); // another network can
        first.close();
        new ClusterServer(net, cfg, DATA, ClusterServer.Options.of(1, 32, 1)).close();
        CodedTraining.wrap(net, cfg).close();
    }

    /** The user's networks a checkpoint resumes into: a MultiLayerNetwork and a batch-normalized ComputationGraph. */
    static java.util.stream.Stream<java.util.function.Supplier<Model>> usersNetworks() {
        return java.util.stream.Stream.of(ClusterServerTest::cnn, ClusterServerUserNetworkTest::graph);
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.MethodSource("usersNetworks")
    void aResumedServerPutsItsCheckpointIntoTheUsersNetwork(java.util.function.Supplier<Model> network, @TempDir Path dir)
            throws Throwable {
        CodedTrainingConfig cfg = base(1).build();
        ClusterServer.Options opts = ClusterServer.Options.of(2, 32, 1).withCheckpoints(dir, 4);
        io.github.dl4jcoded.nn.Network trained;
        try (ClusterServer first = new ClusterServer(network.get(), cfg, DATA, opts)) {
            train(first, 1);
            trained = first.network(); // the checkpoint written at the end holds this
        }
        io.github.dl4jcoded.nn.Network net = io.github.dl4jcoded.nn.Network.of(network.get());
        assertNotEquals(trained.params(), net.params());
        try (ClusterServer resumed = new ClusterServer(net.model(), cfg, DATA, opts)) {
            assertTrue(resumed.resumed());
            assertEquals(trained.params(), net.params(), "the user's network holds the checkpoint's parameters"
                    + " (a graph's running statistics too)");
            assertEquals(trained.updaterState(), net.updaterState());
            assertEquals(6, net.getIterationCount());
            assertEquals(2, net.getEpochCount(), "both epochs of the checkpointed run are done");
        }
    }

    private static Model graph() {
        return io.github.dl4jcoded.training.local.GraphTrainingTest.residualGraph(new org.nd4j.linalg.learning.config.Adam(1e-2),
                org.nd4j.linalg.api.buffer.DataType.FLOAT, 5);
    }

    @Test
    void aListenerThatThrowsFailsTheServerVisibly() throws Throwable {
        MultiLayerNetwork net = ClusterServerTest.cnn();
        net.setListeners(new BaseTrainingListener() {
            @Override
            public void iterationDone(Model model, int iteration, int epoch) {
                throw new IllegalArgumentException("listener boom");
            }
        });
        List<InProcessWorker> ws = new ArrayList<>();
        try (ClusterServer s = new ClusterServer(net, base(1).build(), DATA, ClusterServer.Options.of(2, 32, 1))) {
            InProcessWorker w = new InProcessWorker(s, DATA, "w");
            w.start();
            ws.add(w);
            assertTrue(s.awaitLiveWorkers(1, 60, TimeUnit.SECONDS));
            s.start();
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> s.awaitFinished(120, TimeUnit.SECONDS));
            assertTrue(e.getMessage().contains("listener boom"), e.getMessage());
            assertEquals(1, s.stats().updates(), "training stopped at the update whose listener threw");
        } finally {
            for (InProcessWorker w : ws) {
                w.crash();
            }
        }
    }
}

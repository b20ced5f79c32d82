package io.github.dl4jcoded.simulation;

import io.github.dl4jcoded.training.CodedTrainingConfig;
import io.github.dl4jcoded.training.server.Update;
import io.github.dl4jcoded.training.local.LocalTrainer;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Virtual-time semantics on tiny hand-checked cases. Unless a test says otherwise: 1 virtual
 * second per example, minibatches of 4 split into 2 examples per worker, a free network.
 */
class SimulatedClusterTest {
    private static final CostModel ONE_SECOND_PER_EXAMPLE = CostModel.computeOnly(1.0);

    static MultiLayerNetwork mlp(DataType dt) {
        MultiLayerNetwork n = new MultiLayerNetwork(new NeuralNetConfiguration.Builder()
                .seed(3).dataType(dt).updater(new Adam(1e-2))
                .list()
                .layer(new DenseLayer.Builder().nIn(8).nOut(6).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(6).nOut(3)
                        .activation(Activation.SOFTMAX).build())
                .build());
        n.init();
        return n;
    }

    /** Class c has its bright features in the c-th third of the input. */
    static List<DataSet> data(int batches, int batchSize, DataType dt, long seed) {
        Nd4j.getRandom().setSeed(seed);
        List<DataSet> out = new ArrayList<>();
        for (int b = 0; b < batches; b++) {
            INDArray x = Nd4j.rand(dt, batchSize, 8).muli(0.3);
            INDArray y = Nd4j.zeros(dt, batchSize, 3);
            for (int r = 0; r < batchSize; r++) {
                int c = (b * batchSize + r) % 3;
                x.putScalar(r, 3 * c, x.getDouble(r, 3 * c) + 0.7);
                y.putScalar(r, c, 1.0);
            }
            out.add(new DataSet(x, y));
        }
        return out;
    }

    private static CodedTrainingConfig.Builder vanilla(CodedTrainingConfig.Policy p) {
        return CodedTrainingConfig.builder().vanilla().workers(2).policy(p);
    }

    private static double[] times(SimulatedCluster.Result r) {
        return r.records().stream().mapToDouble(SimulatedCluster.Record::time).toArray();
    }

    private static long[] staleness(SimulatedCluster.Result r) {
        return r.records().stream().mapToLong(SimulatedCluster.Record::staleness).toArray();
    }

    @Test
    void aSynchronousStepWaitsForItsSlowestWorker() {
        // Worker 1 is 3x slower: it finishes at 6, its push arrives at 6.5; the next round starts then,
        // and its workers compute once the new parameters reached them (latency 0.5): 7 + 6 + 0.5.
        CostModel cost = new CostModel(1.0, Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY, 0.5);
        SimulatedCluster.Result r = new SimulatedCluster(mlp(DataType.FLOAT), vanilla(CodedTrainingConfig.Policy.SYNC).build(),
                cost, StragglerModel.slowWorkers(3, false, true)).run(data(2, 4, DataType.FLOAT, 1), 1);
        assertArrayEquals(new double[]{6.5, 13.5}, times(r), 1e-12);
        assertEquals(4, r.messages());
        assertEquals(0, r.late());
    }

    @Test
    void aSynchronousDeadlineDropsTheLateAnswers() {
        // Deadline 4 s: round 0 closes at 4 with worker 0 only; worker 1 is busy until 6 with its
        // late round-0 job, starts round 1 then and misses its deadline at 8 as well.
        CostModel cost = new CostModel(1.0, Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY, 0.5);
        SimulatedCluster.Result r = new SimulatedCluster(mlp(DataType.FLOAT),
                vanilla(CodedTrainingConfig.Policy.SYNC).deadlineMillis(4000).build(),
                cost, StragglerModel.slowWorkers(3, false, true)).run(data(2, 4, DataType.FLOAT, 1), 1);
        assertArrayEquals(new double[]{4.0, 8.0}, times(r), 1e-12);
        assertEquals(2, r.late());
    }

    @Test
    void anAsynchronousUpdateIsAppliedOnArrivalAgainstTheVersionItsWorkerRead() {
        // Worker 1 is 2.5x slower. Jobs of 2 examples: w0 runs j0 0-2, j2 2-4, j3 4-6, j5 6-8;
        // w1 runs j1 0-5 (read v0, arrives when v=2: staleness 2) and j4 5-10 (read v3, arrives at v5).
        SimulatedCluster.Result r = new SimulatedCluster(mlp(DataType.FLOAT), vanilla(CodedTrainingConfig.Policy.ASYNC).build(),
                ONE_SECOND_PER_EXAMPLE, StragglerModel.slowWorkers(2.5, false, true)).run(data(3, 4, DataType.FLOAT, 1), 1);
        assertArrayEquals(new double[]{2, 4, 5, 6, 8, 10}, times(r), 1e-12);
        assertArrayEquals(new long[]{0, 0, 2, 1, 0, 2}, staleness(r));
        assertEquals(6, r.records().get(5).updates());
    }

    @Test
    void asynchronousMessagesBeyondTheStalenessBoundAreDropped() {
        // Bound 1: j1 (staleness 2 at 5) is dropped; w1 then reads v2 for j4, which arrives at 10 against v4: dropped.
        SimulatedCluster.Result r = new SimulatedCluster(mlp(DataType.FLOAT),
                vanilla(CodedTrainingConfig.Policy.ASYNC).stalenessBound(1).build(),
                ONE_SECOND_PER_EXAMPLE, StragglerModel.slowWorkers(2.5, false, true)).run(data(3, 4, DataType.FLOAT, 1), 1);
        assertArrayEquals(new double[]{2, 4, 6, 8}, times(r), 1e-12);
        assertEquals(2, r.stale());
        assertEquals(6, r.messages());
    }

    @Test
    void aCrashedWorkerNeverSendsAgain() {
        // Worker 1 dies at 1 with its round-0 job: round 0 closes on worker 0 alone at 2, round 1
        // gives all 4 examples to worker 0 (2-6).
        SimulatedCluster.Result sync = new SimulatedCluster(mlp(DataType.FLOAT), vanilla(CodedTrainingConfig.Policy.SYNC).build(),
                ONE_SECOND_PER_EXAMPLE, StragglerModel.crash(1, 1, Double.POSITIVE_INFINITY)).run(data(2, 4, DataType.FLOAT, 1), 1);
        assertArrayEquals(new double[]{2, 6}, times(sync), 1e-12);
        assertEquals(0, sync.messagesFrom()[1]);
        assertEquals(1, sync.lostJobs());

        SimulatedCluster.Result async = new SimulatedCluster(mlp(DataType.FLOAT), vanilla(CodedTrainingConfig.Policy.ASYNC).build(),
                ONE_SECOND_PER_EXAMPLE, StragglerModel.crash(1, 1, Double.POSITIVE_INFINITY)).run(data(2, 4, DataType.FLOAT, 1), 1);
        assertArrayEquals(new double[]{2, 4, 6}, times(async), 1e-12);
        assertEquals(0, async.messagesFrom()[1]);
        assertEquals(1, async.lostJobs());
    }

    @Test
    void aCrashedWorkerThatReturnsTakesJobsAgain() {
        // Down from 1 to 3: round 1 (at 2) is worker 0's alone (2-6); round 2 (at 6) has both again (6-8).
        SimulatedCluster.Result r = new SimulatedCluster(mlp(DataType.FLOAT), vanilla(CodedTrainingConfig.Policy.SYNC).build(),
                ONE_SECOND_PER_EXAMPLE, StragglerModel.crash(1, 1, 3)).run(data(3, 4, DataType.FLOAT, 1), 1);
        assertArrayEquals(new double[]{2, 6, 8}, times(r), 1e-12);
        assertEquals(1, r.messagesFrom()[1]);
    }

    @Test
    void everyWorkerDeadIsAClearError() {
        SimulatedCluster c = new SimulatedCluster(mlp(DataType.FLOAT), vanilla(CodedTrainingConfig.Policy.SYNC).workers(1).build(),
                ONE_SECOND_PER_EXAMPLE, StragglerModel.crash(0, 1, Double.POSITIVE_INFINITY));
        assertThrows(IllegalStateException.class, () -> c.run(data(2, 4, DataType.FLOAT, 1), 1));
    }

    @Test
    void theServerLinkQueuesPushes() {
        // Both pushes leave at 2; each needs 1 s of the server link: arrivals at 3 + 0.5 and 4 + 0.5.
        MultiLayerNetwork net = mlp(DataType.FLOAT);
        long bytes = 28 + 4 * net.numParams(); // one dense float32 message
        CostModel cost = new CostModel(1.0, Double.POSITIVE_INFINITY, bytes, 0.5);
        SimulatedCluster.Result async = new SimulatedCluster(net, vanilla(CodedTrainingConfig.Policy.ASYNC).build(),
                cost, StragglerModel.none()).run(data(1, 4, DataType.FLOAT, 1), 1);
        assertArrayEquals(new double[]{3.5, 4.5}, times(async), 1e-12);
        assertEquals(2 * bytes, async.bytesUp());
        SimulatedCluster.Result sync = new SimulatedCluster(net, vanilla(CodedTrainingConfig.Policy.SYNC).build(),
                cost, StragglerModel.none()).run(data(1, 4, DataType.FLOAT, 1), 1);
        assertArrayEquals(new double[]{4.5}, times(sync), 1e-12);
    }

    @Test
    void theSameSeedGivesTheSameRunBitForBit() {
        List<DataSet> d = data(6, 8, DataType.FLOAT, 2);
        StragglerModel model = StragglerModel.pareto(1.5, 1, 7).and(StragglerModel.shiftedExponential(0.5, 8));
        for (CodedTrainingConfig cfg : List.of(
                vanilla(CodedTrainingConfig.Policy.ASYNC).workers(3).build(),
                CodedTrainingConfig.builder().workers(3).deadlineMillis(5000).build())) {
            MultiLayerNetwork net = mlp(DataType.FLOAT);
            SimulatedCluster c = new SimulatedCluster(net, cfg, ONE_SECOND_PER_EXAMPLE, model);
            SimulatedCluster.Result a = c.run(d, 2);
            SimulatedCluster.Result b = c.run(d, 2);
            assertEquals(a.records(), b.records());
            assertEquals(a.network().params(), b.network().params());
            assertNotEquals(net.params(), a.network().params());
            SimulatedCluster.Result other = new SimulatedCluster(net, cfg, ONE_SECOND_PER_EXAMPLE,
                    StragglerModel.pareto(1.5, 1, 99)).run(d, 2);
            assertNotEquals(a.endTime(), other.endTime());
        }
    }

    @Test
    void vanillaSyncWithoutStragglersReproducesTheLocalTrainer() {
        List<DataSet> d = data(5, 12, DataType.DOUBLE, 4);
        CodedTrainingConfig cfg = vanilla(CodedTrainingConfig.Policy.SYNC).workers(3).build();
        MultiLayerNetwork local = mlp(DataType.DOUBLE);
        MultiLayerNetwork start = local.clone();
        try (LocalTrainer t = new LocalTrainer(local, cfg)) {
            t.fit(new ListDataSetIterator<>(d, 1), 2);
        }
        SimulatedCluster.Result sim = new SimulatedCluster(start, cfg, ONE_SECOND_PER_EXAMPLE, StragglerModel.none()).run(d, 2);
        assertEquals(10, sim.records().size());
        assertEquals(local.getIterationCount(), sim.network().getIterationCount());
        INDArray diff = local.params().sub(sim.network().params());
        double rel = diff.norm2Number().doubleValue() / local.params().norm2Number().doubleValue();
        assertTrue(rel < 1e-6, "relative difference " + rel);
        assertNotEquals(start.params(), sim.network().params());
    }

    @Test
    void evaluationsSeeTheNetworkAsItWasAtTheirTime() {
        // Updates at 6.5 and 13.5; evaluating every 5 s sees 0 updates at 5, 1 at 10, and the end.
        CostModel cost = new CostModel(1.0, Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY, 0.5);
        SimulatedCluster.Result r = new SimulatedCluster(mlp(DataType.FLOAT), vanilla(CodedTrainingConfig.Policy.SYNC).build(),
                cost, StragglerModel.slowWorkers(3, false, true))
                .evaluateEvery(5, n -> n.getIterationCount())
                .run(data(2, 4, DataType.FLOAT, 1), 1);
        assertEquals(List.of(new SimulatedCluster.EvalPoint(5, 0, 0), new SimulatedCluster.EvalPoint(10, 1, 1),
                new SimulatedCluster.EvalPoint(13.5, 2, 2)), r.evaluations());
    }

    @Test
    void workersPullTheNewParametersOverTheSharedServerLinkBeforeComputing() {
        // Server link: one dense message per second each way, no latency; 1 s per example.
        // Round 0: both compute 0-2, pushes queue on the inbound link: arrivals 3 and 4, applied at 4.
        // Round 1 at 4: both pull the parameters (one dense message each) over the outbound link,
        // FIFO: worker 0 holds them at 5, worker 1 at 6; they finish computing at 7 and 8; their
        // pushes take the inbound link 7-8 and 8-9: applied at 9.
        MultiLayerNetwork net = mlp(DataType.FLOAT);
        long dense = 28 + 4 * net.numParams();
        CostModel cost = new CostModel(1.0, Double.POSITIVE_INFINITY, dense, 0);
        SimulatedCluster.Result r = new SimulatedCluster(net, vanilla(CodedTrainingConfig.Policy.SYNC).build(),
                cost, StragglerModel.none()).run(data(2, 4, DataType.FLOAT, 1), 1);
        assertArrayEquals(new double[]{4, 9}, times(r), 1e-12);
        assertEquals(0, r.records().get(0).bytesDown()); // every worker starts with the initial parameters
        assertEquals(2 * dense, r.bytesDown());
        assertEquals(4 * dense, r.bytesUp());
    }

    @Test
    void codedWorkersPullTheCompactUpdateLogInsteadOfParameters() {
        // ASYNC, 2 workers, free network, count-sketch 8x: each update is one accepted message,
        // and a log entry carries its decoded symbols (one message's worth), never the messages.
        MultiLayerNetwork net = mlp(DataType.FLOAT);
        long dense = 28 + 4 * net.numParams();
        List<DataSet> d = data(3, 4, DataType.FLOAT, 3);
        SimulatedCluster.Result c = new SimulatedCluster(net, CodedTrainingConfig.builder().workers(2)
                .policy(CodedTrainingConfig.Policy.ASYNC).frame(CodedTrainingConfig.FrameKind.COUNT_SKETCH)
                .compression(8).build(), ONE_SECOND_PER_EXAMPLE, StragglerModel.none()).run(d, 1);
        SimulatedCluster.Result v = new SimulatedCluster(net, vanilla(CodedTrainingConfig.Policy.ASYNC).build(),
                ONE_SECOND_PER_EXAMPLE, StragglerModel.none()).run(d, 1);
        assertEquals(6, c.records().size());
        // Blocks W0 (48), b0 (6), W1 (18), b1 (3) at 8x: 6 + 1 + 3 + 1 symbols. A push is its header
        // and 4 codewords; an entry is the update's header, one group and 4 blocks.
        long push = 28 + 4 * 8 + 4 * 11;
        long entry = Update.HEADER_BYTES + 12 + 4 * 8 + 4 * 11;
        assertEquals(6 * push, c.bytesUp());
        assertTrue(entry <= 2 * push, "an entry is at most two pushes");
        // Both workers push at 2 and 4. Worker 0 takes its next job after the first arrival of a pair,
        // worker 1 after the second: jobs 3..6 pull 1, 2, 2 and 2 entries.
        assertEquals(7 * entry, c.bytesDown());
        assertEquals(2 * 2 * dense, v.bytesDown()); // jobs 3..6 pull the parameters once each
        assertTrue(c.bytesDown() < v.bytesDown(), c.bytesDown() + " vs " + v.bytesDown()); // 75 parameters: headers weigh
    }

    @Test
    void aRunStopsAtItsTargetOrAtItsTimeLimit() {
        // Updates at 2, 4, 6, ... (free network, 2 examples per worker). Evaluated every 2 updates.
        List<DataSet> d = data(6, 4, DataType.FLOAT, 1);
        SimulatedCluster c = new SimulatedCluster(mlp(DataType.FLOAT), vanilla(CodedTrainingConfig.Policy.SYNC).build(),
                ONE_SECOND_PER_EXAMPLE, StragglerModel.none());
        SimulatedCluster.Result target = c.evaluateEveryUpdates(2, n -> n.getIterationCount())
                .stopWhen(v -> v >= 4).run(d, 1);
        assertEquals(4, target.records().size());
        assertEquals(List.of(new SimulatedCluster.EvalPoint(4, 2, 2), new SimulatedCluster.EvalPoint(8, 4, 4)),
                target.evaluations());
        assertTrue(target.stoppedEarly());
        SimulatedCluster.Result limited = c.stopWhen(null).timeLimit(7).run(d, 1);
        assertEquals(3, limited.records().size());
        assertEquals(7, limited.endTime(), 1e-12);
        assertEquals(new SimulatedCluster.EvalPoint(7, 3, 3), limited.evaluations().get(limited.evaluations().size() - 1));
        assertTrue(limited.stoppedEarly());
        assertTrue(!c.timeLimit(100).run(d, 1).stoppedEarly());
    }

    @Test
    void calibrationMeasuresPositiveFiniteCostsPerEngine() {
        MultiLayerNetwork net = mlp(DataType.FLOAT);
        DataSet shard = data(1, 8, DataType.FLOAT, 5).get(0);
        ComputeCalibration cal = new ComputeCalibration(1, 2, 0);
        List<ComputeCalibration.Measurement> ms = List.of(
                cal.worker(net, vanilla(CodedTrainingConfig.Policy.SYNC).build(), shard),
                cal.worker(net, CodedTrainingConfig.builder().workers(2).build(), shard),
                cal.forwardMode(net, shard, 1),
                cal.forwardMode(net, shard, 4));
        for (ComputeCalibration.Measurement m : ms) {
            assertTrue(m.perSampleSeconds() > 0 && Double.isFinite(m.perSampleSeconds()), m.toString());
            assertEquals(8, m.batch());
            assertTrue(m.reps() >= 2);
        }
        assertEquals("backprop", ms.get(0).engine());
        assertEquals("reverse-then-project", ms.get(1).engine());
        assertEquals(4, ms.get(3).tangents());
        assertThrows(IllegalArgumentException.class, () -> cal.forwardMode(net, shard, 0));
    }

    @Test
    void codedMessagesHoldTheServerLinkForLessTime() {
        // A slow server link (one dense message per second, no compute cost): the coded run's
        // smaller pushes finish sooner, and the bytes agree with what the codec put on the wire.
        MultiLayerNetwork net = mlp(DataType.FLOAT);
        long dense = 28 + 4 * net.numParams();
        CostModel cost = new CostModel(0, Double.POSITIVE_INFINITY, dense, 0);
        List<DataSet> d = data(4, 8, DataType.FLOAT, 3);
        SimulatedCluster.Result v = new SimulatedCluster(net, vanilla(CodedTrainingConfig.Policy.ASYNC).build(),
                cost, StragglerModel.none()).run(d, 1);
        SimulatedCluster.Result c = new SimulatedCluster(net, CodedTrainingConfig.builder().workers(2)
                .policy(CodedTrainingConfig.Policy.ASYNC).frame(CodedTrainingConfig.FrameKind.COUNT_SKETCH)
                .compression(8).build(), cost, StragglerModel.none()).run(d, 1);
        assertEquals(8.0, v.endTime(), 1e-12); // 8 pushes, one second of link each
        assertEquals(8, c.records().size());
        assertTrue(c.bytesUp() * 3 < v.bytesUp(), c.bytesUp() + " vs " + v.bytesUp());
        assertEquals(c.bytesUp() / (double) dense, c.endTime(), 1e-9);
    }
}

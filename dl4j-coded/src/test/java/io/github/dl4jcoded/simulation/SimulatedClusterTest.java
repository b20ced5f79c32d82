package io.github.dl4jcoded.simulation;

import io.github.dl4jcoded.nn.Network;
import io.github.dl4jcoded.training.CodedTrainingConfig;
import io.github.dl4jcoded.training.server.Update;
import io.github.dl4jcoded.training.server.WireSizes;
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
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Virtual-time semantics on tiny hand-checked cases. Unless a test says otherwise: 1 virtual
 * second per example, minibatches of 4 split into 2 examples per worker, a free network.
 */
class SimulatedClusterTest {
    private static final CostModel ONE_SECOND_PER_EXAMPLE = CostModel.computeOnly(1.0);

    static MultiLayerNetwork mlp(DataType dt) {
        return mlp(dt, 6);
    }

    static MultiLayerNetwork mlp(DataType dt, int hidden) {
        MultiLayerNetwork n = new MultiLayerNetwork(new NeuralNetConfiguration.Builder()
                .seed(3).dataType(dt).updater(new Adam(1e-2))
                .list()
                .layer(new DenseLayer.Builder().nIn(8).nOut(hidden).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(hidden).nOut(3)
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

    /** Vanilla training; ASYNC steps on every answer (cadence 1) with 1 / (1 + staleness), as these cases were worked out. */
    /** Two vanilla workers; ASYNC as hand-checked below: eager jobs, a step every answer (every answer counts). */
    private static CodedTrainingConfig.Builder vanilla(CodedTrainingConfig.Policy p) {
        return CodedTrainingConfig.builder().vanilla().workers(2).policy(p).cadence(1)
                .cadenceRule(CodedTrainingConfig.CadenceRule.ALL).freshJobs(false)
                .stalenessRule(CodedTrainingConfig.StalenessRule.INVERSE);
    }

    private static double[] times(SimulatedCluster.Result r) {
        return r.records().stream().mapToDouble(SimulatedCluster.Record::time).toArray();
    }

    private static long[] staleness(SimulatedCluster.Result r) {
        return r.records().stream().mapToLong(SimulatedCluster.Record::staleness).toArray();
    }

    @Test
    void aSynchronousStepWaitsForItsSlowestWorker() {
        // Worker 1 is 3x slower. Its job reaches it at 0.5 (latency), it finishes at 6.5, its push
        // arrives at 7; the next round starts then, its job and the new parameters reach the
        // workers at 7.5, and worker 1's push arrives at 7.5 + 6 + 0.5.
        CostModel cost = new CostModel(1.0, Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY, 0.5);
        SimulatedCluster.Result r = new SimulatedCluster(mlp(DataType.FLOAT), vanilla(CodedTrainingConfig.Policy.SYNC).build(),
                cost, StragglerModel.slowWorkers(3, false, true)).run(data(2, 4, DataType.FLOAT, 1), 1);
        assertArrayEquals(new double[]{7, 14}, times(r), 1e-12);
        assertEquals(4, r.messages());
        assertEquals(0, r.late());
    }

    @Test
    void aRoundWaitsForTheServersOwnWorkInOrder() {
        // 1 s per example, free network; the server's CPU takes 0.25 s per message and 1 s per update.
        // Round 0: both pushes arrive at 2, are taken in at 2.25 and 2.5; the update is made 2.5-3.5.
        // Round 1 starts at 3.5: arrivals at 5.5, taken in by 6, applied at 7.
        CostModel cost = CostModel.computeOnly(1.0).withServer(0.25, 1.0);
        SimulatedCluster.Result r = new SimulatedCluster(mlp(DataType.FLOAT), vanilla(CodedTrainingConfig.Policy.SYNC).build(),
                cost, StragglerModel.none()).run(data(2, 4, DataType.FLOAT, 1), 1);
        assertArrayEquals(new double[]{3.5, 7}, times(r), 1e-12);
        assertEquals(4 * 0.25 + 2 * 1.0, r.serverBusySeconds(), 1e-12);

        // ASYNC: two answers arrive together at 2; the server makes their updates one after the other.
        SimulatedCluster.Result a = new SimulatedCluster(mlp(DataType.FLOAT), vanilla(CodedTrainingConfig.Policy.ASYNC).build(),
                CostModel.computeOnly(1.0).withServer(0, 1.0), StragglerModel.none()).run(data(1, 4, DataType.FLOAT, 1), 1);
        assertArrayEquals(new double[]{3, 4}, times(a), 1e-12);
    }

    @Test
    void aCodedWorkerReplaysTheEntriesItMissedBeforeComputing() {
        // 1 s per example, free network, 0.5 s per replayed entry; worker 1 is 3x slower, in its
        // replay too. Round 0 (no entries yet): applied at 6 when worker 1 is done. Round 1: worker 0
        // replays one entry (6.5) and computes to 8.5; worker 1 replays it in 1.5 s and computes
        // 7.5-13.5: applied at 13.5.
        CostModel cost = CostModel.computeOnly(1.0).withReplay(0.5);
        CodedTrainingConfig cfg = CodedTrainingConfig.builder().workers(2).frame(CodedTrainingConfig.FrameKind.COUNT_SKETCH)
                .compression(4).build();
        SimulatedCluster.Result r = new SimulatedCluster(mlp(DataType.FLOAT), cfg, cost, StragglerModel.slowWorkers(3, false, true))
                .run(data(2, 4, DataType.FLOAT, 1), 1);
        assertArrayEquals(new double[]{6, 13.5}, times(r), 1e-12);
        assertEquals(0.5 + 1.5, r.replaySeconds(), 1e-12);

        // A vanilla worker pulls the parameters instead and replays nothing.
        SimulatedCluster.Result v = new SimulatedCluster(mlp(DataType.FLOAT), vanilla(CodedTrainingConfig.Policy.SYNC).build(),
                cost, StragglerModel.slowWorkers(3, false, true)).run(data(2, 4, DataType.FLOAT, 1), 1);
        assertArrayEquals(new double[]{6, 12}, times(v), 1e-12);
        assertEquals(0, v.replaySeconds());
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
    void anAsynchronousStepFoldsTheAnswersThatArrivedSinceTheLastOne() {
        // As above (worker 1 2.5x slower, jobs of 2 examples), with a step every 2 answers: j0 (2) and
        // j2 (4) make step 1 at 4; j1 (5, read v0: staleness 1) and j3 (6) make step 2 at 6; j5 (8)
        // and j4 (10, read v1 at 5: staleness 1) make step 3 at 10. A step's staleness is its largest.
        CodedTrainingConfig cfg = vanilla(CodedTrainingConfig.Policy.ASYNC).cadence(2).build();
        SimulatedCluster.Result r = new SimulatedCluster(mlp(DataType.FLOAT), cfg, ONE_SECOND_PER_EXAMPLE,
                StragglerModel.slowWorkers(2.5, false, true)).run(data(3, 4, DataType.FLOAT, 1), 1);
        assertArrayEquals(new double[]{4, 6, 10}, times(r), 1e-12);
        assertArrayEquals(new long[]{0, 1, 1}, staleness(r));
        assertEquals(6, r.messages());

        // A seventh answer (a fourth batch of one example... here: one more job) is folded at the end of the run.
        SimulatedCluster.Result odd = new SimulatedCluster(mlp(DataType.FLOAT), cfg, ONE_SECOND_PER_EXAMPLE,
                StragglerModel.none()).run(data(3, 3, DataType.FLOAT, 1), 1);
        assertEquals(3, odd.records().size(), "6 answers: 3 steps");
        SimulatedCluster.Result one = new SimulatedCluster(mlp(DataType.FLOAT), cfg.toBuilder().cadence(4).build(),
                ONE_SECOND_PER_EXAMPLE, StragglerModel.none()).run(data(3, 4, DataType.FLOAT, 1), 1);
        assertEquals(2, one.records().size(), "6 answers, a step every 4: one step, and the last 2 answers folded at the end");
    }

    @Test
    void withTheDefaultsOnlyFreshAnswersCountAndLateOnesRideAlong() {
        // Fresh jobs, a step every fresh answer (cadence 1), worker 1 2.5x slower, jobs of 2 examples:
        // j0 (w0, v0) arrives at 2: step 1; j2 (w0, v1) at 4: step 2; j1 (w1, read v0) arrives at 5,
        // two versions late: it counts for nothing and waits, while w1 takes j4 at v2; j3 (w0, v2) at 6
        // makes step 3 with j1 in it; j5 (v3) at 8: step 4; j4 (read v2) at 10 is late, the last
        // answer of the run: folded at the end.
        CodedTrainingConfig cfg = CodedTrainingConfig.builder().vanilla().workers(2).policy(CodedTrainingConfig.Policy.ASYNC)
                .cadence(1).stalenessRule(CodedTrainingConfig.StalenessRule.INVERSE).build();
        assertEquals(CodedTrainingConfig.CadenceRule.FRESH, cfg.cadenceRule());
        assertTrue(cfg.freshJobs());
        SimulatedCluster.Result r = new SimulatedCluster(mlp(DataType.FLOAT), cfg, ONE_SECOND_PER_EXAMPLE,
                StragglerModel.slowWorkers(2.5, false, true)).run(data(3, 4, DataType.FLOAT, 1), 1);
        assertArrayEquals(new double[]{2, 4, 6, 8, 10}, times(r), 1e-12);
        assertArrayEquals(new long[]{0, 0, 2, 0, 2}, staleness(r));
        assertEquals(6, r.messages());

        // A step of every worker's fresh answer, with fresh jobs, is a synchronous round: w0 waits for w1.
        SimulatedCluster.Result all = new SimulatedCluster(mlp(DataType.FLOAT), cfg.toBuilder().cadence(2).build(),
                ONE_SECOND_PER_EXAMPLE, StragglerModel.slowWorkers(2.5, false, true)).run(data(3, 4, DataType.FLOAT, 1), 1);
        assertArrayEquals(new double[]{5, 10, 15}, times(all), 1e-12);
    }

    @Test
    void anAsynchronousEpochDoesNotWaitForThePreviousEpochsSlowestJob() {
        // One minibatch of 4 (two jobs of 2 examples) per epoch, two epochs, worker 1 2.5x slower.
        // As the cluster server hands out jobs: w0 runs j0 0-2, then the next epoch's j2 2-4 and j3
        // 4-6 while w1 still runs j1 0-5. With a barrier at the epoch's end w0 would idle from 2 to 5
        // and the run would end at 10 (j2 5-7 on w0, j3 5-10 on w1).
        SimulatedCluster.Result r = new SimulatedCluster(mlp(DataType.FLOAT), vanilla(CodedTrainingConfig.Policy.ASYNC).build(),
                ONE_SECOND_PER_EXAMPLE, StragglerModel.slowWorkers(2.5, false, true)).run(data(1, 4, DataType.FLOAT, 1), 2);
        assertArrayEquals(new double[]{2, 4, 5, 6}, times(r), 1e-12);
        assertEquals(2, r.network().getEpochCount());

        // Epochs end in order: w1 (10x slower) holds epoch 0's j1 until 20, after epoch 1's jobs are done at 6.
        SimulatedCluster.Result slow = new SimulatedCluster(mlp(DataType.FLOAT), vanilla(CodedTrainingConfig.Policy.ASYNC).build(),
                ONE_SECOND_PER_EXAMPLE, StragglerModel.slowWorkers(10, false, true)).run(data(1, 4, DataType.FLOAT, 1), 2);
        assertArrayEquals(new double[]{2, 4, 6, 20}, times(slow), 1e-12);
        assertEquals(2, slow.network().getEpochCount());
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
        // The server's link carries one dense message per second. The jobs (j seconds of it each) reach
        // the workers at j + 0.5 and 2j + 0.5; their pushes leave at j + 2.5 and 2j + 2.5, each needs
        // 1 s of the server link, FIFO: arrivals at j + 3.5 + 0.5 and j + 4.5 + 0.5.
        MultiLayerNetwork net = mlp(DataType.FLOAT);
        long bytes = 28 + 4 * net.numParams(); // one dense float32 message
        double j = WireSizes.job(2) / (double) bytes;
        CostModel cost = new CostModel(1.0, Double.POSITIVE_INFINITY, bytes, 0.5);
        SimulatedCluster.Result async = new SimulatedCluster(net, vanilla(CodedTrainingConfig.Policy.ASYNC).build(),
                cost, StragglerModel.none()).run(data(1, 4, DataType.FLOAT, 1), 1);
        assertArrayEquals(new double[]{j + 4, j + 5}, times(async), 1e-12);
        assertEquals(2 * bytes, async.bytesUp());
        SimulatedCluster.Result sync = new SimulatedCluster(net, vanilla(CodedTrainingConfig.Policy.SYNC).build(),
                cost, StragglerModel.none()).run(data(1, 4, DataType.FLOAT, 1), 1);
        assertArrayEquals(new double[]{j + 5}, times(sync), 1e-12);
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

    /** Issue 15 in the simulator: a batch-normalized residual graph, lossless, equals plain fit, running statistics included. */
    @Test
    void aBatchNormalizedGraphTrainsInTheSimulatorAsPlainFitDoes() {
        List<DataSet> d = io.github.dl4jcoded.training.local.LocalTrainerTest.data(10, 8, DataType.DOUBLE, 1);
        org.deeplearning4j.nn.graph.ComputationGraph plain = io.github.dl4jcoded.training.local.GraphTrainingTest
                .residualGraph(new org.nd4j.linalg.learning.config.Adam(1e-2), DataType.DOUBLE, 5);
        org.deeplearning4j.nn.graph.ComputationGraph start = io.github.dl4jcoded.training.local.GraphTrainingTest
                .residualGraph(new org.nd4j.linalg.learning.config.Adam(1e-2), DataType.DOUBLE, 5);
        for (DataSet ds : d) {
            plain.fit(ds);
        }
        for (CodedTrainingConfig cfg : List.of(CodedTrainingConfig.builder().workers(1).lossless().build(),
                CodedTrainingConfig.builder().workers(1).vanilla().build())) {
            SimulatedCluster.Result sim = new SimulatedCluster(start, cfg, ONE_SECOND_PER_EXAMPLE, StragglerModel.none()).run(d, 1);
            assertTrue(sim.network().isGraph());
            assertEquals(10, sim.network().getIterationCount());
            INDArray diff = plain.params().sub(sim.network().params());
            double rel = diff.norm2Number().doubleValue() / plain.params().norm2Number().doubleValue();
            assertTrue(rel < 1e-5, cfg.mode() + ": relative difference to plain fit " + rel);
        }
    }

    @Test
    void evaluationsSeeTheNetworkAsItWasAtTheirTime() {
        // Updates at 7 and 14; evaluating every 5 s sees 0 updates at 5, 1 at 10, and the end.
        CostModel cost = new CostModel(1.0, Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY, 0.5);
        SimulatedCluster.Result r = new SimulatedCluster(mlp(DataType.FLOAT), vanilla(CodedTrainingConfig.Policy.SYNC).build(),
                cost, StragglerModel.slowWorkers(3, false, true))
                .evaluateEvery(5, n -> n.getIterationCount())
                .run(data(2, 4, DataType.FLOAT, 1), 1);
        assertEquals(List.of(new SimulatedCluster.EvalPoint(5, 0, 0), new SimulatedCluster.EvalPoint(10, 1, 1),
                new SimulatedCluster.EvalPoint(14, 2, 2)), r.evaluations());
    }

    @Test
    void workersPullTheNewParametersOverTheSharedServerLinkBeforeComputing() {
        // Server link: one dense message per second each way, no latency; 1 s per example; a job
        // takes j s of the outbound link. Round 0: the jobs reach the workers at j and 2j, they
        // finish at j + 2 and 2j + 2, the pushes queue on the inbound link: arrivals j + 3 and
        // j + 4 = t1, applied then. Round 1 at t1: each worker pulls its job and the parameters
        // (1 + j s, FIFO): worker 0 holds them at t1 + 1 + j, worker 1 at t1 + 2 + 2j; they finish at
        // t1 + 3 + j and t1 + 4 + 2j; the pushes take the inbound link until t1 + 4 + j and
        // t1 + 5 + 2j: applied at 9 + 3j.
        MultiLayerNetwork net = mlp(DataType.FLOAT);
        long dense = 28 + 4 * net.numParams();
        long job = WireSizes.job(2);
        double j = job / (double) dense;
        CostModel cost = new CostModel(1.0, Double.POSITIVE_INFINITY, dense, 0);
        SimulatedCluster.Result r = new SimulatedCluster(net, vanilla(CodedTrainingConfig.Policy.SYNC).build(),
                cost, StragglerModel.none()).run(data(2, 4, DataType.FLOAT, 1), 1);
        assertArrayEquals(new double[]{4 + j, 9 + 3 * j}, times(r), 1e-12);
        // The workers' welcomes crossed before the clock started; round 0 pulled only its jobs.
        assertEquals(2 * r.joinWelcomeBytes() + 2 * job, r.records().get(0).bytesDown());
        assertEquals(2 * r.joinWelcomeBytes() + 4 * job + 2 * dense + 2 * WireSizes.FINISHED_BYTES, r.bytesDown());
        assertEquals(4 * dense, r.bytesUp());
        // 75 parameters cost less than the network's configuration: the joins carried the snapshot.
        assertEquals(r.welcomeBytes(), r.joinWelcomeBytes());
    }

    @Test
    void aFreshNetworkJoinsAsItsConfigurationAndARejoinAsItsSnapshot() {
        MultiLayerNetwork wide = mlp(DataType.FLOAT, 2000);
        CodedTrainingConfig cfg = vanilla(CodedTrainingConfig.Policy.SYNC).build();
        SimulatedCluster.Result r = new SimulatedCluster(wide, cfg, ONE_SECOND_PER_EXAMPLE, StragglerModel.none())
                .run(data(2, 4, DataType.FLOAT, 1), 1);
        io.github.dl4jcoded.nn.Network copy = io.github.dl4jcoded.training.ParameterServerSetup.serverCopy(Network.of(wide));
        String seeded = io.github.dl4jcoded.training.server.SeededStart.configuration(copy, cfg,
                io.github.dl4jcoded.training.ParameterServerSetup.codec(copy, cfg), Long.MAX_VALUE);
        assertNotNull(seeded, "the server's copy is what its configuration's seed makes");
        assertEquals(WireSizes.welcome(WireSizes.seededNetwork(seeded), 0, cfg.toJson().getBytes(java.nio.charset.StandardCharsets.UTF_8).length),
                r.joinWelcomeBytes());
        assertTrue(10 * r.joinWelcomeBytes() < r.welcomeBytes(), r.joinWelcomeBytes() + " vs " + r.welcomeBytes());
        assertEquals(2 * r.joinWelcomeBytes(), r.records().get(0).bytesDown() - 2 * WireSizes.job(2));
        // Trained (or edited) weights are not the seed's: no configuration stands in for them.
        io.github.dl4jcoded.nn.Network edited = io.github.dl4jcoded.training.ParameterServerSetup.serverCopy(Network.of(wide));
        edited.params().putScalar(0, 0.5);
        assertNull(io.github.dl4jcoded.training.server.SeededStart.configuration(edited, cfg,
                io.github.dl4jcoded.training.ParameterServerSetup.codec(edited, cfg), Long.MAX_VALUE));
    }

    @Test
    void codedWorkersPullTheCompactUpdateLogInsteadOfParameters() {
        // ASYNC, 2 workers, free network, count-sketch 8x: each update is one accepted message,
        // and a log entry carries its decoded symbols (one message's worth), never the messages.
        MultiLayerNetwork net = mlp(DataType.FLOAT);
        long dense = 28 + 4 * net.numParams();
        List<DataSet> d = data(3, 4, DataType.FLOAT, 3);
        SimulatedCluster.Result c = new SimulatedCluster(net, CodedTrainingConfig.builder().workers(2)
                .policy(CodedTrainingConfig.Policy.ASYNC).cadence(1).cadenceRule(CodedTrainingConfig.CadenceRule.ALL)
                .freshJobs(false).frame(CodedTrainingConfig.FrameKind.COUNT_SKETCH).compression(8).build(), ONE_SECOND_PER_EXAMPLE, StragglerModel.none()).run(d, 1);
        SimulatedCluster.Result v = new SimulatedCluster(net, vanilla(CodedTrainingConfig.Policy.ASYNC).build(),
                ONE_SECOND_PER_EXAMPLE, StragglerModel.none()).run(d, 1);
        assertEquals(6, c.records().size());
        // Blocks W0 (48), b0 (6), W1 (18), b1 (3) at 8x: 6 + 1 + 3 + 1 symbols, in bfloat16 (2 bytes, the
        // default for lossy frames). A push is its header and 4 codewords; an entry is the update's
        // header, one group and 4 blocks.
        long push = 28 + 4 * 8 + 2 * 11;
        long entry = WireSizes.ENTRY_HEADER_BYTES + Update.HEADER_BYTES + 12 + 4 * 8 + 2 * 11;
        long fixed = 2 * c.joinWelcomeBytes() + 6 * WireSizes.job(2) + 2 * WireSizes.FINISHED_BYTES; // joins, jobs, the end
        assertEquals(6 * push, c.bytesUp());
        assertTrue(entry <= 2 * push, "an entry is at most two pushes");
        // Both workers push at 2 and 4. A worker is given its next job once its answer is in, and both
        // answers of a pair arrive at the same instant and are each applied before either worker
        // takes its next job: jobs 3..6 pull 2 entries each.
        assertEquals(fixed + 8 * entry, c.bytesDown());
        assertEquals(2 * v.joinWelcomeBytes() + 6 * WireSizes.job(2) + 2 * WireSizes.FINISHED_BYTES + 2 * 2 * dense,
                v.bytesDown()); // jobs 3..6 pull the parameters once each
        assertTrue(c.bytesDown() - fixed < v.bytesDown() - fixed, c.bytesDown() + " vs " + v.bytesDown()); // 75 parameters: headers weigh
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
    void calibrationMeasuresEveryCostWithItsSpreadAndNeverPricesACodedJobBelowItsBackprop() {
        MultiLayerNetwork net = mlp(DataType.FLOAT);
        DataSet shard = data(1, 8, DataType.FLOAT, 5).get(0);
        ComputeCalibration cal = new ComputeCalibration(1, 3, 0);
        ComputeCalibration.Costs vanilla = cal.costs(Network.of(net), vanilla(CodedTrainingConfig.Policy.SYNC).build(), shard);
        ComputeCalibration.Costs coded = cal.costs(Network.of(net), CodedTrainingConfig.builder().workers(2).build(), shard);
        ComputeCalibration.Costs async = cal.costs(Network.of(net), CodedTrainingConfig.builder().workers(2)
                .frame(CodedTrainingConfig.FrameKind.COUNT_SKETCH).policy(CodedTrainingConfig.Policy.ASYNC).build(), shard);
        for (ComputeCalibration.Costs c : List.of(vanilla, coded, async)) {
            for (ComputeCalibration.Measurement m : c.all()) {
                assertTrue(m.median() > 0 && Double.isFinite(m.median()), m.toString());
                assertTrue(m.low() <= m.median() && m.median() <= m.high(), m.toString());
                assertTrue(m.reps() >= 3, m.toString());
            }
        }
        assertEquals("backprop", vanilla.perExample().what());
        assertEquals(8, vanilla.perExample().batch());
        assertEquals(null, vanilla.perJob(), "a vanilla worker encodes nothing");
        assertTrue(vanilla.replay().median() > 0, "measured, for runs where vanilla workers replay the log too");
        CostModel v = vanilla.on(1e9, 1e9, 0);
        CostModel c = coded.on(1e9, 1e9, 0);
        assertTrue(c.jobSeconds(8) > c.perSampleSeconds() * 8, "a coded job is its backprop plus its encoding");
        assertTrue(c.replaySeconds() > 0 && c.serverUpdateSeconds() > 0 && v.serverUpdateSeconds() > 0);

        ComputeCalibration.Measurement fwd = cal.forwardMode(Network.of(net), shard, 4);
        assertTrue(fwd.median() > 0);
        assertThrows(IllegalArgumentException.class, () -> cal.forwardMode(Network.of(net), shard, 0));
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
                .policy(CodedTrainingConfig.Policy.ASYNC).cadence(1).cadenceRule(CodedTrainingConfig.CadenceRule.ALL)
                .freshJobs(false).frame(CodedTrainingConfig.FrameKind.COUNT_SKETCH).compression(8).build(), cost, StragglerModel.none()).run(d, 1);
        assertTrue(v.endTime() >= 8.0, "8 pushes, one second of the inbound link each: " + v.endTime());
        assertEquals(8, c.records().size());
        assertTrue(c.bytesUp() * 3 < v.bytesUp(), c.bytesUp() + " vs " + v.bytesUp());
        assertTrue(c.endTime() >= c.bytesUp() / (double) dense, "the inbound link was busy that long");
        // Sooner, not 8x sooner: on this 75-parameter net a log entry's headers weigh half a dense
        // message, and each coded job pulls the entries it missed over the same slow link.
        assertTrue(c.endTime() < v.endTime(), c.endTime() + " vs " + v.endTime());
    }
}

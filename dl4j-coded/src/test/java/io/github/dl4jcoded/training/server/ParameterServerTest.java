package io.github.dl4jcoded.training.server;

import io.github.dl4jcoded.nn.Network;
import io.github.dl4jcoded.cluster.ReplicaChecksum;
import io.github.dl4jcoded.decode.Codeword;
import io.github.dl4jcoded.training.CodedTrainingConfig;
import io.github.dl4jcoded.training.ParameterServerSetup;
import io.github.dl4jcoded.training.RejectReason;
import io.github.dl4jcoded.training.WorkerMessage;
import io.github.dl4jcoded.training.local.LocalTrainerTest;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The parameter-server core on its own: every rule, with no threads, clocks or transport around it. */
class ParameterServerTest {
    private static final List<DataSet> DATA = LocalTrainerTest.data(4, 8, DataType.FLOAT, 21);

    private static MultiLayerNetwork net() {
        MultiLayerNetwork n = new MultiLayerNetwork(LocalTrainerTest.cnn(new Adam(1e-2), DataType.FLOAT));
        n.init();
        return n;
    }

    private static CodedTrainingConfig.Builder coded(int workers) {
        return CodedTrainingConfig.builder().workers(workers).frame(CodedTrainingConfig.FrameKind.COUNT_SKETCH).compression(4)
                .errorFeedback(false).seed(3);
    }

    /** Worker {@code w}'s answer to {@code round} on its share, computed against the core's current parameters. */
    private static WorkerMessage answer(ParameterServer core, int w, long round, DataSet shard) {
        Network replica = ParameterServerSetup.replica(core.network());
        return core.codec().workerSide(w).compute(replica, shard, round, core.version()).asSent();
    }

    private static WorkerMessage with(WorkerMessage m, long round, long version, int worker, int examples, double loss,
                                      List<Codeword> codewords) {
        return new WorkerMessage(round, version, worker, examples, loss, codewords, m.dense(), m.precision());
    }

    /** Offers {@code bad} and checks that it is refused for {@code reason} and changes nothing but its job's bookkeeping. */
    private static void assertRefused(RejectReason reason, ParameterServer core, int worker, WorkerMessage bad) {
        long before = ReplicaChecksum.of(core.network());
        long version = core.version();
        ParameterServer.Verdict v = core.offer(worker, bad);
        assertEquals(reason, v.reason(), String.valueOf(v.detail()));
        assertEquals(before, ReplicaChecksum.of(core.network()), "a refused message changed the network");
        assertEquals(version, core.version());
        assertTrue(core.stats().refusedByReason().get(reason) >= 1);
    }

    private ParameterServer syncRound(CodedTrainingConfig cfg) {
        ParameterServer core = ParameterServer.forNetwork(net(), cfg);
        core.openRound(0, new int[]{0, 1}, new int[]{8, 8}, 10.0);
        return core;
    }

    @Test
    void everyReasonIsDecidedInTheCoreAndARefusalChangesNothing() {
        CodedTrainingConfig cfg = coded(2).build();
        ParameterServer core = syncRound(cfg);
        WorkerMessage good = answer(core, 0, 0, DATA.get(0));

        assertRefused(RejectReason.MALFORMED, core, 0, null);
        assertRefused(RejectReason.MALFORMED, core, 7, good);                                    // no such worker
        assertRefused(RejectReason.MALFORMED, core, 1, good);                                    // claims another sender
        assertRefused(RejectReason.UNKNOWN_ROUND, core, 0, with(good, 5, 0, 0, 8, good.loss(), good.codewords()));
        assertRefused(RejectReason.MALFORMED, core, 0, with(good, 0, 0, 0, 9, good.loss(), good.codewords()));
        // that answer ended worker 0's job: the good one is now a replay
        assertRefused(RejectReason.REPLAY, core, 0, good);

        core = syncRound(cfg);
        assertRefused(RejectReason.NON_FINITE, core, 0, with(good, 0, 0, 0, 8, Double.NaN, good.codewords()));
        core = syncRound(cfg);
        assertRefused(RejectReason.MALFORMED, core, 0, with(good, 0, 1, 0, 8, good.loss(), good.codewords())); // a future version
        core = syncRound(cfg);
        List<Codeword> nan = new ArrayList<>(good.codewords());
        Codeword c = nan.get(0);
        double[] sym = c.symbols();
        sym[0] = Double.POSITIVE_INFINITY;
        nan.set(0, new Codeword(c.step(), c.task(), c.frameTag(), c.blocks(), c.coefficients(), sym));
        assertRefused(RejectReason.NON_FINITE, core, 0, with(good, 0, 0, 0, 8, good.loss(), nan));
        core = syncRound(cfg);
        List<Codeword> wrongFrame = List.of(new Codeword(c.step(), c.task(), c.frameTag() + 1, c.blocks(), c.coefficients(), c.symbols()));
        assertRefused(RejectReason.WRONG_FRAME, core, 0, with(good, 0, 0, 0, 8, good.loss(), wrongFrame));
        core = syncRound(cfg);
        WorkerMessage other = answer(core, 1, 0, DATA.get(0));
        assertRefused(RejectReason.UNKNOWN_TASK, core, 0, with(good, 0, 0, 0, 8, good.loss(), other.codewords()));
        core = syncRound(cfg);
        List<Codeword> twice = new ArrayList<>(good.codewords());
        twice.add(good.codewords().get(0));
        assertRefused(RejectReason.MALFORMED, core, 0, with(good, 0, 0, 0, 8, good.loss(), twice));
        core = syncRound(cfg);
        assertRefused(RejectReason.MALFORMED, core, 0, with(good, 0, 0, 0, 8, good.loss(), List.of()));

        // LATE: its round closed without it. STALE: computed too many updates ago (ASYNC).
        core = syncRound(cfg);
        assertTrue(core.isDue(10.0), "the deadline passed");
        core.apply(core.close());
        assertRefused(RejectReason.LATE, core, 0, good);

        ParameterServer async = ParameterServer.forNetwork(net(), coded(2).policy(CodedTrainingConfig.Policy.ASYNC)
                .stalenessBound(0).cadence(1).build());
        async.issueJob(0, 0, 8);
        async.issueJob(1, 1, 8);
        WorkerMessage a0 = answer(async, 0, 0, DATA.get(0));
        WorkerMessage a1 = answer(async, 1, 1, DATA.get(1));
        assertTrue(async.offer(0, a0).accepted());
        async.apply(async.close());
        assertRefused(RejectReason.STALE, async, 1, a1);
        assertEquals(1, async.stats().stale());
    }

    @Test
    void aDenseServerRefusesWhatIsNotADenseGradientOfTheRightLength() {
        CodedTrainingConfig cfg = CodedTrainingConfig.builder().workers(2).vanilla().build();
        ParameterServer core = syncRound(cfg);
        WorkerMessage good = answer(core, 0, 0, DATA.get(0));
        double[] g = good.dense().clone();
        g[5] = Double.NaN;
        assertRefused(RejectReason.NON_FINITE, core, 0, new WorkerMessage(0, 0, 0, 8, good.loss(), List.of(), g));
        core = syncRound(cfg);
        assertRefused(RejectReason.MALFORMED, core, 0, new WorkerMessage(0, 0, 0, 8, good.loss(), List.of(),
                java.util.Arrays.copyOf(good.dense(), 3)));
        core = syncRound(cfg);
        assertRefused(RejectReason.MALFORMED, core, 0, new WorkerMessage(0, 0, 0, 8, good.loss(), List.of(), null));
    }

    /**
     * Batch normalization's running statistics travel beside the codewords: the core refuses a
     * message without them, with the wrong count or with a NaN, and applies the example-weighted
     * mean of the accepted messages' steps into the running statistics' slots.
     */
    @Test
    void runningStatisticsAreCheckedAndTheirExampleWeightedMeanIsApplied() {
        org.deeplearning4j.nn.graph.ComputationGraph g = io.github.dl4jcoded.training.local.GraphTrainingTest.residualGraph(
                new org.nd4j.linalg.learning.config.Sgd(0.1), org.nd4j.linalg.api.buffer.DataType.FLOAT, 5);
        CodedTrainingConfig cfg = coded(2).build();
        List<DataSet> shards = io.github.dl4jcoded.training.local.LocalTrainerTest.data(2, 8, org.nd4j.linalg.api.buffer.DataType.FLOAT, 4);
        java.util.function.Supplier<ParameterServer> round = () -> {
            ParameterServer c = ParameterServer.forNetwork(g, cfg);
            c.openRound(0, new int[]{0, 1}, new int[]{8, 8}, 10.0);
            return c;
        };
        ParameterServer core = round.get();
        WorkerMessage good = answer(core, 0, 0, shards.get(0));
        int n = good.runningStatistics().length;
        assertEquals(io.github.dl4jcoded.nn.RunningStatistics.length(io.github.dl4jcoded.nn.ParamLayout.of(core.network())), n);
        assertEquals(24, n, "3 batch-normalization layers of 4 channels, mean and variance");
        assertRefused(RejectReason.MALFORMED, core, 0, new WorkerMessage(0, 0, 0, 8, good.loss(), good.codewords(), null,
                good.precision(), null));
        core = round.get();
        assertRefused(RejectReason.MALFORMED, core, 0, new WorkerMessage(0, 0, 0, 8, good.loss(), good.codewords(), null,
                good.precision(), java.util.Arrays.copyOf(good.runningStatistics(), n - 1)));
        core = round.get();
        double[] nan = good.runningStatistics().clone();
        nan[3] = Double.NaN;
        assertRefused(RejectReason.NON_FINITE, core, 0, new WorkerMessage(0, 0, 0, 8, good.loss(), good.codewords(), null,
                good.precision(), nan));

        core = round.get();
        WorkerMessage a = answer(core, 0, 0, shards.get(0));
        WorkerMessage b = answer(core, 1, 0, (DataSet) shards.get(1).get(new int[]{0, 1, 2, 3}));
        b = new WorkerMessage(0, 0, 1, 4, b.loss(), b.codewords(), null, b.precision(), b.runningStatistics());
        ParameterServer both = ParameterServer.forNetwork(g, cfg);
        both.openRound(0, new int[]{0, 1}, new int[]{8, 4}, 10.0);
        assertTrue(both.offer(0, a).accepted());
        assertTrue(both.offer(1, b).accepted());
        Update u = both.close();
        io.github.dl4jcoded.nn.ParamLayout layout = io.github.dl4jcoded.nn.ParamLayout.of(both.network());
        double[] before = io.github.dl4jcoded.nn.RunningStatistics.read(layout, both.network().params());
        both.apply(u);
        double[] after = io.github.dl4jcoded.nn.RunningStatistics.read(layout, both.network().params());
        for (int i = 0; i < n; i++) {
            double mean = (float) ((8 * a.runningStatistics()[i] + 4 * b.runningStatistics()[i]) / 12);
            assertEquals(mean, u.runningStatistics()[i], 0.0, "example-weighted mean, in float32");
            assertEquals((float) (before[i] - mean), after[i], 1e-6 * Math.max(1, Math.abs(before[i])), "params -= step, at " + i);
        }
    }

    @Test
    void aSyncRoundIsDueWhenEveryJobEndedWhenDecodableOrAtItsDeadline() {
        ParameterServer core = syncRound(coded(2).build());
        assertFalse(core.isDue(0));
        assertTrue(core.offer(0, answer(core, 0, 0, DATA.get(0))).accepted());
        assertFalse(core.isDue(9.99), "worker 1 still holds its job");
        core.jobLost(1, 0);
        assertTrue(core.isDue(0), "every job ended: one answered, one lost");
        assertEquals(1, core.stats().lostJobs());

        core = syncRound(coded(2).build());
        assertTrue(core.isDue(10.0), "deadline");
        Update empty = core.close();
        assertFalse(empty.applies());
        core.apply(empty);
        assertEquals(0, core.version());
        assertEquals(1, core.stats().emptyRounds());

        // Backup workers: a round of three closes once two answered.
        ParameterServer backup = ParameterServer.forNetwork(net(), coded(3).backupWorkers(1).build());
        backup.openRound(0, new int[]{0, 1, 2}, new int[]{8, 8, 8}, 10.0);
        assertTrue(backup.offer(0, answer(backup, 0, 0, DATA.get(0))).accepted());
        assertFalse(backup.isDue(0));
        assertTrue(backup.offer(2, answer(backup, 2, 0, DATA.get(1))).accepted());
        assertTrue(backup.isDue(0), "all but one answered");
        Update u = backup.close();
        assertThrows(IllegalStateException.class, backup::close, "the closed update must be applied first");
        backup.apply(u);
        assertEquals(1, backup.version());
        assertEquals(16, u.examples());
        assertFalse(backup.holds(1, 0), "closing the round ended the job it still held");
        assertEquals(RejectReason.LATE, backup.offer(1, answer(backup, 1, 0, DATA.get(2))).reason());
    }

    @Test
    void asyncAnswersAreAppliedOneByOneScaledByStaleness() {
        ParameterServer core = ParameterServer.forNetwork(net(), coded(2).policy(CodedTrainingConfig.Policy.ASYNC).cadence(1)
                .stalenessRule(CodedTrainingConfig.StalenessRule.INVERSE).build());
        core.issueJob(0, 0, 8);
        core.issueJob(1, 1, 8);
        WorkerMessage a0 = answer(core, 0, 0, DATA.get(0));
        WorkerMessage a1 = answer(core, 1, 1, DATA.get(1));
        assertTrue(core.offer(0, a0).accepted());
        Update u0 = core.close();
        core.apply(u0);
        assertTrue(core.offer(1, a1).accepted());
        Update u1 = core.close();
        assertEquals(1.0, u0.scale());
        assertEquals(0.5, u1.scale(), "computed one update ago: 1 / (1 + 1)");
        assertEquals(2, u1.version());
        assertEquals(0, core.jobsHeld(0));
    }

    @Test
    void aReplicaApplyingTheServersUpdatesStaysEqualBitForBit() {
        CodedTrainingConfig cfg = CodedTrainingConfig.builder().workers(2).seed(9).build(); // low-rank history frames
        ParameterServer server = ParameterServer.forNetwork(net(), cfg);
        ParameterServer replica = new ParameterServer(server.network().duplicate(), cfg, 0);
        replica.codec().importState(server.codec().exportState());
        long pushed = 0;
        long pulled = 0;
        for (int round = 0; round < 6; round++) {
            server.openRound(round, new int[]{0, 1}, new int[]{4, 4}, 10.0);
            for (int w = 0; w < 2; w++) {
                WorkerMessage m = answer(server, w, round, (DataSet) DATA.get(round % 4).get(new int[]{4 * w, 4 * w + 1, 4 * w + 2, 4 * w + 3}));
                pushed += m.wireBytes();
                assertTrue(server.offer(w, m).accepted());
            }
            assertTrue(server.isDue(0));
            Update u = server.close();
            server.apply(u);
            replica.apply(u);
            pulled += u.wireBytes();
            assertEquals(ReplicaChecksum.of(server.network()), ReplicaChecksum.of(replica.network()), "round " + round);
        }
        assertTrue(pulled <= pushed, "an update is one message's worth, not every worker's: " + pulled + " vs " + pushed);
        assertThrows(IllegalStateException.class, () -> replica.apply(new Update(0, 3, 1, 0, 1,
                io.github.dl4jcoded.training.DecodedGradient.dense(new double[1], 4))), "not the next version");
    }

    @Test
    void jobsAreRegisteredBeforeTheyAreAnswered() {
        ParameterServer core = ParameterServer.forNetwork(net(), coded(2).policy(CodedTrainingConfig.Policy.ASYNC).build());
        assertThrows(IllegalStateException.class, () -> core.openRound(0, new int[]{0}, new int[]{8}, 1), "ASYNC has no rounds");
        core.issueJob(4, 1, 8);
        assertThrows(IllegalStateException.class, () -> core.issueJob(4, 1, 8), "the same job twice");
        assertThrows(IllegalArgumentException.class, () -> core.issueJob(5, 1, 0), "a job without examples");
        assertTrue(core.holds(1, 4));
        core.workerLeft(1);
        assertFalse(core.holds(1, 4));
        assertEquals(1, core.stats().lostJobs());
        assertEquals(RejectReason.LATE, core.offer(1, answer(core, 1, 4, DATA.get(0))).reason(), "a lost job's answer is late");
    }

    @Test
    void aWorkerIsGivenJobsOneAtATimeAndNoneWhileAway() {
        ParameterServer core = ParameterServer.forNetwork(net(), coded(2).policy(CodedTrainingConfig.Policy.ASYNC).cadence(2)
                .freshJobs(false).build());
        assertTrue(core.readyForJob(0));
        core.issueJob(0, 0, 8);
        assertFalse(core.readyForJob(0), "it holds a job");
        assertTrue(core.offer(0, answer(core, 0, 0, DATA.get(0))).accepted());
        assertTrue(core.readyForJob(0), "its answer is in: it may take the next at once");
        core.workerLeft(1);
        assertFalse(core.readyForJob(1), "gone: no jobs for it");
        assertFalse(core.isDue(0), "one answer of cadence 2, and worker 0 may take another job");
        core.workerJoined(1);
        assertTrue(core.readyForJob(1));
    }

    @Test
    void withFreshJobsAWorkerWaitsForTheStepThatHoldsItsAnswer() {
        ParameterServer core = ParameterServer.forNetwork(net(), coded(2).policy(CodedTrainingConfig.Policy.ASYNC).cadence(2)
                .freshJobs(true).build());
        core.issueJob(0, 0, 8);
        core.issueJob(1, 1, 8);
        assertTrue(core.offer(0, answer(core, 0, 0, DATA.get(0))).accepted());
        assertFalse(core.readyForJob(0), "its answer is not in the parameters yet");
        assertFalse(core.isDue(0), "worker 1 still computes");
        core.workerLeft(1);
        assertTrue(core.isDue(0), "nobody computes and nobody may start: the step is due with one answer");
        core.apply(core.close());
        assertTrue(core.readyForJob(0));
        assertFalse(core.readyForJob(1), "it left");
    }

    @Test
    void asyncAnswersFoldIntoTheNextStepByCadenceAndAStaleOneIsRefused() {
        // Cadence 2, bound 1, 1/(1+s) on the step: a0 and a1 (both read version 0) make step 1;
        // a2 (read 0, arrives at version 1: staleness 1) and a3 (read 1: staleness 0) make step 2
        // with scale (1/2 + 1) / 2; a4 read version 0 and arrives at version 2: refused, and counts for nothing.
        ParameterServer core = ParameterServer.forNetwork(net(), coded(3).policy(CodedTrainingConfig.Policy.ASYNC).cadence(2)
                .stalenessBound(1).stalenessRule(CodedTrainingConfig.StalenessRule.INVERSE).build());
        WorkerMessage a0 = issueAndAnswer(core, 0, 0);
        WorkerMessage a1 = issueAndAnswer(core, 1, 1);
        WorkerMessage a2 = issueAndAnswer(core, 2, 2);
        assertTrue(core.offer(0, a0).accepted());
        assertFalse(core.isDue(0), "one answer of two");
        assertTrue(core.offer(1, a1).accepted());
        assertTrue(core.isDue(0));
        Update u1 = core.close();
        core.apply(u1);
        assertEquals(1.0, u1.scale());
        assertEquals(16, u1.examples());
        WorkerMessage a3 = issueAndAnswer(core, 0, 3);
        WorkerMessage a4 = issueAndAnswer(core, 1, 4);
        WorkerMessage stale = new WorkerMessage(a4.round(), 0, a4.worker(), a4.examples(), a4.loss(), a4.codewords(), null, a4.precision());
        assertTrue(core.offer(2, a2).accepted());
        assertEquals(1, core.accumulated());
        assertFalse(core.isDue(0), "a late answer rides along but does not count toward the cadence (FRESH)");
        assertTrue(core.offer(0, a3).accepted());
        assertFalse(core.isDue(0), "one fresh answer of two");
        Update u2 = core.close();
        core.apply(u2);
        assertEquals((0.5 + 1.0) / 2, u2.scale(), 1e-12);
        assertEquals(2, core.version());
        assertEquals(RejectReason.STALE, core.offer(1, stale).reason());
        assertEquals(0, core.accumulated(), "a refused answer folds into no step");
        assertThrows(IllegalStateException.class, core::close, "nothing accumulated");
    }

    @Test
    void everyAnswerCountsTowardTheCadenceUnderRuleAll() {
        ParameterServer core = ParameterServer.forNetwork(net(), coded(3).policy(CodedTrainingConfig.Policy.ASYNC).cadence(2)
                .cadenceRule(CodedTrainingConfig.CadenceRule.ALL).build());
        WorkerMessage a0 = issueAndAnswer(core, 0, 0);
        WorkerMessage a1 = issueAndAnswer(core, 1, 1);
        WorkerMessage a2 = issueAndAnswer(core, 2, 2);
        assertTrue(core.offer(0, a0).accepted());
        assertTrue(core.offer(1, a1).accepted());
        core.apply(core.close());
        assertTrue(core.offer(2, a2).accepted()); // read version 0, now 1: late
        WorkerMessage a3 = issueAndAnswer(core, 0, 3);
        assertTrue(core.offer(0, a3).accepted());
        assertTrue(core.isDue(0), "a late answer and a fresh one: two answers");
    }

    /** Issues job {@code round} to worker {@code w} and answers it against the core's current parameters. */
    private static WorkerMessage issueAndAnswer(ParameterServer core, int w, long round) {
        core.issueJob(round, w, 8);
        return answer(core, w, round, DATA.get((int) round % DATA.size()));
    }

    @Test
    void asyncReplicasStayEqualUnderEveryStalenessRuleAndLowRankFrames() {
        for (CodedTrainingConfig.StalenessRule rule : CodedTrainingConfig.StalenessRule.values()) {
            CodedTrainingConfig cfg = CodedTrainingConfig.builder().workers(2).seed(5).policy(CodedTrainingConfig.Policy.ASYNC)
                    .cadence(2).framePeriod(2).stalenessRule(rule).dcLambda(0.5).build(); // low-rank history frames
            ParameterServer server = ParameterServer.forNetwork(net(), cfg);
            ParameterServer replica = new ParameterServer(server.network().duplicate(), cfg, 0);
            replica.codec().importState(server.codec().exportState());
            long round = 0;
            for (int step = 0; step < 6; step++) {
                // One worker answers against the current version, the other against the one before (stale by one).
                WorkerMessage fresh = issueAndAnswer(server, 0, round++);
                assertTrue(server.offer(0, fresh).accepted(), rule + " step " + step);
                WorkerMessage late = issueAndAnswer(server, 1, round++);
                if (server.version() > 0) {
                    late = new WorkerMessage(late.round(), server.version() - 1, 1, late.examples(), late.loss(),
                            answer(server, 1, late.round(), DATA.get(step % DATA.size()), server.version() - 1).codewords(), null,
                            late.precision());
                }
                assertTrue(server.offer(1, late).accepted(), rule + " step " + step);
                Update u = server.close();
                if (rule == CodedTrainingConfig.StalenessRule.DC_ASGD && step > 0) {
                    assertTrue(u.referenceVersion() >= 0 && u.referenceVersion() < server.version() + 1);
                }
                server.apply(u);
                replica.apply(u);
                assertEquals(ReplicaChecksum.of(server.network()), ReplicaChecksum.of(replica.network()), rule + " step " + step);
            }
        }
    }

    /** Worker {@code w}'s answer computed as if against {@code version}'s frames (the parameters are the current ones). */
    private static WorkerMessage answer(ParameterServer core, int w, long round, DataSet shard, long version) {
        Network replica = ParameterServerSetup.replica(core.network());
        return core.codec().workerSide(w).compute(replica, shard, round, version).asSent();
    }

    @Test
    void dcAsgdAddsTheDriftTermToTheDecodedGradient() {
        CodedTrainingConfig base = CodedTrainingConfig.builder().workers(1).vanilla().policy(CodedTrainingConfig.Policy.ASYNC)
                .cadence(1).seed(1).build();
        ParameterServer plain = ParameterServer.forNetwork(net(), base.toBuilder().stalenessRule(CodedTrainingConfig.StalenessRule.NONE).build());
        ParameterServer dc = ParameterServer.forNetwork(net(), base.toBuilder().stalenessRule(CodedTrainingConfig.StalenessRule.DC_ASGD)
                .dcLambda(0.5).build());
        // The same first step on both (no drift yet: the compensation is zero).
        for (ParameterServer s : List.of(plain, dc)) {
            s.issueJob(0, 0, 8);
            assertTrue(s.offer(0, answer(s, 0, 0, DATA.get(0))).accepted());
            Update u = s.close();
            assertEquals(s == dc ? 0 : -1, u.referenceVersion());
            s.apply(u);
        }
        assertEquals(ReplicaChecksum.of(plain.network()), ReplicaChecksum.of(dc.network()), "no drift, no compensation");
        // A second answer computed against version 0: dc adds lambda g*g*(theta_1 - theta_0).
        WorkerMessage late = answer(plain, 0, 1, DATA.get(1), 0);
        late = new WorkerMessage(1, 0, 0, late.examples(), late.loss(), List.of(), late.dense());
        double[] theta0 = plain.network().params().toDoubleVector(); // equal on both
        for (ParameterServer s : List.of(plain, dc)) {
            s.issueJob(1, 0, 8);
            assertTrue(s.offer(0, late).accepted());
            Update u = s.close();
            assertEquals(s == dc ? 0 : -1, u.referenceVersion());
            s.apply(u);
        }
        assertFalse(plain.network().params().equalsWithEps(dc.network().params(), 0), "the compensation changed the step");
        assertEquals(theta0.length, dc.network().numParams());
    }
}

package io.github.dl4jcoded.training.local;

import io.github.dl4jcoded.api.CodedTraining;
import io.github.dl4jcoded.training.CodedTrainingConfig;
import io.github.dl4jcoded.training.server.TrainingStats;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.BooleanIndexing;
import org.nd4j.linalg.indexing.conditions.Conditions;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

public class LocalTrainerTest {

    static Stream<IUpdater> updaters() {
        return Stream.of(new Sgd(0.1), new Adam(1e-2));
    }

    public static MultiLayerConfiguration cnn(IUpdater u, DataType dt) {
        return new NeuralNetConfiguration.Builder()
                .seed(5).dataType(dt).updater(u)
                .list()
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(3).activation(Activation.RELU).build())
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build())
                .layer(new DenseLayer.Builder().nOut(10).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.NEGATIVELOGLIKELIHOOD).nOut(3)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutionalFlat(8, 8, 1))
                .build();
    }

    /** A learnable toy problem: the class is which third of the image is bright. */
    public static List<DataSet> data(int batches, int batchSize, DataType dt, long seed) {
        Nd4j.getRandom().setSeed(seed);
        List<DataSet> out = new ArrayList<>();
        for (int b = 0; b < batches; b++) {
            INDArray x = Nd4j.rand(dt, batchSize, 64).muli(0.3);
            INDArray y = Nd4j.zeros(dt, batchSize, 3);
            for (int r = 0; r < batchSize; r++) {
                int c = (b * batchSize + r) % 3;
                for (int p = c * 21; p < c * 21 + 21; p++) {
                    x.putScalar(r, p, x.getDouble(r, p) + 0.7);
                }
                y.putScalar(r, c, 1.0);
            }
            out.add(new DataSet(x, y));
        }
        return out;
    }

    private static MultiLayerNetwork net(MultiLayerConfiguration c) {
        MultiLayerNetwork n = new MultiLayerNetwork(c);
        n.init();
        return n;
    }

    private static double relDiff(INDArray a, INDArray b) {
        return a.sub(b).norm2Number().doubleValue() / a.norm2Number().doubleValue();
    }

    @ParameterizedTest
    @MethodSource("updaters")
    void losslessCodingWithOneWorkerEqualsPlainFitAfter20Steps(IUpdater u) {
        List<DataSet> batches = data(20, 8, DataType.DOUBLE, 1);
        MultiLayerNetwork plain = net(cnn(u, DataType.DOUBLE));
        MultiLayerNetwork coded = net(cnn(u, DataType.DOUBLE));
        coded.setParams(plain.params().dup());
        for (DataSet ds : batches) {
            plain.fit(ds);
        }
        CodedTrainingConfig cfg = CodedTrainingConfig.builder().workers(1).lossless().build();
        try (CodedTraining t = CodedTraining.wrap(coded, cfg)) {
            t.fit(new ListDataSetIterator<>(batches, 1), 1);
            assertEquals(20, t.stats().updates());
            assertEquals(0, t.stats().partialUpdates());
        }
        double rel = relDiff(plain.params(), coded.params());
        assertTrue(rel < 1e-5, "relative difference to plain fit: " + rel);
        assertEquals(20, coded.getIterationCount());
        assertEquals(1, coded.getEpochCount());
    }

    /** Forward-mode workers send the same codewords as backprop-then-project workers. */
    /**
     * A minibatch with a NaN feature is refused and counted (default configuration: error feedback,
     * which would throw on the NaN gradient), every worker lives on, and the next fit trains.
     */
    @Test
    void aNaNMinibatchIsRefusedAndTheWorkersLiveOn() {
        List<DataSet> clean = data(4, 8, DataType.FLOAT, 3);
        List<DataSet> poisoned = data(4, 8, DataType.FLOAT, 4);
        poisoned.get(1).getFeatures().putScalar(2, 5, Double.NaN);
        MultiLayerNetwork net = net(cnn(new Adam(1e-2), DataType.FLOAT));
        try (LocalTrainer t = new LocalTrainer(net, CodedTrainingConfig.builder().workers(2).build())) {
            t.fit(new ListDataSetIterator<>(poisoned, 1), 1);
            assertTrue(t.stats().refusedByReason().getOrDefault(io.github.dl4jcoded.training.RejectReason.NON_FINITE, 0L) >= 1,
                    "the NaN shard is counted: " + t.stats().refusedByReason());
            assertTrue(t.isWorkerAlive(0) && t.isWorkerAlive(1), "both workers live on");
            INDArray before = net.params().dup();
            t.fit(new ListDataSetIterator<>(clean, 1), 1);
            assertTrue(relDiff(before, net.params()) > 0, "the next fit trains");
            assertFalse(net.params().isNaN().any(), "no NaN reached the parameters");
        }
    }

    @Test
    void fitAfterCloseSaysTheTrainerIsClosed() {
        MultiLayerNetwork net = net(cnn(new Adam(1e-2), DataType.FLOAT));
        LocalTrainer t = new LocalTrainer(net, CodedTrainingConfig.builder().workers(2).build());
        t.close();
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> t.fit(new ListDataSetIterator<>(data(2, 8, DataType.FLOAT, 3), 1), 1));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
    }

    @Test
    void forwardModeWorkersTrainLikeReverseModeWorkers() {
        List<DataSet> batches = data(6, 8, DataType.DOUBLE, 8);
        MultiLayerNetwork fwd = net(cnn(new Sgd(0.1), DataType.DOUBLE));
        MultiLayerNetwork rev = net(cnn(new Sgd(0.1), DataType.DOUBLE));
        rev.setParams(fwd.params().dup());
        INDArray initial = fwd.params().dup();
        CodedTrainingConfig.Builder b = CodedTrainingConfig.builder().workers(2)
                .frame(CodedTrainingConfig.FrameKind.COUNT_SKETCH).compression(16).errorFeedback(false);
        try (CodedTraining t = CodedTraining.wrap(fwd, b.engine(CodedTrainingConfig.EngineKind.FORWARD).build())) {
            t.fit(new ListDataSetIterator<>(batches, 1), 1);
        }
        try (CodedTraining t = CodedTraining.wrap(rev, b.engine(CodedTrainingConfig.EngineKind.REVERSE).build())) {
            t.fit(new ListDataSetIterator<>(batches, 1), 1);
        }
        double rel = relDiff(rev.params(), fwd.params());
        assertTrue(rel < 1e-8, "forward vs reverse workers: relative difference " + rel);
        assertTrue(relDiff(initial, fwd.params()) > 1e-3, "training moved the parameters");
    }

    @Test
    void vanillaSynchronousWorkersAverageToTheFullBatchGradient() {
        List<DataSet> batches = data(10, 12, DataType.DOUBLE, 2);
        MultiLayerNetwork plain = net(cnn(new Sgd(0.1), DataType.DOUBLE));
        MultiLayerNetwork ps = net(cnn(new Sgd(0.1), DataType.DOUBLE));
        ps.setParams(plain.params().dup());
        batches.forEach(plain::fit);
        try (CodedTraining t = CodedTraining.wrap(ps, CodedTrainingConfig.builder().vanilla().workers(3).build())) {
            t.fit(new ListDataSetIterator<>(batches, 1), 1);
            assertEquals(30, t.stats().messages());
            assertEquals(1.0, t.stats().compressionVsDense(), 1e-9);
        }
        assertTrue(relDiff(plain.params(), ps.params()) < 1e-9);
    }

    @Test
    void lossyCodedTrainingLearnsAndCompresses() {
        List<DataSet> batches = data(40, 16, DataType.FLOAT, 3);
        MultiLayerNetwork net = net(cnn(new Sgd(0.2), DataType.FLOAT));
        double before = net.score(batches.get(0));
        CodedTrainingConfig cfg = CodedTrainingConfig.builder().workers(2)
                .frame(CodedTrainingConfig.FrameKind.COUNT_SKETCH).compression(4).build();
        try (CodedTraining t = CodedTraining.wrap(net, cfg)) {
            t.fit(new ListDataSetIterator<>(batches, 1), 3);
            assertTrue(t.stats().compressionVsDense() > 3.0, "compression " + t.stats().compressionVsDense());
        }
        double after = net.score(batches.get(0));
        assertTrue(after < 0.6 * before, "loss " + before + " -> " + after);
    }

    @Test
    void lowRankHistoryFramesLearnAtHighCompression() {
        List<DataSet> batches = data(40, 16, DataType.FLOAT, 7);
        MultiLayerNetwork net = net(cnn(new Sgd(0.2), DataType.FLOAT));
        double before = net.score(batches.get(0));
        CodedTrainingConfig cfg = CodedTrainingConfig.builder().workers(2)
                .frame(CodedTrainingConfig.FrameKind.LOW_RANK).compression(8).build();
        try (CodedTraining t = CodedTraining.wrap(net, cfg)) {
            t.fit(new ListDataSetIterator<>(batches, 1), 3);
            // Tiny matrices: the minimum basis of 4 vectors caps the compression here (LeNet reaches 34x at 32).
            assertTrue(t.stats().compressionVsDense() > 2.0, "compression " + t.stats().compressionVsDense());
        }
        assertTrue(net.score(batches.get(0)) < 0.6 * before);

        // Asynchronously too: workers encode with the frames of the version they read.
        MultiLayerNetwork async = net(cnn(new Sgd(0.2), DataType.FLOAT));
        try (CodedTraining t = CodedTraining.wrap(async, cfg.toBuilder().policy(CodedTrainingConfig.Policy.ASYNC).build())) {
            t.fit(new ListDataSetIterator<>(batches, 1), 3);
            assertTrue(t.stats().compressionVsDense() > 2.0, "compression " + t.stats().compressionVsDense());
        }
        assertTrue(async.score(batches.get(0)) < 0.6 * before);
    }

    @Test
    void asyncTrainingDecodesEveryFreshMessageStepsEveryCadenceAndLearns() {
        List<DataSet> batches = data(30, 16, DataType.FLOAT, 4);
        MultiLayerNetwork net = net(cnn(new Sgd(0.2), DataType.FLOAT));
        double before = net.score(batches.get(0));
        CodedTrainingConfig cfg = CodedTrainingConfig.builder().workers(3)
                .frame(CodedTrainingConfig.FrameKind.COUNT_SKETCH).compression(4)
                .policy(CodedTrainingConfig.Policy.ASYNC).cadence(3).cadenceRule(CodedTrainingConfig.CadenceRule.ALL)
                .freshJobs(false).stalenessBound(4).build();
        try (CodedTraining t = CodedTraining.wrap(net, cfg)) {
            t.fit(new ListDataSetIterator<>(batches, 1), 2);
            TrainingStats s = t.stats();
            assertEquals(2 * 30 * 3, s.messages() + s.stale());
            // A step every 3 decoded answers (one per worker), and one more at an epoch's end for its last few.
            assertTrue(s.updates() >= s.messages() / 3 && s.updates() <= s.messages() / 3 + 2, s.toString());
        }
        assertTrue(net.score(batches.get(0)) < 0.6 * before);
    }

    @Test
    void killingAWorkerMidRunDoesNotStopTrainingOrCorruptParameters() {
        List<DataSet> batches = data(30, 12, DataType.FLOAT, 5);
        MultiLayerNetwork net = net(cnn(new Sgd(0.2), DataType.FLOAT));
        double before = net.score(batches.get(0));
        CodedTrainingConfig cfg = CodedTrainingConfig.builder().workers(3).compression(4).build();
        try (LocalTrainer t = new LocalTrainer(net, cfg)) {
            t.onRound(s -> {
                if (s.rounds() == 10) {
                    t.killWorker(1);
                }
            });
            t.fit(new ListDataSetIterator<>(batches, 1), 2);
            assertFalse(t.isWorkerAlive(1));
            assertEquals(60, t.stats().rounds());
            assertEquals(60, t.stats().updates(), "every round still produced an update");
        }
        assertFalse(BooleanIndexing.or(net.params(), Conditions.isNan()));
        assertTrue(net.score(batches.get(0)) < 0.6 * before);
    }

    @Test
    void nanDataIsRejectedAndParametersStayFinite() {
        List<DataSet> batches = data(4, 8, DataType.FLOAT, 6);
        batches.get(1).getFeatures().putScalar(0, 3, Float.NaN);
        MultiLayerNetwork net = net(cnn(new Sgd(0.1), DataType.FLOAT));
        CodedTrainingConfig cfg = CodedTrainingConfig.builder().workers(1)
                .frame(CodedTrainingConfig.FrameKind.COUNT_SKETCH).compression(4).errorFeedback(false).build();
        try (CodedTraining t = CodedTraining.wrap(net, cfg)) {
            t.fit(new ListDataSetIterator<>(batches, 1), 1);
            assertEquals(1, t.stats().rejected());
            assertEquals(3, t.stats().updates());
        }
        assertFalse(BooleanIndexing.or(net.params(), Conditions.isNan()));
    }

    @Test
    void userListenersFireAndTheTrainedNetworkSavesAndLoads(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        List<DataSet> batches = data(10, 12, DataType.FLOAT, 9);
        MultiLayerNetwork net = net(cnn(new Adam(1e-2), DataType.FLOAT));
        java.util.concurrent.atomic.AtomicInteger iterations = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger epochs = new java.util.concurrent.atomic.AtomicInteger();
        net.setListeners(new org.deeplearning4j.optimize.api.BaseTrainingListener() {
            @Override
            public void iterationDone(org.deeplearning4j.nn.api.Model model, int iteration, int epoch) {
                iterations.incrementAndGet();
                assertTrue(Double.isFinite(model.score()));
            }

            @Override
            public void onEpochEnd(org.deeplearning4j.nn.api.Model model) {
                epochs.incrementAndGet();
            }
        });
        try (CodedTraining t = CodedTraining.wrap(net, CodedTrainingConfig.builder().workers(2).build())) {
            t.fit(new ListDataSetIterator<>(batches, 1), 2);
        }
        assertEquals(20, iterations.get());
        assertEquals(2, epochs.get());
        assertEquals(20, net.getIterationCount());
        java.io.File f = dir.resolve("coded.zip").toFile();
        org.deeplearning4j.util.ModelSerializer.writeModel(net, f, true);
        MultiLayerNetwork back = org.deeplearning4j.util.ModelSerializer.restoreMultiLayerNetwork(f, true);
        assertEquals(net.params(), back.params());
        assertEquals(net.getUpdater().getStateViewArray(), back.getUpdater().getStateViewArray());
        org.nd4j.evaluation.classification.Evaluation eval = back.evaluate(new ListDataSetIterator<>(batches, 1));
        assertTrue(eval.accuracy() > 0.5, "accuracy " + eval.accuracy());
    }

    @Test
    void theUsersNetworkIsTheOneTrainedUpdateByUpdate() {
        List<DataSet> batches = data(6, 12, DataType.FLOAT, 9);
        MultiLayerNetwork net = net(cnn(new Adam(1e-2), DataType.FLOAT));
        INDArray start = net.params().dup();
        List<INDArray> seen = new ArrayList<>();
        List<INDArray> atEpochEnd = new ArrayList<>();
        try (CodedTraining t = CodedTraining.wrap(net, CodedTrainingConfig.builder().workers(2).build())) {
            // A listener added after wrap() fires, with the user's network, holding each update as it is applied.
            net.setListeners(new org.deeplearning4j.optimize.api.BaseTrainingListener() {
                @Override
                public void iterationDone(org.deeplearning4j.nn.api.Model model, int iteration, int epoch) {
                    assertSame(net, model);
                    assertEquals(net.getIterationCount() - 1, iteration, "the update's own iteration, counted on the user's network");
                    seen.add(net.params().dup());
                }

                @Override
                public void onEpochEnd(org.deeplearning4j.nn.api.Model model) {
                    assertSame(net, model);
                    atEpochEnd.add(net.params().dup());
                }
            });
            t.fit(new ListDataSetIterator<>(batches, 1), 1);
            assertEquals(6, seen.size());
            assertEquals(6, net.getIterationCount());
            for (int i = 0; i < seen.size(); i++) {
                assertNotEquals(i == 0 ? start : seen.get(i - 1), seen.get(i), "update " + i + " moved the user's network");
            }
            assertEquals(seen.get(5), atEpochEnd.get(0), "onEpochEnd sees the epoch's last update");
            assertEquals(net.params(), atEpochEnd.get(0));

            // A second trainer on the same network while this one is open is refused, and changes nothing.
            IllegalStateException twice = assertThrows(IllegalStateException.class,
                    () -> CodedTraining.wrap(net, CodedTrainingConfig.builder().workers(2).build()));
            assertTrue(twice.getMessage().contains("already wrapped"), twice.getMessage());
            assertEquals(atEpochEnd.get(0), net.params());

            // Parameters the user sets between fits are where the next fit starts.
            net.setParams(start);
            seen.clear();
            t.fit(new ListDataSetIterator<>(batches, 1), 1);
            double fromStart = seen.get(0).distance2(start);
            double fromTrained = seen.get(0).distance2(atEpochEnd.get(0));
            assertTrue(fromStart < fromTrained, "the second fit's first update is near the parameters set ("
                    + fromStart + ") not the trained ones (" + fromTrained + ")");
        }
        try (CodedTraining again = CodedTraining.wrap(net, CodedTrainingConfig.builder().workers(2).build())) {
            assertSame(net, again.network(), "once closed, the network can be wrapped again");
        }
    }

    /**
     * The callbacks the facade fires come in plain fit's order, with plain fit's iteration and
     * epoch numbers and the network as its argument, holding what fit's network holds at that
     * moment (lossless coding, one worker: the same updates). The backprop callbacks
     * (onForwardPass, onGradientCalculation, onBackwardPass) fire in plain fit only: no backprop
     * runs on the user's network.
     */
    @Test
    void callbacksComeInPlainFitsOrderWithItsNumbersAndState() {
        List<DataSet> batches = data(3, 8, DataType.DOUBLE, 4);
        MultiLayerNetwork plain = net(cnn(new Adam(1e-2), DataType.DOUBLE));
        MultiLayerNetwork coded = net(cnn(new Adam(1e-2), DataType.DOUBLE));
        coded.setParams(plain.params().dup());
        List<String> plainEvents = new ArrayList<>();
        List<String> codedEvents = new ArrayList<>();
        List<INDArray> plainParams = new ArrayList<>();
        List<INDArray> codedParams = new ArrayList<>();
        plain.setListeners(recorder(plain, plainEvents, plainParams));
        plain.fit(new ListDataSetIterator<>(batches, 1), 2);
        try (CodedTraining t = CodedTraining.wrap(coded, CodedTrainingConfig.builder().workers(1).lossless().build())) {
            coded.setListeners(recorder(coded, codedEvents, codedParams));
            t.fit(new ListDataSetIterator<>(batches, 1), 2);
        }
        List<String> plainShared = plainEvents.stream().filter(e -> !e.startsWith("backprop")).toList();
        assertEquals(List.of("start 0", "iteration 0 epoch 0", "iteration 1 epoch 0", "iteration 2 epoch 0", "end 0",
                "start 1", "iteration 3 epoch 1", "iteration 4 epoch 1", "iteration 5 epoch 1", "end 1"), plainShared);
        assertEquals(plainShared, codedEvents);
        assertTrue(plainEvents.size() > plainShared.size(), "plain fit also fires the backprop callbacks: " + plainEvents);
        assertEquals(plainParams.size(), codedParams.size());
        for (int i = 0; i < plainParams.size(); i++) {
            assertTrue(relDiff(plainParams.get(i), codedParams.get(i)) < 1e-6, "callback " + codedEvents.get(i)
                    + ": the network holds what fit's holds, " + relDiff(plainParams.get(i), codedParams.get(i)));
        }
    }

    /** Records every callback with its numbers, and the parameters at the shared ones; checks the model argument. */
    private static org.deeplearning4j.optimize.api.TrainingListener recorder(MultiLayerNetwork net, List<String> events,
                                                                           List<INDArray> params) {
        return new org.deeplearning4j.optimize.api.BaseTrainingListener() {
            @Override
            public void onEpochStart(org.deeplearning4j.nn.api.Model model) {
                assertSame(net, model);
                events.add("start " + net.getEpochCount());
                params.add(net.params().dup());
            }

            @Override
            public void iterationDone(org.deeplearning4j.nn.api.Model model, int iteration, int epoch) {
                assertSame(net, model);
                events.add("iteration " + iteration + " epoch " + epoch);
                params.add(net.params().dup());
            }

            @Override
            public void onEpochEnd(org.deeplearning4j.nn.api.Model model) {
                assertSame(net, model);
                events.add("end " + net.getEpochCount());
                params.add(net.params().dup());
            }

            @Override
            public void onForwardPass(org.deeplearning4j.nn.api.Model model, List<INDArray> activations) {
                events.add("backprop: forward");
            }

            @Override
            public void onGradientCalculation(org.deeplearning4j.nn.api.Model model) {
                events.add("backprop: gradient");
            }

            @Override
            public void onBackwardPass(org.deeplearning4j.nn.api.Model model) {
                events.add("backprop: backward");
            }
        };
    }

    @Test
    void dl4jsCheckpointListenerSavesTheUsersNetworkWhichPlainDl4jLoads(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        List<DataSet> batches = data(6, 12, DataType.FLOAT, 9);
        MultiLayerNetwork net = net(cnn(new Adam(1e-2), DataType.FLOAT));
        INDArray start = net.params().dup();
        net.setListeners(new org.deeplearning4j.optimize.listeners.CheckpointListener.Builder(dir.toFile())
                .saveEveryNIterations(3).keepAll().build());
        try (CodedTraining t = CodedTraining.wrap(net, CodedTrainingConfig.builder().workers(2).build())) {
            t.fit(new ListDataSetIterator<>(batches, 1), 1);
        }
        List<org.deeplearning4j.optimize.listeners.Checkpoint> saved =
                org.deeplearning4j.optimize.listeners.CheckpointListener.availableCheckpoints(dir.toFile());
        assertFalse(saved.isEmpty(), "the listener fired with the user's network and saved it");
        MultiLayerNetwork last = org.deeplearning4j.optimize.listeners.CheckpointListener.loadLastCheckpointMLN(dir.toFile());
        assertFalse(last.getLayerWiseConfigurations().toJson().contains("Masked"),
                "its configuration is the user's, not the server copy's masked updaters");
        assertEquals(new Adam(1e-2), ((org.deeplearning4j.nn.conf.layers.BaseLayer) last.getLayerWiseConfigurations().getConf(0)
                .getLayer()).getIUpdater());
        assertTrue(last.getIterationCount() > 0 && relDiff(start, last.params()) > 0, "a trained state was saved");
        assertEquals(3, last.output(batches.get(0).getFeatures()).size(1), "plain DL4J runs it");
    }

    @Test
    void badConfigurationsAreRejectedWithWhatToChange() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CodedTrainingConfig.builder()
                .frame(CodedTrainingConfig.FrameKind.IDENTITY).compression(8).workers(0).build());
        assertTrue(e.getMessage().contains("workers must be at least 1"), e.getMessage());
        assertTrue(e.getMessage().contains("choose COUNT_SKETCH"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> CodedTrainingConfig.builder()
                .engine(CodedTrainingConfig.EngineKind.FORWARD).build());
        assertThrows(IllegalArgumentException.class, () -> CodedTrainingConfig.builder()
                .frame(CodedTrainingConfig.FrameKind.COUNT_SKETCH)
                .policy(CodedTrainingConfig.Policy.ASYNC).stalenessBound(-1).build());
        CodedTrainingConfig defaults = CodedTrainingConfig.defaults();
        assertEquals(CodedTrainingConfig.FrameKind.LOW_RANK, defaults.frame());
        assertEquals(1.0, defaults.feedbackDecay());
        assertEquals(0.9, CodedTrainingConfig.builder().frame(CodedTrainingConfig.FrameKind.COUNT_SKETCH).build().feedbackDecay());
    }

    @Test
    void configurationRoundTripsThroughJson() {
        CodedTrainingConfig c = CodedTrainingConfig.builder().workers(7).compression(64)
                .frame(CodedTrainingConfig.FrameKind.HADAMARD).policy(CodedTrainingConfig.Policy.ASYNC).seed(99).feedbackDecay(1).feedbackClip(Double.POSITIVE_INFINITY).build();
        assertEquals(c, CodedTrainingConfig.fromJson(c.toJson()));
        assertThrows(IllegalArgumentException.class, () -> CodedTrainingConfig.fromJson("{\"workers\": \"many\"}"));
    }
}

package io.github.dl4jcoded.training.local;

import io.github.dl4jcoded.api.CodedTraining;
import io.github.dl4jcoded.nn.Network;
import io.github.dl4jcoded.nn.ParamLayout;
import io.github.dl4jcoded.nn.RunningStatistics;
import io.github.dl4jcoded.training.CodedTrainingConfig;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Coded training of a ComputationGraph with batch normalization and a skip connection (issue 15):
 * lossless coding with one worker equals plain {@code fit} of the same graph, running statistics
 * included; the default lossy configuration learns; a batch-normalized MultiLayerNetwork trains too.
 */
public class GraphTrainingTest {

    /** conv-BN-relu, a residual block (conv-BN-relu-conv-BN + skip, relu), max pooling, softmax. */
    public static ComputationGraph residualGraph(IUpdater u, DataType dt, long seed) {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(seed).dataType(dt).updater(u).convolutionMode(ConvolutionMode.Same)
                .graphBuilder()
                .addInputs("in")
                .setInputTypes(InputType.convolutionalFlat(8, 8, 1))
                .addLayer("c0", new ConvolutionLayer.Builder(3, 3).nOut(4).activation(Activation.IDENTITY).build(), "in")
                .addLayer("b0", new BatchNormalization.Builder().build(), "c0")
                .addLayer("r0", new ActivationLayer(Activation.RELU), "b0")
                .addLayer("c1", new ConvolutionLayer.Builder(3, 3).nOut(4).activation(Activation.IDENTITY).build(), "r0")
                .addLayer("b1", new BatchNormalization.Builder().build(), "c1")
                .addLayer("r1", new ActivationLayer(Activation.RELU), "b1")
                .addLayer("c2", new ConvolutionLayer.Builder(3, 3).nOut(4).activation(Activation.IDENTITY).build(), "r1")
                .addLayer("b2", new BatchNormalization.Builder().useLogStd(false).build(), "c2")
                .addVertex("add", new ElementWiseVertex(ElementWiseVertex.Op.Add), "b2", "r0")
                .addLayer("r2", new ActivationLayer(Activation.RELU), "add")
                .addLayer("pool", new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build(), "r2")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
                        .activation(Activation.SOFTMAX).build(), "pool")
                .setOutputs("out")
                .build();
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        return g;
    }

    private static double relDiff(INDArray a, INDArray b) {
        return a.sub(b).norm2Number().doubleValue() / a.norm2Number().doubleValue();
    }

    /** The running statistics' slots of {@code net}'s parameters, concatenated. */
    private static INDArray runningStatistics(Network net) {
        ParamLayout layout = ParamLayout.of(net);
        List<INDArray> parts = new ArrayList<>();
        for (ParamLayout.ParamRange p : RunningStatistics.slots(layout)) {
            parts.add(net.params().reshape(net.numParams()).get(NDArrayIndex.interval(p.from(), p.to())).dup());
        }
        return org.nd4j.linalg.factory.Nd4j.concat(0, parts.toArray(new INDArray[0]));
    }

    enum Case { SGD, ADAM }

    @ParameterizedTest
    @EnumSource(Case.class)
    void losslessCodingWithOneWorkerEqualsPlainFitOfTheGraphAfter20Steps(Case c) {
        IUpdater u = c == Case.SGD ? new Sgd(0.1) : new Adam(1e-2);
        List<DataSet> batches = LocalTrainerTest.data(20, 8, DataType.DOUBLE, 1);
        ComputationGraph plain = residualGraph(u, DataType.DOUBLE, 5);
        ComputationGraph coded = residualGraph(u, DataType.DOUBLE, 5);
        INDArray running0 = runningStatistics(Network.of(plain));
        for (DataSet ds : batches) {
            plain.fit(ds);
        }
        try (CodedTraining t = CodedTraining.wrap(coded, CodedTrainingConfig.builder().workers(1).lossless().build())) {
            t.fit(new ListDataSetIterator<>(batches, 1), 1);
            assertEquals(20, t.stats().updates());
        }
        double rel = relDiff(plain.params(), coded.params());
        assertTrue(rel < 1e-5, "relative difference to plain fit: " + rel);
        INDArray runningPlain = runningStatistics(Network.of(plain));
        INDArray runningCoded = runningStatistics(Network.of(coded));
        assertTrue(relDiff(runningPlain, running0) > 1e-2, "plain fit moved its running statistics");
        double runningRel = relDiff(runningPlain, runningCoded);
        assertTrue(runningRel < 1e-5, "running statistics differ from plain fit's by " + runningRel);
        assertEquals(20, coded.getIterationCount());
        assertEquals(1, coded.getEpochCount());
        // Inference uses the running statistics: the same outputs as the plain graph.
        INDArray x = batches.get(0).getFeatures();
        assertTrue(relDiff(plain.outputSingle(x), coded.outputSingle(x)) < 1e-5);
    }

    @Test
    void defaultLossyCodingTrainsTheGraphAndItSavesAndLoads() throws Exception {
        List<DataSet> batches = LocalTrainerTest.data(60, 16, DataType.FLOAT, 3);
        ComputationGraph g = residualGraph(new Adam(1e-2), DataType.FLOAT, 7);
        CodedTrainingConfig cfg = CodedTrainingConfig.builder().workers(2).build();
        try (CodedTraining t = CodedTraining.wrap(g, cfg)) {
            t.fit(new ListDataSetIterator<>(batches, 16), 2);
            // A 500-parameter toy: blocks are small, so the default 32x frames keep little; the running
            // statistics (24 values) travel uncompressed.
            assertTrue(t.stats().compressionVsDense() > 1.5, "compression " + t.stats().compressionVsDense());
        }
        List<DataSet> test = LocalTrainerTest.data(10, 16, DataType.FLOAT, 99);
        Evaluation e = g.evaluate(new ListDataSetIterator<>(test, 16));
        assertTrue(e.accuracy() > 0.9, "accuracy " + e.accuracy());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ModelSerializer.writeModel(g, out, true);
        ComputationGraph loaded = ModelSerializer.restoreComputationGraph(new ByteArrayInputStream(out.toByteArray()), true);
        assertEquals(g.params(), loaded.params());
        assertEquals(e.accuracy(), loaded.evaluate(new ListDataSetIterator<>(test, 16)).accuracy(), 0.0);
    }

    /** Asynchronous coded training of the graph: the running statistics ride with every step's window, finite, and it learns. */
    @Test
    void asynchronousCodingTrainsTheGraphAndMovesItsRunningStatistics() {
        List<DataSet> batches = LocalTrainerTest.data(60, 16, DataType.FLOAT, 3);
        ComputationGraph g = residualGraph(new Adam(1e-2), DataType.FLOAT, 7);
        INDArray running0 = runningStatistics(Network.of(g));
        CodedTrainingConfig cfg = CodedTrainingConfig.builder().workers(2).policy(CodedTrainingConfig.Policy.ASYNC).build();
        try (CodedTraining t = CodedTraining.wrap(g, cfg)) {
            t.fit(new ListDataSetIterator<>(batches, 16), 2);
            assertTrue(t.stats().updates() > 0);
        }
        INDArray running = runningStatistics(Network.of(g));
        assertTrue(running.isInfinite().castTo(DataType.INT).sumNumber().intValue() == 0
                && running.isNaN().castTo(DataType.INT).sumNumber().intValue() == 0, "finite running statistics");
        assertTrue(relDiff(running, running0) > 1e-2, "the running statistics moved");
        Evaluation e = g.evaluate(new ListDataSetIterator<>(LocalTrainerTest.data(10, 16, DataType.FLOAT, 99), 16));
        assertTrue(e.accuracy() > 0.9, "accuracy " + e.accuracy());
    }

    /** Forward-mode workers (graph sweep, running statistics from the tangent rule) train like backprop workers. */
    @Test
    void forwardModeWorkersTrainTheGraphLikeReverseModeWorkers() {
        List<DataSet> batches = LocalTrainerTest.data(6, 8, DataType.DOUBLE, 8);
        ComputationGraph fwd = residualGraph(new Sgd(0.1), DataType.DOUBLE, 5);
        ComputationGraph rev = residualGraph(new Sgd(0.1), DataType.DOUBLE, 5);
        INDArray initial = fwd.params().dup();
        CodedTrainingConfig.Builder b = CodedTrainingConfig.builder().workers(2)
                .frame(CodedTrainingConfig.FrameKind.COUNT_SKETCH).compression(4).errorFeedback(false);
        try (CodedTraining t = CodedTraining.wrap(fwd, b.engine(CodedTrainingConfig.EngineKind.FORWARD).build())) {
            t.fit(new ListDataSetIterator<>(batches, 1), 1);
        }
        try (CodedTraining t = CodedTraining.wrap(rev, b.engine(CodedTrainingConfig.EngineKind.REVERSE).build())) {
            t.fit(new ListDataSetIterator<>(batches, 1), 1);
        }
        double rel = relDiff(rev.params(), fwd.params());
        assertTrue(rel < 1e-8, "forward vs reverse workers: relative difference " + rel);
        assertTrue(relDiff(initial, fwd.params()) > 1e-3, "training moved the parameters");
        assertTrue(relDiff(runningStatistics(Network.of(rev)), runningStatistics(Network.of(fwd))) < 1e-8);
    }

    @Test
    void aBatchNormalizedMultiLayerNetworkEqualsPlainFitToo() {
        List<DataSet> batches = LocalTrainerTest.data(20, 8, DataType.DOUBLE, 1);
        org.deeplearning4j.nn.conf.MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(5).dataType(DataType.DOUBLE).updater(new Adam(1e-2)).list()
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(3).activation(Activation.IDENTITY).build())
                .layer(new BatchNormalization.Builder().build())
                .layer(new ActivationLayer(Activation.RELU))
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutionalFlat(8, 8, 1)).build();
        MultiLayerNetwork plain = new MultiLayerNetwork(conf);
        plain.init();
        MultiLayerNetwork coded = new MultiLayerNetwork(conf.clone());
        coded.init();
        for (DataSet ds : batches) {
            plain.fit(ds);
        }
        try (CodedTraining t = CodedTraining.wrap(coded, CodedTrainingConfig.builder().workers(1).lossless().build())) {
            t.fit(new ListDataSetIterator<>(batches, 1), 1);
        }
        double rel = relDiff(plain.params(), coded.params());
        assertTrue(rel < 1e-5, "relative difference to plain fit, running statistics included: " + rel);
    }

    @Test
    void aGraphWithTwoInputsIsRefusedWithWhy() {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(1).graphBuilder()
                .addInputs("a", "b")
                .addVertex("sum", new ElementWiseVertex(ElementWiseVertex.Op.Add), "a", "b")
                .addLayer("out", new OutputLayer.Builder().nIn(4).nOut(2).activation(Activation.SOFTMAX).build(), "sum")
                .setOutputs("out").build();
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CodedTraining.wrap(g, CodedTrainingConfig.builder().workers(1).build()));
        assertTrue(e.getMessage().contains("2 inputs"), e.getMessage());
    }
}

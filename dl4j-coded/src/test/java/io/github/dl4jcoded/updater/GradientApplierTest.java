package io.github.dl4jcoded.updater;

import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GradientApplierTest {

    static Stream<IUpdater> updaters() {
        return Stream.of(new Sgd(0.05), new Nesterovs(0.02, 0.9), new Adam(1e-3));
    }

    private static MultiLayerConfiguration cnn(IUpdater u) {
        return new NeuralNetConfiguration.Builder()
                .seed(3).dataType(DataType.DOUBLE).updater(u).l2(1e-4)
                .list()
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(4).activation(Activation.RELU).build())
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build())
                .layer(new DenseLayer.Builder().nOut(8).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.NEGATIVELOGLIKELIHOOD).nOut(3)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutionalFlat(8, 8, 1))
                .build();
    }

    private static DataSet batch(int i) {
        Nd4j.getRandom().setSeed(100 + i);
        INDArray x = Nd4j.rand(DataType.DOUBLE, 6, 64);
        INDArray y = Nd4j.zeros(DataType.DOUBLE, 6, 3);
        for (int r = 0; r < 6; r++) {
            y.putScalar(r, (r + i) % 3, 1.0);
        }
        return new DataSet(x, y);
    }

    /** The lossless path: backprop's own gradient through the applier equals fit(), step for step. */
    @ParameterizedTest
    @MethodSource("updaters")
    void applyingBackpropGradientsEqualsFitFor20Steps(IUpdater u) {
        MultiLayerNetwork reference = new MultiLayerNetwork(cnn(u));
        reference.init();
        MultiLayerNetwork server = new MultiLayerNetwork(MaskedUpdaters.wrap(cnn(u)));
        server.init(reference.params().dup(), true);
        MultiLayerNetwork worker = reference.clone();
        GradientApplier applier = new GradientApplier(server, true);
        List<Double> scores = new ArrayList<>();
        server.setListeners(new BaseTrainingListener() {
            @Override
            public void iterationDone(Model model, int iteration, int epoch) {
                scores.add(model.score());
            }
        });
        for (int i = 0; i < 20; i++) {
            DataSet ds = batch(i);
            worker.setParams(server.params());
            worker.setInput(ds.getFeatures());
            worker.setLabels(ds.getLabels());
            worker.computeGradientAndScore();
            applier.apply(worker.gradient().gradient().dup(), ds.numExamples(), GradientMask.all(server.numParams()), worker.score());
            reference.fit(ds);
        }
        double rel = reference.params().sub(server.params()).norm2Number().doubleValue()
                / reference.params().norm2Number().doubleValue();
        assertTrue(rel < 1e-12, "relative difference " + rel);
        assertEquals(20, server.getIterationCount());
        assertEquals(20, scores.size());
        assertTrue(scores.stream().allMatch(Double::isFinite));
    }

    @Test
    void nanOrWrongLengthIsRefusedAndChangesNothing() {
        MultiLayerNetwork net = new MultiLayerNetwork(MaskedUpdaters.wrap(cnn(new Adam(1e-3))));
        net.init();
        GradientApplier applier = new GradientApplier(net, true);
        INDArray before = net.params().dup();
        INDArray g = Nd4j.ones(DataType.DOUBLE, net.numParams());
        g.putScalar(5, Double.NaN);
        assertThrows(IllegalArgumentException.class, () -> applier.apply(g, 4, null, 0.0));
        INDArray inf = Nd4j.ones(DataType.DOUBLE, net.numParams());
        inf.putScalar(7, Double.POSITIVE_INFINITY);
        assertThrows(IllegalArgumentException.class, () -> applier.apply(inf, 4, null, 0.0));
        assertThrows(IllegalArgumentException.class, () -> applier.apply(Nd4j.ones(DataType.DOUBLE, 3), 4, null, 0.0));
        assertEquals(before, net.params());
        assertEquals(0, net.getIterationCount());
    }

    @Test
    void partialGradientsNeedMaskedUpdaters() {
        MultiLayerNetwork net = new MultiLayerNetwork(cnn(new Sgd(0.1)));
        net.init();
        GradientApplier dense = new GradientApplier(net, false);
        INDArray g = Nd4j.ones(DataType.DOUBLE, net.numParams());
        assertThrows(IllegalArgumentException.class, () -> dense.apply(g, 4, GradientMask.ofRanges(0, 10), 0.0));
        INDArray before = net.params().dup();
        dense.apply(g, 4, null, 0.0);
        assertTrue(!before.equals(net.params()));
    }
}

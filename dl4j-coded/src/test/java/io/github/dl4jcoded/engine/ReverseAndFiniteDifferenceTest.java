package io.github.dl4jcoded.engine;

import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.*;

/** The two engines that work for any network, against backprop and against forward mode. */
class ReverseAndFiniteDifferenceTest {

    @Test
    void reverseThenProjectMatchesBackpropAndForwardMode() {
        MultiLayerNetwork net = Nets.lenetSmall(DataType.DOUBLE);
        INDArray x = Nets.features(net, 4, 144);
        INDArray y = Nets.oneHotLabels(net, 4, Nets.CLASSES);
        INDArray d = EngineAssert.directions(net, 2, 1, 21);
        EngineAssert.check(new ReverseThenProjectEngine(), net, x, y, d, 1e-12);
        double[] fwd = new ForwardModeEngine().compute(net, x, y, d).derivatives();
        double[] rev = new ReverseThenProjectEngine().compute(net, x, y, d).derivatives();
        assertTrue(EngineAssert.maxRelError(fwd, rev, 1e-12) < 1e-6);
    }

    /** Batch norm in training mode updates its running statistics in place; the engine restores them. */
    @Test
    void reverseThenProjectRestoresBatchNormStatistics() {
        MultiLayerNetwork net = Nets.bnDropoutGlobal(DataType.DOUBLE);
        INDArray x = Nets.features(net, 4, 2, 8, 8);
        INDArray y = Nets.oneHotLabels(net, 4, Nets.CLASSES);
        EngineAssert.check(new ReverseThenProjectEngine(), net, x, y, EngineAssert.directions(net, 2, 1, 22), 1e-12);
        EngineAssert.check(new ForwardModeEngine(), net, x, y, EngineAssert.directions(net, 2, 1, 22), 1e-6);
    }

    @Test
    void lossExcludesRegularization() {
        MultiLayerNetwork plain = Nets.mlp(DataType.DOUBLE);
        INDArray x = Nets.features(plain, 4, 10);
        INDArray y = Nets.oneHotLabels(plain, 4, Nets.CLASSES);
        MultiLayerNetwork reg = Nets.build(DataType.DOUBLE, InputType.feedForward(10),
                new DenseLayer.Builder().nOut(12).activation(Activation.TANH).l2(0.3).build(),
                new DenseLayer.Builder().nOut(9).activation(Activation.RELU).l2(0.3).build(),
                Nets.softmaxOut());
        reg.setParams(plain.params());
        INDArray d = EngineAssert.directions(plain, 2, 0, 23);
        for (DirectionalDerivativeEngine e : new DirectionalDerivativeEngine[]{
                new ReverseThenProjectEngine(), new ForwardModeEngine(), new FiniteDifferenceEngine()}) {
            DirectionalDerivativeEngine.Result a = e.compute(plain, x, y, d);
            DirectionalDerivativeEngine.Result b = e.compute(reg, x, y, d);
            assertEquals(a.loss(), b.loss(), 1e-12, e.name());
            assertArrayEquals(a.derivatives(), b.derivatives(), 1e-8, e.name());
        }
    }

    @Test
    void finiteDifferencesDouble() {
        MultiLayerNetwork net = Nets.lenetSmall(DataType.DOUBLE);
        INDArray x = Nets.features(net, 4, 144);
        INDArray y = Nets.oneHotLabels(net, 4, Nets.CLASSES);
        EngineAssert.check(new FiniteDifferenceEngine(), net, x, y, EngineAssert.directions(net, 2, 1, 24), 1e-4);
    }

    /** With the masks pinned to the reference's seed, differences see the same dropout masks as backprop. */
    @Test
    void finiteDifferencesWithDropoutAndBatchNorm() {
        MultiLayerNetwork net = Nets.bnDropoutGlobal(DataType.DOUBLE);
        INDArray x = Nets.features(net, 4, 2, 8, 8);
        INDArray y = Nets.oneHotLabels(net, 4, Nets.CLASSES);
        EngineAssert.check(new FiniteDifferenceEngine().withMaskSeed(EngineAssert.MASK_SEED), net, x, y,
                EngineAssert.directions(net, 2, 1, 25), 1e-4);
    }

    /** A float network: differences on a double copy, compared with the float backprop. */
    @Test
    void finiteDifferencesOnAFloatNetworkLeaveItUntouched() {
        MultiLayerNetwork net = Nets.mlp(DataType.FLOAT);
        INDArray x = Nets.features(net, 4, 10);
        INDArray y = Nets.oneHotLabels(net, 4, Nets.CLASSES);
        EngineAssert.check(new FiniteDifferenceEngine(), net, x, y, EngineAssert.directions(net, 2, 1, 26), 1e-3);
        assertEquals(DataType.FLOAT, net.params().dataType());
    }

    /** The engines that need no tangent rule handle a layer forward mode rejects. */
    @Test
    void unsupportedLayerWorksWithTheGeneralEngines() {
        MultiLayerNetwork net = Nets.build(DataType.DOUBLE, InputType.feedForward(5),
                new DenseLayer.Builder().nOut(4).activation(Activation.TANH).build(),
                new org.deeplearning4j.nn.conf.layers.misc.ElementWiseMultiplicationLayer.Builder().nIn(4).nOut(4)
                        .activation(Activation.TANH).build(),
                Nets.softmaxOut());
        INDArray x = Nets.features(net, 3, 5);
        INDArray y = Nets.oneHotLabels(net, 3, Nets.CLASSES);
        INDArray d = EngineAssert.directions(net, 2, 1, 27);
        EngineAssert.check(new ReverseThenProjectEngine(), net, x, y, d, 1e-12);
        EngineAssert.check(new FiniteDifferenceEngine(), net, x, y, d, 1e-4);
    }

    @Test
    void wrongDirectionShapeIsRejected() {
        MultiLayerNetwork net = Nets.mlp(DataType.DOUBLE);
        INDArray x = Nets.features(net, 4, 10);
        INDArray y = Nets.oneHotLabels(net, 4, Nets.CLASSES);
        INDArray bad = Nd4j.zeros(DataType.DOUBLE, 2, net.numParams() - 1);
        for (DirectionalDerivativeEngine e : new DirectionalDerivativeEngine[]{
                new ReverseThenProjectEngine(), new ForwardModeEngine(), new FiniteDifferenceEngine()}) {
            assertThrows(IllegalArgumentException.class, () -> e.compute(net, x, y, bad), e.name());
        }
    }

    @Test
    void labelsMaskIsHonoured() {
        MultiLayerNetwork net = Nets.mlp(DataType.DOUBLE);
        INDArray x = Nets.features(net, 5, 10);
        INDArray y = Nets.oneHotLabels(net, 5, Nets.CLASSES);
        INDArray mask = Nd4j.create(new double[][]{{1}, {0}, {1}, {1}, {0}});
        INDArray d = EngineAssert.directions(net, 3, 0, 28);
        DirectionalDerivativeEngine.Result rev = new ReverseThenProjectEngine().compute(net, x, y, null, mask, d);
        DirectionalDerivativeEngine.Result fwd = new ForwardModeEngine().compute(net, x, y, null, mask, d);
        DirectionalDerivativeEngine.Result all = new ForwardModeEngine().compute(net, x, y, d);
        assertEquals(rev.loss(), fwd.loss(), 1e-12);
        assertTrue(EngineAssert.maxRelError(rev.derivatives(), fwd.derivatives(), 1e-12) < 1e-6);
        assertNotEquals(all.loss(), fwd.loss());
    }
}

package io.github.dl4jcoded.engine;

import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.*;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

import static org.junit.jupiter.api.Assertions.*;

/** Forward mode against DL4J's own backprop, whole networks (see TangentRulesTest for single layers). */
class ForwardModeEngineTest {

    private static final ForwardModeEngine FWD = new ForwardModeEngine();

    @Test
    void mlpDouble() {
        MultiLayerNetwork net = Nets.mlp(DataType.DOUBLE);
        INDArray x = Nets.features(net, 6, 10);
        INDArray y = Nets.oneHotLabels(net, 6, Nets.CLASSES);
        EngineAssert.check(FWD, net, x, y, EngineAssert.directions(net, 3, 2, 1), 1e-6);
    }

    @Test
    void mlpFloat() {
        MultiLayerNetwork net = Nets.mlp(DataType.FLOAT);
        INDArray x = Nets.features(net, 6, 10);
        INDArray y = Nets.oneHotLabels(net, 6, Nets.CLASSES);
        EngineAssert.check(FWD, net, x, y, EngineAssert.directions(net, 3, 2, 1), 1e-3);
    }

    @Test
    void lenetDouble() {
        MultiLayerNetwork net = Nets.lenetSmall(DataType.DOUBLE);
        INDArray x = Nets.features(net, 5, 144);
        INDArray y = Nets.oneHotLabels(net, 5, Nets.CLASSES);
        EngineAssert.check(FWD, net, x, y, EngineAssert.directions(net, 3, 2, 2), 1e-6);
    }

    @Test
    void lenetFloat() {
        MultiLayerNetwork net = Nets.lenetSmall(DataType.FLOAT);
        INDArray x = Nets.features(net, 5, 144);
        INDArray y = Nets.oneHotLabels(net, 5, Nets.CLASSES);
        EngineAssert.check(FWD, net, x, y, EngineAssert.directions(net, 3, 2, 2), 1e-3);
    }

    @Test
    void batchNormDropoutGlobalPoolingDouble() {
        MultiLayerNetwork net = Nets.bnDropoutGlobal(DataType.DOUBLE);
        INDArray x = Nets.features(net, 6, 2, 8, 8);
        INDArray y = Nets.oneHotLabels(net, 6, Nets.CLASSES);
        EngineAssert.check(FWD, net, x, y, EngineAssert.directions(net, 3, 2, 3), 1e-6);
    }

    @Test
    void batchNormDropoutGlobalPoolingFloat() {
        MultiLayerNetwork net = Nets.bnDropoutGlobal(DataType.FLOAT);
        INDArray x = Nets.features(net, 6, 2, 8, 8);
        INDArray y = Nets.oneHotLabels(net, 6, Nets.CLASSES);
        EngineAssert.check(FWD, net, x, y, EngineAssert.directions(net, 3, 2, 3), 1e-3);
    }

    /**
     * Dropout masks come from the thread's ND4J generator, drawn in layer order as in DL4J's own
     * training pass: the same seed gives the same masks (the loss matches DL4J's score exactly),
     * a different seed gives different masks (the loss differs), so the agreement checked above
     * is agreement under one shared mask.
     */
    @Test
    void dropoutMasksFollowTheSeed() {
        MultiLayerNetwork net = Nets.bnDropoutGlobal(DataType.DOUBLE);
        INDArray x = Nets.features(net, 6, 2, 8, 8);
        INDArray y = Nets.oneHotLabels(net, 6, Nets.CLASSES);
        INDArray d = EngineAssert.directions(net, 2, 0, 4);
        Nd4j.getRandom().setSeed(1);
        double a = FWD.compute(net, x, y, d).loss();
        Nd4j.getRandom().setSeed(1);
        double b = FWD.compute(net, x, y, d).loss();
        Nd4j.getRandom().setSeed(2);
        double c = FWD.compute(net, x, y, d).loss();
        assertEquals(a, b, 0.0);
        assertNotEquals(a, c);
    }

    @Test
    void chunkedPassesGiveTheSameNumbers() {
        MultiLayerNetwork net = Nets.lenetSmall(DataType.DOUBLE);
        INDArray x = Nets.features(net, 4, 144);
        INDArray y = Nets.oneHotLabels(net, 4, Nets.CLASSES);
        INDArray d = EngineAssert.directions(net, 2, 1, 5);
        double[] all = FWD.compute(net, x, y, d).derivatives();
        double[] one = new ForwardModeEngine(1).compute(net, x, y, d).derivatives();
        double[] three = new ForwardModeEngine(3).compute(net, x, y, d).derivatives();
        assertTrue(EngineAssert.maxRelError(all, one, 1e-12) < 1e-10,
                java.util.Arrays.toString(all) + "\n" + java.util.Arrays.toString(one));
        assertTrue(EngineAssert.maxRelError(all, three, 1e-12) < 1e-10,
                java.util.Arrays.toString(all) + "\n" + java.util.Arrays.toString(three));
    }

    /** Chunked passes share one set of dropout masks: the same numbers as forward mode with one pass under FD. */
    @Test
    void chunkedPassesShareDropoutMasks() {
        MultiLayerNetwork net = Nets.bnDropoutGlobal(DataType.DOUBLE);
        INDArray x = Nets.features(net, 4, 2, 8, 8);
        INDArray y = Nets.oneHotLabels(net, 4, Nets.CLASSES);
        INDArray d = EngineAssert.directions(net, 3, 0, 9);
        Nd4j.getRandom().setSeed(5);
        DirectionalDerivativeEngine.Result chunked = new ForwardModeEngine(1).compute(net, x, y, d);
        // the mask seed the chunked engine drew: the first long of the generator seeded with 5
        Nd4j.getRandom().setSeed(5);
        long seed = Nd4j.getRandom().nextLong();
        Nd4j.getRandom().setSeed(seed);
        DirectionalDerivativeEngine.Result fd = new FiniteDifferenceEngine().withMaskSeed(seed).compute(net, x, y, d);
        assertEquals(fd.loss(), chunked.loss(), 1e-12);
        assertTrue(EngineAssert.maxRelError(chunked.derivatives(), fd.derivatives(), 1e-10) < 1e-4);
    }

    @Test
    void zeroDirectionAndUnorderedDirections() {
        MultiLayerNetwork net = Nets.mlp(DataType.DOUBLE);
        INDArray x = Nets.features(net, 4, 10);
        INDArray y = Nets.oneHotLabels(net, 4, Nets.CLASSES);
        // per-layer directions listed last layer first, plus an all-zero row in the middle
        INDArray d = EngineAssert.directions(net, 0, 1, 6);
        INDArray rev = Nd4j.vstack(d.getRow(2, true), Nd4j.zeros(DataType.DOUBLE, 1, d.size(1)),
                d.getRow(1, true), d.getRow(0, true));
        double[] r = FWD.compute(net, x, y, rev).derivatives();
        double[] ref = EngineAssert.reference(net, x, y, rev).derivatives();
        assertEquals(0.0, r[1], 0.0);
        assertTrue(EngineAssert.maxRelError(r, ref, 1e-12) < 1e-6);
    }

    @Test
    void unsupportedLayerIsAClearError() {
        MultiLayerNetwork net = Nets.build(DataType.DOUBLE, InputType.feedForward(5),
                new DenseLayer.Builder().nOut(4).activation(Activation.TANH).build(),
                new org.deeplearning4j.nn.conf.layers.misc.ElementWiseMultiplicationLayer.Builder().nIn(4).nOut(4).build(),
                Nets.softmaxOut());
        INDArray x = Nets.features(net, 3, 5);
        INDArray y = Nets.oneHotLabels(net, 3, Nets.CLASSES);
        INDArray before = net.params().dup();
        UnsupportedLayerException e = assertThrows(UnsupportedLayerException.class,
                () -> FWD.compute(net, x, y, EngineAssert.directions(net, 1, 0, 1)));
        assertTrue(e.getMessage().contains("layer 1"), e.getMessage());
        assertTrue(e.getMessage().contains("ElementWiseMultiplicationLayer"), e.getMessage());
        assertTrue(e.getMessage().contains("ReverseThenProjectEngine"), e.getMessage());
        assertEquals(before, net.params());
    }

    @Test
    void unsupportedActivationIsAClearError() {
        MultiLayerNetwork net = Nets.build(DataType.DOUBLE, InputType.feedForward(5),
                new DenseLayer.Builder().nOut(4).activation(Activation.RRELU).build(),
                Nets.softmaxOut());
        INDArray x = Nets.features(net, 3, 5);
        INDArray y = Nets.oneHotLabels(net, 3, Nets.CLASSES);
        UnsupportedLayerException e = assertThrows(UnsupportedLayerException.class,
                () -> FWD.compute(net, x, y, EngineAssert.directions(net, 1, 0, 1)));
        assertTrue(e.getMessage().contains("activation"), e.getMessage());
    }

    @Test
    void severalThreadsOnCopies() throws Exception {
        MultiLayerNetwork net = Nets.mlp(DataType.DOUBLE);
        INDArray x = Nets.features(net, 4, 10);
        INDArray y = Nets.oneHotLabels(net, 4, Nets.CLASSES);
        INDArray d = EngineAssert.directions(net, 4, 0, 8);
        double[] expected = FWD.compute(net, x, y, d).derivatives();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(3);
        try {
            java.util.List<java.util.concurrent.Future<double[]>> fs = new java.util.ArrayList<>();
            for (int t = 0; t < 3; t++) {
                MultiLayerNetwork copy = net.clone();
                fs.add(pool.submit(() -> {
                    double[] r = null;
                    for (int i = 0; i < 5; i++) {
                        r = FWD.compute(copy, x, y, d).derivatives();
                    }
                    return r;
                }));
            }
            for (java.util.concurrent.Future<double[]> f : fs) {
                assertArrayEquals(expected, f.get(), 1e-12);
            }
        } finally {
            pool.shutdownNow();
        }
    }
}

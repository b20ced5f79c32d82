package io.github.dl4jcoded.engine;

import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import static org.junit.jupiter.api.Assertions.*;

class GradCheckTest {

    @Test
    void passesOnASmallCnnWithBatchNormAndDropout() {
        MultiLayerNetwork net = Nets.bnDropoutGlobal(DataType.DOUBLE);
        INDArray x = Nets.features(net, 4, 2, 8, 8);
        INDArray y = Nets.oneHotLabels(net, 4, Nets.CLASSES);
        GradCheck.Report r = GradCheck.run(net, x, y, GradCheck.defaultEngines(), 2, 77);
        System.out.println(r);
        assertTrue(r.passed(), r.toString());
        assertEquals(3, r.engines().size());
        // all parameters + five layers with parameters (conv, bn, conv, dense, bn, output)
        assertEquals(1 + 6, r.engines().get(0).layers().size(), r.toString());
        assertTrue(r.toString().contains("PASS"));
    }

    @Test
    void passesInFloat() {
        MultiLayerNetwork net = Nets.lenetSmall(DataType.FLOAT);
        INDArray x = Nets.features(net, 4, 144);
        INDArray y = Nets.oneHotLabels(net, 4, Nets.CLASSES);
        GradCheck.Report r = GradCheck.run(net, x, y);
        System.out.println(r);
        assertTrue(r.passed(), r.toString());
    }

    @Test
    void reportsAnUnsupportedLayerAsAFailureOfThatEngineOnly() {
        MultiLayerNetwork net = Nets.build(DataType.DOUBLE, InputType.feedForward(5),
                new DenseLayer.Builder().nOut(4).activation(Activation.TANH).build(),
                new org.deeplearning4j.nn.conf.layers.misc.ElementWiseMultiplicationLayer.Builder().nIn(4).nOut(4)
                        .activation(Activation.TANH).build(),
                Nets.softmaxOut());
        INDArray x = Nets.features(net, 3, 5);
        INDArray y = Nets.oneHotLabels(net, 3, Nets.CLASSES);
        GradCheck.Report r = GradCheck.run(net, x, y);
        assertFalse(r.passed());
        assertFalse(r.engines().get(0).passed());
        assertTrue(r.engines().get(0).error().contains("ElementWiseMultiplicationLayer"), r.toString());
        assertTrue(r.engines().get(1).passed(), r.toString());
        assertTrue(r.engines().get(2).passed(), r.toString());
    }
}

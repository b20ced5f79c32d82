package io.github.dl4jcoded.engine;

import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.*;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

/** Small networks and batches for the engine tests. */
final class Nets {

    static final int CLASSES = 4;

    private Nets() {
    }

    static MultiLayerNetwork build(DataType dt, InputType input, Layer... layers) {
        NeuralNetConfiguration.ListBuilder b = new NeuralNetConfiguration.Builder()
                .seed(12345).dataType(dt).updater(new Sgd(0.1)).weightInit(WeightInit.XAVIER)
                .list();
        for (Layer l : layers) {
            b.layer(l);
        }
        MultiLayerConfiguration conf = b.setInputType(input).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        // Non-zero biases and BN gamma/beta so that every parameter matters.
        Nd4j.getRandom().setSeed(7);
        net.params().addi(Nd4j.randn(net.params().dataType(), net.params().shape()).muli(0.05));
        return net;
    }

    static OutputLayer softmaxOut() {
        return new OutputLayer.Builder(LossFunction.MCXENT).nOut(CLASSES).activation(Activation.SOFTMAX).build();
    }

    static MultiLayerNetwork mlp(DataType dt) {
        return build(dt, InputType.feedForward(10),
                new DenseLayer.Builder().nOut(12).activation(Activation.TANH).build(),
                new DenseLayer.Builder().nOut(9).activation(Activation.RELU).build(),
                softmaxOut());
    }

    /** LeNet-like: Same and Truncate convolutions, max and average pooling, flat input. */
    static MultiLayerNetwork lenetSmall(DataType dt) {
        return build(dt, InputType.convolutionalFlat(12, 12, 1),
                new ConvolutionLayer.Builder(3, 3).nOut(4).convolutionMode(ConvolutionMode.Same)
                        .activation(Activation.RELU).build(),
                new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build(),
                new ConvolutionLayer.Builder(3, 3).nOut(5).stride(1, 1).padding(1, 1)
                        .convolutionMode(ConvolutionMode.Truncate).activation(Activation.TANH).build(),
                new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.AVG).kernelSize(2, 2).stride(2, 2).build(),
                new DenseLayer.Builder().nOut(10).activation(Activation.RELU).build(),
                softmaxOut());
    }

    /** Batch normalization, dropout (layer and on a layer), global pooling. */
    static MultiLayerNetwork bnDropoutGlobal(DataType dt) {
        return build(dt, InputType.convolutional(8, 8, 2),
                new ConvolutionLayer.Builder(3, 3).nOut(4).convolutionMode(ConvolutionMode.Same)
                        .activation(Activation.IDENTITY).build(),
                new BatchNormalization.Builder().build(),
                new ActivationLayer.Builder().activation(Activation.RELU).build(),
                new DropoutLayer.Builder(0.7).build(),
                new ConvolutionLayer.Builder(2, 2).nOut(6).stride(2, 2).convolutionMode(ConvolutionMode.Truncate)
                        .dropOut(0.8).activation(Activation.ELU).build(),
                new GlobalPoolingLayer.Builder(org.deeplearning4j.nn.conf.layers.PoolingType.AVG).build(),
                new DenseLayer.Builder().nOut(7).activation(Activation.SIGMOID).build(),
                new BatchNormalization.Builder().build(),
                new OutputLayer.Builder(LossFunction.MCXENT).nOut(CLASSES).activation(Activation.SOFTMAX)
                        .dropOut(0.9).build());
    }

    static INDArray features(MultiLayerNetwork net, long... shape) {
        Nd4j.getRandom().setSeed(99);
        return Nd4j.randn(net.params().dataType(), shape);
    }

    static INDArray oneHotLabels(MultiLayerNetwork net, int batch, int classes) {
        INDArray y = Nd4j.zeros(net.params().dataType(), batch, classes);
        java.util.Random r = new java.util.Random(5);
        for (int i = 0; i < batch; i++) {
            y.putScalar(i, r.nextInt(classes), 1.0);
        }
        return y;
    }
}

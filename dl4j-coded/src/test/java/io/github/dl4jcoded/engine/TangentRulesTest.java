package io.github.dl4jcoded.engine;

import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.dropout.AlphaDropout;
import org.deeplearning4j.nn.conf.dropout.GaussianDropout;
import org.deeplearning4j.nn.conf.dropout.GaussianNoise;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.*;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * One tangent rule at a time: each case is a tiny network around the layer (or option) under
 * test, checked in double against DL4J's backprop with Gaussian directions over all parameters
 * and supported on each layer.
 */
class TangentRulesTest {

    private static final DataType D = DataType.DOUBLE;

    record Case(Supplier<MultiLayerNetwork> net, long[] input, boolean regression) {
    }

    static Arguments ff(String name, Layer... hidden) {
        Layer[] all = java.util.Arrays.copyOf(hidden, hidden.length + 1);
        all[hidden.length] = Nets.softmaxOut();
        return Arguments.of(name, new Case(() -> Nets.build(D, InputType.feedForward(6), all), new long[]{5, 6}, false));
    }

    static Arguments cnn(String name, Layer... hidden) {
        List<Layer> all = new ArrayList<>(List.of(hidden));
        all.add(Nets.softmaxOut());
        return Arguments.of(name, new Case(() -> Nets.build(D, InputType.convolutional(7, 7, 2), all.toArray(new Layer[0])),
                new long[]{3, 2, 7, 7}, false));
    }

    static Arguments out(String name, Layer output, boolean regression) {
        return Arguments.of(name, new Case(() -> Nets.build(D, InputType.feedForward(6),
                new DenseLayer.Builder().nOut(5).activation(Activation.TANH).build(), output), new long[]{5, 6}, regression));
    }

    static DenseLayer dense(Activation a) {
        return new DenseLayer.Builder().nOut(5).activation(a).build();
    }

    static ConvolutionLayer.Builder conv(int k) {
        return new ConvolutionLayer.Builder(k, k).nOut(3).activation(Activation.TANH);
    }

    static SubsamplingLayer.Builder pool(SubsamplingLayer.PoolingType t) {
        return new SubsamplingLayer.Builder(t);
    }

    static Stream<Arguments> cases() {
        List<Arguments> c = new ArrayList<>();
        for (Activation a : new Activation[]{Activation.IDENTITY, Activation.RELU, Activation.TANH, Activation.SIGMOID,
                Activation.ELU, Activation.SELU, Activation.LEAKYRELU, Activation.SOFTPLUS, Activation.SOFTSIGN,
                Activation.SWISH, Activation.GELU, Activation.MISH, Activation.HARDTANH, Activation.CUBE,
                Activation.RATIONALTANH, Activation.RECTIFIEDTANH}) {
            c.add(ff("dense " + a, dense(a)));
        }
        c.add(ff("dense no bias", new DenseLayer.Builder().nOut(5).hasBias(false).activation(Activation.TANH).build()));
        c.add(ff("activation layer softmax", dense(Activation.IDENTITY),
                new ActivationLayer.Builder().activation(Activation.SOFTMAX).build()));
        c.add(ff("dropout layer", dense(Activation.TANH), new DropoutLayer.Builder(0.6).build()));
        c.add(ff("dropout on dense", new DenseLayer.Builder().nOut(5).dropOut(0.5).activation(Activation.TANH).build()));
        c.add(ff("gaussian dropout", new DenseLayer.Builder().nOut(5).dropOut(new GaussianDropout(0.3))
                .activation(Activation.TANH).build()));
        c.add(ff("alpha dropout", new DenseLayer.Builder().nOut(5).dropOut(new AlphaDropout(0.8))
                .activation(Activation.SELU).build()));
        c.add(ff("gaussian noise", new DenseLayer.Builder().nOut(5).dropOut(new GaussianNoise(0.2))
                .activation(Activation.TANH).build()));
        c.add(ff("batch norm (feed-forward)", dense(Activation.IDENTITY), new BatchNormalization.Builder().build()));
        c.add(ff("batch norm, locked gamma/beta", dense(Activation.IDENTITY),
                new BatchNormalization.Builder().lockGammaBeta(true).build(), dense(Activation.TANH)));

        c.add(out("output softmax + MCXENT", Nets.softmaxOut(), false));
        c.add(out("output softmax + NLL", new OutputLayer.Builder(LossFunction.NEGATIVELOGLIKELIHOOD).nOut(4)
                .activation(Activation.SOFTMAX).build(), false));
        c.add(out("output identity + MSE", new OutputLayer.Builder(LossFunction.MSE).nOut(4)
                .activation(Activation.IDENTITY).build(), true));
        c.add(out("output sigmoid + XENT", new OutputLayer.Builder(LossFunction.XENT).nOut(4)
                .activation(Activation.SIGMOID).build(), false));
        c.add(out("output tanh + L2, dropout", new OutputLayer.Builder(LossFunction.L2).nOut(4).dropOut(0.7)
                .activation(Activation.TANH).build(), true));
        c.add(Arguments.of("loss layer softmax + MCXENT", new Case(() -> Nets.build(D, InputType.feedForward(6),
                dense(Activation.IDENTITY), new DenseLayer.Builder().nOut(4).activation(Activation.IDENTITY).build(),
                new LossLayer.Builder(LossFunction.MCXENT).activation(Activation.SOFTMAX).build()),
                new long[]{5, 6}, false)));
        c.add(Arguments.of("loss layer identity + MSE", new Case(() -> Nets.build(D, InputType.feedForward(6),
                new DenseLayer.Builder().nOut(4).activation(Activation.TANH).build(),
                new LossLayer.Builder(LossFunction.MSE).activation(Activation.IDENTITY).build()),
                new long[]{5, 6}, true)));

        c.add(cnn("conv truncate", conv(3).convolutionMode(ConvolutionMode.Truncate).build()));
        c.add(cnn("conv truncate stride 2 padding 1", conv(3).stride(2, 2).padding(1, 1)
                .convolutionMode(ConvolutionMode.Truncate).build()));
        c.add(cnn("conv same", conv(3).convolutionMode(ConvolutionMode.Same).build()));
        c.add(cnn("conv same stride 2 kernel 2", conv(2).stride(2, 2).convolutionMode(ConvolutionMode.Same).build()));
        c.add(cnn("conv strict", conv(3).stride(2, 2).convolutionMode(ConvolutionMode.Strict).build()));
        c.add(cnn("conv dilation 2", conv(2).dilation(2, 2).convolutionMode(ConvolutionMode.Truncate).build()));
        c.add(cnn("conv no bias, relu, dropout", conv(3).hasBias(false).activation(Activation.RELU).dropOut(0.6)
                .convolutionMode(ConvolutionMode.Same).build()));
        c.add(cnn("max pool 2x2", conv(2).build(), pool(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build()));
        c.add(cnn("max pool 3x3 stride 1 (overlapping)", conv(2).activation(Activation.IDENTITY).build(),
                pool(SubsamplingLayer.PoolingType.MAX).kernelSize(3, 3).stride(1, 1).build()));
        c.add(cnn("max pool same stride 2 (padding, negative inputs)", conv(2).activation(Activation.IDENTITY).build(),
                pool(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2)
                        .convolutionMode(ConvolutionMode.Same).build()));
        c.add(cnn("max pool truncate padding 1", conv(2).build(), pool(SubsamplingLayer.PoolingType.MAX)
                .kernelSize(3, 3).stride(2, 2).padding(1, 1).convolutionMode(ConvolutionMode.Truncate).build()));
        c.add(cnn("avg pool 2x2", conv(2).build(), pool(SubsamplingLayer.PoolingType.AVG).kernelSize(2, 2).stride(2, 2).build()));
        c.add(cnn("avg pool same", conv(2).build(), pool(SubsamplingLayer.PoolingType.AVG).kernelSize(3, 3).stride(2, 2)
                .convolutionMode(ConvolutionMode.Same).build()));
        c.add(cnn("batch norm (cnn)", conv(3).activation(Activation.IDENTITY).build(), new BatchNormalization.Builder().build(),
                new ActivationLayer.Builder().activation(Activation.RELU).build()));
        for (PoolingType t : new PoolingType[]{PoolingType.AVG, PoolingType.SUM, PoolingType.MAX, PoolingType.PNORM}) {
            c.add(cnn("global pooling " + t, conv(3).build(), new GlobalPoolingLayer.Builder(t).pnorm(3).build()));
        }
        c.add(cnn("global pooling, no collapse", conv(3).build(),
                new GlobalPoolingLayer.Builder(PoolingType.MAX).collapseDimensions(false).build(), dense(Activation.TANH)));
        c.add(Arguments.of("preprocessors FF->CNN->FF", new Case(() -> Nets.build(D, InputType.convolutionalFlat(6, 6, 1),
                conv(3).build(), dense(Activation.TANH), Nets.softmaxOut()), new long[]{4, 36}, false)));
        return c.stream();
    }

    /** Convolution and pooling cases with one tangent per pass (k = 1: the single-tangent code paths). */
    static Stream<Arguments> singleTangentCases() {
        return cases().filter(a -> {
            String name = (String) a.get()[0];
            return (name.contains("pool") || name.contains("conv")) && !name.contains("dropout");
        });
    }

    @ParameterizedTest(name = "{0}, one tangent per pass")
    @MethodSource("singleTangentCases")
    void matchesBackpropOneTangentPerPass(String name, Case c) {
        MultiLayerNetwork net = c.net().get();
        INDArray x = Nets.features(net, c.input());
        INDArray y = Nets.oneHotLabels(net, (int) c.input()[0], Nets.CLASSES);
        EngineAssert.check(new ForwardModeEngine(1), net, x, y, EngineAssert.directions(net, 2, 1, 12), 1e-6);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void matchesBackprop(String name, Case c) {
        MultiLayerNetwork net = c.net().get();
        INDArray x = Nets.features(net, c.input());
        int batch = (int) c.input()[0];
        long nOut = net.getLayer(net.getnLayers() - 1).getParam("W") != null
                ? net.getLayer(net.getnLayers() - 1).getParam("W").size(1)
                : net.getLayer(net.getnLayers() - 2).getParam("W").size(1);
        INDArray y = c.regression()
                ? Nd4j.rand(D, batch, nOut)
                : Nets.oneHotLabels(net, batch, (int) nOut);
        EngineAssert.check(new ForwardModeEngine(), net, x, y, EngineAssert.directions(net, 3, 2, 11), 1e-6);
    }
}

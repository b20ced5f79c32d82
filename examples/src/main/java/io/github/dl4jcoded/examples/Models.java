package io.github.dl4jcoded.examples;

import io.github.dl4jcoded.nn.Network;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.Locale;

/** The networks the examples train: plain DL4J configurations, nothing coded about them. */
public final class Models {
    private Models() {
    }

    public enum Kind { LENET, MLP, BN_CNN, RESNET }

    /**
     * A network the user saved with DL4J's {@code ModelSerializer}, with its own updater and
     * updater state ({@link TrainingData#checkFits} checks it against the data).
     *
     * @param option the option that named the file, for the error messages
     * @throws IllegalArgumentException when the file is missing or is not such a zip of a network
     */
    public static Network fromFile(java.nio.file.Path file, String option) {
        String what = option + " " + file;
        if (!java.nio.file.Files.isRegularFile(file)) {
            throw new IllegalArgumentException(what + ": no such file");
        }
        try {
            return Network.restore(file.toFile());
        } catch (java.io.IOException | RuntimeException e) {
            throw new IllegalArgumentException(what + " is not a MultiLayerNetwork or ComputationGraph saved with DL4J's"
                    + " ModelSerializer: " + firstLine(e), e);
        }
    }

    /** The network a run trains: the user's saved one ({@link #fromFile}) when {@code file} is given, else a new {@code model}. */
    static Network chosen(java.nio.file.Path file, String model, long seed, double learningRate) {
        return file != null ? fromFile(file, "--model-file") : build(parse(model), seed, new Adam(learningRate));
    }

    /** The name of what {@link #chosen} trains, for the output: the file, or the model. */
    static String chosenName(java.nio.file.Path file, String model) {
        return file != null ? file.toString() : parse(model).name().toLowerCase(Locale.ROOT);
    }

    /** The option that chose what {@link #chosen} trains, for error messages: {@code --model-file FILE} or {@code --model NAME}. */
    static String chosenOption(java.nio.file.Path file, String model) {
        return file != null ? "--model-file " + file : "--model " + model;
    }

    /** The updater of what {@link #chosen} trains, for the output: the file's own, or Adam at the learning rate. */
    static String chosenUpdater(java.nio.file.Path file, double learningRate) {
        return file != null ? "the file's own updater" : String.format(Locale.ROOT, "Adam(%g)", learningRate);
    }

    /** The first line of {@code e}'s message, for one-line errors. */
    static String firstLine(Throwable e) {
        String m = String.valueOf(e.getMessage());
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }

    /** The model names as the command line takes them, in {@link Kind} order (picocli lists them in help). */
    public static final class Names implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return java.util.Arrays.stream(Kind.values()).map(k -> k.name().toLowerCase(Locale.ROOT)).iterator();
        }
    }

    public static Kind parse(String name) {
        try {
            return Kind.valueOf(name.toUpperCase(Locale.ROOT).replace('-', '_'));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown model '" + name + "': choose one of " + String.join(", ", new Names()));
        }
    }

    public static Network build(Kind kind, long seed, IUpdater updater) {
        return build(kind, seed, updater, DataType.FLOAT);
    }

    public static Network build(Kind kind, long seed, IUpdater updater, DataType dataType) {
        if (kind == Kind.RESNET) {
            ComputationGraphConfiguration conf = resnet(seed, updater);
            conf.setDataType(dataType);
            ComputationGraph graph = new ComputationGraph(conf);
            graph.init();
            return Network.of(graph);
        }
        MultiLayerConfiguration conf = switch (kind) {
            case LENET -> lenet(seed, updater);
            case MLP -> mlp(seed, updater);
            case BN_CNN -> bnCnn(seed, updater);
            case RESNET -> throw new AssertionError(kind);
        };
        conf.setDataType(dataType);
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return Network.of(net);
    }

    /** A built-in multi-layer network (not {@link Kind#RESNET}), as DL4J's own type. */
    public static MultiLayerNetwork multiLayer(Kind kind, long seed, IUpdater updater) {
        Network n = build(kind, seed, updater);
        if (n.isGraph()) {
            throw new IllegalArgumentException(kind + " is a ComputationGraph");
        }
        return (MultiLayerNetwork) n.model();
    }

    /**
     * A small residual CNN as a ComputationGraph (about 0.42M parameters, mostly in its dense
     * layer): a batch-normalized stem, two residual blocks with identity skips (conv-BN-relu-conv-BN,
     * added to the block's input, relu) at 14x14x16 and 7x7x32, a transition conv between them,
     * dense 256 and softmax 10. Sized to train on the MNIST digits on two CPU cores at about
     * LeNet's cost.
     */
    public static ComputationGraphConfiguration resnet(long seed, IUpdater updater) {
        ComputationGraphConfiguration.GraphBuilder g = new NeuralNetConfiguration.Builder()
                .seed(seed)
                .updater(updater)
                .weightInit(WeightInit.RELU)
                .convolutionMode(ConvolutionMode.Same)
                .graphBuilder()
                .addInputs("input")
                .setInputTypes(InputType.convolutionalFlat(28, 28, 1));
        String x = convBnRelu(g, "stem", "input", 16);
        g.addLayer("stem_pool", maxPool(), x);
        x = residualBlock(g, "block1", "stem_pool", 16);
        x = convBnRelu(g, "transition", x, 32);
        g.addLayer("transition_pool", maxPool(), x);
        x = residualBlock(g, "block2", "transition_pool", 32);
        g.addLayer("dense", new DenseLayer.Builder().nOut(256).activation(Activation.RELU).build(), x);
        g.addLayer("output", new OutputLayer.Builder(LossFunctions.LossFunction.NEGATIVELOGLIKELIHOOD)
                .nOut(10).activation(Activation.SOFTMAX).build(), "dense");
        return g.setOutputs("output").build();
    }

    /** conv 3x3 (no activation), batch normalization, relu; returns the last vertex's name. */
    private static String convBnRelu(ComputationGraphConfiguration.GraphBuilder g, String name, String in, int channels) {
        g.addLayer(name + "_conv", new ConvolutionLayer.Builder(3, 3).nOut(channels).activation(Activation.IDENTITY).build(), in);
        g.addLayer(name + "_bn", new BatchNormalization.Builder().build(), name + "_conv");
        g.addLayer(name + "_relu", new ActivationLayer.Builder().activation(Activation.RELU).build(), name + "_bn");
        return name + "_relu";
    }

    /** conv-BN-relu-conv-BN, plus {@code in} (identity skip), relu. */
    private static String residualBlock(ComputationGraphConfiguration.GraphBuilder g, String name, String in, int channels) {
        String a = convBnRelu(g, name + "a", in, channels);
        g.addLayer(name + "b_conv", new ConvolutionLayer.Builder(3, 3).nOut(channels).activation(Activation.IDENTITY).build(), a);
        g.addLayer(name + "b_bn", new BatchNormalization.Builder().build(), name + "b_conv");
        g.addVertex(name + "_add", new ElementWiseVertex(ElementWiseVertex.Op.Add), name + "b_bn", in);
        g.addLayer(name + "_relu", new ActivationLayer.Builder().activation(Activation.RELU).build(), name + "_add");
        return name + "_relu";
    }

    private static SubsamplingLayer maxPool() {
        return new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build();
    }

    /** A small CNN with batch normalization, dropout and global pooling (the engines' hard cases). */
    public static MultiLayerConfiguration bnCnn(long seed, IUpdater updater) {
        return new NeuralNetConfiguration.Builder()
                .seed(seed)
                .updater(updater)
                .weightInit(WeightInit.XAVIER)
                .list()
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(8).stride(1, 1).activation(Activation.IDENTITY).build())
                .layer(new BatchNormalization.Builder().build())
                .layer(new ActivationLayer.Builder().activation(Activation.RELU).build())
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.AVG).kernelSize(2, 2).stride(2, 2).build())
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(16).convolutionMode(ConvolutionMode.Same)
                        .activation(Activation.TANH).build())
                .layer(new GlobalPoolingLayer.Builder(PoolingType.AVG).build())
                .layer(new DropoutLayer.Builder(0.8).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(10).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutionalFlat(28, 28, 1))
                .build();
    }

    public static IUpdater defaultUpdater() {
        return new Adam(1e-3);
    }

    /** LeNet-5 as in DL4J's own example: conv5x5x20, maxpool, conv5x5x50, maxpool, dense 500, softmax 10. */
    public static MultiLayerConfiguration lenet(long seed, IUpdater updater) {
        return new NeuralNetConfiguration.Builder()
                .seed(seed)
                .updater(updater)
                .weightInit(WeightInit.XAVIER)
                .list()
                .layer(new ConvolutionLayer.Builder(5, 5).nOut(20).stride(1, 1).activation(Activation.IDENTITY).build())
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build())
                .layer(new ConvolutionLayer.Builder(5, 5).nOut(50).stride(1, 1).activation(Activation.IDENTITY).build())
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build())
                .layer(new DenseLayer.Builder().nOut(500).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.NEGATIVELOGLIKELIHOOD)
                        .nOut(10).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutionalFlat(28, 28, 1))
                .build();
    }

    /** A 784-256-10 perceptron: fast, for smoke runs and studies. */
    public static MultiLayerConfiguration mlp(long seed, IUpdater updater) {
        return new NeuralNetConfiguration.Builder()
                .seed(seed)
                .updater(updater)
                .weightInit(WeightInit.XAVIER)
                .list()
                .layer(new DenseLayer.Builder().nIn(784).nOut(256).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.NEGATIVELOGLIKELIHOOD)
                        .nIn(256).nOut(10).activation(Activation.SOFTMAX).build())
                .build();
    }
}

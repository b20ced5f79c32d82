package io.github.dl4jcoded.bench.engine;

import io.github.dl4jcoded.nn.ParamLayout;

import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** The benchmark network: DL4J's classic LeNet on 28x28x1 (431,080 parameters), float, and a minibatch. */
final class LeNet {

    static final int BATCH = 64;

    /** Layers with parameters: conv 5x5x20, conv 5x5x50, dense 500, output 10. */
    static final int[] PARAM_LAYERS = {0, 2, 4, 5};

    private LeNet() {
    }

    static MultiLayerNetwork build() {
        return build(new Nesterovs(0.01, 0.9));
    }

    static MultiLayerNetwork build(org.nd4j.linalg.learning.config.IUpdater updater) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(123).dataType(DataType.FLOAT).updater(updater).weightInit(WeightInit.XAVIER)
                .list()
                .layer(new ConvolutionLayer.Builder(5, 5).nOut(20).stride(1, 1).activation(Activation.IDENTITY).build())
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build())
                .layer(new ConvolutionLayer.Builder(5, 5).nOut(50).stride(1, 1).activation(Activation.IDENTITY).build())
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build())
                .layer(new DenseLayer.Builder().nOut(500).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.NEGATIVELOGLIKELIHOOD).nOut(10)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutionalFlat(28, 28, 1))
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    static INDArray features() {
        Nd4j.getRandom().setSeed(1);
        return Nd4j.rand(DataType.FLOAT, BATCH, 784);
    }

    static INDArray labels() {
        INDArray y = Nd4j.zeros(DataType.FLOAT, BATCH, 10);
        for (int i = 0; i < BATCH; i++) {
            y.putScalar(i, i % 10, 1.0);
        }
        return y;
    }

    /** m Gaussian directions over all parameters (each starts at layer 0). */
    static INDArray fullDirections(MultiLayerNetwork net, int m) {
        Nd4j.getRandom().setSeed(2);
        return Nd4j.randn(DataType.FLOAT, m, net.numParams());
    }

    /** One Gaussian direction supported on layer {@code layer}'s parameters only. */
    static INDArray layerDirection(MultiLayerNetwork net, int layer) {
        return layerDirections(net, layer, 1);
    }

    /** m Gaussian directions supported on layer {@code layer}'s parameters only. */
    static INDArray layerDirections(MultiLayerNetwork net, int layer, int m) {
        io.github.dl4jcoded.nn.ParamLayout.LayerRange r = io.github.dl4jcoded.nn.ParamLayout.of(net).layer(layer);
        INDArray d = Nd4j.zeros(DataType.FLOAT, m, net.numParams());
        Nd4j.getRandom().setSeed(3);
        d.get(NDArrayIndex.all(), NDArrayIndex.interval(r.from(), r.to())).assign(Nd4j.randn(DataType.FLOAT, m, r.length()));
        return d;
    }
}

package io.github.dl4jcoded.cluster.grpc;

import io.github.dl4jcoded.nn.Network;
import io.github.dl4jcoded.training.CodedCodec;
import io.github.dl4jcoded.training.CodedTrainingConfig;
import io.github.dl4jcoded.training.DenseCodec;
import io.github.dl4jcoded.training.GradientCodec;
import io.github.dl4jcoded.training.WorkerMessage;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.Random;

/** A tiny network (4-3-2, 23 parameters) and its codecs, for transport tests that need real messages. */
final class Fixtures {
    private Fixtures() {
    }

    static final CodedTrainingConfig CODED = CodedTrainingConfig.builder().workers(2).lossless().build();
    static final CodedTrainingConfig VANILLA = CodedTrainingConfig.builder().workers(2).vanilla().build();

    static MultiLayerNetwork net() {
        return net(new Sgd(0.1));
    }

    static MultiLayerNetwork net(org.nd4j.linalg.learning.config.IUpdater updater) {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder()
                .seed(7).updater(updater).weightInit(WeightInit.XAVIER).list()
                .layer(new DenseLayer.Builder().nIn(4).nOut(3).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(3).nOut(2)
                        .activation(Activation.SOFTMAX).build())
                .build());
        net.init();
        return net;
    }

    static GradientCodec codec(MultiLayerNetwork net, CodedTrainingConfig config) {
        return config.mode() == CodedTrainingConfig.Mode.CODED ? new CodedCodec(Network.of(net), config) : new DenseCodec((int) net.numParams(), 4);
    }

    static DataSet data(int n, long seed) {
        Random r = new Random(seed);
        float[] x = new float[n * 4];
        float[] y = new float[n * 2];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < 4; j++) {
                x[i * 4 + j] = (float) r.nextGaussian();
            }
            y[i * 2 + (x[i * 4] > 0 ? 1 : 0)] = 1;
        }
        return new DataSet(Nd4j.create(x, new long[]{n, 4}, 'c'), Nd4j.create(y, new long[]{n, 2}, 'c'));
    }

    /** A real message of {@code worker} for {@code round}. */
    static WorkerMessage message(MultiLayerNetwork net, GradientCodec codec, int worker, long round) {
        return codec.workerSide(worker).compute(Network.of(net), data(8, round), round, round);
    }
}

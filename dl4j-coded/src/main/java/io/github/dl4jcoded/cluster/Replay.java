package io.github.dl4jcoded.cluster;

import io.github.dl4jcoded.training.GradientCodec;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The arithmetic the server and every replica must do identically to stay bit-for-bit equal. */
final class Replay {
    private Replay() {
    }

    static float[] toFloat(double[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) v[i];
        }
        return f;
    }

    /** A decoded estimate as the gradient array the applier takes (as the local trainer builds it). */
    static INDArray gradient(GradientCodec.Estimate e, MultiLayerNetwork net) {
        return Nd4j.createFromArray(e.meanGradient()).castTo(net.params().dataType());
    }

    static INDArray gradient(float[] dense, MultiLayerNetwork net) {
        return Nd4j.createFromArray(dense).castTo(net.params().dataType());
    }
}

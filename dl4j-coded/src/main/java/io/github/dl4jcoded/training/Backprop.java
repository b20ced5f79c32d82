package io.github.dl4jcoded.training;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.dataset.DataSet;

/** A worker's backprop: the mean-loss gradient of a replica on a shard, as doubles. */
final class Backprop {
    private Backprop() {
    }

    static double[] meanGradient(MultiLayerNetwork replica, DataSet shard) {
        replica.setInput(shard.getFeatures());
        replica.setLabels(shard.getLabels());
        replica.setLayerMaskArrays(shard.getFeaturesMaskArray(), shard.getLabelsMaskArray());
        replica.computeGradientAndScore();
        double[] g = replica.gradient().gradient().toDoubleVector();
        // DL4J's flattened gradient is the SUM over the minibatch; the score is the MEAN.
        double inv = 1.0 / shard.numExamples();
        for (int i = 0; i < g.length; i++) {
            g[i] *= inv;
        }
        return g;
    }
}

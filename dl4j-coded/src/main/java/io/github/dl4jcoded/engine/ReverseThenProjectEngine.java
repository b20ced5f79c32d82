package io.github.dl4jcoded.engine;

import io.github.dl4jcoded.nn.ParamLayout;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One DL4J backprop ({@code computeGradientAndScore}), then every direction is dotted with the
 * gradient: cost is one backward pass plus an {@code [m, n] x [n]} product, so it wins over
 * forward mode when a worker sends many directions.
 *
 * <p>DL4J's flattened gradient is the SUM over the minibatch while its score is the MEAN (plus
 * regularization): the gradient is divided by the minibatch size and the regularization score
 * subtracted. Batch normalization's running mean/variance slots hold DL4J's moving-average
 * update, not a derivative; they are zeroed. Parameters are snapshotted and restored, since a
 * training-mode forward pass may update those running statistics in place.
 */
public final class ReverseThenProjectEngine implements DirectionalDerivativeEngine {

    @Override
    public String name() {
        return "reverse-then-project";
    }

    @Override
    public Result compute(MultiLayerNetwork net, INDArray features, INDArray labels,
                          INDArray featuresMask, INDArray labelsMask, INDArray directions) {
        ParamLayout layout = ParamLayout.of(net);
        layout.checkDirections(directions);
        try (MemoryWorkspace ignored = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
            Gradient g = meanGradient(net, layout, features, labels, featuresMask, labelsMask);
            INDArray d = directions.castTo(g.gradient.dataType()).mmul(g.gradient.reshape(g.gradient.length(), 1));
            return new Result(g.loss, d.castTo(DataType.DOUBLE).toDoubleVector());
        }
    }

    /** Mean data loss and the gradient of the mean loss (rank 1, layout of net.params()). */
    record Gradient(double loss, INDArray gradient) {
    }

    static Gradient meanGradient(MultiLayerNetwork net, ParamLayout layout, INDArray features, INDArray labels,
                                 INDArray featuresMask, INDArray labelsMask) {
        INDArray params = net.params();
        INDArray saved = params.dup();
        try {
            net.setInput(features);
            net.setLabels(labels);
            net.setLayerMaskArrays(featuresMask, labelsMask);
            net.computeGradientAndScore();
            double loss = net.score() - net.calcRegularizationScore(true);
            INDArray grad = net.getGradientsViewArray().dup().reshape(-1);
            grad.divi(features.size(0));
            for (ParamLayout.LayerRange l : layout.layers()) {
                for (ParamLayout.ParamRange p : l.params()) {
                    if (!p.differentiable()) {
                        grad.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(p.from(), p.to())).assign(0);
                    }
                }
            }
            return new Gradient(loss, grad);
        } finally {
            params.assign(saved);
            net.clear();
            net.setLayerMaskArrays(null, null);
        }
    }
}

package io.github.dl4jcoded.engine;

import io.github.dl4jcoded.nn.ParamLayout;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * One DL4J backprop with the semantics every engine shares ({@link DirectionalDerivativeEngine}):
 * the gradient of the MEAN data loss (DL4J's flattened gradient is the SUM over the minibatch, so
 * it is divided by the minibatch size), the loss without regularization (DL4J's score includes it),
 * zero in the slots of parameters the loss does not depend on (batch normalization's running
 * statistics hold DL4J's moving-average update there), and the parameters restored bit for bit
 * (a training-mode pass may update those running statistics in place). Workers of every codec and
 * the reverse-then-project engine call this one method, so they report the same loss.
 */
public final class Backprop {
    private Backprop() {
    }

    /** Mean data loss and the gradient of the mean loss (rank 1, layout of {@code net.params()}). */
    public record Result(double loss, INDArray gradient) {
        /** The gradient as doubles. */
        public double[] gradientAsDoubles() {
            return gradient.toDoubleVector();
        }
    }

    public static Result meanGradient(MultiLayerNetwork net, DataSet data) {
        return meanGradient(net, data.getFeatures(), data.getLabels(), data.getFeaturesMaskArray(), data.getLabelsMaskArray());
    }

    public static Result meanGradient(MultiLayerNetwork net, INDArray features, INDArray labels,
                                      INDArray featuresMask, INDArray labelsMask) {
        ParamLayout layout = ParamLayout.of(net);
        INDArray params = net.params();
        INDArray saved = params.dup();
        try (MemoryWorkspace ignored = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
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
                        grad.get(NDArrayIndex.interval(p.from(), p.to())).assign(0);
                    }
                }
            }
            return new Result(loss, grad);
        } finally {
            params.assign(saved);
            // Not net.clear(): it drops the solver, and with it the updater and its state, which a
            // cluster replica's network must keep (it is the server's copy).
            net.clearLayersStates();
            net.setInput(null);
            net.setLabels(null);
            net.clearLayerMaskArrays();
        }
    }
}

package io.github.dl4jcoded.engine;

import io.github.dl4jcoded.nn.Network;
import io.github.dl4jcoded.nn.ParamLayout;
import io.github.dl4jcoded.nn.RunningStatistics;
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

    /**
     * Mean data loss and the gradient of the mean loss (rank 1, layout of {@code net.params()});
     * the running-statistics step of batch normalization as DL4J's backprop wrote it (see
     * {@link RunningStatistics}), or null for a network without.
     */
    public record Result(double loss, INDArray gradient, double[] runningStatistics) {
        /** The gradient as doubles. */
        public double[] gradientAsDoubles() {
            return gradient.toDoubleVector();
        }
    }

    public static Result meanGradient(MultiLayerNetwork net, DataSet data) {
        return meanGradient(Network.of(net), data);
    }

    public static Result meanGradient(Network net, DataSet data) {
        return meanGradient(net, data.getFeatures(), data.getLabels(), data.getFeaturesMaskArray(), data.getLabelsMaskArray());
    }

    public static Result meanGradient(Network net, INDArray features, INDArray labels,
                                      INDArray featuresMask, INDArray labelsMask) {
        ParamLayout layout = ParamLayout.of(net);
        INDArray params = net.params();
        INDArray saved = params.dup();
        try (MemoryWorkspace ignored = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
            net.setMinibatch(features, labels, featuresMask, labelsMask);
            net.computeGradientAndScore();
            double loss = net.score() - net.regularizationScore();
            INDArray grad = net.gradientView().dup().reshape(-1);
            double[] running = RunningStatistics.length(layout) == 0 ? null : RunningStatistics.read(layout, grad);
            grad.divi(features.size(0));
            for (ParamLayout.LayerRange l : layout.layers()) {
                for (ParamLayout.ParamRange p : l.params()) {
                    if (!p.differentiable()) {
                        grad.get(NDArrayIndex.interval(p.from(), p.to())).assign(0);
                    }
                }
            }
            return new Result(loss, grad, running);
        } finally {
            params.assign(saved);
            net.clearMinibatch();
        }
    }
}

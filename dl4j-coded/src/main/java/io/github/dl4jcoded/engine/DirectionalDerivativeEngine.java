package io.github.dl4jcoded.engine;

import io.github.dl4jcoded.nn.Network;
import io.github.dl4jcoded.nn.ParamLayout;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Computes the loss of a network on one minibatch and its directional derivatives along m
 * given directions: {@code D_u L = <grad L, u>}. This is how a worker computes the symbols of
 * its codewords (DESIGN section 2): a codeword is a directional derivative along a direction
 * that the code and the frames chose.
 *
 * <p>Semantics, shared by every engine:
 * <ul>
 *   <li>{@code directions} is {@code [m, nParams]}, each row in the exact layout of
 *       {@code net.params()} (see {@link ParamLayout}).</li>
 *   <li>The loss is DL4J's data loss in training mode (dropout on, batch normalization with
 *       minibatch statistics): the sum of the per-example losses divided by the minibatch size.
 *       Regularization (L1/L2/weight decay) is <em>excluded</em>, from the loss and from the
 *       derivatives. {@code net.score()} after {@code computeGradientAndScore()} equals this
 *       loss plus {@code net.calcRegularizationScore(true)}.</li>
 *   <li>The derivatives are those of that mean loss. Parameters the loss does not depend on
 *       (batch normalization's running mean and variance) have derivative zero, whatever DL4J
 *       stores in their gradient slots.</li>
 *   <li>The network's parameters are never changed: anything swapped is restored bit for bit.</li>
 *   <li>Engines hold no per-call state, so one engine may be used from several threads, each on
 *       its own copy of the network ({@code net.clone()}). One network must not be shared
 *       between concurrent calls: DL4J keeps inputs and dropout masks inside the network.</li>
 *   <li>Dropout draws its masks from the calling thread's ND4J random generator
 *       ({@code Nd4j.getRandom()}); seeding that generator identically before two calls of the
 *       same engine gives identical masks. Whether they are the masks of a DL4J backprop started
 *       from the same seed depends on the engine: yes for reverse-then-project (it is DL4J's
 *       backprop) and for single-pass forward mode (it draws in DL4J's layer order); no for
 *       forward mode in several passes ({@code maxTangentsPerPass}) and for finite differences
 *       without a mask seed, which re-seed the generator with one seed drawn from it so that all
 *       their passes or evaluations share masks (see each engine). Pass the same mask seed to
 *       {@link FiniteDifferenceEngine#withMaskSeed} to reproduce another engine's masks.</li>
 * </ul>
 */
public interface DirectionalDerivativeEngine {

    /** Loss and directional derivatives; see the interface comment for the exact semantics. */
    default Result compute(MultiLayerNetwork net, INDArray features, INDArray labels, INDArray directions) {
        return compute(Network.of(net), features, labels, null, null, directions);
    }

    /** As {@link #compute(MultiLayerNetwork, INDArray, INDArray, INDArray)}, for either kind of network. */
    default Result compute(Network net, INDArray features, INDArray labels, INDArray directions) {
        return compute(net, features, labels, null, null, directions);
    }

    /** As {@link #compute(Network, INDArray, INDArray, INDArray, INDArray, INDArray)} for a multi-layer network. */
    default Result compute(MultiLayerNetwork net, INDArray features, INDArray labels,
                           INDArray featuresMask, INDArray labelsMask, INDArray directions) {
        return compute(Network.of(net), features, labels, featuresMask, labelsMask, directions);
    }

    /**
     * As {@link #compute(MultiLayerNetwork, INDArray, INDArray, INDArray)}, with optional masks
     * (null for none). A labels mask ({@code [minibatch, 1]} or the labels' shape) weights the
     * per-example losses as DL4J does; the mean is still over the whole minibatch. Engines throw
     * {@link UnsupportedOperationException} for masks they cannot honour.
     */
    Result compute(Network net, INDArray features, INDArray labels,
                   INDArray featuresMask, INDArray labelsMask, INDArray directions);

    /** A short name for reports and benchmarks. */
    String name();

    /**
     * The mean minibatch loss (no regularization) and one directional derivative per direction,
     * in the order of the rows of {@code directions}; for networks with batch normalization, the
     * running-statistics step DL4J's {@code fit} would take on this minibatch
     * ({@link io.github.dl4jcoded.nn.RunningStatistics}), else null.
     */
    record Result(double loss, double[] derivatives, double[] runningStatistics) {
        public Result(double loss, double[] derivatives) {
            this(loss, derivatives, null);
        }

        public int size() {
            return derivatives.length;
        }
    }
}

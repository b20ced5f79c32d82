package io.github.dl4jcoded.engine;

import io.github.dl4jcoded.nn.Network;
import io.github.dl4jcoded.nn.ParamLayout;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One DL4J backprop ({@code computeGradientAndScore}), then every direction is dotted with the
 * gradient: cost is one backward pass plus an {@code [m, n] x [n]} product, so it wins over
 * forward mode when a worker sends many directions.
 *
 * <p>The backprop is {@link Backprop#meanGradient}, the one the training workers use: mean loss
 * without regularization, non-differentiable slots zeroed, parameters restored.
 */
public final class ReverseThenProjectEngine implements DirectionalDerivativeEngine {

    @Override
    public String name() {
        return "reverse-then-project";
    }

    @Override
    public Result compute(Network net, INDArray features, INDArray labels,
                          INDArray featuresMask, INDArray labelsMask, INDArray directions) {
        ParamLayout layout = ParamLayout.of(net);
        layout.checkDirections(directions);
        try (MemoryWorkspace ignored = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
            Backprop.Result g = Backprop.meanGradient(net, features, labels, featuresMask, labelsMask);
            INDArray d = directions.castTo(g.gradient().dataType()).mmul(g.gradient().reshape(g.gradient().length(), 1));
            return new Result(g.loss(), d.castTo(DataType.DOUBLE).toDoubleVector(), g.runningStatistics());
        }
    }
}

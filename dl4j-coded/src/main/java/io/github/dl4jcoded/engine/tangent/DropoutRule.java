package io.github.dl4jcoded.engine.tangent;

import org.deeplearning4j.nn.conf.dropout.IDropout;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Dropout (and every other {@link IDropout}: Gaussian dropout, alpha dropout, Gaussian noise,
 * spatial dropout). All are elementwise maps whose Jacobian is diagonal once their random draw
 * is fixed, so the tangent is the layer's own {@code backprop} applied to ones (the diagonal),
 * times each tangent. The draw happens once, in {@code applyDropout} on the primal, exactly
 * where DL4J draws it in training, and primal and tangents share it.
 */
public final class DropoutRule {

    private DropoutRule() {
    }

    public static Dual apply(LayerContext ctx, IDropout dropout, Dual in) {
        INDArray x = in.primal();
        INDArray out = Nd4j.createUninitialized(x.dataType(), x.shape(), 'c');
        out = dropout.applyDropout(x, out, ctx.iteration(), ctx.epoch(), ctx.workspaces());
        INDArray jacobian = dropout.backprop(Nd4j.ones(x.dataType(), x.shape()),
                Nd4j.createUninitialized(x.dataType(), x.shape(), 'c'), ctx.iteration(), ctx.epoch());
        dropout.clear();
        if (!in.hasTangent()) {
            return Dual.primalOnly(out);
        }
        INDArray t = Tangents.mulEach(in.tangent(), in.k(), jacobian);
        Tangents.release(jacobian);
        return new Dual(out, t, in.k());
    }
}

package io.github.dl4jcoded.engine.tangent;

import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.lossfunctions.ILossFunction;

/**
 * The loss at the end of an output or loss layer. DL4J's loss functions take the
 * pre-activation and apply the output activation themselves, and
 * {@code computeGradient} returns {@code dL_b/dz_b} per example; so the tangent of the mean
 * loss is {@code (1/B) sum_b <dL_b/dz_b, z'_b>}, for each of the k tangents in one GEMV.
 * Any DL4J loss/activation pair with a gradient works (MCXENT, NLL, MSE, ...).
 */
public final class LossRule {

    /** Mean loss and one derivative per tangent of {@code z}. */
    public record Value(double loss, double[] derivatives) {
    }

    private LossRule() {
    }

    public static Value apply(LayerContext ctx, ILossFunction lossFn, IActivation outputActivation,
                              Dual z, INDArray labels, INDArray labelsMask) {
        INDArray pre = z.primal();
        if (pre.rank() != 2) {
            throw ctx.unsupported("loss on rank-" + pre.rank() + " output");
        }
        long batch = pre.size(0);
        INDArray y = labels.castTo(pre.dataType());
        INDArray mask = labelsMask == null ? null : labelsMask.castTo(pre.dataType());
        double loss = lossFn.computeScore(y, pre.dup(), outputActivation, mask, false) / batch;
        double[] d = new double[z.k()];
        if (z.hasTangent()) {
            INDArray g = lossFn.computeGradient(y, pre.dup(), outputActivation, mask); // [B, nOut], per example
            INDArray gv = g.dup('c').reshape('c', g.length(), 1);
            INDArray dz = Tangents.groups(z.tangent(), z.k()).mmul(gv).divi(batch);
            for (int i = 0; i < d.length; i++) {
                d[i] = dz.getDouble(i, 0);
            }
        }
        return new Value(loss, d);
    }
}

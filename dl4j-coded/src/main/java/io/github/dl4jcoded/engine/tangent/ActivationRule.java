package io.github.dl4jcoded.engine.tangent;

import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.*;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastMulOp;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastSubOp;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Set;

/**
 * Activation functions. Elementwise ones have a diagonal Jacobian {@code f'(z)}, obtained once
 * per minibatch from DL4J's own {@code backprop(z, ones)} and applied to all k tangents.
 * Softmax has the symmetric Jacobian {@code diag(s) - s s^T}: {@code t' = s * (t - <s, t>)}.
 * DL4J's activation code overwrites its arguments, so it only ever sees copies.
 */
public final class ActivationRule {

    private static final Set<Class<? extends IActivation>> ELEMENTWISE = Set.of(
            ActivationIdentity.class, ActivationReLU.class, ActivationReLU6.class, ActivationLReLU.class,
            ActivationELU.class, ActivationSELU.class, ActivationSigmoid.class, ActivationHardSigmoid.class,
            ActivationTanH.class, ActivationHardTanH.class, ActivationSoftPlus.class, ActivationSoftSign.class,
            ActivationSwish.class, ActivationGELU.class, ActivationMish.class, ActivationRationalTanh.class,
            ActivationRectifiedTanh.class, ActivationCube.class, ActivationThresholdedReLU.class);

    private ActivationRule() {
    }

    public static boolean supports(IActivation a) {
        return ELEMENTWISE.contains(a.getClass()) || a instanceof ActivationSoftmax;
    }

    /** {@code z} is consumed (it becomes the activation). */
    public static Dual apply(LayerContext ctx, IActivation fn, Dual z) {
        if (fn instanceof ActivationIdentity) {
            return z;
        }
        if (!supports(fn)) {
            throw ctx.unsupported("activation " + fn + " (random or non-elementwise)");
        }
        INDArray pre = z.primal();
        if (fn instanceof ActivationSoftmax) {
            if (pre.rank() != 2) {
                throw ctx.unsupported("softmax on rank-" + pre.rank() + " activations");
            }
            INDArray s = fn.getActivation(pre.dup(), true);
            if (!z.hasTangent()) {
                return Dual.primalOnly(s);
            }
            return new Dual(s, softmaxTangent(s, z.tangent(), z.k()), z.k());
        }
        INDArray derivative = z.hasTangent()
                ? fn.backprop(pre.dup(), Nd4j.onesLike(pre)).getFirst()
                : null;
        INDArray a = fn.getActivation(pre.dup(), true);
        if (!z.hasTangent()) {
            return Dual.primalOnly(a);
        }
        INDArray t = Tangents.mulEach(z.tangent(), z.k(), derivative);
        Tangents.release(derivative);
        return new Dual(a, t, z.k());
    }

    /** {@code t' = s * (t - sum(s * t))} per example, for k stacked tangents. */
    static INDArray softmaxTangent(INDArray s, INDArray t, int k) {
        long b = s.size(0);
        long n = s.size(1);
        INDArray t3 = t.dup('c').reshape('c', k, b, n);
        INDArray st = Nd4j.createUninitialized(t3.dataType(), t3.shape(), 'c');
        Nd4j.getExecutioner().exec(new BroadcastMulOp(t3, s, st, 1, 2));
        INDArray dot = st.sum(2); // [k, B]
        Nd4j.getExecutioner().exec(new BroadcastSubOp(t3, dot, t3, 0, 1));
        Nd4j.getExecutioner().exec(new BroadcastMulOp(t3, s, t3, 1, 2));
        return t3.reshape('c', k * b, n);
    }
}

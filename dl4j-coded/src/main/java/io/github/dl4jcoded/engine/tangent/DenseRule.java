package io.github.dl4jcoded.engine.tangent;

import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastAddOp;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Dense and output layers: {@code z = x W + b}, bilinear in (x, W), so
 * {@code z' = x' W + x W' + b'}. All incoming tangents go through one GEMM
 * ({@code [k*B, nIn] x [nIn, nOut]}); the parameter tangents of all active directions through
 * another ({@code [B, nIn] x [nIn, k*nOut]}, W' of every direction side by side).
 * DL4J applies the layer's dropout to its input first; {@link DenseLayer} then applies its
 * activation, while an output layer hands {@code z} to its loss ({@link LossRule}).
 */
public final class DenseRule {

    private DenseRule() {
    }

    /** Dense layer: input dropout, pre-activation, activation. */
    public static Dual apply(LayerContext ctx, Dual in, LayerDirections dirs) {
        DenseLayer conf = (DenseLayer) ctx.conf();
        if (conf.hasLayerNorm()) {
            throw ctx.unsupported("layer normalization on a dense layer");
        }
        return ActivationRule.apply(ctx, conf.getActivationFn(), preOutput(ctx, in, dirs));
    }

    /** Input dropout and {@code z = x W + b} with its tangents (dense and output layers). */
    public static Dual preOutput(LayerContext ctx, Dual in, LayerDirections dirs) {
        BaseLayer conf = (BaseLayer) ctx.conf();
        if (conf.getWeightNoise() != null) {
            throw ctx.unsupported("weight noise / DropConnect");
        }
        if (in.primal().rank() != 2) {
            throw ctx.unsupported("rank-" + in.primal().rank() + " input (expected [minibatch, nIn])");
        }
        if (conf.getIDropout() != null) {
            in = DropoutRule.apply(ctx, conf.getIDropout(), in);
        }
        INDArray x = in.primal();
        INDArray w = ctx.layer().getParam(DefaultParamInitializer.WEIGHT_KEY);
        INDArray b = ctx.layer().paramTable().get(DefaultParamInitializer.BIAS_KEY);
        long nIn = w.size(0);
        long nOut = w.size(1);
        long batch = x.size(0);

        INDArray z = x.mmul(w);
        if (b != null) {
            z.addiRowVector(b.reshape(1, nOut));
        }
        INDArray propagated = in.hasTangent() ? in.tangent().mmul(w) : null;
        int k = dirs.count();
        if (!dirs.hasParamTangents()) {
            return new Dual(z, propagated, k);
        }
        // Parameter tangents: row i of the W block is W'_i flattened in 'f' order over [nIn, nOut],
        // i.e. W'_i^T in 'c' order over [nOut, nIn]; stacked, they form [k*nOut, nIn].
        if (dirs.range().param(DefaultParamInitializer.WEIGHT_KEY).order() != 'f') {
            throw ctx.unsupported("weights not stored in 'f' order");
        }
        INDArray wT = dirs.block(DefaultParamInitializer.WEIGHT_KEY).reshape('c', k * nOut, nIn);
        INDArray zp = x.mmul(wT.transpose()); // [B, k*nOut]
        INDArray t = k == 1 ? zp.reshape('c', 1, batch, nOut)
                : zp.reshape('c', batch, k, nOut).permute(1, 0, 2).dup('c'); // [k, B, nOut]
        if (k > 1) {
            Tangents.release(zp);
        }
        Tangents.release(wT);
        if (b != null) {
            INDArray bd = dirs.block(DefaultParamInitializer.BIAS_KEY); // [k, nOut]
            Nd4j.getExecutioner().exec(new BroadcastAddOp(t, bd, t, 0, 2));
        }
        INDArray tangent = Tangents.addLeading(t.reshape('c', k * batch, nOut), propagated);
        Tangents.release(propagated, tangent);
        return new Dual(z, tangent, k);
    }
}

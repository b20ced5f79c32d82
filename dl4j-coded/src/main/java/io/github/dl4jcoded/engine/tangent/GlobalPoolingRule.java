package io.github.dl4jcoded.engine.tangent;

import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastMulOp;
import org.nd4j.linalg.api.ops.impl.shape.OneHot;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.Arrays;

/**
 * Global pooling over all spatial (or time) positions of {@code [B, C, ...]}. Every pooling type
 * has a tangent that is a weighted sum of the input tangent over positions,
 * {@code y' = sum_s w_s x'_s}: AVG {@code w = 1/S}, SUM {@code w = 1}, MAX one-hot at the argmax,
 * PNORM {@code w = |x|^(p-1) sign(x) y^(1-p)}. The weights are computed once from the primal.
 */
public final class GlobalPoolingRule {

    private GlobalPoolingRule() {
    }

    public static Dual apply(LayerContext ctx, Dual in) {
        GlobalPoolingLayer conf = (GlobalPoolingLayer) ctx.conf();
        INDArray x = in.primal();
        int rank = x.rank();
        if (rank != 3 && rank != 4) {
            throw ctx.unsupported("rank-" + rank + " input");
        }
        int[] dims = conf.getPoolingDimensions();
        int[] expected = rank == 4 ? new int[]{2, 3} : new int[]{2};
        if (dims != null && !Arrays.equals(dims, expected)) {
            throw ctx.unsupported("pooling dimensions " + Arrays.toString(dims));
        }
        long b = x.size(0);
        long c = x.size(1);
        long s = x.length() / (b * c);
        INDArray x3 = x.dup('c').reshape('c', b, c, s);
        PoolingType type = conf.getPoolingType();
        INDArray y;
        INDArray w; // [B, C, S] or null for a constant weight
        double constant = 0;
        switch (type) {
            case AVG -> {
                y = x3.mean(2);
                w = null;
                constant = 1.0 / s;
            }
            case SUM -> {
                y = x3.sum(2);
                w = null;
                constant = 1.0;
            }
            case MAX -> {
                y = x3.max(2);
                w = Nd4j.exec(new OneHot(Nd4j.argMax(x3, 2), (int) s, 2, 1.0, 0.0, x.dataType()))[0];
            }
            case PNORM -> {
                int p = conf.getPnorm();
                INDArray abs = Transforms.abs(x3, true);
                y = Transforms.pow(Transforms.pow(abs, p, true).sum(2), 1.0 / p, false); // [B, C]
                w = Transforms.pow(abs, p - 1, true).muli(Transforms.sign(x3, true));
                Nd4j.getExecutioner().exec(new BroadcastMulOp(w, Transforms.pow(y, 1 - p, true), w, 0, 1));
            }
            default -> throw ctx.unsupported("pooling type " + type);
        }
        long[] outShape = conf.isCollapseDimensions() ? new long[]{b, c}
                : (rank == 4 ? new long[]{b, c, 1, 1} : new long[]{b, c, 1});
        y = y.reshape('c', outShape);
        if (!in.hasTangent()) {
            return Dual.primalOnly(y);
        }
        int k = in.k();
        INDArray t3 = in.tangent().dup('c').reshape('c', k * b, c, s);
        INDArray t;
        if (w == null) {
            t = t3.sum(2).muli(constant);
        } else {
            t3.reshape('c', k, w.length()).muliRowVector(w.dup('c').reshape('c', 1, w.length()));
            t = t3.sum(2);
        }
        long[] ts = outShape.clone();
        ts[0] = k * b;
        return new Dual(y, t.reshape('c', ts), k);
    }
}

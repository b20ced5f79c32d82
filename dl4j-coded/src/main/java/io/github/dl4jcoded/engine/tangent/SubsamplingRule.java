package io.github.dl4jcoded.engine.tangent;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.layers.convolution.Pooling2D;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Pooling2DConfig;
import org.nd4j.linalg.api.ops.impl.shape.OneHot;
import org.nd4j.linalg.factory.Nd4j;

/**
 * 2-D pooling. Average pooling is linear: the tangents go through DL4J's own layer, as a
 * {@code [k*B, ...]} batch. Max pooling passes on the tangent at the primal's argmax. When windows
 * do not overlap, the argmax mask comes from DL4J's own pooling backprop op (see
 * {@link #gatherNonOverlapping}). Otherwise the windows
 * of the primal input are unfolded with im2col (so overlapping windows and every padding mode
 * work), the argmax of each window becomes a one-hot mask, and each tangent's windows are
 * unfolded the same way and reduced with that mask. (ND4J's MaxPoolWithArgmax is broken in
 * 1.0.0-M2.1.) Before unfolding, the primal is shifted to be positive so that zero padding never
 * wins a window.
 */
public final class SubsamplingRule {

    private SubsamplingRule() {
    }

    public static Dual apply(LayerContext ctx, Dual in) {
        SubsamplingLayer conf = (SubsamplingLayer) ctx.conf();
        if (conf.getCnn2dDataFormat() != CNN2DFormat.NCHW) {
            throw ctx.unsupported("data format " + conf.getCnn2dDataFormat());
        }
        PoolingType type = conf.getPoolingType();
        if (type != PoolingType.MAX && type != PoolingType.AVG) {
            throw ctx.unsupported("pooling type " + type);
        }
        INDArray out = ctx.layer().activate(in.primal(), false, ctx.workspaces()).dup();
        if (!in.hasTangent()) {
            return Dual.primalOnly(out);
        }
        if (type == PoolingType.AVG) {
            INDArray t = ctx.layer().activate(in.tangent(), false, ctx.workspaces()).dup();
            return new Dual(out, t, in.k());
        }
        Conv2DConfig cfg = ConvolutionRule.config(ctx, conf.getKernelSize(), conf.getStride(), conf.getPadding(),
                conf.getDilation(), conf.getConvolutionMode());
        if (in.k() <= MAX_TANGENTS_FAST_PATH && nonOverlapping(conf)) {
            return new Dual(out, gatherNonOverlapping(ctx, conf, cfg, in, out), in.k());
        }
        INDArray mask = argmaxMask(in.primal(), cfg); // [B, C, kk, oH, oW]
        long[] ms = mask.shape();
        INDArray rawT = Nd4j.cnn().im2Col(in.tangent(), cfg);
        INDArray cols = rawT.dup('c'); // [k*B, C, kH, kW, oH, oW]
        Tangents.release(rawT, cols);
        int k = in.k();
        cols.reshape('c', k, mask.length()).muliRowVector(mask.reshape('c', 1, mask.length()));
        INDArray t = cols.reshape('c', k * ms[0], ms[1], ms[2], ms[3] * ms[4]).sum(2)
                .reshape('c', k * ms[0], ms[1], ms[3], ms[4]);
        Tangents.release(cols);
        Tangents.release(mask);
        return new Dual(out, t, k);
    }

    /**
     * Up to this many tangents, non-overlapping max pooling uses {@link #gatherNonOverlapping};
     * beyond, the im2col gather, whose per-tangent cost measured lower on LeNet's first pooling
     * layer (k = 1: 40 ms vs 67 ms; k = 16: 248 ms vs 171 ms, on a loaded 2-core machine).
     */
    static final int MAX_TANGENTS_FAST_PATH = 4;

    /** Windows that do not overlap: each input position belongs to at most one window. */
    static boolean nonOverlapping(SubsamplingLayer conf) {
        int[] k = conf.getKernelSize();
        int[] s = conf.getStride();
        int[] d = conf.getDilation();
        return s[0] >= k[0] && s[1] >= k[1] && d[0] == 1 && d[1] == 1;
    }

    /**
     * Fast path for windows that do not overlap (LeNet's 2x2/2): DL4J's own max-pooling backprop
     * op ({@code maxpool2d_bp}, the one its layer uses) applied to ones marks each window's argmax
     * at input resolution, with DL4J's tie-breaking; each tangent is multiplied by that mask and
     * summed over its windows (average pooling with the full window as divisor, times its size).
     */
    static INDArray gatherNonOverlapping(LayerContext ctx, SubsamplingLayer conf, Conv2DConfig cfg, Dual in,
                                         INDArray out) {
        INDArray x = in.primal();
        int[] kernel = conf.getKernelSize();
        int[] stride = conf.getStride();
        int[] pad = conf.getPadding();
        boolean same = conf.getConvolutionMode() == org.deeplearning4j.nn.conf.ConvolutionMode.Same;
        INDArray ones = Nd4j.ones(x.dataType(), out.shape());
        INDArray mask = Nd4j.createUninitialized(x.dataType(), x.shape(), 'c');
        Nd4j.exec(org.nd4j.linalg.api.ops.DynamicCustomOp.builder("maxpool2d_bp")
                .addInputs(x, ones).addOutputs(mask)
                .addIntegerArguments(kernel[0], kernel[1], stride[0], stride[1], same ? 0 : pad[0], same ? 0 : pad[1],
                        1, 1, same ? 1 : 0, 0, 0)
                .build());
        Tangents.release(ones);
        INDArray masked = Tangents.mulEach(in.tangent(), in.k(), mask);
        Tangents.release(mask);
        // Sum over each window = average pooling with the full window as divisor, times its size.
        Pooling2DConfig sum = Pooling2DConfig.builder()
                .kH(kernel[0]).kW(kernel[1]).sH(stride[0]).sW(stride[1])
                .pH(same ? 0 : pad[0]).pW(same ? 0 : pad[1]).dH(1).dW(1)
                .paddingMode(same ? PaddingMode.SAME : PaddingMode.VALID)
                .type(Pooling2D.Pooling2DType.AVG).divisor(Pooling2D.Divisor.INCLUDE_PADDING)
                .isNHWC(false).build();
        INDArray summed = Nd4j.cnn().avgPooling2d(masked, sum).muli(kernel[0] * kernel[1]);
        Tangents.release(masked, summed);
        return summed;
    }

    /** One-hot {@code [B, C, kH*kW, oH, oW]} marking the first maximum of each pooling window. */
    static INDArray argmaxMask(INDArray x, Conv2DConfig cfg) {
        INDArray shifted = x.sub(x.minNumber().doubleValue() - 1.0);
        INDArray raw = Nd4j.cnn().im2Col(shifted, cfg);
        Tangents.release(shifted);
        INDArray cols = raw.dup('c'); // [B, C, kH, kW, oH, oW]
        Tangents.release(raw);
        long[] s = cols.shape();
        INDArray windows = cols.reshape('c', s[0], s[1], s[2] * s[3], s[4], s[5]);
        INDArray idx = Nd4j.argMax(windows, 2); // [B, C, oH, oW]
        Tangents.release(cols);
        INDArray mask = Nd4j.exec(new OneHot(idx, (int) (s[2] * s[3]), 2, 1.0, 0.0, x.dataType()))[0];
        Tangents.release(idx);
        return mask;
    }
}

package io.github.dl4jcoded.engine.tangent;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.params.ConvolutionParamInitializer;
import org.nd4j.enums.WeightsFormat;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode;
import org.nd4j.linalg.factory.Nd4j;

/**
 * 2-D convolution: {@code z = conv(x, W) + b} is bilinear in (x, W), so
 * {@code z' = conv(x', W) + conv(x, W') + b'}. The incoming tangents are one convolution of a
 * {@code [k*B, ...]} batch; the parameter tangents of the k active directions are one
 * convolution of the primal input with their W' stacked along the output channels
 * ({@code [k*nOut, nIn, kH, kW]}, exactly the layout of the parameter vector's W slices) and
 * b' as bias. ND4J's conv2d op takes the layer's stride, padding, dilation and mode
 * (Same, Truncate, Strict), the same op family DL4J's layer uses.
 */
public final class ConvolutionRule {

    private ConvolutionRule() {
    }

    static Conv2DConfig config(LayerContext ctx, int[] kernel, int[] stride, int[] padding, int[] dilation,
                               ConvolutionMode mode) {
        PaddingMode pm;
        switch (mode) {
            case Same -> pm = PaddingMode.SAME;
            case Truncate, Strict -> pm = PaddingMode.VALID;
            default -> throw ctx.unsupported("convolution mode " + mode);
        }
        return Conv2DConfig.builder()
                .kH(kernel[0]).kW(kernel[1])
                .sH(stride[0]).sW(stride[1])
                .pH(mode == ConvolutionMode.Same ? 0 : padding[0]).pW(mode == ConvolutionMode.Same ? 0 : padding[1])
                .dH(dilation[0]).dW(dilation[1])
                .paddingMode(pm)
                .dataFormat(Conv2DConfig.NCHW)
                .weightsFormat(WeightsFormat.OIYX)
                .build();
    }

    public static Dual apply(LayerContext ctx, Dual in, LayerDirections dirs) {
        ConvolutionLayer conf = (ConvolutionLayer) ctx.conf();
        if (conf.getCnn2dDataFormat() != CNN2DFormat.NCHW) {
            throw ctx.unsupported("data format " + conf.getCnn2dDataFormat());
        }
        if (conf.getWeightNoise() != null) {
            throw ctx.unsupported("weight noise / DropConnect");
        }
        if (conf.getIDropout() != null) {
            in = DropoutRule.apply(ctx, conf.getIDropout(), in);
        }
        Conv2DConfig cfg = config(ctx, conf.getKernelSize(), conf.getStride(), conf.getPadding(),
                conf.getDilation(), conf.getConvolutionMode());
        INDArray x = in.primal();
        INDArray w = ctx.layer().getParam(ConvolutionParamInitializer.WEIGHT_KEY); // [nOut, nIn, kH, kW]
        INDArray b = conf.hasBias() ? ctx.layer().getParam(ConvolutionParamInitializer.BIAS_KEY) : null;
        long[] ws = w.shape();

        INDArray z = b == null ? Nd4j.cnn().conv2d(x, w, cfg) : Nd4j.cnn().conv2d(x, w, b.reshape(ws[0]), cfg);
        INDArray propagated = in.hasTangent() ? Nd4j.cnn().conv2d(in.tangent(), w, cfg) : null;
        int k = dirs.count();
        Dual pre;
        if (!dirs.hasParamTangents()) {
            pre = new Dual(z, propagated, k);
        } else {
            INDArray wd = dirs.block(ConvolutionParamInitializer.WEIGHT_KEY).reshape('c', k * ws[0], ws[1], ws[2], ws[3]);
            INDArray p = b == null
                    ? Nd4j.cnn().conv2d(x, wd, cfg)
                    : Nd4j.cnn().conv2d(x, wd, dirs.block(ConvolutionParamInitializer.BIAS_KEY).reshape(k * ws[0]), cfg);
            INDArray stacked = Tangents.channelsToBatch(p, k);
            Tangents.release(p, stacked);
            pre = new Dual(z, Tangents.addLeading(stacked, propagated), k);
            Tangents.release(propagated, stacked);
            Tangents.release(wd);
        }
        return ActivationRule.apply(ctx, conf.getActivationFn(), pre);
    }
}

package io.github.dl4jcoded.engine.tangent;

import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;

import java.util.Map;

/**
 * The table of tangent rules, one per DL4J layer type, matched on the exact configuration class
 * (a subclass such as {@code Deconvolution2D} or {@code Subsampling1DLayer} computes something
 * else and is unsupported, not silently treated as its parent). Output and loss layers end the
 * network and are handled by {@link DenseRule#preOutput} and {@link LossRule}.
 */
public final class TangentRules {

    /** One layer's forward rule on (primal, tangents). */
    @FunctionalInterface
    public interface Rule {
        Dual apply(LayerContext ctx, Dual in, LayerDirections dirs);
    }

    private static final Map<Class<? extends Layer>, Rule> HIDDEN = Map.of(
            DenseLayer.class, DenseRule::apply,
            ConvolutionLayer.class, ConvolutionRule::apply,
            SubsamplingLayer.class, (ctx, in, dirs) -> SubsamplingRule.apply(ctx, in),
            BatchNormalization.class, BatchNormRule::apply,
            ActivationLayer.class, (ctx, in, dirs) -> ActivationLayerRule.apply(ctx, in),
            DropoutLayer.class, (ctx, in, dirs) -> DropoutLayerRule.apply(ctx, in),
            GlobalPoolingLayer.class, (ctx, in, dirs) -> GlobalPoolingRule.apply(ctx, in));

    private TangentRules() {
    }

    /** The rule for a hidden layer, or null when there is none. */
    public static Rule hidden(Layer conf) {
        return HIDDEN.get(conf.getClass());
    }

    public static boolean isOutput(Layer conf) {
        return conf.getClass() == OutputLayer.class || conf.getClass() == LossLayer.class;
    }
}

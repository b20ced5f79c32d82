package io.github.dl4jcoded.engine.tangent;

import org.deeplearning4j.nn.conf.layers.DropoutLayer;

/** A dropout layer: its dropout on the input, nothing else (see {@link DropoutRule}). */
public final class DropoutLayerRule {

    private DropoutLayerRule() {
    }

    public static Dual apply(LayerContext ctx, Dual in) {
        DropoutLayer conf = (DropoutLayer) ctx.conf();
        return conf.getIDropout() == null ? in : DropoutRule.apply(ctx, conf.getIDropout(), in);
    }
}

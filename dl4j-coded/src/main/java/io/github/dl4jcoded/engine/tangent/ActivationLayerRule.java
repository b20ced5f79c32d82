package io.github.dl4jcoded.engine.tangent;

import org.deeplearning4j.nn.conf.layers.ActivationLayer;

/** A layer that only applies an activation (DL4J ignores dropout configured on it). */
public final class ActivationLayerRule {

    private ActivationLayerRule() {
    }

    public static Dual apply(LayerContext ctx, Dual in) {
        ActivationLayer conf = (ActivationLayer) ctx.conf();
        return ActivationRule.apply(ctx, conf.getActivationFn(), in);
    }
}

package io.github.dl4jcoded.engine.tangent;

import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.conf.preprocessor.FeedForwardToCnnPreProcessor;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Set;

/**
 * Input preprocessors between CNN and feed-forward layers are per-example reshapes (linear, no
 * parameters): primal and the {@code [k*B, ...]} tangents go through DL4J's own preprocessor.
 * Their outputs may be views of their inputs; the rules downstream never write into inputs.
 */
public final class PreprocessorRule {

    private static final Set<Class<? extends InputPreProcessor>> RESHAPES = Set.of(
            CnnToFeedForwardPreProcessor.class, FeedForwardToCnnPreProcessor.class);

    private PreprocessorRule() {
    }

    public static Dual apply(LayerContext ctx, InputPreProcessor pre, Dual in) {
        if (!RESHAPES.contains(pre.getClass())) {
            throw ctx.unsupported("input preprocessor " + pre.getClass().getSimpleName());
        }
        INDArray x = pre.preProcess(in.primal(), (int) in.batch(), ctx.workspaces());
        if (!in.hasTangent()) {
            return Dual.primalOnly(x);
        }
        INDArray t = pre.preProcess(in.tangent(), (int) (in.k() * in.batch()), ctx.workspaces());
        return new Dual(x, t, in.k());
    }
}

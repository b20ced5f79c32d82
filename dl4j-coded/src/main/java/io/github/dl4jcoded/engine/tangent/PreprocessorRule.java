package io.github.dl4jcoded.engine.tangent;

import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.conf.preprocessor.FeedForwardToCnnPreProcessor;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
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
        if (!supports(pre)) {
            throw ctx.unsupported("input preprocessor " + pre.getClass().getSimpleName());
        }
        return apply(pre, in);
    }

    public static boolean supports(InputPreProcessor pre) {
        return RESHAPES.contains(pre.getClass());
    }

    /** A supported preprocessor ({@link #supports}) on (primal, tangents), e.g. a graph's PreprocessorVertex. */
    public static Dual apply(InputPreProcessor pre, Dual in) {
        LayerWorkspaceMgr ws = LayerWorkspaceMgr.noWorkspaces();
        INDArray x = pre.preProcess(in.primal(), (int) in.batch(), ws);
        if (!in.hasTangent()) {
            return Dual.primalOnly(x);
        }
        INDArray t = pre.preProcess(in.tangent(), (int) (in.k() * in.batch()), ws);
        return new Dual(x, t, in.k());
    }
}

package io.github.dl4jcoded.engine;

import io.github.dl4jcoded.nn.Network;
import io.github.dl4jcoded.nn.ParamLayout;

import io.github.dl4jcoded.engine.tangent.DenseRule;
import io.github.dl4jcoded.engine.tangent.Dual;
import io.github.dl4jcoded.engine.tangent.LayerContext;
import io.github.dl4jcoded.engine.tangent.LayerDirections;
import io.github.dl4jcoded.engine.tangent.LossRule;
import io.github.dl4jcoded.engine.tangent.TangentRules;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

/**
 * Forward-mode automatic differentiation (JVP) through a {@link MultiLayerNetwork}, with one
 * tangent rule per layer type ({@code io.github.dl4jcoded.engine.tangent}).
 *
 * <p>One sweep over the layers carries the primal activations and the tangents of all
 * directions together, stacked along the minibatch axis ({@link Dual}). A direction starts at the
 * first layer where it is non-zero: before that its tangent is zero and costs nothing; at that
 * layer its tangent is born from the primal input and the layer's parameter tangent; from there it
 * is pushed to the loss. Each layer's input (primal and tangents) is freed as soon as the layer
 * is done, and the rules free their larger temporaries (im2col buffers and the like) at once:
 * nothing is kept for a backward pass, so memory is about (1 + k) activations of one or two
 * layers, for the k tangents alive there, plus that layer's temporaries.
 *
 * <p>Directions are processed in chunks of at most {@code maxTangentsPerPass} (each chunk repeats
 * the primal pass; the default, no limit, is one pass). With several passes, each pass re-seeds
 * the thread's ND4J generator with one seed drawn from it, so that all passes share the dropout
 * masks (which then differ from those of a DL4J backprop started from the same seed). Within a pass directions are ordered by
 * their starting layer, so a caller that orders them that way saves a copy.
 *
 * <p>Supported: DenseLayer, OutputLayer, LossLayer (any DL4J loss function with its output
 * activation), ConvolutionLayer (NCHW; Same, Truncate and Strict modes; stride, padding, dilation),
 * SubsamplingLayer (MAX, AVG), BatchNormalization (training-mode statistics), ActivationLayer,
 * DropoutLayer and dropout on dense/output/convolution layers, GlobalPoolingLayer (AVG, SUM,
 * MAX, PNORM), CnnToFeedForward and FeedForwardToCnn preprocessors, and the elementwise
 * activations plus softmax. Anything else throws {@link UnsupportedLayerException}.
 * A features mask is not supported (throws); a labels mask is.
 */
public final class ForwardModeEngine implements DirectionalDerivativeEngine {

    private final int maxTangentsPerPass;

    public ForwardModeEngine() {
        this(Integer.MAX_VALUE);
    }

    public ForwardModeEngine(int maxTangentsPerPass) {
        if (maxTangentsPerPass < 1) {
            throw new IllegalArgumentException("maxTangentsPerPass must be >= 1");
        }
        this.maxTangentsPerPass = maxTangentsPerPass;
    }

    @Override
    public String name() {
        return maxTangentsPerPass == Integer.MAX_VALUE ? "forward-mode" : "forward-mode(chunk=" + maxTangentsPerPass + ")";
    }

    @Override
    public Result compute(Network network, INDArray features, INDArray labels,
                          INDArray featuresMask, INDArray labelsMask, INDArray directions) {
        if (network.isGraph()) {
            throw new UnsupportedOperationException("forward mode through a ComputationGraph is not built yet; "
                    + "use ReverseThenProjectEngine");
        }
        MultiLayerNetwork net = ((Network.MultiLayer) network).model();
        if (featuresMask != null) {
            throw new UnsupportedOperationException("ForwardModeEngine does not support a features mask; "
                    + "use ReverseThenProjectEngine");
        }
        ParamLayout layout = ParamLayout.of(net);
        layout.checkDirections(directions);
        checkSupported(net);
        int[][] support = layout.support(directions);
        int[] start = support[0];
        int[] end = support[1];
        Integer[] boxed = IntStream.range(0, start.length).filter(i -> start[i] >= 0).boxed().toArray(Integer[]::new);
        Arrays.sort(boxed, Comparator.comparingInt(i -> start[i])); // stable
        int[] order = Arrays.stream(boxed).mapToInt(Integer::intValue).toArray();

        double[] derivatives = new double[start.length];
        double loss = Double.NaN;
        try (MemoryWorkspace ignored = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
            DataType dt = net.params().dataType();
            INDArray dirs = directions.castTo(dt);
            int passes = Math.max(1, (order.length + maxTangentsPerPass - 1) / maxTangentsPerPass);
            // Several passes must see the same dropout masks: each starts from one seed.
            long maskSeed = passes > 1 ? Nd4j.getRandom().nextLong() : 0;
            for (int p = 0; p < passes; p++) {
                if (passes > 1) {
                    Nd4j.getRandom().setSeed(maskSeed);
                }
                int from = p * maxTangentsPerPass;
                int[] chunk = Arrays.copyOfRange(order, Math.min(from, order.length),
                        Math.min(order.length, from + maxTangentsPerPass));
                LossRule.Value v = sweep(net, layout, features.castTo(dt), labels, labelsMask, dirs, chunk,
                        start, end);
                loss = v.loss();
                for (int i = 0; i < chunk.length; i++) {
                    derivatives[chunk[i]] = v.derivatives()[i];
                }
            }
        } finally {
            for (Layer l : net.getLayers()) {
                l.clear();
            }
        }
        return new Result(loss, derivatives);
    }

    /** One pass: primal and the tangents of {@code rows} (ordered by start layer) to the loss. */
    private static LossRule.Value sweep(MultiLayerNetwork net, ParamLayout layout, INDArray features,
                                        INDArray labels, INDArray labelsMask, INDArray dirs, int[] rows,
                                        int[] start, int[] end) {
        Dual cur = Dual.primalOnly(features);
        int n = net.getnLayers();
        int active = 0;
        for (int l = 0; l < n; l++) {
            Layer layer = net.getLayer(l);
            LayerContext ctx = new LayerContext(l, layer, net.getIterationCount(), net.getEpochCount());
            InputPreProcessor pre = net.getLayerWiseConfigurations().getInputPreProcess(l);
            if (pre != null) {
                Dual next = io.github.dl4jcoded.engine.tangent.PreprocessorRule.apply(ctx, pre, cur);
                cur.releaseExcept(next, features);
                cur = next;
            }
            while (active < rows.length && start[rows[active]] <= l) {
                active++;
            }
            boolean paramTangents = false;
            for (int i = 0; i < active && !paramTangents; i++) {
                paramTangents = end[rows[i]] >= l;
            }
            LayerDirections ld = new LayerDirections(dirs, rows, active, paramTangents, layout.layer(l));
            org.deeplearning4j.nn.conf.layers.Layer conf = ctx.conf();
            if (l == n - 1) {
                if (conf instanceof LossLayer lossConf) {
                    return LossRule.apply(ctx, lossConf.getLossFn(), lossConf.getActivationFn(), cur, labels, labelsMask);
                }
                BaseOutputLayer out = (BaseOutputLayer) conf;
                Dual z = DenseRule.preOutput(ctx, cur, ld);
                cur.releaseExcept(z, features);
                return LossRule.apply(ctx, out.getLossFn(), out.getActivationFn(), z, labels, labelsMask);
            }
            Dual next = TangentRules.hidden(conf).apply(ctx, cur, ld);
            cur.releaseExcept(next, features);
            cur = next;
        }
        throw new IllegalStateException("network has no layers");
    }

    /** Fails before any work if some layer has no rule. */
    static void checkSupported(MultiLayerNetwork net) {
        int n = net.getnLayers();
        for (int l = 0; l < n; l++) {
            LayerContext ctx = new LayerContext(l, net.getLayer(l), 0, 0);
            org.deeplearning4j.nn.conf.layers.Layer conf = ctx.conf();
            boolean last = l == n - 1;
            if (last && !TangentRules.isOutput(conf)) {
                throw ctx.unsupported("the last layer must be an OutputLayer or LossLayer");
            }
            if (!last && TangentRules.hidden(conf) == null) {
                throw ctx.unsupported("layer type " + conf.getClass().getName());
            }
        }
    }
}

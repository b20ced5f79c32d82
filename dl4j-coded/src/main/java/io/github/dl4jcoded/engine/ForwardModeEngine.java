package io.github.dl4jcoded.engine;

import io.github.dl4jcoded.nn.Network;
import io.github.dl4jcoded.nn.ParamLayout;
import io.github.dl4jcoded.nn.RunningStatistics;

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
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.Comparator;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.IntStream;

/**
 * Forward-mode automatic differentiation (JVP) through a {@link MultiLayerNetwork} or a
 * single-input, single-output {@link ComputationGraph} ({@link GraphSweep}), with one tangent rule
 * per layer and vertex type ({@code io.github.dl4jcoded.engine.tangent}). The result carries batch
 * normalization's running-statistics step, computed from the primal minibatch statistics.
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
        if (featuresMask != null) {
            throw new UnsupportedOperationException("ForwardModeEngine does not support a features mask; "
                    + "use ReverseThenProjectEngine");
        }
        ParamLayout layout = ParamLayout.of(network);
        layout.checkDirections(directions);
        if (network.isGraph()) {
            GraphSweep.checkSupported(((Network.Graph) network).model());
        } else {
            checkSupported(((Network.MultiLayer) network).model());
        }
        int[][] support = layout.support(directions);
        int[] start = support[0];
        int[] end = support[1];
        Integer[] boxed = IntStream.range(0, start.length).filter(i -> start[i] >= 0).boxed().toArray(Integer[]::new);
        Arrays.sort(boxed, Comparator.comparingInt(i -> start[i])); // stable
        int[] order = Arrays.stream(boxed).mapToInt(Integer::intValue).toArray();

        double[] derivatives = new double[start.length];
        double loss = Double.NaN;
        // Batch normalization's running-statistics step per layer index (the primal is the same in every pass).
        Map<Integer, INDArray> steps = new TreeMap<>();
        try (MemoryWorkspace ignored = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
            DataType dt = network.dataType();
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
                Pass pass = new Pass(layout, dirs, chunk, start, end, steps);
                LossRule.Value v = network.isGraph()
                        ? GraphSweep.sweep(((Network.Graph) network).model(), pass, features.castTo(dt), labels,
                        labelsMask)
                        : sweep(((Network.MultiLayer) network).model(), pass, features.castTo(dt), labels, labelsMask);
                loss = v.loss();
                // A pass may end with fewer tangents than it started (directions that never reach the loss).
                for (int i = 0; i < v.derivatives().length; i++) {
                    derivatives[chunk[i]] = v.derivatives()[i];
                }
            }
        } finally {
            for (Layer l : network.layers()) {
                l.clear();
            }
        }
        return new Result(loss, derivatives, RunningStatistics.concat(layout, steps));
    }

    /**
     * What one pass needs: the directions of {@code rows} (ordered by start layer) and their
     * support, and where batch normalization's running-statistics steps go.
     */
    record Pass(ParamLayout layout, INDArray dirs, int[] rows, int[] start, int[] end, Map<Integer, INDArray> steps) {

        /** Number of directions of this pass that have started at or before layer {@code l}. */
        int activeAt(int l) {
            int active = 0;
            while (active < rows.length && start[rows[active]] <= l) {
                active++;
            }
            return active;
        }

        /** Whether one of the first {@code active} directions may be non-zero on layer {@code l} or later. */
        boolean paramTangents(int active, int l) {
            for (int i = 0; i < active; i++) {
                if (end[rows[i]] >= l) {
                    return true;
                }
            }
            return false;
        }

        LayerContext context(int l, Layer layer, int iteration, int epoch) {
            return new LayerContext(l, layer, iteration, epoch,
                    (mean, var) -> steps.put(l, RunningStatistics.update(layer, mean, var)));
        }
    }

    /** One pass over a multi-layer network: primal and the tangents of {@code pass.rows()} to the loss. */
    private static LossRule.Value sweep(MultiLayerNetwork net, Pass pass, INDArray features,
                                        INDArray labels, INDArray labelsMask) {
        Dual cur = Dual.primalOnly(features);
        int n = net.getnLayers();
        for (int l = 0; l < n; l++) {
            Layer layer = net.getLayer(l);
            LayerContext ctx = pass.context(l, layer, net.getIterationCount(), net.getEpochCount());
            InputPreProcessor pre = net.getLayerWiseConfigurations().getInputPreProcess(l);
            if (pre != null) {
                Dual next = io.github.dl4jcoded.engine.tangent.PreprocessorRule.apply(ctx, pre, cur);
                cur.releaseExcept(next, features);
                cur = next;
            }
            int active = pass.activeAt(l);
            LayerDirections ld = new LayerDirections(pass.dirs(), pass.rows(), active, pass.paramTangents(active, l),
                    pass.layout().layer(l));
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

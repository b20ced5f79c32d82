package io.github.dl4jcoded.updater;

import io.github.dl4jcoded.nd4j.GradientViewWriter;
import io.github.dl4jcoded.nn.Network;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Updater;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.BaseMultiLayerUpdater;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.deeplearning4j.optimize.solvers.BaseOptimizer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.BooleanIndexing;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.indexing.conditions.Conditions;

import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Applies an externally computed gradient (a decoded estimate, or a dense average) to a
 * network exactly as {@code MultiLayerNetwork.fit} applies its own backprop gradient: through
 * the network's updater (minibatch division, gradient normalization, regularization, the
 * updater itself), then {@code params -= update}, the iteration counter, the listeners and the
 * constraints. With a {@link GradientMask}, absent blocks keep their parameters and, through
 * {@link MaskedUpdater}, their updater state.
 */
public final class GradientApplier {
    private final Network net;
    private final AtomicReference<GradientMask> currentMask = new AtomicReference<>();
    private final boolean masked;

    /**
     * @param masked true when {@code net} was built from {@link MaskedUpdaters#wrap}: partial
     *               gradients are then allowed; false for dense-only use with any updater
     */
    public GradientApplier(MultiLayerNetwork net, boolean masked) {
        this(Network.of(net), masked);
    }

    /** As {@link #GradientApplier(MultiLayerNetwork, boolean)}, for either kind of network. */
    public GradientApplier(Network net, boolean masked) {
        this.net = net;
        this.masked = masked;
        if (masked) {
            MaskedUpdaters.bind(net, currentMask::get);
        }
    }

    public Network network() {
        return net;
    }

    /**
     * One optimizer step.
     *
     * @param gradientSum the gradient of the loss SUMMED over a minibatch of {@code batchSize}
     *                    examples (DL4J's convention; the updater divides), in the layout of
     *                    {@code params()}; entries outside {@code mask} are ignored
     * @param mask        present blocks, or {@code null} for all
     * @param score       the loss to report to listeners ({@code NaN} if unknown)
     * @throws IllegalArgumentException for a wrong length or non-finite values; nothing is changed
     */
    public synchronized void apply(INDArray gradientSum, int batchSize, GradientMask mask, double score) {
        apply(gradientSum, batchSize, mask, score, 1.0);
    }

    /**
     * As {@link #apply(INDArray, int, GradientMask, double)}, with the updater's output scaled by
     * {@code updateScale} in (0, 1] before it is subtracted: a staleness-aware step for late
     * asynchronous gradients that works the same for SGD and for adaptive updaters.
     */
    public synchronized void apply(INDArray gradientSum, int batchSize, GradientMask mask, double score, double updateScale) {
        long n = net.numParams();
        if (gradientSum.length() != n) {
            throw new IllegalArgumentException("gradient has " + gradientSum.length() + " entries, the network has " + n + " parameters");
        }
        checkStep(batchSize, mask, updateScale);
        if (BooleanIndexing.or(gradientSum, Conditions.isNan()) || BooleanIndexing.or(gradientSum, Conditions.isInfinite())) {
            throw new IllegalArgumentException("gradient contains NaN or Inf: refused, parameters unchanged");
        }
        INDArray view = net.gradientView();
        view.assign(gradientSum.reshape(view.shape()));
        step(view, batchSize, mask, score, updateScale);
    }

    /**
     * As {@link #apply(INDArray, int, GradientMask, double, double)} for a MEAN gradient held in a
     * Java array (what a parameter server decodes): written into the network's gradient view in
     * one copy ({@link GradientViewWriter}), with DL4J's minibatch division kept neutral.
     */
    public synchronized void applyMean(double[] meanGradient, GradientMask mask, double score, double updateScale) {
        long n = net.numParams();
        if (meanGradient.length != n) {
            throw new IllegalArgumentException("gradient has " + meanGradient.length + " entries, the network has " + n + " parameters");
        }
        checkStep(1, mask, updateScale);
        for (int i = 0; i < meanGradient.length; i++) {
            if (!Double.isFinite(meanGradient[i])) {
                throw new IllegalArgumentException("gradient contains NaN or Inf at " + i + ": refused, parameters unchanged");
            }
        }
        INDArray view = net.gradientView();
        GradientViewWriter.write(meanGradient, view);
        step(view, 1, mask, score, updateScale);
    }

    private void checkStep(int batchSize, GradientMask mask, double updateScale) {
        if (!(updateScale > 0 && updateScale <= 1)) {
            throw new IllegalArgumentException("update scale must be in (0, 1], got " + updateScale);
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
        }
        if (mask != null && !masked && !mask.covers(0, net.numParams())) {
            throw new IllegalArgumentException("a partial gradient needs masked updaters: build the network from MaskedUpdaters.wrap(conf)");
        }
    }

    /** The step on the gradient written into {@code view}: updater, masking, scale, params, listeners. */
    private void step(INDArray view, int batchSize, GradientMask mask, double score, double updateScale) {
        long n = net.numParams();
        long[] missing = mask == null ? new long[0] : mask.missingWithin(0, n);
        zero(view, missing); // what no codeword touched is not a gradient of zero: it is unknown

        currentMask.set(mask);
        int iteration = net.getIterationCount();
        int epoch = net.getEpochCount();
        BaseMultiLayerUpdater<?> mlu = net.updater();
        try {
            mlu.update(gradientOf(view), iteration, epoch, batchSize, LayerWorkspaceMgr.noWorkspaces());
        } finally {
            currentMask.set(null);
        }
        zero(view, missing); // post-updater terms (weight decay) must not move absent blocks either
        if (updateScale != 1.0) {
            view.muli(updateScale);
        }
        net.params().subi(view.reshape(net.params().shape()));

        if (!Double.isNaN(score)) {
            net.setScore(score);
        }
        for (TrainingListener l : net.getListeners()) {
            l.iterationDone(net.model(), iteration, epoch);
        }
        BaseOptimizer.incrementIterationCount(net.model(), 1);
        BaseOptimizer.applyConstraints(net.model());
    }

    private static void zero(INDArray view, long[] missing) {
        INDArray flat = view.rank() == 1 ? view : view.reshape(view.length());
        for (int r = 0; r < missing.length; r += 2) {
            flat.get(NDArrayIndex.interval(missing[r], missing[r + 1])).assign(0);
        }
    }

    /** A Gradient keyed like backprop's ("0_W" or "conv1_W", ...) whose arrays are views of {@code view}. */
    private Gradient gradientOf(INDArray view) {
        Gradient g = new DefaultGradient(view);
        Layer[] layers = net.layers();
        for (int i = 0; i < layers.length; i++) {
            Layer layer = layers[i];
            if (layer.numParams() == 0) {
                continue;
            }
            Map<String, INDArray> views = layer.conf().getLayer().initializer()
                    .getGradientsFromFlattened(layer.conf(), layer.getGradientsViewArray());
            for (Map.Entry<String, INDArray> e : views.entrySet()) {
                g.setGradientFor(net.gradientPrefix(i) + "_" + e.getKey(), e.getValue());
            }
        }
        return g;
    }

    @Override
    public String toString() {
        return "GradientApplier{params=" + net.numParams() + ", masked=" + masked + ", layers="
                + Arrays.toString(net.layers()) + "}";
    }
}

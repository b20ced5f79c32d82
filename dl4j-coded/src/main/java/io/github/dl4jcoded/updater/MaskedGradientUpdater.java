package io.github.dl4jcoded.updater;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The state-and-apply half of {@link MaskedUpdater}. DL4J calls it once per updater block (a
 * run of parameters sharing one updater configuration); {@link MaskedUpdaters#bind} tells it
 * where that run starts in the flattened parameters and where to read the current
 * {@link GradientMask}. Missing entries: their update is zeroed and their state slices are
 * restored after the wrapped updater ran, so its arithmetic is used unchanged everywhere else.
 */
public final class MaskedGradientUpdater implements GradientUpdater<MaskedUpdater> {
    private final MaskedUpdater config;
    private final GradientUpdater<?> inner;
    private INDArray stateView;
    private long paramOffset;
    private Supplier<GradientMask> maskSource;

    MaskedGradientUpdater(MaskedUpdater config, GradientUpdater<?> inner, INDArray stateView) {
        this.config = config;
        this.inner = inner;
        this.stateView = stateView;
    }

    /** Binds this updater to parameters {@code [paramOffset, paramOffset + n)} of the network. */
    void bind(long paramOffset, Supplier<GradientMask> maskSource) {
        this.paramOffset = paramOffset;
        this.maskSource = maskSource;
    }

    public GradientUpdater<?> getInner() {
        return inner;
    }

    @Override
    public MaskedUpdater getConfig() {
        return config;
    }

    @Override
    public void setState(Map<String, INDArray> stateMap, boolean initialize) {
        inner.setState(stateMap, initialize);
    }

    @Override
    public Map<String, INDArray> getState() {
        return inner.getState();
    }

    @Override
    public void setStateViewArray(INDArray viewArray, long[] gradientShape, char gradientOrder, boolean initialize) {
        this.stateView = viewArray;
        inner.setStateViewArray(viewArray, gradientShape, gradientOrder, initialize);
    }

    @Override
    public void applyUpdater(INDArray gradient, int iteration, int epoch) {
        GradientMask mask = maskSource == null ? null : maskSource.get();
        long n = gradient.length();
        if (mask == null || mask.covers(paramOffset, paramOffset + n)) {
            inner.applyUpdater(gradient, iteration, epoch);
            return;
        }
        long[] missing = mask.missingWithin(paramOffset, paramOffset + n);
        INDArray flatState = stateView == null || stateView.isEmpty() ? null : flat(stateView);
        long chunks = flatState == null ? 0 : flatState.length() / n;
        if (flatState != null && chunks * n != flatState.length()) {
            throw new IllegalStateException("updater " + config.getInner() + " keeps " + flatState.length()
                    + " state values for " + n + " parameters: not whole per-parameter arrays, cannot mask it");
        }
        List<INDArray> saved = new ArrayList<>();
        for (long c = 0; c < chunks; c++) {
            for (int r = 0; r < missing.length; r += 2) {
                saved.add(flatState.get(NDArrayIndex.interval(c * n + missing[r], c * n + missing[r + 1])).dup());
            }
        }
        inner.applyUpdater(gradient, iteration, epoch);
        INDArray flatGrad = flat(gradient);
        int k = 0;
        for (long c = 0; c < chunks; c++) {
            for (int r = 0; r < missing.length; r += 2) {
                flatState.get(NDArrayIndex.interval(c * n + missing[r], c * n + missing[r + 1])).assign(saved.get(k++));
            }
        }
        for (int r = 0; r < missing.length; r += 2) {
            flatGrad.get(NDArrayIndex.interval(missing[r], missing[r + 1])).assign(0);
        }
    }

    /** A rank-1 view sharing memory with {@code a} (DL4J hands out [n] or [1, n] views). */
    private static INDArray flat(INDArray a) {
        if (a.rank() == 1) {
            return a;
        }
        if (a.rank() == 2 && a.size(0) == 1) {
            return a.get(NDArrayIndex.point(0), NDArrayIndex.all());
        }
        throw new IllegalStateException("expected a row vector view, got shape " + java.util.Arrays.toString(a.shape()));
    }
}

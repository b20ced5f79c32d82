package io.github.dl4jcoded.updater;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.schedule.ISchedule;

import java.util.Map;
import java.util.Objects;

/**
 * The configuration half of the coded updater, in DL4J's {@link IUpdater} /
 * {@link GradientUpdater} split: wraps the user's own updater (SGD, Nesterovs, Adam, AdaGrad,
 * ... any DL4J updater whose state is whole per-parameter arrays) and applies a partially
 * decoded gradient. Blocks that no codeword touched keep their parameters and their updater
 * state (no momentum drift); with every block present it is exactly the wrapped updater.
 * It round-trips through DL4J's JSON and {@code ModelSerializer} like any built-in updater.
 */
public final class MaskedUpdater implements IUpdater {
    private static final long serialVersionUID = 1L;

    private IUpdater inner;

    /** For JSON deserialization only. */
    public MaskedUpdater() {
    }

    public MaskedUpdater(IUpdater inner) {
        Objects.requireNonNull(inner, "inner updater");
        if (inner instanceof MaskedUpdater) {
            throw new IllegalArgumentException("the updater is already masked");
        }
        this.inner = inner;
    }

    public IUpdater getInner() {
        return inner;
    }

    @Override
    public long stateSize(long numParams) {
        return inner.stateSize(numParams);
    }

    @Override
    public GradientUpdater instantiate(INDArray viewArray, boolean initializeViewArray) {
        return new MaskedGradientUpdater(this, inner.instantiate(viewArray, initializeViewArray), viewArray);
    }

    @Override
    public GradientUpdater instantiate(Map<String, INDArray> updaterState, boolean initializeStateArrays) {
        throw new UnsupportedOperationException("MaskedUpdater needs a flat state view (the MultiLayerNetwork path);"
                + " map-based state (SameDiff) is not supported");
    }

    @Override
    public IUpdater clone() {
        return new MaskedUpdater(inner.clone());
    }

    @Override
    public double getLearningRate(int iteration, int epoch) {
        return inner.getLearningRate(iteration, epoch);
    }

    @Override
    public boolean hasLearningRate() {
        return inner.hasLearningRate();
    }

    @Override
    public void setLrAndSchedule(double lr, ISchedule lrSchedule) {
        inner.setLrAndSchedule(lr, lrSchedule);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MaskedUpdater m && Objects.equals(inner, m.inner);
    }

    @Override
    public int hashCode() {
        return 31 * Objects.hashCode(inner) + 7;
    }

    @Override
    public String toString() {
        return "MaskedUpdater(" + inner + ")";
    }
}

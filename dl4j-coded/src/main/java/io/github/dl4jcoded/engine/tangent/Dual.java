package io.github.dl4jcoded.engine.tangent;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A primal value and the k tangents travelling with it, stacked along the minibatch axis:
 * {@code primal} is {@code [B, ...]}, {@code tangent} is {@code [k*B, ...]} with tangent i in
 * rows {@code [i*B, (i+1)*B)}, or null when k is 0 (no direction has started yet).
 * This is the (primal, tangent) pair of {@code jax.jvp}, batched over directions.
 */
public record Dual(INDArray primal, INDArray tangent, int k) {

    public Dual {
        if ((k == 0) != (tangent == null)) {
            throw new IllegalArgumentException("k = " + k + " but tangent " + (tangent == null ? "absent" : "present"));
        }
        if (tangent != null && tangent.size(0) != k * primal.size(0)) {
            throw new IllegalArgumentException("tangent batch " + tangent.size(0) + " != " + k + " x " + primal.size(0));
        }
    }

    public static Dual primalOnly(INDArray primal) {
        return new Dual(primal, null, 0);
    }

    public long batch() {
        return primal.size(0);
    }

    public boolean hasTangent() {
        return k > 0;
    }

    /**
     * Frees this pair's arrays unless they share memory with {@code next} or {@code keep}: called
     * by the engine once a layer has turned this pair into {@code next}.
     */
    public void releaseExcept(Dual next, INDArray... keep) {
        INDArray[] all = java.util.Arrays.copyOf(keep, keep.length + 2);
        all[keep.length] = next.primal();
        all[keep.length + 1] = next.tangent();
        Tangents.release(primal, all);
        Tangents.release(tangent, all);
    }
}

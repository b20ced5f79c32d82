package io.github.dl4jcoded.cuda;

/**
 * A worker's and a server's per-step work on the gradient for a set of blocks: encode with error
 * feedback, and lift. Implemented on the GPU (the kernels, through the CUDA driver API: count-sketch
 * and low-rank frames) and on the CPU (the Java frames, {@link CpuFrameCoder});
 * {@link SketchCoders#open} picks one. Not thread-safe: one per worker.
 */
public interface SketchCoder extends AutoCloseable {
    /** Where the work runs, e.g. "cpu" or "cuda NVIDIA H200 (sm_90, ...)". */
    String device();

    /**
     * One step of error-feedback encoding: {@code c = g + e}, returns {@code s = F^T c} for each
     * block (concatenated in the coder's block order), keeps
     * {@code e <- alpha (c - F s)} for the next step. {@code g} (length n) is not modified.
     */
    float[] encodeWithFeedback(long step, float[] g);

    /** {@code out[block] += factor * F s} for every coded block; {@code symbols} as encode returns them. */
    void liftAdd(long step, float[] symbols, float factor, float[] out);

    /** The residual the next step adds (length n, zero outside the coded blocks). */
    float[] residual();

    @Override
    void close();
}

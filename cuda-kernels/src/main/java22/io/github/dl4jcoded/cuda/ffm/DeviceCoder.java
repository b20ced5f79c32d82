package io.github.dl4jcoded.cuda.ffm;

import io.github.dl4jcoded.cuda.Feedback;
import io.github.dl4jcoded.cuda.SketchCoder;
import io.github.dl4jcoded.partition.Block;
import io.github.dl4jcoded.partition.Partition;

/**
 * What the GPU coders share: the device buffers of the gradient, the raw residual, a lift's output,
 * and each block's feedback factor and norms; the host-array entry points (copy up, run, copy down);
 * and the feedback rule applied to the norms the kernels leave. Subclasses launch their frames'
 * kernels on device pointers.
 */
abstract class DeviceCoder implements SketchCoder {
    final CudaDriver cuda;
    final Partition partition;
    final int[] blocks;
    final Feedback feedback;
    final String image;
    final int n, k;
    final long g, e, lifted, alpha, norms;
    private final float[] alphaHost;
    private boolean closed;

    DeviceCoder(CudaDriver cuda, String image, Partition partition, int[] blocks, Feedback feedback) {
        this.cuda = cuda;
        this.image = image;
        this.partition = partition;
        this.blocks = blocks.clone();
        this.feedback = feedback;
        this.n = partition.size();
        this.k = blocks.length;
        g = cuda.alloc(4L * n);
        e = cuda.alloc(4L * n);
        lifted = cuda.alloc(4L * n);
        alpha = cuda.alloc(4L * k);
        norms = cuda.alloc(8L * k);
        cuda.zero(e, n);
        cuda.zero(alpha, k);
        alphaHost = new float[k];
    }

    @Override
    public String device() { return "cuda " + cuda.deviceName() + " (sm_" + cuda.computeCapability() + ", " + image + ")"; }

    /** Encode with error feedback of the gradient at device address {@code gradient} (n floats, not modified). */
    public abstract float[] encodeWithFeedbackDevice(long step, long gradient);

    /** {@code out += factor F s} on the device buffer at {@code out} (n floats). */
    public abstract void liftAddDevice(long step, float[] symbols, float factor, long out);

    /** The device pointer of the gradient buffer that {@link #encodeWithFeedback} fills. */
    public long gradientBuffer() { return g; }

    /** The device pointer of the buffer that {@link #liftAdd} adds into. */
    public long liftBuffer() { return lifted; }

    CudaDriver driver() { return cuda; }

    @Override
    public float[] encodeWithFeedback(long step, float[] gradient) {
        checkOpen();
        if (gradient.length != n) throw new IllegalArgumentException("gradient length " + gradient.length + " != n=" + n);
        for (int i = 0; i < gradient.length; i++) {
            if (!Float.isFinite(gradient[i])) throw new IllegalArgumentException("gradient has a NaN or infinite entry at " + i);
        }
        cuda.upload(g, gradient);
        return encodeWithFeedbackDevice(step, g);
    }

    @Override
    public void liftAdd(long step, float[] symbols, float factor, float[] out) {
        checkOpen();
        if (out.length != n) throw new IllegalArgumentException("output length " + out.length + " != n=" + n);
        cuda.upload(lifted, out);
        liftAddDevice(step, symbols, factor, lifted);
        cuda.download(out, lifted);
    }

    /** After an encode: the next step's feedback factors from the norms the kernels left, per block. */
    void updateFeedback() {
        float[] nn = new float[2 * k];
        cuda.download(nn, norms);
        for (int p = 0; p < k; p++) {
            double a = feedback.nextAlpha(nn[2 * p], nn[2 * p + 1]);
            if (!Double.isFinite(a)) throw new IllegalStateException("non-finite residual on block " + blocks[p] + ": the gradient overflowed float");
            alphaHost[p] = (float) a;
        }
        cuda.upload(alpha, alphaHost);
    }

    @Override
    public float[] residual() {
        checkOpen();
        float[] raw = new float[n];
        cuda.download(raw, e);
        float[] out = new float[n];
        for (int p = 0; p < k; p++) {
            Block b = partition.block(blocks[p]);
            for (int i = b.offset(); i < b.offset() + b.size(); i++) out[i] = alphaHost[p] * raw[i];
        }
        return out;
    }

    void checkOpen() {
        if (closed) throw new IllegalStateException("coder is closed");
    }

    /** Frees what the subclass allocated. */
    abstract void freeOwn();

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        freeOwn();
        for (long p : new long[] {g, e, lifted, alpha, norms}) cuda.free(p);
    }
}

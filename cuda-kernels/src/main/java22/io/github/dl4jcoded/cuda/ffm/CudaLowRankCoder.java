package io.github.dl4jcoded.cuda.ffm;

import io.github.dl4jcoded.cuda.Feedback;
import io.github.dl4jcoded.cuda.LowRankLayout;
import io.github.dl4jcoded.cuda.SketchCoder;
import io.github.dl4jcoded.cuda.SketchCoders.GpuUnavailableException;
import io.github.dl4jcoded.frame.FrameSource;
import io.github.dl4jcoded.partition.Block;
import io.github.dl4jcoded.partition.Partition;
import java.nio.file.Path;

/**
 * The GPU coder for low-rank frames (the default frames of coded training): the skinny products
 * M Q and S Q^T of every matrix block and the identity blocks' copies, through {@link CudaDriver}.
 * Per step the frames' bases (B x r floats per matrix) and the layout go up, the symbols and two
 * norms a block come down; the gradient, the raw residual and a lift's output stay on the device.
 */
public final class CudaLowRankCoder implements SketchCoder {
    private static final int THREADS = 256;

    private final CudaDriver cuda;
    private final Partition partition;
    private final FrameSource frames;
    private final int[] blocks;
    private final Feedback feedback;
    private final CudaDriver.Kernel encode, lift, idEncode, idLift;
    private final String image;
    private final int n, k;
    private final long g, e, lifted, alpha, norms;
    private final float[] alphaHost;
    private Buffers step;
    private boolean closed;

    /** Device copies of one step's layout; rebuilt when the step changes. */
    private final class Buffers implements AutoCloseable {
        final long number;
        final LowRankLayout layout;
        final long meta, tiles, basis, ids, slots, sym;

        Buffers(long number, LowRankLayout layout) {
            this.number = number;
            this.layout = layout;
            meta = cuda.alloc(4L * layout.meta().length);
            tiles = cuda.alloc(4L * layout.tiles().length);
            basis = cuda.alloc(4L * layout.basis().length);
            ids = cuda.alloc(4L * layout.ids().length);
            slots = cuda.alloc(4L * layout.slots().length);
            sym = cuda.alloc(4L * layout.symbols());
            if (layout.meta().length > 0) cuda.upload(meta, layout.meta());
            if (layout.tiles().length > 0) cuda.upload(tiles, layout.tiles());
            if (layout.basis().length > 0) cuda.upload(basis, layout.basis());
            if (layout.ids().length > 0) cuda.upload(ids, layout.ids());
            if (layout.slots().length > 0) cuda.upload(slots, layout.slots());
        }

        @Override
        public void close() {
            for (long p : new long[] {meta, tiles, basis, ids, slots, sym}) cuda.free(p);
        }
    }

    private CudaLowRankCoder(CudaDriver cuda, CudaDriver.Module module, Partition partition, FrameSource frames,
                             int[] blocks, Feedback feedback) {
        this.cuda = cuda;
        this.partition = partition;
        this.frames = frames;
        this.blocks = blocks.clone();
        this.feedback = feedback;
        this.image = module.image();
        encode = module.kernel("lr_encode_ef");
        lift = module.kernel("lr_lift_add");
        idEncode = module.kernel("id_encode");
        idLift = module.kernel("id_lift_add");
        n = partition.size();
        k = blocks.length;
        g = cuda.alloc(4L * n);
        e = cuda.alloc(4L * n);
        lifted = cuda.alloc(4L * n);
        alpha = cuda.alloc(4L * k);
        norms = cuda.alloc(8L * k);
        cuda.zero(e, n);
        cuda.zero(alpha, k);
        alphaHost = new float[k];
    }

    /** Called by {@link io.github.dl4jcoded.cuda.SketchCoders#gpu} through reflection. */
    public static CudaLowRankCoder open(Partition partition, FrameSource frames, int[] blocks, Feedback feedback, Path kernels)
            throws GpuUnavailableException {
        CudaDriver cuda = CudaDriver.get();
        return new CudaLowRankCoder(cuda, cuda.load(kernels, "coded_kernels"), partition, frames, blocks, feedback);
    }

    @Override
    public String device() { return "cuda " + cuda.deviceName() + " (sm_" + cuda.computeCapability() + ", " + image + ")"; }

    long gradientBuffer() { return g; }

    long liftBuffer() { return lifted; }

    private Buffers buffers(long number) {
        if (step == null || step.number != number) {
            LowRankLayout layout = LowRankLayout.of(partition, frames, number, blocks);
            if (step != null) step.close();
            step = new Buffers(number, layout);
        }
        return step;
    }

    @Override
    public float[] encodeWithFeedback(long stepNumber, float[] gradient) {
        checkOpen();
        if (gradient.length != n) throw new IllegalArgumentException("gradient length " + gradient.length + " != n=" + n);
        for (int i = 0; i < gradient.length; i++) {
            if (!Float.isFinite(gradient[i])) throw new IllegalArgumentException("gradient has a NaN or infinite entry at " + i);
        }
        cuda.upload(g, gradient);
        return encodeWithFeedbackDevice(stepNumber, g);
    }

    /** Encode with error feedback of the gradient at device address {@code gradient} (n floats, not modified). */
    public float[] encodeWithFeedbackDevice(long stepNumber, long gradient) {
        checkOpen();
        Buffers b = buffers(stepNumber);
        launchEncode(b, gradient);
        float[] s = new float[b.layout.symbols()];
        cuda.download(s, b.sym);
        float[] nn = new float[2 * k];
        cuda.download(nn, norms);
        for (int p = 0; p < k; p++) {
            double a = feedback.nextAlpha(nn[2 * p], nn[2 * p + 1]);
            if (!Double.isFinite(a)) throw new IllegalStateException("non-finite residual on block " + blocks[p] + ": the gradient overflowed float");
            alphaHost[p] = (float) a;
        }
        cuda.upload(alpha, alphaHost);
        return s;
    }

    /** The encode's kernels alone (for timing), on the frames of the last step used. */
    void launchEncode(long gradient) { launchEncode(step, gradient); }

    private void launchEncode(Buffers b, long gradient) {
        cuda.zero(norms, 2L * k); // the matrices' tiles add to their norms
        encode.launch(b.layout.tileCount(), THREADS, b.layout.shared(), b.meta, b.tiles, b.basis, gradient, e, alpha, b.sym, norms);
        idEncode.launch(b.layout.identityCount(), THREADS, 0, b.ids, b.slots, gradient, e, alpha, b.sym, norms);
    }

    @Override
    public void liftAdd(long stepNumber, float[] symbols, float factor, float[] out) {
        checkOpen();
        if (out.length != n) throw new IllegalArgumentException("output length " + out.length + " != n=" + n);
        cuda.upload(lifted, out);
        liftAddDevice(stepNumber, symbols, factor, lifted);
        cuda.download(out, lifted);
    }

    /** {@code out += factor F s} on the device buffer at {@code out} (n floats). */
    public void liftAddDevice(long stepNumber, float[] symbols, float factor, long out) {
        checkOpen();
        Buffers b = buffers(stepNumber);
        if (symbols.length != b.layout.symbols()) {
            throw new IllegalArgumentException("expected " + b.layout.symbols() + " symbols, got " + symbols.length);
        }
        cuda.upload(b.sym, symbols);
        launchLift(b, factor, out);
    }

    /** The lift's kernels alone (for timing), on the symbols already on the device. */
    void launchLift(float factor, long out) { launchLift(step, factor, out); }

    private void launchLift(Buffers b, float factor, long out) {
        lift.launch(b.layout.tileCount(), THREADS, 0, b.meta, b.tiles, b.basis, b.sym, factor, out);
        idLift.launch(b.layout.identityCount(), THREADS, 0, b.ids, b.sym, factor, out);
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

    CudaDriver driver() { return cuda; }

    private void checkOpen() {
        if (closed) throw new IllegalStateException("coder is closed");
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        if (step != null) step.close();
        for (long p : new long[] {g, e, lifted, alpha, norms}) cuda.free(p);
    }
}

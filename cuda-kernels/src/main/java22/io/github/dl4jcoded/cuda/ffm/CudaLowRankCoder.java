package io.github.dl4jcoded.cuda.ffm;

import io.github.dl4jcoded.cuda.Feedback;
import io.github.dl4jcoded.cuda.LowRankLayout;
import io.github.dl4jcoded.cuda.SketchCoders.GpuUnavailableException;
import io.github.dl4jcoded.frame.FrameSource;
import io.github.dl4jcoded.partition.Partition;
import java.nio.file.Path;

/**
 * The GPU coder for low-rank frames (the default frames of coded training): the skinny products
 * M Q and S Q^T of every matrix block and the identity blocks' copies, through {@link CudaDriver}.
 * Per step the frames' bases (B x r floats per matrix) and the layout go up, the symbols and two
 * norms a block come down; the gradient, the raw residual and a lift's output stay on the device.
 */
public final class CudaLowRankCoder extends DeviceCoder {
    private static final int THREADS = 256;

    private final FrameSource frames;
    private final CudaDriver.Kernel encode, lift, liftTiled, symbolsTiled, residualTiled, idEncode, idLift;
    private boolean plain; // the GPU check times the untiled kernels too
    private Buffers step;

    /** Device copies of one step's layout; rebuilt when the step changes. */
    private final class Buffers implements AutoCloseable {
        final long number;
        final LowRankLayout layout;
        final long meta, tiles, plainTiles, liftTiles, residualTiles, symbolTiles, basis, ids, slots, sym;

        Buffers(long number, LowRankLayout layout) {
            this.number = number;
            this.layout = layout;
            meta = cuda.alloc(4L * layout.meta().length);
            tiles = cuda.alloc(4L * layout.tiles().length);
            plainTiles = cuda.alloc(4L * layout.plainTiles().length);
            liftTiles = cuda.alloc(4L * layout.liftTiles().length);
            residualTiles = cuda.alloc(4L * layout.residualTiles().length);
            symbolTiles = cuda.alloc(4L * layout.symbolTiles().length);
            basis = cuda.alloc(4L * layout.basis().length);
            ids = cuda.alloc(4L * layout.ids().length);
            slots = cuda.alloc(4L * layout.slots().length);
            sym = cuda.alloc(4L * layout.symbols());
            if (layout.meta().length > 0) cuda.upload(meta, layout.meta());
            if (layout.tiles().length > 0) cuda.upload(tiles, layout.tiles());
            if (layout.plainTiles().length > 0) cuda.upload(plainTiles, layout.plainTiles());
            if (layout.liftTiles().length > 0) cuda.upload(liftTiles, layout.liftTiles());
            if (layout.residualTiles().length > 0) cuda.upload(residualTiles, layout.residualTiles());
            if (layout.symbolTiles().length > 0) cuda.upload(symbolTiles, layout.symbolTiles());
            if (layout.basis().length > 0) cuda.upload(basis, layout.basis());
            if (layout.ids().length > 0) cuda.upload(ids, layout.ids());
            if (layout.slots().length > 0) cuda.upload(slots, layout.slots());
        }

        @Override
        public void close() {
            for (long p : new long[] {meta, tiles, plainTiles, liftTiles, residualTiles, symbolTiles, basis, ids, slots, sym}) cuda.free(p);
        }
    }

    private CudaLowRankCoder(CudaDriver cuda, CudaDriver.Module module, Partition partition, FrameSource frames,
                             int[] blocks, Feedback feedback) {
        super(cuda, module.image(), partition, blocks, feedback);
        this.frames = frames;
        encode = module.kernel("lr_encode_ef");
        lift = module.kernel("lr_lift_add");
        liftTiled = module.kernel("lr_lift_tiled");
        symbolsTiled = module.kernel("lr_symbols_tiled");
        residualTiled = module.kernel("lr_residual_tiled");
        idEncode = module.kernel("id_encode");
        idLift = module.kernel("id_lift_add");
    }

    /** Called by {@link io.github.dl4jcoded.cuda.SketchCoders#gpu} through reflection. */
    public static CudaLowRankCoder open(Partition partition, FrameSource frames, int[] blocks, Feedback feedback, Path kernels)
            throws GpuUnavailableException {
        CudaDriver cuda = CudaDriver.get();
        return new CudaLowRankCoder(cuda, cuda.load(kernels, "coded_kernels"), partition, frames, blocks, feedback);
    }

    private Buffers buffers(long number) {
        if (step == null || step.number != number) {
            LowRankLayout layout = LowRankLayout.of(partition, frames, number, blocks);
            if (step != null) step.close();
            step = new Buffers(number, layout);
        }
        return step;
    }

    @Override
    public float[] encodeWithFeedbackDevice(long stepNumber, long gradient) {
        checkOpen();
        Buffers b = buffers(stepNumber);
        launchEncode(b, gradient);
        float[] s = new float[b.layout.symbols()];
        cuda.download(s, b.sym);
        updateFeedback();
        return s;
    }

    /** The encode's kernels alone (for timing), on the frames of the last step used. */
    void launchEncode(long gradient) { launchEncode(step, gradient); }

    private void launchEncode(Buffers b, long gradient) {
        cuda.zero(norms, 2L * k); // the matrices' tiles add to their norms
        if (plain) {
            encode.launch(b.layout.tileCount(), THREADS, b.layout.shared(), b.meta, b.tiles, b.basis, gradient, e, alpha, b.sym, norms);
        } else {
            // matrices with small bases: the plain kernel; large ones: two tiled products,
            // S = (g + alpha e) basis, then e <- (g + alpha e) - S basis^T (LowRankLayout.TILED_MIN_R)
            encode.launch(b.layout.plainTileCount(), THREADS, b.layout.shared(), b.meta, b.plainTiles, b.basis, gradient, e, alpha, b.sym, norms);
            symbolsTiled.launch(b.layout.symbolTileCount(), THREADS, 0, b.meta, b.symbolTiles, b.basis, gradient, e, alpha, b.sym, norms);
            residualTiled.launch(b.layout.residualTileCount(), THREADS, 0, b.meta, b.residualTiles, b.basis, b.sym, gradient, e, alpha, norms);
        }
        idEncode.launch(b.layout.identityCount(), THREADS, 0, b.ids, b.slots, gradient, e, alpha, b.sym, norms);
    }

    @Override
    public void liftAddDevice(long stepNumber, float[] symbols, float factor, long out) {
        checkOpen();
        Buffers b = buffers(stepNumber);
        if (symbols.length != b.layout.symbols()) {
            throw new IllegalArgumentException("expected " + b.layout.symbols() + " symbols, got " + symbols.length);
        }
        cuda.upload(b.sym, symbols);
        launchLift(b, factor, out);
    }

    /** Chooses the untiled kernels (lr_encode_ef, lr_lift_add), for the GPU check's comparison. */
    void usePlainKernels(boolean plain) { this.plain = plain; }

    /** The lift's kernels alone (for timing), on the symbols already on the device. */
    void launchLift(float factor, long out) { launchLift(step, factor, out); }

    private void launchLift(Buffers b, float factor, long out) {
        if (plain) {
            lift.launch(b.layout.tileCount(), THREADS, 0, b.meta, b.tiles, b.basis, b.sym, factor, out);
        } else {
            liftTiled.launch(b.layout.liftTileCount(), THREADS, 0, b.meta, b.liftTiles, b.basis, b.sym, factor, out);
        }
        idLift.launch(b.layout.identityCount(), THREADS, 0, b.ids, b.sym, factor, out);
    }

    @Override
    void freeOwn() {
        if (step != null) step.close();
    }
}

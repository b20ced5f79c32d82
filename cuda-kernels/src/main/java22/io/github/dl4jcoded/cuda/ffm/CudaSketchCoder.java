package io.github.dl4jcoded.cuda.ffm;

import io.github.dl4jcoded.cuda.SketchCoder;
import io.github.dl4jcoded.cuda.SketchCoders.GpuUnavailableException;
import io.github.dl4jcoded.cuda.SketchPlan;
import io.github.dl4jcoded.partition.Block;
import java.nio.file.Path;

/**
 * The GPU coder: the kernels of coded_kernels.cu over device buffers, through {@link CudaDriver}.
 * The gradient, the raw residual and the output of a lift live on the device; per step only the
 * plan's layout (12 ints a block) goes up and the symbols and two norms a block come down.
 *
 * <p>The host-array methods of {@link SketchCoder} copy the gradient up and the result down; the
 * {@code ...Device} methods take a device pointer instead (for example an ND4J CUDA buffer's
 * address), so that only the codeword crosses PCIe.
 */
public final class CudaSketchCoder implements SketchCoder {
    private static final int THREADS = 256;
    private static final int SMEM_BUCKETS = 2048; // must equal SMEM_BUCKETS in coded_kernels.cu

    private final CudaDriver cuda;
    private final SketchPlan plan;
    private final CudaDriver.Kernel gather, gather4, gather4x128, encodeTiles, scaleSymbols, residualTiles, liftAdd, liftAdd4, axpy;
    private final String image;
    private final int n, k, symbols;
    private final int[] fusedList, tiledList, tiledTiles, allTiles;
    private final int gatherShared, gather4Shared;
    private final boolean aligned, fusedAligned;
    private final long g, e, alpha, sym, acc, norms, layout, fusedIdx, tiledIdx, tiledTilesDev, allTilesDev, lifted;
    private final float[] alphaHost;
    private long layoutStep = Long.MIN_VALUE;
    private Fused fused; // null: the default
    private boolean closed;

    private CudaSketchCoder(CudaDriver cuda, CudaDriver.Module module, SketchPlan plan) {
        this.cuda = cuda;
        this.plan = plan;
        this.image = module.image();
        gather = module.kernel("cs_encode_ef_gather");
        gather4 = module.kernel("cs_encode_ef_gather4");
        gather4x128 = module.kernel("cs_encode_ef_gather4_128");
        encodeTiles = module.kernel("cs_encode_tiles");
        scaleSymbols = module.kernel("cs_scale_symbols");
        residualTiles = module.kernel("cs_residual_tiles");
        liftAdd = module.kernel("cs_lift_add");
        liftAdd4 = module.kernel("cs_lift_add4");
        axpy = module.kernel("axpy_inplace");
        n = plan.n();
        k = plan.blockCount();
        symbols = plan.symbolCount();
        fusedList = plan.fusedBlocks();
        tiledList = plan.tiledBlocks();
        tiledTiles = plan.tiles(tiledList);
        allTiles = plan.tiles(plan.allPositions());
        int sharedGather = 0, sharedGather4 = 0;
        boolean al = true, fal = true;
        for (int p = 0; p < k; p++) {
            Block b = plan.partition().block(plan.block(p));
            if (b.offset() % 4 != 0) al = false;
            if (b.size() <= SketchPlan.FUSED_MAX) {
                int r = plan.rank(p), rows = (b.size() + r - 1) / r, parts = r >= THREADS ? 1 : THREADS / r;
                sharedGather = Math.max(sharedGather, 4 * (b.size() + rows + r + r * parts));
                sharedGather4 = Math.max(sharedGather4, 4 * (((b.size() + 3) & ~3) + rows + (b.size() + 31) / 32 + r + r * parts));
                if (b.offset() % 4 != 0) fal = false;
            }
        }
        gatherShared = sharedGather;
        gather4Shared = sharedGather4;
        aligned = al;
        fusedAligned = fal;
        if (gatherShared > 48 * 1024) gather.maxDynamicSharedMemory(gatherShared);
        if (gather4Shared > 48 * 1024) gather4.maxDynamicSharedMemory(gather4Shared);
        g = cuda.alloc(4L * n);
        e = cuda.alloc(4L * n);
        lifted = cuda.alloc(4L * n);
        alpha = cuda.alloc(4L * k);
        sym = cuda.alloc(4L * symbols);
        acc = cuda.alloc(4L * symbols);
        norms = cuda.alloc(8L * k);
        layout = cuda.alloc(4L * k * SketchPlan.LAYOUT_INTS);
        fusedIdx = cuda.alloc(4L * fusedList.length);
        tiledIdx = cuda.alloc(4L * tiledList.length);
        tiledTilesDev = cuda.alloc(4L * tiledTiles.length);
        allTilesDev = cuda.alloc(4L * allTiles.length);
        cuda.zero(e, n);
        cuda.zero(alpha, k);
        if (fusedList.length > 0) cuda.upload(fusedIdx, fusedList);
        if (tiledList.length > 0) cuda.upload(tiledIdx, tiledList);
        if (tiledTiles.length > 0) cuda.upload(tiledTilesDev, tiledTiles);
        cuda.upload(allTilesDev, allTiles);
        alphaHost = new float[k];
    }

    /** Called by {@link io.github.dl4jcoded.cuda.SketchCoders#gpu} through reflection. */
    public static CudaSketchCoder open(SketchPlan plan, Path kernels) throws GpuUnavailableException {
        CudaDriver cuda = CudaDriver.get();
        return new CudaSketchCoder(cuda, cuda.load(kernels, "coded_kernels"), plan);
    }

    @Override
    public String device() { return "cuda " + cuda.deviceName() + " (sm_" + cuda.computeCapability() + ", " + image + ")"; }

    public SketchPlan plan() { return plan; }

    /** The device pointer of the gradient buffer that {@link #encodeWithFeedback} fills. */
    public long gradientBuffer() { return g; }

    /** The device pointer of the buffer that {@link #liftAdd} adds into. */
    public long liftBuffer() { return lifted; }

    private void layoutFor(long step) {
        if (step != layoutStep) {
            cuda.upload(layout, plan.layout(step));
            layoutStep = step;
        }
    }

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

    /**
     * Encode with error feedback of the gradient at device address {@code gradient} (n floats, not
     * modified); returns the symbols. Only the layout goes up and the symbols and norms come down.
     */
    public float[] encodeWithFeedbackDevice(long step, long gradient) {
        checkOpen();
        layoutFor(step);
        launchEncode(gradient);
        float[] s = new float[symbols];
        cuda.download(s, sym);
        float[] nn = new float[2 * k];
        cuda.download(nn, norms);
        for (int p = 0; p < k; p++) {
            double a = plan.nextAlpha(nn[2 * p], nn[2 * p + 1]);
            if (!Double.isFinite(a)) throw new IllegalStateException("non-finite residual on block " + plan.block(p) + ": the gradient overflowed float");
            alphaHost[p] = (float) a;
        }
        cuda.upload(alpha, alphaHost);
        return s;
    }

    /** The fused encode's kernels, for blocks of at most {@link SketchPlan#FUSED_MAX} coordinates. */
    enum Fused {
        /** cs_encode_ef_gather4_128: GATHER4 with 128 threads of eight float4 groups (16-byte aligned blocks) */
        GATHER4_128,
        /** cs_encode_ef_gather4: float4 accesses, sign words and row shifts computed once per block (16-byte aligned blocks) */
        GATHER4,
        /** cs_encode_ef_gather: the same with scalar accesses (any offset) */
        GATHER
    }

    /** The fused kernel that runs: the float4 one where the blocks are aligned for it. */
    Fused fusedKernel() { return fused != null ? fused : fusedAligned ? Fused.GATHER4_128 : Fused.GATHER; }

    /** Chooses the fused kernel (for the GPU check's comparisons); null restores the default. */
    void useFused(Fused variant) {
        if (variant != null && variant != Fused.GATHER && !fusedAligned) throw new IllegalArgumentException(variant + " needs 16-byte aligned blocks");
        fused = variant;
    }

    boolean fusedAligned() { return fusedAligned; }

    void launchEncode(long gradient) { launchEncode(gradient, fusedKernel()); }

    /** The encode's kernels alone (for timing): fused blocks in one pass, large blocks in two. */
    void launchEncode(long gradient, Fused variant) {
        if (variant != Fused.GATHER && !fusedAligned) throw new IllegalArgumentException(variant + " needs every fused block's offset to be a multiple of 4");
        if (tiledList.length > 0) cuda.zero(norms, 2L * k); // the tiled kernels add to their blocks' norms
        if (fusedList.length > 0) { // writes its blocks' norms
            switch (variant) {
                case GATHER4_128 -> gather4x128.launch(fusedList.length, 128, gather4Shared, layout, fusedIdx, gradient, e, alpha, sym, norms);
                case GATHER4 -> gather4.launch(fusedList.length, THREADS, gather4Shared, layout, fusedIdx, gradient, e, alpha, sym, norms);
                case GATHER -> gather.launch(fusedList.length, THREADS, gatherShared, layout, fusedIdx, gradient, e, alpha, sym, norms);
            }
        }
        if (tiledList.length > 0) {
            cuda.zero(acc, symbols);
            encodeTiles.launch(tiledTiles.length / 2, THREADS, 4 * SMEM_BUCKETS, layout, tiledTilesDev, gradient, e, alpha, acc, norms);
            scaleSymbols.launch(tiledList.length, THREADS, 0, layout, tiledIdx, acc, sym);
            residualTiles.launch(tiledTiles.length / 2, THREADS, 0, layout, tiledTilesDev, gradient, e, alpha, sym, norms);
        }
    }

    @Override
    public void liftAdd(long step, float[] s, float factor, float[] out) {
        checkOpen();
        if (out.length != n) throw new IllegalArgumentException("output length " + out.length + " != n=" + n);
        cuda.upload(lifted, out);
        liftAddDevice(step, s, factor, lifted);
        cuda.download(out, lifted);
    }

    /** {@code out += factor F s} on the device buffer at {@code out} (n floats). */
    public void liftAddDevice(long step, float[] s, float factor, long out) {
        checkOpen();
        if (s.length != symbols) throw new IllegalArgumentException("expected " + symbols + " symbols, got " + s.length);
        layoutFor(step);
        cuda.upload(sym, s);
        launchLift(factor, out);
    }

    /** The lift's kernel alone (for timing), on the symbols already on the device. */
    void launchLift(float factor, long out) {
        (aligned ? liftAdd4 : liftAdd).launch(allTiles.length / 2, THREADS, 0, layout, allTilesDev, sym, factor, out);
    }

    /** e <- g + alpha e over the whole gradient and nothing else: the encode's memory traffic without the coding (for timing). */
    void launchTrafficFloor(long gradient) {
        int groups = n / 4;
        axpy.launch(Math.max(1, Math.min((groups + THREADS - 1) / THREADS, 8 * cuda.multiprocessors())), THREADS, 0, gradient, e, 0.5f, groups);
    }

    /** Which lift kernel runs: the four-at-a-time one needs every block's offset to be a multiple of 4. */
    String liftKernel() { return aligned ? "cs_lift_add4" : "cs_lift_add"; }

    @Override
    public float[] residual() {
        checkOpen();
        float[] raw = new float[n];
        cuda.download(raw, e);
        float[] out = new float[n];
        for (int p = 0; p < k; p++) {
            Block b = plan.partition().block(plan.block(p));
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
        for (long p : new long[] {g, e, lifted, alpha, sym, acc, norms, layout, fusedIdx, tiledIdx, tiledTilesDev, allTilesDev}) cuda.free(p);
    }
}

package io.github.dl4jcoded.cuda.ffm;

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
public final class CudaSketchCoder extends DeviceCoder {
    private static final int THREADS = 256;
    private static final int SMEM_BUCKETS = 2048; // must equal SMEM_BUCKETS in coded_kernels.cu

    private final SketchPlan plan;
    private final CudaDriver.Kernel gather, gather4, gather4x128, encodeTiles, scaleSymbols, residualTiles, liftAdd, liftAdd4, axpy;
    private final int symbols;
    private final int[] fusedList, tiledList, tiledTiles, allTiles;
    private final int gatherShared, gather4Shared;
    private final boolean aligned, fusedAligned;
    private final long sym, acc, layout, fusedIdx, tiledIdx, tiledTilesDev, allTilesDev;
    private long layoutStep = Long.MIN_VALUE;
    private Fused fused; // null: the default

    private CudaSketchCoder(CudaDriver cuda, CudaDriver.Module module, SketchPlan plan) {
        super(cuda, module.image(), plan.partition(), plan.blocks(), plan.feedback());
        this.plan = plan;
        gather = module.kernel("cs_encode_ef_gather");
        gather4 = module.kernel("cs_encode_ef_gather4");
        gather4x128 = module.kernel("cs_encode_ef_gather4_128");
        encodeTiles = module.kernel("cs_encode_tiles");
        scaleSymbols = module.kernel("cs_scale_symbols");
        residualTiles = module.kernel("cs_residual_tiles");
        liftAdd = module.kernel("cs_lift_add");
        liftAdd4 = module.kernel("cs_lift_add4");
        axpy = module.kernel("axpy_inplace");
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
        sym = cuda.alloc(4L * symbols);
        acc = cuda.alloc(4L * symbols);
        layout = cuda.alloc(4L * k * SketchPlan.LAYOUT_INTS);
        fusedIdx = cuda.alloc(4L * fusedList.length);
        tiledIdx = cuda.alloc(4L * tiledList.length);
        tiledTilesDev = cuda.alloc(4L * tiledTiles.length);
        allTilesDev = cuda.alloc(4L * allTiles.length);
        if (fusedList.length > 0) cuda.upload(fusedIdx, fusedList);
        if (tiledList.length > 0) cuda.upload(tiledIdx, tiledList);
        if (tiledTiles.length > 0) cuda.upload(tiledTilesDev, tiledTiles);
        cuda.upload(allTilesDev, allTiles);
    }

    /** Called by {@link io.github.dl4jcoded.cuda.SketchCoders#gpu} through reflection. */
    public static CudaSketchCoder open(SketchPlan plan, Path kernels) throws GpuUnavailableException {
        CudaDriver cuda = CudaDriver.get();
        return new CudaSketchCoder(cuda, cuda.load(kernels, "coded_kernels"), plan);
    }

    public SketchPlan plan() { return plan; }

    private void layoutFor(long step) {
        if (step != layoutStep) {
            cuda.upload(layout, plan.layout(step));
            layoutStep = step;
        }
    }

    /**
     * Encode with error feedback of the gradient at device address {@code gradient} (n floats, not
     * modified); returns the symbols. Only the layout goes up and the symbols and norms come down.
     */
    @Override
    public float[] encodeWithFeedbackDevice(long step, long gradient) {
        checkOpen();
        layoutFor(step);
        launchEncode(gradient);
        float[] s = new float[symbols];
        cuda.download(s, sym);
        updateFeedback();
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
    void freeOwn() {
        for (long p : new long[] {sym, acc, layout, fusedIdx, tiledIdx, tiledTilesDev, allTilesDev}) cuda.free(p);
    }
}

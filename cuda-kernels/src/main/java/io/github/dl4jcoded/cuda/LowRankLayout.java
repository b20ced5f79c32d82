package io.github.dl4jcoded.cuda;

import io.github.dl4jcoded.frame.Frame;
import io.github.dl4jcoded.frame.FrameSource;
import io.github.dl4jcoded.frame.IdentityFrame;
import io.github.dl4jcoded.frame.LowRankFrame;
import io.github.dl4jcoded.partition.Block;
import io.github.dl4jcoded.partition.Partition;
import java.util.ArrayList;
import java.util.List;

/**
 * One step of low-rank frames packed as the kernels read them ({@code lr_encode_ef},
 * {@code lr_lift_add}, {@code id_encode}, {@code id_lift_add} in coded_kernels.cu). A matrix block
 * is read as A x B, element (a, b) at {@code a * sa + b * sb}: on a RIGHT step a runs over the
 * matrix rows and b over its columns, on a LEFT step the other way round, so one kernel serves
 * both sides and both storage orders. Blocks the frames send whole (biases) are identity entries.
 * Symbols are laid out block after block in the given order, as {@link CpuFrameCoder} lays them out.
 *
 * @param meta    {@link #LR_INTS} ints per matrix block
 * @param tiles   (matrix index, first row a) pairs of every matrix, for the plain encode
 * @param plainTiles the same for the matrices the plain encode takes by default (fewer than
 *                {@link #TILED_MIN_R} basis vectors, where the tiled products have too few tiles)
 * @param liftTiles (matrix index, first row a, first column b) triples of {@link #LIFT_ROWS} x
 *                {@link #LIFT_COLS} tiles of every matrix, for the tiled lift
 * @param residualTiles the same for the matrices the tiled encode takes (its residual)
 * @param symbolTiles (matrix index, first row a, first basis vector) triples of {@link #SYMBOL_ROWS}
 *                x {@link #SYMBOL_VECTORS} tiles of the matrices the tiled encode takes (its symbols)
 * @param basis   every matrix's basis, B x r each, at its meta offset
 * @param ids     (offset, length, symbol offset) per identity block
 * @param slots   per identity block, its position in the block order (its alpha and norms slot)
 * @param symbols total symbols this step
 * @param shared  dynamic shared memory bytes lr_encode_ef needs for the largest tile
 */
public record LowRankLayout(int[] meta, int[] tiles, int[] plainTiles, int[] liftTiles, int[] residualTiles, int[] symbolTiles,
                            float[] basis, int[] ids, int[] slots, int symbols, int shared) {
    /** Ints per matrix; must equal LR_INTS in coded_kernels.cu. */
    public static final int LR_INTS = 10;
    /** Rows a per tile at most (one warp each of the 256 threads). */
    public static final int MAX_ROWS = 8;
    /** Tile of the tiled lift; must equal LT_A and LT_B in coded_kernels.cu. */
    public static final int LIFT_ROWS = 32, LIFT_COLS = 128;
    /** Tile of the tiled symbols; must equal LS_A and LS_K in coded_kernels.cu. */
    public static final int SYMBOL_ROWS = 64, SYMBOL_VECTORS = 32;
    /**
     * Matrices with at least this many basis vectors are encoded by the tiled products; below it the
     * plain kernel is faster (on the H200: r = 16, a [512, 4608] matrix, 0.20 ms plain against 0.57 ms
     * tiled, whose 8 tiles leave most of the GPU idle; r = 128, 4096 x 4096: 13.6 ms against 1.26 ms).
     */
    public static final int TILED_MIN_R = 32;
    /** Floats of one tile in shared memory at most (48 KB, the default limit). */
    public static final int TILE_FLOATS = 12_288 - 8 * 64;

    /** Packs the frames of {@code step} for the given blocks, in that order. */
    public static LowRankLayout of(Partition partition, FrameSource frames, long step, int[] blocks) {
        List<int[]> meta = new ArrayList<>();
        List<int[]> tiles = new ArrayList<>();
        List<int[]> plainTiles = new ArrayList<>();
        List<int[]> liftTiles = new ArrayList<>();
        List<int[]> residualTiles = new ArrayList<>();
        List<int[]> symbolTiles = new ArrayList<>();
        List<double[]> bases = new ArrayList<>();
        List<int[]> ids = new ArrayList<>();
        List<Integer> slots = new ArrayList<>();
        int symbols = 0, basisFloats = 0, shared = 0;
        for (int p = 0; p < blocks.length; p++) {
            Block blk = partition.block(blocks[p]);
            if (!blk.isContiguous()) {
                throw new IllegalArgumentException("block " + blocks[p] + " (" + blk.name() + ") is not one contiguous range; the kernels need contiguous blocks");
            }
            Frame f = frames.frame(step, blocks[p], blk.size());
            if (f instanceof IdentityFrame) {
                ids.add(new int[] {blk.offset(), blk.size(), symbols});
                slots.add(p);
            } else if (f instanceof LowRankFrame lr) {
                boolean right = lr.side() == LowRankFrame.Side.RIGHT;
                int strideI = lr.order() == 'c' ? lr.cols() : 1, strideJ = lr.order() == 'c' ? 1 : lr.rows();
                int a = right ? lr.rows() : lr.cols(), b = right ? lr.cols() : lr.rows();
                int r = lr.basisSize();
                if (b + 8 * r > TILE_FLOATS) {
                    throw new IllegalArgumentException("block " + blocks[p] + ": a " + lr.rows() + " x " + lr.cols()
                            + " matrix with " + r + " basis vectors does not fit the low-rank kernels' tiles");
                }
                int rows = Math.min(MAX_ROWS, (TILE_FLOATS - 8 * r) / b);
                int m = meta.size();
                meta.add(new int[] {blk.offset(), a, b, right ? strideI : strideJ, right ? strideJ : strideI, r, basisFloats, symbols, rows, p});
                boolean tiled = r >= TILED_MIN_R;
                for (int a0 = 0; a0 < a; a0 += rows) {
                    tiles.add(new int[] {m, a0});
                    if (!tiled) plainTiles.add(new int[] {m, a0});
                }
                for (int a0 = 0; a0 < a; a0 += LIFT_ROWS) {
                    for (int b0 = 0; b0 < b; b0 += LIFT_COLS) {
                        liftTiles.add(new int[] {m, a0, b0});
                        if (tiled) residualTiles.add(new int[] {m, a0, b0});
                    }
                }
                for (int a0 = 0; tiled && a0 < a; a0 += SYMBOL_ROWS) {
                    for (int k0 = 0; k0 < r; k0 += SYMBOL_VECTORS) symbolTiles.add(new int[] {m, a0, k0});
                }
                bases.add(lr.basisFlat());
                basisFloats += b * r;
                shared = Math.max(shared, 4 * (rows * b + 8 * r));
            } else {
                throw new IllegalArgumentException("block " + blocks[p] + " has a " + f.getClass().getSimpleName()
                        + "; the low-rank kernels code LowRankFrame and IdentityFrame blocks");
            }
            symbols += f.rank();
        }
        float[] basis = new float[basisFloats];
        int at = 0;
        for (double[] q : bases) {
            for (double v : q) basis[at++] = (float) v;
        }
        return new LowRankLayout(flatten(meta), flatten(tiles), flatten(plainTiles), flatten(liftTiles), flatten(residualTiles),
                flatten(symbolTiles), basis, flatten(ids),
                slots.stream().mapToInt(Integer::intValue).toArray(), symbols, shared);
    }

    private static int[] flatten(List<int[]> rows) {
        return rows.stream().flatMapToInt(java.util.Arrays::stream).toArray();
    }

    public int matrixCount() { return meta.length / LR_INTS; }

    public int tileCount() { return tiles.length / 2; }

    public int plainTileCount() { return plainTiles.length / 2; }

    public int liftTileCount() { return liftTiles.length / 3; }

    public int residualTileCount() { return residualTiles.length / 3; }

    public int symbolTileCount() { return symbolTiles.length / 3; }

    public int identityCount() { return ids.length / 3; }
}

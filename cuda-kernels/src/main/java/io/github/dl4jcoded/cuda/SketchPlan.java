package io.github.dl4jcoded.cuda;

import io.github.dl4jcoded.frame.CountSketchFrame;
import io.github.dl4jcoded.frame.FrameFamily;
import io.github.dl4jcoded.partition.Block;
import io.github.dl4jcoded.partition.Partition;
import java.util.ArrayList;
import java.util.List;

/**
 * What the count-sketch kernels need to know about the blocks they code, packed on the host as
 * the kernels read it ({@code cuda-kernels/src/main/cuda/coded_kernels.cu}): per block and step,
 * {@link #LAYOUT_INTS} ints (offset, size, directions, the frame's two key halves, the division
 * constants, the symbols' offset, the last row's shift, the two column scales as float bits, the
 * last row's length), plus the tiles of {@link #TILE} coordinates the tiled kernels walk.
 *
 * <p>Symbols are laid out block after block in plan order. Error feedback is {@link Feedback}'s,
 * per block (a code row of weight one, as the default repetition code has).
 */
public final class SketchPlan {
    /** Ints per block in the layout; must equal LAYOUT_INTS in coded_kernels.cu. */
    public static final int LAYOUT_INTS = 12;
    /** Coordinates per thread block in the tiled kernels; must equal TILE in coded_kernels.cu. */
    public static final int TILE = 4096;
    /** Largest block the fused encode holds in shared memory ((2 b + r) floats: 33 KB at 4096). */
    public static final int FUSED_MAX = 4096;

    private final Partition partition;
    private final FrameFamily frames;
    private final int[] blocks;
    private final int[] ranks;
    private final int[] symbolOffsets;
    private final int symbolCount;
    private final Feedback feedback;

    /**
     * @param blocks the partition's block ids this plan codes (a worker's code row blocks, or the
     *               blocks a server lifts); each must be one contiguous range
     */
    public SketchPlan(Partition partition, FrameFamily frames, int[] blocks, Feedback feedback) {
        if (frames.kind() != FrameFamily.Kind.COUNT_SKETCH) {
            throw new IllegalArgumentException("the GPU kernels code COUNT_SKETCH frames, not " + frames.kind());
        }
        if (blocks.length == 0) throw new IllegalArgumentException("a plan needs at least one block");
        this.partition = partition;
        this.frames = frames;
        this.blocks = blocks.clone();
        this.ranks = new int[blocks.length];
        this.symbolOffsets = new int[blocks.length];
        long offset = 0;
        java.util.BitSet seen = new java.util.BitSet();
        for (int p = 0; p < blocks.length; p++) {
            int j = blocks[p];
            if (j < 0 || j >= partition.blockCount()) throw new IllegalArgumentException("block " + j + " is not in the partition");
            if (seen.get(j)) throw new IllegalArgumentException("block " + j + " is listed twice");
            seen.set(j);
            Block b = partition.block(j);
            if (!b.isContiguous()) {
                throw new IllegalArgumentException("block " + j + " (" + b.name() + ") is not one contiguous range; the kernels need contiguous blocks");
            }
            ranks[p] = frames.rank(b.size());
            symbolOffsets[p] = (int) offset;
            offset += ranks[p];
        }
        this.symbolCount = Math.toIntExact(offset);
        this.feedback = feedback;
    }

    /** All blocks of the partition, in id order. */
    public static SketchPlan allBlocks(Partition partition, FrameFamily frames, Feedback feedback) {
        return new SketchPlan(partition, frames, allIds(partition), feedback);
    }

    /** 0..k-1 for a partition of k blocks. */
    static int[] allIds(Partition partition) {
        return java.util.stream.IntStream.range(0, partition.blockCount()).toArray();
    }

    public Partition partition() { return partition; }

    public FrameFamily frames() { return frames; }

    /** Length n of the flat gradient. */
    public int n() { return partition.size(); }

    /** Number of blocks in the plan. */
    public int blockCount() { return blocks.length; }

    /** Partition block id of the plan's p-th block. */
    public int block(int p) { return blocks[p]; }

    public int rank(int p) { return ranks[p]; }

    public int symbolOffset(int p) { return symbolOffsets[p]; }

    /** Total symbols over the plan's blocks. */
    public int symbolCount() { return symbolCount; }

    public Feedback feedback() { return feedback; }

    /** Block ids of the plan, in plan order. */
    public int[] blocks() { return blocks.clone(); }

    /** The per-block layout of {@code step}, {@link #LAYOUT_INTS} ints per plan block. */
    public int[] layout(long step) {
        int[] out = new int[blocks.length * LAYOUT_INTS];
        for (int p = 0; p < blocks.length; p++) {
            Block blk = partition.block(blocks[p]);
            int b = blk.size(), r = ranks[p];
            long key = FrameFamily.mix(frames.seed(), step, blocks[p]);
            int shiftKey = CountSketchFrame.shiftKey(key);
            int lastShift = CountSketchFrame.shift(shiftKey, b / r, r);
            int l = 32 - Integer.numberOfLeadingZeros(r - 1); // ceil(log2 r); 0 for r = 1
            long magic = ((1L << (31 + l)) + r - 1) / r;      // ceil(2^(31+l) / r) < 2^32
            int o = p * LAYOUT_INTS;
            out[o] = blk.offset();
            out[o + 1] = b;
            out[o + 2] = r;
            out[o + 3] = shiftKey;
            out[o + 4] = CountSketchFrame.signKey(key);
            out[o + 5] = (int) magic;
            out[o + 6] = 31 + l;
            out[o + 7] = symbolOffsets[p];
            out[o + 8] = lastShift;
            out[o + 9] = Float.floatToRawIntBits((float) (1.0 / Math.sqrt(b / r)));
            out[o + 10] = Float.floatToRawIntBits((float) (1.0 / Math.sqrt(b / r + 1)));
            out[o + 11] = b % r;
        }
        return out;
    }

    /** i / r as the kernels compute it from the layout's constants (exact for 0 <= i < 2^31). */
    public static int divide(int i, int magic, int shift) {
        return (int) (((i & 0xffffffffL) * (magic & 0xffffffffL)) >>> shift);
    }

    /** Plan positions of the blocks the fused encode takes whole (size at most {@link #FUSED_MAX}). */
    public int[] fusedBlocks() { return positions(true); }

    /** Plan positions of the blocks too large for the fused encode (coded tile by tile in two passes). */
    public int[] tiledBlocks() { return positions(false); }

    private int[] positions(boolean fused) {
        return java.util.stream.IntStream.range(0, blocks.length)
                .filter(p -> (partition.block(blocks[p]).size() <= FUSED_MAX) == fused).toArray();
    }

    /** (plan position, first coordinate) pairs of every tile of the given plan positions. */
    public int[] tiles(int[] positions) {
        List<int[]> t = new ArrayList<>();
        for (int p : positions) {
            int b = partition.block(blocks[p]).size();
            for (int start = 0; start < b; start += TILE) t.add(new int[] {p, start});
        }
        int[] out = new int[2 * t.size()];
        for (int i = 0; i < t.size(); i++) {
            out[2 * i] = t.get(i)[0];
            out[2 * i + 1] = t.get(i)[1];
        }
        return out;
    }

    /** Every plan position, in order. */
    public int[] allPositions() { return java.util.stream.IntStream.range(0, blocks.length).toArray(); }

    /** {@link Feedback#nextAlpha} of this plan's feedback. */
    public double nextAlpha(double gNorm2, double rawNorm2) { return feedback.nextAlpha(gNorm2, rawNorm2); }
}

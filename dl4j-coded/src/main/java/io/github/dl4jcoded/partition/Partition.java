package io.github.dl4jcoded.partition;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * An ordered partition of the parameter indices {@code 0..n-1} into blocks B_0..B_{k-1}.
 *
 * <p>Validated on construction: block ids are 0..k-1 in list order, ranges are disjoint, inside
 * {@code [0, n)}, and together cover every index exactly once. Server and workers must build the
 * same partition, since a codeword names blocks only by id.
 */
public final class Partition {
    private final int n;
    private final List<Block> blocks;
    private final int maxBlockSize;

    public Partition(int n, List<Block> blocks) {
        if (n <= 0) throw new IllegalArgumentException("n must be > 0, got " + n);
        if (blocks.isEmpty()) throw new IllegalArgumentException("a partition needs at least one block");
        int ranges = 0;
        int max = 0;
        for (int j = 0; j < blocks.size(); j++) {
            Block b = blocks.get(j);
            if (b.id() != j) throw new IllegalArgumentException("block at position " + j + " has id " + b.id());
            ranges += b.rangeCount();
            max = Math.max(max, b.size());
        }
        // Sort all ranges by start and walk them: disjoint and covering iff they tile [0, n).
        long[] packed = new long[ranges];
        int p = 0;
        for (Block b : blocks) {
            for (int i = 0; i < b.rangeCount(); i++) {
                packed[p++] = ((long) b.rangeStart(i) << 32) | b.rangeLength(i);
            }
        }
        Arrays.sort(packed);
        long next = 0;
        for (long r : packed) {
            long start = r >>> 32, len = r & 0xffffffffL;
            if (start != next) {
                throw new IllegalArgumentException(start < next
                        ? "blocks overlap at index " + start
                        : "indices " + next + ".." + (start - 1) + " are in no block");
            }
            next = start + len;
        }
        if (next != n) {
            throw new IllegalArgumentException(next > n ? "blocks reach index " + (next - 1) + " beyond n=" + n
                    : "indices " + next + ".." + (n - 1) + " are in no block");
        }
        this.n = n;
        this.blocks = Collections.unmodifiableList(new ArrayList<>(blocks));
        this.maxBlockSize = max;
    }

    /** Number of parameters n. */
    public int size() { return n; }

    /** Number of blocks k. */
    public int blockCount() { return blocks.size(); }

    public Block block(int id) { return blocks.get(id); }

    public List<Block> blocks() { return blocks; }

    public int maxBlockSize() { return maxBlockSize; }

    /** Fixed-size contiguous chunks of {@code chunkSize} (the last one may be shorter). */
    public static Partition chunks(int n, int chunkSize) {
        return builder().chunks("chunk", 0, n, chunkSize).build(n);
    }

    /** One contiguous block per (name, offset, length) segment, in the given order. */
    public static Partition segments(List<Segment> segments) {
        Builder b = builder();
        long n = 0;
        for (Segment s : segments) {
            b.segment(s.name(), s.offset(), s.length());
            n += s.length();
        }
        return b.build(Math.toIntExact(n));
    }

    public static Builder builder() { return new Builder(); }

    /** A named contiguous range of the flat parameter vector, e.g. one DL4J parameter ("0_W"). */
    public record Segment(String name, int offset, int length) {
        public Segment {
            if (offset < 0 || length <= 0) throw new IllegalArgumentException("bad segment " + name + " @" + offset + "+" + length);
        }
    }

    /** Adds blocks in order, assigning ids 0, 1, 2, ...; {@link #build} validates the result. */
    public static final class Builder {
        private final List<Block> blocks = new ArrayList<>();

        /** One block for the whole segment. */
        public Builder segment(String name, int offset, int length) {
            blocks.add(new Block(blocks.size(), name, offset, length));
            return this;
        }

        /** The segment cut into contiguous chunks of at most {@code chunkSize}. */
        public Builder chunks(String name, int offset, int length, int chunkSize) {
            if (chunkSize <= 0) throw new IllegalArgumentException("chunkSize must be > 0");
            for (int s = 0, c = 0; s < length; s += chunkSize, c++) {
                blocks.add(new Block(blocks.size(), name + "#" + c, offset + s, Math.min(chunkSize, length - s)));
            }
            return this;
        }

        /**
         * One block per slice along {@code axis} of an array of {@code shape} stored at
         * {@code offset} in {@code order} ('c' row-major or 'f' column-major). Examples, with
         * DL4J's layouts: a dense W [nIn, nOut] in 'f' order split on axis 1 gives one contiguous
         * block per output unit; a convolution W [nOut, nIn, kH, kW] in 'c' order split on axis 0
         * gives one contiguous block per output channel. Other splits are strided (many ranges).
         */
        public Builder slices(String name, int offset, int[] shape, char order, int axis) {
            if (order != 'c' && order != 'f') throw new IllegalArgumentException("order must be 'c' or 'f', got " + order);
            if (axis < 0 || axis >= shape.length) throw new IllegalArgumentException("axis " + axis + " out of range for rank " + shape.length);
            long inner = 1, outer = 1;
            for (int d = 0; d < shape.length; d++) {
                if (shape[d] <= 0) throw new IllegalArgumentException("shape must be positive: " + Arrays.toString(shape));
                // 'c': the last axis varies fastest, so axes after `axis` are inner; 'f' mirrors that.
                boolean isInner = order == 'c' ? d > axis : d < axis;
                if (isInner) inner *= shape[d]; else if (d != axis) outer *= shape[d];
            }
            long stride = inner * shape[axis];
            if (offset + stride * outer > Integer.MAX_VALUE) throw new IllegalArgumentException("array too large");
            for (int i = 0; i < shape[axis]; i++) {
                int[] starts = new int[(int) outer];
                int[] lengths = new int[(int) outer];
                for (int o = 0; o < outer; o++) {
                    starts[o] = (int) (offset + o * stride + i * inner);
                    lengths[o] = (int) inner;
                }
                blocks.add(new Block(blocks.size(), name + "[" + i + "]", starts, lengths));
            }
            return this;
        }

        public Partition build(int n) { return new Partition(n, blocks); }
    }
}

package io.github.dl4jcoded.partition;

import java.util.Arrays;

/**
 * A block B_j: a set of indices into the flattened parameter vector (and, with the same layout,
 * the gradient view), given as one or more disjoint index ranges.
 *
 * <p>Most blocks are one contiguous range (a layer's bias, a fixed-size chunk, one output channel
 * of a 'c'-ordered convolution kernel, one column of an 'f'-ordered dense weight matrix). A
 * per-row split of an 'f'-ordered matrix is strided, so a block may be a list of ranges; frames
 * always work on the block's own dense coordinates 0..size-1, which {@link #gather} and
 * {@link #scatter} map to and from the flat vector. The local order is the order of the ranges.
 */
public final class Block {
    private final int id;
    private final String name;
    private final int[] starts;
    private final int[] lengths;
    private final int size;

    /** A contiguous block {@code [offset, offset + length)}. */
    public Block(int id, String name, int offset, int length) {
        this(id, name, new int[] {offset}, new int[] {length});
    }

    /** A block made of the ranges {@code [starts[i], starts[i] + lengths[i])}, in this order. */
    public Block(int id, String name, int[] starts, int[] lengths) {
        if (id < 0) throw new IllegalArgumentException("block id must be >= 0, got " + id);
        if (starts.length == 0 || starts.length != lengths.length) {
            throw new IllegalArgumentException("block " + id + ": need as many starts as lengths, and at least one range");
        }
        long total = 0;
        for (int i = 0; i < starts.length; i++) {
            if (starts[i] < 0 || lengths[i] <= 0) {
                throw new IllegalArgumentException("block " + id + ": bad range start=" + starts[i] + " length=" + lengths[i]);
            }
            total += lengths[i];
        }
        if (total > Integer.MAX_VALUE) throw new IllegalArgumentException("block " + id + " too large");
        this.id = id;
        this.name = name == null ? ("block" + id) : name;
        this.starts = starts.clone();
        this.lengths = lengths.clone();
        this.size = (int) total;
    }

    public int id() { return id; }

    public String name() { return name; }

    /** The block's dimension b = |B_j|. */
    public int size() { return size; }

    public boolean isContiguous() { return starts.length == 1; }

    /** Start of the block in the flat vector; only meaningful for contiguous blocks. */
    public int offset() {
        if (!isContiguous()) throw new IllegalStateException("block " + id + " is not contiguous");
        return starts[0];
    }

    public int rangeCount() { return starts.length; }

    public int rangeStart(int i) { return starts[i]; }

    public int rangeLength(int i) { return lengths[i]; }

    /** Copies this block's entries of {@code flat} into {@code local[0..size)}. */
    public void gather(double[] flat, double[] local) {
        int pos = 0;
        for (int i = 0; i < starts.length; i++) {
            System.arraycopy(flat, starts[i], local, pos, lengths[i]);
            pos += lengths[i];
        }
    }

    /** Copies this block's entries of {@code flat} into {@code local[0..size)}. */
    public void gather(float[] flat, double[] local) {
        int pos = 0;
        for (int i = 0; i < starts.length; i++) {
            for (int k = 0, s = starts[i]; k < lengths[i]; k++) local[pos++] = flat[s + k];
        }
    }

    /** Writes {@code local[0..size)} over this block's entries of {@code flat}. */
    public void scatter(double[] local, double[] flat) {
        int pos = 0;
        for (int i = 0; i < starts.length; i++) {
            System.arraycopy(local, pos, flat, starts[i], lengths[i]);
            pos += lengths[i];
        }
    }

    /** Writes {@code local[0..size)} over this block's entries of {@code flat}. */
    public void scatter(double[] local, float[] flat) {
        int pos = 0;
        for (int i = 0; i < starts.length; i++) {
            for (int k = 0, s = starts[i]; k < lengths[i]; k++) flat[s + k] = (float) local[pos++];
        }
    }

    @Override
    public String toString() {
        if (isContiguous()) return "Block[" + id + " " + name + " @" + starts[0] + "+" + size + "]";
        return "Block[" + id + " " + name + " " + starts.length + " ranges, size " + size + "]";
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Block)) return false;
        Block b = (Block) o;
        return id == b.id && name.equals(b.name) && Arrays.equals(starts, b.starts) && Arrays.equals(lengths, b.lengths);
    }

    @Override
    public int hashCode() { return 31 * (31 * id + Arrays.hashCode(starts)) + Arrays.hashCode(lengths); }
}

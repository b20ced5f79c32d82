package io.github.dl4jcoded.partition;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PartitionTest {

    @Test
    void chunksCoverEverythingWithShortLastChunk() {
        Partition p = Partition.chunks(10, 4);
        assertEquals(3, p.blockCount());
        assertEquals(4, p.block(0).size());
        assertEquals(2, p.block(2).size());
        assertEquals(8, p.block(2).offset());
        assertEquals(4, p.maxBlockSize());
    }

    @Test
    void segmentsKeepNamesAndOrder() {
        Partition p = Partition.segments(List.of(new Partition.Segment("0_W", 0, 6), new Partition.Segment("0_b", 6, 2)));
        assertEquals(8, p.size());
        assertEquals("0_b", p.block(1).name());
    }

    @Test
    void overlapsGapsAndOverrunsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> Partition.builder().segment("a", 0, 5).segment("b", 4, 6).build(10));
        assertThrows(IllegalArgumentException.class, () -> Partition.builder().segment("a", 0, 4).segment("b", 5, 5).build(10));
        assertThrows(IllegalArgumentException.class, () -> Partition.builder().segment("a", 0, 4).build(10));
        assertThrows(IllegalArgumentException.class, () -> Partition.builder().segment("a", 0, 12).build(10));
        assertThrows(IllegalArgumentException.class, () -> new Block(0, "x", -1, 3));
    }

    /** Every slice along every axis, in both orders, must pick exactly the indices with that coordinate. */
    @Test
    void slicesMatchIndexArithmetic() {
        SplittableRandom rnd = new SplittableRandom(7);
        for (int trial = 0; trial < 40; trial++) {
            int rank = 1 + rnd.nextInt(4);
            int[] shape = new int[rank];
            int total = 1;
            for (int d = 0; d < rank; d++) { shape[d] = 1 + rnd.nextInt(4); total *= shape[d]; }
            char order = rnd.nextBoolean() ? 'c' : 'f';
            int axis = rnd.nextInt(rank);
            int offset = rnd.nextInt(5);
            Partition p = Partition.builder().segment("pre", 0, offset == 0 ? 1 : offset)
                    .slices("w", offset == 0 ? 1 : offset, shape, order, axis).build((offset == 0 ? 1 : offset) + total);
            int base = offset == 0 ? 1 : offset;
            double[] flat = new double[p.size()];
            for (int i = 0; i < flat.length; i++) flat[i] = i;
            for (int s = 0; s < shape[axis]; s++) {
                Block b = p.block(1 + s);
                double[] local = new double[b.size()];
                b.gather(flat, local);
                assertEquals(total / shape[axis], b.size());
                for (double v : local) {
                    int idx = (int) v - base;
                    assertEquals(s, coordinate(idx, shape, order, axis), "shape " + java.util.Arrays.toString(shape) + " " + order + " axis " + axis);
                }
            }
        }
    }

    @Test
    void denseFOrderPerOutputUnitIsContiguous() {
        // DL4J dense W [nIn=3, nOut=2] in 'f' order: column j (output unit j) is contiguous.
        Partition p = Partition.builder().slices("W", 0, new int[] {3, 2}, 'f', 1).build(6);
        assertTrue(p.block(0).isContiguous());
        assertEquals(3, p.block(1).offset());
        // Per input row it is strided.
        Partition rows = Partition.builder().slices("W", 0, new int[] {3, 2}, 'f', 0).build(6);
        assertEquals(2, rows.block(0).rangeCount());
    }

    @Test
    void gatherScatterRoundTrip() {
        Partition p = Partition.builder().slices("W", 0, new int[] {4, 3, 2}, 'c', 1).build(24);
        double[] flat = new double[24];
        for (int i = 0; i < 24; i++) flat[i] = i * 1.5;
        double[] copy = new double[24];
        float[] fcopy = new float[24];
        for (Block b : p.blocks()) {
            double[] local = new double[b.size()];
            b.gather(flat, local);
            b.scatter(local, copy);
            b.scatter(local, fcopy);
        }
        assertArrayEquals(flat, copy);
        for (int i = 0; i < 24; i++) assertEquals(flat[i], fcopy[i], 1e-6);
    }

    private static int coordinate(int idx, int[] shape, char order, int axis) {
        int[] c = new int[shape.length];
        if (order == 'c') {
            for (int d = shape.length - 1; d >= 0; d--) { c[d] = idx % shape[d]; idx /= shape[d]; }
        } else {
            for (int d = 0; d < shape.length; d++) { c[d] = idx % shape[d]; idx /= shape[d]; }
        }
        return c[axis];
    }
}

package io.github.dl4jcoded.training;

import java.util.Arrays;

/**
 * Decoded symbols of some blocks, all in the frames of one step: {@code symbols[i]} are the r
 * symbols of block {@code blocks[i]} (its estimate is {@code F_j symbols[i]}).
 */
public record SymbolGroup(long frameStep, int[] blocks, double[][] symbols) {
    public SymbolGroup {
        if (blocks.length != symbols.length) {
            throw new IllegalArgumentException(blocks.length + " blocks but " + symbols.length + " symbol arrays");
        }
        blocks = blocks.clone();
        symbols = symbols.clone();
    }

    /** A copy of the symbols of {@code block}, or null when the group does not hold it. */
    public double[] symbolsOf(int block) {
        for (int i = 0; i < blocks.length; i++) {
            if (blocks[i] == block) {
                return symbols[i].clone();
            }
        }
        return null;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SymbolGroup g && g.frameStep == frameStep && Arrays.equals(g.blocks, blocks)
                && Arrays.deepEquals(g.symbols, symbols);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(frameStep) * 31 + Arrays.hashCode(blocks);
    }

    @Override
    public String toString() {
        return "SymbolGroup[step=" + frameStep + ", blocks=" + Arrays.toString(blocks) + "]";
    }
}

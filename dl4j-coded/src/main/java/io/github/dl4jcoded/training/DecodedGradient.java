package io.github.dl4jcoded.training;

import io.github.dl4jcoded.decode.SymbolPrecision;

import java.util.List;

/**
 * A decoded mean gradient in the form the server applies it and sends it down to replicas: either
 * dense (vanilla, n values) or, for coded training, the decoded symbols of each block in its
 * frame's coordinates (the estimate of block j is {@code F_j s_j}, so the symbols are all a
 * replica needs: one worker message's worth of values, not every worker's messages). Blocks in no
 * group were not decoded and must not move. The values are rounded to the precision of the
 * network's parameters, or of the run's symbol precision, before anything is applied
 * ({@code valueBytes} 4: float32, 2: bfloat16 symbols), so that what travels is exactly what the
 * server applied and replicas stay equal to it bit for bit.
 *
 * @param dense      the mean gradient (vanilla), or null
 * @param groups     the decoded blocks (coded), grouped by the step whose frames they are in
 * @param valueBytes 4 when every value is a float32 (float networks), 8 for double networks, 2 for
 *                   coded symbols in bfloat16 ({@link SymbolPrecision#BFLOAT16})
 */
public record DecodedGradient(double[] dense, List<SymbolGroup> groups, int valueBytes) {
    private static final DecodedGradient NONE = new DecodedGradient(null, List.of(), 4);

    /** Per group on a wire: frame step (8) and block count (4); per block: id and length (4 each). */
    static final int GROUP_HEADER_BYTES = 12;
    static final int BLOCK_HEADER_BYTES = 8;

    public DecodedGradient {
        groups = List.copyOf(groups);
        if (dense != null && !groups.isEmpty()) {
            throw new IllegalArgumentException("a decoded gradient is dense or coded, not both");
        }
        if (valueBytes != 4 && valueBytes != 8 && (valueBytes != 2 || dense != null)) {
            throw new IllegalArgumentException("values are float32 (4 bytes), float64 (8) or, for symbols, bfloat16 (2), not "
                    + valueBytes + " bytes" + (dense != null ? " for a dense gradient" : ""));
        }
    }

    /** {@code v} rounded to the precision of {@code valueBytes}. */
    public static double round(double v, int valueBytes) {
        return switch (valueBytes) {
            case 8 -> v;
            case 4 -> SymbolPrecision.FLOAT32.round(v);
            case 2 -> SymbolPrecision.BFLOAT16.round(v);
            default -> throw new IllegalArgumentException("no precision of " + valueBytes + " bytes");
        };
    }

    /** Nothing decoded (an empty round). */
    public static DecodedGradient none() {
        return NONE;
    }

    public static DecodedGradient dense(double[] gradient, int valueBytes) {
        return new DecodedGradient(gradient, List.of(), valueBytes);
    }

    public static DecodedGradient coded(List<SymbolGroup> groups, int valueBytes) {
        return new DecodedGradient(null, groups, valueBytes);
    }

    /** True when applying it changes nothing. */
    public boolean isEmpty() {
        return dense == null && groups.stream().allMatch(g -> g.blocks().length == 0);
    }

    /** The symbols of the group in the frames of {@code frameStep}, or null. */
    public SymbolGroup group(long frameStep) {
        for (SymbolGroup g : groups) {
            if (g.frameStep() == frameStep) {
                return g;
            }
        }
        return null;
    }

    /** Bytes on a wire ({@code valueBytes} per value). */
    public long wireBytes() {
        long b = dense == null ? 0 : (long) valueBytes * dense.length;
        for (SymbolGroup g : groups) {
            b += GROUP_HEADER_BYTES;
            for (double[] s : g.symbols()) {
                b += BLOCK_HEADER_BYTES + (long) valueBytes * s.length;
            }
        }
        return b;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DecodedGradient d && java.util.Arrays.equals(d.dense, dense) && d.groups.equals(groups)
                && d.valueBytes == valueBytes;
    }

    @Override
    public int hashCode() {
        return java.util.Arrays.hashCode(dense) * 31 + groups.hashCode();
    }

    @Override
    public String toString() {
        return dense != null ? "DecodedGradient[dense " + dense.length + "]" : "DecodedGradient" + groups;
    }
}

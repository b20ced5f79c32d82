package io.github.dl4jcoded.frame;

import java.util.SplittableRandom;

/**
 * Regenerates the frame F_j^(t) for (seed, step, block) identically on any instance: the server
 * and every worker hold a family with the same kind, ratio and seed, and nothing but the step
 * number and block id is needed to agree on the directions.
 *
 * <p>Seed mixing: {@code mix(seed, step, block)} feeds the three numbers one after another through
 * the SplitMix64 finalizer (the same avalanche function SplittableRandom uses internally), each
 * pre-multiplied by a distinct odd constant. Every input bit affects every output bit, so
 * neighbouring steps or blocks give unrelated streams, and (seed, step, block) triples are not
 * confused by a simple sum such as step + block. The result keys the count-sketch generator
 * directly, or seeds a {@link SplittableRandom} that the other frame constructors consume in a
 * fixed order.
 */
public final class FrameFamily implements FrameSource {
    /** The frame constructions. */
    public enum Kind { IDENTITY, COUNT_SKETCH, HADAMARD, GAUSSIAN }

    private final Kind kind;
    private final long seed;
    private final double ratio;

    /**
     * @param ratio compression ratio per block: r = max(1, ceil(b / ratio)); ignored by IDENTITY.
     */
    public FrameFamily(Kind kind, long seed, double ratio) {
        if (kind == null) throw new IllegalArgumentException("kind is null");
        if (!(ratio >= 1.0) || Double.isInfinite(ratio)) throw new IllegalArgumentException("ratio must be finite and >= 1, got " + ratio);
        this.kind = kind;
        this.seed = seed;
        this.ratio = kind == Kind.IDENTITY ? 1.0 : ratio;
    }

    public static FrameFamily identity() { return new FrameFamily(Kind.IDENTITY, 0L, 1.0); }

    public Kind kind() { return kind; }

    public long seed() { return seed; }

    public double ratio() { return ratio; }

    /**
     * A fingerprint of (kind, seed, ratio) that codewords carry, so that a decoder can refuse a
     * codeword made with other frames (a misconfigured worker) instead of decoding garbage.
     */
    @Override
    public long tag() {
        return mix(kind.ordinal() + 1L, seed, Double.doubleToLongBits(ratio));
    }

    /** r for a block of dimension b: max(1, ceil(b / ratio)), never more than b. */
    public int rank(int b) {
        if (b <= 0) throw new IllegalArgumentException("block dimension must be > 0, got " + b);
        if (kind == Kind.IDENTITY) return b;
        return (int) Math.min(b, Math.max(1L, (long) Math.ceil(b / ratio)));
    }

    /** The frame for block {@code blockId} (of dimension b) at {@code step}. */
    @Override
    public int rank(long step, int blockId, int b) { return rank(b); }

    @Override
    public Frame frame(long step, int blockId, int b) {
        int r = rank(b);
        switch (kind) {
            case IDENTITY: return new IdentityFrame(b);
            case COUNT_SKETCH: return new CountSketchFrame(b, r, mix(seed, step, blockId));
            case HADAMARD: return new HadamardFrame(b, r, random(step, blockId));
            case GAUSSIAN: return new GaussianFrame(b, r, random(step, blockId));
            default: throw new AssertionError(kind);
        }
    }

    private SplittableRandom random(long step, int blockId) {
        return new SplittableRandom(mix(seed, step, blockId));
    }

    /** The seed for (seed, step, block); public so that other seeded parts can reuse the rule. */
    public static long mix(long seed, long step, long block) {
        long h = splitMix(seed * 0x9E3779B97F4A7C15L + 0x632BE59BD9B4E019L);
        h = splitMix(h ^ (step * 0xC2B2AE3D27D4EB4FL));
        h = splitMix(h ^ (block * 0x165667B19E3779F9L));
        return h;
    }

    private static long splitMix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    @Override
    public String toString() { return "FrameFamily[" + kind + ", seed=" + seed + ", ratio=" + ratio + "]"; }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof FrameFamily)) return false;
        FrameFamily f = (FrameFamily) o;
        return kind == f.kind && seed == f.seed && Double.compare(ratio, f.ratio) == 0;
    }

    @Override
    public int hashCode() { return kind.hashCode() * 31 + Long.hashCode(seed) * 17 + Double.hashCode(ratio); }
}

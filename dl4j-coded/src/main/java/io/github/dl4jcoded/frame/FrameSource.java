package io.github.dl4jcoded.frame;

/**
 * Where the frames of a step come from. Server and workers hold equal sources, so that only
 * step and block ids travel: a seeded {@link FrameFamily} (the same frames from the same seed,
 * anywhere) or a {@link LowRankHistory} (frames from the decoded past, which every
 * participant has seen).
 */
public interface FrameSource {
    /** The frame of block {@code blockId} (dimension {@code b}) at {@code step}. */
    Frame frame(long step, int blockId, int b);

    /** Identifies the source in codewords, so that a decoder refuses codewords made with other frames. */
    long tag();
}

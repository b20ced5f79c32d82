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

    /** r for block {@code blockId} at {@code step}; override when it is cheaper than building the frame. */
    default int rank(long step, int blockId, int b) {
        return frame(step, blockId, b).rank();
    }

    /** Identifies the source in codewords, so that a decoder refuses codewords made with other frames. */
    long tag();
}

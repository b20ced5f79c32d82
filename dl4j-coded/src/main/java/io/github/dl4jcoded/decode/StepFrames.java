package io.github.dl4jcoded.decode;

import io.github.dl4jcoded.frame.Frame;
import io.github.dl4jcoded.frame.FrameSource;
import io.github.dl4jcoded.partition.Partition;

/**
 * The frames F_j^(t) of every block for one step, created on first use. Frames are immutable and
 * deterministic, so a race that builds the same frame twice is harmless (final fields make the
 * published object safe to read from any thread).
 */
public final class StepFrames {
    private final FrameSource family;
    private final Partition partition;
    private final long step;
    private final Frame[] frames;

    public StepFrames(FrameSource family, Partition partition, long step) {
        this.family = family;
        this.partition = partition;
        this.step = step;
        this.frames = new Frame[partition.blockCount()];
    }

    public long step() { return step; }

    public FrameSource family() { return family; }

    public Frame frame(int block) {
        Frame f = frames[block];
        if (f == null) {
            f = family.frame(step, block, partition.block(block).size());
            frames[block] = f;
        }
        return f;
    }

    /** r_j without building the frame. */
    public int rank(int block) { return family.rank(step, block, partition.block(block).size()); }
}

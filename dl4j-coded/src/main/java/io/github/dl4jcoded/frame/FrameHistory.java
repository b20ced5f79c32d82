package io.github.dl4jcoded.frame;

import java.util.function.IntFunction;

/**
 * Frames made from the decoded past ({@link LowRankHistory}): every participant advances them with
 * the same decoded symbols in the same order, so the frames of a step exist only once the steps
 * before it were completed, and only for a few steps after.
 */
public interface FrameHistory extends FrameSource {
    /** True while the frames of {@code step} are kept. */
    boolean hasStep(long step);

    /** The step whose frames a new round uses. */
    long currentStep();

    /**
     * Closes the current step {@code step}: blocks whose decoded symbols are given get their next
     * frame from them; blocks with {@code null} keep theirs.
     */
    void completeStep(long step, IntFunction<double[]> decodedSymbols);

    /** The state a checkpoint or a late joiner needs, serialized. */
    byte[] exportState();

    /** Restores what {@link #exportState()} wrote. @throws IllegalArgumentException if it does not fit */
    void importState(byte[] state);
}

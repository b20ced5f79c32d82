package io.github.dl4jcoded.cuda;

import io.github.dl4jcoded.feedback.ErrorFeedback;

/**
 * Error feedback as the CPU worker does it ({@link ErrorFeedback}): the residual is decayed, then
 * clipped to {@code clip} times |g| on its block. A device coder keeps the raw residual
 * {@code (g + e) - F F^T (g + e)} and reads the next e as {@code alpha * raw}.
 *
 * @param decay in [0, 1]
 * @param clip  > 0, may be infinite
 */
public record Feedback(double decay, double clip) {
    public Feedback {
        if (!(decay >= 0 && decay <= 1) || !(clip > 0)) {
            throw new IllegalArgumentException("need decay in [0,1] and clip > 0, got " + decay + " and " + clip);
        }
    }

    /** The worker's defaults ({@link ErrorFeedback#DEFAULT_DECAY}, {@link ErrorFeedback#DEFAULT_CLIP}). */
    public static Feedback defaults() {
        return new Feedback(ErrorFeedback.DEFAULT_DECAY, ErrorFeedback.DEFAULT_CLIP);
    }

    /**
     * The factor for the next step's read of the raw residual.
     *
     * @param gNorm2   |g|^2 on the block this step
     * @param rawNorm2 |(g + e) - F F^T (g + e)|^2 on the same block
     */
    public double nextAlpha(double gNorm2, double rawNorm2) {
        return decay * ErrorFeedback.clipFactor(clip, Math.sqrt(gNorm2), decay * Math.sqrt(rawNorm2));
    }
}

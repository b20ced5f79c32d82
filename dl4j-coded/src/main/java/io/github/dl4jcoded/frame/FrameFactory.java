package io.github.dl4jcoded.frame;

/**
 * The choice of frames for a training run, as an object (Horovod's compressors are objects too):
 * the built-in kinds are the values of {@code CodedTrainingConfig.FrameKind}, and a user can pass
 * their own. Every participant calls {@link #create} with the same spec, so that server and workers
 * hold equal frame sources and only step and block ids need to travel.
 *
 * <p>A custom factory is named in a configuration's JSON by its class name and rebuilt there with
 * its public no-argument constructor, so it must have one (and be on every participant's class path).
 */
public interface FrameFactory {
    /** The frame source for one run. */
    FrameSource create(FrameSpec spec);

    /** True when the frames keep every coordinate (then compression must be 1). */
    default boolean lossless() {
        return false;
    }
}

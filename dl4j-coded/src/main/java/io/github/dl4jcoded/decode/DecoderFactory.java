package io.github.dl4jcoded.decode;

import io.github.dl4jcoded.code.Code;
import io.github.dl4jcoded.frame.FrameSource;
import io.github.dl4jcoded.partition.Partition;

/**
 * The choice of decoder for a training run, as an object: the built-in kinds are the values of
 * {@code CodedTrainingConfig.DecoderKind}; a user can pass their own (named in JSON by class name,
 * rebuilt with its public no-argument constructor).
 */
public interface DecoderFactory {
    /** A fresh decoder for one step. */
    Decoder create(Partition partition, Code code, FrameSource frames, long step);
}

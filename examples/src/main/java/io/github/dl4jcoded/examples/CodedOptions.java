package io.github.dl4jcoded.examples;

import io.github.dl4jcoded.nn.NetworkPartitions;
import io.github.dl4jcoded.training.CodedTrainingConfig;
import picocli.CommandLine.Option;

/**
 * The coded-training options every command that builds a {@link CodedTrainingConfig} shares
 * ({@code train}, {@code server}); a picocli mixin. Unset options keep the configuration's defaults.
 */
public final class CodedOptions {
    @Option(names = "--workers", description = "workers (coded and vanilla modes; default 4)")
    Integer workers;

    @Option(names = "--compression", description = "per-block compression ratio of the frames (default 32)")
    Double compression;

    @Option(names = "--frame", description = "identity, count_sketch, hadamard, gaussian or low_rank (default count_sketch)")
    CodedTrainingConfig.FrameKind frame;

    @Option(names = "--partition", description = "layer, param, output_unit or chunk (default param)")
    NetworkPartitions.Scheme partition;

    @Option(names = "--code", description = "repetition or systematic (default repetition)")
    CodedTrainingConfig.CodeKind code;

    @Option(names = "--decoder", description = "peeling or projective (default projective)")
    CodedTrainingConfig.DecoderKind decoder;

    @Option(names = "--policy", description = "sync or async (coded mode; default sync)")
    CodedTrainingConfig.Policy policy;

    @Option(names = "--error-feedback", negatable = true, description = "carry what compression dropped into the next step (default on)")
    Boolean errorFeedback;

    @Option(names = "--feedback-decay", description = "error feedback: residual decay per step in [0, 1] (default 0.9)")
    Double feedbackDecay;

    @Option(names = "--feedback-clip", description = "error feedback: clip the residual to this times |g| (default 2; Infinity for none)")
    Double feedbackClip;

    @Option(names = "--staleness-bound", description = "async: drop gradients older than this many updates (default 8)")
    Integer stalenessBound;

    /**
     * The configuration the options describe.
     *
     * @param vanilla null for coded training, else the dense baseline with this policy
     */
    CodedTrainingConfig config(long seed, CodedTrainingConfig.Policy vanilla) {
        CodedTrainingConfig.Builder b = CodedTrainingConfig.builder().seed(seed);
        if (vanilla != null) {
            b.vanilla().policy(vanilla);
        }
        if (workers != null) b.workers(workers);
        if (frame != null) b.frame(frame);
        if (frame == CodedTrainingConfig.FrameKind.IDENTITY) b.compression(1).errorFeedback(false);
        if (compression != null) b.compression(compression);
        if (partition != null) b.partition(partition);
        if (code != null) b.code(code);
        if (decoder != null) b.decoder(decoder);
        if (policy != null) b.policy(policy);
        if (errorFeedback != null) b.errorFeedback(errorFeedback);
        if (stalenessBound != null) b.stalenessBound(stalenessBound);
        if (feedbackDecay != null) b.feedbackDecay(feedbackDecay);
        if (feedbackClip != null) b.feedbackClip(feedbackClip);
        return b.build();
    }
}

package io.github.dl4jcoded.examples;

import io.github.dl4jcoded.decode.SymbolPrecision;
import io.github.dl4jcoded.nn.NetworkPartitions;
import io.github.dl4jcoded.training.CodedTrainingConfig;
import picocli.CommandLine.Option;

import java.util.Locale;

/**
 * The coded-training options every command that builds a {@link CodedTrainingConfig} shares
 * ({@code train}, {@code server}); a picocli mixin. Unset options keep the configuration's defaults,
 * and the help names those defaults as {@link CodedTrainingConfig#defaults()} has them
 * ({@link #publishDefaults()} puts them where picocli's {@code ${sys:...}} reads them).
 */
public final class CodedOptions {
    @Option(names = "--config", paramLabel = "FILE", description = "start from the configuration in FILE (JSON, as tune writes "
            + "it or train prints it); the options given beside it override its fields, --seed its seed")
    java.nio.file.Path configFile;

    @Option(names = "--workers", description = "workers (coded and vanilla modes; default ${sys:coded.default.workers})")
    Integer workers;

    @Option(names = "--compression", description = "per-block compression ratio of the frames (default ${sys:coded.default.compression})")
    Double compression;

    @Option(names = "--frame", description = "identity, count_sketch, hadamard, gaussian or low_rank (default ${sys:coded.default.frame})")
    CodedTrainingConfig.FrameKind frame;

    @Option(names = "--partition", description = "layer, param, output_unit or chunk (default ${sys:coded.default.partition})")
    NetworkPartitions.Scheme partition;

    @Option(names = "--code", description = "repetition, systematic or ldgm (default ${sys:coded.default.code})")
    CodedTrainingConfig.CodeKind code;

    @Option(names = "--parity-tasks", description = "systematic or ldgm code: extra parity tasks (default ${sys:coded.default.parityTasks})")
    Integer parityTasks;

    @Option(names = "--row-weight", description = "systematic or ldgm code: blocks per parity task (default ${sys:coded.default.rowWeight})")
    Integer rowWeight;

    @Option(names = "--decoder", description = "peeling or projective (default ${sys:coded.default.decoder})")
    CodedTrainingConfig.DecoderKind decoder;

    @Option(names = "--policy", description = "sync or async (default ${sys:coded.default.policy})")
    CodedTrainingConfig.Policy policy;

    @Option(names = "--error-feedback", negatable = true,
            description = "carry what compression dropped into the next step (default ${sys:coded.default.errorFeedback})")
    Boolean errorFeedback;

    @Option(names = "--feedback-decay", description = "error feedback: residual decay per step in [0, 1] "
            + "(default ${sys:coded.default.feedbackDecay} for low_rank frames, ${sys:coded.default.feedbackDecayRandom} for random ones)")
    Double feedbackDecay;

    @Option(names = "--feedback-clip", description = "error feedback: clip the residual to this times |g|, Infinity for none "
            + "(default ${sys:coded.default.feedbackClip} for low_rank frames, ${sys:coded.default.feedbackClipRandom} for random ones)")
    Double feedbackClip;

    @Option(names = "--symbol-precision", description = "what coded symbols travel in, both ways: bfloat16 or float32 "
            + "(default ${sys:coded.default.symbolPrecision} for lossy frames, ${sys:coded.default.symbolPrecisionLossless} for identity)")
    SymbolPrecision symbolPrecision;

    @Option(names = "--staleness-bound", description = "async: drop gradients older than this many updates (default ${sys:coded.default.stalenessBound})")
    Integer stalenessBound;

    @picocli.CommandLine.Mixin
    AsyncOptions async = new AsyncOptions();

    @Option(names = "--backup-workers", description = "sync: answers a round does not wait for (default ${sys:coded.default.backupWorkers})")
    Integer backupWorkers;

    /** Puts the configuration's defaults where the options' help reads them; call before building the command line. */
    static void publishDefaults() {
        CodedTrainingConfig d = CodedTrainingConfig.defaults();
        CodedTrainingConfig random = CodedTrainingConfig.builder().frame(CodedTrainingConfig.FrameKind.COUNT_SKETCH).build();
        set("workers", d.workers());
        set("compression", d.compression());
        set("frame", CodedTrainingConfig.label(d.frame()));
        set("partition", d.partition().name().toLowerCase(Locale.ROOT));
        set("code", CodedTrainingConfig.label(d.code()));
        set("parityTasks", d.parityTasks());
        set("rowWeight", d.rowWeight());
        set("decoder", CodedTrainingConfig.label(d.decoder()));
        set("policy", d.policy().name().toLowerCase(Locale.ROOT));
        set("errorFeedback", d.errorFeedback() ? "on" : "off");
        set("feedbackDecay", d.feedbackDecay());
        set("feedbackDecayRandom", random.feedbackDecay());
        set("feedbackClip", d.feedbackClip());
        set("feedbackClipRandom", random.feedbackClip());
        set("symbolPrecision", d.symbolPrecision().name().toLowerCase(Locale.ROOT));
        set("symbolPrecisionLossless", CodedTrainingConfig.builder().lossless().build().symbolPrecision().name().toLowerCase(Locale.ROOT));
        set("stalenessBound", d.stalenessBound());
        set("cadence", d.cadence());
        set("cadenceRule", d.cadenceRule().name().toLowerCase(Locale.ROOT));
        set("stalenessRule", d.stalenessRule().name().toLowerCase(Locale.ROOT));
        set("dcLambda", d.dcLambda());
        set("framePeriod", d.framePeriod());
        set("answersPerFrame", CodedTrainingConfig.ANSWERS_PER_FRAME);
        set("maxAutoFramePeriod", CodedTrainingConfig.MAX_AUTO_FRAME_PERIOD);
        set("freshJobs", d.freshJobs() ? "on" : "off");
        set("backupWorkers", d.backupWorkers());
    }

    private static void set(String key, Object value) {
        String v = value instanceof Double x && x == Math.rint(x) && !x.isInfinite() ? Long.toString(x.longValue()) : String.valueOf(value);
        System.setProperty("coded.default." + key, v);
    }

    /** A configuration file, or one line saying why it cannot be used. */
    static CodedTrainingConfig readConfig(java.nio.file.Path file) {
        String json;
        try {
            json = java.nio.file.Files.readString(file);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("cannot read --config " + file + ": " + e);
        }
        try {
            return CodedTrainingConfig.fromJson(json);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--config " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * The configuration the options describe.
     *
     * @param vanilla null for coded training, else the dense baseline with this policy
     */
    CodedTrainingConfig config(long seed, CodedTrainingConfig.Policy vanilla) {
        CodedTrainingConfig.Builder b = (configFile != null ? readConfig(configFile).toBuilder() : CodedTrainingConfig.builder()).seed(seed);
        if (vanilla != null) {
            b.vanilla().policy(vanilla);
        }
        if (workers != null) b.workers(workers);
        if (frame != null) b.frame(frame);
        if (frame == CodedTrainingConfig.FrameKind.IDENTITY) b.compression(1).errorFeedback(false);
        if (compression != null) b.compression(compression);
        if (partition != null) b.partition(partition);
        if (code != null) b.code(code);
        if (parityTasks != null) b.parityTasks(parityTasks);
        if (rowWeight != null) b.rowWeight(rowWeight);
        if (decoder != null) b.decoder(decoder);
        if (policy != null) b.policy(policy);
        if (errorFeedback != null) b.errorFeedback(errorFeedback);
        if (stalenessBound != null) b.stalenessBound(stalenessBound);
        async.applyTo(b);
        if (backupWorkers != null) b.backupWorkers(backupWorkers);
        if (feedbackDecay != null) b.feedbackDecay(feedbackDecay);
        if (feedbackClip != null) b.feedbackClip(feedbackClip);
        if (symbolPrecision != null) b.symbolPrecision(symbolPrecision);
        return b.build();
    }
}

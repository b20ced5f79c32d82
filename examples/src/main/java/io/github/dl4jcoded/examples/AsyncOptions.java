package io.github.dl4jcoded.examples;

import io.github.dl4jcoded.training.CodedTrainingConfig;
import picocli.CommandLine.Option;

/**
 * The asynchronous policy's options, one declaration for every command that takes them
 * ({@code train}, {@code server}, {@code compare}); a picocli mixin. Unset options keep the
 * configuration's defaults, which the help names ({@link CodedOptions#publishDefaults()}).
 */
public final class AsyncOptions {
    @Option(names = "--cadence", description = "async: decoded answers per updater step, 0 for all workers but one in eight "
            + "(default ${sys:coded.default.cadence})")
    Integer cadence;

    @Option(names = "--cadence-rule", description = "async: the answers the cadence counts: all, or fresh (computed on the "
            + "current parameters; late ones ride along) (default ${sys:coded.default.cadenceRule})")
    CodedTrainingConfig.CadenceRule cadenceRule;

    @Option(names = "--staleness-rule", description = "async: none, inverse (1/(1+s) on a late answer's share) or dc_asgd "
            + "(default ${sys:coded.default.stalenessRule})")
    CodedTrainingConfig.StalenessRule stalenessRule;

    @Option(names = "--dc-lambda", description = "async dc_asgd: its lambda (default ${sys:coded.default.dcLambda})")
    Double dcLambda;

    @Option(names = "--fresh-jobs", negatable = true,
            description = "async: a worker's next job waits for an update after its last one (default ${sys:coded.default.freshJobs})")
    Boolean freshJobs;

    @Option(names = "--frame-period", description = "async, coded: versions read that share frames, 0 for a frame step of about "
            + "${sys:coded.default.answersPerFrame} answers (ceil(${sys:coded.default.answersPerFrame} / answers per step), at most "
            + "${sys:coded.default.maxAutoFramePeriod}) (default ${sys:coded.default.framePeriod})")
    Integer framePeriod;

    /** Sets on {@code b} every option given; the others keep the builder's values. */
    void applyTo(CodedTrainingConfig.Builder b) {
        if (cadence != null) b.cadence(cadence);
        if (cadenceRule != null) b.cadenceRule(cadenceRule);
        if (stalenessRule != null) b.stalenessRule(stalenessRule);
        if (dcLambda != null) b.dcLambda(dcLambda);
        if (freshJobs != null) b.freshJobs(freshJobs);
        if (framePeriod != null) b.framePeriod(framePeriod);
    }
}

package io.github.dl4jcoded.training.server;

import io.github.dl4jcoded.training.DecodedGradient;

/**
 * One step of the parameter server, as it is applied on the server and replayed on every replica:
 * the decoded mean gradient and how to apply it. Everything a replica needs to stay equal to the
 * server bit for bit, and no more: one update's worth of values, never the workers' messages.
 *
 * @param round    the round (SYNC) or job (ASYNC) it closes
 * @param version  updates applied once this one is (equal to the version before for an empty round)
 * @param scale    step scale of the updater's output, in (0, 1]
 * @param loss     mean training loss of the messages behind it (NaN when none)
 * @param examples examples behind it
 * @param gradient the decoded mean gradient (nothing, for an empty round: then only frames advance)
 * @param referenceVersion DC_ASGD: the version whose parameters the delay compensation measures the
 *                 drift from (the mean version its answers read); -1 for none
 * @param runningStatistics batch normalization's running-statistics step: the example-weighted mean
 *                 of the messages' steps, rounded to the parameters' precision (null without batch
 *                 normalization); written into the running statistics' slots as DL4J's fit does
 */
public record Update(long round, long version, double scale, double loss, int examples, DecodedGradient gradient,
                     long referenceVersion, double[] runningStatistics) {
    /** Bytes of the header on a wire: round, version, reference version (8 each), scale, loss (8 each), examples (4), groups (4). */
    public static final int HEADER_BYTES = 48;

    /** An update without delay compensation. */
    public Update(long round, long version, double scale, double loss, int examples, DecodedGradient gradient) {
        this(round, version, scale, loss, examples, gradient, -1);
    }

    /** An update without running statistics. */
    public Update(long round, long version, double scale, double loss, int examples, DecodedGradient gradient,
                  long referenceVersion) {
        this(round, version, scale, loss, examples, gradient, referenceVersion, null);
    }

    /** True when applying it changes the parameters. */
    public boolean applies() {
        return !gradient.isEmpty();
    }

    /** Bytes on a wire with float32 values. */
    public long wireBytes() {
        return HEADER_BYTES + gradient.wireBytes()
                + (runningStatistics == null ? 0 : (gradient.valueBytes() == 8 ? 8L : 4L) * runningStatistics.length);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Update u && u.round == round && u.version == version && Double.compare(u.scale, scale) == 0
                && Double.compare(u.loss, loss) == 0 && u.examples == examples && u.gradient.equals(gradient)
                && u.referenceVersion == referenceVersion && java.util.Arrays.equals(u.runningStatistics, runningStatistics);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(round, version, scale, loss, examples, gradient, referenceVersion)
                * 31 + java.util.Arrays.hashCode(runningStatistics);
    }
}

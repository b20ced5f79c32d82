package io.github.dl4jcoded.cluster;

/** Training is over (every epoch done): the worker may disconnect. {@code seq} is the last log entry. */
public record Finished(long seq) implements Downlink {
}

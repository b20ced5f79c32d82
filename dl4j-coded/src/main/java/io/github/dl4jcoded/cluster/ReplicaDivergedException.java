package io.github.dl4jcoded.cluster;

/** A replica's checksum differs from the server's after the same log entry: it needs a resync. */
public final class ReplicaDivergedException extends IllegalStateException {
    public ReplicaDivergedException(String message) {
        super(message);
    }
}

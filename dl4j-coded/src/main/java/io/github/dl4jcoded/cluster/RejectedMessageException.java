package io.github.dl4jcoded.cluster;

/** A worker message the server refused; nothing of it was applied. */
public final class RejectedMessageException extends IllegalArgumentException {
    private final RejectReason reason;

    public RejectedMessageException(RejectReason reason, String message) {
        super(reason + ": " + message);
        this.reason = reason;
    }

    public RejectReason reason() {
        return reason;
    }
}

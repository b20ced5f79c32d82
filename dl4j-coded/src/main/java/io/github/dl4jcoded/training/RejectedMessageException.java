package io.github.dl4jcoded.training;

/** A worker message the server refused; nothing of it was applied. */
public final class RejectedMessageException extends IllegalArgumentException {
    private final RejectReason reason;
    private final String detail;

    public RejectedMessageException(RejectReason reason, String detail) {
        super(reason + ": " + detail);
        this.reason = reason;
        this.detail = detail;
    }

    /** What was wrong, without the reason. */
    public String detail() {
        return detail;
    }

    public RejectReason reason() {
        return reason;
    }
}

package io.github.dl4jcoded.decode;

/** A codeword a decoder refused; the decoder's state is unchanged. The reason is for counting. */
public final class InvalidCodewordException extends IllegalArgumentException {
    /** Why a codeword was refused. */
    public enum Reason { NULL, WRONG_STEP, UNKNOWN_TASK, WRONG_CODE_ROW, WRONG_FRAMES, WRONG_LENGTH, NOT_FINITE, DUPLICATE }

    private final Reason reason;

    public InvalidCodewordException(Reason reason, String message) {
        super(reason + ": " + message);
        this.reason = reason;
    }

    public Reason reason() { return reason; }
}

package io.github.dl4jcoded.training;

/**
 * Why a parameter server refused a worker message: the core ({@code training.server.ParameterServer})
 * decides every reason but the transport's own (OVERSIZED, UNAUTHENTICATED, and MALFORMED for
 * bytes that do not parse). Each refusal is counted; nothing of the message is applied.
 */
public enum RejectReason {
    /** not parseable, or fields out of range (negative counts, wrong array lengths) */
    MALFORMED,
    /** larger than the transport's size limit */
    OVERSIZED,
    /** NaN or infinite value in the loss, a symbol or a gradient entry */
    NON_FINITE,
    /** codeword for a task that is not the sender's, or not in the code at all */
    UNKNOWN_TASK,
    /** codeword made with other frames (another seed or frame family) */
    WRONG_FRAME,
    /** for a round the server never issued to this worker */
    UNKNOWN_ROUND,
    /** for a round already applied, or a second answer to the same job */
    REPLAY,
    /** computed against parameters older than the staleness bound allows */
    STALE,
    /** arrived after its round was closed without it (deadline passed) */
    LATE,
    /** the peer did not present a valid token or certificate */
    UNAUTHENTICATED
}

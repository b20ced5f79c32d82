package io.github.dl4jcoded.training.server;

/**
 * What each item of the server's downlink weighs on a wire, in one place: the cluster server counts
 * its bytes down with these rules, and the simulator charges the same bytes to the same links. An
 * update's own size is {@link Update#wireBytes()}.
 */
public final class WireSizes {
    private WireSizes() {
    }

    /** A job: round (8) and example count (4), then one 4-byte index per example. */
    public static final int JOB_HEADER_BYTES = 12;
    /** A log entry around its update: seq and checksum (8 each). */
    public static final int ENTRY_HEADER_BYTES = 16;
    /** A welcome besides its snapshot, codec state and configuration: worker (4), seq and version (8 each), fingerprint (~40). */
    public static final int WELCOME_HEADER_BYTES = 60;
    /** The end-of-training notice: the last seq. */
    public static final int FINISHED_BYTES = 8;

    public static long job(int examples) {
        return JOB_HEADER_BYTES + 4L * examples;
    }

    public static long entry(Update u) {
        return ENTRY_HEADER_BYTES + u.wireBytes();
    }

    /**
     * A welcome: the network (a ModelSerializer zip, or {@link #seededNetwork}), the codec's state
     * (or none) and the configuration's JSON.
     */
    public static long welcome(long networkBytes, long codecStateBytes, long configJsonBytes) {
        return WELCOME_HEADER_BYTES + networkBytes + codecStateBytes + configJsonBytes;
    }

    /** The network of a welcome to a fresh run: its configuration's JSON and the parameters' checksum (8). */
    public static long seededNetwork(String networkJson) {
        return networkJson.getBytes(java.nio.charset.StandardCharsets.UTF_8).length + 8L;
    }
}

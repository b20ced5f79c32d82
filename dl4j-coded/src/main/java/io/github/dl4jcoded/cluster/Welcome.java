package io.github.dl4jcoded.cluster;

/**
 * Sent when a worker joins, and again whenever its replica must be rebuilt (a checksum
 * mismatch, a resync request): everything needed to become an exact copy of the server as of
 * log entry {@code seq}.
 *
 * @param worker          the worker slot assigned (selects its code tasks)
 * @param configJson      {@link io.github.dl4jcoded.training.CodedTrainingConfig#toJson()}
 * @param snapshot        the server's network, updater state included, as a ModelSerializer zip
 * @param codecState      the codec's history (low-rank frames), {@code null} when it keeps none
 * @param seq             the last log entry reflected in the snapshot
 * @param version         updates applied up to {@code seq}
 * @param dataFingerprint {@link ExampleSource#fingerprint()} of the server's training set
 */
public record Welcome(int worker, String configJson, byte[] snapshot, byte[] codecState, long seq, long version,
                      String dataFingerprint) implements Downlink {
    /** Bytes this welcome takes on a wire ({@link io.github.dl4jcoded.training.server.WireSizes#welcome}). */
    public long wireBytes() {
        return io.github.dl4jcoded.training.server.WireSizes.welcome(snapshot.length, codecState == null ? 0 : codecState.length,
                configJson.getBytes(java.nio.charset.StandardCharsets.UTF_8).length);
    }
}

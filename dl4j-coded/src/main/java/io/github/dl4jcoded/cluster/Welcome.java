package io.github.dl4jcoded.cluster;

import io.github.dl4jcoded.data.ExampleSource;

/**
 * Sent when a worker joins, and again whenever its replica must be rebuilt (a checksum
 * mismatch, a resync request): everything needed to become an exact copy of the server as of
 * log entry {@code seq}. The network travels as a snapshot, or, when the server's network is
 * exactly what its configuration's seeded {@code init()} makes and the codec is fresh (a fresh
 * run), as that configuration alone, which the worker builds and checks against {@code checksum}.
 *
 * @param worker          the worker slot assigned (selects its code tasks)
 * @param configJson      {@link io.github.dl4jcoded.training.CodedTrainingConfig#toJson()}
 * @param snapshot        the server's network, updater state included, as a ModelSerializer zip;
 *                        empty when {@code seededNetwork} is given
 * @param codecState      the codec's history (low-rank frames), {@code null} when it keeps none or
 *                        with a seeded network (then the codec is as fresh as the network)
 * @param seq             the last log entry reflected in the snapshot
 * @param version         updates applied up to {@code seq}
 * @param dataFingerprint {@link ExampleSource#fingerprint()} of the server's training set
 * @param seededNetwork   the network's configuration JSON, whose {@code init()} gives the server's
 *                        network (see {@link io.github.dl4jcoded.training.server.SeededStart}),
 *                        or null when the snapshot is sent
 * @param checksum        {@link ReplicaChecksum} of the server's network (0: not given, only with a snapshot)
 */
public record Welcome(int worker, String configJson, byte[] snapshot, byte[] codecState, long seq, long version,
                      String dataFingerprint, String seededNetwork, long checksum) implements Downlink {
    public Welcome {
        if (snapshot == null) {
            snapshot = new byte[0];
        }
        if ((snapshot.length == 0) == (seededNetwork == null)) {
            throw new IllegalArgumentException("a welcome carries a network snapshot or the seeded network's configuration, one of them");
        }
        if (seededNetwork != null && (checksum == 0 || codecState != null)) {
            throw new IllegalArgumentException("a seeded network comes with the checksum of the server's parameters and no codec state");
        }
    }

    /** A welcome with the network's snapshot. */
    public Welcome(int worker, String configJson, byte[] snapshot, byte[] codecState, long seq, long version, String dataFingerprint) {
        this(worker, configJson, snapshot, codecState, seq, version, dataFingerprint, null, 0);
    }

    /** Bytes this welcome takes on a wire ({@link io.github.dl4jcoded.training.server.WireSizes#welcome}). */
    public long wireBytes() {
        long network = seededNetwork == null ? snapshot.length
                : io.github.dl4jcoded.training.server.WireSizes.seededNetwork(seededNetwork);
        return io.github.dl4jcoded.training.server.WireSizes.welcome(network, codecState == null ? 0 : codecState.length,
                configJson.getBytes(java.nio.charset.StandardCharsets.UTF_8).length);
    }
}

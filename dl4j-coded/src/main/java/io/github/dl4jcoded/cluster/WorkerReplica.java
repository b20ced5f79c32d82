package io.github.dl4jcoded.cluster;

import io.github.dl4jcoded.training.GradientCodec;
import io.github.dl4jcoded.training.WorkerMessage;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/**
 * A worker's side of cluster mode, independent of any transport: an exact copy of the server
 * built from a {@link Welcome}, kept current by replaying the server's {@link LogEntry}s, and
 * the worker's half of the codec to answer {@link Job}s. Not thread-safe: one transport thread
 * drives it, taking downlink items in order.
 */
public final class WorkerReplica {

    /** @throws IllegalArgumentException when the data differs from the server's (fingerprint) or the welcome is malformed */
    public WorkerReplica(Welcome welcome, ExampleSource data) {
        throw new UnsupportedOperationException("being implemented");
    }

    /** Rebuilds the replica from a fresh welcome (same slot); worker-side codec state (error feedback) is kept. */
    public void reset(Welcome welcome) { throw new UnsupportedOperationException(); }

    public int worker() { throw new UnsupportedOperationException(); }

    /** Last log entry replayed. */
    public long seq() { throw new UnsupportedOperationException(); }

    /** Updates applied so far. */
    public long version() { throw new UnsupportedOperationException(); }

    public GradientCodec codec() { throw new UnsupportedOperationException(); }

    /** The message answering {@code job}, computed on the replica as it is now; values rounded to float32 as on the wire. */
    public WorkerMessage compute(Job job) { throw new UnsupportedOperationException(); }

    /**
     * Replays one entry (which must be entry {@code seq() + 1}).
     *
     * @throws ReplicaDivergedException when the entry's checksum differs from the replica's: ask for a resync
     */
    public void replay(LogEntry entry) { throw new UnsupportedOperationException(); }

    public MultiLayerNetwork network() { throw new UnsupportedOperationException(); }
}

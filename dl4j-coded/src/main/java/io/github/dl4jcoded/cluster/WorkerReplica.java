package io.github.dl4jcoded.cluster;

import io.github.dl4jcoded.data.ExampleSource;
import io.github.dl4jcoded.training.CodedTrainingConfig;
import io.github.dl4jcoded.training.GradientCodec;
import io.github.dl4jcoded.training.WorkerMessage;
import io.github.dl4jcoded.training.server.ParameterServer;
import io.github.dl4jcoded.nn.Network;
import org.deeplearning4j.util.ModelSerializer;

import java.io.ByteArrayInputStream;
import java.io.IOException;

/**
 * A worker's side of cluster mode, independent of any transport: an exact copy of the server
 * built from a {@link Welcome}, kept current by replaying the server's {@link LogEntry}s through
 * its own {@link ParameterServer} core, and the worker's half of the codec to answer {@link Job}s.
 * Not thread-safe: one transport thread drives it, taking downlink items in order.
 *
 * <p>Replaying an entry is the server's own apply step on the same floats: the same codec lifts
 * the same decoded symbols through the same frames, and the same updater applies them with the
 * same state, so the replica stays equal to the server bit for bit (checked by the checksums some
 * entries carry).
 */
public final class WorkerReplica {
    private final ExampleSource data;
    private final CodedTrainingConfig config;
    private final int worker;
    private ParameterServer core;
    private GradientCodec.WorkerSide side;
    private long seq;

    /** @throws IllegalArgumentException when the data differs from the server's (fingerprint) or the welcome is malformed */
    public WorkerReplica(Welcome welcome, ExampleSource data) {
        if (!welcome.dataFingerprint().equals(data.fingerprint())) {
            throw new IllegalArgumentException("the server trains on " + welcome.dataFingerprint() + ", this worker has "
                    + data.fingerprint());
        }
        this.data = data;
        this.config = CodedTrainingConfig.fromJson(welcome.configJson());
        this.worker = welcome.worker();
        if (worker < 0 || worker >= config.workers()) {
            throw new IllegalArgumentException("welcome assigns slot " + worker + " of " + config.workers());
        }
        rebuild(welcome);
        this.side = core.codec().workerSide(worker);
    }

    /** Rebuilds the replica from a fresh welcome (same slot); worker-side codec state (error feedback) is kept. */
    public void reset(Welcome welcome) {
        if (welcome.worker() != worker) {
            throw new IllegalArgumentException("welcome for slot " + welcome.worker() + " sent to worker " + worker);
        }
        GradientCodec.WorkerSide keep = side;
        rebuild(welcome);
        // Error feedback lives in the worker side; its frames come from the codec it was made
        // with, so it can only be kept when the frames do not depend on the replaced history.
        this.side = core.codec().exportState() == null ? keep : core.codec().workerSide(worker);
    }

    /**
     * @throws ReplicaDivergedException when the network built from a seeded welcome's configuration
     *                                  is not the server's (ask for a resync: it sends the snapshot)
     */
    private void rebuild(Welcome welcome) {
        Network restored;
        try {
            if (welcome.seededNetwork() != null) {
                restored = Network.fromJson(welcome.seededNetwork());
                restored.init();
            } else {
                restored = Network.restore(welcome.snapshot());
            }
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("unreadable network in the welcome: " + e.getMessage(), e);
        }
        if (welcome.seededNetwork() != null) {
            long built = ReplicaChecksum.of(restored);
            if (built != welcome.checksum()) {
                throw new ReplicaDivergedException("the network built from the welcome's configuration and seed is not the"
                        + " server's (checksum " + built + ", the server's " + welcome.checksum() + ")");
            }
        }
        ParameterServer c = new ParameterServer(restored, config, welcome.version());
        if (welcome.seededNetwork() == null) {
            c.codec().importState(welcome.codecState());
        } // else the codec is as fresh as the network: its state is the one a new codec has
        this.core = c;
        this.seq = welcome.seq();
    }

    public int worker() {
        return worker;
    }

    /** Last log entry replayed. */
    public long seq() {
        return seq;
    }

    /** Updates applied so far. */
    public long version() {
        return core.version();
    }

    public GradientCodec codec() {
        return core.codec();
    }

    /**
     * The message answering {@code job}, computed on the replica as it is now; values rounded to
     * float32 as on the wire. Null when the job's round is too old for the codec to encode
     * (its frames are gone): the server will close that round without this worker.
     */
    public WorkerMessage compute(Job job) {
        WorkerMessage m = side.compute(core.network(), data.examples(job.examples()), job.round(), core.version());
        return m == null ? null : m.asSent();
    }

    /**
     * Replays one entry. Entries the replica already reflects (seq at most {@link #seq()}, queued
     * before a resync's welcome) are skipped.
     *
     * @throws IllegalStateException     when an entry is missing (a gap in the log)
     * @throws ReplicaDivergedException when the entry's checksum differs from the replica's, or
     *                                   the replica cannot apply what the server applied: ask for a resync
     */
    public void replay(LogEntry entry) {
        if (entry.seq() <= seq) {
            return;
        }
        if (entry.seq() != seq + 1) {
            throw new IllegalStateException("log entry " + entry.seq() + " follows entry " + seq + ": entries are missing");
        }
        try {
            core.apply(entry.update());
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new ReplicaDivergedException("cannot apply log entry " + entry.seq() + " as the server did: " + e.getMessage());
        }
        seq = entry.seq();
        if (entry.checksum() != 0 && entry.checksum() != ReplicaChecksum.of(core.network())) {
            throw new ReplicaDivergedException("checksum mismatch after log entry " + seq);
        }
    }

    public Network network() {
        return core.network();
    }
}

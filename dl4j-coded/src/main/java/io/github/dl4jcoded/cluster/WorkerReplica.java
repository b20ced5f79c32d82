package io.github.dl4jcoded.cluster;

import io.github.dl4jcoded.decode.Codeword;
import io.github.dl4jcoded.training.CodedTrainingConfig;
import io.github.dl4jcoded.training.GradientCodec;
import io.github.dl4jcoded.training.ParameterServerSetup;
import io.github.dl4jcoded.training.WorkerMessage;
import io.github.dl4jcoded.updater.GradientApplier;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A worker's side of cluster mode, independent of any transport: an exact copy of the server
 * built from a {@link Welcome}, kept current by replaying the server's {@link LogEntry}s, and
 * the worker's half of the codec to answer {@link Job}s. Not thread-safe: one transport thread
 * drives it, taking downlink items in order.
 *
 * <p>Replaying an entry is the server's own decode-and-update: the same codec decodes the same
 * float32 symbols in the same order into the same estimate, and the same {@link GradientApplier}
 * applies it with the same updater state, so the replica stays equal to the server bit for bit
 * (checked by the checksums some entries carry).
 */
public final class WorkerReplica {
    private final ExampleSource data;
    private final CodedTrainingConfig config;
    private final int worker;
    private MultiLayerNetwork net;
    private GradientApplier applier;
    private GradientCodec codec;
    private GradientCodec.WorkerSide side;
    private long seq;
    private long version;

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
        this.side = codec.workerSide(worker);
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
        this.side = codec.exportState() == null ? keep : codec.workerSide(worker);
    }

    private void rebuild(Welcome welcome) {
        MultiLayerNetwork restored;
        try {
            restored = ModelSerializer.restoreMultiLayerNetwork(new ByteArrayInputStream(welcome.snapshot()), true);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("unreadable network snapshot in the welcome: " + e.getMessage(), e);
        }
        GradientCodec c = ParameterServerSetup.codec(restored, config);
        c.importState(welcome.codecState());
        this.net = restored;
        this.applier = new GradientApplier(restored, true);
        this.codec = c;
        this.seq = welcome.seq();
        this.version = welcome.version();
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
        return version;
    }

    public GradientCodec codec() {
        return codec;
    }

    /**
     * The message answering {@code job}, computed on the replica as it is now; values rounded to
     * float32 as on the wire. Null when the job's round is too old for the codec to encode
     * (its frames are gone): the server will close that round without this worker.
     */
    public WorkerMessage compute(Job job) {
        WorkerMessage m = side.compute(net, data.examples(job.examples()), job.round(), version);
        if (m == null) {
            return null;
        }
        List<Codeword> rounded = new ArrayList<>(m.codewords().size());
        for (Codeword cw : m.codewords()) {
            rounded.add(new Codeword(cw.step(), cw.task(), cw.frameTag(), cw.blocks(), cw.coefficients(),
                    ClusterMessages.roundToFloat(cw.symbols())));
        }
        return new WorkerMessage(m.round(), m.version(), m.worker(), m.examples(), (float) m.loss(), rounded,
                m.dense() == null ? null : ClusterMessages.roundToFloat(m.dense()));
    }

    /**
     * Replays one entry. Entries the replica already reflects (seq at most {@link #seq()}, queued
     * before a resync's welcome) are skipped.
     *
     * @throws IllegalStateException     when an entry is missing (a gap in the log)
     * @throws ReplicaDivergedException when the entry's checksum differs from the replica's, or
     *                                   the replica cannot decode what the server decoded: ask for a resync
     */
    public void replay(LogEntry entry) {
        if (entry.seq() <= seq) {
            return;
        }
        if (entry.seq() != seq + 1) {
            throw new IllegalStateException("log entry " + entry.seq() + " follows entry " + seq + ": entries are missing");
        }
        GradientCodec.Round r = null;
        if (entry.dense() != null) {
            applier.apply(Replay.gradient(entry.dense(), net), 1, null, entry.loss(), entry.scale());
            version++;
        } else {
            r = codec.newRound(entry.round(), entry.messages().stream().mapToInt(WorkerMessage::worker).toArray());
            try {
                for (WorkerMessage m : entry.messages()) {
                    r.offer(m);
                }
            } catch (IllegalArgumentException e) {
                throw new ReplicaDivergedException("cannot decode log entry " + entry.seq() + " as the server did: " + e.getMessage());
            }
            if (entry.applies()) {
                GradientCodec.Estimate e = r.estimate();
                applier.apply(Replay.gradient(e, net), 1, e.mask(), e.loss(), entry.scale());
                version++;
            }
        }
        if (r != null) {
            r.finish();
        }
        seq = entry.seq();
        if (version != entry.version()) {
            throw new ReplicaDivergedException("after log entry " + seq + " the replica is at version " + version
                    + ", the server at " + entry.version());
        }
        if (entry.checksum() != 0 && entry.checksum() != ReplicaChecksum.of(net)) {
            throw new ReplicaDivergedException("checksum mismatch after log entry " + seq);
        }
    }

    public MultiLayerNetwork network() {
        return net;
    }
}

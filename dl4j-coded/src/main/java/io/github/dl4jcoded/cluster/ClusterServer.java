package io.github.dl4jcoded.cluster;

import io.github.dl4jcoded.training.CodedTrainingConfig;
import io.github.dl4jcoded.training.GradientCodec;
import io.github.dl4jcoded.training.WorkerMessage;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The parameter server of cluster mode, independent of any transport: it owns the parameters,
 * the updater state, the codec's decoder and history, the step counter and the job schedule.
 * A transport calls {@link #join}, then drains {@link #next} for each worker and feeds
 * {@link #push} with what the worker sends. Thread-safe.
 */
public final class ClusterServer implements AutoCloseable {

    /**
     * @param epochs             passes over the training set
     * @param batchSize          examples per round (SYNC: split over the live workers; ASYNC: one job per worker share)
     * @param shuffleSeed        seeds the order of examples in every epoch
     * @param checksumEvery      every this many log entries carry a checksum
     * @param checkpointDir      where checkpoints go (and are resumed from); null for none
     * @param checkpointEvery    a checkpoint every this many log entries
     * @param maxQueuedPerWorker a worker whose downlink backlog exceeds this is dropped (it may rejoin)
     */
    public record Options(int epochs, int batchSize, long shuffleSeed, int checksumEvery, Path checkpointDir,
                          int checkpointEvery, int maxQueuedPerWorker) {
    }

    /** Counters, read at any time. */
    public record Stats(long seq, long updates, long rounds, long emptyRounds, long messagesAccepted,
                        long bytesUp, long bytesDown, long denseEquivalentBytes, long late, long lostJobs,
                        long joins, long resyncs, Map<RejectReason, Long> rejected) {
    }

    /**
     * A server for {@code net} (trained in place only through {@link #network()}: the user's
     * object is copied) or, when {@code options.checkpointDir()} holds a checkpoint, the server
     * resumed from it (then {@code net} only supplies nothing but a sanity check of the layout).
     */
    public ClusterServer(MultiLayerNetwork net, CodedTrainingConfig config, ExampleSource data, Options options) {
        throw new UnsupportedOperationException("being implemented");
    }

    /** True when this server resumed from a checkpoint. */
    public boolean resumed() { throw new UnsupportedOperationException(); }

    public CodedTrainingConfig config() { throw new UnsupportedOperationException(); }

    /** The server's codec (to rebuild codewords read off the wire: {@link ClusterMessages#codeword}). */
    public GradientCodec codec() { throw new UnsupportedOperationException(); }

    /** Starts scheduling rounds. */
    public void start() { throw new UnsupportedOperationException(); }

    /**
     * Admits a worker into a free slot; its downlink starts with the returned welcome and then
     * every log entry after {@code welcome.seq()} and its jobs, in order.
     *
     * @throws IllegalStateException when every slot is taken or training is over
     */
    public Welcome join(String name) { throw new UnsupportedOperationException(); }

    /** The worker's next downlink item, or null after {@code timeout}. @throws IllegalStateException if the worker is not joined */
    public Downlink next(int worker, long timeout, TimeUnit unit) throws InterruptedException { throw new UnsupportedOperationException(); }

    /** Validates and takes a worker's message. @throws RejectedMessageException counted, nothing applied */
    public void push(int worker, WorkerMessage message) { throw new UnsupportedOperationException(); }

    /** Counts a message the transport refused before it could be parsed (malformed, oversized, unauthenticated). */
    public void countRejected(RejectReason reason, String detail) { throw new UnsupportedOperationException(); }

    /** Queues a fresh {@link Welcome} for the worker (its replica drifted, or it asked). */
    public void resync(int worker) { throw new UnsupportedOperationException(); }

    /** The worker left or its connection broke: its slot is freed, its jobs are lost. Idempotent. */
    public void leave(int worker) { throw new UnsupportedOperationException(); }

    public boolean isFinished() { throw new UnsupportedOperationException(); }

    /** Waits until every epoch is done. @return false on timeout */
    public boolean awaitFinished(long timeout, TimeUnit unit) throws InterruptedException { throw new UnsupportedOperationException(); }

    public Stats stats() { throw new UnsupportedOperationException(); }

    /** A copy of the server's network as of now (for evaluation or saving). */
    public MultiLayerNetwork network() { throw new UnsupportedOperationException(); }

    @Override
    public void close() { throw new UnsupportedOperationException(); }
}

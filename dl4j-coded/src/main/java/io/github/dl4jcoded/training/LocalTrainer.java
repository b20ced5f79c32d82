package io.github.dl4jcoded.training;

import io.github.dl4jcoded.updater.GradientApplier;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;

/**
 * The local parameter server: N worker threads, each with its own replica of the network and
 * its own share of every minibatch, and a server loop in the caller's thread that decodes
 * what arrives and applies it to the network through {@link GradientApplier}.
 *
 * <p>The user's network is trained in place. Internally the server holds a copy whose layers'
 * updaters are wrapped in {@link io.github.dl4jcoded.updater.MaskedUpdater} (so that blocks no
 * codeword reached keep their parameters and updater state); parameters, updater state,
 * iteration and epoch counts are copied back into the user's network after every epoch, and
 * the user's listeners fire on every update.
 *
 * <p>SYNC: each minibatch is one round; it is split across the live workers, and the round is
 * applied once every live worker answered or the deadline passed (stragglers' answers are then
 * late and dropped). ASYNC: each worker's share is a job; workers take jobs as they free up and
 * every message is applied on arrival, its step scaled by 1 / (1 + staleness), and dropped
 * beyond the staleness bound.
 */
public final class LocalTrainer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LocalTrainer.class);
    private static final long POLL_MILLIS = 20;

    private final MultiLayerNetwork userNet;
    private final MultiLayerNetwork server;
    private final CodedTrainingConfig config;
    private final GradientCodec codec;
    private final GradientApplier applier;
    private final ReentrantReadWriteLock paramsLock = new ReentrantReadWriteLock();
    private final TrainingStats stats = new TrainingStats();
    private final BlockingQueue<Object> outbox = new LinkedBlockingQueue<>();
    private final BlockingQueue<Job> sharedJobs = new LinkedBlockingQueue<>();
    private final Worker[] workers;
    private volatile long version; // updates applied so far: what a worker's snapshot has seen
    private long nextRound;
    private Consumer<TrainingStats> roundListener = s -> { };

    private record Job(long round, DataSet shard) {
    }

    private record WorkerFailure(int worker, long round, Throwable error) {
    }

    public LocalTrainer(MultiLayerNetwork net, CodedTrainingConfig config) {
        config.validate();
        ParameterServerSetup.checkSupported(net);
        this.userNet = net;
        this.config = config;
        this.server = ParameterServerSetup.serverCopy(net);
        server.setListeners(new ArrayList<>(net.getListeners()));
        this.applier = new GradientApplier(server, true);
        this.codec = ParameterServerSetup.codec(server, config);
        this.workers = new Worker[config.workers()];
        for (int w = 0; w < workers.length; w++) {
            workers[w] = new Worker(w);
            workers[w].start();
        }
    }

    public CodedTrainingConfig config() {
        return config;
    }

    public GradientCodec codec() {
        return codec;
    }

    public TrainingStats stats() {
        return stats;
    }

    /** The loss reported with the last applied update (mean over its examples). */
    public double score() {
        return server.score();
    }

    /** Called after every round (SYNC) or message (ASYNC), for progress bars. */
    public void onRound(Consumer<TrainingStats> listener) {
        this.roundListener = listener;
    }

    /** Trains for {@code epochs} passes over {@code data}; the user's network holds the result. */
    public void fit(DataSetIterator data, int epochs) {
        if (epochs < 1) {
            throw new IllegalArgumentException("epochs must be positive, got " + epochs);
        }
        for (int e = 0; e < epochs; e++) {
            if (e > 0 || !data.hasNext()) {
                if (!data.resetSupported()) {
                    throw new IllegalArgumentException("the iterator cannot be reset for another epoch");
                }
                data.reset();
            }
            for (TrainingListener l : server.getListeners()) {
                l.onEpochStart(server);
            }
            if (config.policy() == CodedTrainingConfig.Policy.SYNC) {
                while (data.hasNext()) {
                    syncRound(data.next());
                }
            } else {
                asyncEpoch(data);
            }
            for (TrainingListener l : server.getListeners()) {
                l.onEpochEnd(server);
            }
            server.incrementEpochCount();
            copyBackToUserNetwork();
        }
    }

    private void syncRound(DataSet ds) {
        int[] live = liveWorkers();
        List<DataSet> shards = split(ds, live.length);
        long round = nextRound++;
        for (int i = 0; i < live.length; i++) {
            workers[live[i]].inbox.add(new Job(round, shards.get(i)));
        }
        GradientCodec.Round r = codec.newRound(round, live);
        Set<Integer> answered = new HashSet<>();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(config.deadlineMillis());
        while (!r.isComplete() && answered.size() < live.length) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                log.debug("round {}: deadline passed with {}/{} answers", round, answered.size(), live.length);
                break;
            }
            Object o = take(Math.min(TimeUnit.NANOSECONDS.toMillis(left) + 1, POLL_MILLIS));
            if (o == null) {
                if (allDeadOrAnswered(live, answered)) {
                    break;
                }
                continue;
            }
            WorkerMessage m = (WorkerMessage) o;
            if (m.round() != round) {
                stats.late.incrementAndGet();
                continue;
            }
            offer(r, m);
            answered.add(m.worker()); // a refused answer is still an answer: do not wait for it
        }
        stats.rounds.incrementAndGet();
        if (r.isEmpty()) {
            stats.emptyRounds.incrementAndGet();
        } else {
            apply(r.estimate(), 1.0);
        }
        r.finish();
        roundListener.accept(stats);
    }

    private void asyncEpoch(DataSetIterator data) {
        long jobs = 0;
        int n = workers.length;
        while (data.hasNext()) {
            for (DataSet shard : split(data.next(), n)) {
                sharedJobs.add(new Job(nextRound++, shard));
                jobs++;
            }
        }
        long lostBefore = stats.lostJobs.get();
        long done = 0;
        while (done + (stats.lostJobs.get() - lostBefore) < jobs) {
            Object o = take(POLL_MILLIS);
            if (o == null) {
                if (liveWorkers().length == 0) {
                    throw new IllegalStateException("every worker has died; " + sharedJobs.size() + " jobs left undone");
                }
                continue;
            }
            WorkerMessage m = (WorkerMessage) o;
            done++;
            stats.rounds.incrementAndGet();
            long staleness = version - m.version();
            if (staleness > config.stalenessBound()) {
                stats.stale.incrementAndGet();
                continue;
            }
            GradientCodec.Round r = codec.newRound(m.round(), new int[]{m.worker()});
            if (offer(r, m)) {
                apply(r.estimate(), 1.0 / (1 + staleness));
            }
            r.finish();
            roundListener.accept(stats);
        }
    }

    /** Offers a message to a round; a message refused by validation is counted and logged, never applied. */
    private boolean offer(GradientCodec.Round r, WorkerMessage m) {
        stats.messages.incrementAndGet();
        stats.bytesPushed.addAndGet(m.wireBytes());
        stats.denseBytes.addAndGet(codec.denseMessageBytes());
        try {
            r.offer(m);
            return true;
        } catch (IllegalArgumentException e) {
            stats.rejected.incrementAndGet();
            log.warn("rejected message from worker {} for round {}: {}", m.worker(), m.round(), e.getMessage());
            return false;
        }
    }

    private void apply(GradientCodec.Estimate e, double scale) {
        INDArray g = Nd4j.createFromArray(e.meanGradient()).castTo(server.params().dataType());
        paramsLock.writeLock().lock();
        try {
            // The estimate is a mean gradient: batch size 1 keeps DL4J's minibatch division neutral.
            applier.apply(g, 1, e.mask(), e.loss(), scale);
            version++;
        } finally {
            paramsLock.writeLock().unlock();
        }
        stats.updates.incrementAndGet();
        if (e.mask() != null) {
            stats.partialUpdates.incrementAndGet();
        }
    }

    private Object take(long millis) {
        Object o;
        try {
            o = outbox.poll(millis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while training", e);
        }
        if (o instanceof WorkerFailure f) {
            throw new IllegalStateException("worker " + f.worker() + " failed in round " + f.round() + ": " + f.error(), f.error());
        }
        return o;
    }

    private boolean allDeadOrAnswered(int[] live, Set<Integer> answered) {
        for (int w : live) {
            if (!answered.contains(w) && workers[w].isAlive()) {
                return false;
            }
        }
        return true;
    }

    private int[] liveWorkers() {
        int[] live = java.util.Arrays.stream(workers).filter(Thread::isAlive).mapToInt(w -> w.index).toArray();
        if (live.length == 0) {
            throw new IllegalStateException("every worker has died");
        }
        return live;
    }

    /**
     * Splits a minibatch into {@code parts} nearly equal shards (each at least one example);
     * public so that the simulator splits rounds exactly as this trainer does.
     */
    public static List<DataSet> split(DataSet ds, int parts) {
        int n = ds.numExamples();
        int p = Math.min(parts, n);
        List<DataSet> out = new ArrayList<>(p);
        int start = 0;
        for (int i = 0; i < p; i++) {
            int size = n / p + (i < n % p ? 1 : 0);
            int[] idx = new int[size];
            for (int k = 0; k < size; k++) {
                idx[k] = start + k;
            }
            out.add(p == 1 ? ds : (DataSet) ds.get(idx));
            start += size;
        }
        return out;
    }

    private void copyBackToUserNetwork() {
        paramsLock.readLock().lock();
        try {
            userNet.setParams(server.params());
            INDArray state = server.getUpdater(true).getStateViewArray();
            if (state != null && !state.isEmpty()) {
                userNet.getUpdater(true).getStateViewArray().assign(state);
            }
            userNet.setIterationCount(server.getIterationCount());
            userNet.getLayerWiseConfigurations().setEpochCount(server.getEpochCount());
            userNet.setScore(server.score());
        } finally {
            paramsLock.readLock().unlock();
        }
    }

    /** Test hook: kills worker {@code w} as a crash would (its current job is lost). */
    public void killWorker(int w) {
        workers[w].interrupt();
    }

    public boolean isWorkerAlive(int w) {
        return workers[w].isAlive();
    }

    /** Stops the worker threads. */
    @Override
    public void close() {
        for (Worker w : workers) {
            w.interrupt();
        }
        for (Worker w : workers) {
            try {
                w.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private final class Worker extends Thread {
        final int index;
        final BlockingQueue<Job> inbox = new LinkedBlockingQueue<>();
        private final MultiLayerNetwork replica;
        private final GradientCodec.WorkerSide side;

        Worker(int index) {
            super("dl4j-coded-worker-" + index);
            setDaemon(true);
            this.index = index;
            this.replica = ParameterServerSetup.replica(userNet);
            this.side = codec.workerSide(index);
        }

        @Override
        public void run() {
            Job job = null;
            try {
                while (!isInterrupted()) {
                    job = config.policy() == CodedTrainingConfig.Policy.SYNC ? inbox.take() : sharedJobs.take();
                    long v;
                    paramsLock.readLock().lockInterruptibly();
                    try {
                        replica.setParams(server.params());
                        v = version;
                    } finally {
                        paramsLock.readLock().unlock();
                    }
                    WorkerMessage m = side.compute(replica, job.shard(), job.round(), v);
                    if (isInterrupted()) {
                        throw new InterruptedException("killed while computing");
                    }
                    if (m == null) {
                        stats.late.incrementAndGet(); // too old to encode: its round is long applied
                    } else {
                        outbox.put(m);
                    }
                    job = null;
                }
                throw new InterruptedException("killed");
            } catch (InterruptedException e) {
                if (job != null) {
                    stats.lostJobs.incrementAndGet();
                }
            } catch (RuntimeException | Error e) {
                log.error("worker {} failed", index, e);
                outbox.add(new WorkerFailure(index, job == null ? -1 : job.round(), e));
            }
        }
    }
}

package io.github.dl4jcoded.training.local;

import org.deeplearning4j.nn.api.Model;
import io.github.dl4jcoded.training.CodedTrainingConfig;
import io.github.dl4jcoded.training.GradientCodec;
import io.github.dl4jcoded.training.ParameterServerSetup;
import io.github.dl4jcoded.training.Shards;
import io.github.dl4jcoded.training.RejectReason;
import io.github.dl4jcoded.training.TrainedNetwork;
import io.github.dl4jcoded.training.WorkerMessage;
import io.github.dl4jcoded.training.server.ParameterServer;
import io.github.dl4jcoded.training.server.TrainingStats;
import io.github.dl4jcoded.training.server.Update;
import io.github.dl4jcoded.nn.Network;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.BooleanIndexing;
import org.nd4j.linalg.indexing.conditions.Conditions;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;

/**
 * The local parameter server: N worker threads around the {@link ParameterServer} core, each
 * worker with its own replica of the network and its own share of every minibatch; the caller's
 * thread hands out jobs, offers what comes back to the core and applies the updates the core
 * closes. Every rule (rounds, deadlines, staleness, validation, the apply step) is the core's.
 *
 * <p>The user's network is the network trained ({@link TrainedNetwork}). Internally the core
 * steps a copy whose layers' updaters are wrapped in
 * {@link io.github.dl4jcoded.updater.MaskedUpdater} (so that blocks no codeword reached keep
 * their parameters and updater state, which DL4J's own updaters cannot express); every update
 * lands in the user's network as it is applied (parameters, updater state, iteration count,
 * score), and the user's listeners, as they are at that moment, fire with the user's network:
 * {@code iterationDone} after every update, {@code onEpochStart} and {@code onEpochEnd} around
 * every pass over the data (after its last update, as in {@code fit}), on the caller's thread:
 * a listener that throws stops {@code fit} with its exception. The per-example callbacks of
 * backprop do not fire. What the user changes between fits (parameters, updater state,
 * counters) is where the next fit starts. One trainer per network at a time: a second is
 * refused until the first is closed.
 *
 * <p>SYNC: each minibatch is one round, split across the live workers. ASYNC: each minibatch is
 * cut into one job per worker; a worker gets its next job when it answers the last one, and the
 * core steps every {@code cadence} answers (and once more at the end of an epoch).
 */
public final class LocalTrainer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LocalTrainer.class);
    private static final long POLL_MILLIS = 20;

    private final TrainedNetwork userNet;
    private final ParameterServer core;
    private final Network server;
    private final CodedTrainingConfig config;
    private final ReentrantReadWriteLock paramsLock = new ReentrantReadWriteLock();
    private final BlockingQueue<Object> outbox = new LinkedBlockingQueue<>();
    private final Worker[] workers;
    private volatile long version; // updates applied so far: what a worker's snapshot has seen
    private long nextRound;
    private Consumer<TrainingStats> roundListener = s -> { };

    private record Job(long round, DataSet shard) {
    }

    /** A worker's job that ended without a message: lost with the worker, or skipped as too old. */
    private volatile boolean closed;

    private record NoAnswer(int worker, long round, boolean lost) {
    }

    /** The worker could not make a message from its job's data (NaN or infinite values): refused and counted. */
    private record BadData(int worker, long round, String why) {
    }

    private record WorkerFailure(int worker, long round, Throwable error) {
    }

    /** @throws IllegalStateException when another open trainer already trains {@code net} */
    public LocalTrainer(Model net, CodedTrainingConfig config) {
        this(Network.of(net), config);
    }

    /** @throws IllegalStateException when another open trainer already trains {@code net} */
    public LocalTrainer(Network net, CodedTrainingConfig config) {
        config.validate();
        this.core = ParameterServer.forNetwork(net, config);
        this.userNet = new TrainedNetwork(net);
        this.config = config;
        this.server = core.network();
        this.workers = new Worker[config.workers()];
        for (int w = 0; w < workers.length; w++) {
            workers[w] = new Worker(w, core.codec());
            workers[w].start();
        }
    }

    public CodedTrainingConfig config() {
        return config;
    }

    public GradientCodec codec() {
        return core.codec();
    }

    public TrainingStats stats() {
        return core.stats();
    }

    /** The loss reported with the last applied update (mean over its examples). */
    public double score() {
        return server.score();
    }

    /** Called after every round (SYNC) or answer (ASYNC), for progress bars. */
    public void onRound(Consumer<TrainingStats> listener) {
        this.roundListener = listener;
    }

    /** Trains for {@code epochs} passes over {@code data}; the user's network holds the result. */
    public void fit(DataSetIterator data, int epochs) {
        if (closed) {
            throw new IllegalStateException("this trainer is closed: wrap the network again to train it");
        }
        if (epochs < 1) {
            throw new IllegalArgumentException("epochs must be positive, got " + epochs);
        }
        copyFromUserNetwork();
        for (int e = 0; e < epochs; e++) {
            if (e > 0 || !data.hasNext()) {
                if (!data.resetSupported()) {
                    throw new IllegalArgumentException("the iterator cannot be reset for another epoch");
                }
                data.reset();
            }
            userNet.startEpoch();
            if (config.policy() == CodedTrainingConfig.Policy.SYNC) {
                while (data.hasNext()) {
                    syncRound(data.next());
                }
            } else {
                asyncEpoch(data);
            }
            userNet.endEpoch();
            server.incrementEpochCount(); // the core's updater steps with the epoch count too (epoch schedules)
        }
    }

    private static double now() {
        return System.nanoTime() / 1e9;
    }

    private void syncRound(DataSet ds) {
        int[] live = liveWorkers();
        List<DataSet> shards = Shards.split(ds, live.length);
        int[] assigned = Arrays.copyOf(live, shards.size());
        int[] examples = shards.stream().mapToInt(DataSet::numExamples).toArray();
        long round = nextRound++;
        core.openRound(round, assigned, examples, now() + config.deadlineMillis() / 1000.0);
        for (int i = 0; i < assigned.length; i++) {
            workers[assigned[i]].inbox.add(new Job(round, shards.get(i)));
        }
        while (!core.isDue(now())) {
            long left = (long) Math.ceil((core.deadline() - now()) * 1000);
            Object o = take(Math.max(1, Math.min(left, POLL_MILLIS)));
            if (o == null) {
                for (int w : assigned) {
                    if (!workers[w].isAlive() && core.holds(w, round)) {
                        core.jobLost(w, round); // died without a word (it reports its job when it can)
                    }
                }
            } else {
                handle(o);
            }
        }
        apply(core.close());
        roundListener.accept(core.stats());
    }

    private void asyncEpoch(DataSetIterator data) {
        ArrayDeque<Job> jobs = new ArrayDeque<>();
        while (data.hasNext()) {
            for (DataSet shard : Shards.split(data.next(), workers.length)) {
                jobs.add(new Job(nextRound++, shard));
            }
        }
        for (int w : liveWorkers()) {
            giveJob(w, jobs);
        }
        while (!jobs.isEmpty() || anyJobHeld()) {
            Object o = take(POLL_MILLIS);
            if (o == null) {
                liveWorkers(); // throws when every worker has died
                for (Worker w : workers) {
                    if (!w.isAlive()) {
                        core.workerLeft(w.index); // idempotent: its jobs are lost, it gets no more
                    }
                }
            } else {
                handle(o);
                roundListener.accept(core.stats());
            }
            while (core.isDue(now())) {
                apply(core.close());
            }
            for (int w : liveWorkers()) {
                if (core.readyForJob(w)) {
                    giveJob(w, jobs);
                }
            }
        }
        if (core.accumulated() > 0) {
            apply(core.close()); // what the epoch's last answers decoded is not left for the next
        }
    }

    private void giveJob(int w, ArrayDeque<Job> jobs) {
        Job j = jobs.poll();
        if (j != null) {
            core.issueJob(j.round(), w, j.shard().numExamples());
            workers[w].inbox.add(j);
        }
    }

    private boolean anyJobHeld() {
        for (Worker w : workers) {
            if (core.jobsHeld(w.index) > 0) {
                return true;
            }
        }
        return false;
    }

    /** Hands one worker item to the core; returns the worker it came from. */
    private int handle(Object o) {
        if (o instanceof WorkerMessage m) {
            ParameterServer.Verdict v = core.offer(m.worker(), m);
            if (!v.accepted()) {
                log.warn("refused a message from worker {} for round {}: {}: {}", m.worker(), m.round(), v.reason(), v.detail());
            }
            return m.worker();
        }
        if (o instanceof BadData b) {
            log.warn("refused the data of worker {} for round {}: {}", b.worker(), b.round(), b.why());
            core.jobRefusedAtWorker(b.worker(), b.round(), RejectReason.NON_FINITE);
            return b.worker();
        }
        NoAnswer n = (NoAnswer) o;
        if (n.lost()) {
            core.jobLost(n.worker(), n.round());
        } else {
            core.jobSkipped(n.worker(), n.round());
        }
        return n.worker();
    }

    private void apply(Update u) {
        paramsLock.writeLock().lock();
        try {
            core.apply(u);
            version = core.version();
        } finally {
            paramsLock.writeLock().unlock();
        }
        userNet.publishUpdate(server); // only reads the server, which no other thread writes
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

    private int[] liveWorkers() {
        int[] live = Arrays.stream(workers).filter(Thread::isAlive).mapToInt(w -> w.index).toArray();
        if (live.length == 0) {
            throw new IllegalStateException("every worker has died");
        }
        return live;
    }

    /** What the user set between fits (parameters, updater state, counters) is where this fit starts. */
    private void copyFromUserNetwork() {
        paramsLock.writeLock().lock();
        try {
            userNet.giveStateTo(server);
        } finally {
            paramsLock.writeLock().unlock();
        }
    }

    /** Test hook: kills worker {@code w} as a crash would (its current job is lost). */
    void killWorker(int w) {
        workers[w].interrupt();
    }

    boolean isWorkerAlive(int w) {
        return workers[w].isAlive();
    }

    /** Stops the worker threads; the trainer cannot fit again. */
    @Override
    public void close() {
        closed = true;
        userNet.close();
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

    /** Which part of a minibatch holds a NaN or infinite value, or null when every value is finite. */
    private static String nonFinite(DataSet d) {
        String[] names = {"features", "labels", "features mask", "labels mask"};
        INDArray[] arrays = {d.getFeatures(), d.getLabels(), d.getFeaturesMaskArray(), d.getLabelsMaskArray()};
        for (int i = 0; i < arrays.length; i++) {
            INDArray a = arrays[i];
            if (a != null && BooleanIndexing.or(a, Conditions.notFinite())) {
                return "the minibatch's " + names[i] + " hold a NaN or infinite value";
            }
        }
        return null;
    }

    private final class Worker extends Thread {
        final int index;
        final BlockingQueue<Job> inbox = new LinkedBlockingQueue<>();
        private final Network replica;
        private final GradientCodec.WorkerSide side;

        Worker(int index, GradientCodec codec) {
            super("dl4j-coded-worker-" + index);
            setDaemon(true);
            this.index = index;
            this.replica = ParameterServerSetup.replica(userNet.network());
            this.side = codec.workerSide(index);
        }

        @Override
        public void run() {
            Job job = null;
            try {
                while (!isInterrupted()) {
                    job = inbox.take();
                    long v;
                    paramsLock.readLock().lockInterruptibly();
                    try {
                        replica.setParams(server.params());
                        v = version;
                    } finally {
                        paramsLock.readLock().unlock();
                    }
                    String bad = nonFinite(job.shard());
                    if (bad != null) {
                        // Bad data (a NaN feature would make a NaN gradient, which error feedback
                        // refuses by throwing): this job is refused and counted, the worker lives on.
                        outbox.put(new BadData(index, job.round(), bad));
                        job = null;
                        continue;
                    }
                    WorkerMessage m = side.compute(replica, job.shard(), job.round(), v);
                    if (isInterrupted()) {
                        throw new InterruptedException("killed while computing");
                    }
                    outbox.put(m == null ? new NoAnswer(index, job.round(), false) : m);
                    job = null;
                }
                throw new InterruptedException("killed");
            } catch (InterruptedException e) {
                if (job != null) {
                    outbox.add(new NoAnswer(index, job.round(), true));
                }
                for (Job j; (j = inbox.poll()) != null; ) {
                    outbox.add(new NoAnswer(index, j.round(), true)); // jobs queued behind it go down with it
                }
            } catch (RuntimeException | Error e) {
                log.error("worker {} failed", index, e);
                outbox.add(new WorkerFailure(index, job == null ? -1 : job.round(), e));
            }
        }
    }
}

package io.github.dl4jcoded.cluster;

import org.deeplearning4j.nn.api.Model;
import io.github.dl4jcoded.data.ExampleSource;
import io.github.dl4jcoded.training.CodedTrainingConfig;
import io.github.dl4jcoded.training.GradientCodec;
import io.github.dl4jcoded.training.ParameterServerSetup;
import io.github.dl4jcoded.training.RejectReason;
import io.github.dl4jcoded.training.RejectedMessageException;
import io.github.dl4jcoded.training.Shards;
import io.github.dl4jcoded.training.TrainedNetwork;
import io.github.dl4jcoded.training.WorkerMessage;
import io.github.dl4jcoded.training.server.ParameterServer;
import io.github.dl4jcoded.training.server.SeededStart;
import io.github.dl4jcoded.training.server.TrainingStats;
import io.github.dl4jcoded.training.server.Update;
import io.github.dl4jcoded.training.server.WireSizes;
import io.github.dl4jcoded.nn.Network;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.TimeUnit;

/**
 * The parameter server of cluster mode, independent of any transport: worker sessions (slots),
 * the job schedule, the log and checkpoints around the one parameter-server core,
 * {@link ParameterServer}, which holds the parameters, the updater state, the codec and every
 * rule (validation, rounds, deadlines, staleness, the apply step). A transport calls
 * {@link #join}, then drains {@link #next} for each worker and feeds {@link #push} with what the
 * worker sends. Thread-safe: every call into the core is made holding this object's monitor.
 *
 * <p>SYNC: each minibatch is a round split over the workers joined when it opens. ASYNC:
 * minibatches are cut into one share per worker slot; every free worker gets the next share.
 *
 * <p>Everything applied goes into the log as a {@link LogEntry} and to every joined worker's
 * downlink, in order, so replicas replay it. With a checkpoint directory, a checkpoint is
 * committed every {@code checkpointEvery} entries and at the end, and a new server on the same
 * directory resumes from the last one: the entries after it are rolled back, their rounds are
 * run again from the same minibatches, and nothing is applied twice.
 *
 * <p>The user's network is the network trained ({@link TrainedNetwork}, as in the local
 * facade). The core steps its own copy (masked updaters), which replicas replay and checkpoints
 * hold; every update lands in the user's {@code net} as it is applied, and the user's listeners,
 * as they are at that moment, get {@code iterationDone} with {@code net}, holding that update.
 * A resumed server puts the checkpoint's state into {@code net} when it is made. One open
 * trainer per network: a second server (or a {@code CodedTraining}) on {@code net} is refused
 * until this one is closed.
 *
 * <p>Epochs are the schedule's passes over the training set, and their callbacks alternate,
 * one start and one end per epoch. {@code onEpochStart} fires once the first minibatch of the
 * epoch is drawn (before its jobs go out) and the epoch before it has ended. {@code onEpochEnd}
 * fires once the schedule has moved past the epoch and none of its work is left, after the
 * {@code iterationDone} of the last update holding any of it; then {@code net}'s epoch count
 * moves on. SYNC: an epoch ends when its last round is closed and applied, and every update
 * lies inside its own epoch. ASYNC: an epoch ends when every share of it has been answered and
 * the update holding the answer applied, or lost or refused; since updates mix answers of
 * neighbouring epochs, the boundary falls after the last update holding the older epoch's
 * answers, and updates applied before it count in the older epoch even where they also hold
 * answers of the next one (whose start waits for that end). A resumed server opens the epoch it
 * resumes in with {@code onEpochStart} again. The core's own epoch count stays as it started
 * (replicas replay updates, not epochs), so epoch-scheduled learning rates do not advance here.
 *
 * <p>Listeners fire under this object's monitor, on the thread that applies the update: the
 * server's driver thread, or, in ASYNC, the thread of the {@link #push} that made an update due.
 * A listener that throws fails the server, as any failure in applying an update does: it is
 * logged, training stops, and {@link #awaitFinished} (like every later call) throws with it as
 * the cause; a {@code push} that ran into it throws {@link IllegalStateException}.
 */
public final class ClusterServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ClusterServer.class);
    /** Refused messages, all causes: counted always, logged thinned. */
    private final PeerLog rejections = new PeerLog();
    private static final long IDLE_WAIT_MILLIS = 50;

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
        public Options {
            if (epochs < 1 || batchSize < 1 || checksumEvery < 1 || checkpointEvery < 1 || maxQueuedPerWorker < 1) {
                throw new IllegalArgumentException("epochs, batch size, checksum and checkpoint intervals and the"
                        + " downlink backlog must all be >= 1");
            }
        }

        /** {@code epochs} of {@code batchSize}, a checksum every 10 entries, no checkpoints, a backlog of 10,000. */
        public static Options of(int epochs, int batchSize, long shuffleSeed) {
            return new Options(epochs, batchSize, shuffleSeed, 10, null, 10, 10_000);
        }

        public Options withCheckpoints(Path dir, int every) {
            return new Options(epochs, batchSize, shuffleSeed, checksumEvery, dir, every, maxQueuedPerWorker);
        }
    }

    /**
     * Counters, read at any time. bytesDown counts every downlink item queued (welcomes, jobs, log
     * entries); liveWorkers is how many slots are joined now; rounds and bytes carry over a resume.
     */
    public record Stats(long seq, long updates, long rounds, long emptyRounds, long messagesAccepted,
                        long bytesUp, long bytesDown, long denseEquivalentBytes, long late, long lostJobs,
                        long joins, long resyncs, Map<RejectReason, Long> rejected, int liveWorkers) {
        public long rejectedTotal() {
            return rejected.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    /** Where a job's examples came from: share {@code part} of batch {@code batch} in {@code epoch}. */
    private record Origin(int epoch, int batch, int part) {
    }

    private static final class Slot {
        final int index;
        String name;
        boolean joined;
        LinkedBlockingDeque<Downlink> queue = new LinkedBlockingDeque<>();
        /** ASYNC: where each job this worker holds came from (for the journal). */
        final Map<Long, Origin> origins = new HashMap<>();

        Slot(int index) {
            this.index = index;
        }
    }

    private final CodedTrainingConfig config;
    private final Options options;
    private final ExampleSource data;
    private final ParameterServer core;
    /** The core's copy (masked updaters): what replicas replay, checkpoints hold and {@link #network} copies. */
    private final Network net;
    /** The user's network: every update lands in it, its listeners fire. */
    private final TrainedNetwork user;
    private final GradientCodec codec;
    private final JobSchedule schedule;
    private final CheckpointStore checkpoints;
    private final boolean resumed;
    private final Slot[] slots;
    private final ArrayDeque<CheckpointStore.PendingJob> asyncJobs = new ArrayDeque<>();
    /** SYNC: the batch of the open round. Both: the workers (and ASYNC: the shares) whose messages the next update holds. */
    private JobSchedule.Batch openBatch;
    private final List<Integer> openAccepted = new ArrayList<>();
    private final List<Origin> windowOrigins = new ArrayList<>();
    private final Thread driver;

    // Guarded by this.
    private long seq;
    private long nextRound;
    private boolean started;
    private boolean finished;
    private boolean closed;
    private RuntimeException failure;
    private int epochsEnded; // epochs whose onEpochEnd has fired, a resumed server's counted from its checkpoint
    private boolean epochStarted; // whether onEpochStart of epoch epochsEnded has fired
    // Carried over a resume (the core's counters start again at zero).
    private final long bytesUpBefore, roundsBefore;
    private long bytesDown, joins, resyncs;
    private String seededNetwork; // null: not checked yet; "": the network is not its configuration's seeded init
    private long seededChecksum; // the network's checksum while seededNetwork is sent (nothing changes it before an update)
    /**
     * Steady-state timings of this server's run: the time between log entries, and the server's
     * own work per accepted message (validation, decode into its round) and per update (closing
     * it, the updater step, the log entry), which the simulator charges to its server.
     */
    private final SteadyTimer entryInterval = new SteadyTimer();
    private final SteadyTimer messageWork = new SteadyTimer();
    private final SteadyTimer updateWork = new SteadyTimer();
    private long lastEntryNanos = -1;
    /** Refusals the transport made before the core could see the message (counted here, not in the core). */
    private final EnumMap<RejectReason, Long> refusedBeforeCore = new EnumMap<>(RejectReason.class);

    /**
     * A server that trains {@code net} or, when {@code options.checkpointDir()} holds a
     * checkpoint, the server resumed from it, whose state it puts into {@code net}; then
     * {@code config} must equal the checkpoint's and {@code net} must have the same number of
     * parameters and updater state values (a guard against the wrong directory).
     *
     * @throws IllegalStateException when another open trainer already trains {@code net}
     */
    public ClusterServer(Model net, CodedTrainingConfig config, ExampleSource data, Options options) {
        this(Network.of(net), config, data, options);
    }

    /** As {@link #ClusterServer(Model, CodedTrainingConfig, ExampleSource, Options)}. */
    public ClusterServer(Network net, CodedTrainingConfig config, ExampleSource data, Options options) {
        config.validate();
        ParameterServerSetup.checkSupported(net);
        if (config.policy() == CodedTrainingConfig.Policy.ASYNC
                && config.stalenessRule() == CodedTrainingConfig.StalenessRule.DC_ASGD) {
            throw new IllegalArgumentException("stalenessRule DC_ASGD needs the parameters of the versions workers read, "
                    + "which a worker that joins later does not have: use NONE or INVERSE in cluster mode");
        }
        // Before the checkpoint directory is touched: a refused second server must not roll back the first's journal.
        this.user = new TrainedNetwork(net);
        try {
            this.config = config;
            this.options = options;
            this.data = data;
            this.schedule = new JobSchedule(data.size(), options.epochs(), options.batchSize(), options.shuffleSeed());
            this.checkpoints = options.checkpointDir() == null ? null : new CheckpointStore(options.checkpointDir());
            CheckpointStore.Loaded loaded = checkpoints == null ? null : checkpoints.latest().orElse(null);
            if (loaded == null) {
                this.core = ParameterServer.forNetwork(net, config);
                this.resumed = false;
                this.bytesUpBefore = 0;
                this.roundsBefore = 0;
            } else {
                CheckpointStore.State s = loaded.state();
                if (!CodedTrainingConfig.fromJson(s.configJson()).equals(config)) {
                    throw new IllegalArgumentException("the checkpoint in " + checkpoints.dir()
                            + " was made with another configuration: " + s.configJson());
                }
                if (!s.dataFingerprint().equals(data.fingerprint())) {
                    throw new IllegalArgumentException("the checkpoint in " + checkpoints.dir() + " was made on "
                            + s.dataFingerprint() + ", not " + data.fingerprint());
                }
                if (loaded.network().numParams() != net.numParams()) {
                    throw new IllegalArgumentException("the checkpoint's network has " + loaded.network().numParams()
                            + " parameters, this one " + net.numParams());
                }
                if (updaterStateLength(loaded.network()) != updaterStateLength(net)) {
                    throw new IllegalArgumentException("the checkpoint's network has " + updaterStateLength(loaded.network())
                            + " updater state values, this one " + updaterStateLength(net) + " (another updater?)");
                }
                this.core = new ParameterServer(loaded.network(), config, s.version());
                core.codec().importState(s.codecState());
                this.seq = s.seq();
                this.nextRound = s.nextRound();
                this.bytesUpBefore = s.bytesUp();
                this.bytesDown = s.bytesDown();
                this.roundsBefore = s.rounds();
                schedule.seek(s.scheduleEpoch(), s.scheduleBatch());
                asyncJobs.addAll(s.pendingJobs());
                checkpoints.truncateJournal(seq);
                this.resumed = true;
                log.info("resumed from the checkpoint at log entry {} (version {}, epoch {}, batch {})",
                        seq, s.version(), s.scheduleEpoch(), s.scheduleBatch());
            }
            this.net = core.network();
            this.codec = core.codec();
            this.slots = new Slot[config.workers()];
            for (int w = 0; w < slots.length; w++) {
                slots[w] = new Slot(w);
            }
            this.driver = new Thread(this::drive, "dl4j-coded-cluster-server");
            driver.setDaemon(true);
            this.epochsEnded = oldestOpenEpoch(); // resumed: the epochs its checkpoint has left behind
            if (resumed) {
                user.takeStateFrom(this.net, this.net.getEpochCount() + epochsEnded);
            }
        } catch (RuntimeException | Error e) {
            user.close();
            throw e;
        }
    }

    /** True when this server resumed from a checkpoint. */
    public boolean resumed() {
        return resumed;
    }

    public CodedTrainingConfig config() {
        return config;
    }

    /** The server's codec (to rebuild codewords read off the wire: {@link GradientCodec#codeword}). */
    public GradientCodec codec() {
        return codec;
    }

    /** Starts scheduling rounds. */
    public synchronized void start() {
        if (!started) {
            started = true;
            driver.start();
        }
    }

    /**
     * Admits a worker into a free slot. The returned welcome is not queued: the transport sends
     * it first, then whatever {@link #next} yields (every log entry after {@code welcome.seq()}
     * and the worker's jobs, in order).
     *
     * @throws IllegalStateException when every slot is taken or training is over
     */
    public synchronized Welcome join(String peerName) {
        String name = PeerLog.sanitize(peerName);
        checkUsable();
        if (finished) {
            throw new IllegalStateException("training is over");
        }
        for (Slot s : slots) {
            if (!s.joined) {
                s.joined = true;
                core.workerJoined(s.index);
                s.name = name;
                s.queue = new LinkedBlockingDeque<>();
                joins++;
                Welcome w = welcome(s.index, true);
                bytesDown += w.wireBytes();
                log.info("worker '{}' joined as slot {} at log entry {}", name, s.index, seq);
                notifyAll();
                return w;
            }
        }
        throw new IllegalStateException("all " + slots.length + " worker slots are taken");
    }

    /** The worker's next downlink item, or null after {@code timeout}. @throws IllegalStateException if the worker is not joined */
    public Downlink next(int worker, long timeout, TimeUnit unit) throws InterruptedException {
        LinkedBlockingDeque<Downlink> q;
        synchronized (this) {
            Slot s = slot(worker);
            if (!s.joined) {
                throw new IllegalStateException("worker " + worker + " is not joined");
            }
            q = s.queue;
        }
        return q.poll(timeout, unit);
    }

    /** Hands a worker's message to the core. @throws RejectedMessageException counted, nothing applied */
    public synchronized void push(int worker, WorkerMessage m) {
        checkUsable();
        try {
            Slot s = slot(worker);
            if (!s.joined) {
                countRejected(RejectReason.MALFORMED, "worker " + worker + " is not joined");
                throw new RejectedMessageException(RejectReason.MALFORMED, "worker " + worker + " is not joined");
            }
            // Answered, accepted or not, the job is over (a message for no job of this worker finds nothing).
            Origin o = m == null ? null : s.origins.remove(m.round());
            long t0 = System.nanoTime();
            ParameterServer.Verdict v = core.offer(worker, m);
            if (!v.accepted()) {
                if (rejections.count()) log.warn("rejected ({}, {} so far): worker {}: {}", v.reason(), rejections.events(), worker, v.detail());
                throw v.exception();
            }
            openAccepted.add(worker);
            messageWork.add(System.nanoTime() - t0); // the message's own work; an update it makes due is timed as one
            if (config.policy() == CodedTrainingConfig.Policy.ASYNC) {
                windowOrigins.add(o);
                try {
                    while (core.isDue(now())) {
                        appendWindow();
                    }
                } catch (RuntimeException | Error e) {
                    throw fail(e); // the update (or a user's listener) failed, not the worker's message
                }
            }
        } finally {
            notifyAll();
        }
    }

    /**
     * Counts a message the transport refused before it could be parsed (malformed, oversized,
     * unauthenticated). Refusals are logged here and only here, thinned by {@link PeerLog}.
     */
    public synchronized void countRejected(RejectReason reason, String detail) {
        refusedBeforeCore.merge(reason, 1L, Long::sum);
        if (rejections.count()) log.warn("rejected ({}, {} so far): {}", reason, rejections.events(), detail);
    }

    /** Queues a fresh {@link Welcome} for the worker (its replica drifted, or it asked). */
    public synchronized void resync(int worker) {
        Slot s = slot(worker);
        if (!s.joined) {
            throw new IllegalStateException("worker " + worker + " is not joined");
        }
        Welcome w = welcome(worker, false); // the seeded build may be what went wrong: send the network itself
        s.queue.add(w);
        resyncs++;
        bytesDown += w.wireBytes();
        log.info("resync of worker {} at log entry {}", worker, seq);
    }

    /** The worker left or its connection broke: its slot is freed, its jobs are lost. Idempotent. */
    public synchronized void leave(int worker) {
        Slot s = slot(worker);
        if (!s.joined) {
            return;
        }
        s.joined = false;
        core.workerLeft(worker);
        s.origins.clear();
        s.queue.clear();
        log.info("worker '{}' (slot {}) left", s.name, worker);
        notifyAll();
    }

    public synchronized boolean isFinished() {
        return finished;
    }

    /**
     * Waits until {@code n} workers are joined now (live slots; a worker that joined and left, or a
     * session that never said hello, does not count). The start condition of a server process.
     *
     * @return false when the time ran out first
     */
    public synchronized boolean awaitLiveWorkers(int n, long timeout, TimeUnit unit) throws InterruptedException {
        return awaitUntil(() -> joinedSlots().length >= n, timeout, unit);
    }

    /**
     * Waits until every epoch is done.
     *
     * @return false on timeout
     * @throws IllegalStateException when the server failed
     */
    public synchronized boolean awaitFinished(long timeout, TimeUnit unit) throws InterruptedException {
        return awaitUntil(() -> finished, timeout, unit);
    }

    /** Waits on this server's monitor (notified on every state change) until {@code done} holds; false on timeout. */
    private boolean awaitUntil(java.util.function.BooleanSupplier done, long timeout, TimeUnit unit) throws InterruptedException {
        long end = System.nanoTime() + unit.toNanos(timeout);
        while (!done.getAsBoolean()) {
            checkUsable();
            long left = end - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        return true;
    }

    public synchronized Stats stats() {
        TrainingStats st = core.stats();
        EnumMap<RejectReason, Long> rejected = new EnumMap<>(RejectReason.class);
        rejected.putAll(st.refusedByReason());
        refusedBeforeCore.forEach((r, n) -> rejected.merge(r, n, Long::sum));
        return new Stats(seq, core.version(), roundsBefore + st.rounds(), st.emptyRounds(), st.messages(),
                bytesUpBefore + st.bytesPushed(), bytesDown, st.denseEquivalentBytes(), st.late(), st.lostJobs(),
                joins, resyncs, Collections.unmodifiableMap(rejected), joinedSlots().length);
    }

    /**
     * Steady-state timings of this server's run, each the mean of the second half (after its JIT
     * and the workers' have warmed up), in seconds; NaN where there is nothing to time yet.
     *
     * @param perEntry          time between consecutive log entries
     * @param workPerMessage    the server's own work per accepted message
     * @param workPerUpdate     the server's own work per update (close, updater step, log entry)
     */
    public record Timings(double perEntry, double workPerMessage, double workPerUpdate) {
    }

    public synchronized Timings steadyTimings() {
        return new Timings(entryInterval.steadyMeanSeconds(), messageWork.steadyMeanSeconds(), updateWork.steadyMeanSeconds());
    }

    /**
     * A copy of the core's network as of now: the parameters, updater state and iteration count
     * of the user's network, but with the core's masked updaters in its configuration and the
     * epoch count it started with (what replicas hold; their checksums compare with it). The
     * user's network itself is the trained network to evaluate or save.
     */
    public synchronized Network network() {
        return net.duplicate();
    }

    /** Stops the driver; the user's network is then free for another trainer. */
    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            notifyAll();
        }
        // No update or callback reaches the user's network once closed is set (both run under the monitor and check it).
        user.close();
        if (driver.isAlive()) {
            driver.interrupt();
            try {
                driver.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static double now() {
        return System.nanoTime() / 1e9;
    }

    // ---- the driver: opens and closes rounds (SYNC) or hands out jobs (ASYNC) ----

    private void drive() {
        synchronized (this) {
            try {
                while (!closed && !finished && failure == null) {
                    epochEvents(); // an epoch the last pass drew starts before any update of it, one it emptied ends
                    if (config.policy() == CodedTrainingConfig.Policy.SYNC) {
                        driveSync();
                    } else {
                        driveAsync();
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException | Error e) {
                fail(e);
            } finally {
                notifyAll();
            }
        }
    }

    /**
     * The server failed (its driver, or an update applied in a pusher's thread, a user's listener
     * included): logged, kept for every later call to throw, and the driver stops.
     *
     * @return the exception for the caller that ran into it to throw
     */
    private IllegalStateException fail(Throwable e) {
        log.error("the parameter server failed", e);
        if (failure == null) {
            failure = e instanceof RuntimeException re ? re : new IllegalStateException(e);
        }
        notifyAll();
        return new IllegalStateException("the parameter server failed: " + e.getMessage(), e);
    }

    /**
     * Fires the user's epoch callbacks that the schedule and the applied updates have reached
     * (the class comment says when): starts and ends alternate, epoch by epoch.
     */
    private void epochEvents() {
        int open = oldestOpenEpoch();
        while (epochsEnded < options.epochs()) {
            if (!epochStarted) {
                boolean drawn = schedule.epoch() > epochsEnded || schedule.batch() > 0;
                if (!drawn) {
                    return;
                }
                epochStarted = true;
                user.startEpoch();
            }
            if (epochsEnded >= open) {
                return;
            }
            epochsEnded++;
            epochStarted = false;
            user.endEpoch();
        }
    }

    /** The oldest epoch with work left: batches to draw, a round open, shares pending, held or waiting in the window. */
    private int oldestOpenEpoch() {
        int oldest = schedule.epoch(); // the epoch of the next batch to draw (all of them once every batch is drawn)
        if (core.hasOpenRound()) {
            oldest = Math.min(oldest, openBatch.epoch());
        }
        for (CheckpointStore.PendingJob j : asyncJobs) {
            oldest = Math.min(oldest, j.epoch());
        }
        for (Slot s : slots) {
            for (Origin o : s.origins.values()) {
                oldest = Math.min(oldest, o.epoch());
            }
        }
        for (Origin o : windowOrigins) {
            oldest = Math.min(oldest, o.epoch());
        }
        return oldest;
    }

    private void driveSync() throws InterruptedException {
        if (!core.hasOpenRound()) {
            if (!schedule.hasNext()) {
                finish();
                return;
            }
            int[] live = joinedSlots();
            if (live.length == 0) {
                wait(IDLE_WAIT_MILLIS);
                return;
            }
            JobSchedule.Batch batch = schedule.next();
            int[][] shares = Shards.split(batch.examples(), live.length);
            int[] assigned = java.util.Arrays.copyOf(live, shares.length);
            int[] examples = java.util.Arrays.stream(shares).mapToInt(a -> a.length).toArray();
            long round = nextRound++;
            core.openRound(round, assigned, examples, now() + config.deadlineMillis() / 1000.0);
            openBatch = batch;
            openAccepted.clear();
            for (int i = 0; i < assigned.length; i++) {
                sendJob(slots[assigned[i]], round, shares[i]);
            }
            return;
        }
        if (core.isDue(now())) {
            appendNext(openBatch.epoch() + "\t" + openBatch.index(), new ArrayList<>(openAccepted));
        } else {
            double left = core.deadline() - now();
            TimeUnit.NANOSECONDS.timedWait(this, Math.min((long) Math.ceil(left * 1e9), TimeUnit.MILLISECONDS.toNanos(IDLE_WAIT_MILLIS)));
        }
    }

    private void driveAsync() throws InterruptedException {
        boolean handedOut = false;
        boolean anyHeld = false;
        for (Slot s : slots) {
            if (s.joined && core.readyForJob(s.index)) {
                if (asyncJobs.isEmpty() && schedule.hasNext()) {
                    JobSchedule.Batch b = schedule.next();
                    int[][] shares = Shards.split(b.examples(), slots.length);
                    for (int i = 0; i < shares.length; i++) {
                        asyncJobs.add(new CheckpointStore.PendingJob(b.epoch(), b.index(), i, shares[i]));
                    }
                }
                CheckpointStore.PendingJob j = asyncJobs.poll();
                if (j == null) {
                    break;
                }
                long round = nextRound++;
                core.issueJob(round, s.index, j.examples().length);
                s.origins.put(round, new Origin(j.epoch(), j.batch(), j.part()));
                sendJob(s, round, j.examples());
                handedOut = true;
            }
        }
        for (Slot s : slots) {
            anyHeld |= core.jobsHeld(s.index) > 0;
        }
        if (!anyHeld && asyncJobs.isEmpty() && !schedule.hasNext()) {
            finish();
        } else if (!handedOut) {
            wait(IDLE_WAIT_MILLIS);
        }
    }

    private void sendJob(Slot s, long round, int[] examples) {
        s.queue.add(new Job(round, examples));
        bytesDown += WireSizes.job(examples.length);
    }

    /** ASYNC: the accumulated answers become an update; its journal line names every share in it. */
    private void appendWindow() {
        StringJoiner epochs = new StringJoiner(";");
        StringJoiner shares = new StringJoiner(";");
        for (Origin o : windowOrigins) {
            epochs.add(Integer.toString(o.epoch()));
            shares.add(o.batch() + "." + o.part());
        }
        appendNext(epochs + "\t" + shares, new ArrayList<>(openAccepted));
    }

    private void finish() {
        if (config.policy() == CodedTrainingConfig.Policy.ASYNC && core.accumulated() > 0) {
            appendWindow(); // the last answers of the run
        }
        epochEvents(); // every epoch's work is over (shares still held by a stalled worker were lost with it)
        if (checkpoints != null) {
            writeCheckpoint();
        }
        finished = true;
        for (Slot s : slots) {
            if (s.joined) {
                s.queue.add(new Finished(seq));
                bytesDown += WireSizes.FINISHED_BYTES;
            }
        }
        log.info("training finished: {} log entries, {} updates", seq, core.version());
        notifyAll();
    }

    /** Closes the core's next update and applies it: exactly what every replica will replay. */
    private Update applyNext() {
        Update u = core.close();
        core.apply(u);
        return u;
    }

    /**
     * Closes and applies the next update and appends it to the log, timed as the server's update
     * work; then it lands in the user's network and the user's listeners fire (not timed: the
     * user's work).
     */
    private void appendNext(String origin, List<Integer> workers) {
        epochEvents(); // before the update: an epoch whose last share ended unanswered ends first
        long t0 = System.nanoTime();
        append(applyNext(), origin, workers);
        long t1 = System.nanoTime();
        updateWork.add(t1 - t0);
        if (lastEntryNanos >= 0) {
            entryInterval.add(t1 - lastEntryNanos);
        }
        lastEntryNanos = t1;
        windowOrigins.clear(); // ASYNC: the window's shares are applied
        openAccepted.clear();
        user.publishUpdate(net); // nothing for an empty round
        epochEvents(); // after it: the epoch whose last work it held ends
    }

    private void append(Update u, String origin, List<Integer> workers) {
        seq++;
        LogEntry entry = new LogEntry(seq, u, seq % options.checksumEvery() == 0 ? ReplicaChecksum.of(net) : 0);
        if (checkpoints != null) {
            StringJoiner who = new StringJoiner(",");
            workers.forEach(w -> who.add(Integer.toString(w)));
            checkpoints.appendJournal(seq + "\t" + u.round() + "\t" + core.version() + "\t" + origin + "\t" + who);
        }
        for (Slot s : slots) {
            if (!s.joined) {
                continue;
            }
            if (s.queue.size() >= options.maxQueuedPerWorker()) {
                log.warn("worker {} fell {} items behind on its downlink: dropped (it may rejoin)", s.index, s.queue.size());
                leave(s.index);
                continue;
            }
            s.queue.add(entry);
            bytesDown += entry.wireBytes();
        }
        if (checkpoints != null && seq % options.checkpointEvery() == 0) {
            writeCheckpoint();
        }
        notifyAll();
    }

    private void writeCheckpoint() {
        checkpoints.write(net, new CheckpointStore.State(seq, core.version(), nextRound, schedule.epoch(), schedule.batch(),
                "model-" + seq + ".zip", config.toJson(), data.fingerprint(), codec.exportState(),
                new ArrayList<>(asyncJobs), bytesUpBefore + core.stats().bytesPushed(), bytesDown,
                roundsBefore + core.stats().rounds()));
    }

    /**
     * A welcome as of now. Before the first update, a network that its configuration's seeded
     * {@code init()} reproduces travels as that configuration, without the codec's state (a fresh
     * codec's; checked once: nothing changes either until an update), unless {@code mayBeSeeded}
     * is false.
     */
    private Welcome welcome(int worker, boolean mayBeSeeded) {
        if (mayBeSeeded && core.version() == 0 && seq == 0) {
            if (seededNetwork == null) {
                String json = SeededStart.configuration(net, config, codec, net.snapshot().length);
                seededNetwork = json == null ? "" : json;
                seededChecksum = json == null ? 0 : ReplicaChecksum.of(net);
            }
            if (!seededNetwork.isEmpty()) {
                return new Welcome(worker, config.toJson(), null, null, seq, 0, data.fingerprint(), seededNetwork, seededChecksum);
            }
        }
        return new Welcome(worker, config.toJson(), net.snapshot(), codec.exportState(), seq, core.version(), data.fingerprint());
    }

    private static long updaterStateLength(Network n) {
        INDArray state = n.updaterState();
        return state == null ? 0 : state.length();
    }

    private Slot slot(int worker) {
        if (worker < 0 || worker >= slots.length) {
            throw new IllegalArgumentException("no worker slot " + worker + " (there are " + slots.length + ")");
        }
        return slots[worker];
    }

    private int[] joinedSlots() {
        return java.util.Arrays.stream(slots).filter(s -> s.joined).mapToInt(s -> s.index).toArray();
    }

    private void checkUsable() {
        if (failure != null) {
            throw new IllegalStateException("the parameter server failed: " + failure.getMessage(), failure);
        }
        if (closed) {
            throw new IllegalStateException("the parameter server is closed");
        }
    }
}

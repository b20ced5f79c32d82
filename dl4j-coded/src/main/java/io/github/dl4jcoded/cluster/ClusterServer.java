package io.github.dl4jcoded.cluster;

import io.github.dl4jcoded.decode.InvalidCodewordException;
import io.github.dl4jcoded.training.CodedCodec;
import io.github.dl4jcoded.training.CodedTrainingConfig;
import io.github.dl4jcoded.training.GradientCodec;
import io.github.dl4jcoded.training.ParameterServerSetup;
import io.github.dl4jcoded.training.WorkerMessage;
import io.github.dl4jcoded.updater.GradientApplier;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.TimeUnit;

/**
 * The parameter server of cluster mode, independent of any transport: it owns the parameters,
 * the updater state, the codec's decoder and history, the step counter and the job schedule.
 * A transport calls {@link #join}, then drains {@link #next} for each worker and feeds
 * {@link #push} with what the worker sends. Thread-safe.
 *
 * <p>Policies as in {@link io.github.dl4jcoded.training.LocalTrainer}. SYNC: each minibatch is a
 * round split over the workers joined when it opens; it closes when every one of them answered
 * (or left), when the codec says it is complete, or at the deadline. ASYNC: minibatches are cut
 * into one share per worker slot; every free worker gets the next share, and each accepted
 * message is applied on arrival with its step scaled by 1 / (1 + staleness).
 *
 * <p>Everything applied goes into the log as a {@link LogEntry} and to every joined worker's
 * downlink, in order, so replicas replay it. With a checkpoint directory, a checkpoint is
 * committed every {@code checkpointEvery} entries and at the end, and a new server on the same
 * directory resumes from the last one: the entries after it are rolled back, their rounds are
 * run again from the same minibatches, and nothing is applied twice.
 */
public final class ClusterServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ClusterServer.class);
    private static final long IDLE_WAIT_MILLIS = 50;
    /** Rounds per worker remembered as answered or expired, to tell a replay or a late answer from garbage. */
    private static final int REMEMBERED_ROUNDS = 1024;
    /** Bytes of a job on the wire besides its example indices: round (8) and count (4). */
    private static final int JOB_HEADER_BYTES = 12;

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
    private record Origin(int epoch, int batch, int part, int examples) {
    }

    private static final class Slot {
        final int index;
        String name;
        boolean joined;
        LinkedBlockingDeque<Downlink> queue = new LinkedBlockingDeque<>();
        final Map<Long, Origin> outstanding = new HashMap<>();
        final Set<Long> answered = new LinkedHashSet<>();
        final Set<Long> expired = new LinkedHashSet<>();

        Slot(int index) {
            this.index = index;
        }

        void remember(Set<Long> set, long round) {
            set.add(round);
            if (set.size() > REMEMBERED_ROUNDS) {
                set.remove(set.iterator().next());
            }
        }
    }

    /** The SYNC round being collected. */
    private static final class OpenRound {
        final long round;
        final JobSchedule.Batch batch;
        final GradientCodec.Round codecRound;
        final int[] assigned;
        final Set<Integer> answered = new HashSet<>();
        final List<WorkerMessage> accepted = new ArrayList<>();
        final long deadlineNanos;

        OpenRound(long round, JobSchedule.Batch batch, GradientCodec.Round codecRound, int[] assigned, long deadlineNanos) {
            this.round = round;
            this.batch = batch;
            this.codecRound = codecRound;
            this.assigned = assigned;
            this.deadlineNanos = deadlineNanos;
        }
    }

    private final CodedTrainingConfig config;
    private final Options options;
    private final ExampleSource data;
    private final MultiLayerNetwork net;
    private final GradientApplier applier;
    private final GradientCodec codec;
    private final JobSchedule schedule;
    private final CheckpointStore checkpoints;
    private final boolean resumed;
    private final Slot[] slots;
    private final ArrayDeque<CheckpointStore.PendingJob> asyncJobs = new ArrayDeque<>();
    private final Thread driver;

    // Guarded by this.
    private long seq;
    private long version;
    private long nextRound;
    private OpenRound open;
    private boolean started;
    private boolean finished;
    private boolean closed;
    private RuntimeException failure;
    private long rounds, emptyRounds, accepted, bytesUp, bytesDown, denseBytes, late, lostJobs, joins, resyncs;
    private final EnumMap<RejectReason, Long> rejected = new EnumMap<>(RejectReason.class);

    /**
     * A server for a copy of {@code net} or, when {@code options.checkpointDir()} holds a
     * checkpoint, the server resumed from it; then {@code config} must equal the checkpoint's and
     * {@code net} must have the same number of parameters (a guard against the wrong directory).
     */
    public ClusterServer(MultiLayerNetwork net, CodedTrainingConfig config, ExampleSource data, Options options) {
        config.validate();
        ParameterServerSetup.checkSupported(net);
        this.config = config;
        this.options = options;
        this.data = data;
        this.schedule = new JobSchedule(data.size(), options.epochs(), options.batchSize(), options.shuffleSeed());
        this.checkpoints = options.checkpointDir() == null ? null : new CheckpointStore(options.checkpointDir());
        CheckpointStore.Loaded loaded = checkpoints == null ? null : checkpoints.latest().orElse(null);
        if (loaded == null) {
            this.net = ParameterServerSetup.serverCopy(net);
            this.codec = ParameterServerSetup.codec(this.net, config);
            this.resumed = false;
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
            this.net = loaded.network();
            this.codec = ParameterServerSetup.codec(this.net, config);
            codec.importState(s.codecState());
            this.seq = s.seq();
            this.version = s.version();
            this.nextRound = s.nextRound();
            this.bytesUp = s.bytesUp();
            this.bytesDown = s.bytesDown();
            this.rounds = s.rounds();
            schedule.seek(s.scheduleEpoch(), s.scheduleBatch());
            asyncJobs.addAll(s.pendingJobs());
            checkpoints.truncateJournal(seq);
            this.resumed = true;
            log.info("resumed from the checkpoint at log entry {} (version {}, epoch {}, batch {})",
                    seq, version, s.scheduleEpoch(), s.scheduleBatch());
        }
        this.applier = new GradientApplier(this.net, true);
        this.slots = new Slot[config.workers()];
        for (int w = 0; w < slots.length; w++) {
            slots[w] = new Slot(w);
        }
        this.driver = new Thread(this::drive, "dl4j-coded-cluster-server");
        driver.setDaemon(true);
    }

    /** True when this server resumed from a checkpoint. */
    public boolean resumed() {
        return resumed;
    }

    public CodedTrainingConfig config() {
        return config;
    }

    /** The server's codec (to rebuild codewords read off the wire: {@link ClusterMessages#codeword}). */
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
    public synchronized Welcome join(String name) {
        checkUsable();
        if (finished) {
            throw new IllegalStateException("training is over");
        }
        for (Slot s : slots) {
            if (!s.joined) {
                s.joined = true;
                s.name = name;
                s.queue = new LinkedBlockingDeque<>();
                joins++;
                Welcome w = welcome(s.index);
                bytesDown += w.snapshot().length + (w.codecState() == null ? 0 : w.codecState().length) + w.configJson().length();
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

    /** Validates and takes a worker's message. @throws RejectedMessageException counted, nothing applied */
    public synchronized void push(int worker, WorkerMessage m) {
        checkUsable();
        try {
            accept(worker, m);
        } catch (RejectedMessageException e) {
            count(e.reason(), "worker " + worker + ": " + e.getMessage());
            throw e;
        } finally {
            notifyAll();
        }
    }

    /** Counts a message the transport refused before it could be parsed (malformed, oversized, unauthenticated). */
    public synchronized void countRejected(RejectReason reason, String detail) {
        count(reason, detail);
    }

    /** Queues a fresh {@link Welcome} for the worker (its replica drifted, or it asked). */
    public synchronized void resync(int worker) {
        Slot s = slot(worker);
        if (!s.joined) {
            throw new IllegalStateException("worker " + worker + " is not joined");
        }
        Welcome w = welcome(worker);
        s.queue.add(w);
        resyncs++;
        bytesDown += w.snapshot().length;
        log.info("resync of worker {} at log entry {}", worker, seq);
    }

    /** The worker left or its connection broke: its slot is freed, its jobs are lost. Idempotent. */
    public synchronized void leave(int worker) {
        Slot s = slot(worker);
        if (!s.joined) {
            return;
        }
        s.joined = false;
        for (long r : s.outstanding.keySet()) {
            s.remember(s.expired, r);
            lostJobs++;
        }
        s.outstanding.clear();
        s.queue.clear();
        log.info("worker '{}' (slot {}) left", s.name, worker);
        notifyAll();
    }

    public synchronized boolean isFinished() {
        return finished;
    }

    /**
     * Waits until every epoch is done.
     *
     * @return false on timeout
     * @throws IllegalStateException when the server failed
     */
    public synchronized boolean awaitFinished(long timeout, TimeUnit unit) throws InterruptedException {
        long end = System.nanoTime() + unit.toNanos(timeout);
        while (!finished) {
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
        return new Stats(seq, version, rounds, emptyRounds, accepted, bytesUp, bytesDown, denseBytes, late, lostJobs,
                joins, resyncs, Collections.unmodifiableMap(new EnumMap<>(rejected)), joinedSlots().length);
    }

    /** A copy of the server's network as of now (for evaluation or saving). */
    public synchronized MultiLayerNetwork network() {
        return net.clone();
    }

    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            notifyAll();
        }
        if (driver.isAlive()) {
            driver.interrupt();
            try {
                driver.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    // ---- the driver: opens and closes rounds (SYNC) or hands out jobs (ASYNC) ----

    private void drive() {
        synchronized (this) {
            try {
                while (!closed && !finished) {
                    if (config.policy() == CodedTrainingConfig.Policy.SYNC) {
                        driveSync();
                    } else {
                        driveAsync();
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException | Error e) {
                log.error("the parameter server failed", e);
                failure = e instanceof RuntimeException re ? re : new IllegalStateException(e);
            } finally {
                notifyAll();
            }
        }
    }

    private void driveSync() throws InterruptedException {
        if (open == null) {
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
            int[][] shares = JobSchedule.split(batch.examples(), live.length);
            int[] assigned = java.util.Arrays.copyOf(live, shares.length);
            long round = nextRound++;
            open = new OpenRound(round, batch, codec.newRound(round, assigned), assigned,
                    System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(config.deadlineMillis()));
            for (int i = 0; i < assigned.length; i++) {
                sendJob(slots[assigned[i]], round, new Origin(batch.epoch(), batch.index(), i, shares[i].length), shares[i]);
            }
            return;
        }
        long left = open.deadlineNanos - System.nanoTime();
        if (open.codecRound.isComplete() || everyAssignedDone() || left <= 0) {
            closeSyncRound();
        } else {
            TimeUnit.NANOSECONDS.timedWait(this, Math.min(left, TimeUnit.MILLISECONDS.toNanos(IDLE_WAIT_MILLIS)));
        }
    }

    private boolean everyAssignedDone() {
        for (int w : open.assigned) {
            if (slots[w].joined && !open.answered.contains(w)) {
                return false;
            }
        }
        return true;
    }

    private void closeSyncRound() {
        OpenRound r = open;
        open = null;
        for (int w : r.assigned) {
            Slot s = slots[w];
            if (s.outstanding.remove(r.round) != null) {
                s.remember(s.expired, r.round); // its answer, if it ever comes, is late
            }
        }
        rounds++;
        LogEntry entry;
        if (r.codecRound.isEmpty()) {
            emptyRounds++;
            entry = new LogEntry(seq + 1, r.round, 1.0, version, List.of(), null, Double.NaN, 0, 0);
        } else {
            entry = applyEstimate(r.round, r.codecRound, r.accepted, 1.0);
        }
        r.codecRound.finish();
        append(entry, r.batch.epoch() + "\t" + r.batch.index());
    }

    private void driveAsync() throws InterruptedException {
        boolean handedOut = false;
        for (Slot s : slots) {
            if (s.joined && s.outstanding.isEmpty()) {
                if (asyncJobs.isEmpty() && schedule.hasNext()) {
                    JobSchedule.Batch b = schedule.next();
                    int[][] shares = JobSchedule.split(b.examples(), slots.length);
                    for (int i = 0; i < shares.length; i++) {
                        asyncJobs.add(new CheckpointStore.PendingJob(b.epoch(), b.index(), i, shares[i]));
                    }
                }
                CheckpointStore.PendingJob j = asyncJobs.poll();
                if (j == null) {
                    break;
                }
                sendJob(s, nextRound++, new Origin(j.epoch(), j.batch(), j.part(), j.examples().length), j.examples());
                handedOut = true;
            }
        }
        boolean anyOutstanding = false;
        for (Slot s : slots) {
            anyOutstanding |= !s.outstanding.isEmpty();
        }
        if (!anyOutstanding && asyncJobs.isEmpty() && !schedule.hasNext()) {
            finish();
        } else if (!handedOut) {
            wait(IDLE_WAIT_MILLIS);
        }
    }

    private void sendJob(Slot s, long round, Origin origin, int[] examples) {
        s.outstanding.put(round, origin);
        s.queue.add(new Job(round, examples));
        bytesDown += JOB_HEADER_BYTES + 4L * examples.length;
    }

    private void finish() {
        if (checkpoints != null) {
            writeCheckpoint();
        }
        finished = true;
        for (Slot s : slots) {
            if (s.joined) {
                s.queue.add(new Finished(seq));
            }
        }
        log.info("training finished: {} log entries, {} updates", seq, version);
        notifyAll();
    }

    // ---- incoming messages ----

    private void accept(int worker, WorkerMessage m) {
        Slot s = slot(worker);
        if (!s.joined) {
            throw new RejectedMessageException(RejectReason.MALFORMED, "worker " + worker + " is not joined");
        }
        if (m == null) {
            throw new RejectedMessageException(RejectReason.MALFORMED, "no message");
        }
        if (m.worker() != worker) {
            throw new RejectedMessageException(RejectReason.MALFORMED, "claims to come from worker " + m.worker());
        }
        long bytes = m.wireBytes();
        bytesUp += bytes;
        if (s.answered.contains(m.round())) {
            throw new RejectedMessageException(RejectReason.REPLAY, "round " + m.round() + " was already answered");
        }
        Origin origin = s.outstanding.get(m.round());
        if (origin == null) {
            if (s.expired.contains(m.round())) {
                late++;
                throw new RejectedMessageException(RejectReason.LATE, "round " + m.round() + " closed without it");
            }
            throw new RejectedMessageException(RejectReason.UNKNOWN_ROUND, "round " + m.round() + " was not given to this worker");
        }
        // From here on the job counts as answered, accepted or not: a refused answer is not waited for.
        s.outstanding.remove(m.round());
        s.remember(s.answered, m.round());
        if (open != null && open.round == m.round()) {
            open.answered.add(worker);
        }
        if (m.examples() != origin.examples()) {
            throw new RejectedMessageException(RejectReason.MALFORMED, "claims " + m.examples() + " examples, the job had " + origin.examples());
        }
        if (!Double.isFinite(m.loss())) {
            throw new RejectedMessageException(RejectReason.NON_FINITE, "loss " + m.loss());
        }
        if (m.version() < 0 || m.version() > version) {
            throw new RejectedMessageException(RejectReason.MALFORMED, "claims parameter version " + m.version() + ", the server is at " + version);
        }
        long staleness = version - m.version();
        if (staleness > config.stalenessBound()) {
            throw new RejectedMessageException(RejectReason.STALE, "computed " + staleness + " updates ago, the bound is " + config.stalenessBound());
        }
        if (config.policy() == CodedTrainingConfig.Policy.SYNC) {
            offer(open.codecRound, m);
            open.accepted.add(m);
        } else {
            GradientCodec.Round r = codec.newRound(m.round(), new int[]{worker});
            offer(r, m);
            rounds++;
            LogEntry entry = applyEstimate(m.round(), r, List.of(m), 1.0 / (1 + staleness));
            r.finish();
            append(entry, origin.epoch() + "\t" + origin.batch() + "." + origin.part());
        }
        accepted++;
        denseBytes += codec.denseMessageBytes();
    }

    /**
     * The codec's own validation (foreign tasks, frames, lengths, NaN), its refusals turned into
     * reasons; for dense messages the length and NaN checks come first, to tell the two apart.
     */
    private void offer(GradientCodec.Round r, WorkerMessage m) {
        if (!(codec instanceof CodedCodec)) {
            double[] g = m.dense();
            if (g == null || !m.codewords().isEmpty() || g.length != net.numParams()) {
                throw new RejectedMessageException(RejectReason.MALFORMED, "a vanilla server needs a dense gradient of "
                        + net.numParams() + " entries and no codewords");
            }
            for (double v : g) {
                if (!Double.isFinite(v)) {
                    throw new RejectedMessageException(RejectReason.NON_FINITE, "dense gradient has NaN/Inf");
                }
            }
        }
        try {
            r.offer(m);
        } catch (InvalidCodewordException e) {
            throw new RejectedMessageException(switch (e.reason()) {
                case NOT_FINITE -> RejectReason.NON_FINITE;
                case WRONG_FRAMES -> RejectReason.WRONG_FRAME;
                case UNKNOWN_TASK, WRONG_CODE_ROW -> RejectReason.UNKNOWN_TASK;
                case DUPLICATE -> RejectReason.REPLAY;
                case NULL, WRONG_STEP, WRONG_LENGTH -> RejectReason.MALFORMED;
            }, e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new RejectedMessageException(RejectReason.MALFORMED, e.getMessage());
        }
    }

    /** Applies a round's estimate and returns its log entry (exactly what a replica must replay). */
    private LogEntry applyEstimate(long round, GradientCodec.Round r, List<WorkerMessage> messages, double scale) {
        GradientCodec.Estimate e = r.estimate();
        float[] dense = null;
        INDArray g;
        if (config.mode() == CodedTrainingConfig.Mode.VANILLA) {
            dense = Replay.toFloat(e.meanGradient()); // what goes down the wire is what is applied
            g = Replay.gradient(dense, net);
        } else {
            g = Replay.gradient(e, net);
        }
        applier.apply(g, 1, e.mask(), e.loss(), scale);
        version++;
        return new LogEntry(seq + 1, round, scale, version, dense == null ? messages : List.of(), dense,
                e.loss(), e.examples(), 0);
    }

    private void append(LogEntry entry, String origin) {
        seq = entry.seq();
        if (seq % options.checksumEvery() == 0) {
            entry = new LogEntry(entry.seq(), entry.round(), entry.scale(), entry.version(), entry.messages(),
                    entry.dense(), entry.loss(), entry.examples(), ReplicaChecksum.of(net));
        }
        if (checkpoints != null) {
            StringJoiner workers = new StringJoiner(",");
            entry.messages().forEach(m -> workers.add(Integer.toString(m.worker())));
            checkpoints.appendJournal(seq + "\t" + entry.round() + "\t" + version + "\t" + origin + "\t" + workers);
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
        checkpoints.write(net, new CheckpointStore.State(seq, version, nextRound, schedule.epoch(), schedule.batch(),
                "model-" + seq + ".zip", config.toJson(), data.fingerprint(), codec.exportState(),
                new ArrayList<>(asyncJobs), bytesUp, bytesDown, rounds));
    }

    private Welcome welcome(int worker) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ModelSerializer.writeModel(net, out, true);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot serialize the network for a worker", e);
        }
        return new Welcome(worker, config.toJson(), out.toByteArray(), codec.exportState(), seq, version, data.fingerprint());
    }

    private void count(RejectReason reason, String detail) {
        rejected.merge(reason, 1L, Long::sum);
        log.warn("rejected ({}): {}", reason, detail);
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

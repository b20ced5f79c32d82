package io.github.dl4jcoded.training.server;

import io.github.dl4jcoded.nn.Network;
import io.github.dl4jcoded.nn.ParamLayout;
import io.github.dl4jcoded.nn.RunningStatistics;
import io.github.dl4jcoded.training.CodedTrainingConfig;
import io.github.dl4jcoded.training.DecodedGradient;
import io.github.dl4jcoded.training.GradientCodec;
import io.github.dl4jcoded.training.ParameterServerSetup;
import io.github.dl4jcoded.training.RejectReason;
import io.github.dl4jcoded.training.RejectedMessageException;
import io.github.dl4jcoded.training.WorkerMessage;
import io.github.dl4jcoded.updater.GradientApplier;
import io.github.dl4jcoded.updater.GradientMask;
import org.deeplearning4j.nn.api.Model;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * The parameter server's rules, once, for every mode: the local trainer is threads around it, the
 * simulator a virtual clock around it, the cluster server sessions, a log and checkpoints around
 * it, and a worker replica replays the log through {@link #apply}. No threads, clocks or transport
 * inside: callers pass the time in (seconds on any clock they like), and are expected to serialize
 * their calls (it is not thread-safe).
 *
 * <p><b>Jobs.</b> Every job a worker is given is registered first ({@link #openRound} for a SYNC
 * round, {@link #issueJob} for an ASYNC job), with the examples it holds; a job ends when its
 * answer is offered, when it is lost ({@link #jobLost}, {@link #workerLeft}), or when the worker
 * skips it ({@link #jobSkipped}). A refused answer still ends its job: nobody waits for it again.
 *
 * <p><b>Validation</b> of every incoming message happens here and only here ({@link #offer}): the
 * header (sender, round, examples, loss, parameter version, staleness), then the payload through
 * the codec (codewords or dense gradient). A refused message is counted by reason and changes
 * nothing but the bookkeeping of its job.
 *
 * <p><b>SYNC</b>: a round is due when every assigned worker answered (or its job ended otherwise),
 * or all but {@code backupWorkers} of them did, when the codec says the estimate cannot improve, or
 * at its deadline; {@link #close} turns it into an {@link Update}, empty when nothing usable arrived
 * (frames from the decoded history still advance). <b>ASYNC</b>: each accepted answer is decoded at
 * once into a live accumulator (the codec's {@link GradientCodec.Window}); the updater steps once
 * {@code cadence} answers are in it, whichever workers they came from, and the staleness rule says
 * how answers computed against older parameters count (none, 1 / (1 + staleness) on the step, or
 * delay compensation); staleness is the updates applied since the version the worker read, and
 * answers beyond the staleness bound are refused as STALE.
 *
 * <p><b>Apply</b>: {@link #apply} writes the decoded gradient into the network's gradient view in
 * one copy (masked by the blocks that were decoded), steps the masked updater through
 * {@link GradientApplier}, advances the codec's frames, and counts the version. The server applies
 * what it closed; a replica applies what it received, the same floats, and stays equal bit for bit.
 */
public final class ParameterServer {
    /** Answers and expiries remembered per worker, to tell a replay or a late answer from garbage. */
    static final int REMEMBERED_ROUNDS = 1024;

    /** The outcome of {@link #offer}: accepted (no reason), or refused with its reason. */
    public record Verdict(RejectReason reason, String detail) {
        public static final Verdict ACCEPTED = new Verdict(null, null);

        public boolean accepted() {
            return reason == null;
        }

        /** The refusal as an exception (for transports that answer with one). */
        public RejectedMessageException exception() {
            if (accepted()) {
                throw new IllegalStateException("the message was accepted");
            }
            return new RejectedMessageException(reason, detail);
        }
    }

    private final CodedTrainingConfig config;
    private final Network net;
    private final GradientCodec codec;
    private final GradientApplier applier;
    private final double[] gradient;
    private final TrainingStats stats = new TrainingStats();
    private final WorkerJobs[] jobs;
    /** Per worker, the version when it was last given a job (-1 before its first). */
    private final long[] versionAtIssue;
    private GradientCodec.Window window;
    private final RoundTally windowTally = new RoundTally();
    private final List<long[]> windowAnswers = new ArrayList<>(); // per accepted answer: {staleness, version read}
    private long windows;
    /** DC_ASGD: the parameters of the last few versions, to measure each answer's drift from. */
    private final ArrayDeque<double[]> recentParams = new ArrayDeque<>();
    private final ParamLayout layout;
    private final int runningLength; // batch normalization's running-statistics values per message (0: none)
    private final long[] runningRanges; // their slots in the parameters, {from, to} pairs: always present in an update
    private long version;
    private OpenRound open;
    private boolean closedUnapplied;

    /** A server for a copy of {@code user}: its parameters, updater state and counts; {@code user} is not changed. */
    public static ParameterServer forNetwork(Model user, CodedTrainingConfig config) {
        return forNetwork(Network.of(user), config);
    }

    /** As {@link #forNetwork(Model, CodedTrainingConfig)}. */
    public static ParameterServer forNetwork(Network user, CodedTrainingConfig config) {
        ParameterServerSetup.checkSupported(user);
        return new ParameterServer(ParameterServerSetup.serverCopy(user), config, 0);
    }

    /**
     * A server (or a replica) on {@code net} itself, which must have been made by
     * {@link ParameterServerSetup#serverCopy} (masked updaters), or restored from one.
     *
     * @param version updates {@code net} has seen (a checkpoint's or a welcome's)
     */
    public ParameterServer(Network net, CodedTrainingConfig config, long version) {
        config.validate();
        if (version < 0) {
            throw new IllegalArgumentException("version must be >= 0, got " + version);
        }
        this.config = config;
        this.net = net;
        this.codec = ParameterServerSetup.codec(net, config);
        this.applier = new GradientApplier(net, true);
        this.gradient = new double[Math.toIntExact(net.numParams())];
        this.layout = ParamLayout.of(net);
        this.runningLength = RunningStatistics.length(layout);
        this.runningRanges = RunningStatistics.slots(layout).stream()
                .flatMapToLong(p -> java.util.stream.LongStream.of(p.from(), p.to())).toArray();
        this.version = version;
        this.versionAtIssue = new long[config.workers()];
        Arrays.fill(versionAtIssue, -1);
        this.jobs = new WorkerJobs[config.workers()];
        for (int w = 0; w < jobs.length; w++) {
            jobs[w] = new WorkerJobs();
        }
        if (config.policy() == CodedTrainingConfig.Policy.ASYNC) {
            window = codec.newWindow();
            if (config.stalenessRule() == CodedTrainingConfig.StalenessRule.DC_ASGD) {
                recentParams.add(net.params().toDoubleVector());
            }
        }
    }

    public CodedTrainingConfig config() {
        return config;
    }

    public GradientCodec codec() {
        return codec;
    }

    /** The server's network (parameters, masked updater state): read it between calls, never during one. */
    public Network network() {
        return net;
    }

    /** Updates applied so far. */
    public long version() {
        return version;
    }

    public TrainingStats stats() {
        return stats;
    }

    // ------------------------------------------------------------------ jobs

    /**
     * SYNC: opens round {@code round}, split over {@code workers}, worker {@code workers[i]} holding
     * {@code examples[i]} examples; it is due at {@code deadline} at the latest.
     */
    public void openRound(long round, int[] workers, int[] examples, double deadline) {
        if (config.policy() != CodedTrainingConfig.Policy.SYNC) {
            throw new IllegalStateException("rounds are for policy SYNC; ASYNC jobs are issued one at a time");
        }
        if (open != null) {
            throw new IllegalStateException("round " + open.round + " is still open");
        }
        if (workers.length == 0 || workers.length != examples.length) {
            throw new IllegalArgumentException("a round needs workers, each with its examples");
        }
        for (int i = 0; i < workers.length; i++) {
            slot(workers[i]).issue(round, examples[i]);
        }
        open = new OpenRound(round, codec.newRound(round, workers), workers.clone(), deadline);
    }

    /** ASYNC: worker {@code worker} got job {@code round} of {@code examples} examples. */
    public void issueJob(long round, int worker, int examples) {
        if (config.policy() != CodedTrainingConfig.Policy.ASYNC) {
            throw new IllegalStateException("jobs are issued one at a time for policy ASYNC; SYNC opens rounds");
        }
        slot(worker).issue(round, examples);
        versionAtIssue[worker] = version;
    }

    /**
     * ASYNC: true when {@code worker} may be given its next job now: it holds none, and, with
     * {@code freshJobs}, an update was applied since it was given its last one.
     */
    public boolean readyForJob(int worker) {
        WorkerJobs j = slot(worker);
        // An empty window has no step coming to wait for (its answer was refused, say).
        boolean fresh = !config.freshJobs() || version > versionAtIssue[worker] || accumulated() == 0;
        return !j.away && j.outstanding.isEmpty() && fresh;
    }

    /** The worker went down with job {@code round} (it will never answer it). */
    public void jobLost(int worker, long round) {
        if (slot(worker).expire(round)) {
            stats.lostJobs.incrementAndGet();
            if (open != null && open.round == round) {
                open.done.add(worker);
            }
        }
    }

    /** The worker left (or went down): every job it holds is lost, and it is given none until it returns. */
    public void workerLeft(int worker) {
        for (long round : slot(worker).outstanding.keySet().toArray(new Long[0])) {
            jobLost(worker, round);
        }
        slot(worker).away = true;
    }

    /** The worker (re)joined: it may be given jobs again. */
    public void workerJoined(int worker) {
        slot(worker).away = false;
    }

    /** The worker declined job {@code round} (too old for the codec to encode): it counts as late. */
    public void jobSkipped(int worker, long round) {
        WorkerJobs j = slot(worker);
        if (j.outstanding.remove(round) != null) {
            j.remember(j.answered, round);
            stats.skippedJobs.incrementAndGet();
            if (open != null && open.round == round) {
                open.done.add(worker);
            }
        }
    }

    /**
     * The worker refused its own job's data (a NaN or infinite feature or gradient, found before
     * any message was made): counted as a refused message of {@code reason}, the job answered with
     * nothing, the worker free for the next job.
     */
    public void jobRefusedAtWorker(int worker, long round, RejectReason reason) {
        stats.refused(reason);
        jobSkipped(worker, round);
    }

    /** True while worker {@code worker} holds job {@code round}. */
    public boolean holds(int worker, long round) {
        return slot(worker).outstanding.containsKey(round);
    }

    /** The number of jobs worker {@code worker} holds. */
    public int jobsHeld(int worker) {
        return slot(worker).outstanding.size();
    }

    // ------------------------------------------------------------------ messages

    /** Validates and takes a message from {@code worker}; a refusal is counted and changes nothing else. */
    public Verdict offer(int worker, WorkerMessage m) {
        if (worker < 0 || worker >= jobs.length) {
            return refuse(RejectReason.MALFORMED, "no worker " + worker + " (there are " + jobs.length + ")");
        }
        if (m == null) {
            return refuse(RejectReason.MALFORMED, "no message");
        }
        stats.bytesPushed.addAndGet(m.wireBytes());
        stats.denseBytes.addAndGet(codec.denseMessageBytes());
        if (m.worker() != worker) {
            return refuse(RejectReason.MALFORMED, "worker " + worker + " sent a message that claims to come from worker " + m.worker());
        }
        WorkerJobs j = jobs[worker];
        if (j.answered.contains(m.round())) {
            return refuse(RejectReason.REPLAY, "round " + m.round() + " was already answered by worker " + worker);
        }
        Integer expected = j.outstanding.remove(m.round());
        if (expected == null) {
            return j.expired.contains(m.round())
                    ? refuse(RejectReason.LATE, "round " + m.round() + " closed without worker " + worker)
                    : refuse(RejectReason.UNKNOWN_ROUND, "round " + m.round() + " was not given to worker " + worker);
        }
        // From here on the job counts as answered, accepted or not: a refused answer is not waited for.
        j.remember(j.answered, m.round());
        boolean sync = config.policy() == CodedTrainingConfig.Policy.SYNC;
        if (sync && open != null && open.round == m.round()) {
            open.done.add(worker);
        } else if (!sync) {
            stats.rounds.incrementAndGet();
        }
        if (m.examples() != expected) {
            return refuse(RejectReason.MALFORMED, "worker " + worker + " claims " + m.examples() + " examples, its job had " + expected);
        }
        if (!Double.isFinite(m.loss())) {
            return refuse(RejectReason.NON_FINITE, "worker " + worker + " reports loss " + m.loss());
        }
        if (m.version() < 0 || m.version() > version) {
            return refuse(RejectReason.MALFORMED, "worker " + worker + " claims parameter version " + m.version()
                    + ", the server is at " + version);
        }
        Verdict running = checkRunningStatistics(m.runningStatistics());
        if (!running.accepted()) {
            return refuse(running.reason(), "worker " + worker + ": " + running.detail());
        }
        long staleness = version - m.version();
        if (staleness > config.stalenessBound()) {
            return refuse(RejectReason.STALE, "worker " + worker + " computed " + staleness + " updates ago, the bound is "
                    + config.stalenessBound());
        }
        try {
            if (sync) {
                open.codecRound.offer(m);
            } else {
                window.offer(m);
            }
        } catch (RejectedMessageException e) {
            return refuse(e.reason(), "worker " + worker + ": " + e.detail());
        } catch (IllegalArgumentException e) {
            return refuse(RejectReason.MALFORMED, "worker " + worker + ": " + e.getMessage());
        }
        stats.messages.incrementAndGet();
        if (sync) {
            open.tally.add(m);
        } else {
            windowTally.add(m);
            windowAnswers.add(new long[]{staleness, m.version()});
        }
        return Verdict.ACCEPTED;
    }

    /** Whether running statistics (a message's or an update's) fit this network: their count, and finite. */
    private Verdict checkRunningStatistics(double[] r) {
        int got = r == null ? 0 : r.length;
        if (got != runningLength) {
            return new Verdict(RejectReason.MALFORMED, "running statistics of " + got
                    + " values, the network's batch normalization has " + runningLength);
        }
        for (int i = 0; i < got; i++) {
            if (!Double.isFinite(r[i])) {
                return new Verdict(RejectReason.NON_FINITE, "running statistic " + i + " is " + r[i]);
            }
        }
        return Verdict.ACCEPTED;
    }

    /** The step scale of an asynchronous step: the staleness rule over its answers. */
    private double stepScale() {
        if (config.stalenessRule() != CodedTrainingConfig.StalenessRule.INVERSE) {
            return 1.0;
        }
        double s = 0;
        for (long[] a : windowAnswers) {
            s += 1.0 / (1 + a[0]);
        }
        return s / windowAnswers.size();
    }

    /** DC_ASGD: the version the compensation measures the drift from, the mean of the versions read; else -1. */
    private long referenceVersion() {
        if (config.stalenessRule() != CodedTrainingConfig.StalenessRule.DC_ASGD) {
            return -1;
        }
        double v = 0;
        for (long[] a : windowAnswers) {
            v += a[1];
        }
        return Math.round(v / windowAnswers.size());
    }

    private Verdict refuse(RejectReason reason, String detail) {
        stats.refused(reason);
        return new Verdict(reason, detail);
    }

    // ------------------------------------------------------------------ updates

    /** True when {@link #close} has an update to give at time {@code now}. */
    public boolean isDue(double now) {
        if (config.policy() == CodedTrainingConfig.Policy.SYNC) {
            if (open == null) {
                return false;
            }
            // Backup workers: the slowest few answers of a round are not waited for (at least one is).
            int needed = Math.max(1, open.assigned.length - config.backupWorkers());
            return open.codecRound.isComplete() || open.done.size() >= needed || now >= open.deadline;
        }
        // Also when nothing more can arrive before a step: no worker computes, and none may be given a
        // job (with freshJobs they all wait for the next version).
        int counted = config.cadenceRule() == CodedTrainingConfig.CadenceRule.FRESH ? freshInWindow() : window.accepted();
        return counted >= config.messagesPerStep() || (window.accepted() > 0 && nothingCanArrive());
    }

    /** Accepted answers in the window computed on the current parameters (staleness 0). */
    private int freshInWindow() {
        int fresh = 0;
        for (long[] a : windowAnswers) {
            if (a[0] == 0) {
                fresh++;
            }
        }
        return fresh;
    }

    private boolean nothingCanArrive() {
        for (int w = 0; w < jobs.length; w++) {
            if (!jobs[w].outstanding.isEmpty() || readyForJob(w)) {
                return false;
            }
        }
        return true;
    }

    /** ASYNC: answers decoded into the live accumulator since the last step. */
    public int accumulated() {
        return window == null ? 0 : window.accepted();
    }

    /** SYNC: true while a round is open. */
    public boolean hasOpenRound() {
        return open != null;
    }

    /** SYNC: the open round's id. @throws IllegalStateException when none is open */
    public long openRoundId() {
        return requireOpen().round;
    }

    /** SYNC: the open round's deadline. @throws IllegalStateException when none is open */
    public double deadline() {
        return requireOpen().deadline;
    }

    private OpenRound requireOpen() {
        if (open == null) {
            throw new IllegalStateException("no round is open");
        }
        return open;
    }

    /**
     * The next update: SYNC, the open round closed (answers still outstanding will be LATE);
     * ASYNC, the live accumulator as it stands (a new one takes the next answers). Apply it with
     * {@link #apply} before closing another.
     *
     * @throws IllegalStateException when there is nothing to close, or the last update was not applied
     */
    public Update close() {
        if (closedUnapplied) {
            throw new IllegalStateException("apply the update closed last before closing another");
        }
        Update u;
        if (config.policy() == CodedTrainingConfig.Policy.SYNC) {
            OpenRound r = requireOpen();
            open = null;
            for (int w : r.assigned) {
                jobs[w].expire(r.round);
            }
            stats.rounds.incrementAndGet();
            DecodedGradient d = r.codecRound.decode();
            if (d.isEmpty()) {
                stats.emptyRounds.incrementAndGet();
            }
            u = new Update(r.round, d.isEmpty() ? version : version + 1, 1.0, r.tally.meanLoss(), r.tally.examples(), d, -1,
                    d.isEmpty() ? null : r.tally.meanRunningStatistics(ParameterServerSetup.valueBytes(net)));
        } else {
            if (window.accepted() == 0) {
                throw new IllegalStateException("no accepted answer waits to be applied");
            }
            u = new Update(windows++, version + 1, stepScale(), windowTally.meanLoss(), windowTally.examples(), window.decode(),
                    referenceVersion(), windowTally.meanRunningStatistics(ParameterServerSetup.valueBytes(net)));
            window = codec.newWindow();
            windowTally.clear();
            windowAnswers.clear();
        }
        closedUnapplied = true;
        return u;
    }

    /**
     * Applies an update (the one just closed, or, on a replica, the next one received): the decoded
     * gradient written into the gradient view, one masked updater step, the frames advanced.
     *
     * @throws IllegalStateException    when it is not the next update (its version does not follow)
     * @throws IllegalArgumentException when its gradient does not fit the codec; nothing is changed
     */
    public void apply(Update u) {
        if (u.applies()) {
            if (u.version() != version + 1) {
                throw new IllegalStateException("update of round " + u.round() + " makes version " + u.version()
                        + ", the next is " + (version + 1));
            }
            Verdict running = checkRunningStatistics(u.runningStatistics());
            if (!running.accepted()) {
                throw new IllegalArgumentException("update of round " + u.round() + ": " + running.detail());
            }
            Arrays.fill(gradient, 0.0);
            GradientMask mask = codec.write(u.gradient(), gradient);
            if (runningLength > 0) {
                // State, not gradient: DL4J's own step, through the no-op updater of those slots.
                RunningStatistics.write(layout, u.runningStatistics(), gradient);
                mask = mask == null ? null : mask.with(runningRanges);
            }
            if (u.referenceVersion() >= 0) {
                compensateDelay(u.referenceVersion());
            }
            applier.applyMean(gradient, mask, u.loss(), u.scale());
            version++;
            if (config.stalenessRule() == CodedTrainingConfig.StalenessRule.DC_ASGD) {
                recentParams.add(net.params().toDoubleVector());
                while (recentParams.size() > config.stalenessBound() + 2) {
                    recentParams.poll();
                }
            }
            stats.updates.incrementAndGet();
            if (mask != null) {
                stats.partialUpdates.incrementAndGet();
            }
        } else if (u.version() != version) {
            throw new IllegalStateException("empty update of round " + u.round() + " at version " + u.version()
                    + ", the server is at " + version);
        }
        codec.advance(u.round(), version, u.gradient());
        closedUnapplied = false;
    }

    /**
     * DC-ASGD (Zheng et al. 2017), on the decoded mean gradient g: g + lambda g * g * (theta_now -
     * theta_ref), element by element; blocks that were not decoded have g = 0 and stay unchanged.
     *
     * @throws IllegalStateException when the parameters of {@code reference} are no longer kept
     *                               (a replica that joined after it; nothing was changed)
     */
    private void compensateDelay(long reference) {
        long back = version - reference;
        if (back < 0 || back >= recentParams.size()) {
            throw new IllegalStateException("delay compensation needs the parameters of version " + reference
                    + ", which are not kept here (version " + version + ")");
        }
        double[] ref = null;
        java.util.Iterator<double[]> it = recentParams.descendingIterator();
        for (long i = 0; i <= back; i++) {
            ref = it.next();
        }
        double[] now = recentParams.peekLast();
        double lambda = config.dcLambda();
        for (int i = 0; i < gradient.length; i++) {
            double g = gradient[i];
            gradient[i] = g + lambda * g * g * (now[i] - ref[i]);
        }
    }

    private WorkerJobs slot(int worker) {
        if (worker < 0 || worker >= jobs.length) {
            throw new IllegalArgumentException("no worker " + worker + " (there are " + jobs.length + ")");
        }
        return jobs[worker];
    }

    /** The jobs one worker holds, and the rounds it recently answered or lost. */
    private static final class WorkerJobs {
        final Map<Long, Integer> outstanding = new HashMap<>();
        /** Left or down: given no job until it joins again ({@link #workerJoined}). */
        boolean away;
        final Set<Long> answered = new LinkedHashSet<>();
        final Set<Long> expired = new LinkedHashSet<>();

        void issue(long round, int examples) {
            if (examples < 1) {
                throw new IllegalArgumentException("a job needs examples, got " + examples);
            }
            if (outstanding.containsKey(round) || answered.contains(round)) {
                throw new IllegalStateException("round " + round + " was already given to this worker");
            }
            outstanding.put(round, examples);
        }

        /** Ends an outstanding job without an answer; true when it was outstanding. */
        boolean expire(long round) {
            if (outstanding.remove(round) == null) {
                return false;
            }
            remember(expired, round);
            return true;
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
        final GradientCodec.Round codecRound;
        final int[] assigned;
        final double deadline;
        final Set<Integer> done = new HashSet<>();
        final RoundTally tally = new RoundTally();

        OpenRound(long round, GradientCodec.Round codecRound, int[] assigned, double deadline) {
            this.round = round;
            this.codecRound = codecRound;
            this.assigned = assigned;
            this.deadline = deadline;
        }
    }
}

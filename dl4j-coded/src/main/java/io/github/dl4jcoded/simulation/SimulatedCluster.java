package io.github.dl4jcoded.simulation;

import org.deeplearning4j.nn.api.Model;
import io.github.dl4jcoded.training.CodedTrainingConfig;
import io.github.dl4jcoded.training.GradientCodec;
import io.github.dl4jcoded.training.ParameterServerSetup;
import io.github.dl4jcoded.training.Shards;
import io.github.dl4jcoded.training.WorkerMessage;
import io.github.dl4jcoded.training.server.ParameterServer;
import io.github.dl4jcoded.training.server.SeededStart;
import io.github.dl4jcoded.training.server.TrainingStats;
import io.github.dl4jcoded.training.server.Update;
import io.github.dl4jcoded.training.server.WireSizes;
import io.github.dl4jcoded.nn.Network;
import org.nd4j.linalg.dataset.DataSet;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.function.DoublePredicate;
import java.util.function.ToDoubleFunction;

/**
 * A parameter server and its workers on a virtual clock: the real computation (a real replica,
 * the real codec on both sides, and the one parameter-server core, {@link ParameterServer}, that
 * every mode uses for validation, rounds, staleness and the apply step), executed
 * single-threaded in the order of a discrete-event queue, so that any number of workers, their
 * delays and the network are reproducible on one small machine. Same inputs and seeds, same
 * result, bit for bit.
 *
 * <p><b>Model of time</b>: what the real cluster pays, charged where it pays it.
 * <ul>
 *   <li><b>Workers.</b> A worker that takes a job at virtual time t first receives it, with what it
 *   needs to catch up (below), then computes for {@code (examples x perSampleSeconds + perJobSeconds)
 *   x slowdown} (the slowdown drawn by the {@link StragglerModel} for this worker and job) on the
 *   parameters as they were at t (version v), then pushes its message over its own link
 *   ({@code bytes / workerBandwidth}). In SYNC it is free for the next round's job when the push has
 *   left; in ASYNC the server gives it its next job once its answer has reached the server and been
 *   taken in (one job at a time per worker, as the cluster server hands them out). A worker that
 *   is down at any moment before its push has left loses the job (the computation still ran, so
 *   worker-side codec state such as error feedback saw it); when it returns it rejoins, with a welcome.</li>
 *   <li><b>The server's link</b>, each way a FIFO resource of {@code serverBandwidth} (full duplex:
 *   inbound and outbound queue apart). Pushes are served in the order their uplink transfer
 *   completes and arrive {@code latency} after their turn.</li>
 *   <li><b>The server's CPU</b>, one FIFO resource: each arriving message takes
 *   {@code serverMessageSeconds} of it (validation, into its round) in arrival order, and each
 *   update {@code serverUpdateSeconds} (decode, the updater step, the log entry) once the update is
 *   due and the CPU is free. An update becomes visible when that work ends; a synchronous round's
 *   successor starts then.</li>
 *   <li><b>The downlink.</b> Before computing, a worker receives over the server's outbound link and
 *   its own: the job itself ({@link WireSizes#job}); after it was down, a welcome (the network
 *   snapshot, codec state and configuration, {@link WireSizes#welcome}: the workers present at the
 *   start got theirs before the clock started, as the cluster server waits for its workers to join,
 *   and those bytes are counted but not timed); then,
 *   for coded training, every log entry it missed ({@link WireSizes#entry}: one update's decoded
 *   symbols each, empty rounds included), which it replays through its own core at
 *   {@code replaySeconds x slowdown} per entry before it computes, as a cluster replica does; for
 *   the vanilla server, the parameters when they changed (n float32 plus header: a standard
 *   parameter server's pull, no replay). One shared outbound link, because the server's NIC is what
 *   a parameter server saturates: 16 workers pulling dense LeNet parameters need 16 x 1.7 MB =
 *   0.22 s of a 1 Gb/s link per round. At the end every joined worker is told training is over.</li>
 * </ul>
 * Zero server and replay costs give the model of the first simulator, where only workers' compute
 * and links took time.
 *
 * <p><b>Policies</b>, the core's: SYNC splits each minibatch over the workers
 * that are up when the round starts and applies the round when every one of them answered (or
 * died), when the codec says it is complete, or at the deadline ({@code deadlineMillis} read as
 * virtual milliseconds), whichever is first; messages for a closed round are late and dropped.
 * The next round starts at the moment the previous one was applied. ASYNC splits every minibatch
 * into one job per worker; free workers take jobs in order, and the core steps at its cadence
 * under its staleness rule (messages beyond the staleness bound are dropped). As the cluster
 * server draws its jobs, the next epoch's jobs are queued as soon as the queue runs dry, so no
 * worker waits at an epoch's end for that epoch's slowest job; an epoch ends once every job of it
 * and of the epochs before it is done.
 *
 * <p>A run starts from the given network's parameters and updater state and leaves that network
 * untouched; the trained network is in the {@link Result}.
 */
public final class SimulatedCluster {

    /**
     * One applied update. bytesUp counts every push that left a worker so far (late ones too),
     * bytesDown every pull the workers started so far; staleness is the largest among its answers.
     */
    public record Record(double time, long updates, long bytesUp, long bytesDown, double loss, long staleness) {
    }

    /** A metric of the server's network as it was at virtual time {@code time}. */
    public record EvalPoint(double time, long updates, double value) {
    }

    /**
     * @param messagesFrom messages that arrived at the server, per worker
     * @param lostJobs     jobs whose worker went down before its push left
     * @param stoppedEarly the run ended at its time limit or stop condition, before its last epoch
     * @param joinWelcomeBytes a worker's welcome when it joins before training (the network's
     *                         configuration alone when its seed rebuilds it, as in the cluster)
     * @param welcomeBytes     a welcome with the network's snapshot (a worker that rejoins after a crash)
     */
    public record Result(List<Record> records, List<EvalPoint> evaluations, Network network,
                         double endTime, long rounds, long messages, long late, long stale, long rejected,
                         long emptyRounds, long lostJobs, long bytesUp, long bytesDown, long denseEquivalentBytes,
                         long[] messagesFrom, boolean stoppedEarly, double serverBusySeconds, double replaySeconds,
                         long joinWelcomeBytes, long welcomeBytes) {
    }

    private final Network userNet;
    private final CodedTrainingConfig config;
    private final CostModel cost;
    private final StragglerModel stragglers;
    private double evalInterval = Double.POSITIVE_INFINITY;
    private long evalUpdates;
    private ToDoubleFunction<Network> metric;
    private DoublePredicate stopWhen;
    private double timeLimit = Double.POSITIVE_INFINITY;
    private boolean vanillaReplaysLog;

    public SimulatedCluster(Model net, CodedTrainingConfig config, CostModel cost, StragglerModel stragglers) {
        this(Network.of(net), config, cost, stragglers);
    }

    public SimulatedCluster(Network net, CodedTrainingConfig config, CostModel cost, StragglerModel stragglers) {
        config.validate();
        ParameterServerSetup.checkSupported(net);
        this.userNet = net;
        this.config = config;
        this.cost = cost;
        this.stragglers = stragglers;
    }

    /**
     * Evaluates {@code metric} on the server's network at every multiple of {@code seconds} of
     * virtual time (the state as it was then), and once more at the end of the run.
     */
    public SimulatedCluster evaluateEvery(double seconds, ToDoubleFunction<Network> metric) {
        if (!(seconds > 0)) {
            throw new IllegalArgumentException("evaluation interval must be > 0, got " + seconds);
        }
        this.evalInterval = seconds;
        this.evalUpdates = 0;
        this.metric = metric;
        return this;
    }

    /**
     * Evaluates {@code metric} on the server's network after every {@code updates}-th applied
     * update (at that update's virtual time), and once more at the end of the run: each method
     * is then sampled at the same fraction of its own progress, whatever its speed.
     */
    public SimulatedCluster evaluateEveryUpdates(long updates, ToDoubleFunction<Network> metric) {
        if (updates < 1) {
            throw new IllegalArgumentException("evaluation interval must be at least 1 update, got " + updates);
        }
        this.evalUpdates = updates;
        this.evalInterval = Double.POSITIVE_INFINITY;
        this.metric = metric;
        return this;
    }

    /** Ends the run at the first evaluation whose value satisfies {@code condition} (e.g. a target accuracy). */
    public SimulatedCluster stopWhen(DoublePredicate condition) {
        this.stopWhen = condition;
        return this;
    }

    /**
     * Vanilla workers receive and replay every log entry (a dense update, an updater step each),
     * as this library's cluster mode runs them, instead of pulling the parameters as a standard
     * parameter server's workers do (the default).
     */
    public SimulatedCluster vanillaReplaysLog(boolean replays) {
        this.vanillaReplaysLog = replays;
        return this;
    }

    /** Ends the run at virtual time {@code seconds}: nothing that would happen later is simulated. */
    public SimulatedCluster timeLimit(double seconds) {
        if (!(seconds > 0)) {
            throw new IllegalArgumentException("time limit must be > 0, got " + seconds);
        }
        this.timeLimit = seconds;
        return this;
    }

    /** Trains a fresh copy of the network for {@code epochs} passes over {@code batches}. */
    public Result run(List<DataSet> batches, int epochs) {
        if (epochs < 1 || batches.isEmpty()) {
            throw new IllegalArgumentException("need at least one epoch and one minibatch");
        }
        return new Run(batches, epochs).execute();
    }

    private enum Kind { START, WORKER_FREE, JOB_LOST, SEND_DONE, ARRIVAL, OFFER, APPLY, DEADLINE }

    private record Event(double time, long seq, Kind kind, int worker, Object payload) {
    }

    private record Job(long round, DataSet shard) {
    }

    private enum WorkerState { IDLE, WAKING, BUSY, GONE }

    /** Everything that one run changes; a fresh one per run keeps runs independent. */
    private final class Run {
        private final List<DataSet> batches;
        private final int epochs;
        private final boolean sync = config.policy() == CodedTrainingConfig.Policy.SYNC;
        private final PriorityQueue<Event> queue = new PriorityQueue<>(
                Comparator.comparingDouble(Event::time).thenComparingLong(Event::seq));
        // The parameter server itself: the one core every mode uses, on this virtual clock.
        private final ParameterServer core;
        private final Network server;
        private final GradientCodec codec;
        private final int n = config.workers();
        // One replica serves every worker: a job computes at once on the parameters it just read, and
        // nothing of a worker's own survives between its jobs in the network (its codec state, such
        // as error feedback, lives in its WorkerSide). 256 LeNet replicas would hold ~1 GB for nothing.
        private final Network replica;
        private final GradientCodec.WorkerSide[] sides = new GradientCodec.WorkerSide[n];
        private final WorkerState[] state = new WorkerState[n];
        private final long[] jobsTaken = new long[n];
        private final long[] messagesFrom = new long[n];
        private final List<ArrayDeque<Job>> inbox = new ArrayList<>();
        private final ArrayDeque<Job> shared = new ArrayDeque<>();
        private final List<Record> records = new ArrayList<>();
        private final List<EvalPoint> evaluations = new ArrayList<>();
        private final List<Long> windowStaleness = new ArrayList<>();
        private long seq;
        private double now;
        private double serverLinkFree;
        private double serverOutFree;
        private double serverCpuFree;
        private boolean applyScheduled;
        // The update log as the workers see it: logBytes[e] = bytes of its first e entries.
        private long[] logBytes = new long[1024];
        private int logEntries;
        // Per worker: the log entries it holds (-1: none, it needs a welcome), the version it last read.
        private final int[] entriesRead = new int[n];
        private final long[] versionRead = new long[n];
        private final long paramBytes;
        private final long welcomeBytes, joinWelcomeBytes;
        private final boolean pullsParameters = config.mode() == CodedTrainingConfig.Mode.VANILLA && !vanillaReplaysLog;
        private boolean stopped;
        private long nextRound;
        private int epoch;
        private int batch;
        private boolean done;
        // ASYNC: jobs not yet done per queued epoch, and the epoch of every job not yet done.
        private final long[] asyncJobsLeft;
        private final Map<Long, Integer> epochOfJob = new HashMap<>();
        private int epochsQueued;
        private long nextEval = 1;
        private long arrivals, bytesUp, bytesDown;
        private double serverBusy, replayBusy;

        Run(List<DataSet> batches, int epochs) {
            this.batches = batches;
            this.epochs = epochs;
            this.asyncJobsLeft = new long[epochs];
            core = ParameterServer.forNetwork(userNet, config);
            server = core.network();
            codec = core.codec();
            replica = ParameterServerSetup.replica(userNet);
            paramBytes = codec.denseMessageBytes();
            long codecStateBytes = codec.exportState() == null ? 0 : codec.exportState().length;
            long configBytes = config.toJson().getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
            long snapshot = snapshotBytes(server);
            welcomeBytes = WireSizes.welcome(snapshot, codecStateBytes, configBytes);
            // As the cluster server does: a fresh network that its configuration's seed rebuilds travels as that configuration.
            String seeded = SeededStart.configuration(server, config, codec, snapshot);
            joinWelcomeBytes = seeded == null ? welcomeBytes : WireSizes.welcome(WireSizes.seededNetwork(seeded), 0, configBytes);
            for (int w = 0; w < n; w++) {
                sides[w] = codec.workerSide(w);
                state[w] = WorkerState.IDLE;
                inbox.add(new ArrayDeque<>());
                // Every worker joins before training starts, as the cluster server waits for them:
                // its welcome crosses the network then, counted in the bytes but not in the time.
                bytesDown += joinWelcomeBytes;
            }
        }

        Result execute() {
            schedule(0, Kind.START, -1, null);
            while (!queue.isEmpty() && !stopped) {
                Event e = queue.poll();
                if (e.time() > timeLimit) {
                    now = timeLimit;
                    stopped = true;
                    break;
                }
                now = e.time();
                switch (e.kind()) {
                    case START -> start();
                    case WORKER_FREE -> workerFree(e.worker());
                    case JOB_LOST -> jobLost(e.worker(), (Job) e.payload());
                    case SEND_DONE -> sendDone((WorkerMessage) e.payload());
                    case ARRIVAL -> arrival((WorkerMessage) e.payload());
                    case OFFER -> offer((WorkerMessage) e.payload());
                    case APPLY -> applyNext();
                    case DEADLINE -> {
                        if (core.hasOpenRound() && core.openRoundId() == (Long) e.payload()) {
                            applyWhenDue();
                        }
                    }
                }
            }
            if (!done && !stopped) {
                throw new IllegalStateException("every worker has died before the end of training (epoch " + epoch
                        + ", minibatch " + batch + ")");
            }
            double end = records.isEmpty() ? 0 : records.get(records.size() - 1).time();
            boolean early = stopped && !done;
            if (early && now > end) {
                end = now; // the time limit: the run ends there, whatever it was doing
            }
            if (done) {
                for (int w = 0; w < n; w++) {
                    if (state[w] != WorkerState.GONE && entriesRead[w] >= 0) {
                        bytesDown += WireSizes.FINISHED_BYTES; // the server tells every joined worker it is over
                    }
                }
            }
            // An evaluation of these very parameters was already made: the same value, do not repeat it.
            long version = core.version();
            boolean evaluated = !evaluations.isEmpty() && evaluations.get(evaluations.size() - 1).updates() == version;
            if (metric != null && !evaluated) {
                evaluations.add(new EvalPoint(end, version, metric.applyAsDouble(server)));
            }
            TrainingStats st = core.stats();
            return new Result(List.copyOf(records), List.copyOf(evaluations), server, end, st.rounds(), arrivals, st.late(),
                    st.stale(), st.rejected(), st.emptyRounds(), st.lostJobs(), bytesUp, bytesDown, st.denseEquivalentBytes(),
                    messagesFrom.clone(), early, serverBusy, replayBusy, joinWelcomeBytes, welcomeBytes);
        }

        private void schedule(double time, Kind kind, int worker, Object payload) {
            queue.add(new Event(time, seq++, kind, worker, payload));
        }

        /** START: the next SYNC round, or the next ASYNC epoch; ends the run after the last one. */
        private void start() {
            if (sync && batch == batches.size()) {
                endEpoch();
            }
            if (epoch == epochs) {
                done = true;
                return;
            }
            List<Integer> up = new ArrayList<>();
            double firstReturn = Double.POSITIVE_INFINITY;
            for (int w = 0; w < n; w++) {
                if (stragglers.isUp(w, now)) {
                    up.add(w);
                } else {
                    firstReturn = Math.min(firstReturn, stragglers.nextUp(w, now));
                }
            }
            if (up.isEmpty()) {
                if (firstReturn < Double.POSITIVE_INFINITY) {
                    schedule(firstReturn, Kind.START, -1, null);
                }
                return; // else the queue runs dry and execute() reports that every worker died
            }
            if (sync) {
                List<DataSet> shards = Shards.split(batches.get(batch++), up.size());
                long id = nextRound++;
                // Fewer examples than workers: only the workers that got a shard are waited for.
                int[] live = up.stream().limit(shards.size()).mapToInt(Integer::intValue).toArray();
                core.openRound(id, live, shards.stream().mapToInt(DataSet::numExamples).toArray(),
                        now + config.deadlineMillis() / 1000.0);
                for (int i = 0; i < shards.size(); i++) {
                    inbox.get(live[i]).add(new Job(id, shards.get(i)));
                    wake(live[i]);
                }
                schedule(now + config.deadlineMillis() / 1000.0, Kind.DEADLINE, -1, id);
            } else {
                for (int w = 0; w < n; w++) {
                    wake(w);
                }
            }
        }

        /** ASYNC: true when a job is queued or an epoch is left to queue. */
        private boolean asyncJobAvailable() {
            return !shared.isEmpty() || epochsQueued < epochs;
        }

        /** ASYNC: the next job, queuing the next epoch's jobs when the queue has run dry; null after the last. */
        private Job nextAsyncJob() {
            if (shared.isEmpty() && epochsQueued < epochs) {
                for (DataSet ds : batches) {
                    for (DataSet shard : Shards.split(ds, n)) {
                        epochOfJob.put(nextRound, epochsQueued);
                        shared.add(new Job(nextRound++, shard));
                        asyncJobsLeft[epochsQueued]++;
                    }
                }
                epochsQueued++;
            }
            return shared.poll();
        }

        private void endEpoch() {
            server.incrementEpochCount();
            epoch++;
            batch = 0;
        }

        private void wake(int w) {
            if (state[w] == WorkerState.IDLE) {
                state[w] = WorkerState.WAKING;
                schedule(now, Kind.WORKER_FREE, w, null);
            }
        }

        /** WORKER_FREE: the worker takes its next job, reading the parameters as they are now. */
        private void workerFree(int w) {
            double up = stragglers.nextUp(w, now);
            if (up > now) {
                // Down: jobs waiting in its SYNC inbox are lost with it, and its replica with it.
                for (Job j; (j = inbox.get(w).poll()) != null; ) {
                    jobLost(w, j);
                }
                core.workerLeft(w);
                entriesRead[w] = -1; // it will rejoin, with a welcome
                state[w] = up < Double.POSITIVE_INFINITY ? WorkerState.WAKING : WorkerState.GONE;
                if (up < Double.POSITIVE_INFINITY) {
                    schedule(up, Kind.WORKER_FREE, w, null);
                }
                return;
            }
            if (entriesRead[w] < 0) {
                core.workerJoined(w); // (re)joins: the core may give it jobs again
            }
            if (!sync && !core.readyForJob(w)) {
                state[w] = WorkerState.IDLE; // waits for a fresh version (freshJobs)
                return;
            }
            Job job = sync ? inbox.get(w).poll() : nextAsyncJob();
            if (job == null) {
                state[w] = WorkerState.IDLE;
                return;
            }
            if (!sync) {
                core.issueJob(job.round(), w, job.shard().numExamples());
            }
            state[w] = WorkerState.BUSY;
            double ready = pull(w, job);
            replica.setParams(server.params());
            WorkerMessage m = sides[w].compute(replica, job.shard(), job.round(), core.version());
            double finish = ready + cost.jobSeconds(job.shard().numExamples()) * stragglers.slowdown(w, jobsTaken[w]++);
            double leaves = m == null ? finish : finish + cost.uplinkSeconds(m.wireBytes());
            double down = stragglers.nextDown(w, now);
            if (down <= leaves) {
                schedule(down, Kind.JOB_LOST, w, job);
                return;
            }
            if (m == null) {
                // Too old to encode: the codec declined the job.
                core.jobSkipped(w, job.round());
                schedule(finish, Kind.WORKER_FREE, w, null);
                if (!sync) {
                    asyncJobDone(job.round());
                } else {
                    applyWhenDue();
                }
                return;
            }
            schedule(leaves, Kind.SEND_DONE, w, m);
        }

        /**
         * Worker {@code w} receives its job and catches up with the server over the server's
         * outbound link (FIFO) and its own link: a welcome when it has nothing yet, then every log
         * entry it missed (coded) or the parameters (vanilla); a coded worker then replays the
         * entries. Returns when it can compute on the current parameters.
         */
        private double pull(int w, Job job) {
            long bytes = WireSizes.job(job.shard().numExamples());
            int replayed = 0;
            if (entriesRead[w] < 0) {
                bytes += welcomeBytes;
            } else if (pullsParameters) {
                bytes += versionRead[w] == core.version() ? 0 : paramBytes;
            } else {
                bytes += logBytes[logEntries] - logBytes[entriesRead[w]];
                replayed = logEntries - entriesRead[w];
            }
            entriesRead[w] = logEntries;
            versionRead[w] = core.version();
            bytesDown += bytes;
            double start = Math.max(now, serverOutFree);
            serverOutFree = start + cost.serverLinkSeconds(bytes);
            double replay = replayed * cost.replaySeconds() * stragglers.slowdown(w, jobsTaken[w]);
            replayBusy += replay;
            return serverOutFree + cost.latencySeconds() + cost.uplinkSeconds(bytes) + replay;
        }

        /** JOB_LOST: the worker went down with this job; a dead worker must not hold up its round. */
        private void jobLost(int w, Job job) {
            if (state[w] == WorkerState.BUSY) {
                double up = stragglers.nextUp(w, now);
                state[w] = up < Double.POSITIVE_INFINITY ? WorkerState.WAKING : WorkerState.GONE;
                entriesRead[w] = -1;
                if (up < Double.POSITIVE_INFINITY) {
                    schedule(up, Kind.WORKER_FREE, w, null);
                }
                for (Job j; (j = inbox.get(w).poll()) != null; ) {
                    jobLost(w, j); // jobs queued behind it go down with it
                }
            }
            core.jobLost(w, job.round());
            core.workerLeft(w);
            if (!sync) {
                asyncJobDone(job.round());
            } else {
                applyWhenDue();
            }
        }

        /** SEND_DONE: the push has left the worker and queues for the server's link (FIFO). */
        private void sendDone(WorkerMessage m) {
            bytesUp += m.wireBytes();
            double start = Math.max(now, serverLinkFree);
            serverLinkFree = start + cost.serverLinkSeconds(m.wireBytes());
            schedule(serverLinkFree + cost.latencySeconds(), Kind.ARRIVAL, m.worker(), m);
            if (sync) {
                // Its next job, if any, is the next round's: it is sent to the worker when that round opens.
                state[m.worker()] = WorkerState.WAKING;
                schedule(now, Kind.WORKER_FREE, m.worker(), null);
            }
            // ASYNC: one job at a time, as the cluster server hands them out: the next one is given
            // when this answer has reached the server (offer()).
        }

        /** ARRIVAL: the message is at the server; it waits for the server's CPU, in order. */
        private void arrival(WorkerMessage m) {
            arrivals++;
            messagesFrom[m.worker()]++;
            double done = serverWork(cost.serverMessageSeconds());
            if (done == now) {
                offer(m);
            } else {
                schedule(done, Kind.OFFER, m.worker(), m);
            }
        }

        /** The server's CPU does {@code seconds} of work after what it already has; returns when it is done. */
        private double serverWork(double seconds) {
            double start = Math.max(now, serverCpuFree);
            serverCpuFree = start + seconds;
            serverBusy += seconds;
            return serverCpuFree;
        }

        /** OFFER: the server has taken the message in (validated it, added it to its round). */
        private void offer(WorkerMessage m) {
            long staleness = core.version() - m.version();
            if (core.offer(m.worker(), m).accepted() && !sync) {
                windowStaleness.add(staleness);
            }
            applyWhenDue();
            if (!sync) {
                if (state[m.worker()] == WorkerState.BUSY) {
                    state[m.worker()] = WorkerState.IDLE;
                }
                wakeReady();
                asyncJobDone(m.round());
            }
        }

        /** ASYNC: every idle worker the core would give a job now takes one. */
        private void wakeReady() {
            for (int w = 0; w < n; w++) {
                if (state[w] == WorkerState.IDLE && core.readyForJob(w) && asyncJobAvailable()) {
                    wake(w);
                }
            }
        }

        /** When an update is due and none is being made, the server's CPU makes the next one. */
        private void applyWhenDue() {
            boolean flush = !sync && done && core.accumulated() > 0; // the last answers of the run
            if (applyScheduled || !(core.isDue(now) || flush)) {
                return;
            }
            applyScheduled = true;
            double done = serverWork(cost.serverUpdateSeconds());
            if (done == now) {
                applyNext();
            } else {
                schedule(done, Kind.APPLY, -1, null);
            }
        }

        /** APPLY: the server closes its next update and applies it; workers see it from now on. */
        private void applyNext() {
            applyScheduled = false;
            Update u = core.close();
            long staleness = 0;
            for (long st : windowStaleness) {
                staleness = Math.max(staleness, st);
            }
            windowStaleness.clear();
            apply(u, staleness);
            if (sync) {
                schedule(now, Kind.START, -1, null);
            } else {
                wakeReady(); // workers waiting for a fresh version get it now
                applyWhenDue();
            }
        }

        /** ASYNC: job {@code round} is done (answered, declined or lost); ends the epochs it completes, in order. */
        private void asyncJobDone(long round) {
            asyncJobsLeft[epochOfJob.remove(round)]--;
            while (epoch < epochsQueued && asyncJobsLeft[epoch] == 0) {
                endEpoch();
            }
            if (epoch == epochs && !done) {
                done = true;
                applyWhenDue(); // what the last answers decoded
            }
        }

        private void apply(Update u, long staleness) {
            // Evaluations due before this update see the parameters as they were at their time.
            while (metric != null && nextEval * evalInterval <= now && !stopped) {
                evaluate(nextEval * evalInterval);
                nextEval++;
            }
            if (stopped) {
                return;
            }
            core.apply(u);
            // Every update goes into the log that coded replicas replay, empty rounds included.
            if (logEntries + 1 >= logBytes.length) {
                logBytes = Arrays.copyOf(logBytes, logBytes.length * 2);
            }
            logBytes[logEntries + 1] = logBytes[logEntries] + WireSizes.entry(u);
            logEntries++;
            if (!u.applies()) {
                return;
            }
            records.add(new Record(now, core.version(), bytesUp, bytesDown, u.loss(), staleness));
            if (metric != null && evalUpdates > 0 && core.version() % evalUpdates == 0) {
                evaluate(now);
            }
        }

        private void evaluate(double time) {
            double value = metric.applyAsDouble(server);
            evaluations.add(new EvalPoint(time, core.version(), value));
            if (stopWhen != null && stopWhen.test(value)) {
                stopped = true;
            }
        }
    }

    /** Bytes of a network's ModelSerializer zip (what a welcome carries). */
    private static long snapshotBytes(Network net) {
        return net.snapshot().length;
    }
}

package io.github.dl4jcoded.cluster.grpc;

import io.github.dl4jcoded.data.ExampleSource;
import io.github.dl4jcoded.cluster.Job;
import io.github.dl4jcoded.cluster.LogEntry;
import io.github.dl4jcoded.cluster.PeerLog;
import io.github.dl4jcoded.training.RejectedMessageException;
import io.github.dl4jcoded.cluster.ReplicaDivergedException;
import io.github.dl4jcoded.cluster.SteadyTimer;
import io.github.dl4jcoded.cluster.Welcome;
import io.github.dl4jcoded.cluster.grpc.proto.ClusterGrpc;
import io.github.dl4jcoded.cluster.grpc.proto.Down;
import io.github.dl4jcoded.cluster.grpc.proto.Up;
import io.github.dl4jcoded.training.WorkerMessage;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;

/**
 * A worker on the wire: connects, says hello, becomes a replica of the server from the
 * {@link Welcome}, then takes its downlink in order (log entries are replayed, jobs answered with
 * a push) until {@code Finished}. A broken connection is retried with exponential backoff and
 * jitter, and the worker rejoins with a fresh welcome; it gives up when no session could be held
 * for {@code maxReconnect}. A checksum mismatch asks the server for a resync and skips everything
 * up to the next welcome.
 */
public final class GrpcClusterWorker implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(GrpcClusterWorker.class);
    private static final Object END = new Object();

    /**
     * What one worker did, both directions counted in protobuf bytes. {@code answerSeconds} is its
     * time per job answered (computing, encoding and handing the message to gRPC; {@code answerSdSeconds}
     * its standard deviation),
     * {@code replaySeconds} per log entry (parsing and replaying it), each the mean of the second
     * half of the run, after the JIT has warmed up: the worker's own work, which the simulator's
     * calibration prices.
     */
    public record Stats(long bytesUp, long bytesDown, long pushes, long jobsSkipped, long entriesReplayed,
                        long welcomes, long resyncRequests, long sessions, long lastSeq, double answerSeconds,
                        double answerSdSeconds, double replaySeconds) {
    }

    /** The worker stopped for good (the server refused it, or stayed unreachable too long). */
    public static final class WorkerFailedException extends RuntimeException {
        WorkerFailedException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final String name;
    private final ManagedChannel channel;
    private final SharedToken token;
    private final Function<Welcome, ReplicaDriver> replicas;
    private final Duration maxReconnect;
    private final Duration initialBackoff;
    private final Duration maxBackoff;
    private final Duration welcomeTimeout;
    private final LongAdder bytesUp = new LongAdder();
    private final LongAdder bytesDown = new LongAdder();
    private final LongAdder pushes = new LongAdder();
    private final LongAdder jobsSkipped = new LongAdder();
    private final LongAdder entriesReplayed = new LongAdder();
    private final SteadyTimer answerTimer = new SteadyTimer();
    private final SteadyTimer replayTimer = new SteadyTimer();
    private final LongAdder welcomes = new LongAdder();
    private final LongAdder resyncRequests = new LongAdder();
    private final LongAdder sessions = new LongAdder();
    private volatile boolean stopped;
    private volatile ClientCallStreamObserver<Up> current;
    private ReplicaDriver replica;

    private GrpcClusterWorker(Builder b) {
        this.name = b.name;
        this.token = Objects.requireNonNull(b.token, "a shared token is required, also for plaintext");
        this.replicas = Objects.requireNonNull(b.replicas, "replicas (ReplicaDriver.factory(data))");
        Objects.requireNonNull(b.security, "transport security (TLS, or plaintext by explicit choice)");
        this.maxReconnect = b.maxReconnect;
        this.initialBackoff = b.initialBackoff;
        this.maxBackoff = b.maxBackoff;
        this.welcomeTimeout = b.welcomeTimeout;
        if (b.security.plaintext() && !isLoopback(b.host)) {
            throw new IllegalArgumentException("plaintext is for loopback only; " + b.host + " needs TLS");
        }
        this.channel = Grpc.newChannelBuilderForAddress(b.host, b.port, b.security.channelCredentials())
                .maxInboundMessageSize(b.maxInboundBytes)
                .keepAliveTime(b.keepAlive.toMillis(), TimeUnit.MILLISECONDS)
                .keepAliveTimeout(b.keepAliveTimeout.toMillis(), TimeUnit.MILLISECONDS)
                .keepAliveWithoutCalls(true)
                .build();
    }

    private static boolean isLoopback(String host) {
        return host.equals("localhost") || host.startsWith("127.") || host.equals("::1") || host.equals("[::1]");
    }

    public static Builder builder(String host, int port) {
        return new Builder(host, port);
    }

    public Stats stats() {
        return new Stats(bytesUp.sum(), bytesDown.sum(), pushes.sum(), jobsSkipped.sum(), entriesReplayed.sum(),
                welcomes.sum(), resyncRequests.sum(), sessions.sum(), replica == null ? -1 : replica.seq(),
                answerTimer.steadyMeanSeconds(), answerTimer.steadySdSeconds(), replayTimer.steadyMeanSeconds());
    }

    /** The replica as it stands (null before the first welcome); only for the thread that ran {@link #run}. */
    public ReplicaDriver replica() {
        return replica;
    }

    /**
     * Works until the server says training is finished.
     *
     * @throws WorkerFailedException when the server refuses the token, or no session could be
     *                               held for {@code maxReconnect}
     */
    public Stats run() throws InterruptedException {
        long lastContact = System.nanoTime();
        long backoff = initialBackoff.toMillis();
        while (!stopped) {
            Outcome o = session();
            if (o.finished) {
                log.info("{}: training finished at log entry {}", name, replica == null ? -1 : replica.seq());
                return stats();
            }
            if (o.gotWelcome) {
                lastContact = System.nanoTime();
                backoff = initialBackoff.toMillis();
            }
            Status.Code code = o.status == null ? Status.Code.UNKNOWN : o.status.getCode();
            if (code == Status.Code.UNAUTHENTICATED || code == Status.Code.PERMISSION_DENIED) {
                throw new WorkerFailedException(name + ": the server refused this worker: " + describe(o.status), o.status.asException());
            }
            if (stopped) {
                break;
            }
            long waited = System.nanoTime() - lastContact;
            if (waited > maxReconnect.toNanos()) {
                throw new WorkerFailedException(name + ": no session with the server for " + maxReconnect.toSeconds()
                        + " s; last error " + describe(o.status), o.status == null ? null : o.status.asException());
            }
            long sleep = ThreadLocalRandom.current().nextLong(backoff / 2, backoff + 1);
            log.info("{}: session ended ({}); reconnecting in {} ms", name, describe(o.status), sleep);
            Thread.sleep(sleep);
            backoff = Math.min(maxBackoff.toMillis(), backoff * 2);
        }
        return stats();
    }

    /**
     * A status in one line: its code, the server's description (sanitized: a peer wrote it) and its
     * cause's own one-line message. {@code Status.toString()} prints the cause's whole stack trace,
     * about 15 lines per reconnect attempt.
     */
    static String describe(Status s) {
        if (s == null) return "no status";
        StringBuilder b = new StringBuilder(s.getCode().name());
        if (s.getDescription() != null) b.append(": ").append(PeerLog.sanitize(s.getDescription()));
        if (s.getCause() != null) b.append(" (").append(PeerLog.sanitize(s.getCause().toString())).append(')');
        return b.toString();
    }

    private record Outcome(boolean finished, boolean gotWelcome, Status status) {
    }

    /** One stream, from hello to its end. */
    private Outcome session() throws InterruptedException {
        BlockingQueue<Object> inbox = new LinkedBlockingQueue<>();
        ClientResponseObserver<Up, Down> observer = new ClientResponseObserver<>() {
            @Override
            public void beforeStart(ClientCallStreamObserver<Up> requests) {
                current = requests;
            }

            @Override
            public void onNext(Down value) {
                inbox.add(value);
            }

            @Override
            public void onError(Throwable t) {
                inbox.add(Status.fromThrowable(t));
            }

            @Override
            public void onCompleted() {
                inbox.add(END);
            }
        };
        sessions.increment();
        ClusterGrpc.ClusterStub stub = ClusterGrpc.newStub(channel).withCallCredentials(token.callCredentials());
        stub.session(observer);
        ClientCallStreamObserver<Up> requests = current;
        boolean gotWelcome = false;
        boolean awaitingWelcome = true;
        try {
            send(requests, ProtoMessages.hello(name));
            long welcomeDeadline = System.nanoTime() + welcomeTimeout.toNanos();
            while (true) {
                Object item = awaitingWelcome && !gotWelcome
                        ? inbox.poll(Math.max(1, welcomeDeadline - System.nanoTime()), TimeUnit.NANOSECONDS)
                        : inbox.poll(1, TimeUnit.SECONDS);
                if (stopped) {
                    requests.cancel("worker stopped", null);
                    return new Outcome(false, gotWelcome, Status.CANCELLED);
                }
                if (item == null) {
                    if (!gotWelcome && System.nanoTime() > welcomeDeadline) {
                        requests.cancel("no welcome within " + welcomeTimeout, null);
                        return new Outcome(false, false, Status.DEADLINE_EXCEEDED.withDescription("no welcome"));
                    }
                    continue;
                }
                if (item instanceof Status s) {
                    return new Outcome(false, gotWelcome, s);
                }
                if (item == END) {
                    return new Outcome(false, gotWelcome, Status.UNAVAILABLE.withDescription("server ended the stream"));
                }
                Down down = (Down) item;
                bytesDown.add(down.getSerializedSize());
                switch (down.getKindCase()) {
                    case WELCOME -> {
                        gotWelcome = true;
                        awaitingWelcome = !welcome(ProtoMessages.welcome(down.getWelcome()), requests);
                    }
                    case ENTRY -> {
                        long t0 = System.nanoTime();
                        if (!awaitingWelcome && !replay(down, requests)) {
                            awaitingWelcome = true;
                        }
                        replayTimer.add(System.nanoTime() - t0);
                    }
                    case JOB -> {
                        if (awaitingWelcome) {
                            jobsSkipped.increment();
                        } else {
                            long t0 = System.nanoTime();
                            answer(ProtoMessages.job(down.getJob()), requests);
                            answerTimer.add(System.nanoTime() - t0);
                        }
                    }
                    case FINISHED -> {
                        requests.onCompleted();
                        return new Outcome(true, gotWelcome, Status.OK);
                    }
                    default -> throw new RejectedMessageException(io.github.dl4jcoded.training.RejectReason.MALFORMED,
                            "downlink message of no known kind");
                }
            }
        } catch (WorkerFailedException e) {
            requests.cancel(e.getMessage(), e);
            throw e;
        } catch (RuntimeException e) {
            // A downlink this worker cannot use (or a replica failure): drop the session, rejoin afresh.
            log.warn("{}: {}; leaving the session to rejoin", name, e.toString(), e);
            requests.cancel("worker error: " + e, e);
            replica = null;
            return new Outcome(false, gotWelcome, Status.INTERNAL.withDescription(e.toString()));
        } finally {
            current = null;
        }
    }

    /** @return false when the network built from a seeded welcome is not the server's and a resync (with a snapshot) was asked for */
    private boolean welcome(Welcome w, ClientCallStreamObserver<Up> requests) {
        welcomes.increment();
        try {
            if (replica == null || replica.worker() != w.worker()) {
                replica = null; // a failed build leaves no replica of another slot behind
                replica = replicas.apply(w);
            } else {
                replica.reset(w);
            }
        } catch (ReplicaDivergedException e) {
            log.warn("{}: {}; asking for a resync", name, e.getMessage());
            resyncRequests.increment();
            send(requests, ProtoMessages.resyncRequest());
            return false;
        } catch (IllegalArgumentException e) {
            // Other data or a configuration this build cannot run: retrying cannot help.
            throw new WorkerFailedException(name + ": cannot become a replica of this server: " + e.getMessage(), e);
        }
        log.info("{}: worker {} at log entry {} (version {}{})", name, w.worker(), w.seq(), w.version(),
                w.seededNetwork() != null ? ", network built from its configuration's seed" : "");
        return true;
    }

    /** @return false when the replica diverged or missed entries and asked for a resync */
    private boolean replay(Down down, ClientCallStreamObserver<Up> requests) {
        LogEntry entry = ProtoMessages.entry(down.getEntry());
        if (entry.seq() <= replica.seq()) {
            return true; // already reflected in the welcome's snapshot
        }
        try {
            if (entry.seq() != replica.seq() + 1) {
                throw new ReplicaDivergedException("log entry " + entry.seq() + " follows " + replica.seq());
            }
            replica.replay(entry);
            entriesReplayed.increment();
            return true;
        } catch (ReplicaDivergedException e) {
            log.warn("{}: {}; asking for a resync", name, e.getMessage());
            resyncRequests.increment();
            send(requests, ProtoMessages.resyncRequest());
            return false;
        }
    }

    private void answer(Job job, ClientCallStreamObserver<Up> requests) {
        WorkerMessage m = replica.compute(job);
        if (m == null) {
            jobsSkipped.increment(); // too old to encode any more
            return;
        }
        send(requests, ProtoMessages.push(m));
        pushes.increment();
    }

    private void send(ClientCallStreamObserver<Up> requests, Up up) {
        requests.onNext(up);
        bytesUp.add(up.getSerializedSize());
    }

    /** Stops {@link #run} (from another thread) and closes the channel. */
    @Override
    public void close() {
        stopped = true;
        ClientCallStreamObserver<Up> c = current;
        if (c != null) {
            c.cancel("worker closed", null);
        }
        channel.shutdownNow();
        try {
            channel.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public static final class Builder {
        private final String host;
        private final int port;
        private String name = "worker";
        private TransportSecurity security;
        private SharedToken token;
        private Function<Welcome, ReplicaDriver> replicas;
        private int maxInboundBytes = 64 << 20;
        private Duration maxReconnect = Duration.ofMinutes(2);
        private Duration initialBackoff = Duration.ofMillis(200);
        private Duration maxBackoff = Duration.ofSeconds(5);
        private Duration welcomeTimeout = Duration.ofSeconds(60);
        private Duration keepAlive = Duration.ofSeconds(30);
        private Duration keepAliveTimeout = Duration.ofSeconds(10);

        private Builder(String host, int port) {
            this.host = Objects.requireNonNull(host, "host");
            this.port = port;
        }

        public Builder name(String v) { name = v; return this; }
        public Builder security(TransportSecurity v) { security = v; return this; }
        public Builder token(SharedToken v) { token = v; return this; }
        /** Real replicas over this worker's copy of the training data. */
        public Builder data(ExampleSource data) { replicas = ReplicaDriver.factory(data); return this; }
        /** Any replica (tests use fakes). */
        public Builder replicas(Function<Welcome, ReplicaDriver> v) { replicas = v; return this; }
        /** Largest downlink message: the welcome's snapshot must fit (LeNet with Adam: about 5 MB). */
        public Builder maxInboundBytes(int v) { maxInboundBytes = v; return this; }
        /** Gives up after this long without a session that reached its welcome. */
        public Builder maxReconnect(Duration v) { maxReconnect = v; return this; }
        public Builder backoff(Duration initial, Duration max) { initialBackoff = initial; maxBackoff = max; return this; }
        /** How long a new session may wait for its welcome before it is retried. */
        public Builder welcomeTimeout(Duration v) { welcomeTimeout = v; return this; }
        public Builder keepAlive(Duration time, Duration timeout) { keepAlive = time; keepAliveTimeout = timeout; return this; }

        public GrpcClusterWorker build() {
            return new GrpcClusterWorker(this);
        }
    }
}

package io.github.dl4jcoded.cluster.grpc;

import io.github.dl4jcoded.cluster.ClusterServer;
import io.github.dl4jcoded.cluster.Downlink;
import io.github.dl4jcoded.cluster.Finished;
import io.github.dl4jcoded.cluster.LogEntry;
import io.github.dl4jcoded.cluster.PeerLog;
import io.github.dl4jcoded.training.RejectReason;
import io.github.dl4jcoded.training.RejectedMessageException;
import io.github.dl4jcoded.cluster.Welcome;
import io.github.dl4jcoded.cluster.grpc.proto.ClusterGrpc;
import io.github.dl4jcoded.cluster.grpc.proto.Down;
import io.github.dl4jcoded.cluster.grpc.proto.Up;
import io.github.dl4jcoded.training.WorkerMessage;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The parameter server on the wire: one gRPC bidirectional stream per worker in front of a
 * {@link ClusterServer} (through {@link ClusterCore}). Every call must carry the shared token;
 * every uplink message is size-checked, parsed and validated here before the core sees it, and a
 * refused message is counted and logged while its stream stays open (a worker that keeps sending
 * garbage is disconnected). A stream that ends or breaks is a {@code leave}.
 */
public final class GrpcClusterServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(GrpcClusterServer.class);
    private static final long POLL_MILLIS = 100;

    /**
     * What the transport saw: protobuf bytes both ways ({@code bytesDown} includes
     * {@code welcomeBytes}, the snapshots sent to joining and resynced workers), sessions, calls
     * refused, messages refused before the core.
     */
    public record TransportStats(long bytesUp, long bytesDown, long welcomeBytes, long messagesUp, long messagesDown,
                                 long sessions, long refusedCalls, Map<RejectReason, Long> rejected) {
    }

    private final ClusterCore core;
    private final int maxMessageBytes;
    private final int maxRejectsPerSession;
    private final java.util.function.LongConsumer pushLatency;
    private final Server server;
    private final ExecutorService senders;
    /** Ends sessions that never say hello: an open stream costs a slot in {@code open} and a thread's attention. */
    private final java.util.concurrent.ScheduledExecutorService helloTimer;
    private final Duration helloTimeout;
    private final PeerLog helloTimeouts = new PeerLog();
    private final LongAdder bytesUp = new LongAdder();
    private final LongAdder bytesDown = new LongAdder();
    private final LongAdder welcomeBytes = new LongAdder();
    private final LongAdder messagesUp = new LongAdder();
    private final LongAdder messagesDown = new LongAdder();
    private final LongAdder sessions = new LongAdder();
    private final LongAdder refusedCalls = new LongAdder();
    private final Map<RejectReason, LongAdder> rejected = new ConcurrentHashMap<>();
    private final Map<Session, Boolean> open = new ConcurrentHashMap<>();
    /** Every worker gets the same log entries: each is converted once, not once per stream. */
    private final Object[][] entryCache = new Object[64][];

    private GrpcClusterServer(Builder b) throws IOException {
        this.core = Objects.requireNonNull(b.core, "core");
        Objects.requireNonNull(b.token, "a shared token is required, also for plaintext");
        Objects.requireNonNull(b.security, "transport security (TLS, or plaintext by explicit choice)");
        this.maxMessageBytes = b.maxMessageBytes > 0 ? b.maxMessageBytes : defaultMaxMessageBytes(core.numParams());
        this.maxRejectsPerSession = b.maxRejectsPerSession;
        this.pushLatency = b.pushLatency;
        this.helloTimeout = b.helloTimeout;
        this.helloTimer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "cluster-hello-timer");
            t.setDaemon(true);
            return t;
        });
        AtomicInteger threads = new AtomicInteger();
        this.senders = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "cluster-sender-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        MethodDescriptor<byte[], Down> method = ClusterGrpc.getSessionMethod()
                .toBuilder(RawBytes.INSTANCE, ProtoUtils.marshaller(Down.getDefaultInstance())).build();
        ServerServiceDefinition service = ServerServiceDefinition.builder(ClusterGrpc.SERVICE_NAME)
                .addMethod(method, ServerCalls.asyncBidiStreamingCall(
                        responses -> new Session((ServerCallStreamObserver<Down>) responses)))
                .build();
        TokenInterceptor auth = new TokenInterceptor(b.token, detail -> {
            refusedCalls.increment();
            count(RejectReason.UNAUTHENTICATED);
            core.countRejected(RejectReason.UNAUTHENTICATED, detail);
        });
        InetSocketAddress address;
        if (b.security.plaintext()) {
            address = new InetSocketAddress(InetAddress.getLoopbackAddress(), b.port);
        } else {
            address = b.host == null ? new InetSocketAddress(b.port) : new InetSocketAddress(b.host, b.port);
        }
        this.server = NettyServerBuilder.forAddress(address, b.security.serverCredentials())
                .addService(ServerInterceptors.intercept(service, auth))
                // gRPC's own cap sits above ours, so that a message between the two is refused
                // and counted while its stream lives on; beyond it gRPC ends the stream itself.
                .maxInboundMessageSize(hardLimit(maxMessageBytes))
                // Beyond that cap gRPC ends the stream before our code sees the message; its tracer
                // still learns why, so such a message is counted like any other oversized one.
                .addStreamTracerFactory(new io.grpc.ServerStreamTracer.Factory() {
                    @Override
                    public io.grpc.ServerStreamTracer newServerStreamTracer(String method, io.grpc.Metadata headers) {
                        return new io.grpc.ServerStreamTracer() {
                            @Override
                            public void streamClosed(Status status) {
                                // gRPC's own words for it ("... exceeds maximum size ..."); our own
                                // RESOURCE_EXHAUSTED (a full server) says otherwise and is not counted here.
                                if (status.getCode() == Status.Code.RESOURCE_EXHAUSTED && status.getDescription() != null
                                        && status.getDescription().contains("exceeds maximum")) {
                                    count(RejectReason.OVERSIZED);
                                    core.countRejected(RejectReason.OVERSIZED, "a message beyond gRPC's limit of "
                                            + hardLimit(maxMessageBytes) + " bytes; gRPC ended its stream");
                                }
                            }
                        };
                    }
                })
                .keepAliveTime(b.keepAlive.toMillis(), TimeUnit.MILLISECONDS)
                .keepAliveTimeout(b.keepAliveTimeout.toMillis(), TimeUnit.MILLISECONDS)
                .permitKeepAliveTime(Math.min(5_000, b.keepAlive.toMillis()), TimeUnit.MILLISECONDS)
                .permitKeepAliveWithoutCalls(true)
                .build()
                .start();
        log.info("cluster server listening on {} ({}), max message {} bytes", server.getListenSockets(), b.security, maxMessageBytes);
    }

    /** A dense float32 gradient with room to spare: the largest honest push. */
    public static int defaultMaxMessageBytes(int numParams) {
        return (int) Math.min(Integer.MAX_VALUE / 4, 4L * numParams + 64 * 1024);
    }

    static int hardLimit(int maxMessageBytes) {
        return (int) Math.min(Integer.MAX_VALUE, 2L * maxMessageBytes + (1 << 20));
    }

    public static Builder builder(ClusterCore core) {
        return new Builder(core);
    }

    public static Builder builder(ClusterServer core) {
        return new Builder(ClusterCore.of(core));
    }

    /** The port it listens on (useful with port 0). */
    public int port() {
        return address().getPort();
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) server.getListenSockets().get(0);
    }

    public int maxMessageBytes() {
        return maxMessageBytes;
    }

    public TransportStats stats() {
        Map<RejectReason, Long> r = new EnumMap<>(RejectReason.class);
        rejected.forEach((k, v) -> r.put(k, v.sum()));
        return new TransportStats(bytesUp.sum(), bytesDown.sum(), welcomeBytes.sum(), messagesUp.sum(), messagesDown.sum(), sessions.sum(),
                refusedCalls.sum(), r);
    }

    /** Workers connected now. */
    public int openSessions() {
        return open.size();
    }

    private Down entryProto(LogEntry e) {
        int i = (int) (e.seq() & (entryCache.length - 1));
        synchronized (entryCache) {
            Object[] hit = entryCache[i];
            if (hit != null && hit[0] == e) {
                return (Down) hit[1];
            }
        }
        Down d = ProtoMessages.toProto(e);
        synchronized (entryCache) {
            entryCache[i] = new Object[]{e, d};
        }
        return d;
    }

    private void count(RejectReason reason) {
        rejected.computeIfAbsent(reason, k -> new LongAdder()).increment();
    }

    /** Stops accepting calls, ends every session and waits a little for them to go. */
    @Override
    public void close() {
        server.shutdown();
        for (Session s : open.keySet()) {
            s.end(Status.UNAVAILABLE.withDescription("server shutting down"));
        }
        try {
            if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
                server.shutdownNow();
                server.awaitTermination(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            server.shutdownNow();
            Thread.currentThread().interrupt();
        } finally {
            senders.shutdownNow();
            helloTimer.shutdownNow();
        }
    }

    /** One worker's stream: requests arrive on gRPC's threads (serialized), the downlink is sent by its own thread. */
    private final class Session implements StreamObserver<byte[]> {
        private final ServerCallStreamObserver<Down> responses;
        private final Object sendLock = new Object();
        private volatile boolean closed;
        private volatile int worker = -1;
        private volatile Welcome joinWelcome;
        private int rejects;
        private final java.util.concurrent.ScheduledFuture<?> helloDeadline;

        Session(ServerCallStreamObserver<Down> responses) {
            this.responses = responses;
            responses.setOnCancelHandler(() -> end(null));
            responses.setOnReadyHandler(() -> {
                synchronized (sendLock) {
                    sendLock.notifyAll();
                }
            });
            open.put(this, Boolean.TRUE);
            sessions.increment();
            helloDeadline = helloTimer.schedule(() -> {
                if (worker < 0 && !closed) {
                    if (helloTimeouts.count()) {
                        log.warn("a session said no hello within {} ms; ending it ({} so far)", helloTimeout.toMillis(), helloTimeouts.events());
                    }
                    end(Status.DEADLINE_EXCEEDED.withDescription("no hello within " + helloTimeout.toMillis() + " ms"));
                }
            }, helloTimeout.toMillis(), TimeUnit.MILLISECONDS);
        }

        @Override
        public void onNext(byte[] bytes) {
            long received = System.nanoTime();
            bytesUp.add(bytes.length);
            messagesUp.increment();
            if (closed) {
                return;
            }
            try {
                Up up = ProtoMessages.parseUp(bytes, maxMessageBytes);
                switch (up.getKindCase()) {
                    case HELLO -> hello(up.getHello().getName());
                    case PUSH -> push(up, received);
                    case RESYNC -> {
                        requireJoined("resync request");
                        core.resync(worker);
                    }
                    default -> throw new RejectedMessageException(RejectReason.MALFORMED, "message of no known kind");
                }
            } catch (RejectedMessageException e) {
                refused(e, false);
            } catch (IllegalStateException e) {
                // The core no longer knows this worker (dropped for its backlog, or training over): it may rejoin.
                log.info("worker {}: {}; ending its session", worker, e.getMessage());
                end(Status.ABORTED.withDescription(e.getMessage()));
            }
        }

        /** @param name as the peer wrote it: the core sanitizes what it keeps, this method what it logs */
        private void hello(String name) {
            if (worker >= 0) {
                throw new RejectedMessageException(RejectReason.MALFORMED, "worker " + worker + " said hello twice");
            }
            Welcome welcome;
            try {
                welcome = core.join(name);
            } catch (IllegalStateException e) {
                if (core.isFinished()) {
                    send(new Finished(core.seq()));
                    end(null);
                    return;
                }
                log.info("refused worker '{}': {}", PeerLog.sanitize(name), e.getMessage());
                end(Status.RESOURCE_EXHAUSTED.withDescription("no free worker slot: " + e.getMessage()));
                return;
            }
            worker = welcome.worker();
            joinWelcome = welcome;
            log.info("worker {} ('{}') joined at log entry {}", worker, PeerLog.sanitize(name), welcome.seq());
            send(welcome);
            senders.execute(this::drain);
        }

        private void push(Up up, long received) {
            requireJoined("push");
            WorkerMessage message;
            try {
                message = ProtoMessages.fromProto(up.getPush(), worker, core.codec());
            } catch (RejectedMessageException e) {
                refused(e, false);
                return;
            }
            try {
                core.push(worker, message);
                if (pushLatency != null) {
                    pushLatency.accept(System.nanoTime() - received);
                }
            } catch (RejectedMessageException e) {
                refused(e, true); // the core counted it
            }
        }

        private void requireJoined(String what) {
            if (worker < 0) {
                throw new RejectedMessageException(RejectReason.MALFORMED, what + " before hello");
            }
        }

        private void refused(RejectedMessageException e, boolean countedByCore) {
            if (!countedByCore) {
                count(e.reason());
                core.countRejected(e.reason(), "worker " + worker + ": " + e.getMessage()); // logs it, thinned
            }
            rejects++;
            if (!countedByCore && rejects > maxRejectsPerSession) {
                log.warn("worker {}: {} refused messages; closing its stream", worker, rejects);
                end(Status.INVALID_ARGUMENT.withDescription("too many refused messages"));
            }
        }

        /** The sender: the core's downlink for this worker, in order, as fast as the stream takes it. */
        private void drain() {
            try {
                while (!closed) {
                    Downlink d = core.next(worker, POLL_MILLIS, TimeUnit.MILLISECONDS);
                    if (d == null) {
                        continue;
                    }
                    if (d == joinWelcome) {
                        joinWelcome = null; // already sent when the worker joined
                        continue;
                    }
                    joinWelcome = null;
                    send(d);
                    if (d instanceof Finished) {
                        end(null);
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                end(Status.UNAVAILABLE.withDescription("server shutting down"));
            } catch (IllegalStateException e) {
                log.info("worker {}: {}; ending its session", worker, e.getMessage());
                end(Status.ABORTED.withDescription(e.getMessage()));
            } catch (RuntimeException e) {
                log.error("worker {}: sending its downlink failed", worker, e);
                end(Status.INTERNAL.withDescription("server error: " + e));
            }
        }

        private void send(Downlink d) {
            Down msg = d instanceof LogEntry e ? entryProto(e) : ProtoMessages.toProto(d);
            synchronized (sendLock) {
                while (!closed && !responses.isReady()) {
                    try {
                        sendLock.wait(POLL_MILLIS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
                if (closed) {
                    return;
                }
                responses.onNext(msg);
            }
            bytesDown.add(msg.getSerializedSize());
            if (msg.hasWelcome()) {
                welcomeBytes.add(msg.getSerializedSize());
            }
            messagesDown.increment();
        }

        @Override
        public void onError(Throwable t) {
            log.info("worker {}: stream broke ({})", worker, Status.fromThrowable(t));
            end(null);
        }

        @Override
        public void onCompleted() {
            end(Status.OK);
        }

        /** Ends the session once: the worker leaves the core; {@code status} null when the call is already gone. */
        void end(Status status) {
            synchronized (sendLock) {
                if (closed) {
                    return;
                }
                closed = true;
                sendLock.notifyAll();
                if (status != null || !responses.isCancelled()) {
                    try {
                        if (status == null || status.isOk()) {
                            responses.onCompleted();
                        } else {
                            responses.onError(status.asRuntimeException());
                        }
                    } catch (IllegalStateException e) {
                        log.debug("worker {}: stream already closed", worker, e);
                    }
                }
            }
            open.remove(this);
            helloDeadline.cancel(false);
            int w = worker;
            if (w >= 0) {
                core.leave(w);
            }
        }
    }

    /** Uplink messages arrive as bytes so that a malformed one is refused and counted here, not by gRPC. */
    enum RawBytes implements MethodDescriptor.Marshaller<byte[]> {
        INSTANCE;

        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    public static final class Builder {
        private final ClusterCore core;
        private String host;
        private int port;
        private TransportSecurity security;
        private SharedToken token;
        private int maxMessageBytes;
        private int maxRejectsPerSession = 100;
        private Duration keepAlive = Duration.ofSeconds(30);
        private Duration keepAliveTimeout = Duration.ofSeconds(10);
        private java.util.function.LongConsumer pushLatency;
        private Duration helloTimeout = Duration.ofSeconds(30);

        private Builder(ClusterCore core) {
            this.core = core;
        }

        /** Interface to bind (TLS only; plaintext always binds loopback). Default: all. */
        public Builder host(String v) { host = v; return this; }
        /** 0 picks a free port. */
        public Builder port(int v) { port = v; return this; }
        public Builder security(TransportSecurity v) { security = v; return this; }
        public Builder token(SharedToken v) { token = v; return this; }
        /** Largest uplink message accepted; default {@link #defaultMaxMessageBytes}. */
        public Builder maxMessageBytes(int v) { maxMessageBytes = v; return this; }
        /** Refused messages after which a stream is closed. */
        public Builder maxRejectsPerSession(int v) { maxRejectsPerSession = v; return this; }
        public Builder keepAlive(Duration time, Duration timeout) { keepAlive = time; keepAliveTimeout = timeout; return this; }
        /**
         * Told, for every push the core accepted, the nanoseconds from its arrival (bytes off the
         * wire) to the core's return (decoded; applied too in ASYNC mode). Called on gRPC threads.
         */
        public Builder pushLatency(java.util.function.LongConsumer v) { pushLatency = v; return this; }
        /** A session that has not said hello this long after it opened is ended (default 30 s). */
        public Builder helloTimeout(Duration v) {
            if (v == null || v.isNegative() || v.isZero()) throw new IllegalArgumentException("hello timeout must be positive, got " + v);
            helloTimeout = v;
            return this;
        }

        public GrpcClusterServer start() throws IOException {
            return new GrpcClusterServer(this);
        }
    }
}

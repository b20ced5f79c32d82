package io.github.dl4jcoded.cluster.grpc;

import io.github.dl4jcoded.cluster.Downlink;
import io.github.dl4jcoded.training.RejectReason;
import io.github.dl4jcoded.training.RejectedMessageException;
import io.github.dl4jcoded.cluster.Welcome;
import io.github.dl4jcoded.training.GradientCodec;
import io.github.dl4jcoded.training.WorkerMessage;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** A ClusterCore that only records: the transport's view of the contract, scripted by the test. */
class FakeCore implements ClusterCore {
    final GradientCodec codec;
    final int numParams;
    final int slots;
    final Map<Integer, BlockingQueue<Downlink>> queues = new ConcurrentHashMap<>();
    final List<WorkerMessage> pushed = Collections.synchronizedList(new ArrayList<>());
    final List<Integer> left = Collections.synchronizedList(new ArrayList<>());
    final List<String> joined = Collections.synchronizedList(new ArrayList<>());
    final AtomicInteger resyncs = new AtomicInteger();
    private final Map<RejectReason, Long> rejected = new EnumMap<>(RejectReason.class);
    private final Set<String> answered = new HashSet<>();
    volatile boolean finished;
    volatile long seq;

    FakeCore(GradientCodec codec, int numParams, int slots) {
        this.codec = codec;
        this.numParams = numParams;
        this.slots = slots;
    }

    Welcome welcome(int worker) {
        return new Welcome(worker, "{}", new byte[]{1, 2, 3}, null, seq, seq, "fake-data");
    }

    @Override
    public synchronized Welcome join(String name) {
        if (finished) {
            throw new IllegalStateException("training is over");
        }
        for (int w = 0; w < slots; w++) {
            if (!queues.containsKey(w)) {
                queues.put(w, new LinkedBlockingQueue<>());
                joined.add(name);
                return welcome(w);
            }
        }
        throw new IllegalStateException("all " + slots + " slots taken");
    }

    @Override
    public Downlink next(int worker, long timeout, TimeUnit unit) throws InterruptedException {
        BlockingQueue<Downlink> q = queues.get(worker);
        if (q == null) {
            throw new IllegalStateException("worker " + worker + " is not joined");
        }
        return q.poll(timeout, unit);
    }

    /** Queues {@code d} for {@code worker} (waits until it joined). */
    void send(int worker, Downlink d) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!queues.containsKey(worker)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("worker " + worker + " never joined");
            }
            Thread.sleep(10);
        }
        queues.get(worker).add(d);
    }

    @Override
    public void push(int worker, WorkerMessage message) {
        if (message.worker() != worker) {
            throw new AssertionError("the transport must tag messages with the session's worker");
        }
        synchronized (this) {
            if (!Double.isFinite(message.loss())) { // one of the real core's checks, enough for transport tests
                countRejected(RejectReason.NON_FINITE, "worker " + worker + " loss " + message.loss());
                throw new RejectedMessageException(RejectReason.NON_FINITE, "loss " + message.loss());
            }
            if (!answered.add(worker + ":" + message.round())) {
                countRejected(RejectReason.REPLAY, "worker " + worker + " round " + message.round());
                throw new RejectedMessageException(RejectReason.REPLAY, "round " + message.round() + " answered already");
            }
        }
        pushed.add(message);
    }

    @Override
    public synchronized void countRejected(RejectReason reason, String detail) {
        rejected.merge(reason, 1L, Long::sum);
    }

    synchronized long rejected(RejectReason reason) {
        return rejected.getOrDefault(reason, 0L);
    }

    @Override
    public void resync(int worker) {
        resyncs.incrementAndGet();
        queues.get(worker).add(welcome(worker));
    }

    @Override
    public void leave(int worker) {
        if (queues.remove(worker) != null) {
            left.add(worker);
        }
    }

    @Override
    public boolean isFinished() {
        return finished;
    }

    @Override
    public long seq() {
        return seq;
    }

    @Override
    public GradientCodec codec() {
        return codec;
    }

    @Override
    public int numParams() {
        return numParams;
    }
}

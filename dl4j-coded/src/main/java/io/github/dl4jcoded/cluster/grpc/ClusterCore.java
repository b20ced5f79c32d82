package io.github.dl4jcoded.cluster.grpc;

import io.github.dl4jcoded.cluster.ClusterServer;
import io.github.dl4jcoded.cluster.Downlink;
import io.github.dl4jcoded.training.RejectReason;
import io.github.dl4jcoded.cluster.Welcome;
import io.github.dl4jcoded.training.GradientCodec;
import io.github.dl4jcoded.training.WorkerMessage;

import java.util.concurrent.TimeUnit;

/**
 * The part of {@link ClusterServer} the transport drives, as an interface so that the transport
 * can be tested against a fake; {@link #of} adapts the real server. Same contract as there.
 */
public interface ClusterCore {
    Welcome join(String name);

    Downlink next(int worker, long timeout, TimeUnit unit) throws InterruptedException;

    void push(int worker, WorkerMessage message);

    void countRejected(RejectReason reason, String detail);

    void resync(int worker);

    void leave(int worker);

    boolean isFinished();

    /** Last log entry so far (what a {@code Finished} sent to a late joiner names). */
    long seq();

    GradientCodec codec();

    /** Length of the flattened parameters (what a dense message must hold). */
    int numParams();

    static ClusterCore of(ClusterServer server) {
        int numParams = (int) server.network().numParams();
        return new ClusterCore() {
            @Override
            public Welcome join(String name) {
                return server.join(name);
            }

            @Override
            public Downlink next(int worker, long timeout, TimeUnit unit) throws InterruptedException {
                return server.next(worker, timeout, unit);
            }

            @Override
            public void push(int worker, WorkerMessage message) {
                server.push(worker, message);
            }

            @Override
            public void countRejected(RejectReason reason, String detail) {
                server.countRejected(reason, detail);
            }

            @Override
            public void resync(int worker) {
                server.resync(worker);
            }

            @Override
            public void leave(int worker) {
                server.leave(worker);
            }

            @Override
            public boolean isFinished() {
                return server.isFinished();
            }

            @Override
            public long seq() {
                return server.stats().seq();
            }

            @Override
            public GradientCodec codec() {
                return server.codec();
            }

            @Override
            public int numParams() {
                return numParams;
            }
        };
    }
}

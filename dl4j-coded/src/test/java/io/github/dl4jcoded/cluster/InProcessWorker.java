package io.github.dl4jcoded.cluster;

import io.github.dl4jcoded.data.ExampleSource;
import io.github.dl4jcoded.training.RejectedMessageException;
import io.github.dl4jcoded.training.WorkerMessage;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The smallest transport: a thread that drains a worker's downlink straight from the server
 * object and pushes straight into it, as a network transport does over the wire.
 */
final class InProcessWorker extends Thread {
    final ClusterServer server;
    final ExampleSource data;
    final String label;
    volatile WorkerReplica replica;
    volatile Throwable failure;
    volatile boolean finished;
    final AtomicLong resyncs = new AtomicLong();
    final AtomicLong pushed = new AtomicLong();
    final AtomicLong refused = new AtomicLong();

    InProcessWorker(ClusterServer server, ExampleSource data, String label) {
        super("test-worker-" + label);
        setDaemon(true);
        this.server = server;
        this.data = data;
        this.label = label;
    }

    @Override
    public void run() {
        try {
            WorkerReplica r = new WorkerReplica(server.join(label), data);
            replica = r;
            boolean awaitingWelcome = false;
            while (!isInterrupted()) {
                Downlink d = server.next(r.worker(), 50, TimeUnit.MILLISECONDS);
                if (d instanceof Welcome w) {
                    r.reset(w);
                    awaitingWelcome = false;
                } else if (d instanceof LogEntry e && !awaitingWelcome) {
                    try {
                        r.replay(e);
                    } catch (ReplicaDivergedException ex) {
                        resyncs.incrementAndGet();
                        awaitingWelcome = true;
                        server.resync(r.worker());
                    }
                } else if (d instanceof Job j && !awaitingWelcome) {
                    WorkerMessage m = r.compute(j);
                    if (m != null) {
                        try {
                            server.push(r.worker(), m);
                            pushed.incrementAndGet();
                        } catch (RejectedMessageException ex) {
                            refused.incrementAndGet();
                        }
                    }
                } else if (d instanceof Finished) {
                    finished = true;
                    return;
                }
            }
        } catch (InterruptedException e) {
            // stopped by the test: a crash
        } catch (Throwable t) {
            failure = t;
        }
    }

    /** Stops the thread and frees its slot, as a dropped connection would. */
    void crash() throws InterruptedException {
        interrupt();
        join(10_000);
        if (replica != null) {
            server.leave(replica.worker());
        }
    }
}

package io.github.dl4jcoded.cluster.grpc;

import io.github.dl4jcoded.data.ExampleSource;
import io.github.dl4jcoded.cluster.Job;
import io.github.dl4jcoded.cluster.LogEntry;
import io.github.dl4jcoded.cluster.Welcome;
import io.github.dl4jcoded.cluster.WorkerReplica;
import io.github.dl4jcoded.training.GradientCodec;
import io.github.dl4jcoded.training.WorkerMessage;

import java.util.function.Function;

/**
 * The part of {@link WorkerReplica} the worker transport drives, as an interface so that the
 * transport can be tested against a fake; {@link #factory} builds real replicas. Same contract.
 */
public interface ReplicaDriver {
    int worker();

    long seq();

    GradientCodec codec();

    /** Length of the flattened parameters. */
    int numParams();

    void reset(Welcome welcome);

    WorkerMessage compute(Job job);

    void replay(LogEntry entry);

    static ReplicaDriver of(WorkerReplica replica) {
        int numParams = (int) replica.network().numParams();
        return new ReplicaDriver() {
            @Override
            public int worker() {
                return replica.worker();
            }

            @Override
            public long seq() {
                return replica.seq();
            }

            @Override
            public GradientCodec codec() {
                return replica.codec();
            }

            @Override
            public int numParams() {
                return numParams;
            }

            @Override
            public void reset(Welcome welcome) {
                replica.reset(welcome);
            }

            @Override
            public WorkerMessage compute(Job job) {
                return replica.compute(job);
            }

            @Override
            public void replay(LogEntry entry) {
                replica.replay(entry);
            }
        };
    }

    /** Real replicas over the worker's copy of the training data. */
    static Function<Welcome, ReplicaDriver> factory(ExampleSource data) {
        return welcome -> of(new WorkerReplica(welcome, data));
    }
}

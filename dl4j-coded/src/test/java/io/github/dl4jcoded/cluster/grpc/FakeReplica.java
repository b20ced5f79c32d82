package io.github.dl4jcoded.cluster.grpc;

import io.github.dl4jcoded.cluster.Job;
import io.github.dl4jcoded.cluster.LogEntry;
import io.github.dl4jcoded.cluster.ReplicaDivergedException;
import io.github.dl4jcoded.cluster.Welcome;
import io.github.dl4jcoded.training.GradientCodec;
import io.github.dl4jcoded.training.WorkerMessage;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** A replica that computes real messages on a tiny network but applies nothing; checksum 666 means "diverged". */
final class FakeReplica implements ReplicaDriver {
    static final long BAD_CHECKSUM = 666;
    final MultiLayerNetwork net;
    final GradientCodec codec;
    final List<LogEntry> replayed = Collections.synchronizedList(new ArrayList<>());
    final List<Welcome> resets = Collections.synchronizedList(new ArrayList<>());
    private int worker;
    private long seq;

    FakeReplica(Welcome w, MultiLayerNetwork net, GradientCodec codec) {
        this.net = net;
        this.codec = codec;
        this.worker = w.worker();
        this.seq = w.seq();
    }

    @Override
    public int worker() {
        return worker;
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
        return (int) net.numParams();
    }

    @Override
    public void reset(Welcome welcome) {
        resets.add(welcome);
        worker = welcome.worker();
        seq = welcome.seq();
    }

    @Override
    public WorkerMessage compute(Job job) {
        return Fixtures.message(net, codec, worker, job.round());
    }

    @Override
    public void replay(LogEntry entry) {
        if (entry.checksum() == BAD_CHECKSUM) {
            throw new ReplicaDivergedException("checksum differs after entry " + entry.seq());
        }
        replayed.add(entry);
        seq = entry.seq();
    }
}

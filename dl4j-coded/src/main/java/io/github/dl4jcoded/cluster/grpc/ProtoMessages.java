package io.github.dl4jcoded.cluster.grpc;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.github.dl4jcoded.cluster.ClusterMessages;
import io.github.dl4jcoded.cluster.Downlink;
import io.github.dl4jcoded.cluster.Finished;
import io.github.dl4jcoded.cluster.Job;
import io.github.dl4jcoded.cluster.LogEntry;
import io.github.dl4jcoded.cluster.RejectReason;
import io.github.dl4jcoded.cluster.RejectedMessageException;
import io.github.dl4jcoded.cluster.Welcome;
import io.github.dl4jcoded.cluster.grpc.proto.Down;
import io.github.dl4jcoded.cluster.grpc.proto.Entry;
import io.github.dl4jcoded.cluster.grpc.proto.Push;
import io.github.dl4jcoded.cluster.grpc.proto.Up;
import io.github.dl4jcoded.decode.Codeword;
import io.github.dl4jcoded.training.CodedCodec;
import io.github.dl4jcoded.training.GradientCodec;
import io.github.dl4jcoded.training.WorkerMessage;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * Between the wire (the generated protobuf types) and the cluster core's types, with every
 * structural check a message can fail before the core sees it: parseable, within the size limit,
 * lengths that fit the codec, finite values. A failure is a {@link RejectedMessageException}
 * (MALFORMED, OVERSIZED, NON_FINITE, UNKNOWN_TASK) and produces nothing, so nothing of it can be
 * applied. What needs the server's state (round, staleness, replay, frame seed) is the core's to
 * check in {@code ClusterServer.push}.
 */
public final class ProtoMessages {
    private ProtoMessages() {
    }

    /**
     * What a well-formed message can hold for one codec: the code's task count, the longest
     * codeword (no codeword is longer than the largest block), and the dense gradient length.
     */
    public record Shape(GradientCodec codec, boolean coded, int numParams, int taskCount, int maxSymbols) {
        public static Shape of(GradientCodec codec, int numParams) {
            if (codec instanceof CodedCodec c) {
                return new Shape(codec, true, numParams, c.code().taskCount(), c.partition().maxBlockSize());
            }
            return new Shape(codec, false, numParams, 0, 0);
        }
    }

    // ---------------------------------------------------------------- uplink

    public static Up hello(String name) {
        return Up.newBuilder().setHello(io.github.dl4jcoded.cluster.grpc.proto.Hello.newBuilder().setName(name)).build();
    }

    public static Up resyncRequest() {
        return Up.newBuilder().setResync(io.github.dl4jcoded.cluster.grpc.proto.ResyncRequest.getDefaultInstance()).build();
    }

    public static Up push(WorkerMessage m) {
        return Up.newBuilder().setPush(toProto(m)).build();
    }

    /** A worker message as it travels: values as float32, code rows left out. */
    public static Push toProto(WorkerMessage m) {
        Push.Builder b = Push.newBuilder()
                .setRound(m.round()).setVersion(m.version()).setWorker(m.worker())
                .setExamples(m.examples()).setLoss((float) m.loss());
        for (Codeword cw : m.codewords()) {
            io.github.dl4jcoded.cluster.grpc.proto.Codeword.Builder c = io.github.dl4jcoded.cluster.grpc.proto.Codeword.newBuilder()
                    .setTask(cw.task()).setFrameTag(cw.frameTag());
            for (int t = 0; t < cw.length(); t++) {
                c.addSymbols((float) cw.symbol(t));
            }
            b.addCodewords(c);
        }
        if (m.dense() != null) {
            for (double v : m.dense()) {
                b.addDense((float) v);
            }
        }
        return b.build();
    }

    /**
     * Parses one uplink message off the wire.
     *
     * @throws RejectedMessageException OVERSIZED above {@code maxBytes}, MALFORMED when it does not
     *                                  parse or carries no known kind
     */
    public static Up parseUp(byte[] bytes, int maxBytes) {
        if (bytes == null) {
            throw new RejectedMessageException(RejectReason.MALFORMED, "no bytes");
        }
        if (bytes.length > maxBytes) {
            throw new RejectedMessageException(RejectReason.OVERSIZED, bytes.length + " bytes, limit " + maxBytes);
        }
        Up up;
        try {
            up = Up.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new RejectedMessageException(RejectReason.MALFORMED, "not a protobuf Up message: " + e.getMessage());
        }
        if (up.getKindCase() == Up.KindCase.KIND_NOT_SET) {
            throw new RejectedMessageException(RejectReason.MALFORMED, "message of no known kind");
        }
        return up;
    }

    /**
     * The worker message a push stands for, after every structural check.
     *
     * @param worker who sent it (uplink: the session's worker, never a field of the wire)
     */
    public static WorkerMessage fromProto(Push p, int worker, Shape shape) {
        if (p.getRound() < 0 || p.getVersion() < 0) {
            throw reject(RejectReason.MALFORMED, worker, "negative round " + p.getRound() + " or version " + p.getVersion());
        }
        if (p.getExamples() < 1) {
            throw reject(RejectReason.MALFORMED, worker, "claims " + p.getExamples() + " examples");
        }
        if (!Float.isFinite(p.getLoss())) {
            throw reject(RejectReason.NON_FINITE, worker, "loss " + p.getLoss());
        }
        if (shape.coded()) {
            return codedMessage(p, worker, shape);
        }
        if (p.getCodewordsCount() != 0) {
            throw reject(RejectReason.MALFORMED, worker, "codewords sent to a vanilla (dense) server");
        }
        if (p.getDenseCount() != shape.numParams()) {
            throw reject(RejectReason.MALFORMED, worker, "dense gradient of " + p.getDenseCount()
                    + " entries, expected " + shape.numParams());
        }
        double[] dense = new double[p.getDenseCount()];
        for (int i = 0; i < dense.length; i++) {
            float v = p.getDense(i);
            if (!Float.isFinite(v)) {
                throw reject(RejectReason.NON_FINITE, worker, "dense gradient entry " + i + " is " + v);
            }
            dense[i] = v;
        }
        return new WorkerMessage(p.getRound(), p.getVersion(), worker, p.getExamples(), p.getLoss(), List.of(), dense);
    }

    private static WorkerMessage codedMessage(Push p, int worker, Shape shape) {
        if (p.getDenseCount() != 0) {
            throw reject(RejectReason.MALFORMED, worker, "dense gradient sent to a coded server");
        }
        int n = p.getCodewordsCount();
        if (n < 1 || n > shape.taskCount()) {
            throw reject(RejectReason.MALFORMED, worker, n + " codewords; the code has " + shape.taskCount() + " tasks");
        }
        BitSet seen = new BitSet();
        List<Codeword> codewords = new ArrayList<>(n);
        for (io.github.dl4jcoded.cluster.grpc.proto.Codeword c : p.getCodewordsList()) {
            int task = c.getTask();
            if (task < 0 || task >= shape.taskCount()) {
                throw reject(RejectReason.UNKNOWN_TASK, worker, "task " + task + " is not in the code (" + shape.taskCount() + " tasks)");
            }
            if (seen.get(task)) {
                throw reject(RejectReason.MALFORMED, worker, "task " + task + " twice in one message");
            }
            seen.set(task);
            int len = c.getSymbolsCount();
            if (len < 1 || len > shape.maxSymbols()) {
                throw reject(RejectReason.MALFORMED, worker, "codeword for task " + task + " has " + len
                        + " symbols; at most " + shape.maxSymbols() + " fit");
            }
            double[] symbols = new double[len];
            for (int t = 0; t < len; t++) {
                float v = c.getSymbols(t);
                if (!Float.isFinite(v)) {
                    throw reject(RejectReason.NON_FINITE, worker, "symbol " + t + " of task " + task + " is " + v);
                }
                symbols[t] = v;
            }
            codewords.add(ClusterMessages.codeword(shape.codec(), p.getRound(), task, c.getFrameTag(), symbols));
        }
        return new WorkerMessage(p.getRound(), p.getVersion(), worker, p.getExamples(), p.getLoss(), codewords, null);
    }

    private static RejectedMessageException reject(RejectReason reason, int worker, String detail) {
        return new RejectedMessageException(reason, "worker " + worker + ": " + detail);
    }

    // ---------------------------------------------------------------- downlink

    public static Down toProto(Downlink d) {
        Down.Builder b = Down.newBuilder();
        if (d instanceof Welcome w) {
            io.github.dl4jcoded.cluster.grpc.proto.Welcome.Builder pw = io.github.dl4jcoded.cluster.grpc.proto.Welcome.newBuilder()
                    .setWorker(w.worker()).setConfigJson(w.configJson()).setSnapshot(ByteString.copyFrom(w.snapshot()))
                    .setSeq(w.seq()).setVersion(w.version()).setDataFingerprint(w.dataFingerprint());
            if (w.codecState() != null) {
                pw.setCodecState(ByteString.copyFrom(w.codecState()));
            }
            b.setWelcome(pw);
        } else if (d instanceof Job j) {
            io.github.dl4jcoded.cluster.grpc.proto.Job.Builder pj = io.github.dl4jcoded.cluster.grpc.proto.Job.newBuilder().setRound(j.round());
            for (int e : j.examples()) {
                pj.addExamples(e);
            }
            b.setJob(pj);
        } else if (d instanceof LogEntry e) {
            Entry.Builder pe = Entry.newBuilder().setSeq(e.seq()).setRound(e.round()).setScale(e.scale())
                    .setVersion(e.version()).setLoss(e.loss()).setExamples(e.examples()).setChecksum(e.checksum());
            for (WorkerMessage m : e.messages()) {
                pe.addMessages(toProto(m));
            }
            if (e.dense() != null) {
                pe.setHasDense(true);
                for (float v : e.dense()) {
                    pe.addDense(v);
                }
            }
            b.setEntry(pe);
        } else if (d instanceof Finished f) {
            b.setFinished(io.github.dl4jcoded.cluster.grpc.proto.Finished.newBuilder().setSeq(f.seq()));
        } else {
            throw new IllegalArgumentException("unknown downlink item " + d);
        }
        return b.build();
    }

    /** A welcome off the wire (needs no codec: the replica is built from it). */
    public static Welcome welcome(io.github.dl4jcoded.cluster.grpc.proto.Welcome w) {
        if (w.getWorker() < 0 || w.getSeq() < 0 || w.getVersion() < 0 || w.getSnapshot().isEmpty()) {
            throw new RejectedMessageException(RejectReason.MALFORMED, "welcome with worker " + w.getWorker()
                    + ", seq " + w.getSeq() + ", version " + w.getVersion() + ", " + w.getSnapshot().size() + " snapshot bytes");
        }
        return new Welcome(w.getWorker(), w.getConfigJson(), w.getSnapshot().toByteArray(),
                w.hasCodecState() ? w.getCodecState().toByteArray() : null, w.getSeq(), w.getVersion(), w.getDataFingerprint());
    }

    public static Job job(io.github.dl4jcoded.cluster.grpc.proto.Job j) {
        if (j.getRound() < 0 || j.getExamplesCount() == 0) {
            throw new RejectedMessageException(RejectReason.MALFORMED, "job for round " + j.getRound()
                    + " with " + j.getExamplesCount() + " examples");
        }
        int[] examples = new int[j.getExamplesCount()];
        for (int i = 0; i < examples.length; i++) {
            examples[i] = j.getExamples(i);
            if (examples[i] < 0) {
                throw new RejectedMessageException(RejectReason.MALFORMED, "job for round " + j.getRound() + " names example " + examples[i]);
            }
        }
        return new Job(j.getRound(), examples);
    }

    /** A log entry off the wire; its messages are rebuilt and checked as the server checked them. */
    public static LogEntry entry(Entry e, Shape shape) {
        if (e.getSeq() < 1 || e.getVersion() < 0 || !Double.isFinite(e.getScale()) || e.getExamples() < 0) {
            throw new RejectedMessageException(RejectReason.MALFORMED, "log entry seq " + e.getSeq() + ", version "
                    + e.getVersion() + ", scale " + e.getScale() + ", examples " + e.getExamples());
        }
        List<WorkerMessage> messages = new ArrayList<>(e.getMessagesCount());
        for (Push p : e.getMessagesList()) {
            messages.add(fromProto(p, p.getWorker(), shape));
        }
        float[] dense = null;
        if (e.getHasDense()) {
            if (e.getDenseCount() != shape.numParams()) {
                throw new RejectedMessageException(RejectReason.MALFORMED, "log entry " + e.getSeq() + " has a dense update of "
                        + e.getDenseCount() + " entries, expected " + shape.numParams());
            }
            dense = new float[e.getDenseCount()];
            for (int i = 0; i < dense.length; i++) {
                dense[i] = e.getDense(i);
                if (!Float.isFinite(dense[i])) {
                    throw new RejectedMessageException(RejectReason.NON_FINITE, "log entry " + e.getSeq() + " dense entry " + i);
                }
            }
        } else if (e.getDenseCount() != 0) {
            throw new RejectedMessageException(RejectReason.MALFORMED, "log entry " + e.getSeq() + " has dense values but no dense flag");
        }
        return new LogEntry(e.getSeq(), e.getRound(), e.getScale(), e.getVersion(), messages, dense, e.getLoss(),
                e.getExamples(), e.getChecksum());
    }

    public static Finished finished(io.github.dl4jcoded.cluster.grpc.proto.Finished f) {
        return new Finished(f.getSeq());
    }
}

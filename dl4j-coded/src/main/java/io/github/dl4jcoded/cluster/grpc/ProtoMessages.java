package io.github.dl4jcoded.cluster.grpc;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnsafeByteOperations;
import io.github.dl4jcoded.cluster.Downlink;
import io.github.dl4jcoded.cluster.Finished;
import io.github.dl4jcoded.cluster.Job;
import io.github.dl4jcoded.cluster.LogEntry;
import io.github.dl4jcoded.cluster.Welcome;
import io.github.dl4jcoded.cluster.grpc.proto.BlockSymbols;
import io.github.dl4jcoded.cluster.grpc.proto.Down;
import io.github.dl4jcoded.cluster.grpc.proto.Entry;
import io.github.dl4jcoded.cluster.grpc.proto.Push;
import io.github.dl4jcoded.cluster.grpc.proto.Up;
import io.github.dl4jcoded.decode.Codeword;
import io.github.dl4jcoded.decode.SymbolPrecision;
import io.github.dl4jcoded.training.DecodedGradient;
import io.github.dl4jcoded.training.GradientCodec;
import io.github.dl4jcoded.training.RejectReason;
import io.github.dl4jcoded.training.RejectedMessageException;
import io.github.dl4jcoded.training.SymbolGroup;
import io.github.dl4jcoded.training.WorkerMessage;
import io.github.dl4jcoded.training.server.Update;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Between the wire (the generated protobuf types) and the library's types: conversion only. What
 * the transport alone can judge is judged here (bytes over the size limit are OVERSIZED, bytes that
 * do not parse MALFORMED); everything a parsed message says is checked once, by the parameter-server
 * core (an uplink message in {@code ParameterServer.offer}, a log entry when a replica applies it),
 * so a field the wire gets wrong reaches the core as it came and is refused there, with its reason.
 */
public final class ProtoMessages {
    private ProtoMessages() {
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

    /** A worker message as it travels: values as float32, symbols in the message's precision, code rows left out. */
    public static Push toProto(WorkerMessage m) {
        Push.Builder b = Push.newBuilder()
                .setRound(m.round()).setVersion(m.version()).setWorker(m.worker())
                .setExamples(m.examples()).setLoss((float) m.loss());
        for (Codeword cw : m.codewords()) {
            io.github.dl4jcoded.cluster.grpc.proto.Codeword.Builder c = io.github.dl4jcoded.cluster.grpc.proto.Codeword.newBuilder()
                    .setTask(cw.task()).setFrameTag(cw.frameTag());
            b.addCodewords(withSymbols(c, m.precision(), cw.symbols()));
        }
        if (m.dense() != null) {
            b.setDense(float32(m.dense()));
        }
        if (m.runningStatistics() != null) {
            b.setRunningStatistics(float32(m.runningStatistics()));
        }
        return b.build();
    }

    /** {@code c} with {@code symbols} in the field of {@code precision}: half_symbols for bfloat16, symbols for float32. */
    public static io.github.dl4jcoded.cluster.grpc.proto.Codeword.Builder withSymbols(
            io.github.dl4jcoded.cluster.grpc.proto.Codeword.Builder c, SymbolPrecision precision, double[] symbols) {
        return precision == SymbolPrecision.BFLOAT16 ? c.setHalfSymbols(bfloat16(symbols)) : c.setSymbols(float32(symbols));
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
     * The worker message a push stands for: values widened from float32, codewords rebuilt with
     * their rows from {@code codec}'s code (never from the wire: a peer cannot choose the directions
     * the server decodes along). Nothing is checked here; the core checks everything.
     *
     * @param worker who sent it (uplink: the session's worker, never a field of the wire)
     */
    public static WorkerMessage fromProto(Push p, int worker, GradientCodec codec) {
        List<Codeword> codewords = new ArrayList<>(p.getCodewordsCount());
        SymbolPrecision precision = null;
        for (io.github.dl4jcoded.cluster.grpc.proto.Codeword c : p.getCodewordsList()) {
            boolean half = !c.getHalfSymbols().isEmpty();
            if (half && !c.getSymbols().isEmpty()) {
                throw new RejectedMessageException(RejectReason.MALFORMED, "a codeword with symbols in float32 and in bfloat16");
            }
            SymbolPrecision p1 = half ? SymbolPrecision.BFLOAT16 : SymbolPrecision.FLOAT32;
            if (precision != null && p1 != precision) {
                throw new RejectedMessageException(RejectReason.MALFORMED, "codewords in float32 and in bfloat16 in one message");
            }
            precision = p1;
            double[] symbols = half ? bfloat16Values(c.getHalfSymbols(), "codeword symbols") : values(c.getSymbols(), false, "codeword symbols");
            codewords.add(codec.codeword(p.getRound(), p.getVersion(), c.getTask(), c.getFrameTag(), symbols));
        }
        double[] dense = p.getDense().isEmpty() ? null : values(p.getDense(), false, "dense gradient");
        double[] running = p.getRunningStatistics().isEmpty() ? null
                : values(p.getRunningStatistics(), false, "running statistics");
        return new WorkerMessage(p.getRound(), p.getVersion(), worker, p.getExamples(), p.getLoss(), codewords, dense,
                precision == null ? SymbolPrecision.FLOAT32 : precision, running);
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
            if (w.seededNetwork() != null) {
                pw.setSeededNetwork(w.seededNetwork()).setChecksum(w.checksum());
            }
            b.setWelcome(pw);
        } else if (d instanceof Job j) {
            io.github.dl4jcoded.cluster.grpc.proto.Job.Builder pj = io.github.dl4jcoded.cluster.grpc.proto.Job.newBuilder().setRound(j.round());
            for (int e : j.examples()) {
                pj.addExamples(e);
            }
            b.setJob(pj);
        } else if (d instanceof LogEntry e) {
            Update u = e.update();
            Entry.Builder pe = Entry.newBuilder().setSeq(e.seq()).setRound(u.round()).setScale(u.scale())
                    .setVersion(u.version()).setLoss(u.loss()).setExamples(u.examples()).setChecksum(e.checksum())
                    .setReferenceVersionPlusOne(u.referenceVersion() + 1);
            DecodedGradient g = u.gradient();
            boolean wide = g.valueBytes() == 8;
            boolean half = g.valueBytes() == 2;
            pe.setWide(wide).setHalf(half);
            if (u.runningStatistics() != null) {
                if (wide) {
                    pe.setWideRunningStatistics(float64(u.runningStatistics()));
                } else {
                    pe.setRunningStatistics(float32(u.runningStatistics()));
                }
            }
            if (g.dense() != null) {
                pe.setHasDense(true);
                if (wide) {
                    pe.setWideDense(float64(g.dense()));
                } else {
                    pe.setDense(float32(g.dense()));
                }
            }
            for (SymbolGroup sg : g.groups()) {
                io.github.dl4jcoded.cluster.grpc.proto.SymbolGroup.Builder pg =
                        io.github.dl4jcoded.cluster.grpc.proto.SymbolGroup.newBuilder().setFrameStep(sg.frameStep());
                for (int i = 0; i < sg.blocks().length; i++) {
                    BlockSymbols.Builder pb = BlockSymbols.newBuilder().setBlock(sg.blocks()[i]);
                    if (wide) {
                        pb.setWideValues(float64(sg.symbols()[i]));
                    } else if (half) {
                        pb.setHalfValues(bfloat16(sg.symbols()[i]));
                    } else {
                        pb.setValues(float32(sg.symbols()[i]));
                    }
                    pg.addBlocks(pb);
                }
                pe.addGroups(pg);
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
        boolean seeded = w.hasSeededNetwork();
        if (w.getWorker() < 0 || w.getSeq() < 0 || w.getVersion() < 0 || w.getSnapshot().isEmpty() == !seeded
                || seeded && (w.getChecksum() == 0 || w.getSeededNetwork().isEmpty() || w.hasCodecState())) {
            throw new RejectedMessageException(RejectReason.MALFORMED, "welcome with worker " + w.getWorker()
                    + ", seq " + w.getSeq() + ", version " + w.getVersion() + ", " + w.getSnapshot().size() + " snapshot bytes"
                    + (seeded ? ", a seeded network of " + w.getSeededNetwork().length() + " characters, checksum " + w.getChecksum()
                    : ", no seeded network"));
        }
        return new Welcome(w.getWorker(), w.getConfigJson(), w.getSnapshot().toByteArray(),
                w.hasCodecState() ? w.getCodecState().toByteArray() : null, w.getSeq(), w.getVersion(), w.getDataFingerprint(),
                seeded ? w.getSeededNetwork() : null, seeded ? w.getChecksum() : 0);
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

    /** A log entry off the wire (the replica's core checks what it says when it applies it). */
    public static LogEntry entry(Entry e) {
        boolean wide = e.getWide();
        boolean half = e.getHalf();
        if (wide && half) {
            throw new RejectedMessageException(RejectReason.MALFORMED, "log entry " + e.getSeq() + " is both float64 and bfloat16");
        }
        int valueBytes = wide ? 8 : half ? 2 : 4;
        DecodedGradient g;
        if (e.getHasDense()) {
            if (half) {
                throw new RejectedMessageException(RejectReason.MALFORMED, "log entry " + e.getSeq() + " has a dense gradient in bfloat16");
            }
            if (e.getGroupsCount() != 0) {
                throw new RejectedMessageException(RejectReason.MALFORMED, "log entry " + e.getSeq() + " is dense and coded");
            }
            double[] dense = values(wide ? e.getWideDense() : e.getDense(), wide, "log entry " + e.getSeq() + "'s gradient");
            g = DecodedGradient.dense(dense, valueBytes);
        } else {
            List<SymbolGroup> groups = new ArrayList<>(e.getGroupsCount());
            for (io.github.dl4jcoded.cluster.grpc.proto.SymbolGroup pg : e.getGroupsList()) {
                int[] blocks = new int[pg.getBlocksCount()];
                double[][] symbols = new double[blocks.length][];
                for (int i = 0; i < blocks.length; i++) {
                    BlockSymbols pb = pg.getBlocks(i);
                    blocks[i] = pb.getBlock();
                    String what = "log entry " + e.getSeq() + "'s symbols";
                    symbols[i] = half ? bfloat16Values(pb.getHalfValues(), what) : values(wide ? pb.getWideValues() : pb.getValues(), wide, what);
                }
                groups.add(new SymbolGroup(pg.getFrameStep(), blocks, symbols));
            }
            g = groups.isEmpty() ? DecodedGradient.none() : DecodedGradient.coded(groups, valueBytes);
        }
        if (!e.getRunningStatistics().isEmpty() && !e.getWideRunningStatistics().isEmpty()) {
            throw new RejectedMessageException(RejectReason.MALFORMED, "log entry " + e.getSeq()
                    + " has running statistics in float32 and in float64");
        }
        String what = "log entry " + e.getSeq() + "'s running statistics";
        double[] running = !e.getWideRunningStatistics().isEmpty() ? values(e.getWideRunningStatistics(), true, what)
                : !e.getRunningStatistics().isEmpty() ? values(e.getRunningStatistics(), false, what) : null;
        return new LogEntry(e.getSeq(), new Update(e.getRound(), e.getVersion(), e.getScale(), e.getLoss(), e.getExamples(), g,
                e.getReferenceVersionPlusOne() - 1, running), e.getChecksum());
    }

    // ---------------------------------------------------------------- value arrays

    /** {@code v} as little-endian float32, the bytes of a packed repeated float. */
    public static ByteString float32(double[] v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        FloatBuffer f = b.asFloatBuffer();
        for (double x : v) {
            f.put((float) x);
        }
        return UnsafeByteOperations.unsafeWrap(b.array()); // b is ours alone and never written again
    }

    /** {@code v} as little-endian float64, the bytes of a packed repeated double. */
    public static ByteString float64(double[] v) {
        ByteBuffer b = ByteBuffer.allocate(8 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asDoubleBuffer().put(v);
        return UnsafeByteOperations.unsafeWrap(b.array());
    }

    /** {@code v} as little-endian bfloat16, each rounded to nearest (the values a BFLOAT16 run sends are already exact). */
    public static ByteString bfloat16(double[] v) {
        ByteBuffer b = ByteBuffer.allocate(2 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (double x : v) {
            b.putShort(SymbolPrecision.bfloat16Bits(x));
        }
        return UnsafeByteOperations.unsafeWrap(b.array());
    }

    /**
     * The bfloat16 values in {@code bytes}, widened to doubles.
     *
     * @throws RejectedMessageException MALFORMED when the bytes are not a whole number of values
     */
    public static double[] bfloat16Values(ByteString bytes, String what) {
        if (bytes.size() % 2 != 0) {
            throw new RejectedMessageException(RejectReason.MALFORMED, what + ": " + bytes.size()
                    + " bytes is not a whole number of 2-byte values");
        }
        ByteBuffer b = bytes.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        double[] out = new double[bytes.size() / 2];
        for (int i = 0; i < out.length; i++) {
            out[i] = SymbolPrecision.fromBfloat16Bits(b.getShort(2 * i));
        }
        return out;
    }

    /**
     * The values in {@code bytes} (float32, or float64 when {@code wide}), widened to doubles.
     *
     * @throws RejectedMessageException MALFORMED when the bytes are not a whole number of values
     */
    public static double[] values(ByteString bytes, boolean wide, String what) {
        int width = wide ? 8 : 4;
        if (bytes.size() % width != 0) {
            throw new RejectedMessageException(RejectReason.MALFORMED, what + ": " + bytes.size()
                    + " bytes is not a whole number of " + width + "-byte values");
        }
        ByteBuffer b = bytes.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        double[] out = new double[bytes.size() / width];
        if (wide) {
            b.asDoubleBuffer().get(out);
        } else {
            FloatBuffer f = b.asFloatBuffer();
            for (int i = 0; i < out.length; i++) {
                out[i] = f.get(i);
            }
        }
        return out;
    }

    public static Finished finished(io.github.dl4jcoded.cluster.grpc.proto.Finished f) {
        return new Finished(f.getSeq());
    }
}

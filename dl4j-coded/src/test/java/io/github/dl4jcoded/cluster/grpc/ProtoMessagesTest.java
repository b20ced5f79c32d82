package io.github.dl4jcoded.cluster.grpc;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.WireFormat;
import io.github.dl4jcoded.cluster.Finished;
import io.github.dl4jcoded.cluster.Job;
import io.github.dl4jcoded.cluster.LogEntry;
import io.github.dl4jcoded.training.RejectReason;
import io.github.dl4jcoded.training.RejectedMessageException;
import io.github.dl4jcoded.cluster.Welcome;
import io.github.dl4jcoded.cluster.grpc.proto.Codeword;
import io.github.dl4jcoded.cluster.grpc.proto.Down;
import io.github.dl4jcoded.cluster.grpc.proto.Push;
import io.github.dl4jcoded.cluster.grpc.proto.Up;
import io.github.dl4jcoded.decode.SymbolPrecision;
import io.github.dl4jcoded.training.CodedTrainingConfig;
import io.github.dl4jcoded.training.DecodedGradient;
import io.github.dl4jcoded.training.GradientCodec;
import io.github.dl4jcoded.training.SymbolGroup;
import io.github.dl4jcoded.training.WorkerMessage;
import io.github.dl4jcoded.training.server.ParameterServer;
import io.github.dl4jcoded.training.server.Update;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProtoMessagesTest {
    private final MultiLayerNetwork net = Fixtures.net();
    private final GradientCodec coded = Fixtures.codec(net, Fixtures.CODED);
    private final GradientCodec dense = Fixtures.codec(net, Fixtures.VANILLA);

    private static void assertRejected(RejectReason reason, Executable e) {
        RejectedMessageException x = assertThrows(RejectedMessageException.class, e);
        assertEquals(reason, x.reason(), x.getMessage());
    }

    @Test
    void aCodedMessageCrossesTheWireAsFloat32WithItsRowFromTheServersCode() {
        WorkerMessage m = Fixtures.message(net, coded, 1, 3);
        Up up = ProtoMessages.parseUp(ProtoMessages.push(m).toByteArray(), 1 << 20);
        WorkerMessage back = ProtoMessages.fromProto(up.getPush(), 1, coded);
        assertNull(back.runningStatistics(), "no batch normalization, nothing beside the codewords");
        WorkerMessage withRunning = new WorkerMessage(m.round(), m.version(), m.worker(), m.examples(), m.loss(), m.codewords(),
                null, m.precision(), new double[]{0.5, -0.125});
        Push pr = ProtoMessages.toProto(withRunning);
        assertArrayEquals(new double[]{0.5, -0.125}, ProtoMessages.fromProto(pr, 1, coded).runningStatistics());
        assertEquals(withRunning.wireBytes() - m.wireBytes(), pr.getRunningStatistics().size(), "float32 each, counted");
        assertEquals(m.round(), back.round());
        assertEquals(m.version(), back.version());
        assertEquals(1, back.worker());
        assertEquals(m.examples(), back.examples());
        assertEquals((float) m.loss(), back.loss());
        assertEquals(m.codewords().size(), back.codewords().size());
        for (int i = 0; i < m.codewords().size(); i++) {
            io.github.dl4jcoded.decode.Codeword a = m.codewords().get(i);
            io.github.dl4jcoded.decode.Codeword b = back.codewords().get(i);
            assertEquals(a.task(), b.task());
            assertEquals(a.frameTag(), b.frameTag());
            assertEquals(a.step(), b.step());
            assertArrayEquals(a.blocks(), b.blocks());
            assertArrayEquals(a.coefficients(), b.coefficients());
            double[] expected = a.symbols();
            for (int t = 0; t < expected.length; t++) {
                expected[t] = (float) expected[t];
            }
            assertArrayEquals(expected, b.symbols());
        }
        assertNull(back.dense());
        // the wire's size is close to the core's own estimate of a float32 message
        assertEquals(m.wireBytes(), ProtoMessages.toProto(m).getSerializedSize(), 0.25 * m.wireBytes());
    }

    @Test
    void bfloat16SymbolsCrossTheWireExactlyInHalfTheBytesAndAreRefusedByAFloat32Run() {
        CodedTrainingConfig lossy = CodedTrainingConfig.builder().workers(2).frame(CodedTrainingConfig.FrameKind.COUNT_SKETCH)
                .compression(2).build();
        assertEquals(SymbolPrecision.BFLOAT16, lossy.symbolPrecision(), "lossy frames send bfloat16 by default");
        GradientCodec half = Fixtures.codec(net, lossy);
        WorkerMessage m = Fixtures.message(net, half, 1, 3);
        assertEquals(SymbolPrecision.BFLOAT16, m.precision());
        Push p = ProtoMessages.toProto(m).toBuilder().setVersion(0).build(); // job 3, computed against version 0
        assertTrue(p.getCodewords(0).getSymbols().isEmpty(), "no float32 symbols");
        WorkerMessage back = ProtoMessages.fromProto(parseUp(p).getPush(), 1, half);
        assertEquals(SymbolPrecision.BFLOAT16, back.precision());
        for (int i = 0; i < m.codewords().size(); i++) {
            assertArrayEquals(m.codewords().get(i).symbols(), back.codewords().get(i).symbols(), "made in bfloat16: carried exactly");
        }
        WorkerMessage wide = new WorkerMessage(m.round(), m.version(), m.worker(), m.examples(), m.loss(), m.codewords(), null,
                SymbolPrecision.FLOAT32);
        long symbols = m.codewords().stream().mapToLong(io.github.dl4jcoded.decode.Codeword::length).sum();
        assertEquals(2 * symbols, wide.wireBytes() - m.wireBytes(), "two bytes a symbol instead of four");
        assertEquals(m.wireBytes(), p.getSerializedSize(), 0.25 * m.wireBytes());
        // a run refuses symbols in the other precision, and a message that mixes the two
        Push asFloat32 = ProtoMessages.toProto(wide).toBuilder().setVersion(0).build();
        for (boolean inFloat32 : new boolean[]{true, false}) {
            ParameterServer core = ParameterServer.forNetwork(net, lossy);
            core.openRound(3, new int[]{1}, new int[]{8}, Double.POSITIVE_INFINITY);
            WorkerMessage offered = inFloat32 ? ProtoMessages.fromProto(asFloat32, 1, core.codec()) : back;
            assertEquals(inFloat32 ? RejectReason.MALFORMED : null, core.offer(1, offered).reason(), "in float32: " + inFloat32);
        }
        Push mixed = p.toBuilder().setCodewords(0, asFloat32.getCodewords(0)).build();
        if (p.getCodewordsCount() > 1) {
            assertRejected(RejectReason.MALFORMED, () -> ProtoMessages.fromProto(mixed, 1, half));
        }
        Push both = p.toBuilder().setCodewords(0, p.getCodewords(0).toBuilder().setSymbols(asFloat32.getCodewords(0).getSymbols())).build();
        assertRejected(RejectReason.MALFORMED, () -> ProtoMessages.fromProto(both, 1, half));
        Push torn = p.toBuilder().setCodewords(0, p.getCodewords(0).toBuilder()
                .setHalfSymbols(p.getCodewords(0).getHalfSymbols().substring(1))).build();
        assertRejected(RejectReason.MALFORMED, () -> ProtoMessages.fromProto(torn, 1, half));
    }

    private static Up parseUp(Push p) {
        return ProtoMessages.parseUp(Up.newBuilder().setPush(p).build().toByteArray(), 1 << 20);
    }

    @Test
    void theSendersIdentityComesFromTheSessionNotFromTheWire() {
        Push p = ProtoMessages.toProto(Fixtures.message(net, coded, 1, 0)).toBuilder().setWorker(0).build();
        assertEquals(1, ProtoMessages.fromProto(p, 1, coded).worker());
    }

    @Test
    void aDenseMessageCrossesTheWire() {
        WorkerMessage m = Fixtures.message(net, dense, 0, 2);
        WorkerMessage back = ProtoMessages.fromProto(ProtoMessages.toProto(m), 0, dense);
        assertEquals(m.dense().length, back.dense().length);
        for (int i = 0; i < m.dense().length; i++) {
            assertEquals((float) m.dense()[i], back.dense()[i]);
        }
        assertEquals(List.of(), back.codewords());
    }

    @Test
    void valuesTravelAsTheBytesOfAPackedRepeatedFloat() throws java.io.IOException {
        double[] v = {1.5, -2.25, 0x1p-22, 0}; // exact in float32
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        CodedOutputStream c = CodedOutputStream.newInstance(out);
        c.writeTag(Push.DENSE_FIELD_NUMBER, WireFormat.WIRETYPE_LENGTH_DELIMITED);
        c.writeUInt32NoTag(4 * v.length);
        for (double x : v) {
            c.writeFloatNoTag((float) x);
        }
        c.flush();
        assertArrayEquals(out.toByteArray(), Push.newBuilder().setDense(ProtoMessages.float32(v)).build().toByteArray());
        assertArrayEquals(v, ProtoMessages.values(ProtoMessages.float64(v), true, "v"));
        assertArrayEquals(v, ProtoMessages.values(ProtoMessages.float32(v), false, "v"));
    }

    /** {@code values} (float32) with value {@code i} replaced by {@code x}. */
    private static ByteString withValue(ByteString values, int i, float x) {
        double[] v = ProtoMessages.values(values, false, "test");
        v[i] = x;
        return ProtoMessages.float32(v);
    }

    private static ByteString f32(float... v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            d[i] = v[i];
        }
        return ProtoMessages.float32(d);
    }

    @Test
    void garbageAndEmptyMessagesAreMalformed() {
        assertRejected(RejectReason.MALFORMED, () -> ProtoMessages.parseUp(new byte[]{(byte) 0xff, 0x7f, 0x01}, 100));
        assertRejected(RejectReason.MALFORMED, () -> ProtoMessages.parseUp(new byte[0], 100));
        assertRejected(RejectReason.MALFORMED, () -> ProtoMessages.parseUp(null, 100));
    }

    @Test
    void aMessageAboveTheLimitIsOversizedAndNotParsed() {
        byte[] bytes = ProtoMessages.push(Fixtures.message(net, dense, 0, 0)).toByteArray();
        assertRejected(RejectReason.OVERSIZED, () -> ProtoMessages.parseUp(bytes, bytes.length - 1));
        ProtoMessages.parseUp(bytes, bytes.length);
    }

    /**
     * What a parameter-server core says of a push that arrives as {@code p} from worker 0, who holds
     * job 1 of 8 examples: the wire converts, the core alone judges.
     */
    private ParameterServer.Verdict offered(Push p, CodedTrainingConfig config) {
        ParameterServer core = ParameterServer.forNetwork(net, config);
        core.openRound(1, new int[]{0}, new int[]{8}, Double.POSITIVE_INFINITY);
        ParameterServer.Verdict v = core.offer(0, ProtoMessages.fromProto(p, 0, core.codec()));
        assertEquals(0, core.version(), "a message alone never applies anything");
        return v;
    }

    private void assertRefused(RejectReason reason, Push p, CodedTrainingConfig config) {
        ParameterServer.Verdict v = offered(p, config);
        assertEquals(reason, v.reason(), String.valueOf(v.detail()));
    }

    /** A real message for job 1, computed against version 0, as the wire carries it. */
    private Push good(GradientCodec codec) {
        return ProtoMessages.toProto(Fixtures.message(net, codec, 0, 1)).toBuilder().setVersion(0).build();
    }

    @Test
    void eachFlawOnTheWireReachesTheCoreAndIsRefusedThereWithItsReason() {
        Push good = good(coded);
        Codeword cw0 = good.getCodewords(0);
        assertEquals(null, offered(good, Fixtures.CODED).reason(), "the good message is accepted");
        assertRefused(RejectReason.MALFORMED, good.toBuilder().setExamples(0).build(), Fixtures.CODED);
        assertRefused(RejectReason.UNKNOWN_ROUND, good.toBuilder().setRound(-1).build(), Fixtures.CODED);
        assertRefused(RejectReason.MALFORMED, good.toBuilder().setVersion(-5).build(), Fixtures.CODED);
        assertRefused(RejectReason.MALFORMED, good.toBuilder().setVersion(3).build(), Fixtures.CODED);
        assertRefused(RejectReason.MALFORMED, good.toBuilder().clearCodewords().build(), Fixtures.CODED);
        assertRefused(RejectReason.MALFORMED, good.toBuilder().setDense(f32(1f)).build(), Fixtures.CODED);
        assertRefused(RejectReason.MALFORMED, good.toBuilder().addCodewords(cw0).build(), Fixtures.CODED);
        assertRefused(RejectReason.MALFORMED, good.toBuilder().setCodewords(0, cw0.toBuilder().clearSymbols()).build(), Fixtures.CODED);
        assertRefused(RejectReason.MALFORMED, good.toBuilder().setCodewords(0, cw0.toBuilder().setSymbols(cw0.getSymbols().concat(f32(0.5f)))).build(), Fixtures.CODED);
        int tasks = ((io.github.dl4jcoded.training.CodedCodec) coded).code().taskCount();
        assertRefused(RejectReason.UNKNOWN_TASK, good.toBuilder().setCodewords(0, cw0.toBuilder().setTask(tasks)).build(), Fixtures.CODED);
        assertRefused(RejectReason.UNKNOWN_TASK, good.toBuilder().setCodewords(0, cw0.toBuilder().setTask(-1)).build(), Fixtures.CODED);
        assertRefused(RejectReason.UNKNOWN_TASK, good.toBuilder().setCodewords(0, cw0.toBuilder().setTask(tasks / 2)).build(), Fixtures.CODED); // worker 1's
        assertRefused(RejectReason.WRONG_FRAME, good.toBuilder().setCodewords(0, cw0.toBuilder().setFrameTag(cw0.getFrameTag() + 1)).build(),
                Fixtures.CODED);
        // dense messages: exact length, and nothing coded
        Push goodDense = good(dense);
        assertEquals(null, offered(goodDense, Fixtures.VANILLA).reason(), "the good dense message is accepted");
        assertRefused(RejectReason.MALFORMED, goodDense.toBuilder().setDense(goodDense.getDense().concat(f32(0f))).build(), Fixtures.VANILLA);
        assertRefused(RejectReason.MALFORMED, goodDense.toBuilder().clearDense().build(), Fixtures.VANILLA);
        // values that are not a whole number of float32s are refused by the transport, before the core
        Push torn = goodDense.toBuilder().setDense(goodDense.getDense().concat(ByteString.copyFrom(new byte[]{1}))).build();
        assertRejected(RejectReason.MALFORMED, () -> ProtoMessages.fromProto(torn, 0, dense));
        Push tornSymbols = good.toBuilder().setCodewords(0, cw0.toBuilder().setSymbols(cw0.getSymbols().substring(1))).build();
        assertRejected(RejectReason.MALFORMED, () -> ProtoMessages.fromProto(tornSymbols, 0, coded));
        assertRefused(RejectReason.MALFORMED, good, Fixtures.VANILLA);
    }

    @Test
    void nanAndInfinityAreNonFiniteWhereverTheyHide() {
        Push good = good(coded);
        Codeword cw0 = good.getCodewords(0);
        assertRefused(RejectReason.NON_FINITE, good.toBuilder().setLoss(Float.NaN).build(), Fixtures.CODED);
        assertRefused(RejectReason.NON_FINITE, good.toBuilder()
                .setCodewords(0, cw0.toBuilder().setSymbols(withValue(cw0.getSymbols(), 0, Float.POSITIVE_INFINITY))).build(), Fixtures.CODED);
        assertRefused(RejectReason.NON_FINITE, good.toBuilder()
                .setCodewords(0, cw0.toBuilder().setSymbols(withValue(cw0.getSymbols(), cw0.getSymbols().size() / 4 - 1, Float.NaN))).build(), Fixtures.CODED);
        Push goodDense = good(dense);
        assertRefused(RejectReason.NON_FINITE, goodDense.toBuilder().setDense(withValue(goodDense.getDense(), 3, Float.NaN)).build(), Fixtures.VANILLA);
    }

    @Test
    void downlinkItemsCrossTheWire() {
        Welcome w = new Welcome(2, "{\"a\":1}", new byte[]{9, 8, 7}, new byte[]{1}, 5, 4, "data-1");
        Welcome w2 = ProtoMessages.welcome(ProtoMessages.toProto(w).getWelcome());
        assertEquals(w.worker(), w2.worker());
        assertEquals(w.configJson(), w2.configJson());
        assertArrayEquals(w.snapshot(), w2.snapshot());
        assertArrayEquals(w.codecState(), w2.codecState());
        assertEquals(w.seq(), w2.seq());
        assertEquals(w.version(), w2.version());
        assertEquals(w.dataFingerprint(), w2.dataFingerprint());
        Welcome noState = new Welcome(0, "{}", new byte[]{1}, null, 0, 0, "d");
        assertNull(ProtoMessages.welcome(ProtoMessages.toProto(noState).getWelcome()).codecState());
        assertNull(ProtoMessages.welcome(ProtoMessages.toProto(noState).getWelcome()).seededNetwork());
        Welcome seeded = new Welcome(1, "{}", null, null, 0, 0, "d", "{\"seed\":7}", 42);
        Welcome seeded2 = ProtoMessages.welcome(ProtoMessages.toProto(seeded).getWelcome());
        assertEquals("{\"seed\":7}", seeded2.seededNetwork());
        assertEquals(42, seeded2.checksum());
        assertEquals(0, seeded2.snapshot().length);
        // Both a snapshot and a seeded network, or neither, or a seeded network without its checksum or with codec state: malformed.
        io.github.dl4jcoded.cluster.grpc.proto.Welcome pw = ProtoMessages.toProto(seeded).getWelcome();
        for (io.github.dl4jcoded.cluster.grpc.proto.Welcome bad : List.of(
                pw.toBuilder().setSnapshot(com.google.protobuf.ByteString.copyFrom(new byte[]{1})).build(),
                pw.toBuilder().clearSeededNetwork().build(),
                pw.toBuilder().setChecksum(0).build(),
                pw.toBuilder().setCodecState(com.google.protobuf.ByteString.copyFrom(new byte[]{1})).build())) {
            assertEquals(RejectReason.MALFORMED, assertThrows(RejectedMessageException.class, () -> ProtoMessages.welcome(bad)).reason());
        }

        Job j = ProtoMessages.job(ProtoMessages.toProto(new Job(7, new int[]{3, 1, 4})).getJob());
        assertEquals(7, j.round());
        assertArrayEquals(new int[]{3, 1, 4}, j.examples());

        SymbolGroup g0 = new SymbolGroup(3, new int[]{0, 3}, new double[][]{{0.25, -1.5, 3}, {7}});
        SymbolGroup g1 = new SymbolGroup(2, new int[]{1}, new double[][]{{-0.125}});
        LogEntry e = new LogEntry(9, new Update(3, 8, 0.5, 0.25, 16, DecodedGradient.coded(List.of(g0, g1), 4)), 0xfedcba9876543210L);
        LogEntry wide = new LogEntry(9, new Update(3, 8, 0.5, 0.25, 16, DecodedGradient.coded(List.of(
                new SymbolGroup(3, new int[]{0}, new double[][]{{0.1, Math.PI}})), 8)), 0);
        assertEquals(wide, ProtoMessages.entry(parse(ProtoMessages.toProto(wide)).getEntry()), "double networks' values travel whole");
        LogEntry half = new LogEntry(9, new Update(3, 8, 0.5, 0.25, 16, DecodedGradient.coded(List.of(
                new SymbolGroup(3, new int[]{0, 2}, new double[][]{{0.25, -1.5, 3.015625}, {-0.0078125}})), 2)), 0);
        Down halfDown = ProtoMessages.toProto(half);
        assertEquals(half, ProtoMessages.entry(parse(halfDown).getEntry()), "bfloat16 symbols travel exactly");
        assertEquals(6, halfDown.getEntry().getGroups(0).getBlocks(0).getHalfValues().size(), "3 values of 2 bytes");
        assertEquals(half.wireBytes(), halfDown.getSerializedSize(), 0.5 * half.wireBytes());
        Down d = ProtoMessages.toProto(e);
        LogEntry e2 = ProtoMessages.entry(parse(d).getEntry());
        assertEquals(e, e2);
        LogEntry running = new LogEntry(9, new Update(3, 8, 0.5, 0.25, 16, DecodedGradient.coded(List.of(g0), 2), -1,
                new double[]{0.5, -0.25, 1e-3f}), 0);
        Down runningDown = ProtoMessages.toProto(running);
        assertEquals(12, runningDown.getEntry().getRunningStatistics().size(), "running statistics in float32 beside bfloat16 symbols");
        assertEquals(running, ProtoMessages.entry(parse(runningDown).getEntry()), "running statistics travel exactly");
        LogEntry wideRunning = new LogEntry(9, new Update(3, 8, 0.5, 0.25, 16, DecodedGradient.coded(List.of(g0), 8), -1,
                new double[]{Math.PI}), 0);
        assertEquals(wideRunning, ProtoMessages.entry(parse(ProtoMessages.toProto(wideRunning)).getEntry()));
        io.github.dl4jcoded.cluster.grpc.proto.Entry both = ProtoMessages.toProto(running).getEntry().toBuilder()
                .setWideRunningStatistics(com.google.protobuf.ByteString.copyFrom(new byte[8])).build();
        assertThrows(RejectedMessageException.class, () -> ProtoMessages.entry(both), "float32 and float64 at once");
        double[] many = new double[1000];
        java.util.Arrays.fill(many, 0.75);
        LogEntry big = new LogEntry(9, new Update(3, 8, 0.5, 0.25, 16, DecodedGradient.coded(List.of(
                new SymbolGroup(3, new int[]{0}, new double[][]{many})), 4)), 0);
        assertEquals(big.wireBytes(), ProtoMessages.toProto(big).getSerializedSize(), 0.05 * big.wireBytes(),
                "the wire's size is close to the estimate");

        double[] g = new double[(int) net.numParams()];
        g[3] = 0.125;
        LogEntry v = ProtoMessages.entry(ProtoMessages.toProto(new LogEntry(1, new Update(0, 1, 1, 0.5, 8, DecodedGradient.dense(g, 4)), 0))
                .getEntry());
        assertArrayEquals(g, v.update().gradient().dense());
        LogEntry empty = new LogEntry(4, new Update(3, 3, 1, Double.NaN, 0, DecodedGradient.none()), 0);
        assertEquals(empty, ProtoMessages.entry(ProtoMessages.toProto(empty).getEntry()));
        assertEquals(11, ProtoMessages.finished(ProtoMessages.toProto(new Finished(11)).getFinished()).seq());
    }

    private static Down parse(Down d) {
        try {
            return Down.parseFrom(d.toByteArray());
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void badDownlinkItemsAreRefusedToo() {
        assertRejected(RejectReason.MALFORMED, () -> ProtoMessages.job(io.github.dl4jcoded.cluster.grpc.proto.Job.newBuilder().setRound(1).build()));
        assertRejected(RejectReason.MALFORMED, () -> ProtoMessages.job(io.github.dl4jcoded.cluster.grpc.proto.Job.newBuilder().setRound(1).addExamples(-2).build()));
        assertRejected(RejectReason.MALFORMED, () -> ProtoMessages.welcome(io.github.dl4jcoded.cluster.grpc.proto.Welcome.newBuilder().setWorker(1).build()));
        assertRejected(RejectReason.MALFORMED, () -> ProtoMessages.entry(io.github.dl4jcoded.cluster.grpc.proto.Entry.newBuilder()
                .setSeq(1).setHasDense(true).setDense(f32(1f)).addGroups(io.github.dl4jcoded.cluster.grpc.proto.SymbolGroup.newBuilder()).build()));
        assertRejected(RejectReason.MALFORMED, () -> ProtoMessages.entry(io.github.dl4jcoded.cluster.grpc.proto.Entry.newBuilder()
                .setSeq(1).setHalf(true).setWide(true).build()));
        assertRejected(RejectReason.MALFORMED, () -> ProtoMessages.entry(io.github.dl4jcoded.cluster.grpc.proto.Entry.newBuilder()
                .setSeq(1).setHalf(true).setHasDense(true).setDense(f32(1f)).build()));
        // What parses is judged by the replica's core when it applies it: refused, nothing changed.
        ParameterServer replica = ParameterServer.forNetwork(net, Fixtures.VANILLA);
        double before = replica.network().params().sumNumber().doubleValue();
        double[] nan = new double[(int) net.numParams()];
        nan[0] = Double.NaN;
        for (io.github.dl4jcoded.cluster.grpc.proto.Entry bad : new io.github.dl4jcoded.cluster.grpc.proto.Entry[]{
                io.github.dl4jcoded.cluster.grpc.proto.Entry.newBuilder().setSeq(1).setVersion(1).setScale(1).setHasDense(true).setDense(f32(1f)).build(),
                ProtoMessages.toProto(new LogEntry(1, new Update(0, 1, 1, 0.5, 8, DecodedGradient.dense(nan, 4)), 0)).getEntry(),
                ProtoMessages.toProto(new LogEntry(1, new Update(0, 1, 7, 0.5, 8, DecodedGradient.dense(new double[nan.length], 4)), 0)).getEntry(),
                ProtoMessages.toProto(new LogEntry(1, new Update(0, 5, 1, 0.5, 8, DecodedGradient.dense(new double[nan.length], 4)), 0)).getEntry()}) {
            Update u = ProtoMessages.entry(bad).update();
            assertThrows(RuntimeException.class, () -> replica.apply(u));
        }
        assertEquals(0, replica.version());
        assertEquals(before, replica.network().params().sumNumber().doubleValue());
    }
}

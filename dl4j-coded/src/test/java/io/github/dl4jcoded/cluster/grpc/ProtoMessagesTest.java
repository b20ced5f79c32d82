package io.github.dl4jcoded.cluster.grpc;

import io.github.dl4jcoded.cluster.Finished;
import io.github.dl4jcoded.cluster.Job;
import io.github.dl4jcoded.cluster.LogEntry;
import io.github.dl4jcoded.cluster.RejectReason;
import io.github.dl4jcoded.cluster.RejectedMessageException;
import io.github.dl4jcoded.cluster.Welcome;
import io.github.dl4jcoded.cluster.grpc.proto.Codeword;
import io.github.dl4jcoded.cluster.grpc.proto.Down;
import io.github.dl4jcoded.cluster.grpc.proto.Push;
import io.github.dl4jcoded.cluster.grpc.proto.Up;
import io.github.dl4jcoded.training.GradientCodec;
import io.github.dl4jcoded.training.WorkerMessage;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ProtoMessagesTest {
    private final MultiLayerNetwork net = Fixtures.net();
    private final GradientCodec coded = Fixtures.codec(net, Fixtures.CODED);
    private final GradientCodec dense = Fixtures.codec(net, Fixtures.VANILLA);
    private final ProtoMessages.Shape codedShape = ProtoMessages.Shape.of(coded, (int) net.numParams());
    private final ProtoMessages.Shape denseShape = ProtoMessages.Shape.of(dense, (int) net.numParams());

    private static void assertRejected(RejectReason reason, Executable e) {
        RejectedMessageException x = assertThrows(RejectedMessageException.class, e);
        assertEquals(reason, x.reason(), x.getMessage());
    }

    @Test
    void aCodedMessageCrossesTheWireAsFloat32WithItsRowFromTheServersCode() {
        WorkerMessage m = Fixtures.message(net, coded, 1, 3);
        Up up = ProtoMessages.parseUp(ProtoMessages.push(m).toByteArray(), 1 << 20);
        WorkerMessage back = ProtoMessages.fromProto(up.getPush(), 1, codedShape);
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
    void theSendersIdentityComesFromTheSessionNotFromTheWire() {
        Push p = ProtoMessages.toProto(Fixtures.message(net, coded, 1, 0)).toBuilder().setWorker(0).build();
        assertEquals(1, ProtoMessages.fromProto(p, 1, codedShape).worker());
    }

    @Test
    void aDenseMessageCrossesTheWire() {
        WorkerMessage m = Fixtures.message(net, dense, 0, 2);
        WorkerMessage back = ProtoMessages.fromProto(ProtoMessages.toProto(m), 0, denseShape);
        assertEquals(m.dense().length, back.dense().length);
        for (int i = 0; i < m.dense().length; i++) {
            assertEquals((float) m.dense()[i], back.dense()[i]);
        }
        assertEquals(List.of(), back.codewords());
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

    @Test
    void eachStructuralFlawHasItsReason() {
        Push good = ProtoMessages.toProto(Fixtures.message(net, coded, 0, 1));
        Codeword cw0 = good.getCodewords(0);
        assertRejected(RejectReason.MALFORMED, () -> ProtoMessages.fromProto(good.toBuilder().setExamples(0).build(), 0, codedShape));
        assertRejected(RejectReason.MALFORMED, () -> ProtoMessages.fromProto(good.toBuilder().setRound(-1).build(), 0, codedShape));
        assertRejected(RejectReason.MALFORMED, () -> ProtoMessages.fromProto(good.toBuilder().setVersion(-5).build(), 0, codedShape));
        assertRejected(RejectReason.MALFORMED, () -> ProtoMessages.fromProto(good.toBuilder().clearCodewords().build(), 0, codedShape));
        assertRejected(RejectReason.MALFORMED, () -> ProtoMessages.fromProto(good.toBuilder().addDense(1f).build(), 0, codedShape));
        assertRejected(RejectReason.MALFORMED, () -> ProtoMessages.fromProto(good.toBuilder().addCodewords(cw0).build(), 0, codedShape));
        assertRejected(RejectReason.MALFORMED, () -> ProtoMessages.fromProto(good.toBuilder()
                .setCodewords(0, cw0.toBuilder().clearSymbols()).build(), 0, codedShape));
        Codeword.Builder tooLong = cw0.toBuilder();
        for (int i = 0; i <= codedShape.maxSymbols(); i++) {
            tooLong.addSymbols(0.5f);
        }
        assertRejected(RejectReason.MALFORMED, () -> ProtoMessages.fromProto(good.toBuilder().setCodewords(0, tooLong).build(), 0, codedShape));
        assertRejected(RejectReason.UNKNOWN_TASK, () -> ProtoMessages.fromProto(good.toBuilder()
                .setCodewords(0, cw0.toBuilder().setTask(codedShape.taskCount())).build(), 0, codedShape));
        assertRejected(RejectReason.UNKNOWN_TASK, () -> ProtoMessages.fromProto(good.toBuilder()
                .setCodewords(0, cw0.toBuilder().setTask(-1)).build(), 0, codedShape));
        // dense messages: exact length, and nothing coded
        Push goodDense = ProtoMessages.toProto(Fixtures.message(net, dense, 0, 1));
        assertRejected(RejectReason.MALFORMED, () -> ProtoMessages.fromProto(goodDense.toBuilder().addDense(0f).build(), 0, denseShape));
        assertRejected(RejectReason.MALFORMED, () -> ProtoMessages.fromProto(goodDense.toBuilder().clearDense().build(), 0, denseShape));
        assertRejected(RejectReason.MALFORMED, () -> ProtoMessages.fromProto(good, 0, denseShape));
    }

    @Test
    void nanAndInfinityAreNonFiniteWhereverTheyHide() {
        Push good = ProtoMessages.toProto(Fixtures.message(net, coded, 0, 1));
        Codeword cw0 = good.getCodewords(0);
        assertRejected(RejectReason.NON_FINITE, () -> ProtoMessages.fromProto(good.toBuilder().setLoss(Float.NaN).build(), 0, codedShape));
        assertRejected(RejectReason.NON_FINITE, () -> ProtoMessages.fromProto(good.toBuilder()
                .setCodewords(0, cw0.toBuilder().setSymbols(0, Float.POSITIVE_INFINITY)).build(), 0, codedShape));
        assertRejected(RejectReason.NON_FINITE, () -> ProtoMessages.fromProto(good.toBuilder()
                .setCodewords(0, cw0.toBuilder().setSymbols(cw0.getSymbolsCount() - 1, Float.NaN)).build(), 0, codedShape));
        Push goodDense = ProtoMessages.toProto(Fixtures.message(net, dense, 0, 1));
        assertRejected(RejectReason.NON_FINITE, () -> ProtoMessages.fromProto(goodDense.toBuilder().setDense(3, Float.NaN).build(), 0, denseShape));
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

        Job j = ProtoMessages.job(ProtoMessages.toProto(new Job(7, new int[]{3, 1, 4})).getJob());
        assertEquals(7, j.round());
        assertArrayEquals(new int[]{3, 1, 4}, j.examples());

        WorkerMessage m0 = ProtoMessages.fromProto(ProtoMessages.toProto(Fixtures.message(net, coded, 0, 3)), 0, codedShape);
        WorkerMessage m1 = ProtoMessages.fromProto(ProtoMessages.toProto(Fixtures.message(net, coded, 1, 3)), 1, codedShape);
        LogEntry e = new LogEntry(9, 3, 0.5, 8, List.of(m0, m1), null, 0.25, 16, 0xfedcba9876543210L);
        Down d = ProtoMessages.toProto(e);
        LogEntry e2 = ProtoMessages.entry(parse(d).getEntry(), codedShape);
        assertEquals(e.seq(), e2.seq());
        assertEquals(e.round(), e2.round());
        assertEquals(e.scale(), e2.scale());
        assertEquals(e.version(), e2.version());
        assertEquals(e.loss(), e2.loss());
        assertEquals(e.examples(), e2.examples());
        assertEquals(e.checksum(), e2.checksum());
        assertEquals(List.of(0, 1), e2.messages().stream().map(WorkerMessage::worker).toList());
        assertArrayEquals(m1.codewords().get(2).symbols(), e2.messages().get(1).codewords().get(2).symbols());
        assertNull(e2.dense());

        float[] g = new float[(int) net.numParams()];
        g[3] = 0.125f;
        LogEntry v = ProtoMessages.entry(ProtoMessages.toProto(new LogEntry(1, 0, 1, 1, List.of(), g, 0.5, 8, 0)).getEntry(), denseShape);
        assertArrayEquals(g, v.dense());
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
                .setSeq(1).setHasDense(true).addDense(1f).build(), denseShape));
        assertRejected(RejectReason.NON_FINITE, () -> ProtoMessages.entry(ProtoMessages.toProto(new LogEntry(1, 0, 1, 1, List.of(),
                new float[]{Float.NaN, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, 0.5, 8, 0)).getEntry(), denseShape));
    }
}

package io.github.dl4jcoded.cluster.grpc;

import io.github.dl4jcoded.cluster.RejectReason;
import io.github.dl4jcoded.cluster.RejectedMessageException;
import io.github.dl4jcoded.cluster.grpc.proto.Down;
import io.github.dl4jcoded.cluster.grpc.proto.Up;
import io.github.dl4jcoded.decode.Codeword;
import io.github.dl4jcoded.cluster.Finished;
import io.github.dl4jcoded.cluster.Job;
import io.github.dl4jcoded.cluster.LogEntry;
import io.github.dl4jcoded.cluster.Welcome;
import io.github.dl4jcoded.training.GradientCodec;
import io.github.dl4jcoded.training.WorkerMessage;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Seeded random-mutation fuzzing of the decoding and validation path, bounded in time
 * ({@code -Dfuzz.seconds=N}, default 30; {@code -Dfuzz.seed=S} to replay a run). From valid
 * uplink and downlink messages it flips bits, overwrites, inserts, deletes and splices bytes, and
 * feeds the result to exactly what the transport runs on arrival. Every input must either be
 * refused with a {@link RejectedMessageException} or come out as a message that satisfies every
 * structural promise (finite values, lengths that fit the codec, known tasks); any other
 * exception is a bug.
 */
class GrpcMessageFuzzTest {
    private final MultiLayerNetwork net = Fixtures.net();
    private final GradientCodec coded = Fixtures.codec(net, Fixtures.CODED);
    private final GradientCodec dense = Fixtures.codec(net, Fixtures.VANILLA);
    private final int numParams = (int) net.numParams();

    @Test
    @Timeout(300)
    void mutatedMessagesAreRefusedOrValidNeverACrash() {
        long seconds = Long.getLong("fuzz.seconds", 30);
        long seed = Long.getLong("fuzz.seed", System.nanoTime());
        SplittableRandom rng = new SplittableRandom(seed);
        ProtoMessages.Shape codedShape = ProtoMessages.Shape.of(coded, numParams);
        ProtoMessages.Shape denseShape = ProtoMessages.Shape.of(dense, numParams);

        List<byte[]> ups = new ArrayList<>();
        List<byte[]> downs = new ArrayList<>();
        for (int w = 0; w < 2; w++) {
            WorkerMessage c = Fixtures.message(net, coded, w, w + 1);
            ups.add(ProtoMessages.push(c).toByteArray());
            ups.add(ProtoMessages.push(Fixtures.message(net, dense, w, w + 1)).toByteArray());
            WorkerMessage back = ProtoMessages.fromProto(ProtoMessages.toProto(c), w, codedShape);
            downs.add(ProtoMessages.toProto(new LogEntry(w + 1, w, 0.5, w + 1, List.of(back), null, 0.3, 8, 77)).toByteArray());
        }
        ups.add(ProtoMessages.hello("worker-7").toByteArray());
        ups.add(ProtoMessages.resyncRequest().toByteArray());
        float[] g = new float[numParams];
        downs.add(ProtoMessages.toProto(new LogEntry(3, 2, 1, 3, List.of(), g, 0.1, 4, 0)).toByteArray());
        downs.add(ProtoMessages.toProto(new Welcome(1, "{}", new byte[]{1, 2}, new byte[]{3}, 4, 4, "d")).toByteArray());
        downs.add(ProtoMessages.toProto(new Job(5, new int[]{1, 2, 3})).toByteArray());
        downs.add(ProtoMessages.toProto(new Finished(9)).toByteArray());

        Map<RejectReason, Integer> refused = new EnumMap<>(RejectReason.class);
        long accepted = 0;
        long runs = 0;
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        while (System.nanoTime() < end) {
            for (int k = 0; k < 200; k++, runs++) {
                boolean uplink = rng.nextBoolean();
                List<byte[]> corpus = uplink ? ups : downs;
                byte[] input = mutate(corpus.get(rng.nextInt(corpus.size())), corpus, rng);
                try {
                    if (uplink) {
                        Up up = ProtoMessages.parseUp(input, 4096);
                        if (up.hasPush()) {
                            boolean isCoded = rng.nextBoolean();
                            check(ProtoMessages.fromProto(up.getPush(), 1, isCoded ? codedShape : denseShape),
                                    isCoded ? codedShape : denseShape);
                        }
                    } else {
                        Down d = Down.parseFrom(input);
                        switch (d.getKindCase()) {
                            case ENTRY -> {
                                ProtoMessages.Shape shape = rng.nextBoolean() ? codedShape : denseShape;
                                LogEntry e = ProtoMessages.entry(d.getEntry(), shape);
                                e.messages().forEach(m -> check(m, shape));
                                if (e.dense() != null) {
                                    assertEquals(numParams, e.dense().length);
                                }
                            }
                            case WELCOME -> ProtoMessages.welcome(d.getWelcome());
                            case JOB -> {
                                for (int ex : ProtoMessages.job(d.getJob()).examples()) {
                                    assertTrue(ex >= 0);
                                }
                            }
                            case FINISHED -> ProtoMessages.finished(d.getFinished());
                            default -> { }
                        }
                    }
                    accepted++;
                } catch (RejectedMessageException e) {
                    refused.merge(e.reason(), 1, Integer::sum);
                } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                    refused.merge(RejectReason.MALFORMED, 1, Integer::sum); // the worker side's parse
                } catch (RuntimeException | AssertionError e) {
                    throw new AssertionError("fuzz input broke the validation path (seed " + seed + ", run " + runs
                            + ", input " + java.util.HexFormat.of().formatHex(input) + ")", e);
                }
            }
        }
        System.out.printf("fuzz: %d inputs in %d s (seed %d): %d accepted, refused %s%n", runs, seconds, seed, accepted, refused);
        assertTrue(runs > 1000, "the fuzz loop ran");
        assertTrue(refused.getOrDefault(RejectReason.MALFORMED, 0) > 0, "mutations reached the parser's refusals");
    }

    /** What an accepted message promises the core. */
    private static void check(WorkerMessage m, ProtoMessages.Shape shape) {
        assertTrue(m.examples() >= 1 && m.round() >= 0 && m.version() >= 0 && Double.isFinite(m.loss()));
        if (shape.coded()) {
            assertTrue(m.dense() == null && !m.codewords().isEmpty() && m.codewords().size() <= shape.taskCount());
            for (Codeword cw : m.codewords()) {
                assertTrue(cw.task() >= 0 && cw.task() < shape.taskCount());
                assertTrue(cw.length() >= 1 && cw.length() <= shape.maxSymbols());
                for (double s : cw.symbols()) {
                    assertTrue(Double.isFinite(s));
                }
            }
        } else {
            assertEquals(shape.numParams(), m.dense().length);
            for (double v : m.dense()) {
                assertTrue(Double.isFinite(v));
            }
        }
    }

    private static byte[] mutate(byte[] seed, List<byte[]> corpus, SplittableRandom rng) {
        byte[] b = seed.clone();
        int ops = 1 + rng.nextInt(4);
        for (int i = 0; i < ops; i++) {
            int op = rng.nextInt(7);
            if (b.length == 0) {
                op = 2;
            }
            switch (op) {
                case 0 -> { // flip a bit
                    int p = rng.nextInt(b.length);
                    b[p] ^= (byte) (1 << rng.nextInt(8));
                }
                case 1 -> b[rng.nextInt(b.length)] = (byte) rng.nextInt(256); // overwrite a byte
                case 2 -> { // insert random bytes
                    int p = rng.nextInt(b.length + 1);
                    byte[] ins = new byte[1 + rng.nextInt(8)];
                    for (int k = 0; k < ins.length; k++) {
                        ins[k] = (byte) rng.nextInt(256);
                    }
                    b = splice(b, p, p, ins);
                }
                case 3 -> { // delete a range
                    int p = rng.nextInt(b.length);
                    b = splice(b, p, Math.min(b.length, p + 1 + rng.nextInt(8)), new byte[0]);
                }
                case 4 -> b = java.util.Arrays.copyOf(b, rng.nextInt(b.length + 1)); // truncate
                case 5 -> { // interesting values: a float NaN / Inf, or a huge varint
                    byte[][] magic = {{0, 0, (byte) 0xc0, 0x7f}, {0, 0, (byte) 0x80, 0x7f}, {0, 0, (byte) 0x80, (byte) 0xff},
                            {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x0f}, {(byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x08}};
                    byte[] m = magic[rng.nextInt(magic.length)];
                    int p = rng.nextInt(b.length);
                    b = splice(b, p, Math.min(b.length, p + m.length), m);
                }
                default -> { // splice in a piece of another message
                    byte[] o = corpus.get(rng.nextInt(corpus.size()));
                    if (o.length > 0) {
                        int from = rng.nextInt(o.length);
                        int to = Math.min(o.length, from + 1 + rng.nextInt(32));
                        int p = rng.nextInt(b.length + 1);
                        b = splice(b, p, p, java.util.Arrays.copyOfRange(o, from, to));
                    }
                }
            }
        }
        return b;
    }

    private static byte[] splice(byte[] b, int from, int to, byte[] ins) {
        byte[] r = new byte[b.length - (to - from) + ins.length];
        System.arraycopy(b, 0, r, 0, from);
        System.arraycopy(ins, 0, r, from, ins.length);
        System.arraycopy(b, to, r, from + ins.length, b.length - to);
        return r;
    }
}

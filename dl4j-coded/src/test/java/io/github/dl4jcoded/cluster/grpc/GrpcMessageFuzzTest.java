package io.github.dl4jcoded.cluster.grpc;

import io.github.dl4jcoded.training.RejectReason;
import io.github.dl4jcoded.training.RejectedMessageException;
import io.github.dl4jcoded.cluster.grpc.proto.Down;
import io.github.dl4jcoded.cluster.grpc.proto.Up;
import io.github.dl4jcoded.cluster.Finished;
import io.github.dl4jcoded.cluster.Job;
import io.github.dl4jcoded.cluster.LogEntry;
import io.github.dl4jcoded.cluster.Welcome;
import io.github.dl4jcoded.training.CodedTrainingConfig;
import io.github.dl4jcoded.training.DecodedGradient;
import io.github.dl4jcoded.training.SymbolGroup;
import io.github.dl4jcoded.training.WorkerMessage;
import io.github.dl4jcoded.training.server.ParameterServer;
import io.github.dl4jcoded.training.server.Update;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Seeded random-mutation fuzzing of the decoding and validation path, bounded in time
 * ({@code -Dfuzz.seconds=N}, default 30; {@code -Dfuzz.seed=S} to replay a run). From valid
 * uplink and downlink messages it flips bits, overwrites, inserts, deletes and splices bytes, and
 * feeds the result to exactly what runs on arrival: an uplink push is parsed and offered to a real
 * parameter-server core (holding a job for whatever round it names), which accepts it, applies it
 * and must leave finite parameters, or refuses it with a reason and changes nothing; a downlink
 * entry is parsed and applied by a replica's core (also re-versioned, so that its payload is
 * judged), with the same promise. Any other exception is a bug.
 */
class GrpcMessageFuzzTest {
    // Adam: a step is bounded by the learning rate whatever the gradient, so parameters stay finite
    // under any finite input (plain SGD would follow a finite 1e38 gradient to infinity).
    private final MultiLayerNetwork net = Fixtures.net(new org.nd4j.linalg.learning.config.Adam(1e-3));
    private static final CodedTrainingConfig CODED_ASYNC = Fixtures.CODED.toBuilder().policy(CodedTrainingConfig.Policy.ASYNC)
            .cadence(1).build();
    private static final CodedTrainingConfig VANILLA_ASYNC = Fixtures.VANILLA.toBuilder().policy(CodedTrainingConfig.Policy.ASYNC)
            .cadence(1).build();

    @Test
    @Timeout(300)
    void mutatedMessagesAreRefusedOrSafeNeverACrash() {
        long seconds = Long.getLong("fuzz.seconds", 30);
        long seed = Long.getLong("fuzz.seed", System.nanoTime());
        SplittableRandom rng = new SplittableRandom(seed);
        ParameterServer coded = ParameterServer.forNetwork(net, CODED_ASYNC);
        ParameterServer dense = ParameterServer.forNetwork(net, VANILLA_ASYNC);

        List<byte[]> ups = new ArrayList<>();
        List<byte[]> downs = new ArrayList<>();
        for (int w = 0; w < 2; w++) {
            for (ParameterServer core : List.of(coded, dense)) {
                WorkerMessage m = Fixtures.message(net, core.codec(), w, w + 1);
                ups.add(ProtoMessages.push(new WorkerMessage(m.round(), 0, w, m.examples(), m.loss(), m.codewords(), m.dense(), m.precision()))
                        .toByteArray());
            }
        }
        ups.add(ProtoMessages.hello("worker-7").toByteArray());
        ups.add(ProtoMessages.resyncRequest().toByteArray());
        int k = ((io.github.dl4jcoded.training.CodedCodec) coded.codec()).partition().blockCount();
        double[][] symbols = new double[k][];
        int[] blocks = new int[k];
        for (int j = 0; j < k; j++) {
            blocks[j] = j;
            symbols[j] = new double[((io.github.dl4jcoded.training.CodedCodec) coded.codec()).partition().block(j).size()];
            java.util.Arrays.fill(symbols[j], (float) (0.01 * (j + 1)));
        }
        downs.add(ProtoMessages.toProto(new LogEntry(1, new Update(0, 1, 0.5, 0.3, 8,
                DecodedGradient.coded(List.of(new SymbolGroup(0, blocks, symbols)), 4)), 77)).toByteArray());
        double[] g = new double[(int) net.numParams()];
        java.util.Arrays.fill(g, (float) 0.02);
        downs.add(ProtoMessages.toProto(new LogEntry(3, new Update(2, 1, 1, 0.1, 4, DecodedGradient.dense(g, 4)), 0)).toByteArray());
        downs.add(ProtoMessages.toProto(new Welcome(1, "{}", new byte[]{1, 2}, new byte[]{3}, 4, 4, "d")).toByteArray());
        downs.add(ProtoMessages.toProto(new Job(5, new int[]{1, 2, 3})).toByteArray());
        downs.add(ProtoMessages.toProto(new Finished(9)).toByteArray());

        Map<RejectReason, Integer> refused = new EnumMap<>(RejectReason.class);
        long accepted = 0;
        long applied = 0;
        long runs = 0;
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        while (System.nanoTime() < end) {
            for (int n = 0; n < 200; n++, runs++) {
                boolean uplink = rng.nextBoolean();
                List<byte[]> corpus = uplink ? ups : downs;
                byte[] input = mutate(corpus.get(rng.nextInt(corpus.size())), corpus, rng);
                try {
                    if (uplink) {
                        Up up = ProtoMessages.parseUp(input, 4096);
                        if (up.hasPush()) {
                            // A fresh server that gave worker 1 a job for the round the push names, so that
                            // what is judged is the push itself (a replay is judged after it was accepted once).
                            boolean isCoded = rng.nextBoolean();
                            ParameterServer core = ParameterServer.forNetwork(net, isCoded ? CODED_ASYNC : VANILLA_ASYNC);
                            WorkerMessage m = ProtoMessages.fromProto(up.getPush(), 1, core.codec());
                            core.issueJob(m.round(), 1, 8);
                            if (rng.nextInt(8) == 0 && core.offer(1, m).accepted()) {
                                while (core.isDue(0)) {
                                    core.apply(core.close());
                                }
                            }
                            long checksum = io.github.dl4jcoded.cluster.ReplicaChecksum.of(core.network());
                            ParameterServer.Verdict v = core.offer(1, m);
                            if (v.accepted()) {
                                accepted++;
                                while (core.isDue(0)) {
                                    core.apply(core.close());
                                }
                                assertFinite(core);
                            } else {
                                refused.merge(v.reason(), 1, Integer::sum);
                                assertEquals(checksum, io.github.dl4jcoded.cluster.ReplicaChecksum.of(core.network()),
                                        "a refused message changed the parameters");
                            }
                        }
                    } else {
                        Down d = Down.parseFrom(input);
                        switch (d.getKindCase()) {
                            case ENTRY -> {
                                Update u = ProtoMessages.entry(d.getEntry()).update();
                                ParameterServer replica = u.gradient().dense() != null ? dense : coded;
                                Update next = new Update(u.round(), u.applies() ? replica.version() + 1 : replica.version(),
                                        u.scale(), u.loss(), u.examples(), u.gradient());
                                for (Update candidate : List.of(u, next)) {
                                    long checksum = io.github.dl4jcoded.cluster.ReplicaChecksum.of(replica.network());
                                    try {
                                        replica.apply(candidate);
                                        applied++;
                                        assertFinite(replica);
                                    } catch (IllegalArgumentException | IllegalStateException e) {
                                        assertEquals(checksum, io.github.dl4jcoded.cluster.ReplicaChecksum.of(replica.network()),
                                                "a refused entry changed the replica");
                                    }
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
        System.out.printf("fuzz: %d inputs in %d s (seed %d): %d pushes accepted, %d entries applied, refused %s%n",
                runs, seconds, seed, accepted, applied, refused);
        assertTrue(runs > 1000, "the fuzz loop ran");
        assertTrue(refused.getOrDefault(RejectReason.MALFORMED, 0) > 0, "mutations reached the parser's refusals");
        assertTrue(refused.size() > 3, "mutations reached the core's refusals: " + refused);
    }

    private static void assertFinite(ParameterServer core) {
        assertFalse(org.nd4j.linalg.indexing.BooleanIndexing.or(core.network().params(),
                org.nd4j.linalg.indexing.conditions.Conditions.isNan()), "NaN in the parameters");
        assertFalse(org.nd4j.linalg.indexing.BooleanIndexing.or(core.network().params(),
                org.nd4j.linalg.indexing.conditions.Conditions.isInfinite()), "Inf in the parameters");
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

package io.github.dl4jcoded.training;

import io.github.dl4jcoded.nn.Network;
import io.github.dl4jcoded.decode.Codeword;
import io.github.dl4jcoded.training.local.LocalTrainerTest;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Sgd;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CodedCodecTest {
    private final MultiLayerNetwork net = new MultiLayerNetwork(LocalTrainerTest.cnn(new Sgd(0.1), DataType.FLOAT));
    private final DataSet shard = LocalTrainerTest.data(1, 8, DataType.FLOAT, 1).get(0);

    CodedCodecTest() {
        net.init();
    }

    @Test
    void aStragglerFarBehindTheLowRankHistorySkipsItsJob() {
        CodedCodec codec = new CodedCodec(Network.of(net), CodedTrainingConfig.builder().workers(2).build());
        GradientCodec.WorkerSide w0 = codec.workerSide(0);
        assertNotNull(w0.compute(Network.of(net), shard, 0, 0));
        for (long round = 0; round < 6; round++) {
            GradientCodec.Round r = codec.newRound(round, new int[]{0, 1});
            r.offer(codec.workerSide(1).compute(Network.of(net), shard, round, round));
            codec.advance(round, round + 1, r.decode());
        }
        assertNull(w0.compute(Network.of(net), shard, 0, 0), "round 0's frames are gone: nothing to encode");
        assertNotNull(w0.compute(Network.of(net), shard, 6, 6));
    }

    @Test
    void aRefusedMessageLeavesTheRoundAsItWas() {
        CodedCodec codec = new CodedCodec(Network.of(net), CodedTrainingConfig.builder().workers(2)
                .frame(CodedTrainingConfig.FrameKind.COUNT_SKETCH).compression(4).errorFeedback(false).build());
        WorkerMessage good = codec.workerSide(0).compute(Network.of(net), shard, 0, 0);
        List<Codeword> tampered = new ArrayList<>(good.codewords());
        Codeword last = tampered.remove(tampered.size() - 1);
        double[] sym = last.symbols();
        sym[0] = Double.NaN;
        tampered.add(new Codeword(last.step(), last.task(), last.frameTag(), last.blocks(), last.coefficients(), sym));
        WorkerMessage bad = new WorkerMessage(0, 0, 0, good.examples(), good.loss(), tampered, null, good.precision());
        // worker 1 claiming worker 0's tasks
        WorkerMessage foreign = new WorkerMessage(0, 0, 1, good.examples(), good.loss(), good.codewords(), null, good.precision());

        GradientCodec.Round r = codec.newRound(0, new int[]{0, 1});
        assertEquals(RejectReason.NON_FINITE, assertThrows(RejectedMessageException.class, () -> r.offer(bad)).reason());
        assertEquals(RejectReason.UNKNOWN_TASK, assertThrows(RejectedMessageException.class, () -> r.offer(foreign)).reason());
        assertTrue(r.isEmpty());
        assertTrue(r.decode().isEmpty());
        r.offer(good);
        assertFalse(r.isEmpty());
        double[] g = new double[(int) net.numParams()];
        assertEquals(null, codec.write(r.decode(), g), "worker 0's message covers every block");
        assertTrue(java.util.Arrays.stream(g).anyMatch(v -> v != 0));
    }

    /** A user's own frames: seeded Hadamard frames at twice the configured compression. */
    public static final class HalfSizedHadamard implements io.github.dl4jcoded.frame.FrameFactory {
        @Override
        public io.github.dl4jcoded.frame.FrameSource create(io.github.dl4jcoded.frame.FrameSpec spec) {
            return new io.github.dl4jcoded.frame.FrameFamily(io.github.dl4jcoded.frame.FrameFamily.Kind.HADAMARD, spec.seed(),
                    2 * spec.compression());
        }
    }

    @Test
    void aUsersOwnComponentIsUsedAndRoundTripsThroughJsonByItsClassName() {
        CodedTrainingConfig cfg = CodedTrainingConfig.builder().workers(1).frame(new HalfSizedHadamard()).compression(4)
                .errorFeedback(false).build();
        String json = cfg.toJson();
        assertTrue(json.contains("\"frame\" : \"" + HalfSizedHadamard.class.getName() + "\""), json);
        assertTrue(json.contains("\"code\" : \"REPETITION\""), json);
        CodedTrainingConfig back = CodedTrainingConfig.fromJson(json);
        assertTrue(back.frame() instanceof HalfSizedHadamard);
        assertEquals(cfg.code(), back.code());
        CodedCodec codec = new CodedCodec(Network.of(net), back);
        long symbols = codec.symbolsPerRound(0, 0);
        long atFour = new CodedCodec(Network.of(net), CodedTrainingConfig.builder().workers(1).frame(CodedTrainingConfig.FrameKind.HADAMARD)
                .compression(4).errorFeedback(false).build()).symbolsPerRound(0, 0);
        assertTrue(symbols < atFour, symbols + " symbols with the user's frames, " + atFour + " at 4x");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CodedTrainingConfig.fromJson(json.replace(HalfSizedHadamard.class.getName(), "no.such.Frames")));
        assertTrue(e.getMessage().contains("no.such.Frames"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> CodedTrainingConfig.fromJson(json.replace(HalfSizedHadamard.class.getName(), "FANCY")));
    }

    /** A hand-written configuration that leaves options out is refused with the names of what is missing. */
    @Test
    void theAutomaticFramePeriodSpansAboutTwelveAnswersOfHistory() {
        // ceil(12 / answers per step), at most 4; answers per step: all workers but one in eight.
        assertEquals(4, CodedTrainingConfig.builder().workers(4).build().framesEvery(), "3 answers a step");
        assertEquals(2, CodedTrainingConfig.builder().workers(8).build().framesEvery(), "7 answers a step");
        assertEquals(1, CodedTrainingConfig.builder().workers(16).build().framesEvery(), "14 answers a step");
        assertEquals(4, CodedTrainingConfig.builder().workers(1).build().framesEvery(), "1 answer a step: capped");
        assertEquals(3, CodedTrainingConfig.builder().workers(16).cadence(4).build().framesEvery(), "a stated cadence counts");
        assertEquals(3, CodedTrainingConfig.builder().workers(16).framePeriod(3).build().framesEvery(), "a stated period is kept");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CodedTrainingConfig.builder().framePeriod(-1).build());
        assertTrue(e.getMessage().contains("framePeriod"), e.getMessage());
    }

    @Test
    void aPartialJsonConfigurationNamesItsMissingFields() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CodedTrainingConfig.fromJson("{ \"mode\" : \"CODED\", \"workers\" : 2, \"frame\" : \"LOW_RANK\", \"compression\" : 32 }"));
        assertTrue(e.getMessage().contains("missing: partition, code, engine, decoder, policy"), e.getMessage());
    }

    @Test
    void theWindowsSummedIncrementsEqualTheOneShotDecodeOfTheSameAnswers() {
        // Systematic code over 6 chunks with 3 parity tasks, 3 workers, count-sketch frames: answers
        // of one frame step are decoded jointly, one at a time, into the live accumulator.
        MultiLayerNetwork big = new MultiLayerNetwork(LocalTrainerTest.cnn(new Sgd(0.1), DataType.DOUBLE));
        big.init();
        CodedTrainingConfig cfg = CodedTrainingConfig.builder().workers(3).policy(CodedTrainingConfig.Policy.ASYNC)
                .partition(io.github.dl4jcoded.nn.NetworkPartitions.Scheme.CHUNK).chunkSize((int) (big.numParams() / 6) + 1)
                .code(CodedTrainingConfig.CodeKind.SYSTEMATIC).parityTasks(3).rowWeight(2)
                .frame(CodedTrainingConfig.FrameKind.COUNT_SKETCH).compression(4).errorFeedback(false).build();
        CodedCodec codec = new CodedCodec(Network.of(big), cfg);
        List<DataSet> shards = LocalTrainerTest.data(3, 8, DataType.DOUBLE, 3);
        GradientCodec.Window window = codec.newWindow();
        GradientCodec.Round oneShot = codec.newRound(0, new int[]{0, 1, 2}); // step 0: the frames of version 0
        for (int w = 0; w < 3; w++) {
            WorkerMessage m = codec.workerSide(w).compute(Network.of(big), shards.get(w), 10 + w, 0);
            window.offer(m);
            oneShot.offer(new WorkerMessage(0, 0, w, m.examples(), m.loss(), m.codewords(), null, m.precision()));
        }
        assertEquals(3, window.accepted());
        double[] live = new double[(int) big.numParams()];
        double[] once = new double[(int) big.numParams()];
        codec.write(window.decode(), live);
        codec.write(oneShot.decode(), once);
        // The window weights a block by how many received tasks cover it; here each block's estimate
        // comes from one decoder, so it equals the one-shot estimate.
        for (int i = 0; i < live.length; i++) {
            assertEquals(once[i], live[i], 1e-12 * (1 + Math.abs(once[i])), "entry " + i);
        }
        // A message read at another version is in another frame step: the update is still one group, in the newest frames.
        WorkerMessage later = codec.workerSide(0).compute(Network.of(big), shards.get(0), 20, 4 * cfg.framesEvery());
        window.offer(later);
        assertEquals(1, window.decode().groups().size());
        assertEquals(4, window.decode().groups().get(0).frameStep());
        assertEquals(RejectReason.MALFORMED, assertThrows(RejectedMessageException.class, () -> window.offer(
                new WorkerMessage(21, 0, 0, later.examples(), later.loss(), later.codewords(), null, later.precision()))).reason(),
                "codewords in the frames of another step than the version read says");
    }

    @Test
    void aLateAnswerIsProjectedOntoTheNewestFramesOfItsUpdate() {
        // One worker, one task per block (repetition code), count-sketch frames that change every step.
        CodedTrainingConfig cfg = CodedTrainingConfig.builder().workers(1).policy(CodedTrainingConfig.Policy.ASYNC).framePeriod(1)
                .frame(CodedTrainingConfig.FrameKind.COUNT_SKETCH).compression(4).errorFeedback(false)
                .symbolPrecision(io.github.dl4jcoded.decode.SymbolPrecision.FLOAT32).build();
        CodedCodec codec = new CodedCodec(Network.of(net), cfg);
        WorkerMessage old = codec.workerSide(0).compute(Network.of(net), shard, 0, 0); // frames of step 0
        WorkerMessage fresh = codec.workerSide(0).compute(Network.of(net), LocalTrainerTest.data(1, 8, DataType.FLOAT, 2).get(0), 1, 1);
        SymbolGroup alone0 = decodeAlone(codec, old).groups().get(0);
        SymbolGroup alone1 = decodeAlone(codec, fresh).groups().get(0);
        assertEquals(0, alone0.frameStep());
        assertEquals(1, alone1.frameStep());

        GradientCodec.Window both = codec.newWindow();
        both.offer(old);
        both.offer(fresh);
        DecodedGradient d = both.decode();
        assertEquals(1, d.groups().size(), "one group of symbols: one message's worth on the downlink");
        SymbolGroup g = d.groups().get(0);
        assertEquals(1, g.frameStep());
        io.github.dl4jcoded.decode.StepFrames f0 = codec.encoder().frames(0);
        io.github.dl4jcoded.decode.StepFrames f1 = codec.encoder().frames(1);
        for (int j : g.blocks()) {
            // (F1^T F0 s_old + s_fresh) / 2, by hand: lift with step 0's frame, encode with step 1's.
            int b = codec.partition().block(j).size();
            double[] lifted = new double[b];
            f0.frame(j).lift(alone0.symbolsOf(j), lifted, 0);
            double[] projected = new double[f1.rank(j)];
            f1.frame(j).encode(lifted, 0, projected);
            double[] expected = alone1.symbolsOf(j);
            double[] got = g.symbolsOf(j);
            double projectedNorm = 0;
            for (int t = 0; t < expected.length; t++) {
                double e = (projected[t] + expected[t]) / 2;
                assertEquals(e, got[t], 1e-6 * (1 + Math.abs(e)), "block " + j + " symbol " + t);
                projectedNorm += projected[t] * projected[t];
            }
            // The projection is a real loss of a frame that changed: it keeps less than the old symbols' norm.
            double oldNorm = 0;
            for (double v : alone0.symbolsOf(j)) {
                oldNorm += v * v;
            }
            assertTrue(projectedNorm <= oldNorm * (1 + 1e-9), "a projection never grows a vector, block " + j);
        }
    }

    private static DecodedGradient decodeAlone(CodedCodec codec, WorkerMessage m) {
        GradientCodec.Window w = codec.newWindow();
        w.offer(m);
        return w.decode();
    }
}

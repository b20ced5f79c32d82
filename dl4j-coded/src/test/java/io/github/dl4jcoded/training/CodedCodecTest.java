package io.github.dl4jcoded.training;

import io.github.dl4jcoded.decode.Codeword;
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
        CodedCodec codec = new CodedCodec(net, CodedTrainingConfig.builder().workers(2).build());
        GradientCodec.WorkerSide w0 = codec.workerSide(0);
        assertNotNull(w0.compute(net, shard, 0, 0));
        for (long round = 0; round < 6; round++) {
            GradientCodec.Round r = codec.newRound(round, new int[]{0, 1});
            r.offer(codec.workerSide(1).compute(net, shard, round, round));
            r.estimate();
            r.finish();
        }
        assertNull(w0.compute(net, shard, 0, 0), "round 0's frames are gone: nothing to encode");
        assertNotNull(w0.compute(net, shard, 6, 6));
    }

    @Test
    void aRefusedMessageLeavesTheRoundAsItWas() {
        CodedCodec codec = new CodedCodec(net, CodedTrainingConfig.builder().workers(2)
                .frame(CodedTrainingConfig.FrameKind.COUNT_SKETCH).compression(4).errorFeedback(false).build());
        WorkerMessage good = codec.workerSide(0).compute(net, shard, 0, 0);
        List<Codeword> tampered = new ArrayList<>(good.codewords());
        Codeword last = tampered.remove(tampered.size() - 1);
        double[] sym = last.symbols();
        sym[0] = Double.NaN;
        tampered.add(new Codeword(last.step(), last.task(), last.frameTag(), last.blocks(), last.coefficients(), sym));
        WorkerMessage bad = new WorkerMessage(0, 0, 0, good.examples(), good.loss(), tampered, null);
        // worker 1 claiming worker 0's tasks
        WorkerMessage foreign = new WorkerMessage(0, 0, 1, good.examples(), good.loss(), good.codewords(), null);

        GradientCodec.Round r = codec.newRound(0, new int[]{0, 1});
        assertThrows(IllegalArgumentException.class, () -> r.offer(bad));
        assertThrows(IllegalArgumentException.class, () -> r.offer(foreign));
        assertTrue(r.isEmpty());
        r.offer(good);
        assertFalse(r.isEmpty());
        double[] g = r.estimate().meanGradient();
        assertEquals(net.numParams(), g.length);
    }
}

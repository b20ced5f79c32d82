package io.github.dl4jcoded.updater;

import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.AdaGrad;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MaskedUpdaterTest {

    static Stream<IUpdater> updaters() {
        return Stream.of(new Sgd(0.1), new Nesterovs(0.05, 0.9), new Adam(1e-2), new AdaGrad(0.1));
    }

    private static MultiLayerConfiguration conf(IUpdater updater) {
        return new NeuralNetConfiguration.Builder()
                .seed(7).dataType(DataType.DOUBLE).updater(updater)
                .list()
                .layer(new DenseLayer.Builder().nIn(6).nOut(5).activation(Activation.TANH).build())
                .layer(new DenseLayer.Builder().nIn(5).nOut(4).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(4).nOut(3)
                        .activation(Activation.SOFTMAX).build())
                .build();
    }

    private static List<DataSet> batches(int n) {
        Nd4j.getRandom().setSeed(11);
        List<DataSet> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            INDArray x = Nd4j.rand(DataType.DOUBLE, 8, 6).subi(0.5);
            INDArray y = Nd4j.zeros(DataType.DOUBLE, 8, 3);
            for (int r = 0; r < 8; r++) {
                y.putScalar(r, r % 3, 1.0);
            }
            out.add(new DataSet(x, y));
        }
        return out;
    }

    private static MultiLayerNetwork net(MultiLayerConfiguration c) {
        MultiLayerNetwork n = new MultiLayerNetwork(c);
        n.init();
        return n;
    }

    @ParameterizedTest
    @MethodSource("updaters")
    void withEveryBlockPresentItIsExactlyTheWrappedUpdater(IUpdater updater) {
        MultiLayerNetwork plain = net(conf(updater));
        MultiLayerNetwork masked = net(MaskedUpdaters.wrap(conf(updater)));
        masked.setParams(plain.params().dup());
        // DL4J merges layers with equal updater configurations into one updater block.
        assertEquals(1, MaskedUpdaters.bind(masked, () -> GradientMask.all(masked.numParams())));
        for (DataSet ds : batches(5)) {
            plain.fit(ds);
            masked.fit(ds);
        }
        assertEquals(plain.params(), masked.params());
        assertEquals(plain.getUpdater().getStateViewArray(), masked.getUpdater().getStateViewArray());
    }

    @ParameterizedTest
    @MethodSource("updaters")
    void missingBlocksKeepTheirParametersAndStateNoMomentumDrift(IUpdater updater) {
        MultiLayerNetwork plain = net(conf(updater));
        MultiLayerNetwork masked = net(MaskedUpdaters.wrap(conf(updater)));
        masked.setParams(plain.params().dup());
        long n = masked.numParams();
        AtomicReference<GradientMask> mask = new AtomicReference<>(GradientMask.all(n));
        MaskedUpdaters.bind(masked, mask::get);
        List<DataSet> data = batches(4);
        // Two full steps build up momentum / second moments everywhere.
        for (int i = 0; i < 2; i++) {
            plain.fit(data.get(i));
            masked.fit(data.get(i));
        }
        assertEquals(plain.params(), masked.params());
        // Layer 0's W is [0, 30), its b [30, 35); drop W and a slice of layer 1's W.
        mask.set(GradientMask.ofRanges(30, 40, 47, n));
        INDArray before = masked.params().dup();
        INDArray stateView = masked.getUpdater().getStateViewArray(); // null for SGD: no state
        INDArray stateBefore = stateView == null ? null : stateView.dup();
        plain.fit(data.get(2));
        masked.fit(data.get(2));
        INDArray after = masked.params();
        assertEquals(before.get(NDArrayIndex.interval(0, 30)), after.get(NDArrayIndex.interval(0, 30)));
        assertEquals(before.get(NDArrayIndex.interval(40, 47)), after.get(NDArrayIndex.interval(40, 47)));
        // Present blocks move exactly as the plain updater moved them (same params before the step).
        assertEquals(plain.params().get(NDArrayIndex.interval(30, 40)), after.get(NDArrayIndex.interval(30, 40)));
        assertEquals(plain.params().get(NDArrayIndex.interval(47, n)), after.get(NDArrayIndex.interval(47, n)));
        assertNotEquals(before.get(NDArrayIndex.interval(47, n)), after.get(NDArrayIndex.interval(47, n)));
        // Updater state of the missing entries is untouched (checked chunk by chunk: m, v, ...).
        INDArray state = masked.getUpdater().getStateViewArray();
        long chunks = state == null ? 0 : state.length() / n;
        for (long c = 0; c < chunks; c++) {
            assertEquals(stateBefore.get(NDArrayIndex.interval(c * n, c * n + 30)),
                    state.get(NDArrayIndex.interval(c * n, c * n + 30)));
        }
    }

    @Test
    void severalUpdaterBlocksEachMaskTheirOwnOffsets() {
        // A distinct bias updater splits the network into W / b updater blocks at various offsets.
        MultiLayerConfiguration c = new NeuralNetConfiguration.Builder()
                .seed(7).dataType(DataType.DOUBLE).updater(new Nesterovs(0.05, 0.9)).biasUpdater(new Adam(1e-2))
                .list()
                .layer(new DenseLayer.Builder().nIn(6).nOut(5).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(5).nOut(3)
                        .activation(Activation.SOFTMAX).build())
                .build();
        MultiLayerNetwork plain = net(c);
        MultiLayerNetwork masked = net(MaskedUpdaters.wrap(c));
        masked.setParams(plain.params().dup());
        long n = masked.numParams(); // W0 [0,30) b0 [30,35) W1 [35,50) b1 [50,53)
        AtomicReference<GradientMask> mask = new AtomicReference<>(GradientMask.all(n));
        assertEquals(4, MaskedUpdaters.bind(masked, mask::get));
        DataSet ds = batches(1).get(0);
        plain.fit(ds);
        masked.fit(ds);
        mask.set(GradientMask.ofRanges(0, 30, 36, 50)); // b0, W1[0] and b1 missing
        INDArray before = masked.params().dup();
        plain.fit(ds);
        masked.fit(ds);
        INDArray after = masked.params();
        assertEquals(before.get(NDArrayIndex.interval(30, 36)), after.get(NDArrayIndex.interval(30, 36)));
        assertEquals(before.get(NDArrayIndex.interval(50, n)), after.get(NDArrayIndex.interval(50, n)));
        assertEquals(plain.params().get(NDArrayIndex.interval(0, 30)), after.get(NDArrayIndex.interval(0, 30)));
        assertEquals(plain.params().get(NDArrayIndex.interval(36, 50)), after.get(NDArrayIndex.interval(36, 50)));
    }

    @Test
    void roundTripsThroughJsonAndModelSerializer(@TempDir Path dir) throws Exception {
        MultiLayerConfiguration wrapped = MaskedUpdaters.wrap(conf(new Adam(1e-2)));
        MultiLayerConfiguration back = MultiLayerConfiguration.fromJson(wrapped.toJson());
        assertEquals(wrapped, back);
        IUpdater u = ((BaseLayer) back.getConf(0).getLayer()).getIUpdater();
        assertInstanceOf(MaskedUpdater.class, u);
        assertEquals(new Adam(1e-2), ((MaskedUpdater) u).getInner());

        MultiLayerNetwork masked = net(wrapped);
        MaskedUpdaters.bind(masked, () -> null);
        masked.fit(batches(1).get(0));
        File f = dir.resolve("m.zip").toFile();
        ModelSerializer.writeModel(masked, f, true);
        MultiLayerNetwork restored = ModelSerializer.restoreMultiLayerNetwork(f, true);
        assertEquals(masked.params(), restored.params());
        assertEquals(masked.getUpdater().getStateViewArray(), restored.getUpdater().getStateViewArray());
        assertEquals(1, MaskedUpdaters.bind(restored, () -> null));
    }

    @Test
    void refusesToBindANetworkWithoutMaskedUpdatersAndToWrapTwice() {
        MultiLayerNetwork plain = net(conf(new Sgd(0.1)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MaskedUpdaters.bind(plain, () -> null));
        assertTrue(e.getMessage().contains("MaskedUpdaters.wrap"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new MaskedUpdater(new MaskedUpdater(new Sgd(0.1))));
    }

    @Test
    void maskRangesMergeAndReportWhatIsMissing() {
        GradientMask m = GradientMask.ofRanges(10, 20, 0, 5, 18, 25);
        assertTrue(m.covers(0, 5));
        assertTrue(m.covers(10, 25));
        assertTrue(!m.covers(4, 11));
        assertEquals(20, m.presentCount());
        org.junit.jupiter.api.Assertions.assertArrayEquals(new long[]{0, 5, 20, 30}, m.missingWithin(5, 35));
        assertThrows(IllegalArgumentException.class, () -> GradientMask.ofRanges(5, 3));
    }
}

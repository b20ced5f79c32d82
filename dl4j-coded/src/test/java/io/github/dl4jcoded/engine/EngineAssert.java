package io.github.dl4jcoded.engine;

import io.github.dl4jcoded.nn.ParamLayout;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Reference gradients, random directions and the comparisons shared by the engine tests. */
final class EngineAssert {

    static final long MASK_SEED = 4242;

    private EngineAssert() {
    }

    /**
     * Gaussian directions: {@code full} over all parameters, then {@code perLayer} supported on
     * each layer with parameters.
     */
    static INDArray directions(MultiLayerNetwork net, int full, int perLayer, long seed) {
        ParamLayout layout = ParamLayout.of(net);
        List<ParamLayout.LayerRange> withParams = new ArrayList<>();
        for (ParamLayout.LayerRange l : layout.layers()) {
            if (l.hasParams()) {
                withParams.add(l);
            }
        }
        int m = full + perLayer * withParams.size();
        Nd4j.getRandom().setSeed(seed);
        INDArray d = Nd4j.zeros(net.params().dataType(), m, layout.numParams());
        if (full > 0) {
            d.get(NDArrayIndex.interval(0, full), NDArrayIndex.all())
                    .assign(Nd4j.randn(net.params().dataType(), full, layout.numParams()));
        }
        int row = full;
        for (ParamLayout.LayerRange l : perLayer == 0 ? List.<ParamLayout.LayerRange>of() : withParams) {
            d.get(NDArrayIndex.interval(row, row + perLayer), NDArrayIndex.interval(l.from(), l.to()))
                    .assign(Nd4j.randn(net.params().dataType(), perLayer, l.length()));
            row += perLayer;
        }
        return d;
    }

    /** DL4J backprop (seeded), divided by the minibatch size, dotted with the directions. */
    static DirectionalDerivativeEngine.Result reference(MultiLayerNetwork net, INDArray x, INDArray y, INDArray dirs) {
        Nd4j.getRandom().setSeed(MASK_SEED);
        Backprop.Result g = Backprop.meanGradient(io.github.dl4jcoded.nn.Network.of(net), x, y, null, null);
        return new DirectionalDerivativeEngine.Result(g.loss(), dirs.castTo(g.gradient().dataType())
                .mmul(g.gradient().reshape(-1, 1)).castTo(DataType.DOUBLE).toDoubleVector());
    }

    static DirectionalDerivativeEngine.Result seeded(DirectionalDerivativeEngine e, MultiLayerNetwork net,
                                                     INDArray x, INDArray y, INDArray dirs) {
        INDArray before = net.params().dup();
        Nd4j.getRandom().setSeed(MASK_SEED);
        DirectionalDerivativeEngine.Result r = e.compute(net, x, y, dirs);
        assertEquals(before, net.params(), e.name() + " changed the parameters");
        return r;
    }

    static double relError(double a, double b, double floor) {
        double scale = Math.max(Math.max(Math.abs(a), Math.abs(b)), floor);
        return Math.abs(a - b) / scale;
    }

    static double maxRelError(double[] a, double[] b, double floor) {
        assertEquals(a.length, b.length);
        double worst = 0;
        for (int i = 0; i < a.length; i++) {
            worst = Math.max(worst, relError(a[i], b[i], floor));
        }
        return worst;
    }

    /** Engine vs. seeded DL4J backprop, within {@code tol}; also compares the loss with DL4J's score. */
    static double check(DirectionalDerivativeEngine e, MultiLayerNetwork net, INDArray x, INDArray y,
                        INDArray dirs, double tol) {
        DirectionalDerivativeEngine.Result reference = reference(net, x, y, dirs);
        double[] ref = reference.derivatives();
        double refLoss = reference.loss();
        DirectionalDerivativeEngine.Result r = seeded(e, net, x, y, dirs);
        double floor = net.params().dataType() == DataType.DOUBLE ? 1e-12 : 1e-6;
        double err = maxRelError(r.derivatives(), ref, floor);
        assertTrue(err < tol, e.name() + ": max relative error " + err + " >= " + tol
                + "\n engine " + java.util.Arrays.toString(r.derivatives()) + "\n ref    " + java.util.Arrays.toString(ref));
        assertTrue(relError(r.loss(), refLoss, floor) < tol, e.name() + ": loss " + r.loss() + " vs DL4J " + refLoss);
        return err;
    }
}

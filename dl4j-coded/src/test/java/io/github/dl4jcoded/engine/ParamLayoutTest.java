package io.github.dl4jcoded.engine;

import io.github.dl4jcoded.nn.ParamLayout;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.*;

class ParamLayoutTest {

    @Test
    void rangesMatchTheParameterViews() {
        MultiLayerNetwork net = Nets.lenetSmall(DataType.DOUBLE);
        ParamLayout layout = ParamLayout.of(net);
        assertEquals(net.numParams(), layout.numParams());
        INDArray flat = net.params();
        for (ParamLayout.LayerRange l : layout.layers()) {
            assertEquals(net.getLayer(l.layerIndex()).numParams(), l.length());
            for (ParamLayout.ParamRange p : l.params()) {
                INDArray view = net.getLayer(l.layerIndex()).getParam(p.key());
                INDArray slice = flat.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(p.from(), p.to()));
                assertEquals(view.reshape(p.order(), new long[]{view.length()}), slice.reshape(slice.length()), p.key());
            }
        }
        // convolution: b first, then W in 'c' order; dense: W in 'f' order, then b
        ParamLayout.LayerRange conv = layout.layer(0);
        assertEquals("b", conv.params().get(0).key());
        assertEquals('c', conv.param("W").order());
        assertEquals('f', layout.layer(4).param("W").order());
        assertEquals(conv, layout.layerOf(0));
    }

    @Test
    void supportGivesFirstAndLastLayer() {
        MultiLayerNetwork net = Nets.lenetSmall(DataType.DOUBLE);
        ParamLayout layout = ParamLayout.of(net);
        INDArray d = Nd4j.zeros(DataType.DOUBLE, 3, layout.numParams());
        d.putScalar(0, layout.layer(2).from(), 1.0);
        d.putScalar(0, layout.layer(4).from() + 3, -2.0);
        d.putScalar(1, layout.numParams() - 1, 0.5);
        int[][] s = layout.support(d);
        assertArrayEquals(new int[]{2, 5, -1}, s[0]);
        assertArrayEquals(new int[]{4, 5, -1}, s[1]);
        assertArrayEquals(s[0], layout.startLayers(d));
    }

    @Test
    void batchNormRunningStatisticsAreNotDifferentiable() {
        MultiLayerNetwork net = Nets.bnDropoutGlobal(DataType.DOUBLE);
        ParamLayout.LayerRange bn = ParamLayout.of(net).layer(1);
        long frozen = bn.params().stream().filter(p -> !p.differentiable()).count();
        long trained = bn.params().stream().filter(ParamLayout.ParamRange::differentiable).count();
        assertEquals(2, frozen, bn.toString());
        assertEquals(2, trained, bn.toString());
    }
}

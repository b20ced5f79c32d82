package io.github.dl4jcoded.nn;

import io.github.dl4jcoded.partition.Block;
import io.github.dl4jcoded.partition.Partition;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class NetworkPartitionsTest {

    private static MultiLayerNetwork cnn() {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder()
                .seed(1).dataType(DataType.DOUBLE).list()
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(4).activation(Activation.RELU).build())
                .layer(new SubsamplingLayer.Builder().kernelSize(2, 2).stride(2, 2).build())
                .layer(new DenseLayer.Builder().nOut(5).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutionalFlat(8, 8, 1)).build());
        net.init();
        return net;
    }

    @Test
    void layoutIsReadFromTheViews() {
        MultiLayerNetwork net = cnn();
        ParamLayout layout = ParamLayout.of(net);
        // conv: b [4] first, then W [4,1,3,3]; dense 0_W [36,5] 'f'
        ParamLayout.ParamRange first = layout.layer(0).params().get(0);
        assertEquals("b", first.key());
        assertEquals(0, first.from());
        assertEquals(4, layout.layer(0).params().get(1).from());
        assertEquals(net.numParams(), layout.numParams());
        assertEquals(false, layout.layer(1).hasParams()); // pooling has no parameters
    }

    @Test
    void everySchemeCoversEachParameterOnceAndMatchesTheViews() {
        MultiLayerNetwork net = cnn();
        INDArray params = net.params();
        for (NetworkPartitions.Scheme s : NetworkPartitions.Scheme.values()) {
            Partition p = NetworkPartitions.build(net, s, 17);
            assertEquals(net.numParams(), p.size(), s.name()); // Partition validates coverage itself
        }
        assertEquals(3, NetworkPartitions.build(net, NetworkPartitions.Scheme.LAYER, 0).blockCount());
        assertEquals(6, NetworkPartitions.build(net, NetworkPartitions.Scheme.PARAM, 0).blockCount());

        // Output-unit blocks of the dense W gather exactly that unit's column of W.
        Partition units = NetworkPartitions.build(net, NetworkPartitions.Scheme.OUTPUT_UNIT, 0);
        INDArray denseW = net.getParam("2_W"); // [36, 5]
        Block unit3 = units.blocks().stream().filter(b -> b.name().startsWith("2_W") ).skip(3).findFirst().orElseThrow();
        double[] flat = params.toDoubleVector();
        double[] local = new double[unit3.size()];
        unit3.gather(flat, local);
        assertEquals(36, local.length);
        for (int i = 0; i < 36; i++) {
            assertEquals(denseW.getDouble(i, 3), local[i], 0.0);
        }
        // Conv output channel 2 is W[2, :, :, :].
        INDArray convW = net.getParam("0_W");
        Block ch2 = units.blocks().stream().filter(b -> b.name().startsWith("0_W")).skip(2).findFirst().orElseThrow();
        double[] c = new double[ch2.size()];
        ch2.gather(flat, c);
        assertEquals(convW.get(NDArrayIndex.point(2)).dup().reshape(9).getDouble(4), c[4], 0.0);
    }

    @Test
    void unknownSchemeNamesAreRejected() {
        assertEquals(NetworkPartitions.Scheme.OUTPUT_UNIT, NetworkPartitions.Scheme.parse("output-unit"));
        assertThrows(IllegalArgumentException.class, () -> NetworkPartitions.Scheme.parse("rows"));
    }
}

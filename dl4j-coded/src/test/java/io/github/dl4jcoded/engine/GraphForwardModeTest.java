package io.github.dl4jcoded.engine;

import io.github.dl4jcoded.nn.Network;
import io.github.dl4jcoded.nn.ParamLayout;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.L2NormalizeVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.graph.PreprocessorVertex;
import org.deeplearning4j.nn.conf.graph.ScaleVertex;
import org.deeplearning4j.nn.conf.graph.ShiftVertex;
import org.deeplearning4j.nn.conf.graph.SubsetVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.*;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Forward mode through a ComputationGraph, against DL4J's own backprop on the same graph. */
class GraphForwardModeTest {

    private static final ForwardModeEngine FWD = new ForwardModeEngine();
    private static final DataType DT = DataType.DOUBLE;
    private static final int B = 5;

    private static ComputationGraphConfiguration.GraphBuilder builder() {
        return new NeuralNetConfiguration.Builder().seed(12345).dataType(DT).updater(new Sgd(0.1))
                .weightInit(WeightInit.XAVIER).graphBuilder();
    }

    private static ComputationGraph init(ComputationGraphConfiguration conf) {
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        // Non-zero biases, BN gamma/beta and running statistics away from their initial values.
        Nd4j.getRandom().setSeed(7);
        g.params().addi(Nd4j.randn(DT, g.params().shape()).muli(0.05));
        return g;
    }

    private static ConvolutionLayer conv(int k, int nOut, Activation a) {
        return new ConvolutionLayer.Builder(k, k).nOut(nOut).convolutionMode(ConvolutionMode.Same).activation(a).build();
    }

    private static BatchNormalization bn(boolean logStd) {
        return new BatchNormalization.Builder().useLogStd(logStd).build();
    }

    private static ActivationLayer relu() {
        return new ActivationLayer.Builder().activation(Activation.RELU).build();
    }

    /**
     * conv-BN-relu, a residual block (conv-BN-relu-conv-BN + identity, relu), max pooling, a
     * gated side branch (sigmoid x tanh: ElementWise Product) merged on the channels, a
     * preprocessor vertex, dense, softmax output.
     */
    static ComputationGraph residual() {
        return init(builder().addInputs("in").setInputTypes(InputType.convolutional(8, 8, 1))
                .addLayer("c0", conv(3, 4, Activation.IDENTITY), "in")
                .addLayer("bn0", bn(true), "c0")
                .addLayer("a0", relu(), "bn0")
                .addLayer("r1", conv(3, 4, Activation.IDENTITY), "a0")
                .addLayer("rbn1", bn(false), "r1")
                .addLayer("ra1", relu(), "rbn1")
                .addLayer("r2", conv(3, 4, Activation.IDENTITY), "ra1")
                .addLayer("rbn2", bn(true), "r2")
                .addVertex("add", new ElementWiseVertex(ElementWiseVertex.Op.Add), "rbn2", "a0")
                .addLayer("ra2", relu(), "add")
                .addLayer("pool", new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX)
                        .kernelSize(2, 2).stride(2, 2).build(), "ra2")
                .addLayer("gate", conv(1, 2, Activation.SIGMOID), "pool")
                .addLayer("value", conv(1, 2, Activation.TANH), "pool")
                .addVertex("prod", new ElementWiseVertex(ElementWiseVertex.Op.Product), "gate", "value")
                .addVertex("merge", new MergeVertex(), "pool", "prod")
                .addVertex("flat", new PreprocessorVertex(new CnnToFeedForwardPreProcessor(4, 4, 6)), "merge")
                .addLayer("dense", new DenseLayer.Builder().nIn(96).nOut(8).activation(Activation.TANH).build(), "flat")
                .addLayer("out", new OutputLayer.Builder(LossFunction.MCXENT).nOut(Nets.CLASSES)
                        .activation(Activation.SOFTMAX).build(), "dense")
                .setOutputs("out").build());
    }

    /** Two dense branches joined by Max, Subtract and Average, then Scale, Shift, Subset and Merge. */
    static ComputationGraph vertexZoo() {
        return init(builder().addInputs("in").setInputTypes(InputType.feedForward(6))
                .addLayer("d1", new DenseLayer.Builder().nOut(5).activation(Activation.TANH).build(), "in")
                .addLayer("d2", new DenseLayer.Builder().nOut(5).activation(Activation.SIGMOID).build(), "in")
                .addVertex("max", new ElementWiseVertex(ElementWiseVertex.Op.Max), "d1", "d2")
                .addVertex("sub", new ElementWiseVertex(ElementWiseVertex.Op.Subtract), "d1", "d2")
                .addVertex("avg", new ElementWiseVertex(ElementWiseVertex.Op.Average), "d1", "max", "sub")
                .addVertex("scale", new ScaleVertex(0.5), "sub")
                .addVertex("shift", new ShiftVertex(0.3), "avg")
                .addVertex("subset", new SubsetVertex(1, 3), "shift")
                .addLayer("d3", new DenseLayer.Builder().nOut(4).activation(Activation.ELU).build(), "d2")
                .addVertex("merge", new MergeVertex(), "scale", "subset", "d3")
                .addLayer("out", new OutputLayer.Builder(LossFunction.MCXENT).nOut(Nets.CLASSES)
                        .activation(Activation.SOFTMAX).build(), "merge")
                .setOutputs("out").build());
    }

    private static INDArray features(long... shape) {
        Nd4j.getRandom().setSeed(99);
        return Nd4j.randn(DT, shape);
    }

    private static INDArray labels() {
        INDArray y = Nd4j.zeros(DT, B, Nets.CLASSES);
        java.util.Random r = new java.util.Random(5);
        for (int i = 0; i < B; i++) {
            y.putScalar(i, r.nextInt(Nets.CLASSES), 1.0);
        }
        return y;
    }

    /** {@code full} Gaussian directions on all parameters, then {@code perLayer} on each layer with parameters. */
    private static INDArray directions(Network net, int full, int perLayer, long seed) {
        ParamLayout layout = ParamLayout.of(net);
        List<ParamLayout.LayerRange> withParams = layout.layers().stream().filter(ParamLayout.LayerRange::hasParams).toList();
        Nd4j.getRandom().setSeed(seed);
        INDArray d = Nd4j.zeros(DT, full + perLayer * withParams.size(), layout.numParams());
        d.get(NDArrayIndex.interval(0, full), NDArrayIndex.all()).assign(Nd4j.randn(DT, full, layout.numParams()));
        int row = full;
        for (ParamLayout.LayerRange l : withParams) {
            d.get(NDArrayIndex.interval(row, row + perLayer), NDArrayIndex.interval(l.from(), l.to()))
                    .assign(Nd4j.randn(DT, perLayer, l.length()));
            row += perLayer;
        }
        return d;
    }

    /** Forward mode against DL4J's backprop dotted with the directions; returns the worst relative error. */
    private static double checkAgainstBackprop(Network net, INDArray x, INDArray y, INDArray dirs, double tol) {
        Backprop.Result g = Backprop.meanGradient(net, x, y, null, null);
        double[] ref = dirs.mmul(g.gradient().reshape(-1, 1)).toDoubleVector();
        INDArray before = net.params().dup();
        DirectionalDerivativeEngine.Result r = FWD.compute(net, x, y, dirs);
        assertEquals(before, net.params(), "forward mode changed the parameters");
        double worst = EngineAssert.maxRelError(r.derivatives(), ref, 1e-12);
        assertTrue(worst < tol, "max relative error " + worst + "\n fwd " + java.util.Arrays.toString(r.derivatives())
                + "\n ref " + java.util.Arrays.toString(ref));
        assertTrue(EngineAssert.relError(r.loss(), g.loss(), 1e-12) < tol, "loss " + r.loss() + " vs DL4J " + g.loss());
        return worst;
    }

    @Test
    void residualCnnMatchesBackprop() {
        Network net = Network.of(residual());
        INDArray x = features(B, 1, 8, 8);
        double err = checkAgainstBackprop(net, x, labels(), directions(net, 3, 2, 11), 1e-10);
        System.out.println("residual graph: worst relative error " + err);
    }

    @Test
    void residualCnnInChunksMatchesBackprop() {
        Network net = Network.of(residual());
        INDArray x = features(B, 1, 8, 8);
        INDArray dirs = directions(net, 2, 1, 12);
        Backprop.Result g = Backprop.meanGradient(net, x, labels(), null, null);
        double[] ref = dirs.mmul(g.gradient().reshape(-1, 1)).toDoubleVector();
        DirectionalDerivativeEngine.Result r = new ForwardModeEngine(3).compute(net, x, labels(), dirs);
        double err = EngineAssert.maxRelError(r.derivatives(), ref, 1e-12);
        assertTrue(err < 1e-10, "chunked: " + err);
    }

    @Test
    void everyParameterFreeVertexMatchesBackprop() {
        Network net = Network.of(vertexZoo());
        double err = checkAgainstBackprop(net, features(B, 6), labels(), directions(net, 3, 2, 13), 1e-10);
        System.out.println("vertex zoo graph: worst relative error " + err);
    }

    @Test
    void runningStatisticsOfAGraphAreDl4js() {
        Network net = Network.of(residual());
        INDArray x = features(B, 1, 8, 8);
        double[] dl4j = Backprop.meanGradient(net, x, labels(), null, null).runningStatistics();
        DirectionalDerivativeEngine.Result r = FWD.compute(net, x, labels(), directions(net, 1, 0, 3));
        assertRunningStatistics(dl4j, r.runningStatistics());
        // Also without any direction: the primal pass alone gives them.
        DirectionalDerivativeEngine.Result none = FWD.compute(net, x, labels(), Nd4j.zeros(DT, 0, net.numParams()));
        assertRunningStatistics(dl4j, none.runningStatistics());
    }

    @Test
    void runningStatisticsOfAMultiLayerNetworkAreDl4js() {
        for (boolean logStd : new boolean[]{true, false}) {
            MultiLayerNetwork mln = Nets.build(DT, InputType.convolutional(6, 6, 2),
                    conv(3, 3, Activation.IDENTITY), bn(logStd), relu(),
                    new DenseLayer.Builder().nOut(5).activation(Activation.TANH).build(), bn(!logStd),
                    Nets.softmaxOut());
            Network net = Network.of(mln);
            INDArray x = features(B, 2, 6, 6);
            double[] dl4j = Backprop.meanGradient(net, x, labels(), null, null).runningStatistics();
            DirectionalDerivativeEngine.Result r = FWD.compute(net, x, labels(), directions(net, 1, 1, 4));
            assertRunningStatistics(dl4j, r.runningStatistics());
        }
        assertNull(FWD.compute(Nets.mlp(DT), features(B, 10), labels(),
                Nd4j.zeros(DT, 1, Nets.mlp(DT).numParams())).runningStatistics());
    }

    private static void assertRunningStatistics(double[] dl4j, double[] fwd) {
        assertNotNull(dl4j);
        assertNotNull(fwd);
        assertEquals(dl4j.length, fwd.length);
        double scale = 0;
        for (double v : dl4j) {
            scale = Math.max(scale, Math.abs(v));
        }
        assertTrue(scale > 1e-3, "running statistics steps are trivially small: " + scale);
        double worst = 0;
        for (int i = 0; i < dl4j.length; i++) {
            worst = Math.max(worst, Math.abs(dl4j[i] - fwd[i]) / Math.max(Math.abs(dl4j[i]), 1e-12));
        }
        System.out.println("running statistics: " + dl4j.length + " values, worst relative error " + worst);
        assertTrue(worst < 1e-12, "running statistics differ from DL4J's by " + worst);
    }

    /** The same layers as a MultiLayerNetwork and as a chain graph, same parameters: same numbers. */
    @Test
    void aChainGraphGivesTheMultiLayerNetworksDerivatives() {
        List<Layer> layers = List.of(conv(3, 4, Activation.IDENTITY), bn(true), relu(),
                new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build(),
                new DenseLayer.Builder().nOut(7).activation(Activation.TANH).build(), Nets.softmaxOut());
        MultiLayerNetwork mln = Nets.build(DT, InputType.convolutionalFlat(8, 8, 1), layers.toArray(Layer[]::new));
        ComputationGraphConfiguration.GraphBuilder gb = builder().addInputs("in")
                .setInputTypes(InputType.convolutionalFlat(8, 8, 1));
        String prev = "in";
        for (int i = 0; i < layers.size(); i++) {
            gb.addLayer("l" + i, layers.get(i).clone(), prev);
            prev = "l" + i;
        }
        ComputationGraph graph = new ComputationGraph(gb.setOutputs(prev).build());
        graph.init();
        assertEquals(mln.numParams(), graph.numParams());
        graph.params().assign(mln.params());

        Network m = Network.of(mln);
        Network g = Network.of(graph);
        INDArray x = features(B, 64);
        INDArray dirs = directions(m, 2, 2, 21);
        DirectionalDerivativeEngine.Result rm = FWD.compute(m, x, labels(), dirs);
        DirectionalDerivativeEngine.Result rg = FWD.compute(g, x, labels(), dirs);
        assertEquals(rm.loss(), rg.loss(), 1e-14 * Math.abs(rm.loss()));
        double err = EngineAssert.maxRelError(rg.derivatives(), rm.derivatives(), 1e-12);
        assertTrue(err < 1e-12, "graph vs multi-layer network: " + err);
        assertArrayEquals(rm.runningStatistics(), rg.runningStatistics(), 1e-14);
    }

    private static ComputationGraph withL2Normalize() {
        return init(builder().addInputs("in").setInputTypes(InputType.feedForward(6))
                .addLayer("d1", new DenseLayer.Builder().nOut(5).activation(Activation.TANH).build(), "in")
                .addVertex("norm", new L2NormalizeVertex(), "d1")
                .addLayer("out", new OutputLayer.Builder(LossFunction.MCXENT).nOut(Nets.CLASSES)
                        .activation(Activation.SOFTMAX).build(), "norm")
                .setOutputs("out").build());
    }

    @Test
    void anUnsupportedVertexIsRefusedByName() {
        Network net = Network.of(withL2Normalize());
        INDArray before = net.params().dup();
        UnsupportedLayerException e = assertThrows(UnsupportedLayerException.class,
                () -> FWD.compute(net, features(B, 6), labels(), directions(net, 1, 0, 1)));
        assertTrue(e.getMessage().contains("'norm'") && e.getMessage().contains("L2NormalizeVertex"), e.getMessage());
        assertEquals(before, net.params());
    }

    @Test
    void gradCheckPassesOnTheResidualGraph() {
        Network net = Network.of(residual());
        GradCheck.Report r = GradCheck.run(net, features(B, 1, 8, 8), labels(), GradCheck.defaultEngines(), 2, 77);
        System.out.println(r);
        GradCheck.EngineReport fwd = r.engines().get(0);
        assertEquals("forward-mode", fwd.engine());
        assertTrue(fwd.passed(), r.toString());
        assertTrue(fwd.maxRelError() < 1e-6, r.toString());
        // all parameters + every layer with parameters
        long withParams = ParamLayout.of(net).layers().stream().filter(ParamLayout.LayerRange::hasParams).count();
        assertEquals(1 + withParams, fwd.layers().size());
        assertTrue(r.engines().get(1).passed(), r.toString());
        assertTrue(r.engines().get(2).passed(), r.toString());
    }

    @Test
    void gradCheckReportsAnUnsupportedVertexAsThatEnginesError() {
        Network net = Network.of(withL2Normalize());
        GradCheck.Report r = GradCheck.run(net, features(B, 6), labels(), GradCheck.defaultEngines(), 2, 78);
        assertFalse(r.passed());
        assertNotNull(r.engines().get(0).error(), r.toString());
        assertTrue(r.engines().get(0).error().contains("'norm'"), r.toString());
        assertTrue(r.engines().get(1).passed(), r.toString());
        assertTrue(r.engines().get(2).passed(), r.toString());
    }

    /** Directions that start on one branch are zero on the other: both orders of starting layers. */
    @Test
    void directionsOnSingleBranchesOnly() {
        Network net = Network.of(residual());
        ParamLayout layout = ParamLayout.of(net);
        List<Integer> picks = new ArrayList<>();
        for (ParamLayout.LayerRange l : layout.layers()) {
            if (l.layerName().equals("value") || l.layerName().equals("gate") || l.layerName().equals("c0")) {
                picks.add(l.layerIndex());
            }
        }
        Nd4j.getRandom().setSeed(5);
        INDArray dirs = Nd4j.zeros(DT, picks.size(), layout.numParams());
        for (int i = 0; i < picks.size(); i++) {
            ParamLayout.LayerRange l = layout.layer(picks.get(picks.size() - 1 - i)); // latest first: engine reorders
            dirs.get(NDArrayIndex.point(i), NDArrayIndex.interval(l.from(), l.to())).assign(Nd4j.randn(DT, 1, l.length()));
        }
        checkAgainstBackprop(net, features(B, 1, 8, 8), labels(), dirs, 1e-10);
    }
}

package io.github.dl4jcoded.nn;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.BaseMultiLayerUpdater;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.ByteArrayInputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.util.Collection;
import java.util.function.UnaryOperator;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * A DL4J network as the coded pipeline sees it: a {@link MultiLayerNetwork} or a
 * {@link ComputationGraph} behind one set of operations (parameters, layers in parameter order,
 * updater, counters, listeners, one minibatch's gradient, copies, JSON and files). Every trainer,
 * engine and codec works on this type, so a rule about networks is written once for both kinds.
 * The wrapped DL4J object is the user's own ({@link #model()}): nothing is copied.
 */
public abstract sealed class Network permits Network.MultiLayer, Network.Graph {

    public static Network of(MultiLayerNetwork net) {
        return new MultiLayer(net);
    }

    public static Network of(ComputationGraph graph) {
        return new Graph(graph);
    }

    /** Either kind of DL4J network; anything else is refused with its class named. */
    public static Network of(Model model) {
        if (model instanceof MultiLayerNetwork m) {
            return of(m);
        }
        if (model instanceof ComputationGraph g) {
            return of(g);
        }
        throw new IllegalArgumentException("not a MultiLayerNetwork or ComputationGraph: "
                + (model == null ? "null" : model.getClass().getName()));
    }

    /**
     * A network built from a configuration's JSON ({@link #configurationJson()}), not yet
     * initialized: a graph's JSON has "vertices", a multi-layer network's "confs".
     */
    public static Network fromJson(String json) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(json);
        } catch (IOException e) {
            throw new IllegalArgumentException("not a network configuration: " + e.getMessage(), e);
        }
        if (root != null && root.has("vertices")) {
            return of(new ComputationGraph(ComputationGraphConfiguration.fromJson(json)));
        }
        return of(new MultiLayerNetwork(MultiLayerConfiguration.fromJson(json)));
    }

    /** A network saved by {@code ModelSerializer} (either kind), with its updater state. */
    public static Network restore(byte[] zip) throws IOException {
        return isGraphZip(zip)
                ? of(ModelSerializer.restoreComputationGraph(new ByteArrayInputStream(zip), true))
                : of(ModelSerializer.restoreMultiLayerNetwork(new ByteArrayInputStream(zip), true));
    }

    /** As {@link #restore(byte[])}, from a file. */
    public static Network restore(File file) throws IOException {
        return restore(java.nio.file.Files.readAllBytes(file.toPath()));
    }

    private static boolean isGraphZip(byte[] zip) throws IOException {
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
            for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
                if (e.getName().equals("configuration.json")) {
                    return isGraphJson(in);
                }
            }
        }
        throw new IOException("not a DL4J model file: no configuration.json in it");
    }

    private static boolean isGraphJson(InputStream json) throws IOException {
        JsonNode root = new ObjectMapper().readTree(json);
        return root != null && root.has("vertices");
    }

    /** The user's DL4J object. */
    public abstract Model model();

    public abstract boolean isGraph();

    // What DL4J's Model interface already offers both kinds of network is delegated here, once.

    /** The flattened parameters (a view: writing it writes the network). */
    public INDArray params() {
        return model().params();
    }

    public long numParams() {
        return model().numParams();
    }

    public DataType dataType() {
        return params().dataType();
    }

    /** The layers in the order of their parameters in {@link #params()}. */
    public abstract Layer[] layers();

    /** How the updater names layer {@code i} in gradient keys ("3_W" in a multi-layer network, "conv1_W" in a graph). */
    public abstract String gradientPrefix(int i);

    /** The configuration's JSON: everything needed to rebuild the network (not its parameters). */
    public abstract String configurationJson();

    /** A network with this one's configuration, copied through {@code edit}, not initialized. */
    public abstract Network withConfiguration(UnaryOperator<Object> edit);

    /** Initializes a network built from a configuration with {@code params}, cloned when asked. */
    public abstract void init(INDArray params, boolean cloneParams);

    /** Initializes a network built from a configuration with its seeded initial parameters. */
    public void init() {
        init(null, false);
    }

    /** Copies {@code values} into the parameters. */
    public void setParams(INDArray values) {
        params().assign(values);
    }

    public abstract int getIterationCount();

    public abstract void setIterationCount(int iterations);

    public abstract int getEpochCount();

    public abstract void setEpochCount(int epochs);

    public void incrementEpochCount() {
        setEpochCount(getEpochCount() + 1);
    }

    /** The network's updater (created when absent). */
    public abstract BaseMultiLayerUpdater<?> updater();

    public INDArray updaterState() {
        return updater().getStateViewArray();
    }

    public abstract Collection<TrainingListener> getListeners();

    public double score() {
        return model().score();
    }

    public abstract void setScore(double score);

    /** The flattened gradient view the updater reads (created when absent). */
    public abstract INDArray gradientView();

    /** Sets one minibatch (single input, single output) with optional masks. */
    public abstract void setMinibatch(INDArray features, INDArray labels, INDArray featuresMask, INDArray labelsMask);

    /** DL4J's backprop on the set minibatch: score and gradient view. */
    public abstract void computeGradientAndScore();

    public abstract double regularizationScore();

    /** Drops inputs, labels, masks and layer states (not the updater). */
    public abstract void clearMinibatch();

    /** Inference-mode output of a single-input, single-output network. */
    public abstract INDArray output(INDArray features);

    /** A deep copy (parameters, updater state, counters; listeners are not copied by DL4J). */
    public abstract Network duplicate();

    /** A copy in another floating-point type. */
    public abstract Network convertDataType(DataType type);

    /** DL4J's score (data loss plus regularization) of one minibatch, in training or inference mode. */
    public abstract double score(org.nd4j.linalg.dataset.DataSet data, boolean training);

    /** DL4J's clear(): inputs, labels, layer states and the solver. */
    public void clear() {
        model().clear();
    }

    /** DL4J's own training step on one minibatch (plain {@code fit}). */
    public abstract void fit(org.nd4j.linalg.dataset.DataSet data);

    /** DL4J's classification evaluation over {@code data}. */
    public abstract org.nd4j.evaluation.classification.Evaluation evaluate(
            org.nd4j.linalg.dataset.api.iterator.DataSetIterator data);

    /** DL4J's ModelSerializer zip of this network, written to {@code out} ({@link #restore} reads it back). */
    public void save(java.io.OutputStream out, boolean withUpdater) throws IOException {
        ModelSerializer.writeModel(model(), out, withUpdater);
    }

    /** {@link #save} with the updater state, in memory: what a worker joining mid-run is sent. */
    public byte[] snapshot() {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        try {
            save(out, true);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot serialize the network", e);
        }
        return out.toByteArray();
    }

    @Override
    public String toString() {
        return (isGraph() ? "ComputationGraph" : "MultiLayerNetwork") + "[" + numParams() + " parameters]";
    }

    /** A {@link MultiLayerNetwork}. */
    public static final class MultiLayer extends Network {
        private final MultiLayerNetwork net;

        private MultiLayer(MultiLayerNetwork net) {
            this.net = java.util.Objects.requireNonNull(net, "network");
        }

        @Override
        public MultiLayerNetwork model() {
            return net;
        }

        @Override
        public boolean isGraph() {
            return false;
        }

        @Override
        public Layer[] layers() {
            return net.getLayers();
        }

        @Override
        public String gradientPrefix(int i) {
            return Integer.toString(i);
        }

        /** The preprocessor in front of layer {@code i}, or null. */
        public InputPreProcessor preprocessor(int i) {
            return net.getLayerWiseConfigurations().getInputPreProcess(i);
        }

        @Override
        public String configurationJson() {
            return net.getLayerWiseConfigurations().toJson();
        }

        @Override
        public Network withConfiguration(UnaryOperator<Object> edit) {
            return of(new MultiLayerNetwork((MultiLayerConfiguration) edit.apply(net.getLayerWiseConfigurations().clone())));
        }

        @Override
        public void init(INDArray params, boolean cloneParams) {
            net.init(params, cloneParams);
        }

        @Override
        public int getIterationCount() {
            return net.getIterationCount();
        }

        @Override
        public void setIterationCount(int iterations) {
            net.setIterationCount(iterations);
        }

        @Override
        public int getEpochCount() {
            return net.getEpochCount();
        }

        @Override
        public void setEpochCount(int epochs) {
            net.getLayerWiseConfigurations().setEpochCount(epochs);
        }

        @Override
        public BaseMultiLayerUpdater<?> updater() {
            return (BaseMultiLayerUpdater<?>) net.getUpdater(true);
        }

        @Override
        public Collection<TrainingListener> getListeners() {
            return net.getListeners();
        }

        @Override
        public void setScore(double score) {
            net.setScore(score);
        }

        @Override
        public INDArray gradientView() {
            if (net.getGradientsViewArray() == null) {
                net.initGradientsView(); // DL4J creates it lazily, on the first backprop
            }
            return net.getGradientsViewArray();
        }

        @Override
        public void setMinibatch(INDArray features, INDArray labels, INDArray featuresMask, INDArray labelsMask) {
            net.setInput(features);
            net.setLabels(labels);
            net.setLayerMaskArrays(featuresMask, labelsMask);
        }

        @Override
        public void computeGradientAndScore() {
            net.computeGradientAndScore();
        }

        @Override
        public double regularizationScore() {
            return net.calcRegularizationScore(true);
        }

        @Override
        public void clearMinibatch() {
            // Not net.clear(): it drops the solver, and with it the updater and its state, which a
            // cluster replica's network must keep (it is the server's copy).
            net.clearLayersStates();
            net.setInput(null);
            net.setLabels(null);
            net.clearLayerMaskArrays();
        }

        @Override
        public INDArray output(INDArray features) {
            return net.output(features, false);
        }

        @Override
        public Network duplicate() {
            return of(net.clone());
        }

        @Override
        public Network convertDataType(DataType type) {
            return of(net.convertDataType(type));
        }

        @Override
        public double score(org.nd4j.linalg.dataset.DataSet data, boolean training) {
            return net.score(data, training);
        }

        @Override
        public void fit(org.nd4j.linalg.dataset.DataSet data) {
            net.fit(data);
        }

        @Override
        public org.nd4j.evaluation.classification.Evaluation evaluate(org.nd4j.linalg.dataset.api.iterator.DataSetIterator data) {
            return net.evaluate(data);
        }
    }

    /** A {@link ComputationGraph} with one input and one output (what a DataSet feeds). */
    public static final class Graph extends Network {
        private final ComputationGraph graph;

        private Graph(ComputationGraph graph) {
            this.graph = java.util.Objects.requireNonNull(graph, "graph");
        }

        @Override
        public ComputationGraph model() {
            return graph;
        }

        @Override
        public boolean isGraph() {
            return true;
        }

        @Override
        public Layer[] layers() {
            return graph.getLayers(); // topological order: the order of the flattened parameters
        }

        @Override
        public String gradientPrefix(int i) {
            return graph.getLayers()[i].conf().getLayer().getLayerName();
        }

        @Override
        public String configurationJson() {
            return graph.getConfiguration().toJson();
        }

        @Override
        public Network withConfiguration(UnaryOperator<Object> edit) {
            return of(new ComputationGraph((ComputationGraphConfiguration) edit.apply(configurationCopy())));
        }

        /** DL4J's configuration clone drops the iteration and epoch counts (a MultiLayerConfiguration's keeps them). */
        private ComputationGraphConfiguration configurationCopy() {
            ComputationGraphConfiguration c = graph.getConfiguration().clone();
            c.setIterationCount(graph.getConfiguration().getIterationCount());
            c.setEpochCount(graph.getConfiguration().getEpochCount());
            return c;
        }

        @Override
        public void init(INDArray params, boolean cloneParams) {
            graph.init(params, cloneParams);
        }

        @Override
        public int getIterationCount() {
            return graph.getIterationCount();
        }

        @Override
        public void setIterationCount(int iterations) {
            graph.getConfiguration().setIterationCount(iterations);
        }

        @Override
        public int getEpochCount() {
            return graph.getEpochCount();
        }

        @Override
        public void setEpochCount(int epochs) {
            graph.getConfiguration().setEpochCount(epochs);
        }

        @Override
        public BaseMultiLayerUpdater<?> updater() {
            return graph.getUpdater(true);
        }

        @Override
        public Collection<TrainingListener> getListeners() {
            return graph.getListeners();
        }

        @Override
        public void setScore(double score) {
            graph.setScore(score);
        }

        @Override
        public INDArray gradientView() {
            if (graph.getGradientsViewArray() == null) {
                graph.initGradientsView();
            }
            return graph.getGradientsViewArray();
        }

        @Override
        public void setMinibatch(INDArray features, INDArray labels, INDArray featuresMask, INDArray labelsMask) {
            graph.setInputs(features);
            graph.setLabels(labels);
            graph.setLayerMaskArrays(featuresMask == null ? null : new INDArray[]{featuresMask},
                    labelsMask == null ? null : new INDArray[]{labelsMask});
        }

        @Override
        public void computeGradientAndScore() {
            graph.computeGradientAndScore();
        }

        @Override
        public double regularizationScore() {
            return graph.calcRegularizationScore(true);
        }

        @Override
        public void clearMinibatch() {
            graph.clearLayersStates();
            graph.clearLayerMaskArrays();
        }

        @Override
        public INDArray output(INDArray features) {
            return graph.outputSingle(false, features);
        }

        /**
         * Not {@code graph.clone()}: it drops the iteration and epoch counts, and the copy shares the
         * original's listener list (clearing the copy's listeners would clear the user's).
         */
        @Override
        public Network duplicate() {
            ComputationGraph copy = new ComputationGraph(configurationCopy());
            copy.init(graph.params().dup(), false);
            INDArray state = graph.getUpdater(true).getStateViewArray();
            if (state != null && !state.isEmpty()) {
                copy.getUpdater(true).getStateViewArray().assign(state);
            }
            for (Layer l : graph.getLayers()) {
                if (l instanceof org.deeplearning4j.nn.layers.FrozenLayer) {
                    copy.getVertex(l.conf().getLayer().getLayerName()).setLayerAsFrozen();
                }
            }
            return of(copy);
        }

        @Override
        public Network convertDataType(DataType type) {
            return of(graph.convertDataType(type));
        }

        @Override
        public double score(org.nd4j.linalg.dataset.DataSet data, boolean training) {
            return graph.score(data, training);
        }

        @Override
        public void fit(org.nd4j.linalg.dataset.DataSet data) {
            graph.fit(data);
        }

        @Override
        public org.nd4j.evaluation.classification.Evaluation evaluate(org.nd4j.linalg.dataset.api.iterator.DataSetIterator data) {
            return graph.evaluate(data);
        }
    }
}

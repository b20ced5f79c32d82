package io.github.dl4jcoded.engine;

import io.github.dl4jcoded.engine.tangent.DenseRule;
import io.github.dl4jcoded.engine.tangent.Dual;
import io.github.dl4jcoded.engine.tangent.LayerContext;
import io.github.dl4jcoded.engine.tangent.LayerDirections;
import io.github.dl4jcoded.engine.tangent.LossRule;
import io.github.dl4jcoded.engine.tangent.PreprocessorRule;
import io.github.dl4jcoded.engine.tangent.TangentRules;
import io.github.dl4jcoded.engine.tangent.VertexRules;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.graph.vertex.VertexIndices;
import org.deeplearning4j.nn.graph.vertex.impl.ElementWiseVertex;
import org.deeplearning4j.nn.graph.vertex.impl.InputVertex;
import org.deeplearning4j.nn.graph.vertex.impl.LayerVertex;
import org.deeplearning4j.nn.graph.vertex.impl.MergeVertex;
import org.deeplearning4j.nn.graph.vertex.impl.PreprocessorVertex;
import org.deeplearning4j.nn.graph.vertex.impl.ScaleVertex;
import org.deeplearning4j.nn.graph.vertex.impl.ShiftVertex;
import org.deeplearning4j.nn.graph.vertex.impl.SubsetVertex;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Forward mode through a {@link ComputationGraph}: one sweep over the vertices in DL4J's
 * topological order, one {@link Dual} per vertex output. Layer vertices use the layer rules of
 * {@link TangentRules} (after the vertex's own input preprocessor); the parameter-free vertices
 * use {@link VertexRules}; the network's single output layer ends in {@link LossRule}.
 *
 * <p>Tangent order: every Dual carries a prefix of the pass's directions, which are ordered by
 * start layer (layer indices follow the topological order). At a layer vertex where some active
 * direction may be non-zero on the layer's parameters, the tangents grow to all directions started
 * so far (those started on other branches get a zero incoming tangent); elsewhere a layer keeps its
 * input's tangents. Joining vertices read a Dual's missing tangents as zero. Each vertex output
 * is freed once its last consumer has run. Layers run in topological order, the order in which
 * DL4J's own training pass draws dropout masks.
 */
final class GraphSweep {

    private static final Set<Class<?>> PARAMETER_FREE = Set.of(ElementWiseVertex.class, MergeVertex.class,
            SubsetVertex.class, ScaleVertex.class, ShiftVertex.class, PreprocessorVertex.class);

    private GraphSweep() {
    }

    static LossRule.Value sweep(ComputationGraph g, ForwardModeEngine.Pass pass, INDArray features,
                                INDArray labels, INDArray labelsMask) {
        ComputationGraphConfiguration conf = g.getConfiguration();
        GraphVertex[] vertices = g.getVertices();
        Map<Layer, Integer> layerIndex = layerIndex(g);
        String output = conf.getNetworkOutputs().get(0);
        Dual[] outs = new Dual[vertices.length];
        int[] remaining = new int[vertices.length];
        for (GraphVertex v : vertices) {
            for (VertexIndices in : inputsOf(v)) {
                remaining[in.getVertexIndex()]++;
            }
        }
        LossRule.Value value = null;
        for (int vi : g.topologicalSortOrder()) {
            GraphVertex v = vertices[vi];
            if (v.isInputVertex()) {
                outs[vi] = Dual.primalOnly(features);
                continue;
            }
            VertexIndices[] inputs = inputsOf(v);
            Dual[] in = new Dual[inputs.length];
            for (int i = 0; i < inputs.length; i++) {
                in[i] = outs[inputs[i].getVertexIndex()];
            }
            VertexRules.Vertex named = new VertexRules.Vertex(v.getVertexName(), v.getClass().getSimpleName());
            org.deeplearning4j.nn.conf.graph.GraphVertex vc = conf.getVertices().get(v.getVertexName());
            Dual out;
            if (v instanceof LayerVertex) {
                int l = layerIndex.get(v.getLayer());
                LayerContext ctx = pass.context(l, v.getLayer(), g.getIterationCount(), g.getEpochCount());
                Dual cur = in[0];
                InputPreProcessor pre = ((org.deeplearning4j.nn.conf.graph.LayerVertex) vc).getPreProcessor();
                if (pre != null) {
                    cur = PreprocessorRule.apply(ctx, pre, cur);
                }
                int active = pass.activeAt(l);
                boolean params = pass.layout().layer(l).hasParams() && pass.paramTangents(active, l);
                // Without parameter tangents here the layer only pushes its input's tangents on.
                LayerDirections ld = new LayerDirections(pass.dirs(), pass.rows(), params ? active : cur.k(), params,
                        pass.layout().layer(l));
                org.deeplearning4j.nn.conf.layers.Layer lc = ctx.conf();
                if (v.getVertexName().equals(output)) {
                    if (lc instanceof LossLayer lossConf) {
                        value = LossRule.apply(ctx, lossConf.getLossFn(), lossConf.getActivationFn(), cur, labels,
                                labelsMask);
                        out = cur;
                    } else {
                        BaseOutputLayer o = (BaseOutputLayer) lc;
                        Dual z = DenseRule.preOutput(ctx, cur, ld);
                        value = LossRule.apply(ctx, o.getLossFn(), o.getActivationFn(), z, labels, labelsMask);
                        out = z;
                    }
                } else {
                    out = TangentRules.hidden(lc).apply(ctx, cur, ld);
                }
                if (cur != in[0]) {
                    cur.releaseExcept(out, live(outs, remaining, features));
                }
            } else if (vc instanceof org.deeplearning4j.nn.conf.graph.ElementWiseVertex c) {
                out = VertexRules.elementWise(named, c.getOp(), in);
            } else if (vc instanceof org.deeplearning4j.nn.conf.graph.MergeVertex c) {
                out = VertexRules.merge(named, c.getMergeAxis(), in);
            } else if (vc instanceof org.deeplearning4j.nn.conf.graph.SubsetVertex c) {
                out = VertexRules.subset(named, c.getFrom(), c.getTo(), in[0]);
            } else if (vc instanceof org.deeplearning4j.nn.conf.graph.ScaleVertex c) {
                out = VertexRules.scale(c.getScaleFactor(), in[0]);
            } else if (vc instanceof org.deeplearning4j.nn.conf.graph.ShiftVertex c) {
                out = VertexRules.shift(c.getShiftFactor(), in[0]);
            } else if (vc instanceof org.deeplearning4j.nn.conf.graph.PreprocessorVertex c) {
                out = PreprocessorRule.apply(c.getPreProcessor(), in[0]);
            } else {
                throw unsupported(v, "vertex type " + v.getClass().getSimpleName()); // checked before: unreachable
            }
            outs[vi] = out;
            for (VertexIndices input : inputs) {
                int u = input.getVertexIndex();
                if (--remaining[u] == 0 && outs[u] != null) {
                    Dual done = outs[u];
                    outs[u] = null;
                    done.releaseExcept(out, live(outs, remaining, features));
                }
            }
        }
        if (value == null) {
            throw new IllegalStateException("the graph's output vertex '" + output + "' was never reached");
        }
        return value;
    }

    /** Every array a later vertex may still read (the outputs still awaited, and the features). */
    private static INDArray[] live(Dual[] outs, int[] remaining, INDArray features) {
        List<INDArray> keep = new ArrayList<>();
        keep.add(features);
        for (int i = 0; i < outs.length; i++) {
            if (outs[i] != null && remaining[i] > 0) {
                keep.add(outs[i].primal());
                if (outs[i].hasTangent()) {
                    keep.add(outs[i].tangent());
                }
            }
        }
        return keep.toArray(INDArray[]::new);
    }

    private static VertexIndices[] inputsOf(GraphVertex v) {
        VertexIndices[] in = v.getInputVertices();
        return in == null ? new VertexIndices[0] : in;
    }

    /** Each layer's index in {@code g.getLayers()}: the order of the parameters and of {@code ParamLayout}. */
    private static Map<Layer, Integer> layerIndex(ComputationGraph g) {
        Map<Layer, Integer> index = new IdentityHashMap<>();
        Layer[] layers = g.getLayers();
        for (int i = 0; i < layers.length; i++) {
            index.put(layers[i], i);
        }
        return index;
    }

    private static UnsupportedLayerException unsupported(GraphVertex v, String what) {
        return UnsupportedLayerException.vertex(v.getVertexName(), v.getClass().getName(), what);
    }

    /** Fails before any work if the graph's shape or some vertex or layer has no rule. */
    static void checkSupported(ComputationGraph g) {
        ComputationGraphConfiguration conf = g.getConfiguration();
        if (conf.getNetworkInputs().size() != 1) {
            throw new UnsupportedOperationException("forward mode supports graphs with one input, this one has "
                    + conf.getNetworkInputs().size() + "; use ReverseThenProjectEngine");
        }
        if (conf.getNetworkOutputs().size() != 1) {
            throw new UnsupportedOperationException("forward mode supports graphs with one output, this one has "
                    + conf.getNetworkOutputs().size() + " " + conf.getNetworkOutputs() + "; use ReverseThenProjectEngine");
        }
        String output = conf.getNetworkOutputs().get(0);
        Map<Layer, Integer> layerIndex = layerIndex(g);
        for (GraphVertex v : g.getVertices()) {
            Class<?> type = v.getClass();
            if (type == InputVertex.class) {
                continue;
            }
            org.deeplearning4j.nn.conf.graph.GraphVertex vc = conf.getVertices().get(v.getVertexName());
            if (type == LayerVertex.class) {
                LayerContext ctx = new LayerContext(layerIndex.get(v.getLayer()), v.getLayer(), 0, 0);
                org.deeplearning4j.nn.conf.layers.Layer lc = ctx.conf();
                InputPreProcessor pre = ((org.deeplearning4j.nn.conf.graph.LayerVertex) vc).getPreProcessor();
                if (pre != null && !PreprocessorRule.supports(pre)) {
                    throw ctx.unsupported("input preprocessor " + pre.getClass().getSimpleName()
                            + " of graph vertex '" + v.getVertexName() + "'");
                }
                boolean isOutput = v.getVertexName().equals(output);
                if (isOutput && !TangentRules.isOutput(lc)) {
                    throw ctx.unsupported("the graph's output must be an OutputLayer or LossLayer");
                }
                if (!isOutput && TangentRules.hidden(lc) == null) {
                    throw ctx.unsupported("layer type " + lc.getClass().getName() + " in graph vertex '"
                            + v.getVertexName() + "'");
                }
            } else if (PARAMETER_FREE.contains(type)) {
                if (vc instanceof org.deeplearning4j.nn.conf.graph.PreprocessorVertex p
                        && !PreprocessorRule.supports(p.getPreProcessor())) {
                    throw unsupported(v, "preprocessor " + p.getPreProcessor().getClass().getSimpleName());
                }
            } else {
                throw unsupported(v, "vertex type " + type.getSimpleName());
            }
        }
    }
}

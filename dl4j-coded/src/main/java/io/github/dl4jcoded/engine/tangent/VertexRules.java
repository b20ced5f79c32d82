package io.github.dl4jcoded.engine.tangent;

import io.github.dl4jcoded.engine.UnsupportedLayerException;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.Arrays;

/**
 * Tangent rules for the parameter-free vertices of a ComputationGraph, computed as DL4J's vertex
 * implementations compute their primal ({@code org.deeplearning4j.nn.graph.vertex.impl}).
 *
 * <p>Inputs may carry different numbers of tangents: every Dual carries a prefix of the same
 * ordered list of directions (ordered by start layer), so a Dual with k tangents holds the first
 * k, and the directions it lacks have zero tangent there. A joining vertex therefore produces
 * {@code K = max k} tangents, reading the missing ones as zero. Because tangents are stacked on
 * axis 0 ({@code [k*B, ...]}), any per-example operation on axes {@code >= 1} (concatenation along
 * channels, subsets of channels) applies to the stacked tangents unchanged.
 */
public final class VertexRules {

    /** The vertex a rule runs for, for error messages. */
    public record Vertex(String name, String type) {
        UnsupportedLayerException unsupported(String what) {
            return UnsupportedLayerException.vertex(name, type, what);
        }
    }

    private VertexRules() {
    }

    /** ElementWiseVertex: Add, Subtract, Product, Average, Max over inputs of one shape. */
    public static Dual elementWise(Vertex v, ElementWiseVertex.Op op, Dual[] in) {
        for (Dual d : in) {
            if (!Arrays.equals(d.primal().shape(), in[0].primal().shape())) {
                throw v.unsupported("broadcasting between inputs of shapes " + Arrays.toString(in[0].primal().shape())
                        + " and " + Arrays.toString(d.primal().shape()));
            }
        }
        if (in.length == 1) { // DL4J: a copy of the input, whatever the op
            Dual d = in[0];
            return new Dual(d.primal().dup(), d.hasTangent() ? d.tangent().dup() : null, d.k());
        }
        int k = maxK(in);
        INDArray x0 = in[0].primal();
        DataType dt = x0.dataType();
        switch (op) {
            case Add, Average -> {
                INDArray y = x0.dup();
                for (int i = 1; i < in.length; i++) {
                    y.addi(in[i].primal());
                }
                INDArray t = k == 0 ? null : zeros(in[0], k);
                for (Dual d : in) {
                    accumulate(t, d.tangent(), 1);
                }
                if (op == ElementWiseVertex.Op.Average) {
                    y.divi(in.length);
                    if (t != null) {
                        t.divi(in.length);
                    }
                }
                return new Dual(y, t, k);
            }
            case Subtract -> {
                if (in.length != 2) {
                    throw v.unsupported("subtraction of " + in.length + " inputs (DL4J takes 2)");
                }
                INDArray y = x0.sub(in[1].primal());
                INDArray t = k == 0 ? null : zeros(in[0], k);
                accumulate(t, in[0].tangent(), 1);
                accumulate(t, in[1].tangent(), -1);
                return new Dual(y, t, k);
            }
            case Product -> {
                INDArray y = x0.dup();
                for (int i = 1; i < in.length; i++) {
                    y.muli(in[i].primal());
                }
                INDArray t = k == 0 ? null : zeros(in[0], k);
                // (prod x_j)' = sum_i x_i' prod_{j != i} x_j
                for (int i = 0; i < in.length; i++) {
                    if (!in[i].hasTangent()) {
                        continue;
                    }
                    INDArray others = null;
                    for (int j = 0; j < in.length; j++) {
                        if (j != i) {
                            others = others == null ? in[j].primal().dup() : others.muli(in[j].primal());
                        }
                    }
                    INDArray part = Tangents.mulEach(in[i].tangent(), in[i].k(), others);
                    accumulate(t, part, 1);
                    Tangents.release(part);
                    Tangents.release(others);
                }
                return new Dual(y, t, k);
            }
            case Max -> {
                INDArray[] xs = Arrays.stream(in).map(Dual::primal).toArray(INDArray[]::new);
                INDArray y = Nd4j.createUninitialized(dt, x0.shape(), x0.ordering());
                Nd4j.exec(DynamicCustomOp.builder("mergemax").addInputs(xs).addOutputs(y).callInplace(false).build());
                if (k == 0) {
                    return Dual.primalOnly(y);
                }
                // The tangent of the input that won, by DL4J's own backprop op (its tie-breaking).
                INDArray idx = Nd4j.createUninitialized(DataType.INT, x0.shape(), x0.ordering());
                Nd4j.exec(DynamicCustomOp.builder("mergemaxindex").addInputs(xs).addOutputs(idx).callInplace(false)
                        .build());
                INDArray t = zeros(in[0], k);
                for (int i = 0; i < in.length; i++) {
                    if (!in[i].hasTangent()) {
                        continue;
                    }
                    INDArray mask = idx.eq(i).castTo(dt);
                    INDArray part = Tangents.mulEach(in[i].tangent(), in[i].k(), mask);
                    accumulate(t, part, 1);
                    Tangents.release(part);
                    Tangents.release(mask);
                }
                Tangents.release(idx);
                return new Dual(y, t, k);
            }
            default -> throw v.unsupported("element-wise op " + op);
        }
    }

    /** MergeVertex: concatenation along {@code axis >= 1}, per tangent (missing tangents are zero). */
    public static Dual merge(Vertex v, int axis, Dual[] in) {
        if (in.length == 1) {
            return in[0];
        }
        if (axis < 1) {
            throw v.unsupported("merge along axis " + axis);
        }
        INDArray y = Nd4j.concat(axis, Arrays.stream(in).map(Dual::primal).toArray(INDArray[]::new));
        int k = maxK(in);
        if (k == 0) {
            return Dual.primalOnly(y);
        }
        INDArray[] ts = new INDArray[in.length];
        for (int i = 0; i < in.length; i++) {
            ts[i] = in[i].k() == k ? in[i].tangent() : padded(in[i], k);
        }
        INDArray t = Nd4j.concat(axis, ts);
        for (int i = 0; i < in.length; i++) {
            if (ts[i] != in[i].tangent()) {
                Tangents.release(ts[i]);
            }
        }
        return new Dual(y, t, k);
    }

    /** SubsetVertex: channels {@code from..to} inclusive (axis 1), as a copy. */
    public static Dual subset(Vertex v, int from, int to, Dual in) {
        int rank = in.primal().rank();
        if (rank < 2 || rank > 4) {
            throw v.unsupported("subset of a rank-" + rank + " input");
        }
        INDArrayIndex[] idx = new INDArrayIndex[rank];
        Arrays.fill(idx, NDArrayIndex.all());
        idx[1] = NDArrayIndex.interval(from, to, true);
        INDArray y = in.primal().get(idx).dup();
        return new Dual(y, in.hasTangent() ? in.tangent().get(idx).dup() : null, in.k());
    }

    /** ScaleVertex: linear. */
    public static Dual scale(double factor, Dual in) {
        return new Dual(in.primal().mul(factor), in.hasTangent() ? in.tangent().mul(factor) : null, in.k());
    }

    /** ShiftVertex: the tangent passes unchanged (shared, never written). */
    public static Dual shift(double shift, Dual in) {
        return new Dual(in.primal().add(shift), in.tangent(), in.k());
    }

    private static int maxK(Dual[] in) {
        int k = 0;
        for (Dual d : in) {
            k = Math.max(k, d.k());
        }
        return k;
    }

    /** Zero tangents {@code [k*B, ...]} shaped like {@code like}'s primal. */
    private static INDArray zeros(Dual like, int k) {
        long[] s = like.primal().shape().clone();
        s[0] = k * s[0];
        return Nd4j.zeros(like.primal().dataType(), s);
    }

    /** {@code d}'s tangents followed by zero tangents up to k. */
    private static INDArray padded(Dual d, int k) {
        INDArray t = zeros(d, k);
        accumulate(t, d.tangent(), 1);
        return t;
    }

    /** Adds ({@code sign > 0}) or subtracts {@code part [kPart*B, ...]} into the first kPart tangents of {@code all} ('c', fresh). */
    private static void accumulate(INDArray all, INDArray part, int sign) {
        if (part == null) {
            return;
        }
        long n = part.length();
        INDArray lead = all.reshape(all.length()).get(NDArrayIndex.interval(0, n));
        INDArray src = part.dup('c').reshape(n);
        if (sign > 0) {
            lead.addi(src);
        } else {
            lead.subi(src);
        }
        Tangents.release(src);
    }
}

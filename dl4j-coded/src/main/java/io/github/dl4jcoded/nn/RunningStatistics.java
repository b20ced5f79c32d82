package io.github.dl4jcoded.nn;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.DivOp;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.SubOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.List;

/**
 * Batch normalization's running mean and variance: state, not gradients. DL4J updates them in
 * {@code fit} through the gradient view: backprop writes {@code (1 - decay) (mean - batchMean)}
 * into the running mean's slot (and the matching term into the variance's or log-std's slot), the
 * updater leaves those slots undivided and unscaled (a no-op updater), and {@code params -=
 * gradient} moves the estimate towards the minibatch's statistics. In coded training these values
 * travel beside the codewords, uncompressed (2 per channel per layer), and the server writes their
 * mean over the messages of an update into the same slots, so that a lossless coded run moves the
 * running statistics exactly as {@code fit} does.
 *
 * <p>This class knows where those slots are ({@link #slots}) and computes DL4J's update from a
 * minibatch's statistics ({@link #update}) for engines that run no DL4J backprop (forward mode).
 */
public final class RunningStatistics {
    /** {@code 1 / (2 ln 10)}: DL4J's factor from a variance ratio to a log10-std step. */
    private static final double ONE_ON_2LOGE_10 = 1.0 / (2 * Math.log(10));

    private RunningStatistics() {
    }

    /** The non-differentiable parameter arrays of {@code layout}, in flattened order. */
    public static List<ParamLayout.ParamRange> slots(ParamLayout layout) {
        return layout.layers().stream().flatMap(l -> l.params().stream()).filter(p -> !p.differentiable()).toList();
    }

    /** Total length of the slots: the values one message carries beside its codewords (0 without batch normalization). */
    public static int length(ParamLayout layout) {
        long n = 0;
        for (ParamLayout.ParamRange p : slots(layout)) {
            n += p.length();
        }
        return Math.toIntExact(n);
    }

    /** The values of {@code flat} (a gradient in the layout of the parameters) in the slots, concatenated. */
    public static double[] read(ParamLayout layout, INDArray flat) {
        double[] out = new double[length(layout)];
        INDArray v = flat.reshape(flat.length());
        int at = 0;
        for (ParamLayout.ParamRange p : slots(layout)) {
            double[] part = v.get(NDArrayIndex.interval(p.from(), p.to())).castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE)
                    .toDoubleVector();
            System.arraycopy(part, 0, out, at, part.length);
            at += part.length;
        }
        return out;
    }

    /** Writes {@code values} (as {@link #read} lays them out) into the slots of {@code gradient}. */
    public static void write(ParamLayout layout, double[] values, double[] gradient) {
        if (values.length != length(layout)) {
            throw new IllegalArgumentException("running statistics have " + values.length + " values, the network "
                    + length(layout));
        }
        int at = 0;
        for (ParamLayout.ParamRange p : slots(layout)) {
            int len = Math.toIntExact(p.length());
            System.arraycopy(values, at, gradient, Math.toIntExact(p.from()), len);
            at += len;
        }
    }

    /**
     * The steps of the layers that hold running statistics ({@code stepByLayer}: layer index to the
     * layer's {@link #update}), laid out as {@link #read} lays out the slots; null when the network
     * has none.
     *
     * @throws IllegalStateException when such a layer has no step, or the steps do not fill the slots
     */
    public static double[] concat(ParamLayout layout, java.util.Map<Integer, INDArray> stepByLayer) {
        int length = length(layout);
        if (length == 0) {
            return null;
        }
        double[] out = new double[length];
        int at = 0;
        for (ParamLayout.LayerRange l : layout.layers()) {
            if (l.params().stream().allMatch(ParamLayout.ParamRange::differentiable)) {
                continue;
            }
            INDArray step = stepByLayer.get(l.layerIndex());
            if (step == null) {
                throw new IllegalStateException("layer " + l.layerIndex() + " (" + l.layerName()
                        + ") holds running statistics but was not run: no running-statistics step");
            }
            double[] v = step.castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE).toDoubleVector();
            if (at + v.length > length) {
                throw new IllegalStateException("running statistics: more values than the " + length + " slots");
            }
            System.arraycopy(v, 0, out, at, v.length);
            at += v.length;
        }
        if (at != length) {
            throw new IllegalStateException("running statistics: " + at + " values for " + length + " slots");
        }
        return out;
    }

    /**
     * DL4J's running-statistics step for a batch-normalization layer, as its backprop writes it:
     * {@code [mean step (C), variance or log10-std step (C)]} in the order of the layer's slots,
     * from the minibatch's per-channel mean and biased variance ({@code [C]} each).
     */
    public static INDArray update(Layer layer, INDArray batchMean, INDArray batchVar) {
        BatchNormalization conf = (BatchNormalization) layer.conf().getLayer();
        double decay = conf.getDecay();
        INDArray globalMean = layer.getParam(BatchNormalizationParamInitializer.GLOBAL_MEAN);
        INDArray dMean = globalMean.ulike();
        Nd4j.getExecutioner().exec(new SubOp(globalMean, batchMean.reshape(globalMean.shape()).castTo(globalMean.dataType()), dMean));
        dMean.muli(1 - decay);
        INDArray dVar;
        if (conf.isUseLogStd()) {
            INDArray log10Std = layer.getParam(BatchNormalizationParamInitializer.GLOBAL_LOG_STD);
            INDArray vari = Nd4j.valueArrayOf(log10Std.shape(), 10.0, globalMean.dataType());
            Transforms.pow(vari, log10Std, false);
            vari.muli(vari);
            INDArray varip1 = vari.mul(decay).addi(batchVar.castTo(globalMean.dataType()).mul(1 - decay).reshape(vari.shape()));
            dVar = vari.ulike();
            Nd4j.getExecutioner().exec(new DivOp(vari, varip1, dVar));
            Transforms.log(dVar, false);
            dVar.muli(ONE_ON_2LOGE_10);
        } else {
            INDArray globalVar = layer.getParam(BatchNormalizationParamInitializer.GLOBAL_VAR);
            dVar = globalVar.ulike();
            Nd4j.getExecutioner().exec(new SubOp(globalVar, batchVar.reshape(globalVar.shape()).castTo(globalVar.dataType()), dVar));
            dVar.muli(1 - decay);
        }
        return Nd4j.concat(0, dMean.reshape(dMean.length()), dVar.reshape(dVar.length()));
    }
}

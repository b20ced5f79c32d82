package io.github.dl4jcoded.engine.tangent;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastAddOp;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastDivOp;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastMulOp;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastSubOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Batch normalization in training mode, per channel over the minibatch (and locations for
 * CNNs), as DL4J computes it: {@code mu = mean(x)}, {@code var = mean((x-mu)^2)} (biased),
 * {@code xhat = (x-mu)/sqrt(var+eps)}, {@code y = gamma xhat + beta}. The batch statistics move
 * with the tangent:
 * {@code xhat' = (x' - mean(x') - xhat mean(xhat x')) / sqrt(var+eps)}, where the means are per
 * tangent (each tangent is a perturbation of the whole minibatch), and
 * {@code y' = gamma xhat' + gamma' xhat + beta'}. The running mean/variance are not used in
 * training mode and are never written; the minibatch mean and variance are handed to
 * {@link LayerContext#batchStatistics()} so that the engine can report DL4J's running-statistics step.
 */
public final class BatchNormRule {

    private BatchNormRule() {
    }

    public static Dual apply(LayerContext ctx, Dual in, LayerDirections dirs) {
        BatchNormalization conf = (BatchNormalization) ctx.conf();
        INDArray x = in.primal();
        if (x.rank() == 4 && conf.getCnn2DFormat() != CNN2DFormat.NCHW) {
            throw ctx.unsupported("data format " + conf.getCnn2DFormat());
        }
        if (x.rank() != 2 && x.rank() != 4) {
            throw ctx.unsupported("rank-" + x.rank() + " input");
        }
        long b = x.size(0);
        long c = x.size(1);
        long s = x.length() / (b * c);
        INDArray x3 = x.dup('c').reshape('c', b, c, s);

        INDArray mu = x3.mean(0, 2);
        INDArray xhat = Nd4j.createUninitialized(x.dataType(), x3.shape(), 'c');
        Nd4j.getExecutioner().exec(new BroadcastSubOp(x3, mu, xhat, 1));
        INDArray var = xhat.mul(xhat).mean(0, 2); // biased, as DL4J
        if (ctx.batchStatistics() != null) {
            ctx.batchStatistics().accept(mu, var);
        }
        INDArray std = Transforms.sqrt(var.add(conf.getEps()), false);
        Nd4j.getExecutioner().exec(new BroadcastDivOp(xhat, std, xhat, 1));

        INDArray gamma;
        INDArray beta;
        if (conf.isLockGammaBeta()) {
            gamma = Nd4j.valueArrayOf(new long[]{c}, conf.getGamma(), x.dataType());
            beta = Nd4j.valueArrayOf(new long[]{c}, conf.getBeta(), x.dataType());
        } else {
            gamma = ctx.layer().getParam(BatchNormalizationParamInitializer.GAMMA).reshape(c);
            beta = ctx.layer().getParam(BatchNormalizationParamInitializer.BETA).reshape(c);
        }
        INDArray y = Nd4j.createUninitialized(x.dataType(), x3.shape(), 'c');
        Nd4j.getExecutioner().exec(new BroadcastMulOp(xhat, gamma, y, 1));
        Nd4j.getExecutioner().exec(new BroadcastAddOp(y, beta, y, 1));
        y = y.reshape('c', x.shape());

        int k = dirs.count();
        if (k == 0) {
            return Dual.primalOnly(y);
        }
        INDArray t4 = Nd4j.zeros(x.dataType(), k, b, c, s);
        if (in.hasTangent()) {
            int kOld = in.k();
            INDArray tin = in.tangent().dup('c').reshape('c', kOld, b, c, s);
            INDArray m1 = tin.mean(1, 3); // [kOld, C]
            INDArray prod = Nd4j.createUninitialized(x.dataType(), tin.shape(), 'c');
            Nd4j.getExecutioner().exec(new BroadcastMulOp(tin, xhat, prod, 1, 2, 3));
            INDArray m2 = prod.mean(1, 3); // [kOld, C]
            // prod := xhat * m2, then tin := (tin - m1 - xhat m2) / std * gamma
            prod.assign(0);
            Nd4j.getExecutioner().exec(new BroadcastAddOp(prod, m2, prod, 0, 2));
            Nd4j.getExecutioner().exec(new BroadcastMulOp(prod, xhat, prod, 1, 2, 3));
            Nd4j.getExecutioner().exec(new BroadcastSubOp(tin, m1, tin, 0, 2));
            tin.subi(prod);
            Nd4j.getExecutioner().exec(new BroadcastDivOp(tin, std, tin, 2));
            Nd4j.getExecutioner().exec(new BroadcastMulOp(tin, gamma, tin, 2));
            t4.reshape(t4.length()).get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, tin.length()))
                    .assign(tin.reshape(tin.length()));
        }
        if (dirs.hasParamTangents() && !conf.isLockGammaBeta()) {
            INDArray dGamma = dirs.block(BatchNormalizationParamInitializer.GAMMA); // [k, C]
            INDArray dBeta = dirs.block(BatchNormalizationParamInitializer.BETA);
            INDArray p = Nd4j.zeros(x.dataType(), k, b, c, s);
            Nd4j.getExecutioner().exec(new BroadcastAddOp(p, dGamma, p, 0, 2));
            Nd4j.getExecutioner().exec(new BroadcastMulOp(p, xhat, p, 1, 2, 3));
            Nd4j.getExecutioner().exec(new BroadcastAddOp(p, dBeta, p, 0, 2));
            t4.addi(p);
        }
        long[] ts = x.shape().clone();
        ts[0] = k * b;
        return new Dual(y, t4.reshape('c', ts), k);
    }
}

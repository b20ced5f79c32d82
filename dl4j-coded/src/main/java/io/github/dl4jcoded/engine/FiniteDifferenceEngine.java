package io.github.dl4jcoded.engine;

import io.github.dl4jcoded.nn.ParamLayout;

import io.github.dl4jcoded.nn.Network;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Central differences {@code (L(theta + h u) - L(theta - h u)) / 2h} along each direction:
 * works for any network, two forward passes per direction; a cross-check, and the fallback for
 * layers without a tangent rule.
 *
 * <p>By default the loss is evaluated on a double-precision copy of the network
 * ({@code convertDataType(DOUBLE)}), so the caller's network is only read; otherwise on the network
 * itself, whose parameters are restored exactly afterwards. The step is
 * {@code h = cbrt(eps) * max(1, |theta|_inf) / |u|_inf}, which balances the O(h^2) truncation error
 * against the O(eps/h) rounding error of a central difference.
 *
 * <p>Stochastic layers: every loss evaluation of one call re-seeds the thread's ND4J random
 * generator with the same seed, so all 2m+1 evaluations see the same dropout masks. The seed is
 * {@code maskSeed} when given (to reproduce the masks of another engine's call that started from
 * {@code Nd4j.getRandom().setSeed(maskSeed)}), else drawn once per call from that generator.
 */
public final class FiniteDifferenceEngine implements DirectionalDerivativeEngine {

    private final boolean promoteToDouble;
    private final Long maskSeed;

    public FiniteDifferenceEngine() {
        this(true, null);
    }

    public FiniteDifferenceEngine(boolean promoteToDouble, Long maskSeed) {
        this.promoteToDouble = promoteToDouble;
        this.maskSeed = maskSeed;
    }

    /** The same engine, re-seeding the generator with {@code seed} before every evaluation. */
    public FiniteDifferenceEngine withMaskSeed(long seed) {
        return new FiniteDifferenceEngine(promoteToDouble, seed);
    }

    @Override
    public String name() {
        return "finite-differences";
    }

    @Override
    public Result compute(Network net, INDArray features, INDArray labels,
                          INDArray featuresMask, INDArray labelsMask, INDArray directions) {
        ParamLayout.of(net).checkDirections(directions);
        long seed = maskSeed != null ? maskSeed : Nd4j.getRandom().nextLong();
        try (MemoryWorkspace ignored = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
            Network work = net;
            if (promoteToDouble && net.params().dataType() != DataType.DOUBLE) {
                work = net.convertDataType(DataType.DOUBLE);
            }
            DataType dt = work.params().dataType();
            DataSet ds = new DataSet(features.castTo(dt), labels.castTo(dt),
                    featuresMask == null ? null : featuresMask.castTo(dt),
                    labelsMask == null ? null : labelsMask.castTo(dt));
            INDArray params = work.params();
            INDArray theta = params.dup();
            double eps = dt == DataType.DOUBLE ? Math.ulp(1.0) : Math.ulp(1.0f);
            double scale = Math.max(1.0, theta.amaxNumber().doubleValue());
            int m = (int) directions.size(0);
            double[] d = new double[m];
            try {
                double loss = loss(work, ds, seed);
                for (int i = 0; i < m; i++) {
                    INDArray u = directions.getRow(i).castTo(dt).reshape(-1);
                    double umax = u.amaxNumber().doubleValue();
                    if (umax == 0.0) {
                        continue;
                    }
                    double h = Math.cbrt(eps) * scale / umax;
                    params.assign(theta.add(u.mul(h)));
                    double plus = loss(work, ds, seed);
                    params.assign(theta.sub(u.mul(h)));
                    double minus = loss(work, ds, seed);
                    d[i] = (plus - minus) / (2 * h);
                }
                return new Result(loss, d);
            } finally {
                params.assign(theta);
                work.clear();
            }
        }
    }

    private static double loss(Network net, DataSet ds, long seed) {
        Nd4j.getRandom().setSeed(seed);
        return net.score(ds, true) - net.regularizationScore();
    }
}

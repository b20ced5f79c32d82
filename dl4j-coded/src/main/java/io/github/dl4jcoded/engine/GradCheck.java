package io.github.dl4jcoded.engine;

import io.github.dl4jcoded.nn.ParamLayout;

import io.github.dl4jcoded.nn.Network;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.ArrayList;
import java.util.List;

/**
 * Checks engines against DL4J's own backprop on one network and one minibatch: random Gaussian
 * directions supported on each layer with parameters (and on all parameters at once), the
 * reference {@code <grad / minibatch, u>} from {@code computeGradientAndScore}, and per engine and
 * per layer the largest relative error {@code |a - b| / max(|a|, |b|, floor)}.
 *
 * <p>Tolerances: forward mode and reverse-then-project 1e-6 in double and 1e-3 in float; finite
 * differences 1e-4 in double and 1e-3 in float. Dropout masks are shared by seeding the thread's
 * ND4J generator with {@code seed} before the reference and before every engine (finite
 * differences re-seed before every evaluation). The network's parameters are left unchanged;
 * the check fails if an engine changes them. Note that the reference is itself DL4J's backprop,
 * so reverse-then-project agrees with it by construction (it checks the projection, the
 * mean/sum scaling and the restoring of parameters); forward mode and finite differences are the
 * independent checks.
 */
public final class GradCheck {

    /** Worst relative error of one engine over the directions supported on one layer ({@code -1}: all layers). */
    public record LayerError(int layerIndex, String layerType, int directions, double maxRelError) {
    }

    /** One engine's result; {@code error} is set when the engine threw (e.g. an unsupported layer). */
    public record EngineReport(String engine, double tolerance, List<LayerError> layers, double maxRelError,
                               double lossRelError, boolean paramsUnchanged, String error) {
        public boolean passed() {
            return error == null && paramsUnchanged && maxRelError <= tolerance && lossRelError <= tolerance;
        }
    }

    /** The whole check; {@link #passed()} when every engine passed. */
    public record Report(DataType dataType, long minibatch, long numParams, long seed, List<EngineReport> engines) {
        public boolean passed() {
            return engines.stream().allMatch(EngineReport::passed);
        }

        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder();
            sb.append(String.format("GradCheck: %s, minibatch %d, %d parameters, seed %d: %s%n",
                    dataType, minibatch, numParams, seed, passed() ? "PASS" : "FAIL"));
            for (EngineReport e : engines) {
                sb.append(String.format("  %-24s %s  max rel error %.3e (tolerance %.0e), loss rel error %.3e%s%n",
                        e.engine(), e.passed() ? "pass" : "FAIL", e.maxRelError(), e.tolerance(), e.lossRelError(),
                        e.paramsUnchanged() ? "" : ", PARAMETERS CHANGED"));
                if (e.error() != null) {
                    sb.append("      error: ").append(e.error()).append('\n');
                }
                for (LayerError l : e.layers()) {
                    sb.append(String.format("      layer %3s %-22s %3d directions  %.3e%n",
                            l.layerIndex() < 0 ? "all" : Integer.toString(l.layerIndex()), l.layerType(),
                            l.directions(), l.maxRelError()));
                }
            }
            return sb.toString();
        }
    }

    private GradCheck() {
    }

    /** Forward mode, reverse-then-project and finite differences. */
    public static List<DirectionalDerivativeEngine> defaultEngines() {
        return List.of(new ForwardModeEngine(), new ReverseThenProjectEngine(), new FiniteDifferenceEngine());
    }

    public static Report run(MultiLayerNetwork net, INDArray features, INDArray labels) {
        return run(Network.of(net), features, labels, defaultEngines(), 3, 12345L);
    }

    public static Report run(MultiLayerNetwork net, INDArray features, INDArray labels,
                             List<DirectionalDerivativeEngine> engines, int directionsPerLayer, long seed) {
        return run(Network.of(net), features, labels, engines, directionsPerLayer, seed);
    }

    /** Either kind of network: every engine against DL4J's backprop along the same directions. */
    public static Report run(Network net, INDArray features, INDArray labels,
                             List<DirectionalDerivativeEngine> engines, int directionsPerLayer, long seed) {
        ParamLayout layout = ParamLayout.of(net);
        DataType dt = net.params().dataType();
        List<Integer> owner = new ArrayList<>();
        INDArray dirs = directions(net, layout, directionsPerLayer, seed, owner);

        Nd4j.getRandom().setSeed(seed);
        Backprop.Result g = Backprop.meanGradient(net, features, labels, null, null);
        double[] ref = dirs.mmul(g.gradient().reshape(g.gradient().length(), 1)).castTo(DataType.DOUBLE).toDoubleVector();
        double refMax = 0;
        for (double r : ref) {
            refMax = Math.max(refMax, Math.abs(r));
        }
        double floor = (dt == DataType.DOUBLE ? 1e-10 : 1e-6) * Math.max(1.0, refMax);

        List<EngineReport> reports = new ArrayList<>();
        for (DirectionalDerivativeEngine engine : engines) {
            DirectionalDerivativeEngine e = engine instanceof FiniteDifferenceEngine fd ? fd.withMaskSeed(seed) : engine;
            double tol = tolerance(engine, dt);
            INDArray before = net.params().dup();
            try {
                Nd4j.getRandom().setSeed(seed);
                DirectionalDerivativeEngine.Result r = e.compute(net, features, labels, dirs);
                boolean unchanged = before.equals(net.params());
                List<LayerError> layers = new ArrayList<>();
                double worst = 0;
                for (int owned = -1; owned < layout.layers().size(); owned++) {
                    int count = 0;
                    double err = 0;
                    for (int i = 0; i < ref.length; i++) {
                        if (owner.get(i) == owned) {
                            count++;
                            err = Math.max(err, relError(r.derivatives()[i], ref[i], floor));
                        }
                    }
                    if (count > 0) {
                        String type = owned < 0 ? "(all parameters)" : layout.layer(owned).layerType();
                        layers.add(new LayerError(owned, type, count, err));
                        worst = Math.max(worst, err);
                    }
                }
                double lossErr = relError(r.loss(), g.loss(), floor);
                reports.add(new EngineReport(engine.name(), tol, layers, worst, lossErr, unchanged, null));
            } catch (RuntimeException ex) {
                boolean unchanged = before.equals(net.params());
                net.params().assign(before);
                reports.add(new EngineReport(engine.name(), tol, List.of(), Double.NaN, Double.NaN, unchanged,
                        ex.getClass().getSimpleName() + ": " + ex.getMessage()));
            }
        }
        return new Report(dt, features.size(0), layout.numParams(), seed, reports);
    }

    static double tolerance(DirectionalDerivativeEngine e, DataType dt) {
        if (dt != DataType.DOUBLE) {
            return 1e-3;
        }
        return e instanceof FiniteDifferenceEngine ? 1e-4 : 1e-6;
    }

    static double relError(double a, double b, double floor) {
        return Math.abs(a - b) / Math.max(Math.max(Math.abs(a), Math.abs(b)), floor);
    }

    /** {@code perLayer} Gaussian directions on all parameters (owner -1), then on each layer. */
    private static INDArray directions(Network net, ParamLayout layout, int perLayer, long seed,
                                       List<Integer> owner) {
        DataType dt = net.params().dataType();
        List<ParamLayout.LayerRange> withParams = layout.layers().stream().filter(ParamLayout.LayerRange::hasParams).toList();
        int m = perLayer * (1 + withParams.size());
        INDArray d = Nd4j.zeros(dt, m, layout.numParams());
        Nd4j.getRandom().setSeed(seed);
        d.get(NDArrayIndex.interval(0, perLayer), NDArrayIndex.all()).assign(Nd4j.randn(dt, perLayer, layout.numParams()));
        for (int i = 0; i < perLayer; i++) {
            owner.add(-1);
        }
        int row = perLayer;
        for (ParamLayout.LayerRange l : withParams) {
            d.get(NDArrayIndex.interval(row, row + perLayer), NDArrayIndex.interval(l.from(), l.to()))
                    .assign(Nd4j.randn(dt, perLayer, l.length()));
            for (int i = 0; i < perLayer; i++) {
                owner.add(l.layerIndex());
            }
            row += perLayer;
        }
        return d;
    }
}

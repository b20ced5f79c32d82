package io.github.dl4jcoded.bench.engine;

import io.github.dl4jcoded.bench.Stats;
import io.github.dl4jcoded.engine.ForwardModeEngine;
import io.github.dl4jcoded.engine.ReverseThenProjectEngine;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The same measurements as {@link EngineBenchmark}, interleaved: every round runs every case
 * once, in the same order, and the report gives each case's median over the rounds and its ratio
 * to the baseline's median. On a shared machine, load that comes and goes hits all cases alike,
 * so the ratios are steadier than those of JMH runs made one case after another.
 * Usage: {@code java -cp benchmarks.jar io.github.dl4jcoded.bench.engine.EngineRatioProbe [rounds]}.
 */
public final class EngineRatioProbe {

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 15;
        MultiLayerNetwork net = LeNet.build();
        INDArray x = LeNet.features();
        INDArray y = LeNet.labels();
        ForwardModeEngine fwd = new ForwardModeEngine();
        ForwardModeEngine loop = new ForwardModeEngine(1);
        ReverseThenProjectEngine rev = new ReverseThenProjectEngine();
        INDArray none = Nd4j.zeros(DataType.FLOAT, 1, net.numParams());

        Map<String, Runnable> cases = new LinkedHashMap<>();
        cases.put("plainForward", () -> net.output(x));
        cases.put("backprop", () -> {
            net.setInput(x);
            net.setLabels(y);
            net.computeGradientAndScore();
        });
        cases.put("forwardModePrimalOnly", () -> fwd.compute(net, x, y, none));
        for (int m : new int[]{1, 4, 16, 64}) {
            INDArray u = LeNet.fullDirections(net, m);
            cases.put("forwardMode m=" + m, () -> fwd.compute(net, x, y, u));
            cases.put("reverseThenProject m=" + m, () -> rev.compute(net, x, y, u));
        }
        for (int m : new int[]{4, 16}) {
            INDArray u = LeNet.fullDirections(net, m);
            cases.put("forwardModeLoop m=" + m, () -> loop.compute(net, x, y, u));
        }
        for (int m : new int[]{1, 4, 16, 64}) {
            INDArray u = LeNet.layerDirections(net, 4, m);
            cases.put("forwardModeDense m=" + m, () -> fwd.compute(net, x, y, u));
        }
        for (int layer : LeNet.PARAM_LAYERS) {
            INDArray u = LeNet.layerDirection(net, layer);
            cases.put("singleTangentAtLayer " + layer, () -> fwd.compute(net, x, y, u));
        }

        Map<String, List<Double>> times = new LinkedHashMap<>();
        cases.keySet().forEach(k -> times.put(k, new ArrayList<>()));
        for (int r = -2; r < rounds; r++) { // two warm-up rounds
            for (Map.Entry<String, Runnable> c : cases.entrySet()) {
                long t0 = System.nanoTime();
                c.getValue().run();
                double ms = (System.nanoTime() - t0) / 1e6;
                if (r >= 0) {
                    times.get(c.getKey()).add(ms);
                }
            }
        }
        double fwdBase = Stats.median(times.get("plainForward"));
        double bpBase = Stats.median(times.get("backprop"));
        System.out.printf("%-28s %10s %10s %12s %12s%n", "case", "median ms", "IQR ms", "/plainFwd", "/backprop");
        for (Map.Entry<String, List<Double>> e : times.entrySet()) {
            double med = Stats.median(e.getValue());
            System.out.printf("%-28s %10.1f %10.1f %12.2f %12.2f%n", e.getKey(), med, Stats.iqr(e.getValue()),
                    med / fwdBase, med / bpBase);
        }
    }

}

package io.github.dl4jcoded.examples;

import io.github.dl4jcoded.datasets.mnist.Mnist;
import io.github.dl4jcoded.datasets.mnist.MnistDataSetIterator;
import io.github.dl4jcoded.datasets.mnist.MnistSplit;
import io.github.dl4jcoded.engine.GradCheck;
import io.github.dl4jcoded.nn.Network;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code gradcheck}: every engine's directional derivatives against DL4J's own backprop
 * gradient dotted with the same random directions, per layer, on real MNIST digits. Exits
 * non-zero when any engine misses its tolerance.
 */
@Command(name = "gradcheck", mixinStandardHelpOptions = true,
        description = "Check forward mode, reverse-then-project and finite differences against DL4J's backprop.")
public final class GradCheckCommand implements Callable<Integer> {
    @Option(names = "--model", defaultValue = "lenet", completionCandidates = Models.Names.class,
            description = "one of ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE})")
    String model;

    @Option(names = "--dtype", defaultValue = "double", description = "double or float (default: ${DEFAULT-VALUE})")
    String dtype;

    @Option(names = "--batch", defaultValue = "8", description = "minibatch size (default: ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--directions", defaultValue = "3", description = "random directions per layer (default: ${DEFAULT-VALUE})")
    int directions;

    @Option(names = "--tie-break", defaultValue = "1e-3",
            description = "uniform noise added to the pixels to break max-pooling ties (default: ${DEFAULT-VALUE})")
    double tieBreak;

    @Option(names = "--seed", defaultValue = "12345", description = "seed for weights, directions and dropout (default: ${DEFAULT-VALUE})")
    long seed;

    /** The engines gradcheck can run, by their command-line names. */
    enum EngineName {
        FORWARD(io.github.dl4jcoded.engine.ForwardModeEngine::new),
        REVERSE(io.github.dl4jcoded.engine.ReverseThenProjectEngine::new),
        FD(io.github.dl4jcoded.engine.FiniteDifferenceEngine::new);

        final java.util.function.Supplier<io.github.dl4jcoded.engine.DirectionalDerivativeEngine> make;

        EngineName(java.util.function.Supplier<io.github.dl4jcoded.engine.DirectionalDerivativeEngine> make) {
            this.make = make;
        }
    }

    // Central differences straddle the kinks of ReLUs that follow batch normalization (which centres
    // their inputs on 0) and of max pooling: on such models leave fd out rather than loosen it.
    @Option(names = "--engines", split = ",", defaultValue = "forward,reverse,fd", converter = EngineNameConverter.class,
            description = "engines to check, of forward, reverse, fd (finite differences) (default: ${DEFAULT-VALUE})")
    java.util.List<EngineName> engines;

    static final class EngineNameConverter implements picocli.CommandLine.ITypeConverter<EngineName> {
        @Override
        public EngineName convert(String s) {
            try {
                return EngineName.valueOf(s.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.TypeConversionException("unknown engine '" + s + "': choose forward, reverse or fd");
            }
        }
    }

    @Override
    public Integer call() {
        DataType dt = switch (dtype.toLowerCase(Locale.ROOT)) {
            case "double" -> DataType.DOUBLE;
            case "float" -> DataType.FLOAT;
            default -> throw new IllegalArgumentException("unknown --dtype '" + dtype + "': choose double or float");
        };
        if (batch < 1 || directions < 1) {
            throw new IllegalArgumentException("--batch and --directions must be positive");
        }
        Network net = Models.build(Models.parse(model), seed, new Sgd(0.1), dt);
        MnistSplit split = MnistSplit.of(Mnist.load());
        DataSet ds = new MnistDataSetIterator(split.train(), batch, true, seed, dt).next();
        // MNIST's blank background makes exact ties inside max-pooling windows, where the loss
        // has a kink and central differences straddle it. A little noise breaks the ties so that
        // every engine measures the same derivative.
        Nd4j.getRandom().setSeed(seed);
        INDArray features = ds.getFeatures().add(Nd4j.rand(dt, ds.getFeatures().shape()).muli(tieBreak));
        GradCheck.Report report = GradCheck.run(net, features, ds.getLabels(),
                engines.stream().distinct().map(e -> e.make.get()).toList(), directions, seed);
        System.out.print(report);
        System.out.println(report.passed() ? "gradcheck: PASSED" : "gradcheck: FAILED");
        return report.passed() ? 0 : 1;
    }
}

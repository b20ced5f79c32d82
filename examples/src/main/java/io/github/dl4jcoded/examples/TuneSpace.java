package io.github.dl4jcoded.examples;

import io.github.dl4jcoded.training.CodedTrainingConfig;
import org.deeplearning4j.arbiter.optimize.api.ParameterSpace;
import org.deeplearning4j.arbiter.optimize.distribution.LogUniformDistribution;
import org.deeplearning4j.arbiter.optimize.parameter.FixedValue;
import org.deeplearning4j.arbiter.optimize.parameter.continuous.ContinuousParameterSpace;
import org.deeplearning4j.arbiter.optimize.parameter.discrete.DiscreteParameterSpace;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The coded configurations {@code tune} searches, as an Arbiter parameter space whose leaves are
 * Arbiter's own (log-uniform learning rate, discrete choices); this class only assembles them into
 * a {@link Choice}. Arbiter's generators give every leaf its indices into the flat vector.
 */
final class TuneSpace implements ParameterSpace<TuneSpace.Choice> {

    /** One candidate: the coded method and the settings tune varies; the rest is compare's options (Serializable: Arbiter copies candidates). */
    record Choice(CompareCommand.Method method, Double learningRate, double compression, CodedTrainingConfig.FrameKind frame,
                  int framePeriod, CodedTrainingConfig.StalenessRule stalenessRule, int cadence,
                  CodedTrainingConfig.CadenceRule cadenceRule, boolean freshJobs, CodedTrainingConfig.CodeKind code)
            implements java.io.Serializable {

        boolean async() {
            return method == CompareCommand.Method.CODED_ASYNC;
        }

        /** Compare's options for this choice (given after the base options, so they override them). */
        List<String> compareOptions() {
            List<String> o = new ArrayList<>(List.of("--methods", method.label(), "--code", CodedTrainingConfig.label(code)));
            if (learningRate != null) {
                o.addAll(List.of("--coded-lr", Double.toString(learningRate)));
            }
            if (async()) {
                o.addAll(List.of("--async-compression", Double.toString(compression), "--async-frame", CodedTrainingConfig.label(frame),
                        "--frame-period", Integer.toString(framePeriod), "--staleness-rule", stalenessRule.name().toLowerCase(Locale.ROOT),
                        "--cadence", Integer.toString(cadence), "--cadence-rule", cadenceRule.name().toLowerCase(Locale.ROOT),
                        freshJobs ? "--fresh-jobs" : "--no-fresh-jobs"));
            } else {
                o.addAll(List.of("--compression", Double.toString(compression), "--sync-frame", CodedTrainingConfig.label(frame)));
            }
            return o;
        }
    }

    private final Map<String, ParameterSpace<?>> leaves = new LinkedHashMap<>();

    /**
     * @param lrRange null to keep the network's own updater (a --model-file), else {low, high} drawn log-uniformly
     */
    TuneSpace(List<CompareCommand.Method> methods, double[] lrRange, List<Double> compressions, List<CodedTrainingConfig.FrameKind> frames,
              List<Integer> framePeriods, List<CodedTrainingConfig.StalenessRule> rules, List<Integer> cadences,
              List<CodedTrainingConfig.CadenceRule> cadenceRules, List<Boolean> freshJobs, List<CodedTrainingConfig.CodeKind> codes) {
        leaves.put("method", discrete(methods));
        leaves.put("lr", lrRange == null ? new FixedValue<>(Double.NaN) // NaN: the network's own updater
                : lrRange[0] == lrRange[1] ? new FixedValue<>(lrRange[0])
                : new ContinuousParameterSpace(new LogUniformDistribution(lrRange[0], lrRange[1])));
        leaves.put("compression", discrete(compressions));
        leaves.put("frame", discrete(frames));
        leaves.put("framePeriod", discrete(framePeriods));
        leaves.put("stalenessRule", discrete(rules));
        leaves.put("cadence", discrete(cadences));
        leaves.put("cadenceRule", discrete(cadenceRules));
        leaves.put("freshJobs", discrete(freshJobs));
        leaves.put("code", discrete(codes));
    }

    /** A one-value list is a fixed value: it takes no dimension of the search (and no grid axis). */
    private static <T> ParameterSpace<T> discrete(List<T> values) {
        if (values.isEmpty()) {
            throw new IllegalArgumentException("every tuned setting needs at least one value");
        }
        return values.size() == 1 ? new FixedValue<>(values.get(0)) : new DiscreteParameterSpace<>(values);
    }

    @Override
    public Choice getValue(double[] input) {
        Double lr = (Double) value("lr", input);
        return new Choice((CompareCommand.Method) value("method", input), lr.isNaN() ? null : lr, (Double) value("compression", input),
                (CodedTrainingConfig.FrameKind) value("frame", input), (Integer) value("framePeriod", input),
                (CodedTrainingConfig.StalenessRule) value("stalenessRule", input), (Integer) value("cadence", input),
                (CodedTrainingConfig.CadenceRule) value("cadenceRule", input), (Boolean) value("freshJobs", input),
                (CodedTrainingConfig.CodeKind) value("code", input));
    }

    private Object value(String leaf, double[] input) {
        return leaves.get(leaf).getValue(input);
    }

    @Override
    public int numParameters() {
        return leaves.values().stream().mapToInt(ParameterSpace::numParameters).sum();
    }

    @Override
    public List<ParameterSpace> collectLeaves() {
        List<ParameterSpace> out = new ArrayList<>();
        for (ParameterSpace<?> p : leaves.values()) out.addAll(p.collectLeaves());
        return out;
    }

    @Override
    public Map<String, ParameterSpace> getNestedSpaces() {
        return new LinkedHashMap<>(leaves);
    }

    @Override
    public boolean isLeaf() {
        return false;
    }

    @Override
    public void setIndices(int... indices) {
        throw new UnsupportedOperationException("not a leaf: Arbiter sets the indices of its leaves");
    }
}

package io.github.dl4jcoded.training.server;

import io.github.dl4jcoded.training.WorkerMessage;

/** What every round counts, whatever its codec: messages accepted, their examples and mean loss. */
final class RoundTally {
    private int examples;
    private double lossSum;
    private int received;
    private double[] runningSum; // example-weighted sum of the running-statistics steps

    void add(WorkerMessage m) {
        examples += m.examples();
        lossSum += m.examples() * m.loss();
        received++;
        double[] r = m.runningStatistics();
        if (r != null) {
            if (runningSum == null) {
                runningSum = new double[r.length];
            }
            for (int i = 0; i < r.length; i++) {
                runningSum[i] += m.examples() * r[i];
            }
        }
    }

    /** The example-weighted mean running-statistics step, rounded to {@code valueBytes}; null when no message had one. */
    double[] meanRunningStatistics(int valueBytes) {
        if (runningSum == null || examples == 0) {
            return null;
        }
        double[] mean = new double[runningSum.length];
        for (int i = 0; i < mean.length; i++) {
            mean[i] = io.github.dl4jcoded.training.DecodedGradient.round(runningSum[i] / examples, valueBytes);
        }
        return mean;
    }

    int examples() {
        return examples;
    }

    int received() {
        return received;
    }

    void clear() {
        examples = 0;
        lossSum = 0;
        received = 0;
        runningSum = null;
    }

    /** Example-weighted mean loss of the accepted messages (NaN when none). */
    double meanLoss() {
        return examples == 0 ? Double.NaN : lossSum / examples;
    }
}

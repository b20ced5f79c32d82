package io.github.dl4jcoded.training.server;

import io.github.dl4jcoded.training.WorkerMessage;

/** What every round counts, whatever its codec: messages accepted, their examples and mean loss. */
final class RoundTally {
    private int examples;
    private double lossSum;
    private int received;

    void add(WorkerMessage m) {
        examples += m.examples();
        lossSum += m.examples() * m.loss();
        received++;
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
    }

    /** Example-weighted mean loss of the accepted messages (NaN when none). */
    double meanLoss() {
        return examples == 0 ? Double.NaN : lossSum / examples;
    }
}

package io.github.dl4jcoded.training;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.dataset.DataSet;

import java.util.List;

/** The vanilla parameter server: workers push dense backprop gradients; a round averages them. */
public final class DenseCodec implements GradientCodec {
    private final int numParams;

    public DenseCodec(int numParams) {
        this.numParams = numParams;
    }

    @Override
    public WorkerSide workerSide(int worker) {
        return (replica, shard, round, version) -> {
            double[] g = Backprop.meanGradient(replica, shard);
            return new WorkerMessage(round, version, worker, shard.numExamples(), replica.score(), List.of(), g);
        };
    }

    @Override
    public Round newRound(long round, int[] liveWorkers) {
        return new Round() {
            private final double[] sum = new double[numParams];
            private final RoundTally tally = new RoundTally();

            @Override
            public void offer(WorkerMessage m) {
                Messages.checkDense(m, numParams);
                for (int i = 0; i < numParams; i++) {
                    sum[i] += m.examples() * m.dense()[i];
                }
                tally.add(m);
            }

            @Override
            public boolean isEmpty() {
                return tally.examples() == 0;
            }

            @Override
            public boolean isComplete() {
                return tally.received() == liveWorkers.length;
            }

            @Override
            public Estimate estimate() {
                double[] g = new double[numParams];
                for (int i = 0; i < numParams; i++) {
                    g[i] = sum[i] / tally.examples();
                }
                return new Estimate(g, null, tally.meanLoss(), tally.examples());
            }
        };
    }

    @Override
    public long denseMessageBytes() {
        return WorkerMessage.HEADER_BYTES + 4L * numParams;
    }
}

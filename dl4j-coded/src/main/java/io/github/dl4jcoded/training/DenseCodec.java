package io.github.dl4jcoded.training;

import io.github.dl4jcoded.decode.Codeword;
import io.github.dl4jcoded.decode.SymbolPrecision;
import io.github.dl4jcoded.engine.Backprop;
import io.github.dl4jcoded.updater.GradientMask;

import java.util.List;

/** The vanilla parameter server: workers push dense backprop gradients; a round averages them. */
public final class DenseCodec implements GradientCodec {
    private final int numParams;
    private final int valueBytes;

    /** @param valueBytes 4 for float networks, 8 for double: the precision the mean is rounded to */
    public DenseCodec(int numParams, int valueBytes) {
        this.numParams = numParams;
        this.valueBytes = valueBytes;
    }

    @Override
    public WorkerSide workerSide(int worker) {
        return (replica, shard, round, version) -> {
            Backprop.Result b = Backprop.meanGradient(replica, shard);
            return new WorkerMessage(round, version, worker, shard.numExamples(), b.loss(), List.of(), b.gradientAsDoubles(),
                    SymbolPrecision.FLOAT32, b.runningStatistics());
        };
    }

    @Override
    public Round newRound(long round, int[] liveWorkers) {
        DenseMean mean = new DenseMean();
        return new Round() {
            @Override
            public void offer(WorkerMessage m) {
                mean.offer(m);
            }

            @Override
            public boolean isEmpty() {
                return mean.examples == 0;
            }

            @Override
            public boolean isComplete() {
                return false; // only the server knows when every worker answered
            }

            @Override
            public DecodedGradient decode() {
                return mean.decode();
            }
        };
    }

    @Override
    public Window newWindow() {
        DenseMean mean = new DenseMean();
        return new Window() {
            @Override
            public void offer(WorkerMessage m) {
                mean.offer(m);
            }

            @Override
            public int accepted() {
                return mean.messages;
            }

            @Override
            public DecodedGradient decode() {
                return mean.decode();
            }
        };
    }

    /** The example-weighted mean of dense gradients, each checked before it is added. */
    private final class DenseMean {
        private final double[] sum = new double[numParams];
        private int examples;
        private int messages;

        void offer(WorkerMessage m) {
            double[] g = m.dense();
            if (g == null || !m.codewords().isEmpty() || g.length != numParams) {
                throw new RejectedMessageException(RejectReason.MALFORMED, "a vanilla server needs a dense gradient of "
                        + numParams + " entries and no codewords, got " + (g == null ? "none" : g.length + " entries")
                        + " and " + m.codewords().size() + " codewords");
            }
            for (int i = 0; i < g.length; i++) {
                if (!Double.isFinite(g[i])) {
                    throw new RejectedMessageException(RejectReason.NON_FINITE, "dense gradient entry " + i + " is " + g[i]);
                }
            }
            for (int i = 0; i < numParams; i++) {
                sum[i] += m.examples() * g[i];
            }
            examples += m.examples();
            messages++;
        }

        DecodedGradient decode() {
            if (examples == 0) {
                return DecodedGradient.none();
            }
            double[] g = new double[numParams];
            for (int i = 0; i < numParams; i++) {
                g[i] = DecodedGradient.round(sum[i] / examples, valueBytes);
            }
            return DecodedGradient.dense(g, valueBytes);
        }
    }

    @Override
    public GradientMask write(DecodedGradient decoded, double[] gradient) {
        double[] g = decoded.dense();
        if (g == null || g.length != numParams || gradient.length != numParams) {
            throw new IllegalArgumentException("a vanilla update is a dense gradient of " + numParams + " entries");
        }
        for (int i = 0; i < g.length; i++) {
            if (!Double.isFinite(g[i])) {
                throw new IllegalArgumentException("dense update entry " + i + " is " + g[i]);
            }
        }
        System.arraycopy(g, 0, gradient, 0, g.length);
        return null;
    }

    @Override
    public Codeword codeword(long round, long version, int task, long frameTag, double[] symbols) {
        // No code: an empty row, and the round refuses any message that carries codewords.
        return new Codeword(round, task, frameTag, new int[0], new double[0], symbols == null ? new double[0] : symbols);
    }

    @Override
    public long denseMessageBytes() {
        return WorkerMessage.HEADER_BYTES + 4L * numParams;
    }
}

package io.github.dl4jcoded.training;

import io.github.dl4jcoded.decode.Codeword;
import io.github.dl4jcoded.decode.CodewordEncoder;
import io.github.dl4jcoded.feedback.ErrorFeedback;
import io.github.dl4jcoded.nn.Network;
import org.nd4j.linalg.dataset.DataSet;

import java.util.List;

/**
 * How a coded worker computes its codewords, as an object: the built-in kinds are the values of
 * {@code CodedTrainingConfig.EngineKind} (backprop then projection, or forward-mode JVPs); a user
 * can pass their own (named in JSON by class name, rebuilt with its public no-argument constructor).
 */
public interface WorkerEngine {

    /**
     * The codewords of one job, the mean loss of its shard and, for networks with batch
     * normalization, the running-statistics step of the shard (null without).
     */
    record Encoded(double loss, List<Codeword> codewords, double[] runningStatistics) {
        public Encoded(double loss, List<Codeword> codewords) {
            this(loss, codewords, null);
        }
    }

    /**
     * Codewords of {@code tasks} for {@code shard} in the frames of {@code step}.
     *
     * @param feedback per task, its error feedback, or null where there is none
     */
    Encoded encode(Network replica, DataSet shard, long step, int[] tasks, CodewordEncoder encoder,
                   ErrorFeedback[] feedback);

    /** True when the engine forms the worker's whole gradient (error feedback needs it). */
    default boolean formsGradient() {
        return true;
    }

    /** A per-worker instance (engines with per-call buffers return a fresh one; stateless ones themselves). */
    default WorkerEngine forWorker() {
        return this;
    }
}

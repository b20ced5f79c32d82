package io.github.dl4jcoded.training;

import io.github.dl4jcoded.updater.GradientMask;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.dataset.DataSet;

/**
 * The pluggable part of a parameter server (AFF3CT style: encoder on the worker, decoder on the
 * server, one interface): how a worker turns its minibatch into a message, and how the server
 * turns the messages of a round into a gradient estimate.
 */
public interface GradientCodec {

    /** Worker side, one instance per worker thread (it may keep state such as error feedback). */
    interface WorkerSide {
        /** The message for {@code round}, or null when the round is too old to encode any more (a straggler's job). */
        WorkerMessage compute(MultiLayerNetwork replica, DataSet shard, long round, long version);
    }

    /** Server side for one round: messages arrive one at a time, the estimate can be asked for at any moment. */
    interface Round {
        /** @throws IllegalArgumentException for an invalid message; the round is unchanged */
        void offer(WorkerMessage message);

        /** True when nothing usable has arrived. */
        boolean isEmpty();

        /** True when the estimate can no longer improve with the messages still expected. */
        boolean isComplete();

        Estimate estimate();

        /**
         * Ends the round, after its estimate was applied (or it had nothing to apply), before the
         * next round starts: codecs whose frames depend on the decoded history advance it here.
         */
        default void finish() {
        }
    }

    /**
     * @param meanGradient mean gradient estimate over {@code examples} examples (entries outside the mask are ignored)
     * @param mask         blocks known, or null for all
     */
    record Estimate(double[] meanGradient, GradientMask mask, double loss, int examples) {
    }

    WorkerSide workerSide(int worker);

    /** @param liveWorkers the workers that were sent this round's jobs */
    Round newRound(long round, int[] liveWorkers);

    /**
     * The server-side state that evolves with the decoded history (low-rank frames), serialized,
     * or null for codecs whose frames depend on the seed alone: what a checkpoint and a late
     * joiner need besides the network.
     */
    default byte[] exportState() {
        return null;
    }

    /** Restores what {@link #exportState()} wrote. @throws IllegalArgumentException if it does not fit this codec */
    default void importState(byte[] state) {
        if (state != null) {
            throw new IllegalArgumentException(getClass().getSimpleName() + " keeps no state, got " + state.length + " bytes");
        }
    }

    /** Bytes of one dense float32 gradient message, the yardstick for compression ratios. */
    long denseMessageBytes();
}

package io.github.dl4jcoded.training;

import io.github.dl4jcoded.decode.Codeword;
import io.github.dl4jcoded.updater.GradientMask;
import io.github.dl4jcoded.nn.Network;
import org.nd4j.linalg.dataset.DataSet;

/**
 * The pluggable part of a parameter server (AFF3CT style: encoder on the worker, decoder on the
 * server, one interface): how a worker turns its minibatch into a message, how the server turns
 * the messages of a round into a {@link DecodedGradient}, and how that decoded gradient becomes
 * the gradient the updater applies, on the server and on every replica alike.
 */
public interface GradientCodec {

    /** Worker side, one instance per worker (it may keep state such as error feedback). */
    interface WorkerSide {
        /** The message for {@code round}, or null when the round is too old to encode any more (a straggler's job). */
        WorkerMessage compute(Network replica, DataSet shard, long round, long version);
    }

    /** Server side for one round: messages arrive one at a time, in any order. */
    interface Round {
        /**
         * Takes the payload of an accepted message (the server core checked its header, round and
         * staleness): codewords or a dense gradient, checked completely before anything is kept.
         *
         * @throws RejectedMessageException with the reason; the round is unchanged
         */
        void offer(WorkerMessage message);

        /** True when no message was taken. */
        boolean isEmpty();

        /** True when the estimate can no longer improve with the messages still expected. */
        boolean isComplete();

        /** The mean gradient of the messages taken, decoded, as it is applied and sent down (float32). */
        DecodedGradient decode();
    }

    /**
     * Server side for asynchronous training: answers computed against different parameter versions
     * arrive one by one, each decoded at once into a live accumulator; the accumulator is what the
     * next updater step applies.
     */
    interface Window {
        /**
         * Takes an accepted message's payload and decodes it into the accumulator at once (its
         * increment touches only the blocks it says something about).
         *
         * @throws RejectedMessageException with the reason; the window is unchanged
         */
        void offer(WorkerMessage message);

        /** Messages taken since the window opened. */
        int accepted();

        /** The mean gradient of the messages taken, as it is applied and sent down; nothing when none was taken. */
        DecodedGradient decode();
    }

    WorkerSide workerSide(int worker);

    /** @param liveWorkers the workers that were sent this round's jobs */
    Round newRound(long round, int[] liveWorkers);

    /** ASYNC: a fresh accumulator for the next updater step. */
    Window newWindow();

    /**
     * Writes {@code decoded} over its blocks' entries of {@code gradient} (length n) and leaves the
     * others untouched; returns the blocks written as the updater's mask, null for all.
     *
     * @throws IllegalArgumentException when {@code decoded} does not fit this codec (wrong blocks,
     *                                  lengths or frames, non-finite values); nothing is written
     */
    GradientMask write(DecodedGradient decoded, double[] gradient);

    /**
     * After the update of round {@code round} was applied (or a round closed with nothing to apply),
     * {@code version} being the parameters' version then: codecs whose frames come from the decoded
     * history advance it here, identically on the server and on every replica, from what was applied.
     */
    default void advance(long round, long version, DecodedGradient applied) {
    }

    /**
     * A codeword read off a wire (task id, frame tag and float32 symbols) of a message for
     * {@code round} computed against {@code version}: its code row comes from this codec's code,
     * never from the wire, and its frame step from the round and version. A task outside the code
     * gets an empty row, which is refused as UNKNOWN_TASK when the message is offered; a dense codec
     * refuses codewords there.
     */
    Codeword codeword(long round, long version, int task, long frameTag, double[] symbols);

    /**
     * The server-side state that evolves with the decoded history (adaptive frames), serialized,
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

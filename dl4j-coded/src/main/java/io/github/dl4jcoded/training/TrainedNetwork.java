package io.github.dl4jcoded.training;

import org.deeplearning4j.nn.api.Model;
import io.github.dl4jcoded.nn.Network;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;

/**
 * The user's network as the network a trainer trains: the one policy of every trainer of this
 * library that takes a user's network (the local trainer, the cluster server). A trainer steps
 * its own copy (the parameter-server core's, whose updaters are masked), and through this class
 * <ul>
 *   <li>every applied update lands in the user's network (parameters, updater state, iteration
 *       count, score), and then the user's listeners, as they are at that moment, get
 *       {@code iterationDone} with the user's network and the update's own iteration, as
 *       {@code fit} reports it ({@link #publishUpdate});</li>
 *   <li>the trainer's epochs are the user's: {@code onEpochStart}, then {@code onEpochEnd}
 *       after the epoch's last update, then the user's epoch count moves on
 *       ({@link #startEpoch}, {@link #endEpoch});</li>
 *   <li>one open trainer per network: a second is refused until the first is closed, since two
 *       trainers on one network would overwrite each other's updates.</li>
 * </ul>
 * The user's network owns the epoch count: a publish does not copy it, so a core that never
 * counts epochs (the cluster server's, whose replicas count updates only) does not reset it.
 * The callbacks of backprop ({@code onForwardPass}, {@code onGradientCalculation},
 * {@code onBackwardPass}) do not fire: no backprop runs on the user's network. A listener that
 * throws is not caught here: the trainer's caller decides what a failed listener stops.
 */
public final class TrainedNetwork implements AutoCloseable {
    /** Networks with an open trainer (by identity: a network's equals compares its parameters). */
    private static final Set<Model> OPEN = Collections.synchronizedSet(
            Collections.newSetFromMap(new IdentityHashMap<>()));

    private final Network net;
    private boolean closed;

    /** @throws IllegalStateException when another open trainer already trains {@code net} */
    public TrainedNetwork(Network net) {
        if (!OPEN.add(net.model())) {
            throw new IllegalStateException("this network is already wrapped by an open trainer (a CodedTraining or a"
                    + " ClusterServer): close that one first (two trainers on one network would overwrite each other's updates)");
        }
        this.net = net;
    }

    /** The user's network. */
    public Network network() {
        return net;
    }

    /**
     * What the user set on their network (parameters, updater state, iteration and epoch counts)
     * into the trainer's {@code core}: where the next updates start from.
     */
    public void giveStateTo(Network core) {
        copyState(net, core);
        core.setEpochCount(net.getEpochCount());
    }

    /**
     * The trainer's state into the user's network at once, without callbacks: {@code core}'s
     * parameters, updater state and iteration count, and {@code epochCount} (a resumed trainer's).
     */
    public void takeStateFrom(Network core, int epochCount) {
        copyState(core, net);
        net.setEpochCount(epochCount);
    }

    /**
     * Publishes the update {@code core} just applied: its state into the user's network, then
     * {@code iterationDone} for each of the user's current listeners. Does nothing when
     * {@code core} made no iteration since the last publish (an empty round changed nothing).
     * Call it from one thread at a time, with {@code core} not changing meanwhile.
     */
    public void publishUpdate(Network core) {
        if (core.getIterationCount() == net.getIterationCount()) {
            return;
        }
        copyState(core, net);
        net.setScore(core.score());
        int iteration = net.getIterationCount() - 1; // the update's own iteration, as fit reports it
        for (TrainingListener l : net.getListeners()) {
            l.iterationDone(net.model(), iteration, net.getEpochCount());
        }
    }

    /** An epoch begins: {@code onEpochStart} for each of the user's current listeners. */
    public void startEpoch() {
        for (TrainingListener l : net.getListeners()) {
            l.onEpochStart(net.model());
        }
    }

    /** An epoch's last update is published: {@code onEpochEnd} for each listener, then the epoch count moves on. */
    public void endEpoch() {
        for (TrainingListener l : net.getListeners()) {
            l.onEpochEnd(net.model()); // every update of the epoch is in it already
        }
        net.incrementEpochCount();
    }

    /** Lets another trainer take the network. Idempotent. */
    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            OPEN.remove(net.model());
        }
    }

    /** Parameters, updater state and iteration count, {@code from} into {@code to} (the epoch count is the user's). */
    private static void copyState(Network from, Network to) {
        to.params().assign(from.params());
        INDArray state = from.updaterState();
        if (state != null && !state.isEmpty()) {
            to.updaterState().assign(state);
        }
        to.setIterationCount(from.getIterationCount());
    }
}

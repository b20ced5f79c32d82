package io.github.dl4jcoded.simulation;

/**
 * The price of compute and of the network in virtual seconds: what each worker, the server and
 * every link pay, as the real cluster pays it.
 *
 * @param perSampleSeconds     compute of one example on a nominal worker (backprop, or the coded
 *                             engine's work that grows with the examples)
 * @param perJobSeconds        compute a nominal worker adds per job whatever its examples (a coded
 *                             worker's encoding and error feedback on top of its backprop)
 * @param workerBandwidth      bytes per second of each worker's own link (private to the worker);
 *                             +infinity for free
 * @param serverBandwidth      bytes per second of the server's link, each way, shared by every push
 *                             (inbound) and every pull (outbound); +infinity for free
 * @param latencySeconds       one-way latency added to every transfer after the server link
 * @param serverMessageSeconds the server's own work per arriving message (validation, taking it
 *                             into its round), on its one CPU, in arrival order
 * @param serverUpdateSeconds  the server's own work per update (decode, the updater step, the log
 *                             entry), on the same CPU, after the messages before it
 * @param replaySeconds        a coded worker's work per log entry it replays before its next job
 *                             (the server's apply step on its replica); a vanilla worker pulls the
 *                             parameters instead and replays nothing
 */
public record CostModel(double perSampleSeconds, double perJobSeconds, double workerBandwidth, double serverBandwidth,
                        double latencySeconds, double serverMessageSeconds, double serverUpdateSeconds,
                        double replaySeconds) {

    public CostModel {
        for (double v : new double[]{perSampleSeconds, perJobSeconds, latencySeconds, serverMessageSeconds,
                serverUpdateSeconds, replaySeconds}) {
            if (!(v >= 0) || Double.isInfinite(v)) {
                throw new IllegalArgumentException("compute costs and latency must be finite and >= 0, got " + v);
            }
        }
        if (!(workerBandwidth > 0) || !(serverBandwidth > 0)) {
            throw new IllegalArgumentException("bandwidths must be > 0 (+infinity for free), got "
                    + workerBandwidth + ", " + serverBandwidth);
        }
    }

    /** Workers' compute and the network only: the server and replays cost nothing. */
    public CostModel(double perSampleSeconds, double workerBandwidth, double serverBandwidth, double latencySeconds) {
        this(perSampleSeconds, 0, workerBandwidth, serverBandwidth, latencySeconds, 0, 0, 0);
    }

    /** Links of {@code gigabitsPerSecond} everywhere (workers and server), with the given latency. */
    public static CostModel gigabit(double perSampleSeconds, double gigabitsPerSecond, double latencySeconds) {
        double bytesPerSecond = gigabitsPerSecond * 1e9 / 8;
        return new CostModel(perSampleSeconds, bytesPerSecond, bytesPerSecond, latencySeconds);
    }

    /** Free network: only compute costs time (the oracle's network). */
    public static CostModel computeOnly(double perSampleSeconds) {
        return new CostModel(perSampleSeconds, Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY, 0);
    }

    /** This model with the server's own work per message and per update. */
    public CostModel withServer(double messageSeconds, double updateSeconds) {
        return new CostModel(perSampleSeconds, perJobSeconds, workerBandwidth, serverBandwidth, latencySeconds,
                messageSeconds, updateSeconds, replaySeconds);
    }

    /** This model with a worker's replay of one log entry. */
    public CostModel withReplay(double seconds) {
        return new CostModel(perSampleSeconds, perJobSeconds, workerBandwidth, serverBandwidth, latencySeconds,
                serverMessageSeconds, serverUpdateSeconds, seconds);
    }

    /** This model with a worker's fixed work per job. */
    public CostModel withJobOverhead(double seconds) {
        return new CostModel(perSampleSeconds, seconds, workerBandwidth, serverBandwidth, latencySeconds,
                serverMessageSeconds, serverUpdateSeconds, replaySeconds);
    }

    /** This model with a free network (the oracle's), compute costs unchanged. */
    public CostModel withFreeNetwork() {
        return new CostModel(perSampleSeconds, perJobSeconds, Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY, 0,
                serverMessageSeconds, serverUpdateSeconds, replaySeconds);
    }

    /** Nominal compute of a job of {@code examples} examples. */
    double jobSeconds(int examples) {
        return examples * perSampleSeconds + perJobSeconds;
    }

    double uplinkSeconds(long bytes) {
        return bytes / workerBandwidth;
    }

    double serverLinkSeconds(long bytes) {
        return bytes / serverBandwidth;
    }
}

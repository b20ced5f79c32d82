package io.github.dl4jcoded.simulation;

/**
 * The price of compute and of the network in virtual seconds.
 *
 * @param perSampleSeconds       compute time of one example on a nominal worker (for the engine and
 *                               code in use; measure it once and store it with the results)
 * @param workerBandwidth        bytes per second of each worker's own uplink (private to the worker);
 *                               +infinity for free
 * @param serverBandwidth        bytes per second of the server's inbound link, shared by every push;
 *                               +infinity for free
 * @param latencySeconds         one-way latency added to every push after the server link
 */
public record CostModel(double perSampleSeconds, double workerBandwidth, double serverBandwidth, double latencySeconds) {

    public CostModel {
        if (!(perSampleSeconds >= 0) || Double.isInfinite(perSampleSeconds)) {
            throw new IllegalArgumentException("perSampleSeconds must be finite and >= 0, got " + perSampleSeconds);
        }
        if (!(workerBandwidth > 0) || !(serverBandwidth > 0)) {
            throw new IllegalArgumentException("bandwidths must be > 0 (+infinity for free), got "
                    + workerBandwidth + ", " + serverBandwidth);
        }
        if (!(latencySeconds >= 0) || Double.isInfinite(latencySeconds)) {
            throw new IllegalArgumentException("latency must be finite and >= 0, got " + latencySeconds);
        }
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

    double uplinkSeconds(long bytes) {
        return bytes / workerBandwidth;
    }

    double serverLinkSeconds(long bytes) {
        return bytes / serverBandwidth;
    }
}

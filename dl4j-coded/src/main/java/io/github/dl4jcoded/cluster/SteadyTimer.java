package io.github.dl4jcoded.cluster;

import java.util.Arrays;

/**
 * Durations of one kind of work, for steady-state timings: the mean of the second half of those
 * held (after the JIT has warmed up). It holds the last {@value #HELD} at most (512 KiB): a server
 * or a worker runs for days, its timings must not grow with it. Thread-safe.
 */
public final class SteadyTimer {
    private static final int HELD = 1 << 16;
    private long[] nanos = new long[256];
    private long n;

    /** Records one duration, in nanoseconds. @throws IllegalArgumentException if it is negative */
    public synchronized void add(long durationNanos) {
        if (durationNanos < 0) {
            throw new IllegalArgumentException("a duration cannot be negative: " + durationNanos + " ns");
        }
        if (n == nanos.length && n < HELD) {
            nanos = Arrays.copyOf(nanos, 2 * nanos.length);
        }
        nanos[(int) (n++ % HELD)] = durationNanos;
    }

    /** Durations recorded so far (including those no longer held). */
    public synchronized long count() {
        return n;
    }

    /** The mean of the second half of the durations held, in seconds; NaN when none was recorded. */
    public synchronized double steadyMeanSeconds() {
        return steady()[0];
    }

    /** The standard deviation of the second half of the durations held, in seconds; NaN when none was recorded. */
    public synchronized double steadySdSeconds() {
        return steady()[1];
    }

    private double[] steady() {
        long held = Math.min(n, HELD);
        if (held == 0) {
            return new double[]{Double.NaN, Double.NaN};
        }
        long from = n - held + held / 2;
        long count = held - held / 2;
        double sum = 0;
        for (long i = from; i < n; i++) {
            sum += nanos[(int) (i % HELD)];
        }
        double mean = sum / count;
        double sq = 0;
        for (long i = from; i < n; i++) {
            double d = nanos[(int) (i % HELD)] - mean;
            sq += d * d;
        }
        return new double[]{mean / 1e9, Math.sqrt(sq / count) / 1e9};
    }
}

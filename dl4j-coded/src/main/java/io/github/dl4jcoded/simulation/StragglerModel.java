package io.github.dl4jcoded.simulation;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * How much slower than nominal a worker runs a job, and when it is down (AFF3CT style: one
 * interface, the channel models behind it, each seeded).
 *
 * <p>Every random draw is a pure function of (seed, worker, the worker's job number), never of
 * a shared generator: the draws do not depend on the order in which the simulator asks, so a
 * change in event order elsewhere cannot shift every later delay.
 */
public interface StragglerModel {

    /** Multiplier (> 0) on the nominal compute time of {@code worker}'s {@code job}-th job. */
    double slowdown(int worker, long job);

    /** The first time at or after {@code t} when {@code worker} is down, or +infinity. */
    default double nextDown(int worker, double t) {
        return Double.POSITIVE_INFINITY;
    }

    /** The first time at or after {@code t} when {@code worker} is up, or +infinity when it never returns. */
    default double nextUp(int worker, double t) {
        return t;
    }

    default boolean isUp(int worker, double t) {
        return nextUp(worker, t) == t;
    }

    /** This model's delays multiplied by {@code other}'s; a worker is up when both say so. */
    default StragglerModel and(StragglerModel other) {
        StragglerModel self = this;
        return new StragglerModel() {
            @Override
            public double slowdown(int worker, long job) {
                return self.slowdown(worker, job) * other.slowdown(worker, job);
            }

            @Override
            public double nextDown(int worker, double t) {
                return Math.min(self.nextDown(worker, t), other.nextDown(worker, t));
            }

            @Override
            public double nextUp(int worker, double t) {
                // Alternate until both agree (each model has finitely many outages).
                double u = t;
                while (u != Double.POSITIVE_INFINITY) {
                    double a = self.nextUp(worker, u);
                    double b = other.nextUp(worker, a);
                    if (b == a) {
                        return a;
                    }
                    u = b;
                }
                return u;
            }
        };
    }

    /** No stragglers, no crashes. */
    static StragglerModel none() {
        return (worker, job) -> 1.0;
    }

    /** Slowdown 1 + X with X exponential of the given mean (the classic shifted-exponential straggler). */
    static StragglerModel shiftedExponential(double mean, long seed) {
        if (!(mean >= 0)) {
            throw new IllegalArgumentException("mean must be >= 0, got " + mean);
        }
        return (worker, job) -> 1.0 - mean * Math.log(1.0 - draw(seed, worker, job));
    }

    /** Slowdown Pareto(shape, scale): scale / U^(1/shape), at least {@code scale}; heavy-tailed for small shapes. */
    static StragglerModel pareto(double shape, double scale, long seed) {
        if (!(shape > 0) || !(scale > 0)) {
            throw new IllegalArgumentException("Pareto needs shape > 0 and scale > 0, got " + shape + ", " + scale);
        }
        return (worker, job) -> scale / Math.pow(1.0 - draw(seed, worker, job), 1.0 / shape);
    }

    /** {@code slowWorkers} workers (chosen by the seed, among {@code workers}) always run {@code factor} times slower. */
    static StragglerModel persistentSlow(int workers, int slowWorkers, double factor, long seed) {
        if (slowWorkers < 0 || slowWorkers > workers || !(factor > 0)) {
            throw new IllegalArgumentException("need 0 <= slowWorkers <= workers and factor > 0");
        }
        // A seeded shuffle: which workers are slow is part of the experiment, reproducibly.
        int[] order = new int[workers];
        Arrays.setAll(order, i -> i);
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = workers - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int tmp = order[i];
            order[i] = order[j];
            order[j] = tmp;
        }
        boolean[] slow = new boolean[workers];
        for (int i = 0; i < slowWorkers; i++) {
            slow[order[i]] = true;
        }
        return slowWorkers(factor, slow);
    }

    /**
     * {@code workers} workers on one machine of {@code cores} cores, worker w pinned to core w mod
     * cores, all computing at once: each runs as many times slower as there are workers on its core
     * (what a cluster run on loopback pays; a real cluster gives each worker its own machine).
     */
    static StragglerModel sharedCores(int workers, int cores) {
        if (workers < 1 || cores < 1) {
            throw new IllegalArgumentException("need workers >= 1 and cores >= 1, got " + workers + ", " + cores);
        }
        return (worker, job) -> (double) (workers / cores + (worker % cores < workers % cores ? 1 : 0));
    }

    /**
     * Worker w always runs {@code factors[w]} times slower: slowdowns measured elsewhere (each
     * worker process's own time per job on a shared machine) and stated.
     *
     * @throws IllegalArgumentException unless there is one positive, finite factor per worker
     */
    static StragglerModel perWorker(int workers, double... factors) {
        if (factors.length != workers) {
            throw new IllegalArgumentException("need one factor per worker: " + workers + " workers, " + factors.length + " factors");
        }
        for (double f : factors) {
            if (!(f > 0) || Double.isInfinite(f)) {
                throw new IllegalArgumentException("a slowdown must be positive and finite, got " + f);
            }
        }
        double[] fs = factors.clone();
        return (worker, job) -> fs[worker];
    }

    /** The workers flagged in {@code slow} always run {@code factor} times slower (for hand-built cases). */
    static StragglerModel slowWorkers(double factor, boolean... slow) {
        boolean[] s = slow.clone();
        return (worker, job) -> worker < s.length && s[worker] ? factor : 1.0;
    }

    /**
     * {@code worker} leaves at virtual time {@code at} (its job in progress is lost) and returns at
     * {@code returnsAt}, or never when that is +infinity.
     */
    static StragglerModel crash(int worker, double at, double returnsAt) {
        if (!(at >= 0) || !(returnsAt > at)) {
            throw new IllegalArgumentException("need 0 <= at < returnsAt, got " + at + ", " + returnsAt);
        }
        return new StragglerModel() {
            @Override
            public double slowdown(int w, long job) {
                return 1.0;
            }

            @Override
            public double nextDown(int w, double t) {
                return w == worker && t < returnsAt ? Math.max(t, at) : Double.POSITIVE_INFINITY;
            }

            @Override
            public double nextUp(int w, double t) {
                return w == worker && t >= at && t < returnsAt ? returnsAt : t;
            }
        };
    }

    /** A uniform draw in [0, 1) that depends only on (seed, worker, job). */
    private static double draw(long seed, int worker, long job) {
        long key = seed * 0x9E3779B97F4A7C15L + worker * 0xC2B2AE3D27D4EB4FL + job * 0x165667B19E3779F9L;
        return new SplittableRandom(key).nextDouble();
    }
}

package io.github.dl4jcoded.simulation;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;

/**
 * Says when repeated work has warmed up: after at least {@code minRuns} runs, and either
 * {@code minSeconds} have passed and the last whole window of at least {@code windowSeconds} was
 * quiet (the JIT's total compilation time grew by at most 5% of the window), or
 * {@code maxSeconds} have passed.
 *
 * <p>A fixed warm-up is not enough: on one pinned core the JIT compiles DL4J's backprop path for
 * 10 to 15 seconds, and an MLP job timed in the first seconds took 10-12 ms against 2 ms after
 * (measured 2026-11-28 on the 2-core development machine), so a short warm-up priced the
 * simulated workers at 4-5x their steady cost. Where the JVM does not report compilation time,
 * every window counts as quiet. The minimum run count holds in every case.
 */
final class JitWarmup {
    private static final CompilationMXBean JIT = ManagementFactory.getCompilationMXBean();

    private final int minRuns;
    private final double minSeconds;
    private final double windowSeconds;
    private final double maxSeconds;
    private final long start = System.nanoTime();
    private long windowStart = start;
    private long windowCompileMillis = compileMillis();
    private int runs;
    private boolean warm;

    JitWarmup(int minRuns, double minSeconds, double windowSeconds, double maxSeconds) {
        this.minRuns = minRuns;
        this.minSeconds = minSeconds;
        this.windowSeconds = windowSeconds;
        this.maxSeconds = maxSeconds;
    }

    /** Call after each run; true from the first run after which the work counts as warm. */
    boolean ran() {
        if (warm) {
            return true;
        }
        runs++;
        long now = System.nanoTime();
        double elapsed = (now - start) / 1e9;
        double window = (now - windowStart) / 1e9;
        boolean quiet = false;
        if (window >= windowSeconds) {
            long compiled = compileMillis();
            quiet = compiled < 0 || compiled - windowCompileMillis <= 0.05 * window * 1e3;
            windowStart = now;
            windowCompileMillis = compiled;
        }
        warm = runs >= minRuns && (elapsed >= maxSeconds || (quiet && elapsed >= minSeconds));
        return warm;
    }

    /** Seconds since the first run began. */
    double seconds() {
        return (System.nanoTime() - start) / 1e9;
    }

    private static long compileMillis() {
        return JIT != null && JIT.isCompilationTimeMonitoringSupported() ? JIT.getTotalCompilationTime() : -1;
    }
}

package io.github.dl4jcoded.training;

/** Checks on incoming worker messages that do not depend on the codec's internals. */
final class Messages {
    private Messages() {
    }

    static void checkHeader(WorkerMessage m) {
        if (m == null) {
            throw new IllegalArgumentException("null message");
        }
        if (m.examples() < 1) {
            throw new IllegalArgumentException("message from worker " + m.worker() + " claims " + m.examples() + " examples");
        }
        if (!Double.isFinite(m.loss())) {
            throw new IllegalArgumentException("message from worker " + m.worker() + " has a non-finite loss " + m.loss());
        }
    }

    static void checkDense(WorkerMessage m, int numParams) {
        checkHeader(m);
        double[] g = m.dense();
        if (g == null || g.length != numParams) {
            throw new IllegalArgumentException("dense message from worker " + m.worker() + " has "
                    + (g == null ? "no gradient" : g.length + " entries") + ", expected " + numParams);
        }
        for (int i = 0; i < g.length; i++) {
            if (!Double.isFinite(g[i])) {
                throw new IllegalArgumentException("dense message from worker " + m.worker() + " has NaN/Inf at " + i);
            }
        }
    }
}

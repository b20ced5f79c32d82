package io.github.dl4jcoded.training.server;

import io.github.dl4jcoded.training.RejectReason;

import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/** Counters of a parameter server ({@link ParameterServer} keeps them); thread-safe, read at any time. */
public final class TrainingStats {
    final AtomicLong rounds = new AtomicLong();
    final AtomicLong updates = new AtomicLong();
    final AtomicLong messages = new AtomicLong();
    final AtomicLong partialUpdates = new AtomicLong();
    final AtomicLong emptyRounds = new AtomicLong();
    final AtomicLong lostJobs = new AtomicLong();
    final AtomicLong skippedJobs = new AtomicLong();
    final AtomicLong bytesPushed = new AtomicLong();
    final AtomicLong denseBytes = new AtomicLong();
    private final AtomicLongArray refused = new AtomicLongArray(RejectReason.values().length);

    void refused(RejectReason r) {
        refused.incrementAndGet(r.ordinal());
    }

    /** SYNC: rounds closed; ASYNC: worker answers that reached the server (accepted or not). */
    public long rounds() { return rounds.get(); }
    public long updates() { return updates.get(); }
    /** Messages accepted into an update. */
    public long messages() { return messages.get(); }
    /** Messages refused because their round had closed without them, and jobs too old to encode (skipped). */
    public long late() { return refused.get(RejectReason.LATE.ordinal()) + skippedJobs.get(); }
    /** Messages refused for exceeding the staleness bound. */
    public long stale() { return refused.get(RejectReason.STALE.ordinal()); }
    /** Messages refused by validation (NaN, wrong lengths, foreign tasks, replays, ...): every reason but LATE and STALE. */
    public long rejected() {
        long s = 0;
        for (RejectReason r : RejectReason.values()) {
            if (r != RejectReason.LATE && r != RejectReason.STALE) {
                s += refused.get(r.ordinal());
            }
        }
        return s;
    }
    /** Refusals by reason (LATE and STALE included); reasons never seen are absent. */
    public Map<RejectReason, Long> refusedByReason() {
        EnumMap<RejectReason, Long> m = new EnumMap<>(RejectReason.class);
        for (RejectReason r : RejectReason.values()) {
            long v = refused.get(r.ordinal());
            if (v > 0) {
                m.put(r, v);
            }
        }
        return m;
    }
    /** Updates applied with some blocks missing. */
    public long partialUpdates() { return partialUpdates.get(); }
    /** Rounds with nothing usable, so no update. */
    public long emptyRounds() { return emptyRounds.get(); }
    /** Jobs held by workers that died or left. */
    public long lostJobs() { return lostJobs.get(); }
    /** Bytes the workers pushed (float32 values plus headers), refused messages included. */
    public long bytesPushed() { return bytesPushed.get(); }
    /** Bytes the same messages would take as dense float32 gradients. */
    public long denseEquivalentBytes() { return denseBytes.get(); }

    /** Dense bytes over pushed bytes. */
    public double compressionVsDense() {
        long b = bytesPushed.get();
        return b == 0 ? Double.NaN : (double) denseBytes.get() / b;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "rounds=%d updates=%d (partial %d) messages=%d late=%d stale=%d rejected=%d "
                        + "lostJobs=%d pushed=%,d B compression vs dense %.1fx",
                rounds(), updates(), partialUpdates(), messages(), late(), stale(), rejected(), lostJobs(),
                bytesPushed(), compressionVsDense());
    }
}

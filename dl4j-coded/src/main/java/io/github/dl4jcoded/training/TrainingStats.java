package io.github.dl4jcoded.training;

import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/** Counters of a training run; thread-safe, read at any time. */
public final class TrainingStats {
    final AtomicLong rounds = new AtomicLong();
    final AtomicLong updates = new AtomicLong();
    final AtomicLong messages = new AtomicLong();
    final AtomicLong late = new AtomicLong();
    final AtomicLong stale = new AtomicLong();
    final AtomicLong rejected = new AtomicLong();
    final AtomicLong partialUpdates = new AtomicLong();
    final AtomicLong emptyRounds = new AtomicLong();
    final AtomicLong lostJobs = new AtomicLong();
    final AtomicLong bytesPushed = new AtomicLong();
    final AtomicLong denseBytes = new AtomicLong();

    public long rounds() { return rounds.get(); }
    public long updates() { return updates.get(); }
    public long messages() { return messages.get(); }
    /** SYNC: messages that arrived after their round was applied. */
    public long late() { return late.get(); }
    /** ASYNC: messages dropped for exceeding the staleness bound. */
    public long stale() { return stale.get(); }
    /** Messages refused by validation (NaN, wrong lengths, foreign tasks, ...). */
    public long rejected() { return rejected.get(); }
    /** Updates applied with some blocks missing. */
    public long partialUpdates() { return partialUpdates.get(); }
    /** Rounds with nothing usable, so no update. */
    public long emptyRounds() { return emptyRounds.get(); }
    /** Jobs held by workers that died. */
    public long lostJobs() { return lostJobs.get(); }
    /** Bytes the workers pushed (float32 values plus headers). */
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

package io.github.dl4jcoded.cluster;

import io.github.dl4jcoded.training.WorkerMessage;

import java.util.List;

/**
 * One entry of the server's log: what it applied for one round, in the order it applied it, so
 * that a replica replaying the entries in {@code seq} order makes the same updates bit for bit.
 *
 * <p>Coded mode: {@code messages} are the accepted worker messages of the round (symbols already
 * rounded to float32, as on the wire) and {@code dense} is null; replaying means decoding them
 * with the same codec and applying the estimate. Vanilla mode: {@code dense} is the float32 mean
 * gradient the server applied and {@code messages} is empty. An entry with neither is an empty
 * round: nothing is applied, but the codec's history still advances.
 *
 * @param seq      position in the log, 1, 2, 3, ... with no gaps
 * @param round    the round (SYNC) or job (ASYNC) it closes
 * @param scale    step scale the update was applied with (1 / (1 + staleness) in ASYNC)
 * @param version  updates applied once this entry is
 * @param checksum {@link ReplicaChecksum} of the server's parameters and updater state after this
 *                 entry, or 0 when this entry carries none (sent every few entries)
 */
public record LogEntry(long seq, long round, double scale, long version, List<WorkerMessage> messages, float[] dense,
                       double loss, int examples, long checksum) implements Downlink {
    public LogEntry {
        messages = List.copyOf(messages);
    }

    /** True when replaying this entry changes the parameters. */
    public boolean applies() {
        return dense != null || !messages.isEmpty();
    }

    /** Bytes this entry takes on a wire with float32 values (a 40-byte header plus its payload). */
    public long wireBytes() {
        long b = 40;
        for (WorkerMessage m : messages) {
            b += m.wireBytes();
        }
        if (dense != null) {
            b += 4L * dense.length;
        }
        return b;
    }
}

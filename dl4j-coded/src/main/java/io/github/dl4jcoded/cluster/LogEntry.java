package io.github.dl4jcoded.cluster;

import io.github.dl4jcoded.training.server.Update;
import io.github.dl4jcoded.training.server.WireSizes;

/**
 * One entry of the server's log: an {@link Update} the server applied, in the order it applied
 * it, so that a replica applying the entries in {@code seq} order through its own core makes the
 * same updates bit for bit. An update is one message's worth of values (the decoded block symbols,
 * or the dense mean gradient for the vanilla server), whatever the number of workers behind it;
 * an empty round's entry carries none, but replaying it still advances history-made frames.
 *
 * @param seq      position in the log, 1, 2, 3, ... with no gaps
 * @param update   what was applied
 * @param checksum {@link ReplicaChecksum} of the server's parameters and updater state after this
 *                 entry, or 0 when this entry carries none (sent every few entries)
 */
public record LogEntry(long seq, Update update, long checksum) implements Downlink {
    /** Bytes this entry takes on a wire ({@link WireSizes#entry}). */
    public long wireBytes() {
        return WireSizes.entry(update);
    }
}

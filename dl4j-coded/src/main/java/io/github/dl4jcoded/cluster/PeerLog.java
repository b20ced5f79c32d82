package io.github.dl4jcoded.cluster;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Log lines a peer can cause. Two rules, stated once: such lines are thinned (the first
 * {@link #FIRST} of a kind, then every {@link #EVERY}th, so that a flood of bad messages or bad
 * tokens cannot flood the log), and anything a peer wrote is {@linkplain #sanitize sanitized}
 * before it reaches a log line (a worker name with a newline must not forge a line).
 */
public final class PeerLog {
    /** Lines logged before thinning starts. */
    public static final int FIRST = 20;
    /** After the first ones, one line in this many. */
    public static final int EVERY = 100;
    /** Longest peer-supplied string a log line shows. */
    public static final int MAX_LENGTH = 80;

    private final AtomicLong events = new AtomicLong();

    /** Counts one event; true when its line should be logged. */
    public boolean count() {
        long n = events.incrementAndGet();
        return n <= FIRST || n % EVERY == 0;
    }

    /** Events counted so far. */
    public long events() {
        return events.get();
    }

    /**
     * A peer-supplied string made safe for one log line: control and other non-printable characters
     * become \\uXXXX escapes (backslashes are doubled, so an escape cannot be faked), and it is cut
     * to {@link #MAX_LENGTH} characters with a mark. Null becomes "(none)".
     */
    public static String sanitize(String s) {
        if (s == null) return "(none)";
        StringBuilder b = new StringBuilder(Math.min(s.length(), MAX_LENGTH) + 8);
        int shown = 0;
        for (int i = 0; i < s.length(); i++) {
            if (shown == MAX_LENGTH) {
                b.append("...(").append(s.length()).append(" chars)");
                break;
            }
            char c = s.charAt(i);
            if (c == '\\') {
                b.append("\\\\");
            } else if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || c == 0x2028 || c == 0x2029
                    || Character.getType(c) == Character.FORMAT || Character.isSurrogate(c)) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
            shown++;
        }
        return b.toString();
    }
}

package io.github.dl4jcoded.updater;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Which entries of the flattened gradient are present this step: sorted, disjoint,
 * half-open ranges {@code [start, end)} of parameter indices (the decoded blocks). Entries
 * outside every range were touched by no codeword; the updater leaves them alone.
 */
public final class GradientMask {
    private final long[] starts;
    private final long[] ends;

    private GradientMask(long[] starts, long[] ends) {
        this.starts = starts;
        this.ends = ends;
    }

    /** Every parameter present: the updater behaves exactly like the wrapped one. */
    public static GradientMask all(long numParams) {
        return new GradientMask(new long[]{0}, new long[]{numParams});
    }

    /** Builds a mask from ranges given as {start0, end0, start1, end1, ...}, in any order; overlaps merge. */
    public static GradientMask ofRanges(long... startEndPairs) {
        if (startEndPairs.length % 2 != 0) {
            throw new IllegalArgumentException("ranges come in (start, end) pairs, got " + startEndPairs.length + " numbers");
        }
        int k = startEndPairs.length / 2;
        long[][] r = new long[k][];
        for (int i = 0; i < k; i++) {
            long s = startEndPairs[2 * i];
            long e = startEndPairs[2 * i + 1];
            if (s < 0 || e < s) {
                throw new IllegalArgumentException("invalid range [" + s + ", " + e + ")");
            }
            r[i] = new long[]{s, e};
        }
        Arrays.sort(r, (a, b) -> Long.compare(a[0], b[0]));
        List<long[]> merged = new ArrayList<>();
        for (long[] x : r) {
            if (x[0] == x[1]) {
                continue;
            }
            if (!merged.isEmpty() && merged.get(merged.size() - 1)[1] >= x[0]) {
                long[] last = merged.get(merged.size() - 1);
                last[1] = Math.max(last[1], x[1]);
            } else {
                merged.add(x.clone());
            }
        }
        long[] s = new long[merged.size()];
        long[] e = new long[merged.size()];
        for (int i = 0; i < s.length; i++) {
            s[i] = merged.get(i)[0];
            e[i] = merged.get(i)[1];
        }
        return new GradientMask(s, e);
    }

    /** This mask with the ranges {start0, end0, ...} present too. */
    public GradientMask with(long... startEndPairs) {
        long[] all = Arrays.copyOf(startEndPairs, startEndPairs.length + 2 * starts.length);
        for (int i = 0; i < starts.length; i++) {
            all[startEndPairs.length + 2 * i] = starts[i];
            all[startEndPairs.length + 2 * i + 1] = ends[i];
        }
        return ofRanges(all);
    }

    /** True when every index of {@code [from, to)} is present. */
    public boolean covers(long from, long to) {
        for (int i = 0; i < starts.length; i++) {
            if (starts[i] <= from && ends[i] >= to) {
                return true;
            }
        }
        return from >= to;
    }

    /**
     * The absent sub-ranges of {@code [from, to)}, relative to {@code from}, as
     * {start0, end0, start1, end1, ...}.
     */
    public long[] missingWithin(long from, long to) {
        List<Long> out = new ArrayList<>();
        long cursor = from;
        for (int i = 0; i < starts.length && cursor < to; i++) {
            if (ends[i] <= cursor) {
                continue;
            }
            if (starts[i] >= to) {
                break;
            }
            if (starts[i] > cursor) {
                out.add(cursor - from);
                out.add(starts[i] - from);
            }
            cursor = Math.max(cursor, ends[i]);
        }
        if (cursor < to) {
            out.add(cursor - from);
            out.add(to - from);
        }
        return out.stream().mapToLong(Long::longValue).toArray();
    }

    /** Number of present indices. */
    public long presentCount() {
        long c = 0;
        for (int i = 0; i < starts.length; i++) {
            c += ends[i] - starts[i];
        }
        return c;
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("GradientMask");
        for (int i = 0; i < starts.length; i++) {
            b.append(" [").append(starts[i]).append(',').append(ends[i]).append(')');
        }
        return b.toString();
    }
}

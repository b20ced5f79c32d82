package io.github.dl4jcoded.code;

/**
 * Peeling on the code's support alone: which blocks become known when only the given tasks
 * arrive. Over the reals with non-zero coefficients, peeling resolves a block exactly when this
 * graph process does, whatever the symbol values, so decodability is a property of the erasure
 * pattern. Reusable scratch arrays make it cheap enough to enumerate millions of patterns.
 */
public final class Peeling {
    private final Code code;
    private final int[] unresolvedCount;
    private final boolean[] resolved;
    private final int[] queue;

    public Peeling(Code code) {
        this.code = code;
        this.unresolvedCount = new int[code.taskCount()];
        this.resolved = new boolean[code.blockCount()];
        this.queue = new int[code.taskCount()];
    }

    /**
     * Runs peeling with the tasks in {@code received}; afterwards {@link #isResolved} tells which
     * blocks were recovered. Returns the number of resolved blocks.
     */
    public int run(boolean[] received) {
        int n = code.taskCount();
        java.util.Arrays.fill(resolved, false);
        int head = 0, tail = 0;
        for (int i = 0; i < n; i++) {
            unresolvedCount[i] = received[i] ? code.rowWeight(i) : -1;
            if (unresolvedCount[i] == 1) queue[tail++] = i;
        }
        int count = 0;
        while (head < tail) {
            int i = queue[head++];
            if (unresolvedCount[i] != 1) continue; // its last block got resolved by another row
            int j = -1;
            for (int b : code.blocks(i)) if (!resolved[b]) { j = b; break; }
            resolved[j] = true;
            count++;
            for (int t : code.tasks(j)) {
                if (unresolvedCount[t] > 0 && --unresolvedCount[t] == 1) queue[tail++] = t;
            }
        }
        return count;
    }

    /** {@link #run(boolean[])} with the received set given as a bit mask (N <= 63). */
    public int run(long receivedMask) {
        int n = code.taskCount();
        boolean[] rec = new boolean[n];
        for (int i = 0; i < n; i++) rec[i] = (receivedMask >>> i & 1L) != 0;
        return run(rec);
    }

    public boolean isResolved(int block) { return resolved[block]; }
}

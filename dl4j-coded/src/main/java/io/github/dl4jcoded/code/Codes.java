package io.github.dl4jcoded.code;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Code constructions. Rows of weight one get coefficient 1; rows that combine several blocks get
 * random signs +-1 (seeded), so that codeword directions from different rows over the same blocks
 * are not all aligned (lower coherence) while every coefficient keeps unit size (no block is
 * drowned in a codeword, and the peeling division by G_ij is well conditioned).
 *
 * <p>Peeling needs somewhere to start: a code whose rows all have weight >= 2 (plain LDGM or PEG)
 * never peels, because every codeword mixes at least two unknown blocks; the projective decoder
 * solves such codes by linear algebra instead. For peeling, use a systematic code, repetition,
 * or mix weight-one rows in.
 */
public final class Codes {
    private Codes() {}

    /** Each block computed by {@code copies} tasks on its own: N = k * copies, task i gets block i % k. */
    public static Code repetition(int k, int copies) {
        if (k <= 0 || copies <= 0) throw new IllegalArgumentException("k and copies must be > 0");
        int n = k * copies;
        int[][] b = new int[n][];
        double[][] c = new double[n][];
        for (int i = 0; i < n; i++) {
            b[i] = new int[] {i % k};
            c[i] = new double[] {1.0};
        }
        return new Code("repetition(k=" + k + ",copies=" + copies + ")", k, b, c);
    }

    /**
     * Systematic plus parity: tasks 0..k-1 each send one block; tasks k..k+parity-1 send a signed sum
     * of {@code weight} blocks, placed by PEG so that the parity checks are spread evenly.
     */
    public static Code systematic(int k, int parity, int weight, long seed) {
        if (parity < 0) throw new IllegalArgumentException("parity must be >= 0");
        int n = k + parity;
        int[][] b = new int[n][];
        double[][] c = new double[n][];
        for (int j = 0; j < k; j++) {
            b[j] = new int[] {j};
            c[j] = new double[] {1.0};
        }
        if (parity > 0) {
            Code p = peg(parity, k, weight, seed);
            for (int i = 0; i < parity; i++) {
                b[k + i] = p.blocks(i).clone();
                c[k + i] = p.coefficients(i).clone();
            }
        }
        return new Code("systematic(k=" + k + ",parity=" + parity + ",w=" + weight + ",seed=" + seed + ")", k, b, c);
    }

    /**
     * Random regular low-density generator matrix: N rows of weight w; column degrees N*w/k, or
     * the two nearest integers when that is fractional. Built by shuffling edge sockets and then
     * repairing rows that drew a block twice by swaps with other rows, which keeps all degrees.
     */
    public static Code regularLdgm(int n, int k, int w, long seed) {
        checkShape(n, k, w);
        SplittableRandom rnd = new SplittableRandom(seed);
        int edges = n * w;
        int[] sockets = new int[edges];
        // Degrees differ by at most one; which blocks get the extra edge is random.
        int[] blockOrder = shuffled(k, rnd);
        for (int e = 0; e < edges; e++) sockets[e] = blockOrder[e % k];
        for (int attempt = 0; ; attempt++) {
            shuffle(sockets, rnd);
            if (repairDuplicates(sockets, n, w, rnd)) break;
            if (attempt > 100) throw new IllegalStateException("could not build a regular LDGM code for N=" + n + " k=" + k + " w=" + w);
        }
        int[][] b = new int[n][w];
        double[][] c = new double[n][w];
        for (int i = 0; i < n; i++) {
            for (int p = 0; p < w; p++) {
                b[i][p] = sockets[i * w + p];
                c[i][p] = w == 1 ? 1.0 : (rnd.nextBoolean() ? 1.0 : -1.0);
            }
        }
        return new Code("ldgm(N=" + n + ",k=" + k + ",w=" + w + ",seed=" + seed + ")", k, b, c);
    }

    /**
     * Progressive edge growth (Hu, Eleftheriou, Arnold 2005) on the task/block graph: edges are
     * placed one at a time, each from the current task to a block as far from it as possible in
     * the graph built so far (unreachable blocks first), breaking ties by the lowest block degree
     * and then at random. Long cycles mean fewer small stopping sets, so more erasure patterns
     * peel.
     */
    public static Code peg(int n, int k, int w, long seed) {
        checkShape(n, k, w);
        SplittableRandom rnd = new SplittableRandom(seed);
        List<List<Integer>> rows = new ArrayList<>();
        List<List<Integer>> cols = new ArrayList<>();
        for (int j = 0; j < k; j++) cols.add(new ArrayList<>());
        int[] depth = new int[k];
        for (int i = 0; i < n; i++) {
            List<Integer> row = new ArrayList<>();
            rows.add(row);
            for (int e = 0; e < w; e++) {
                List<Integer> cand = new ArrayList<>();
                if (e == 0) {
                    for (int j = 0; j < k; j++) cand.add(j);
                } else {
                    bfsDepths(i, rows, cols, depth);
                    int far = -1;
                    for (int j = 0; j < k; j++) if (!row.contains(j)) far = Math.max(far, depth[j]);
                    for (int j = 0; j < k; j++) if (!row.contains(j) && depth[j] == far) cand.add(j);
                }
                int minDeg = Integer.MAX_VALUE;
                for (int j : cand) minDeg = Math.min(minDeg, cols.get(j).size());
                List<Integer> best = new ArrayList<>();
                for (int j : cand) if (cols.get(j).size() == minDeg) best.add(j);
                int pick = best.get(rnd.nextInt(best.size()));
                row.add(pick);
                cols.get(pick).add(i);
            }
        }
        int[][] b = new int[n][w];
        double[][] c = new double[n][w];
        for (int i = 0; i < n; i++) {
            for (int p = 0; p < w; p++) {
                b[i][p] = rows.get(i).get(p);
                c[i][p] = w == 1 ? 1.0 : (rnd.nextBoolean() ? 1.0 : -1.0);
            }
        }
        return new Code("peg(N=" + n + ",k=" + k + ",w=" + w + ",seed=" + seed + ")", k, b, c);
    }

    /** Block depths (in task-block hops) from task {@code start}; unreachable blocks get MAX_VALUE. */
    private static void bfsDepths(int start, List<List<Integer>> rows, List<List<Integer>> cols, int[] depth) {
        Arrays.fill(depth, Integer.MAX_VALUE);
        boolean[] seenTask = new boolean[rows.size()];
        ArrayDeque<Integer> tasks = new ArrayDeque<>();
        tasks.add(start);
        seenTask[start] = true;
        int d = 0;
        while (!tasks.isEmpty()) {
            d++;
            ArrayDeque<Integer> next = new ArrayDeque<>();
            for (int t : tasks) {
                for (int j : rows.get(t)) {
                    if (depth[j] != Integer.MAX_VALUE) continue;
                    depth[j] = d;
                    for (int t2 : cols.get(j)) {
                        if (!seenTask[t2]) {
                            seenTask[t2] = true;
                            next.add(t2);
                        }
                    }
                }
            }
            tasks = next;
        }
    }

    private static boolean repairDuplicates(int[] sockets, int n, int w, SplittableRandom rnd) {
        for (int pass = 0; pass < 50; pass++) {
            boolean clean = true;
            for (int i = 0; i < n; i++) {
                for (int p = 0; p < w; p++) {
                    if (!dupInRow(sockets, i, w, p)) continue;
                    clean = false;
                    // Swap with a random socket in another row if that makes both rows valid.
                    for (int tries = 0; tries < 4 * sockets.length; tries++) {
                        int other = rnd.nextInt(sockets.length);
                        int oi = other / w;
                        if (oi == i) continue;
                        int a = sockets[i * w + p], bOther = sockets[other];
                        if (rowHas(sockets, i, w, bOther) || rowHas(sockets, oi, w, a)) continue;
                        sockets[i * w + p] = bOther;
                        sockets[other] = a;
                        break;
                    }
                }
            }
            if (clean) return true;
        }
        return false;
    }

    private static boolean dupInRow(int[] s, int row, int w, int p) {
        for (int q = 0; q < p; q++) if (s[row * w + q] == s[row * w + p]) return true;
        return false;
    }

    private static boolean rowHas(int[] s, int row, int w, int block) {
        for (int q = 0; q < w; q++) if (s[row * w + q] == block) return true;
        return false;
    }

    private static void checkShape(int n, int k, int w) {
        if (n <= 0 || k <= 0 || w <= 0) throw new IllegalArgumentException("N, k and w must be > 0");
        if (w > k) throw new IllegalArgumentException("row weight " + w + " exceeds the number of blocks " + k);
    }

    private static int[] shuffled(int k, SplittableRandom rnd) {
        int[] a = new int[k];
        for (int i = 0; i < k; i++) a[i] = i;
        shuffle(a, rnd);
        return a;
    }

    private static void shuffle(int[] a, SplittableRandom rnd) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = a[i]; a[i] = a[j]; a[j] = t;
        }
    }
}

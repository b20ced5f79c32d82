package io.github.dl4jcoded.frame;

import java.util.SplittableRandom;

/**
 * Cheap random draws for frame construction, which every worker and the server repeat for every
 * block at every step (it costs more than applying the frame if done naively).
 *
 * <p>Bounded integers use Lemire's multiply-shift on 32 random bits instead of rejection with a
 * modulo: the bias is at most bound / 2^32 (under 1e-6 for blocks of a few thousand), far below
 * anything a frame's quality could notice, and each nextLong() yields two draws. Signs take one
 * random bit each, 64 per nextLong(). The draw order is fixed, so frames stay reproducible.
 */
final class Draws {
    private Draws() {}

    /** Fisher-Yates shuffle of {@code a}. */
    static void shuffle(int[] a, SplittableRandom rnd) {
        int i = a.length - 1;
        while (i > 0) {
            long bits = rnd.nextLong();
            i = swapDown(a, i, (int) (bits >>> 32));
            if (i > 0) i = swapDown(a, i, (int) bits);
        }
    }

    private static int swapDown(int[] a, int i, int random32) {
        int j = (int) (((random32 & 0xffffffffL) * (i + 1)) >>> 32);
        int t = a[i]; a[i] = a[j]; a[j] = t;
        return i - 1;
    }

    /** b random bits, 64 per long. */
    static long[] randomBits(int b, SplittableRandom rnd) {
        long[] bits = new long[(b + 63) >>> 6];
        for (int w = 0; w < bits.length; w++) bits[w] = rnd.nextLong();
        return bits;
    }

    /**
     * A uniform random r-subset of 0..n-1, ascending, by Floyd's algorithm on a bitmap: r draws
     * and n/64 words, instead of an n-element array.
     */
    static int[] sortedSample(int n, int r, SplittableRandom rnd) {
        long[] chosen = new long[(n + 63) >>> 6];
        for (int j = n - r; j < n; j++) {
            int t = (int) (((rnd.nextLong() >>> 32) * (j + 1)) >>> 32);
            if ((chosen[t >>> 6] & (1L << t)) != 0) t = j; // t already taken: take j, which cannot be
            chosen[t >>> 6] |= 1L << t;
        }
        int[] out = new int[r];
        for (int w = 0, k = 0; w < chosen.length; w++) {
            long word = chosen[w];
            while (word != 0) {
                out[k++] = (w << 6) + Long.numberOfTrailingZeros(word);
                word &= word - 1;
            }
        }
        return out;
    }

    /** Negates each entry of {@code values} with probability 1/2, one random bit each. */
    static void randomSigns(double[] values, SplittableRandom rnd) {
        long bits = 0;
        for (int i = 0; i < values.length; i++) {
            if ((i & 63) == 0) bits = rnd.nextLong();
            // Flip the IEEE sign bit without a branch: a random branch mispredicts half the time.
            values[i] = Double.longBitsToDouble(Double.doubleToRawLongBits(values[i]) ^ (bits << 63));
            bits >>>= 1;
        }
    }
}

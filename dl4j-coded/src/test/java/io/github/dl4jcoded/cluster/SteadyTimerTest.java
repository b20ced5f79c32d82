package io.github.dl4jcoded.cluster;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SteadyTimerTest {

    @Test
    void theSteadyStateIsTheMeanOfTheSecondHalf() {
        SteadyTimer t = new SteadyTimer();
        assertTrue(Double.isNaN(t.steadyMeanSeconds()) && Double.isNaN(t.steadySdSeconds()), "nothing timed yet");
        for (long d : new long[]{100, 100, 100, 7, 2_000_000_000L, 1_000_000_000L}) {
            t.add(d); // the JIT's warm-up: the first half does not count
        }
        t.add(3_000_000_000L);
        // 7 held: the last 4 (7 - 7/2) count.
        assertEquals((7 + 2e9 + 1e9 + 3e9) / 4 / 1e9, t.steadyMeanSeconds(), 1e-12);
        double mean = (7e-9 + 2 + 1 + 3) / 4;
        double var = (Math.pow(7e-9 - mean, 2) + Math.pow(2 - mean, 2) + Math.pow(1 - mean, 2) + Math.pow(3 - mean, 2)) / 4;
        assertEquals(Math.sqrt(var), t.steadySdSeconds(), 1e-9);
        assertEquals(7, t.count());
    }

    @Test
    void itHoldsABoundedWindowOfTheLatestDurations() {
        SteadyTimer t = new SteadyTimer();
        int held = 1 << 16;
        for (int i = 0; i < 3 * held; i++) {
            t.add(i < 2 * held ? 1_000_000 : 3_000_000); // 1 ms, then 3 ms for the last window
        }
        assertEquals(3 * held, t.count());
        assertEquals(3e-3, t.steadyMeanSeconds(), 1e-15, "only the last window, its second half, counts");
        assertEquals(0, t.steadySdSeconds(), 1e-15);
    }

    @Test
    void aNegativeDurationIsRefusedAndChangesNothing() {
        SteadyTimer t = new SteadyTimer();
        t.add(5);
        assertThrows(IllegalArgumentException.class, () -> t.add(-1));
        assertEquals(1, t.count());
        assertEquals(5e-9, t.steadyMeanSeconds(), 1e-21);
    }
}

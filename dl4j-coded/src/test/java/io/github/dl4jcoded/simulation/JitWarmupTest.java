package io.github.dl4jcoded.simulation;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JitWarmupTest {

    @Test
    void withNoTimeToSpareTheMinimumRunsDecide() {
        JitWarmup w = new JitWarmup(3, 0, 0, 0);
        assertFalse(w.ran());
        assertFalse(w.ran());
        assertTrue(w.ran(), "warm after its 3 runs");
        assertTrue(w.ran(), "and stays warm");
    }

    @Test
    void theMaximumEndsAWarmUpThatNeverGoesQuiet() throws InterruptedException {
        // windows of an hour are never complete: only the 50 ms maximum can end it
        JitWarmup w = new JitWarmup(1, 0, 3600, 0.05);
        assertFalse(w.ran());
        Thread.sleep(60);
        assertTrue(w.ran());
        assertTrue(w.seconds() >= 0.05);
    }

    @Test
    void theMinimumTimeHoldsEvenWhenTheJitIsQuiet() throws InterruptedException {
        JitWarmup w = new JitWarmup(1, 0.05, 0, 10);
        assertFalse(w.ran(), "not before 50 ms");
        Thread.sleep(60);
        boolean warm = false;
        // a quiet window follows within a few tries once nothing new is being compiled
        for (int i = 0; i < 200 && !warm; i++) {
            Thread.sleep(5);
            warm = w.ran();
        }
        assertTrue(warm, "warm once the minimum time has passed and the JIT went quiet");
    }
}

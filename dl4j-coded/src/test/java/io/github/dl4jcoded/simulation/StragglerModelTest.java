package io.github.dl4jcoded.simulation;

import org.junit.jupiter.api.Test;

import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StragglerModelTest {

    @Test
    void drawsDependOnlyOnSeedWorkerAndJob() {
        StragglerModel a = StragglerModel.pareto(1.5, 1, 7);
        StragglerModel b = StragglerModel.pareto(1.5, 1, 7);
        b.slowdown(3, 99); // asking in another order changes nothing
        for (int j = 0; j < 50; j++) {
            assertEquals(a.slowdown(2, j), b.slowdown(2, j));
        }
        assertTrue(a.slowdown(2, 0) != StragglerModel.pareto(1.5, 1, 8).slowdown(2, 0));
    }

    @Test
    void paretoAndShiftedExponentialHaveTheirMeans() {
        int n = 200_000;
        StragglerModel p = StragglerModel.pareto(3, 1, 1);
        double meanP = IntStream.range(0, n).mapToDouble(j -> p.slowdown(0, j)).average().orElseThrow();
        assertEquals(1.5, meanP, 0.02); // shape * scale / (shape - 1)
        assertTrue(IntStream.range(0, 1000).allMatch(j -> p.slowdown(1, j) >= 1));
        StragglerModel e = StragglerModel.shiftedExponential(0.5, 1);
        double meanE = IntStream.range(0, n).mapToDouble(j -> e.slowdown(0, j)).average().orElseThrow();
        assertEquals(1.5, meanE, 0.01);
    }

    @Test
    void persistentSlowNodesAreExactlyKWorkers() {
        StragglerModel m = StragglerModel.persistentSlow(16, 2, 5, 3);
        long slow = IntStream.range(0, 16).filter(w -> m.slowdown(w, 0) == 5).count();
        assertEquals(2, slow);
        assertEquals(14, IntStream.range(0, 16).filter(w -> m.slowdown(w, 7) == 1).count());
    }

    @Test
    void crashesAndTheirCompositionTellWhenAWorkerIsUp() {
        StragglerModel c = StragglerModel.crash(1, 2, 5).and(StragglerModel.crash(1, 4, 8));
        assertTrue(c.isUp(1, 1.9));
        assertFalse(c.isUp(1, 2));
        assertEquals(8, c.nextUp(1, 3)); // the second outage starts before the first ends
        assertEquals(2, c.nextDown(1, 0));
        assertTrue(c.isUp(0, 3));
        assertEquals(Double.POSITIVE_INFINITY, StragglerModel.crash(0, 1, Double.POSITIVE_INFINITY).nextUp(0, 1));
        assertThrows(IllegalArgumentException.class, () -> StragglerModel.crash(0, 3, 3));
    }
}

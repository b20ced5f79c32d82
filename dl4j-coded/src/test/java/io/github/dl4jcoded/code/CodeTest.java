package io.github.dl4jcoded.code;

import static org.junit.jupiter.api.Assertions.*;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class CodeTest {

    @Test
    void constructionsHaveTheirShapes() {
        Code rep = Codes.repetition(5, 3);
        assertEquals(15, rep.taskCount());
        for (int j = 0; j < 5; j++) assertEquals(3, rep.columnDegree(j));

        for (long seed = 0; seed < 20; seed++) {
            Code ldgm = Codes.regularLdgm(12, 8, 3, seed);
            for (int i = 0; i < 12; i++) assertEquals(3, ldgm.rowWeight(i));
            for (int j = 0; j < 8; j++) assertTrue(ldgm.columnDegree(j) == 4 || ldgm.columnDegree(j) == 5, "degree " + ldgm.columnDegree(j));
            assertEquals(36, ldgm.nonZeros());

            Code peg = Codes.peg(12, 8, 3, seed);
            for (int j = 0; j < 8; j++) assertTrue(peg.columnDegree(j) >= 4 && peg.columnDegree(j) <= 5);

            Code sys = Codes.systematic(8, 4, 3, seed);
            assertEquals(12, sys.taskCount());
            for (int j = 0; j < 8; j++) assertEquals(j, sys.blocks(j)[0]);
        }
        assertEquals(Codes.peg(10, 6, 2, 5), Codes.peg(10, 6, 2, 5), "seeded constructions are reproducible");
    }

    @Test
    void badCodesAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> new Code("x", 3, new int[][] {{0, 0}}, new double[][] {{1, 1}}));
        assertThrows(IllegalArgumentException.class, () -> new Code("x", 3, new int[][] {{3}}, new double[][] {{1}}));
        assertThrows(IllegalArgumentException.class, () -> new Code("x", 3, new int[][] {{1}}, new double[][] {{0}}));
        assertThrows(IllegalArgumentException.class, () -> new Code("x", 3, new int[][] {{1}}, new double[][] {{Double.NaN}}));
        assertThrows(IllegalArgumentException.class, () -> Codes.regularLdgm(4, 2, 3, 1));
    }

    @Test
    void reportFiguresOnKnownCodes() {
        CodeReport rep = CodeReport.of(Codes.repetition(4, 2), 0.1);
        assertEquals(1.0, rep.coverage);
        assertEquals(2.0, rep.redundancy);
        assertEquals(1.0, rep.coherence, 1e-12); // two identical directions per block
        // Each block survives unless both copies are lost: (1 - p^2)^4.
        assertEquals(Math.pow(1 - 0.01, 4), rep.decodableProbability, 1e-12);
        assertEquals(1 - 0.01, rep.expectedDecodedFraction, 1e-12);

        CodeReport sys = CodeReport.of(Codes.systematic(6, 0, 1, 0), 0.2);
        assertEquals(0.0, sys.coherence);
        assertEquals(Math.pow(0.8, 6), sys.decodableProbability, 1e-12);
        assertEquals(6.0, sys.framePotential, 1e-12); // orthonormal basis: the bound max(N, N^2/k)
        assertEquals(sys.framePotentialBound, sys.framePotential, 1e-12);
    }

    /** The exact decodability probability agrees with an independent Monte-Carlo simulation. */
    @Test
    void exactDecodabilityMatchesSimulation() {
        SplittableRandom rnd = new SplittableRandom(42);
        Code[] codes = {Codes.regularLdgm(14, 10, 2, 1), Codes.peg(16, 10, 3, 2), Codes.systematic(10, 6, 3, 3), Codes.repetition(6, 2)};
        for (Code code : codes) {
            for (double p : new double[] {0.05, 0.2, 0.4}) {
                CodeReport rep = CodeReport.of(code, p);
                assertTrue(rep.method.startsWith("exact"));
                int samples = 40_000, ok = 0;
                Peeling peel = new Peeling(code);
                boolean[] rec = new boolean[code.taskCount()];
                for (int s = 0; s < samples; s++) {
                    for (int i = 0; i < rec.length; i++) rec[i] = rnd.nextDouble() >= p;
                    if (peel.run(rec) == code.blockCount()) ok++;
                }
                double sim = ok / (double) samples;
                double se = Math.sqrt(rep.decodableProbability * (1 - rep.decodableProbability) / samples);
                assertEquals(rep.decodableProbability, sim, 4.5 * se + 1e-9, code + " p=" + p);
            }
        }
    }

    @Test
    void largeCodesUseMonteCarloWithAnError() {
        Code big = Codes.systematic(30, 12, 3, 9);
        CodeReport rep = CodeReport.of(big, 0.1, 5);
        assertTrue(rep.method.startsWith("Monte Carlo"));
        assertTrue(rep.standardError > 0 && rep.standardError < 0.01);
        assertEquals(rep.decodableProbability, CodeReport.of(big, 0.1, 5).decodableProbability, "seeded");
    }

    @Test
    void peelingNeedsASingleBlockRowToStart() {
        // Without weight-one rows peeling cannot start (the projective decoder still can).
        assertEquals(0.0, CodeReport.of(Codes.regularLdgm(12, 8, 3, 1), 0.0).decodableProbability);
    }

    @Test
    void rowSpaceContainsPeelingAndSeesPastIt() {
        SplittableRandom rnd = new SplittableRandom(11);
        for (int trial = 0; trial < 200; trial++) {
            int k = 3 + rnd.nextInt(8);
            Code code = rnd.nextBoolean() ? Codes.systematic(k, 1 + rnd.nextInt(k), 2, rnd.nextLong())
                    : Codes.regularLdgm(k + rnd.nextInt(k), k, 2, rnd.nextLong());
            boolean[] rec = new boolean[code.taskCount()];
            for (int i = 0; i < rec.length; i++) rec[i] = rnd.nextDouble() < 0.7;
            Peeling peel = new Peeling(code);
            RowSpace rs = new RowSpace(code);
            peel.run(rec);
            rs.run(rec);
            for (int j = 0; j < k; j++) if (peel.isResolved(j)) assertTrue(rs.isDetermined(j));
        }
        CodeReport r = CodeReport.of(Codes.regularLdgm(10, 6, 2, 1), 0.05);
        assertEquals(0.0, r.decodableProbability);
        assertTrue(r.solvableProbability > 0, r.toString());
        CodeReport sys = CodeReport.of(Codes.systematic(6, 3, 2, 1), 0.1);
        assertTrue(sys.solvableProbability >= sys.decodableProbability - 1e-12, sys.toString());
    }

    @Test
    void peelingNeedsMoreThanRank() {
        // Two rows over the same two blocks: full rank over the reals, but a stopping set for peeling.
        Code c = new Code("pair", 2, new int[][] {{0, 1}, {0, 1}}, new double[][] {{1, 1}, {1, -1}});
        Peeling p = new Peeling(c);
        assertEquals(0, p.run(new boolean[] {true, true}));
        assertEquals(2, new RowSpace(c).run(new boolean[] {true, true}));
    }

    @Test
    void optimizerNeverWorseAndFixesABadCode() {
        // Bad: every single-block row sits on block 0, so blocks 3..5 can never start peeling.
        int[][] rows = {{0}, {0}, {0}, {0, 1}, {0, 1}, {1, 2}, {1, 2}, {3, 4}, {4, 5}, {3, 5}};
        double[][] coeffs = new double[rows.length][];
        for (int i = 0; i < rows.length; i++) {
            coeffs[i] = new double[rows[i].length];
            java.util.Arrays.fill(coeffs[i], 1.0);
        }
        Code bad = new Code("bad", 6, rows, coeffs);
        double p = 0.1;
        CodeReport before = CodeReport.of(bad, p);
        Code better = new CodeOptimizer(p, 400, 7).optimize(bad);
        CodeReport after = CodeReport.of(better, p);
        assertTrue(after.decodableProbability > before.decodableProbability + 0.1, before + " -> " + after);
        for (int i = 0; i < better.taskCount(); i++) assertEquals(rows[i].length, better.rowWeight(i), "row weights are kept");

        // On already decent codes it never makes things worse.
        for (long seed = 0; seed < 5; seed++) {
            Code c = Codes.systematic(8, 5, 2, seed);
            CodeReport r0 = CodeReport.of(c, 0.15);
            CodeReport r1 = CodeReport.of(new CodeOptimizer(0.15, 100, seed).optimize(c), 0.15);
            assertTrue(r1.decodableProbability >= r0.decodableProbability - 1e-12);
        }
    }

    @Test
    void optimizerWorksWithSampledPatternsForLargeCodes() {
        Code c = Codes.systematic(16, 8, 3, 3);
        Code o = new CodeOptimizer(0.1, 60, 3, 2000).optimize(c);
        CodeReport r0 = CodeReport.of(c, 0.1, 77), r1 = CodeReport.of(o, 0.1, 77);
        assertTrue(r1.decodableProbability >= r0.decodableProbability - 3 * r0.standardError, r0 + " -> " + r1);
    }
}

package io.github.dl4jcoded.decode;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SymbolPrecisionTest {
    private static final SymbolPrecision BF16 = SymbolPrecision.BFLOAT16;

    @Test
    void bfloat16RoundsToNearestWithinHalfAnUlpOfItsEightBitSignificand() {
        SplittableRandom r = new SplittableRandom(1);
        for (int i = 0; i < 100_000; i++) {
            double v = r.nextGaussian() * Math.pow(10, r.nextInt(-30, 30));
            double b = BF16.round(v);
            assertTrue(Math.abs(b - v) <= Math.abs(v) * 0x1p-8 + 1e-300, v + " -> " + b);
            assertEquals(b, BF16.round(b), "a bfloat16 value is its own rounding: " + b);
            assertEquals(b, (float) b, "a bfloat16 value is a float32 value: " + b);
        }
    }

    @Test
    void hand_checkedRoundings() {
        assertEquals(1.0, BF16.round(1.0));
        assertEquals(1.0078125, BF16.round(1.0078125)); // 1 + 2^-7: exact
        assertEquals(1.0, BF16.round(1.0 + 0x1p-8)); // the tie between 1 and 1 + 2^-7 goes to the even one
        assertEquals(1.015625, BF16.round(1.0078125 + 0x1p-8)); // that tie goes up, to the even 1 + 2^-6
        assertEquals(1.0078125, BF16.round(1.0 + 0x1p-8 + 0x1p-20)); // above the tie: up
        assertEquals(-3.0, BF16.round(-3.0));
        assertEquals(0.0, BF16.round(0.0));
        assertEquals(1.0, SymbolPrecision.fromBfloat16Bits(SymbolPrecision.bfloat16Bits(1.0)));
        assertEquals((short) 0x3F80, SymbolPrecision.bfloat16Bits(1.0));
        assertEquals((short) 0xC040, SymbolPrecision.bfloat16Bits(-3.0));
    }

    @Test
    void aFiniteValueStaysFiniteAndNonFiniteOnesPassForTheDecoderToRefuse() {
        double max = SymbolPrecision.fromBfloat16Bits((short) 0x7F7F);
        assertEquals(max, BF16.round(Float.MAX_VALUE), "rounds to the largest finite bfloat16, not to infinity");
        assertEquals(-max, BF16.round(-Float.MAX_VALUE));
        assertTrue(Double.isNaN(BF16.round(Double.NaN)));
        assertEquals(Double.POSITIVE_INFINITY, BF16.round(Double.POSITIVE_INFINITY));
        assertEquals(Double.NEGATIVE_INFINITY, BF16.round(Double.NEGATIVE_INFINITY));
        assertEquals(Double.POSITIVE_INFINITY, BF16.round(1e300), "beyond float32 is already infinite in float32");
    }

    @Test
    void float32IsACastAndSizesAreOnePerPrecision() {
        assertEquals((float) 0.1, SymbolPrecision.FLOAT32.round(0.1));
        assertEquals(4, SymbolPrecision.FLOAT32.bytes());
        assertEquals(2, BF16.bytes());
    }
}

package io.github.dl4jcoded.decode;

/**
 * The precision coded symbols travel in, both ways: what a worker sends and what the server's log
 * entries carry. Values are rounded to it where they are made (the worker's encoder, the server's
 * decode), so that the wire carries them exactly and every participant computes with the same
 * numbers.
 *
 * <p>BFLOAT16 keeps float32's exponent range with an 8-bit significand (relative rounding error at
 * most 2^-9): half the bytes of float32, and at 32x compression far below what the frames drop. A
 * worker's error feedback takes the rounding error into its residual like any other loss of the
 * compressor, so it is not lost either.
 */
public enum SymbolPrecision {
    FLOAT32(4),
    BFLOAT16(2);

    private static final int BF16_MAX_BITS = 0x7F7F; // the largest finite bfloat16, 3.3895e38

    private final int bytes;

    SymbolPrecision(int bytes) {
        this.bytes = bytes;
    }

    /** Bytes per value on the wire. */
    public int bytes() {
        return bytes;
    }

    /**
     * {@code v} rounded to this precision (to nearest, ties to even). A finite value stays finite: one
     * beyond the largest bfloat16 becomes it. NaN and infinities pass unchanged, for the decoder to refuse.
     */
    public double round(double v) {
        return this == FLOAT32 ? (float) v : fromBfloat16Bits(bfloat16Bits(v));
    }

    /**
     * The codeword as its maker sends it: below float32, rounded to this precision where it is made
     * (so that error feedback can keep what rounding dropped); float32's rounding (2^-24) is left
     * to the wire, as it always was.
     */
    public Codeword roundAtSource(Codeword cw) {
        return this == FLOAT32 ? cw : round(cw);
    }

    /** The codeword with its symbols rounded to this precision. */
    public Codeword round(Codeword cw) {
        double[] s = cw.symbols();
        for (int i = 0; i < s.length; i++) {
            s[i] = round(s[i]);
        }
        return new Codeword(cw.step(), cw.task(), cw.frameTag(), cw.blocks(), cw.coefficients(), s);
    }

    /** The 16 bits of {@code v} as a bfloat16 (round to nearest even, from its float32). */
    public static short bfloat16Bits(double v) {
        float f = (float) v;
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) {
            return (short) ((bits >>> 16) | 0x0040); // a quiet NaN, never rounded into an infinity
        }
        if (Float.isInfinite(f)) {
            return (short) (bits >>> 16);
        }
        int rounded = (bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16;
        if ((rounded & 0x7FFF) > BF16_MAX_BITS) {
            rounded = (rounded & 0x8000) | BF16_MAX_BITS; // a finite value stays finite
        }
        return (short) rounded;
    }

    /** The value of bfloat16 {@code bits}. */
    public static double fromBfloat16Bits(short bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }
}

package io.github.dl4jcoded.decode;

import static org.junit.jupiter.api.Assertions.*;

import io.github.dl4jcoded.code.Code;
import io.github.dl4jcoded.code.Codes;
import io.github.dl4jcoded.decode.InvalidCodewordException.Reason;
import io.github.dl4jcoded.frame.FrameFamily;
import io.github.dl4jcoded.partition.Partition;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** Every malformed codeword is refused with its reason and changes nothing, for both decoders. */
class BadInputTest {
    private final Partition part = Partition.chunks(100, 16);
    private final Code code = Codes.systematic(part.blockCount(), 4, 3, 11);
    private final FrameFamily fam = new FrameFamily(FrameFamily.Kind.COUNT_SKETCH, 5, 4);
    private final CodewordEncoder enc = new CodewordEncoder(part, code, fam);
    private final long step = 12;
    private final long tag = fam.tag();

    @Test
    void peeling() { check(() -> new PeelingDecoder(part, code, fam, step)); }

    @Test
    void projective() { check(() -> new ProjectiveDecoder(part, code, fam, step)); }

    private void check(Supplier<Decoder> make) {
        SplittableRandom rnd = new SplittableRandom(1);
        double[] g = Problems.gaussian(rnd, part.size());
        Decoder dec = make.get();
        dec.offer(enc.encode(step, 0, g));
        dec.offer(enc.encode(step, 7, g));
        double[] before = dec.estimate();
        BlockStatus[] statusBefore = dec.statuses();

        Codeword good = enc.encode(step, 3, g);
        double[] sym = good.symbols();
        double[] nan = sym.clone();
        nan[1] = Double.NaN;
        double[] inf = sym.clone();
        inf[0] = Double.NEGATIVE_INFINITY;
        int[] otherRow = code.blocks(4);

        expect(dec, null, Reason.NULL);
        expect(dec, enc.encode(step + 1, 3, g), Reason.WRONG_STEP);
        expect(dec, enc.encode(step - 1, 3, g), Reason.WRONG_STEP);
        expect(dec, new Codeword(step, code.taskCount(), tag, code.blocks(3), code.coefficients(3), sym), Reason.UNKNOWN_TASK);
        expect(dec, new Codeword(step, -1, tag, code.blocks(3), code.coefficients(3), sym), Reason.UNKNOWN_TASK);
        expect(dec, new Codeword(step, 3, tag, code.blocks(3), code.coefficients(3), java.util.Arrays.copyOf(sym, sym.length - 1)), Reason.WRONG_LENGTH);
        expect(dec, new Codeword(step, 3, tag, code.blocks(3), code.coefficients(3), java.util.Arrays.copyOf(sym, sym.length + 1)), Reason.WRONG_LENGTH);
        expect(dec, new Codeword(step, 3, tag, code.blocks(3), code.coefficients(3), nan), Reason.NOT_FINITE);
        expect(dec, new Codeword(step, 3, tag, code.blocks(3), code.coefficients(3), inf), Reason.NOT_FINITE);
        expect(dec, new Codeword(step, 3, tag, otherRow, code.coefficients(4), sym), Reason.WRONG_CODE_ROW);
        expect(dec, new Codeword(step, 3, tag, new int[] {99}, new double[] {1}, sym), Reason.WRONG_CODE_ROW);
        expect(dec, new Codeword(step, 3, tag, code.blocks(3), new double[] {-1}, sym), Reason.WRONG_CODE_ROW);
        expect(dec, new CodewordEncoder(part, code, new FrameFamily(FrameFamily.Kind.COUNT_SKETCH, 6, 4)).encode(step, 3, g), Reason.WRONG_FRAMES);
        expect(dec, new CodewordEncoder(part, code, new FrameFamily(FrameFamily.Kind.HADAMARD, 5, 4)).encode(step, 3, g), Reason.WRONG_FRAMES);
        expect(dec, enc.encode(step, 7, g), Reason.DUPLICATE);
        expect(dec, enc.encode(step, 7, Problems.gaussian(rnd, part.size())), Reason.DUPLICATE);

        // A whole message is all or nothing: a bad codeword after a good one, or a task twice.
        Codeword good5 = enc.encode(step, 5, g);
        InvalidCodewordException bad = assertThrows(InvalidCodewordException.class, () -> dec.offerAll(java.util.List.of(
                good5, new Codeword(step, 3, tag, code.blocks(3), code.coefficients(3), nan))));
        assertEquals(Reason.NOT_FINITE, bad.reason());
        assertEquals(Reason.DUPLICATE, assertThrows(InvalidCodewordException.class,
                () -> dec.offerAll(java.util.List.of(good5, good5))).reason());
        assertFalse(dec.hasReceived(5));

        assertEquals(2, dec.receivedCount());
        assertArrayEquals(before, dec.estimate(), "state unchanged after refusals");
        assertArrayEquals(statusBefore, dec.statuses());
        assertFalse(dec.hasReceived(3));
        dec.offer(good); // and the decoder still works
        assertEquals(3, dec.receivedCount());

        assertThrows(IllegalArgumentException.class, () -> dec.writeEstimate(new double[part.size() - 1]));
        assertThrows(IllegalArgumentException.class, () -> enc.encode(step, 0, new double[5]));
        assertThrows(IllegalArgumentException.class, () -> new PeelingDecoder(Partition.chunks(100, 50), code, fam, step));
    }

    private static void expect(Decoder dec, Codeword cw, Reason reason) {
        InvalidCodewordException e = assertThrows(InvalidCodewordException.class, () -> dec.offer(cw));
        assertEquals(reason, e.reason(), e.getMessage());
        assertTrue(e instanceof IllegalArgumentException);
    }
}

package io.github.dl4jcoded.decode;

import io.github.dl4jcoded.code.Code;
import java.util.Arrays;

/**
 * Codeword i at a step: {@code c_i[t] = sum_j G_ij s_j[t]} (over the row's blocks j with
 * r_j > t), one directional derivative per t along {@code u_t = sum_j G_ij F_j[:,t]}.
 *
 * <p>It carries its code row (blocks and coefficients) and the tag of its frame family so that a
 * decoder can refuse a codeword made with another code or other frames; the frames themselves
 * follow from the shared {@code FrameFamily} and the step. The length is the largest rank among
 * the row's blocks.
 * Immutable: arrays are copied in and out.
 */
public final class Codeword {
    private final long step;
    private final int task;
    private final long frameTag;
    private final int[] blocks;
    private final double[] coefficients;
    private final double[] symbols;

    /**
     * @param frameTag {@link io.github.dl4jcoded.frame.FrameSource#tag()} of the frames used
     */
    public Codeword(long step, int task, long frameTag, int[] blocks, double[] coefficients, double[] symbols) {
        if (blocks == null || coefficients == null || symbols == null) throw new IllegalArgumentException("null array in codeword");
        this.step = step;
        this.task = task;
        this.frameTag = frameTag;
        this.blocks = blocks.clone();
        this.coefficients = coefficients.clone();
        this.symbols = symbols.clone();
    }

    /** A codeword for {@code task}, taking the row from {@code code} (e.g. when reading it off the wire). */
    public static Codeword of(Code code, io.github.dl4jcoded.frame.FrameSource family, long step, int task, double[] symbols) {
        if (task < 0 || task >= code.taskCount()) {
            throw new InvalidCodewordException(InvalidCodewordException.Reason.UNKNOWN_TASK, "task " + task + " not in code " + code.name());
        }
        return new Codeword(step, task, family.tag(), code.blocks(task), code.coefficients(task), symbols);
    }

    public long step() { return step; }

    public int task() { return task; }

    public long frameTag() { return frameTag; }

    public int[] blocks() { return blocks.clone(); }

    public double[] coefficients() { return coefficients.clone(); }

    public double[] symbols() { return symbols.clone(); }

    public int length() { return symbols.length; }

    public double symbol(int t) { return symbols[t]; }

    // Package-private zero-copy access for decoders (they never write through these).
    int[] blocksRef() { return blocks; }

    double[] coefficientsRef() { return coefficients; }

    double[] symbolsRef() { return symbols; }

    @Override
    public String toString() {
        return "Codeword[step=" + step + ", task=" + task + ", blocks=" + Arrays.toString(blocks) + ", r=" + symbols.length + "]";
    }
}

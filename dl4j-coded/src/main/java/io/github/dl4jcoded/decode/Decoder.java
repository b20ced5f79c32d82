package io.github.dl4jcoded.decode;

import io.github.dl4jcoded.code.Code;
import io.github.dl4jcoded.frame.Frame;
import io.github.dl4jcoded.frame.FrameSource;
import io.github.dl4jcoded.partition.Block;
import io.github.dl4jcoded.partition.Partition;
import java.util.Arrays;
import java.util.BitSet;

/**
 * A decoder for one step: takes codewords one at a time, in any order, and gives an estimate of
 * the gradient at any moment.
 *
 * <p>Every codeword is validated completely before anything is stored, so a refused codeword
 * ({@link InvalidCodewordException}) leaves the decoder exactly as it was. Accepted codewords are
 * kept by task id; the estimate is a function of the set received (not of the arrival order) and
 * is recomputed lazily when asked for after a new arrival.
 *
 * <p>Estimates live in symbol space: for each block, an estimate of s_j = F_j^T g_j. Since frames
 * are orthonormal, lifting it with F_j gives the block's gradient estimate. Not thread-safe:
 * callers serialize access (the server owns one decoder per step).
 */
public abstract class Decoder {
    protected final Partition partition;
    protected final Code code;
    protected final StepFrames frames;
    protected final long step;
    private final long frameTag;
    protected final int[] ranks;
    /** Codewords received, by task id; null where none. */
    protected final Codeword[] received;
    private int receivedCount;
    private boolean dirty = true;
    /** Per block, the estimated symbols (length r_j) or null when MISSING; filled by {@link #solve}. */
    protected final double[][] estimate;
    protected final BlockStatus[] status;

    protected Decoder(Partition partition, Code code, FrameSource family, long step) {
        if (code.blockCount() != partition.blockCount()) {
            throw new IllegalArgumentException("code has " + code.blockCount() + " blocks, partition " + partition.blockCount());
        }
        this.partition = partition;
        this.code = code;
        this.step = step;
        this.frames = new StepFrames(family, partition, step);
        this.frameTag = family.tag();
        int k = partition.blockCount();
        this.ranks = new int[k];
        for (int j = 0; j < k; j++) ranks[j] = frames.rank(j);
        this.received = new Codeword[code.taskCount()];
        this.estimate = new double[k][];
        this.status = new BlockStatus[k];
        Arrays.fill(status, BlockStatus.MISSING);
    }

    public long step() { return step; }

    public Code code() { return code; }

    public Partition partition() { return partition; }

    public StepFrames frames() { return frames; }

    public int receivedCount() { return receivedCount; }

    public boolean hasReceived(int task) { return task >= 0 && task < received.length && received[task] != null; }

    /**
     * Accepts a codeword, or throws {@link InvalidCodewordException} and changes nothing:
     * wrong step, unknown task, a row that differs from this decoder's code, other frames, wrong length,
     * NaN or infinite symbols, or a second codeword for the same (step, task).
     */
    public final void offer(Codeword cw) {
        validate(cw);
        received[cw.task()] = cw;
        receivedCount++;
        dirty = true;
    }

    /**
     * Accepts all of {@code codewords} (one worker's message) or, if any is invalid or two name
     * the same task, throws {@link InvalidCodewordException} and changes nothing.
     */
    public final void offerAll(java.util.List<Codeword> codewords) {
        java.util.Set<Integer> tasks = new java.util.HashSet<>();
        for (Codeword cw : codewords) {
            validate(cw);
            if (!tasks.add(cw.task())) {
                throw new InvalidCodewordException(InvalidCodewordException.Reason.DUPLICATE,
                        "task " + cw.task() + " appears twice in one message");
            }
        }
        for (Codeword cw : codewords) {
            received[cw.task()] = cw;
            receivedCount++;
        }
        dirty = true;
    }

    private void validate(Codeword cw) {
        if (cw == null) throw new InvalidCodewordException(InvalidCodewordException.Reason.NULL, "null codeword");
        if (cw.step() != step) {
            throw new InvalidCodewordException(InvalidCodewordException.Reason.WRONG_STEP,
                    "codeword for step " + cw.step() + " offered to the decoder of step " + step);
        }
        int task = cw.task();
        if (task < 0 || task >= code.taskCount()) {
            throw new InvalidCodewordException(InvalidCodewordException.Reason.UNKNOWN_TASK,
                    "task " + task + " not in [0," + code.taskCount() + ")");
        }
        int[] rowBlocks = cw.blocksRef();
        double[] rowCoeffs = cw.coefficientsRef();
        for (int j : rowBlocks) {
            if (j < 0 || j >= partition.blockCount()) {
                throw new InvalidCodewordException(InvalidCodewordException.Reason.WRONG_CODE_ROW, "unknown block " + j + " in task " + task);
            }
        }
        if (!Arrays.equals(rowBlocks, code.blocks(task)) || !Arrays.equals(rowCoeffs, code.coefficients(task))) {
            throw new InvalidCodewordException(InvalidCodewordException.Reason.WRONG_CODE_ROW,
                    "task " + task + " row " + Arrays.toString(rowBlocks) + " differs from the code's " + Arrays.toString(code.blocks(task)));
        }
        if (cw.frameTag() != frameTag) {
            throw new InvalidCodewordException(InvalidCodewordException.Reason.WRONG_FRAMES,
                    "task " + task + " used frames with tag " + Long.toHexString(cw.frameTag()) + ", expected " + Long.toHexString(frameTag));
        }
        int len = 0;
        for (int j : rowBlocks) len = Math.max(len, ranks[j]);
        if (cw.length() != len) {
            throw new InvalidCodewordException(InvalidCodewordException.Reason.WRONG_LENGTH,
                    "task " + task + " needs " + len + " symbols, got " + cw.length());
        }
        for (double v : cw.symbolsRef()) {
            if (!Double.isFinite(v)) throw new InvalidCodewordException(InvalidCodewordException.Reason.NOT_FINITE, "task " + task + " has a NaN or infinite symbol");
        }
        if (received[task] != null) {
            throw new InvalidCodewordException(InvalidCodewordException.Reason.DUPLICATE, "task " + task + " already received at step " + step);
        }
    }

    /** Recomputes {@link #estimate} and {@link #status} from {@link #received}. */
    protected abstract void solve();

    private void ensureSolved() {
        if (dirty) {
            Arrays.fill(status, BlockStatus.MISSING);
            Arrays.fill(estimate, null);
            solve();
            dirty = false;
        }
    }

    public BlockStatus status(int block) {
        ensureSolved();
        return status[block];
    }

    public BlockStatus[] statuses() {
        ensureSolved();
        return status.clone();
    }

    /** True when every block is RESOLVED. */
    public boolean isComplete() {
        ensureSolved();
        for (BlockStatus s : status) if (s != BlockStatus.RESOLVED) return false;
        return true;
    }

    /** The estimated symbols of a block (a copy), or null when it is MISSING. */
    public double[] symbols(int block) {
        ensureSolved();
        return estimate[block] == null ? null : estimate[block].clone();
    }

    /**
     * Writes the estimate of every non-MISSING block over its entries of {@code grad} (length n)
     * and leaves the others untouched. Returns the blocks written: the updater's mask.
     */
    public BitSet writeEstimate(double[] grad) {
        checkLength(grad.length);
        ensureSolved();
        BitSet written = new BitSet(partition.blockCount());
        double[] local = null;
        for (int j = 0; j < estimate.length; j++) {
            if (estimate[j] == null) continue;
            Block b = partition.block(j);
            Frame f = frames.frame(j);
            if (b.isContiguous()) {
                f.lift(estimate[j], grad, b.offset());
            } else {
                if (local == null || local.length < b.size()) local = new double[partition.maxBlockSize()];
                f.lift(estimate[j], local, 0);
                b.scatter(local, grad);
            }
            written.set(j);
        }
        return written;
    }

    /** {@link #writeEstimate(double[])} for a float gradient view. */
    public BitSet writeEstimate(float[] grad) {
        checkLength(grad.length);
        ensureSolved();
        BitSet written = new BitSet(partition.blockCount());
        double[] local = new double[partition.maxBlockSize()];
        for (int j = 0; j < estimate.length; j++) {
            if (estimate[j] == null) continue;
            Block b = partition.block(j);
            frames.frame(j).lift(estimate[j], local, 0);
            b.scatter(local, grad);
            written.set(j);
        }
        return written;
    }

    /**
     * For applying the estimate as codewords arrive (asynchronous mode): writes into {@code delta}
     * the change of the estimate since {@code applied}, the running sum of what the caller has
     * applied this step (zeros at the start of the step), and adds it to {@code applied}. Returns
     * the blocks written; other entries of {@code delta} are left as they were. The increments of
     * a step sum to its estimate, whatever the order of arrivals.
     */
    public BitSet writeIncrement(double[] applied, double[] delta) {
        checkLength(applied.length);
        checkLength(delta.length);
        ensureSolved();
        BitSet written = new BitSet(partition.blockCount());
        double[] est = new double[partition.maxBlockSize()];
        double[] old = new double[partition.maxBlockSize()];
        for (int j = 0; j < estimate.length; j++) {
            if (estimate[j] == null) continue;
            Block b = partition.block(j);
            frames.frame(j).lift(estimate[j], est, 0);
            b.gather(applied, old);
            b.scatter(est, applied);
            for (int i = 0; i < b.size(); i++) est[i] -= old[i];
            b.scatter(est, delta);
            written.set(j);
        }
        return written;
    }

    /** The full estimate as a new array, zero on MISSING blocks. */
    public double[] estimate() {
        double[] g = new double[partition.size()];
        writeEstimate(g);
        return g;
    }

    private void checkLength(int len) {
        if (len != partition.size()) throw new IllegalArgumentException("gradient length " + len + " != n=" + partition.size());
    }
}

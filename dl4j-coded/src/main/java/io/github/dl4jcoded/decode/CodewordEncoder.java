package io.github.dl4jcoded.decode;

import io.github.dl4jcoded.code.Code;
import io.github.dl4jcoded.frame.Frame;
import io.github.dl4jcoded.frame.FrameSource;
import io.github.dl4jcoded.partition.Block;
import io.github.dl4jcoded.partition.Partition;

/**
 * The worker's side of the code: the codeword of task i from a full gradient (the
 * reverse-then-project engine), the directions u_t whose derivatives make up codeword i (for
 * forward-mode engines), and the reconstruction of a gradient from one codeword alone (for
 * error feedback). Thread-safe.
 */
public final class CodewordEncoder {
    private final Partition partition;
    private final Code code;
    private final FrameSource family;
    private volatile StepFrames current;

    public CodewordEncoder(Partition partition, Code code, FrameSource family) {
        if (code.blockCount() != partition.blockCount()) {
            throw new IllegalArgumentException("code has " + code.blockCount() + " blocks, partition " + partition.blockCount());
        }
        this.partition = partition;
        this.code = code;
        this.family = family;
    }

    public Partition partition() { return partition; }

    public Code code() { return code; }

    public FrameSource family() { return family; }

    /** Frames of {@code step}; the last step's frames are kept, since a step is asked for many times. */
    public StepFrames frames(long step) {
        StepFrames f = current;
        if (f == null || f.step() != step) {
            f = new StepFrames(family, partition, step);
            current = f;
        }
        return f;
    }

    /** Number of symbols in task i's codeword at {@code step}: the largest rank among its blocks. */
    public int symbolCount(long step, int task) {
        int len = 0;
        for (int j : code.blocks(task)) len = Math.max(len, family.rank(step, j, partition.block(j).size()));
        return len;
    }

    /** Codeword of {@code task} for the flat gradient {@code g} (length n). */
    public Codeword encode(long step, int task, double[] g) {
        checkTask(task);
        if (g.length != partition.size()) throw new IllegalArgumentException("gradient length " + g.length + " != n=" + partition.size());
        StepFrames frames = frames(step);
        double[] c = new double[symbolCount(step, task)];
        int[] blocks = code.blocks(task);
        double[] coeffs = code.coefficients(task);
        double[] local = null, s = new double[c.length];
        for (int p = 0; p < blocks.length; p++) {
            Block b = partition.block(blocks[p]);
            Frame f = frames.frame(blocks[p]);
            if (b.isContiguous()) {
                f.encode(g, b.offset(), s, 0);
            } else {
                if (local == null || local.length < b.size()) local = new double[b.size()];
                b.gather(g, local);
                f.encode(local, 0, s, 0);
            }
            for (int t = 0; t < f.rank(); t++) c[t] += coeffs[p] * s[t];
        }
        return new Codeword(step, task, family.tag(), blocks, coeffs, c);
    }

    /** Same as {@link #encode(long, int, double[])} for a float gradient (DL4J's default dtype). */
    public Codeword encode(long step, int task, float[] g) {
        double[] d = new double[g.length];
        for (int i = 0; i < g.length; i++) d[i] = g[i];
        return encode(step, task, d);
    }

    /**
     * Direction u_t of {@code task}'s codeword, as a full-length vector (zero outside the row's
     * blocks): the tangent whose directional derivative is symbol t.
     */
    public void direction(long step, int task, int t, double[] out) {
        checkTask(task);
        if (t < 0 || t >= symbolCount(step, task)) throw new IndexOutOfBoundsException("symbol " + t + " of task " + task);
        java.util.Arrays.fill(out, 0, partition.size(), 0.0);
        StepFrames frames = frames(step);
        int[] blocks = code.blocks(task);
        double[] coeffs = code.coefficients(task);
        for (int p = 0; p < blocks.length; p++) {
            Frame f = frames.frame(blocks[p]);
            if (t >= f.rank()) continue;
            Block b = partition.block(blocks[p]);
            double[] col = new double[b.size()];
            f.direction(t, col);
            for (int i = 0; i < col.length; i++) col[i] *= coeffs[p];
            b.scatter(col, out);
        }
    }

    /**
     * Adds to {@code out} (length n) the least-squares reconstruction of a gradient from this
     * codeword alone: {@code sum_t c_t u_t / |u_t|^2}. The u_t are mutually orthogonal (orthonormal
     * frames), so this is the projection of the encoded gradient onto their span.
     */
    public void reconstructAdd(Codeword cw, double[] out) {
        checkTask(cw.task());
        StepFrames frames = frames(cw.step());
        int[] blocks = code.blocks(cw.task());
        double[] coeffs = code.coefficients(cw.task());
        int len = symbolCount(cw.step(), cw.task());
        if (cw.length() != len) throw new IllegalArgumentException("codeword length " + cw.length() + " != " + len);
        double[] norm2 = new double[len];
        for (int p = 0; p < blocks.length; p++) {
            int r = frames.rank(blocks[p]);
            for (int t = 0; t < r; t++) norm2[t] += coeffs[p] * coeffs[p];
        }
        double[] c = cw.symbolsRef();
        double[] scaled = new double[len];
        for (int t = 0; t < len; t++) scaled[t] = c[t] / norm2[t];
        for (int p = 0; p < blocks.length; p++) {
            Block b = partition.block(blocks[p]);
            Frame f = frames.frame(blocks[p]);
            if (b.isContiguous()) {
                f.liftAdd(scaled, 0, coeffs[p], out, b.offset());
            } else {
                double[] local = new double[b.size()];
                b.gather(out, local);
                f.liftAdd(scaled, 0, coeffs[p], local, 0);
                b.scatter(local, out);
            }
        }
    }

    private void checkTask(int task) {
        if (task < 0 || task >= code.taskCount()) throw new IllegalArgumentException("task " + task + " not in code");
    }
}

package io.github.dl4jcoded.cuda;

import io.github.dl4jcoded.frame.Frame;
import io.github.dl4jcoded.frame.FrameSource;
import io.github.dl4jcoded.partition.Block;
import io.github.dl4jcoded.partition.Partition;

/**
 * The CPU path: the Java frames themselves (any {@link FrameSource}: count-sketch, low-rank, ...),
 * in double precision, block by block. It is what a worker without a GPU runs, and the reference
 * the GPU coders are checked against. Symbols are laid out block after block in the given order,
 * each block's {@code frame.rank()} of them (a low-rank block's count changes with its side).
 */
public final class CpuFrameCoder implements SketchCoder {
    private final Partition partition;
    private final FrameSource frames;
    private final int[] blocks;
    private final Feedback feedback;
    private final double[] raw;   // raw residual (g + e) - F F^T (g + e), on the coded blocks
    private final double[] alpha; // per coded block: e = alpha * raw

    public CpuFrameCoder(Partition partition, FrameSource frames, int[] blocks, Feedback feedback) {
        for (int j : blocks) {
            if (j < 0 || j >= partition.blockCount()) throw new IllegalArgumentException("block " + j + " is not in the partition");
        }
        this.partition = partition;
        this.frames = frames;
        this.blocks = blocks.clone();
        this.feedback = feedback;
        this.raw = new double[partition.size()];
        this.alpha = new double[blocks.length];
    }

    /** The CPU path of a count-sketch plan. */
    public CpuFrameCoder(SketchPlan plan) {
        this(plan.partition(), plan.frames(), plan.blocks(), plan.feedback());
    }

    @Override public String device() { return "cpu"; }

    /** Offsets of each block's symbols at {@code step}, and their total as the last entry. */
    public int[] symbolOffsets(long step) {
        int[] off = new int[blocks.length + 1];
        for (int p = 0; p < blocks.length; p++) {
            off[p + 1] = off[p] + frames.rank(step, blocks[p], partition.block(blocks[p]).size());
        }
        return off;
    }

    @Override
    public float[] encodeWithFeedback(long step, float[] g) {
        checkLength(g, "gradient");
        for (int i = 0; i < g.length; i++) {
            if (!Float.isFinite(g[i])) throw new IllegalArgumentException("gradient has a NaN or infinite entry at " + i);
        }
        int[] so = symbolOffsets(step);
        float[] out = new float[so[blocks.length]];
        for (int p = 0; p < blocks.length; p++) {
            Block blk = partition.block(blocks[p]);
            int b = blk.size();
            Frame f = frames.frame(step, blocks[p], b);
            double[] c = new double[b];
            blk.gather(g, c);
            double[] e = new double[b];
            blk.gather(raw, e);
            double gNorm2 = 0;
            for (int i = 0; i < b; i++) {
                gNorm2 += c[i] * c[i];
                c[i] += alpha[p] * e[i];
            }
            double[] s = new double[f.rank()];
            f.encode(c, 0, s);
            double[] rec = new double[b];
            f.lift(s, rec, 0);
            double rawNorm2 = 0;
            for (int i = 0; i < b; i++) {
                e[i] = c[i] - rec[i];
                rawNorm2 += e[i] * e[i];
            }
            blk.scatter(e, raw);
            alpha[p] = feedback.nextAlpha(gNorm2, rawNorm2);
            for (int t = 0; t < s.length; t++) out[so[p] + t] = (float) s[t];
        }
        return out;
    }

    @Override
    public void liftAdd(long step, float[] symbols, float factor, float[] out) {
        checkLength(out, "output");
        int[] so = symbolOffsets(step);
        if (symbols.length != so[blocks.length]) {
            throw new IllegalArgumentException("expected " + so[blocks.length] + " symbols, got " + symbols.length);
        }
        for (int p = 0; p < blocks.length; p++) {
            Block blk = partition.block(blocks[p]);
            Frame f = frames.frame(step, blocks[p], blk.size());
            double[] s = new double[f.rank()];
            for (int t = 0; t < s.length; t++) s[t] = symbols[so[p] + t];
            double[] lifted = new double[blk.size()];
            f.liftAdd(s, 0, factor, lifted, 0);
            double[] cur = new double[blk.size()];
            blk.gather(out, cur);
            for (int i = 0; i < cur.length; i++) cur[i] = (float) (cur[i] + (float) lifted[i]);
            blk.scatter(cur, out);
        }
    }

    @Override
    public float[] residual() {
        float[] e = new float[partition.size()];
        for (int p = 0; p < blocks.length; p++) {
            Block blk = partition.block(blocks[p]);
            double[] local = new double[blk.size()];
            blk.gather(raw, local);
            for (int i = 0; i < local.length; i++) local[i] *= alpha[p];
            blk.scatter(local, e);
        }
        return e;
    }

    @Override public void close() {}

    private void checkLength(float[] v, String what) {
        if (v.length != partition.size()) throw new IllegalArgumentException(what + " length " + v.length + " != n=" + partition.size());
    }
}

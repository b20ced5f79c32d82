package io.github.dl4jcoded.cuda;

import io.github.dl4jcoded.frame.Frame;
import io.github.dl4jcoded.partition.Block;

/**
 * The CPU path: the Java frames themselves, in double precision, block by block. It is what a worker
 * without a GPU runs, and the reference the GPU path is checked against.
 */
public final class CpuSketchCoder implements SketchCoder {
    private final SketchPlan plan;
    private final double[] raw;   // raw residual (g + e) - F F^T (g + e), on the plan's blocks
    private final double[] alpha; // per plan block: e = alpha * raw

    public CpuSketchCoder(SketchPlan plan) {
        this.plan = plan;
        this.raw = new double[plan.n()];
        this.alpha = new double[plan.blockCount()];
    }

    @Override public String device() { return "cpu"; }

    @Override public SketchPlan plan() { return plan; }

    @Override
    public float[] encodeWithFeedback(long step, float[] g) {
        checkLength(g, "gradient");
        float[] out = new float[plan.symbolCount()];
        for (int p = 0; p < plan.blockCount(); p++) {
            Block blk = plan.partition().block(plan.block(p));
            int off = blk.offset(), b = blk.size();
            Frame f = plan.frames().frame(step, plan.block(p), b);
            double[] c = new double[b];
            double gNorm2 = 0;
            for (int i = 0; i < b; i++) {
                double gi = g[off + i];
                if (!Double.isFinite(gi)) throw new IllegalArgumentException("gradient has a NaN or infinite entry at " + (off + i));
                c[i] = gi + alpha[p] * raw[off + i];
                gNorm2 += gi * gi;
            }
            double[] s = new double[f.rank()];
            f.encode(c, 0, s);
            double[] rec = new double[b];
            f.lift(s, rec, 0);
            double rawNorm2 = 0;
            for (int i = 0; i < b; i++) {
                double v = c[i] - rec[i];
                raw[off + i] = v;
                rawNorm2 += v * v;
            }
            alpha[p] = plan.nextAlpha(gNorm2, rawNorm2);
            for (int t = 0; t < s.length; t++) out[plan.symbolOffset(p) + t] = (float) s[t];
        }
        return out;
    }

    @Override
    public void liftAdd(long step, float[] symbols, float factor, float[] out) {
        checkLength(out, "output");
        if (symbols.length != plan.symbolCount()) {
            throw new IllegalArgumentException("expected " + plan.symbolCount() + " symbols, got " + symbols.length);
        }
        for (int p = 0; p < plan.blockCount(); p++) {
            Block blk = plan.partition().block(plan.block(p));
            Frame f = plan.frames().frame(step, plan.block(p), blk.size());
            double[] s = new double[f.rank()];
            for (int t = 0; t < s.length; t++) s[t] = symbols[plan.symbolOffset(p) + t];
            double[] lifted = new double[blk.size()];
            f.liftAdd(s, 0, factor, lifted, 0);
            for (int i = 0; i < lifted.length; i++) out[blk.offset() + i] += (float) lifted[i];
        }
    }

    @Override
    public float[] residual() {
        float[] e = new float[plan.n()];
        for (int p = 0; p < plan.blockCount(); p++) {
            Block blk = plan.partition().block(plan.block(p));
            for (int i = blk.offset(); i < blk.offset() + blk.size(); i++) e[i] = (float) (alpha[p] * raw[i]);
        }
        return e;
    }

    @Override public void close() {}

    private void checkLength(float[] v, String what) {
        if (v.length != plan.n()) throw new IllegalArgumentException(what + " length " + v.length + " != n=" + plan.n());
    }
}

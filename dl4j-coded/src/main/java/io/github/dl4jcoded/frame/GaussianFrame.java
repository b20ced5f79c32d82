package io.github.dl4jcoded.frame;

import java.util.SplittableRandom;

/**
 * Gaussian-orthonormal frame: a b x r Gaussian matrix orthonormalized by modified Gram-Schmidt
 * (run twice, which restores orthogonality to machine precision). Construction costs O(b r^2) and
 * storage b r doubles, so it is meant for moderate blocks; apply costs O(b r).
 */
public final class GaussianFrame implements Frame {
    private final int b;
    private final int r;
    private final double[] q; // column t at q[t*b .. t*b+b)

    public GaussianFrame(int b, int r, SplittableRandom rnd) {
        if (b <= 0 || r <= 0 || r > b) throw new IllegalArgumentException("need 0 < r <= b, got b=" + b + " r=" + r);
        this.b = b;
        this.r = r;
        this.q = new double[b * r];
        for (int k = 0; k < q.length; k++) q[k] = gaussian(rnd);
        for (int t = 0; t < r; t++) {
            int ot = t * b;
            for (int pass = 0; pass < 2; pass++) {
                for (int u = 0; u < t; u++) {
                    int ou = u * b;
                    double dot = 0;
                    for (int i = 0; i < b; i++) dot += q[ou + i] * q[ot + i];
                    for (int i = 0; i < b; i++) q[ot + i] -= dot * q[ou + i];
                }
            }
            double norm = 0;
            for (int i = 0; i < b; i++) norm += q[ot + i] * q[ot + i];
            norm = Math.sqrt(norm);
            // A Gaussian column is in the span of the previous ones with probability zero.
            for (int i = 0; i < b; i++) q[ot + i] /= norm;
        }
    }

    private static double gaussian(SplittableRandom rnd) {
        // Our own Box-Muller rather than nextGaussian(), so that server and workers on different JDKs
        // draw identical frames.
        double u1 = 1.0 - rnd.nextDouble(), u2 = rnd.nextDouble();
        return Math.sqrt(-2.0 * Math.log(u1)) * Math.cos(2.0 * Math.PI * u2);
    }

    @Override public int dimension() { return b; }

    @Override public int rank() { return r; }

    @Override
    public void encode(double[] g, int gOffset, double[] out, int outOffset) {
        for (int t = 0; t < r; t++) {
            double dot = 0;
            for (int i = 0, o = t * b; i < b; i++) dot += q[o + i] * g[gOffset + i];
            out[outOffset + t] = dot;
        }
    }

    @Override
    public void liftAdd(double[] s, int sOffset, double scale, double[] out, int outOffset) {
        for (int t = 0; t < r; t++) {
            double c = scale * s[sOffset + t];
            for (int i = 0, o = t * b; i < b; i++) out[outOffset + i] += c * q[o + i];
        }
    }

    @Override
    public void direction(int t, double[] out) {
        if (t < 0 || t >= r) throw new IndexOutOfBoundsException("direction " + t + " of rank " + r);
        System.arraycopy(q, t * b, out, 0, b);
    }
}

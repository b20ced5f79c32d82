package io.github.dl4jcoded.frame;

/** F = I (r = b): lossless; symbols are the block's partial derivatives themselves. */
public final class IdentityFrame implements Frame {
    private final int b;

    public IdentityFrame(int b) {
        if (b <= 0) throw new IllegalArgumentException("dimension must be > 0");
        this.b = b;
    }

    @Override public int dimension() { return b; }

    @Override public int rank() { return b; }

    @Override
    public void encode(double[] g, int gOffset, double[] out, int outOffset) {
        System.arraycopy(g, gOffset, out, outOffset, b);
    }

    @Override
    public void liftAdd(double[] s, int sOffset, double scale, double[] out, int outOffset) {
        for (int i = 0; i < b; i++) out[outOffset + i] += scale * s[sOffset + i];
    }

    @Override
    public void lift(double[] s, double[] out, int outOffset) {
        System.arraycopy(s, 0, out, outOffset, b);
    }
}

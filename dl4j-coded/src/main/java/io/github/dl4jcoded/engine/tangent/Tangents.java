package io.github.dl4jcoded.engine.tangent;

import org.nd4j.linalg.api.ndarray.INDArray;

/** Small array helpers shared by the tangent rules (stacked tangents, per-example factors). */
final class Tangents {

    private Tangents() {
    }

    /** {@code [k*B, ...]} as {@code [k, B*...]}, 'c' order (a copy only when needed). */
    static INDArray groups(INDArray stacked, int k) {
        INDArray c = stacked.ordering() == 'c' ? stacked : stacked.dup('c');
        return c.reshape('c', k, c.length() / k);
    }

    /**
     * Multiplies each of the k stacked tangents by the same per-example factor
     * {@code factor [B, ...]} (a diagonal Jacobian): returns a new {@code [k*B, ...]} array.
     */
    static INDArray mulEach(INDArray stacked, int k, INDArray factor) {
        INDArray out = stacked.dup('c');
        INDArray row = factor.ordering() == 'c' ? factor : factor.dup('c');
        out.reshape('c', k, out.length() / k).muliRowVector(row.reshape('c', 1, row.length()));
        return out;
    }

    /**
     * Turns {@code [B, k*C, ...rest]} (the output of one call on the primal input with k
     * parameter tangents stacked along the channel axis) into stacked tangents {@code [k*B, C, ...rest]}.
     */
    static INDArray channelsToBatch(INDArray z, int k) {
        if (k == 1) {
            return z;
        }
        long b = z.size(0);
        long c = z.size(1) / k;
        long[] shape = z.shape().clone();
        long rest = z.length() / (b * k * c);
        INDArray zc = z.ordering() == 'c' ? z : z.dup('c');
        INDArray perm = zc.reshape('c', b, k, c * rest).permute(1, 0, 2).dup('c');
        if (zc != z) {
            release(zc);
        }
        shape[0] = k * b;
        shape[1] = c;
        return perm.reshape('c', shape);
    }

    /** Adds {@code propagated [kOld*B, ...]} into the first kOld tangents of {@code all [kNew*B, ...]}. */
    static INDArray addLeading(INDArray all, INDArray propagated) {
        if (propagated == null) {
            return all;
        }
        long n = propagated.length();
        INDArray flat = all.reshape(all.length());
        flat.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, n))
                .addi(propagated.dup('c').reshape(n));
        return all;
    }

    /**
     * Frees {@code a}'s off-heap memory now, instead of at some later garbage collection, unless
     * it overlaps one of {@code keep} (views share memory) or cannot be closed (a view, a workspace
     * array). Forward mode calls this on what a layer has consumed, so that its peak memory is
     * that of one or two layers, not the sum of all temporaries of the pass.
     */
    static void release(INDArray a, INDArray... keep) {
        if (a == null || a.wasClosed() || !a.closeable()) {
            return;
        }
        for (INDArray k : keep) {
            if (k != null && !k.wasClosed() && overlaps(a, k)) {
                return;
            }
        }
        a.close();
    }

    private static boolean overlaps(INDArray a, INDArray b) {
        long a0 = a.data().address();
        long a1 = a0 + a.data().length() * a.data().getElementSize();
        long b0 = b.data().address();
        long b1 = b0 + b.data().length() * b.data().getElementSize();
        return a0 < b1 && b0 < a1;
    }
}

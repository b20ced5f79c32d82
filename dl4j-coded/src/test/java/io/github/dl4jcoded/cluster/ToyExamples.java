package io.github.dl4jcoded.cluster;

import io.github.dl4jcoded.data.ExampleSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.SplittableRandom;

/** A learnable toy training set (the class is which third of an 8x8 image is bright), the same on every side. */
public final class ToyExamples implements ExampleSource {
    private final float[][] x;
    private final int[] label;
    private final String fingerprint;

    public ToyExamples(int n, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        x = new float[n][64];
        label = new int[n];
        for (int i = 0; i < n; i++) {
            int c = rnd.nextInt(3);
            label[i] = c;
            for (int p = 0; p < 64; p++) {
                x[i][p] = (float) (rnd.nextDouble() * 0.3 + (p >= c * 21 && p < c * 21 + 21 ? 0.7 : 0));
            }
        }
        fingerprint = "toy/" + n + "/seed-" + seed;
    }

    @Override
    public int size() {
        return x.length;
    }

    @Override
    public DataSet examples(int[] indices) {
        INDArray f = Nd4j.create(DataType.FLOAT, indices.length, 64);
        INDArray y = Nd4j.zeros(DataType.FLOAT, indices.length, 3);
        for (int r = 0; r < indices.length; r++) {
            f.putRow(r, Nd4j.createFromArray(x[indices[r]]));
            y.putScalar(r, label[indices[r]], 1.0);
        }
        return new DataSet(f, y);
    }

    @Override
    public String fingerprint() {
        return fingerprint;
    }

    public DataSet all() {
        int[] idx = new int[x.length];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = i;
        }
        return examples(idx);
    }
}

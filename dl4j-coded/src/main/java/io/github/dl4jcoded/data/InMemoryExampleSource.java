package io.github.dl4jcoded.data;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * A labelled data set held in memory (features {@code [n, ...]}, one-hot labels {@code [n, classes]}),
 * whatever its origin: a DataVec reader (CSV, a folder of images; see the {@code datasets}
 * module), a {@code DataSet} of your own. Its fingerprint is the given name plus a SHA-256 of the
 * shapes and values, so a worker whose copy differs in any value or in the order of examples is
 * refused by the server, whatever the files were called.
 */
public final class InMemoryExampleSource implements ExampleSource {
    private final INDArray features; // [n, d]: one flat row per example, reshaped to exampleShape on the way out
    private final INDArray labels;
    private final long[] exampleShape;
    private final String name;
    private String fingerprint; // hashed when first asked for: a source that never meets a peer never pays for it

    private InMemoryExampleSource(INDArray features, INDArray labels, long[] exampleShape, String name) {
        this.features = features;
        this.labels = labels;
        this.exampleShape = exampleShape;
        this.name = name;
    }

    /**
     * The examples of {@code data}, copied (later changes to {@code data} do not reach the source).
     *
     * @param name what the data is, for people (e.g. the file it came from); the fingerprint adds the content hash
     * @throws IllegalArgumentException when {@code data} has no examples, no labels, labels that are not
     *                                   {@code [n, classes]}, masks (not supported), or a NaN or infinite value
     */
    public static InMemoryExampleSource of(DataSet data, String name) {
        INDArray x = data.getFeatures();
        INDArray y = data.getLabels();
        if (x == null || y == null || x.rank() < 2 || x.size(0) == 0) {
            throw new IllegalArgumentException(name + ": no examples, or no labels");
        }
        if (y.rank() != 2 || y.size(0) != x.size(0)) {
            throw new IllegalArgumentException(name + ": labels must be [examples, classes], got "
                    + Arrays.toString(y.shape()) + " for " + x.size(0) + " examples");
        }
        if (data.getFeaturesMaskArray() != null || data.getLabelsMaskArray() != null) {
            throw new IllegalArgumentException(name + ": masked data (time series) is not supported");
        }
        if (!finite(x) || !finite(y)) {
            throw new IllegalArgumentException(name + ": the data hold a NaN or infinite value");
        }
        long n = x.size(0);
        long[] exampleShape = Arrays.copyOfRange(x.shape(), 1, x.rank());
        INDArray flat = x.dup('c').reshape('c', n, x.length() / n).castTo(DataType.FLOAT);
        INDArray labels = y.dup('c').castTo(DataType.FLOAT);
        return new InMemoryExampleSource(flat, labels, exampleShape, name);
    }

    @Override
    public int size() {
        return (int) features.size(0);
    }

    /** The number of classes (the labels' width). */
    public int numClasses() {
        return (int) labels.size(1);
    }

    /** The shape of one example's features, without the leading example dimension (e.g. {@code [1, 28, 28]}). */
    public long[] exampleShape() {
        return exampleShape.clone();
    }

    @Override
    public DataSet examples(int[] indices) {
        for (int i : indices) {
            if (i < 0 || i >= size()) {
                throw new IllegalArgumentException("example " + i + " is not in the " + size() + " examples");
            }
        }
        long[] shape = new long[exampleShape.length + 1];
        shape[0] = indices.length;
        System.arraycopy(exampleShape, 0, shape, 1, exampleShape.length);
        return new DataSet(features.getRows(indices).reshape('c', shape), labels.getRows(indices));
    }

    /** Every example, in order, as one data set (a copy). */
    public DataSet all() {
        int[] every = new int[size()];
        Arrays.setAll(every, i -> i);
        return examples(every);
    }

    @Override
    public synchronized String fingerprint() {
        if (fingerprint == null) {
            fingerprint = name + "/sha256-" + hash(exampleShape, features, labels);
        }
        return fingerprint;
    }

    @Override
    public String toString() {
        return fingerprint() + " (" + size() + " examples of " + Arrays.toString(exampleShape) + ", " + numClasses() + " classes)";
    }

    private static boolean finite(INDArray a) {
        return !org.nd4j.linalg.indexing.BooleanIndexing.or(a, org.nd4j.linalg.indexing.conditions.Conditions.notFinite());
    }

    /** SHA-256 (first 16 hex digits) of the example shape, then every feature and label value as little-endian floats. */
    private static String hash(long[] exampleShape, INDArray features, INDArray labels) {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
        ByteBuffer head = ByteBuffer.allocate(8 * (exampleShape.length + 2)).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(features.size(0)).putLong(labels.size(1));
        for (long d : exampleShape) {
            head.putLong(d);
        }
        sha.update(head.array());
        for (INDArray a : new INDArray[]{features, labels}) {
            float[] v = a.data().asFloat();
            ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
            b.asFloatBuffer().put(v);
            sha.update(b.array());
        }
        return HexFormat.of().formatHex(sha.digest(), 0, 8);
    }
}

package io.github.dl4jcoded.datasets.files;

import org.datavec.api.records.Record;
import org.datavec.api.records.metadata.RecordMetaData;
import org.datavec.api.records.metadata.RecordMetaDataLine;
import org.datavec.api.records.reader.RecordReader;
import org.datavec.api.writable.NDArrayWritable;
import org.datavec.api.writable.Writable;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reads every record of a DataVec {@link RecordReader} into one labelled {@link DataSet}:
 * features {@code [n, d]} from numeric values, or {@code [n, ...]} from one array value per
 * record (an image reader's {@code [1, channels, height, width]}), and one-hot labels
 * {@code [n, classes]} from the label value. It does what DL4J's {@code RecordReaderDataSetIterator}
 * does for classification, and says where a bad value is: the line of a CSV file, the record
 * otherwise.
 */
public final class RecordReaders {
    private RecordReaders() {
    }

    /** The reader itself failed on a record (an undecodable image, an unreadable file), as opposed to a bad value. */
    public static final class UnreadableRecordException extends IllegalArgumentException {
        UnreadableRecordException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * @param labelIndex the label's position in a record, or -1 for the last
     * @param numClasses labels must be whole numbers in {@code 0..numClasses-1}
     * @param what       names the data in error messages (e.g. the file)
     * @throws IllegalArgumentException for no records, a value that is not a number, a label that
     *                                  is not a class, records of different lengths or shapes, or a
     *                                  record the reader cannot read
     */
    public static DataSet read(RecordReader reader, int labelIndex, int numClasses, String what) {
        if (numClasses < 2) {
            throw new IllegalArgumentException(what + ": a classifier needs at least 2 classes, got " + numClasses);
        }
        List<float[]> features = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        long[] exampleShape = null;
        int width = -1;
        for (int k = 0; reader.hasNext(); k++) {
            Record r;
            try {
                r = reader.nextRecord();
            } catch (RuntimeException e) {
                throw new UnreadableRecordException(what + ": cannot read record " + (k + 1) + ": " + rootMessage(e), e);
            }
            String where = what + " " + location(r.getMetaData(), k);
            List<Writable> values = r.getRecord();
            if (width < 0) {
                width = values.size();
                if (width < 2) {
                    throw new IllegalArgumentException(where + ": a record needs features and a label, found " + width + " value(s)");
                }
            } else if (values.size() != width) {
                throw new IllegalArgumentException(where + ": " + values.size() + " values where the first record has " + width);
            }
            int li = labelIndex < 0 ? width - 1 : labelIndex;
            if (li >= width) {
                throw new IllegalArgumentException(where + ": no label column " + li + " in a record of " + width + " values");
            }
            labels.add(label(values.get(li), numClasses, where));
            float[] x;
            long[] shape;
            if (width == 2 && values.get(1 - li) instanceof NDArrayWritable a) {
                INDArray arr = a.get();
                x = arr.dup('c').data().asFloat();
                long[] s = arr.shape();
                shape = s.length > 1 && s[0] == 1 ? Arrays.copyOfRange(s, 1, s.length) : s;
            } else {
                x = new float[width - 1];
                for (int c = 0, j = 0; c < width; c++) {
                    if (c != li) {
                        x[j++] = number(values.get(c), where + ", column " + (c + 1));
                    }
                }
                shape = new long[]{x.length};
            }
            if (exampleShape == null) {
                exampleShape = shape;
            } else if (!Arrays.equals(exampleShape, shape)) {
                throw new IllegalArgumentException(where + ": features of shape " + Arrays.toString(shape)
                        + " where the first record has " + Arrays.toString(exampleShape));
            }
            features.add(x);
        }
        if (features.isEmpty()) {
            throw new IllegalArgumentException(what + ": no records");
        }
        int n = features.size();
        int d = features.get(0).length;
        float[] flat = new float[n * d];
        float[] oneHot = new float[n * numClasses];
        for (int i = 0; i < n; i++) {
            System.arraycopy(features.get(i), 0, flat, i * d, d);
            oneHot[i * numClasses + labels.get(i)] = 1f;
        }
        long[] shape = new long[exampleShape.length + 1];
        shape[0] = n;
        System.arraycopy(exampleShape, 0, shape, 1, exampleShape.length);
        return new DataSet(Nd4j.create(flat, shape, 'c'), Nd4j.create(oneHot, new long[]{n, numClasses}, 'c'));
    }

    private static String location(RecordMetaData meta, int k) {
        if (meta instanceof RecordMetaDataLine line) {
            return "line " + (line.getLineNumber() + 1); // DataVec counts lines from 0, skipped ones included
        }
        if (meta != null && meta.getURI() != null) {
            return meta.getURI().getPath();
        }
        return "record " + (k + 1);
    }

    private static float number(Writable w, String where) {
        double v;
        try {
            v = w.toDouble();
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(where + ": '" + shorten(w.toString()) + "' is not a number");
        }
        if (!Double.isFinite(v)) {
            throw new IllegalArgumentException(where + ": " + v + " is not a finite number");
        }
        return (float) v;
    }

    private static int label(Writable w, int numClasses, String where) {
        double v = number(w, where + ", label");
        if (v != Math.rint(v) || v < 0 || v >= numClasses) {
            throw new IllegalArgumentException(where + ": label " + w + " is not a class in 0.." + (numClasses - 1)
                    + " (" + numClasses + " classes): check the label column and the number of classes");
        }
        return (int) v;
    }

    private static String shorten(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "...";
    }

    static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String m = String.valueOf(t.getMessage());
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}

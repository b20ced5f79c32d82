package io.github.dl4jcoded.datasets.files;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.preprocessor.DataNormalization;
import org.nd4j.linalg.dataset.api.preprocessor.ImagePreProcessingScaler;
import org.nd4j.linalg.dataset.api.preprocessor.NormalizerMinMaxScaler;
import org.nd4j.linalg.dataset.api.preprocessor.NormalizerStandardize;

import java.util.function.Supplier;

/**
 * DL4J's normalizers, fitted on the training data and applied alike to the test data: NONE;
 * SCALE, pixel values 0..255 to [0, 1] ({@link ImagePreProcessingScaler}); STANDARDIZE, every
 * feature to mean 0 and standard deviation 1 ({@link NormalizerStandardize}); MINMAX, every
 * feature to [0, 1] by its range in the training data ({@link NormalizerMinMaxScaler}). Features
 * are normalized per value (per pixel and channel for images).
 */
public enum Normalization {
    NONE(null),
    SCALE(() -> new ImagePreProcessingScaler(0, 1)),
    STANDARDIZE(NormalizerStandardize::new),
    MINMAX(NormalizerMinMaxScaler::new);

    private final Supplier<DataNormalization> normalizer;

    Normalization(Supplier<DataNormalization> normalizer) {
        this.normalizer = normalizer;
    }

    /**
     * Fits on {@code train} and normalizes the features of {@code train} and of every
     * {@code others} in place (nothing for NONE).
     */
    public void apply(DataSet train, DataSet... others) {
        if (normalizer == null) {
            return;
        }
        DataNormalization n = normalizer.get();
        DataSet flatTrain = flat(train);
        n.fit(flatTrain);
        for (DataSet d : prepend(train, others)) {
            DataSet f = d == train ? flatTrain : flat(d);
            n.transform(f);
            d.setFeatures(f.getFeatures().reshape('c', d.getFeatures().shape()));
        }
    }

    /** A view with features {@code [n, values]}: DL4J's normalizers take rank 2 (and rank 3 as time series). */
    private static DataSet flat(DataSet d) {
        INDArray x = d.getFeatures();
        long n = x.size(0);
        return new DataSet(x.dup('c').reshape('c', n, x.length() / n), d.getLabels());
    }

    private static DataSet[] prepend(DataSet first, DataSet[] rest) {
        DataSet[] all = new DataSet[rest.length + 1];
        all[0] = first;
        System.arraycopy(rest, 0, all, 1, rest.length);
        return all;
    }
}

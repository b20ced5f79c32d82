package io.github.dl4jcoded.examples;

import io.github.dl4jcoded.datasets.files.CsvData;
import io.github.dl4jcoded.datasets.files.ImageFolder;
import io.github.dl4jcoded.datasets.files.Normalization;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Which data a run trains and tests on (a picocli mixin): the MNIST digits by default, or your
 * own through DataVec, a CSV file or a folder of class folders of images. Server and workers
 * must be given the same options (a worker whose data differ is refused: the fingerprint).
 */
final class DataOptions {
    @picocli.CommandLine.Mixin
    MnistOptions mnist = new MnistOptions();

    @Option(names = "--train-data", paramLabel = "PATH", description = "train on your data instead of the digits: a CSV file"
            + " (numbers, one example per line, an integer class label; see --classes) or a folder of images with one folder"
            + " per class (PATH/cat/1.png; see --image-size)")
    Path trainData;

    @Option(names = "--test-data", paramLabel = "PATH", description = "test on this data, of the same kind as --train-data"
            + " (default: hold out --test-fraction of --train-data)")
    Path testData;

    @Option(names = "--test-fraction", defaultValue = "0.2",
            description = "without --test-data: the share of --train-data held out for testing, drawn with --split-seed (default: ${DEFAULT-VALUE})")
    double testFraction;

    @Option(names = "--classes", paramLabel = "K", description = "CSV: the number of classes (labels 0..K-1)")
    Integer classes;

    @Option(names = "--label-column", defaultValue = "-1",
            description = "CSV: the label's column, counted from 0; -1 for the last (default: ${DEFAULT-VALUE})")
    int labelColumn;

    @Option(names = "--skip-lines", defaultValue = "0", description = "CSV: header lines to skip (default: ${DEFAULT-VALUE})")
    int skipLines;

    @Option(names = "--image-size", paramLabel = "HxWxC", defaultValue = "28x28x1",
            description = "images: every image scaled to this height, width and channel count (default: ${DEFAULT-VALUE})")
    String imageSize;

    @Option(names = "--normalize", defaultValue = "none", converter = NormalizationConverter.class,
            description = "your data: none, scale (pixels 0..255 to [0, 1]), standardize (mean 0, sd 1 per value) or minmax "
                    + "([0, 1] per value), fitted on the training part (default: ${DEFAULT-VALUE})")
    Normalization normalize;

    static final class NormalizationConverter implements picocli.CommandLine.ITypeConverter<Normalization> {
        @Override
        public Normalization convert(String value) {
            try {
                return Normalization.valueOf(value.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.TypeConversionException(
                        "unknown normalization '" + value + "': choose none, scale, standardize or minmax");
            }
        }
    }

    /**
     * Reads the data the options name.
     *
     * @throws IllegalArgumentException for options that do not fit together, or data that cannot be read
     *                                  (the message names the file and what to change)
     */
    TrainingData load() {
        if (trainData == null) {
            if (testData != null) {
                throw new IllegalArgumentException("--test-data needs --train-data (the MNIST digits bring their own test set)");
            }
            return TrainingData.mnist(mnist.trainSize, mnist.testSize, mnist.splitSeed);
        }
        if (!(testFraction > 0 && testFraction < 1)) {
            throw new IllegalArgumentException("--test-fraction must be between 0 and 1, got " + testFraction);
        }
        boolean images = Files.isDirectory(trainData);
        if (testData != null && Files.isDirectory(testData) != images) {
            throw new IllegalArgumentException("--test-data " + testData + " must be of the same kind as --train-data "
                    + trainData + " (both CSV files or both image folders)");
        }
        if (images) {
            int[] hwc = parseImageSize();
            ImageFolder.Labelled train = ImageFolder.read(trainData, hwc[0], hwc[1], hwc[2]);
            ImageFolder.Labelled test = testData == null ? null : ImageFolder.read(testData, hwc[0], hwc[1], hwc[2]);
            if (test != null && !test.classes().equals(train.classes())) {
                throw new IllegalArgumentException("--test-data " + testData + " has the classes " + test.classes()
                        + ", --train-data " + trainData + " has " + train.classes() + ": give both the same class folders");
            }
            return TrainingData.of(train.data(), test == null ? null : test.data(), testFraction, mnist.splitSeed, normalize,
                    "images " + trainData + " (" + imageSize + ", classes " + String.join(", ", train.classes()) + ")");
        }
        if (classes == null) {
            throw new IllegalArgumentException("--train-data " + trainData + " is a CSV file: say how many classes its labels"
                    + " name with --classes K (labels 0..K-1)");
        }
        var train = CsvData.read(trainData, labelColumn, classes, skipLines);
        var test = testData == null ? null : CsvData.read(testData, labelColumn, classes, skipLines);
        return TrainingData.of(train, test, testFraction, mnist.splitSeed, normalize, "CSV " + trainData + " (" + classes + " classes)");
    }

    private int[] parseImageSize() {
        String[] p = imageSize.toLowerCase(Locale.ROOT).split("x");
        try {
            if (p.length == 3) {
                int[] hwc = {Integer.parseInt(p[0]), Integer.parseInt(p[1]), Integer.parseInt(p[2])};
                if (hwc[0] > 0 && hwc[1] > 0 && hwc[2] > 0) {
                    return hwc;
                }
            }
        } catch (NumberFormatException e) {
            // the message below says what is expected
        }
        throw new IllegalArgumentException("--image-size must be HEIGHTxWIDTHxCHANNELS of positive numbers, e.g. 28x28x1, got " + imageSize);
    }
}

package io.github.dl4jcoded.datasets.files;

import org.datavec.api.records.reader.impl.csv.CSVRecordReader;
import org.datavec.api.split.FileSplit;
import org.nd4j.linalg.dataset.DataSet;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A CSV file of numeric features and an integer class label per line, read with DataVec's {@link CSVRecordReader}. */
public final class CsvData {
    private CsvData() {
    }

    /**
     * @param labelColumn the label's column, counted from 0, or -1 for the last
     * @param skipLines   lines to skip at the top (a header)
     * @throws IllegalArgumentException when the file is missing or unreadable, or holds a bad value ({@link RecordReaders#read})
     */
    public static DataSet read(Path file, int labelColumn, int numClasses, int skipLines) {
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            throw new IllegalArgumentException(file + ": no such readable file");
        }
        if (skipLines < 0) {
            throw new IllegalArgumentException("lines to skip must not be negative, got " + skipLines);
        }
        try (CSVRecordReader reader = new CSVRecordReader(skipLines, ',')) {
            reader.initialize(new FileSplit(file.toFile()));
            return RecordReaders.read(reader, labelColumn, numClasses, file.toString());
        } catch (IOException | InterruptedException e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new IllegalArgumentException(file + ": cannot read: " + e.getMessage(), e);
        }
    }
}

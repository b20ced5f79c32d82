package io.github.dl4jcoded.datasets.mnist;

import org.datavec.api.conf.Configuration;
import org.datavec.api.records.Record;
import org.datavec.api.records.metadata.RecordMetaData;
import org.datavec.api.records.metadata.RecordMetaDataIndex;
import org.datavec.api.records.reader.BaseRecordReader;
import org.datavec.api.split.InputSplit;
import org.datavec.api.writable.FloatWritable;
import org.datavec.api.writable.IntWritable;
import org.datavec.api.writable.Writable;

import java.io.DataInputStream;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * A DataVec {@link org.datavec.api.records.reader.RecordReader} over {@link MnistDigits}: each
 * record is 784 {@link FloatWritable} pixels followed by an {@link IntWritable} label, so it
 * plugs into {@code RecordReaderDataSetIterator(reader, batch, 784, 10)}. Records are built
 * lazily, one at a time, from the in-memory digits; no input split is needed.
 */
public final class MnistRecordReader extends BaseRecordReader {
    private static final long serialVersionUID = 1L;
    private static final URI SOURCE = URI.create("npm:" + NpmMnistSource.PACKAGE);

    private final transient MnistDigits digits;
    private int cursor;
    private Configuration conf;

    public MnistRecordReader(MnistDigits digits) {
        this.digits = digits;
    }

    /** Index of the label column in every record. */
    public static int labelIndex() {
        return MnistDigits.PIXELS;
    }

    @Override
    public void initialize(InputSplit split) {
        cursor = 0; // the digits are already in memory; any split is ignored
    }

    @Override
    public void initialize(Configuration conf, InputSplit split) {
        this.conf = conf;
        initialize(split);
    }

    @Override
    public List<Writable> next() {
        if (!hasNext()) {
            throw new NoSuchElementException("no more digits; call reset()");
        }
        List<Writable> r = recordAt(cursor++);
        invokeListeners(r);
        return r;
    }

    private List<Writable> recordAt(int i) {
        List<Writable> r = new ArrayList<>(MnistDigits.PIXELS + 1);
        for (int p = 0; p < MnistDigits.PIXELS; p++) {
            r.add(new FloatWritable(digits.pixel(i, p)));
        }
        r.add(new IntWritable(digits.label(i)));
        return r;
    }

    @Override
    public boolean hasNext() {
        return cursor < digits.size();
    }

    @Override
    public List<String> getLabels() {
        return MnistDigits.labelNames();
    }

    @Override
    public void reset() {
        cursor = 0;
    }

    @Override
    public boolean resetSupported() {
        return true;
    }

    @Override
    public List<Writable> record(URI uri, DataInputStream dataInputStream) {
        throw new UnsupportedOperationException("MnistRecordReader reads in-memory digits, not streams");
    }

    @Override
    public Record nextRecord() {
        int i = cursor;
        List<Writable> r = next();
        return new org.datavec.api.records.impl.Record(r, new RecordMetaDataIndex(i, SOURCE, MnistRecordReader.class));
    }

    @Override
    public Record loadFromMetaData(RecordMetaData meta) throws IOException {
        if (!(meta instanceof RecordMetaDataIndex idx) || idx.getIndex() < 0 || idx.getIndex() >= digits.size()) {
            throw new IOException("not a record of this reader: " + meta);
        }
        return new org.datavec.api.records.impl.Record(recordAt((int) idx.getIndex()), meta);
    }

    @Override
    public List<Record> loadFromMetaData(List<RecordMetaData> metas) throws IOException {
        List<Record> out = new ArrayList<>(metas.size());
        for (RecordMetaData m : metas) {
            out.add(loadFromMetaData(m));
        }
        return out;
    }

    @Override
    public void close() {
    }

    @Override
    public void setConf(Configuration conf) {
        this.conf = conf;
    }

    @Override
    public Configuration getConf() {
        return conf;
    }
}

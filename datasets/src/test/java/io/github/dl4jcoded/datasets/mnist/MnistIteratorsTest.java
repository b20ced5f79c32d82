package io.github.dl4jcoded.datasets.mnist;

import io.github.dl4jcoded.datasets.synthetic.SyntheticDigits;
import org.datavec.api.records.Record;
import org.datavec.api.writable.Writable;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.dataset.DataSet;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MnistIteratorsTest {
    private final MnistDigits digits = SyntheticDigits.generate(7, 3L); // 70 samples

    @Test
    void iteratorCoversEverySampleOncePerEpochWithOneHotLabels() {
        MnistDataSetIterator it = new MnistDataSetIterator(digits, 16, true, 1L);
        int seen = 0;
        int batches = 0;
        int[] perClass = new int[10];
        while (it.hasNext()) {
            DataSet ds = it.next();
            batches++;
            assertEquals(784, ds.getFeatures().size(1));
            assertEquals(10, ds.getLabels().size(1));
            for (int r = 0; r < ds.numExamples(); r++) {
                assertEquals(1.0, ds.getLabels().getRow(r).sumNumber().doubleValue(), 0.0);
                perClass[ds.getLabels().getRow(r).argMax().getInt(0)]++;
            }
            seen += ds.numExamples();
        }
        assertEquals(70, seen);
        assertEquals(5, batches); // 16+16+16+16+6
        assertArrayEquals(digits.countsPerDigit(), perClass);
    }

    @Test
    void sameSeedSameBatchesAndNewOrderEachEpoch() {
        MnistDataSetIterator a = new MnistDataSetIterator(digits, 10, true, 5L);
        MnistDataSetIterator b = new MnistDataSetIterator(digits, 10, true, 5L);
        DataSet a1 = a.next();
        assertEquals(a1.getFeatures(), b.next().getFeatures());
        a.reset();
        assertFalse(a1.getFeatures().equals(a.next().getFeatures()), "reshuffled on reset");
    }

    @Test
    void rejectsBadArguments() {
        assertThrows(IllegalArgumentException.class, () -> new MnistDataSetIterator(digits, 0, true, 1L));
    }

    @Test
    void recordReaderYieldsPixelsThenLabel() throws Exception {
        MnistRecordReader rr = new MnistRecordReader(digits);
        Set<Integer> labels = new HashSet<>();
        int n = 0;
        while (rr.hasNext()) {
            Record rec = rr.nextRecord();
            List<Writable> w = rec.getRecord();
            assertEquals(785, w.size());
            assertEquals(digits.pixel(n, 100), w.get(100).toFloat(), 0f);
            labels.add(w.get(MnistRecordReader.labelIndex()).toInt());
            assertEquals(w, rr.loadFromMetaData(rec.getMetaData()).getRecord());
            n++;
        }
        assertEquals(70, n);
        assertEquals(10, labels.size());
        rr.reset();
        assertTrue(rr.hasNext());
    }
}

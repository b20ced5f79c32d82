package io.github.dl4jcoded.data;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class InMemoryExampleSourceTest {
    private static DataSet images(float bump, boolean swap) {
        float[] x = new float[3 * 2 * 2];
        for (int i = 0; i < x.length; i++) {
            x[i] = i;
        }
        x[5] += bump;
        float[] y = {1, 0, 0, 1, 1, 0};
        DataSet d = new DataSet(Nd4j.create(x, new long[]{3, 1, 2, 2}, 'c'), Nd4j.create(y, new long[]{3, 2}, 'c'));
        if (swap) {
            return new DataSet(Nd4j.concat(0, d.getFeatures().get(org.nd4j.linalg.indexing.NDArrayIndex.interval(1, 2)),
                    d.getFeatures().get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 1)),
                    d.getFeatures().get(org.nd4j.linalg.indexing.NDArrayIndex.interval(2, 3))),
                    Nd4j.concat(0, d.getLabels().getRows(1), d.getLabels().getRows(0), d.getLabels().getRows(2)));
        }
        return d;
    }

    @Test
    void servesExamplesInTheirShapeAndFingerprintsTheContent() {
        InMemoryExampleSource s = InMemoryExampleSource.of(images(0, false), "imgs");
        assertEquals(3, s.size());
        assertEquals(2, s.numClasses());
        assertArrayEquals(new long[]{1, 2, 2}, s.exampleShape());
        DataSet two = s.examples(new int[]{2, 0});
        assertArrayEquals(new long[]{2, 1, 2, 2}, two.getFeatures().shape());
        assertArrayEquals(new float[]{8, 9, 10, 11, 0, 1, 2, 3}, two.getFeatures().data().asFloat(), 0f);
        assertArrayEquals(new float[]{1, 0, 1, 0}, two.getLabels().data().asFloat(), 0f);

        assertEquals(s.fingerprint(), InMemoryExampleSource.of(images(0, false), "imgs").fingerprint());
        assertNotEquals(s.fingerprint(), InMemoryExampleSource.of(images(1e-3f, false), "imgs").fingerprint(), "one value");
        assertNotEquals(s.fingerprint(), InMemoryExampleSource.of(images(0, true), "imgs").fingerprint(), "the order");
        assertThrows(IllegalArgumentException.class, () -> s.examples(new int[]{3}));
    }

    @Test
    void refusesDataItCannotServe() {
        DataSet nan = images(Float.NaN, false);
        assertEquals("x: the data hold a NaN or infinite value",
                assertThrows(IllegalArgumentException.class, () -> InMemoryExampleSource.of(nan, "x")).getMessage());
        DataSet noLabels = new DataSet(Nd4j.zeros(2, 3), null);
        assertThrows(IllegalArgumentException.class, () -> InMemoryExampleSource.of(noLabels, "x"));
    }

    @Test
    void iteratorShufflesReproduciblyAndCoversEveryExampleOncePerEpoch() {
        InMemoryExampleSource s = InMemoryExampleSource.of(images(0, false), "imgs");
        ExampleIterator a = new ExampleIterator(s, 2, true, 7);
        ExampleIterator b = new ExampleIterator(s, 2, true, 7);
        float sum = 0;
        int n = 0;
        while (a.hasNext()) {
            DataSet da = a.next();
            DataSet db = b.next();
            assertEquals(da.getFeatures(), db.getFeatures());
            sum += da.getFeatures().sumNumber().floatValue();
            n += da.numExamples();
        }
        assertEquals(3, n);
        assertEquals(66f, sum, 0f);
    }
}

package io.github.dl4jcoded.datasets.files;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.dataset.DataSet;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DataFilesTest {
    @TempDir
    Path dir;

    @Test
    void csvReadsFeaturesAndOneHotLabelsFromAnyLabelColumn() throws IOException {
        Path csv = Files.writeString(dir.resolve("d.csv"), "a,label,b\n0.5,2,-1\n1.5,0,3e2\n");
        DataSet d = CsvData.read(csv, 1, 3, 1);
        assertArrayEquals(new long[]{2, 2}, d.getFeatures().shape());
        assertArrayEquals(new float[]{0.5f, -1f, 1.5f, 300f}, d.getFeatures().data().asFloat(), 0f);
        assertArrayEquals(new float[]{0, 0, 1, 1, 0, 0}, d.getLabels().data().asFloat(), 0f);
        DataSet last = CsvData.read(Files.writeString(dir.resolve("e.csv"), "1,2,1\n3,4,0\n"), -1, 2, 0);
        assertArrayEquals(new float[]{1, 2, 3, 4}, last.getFeatures().data().asFloat(), 0f);
        assertArrayEquals(new float[]{0, 1, 1, 0}, last.getLabels().data().asFloat(), 0f);
    }

    @Test
    void csvBadValuesAreNamedWithFileLineAndColumn() throws IOException {
        Path csv = Files.writeString(dir.resolve("bad.csv"), "x,y,label\n1,2,0\n3,oops,1\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CsvData.read(csv, -1, 2, 1));
        assertEquals(csv + " line 3, column 2: 'oops' is not a number", e.getMessage());

        Path label = Files.writeString(dir.resolve("label.csv"), "1,2,0\n3,4,10\n");
        e = assertThrows(IllegalArgumentException.class, () -> CsvData.read(label, -1, 10, 0));
        assertTrue(e.getMessage().startsWith(label + " line 2: label 10 is not a class in 0..9 (10 classes)"), e.getMessage());

        Path fraction = Files.writeString(dir.resolve("fraction.csv"), "1,2,0.5\n");
        e = assertThrows(IllegalArgumentException.class, () -> CsvData.read(fraction, -1, 2, 0));
        assertTrue(e.getMessage().contains("label 0.5 is not a class"), e.getMessage());

        Path ragged = Files.writeString(dir.resolve("ragged.csv"), "1,2,0\n3,1\n");
        e = assertThrows(IllegalArgumentException.class, () -> CsvData.read(ragged, -1, 2, 0));
        assertEquals(ragged + " line 2: 2 values where the first record has 3", e.getMessage());

        Path empty = Files.writeString(dir.resolve("empty.csv"), "header\n");
        e = assertThrows(IllegalArgumentException.class, () -> CsvData.read(empty, -1, 2, 1));
        assertEquals(empty + ": no records", e.getMessage());

        e = assertThrows(IllegalArgumentException.class, () -> CsvData.read(dir.resolve("missing.csv"), -1, 2, 0));
        assertEquals(dir.resolve("missing.csv") + ": no such readable file", e.getMessage());
    }

    @Test
    void imageFolderReadsClassesInNameOrderWithRawPixels() throws IOException {
        writeImage(dir.resolve("b/1.png"), 7);
        writeImage(dir.resolve("a/2.png"), 200);
        writeImage(dir.resolve("a/1.png"), 100);
        Files.writeString(dir.resolve("a/notes.txt"), "not an image");
        ImageFolder.Labelled l = ImageFolder.read(dir, 4, 4, 1);
        assertEquals(List.of("a", "b"), l.classes());
        DataSet d = l.data();
        assertArrayEquals(new long[]{3, 1, 4, 4}, d.getFeatures().shape());
        // a/1.png, a/2.png, b/1.png: one bright pixel at (0, 0) each
        assertEquals(100f, d.getFeatures().getFloat(0, 0, 0, 0), 0f);
        assertEquals(200f, d.getFeatures().getFloat(1, 0, 0, 0), 0f);
        assertEquals(7f, d.getFeatures().getFloat(2, 0, 0, 0), 0f);
        assertEquals(0f, d.getFeatures().getFloat(2, 0, 3, 3), 0f);
        assertArrayEquals(new float[]{1, 0, 1, 0, 0, 1}, d.getLabels().data().asFloat(), 0f);

        Normalization.SCALE.apply(d);
        assertEquals(200f / 255f, d.getFeatures().getFloat(1, 0, 0, 0), 1e-6f);
    }

    @Test
    void imageFolderBadInputIsNamed() throws IOException {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ImageFolder.read(dir.resolve("none"), 4, 4, 1));
        assertEquals(dir.resolve("none") + ": no such folder", e.getMessage());

        Files.createDirectories(dir.resolve("empty/cat"));
        e = assertThrows(IllegalArgumentException.class, () -> ImageFolder.read(dir.resolve("empty"), 4, 4, 1));
        assertTrue(e.getMessage().startsWith(dir.resolve("empty") + " has no class folders with images"), e.getMessage());

        writeImage(dir.resolve("loose/x.png"), 1);
        writeImage(dir.resolve("loose/c/y.png"), 1);
        e = assertThrows(IllegalArgumentException.class, () -> ImageFolder.read(dir.resolve("loose"), 4, 4, 1));
        assertTrue(e.getMessage().startsWith(dir.resolve("loose/x.png") + " is not in a class folder"), e.getMessage());

        writeImage(dir.resolve("broken/a/1.png"), 1);
        Files.createDirectories(dir.resolve("broken/b"));
        Files.writeString(dir.resolve("broken/b/2.png"), "garbage, not a PNG");
        e = assertThrows(IllegalArgumentException.class, () -> ImageFolder.read(dir.resolve("broken"), 4, 4, 1));
        assertTrue(e.getMessage().startsWith(dir.resolve("broken/b/2.png").toAbsolutePath() + ": cannot be read as an image"), e.getMessage());
    }

    @Test
    void normalizersFitOnTrainAndApplyToTest() {
        DataSet train = new DataSet(org.nd4j.linalg.factory.Nd4j.createFromArray(new float[][]{{0, 10}, {2, 30}}),
                org.nd4j.linalg.factory.Nd4j.createFromArray(new float[][]{{1, 0}, {0, 1}}));
        DataSet test = new DataSet(org.nd4j.linalg.factory.Nd4j.createFromArray(new float[][]{{4, 20}}),
                org.nd4j.linalg.factory.Nd4j.createFromArray(new float[][]{{1, 0}}));
        Normalization.MINMAX.apply(train, test);
        assertArrayEquals(new float[]{0, 0, 1, 1}, train.getFeatures().data().asFloat(), 1e-6f);
        assertArrayEquals(new float[]{2, 0.5f}, test.getFeatures().data().asFloat(), 1e-6f);
    }

    private static void writeImage(Path file, int pixel) throws IOException {
        Files.createDirectories(file.getParent());
        BufferedImage im = new BufferedImage(4, 4, BufferedImage.TYPE_BYTE_GRAY);
        im.getRaster().setSample(0, 0, 0, pixel);
        ImageIO.write(im, "png", file.toFile());
    }
}

package io.github.dl4jcoded.examples;

import io.github.dl4jcoded.datasets.mnist.Mnist;
import io.github.dl4jcoded.datasets.mnist.MnistDigits;
import io.github.dl4jcoded.datasets.mnist.MnistSplit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.awt.image.WritableRaster;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code export}: writes the MNIST digits as files of the kinds {@code --train-data} reads, so
 * that the path for your own data can be tried, and tested, on real data: a folder per digit of
 * 28 x 28 grey PNG images, or CSV files of 784 values in [0, 1] and the label.
 */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = "Write the MNIST digits as files --train-data reads: OUT/train and OUT/test, each a folder per digit of"
                + " PNG images (--format png) or OUT/train.csv and OUT/test.csv (--format csv).")
public final class ExportCommand implements Callable<Integer> {
    enum Format { PNG, CSV }

    @Option(names = "--format", defaultValue = "png", description = "png or csv (default: ${DEFAULT-VALUE})")
    Format format;

    @Option(names = "--out", required = true, description = "output folder")
    Path out;

    @picocli.CommandLine.Mixin
    MnistOptions mnist = new MnistOptions();

    @Override
    public Integer call() throws IOException {
        MnistSplit split = MnistSplit.of(Mnist.load(), mnist.trainSize, mnist.testSize, mnist.splitSeed);
        Files.createDirectories(out);
        for (String part : new String[]{"train", "test"}) {
            MnistDigits digits = part.equals("train") ? split.train() : split.test();
            Path where = format == Format.PNG ? writeImages(digits, out.resolve(part)) : writeCsv(digits, out.resolve(part + ".csv"));
            System.out.printf(Locale.ROOT, "%s: %d digits in %s%n", part, digits.size(), where);
        }
        return 0;
    }

    /** One folder per digit, {@code 00042.png} for the 43rd digit of the part. */
    static Path writeImages(MnistDigits digits, Path dir) throws IOException {
        float[] pixels = new float[MnistDigits.PIXELS];
        for (int c = 0; c < MnistDigits.CLASSES; c++) {
            Files.createDirectories(dir.resolve(Integer.toString(c)));
        }
        for (int i = 0; i < digits.size(); i++) {
            digits.copyPixels(i, pixels, 0);
            BufferedImage im = new BufferedImage(MnistDigits.COLS, MnistDigits.ROWS, BufferedImage.TYPE_BYTE_GRAY);
            WritableRaster r = im.getRaster();
            for (int p = 0; p < MnistDigits.PIXELS; p++) {
                r.setSample(p % MnistDigits.COLS, p / MnistDigits.COLS, 0, Math.round(pixels[p] * 255f));
            }
            ImageIO.write(im, "png", dir.resolve(digits.label(i) + "/" + String.format(Locale.ROOT, "%05d.png", i)).toFile());
        }
        return dir;
    }

    /** A header line, then the 784 pixel values in [0, 1] and the label per line. */
    static Path writeCsv(MnistDigits digits, Path file) throws IOException {
        float[] pixels = new float[MnistDigits.PIXELS];
        try (BufferedWriter w = Files.newBufferedWriter(file)) {
            StringBuilder header = new StringBuilder();
            for (int p = 0; p < MnistDigits.PIXELS; p++) {
                header.append('p').append(p).append(',');
            }
            w.write(header.append("label\n").toString());
            for (int i = 0; i < digits.size(); i++) {
                digits.copyPixels(i, pixels, 0);
                StringBuilder line = new StringBuilder();
                for (float v : pixels) {
                    line.append(v == 0f ? "0" : Float.toString(v)).append(',');
                }
                w.write(line.append(digits.label(i)).append('\n').toString());
            }
        }
        return file;
    }
}
